"""ABCI 2.0 request handlers: one ABCI `Request` -> one `Application` call -> one `Response`.

| request             | application call                     | response                          |
|---------------------|--------------------------------------|-----------------------------------|
| Echo, Flush         | (none)                               | echo / empty                      |
| Info                | `info()`                             | last height, app hash, versions   |
| InitChain           | `init_chain(genesis)` (app_state)    | genesis app hash, validators      |
| CheckTx (New/Re)    | `check_tx(raw, recheck)`             | code/codespace/log, details JSON  |
| PrepareProposal     | `prepare_proposal(txs)`              | txs within `max_tx_bytes` (and    |
|                     |                                      | this node's `max_block_txs`)      |
| ProcessProposal     | `process_proposal(txs, height)`      | ACCEPT / REJECT                   |
| FinalizeBlock       | `finalize_block(header, txs)`        | tx_results, app_hash, validators  |
| Commit              | `commit()`                           | retain_height 0                   |
| Query               | `query(path, json params, height)`   | JSON value at the read height     |
| snapshots, votes    | (none: no state sync, no extensions) | empty / ABORT / ACCEPT            |

`app_state_bytes` in CometBFT's genesis is the finchain genesis JSON and its chain id must equal
CometBFT's. The finchain block header takes its time from the CometBFT header (BFT time), the
block hash from `hash` and the proposer from `proposer_address`.

The handlers also keep the set of transactions this node's mempool holds (admitted by CheckTx,
not yet committed) and tell an `AbciObserver` about commits and recheck evictions; the CometBFT
engine adapter uses that to resolve commit futures.

Failures: CheckTx and Query never answer `ResponseException` (CometBFT stops on one): anything
unexpected there is an error code (`tx/internal_rejection`, `abci/query_failed`), logged.
ProcessProposal rejects and PrepareProposal proposes no transactions on an unexpected error
(another validator's bytes must not stop this one). InitChain, FinalizeBlock and Commit still
answer `ResponseException` on an exception: only a broken invariant reaches it there, since
the application turns every transaction's failure into a receipt, and stopping is then right.

Must never: call the application without holding `lock`; call the observer while holding it.
Concurrency: `handle` runs on the ABCI server's single worker thread; other threads (API) may
take `lock` to read the application, and read `is_pending`/`pending_count` without it.
"""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from typing import Any, Protocol

from finchain import __version__
from finchain.app import Application, CheckTxResult
from finchain.app.application import APP_VERSION, ERR_INTERNAL_REJECTION
from finchain.app.queries import ERR_BAD_QUERY
from finchain.engine.abci.codes import to_abci_code
from finchain.engine.abci.proto.tendermint.abci import types_pb2 as abci
from finchain.engine.abci.proto.tendermint.crypto import keys_pb2
from finchain.errors import (
    FinchainError,
    InternalError,
    InvalidTransaction,
    NotFound,
    register_error,
)
from finchain.model.block import BlockHeader, BlockRecord
from finchain.model.receipt import Event, Receipt

log = logging.getLogger(__name__)

ERR_QUERY_NOT_FOUND = register_error("abci", 1, "not_found", "the queried item does not exist")
ERR_QUERY_FAILED = register_error("abci", 2, "query_failed", "the query failed inside the node")
BLOCK_QUERY_PATH = "block"
_PROTO_FIELD_OVERHEAD = 1 + 5  # tag byte + varint length of a tx inside the block's Data


class AbciObserver(Protocol):
    """Told about mempool and block outcomes (outside the application lock)."""

    def on_committed(self, record: BlockRecord, receipts: list[Receipt]) -> None: ...

    def on_evicted(self, result: CheckTxResult) -> None: ...


class NullObserver:
    def on_committed(self, record: BlockRecord, receipts: list[Receipt]) -> None:
        return None

    def on_evicted(self, result: CheckTxResult) -> None:
        return None


class AbciHandlers:
    def __init__(
        self,
        app: Application,
        lock: threading.RLock | None = None,
        observer: AbciObserver | None = None,
        max_block_txs: int | None = None,
    ) -> None:
        self.app = app
        self.lock = lock or threading.RLock()
        self.observer: AbciObserver = observer or NullObserver()
        # A proposer-side cap (node.json): blocks this node proposes hold at most this many txs;
        # never grounds for rejecting another validator's proposal.
        self.max_block_txs = max_block_txs
        self._pending: dict[bytes, None] = {}
        self._finalized: list[Receipt] | None = None
        self._routes: dict[str, Callable[[Any], abci.Response]] = {
            "echo": self._echo,
            "flush": lambda _: abci.Response(flush=abci.ResponseFlush()),
            "info": self._info,
            "init_chain": self._init_chain,
            "check_tx": self._check_tx,
            "prepare_proposal": self._prepare_proposal,
            "process_proposal": self._process_proposal,
            "finalize_block": self._finalize_block,
            "commit": self._commit,
            "query": self._query,
            "list_snapshots": lambda _: abci.Response(list_snapshots=abci.ResponseListSnapshots()),
            "offer_snapshot": lambda _: abci.Response(
                offer_snapshot=abci.ResponseOfferSnapshot(result=abci.ResponseOfferSnapshot.ABORT)
            ),
            "load_snapshot_chunk": lambda _: abci.Response(
                load_snapshot_chunk=abci.ResponseLoadSnapshotChunk()
            ),
            "apply_snapshot_chunk": lambda _: abci.Response(
                apply_snapshot_chunk=abci.ResponseApplySnapshotChunk(
                    result=abci.ResponseApplySnapshotChunk.ABORT
                )
            ),
            "extend_vote": lambda _: abci.Response(extend_vote=abci.ResponseExtendVote()),
            "verify_vote_extension": lambda _: abci.Response(
                verify_vote_extension=abci.ResponseVerifyVoteExtension(
                    status=abci.ResponseVerifyVoteExtension.ACCEPT
                )
            ),
        }

    # ---- entry points ---------------------------------------------------------------------

    def handle(self, request: abci.Request) -> abci.Response:
        """Answer one request. A failure the node cannot recover from becomes a
        `ResponseException`, which makes CometBFT stop rather than go on with a wrong state."""
        kind = request.WhichOneof("value")
        route = self._routes.get(kind) if kind else None
        if route is None:
            return _exception(f"unsupported ABCI request {kind!r}")
        try:
            return route(getattr(request, kind))
        except Exception as exc:  # the ABCI boundary: report, never crash the server
            log.exception("abci request=%s failed", kind)
            return _exception(f"{kind}: {type(exc).__name__}: {exc}")

    def is_pending(self, tx_hash: bytes) -> bool:
        """True while the transaction is in this node's mempool (admitted, not yet committed)."""
        return tx_hash in self._pending

    @property
    def pending_count(self) -> int:
        return len(self._pending)

    # ---- connection and genesis -----------------------------------------------------------

    def _echo(self, request: abci.RequestEcho) -> abci.Response:
        return abci.Response(echo=abci.ResponseEcho(message=request.message))

    def _info(self, _: abci.RequestInfo) -> abci.Response:
        with self.lock:
            info = self.app.info()
        return abci.Response(
            info=abci.ResponseInfo(
                data="finchain",
                version=__version__,
                app_version=APP_VERSION,
                last_block_height=info.last_height,
                last_block_app_hash=info.last_app_hash if info.last_height > 0 else b"",
            )
        )

    def _init_chain(self, request: abci.RequestInitChain) -> abci.Response:
        genesis = self.app.parse_genesis(request.app_state_bytes)
        if genesis.chain_id != request.chain_id:
            raise InternalError(
                f"CometBFT chain_id {request.chain_id!r} differs from the finchain genesis "
                f"chain_id {genesis.chain_id!r}"
            )
        if request.initial_height > 1:
            raise InternalError(f"initial_height {request.initial_height} is not supported")
        with self.lock:
            app = self.app
            if not app.is_initialised:
                app_hash = app.init_chain(genesis, _initial_validators(request))
            elif app.height == 0 and app.genesis.encode() == genesis.encode():
                app_hash = app.app_hash  # restarted before block 1: InitChain comes again
            else:
                raise InternalError("InitChain on a chain that already has blocks or differs")
        return abci.Response(
            init_chain=abci.ResponseInitChain(app_hash=app_hash, validators=request.validators)
        )

    # ---- mempool --------------------------------------------------------------------------

    def _check_tx(self, request: abci.RequestCheckTx) -> abci.Response:
        try:
            return self._admit(request)
        except Exception as exc:  # CheckTx answers a code, always (module docstring)
            log.exception("abci check_tx failed unexpectedly")
            code, codespace = to_abci_code(str(ERR_INTERNAL_REJECTION))
            message = f"unexpected {type(exc).__name__} while checking the transaction"
            return abci.Response(
                check_tx=abci.ResponseCheckTx(code=code, codespace=codespace, log=message)
            )

    def _admit(self, request: abci.RequestCheckTx) -> abci.Response:
        recheck = request.type == abci.RECHECK
        with self.lock:
            result = self.app.check_tx(request.tx, recheck=recheck)
            evicted = False
            if result.ok:
                self._pending[result.tx_hash] = None
            elif recheck and result.tx_hash in self._pending:
                del self._pending[result.tx_hash]
                evicted = True
        if evicted:
            self.observer.on_evicted(result)
        code, codespace = to_abci_code(result.code)
        return abci.Response(
            check_tx=abci.ResponseCheckTx(
                code=code,
                codespace=codespace,
                log=result.log,
                data=_details_json(result),
            )
        )

    # ---- consensus ------------------------------------------------------------------------

    def _prepare_proposal(self, request: abci.RequestPrepareProposal) -> abci.Response:
        try:
            with self.lock:
                chosen = self.app.prepare_proposal(request.txs)
        except Exception:  # an empty block is always a valid proposal
            log.exception("abci prepare_proposal failed; proposing no transactions")
            chosen = []
        if self.max_block_txs is not None:
            chosen = chosen[: self.max_block_txs]
        budget = request.max_tx_bytes
        txs: list[bytes] = []
        for raw in chosen:
            size = len(raw) + _PROTO_FIELD_OVERHEAD
            if size > budget:
                break
            budget -= size
            txs.append(raw)
        return abci.Response(prepare_proposal=abci.ResponsePrepareProposal(txs=txs))

    def _process_proposal(self, request: abci.RequestProcessProposal) -> abci.Response:
        try:
            with self.lock:
                accepted = self.app.process_proposal(list(request.txs), request.height)
        except Exception:  # the proposer's bytes must not stop this validator
            log.exception("abci process_proposal failed at height=%d; rejecting", request.height)
            accepted = False
        status = (
            abci.ResponseProcessProposal.ACCEPT if accepted else abci.ResponseProcessProposal.REJECT
        )
        return abci.Response(process_proposal=abci.ResponseProcessProposal(status=status))

    def _finalize_block(self, request: abci.RequestFinalizeBlock) -> abci.Response:
        with self.lock:
            header = BlockHeader(
                chain_id=self.app.genesis.chain_id,
                height=request.height,
                time_ms=request.time.seconds * 1000 + request.time.nanos // 1_000_000,
                block_hash=request.hash,
                proposer=request.proposer_address,
            )
            result = self.app.finalize_block(header, list(request.txs))
            self._finalized = result.receipts
        return abci.Response(
            finalize_block=abci.ResponseFinalizeBlock(
                events=[encode_event(e) for e in result.events],
                tx_results=[encode_tx_result(r) for r in result.receipts],
                validator_updates=[
                    abci.ValidatorUpdate(pub_key=keys_pb2.PublicKey(ed25519=key), power=power)
                    for key, power in result.validator_updates
                ],
                app_hash=result.app_hash,
            )
        )

    def _commit(self, _: abci.RequestCommit) -> abci.Response:
        with self.lock:
            receipts = self._finalized
            if receipts is None:
                raise InternalError("Commit without FinalizeBlock")
            record = self.app.commit()
            height = record.header.height
            self._finalized = None
            for receipt in receipts:
                self._pending.pop(receipt.tx_hash, None)
        try:
            self.observer.on_committed(record, receipts)
        except Exception:  # an observer must never stop the chain
            log.exception("commit observer failed at height=%d", height)
        return abci.Response(commit=abci.ResponseCommit(retain_height=0))

    # ---- queries --------------------------------------------------------------------------

    def _query(self, request: abci.RequestQuery) -> abci.Response:
        path = request.path.strip("/")
        try:
            params = json.loads(request.data) if request.data else {}
            if not isinstance(params, dict):
                raise InvalidTransaction(ERR_BAD_QUERY, "query data must be a JSON object")
            with self.lock:
                height, value = self._run_query(path, params, request.height)
        except json.JSONDecodeError as exc:
            return _query_error(ERR_BAD_QUERY.number, ERR_BAD_QUERY.codespace, str(exc))
        except InvalidTransaction as err:
            return _query_error(err.code.number, err.code.codespace, err.message)
        except NotFound as err:
            return _query_error(
                ERR_QUERY_NOT_FOUND.number, ERR_QUERY_NOT_FOUND.codespace, err.message
            )
        except FinchainError as err:
            return _query_error(ERR_QUERY_FAILED.number, ERR_QUERY_FAILED.codespace, str(err))
        except Exception as exc:  # a query answers a code, always (module docstring)
            log.exception("abci query path=%s failed unexpectedly", path)
            message = f"{type(exc).__name__}: the query failed"
            return _query_error(ERR_QUERY_FAILED.number, ERR_QUERY_FAILED.codespace, message)
        value_bytes = json.dumps(value, sort_keys=True, separators=(",", ":")).encode()
        return abci.Response(query=abci.ResponseQuery(code=0, value=value_bytes, height=height))

    def _run_query(self, path: str, params: dict[str, Any], height: int) -> tuple[int, Any]:
        app = self.app
        if path == BLOCK_QUERY_PATH:  # the app's own record of a block (height, app hash, txs)
            at = int(params.get("height", height or app.height))
            record = app.db.load_block(at)
            if record is None:
                raise NotFound(f"block {at}")
            return at, record.to_json()
        result = app.query(path, params, height or None)
        return result.height, result.value


def _initial_validators(request: abci.RequestInitChain) -> list[tuple[bytes, int]] | None:
    """CometBFT's genesis validators (None: none given, the finchain genesis list applies)."""
    validators = []
    for validator in request.validators:
        if validator.pub_key.WhichOneof("sum") != "ed25519":
            raise InternalError(
                f"validator key type {validator.pub_key.WhichOneof('sum')!r} is not supported: "
                "finchain validators use Ed25519 consensus keys"
            )
        validators.append((validator.pub_key.ed25519, validator.power))
    return validators or None


def encode_tx_result(receipt: Receipt) -> abci.ExecTxResult:
    code, codespace = to_abci_code(receipt.code)
    return abci.ExecTxResult(
        code=code,
        codespace=codespace,
        log=receipt.log,
        gas_used=receipt.gas_used,
        events=[encode_event(event) for event in receipt.events],
    )


def encode_event(event: Event) -> abci.Event:
    return abci.Event(
        type=event.type,
        attributes=[
            abci.EventAttribute(key=key, value=value, index=True) for key, value in event.attributes
        ],
    )


def _details_json(result: CheckTxResult) -> bytes:
    if result.ok or not result.details:
        return b""
    return json.dumps(result.details, sort_keys=True, default=str).encode()


def _exception(message: str) -> abci.Response:
    return abci.Response(exception=abci.ResponseException(error=message))


def _query_error(code: int, codespace: str, message: str) -> abci.Response:
    return abci.Response(query=abci.ResponseQuery(code=code, codespace=codespace, log=message))
