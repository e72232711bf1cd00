"""`client.supervision`: the regulator's directives, members' supervisory reports and their review.

    with Client(url) as client:
        frozen = client.supervision.freeze_account(regulator, "0x…", "AML Law art. 37")
        client.supervision.lift_directive(regulator, frozen.directive_id, "case closed")

    with Client(url, reader=bank_b) as client:          # a member reports its own data
        report = client.supervision.report("large_value_transfers", height=41)
        client.supervision.submit_report(bank_b, "large_value_transfers", 41, report["hash"])

    with Client(url, reader=regulator, legal_basis="PBOC Law art. 32") as client:
        checked = client.supervision.verify_report(0)   # regenerates bank-b's report
        client.supervision.review_report(regulator, 0, "ACKNOWLEDGED", "recomputed: equal")

The rules are the module's (`finchain.modules.supervision`, docs/supervision.md): only a
regulator issues and lifts directives and reviews reports (REG-1; anyone else is refused by the
node with `tx/role_not_permitted`); a directive takes effect in its own transaction (ISSUED ->
EXECUTED) until lifted; any member submits the SHA-256 of a report it generated at a committed
height, which the regulator recomputes on its own node (REG-3).

`issue_directive` (and its `freeze_account` / `suspend_participant` forms) always waits for
commit and returns a `DirectiveResult` with the id from the receipt's
`supervision.directive_executed` event; `submit_report` likewise returns the report id. Other
transactions return the `TxResult`; all raise like every typed call (FinchainApiError when the
node refuses, TransactionFailed for a failed receipt).

Reads: directives and submitted reports are public within the consortium (no reader needed).
`report()` generates a report through `GET /v1/reports/{type}`: a signed read, so the client
needs a `reader`; a member gets its own organisation's report, the central bank and the
regulator any organisation's or all (audited; the regulator's client must carry a
`legal_basis`, else 403 `api/legal_basis_required`). `verify_report` is that read on the
submitter's behalf: it regenerates the submitted report (type, height, the submitter's
organisation) and compares the hashes. Every such supervisory read is appended to the node's
audit log with its legal basis; `client.get_audit_reads()` lists them (the regulator its own,
a member those of its data).

Must never: sign on anyone's behalf; every transaction is signed by the wallet given.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal
from urllib.parse import quote

from finchain.modules.supervision.messages import DIRECTIVE_KINDS, FREEZE_ACCOUNT
from finchain.sdk._core import AsyncRunner, Call, ModuleApi, SyncRunner, api_call
from finchain.sdk.errors import FinchainApiError, SdkError
from finchain.sdk.messages import (
    make_issue_directive,
    make_lift_directive,
    make_review_report,
    make_submit_report,
)
from finchain.sdk.results import TxResult
from finchain.sdk.wallet import Wallet
from finchain.sdk.wire import AddressInput, SubmitMode, compute_height_params

SUPERVISION_PATH = "/v1/supervision"
REPORTS_PATH = "/v1/reports"
DIRECTIVE_EXECUTED_EVENT = "supervision.directive_executed"
REPORT_SUBMITTED_EVENT = "supervision.report_submitted"
REPORT_FORMATS = ("json", "csv")
ReportFormat = Literal["json", "csv"]
# The other directive kind; the messages module names it only in its tuple of kinds.
(SUSPEND_PARTICIPANT,) = (kind for kind in DIRECTIVE_KINDS if kind != FREEZE_ACCOUNT)


@dataclass(frozen=True, slots=True)
class DirectiveResult:
    """A committed directive: its id (for `directive`, `lift_directive`), kind, target (an
    account in lowercase `0x…` form or an org id) and the transaction's result."""

    directive_id: int
    kind: str
    target: str
    tx: TxResult


@dataclass(frozen=True, slots=True)
class SubmitReportResult:
    """A committed report submission: its id (for `verify_report`, `review_report`), the hash
    submitted (hex) and the transaction's result."""

    report_id: int
    report_hash: str
    tx: TxResult


@dataclass(frozen=True, slots=True)
class ReportVerification:
    """A submitted report recomputed: `matches` when the regenerated report has the submitted
    hash. `submission` is the submitted record (`GET /v1/supervision/reports`)."""

    report_id: int
    matches: bool
    submitted_hash: str
    recomputed_hash: str
    submission: Mapping[str, Any]


def compute_directive_path(directive_id: int) -> str:
    return f"{SUPERVISION_PATH}/directives/{int(directive_id)}"


def compute_report_path(report_type: str) -> str:
    return f"{REPORTS_PATH}/{quote(report_type, safe='')}"


def recorded_thresholds(
    submission: Mapping[str, Any], override: Mapping[str, int] | None
) -> Mapping[str, int] | None:
    """The thresholds to regenerate a submission with: `override`, else the recorded ones."""
    if override is not None:
        return override
    recorded = submission.get("params", {}).get("thresholds")
    return None if recorded is None else {str(a): int(v) for a, v in recorded.items()}


def compute_report_params(
    height: int | None,
    org: str | None,
    fmt: str,
    thresholds: Mapping[str, int] | None,
) -> dict[str, Any]:
    """The query of `GET /v1/reports/{type}`; thresholds as repeated `threshold=ASSET:minor`."""
    if fmt not in REPORT_FORMATS:
        raise ValueError(f"fmt must be one of {REPORT_FORMATS}, got {fmt!r}")
    params: dict[str, Any] = compute_height_params(height)
    if org is not None:
        params["org"] = org
    if fmt != "json":
        params["format"] = fmt
    if thresholds:
        params["threshold"] = [format_threshold(a, v) for a, v in sorted(thresholds.items())]
    return params


def format_threshold(asset: str, amount: int) -> str:
    """`ASSET:minor_units`, as the report route takes it (amounts are ints >= 1)."""
    if isinstance(amount, bool) or not isinstance(amount, int) or amount < 1:
        raise ValueError(f"the {asset} threshold must be an int of minor units >= 1")
    if not asset or ":" in asset:
        raise ValueError(f"bad asset symbol {asset!r} in thresholds")
    return f"{asset}:{amount}"


def make_directive_result(result: TxResult) -> DirectiveResult:
    """The id, kind and target from a committed directive's `directive_executed` event."""
    event = None if result.receipt is None else result.receipt.find_event(DIRECTIVE_EXECUTED_EVENT)
    if event is None:
        raise SdkError(f"transaction {result.hash} has no {DIRECTIVE_EXECUTED_EVENT} event")
    attributes = event.attributes
    return DirectiveResult(int(attributes["id"]), attributes["kind"], attributes["target"], result)


def make_submit_report_result(result: TxResult) -> SubmitReportResult:
    """The id and hash from a committed submission's `report_submitted` event."""
    event = None if result.receipt is None else result.receipt.find_event(REPORT_SUBMITTED_EVENT)
    if event is None:
        raise SdkError(f"transaction {result.hash} has no {REPORT_SUBMITTED_EVENT} event")
    return SubmitReportResult(int(event.attributes["id"]), event.attributes["report_hash"], result)


def get_submission(reports: list[dict[str, Any]], report_id: int) -> dict[str, Any]:
    """The submitted report `report_id` of `reports`; FinchainApiError 404 if there is none."""
    for report in reports:
        if report["id"] == report_id:
            return report
    raise FinchainApiError(404, "api/not_found", f"no submitted report {report_id}")


def compare_report(
    submission: Mapping[str, Any], recomputed: Mapping[str, Any]
) -> ReportVerification:
    submitted_hash = str(submission["report_hash"])
    recomputed_hash = str(recomputed["hash"])
    return ReportVerification(
        int(submission["id"]),
        submitted_hash == recomputed_hash,
        submitted_hash,
        recomputed_hash,
        dict(submission),
    )


class SupervisionApi(ModuleApi):
    """`client.supervision.*`, written once (`_core`): `SupervisionCalls` runs it,
    `AsyncSupervisionCalls` awaits it."""

    # ---- transactions ------------------------------------------------------------------------

    @api_call
    def issue_directive(
        self, wallet: Wallet, kind: str, target: AddressInput, legal_basis: str, *, memo: str = ""
    ) -> Call[DirectiveResult]:
        """A regulator orders `kind` (`freeze_account`, `suspend_participant`) against `target`
        (an account, an org id), citing `legal_basis`; waits for commit (it is then EXECUTED)."""
        msg = make_issue_directive(kind, target, legal_basis)
        return make_directive_result((yield from self._submit(wallet, msg, memo=memo)))

    @api_call
    def freeze_account(
        self, wallet: Wallet, address: AddressInput, legal_basis: str, *, memo: str = ""
    ) -> Call[DirectiveResult]:
        """Freeze an account: the node refuses every transaction it sends (`tx/account_frozen`)."""
        steps = self.issue_directive.steps(wallet, FREEZE_ACCOUNT, address, legal_basis, memo=memo)
        return (yield from steps)

    @api_call
    def suspend_participant(
        self, wallet: Wallet, org: str, legal_basis: str, *, memo: str = ""
    ) -> Call[DirectiveResult]:
        """Suspend a member in clearing: it can neither send nor receive payments (CLR-8)."""
        steps = self.issue_directive.steps(wallet, SUSPEND_PARTICIPANT, org, legal_basis, memo=memo)
        return (yield from steps)

    @api_call
    def lift_directive(
        self, wallet: Wallet, directive_id: int, legal_basis: str, *, mode: SubmitMode = "commit"
    ) -> Call[TxResult]:
        """Lift an EXECUTED directive (LIFTED), undoing its effect."""
        msg = make_lift_directive(directive_id, legal_basis)
        return (yield from self._submit(wallet, msg, mode=mode))

    @api_call
    def submit_report(
        self,
        wallet: Wallet,
        report_type: str,
        report_height: int,
        report_hash: bytes | str,
        *,
        params: Mapping[str, Any] | None = None,
        memo: str = "",
    ) -> Call[SubmitReportResult]:
        """Submit the SHA-256 (32 bytes or 64 hex digits) of a report the wallet's organisation
        generated at committed height `report_height`, with its `params` (the report JSON's
        `params`; None: the defaults); waits for commit."""
        msg = make_submit_report(report_type, report_height, report_hash, params)
        return make_submit_report_result((yield from self._submit(wallet, msg, memo=memo)))

    @api_call
    def review_report(
        self,
        wallet: Wallet,
        report_id: int,
        decision: str,
        note: str = "",
        *,
        mode: SubmitMode = "commit",
    ) -> Call[TxResult]:
        """The regulator acknowledges (`ACKNOWLEDGED`) or rejects (`REJECTED`) a SUBMITTED
        report, with a note."""
        msg = make_review_report(report_id, decision, note)
        return (yield from self._submit(wallet, msg, mode=mode))

    # ---- reads -------------------------------------------------------------------------------

    @api_call
    def directives(self, height: int | None = None) -> Call[list[dict[str, Any]]]:
        """Every directive in id order: `{id, kind, target, legal_basis, issuer, status,
        issued_height, lifted_height, lift_basis}`."""
        path = f"{SUPERVISION_PATH}/directives"
        data = yield from self._client.get_json.steps(path, compute_height_params(height))
        return [dict(d) for d in data]

    @api_call
    def directive(self, directive_id: int, height: int | None = None) -> Call[dict[str, Any]]:
        """One directive (FinchainApiError 404 `api/not_found` if there is none)."""
        path = compute_directive_path(directive_id)
        return dict((yield from self._client.get_json.steps(path, compute_height_params(height))))

    @api_call
    def reports(self, height: int | None = None) -> Call[list[dict[str, Any]]]:
        """Every submitted report in id order: `{id, report_type, report_height, report_hash,
        submitter, status, submitted_height, reviewer, reviewed_height, note}`."""
        path = f"{SUPERVISION_PATH}/reports"
        data = yield from self._client.get_json.steps(path, compute_height_params(height))
        return [dict(r) for r in data]

    @api_call
    def submission(self, report_id: int, height: int | None = None) -> Call[dict[str, Any]]:
        """One submitted report (FinchainApiError 404 `api/not_found` if there is none)."""
        return get_submission((yield from self.reports.steps(height)), report_id)

    @api_call
    def report(
        self,
        report_type: str,
        *,
        height: int | None = None,
        org: str | None = None,
        fmt: ReportFormat = "json",
        thresholds: Mapping[str, int] | None = None,
    ) -> Call[Any]:
        """Generate report `report_type` (`balances`, `flows`, `large_value_transfers`) at a
        committed height (default latest), signed by the client's reader: its JSON dict (with
        `hash`), or for `fmt="csv"` the CSV text. `thresholds` (large-value transfers):
        `{asset: minor units}`, default CNY 2,000,000.00."""
        params = compute_report_params(height, org, fmt, thresholds)
        path = compute_report_path(report_type)
        reply = yield from self._client.request.steps("GET", path, params=params)
        return reply.text if fmt == "csv" else dict(reply.json())

    @api_call
    def verify_report(
        self, report_id: int, *, thresholds: Mapping[str, int] | None = None
    ) -> Call[ReportVerification]:
        """Regenerate submitted report `report_id` (its type, height and recorded parameters,
        scoped to the submitter's organisation) through the API and compare the hashes. Needs a
        reader that may read the submitter's data (the regulator, with a legal basis).
        `thresholds` overrides the recorded ones (a submission without parameters used the
        defaults)."""
        submission = yield from self.submission.steps(report_id)
        recomputed = yield from self.report.steps(
            str(submission["report_type"]),
            height=int(submission["report_height"]),
            org=str(submission["submitter"]),
            thresholds=recorded_thresholds(submission, thresholds),
        )
        return compare_report(submission, recomputed)


class SupervisionCalls(SyncRunner, SupervisionApi):
    """`client.supervision.*` for `Client`."""


class AsyncSupervisionCalls(AsyncRunner, SupervisionApi):
    """`client.supervision.*` for `AsyncClient` (same calls, awaited)."""
