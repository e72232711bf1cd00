"""Read view and keeper over the `clearing/` key prefix: settlement accounts, payments, queue."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass, replace

from finchain.codec import decode, decode_uint, encode, encode_uint
from finchain.errors import InvalidTransaction
from finchain.modules.clearing import keys
from finchain.modules.clearing.errors import ERR_NO_ACCOUNT, ERR_UNKNOWN_PAYMENT
from finchain.modules.clearing.netting import Priority
from finchain.state import StateReader, StateWriter

PRIORITY_RANK = {priority.value: rank for rank, priority in enumerate(Priority)}  # 0 = highest
QUEUED, ON_HOLD, SETTLED, CANCELLED, REJECTED = (
    "QUEUED",
    "ON_HOLD",
    "SETTLED",
    "CANCELLED",
    "REJECTED",
)
TERMINAL = frozenset({SETTLED, CANCELLED, REJECTED})


@dataclass(frozen=True, slots=True)
class Account:
    participant: str
    currency: str
    balance: int
    reserved_for_urgent: int

    def to_json(self) -> dict[str, object]:
        return {
            "participant": self.participant,
            "currency": self.currency,
            "balance": str(self.balance),
            "reserved_for_urgent": str(self.reserved_for_urgent),
        }


@dataclass(frozen=True, slots=True)
class Payment:
    uetr: str
    number: int  # global submission order (rule 1)
    height: int
    sender: str
    receiver: str
    currency: str
    amount: int
    priority: str
    msg_id: str
    end_to_end_id: str
    status: str
    reason: str = ""

    @property
    def rank(self) -> int:
        return PRIORITY_RANK[self.priority]

    def with_status(self, status: str, reason: str = "") -> Payment:
        return replace(self, status=status, reason=reason)

    def encode(self) -> bytes:
        return encode(
            [
                self.uetr,
                self.number,
                self.height,
                self.sender,
                self.receiver,
                self.currency,
                self.amount,
                self.priority,
                self.msg_id,
                self.end_to_end_id,
                self.status,
                self.reason,
            ]
        )

    @staticmethod
    def decode(raw: bytes) -> Payment:
        return Payment(*decode(raw))

    def to_json(self) -> dict[str, object]:
        return {
            "uetr": self.uetr,
            "number": self.number,
            "height": self.height,
            "sender": self.sender,
            "receiver": self.receiver,
            "currency": self.currency,
            "amount": str(self.amount),
            "priority": self.priority,
            "msg_id": self.msg_id,
            "end_to_end_id": self.end_to_end_id,
            "status": self.status,
            "reason": self.reason,
        }


@dataclass(frozen=True, slots=True)
class BusinessDay:
    """A closed business day of one currency: where its cut-off ran and the closing balances."""

    currency: str
    day: int
    height: int
    cut_off_tx: bytes
    closing_balances: tuple[tuple[str, int], ...]  # by participant, sorted

    def to_json(self) -> dict[str, object]:
        return {
            "currency": self.currency,
            "day": self.day,
            "height": self.height,
            "cut_off_tx": self.cut_off_tx.hex(),
            "closing_balances": {p: str(b) for p, b in self.closing_balances},
        }


class ClearingView:
    """Read-only access to accounts, payments, the queue, suspensions and netting cycles."""

    def __init__(self, state: StateReader) -> None:
        self.state = state

    def find_account(self, participant: str, currency: str) -> Account | None:
        raw = self.state.get(keys.account_key(participant, currency))
        if raw is None:
            return None
        return _decode_account(participant, currency, raw)

    def get_account(self, participant: str, currency: str) -> Account:
        account = self.find_account(participant, currency)
        if account is None:
            raise InvalidTransaction(
                ERR_NO_ACCOUNT, f"{participant} has no settlement account in {currency}"
            )
        return account

    def list_accounts(self, currency: str) -> list[Account]:
        prefix = keys.account_prefix(currency)
        return [
            _decode_account(key[len(prefix) :].decode(), currency, raw)
            for key, raw in self.state.iterate(prefix)
        ]

    def list_currencies(self) -> list[str]:
        return sorted(
            {
                key[len(keys.ACCOUNT_PREFIX) :].split(b"/")[0].decode()
                for key, _ in self.state.iterate(keys.ACCOUNT_PREFIX)
            }
        )

    def get_pledged(self, currency: str) -> int:
        raw = self.state.get(keys.pledged_key(currency))
        return 0 if raw is None else decode_uint(raw)

    def find_payment(self, uetr: str) -> Payment | None:
        raw = self.state.get(keys.payment_key(uetr))
        return None if raw is None else Payment.decode(raw)

    def get_payment(self, uetr: str) -> Payment:
        payment = self.find_payment(uetr)
        if payment is None:
            raise InvalidTransaction(ERR_UNKNOWN_PAYMENT, f"no payment with UETR {uetr}")
        return payment

    def has_message(self, sender: str, msg_id: str, end_to_end_id: str) -> bool:
        return self.state.get(keys.message_key(sender, msg_id, end_to_end_id)) is not None

    def list_queue(self, currency: str) -> list[Payment]:
        """QUEUED and ON_HOLD payments of `currency`, in submission order."""
        return [
            self.get_payment(raw.decode())
            for _, raw in self.state.iterate(keys.queue_prefix(currency))
        ]

    def iter_sender_queue(self, currency: str, sender: str) -> Iterator[Payment]:
        """The sender's QUEUED and ON_HOLD payments of `currency`, in submission order (lazy:
        the rule-2 check usually stops at the first one)."""
        prefix = keys.sender_queue_prefix(currency, sender)
        for _, raw in self.state.iterate(prefix):
            yield self.get_payment(raw.decode())

    def count_queued(self, currency: str, sender: str, priority: str) -> int:
        raw = self.state.get(keys.queued_count_key(currency, sender, priority))
        return 0 if raw is None else decode_uint(raw)

    def list_suspended(self) -> set[str]:
        prefix = keys.SUSPENDED_PREFIX
        return {key[len(prefix) :].decode() for key, _ in self.state.iterate(prefix)}

    def any_suspended(self) -> bool:
        return next(self.state.iterate(keys.SUSPENDED_PREFIX), None) is not None

    def has_queued(self, currency: str) -> bool:
        return next(self.state.iterate(keys.queue_prefix(currency)), None) is not None

    def is_auto_processing(self) -> bool:
        return self.state.get(keys.AUTO_PROCESS) is not None

    def get_deadlock_snapshot(self, currency: str) -> bytes | None:
        return self.state.get(keys.deadlock_key(currency))

    def is_suspended(self, participant: str) -> bool:
        return self.state.get(keys.suspended_key(participant)) is not None

    def find_org_by_bic(self, bic: str) -> str | None:
        raw = self.state.get(keys.bic_key(bic))
        return None if raw is None else raw.decode()

    def find_bic_of(self, participant: str) -> str | None:
        raw = self.state.get(keys.org_bic_key(participant))
        return None if raw is None else raw.decode()

    def list_directory(self) -> list[tuple[str, str]]:
        """(BIC, participant) pairs in BIC order."""
        return [
            (key[len(keys.BIC_PREFIX) :].decode(), raw.decode())
            for key, raw in self.state.iterate(keys.BIC_PREFIX)
        ]

    def list_days(self, currency: str) -> list[BusinessDay]:
        prefix = keys.day_prefix(currency)
        return [
            _decode_day(currency, keys.parse_day_key(prefix, key), raw)
            for key, raw in self.state.iterate(prefix)
        ]

    def count_days(self, currency: str) -> int:
        raw = self.state.get(keys.day_counter_key(currency))
        return 0 if raw is None else decode_uint(raw)

    def list_cycles(self) -> list[dict[str, object]]:
        cycles = []
        for _, raw in self.state.iterate(keys.CYCLE_PREFIX):
            number, height, currency, settled, net_changes, deadlock = decode(raw)
            cycles.append(
                {
                    "number": number,
                    "height": height,
                    "currency": currency,
                    "settled": list(settled),
                    "net_changes": dict(net_changes),
                    "deadlock": bool(deadlock),
                }
            )
        return cycles


class ClearingKeeper(ClearingView):
    def __init__(self, state: StateWriter) -> None:
        super().__init__(state)
        self.writer = state

    def save_account(self, account: Account) -> None:
        # Unbounded integers (rule 8) as minimal big-endian bytes; balances are never negative.
        value = encode([encode_uint(account.balance), encode_uint(account.reserved_for_urgent)])
        self.writer.set(keys.account_key(account.participant, account.currency), value)

    def add_balance(self, participant: str, currency: str, delta: int) -> Account:
        account = self.get_account(participant, currency)
        updated = replace(account, balance=account.balance + delta)
        self.save_account(updated)
        return updated

    def add_pledged(self, currency: str, delta: int) -> None:
        self.writer.set(keys.pledged_key(currency), encode_uint(self.get_pledged(currency) + delta))

    def next_payment_number(self) -> int:
        raw = self.state.get(keys.PAYMENT_COUNTER)
        number = 0 if raw is None else decode_uint(raw)
        self.writer.set(keys.PAYMENT_COUNTER, encode_uint(number + 1))
        return number

    def save_payment(self, payment: Payment) -> None:
        previous = self.find_payment(payment.uetr)
        was_queued = previous is not None and previous.status == QUEUED
        if was_queued != (payment.status == QUEUED):
            self._add_queued_count(payment, 1 if payment.status == QUEUED else -1)
        self.writer.set(keys.payment_key(payment.uetr), payment.encode())
        queue_key = keys.queue_key(payment.currency, payment.number)
        sender_key = keys.sender_queue_key(payment.currency, payment.sender, payment.number)
        if payment.status in TERMINAL:
            self.writer.delete(queue_key)
            self.writer.delete(sender_key)
        else:
            self.writer.set(queue_key, payment.uetr.encode())
            self.writer.set(sender_key, payment.uetr.encode())

    def _add_queued_count(self, payment: Payment, delta: int) -> None:
        key = keys.queued_count_key(payment.currency, payment.sender, payment.priority)
        count = self.count_queued(payment.currency, payment.sender, payment.priority) + delta
        if count:
            self.writer.set(key, encode_uint(count))
        else:
            self.writer.delete(key)

    def record_message(self, payment: Payment) -> None:
        key = keys.message_key(payment.sender, payment.msg_id, payment.end_to_end_id)
        self.writer.set(key, payment.uetr.encode())

    def set_auto_processing(self, enabled: bool) -> None:
        if enabled:
            self.writer.set(keys.AUTO_PROCESS, b"\x01")
        else:
            self.writer.delete(keys.AUTO_PROCESS)

    def set_deadlock_snapshot(self, currency: str, digest: bytes | None) -> None:
        if digest is None:
            self.writer.delete(keys.deadlock_key(currency))
        else:
            self.writer.set(keys.deadlock_key(currency), digest)

    def register_bic(self, participant: str, bic: str) -> None:
        previous = self.find_bic_of(participant)
        if previous is not None:
            self.writer.delete(keys.bic_key(previous))
        self.writer.set(keys.bic_key(bic), participant.encode())
        self.writer.set(keys.org_bic_key(participant), bic.encode())

    def record_day(self, height: int, cut_off_tx: bytes, currency: str) -> BusinessDay:
        """Close the next business day of `currency` with every account's balance as it is now."""
        balances = tuple((a.participant, a.balance) for a in self.list_accounts(currency))
        day = BusinessDay(currency, self.count_days(currency), height, cut_off_tx, balances)
        value = encode(
            [height, cut_off_tx, [[participant, encode_uint(b)] for participant, b in balances]]
        )
        self.writer.set(keys.day_key(currency, day.day), value)
        self.writer.set(keys.day_counter_key(currency), encode_uint(day.day + 1))
        return day

    def set_suspended(self, participant: str, suspended: bool) -> None:
        if suspended:
            self.writer.set(keys.suspended_key(participant), b"\x01")
        else:
            self.writer.delete(keys.suspended_key(participant))

    def record_cycle(
        self,
        height: int,
        currency: str,
        settled: tuple[str, ...],
        net_changes: list[tuple[str, int]],
        deadlock: bool,
    ) -> int:
        raw = self.state.get(keys.CYCLE_COUNTER)
        number = 0 if raw is None else decode_uint(raw)
        self.writer.set(keys.CYCLE_COUNTER, encode_uint(number + 1))
        value = encode(
            [
                number,
                height,
                currency,
                list(settled),
                [[bank, str(change)] for bank, change in net_changes],
                int(deadlock),
            ]
        )
        self.writer.set(keys.cycle_key(number), value)
        return number


def _decode_account(participant: str, currency: str, raw: bytes) -> Account:
    balance, reserved = decode(raw)
    return Account(participant, currency, decode_uint(balance), decode_uint(reserved))


def _decode_day(currency: str, day: int, raw: bytes) -> BusinessDay:
    height, cut_off_tx, balances = decode(raw)
    return BusinessDay(
        currency,
        day,
        height,
        cut_off_tx,
        tuple((participant, decode_uint(b)) for participant, b in balances),
    )


class ParticipantSuspensions:
    """The interface clearing offers supervision: suspend or restore a participant (CLR-8)."""

    def __init__(self, state: StateWriter) -> None:
        self._keeper = ClearingKeeper(state)

    def set_suspended(self, participant: str, suspended: bool) -> None:
        self._keeper.set_suspended(participant, suspended)
