"""Governance parameters and the pass rule of each threshold (pure)."""

from __future__ import annotations

from dataclasses import dataclass

from finchain.codec import decode, encode

THRESHOLDS = ("majority", "two_thirds", "all")
DEFAULT_VOTING_PERIOD_BLOCKS = 10
DEFAULT_THRESHOLD = "majority"
# Removing members and changing validators or the rules themselves need more than a majority.
DEFAULT_ACTION_THRESHOLDS = {
    "members/RemoveOrg@1": "two_thirds",
    "validators/SetPower@1": "two_thirds",
    "governance/SetParams@1": "two_thirds",
}


@dataclass(frozen=True, slots=True)
class GovernanceParams:
    voting_period_blocks: int = DEFAULT_VOTING_PERIOD_BLOCKS
    default_threshold: str = DEFAULT_THRESHOLD
    action_thresholds: tuple[tuple[str, str], ...] = tuple(
        sorted(DEFAULT_ACTION_THRESHOLDS.items())
    )
    default_weight: int = 1

    def threshold_for(self, action_type: str) -> str:
        return dict(self.action_thresholds).get(action_type, self.default_threshold)

    def encode(self) -> bytes:
        return encode(
            [
                self.voting_period_blocks,
                self.default_threshold,
                [[action, threshold] for action, threshold in self.action_thresholds],
                self.default_weight,
            ]
        )

    @staticmethod
    def decode(raw: bytes) -> GovernanceParams:
        period, default, thresholds, weight = decode(raw)
        return GovernanceParams(period, default, tuple((a, t) for a, t in thresholds), weight)

    def to_json(self) -> dict[str, object]:
        return {
            "voting_period_blocks": self.voting_period_blocks,
            "default_threshold": self.default_threshold,
            "thresholds": dict(self.action_thresholds),
            "default_weight": self.default_weight,
        }


def meets_threshold(threshold: str, yes: int, total: int) -> bool:
    """Whether `yes` of `total` voting weight passes `threshold` (integers only)."""
    if total <= 0:
        return False
    if threshold == "majority":
        return 2 * yes > total
    if threshold == "two_thirds":
        return 3 * yes >= 2 * total
    if threshold == "all":
        return yes == total
    raise ValueError(f"unknown threshold {threshold!r}")
