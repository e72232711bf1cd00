"""Module `supervision`: a regulator's directives and the review of members' reports
(DOMAIN.md §11, REG-1 … REG-5).

State layout (keys built in `keys.py`):
| key                                      | value                                        |
|------------------------------------------|----------------------------------------------|
| `supervision/directive/<u64 id>`         | Directive (kind, target, legal basis, state) |
| `supervision/inforce/<kind>/<target>`    | id of the EXECUTED directive holding target  |
| `supervision/frozen/<address>`           | present while the account is frozen          |
| `supervision/report/<u64 id>`            | Report (type, height, SHA-256, state)        |
| `supervision/anchor/<org>/<log id>`      | a node's audit log: entries, head, height    |
| `supervision/scope/<regulator org>`      | the orgs it supervises (absent: every one)   |
| `supervision/counter/directives`, `.../reports` | next ids                              |

Messages: regulator `IssueDirective(kind, target, legal_basis)` (freeze_account: the ante then
refuses every transaction the account sends, `tx/account_frozen`; suspend_participant: the
member is suspended in clearing, CLR-8), `LiftDirective(id, legal_basis)`, `ReviewReport(id,
ACKNOWLEDGED|REJECTED, note)`; any member `SubmitReport(type, height, hash, params)` and
`AnchorAuditLog(log_id, entries, head)` (its node's read audit log, hash-chained: the anchor
fixes every line up to `entries`; it only grows); by governance vote only `SetScope(org_id,
orgs)` (the organisations a regulator supervises, REG-5).
States: directive ISSUED -> EXECUTED -> LIFTED; report (GENERATED off chain) -> SUBMITTED ->
ACKNOWLEDGED | REJECTED.
Events (`events.py`): `supervision.directive_issued`, `directive_executed`, `directive_lifted`
(each with the directive), `report_submitted`, `report_reviewed`, `scope_set`, `audit_anchored`.
Interface offered: `supervision.holds` (`SupervisionView`: `is_suspended_by_directive`).
Invariant: SUP-1 (`invariants.py`).
"""
