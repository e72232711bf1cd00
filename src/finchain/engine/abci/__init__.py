"""The ABCI 2.0 engine side: the socket server CometBFT connects to, the request handlers, the
framing and the generated protobuf types (`proto/`, from scripts/gen_abci_proto.sh)."""

from __future__ import annotations

from finchain.engine.abci.codes import from_abci_code, to_abci_code
from finchain.engine.abci.handlers import AbciHandlers, AbciObserver
from finchain.engine.abci.server import AbciServer, ListenAddress

__all__ = [
    "AbciHandlers",
    "AbciObserver",
    "AbciServer",
    "ListenAddress",
    "from_abci_code",
    "to_abci_code",
]
