"""Escrow: the buyer pays the price in; a named party's confirmation releases it to the seller;
after the refund height the buyer may take it back instead.

States: AWAITING_PAYMENT -> FUNDED -> RELEASED | REFUNDED.
"""

from finchain.contract import Value, ctx, emit, export, require, transfer

buyer = Value("buyer")
seller = Value("seller")
confirmer = Value("confirmer")
asset = Value("asset")
price = Value("price")
refund_after = Value("refund_after")
state = Value("state")


def init(
    seller_account: str, confirming_party: str, asset_symbol: str, amount: int, refund_height: int
) -> None:
    require(amount > 0, "the price must be positive")
    require(refund_height > ctx.height, "the refund height must be in the future")
    buyer.set(ctx.caller)
    seller.set(seller_account)
    confirmer.set(confirming_party)
    asset.set(asset_symbol)
    price.set(amount)
    refund_after.set(refund_height)
    state.set("AWAITING_PAYMENT")


@export
def fund() -> None:
    """The buyer pays exactly the price (attach it to the call)."""
    require(state.get() == "AWAITING_PAYMENT", "the escrow is not awaiting payment")
    require(ctx.caller == buyer.get(), "only the buyer funds the escrow")
    require(ctx.asset == asset.get() and ctx.amount == price.get(), "attach exactly the price")
    state.set("FUNDED")
    emit("Funded", buyer=ctx.caller, amount=ctx.amount)


@export
def confirm() -> None:
    """The confirming party releases the price to the seller."""
    require(state.get() == "FUNDED", "the escrow is not funded")
    require(ctx.caller == confirmer.get(), "only the confirming party may release")
    state.set("RELEASED")
    transfer(seller.get(), asset.get(), price.get())
    emit("Released", seller=seller.get(), amount=price.get())


@export
def refund() -> None:
    """After the refund height, the buyer takes the price back."""
    require(state.get() == "FUNDED", "the escrow is not funded")
    require(ctx.caller == buyer.get(), "only the buyer may take a refund")
    require(ctx.height > refund_after.get(), "a refund is possible only after the refund height")
    state.set("REFUNDED")
    transfer(buyer.get(), asset.get(), price.get())
    emit("Refunded", buyer=buyer.get(), amount=price.get())


@export
def status() -> dict:
    """The escrow's parties, terms and state."""
    return {
        "buyer": buyer.get(),
        "seller": seller.get(),
        "confirmer": confirmer.get(),
        "asset": asset.get(),
        "price": price.get(),
        "refund_after": refund_after.get(),
        "state": state.get(),
    }
