"""Issue 15: a deploy whose source nests too deeply is a stable rejection, never an exception.

Through the solo engine's HTTP API (400 `contracts/too_deep`, nothing changes) and through the ABCI
handlers (CheckTx answers a code and codespace, FinalizeBlock records the same failure receipt on
every node whatever its thread and stack). Also the application's own guards: check_tx turns any
unexpected exception into `tx/internal_rejection`; finalize_block records a RecursionError raised
by a message as that failure, and stops on anything else (a broken invariant)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any, TypeVar

import pytest
from fastapi.testclient import TestClient

from finchain.api import NodeServices, create_api
from finchain.engine.abci import AbciHandlers
from finchain.engine.abci.proto.tendermint.abci import types_pb2 as abci
from finchain.modules.bank import Transfer
from finchain.modules.contracts import Deploy
from finchain.vm import encode_args
from tests.app.support import InBlock, assert_rejected, make_header, snapshot
from tests.helpers import Chain, make_chain

T = TypeVar("T")
HEADER = "from finchain.contract import ctx, export\n\n\n@export\ndef run() -> None:\n    "
DEEP_SOURCES = {
    "parentheses": "x = " + "(" * 10_000 + "1" + ")" * 10_000,
    "unary": "x = " + "-" * 10_000 + "1",
    "attributes": "x = ctx" + ".a" * 8_000,
    "brackets": "x = " + "[" * 5_000 + "]" * 5_000,
    "if blocks": "".join(" " * (4 + i) + "if x:\n" for i in range(90)).lstrip() + " " * 94 + "pass",
}
LIMIT = 100_000
SEED = b"issue-15-deep-source"


def deep_deploy(chain: Chain, shape: str, nonce: int | None = None) -> bytes:
    source = HEADER + DEEP_SOURCES[shape] + "\n"
    return chain.sign("bank-a", Deploy(source, encode_args([]), LIMIT), nonce=nonce)


@pytest.fixture
def chain(tmp_path: Path) -> Iterator[Chain]:
    c = make_chain(tmp_path / "chain", key_seed=SEED)
    yield c
    c.close()


@pytest.mark.parametrize("shape", sorted(DEEP_SOURCES))
def test_invalid_too_deep_deploy_is_refused_and_costs_only_the_nonce(
    chain: Chain, shape: str
) -> None:
    assert_rejected(chain, deep_deploy(chain, shape), "contracts/too_deep", InBlock.MESSAGE)


def test_invalid_too_deep_deploy_over_http_is_400(tmp_path: Path) -> None:
    chain = make_chain(tmp_path / "http")
    chain.engine.start()
    try:
        services = NodeServices(chain.app, chain.engine, chain.db)
        with TestClient(create_api(services), raise_server_exceptions=False) as client:
            before = snapshot(chain.app)
            for shape in sorted(DEEP_SOURCES):
                raw = deep_deploy(chain, shape, nonce=0)
                response = client.post("/v1/txs", json={"tx": raw.hex()})
                assert response.status_code == 400, response.text
                assert response.json()["code"] == "contracts/too_deep"
            assert snapshot(chain.app) == before
            transfer = chain.sign("bank-a", Transfer(chain.address("bank-b"), "CNY", 0), nonce=0)
            assert client.post("/v1/txs", json={"tx": transfer.hex()}).status_code < 500
    finally:
        chain.close()


def _in_thread(run: Callable[[], T], stack_size: int = 256 * 1024, depth: int = 300) -> T:
    """`run()` on a thread with a small stack below `depth` frames (the ABCI worker's case)."""
    results: list[T] = []
    errors: list[BaseException] = []

    def deep(frames: int) -> T:
        return run() if frames == 0 else deep(frames - 1)

    def target() -> None:
        try:
            results.append(deep(depth))
        except BaseException as exc:  # re-raised on the calling thread
            errors.append(exc)

    previous = threading.stack_size(stack_size)
    try:
        thread = threading.Thread(target=target)
        thread.start()
        thread.join()
    finally:
        threading.stack_size(previous)
    if errors:
        raise errors[0]
    return results[0]


def _finalize_request(chain: Chain, txs: list[bytes]) -> abci.Request:
    header = make_header(chain.app, txs)
    request = abci.RequestFinalizeBlock(
        txs=txs, height=header.height, hash=header.block_hash, proposer_address=header.proposer
    )
    request.time.seconds, request.time.nanos = divmod(header.time_ms, 1000)
    request.time.nanos *= 1_000_000
    return abci.Request(finalize_block=request)


def test_abci_check_tx_answers_a_code_and_finalize_agrees_on_every_node(
    tmp_path: Path,
) -> None:
    """Two nodes (same genesis and keys): one handles the block on a small-stack thread below
    300 frames, the other on the main thread; both refuse at CheckTx, both record the same
    failure receipts and reach the same app hash."""
    nodes = [make_chain(tmp_path / f"node{i}", key_seed=SEED) for i in range(2)]
    try:
        handlers = [AbciHandlers(node.app) for node in nodes]
        txs = [deep_deploy(nodes[0], shape) for shape in sorted(DEEP_SOURCES)]  # nonces 0, 1, ...
        first_each = [deep_deploy(nodes[0], shape, nonce=0) for shape in sorted(DEEP_SOURCES)]
        for handler in handlers:
            for raw in first_each:
                response = handler.handle(abci.Request(check_tx=abci.RequestCheckTx(tx=raw)))
                assert response.WhichOneof("value") == "check_tx"
                assert (response.check_tx.code, response.check_tx.codespace) == (18, "contracts")
        request = _finalize_request(nodes[0], txs)
        small = _in_thread(lambda: handlers[0].handle(request))
        plain = handlers[1].handle(request)
        assert small.WhichOneof("value") == plain.WhichOneof("value") == "finalize_block"
        assert small.finalize_block == plain.finalize_block
        results = small.finalize_block.tx_results
        assert [(r.code, r.codespace) for r in results] == [(18, "contracts")] * len(txs)
        for handler in handlers:
            commit = handler.handle(abci.Request(commit=abci.RequestCommit()))
            assert commit.WhichOneof("value") == "commit"
        assert nodes[0].app.app_hash == nodes[1].app.app_hash
    finally:
        for node in nodes:
            node.close()


# ---- the application's guards ----------------------------------------------------------------


def _raise(exc: BaseException) -> Callable[..., Any]:
    def dispatch(*_: Any) -> None:
        raise exc

    return dispatch


@pytest.mark.parametrize("exc", [ValueError("boom"), RecursionError(), MemoryError(), KeyError(1)])
def test_invalid_unexpected_exception_in_check_tx_is_internal_rejection(
    chain: Chain, monkeypatch: pytest.MonkeyPatch, exc: BaseException
) -> None:
    monkeypatch.setattr(chain.app.router, "dispatch", _raise(exc))
    raw = chain.sign("bank-a", Transfer(chain.address("bank-b"), "CNY", 1))
    before = snapshot(chain.app)
    result = chain.app.check_tx(raw)
    assert (result.code, result.tx_hash) == ("tx/internal_rejection", chain.app.suite.hash(raw))
    assert snapshot(chain.app) == before
    response = AbciHandlers(chain.app).handle(abci.Request(check_tx=abci.RequestCheckTx(tx=raw)))
    assert (response.check_tx.code, response.check_tx.codespace) == (32, "tx")


def test_recursion_error_in_a_block_is_a_failure_receipt(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = chain.sign("bank-a", Transfer(chain.address("bank-b"), "CNY", 1))
    monkeypatch.setattr(chain.app.router, "dispatch", _raise(RecursionError()))
    result = chain.app.finalize_block(make_header(chain.app, [raw]), [raw])
    [receipt] = result.receipts
    assert receipt.code == "tx/internal_rejection" and receipt.events == ()
    assert "recursion" in receipt.log


def test_other_unexpected_exception_in_a_block_stops_the_node(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A broken invariant (not input-driven) must not become a receipt: CometBFT stops."""
    raw = chain.sign("bank-a", Transfer(chain.address("bank-b"), "CNY", 1))
    monkeypatch.setattr(chain.app.router, "dispatch", _raise(KeyError("broken")))
    response = AbciHandlers(chain.app).handle(_finalize_request(chain, [raw]))
    assert response.WhichOneof("value") == "exception"
    assert "KeyError" in response.exception.error


def test_unexpected_exception_in_process_proposal_rejects(
    chain: Chain, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(chain.app, "process_proposal", _raise(RecursionError()))
    request = abci.RequestProcessProposal(txs=[b"x"], height=1)
    response = AbciHandlers(chain.app).handle(abci.Request(process_proposal=request))
    assert response.process_proposal.status == abci.ResponseProcessProposal.REJECT
