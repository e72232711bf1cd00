"""Read view and write keeper over `auth/`: account nonces."""

from __future__ import annotations

from finchain.codec import decode_uint, encode_uint
from finchain.crypto import CryptoSuite
from finchain.modules.auth import keys
from finchain.state import StateReader, StateWriter

FEE_COLLECTOR_SEED = b"finchain/fee_collector"


def compute_fee_collector(suite: CryptoSuite) -> bytes:
    """The address fees are paid to: no key signs for it (a hash of a fixed seed)."""
    return suite.hash(FEE_COLLECTOR_SEED)[:20]


class AuthView:
    def __init__(self, state: StateReader) -> None:
        self._state = state

    def get_next_nonce(self, address: bytes) -> int:
        raw = self._state.get(keys.nonce_key(address))
        return 0 if raw is None else decode_uint(raw)


class AuthKeeper(AuthView):
    def __init__(self, state: StateWriter) -> None:
        super().__init__(state)
        self._writer = state

    def set_next_nonce(self, address: bytes, nonce: int) -> None:
        self._writer.set(keys.nonce_key(address), encode_uint(nonce))
