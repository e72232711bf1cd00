"""A receivable: an amount a debtor owes, held in pieces that can be split and transferred
(supply-chain finance). The creditor (deployer) holds piece 1 for the face value; a holder may
split a piece or transfer it; the debtor pays a piece to its holder through the contract.

Invariant: the open pieces plus the paid ones always add up to the face value.
"""

from finchain.contract import Map, Value, ctx, emit, export, require, transfer

debtor = Value("debtor")
asset = Value("asset")
face_value = Value("face_value")
due_ms = Value("due_ms")
next_piece = Value("next_piece")
pieces = Map("pieces")


def init(debtor_account: str, asset_symbol: str, amount: int, due_time_ms: int) -> None:
    require(amount > 0, "the face value must be positive")
    debtor.set(debtor_account)
    asset.set(asset_symbol)
    face_value.set(amount)
    due_ms.set(due_time_ms)
    pieces[1] = {"holder": ctx.caller, "amount": amount, "paid": False}
    next_piece.set(2)
    emit("Issued", holder=ctx.caller, amount=amount)


@export
def split(piece_id: int, amount: int) -> int:
    """The holder splits `amount` off a piece into a new piece it also holds; returns its id."""
    piece = open_piece(piece_id)
    require(ctx.caller == piece["holder"], "only the holder splits a piece")
    require(0 < amount < piece["amount"], "split off a positive amount below the piece's")
    new_id = next_piece.get()
    next_piece.set(new_id + 1)
    pieces[piece_id] = {"holder": piece["holder"], "amount": piece["amount"] - amount, "paid": False}
    pieces[new_id] = {"holder": piece["holder"], "amount": amount, "paid": False}
    emit("Split", piece=piece_id, new_piece=new_id, amount=amount)
    return new_id


@export
def assign(piece_id: int, to: str) -> None:
    """The holder transfers a piece to `to` (e.g. a financing bank)."""
    piece = open_piece(piece_id)
    require(ctx.caller == piece["holder"], "only the holder transfers a piece")
    require(to != piece["holder"], "the piece already belongs to that account")
    pieces[piece_id] = {"holder": to, "amount": piece["amount"], "paid": False}
    emit("Assigned", piece=piece_id, holder=to)


@export
def pay(piece_id: int) -> None:
    """The debtor pays a piece (attach its amount); the money goes on to its holder."""
    piece = open_piece(piece_id)
    require(ctx.caller == debtor.get(), "only the debtor pays")
    require(ctx.asset == asset.get() and ctx.amount == piece["amount"], "attach the piece's amount")
    pieces[piece_id] = {"holder": piece["holder"], "amount": piece["amount"], "paid": True}
    transfer(piece["holder"], asset.get(), piece["amount"])
    emit("Paid", piece=piece_id, holder=piece["holder"], amount=piece["amount"])


@export
def piece(piece_id: int) -> dict:
    """One piece: holder, amount, paid."""
    return pieces[piece_id]


@export
def summary() -> dict:
    """Face value, and open and paid amounts over every piece."""
    open_amount = 0
    paid_amount = 0
    for piece_id in range(1, next_piece.get()):
        item = pieces[piece_id]
        if item["paid"]:
            paid_amount += item["amount"]
        else:
            open_amount += item["amount"]
    return {"face_value": face_value.get(), "open": open_amount, "paid": paid_amount}


def open_piece(piece_id: int) -> dict:
    require(piece_id in pieces, "no such piece")
    item = pieces[piece_id]
    require(not item["paid"], "the piece is already paid")
    return item
