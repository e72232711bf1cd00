"""The only place that builds `supervision/` store keys."""

from __future__ import annotations

import struct

PREFIX = b"supervision/"
DIRECTIVE_PREFIX = b"supervision/directive/"
IN_FORCE_PREFIX = b"supervision/inforce/"
FROZEN_PREFIX = b"supervision/frozen/"
REPORT_PREFIX = b"supervision/report/"
ANCHOR_PREFIX = b"supervision/anchor/"
SCOPE_PREFIX = b"supervision/scope/"
DIRECTIVE_COUNTER = b"supervision/counter/directives"
REPORT_COUNTER = b"supervision/counter/reports"
_U64 = struct.Struct(">Q")


def directive_key(directive_id: int) -> bytes:
    return DIRECTIVE_PREFIX + _U64.pack(directive_id)


def in_force_key(kind: str, target: str) -> bytes:
    """The id of the EXECUTED directive of `kind` that holds `target`."""
    return IN_FORCE_PREFIX + kind.encode() + b"/" + target.encode()


def frozen_key(address: bytes) -> bytes:
    return FROZEN_PREFIX + address


def report_key(report_id: int) -> bytes:
    return REPORT_PREFIX + _U64.pack(report_id)


def anchor_key(org_id: str, log_id: str) -> bytes:
    """The latest anchor of an organisation's audit log `log_id` (one per node)."""
    return ANCHOR_PREFIX + org_id.encode() + b"/" + log_id.encode()


def scope_key(org_id: str) -> bytes:
    """The organisations a regulator supervises (absent: every one)."""
    return SCOPE_PREFIX + org_id.encode()
