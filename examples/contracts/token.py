"""A fungible token: fixed supply minted to the deployer, transfers and allowances."""

from finchain.contract import Map, Value, ctx, emit, export, require

balances = Map("balances")
allowances = Map("allowances")
total_supply = Value("total_supply")
symbol = Value("symbol")


def init(token_symbol: str, supply: int) -> None:
    require(supply > 0, "supply must be positive")
    symbol.set(token_symbol)
    total_supply.set(supply)
    balances[ctx.caller] = supply
    emit("Minted", to=ctx.caller, amount=supply)


@export
def transfer(to: str, amount: int) -> bool:
    """Move `amount` of the caller's tokens to `to`."""
    move_tokens(ctx.caller, to, amount)
    return True


@export
def approve(spender: str, amount: int) -> None:
    """Let `spender` move up to `amount` of the caller's tokens."""
    require(amount >= 0, "amount must not be negative")
    allowances[ctx.caller, spender] = amount
    emit("Approval", owner=ctx.caller, spender=spender, amount=amount)


@export
def transfer_from(owner: str, to: str, amount: int) -> None:
    """Move `amount` of `owner`'s tokens to `to`, within the caller's allowance."""
    allowed = allowances.get((owner, ctx.caller), 0)
    require(allowed >= amount, "allowance exceeded")
    allowances[owner, ctx.caller] = allowed - amount
    move_tokens(owner, to, amount)


@export
def balance_of(account: str) -> int:
    """The token balance of `account`."""
    return balances.get(account, 0)


@export
def info() -> dict:
    """Symbol and total supply."""
    return {"symbol": symbol.get(), "total_supply": total_supply.get()}


def move_tokens(source: str, to: str, amount: int) -> None:
    require(amount > 0, "amount must be positive")
    held = balances.get(source, 0)
    require(held >= amount, "insufficient token balance")
    balances[source] = held - amount
    balances[to] = balances.get(to, 0) + amount
    emit("Transfer", sender=source, recipient=to, amount=amount)
