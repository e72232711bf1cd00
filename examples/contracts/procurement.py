"""Procurement: the buyer funds an order, the supplier ships, the buyer confirms receipt of the
goods and payment goes out at once, less a penalty for each started day of delay past the
delivery deadline (at most the whole price). Unshipped past the deadline, the buyer may cancel.

States: AWAITING_FUNDS -> FUNDED -> SHIPPED -> SETTLED, or FUNDED -> CANCELLED.
Times are block times in milliseconds.
"""

from finchain.contract import Value, ctx, emit, export, require, transfer

DAY_MS = 86_400_000

buyer = Value("buyer")
supplier = Value("supplier")
asset = Value("asset")
price = Value("price")
deadline = Value("deadline")
penalty_per_day = Value("penalty_per_day")
shipment = Value("shipment")
state = Value("state")


def init(
    supplier_account: str, asset_symbol: str, amount: int, deadline_ms: int, daily_penalty: int
) -> None:
    require(amount > 0, "the price must be positive")
    require(daily_penalty >= 0, "the penalty must not be negative")
    require(deadline_ms > ctx.time_ms, "the delivery deadline must be in the future")
    buyer.set(ctx.caller)
    supplier.set(supplier_account)
    asset.set(asset_symbol)
    price.set(amount)
    deadline.set(deadline_ms)
    penalty_per_day.set(daily_penalty)
    state.set("AWAITING_FUNDS")


@export
def fund() -> None:
    """The buyer deposits exactly the price (attach it to the call)."""
    require(state.get() == "AWAITING_FUNDS", "the order is not awaiting funds")
    require(ctx.caller == buyer.get(), "only the buyer funds the order")
    require(ctx.asset == asset.get() and ctx.amount == price.get(), "attach exactly the price")
    state.set("FUNDED")
    emit("Funded", amount=ctx.amount)


@export
def ship(reference: str) -> None:
    """The supplier records the shipment (a delivery note or waybill reference)."""
    require(state.get() == "FUNDED", "the order is not funded")
    require(ctx.caller == supplier.get(), "only the supplier ships")
    require(0 < len(reference) <= 64, "a reference of 1 to 64 characters")
    shipment.set({"reference": reference, "time_ms": ctx.time_ms})
    state.set("SHIPPED")
    emit("Shipped", reference=reference)


@export
def confirm_receipt() -> dict:
    """The buyer confirms the goods arrived: the supplier is paid, less any delay penalty."""
    require(state.get() == "SHIPPED", "nothing shipped to confirm")
    require(ctx.caller == buyer.get(), "only the buyer confirms receipt")
    penalty = penalty_due(ctx.time_ms)
    payment = price.get() - penalty
    state.set("SETTLED")
    if payment > 0:
        transfer(supplier.get(), asset.get(), payment)
    if penalty > 0:
        transfer(buyer.get(), asset.get(), penalty)
    emit("Settled", paid=payment, penalty=penalty)
    return {"paid": payment, "penalty": penalty}


@export
def cancel() -> None:
    """Past the deadline with nothing shipped, the buyer cancels and gets the price back."""
    require(state.get() == "FUNDED", "only a funded, unshipped order can be cancelled")
    require(ctx.caller == buyer.get(), "only the buyer cancels")
    require(ctx.time_ms > deadline.get(), "the delivery deadline has not passed")
    state.set("CANCELLED")
    transfer(buyer.get(), asset.get(), price.get())
    emit("Cancelled", refunded=price.get())


@export
def penalty_due(at_ms: int) -> int:
    """The penalty if receipt were confirmed at `at_ms`: per started day late, capped."""
    late_ms = at_ms - deadline.get()
    if late_ms <= 0:
        return 0
    days = (late_ms + DAY_MS - 1) // DAY_MS
    return min(price.get(), days * penalty_per_day.get())


@export
def status() -> dict:
    """Parties, terms, shipment and state."""
    return {
        "buyer": buyer.get(),
        "supplier": supplier.get(),
        "price": price.get(),
        "deadline_ms": deadline.get(),
        "shipment": shipment.get(),
        "state": state.get(),
    }
