"""The only place that builds `clearing/` store keys."""

from __future__ import annotations

import struct

PREFIX = b"clearing/"
ACCOUNT_PREFIX = b"clearing/acct/"
PLEDGED_PREFIX = b"clearing/pledged/"
PAYMENT_PREFIX = b"clearing/pay/"
MESSAGE_PREFIX = b"clearing/msg/"
QUEUE_PREFIX = b"clearing/queue/"
SENDER_QUEUE_PREFIX = b"clearing/squeue/"
SUSPENDED_PREFIX = b"clearing/suspended/"
QUEUED_COUNT_PREFIX = b"clearing/queued/"
CYCLE_PREFIX = b"clearing/cycle/"
DEADLOCK_PREFIX = b"clearing/deadlock/"
PAYMENT_COUNTER = b"clearing/counter/payments"
CYCLE_COUNTER = b"clearing/counter/cycles"
AUTO_PROCESS = b"clearing/params/auto_process"
BIC_PREFIX = b"clearing/bic/"
ORG_BIC_PREFIX = b"clearing/orgbic/"
DAY_PREFIX = b"clearing/day/"
DAY_COUNTER_PREFIX = b"clearing/counter/days/"
_U64 = struct.Struct(">Q")


def account_key(participant: str, currency: str) -> bytes:
    return ACCOUNT_PREFIX + currency.encode() + b"/" + participant.encode()


def account_prefix(currency: str) -> bytes:
    return ACCOUNT_PREFIX + currency.encode() + b"/"


def pledged_key(currency: str) -> bytes:
    return PLEDGED_PREFIX + currency.encode()


def payment_key(payment_id: str) -> bytes:
    return PAYMENT_PREFIX + payment_id.encode()


def message_key(sender: str, msg_id: str, end_to_end_id: str) -> bytes:
    return MESSAGE_PREFIX + b"\x00".join(p.encode() for p in (sender, msg_id, end_to_end_id))


def queue_prefix(currency: str) -> bytes:
    return QUEUE_PREFIX + currency.encode() + b"/"


def queue_key(currency: str, number: int) -> bytes:
    """Queued payments of a currency, in submission order (big-endian payment number)."""
    return queue_prefix(currency) + _U64.pack(number)


def sender_queue_prefix(currency: str, sender: str) -> bytes:
    return SENDER_QUEUE_PREFIX + currency.encode() + b"/" + sender.encode() + b"/"


def sender_queue_key(currency: str, sender: str, number: int) -> bytes:
    """One sender's open payments of a currency, in submission order (the rule-2 check)."""
    return sender_queue_prefix(currency, sender) + _U64.pack(number)


def suspended_key(participant: str) -> bytes:
    return SUSPENDED_PREFIX + participant.encode()


def cycle_key(number: int) -> bytes:
    return CYCLE_PREFIX + _U64.pack(number)


def deadlock_key(currency: str) -> bytes:
    """Digest of the queue snapshot of the last recorded deadlock in `currency`."""
    return DEADLOCK_PREFIX + currency.encode()


def bic_key(bic: str) -> bytes:
    """The participant directory: BIC -> participant org id."""
    return BIC_PREFIX + bic.encode()


def org_bic_key(participant: str) -> bytes:
    return ORG_BIC_PREFIX + participant.encode()


def day_prefix(currency: str) -> bytes:
    return DAY_PREFIX + currency.encode() + b"/"


def day_key(currency: str, day: int) -> bytes:
    """A closed business day of a currency (written by its cut-off), by day number."""
    return day_prefix(currency) + _U64.pack(day)


def parse_day_key(prefix: bytes, key: bytes) -> int:
    (day,) = _U64.unpack(key[len(prefix) :])
    return int(day)


def day_counter_key(currency: str) -> bytes:
    return DAY_COUNTER_PREFIX + currency.encode()


def queued_count_key(currency: str, sender: str, priority: str) -> bytes:
    """How many of the sender's payments of that currency and priority are QUEUED (rule 2)."""
    return QUEUED_COUNT_PREFIX + "/".join((currency, sender, priority)).encode()
