"""The closed list of member roles."""

from __future__ import annotations

from typing import Literal

Role = Literal[
    "admin",
    "validator_operator",
    "bank",
    "central_bank",
    "payment_institution",
    "corporate",
    "regulator",
    "auditor",
]
ROLES: tuple[str, ...] = (
    "admin",
    "validator_operator",
    "bank",
    "central_bank",
    "payment_institution",
    "corporate",
    "regulator",
    "auditor",
)
