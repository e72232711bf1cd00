"""Pre-signed transactions of `bench run` rounds: transfers and clearing payments.

- `transfer`: `bench.testnet.sign_round`, round-robin over the round's funded accounts.
- `clearing`: one `clearing/SubmitPayment` per transaction among the development banks
  (`bank-a`, `bank-b`, `bank-c`), drawn by `bench.clearing.generate_payments` (cycles and
  one-off payments, seeded by the round's name). A round's sender accounts are split over the
  banks (account i belongs to bank i % 3) and a payment of bank B is signed by B's accounts in
  turn, so a bank's payments spread over lanes and closed-loop clients.

The clearing set-up (`sign_clearing_setup`, executed untimed before the first round) has the
central bank `pboc` open a CNY settlement account for each bank and pledge it
`PLEDGE_PER_BANK`, far above any run's payments (so every payment settles gross on arrival and
none queues), and each bank register its round accounts with `members/AddAccount`.

Must never: use floats for money or unseeded randomness. Pure: no I/O.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from finchain.bench.clearing import CENTRAL_BANK, CURRENCY, FlowShape, generate_payments
from finchain.bench.testnet import sign_round
from finchain.crypto import Address, PrivateKey, get_suite
from finchain.model import Transaction, sign_transaction
from finchain.model.tx import MAX_MSGS_PER_TX
from finchain.modules.clearing.messages import OpenAccount, Pledge
from finchain.modules.members.messages import AddAccount

BANKS = ("bank-a", "bank-b", "bank-c")
PLEDGE_PER_BANK = 10**15  # fen (10 trillion yuan): no payment of a run ever queues

SignedRound = tuple[list[str], list[str], list[int]]  # raw hex, hash hex, sender index


def find_bank_of(account: int) -> str:
    """The bank a clearing round's account `account` belongs to."""
    return BANKS[account % len(BANKS)]


def sign_round_txs(
    chain_id: str,
    suite_name: str,
    workload: str,
    keys: list[PrivateKey],
    count: int,
    *,
    seed: str,
    first_number: int = 0,
) -> SignedRound:
    """`count` transactions of `workload` from `keys` (nonces from 0)."""
    if workload == "transfer":
        return sign_round(chain_id, suite_name, keys, [0] * len(keys), count)
    if workload == "clearing":
        return sign_clearing_round(chain_id, suite_name, keys, count, seed, first_number)
    raise ValueError(f"workload {workload!r} has no transactions")


def sign_clearing_round(
    chain_id: str,
    suite_name: str,
    keys: list[PrivateKey],
    count: int,
    seed: str,
    first_number: int,
) -> SignedRound:
    """`count` payments among the banks that have accounts in `keys`; message ids numbered from
    `first_number` (a bank's MsgId/EndToEndId must never repeat on a chain)."""
    suite = get_suite(suite_name)
    banks = sorted({find_bank_of(account) for account in range(len(keys))})
    accounts_of = {bank: [a for a in range(len(keys)) if find_bank_of(a) == bank] for bank in banks}
    turn = dict.fromkeys(banks, 0)
    nonces = [0] * len(keys)
    addresses = [Address(suite.address(key.public_key)) for key in keys]
    raws, hashes, senders = [], [], []
    for order in generate_payments(random.Random(seed), banks, count, FlowShape()):
        accounts = accounts_of[order.sender]
        sender = accounts[turn[order.sender] % len(accounts)]
        turn[order.sender] += 1
        message = replace(order, number=first_number + order.number).to_message()
        tx = Transaction(chain_id, addresses[sender], nonces[sender], 0, (message,))
        nonces[sender] += 1
        signed = sign_transaction(tx, keys[sender], suite)
        raws.append(signed.raw.hex())
        hashes.append(signed.hash.hex())
        senders.append(sender)
    return raws, hashes, senders


def sign_clearing_setup(
    chain_id: str,
    suite_name: str,
    org_keys: Mapping[str, PrivateKey],
    clearing_keys: Sequence[list[PrivateKey]],
) -> list[bytes]:
    """The central bank opens and funds the banks' settlement accounts; each bank registers
    its accounts of every clearing round. Fresh chain: the org keys' nonces start at 0."""
    suite = get_suite(suite_name)
    nonces: dict[str, int] = {}

    def sign(org: str, msgs: Sequence[Any]) -> bytes:
        key = org_keys[org]
        nonce = nonces.get(org, 0)
        nonces[org] = nonce + 1
        tx = Transaction(chain_id, Address(suite.address(key.public_key)), nonce, 0, tuple(msgs))
        return sign_transaction(tx, key, suite).raw

    funding: list[Any] = [OpenAccount(bank, CURRENCY) for bank in BANKS]
    funding += [Pledge(bank, CURRENCY, PLEDGE_PER_BANK) for bank in BANKS]
    raws = [sign(CENTRAL_BANK, funding)]
    for bank in BANKS:
        additions = [
            AddAccount(Address(suite.address(key.public_key)))
            for keys in clearing_keys
            for account, key in enumerate(keys)
            if find_bank_of(account) == bank
        ]
        raws += [
            sign(bank, additions[i : i + MAX_MSGS_PER_TX])
            for i in range(0, len(additions), MAX_MSGS_PER_TX)
        ]
    return raws
