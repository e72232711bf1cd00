"""Pre-signed transactions of `bench run` rounds: transfers, clearing payments, contract calls.

- `transfer`: `bench.testnet.sign_round`, round-robin over the round's funded accounts.
- `contract`: one `contracts/Call` of the token example's `transfer` (1 token) per transaction,
  senders round-robin over the round's accounts, recipients as for native transfers.
- `clearing`: one `clearing/SubmitPayment` per transaction among the development banks
  (`bank-a`, `bank-b`, `bank-c`), drawn by `bench.clearing.generate_payments` (cycles and
  one-off payments, seeded by the round's name). A round's sender accounts are split over the
  banks (account i belongs to bank i % 3) and a payment of bank B is signed by B's accounts in
  turn, so a bank's payments spread over lanes and closed-loop clients.

The clearing set-up (`sign_clearing_setup`, executed untimed before the first round) has the
central bank `pboc` open a CNY settlement account for each bank and pledge it
`PLEDGE_PER_BANK`, far above any run's payments (so every payment settles gross on arrival and
none queues), and each bank register its round accounts with `members/AddAccount`.

The contract set-up (`sign_contract_setup`, also untimed) deploys one token per contract round,
in round order, so the round's token is the chain's contract number `sequence` (a fresh chain
has none): the round's first account deploys it (all `TOKEN_SUPPLY` tokens are its own) and
gives every other account of the round `TOKEN_SUPPLY // (2 * accounts)` tokens. Its nonce is
then `accounts`, which is where its calls in the round start.

Must never: use floats for money or unseeded randomness. Pure: no I/O apart from reading the
example token's source (`examples/contracts/token.py`) for the contract set-up.
"""

from __future__ import annotations

import random
from collections.abc import Mapping, Sequence
from dataclasses import replace
from typing import Any

from finchain.bench.clearing import CENTRAL_BANK, CURRENCY, FlowShape, generate_payments
from finchain.bench.contracts import TOKEN_SUPPLY, deploy_token, token_call
from finchain.bench.inprocess import sender_and_recipient
from finchain.bench.testnet import sign_round
from finchain.crypto import Address, CryptoSuite, PrivateKey, format_address, get_suite
from finchain.model import SignedTransaction, Transaction, sign_transaction
from finchain.model.tx import MAX_MSGS_PER_TX
from finchain.modules.clearing.messages import OpenAccount, Pledge
from finchain.modules.contracts.keeper import contract_address
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
    token_sequence: int = 0,
    memo: str = "",
) -> SignedRound:
    """`count` transactions of `workload` from `keys` (nonces from 0, or from where the
    set-up left them); a contract round calls the chain's contract number `token_sequence`;
    every transaction carries `memo` (the round's payload)."""
    if workload == "transfer":
        return sign_round(chain_id, suite_name, keys, [0] * len(keys), count, memo)
    if workload == "clearing":
        return sign_clearing_round(chain_id, suite_name, keys, count, seed, first_number, memo)
    if workload == "contract":
        return sign_contract_round(chain_id, suite_name, keys, count, token_sequence, memo)
    raise ValueError(f"workload {workload!r} has no transactions")


def sign_contract_round(
    chain_id: str,
    suite_name: str,
    keys: list[PrivateKey],
    count: int,
    token_sequence: int,
    memo: str = "",
) -> SignedRound:
    """`count` token transfers of 1 token, round-robin over `keys` (after the set-up: the
    deployer's nonces start at `len(keys)`)."""
    suite = get_suite(suite_name)
    addresses = [Address(suite.address(key.public_key)) for key in keys]
    token = contract_address(token_sequence)
    nonces = [len(keys)] + [0] * (len(keys) - 1)
    users = len(keys)
    raws, hashes, senders = [], [], []
    for index in range(count):
        sender, recipient = sender_and_recipient(index, users)
        call = token_call(token, "transfer", format_address(addresses[recipient]), 1)
        signed = _sign_one(chain_id, suite, keys[sender], nonces[sender], call, memo)
        nonces[sender] += 1
        raws.append(signed.raw.hex())
        hashes.append(signed.hash.hex())
        senders.append(sender)
    return raws, hashes, senders


def sign_contract_setup(
    chain_id: str, suite_name: str, contract_keys: Sequence[list[PrivateKey]]
) -> list[bytes]:
    """Per contract round, in order: its first account deploys a token and gives each other
    account of the round its share. Fresh chain: no contract yet, the accounts' nonces at 0."""
    suite = get_suite(suite_name)
    raws: list[bytes] = []
    for sequence, keys in enumerate(contract_keys):
        token = contract_address(sequence)
        deployer = keys[0]
        share = TOKEN_SUPPLY // (2 * len(keys))
        raws.append(_sign_one(chain_id, suite, deployer, 0, deploy_token()).raw)
        for nonce, key in enumerate(keys[1:], start=1):
            recipient = format_address(Address(suite.address(key.public_key)))
            call = token_call(token, "transfer", recipient, share)
            raws.append(_sign_one(chain_id, suite, deployer, nonce, call).raw)
    return raws


def sign_clearing_round(
    chain_id: str,
    suite_name: str,
    keys: list[PrivateKey],
    count: int,
    seed: str,
    first_number: int,
    memo: str = "",
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
        tx = Transaction(chain_id, addresses[sender], nonces[sender], 0, (message,), memo)
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


def _sign_one(
    chain_id: str, suite: CryptoSuite, key: PrivateKey, nonce: int, message: Any, memo: str = ""
) -> SignedTransaction:
    sender = Address(suite.address(key.public_key))
    return sign_transaction(Transaction(chain_id, sender, nonce, 0, (message,), memo), key, suite)
