"""The auth module's ante steps: the nonce, then the fee (after membership, roles and frozen)."""

from __future__ import annotations

from finchain.errors import InvalidTransaction
from finchain.modules.auth.errors import ERR_FEE_TOO_LOW, ERR_NONCE_GAP, ERR_NONCE_REUSED
from finchain.modules.auth.expected import ChainParamsReader, FeeTransfers
from finchain.modules.auth.keeper import AuthKeeper, compute_fee_collector
from finchain.modules.module import AnteContext

NONCE_ORDER = 30
FEE_ORDER = 40


def apply_nonce(ctx: AnteContext) -> None:
    """The transaction's nonce must be the account's next one; it is consumed."""
    sender, nonce = ctx.stx.tx.sender, ctx.stx.tx.nonce
    keeper = AuthKeeper(ctx.state)
    expected = keeper.get_next_nonce(sender)
    if nonce < expected:
        raise InvalidTransaction(
            ERR_NONCE_REUSED, f"nonce {nonce} already used; next is {expected}", expected=expected
        )
    if nonce > expected:
        raise InvalidTransaction(
            ERR_NONCE_GAP, f"nonce {nonce} is ahead; next is {expected}", expected=expected
        )
    keeper.set_next_nonce(sender, expected + 1)


def apply_fee(ctx: AnteContext) -> None:
    """The fee must reach the chain's minimum; it is paid to the fee collector."""
    chain_params: ChainParamsReader = ctx.interfaces.get("params.chain")(ctx.state)
    params = chain_params.get()
    fee = ctx.stx.tx.fee
    if fee < params.min_fee:
        raise InvalidTransaction(
            ERR_FEE_TOO_LOW, f"fee {fee} below minimum {params.min_fee}", min_fee=params.min_fee
        )
    if fee > 0 and params.fee_asset:
        transfers: FeeTransfers = ctx.interfaces.get("bank.transfers")(ctx.state)
        collector = compute_fee_collector(ctx.suite)
        transfers.send(ctx.stx.tx.sender, collector, params.fee_asset, fee)
