"""Background transfer load for the fault tests: signed CNY transfers to the nodes' REST APIs.

`TransferLoad(chain_id, senders)` runs one thread per sender; sender i always posts to the same
node (`POST {api_url}/v1/txs/batch`, `mode: async`), so its nonces reach one mempool in order.
`start()` begins, `stop()` ends the threads and returns a `LoadReport`: what the API
acknowledged (`pending`/`committed`), what it rejected, and what may or may not have arrived
(a timeout or a dropped connection). The threads stop by themselves after `max_duration_s`.

It behaves like a careful client, because the fault tests check the chain, not the client:
- bytes that may be in a mempool (acknowledged, or sent without an answer) are the only bytes
  ever sent again for their nonce, so two different transfers never compete for one nonce;
- a nonce whose transfer was rejected outright is signed again with a new amount (a new hash);
  the rejected hash must then never be committed;
- `tx/nonce_gap` (the node's state is behind our next nonce, e.g. a restarted node whose
  mempool lost acknowledged transfers it had not gossiped yet) rewinds to the nonce the node
  expects and sends the same bytes again.
A node that refuses connections (down) or does not answer (stopped) only slows its own sender.

Concurrency: each sender's state belongs to its thread; the report is built after `join`.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass, field

import httpx

from finchain.crypto import PrivateKey, get_suite
from tests.e2e.cometbft.support import sign_transfer

BATCH_SIZE = 8
INTERVAL_S = 0.4  # between one sender's requests: 4 senders x 8 / 0.4 s = 80 tx/s at most
REQUEST_TIMEOUT_S = 3.0
MAX_DURATION_S = 120.0
ACKNOWLEDGED = ("pending", "committed")
NONCE_GAP = "tx/nonce_gap"
NONCE_REUSED = "tx/nonce_reused"
# In CometBFT mode the API drops CheckTx details (see `_expected_nonce`): read the message.
EXPECTED_NONCE = re.compile(r"next is (\d+)")


@dataclass(frozen=True, slots=True)
class Sender:
    """One account sending to `recipient` through the node at `api_url`."""

    name: str
    key: PrivateKey
    recipient: bytes
    api_url: str


@dataclass(frozen=True, slots=True)
class SignedTransfer:
    tx_hash: str
    sender: str
    recipient: bytes
    amount: int
    nonce: int
    raw: bytes


@dataclass(slots=True)
class LoadReport:
    """Outcomes by transaction hash (hex). A hash is in at most one of the three maps."""

    acknowledged: dict[str, SignedTransfer] = field(default_factory=dict)
    rejected: dict[str, str] = field(default_factory=dict)  # hash -> error code
    unknown: dict[str, SignedTransfer] = field(default_factory=dict)  # no answer, never acked
    requests: int = 0
    failed_requests: int = 0  # connection refused, timeout, dropped
    rewinds: int = 0  # tx/nonce_gap answers that sent us back to an earlier nonce

    def summary(self) -> str:
        codes = ", ".join(f"{code} x{n}" for code, n in Counter(self.rejected.values()).items())
        return (
            f"{len(self.acknowledged)} acknowledged, {len(self.rejected)} rejected "
            f"({codes or 'none'}), {len(self.unknown)} unknown; {self.requests} requests "
            f"({self.failed_requests} failed), {self.rewinds} nonce rewinds"
        )


class TransferLoad:
    def __init__(
        self,
        chain_id: str,
        senders: Sequence[Sender],
        *,
        batch_size: int = BATCH_SIZE,
        interval_s: float = INTERVAL_S,
        request_timeout_s: float = REQUEST_TIMEOUT_S,
        max_duration_s: float = MAX_DURATION_S,
        suite_name: str = "intl",
    ) -> None:
        self._workers = [
            _SenderWorker(chain_id, s, batch_size, request_timeout_s, suite_name) for s in senders
        ]
        self._interval_s = interval_s
        self._max_duration_s = max_duration_s
        self._stop = threading.Event()
        self._threads: list[threading.Thread] = []
        self._report: LoadReport | None = None

    def start(self) -> None:
        if self._threads:
            raise RuntimeError("the load was already started")
        deadline = time.monotonic() + self._max_duration_s
        for worker in self._workers:
            thread = threading.Thread(
                target=worker.run,
                args=(self._stop, deadline, self._interval_s),
                name=f"load-{worker.sender.name}",
                daemon=True,  # never keeps pytest alive; `deadline` ends it anyway
            )
            self._threads.append(thread)
            thread.start()

    def stop(self) -> LoadReport:
        """Stop sending (waits for requests in flight) and return every outcome; a second call
        returns the same report."""
        if self._report is not None:
            return self._report
        self._stop.set()
        for thread in self._threads:
            thread.join(timeout=REQUEST_TIMEOUT_S * 3)
            if thread.is_alive():
                raise RuntimeError(f"{thread.name} did not stop")
        for worker in self._workers:
            if worker.error is not None:
                raise RuntimeError(f"the load of {worker.sender.name} failed") from worker.error
        report = LoadReport()
        for worker in self._workers:
            worker.add_to(report)
        self._report = report
        return report

    def acknowledged_count(self, sender: str | None = None) -> int:
        """Acknowledged so far, of one sender or all (read while running: for progress)."""
        return sum(len(w.acknowledged) for w in self._workers if sender in (None, w.sender.name))

    def wait_for_acknowledged(
        self, more_than: int, timeout_s: float, sender: str | None = None
    ) -> int:
        """Wait until more than `more_than` transfers (of `sender`, or all) are acknowledged;
        returns the count."""
        deadline = time.monotonic() + timeout_s
        while (count := self.acknowledged_count(sender)) <= more_than:
            failed = [w for w in self._workers if w.error is not None]
            if failed:
                raise RuntimeError(f"the load of {failed[0].sender.name} failed") from failed[
                    0
                ].error
            if time.monotonic() > deadline:
                raise AssertionError(f"the load got no more than {count} acknowledgements")
            time.sleep(0.05)
        return count


class _SenderWorker:
    """One sender's nonce bookkeeping and request loop (runs on its own thread)."""

    def __init__(
        self,
        chain_id: str,
        sender: Sender,
        batch_size: int,
        request_timeout_s: float,
        suite_name: str,
    ) -> None:
        self.sender = sender
        self._chain_id = chain_id
        self._batch_size = batch_size
        self._timeout_s = request_timeout_s
        self._suite_name = suite_name
        self._suite = get_suite(suite_name)
        self._next_nonce = 0  # each test uses a fresh network: the senders start at 0
        self._signings = 0
        self._by_nonce: dict[int, SignedTransfer] = {}  # the bytes we would send for a nonce
        self.acknowledged: dict[str, SignedTransfer] = {}
        self._unknown: dict[str, SignedTransfer] = {}
        self._rejected: dict[str, str] = {}
        self._requests = 0
        self._failed = 0
        self._rewinds = 0
        self.error: Exception | None = None

    def run(self, stop: threading.Event, deadline: float, interval_s: float) -> None:
        try:
            with httpx.Client(timeout=self._timeout_s) as client:
                while not stop.is_set() and time.monotonic() < deadline:
                    self._send_batch(client)
                    stop.wait(interval_s)
        except Exception as exc:  # surfaced by `stop()`, not lost on a thread
            self.error = exc

    def add_to(self, report: LoadReport) -> None:
        report.acknowledged.update(self.acknowledged)
        report.unknown.update(
            (h, t) for h, t in self._unknown.items() if h not in self.acknowledged
        )
        report.rejected.update(
            (h, code)
            for h, code in self._rejected.items()
            if h not in self.acknowledged and h not in self._unknown
        )
        report.requests += self._requests
        report.failed_requests += self._failed
        report.rewinds += self._rewinds

    def _send_batch(self, client: httpx.Client) -> None:
        batch = [self._transfer_for(self._next_nonce + k) for k in range(self._batch_size)]
        self._requests += 1
        try:
            reply = client.post(
                f"{self.sender.api_url}/v1/txs/batch",
                json={"txs": [t.raw.hex() for t in batch], "mode": "async"},
            )
        except httpx.ConnectError:  # nothing reached the node: send the same bytes later
            self._failed += 1
            return
        except httpx.HTTPError:  # sent, but no answer: the node may still admit them
            self._failed += 1
            self._unknown.update((t.tx_hash, t) for t in batch)
            return
        if reply.status_code != 200:  # not a per-transaction answer: treat as no answer
            self._failed += 1
            self._unknown.update((t.tx_hash, t) for t in batch)
            return
        self._record_results(batch, reply.json()["results"])

    def _record_results(
        self, batch: list[SignedTransfer], results: list[dict[str, object]]
    ) -> None:
        next_nonce: int | None = None
        for transfer, result in zip(batch, results, strict=True):
            if result.get("status") in ACKNOWLEDGED:
                self.acknowledged[transfer.tx_hash] = transfer
                continue
            error = result.get("error")
            code = str(error.get("code")) if isinstance(error, dict) else "unknown"
            self._rejected.setdefault(transfer.tx_hash, code)
            if not self._may_be_in_a_mempool(transfer):
                del self._by_nonce[transfer.nonce]  # sign this nonce again, as a new transfer
            if next_nonce is None:
                next_nonce = transfer.nonce
                expected = _expected_nonce(error)
                if code == NONCE_GAP and expected is not None and expected < transfer.nonce:
                    next_nonce = expected
                    self._rewinds += 1
                elif code == NONCE_REUSED and expected is not None:
                    next_nonce = max(expected, transfer.nonce)  # not seen so far; keeps going
        self._next_nonce = batch[-1].nonce + 1 if next_nonce is None else next_nonce

    def _may_be_in_a_mempool(self, transfer: SignedTransfer) -> bool:
        return transfer.tx_hash in self.acknowledged or transfer.tx_hash in self._unknown

    def _transfer_for(self, nonce: int) -> SignedTransfer:
        transfer = self._by_nonce.get(nonce)
        if transfer is None:
            self._signings += 1
            amount = 100 + self._signings  # a new amount: a re-signed nonce gets a new hash
            raw = sign_transfer(
                self._chain_id,
                self.sender.key,
                self.sender.recipient,
                amount,
                nonce,
                self._suite_name,
            )
            transfer = SignedTransfer(
                self._suite.hash(raw).hex(),
                self.sender.name,
                self.sender.recipient,
                amount,
                nonce,
                raw,
            )
            self._by_nonce[nonce] = transfer
        return transfer


def _expected_nonce(error: object) -> int | None:
    """The nonce a `tx/nonce_*` rejection says the node expects. `details.expected` when the
    API has it; else the message ("... next is 7"): CometEngine decodes CometBFT's
    `broadcast_tx_sync` data as base64, but CometBFT v0.38 sends it as hex, so the details are
    lost on the way."""
    if not isinstance(error, dict):
        return None
    details = error.get("details")
    expected = details.get("expected") if isinstance(details, dict) else None
    if isinstance(expected, int):
        return expected
    match = EXPECTED_NONCE.search(str(error.get("message", "")))
    return int(match.group(1)) if match else None
