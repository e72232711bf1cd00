"""The only place that builds `governance/` store keys."""

from __future__ import annotations

import struct

PREFIX = b"governance/"
PROPOSAL_PREFIX = b"governance/proposal/"
VOTE_PREFIX = b"governance/vote/"
ENDING_PREFIX = b"governance/ending/"
WEIGHT_PREFIX = b"governance/weight/"
PROPOSAL_COUNTER = b"governance/counter/proposals"
PARAMS = b"governance/params"
_U64 = struct.Struct(">Q")


def proposal_key(proposal_id: int) -> bytes:
    return PROPOSAL_PREFIX + _U64.pack(proposal_id)


def vote_prefix(proposal_id: int) -> bytes:
    return VOTE_PREFIX + _U64.pack(proposal_id) + b"/"


def vote_key(proposal_id: int, org_id: str) -> bytes:
    return vote_prefix(proposal_id) + org_id.encode()


def ending_prefix(height: int) -> bytes:
    return ENDING_PREFIX + _U64.pack(height)


def ending_key(height: int, proposal_id: int) -> bytes:
    """Proposals whose voting closes at `height`, in id order (the end-of-block tally)."""
    return ending_prefix(height) + _U64.pack(proposal_id)


def parse_ending_key(key: bytes) -> int:
    (proposal_id,) = _U64.unpack(key[-8:])
    return int(proposal_id)


def weight_key(org_id: str) -> bytes:
    return WEIGHT_PREFIX + org_id.encode()
