"""The only place that builds `bank/` store keys."""

PREFIX = b"bank/"
ASSET_PREFIX = b"bank/asset/"
SUPPLY_PREFIX = b"bank/supply/"
BALANCE_PREFIX = b"bank/bal/"
ADDRESS_LENGTH = 20


def asset_key(symbol: str) -> bytes:
    return ASSET_PREFIX + symbol.encode()


def supply_key(symbol: str) -> bytes:
    return SUPPLY_PREFIX + symbol.encode()


def balance_key(address: bytes, symbol: str) -> bytes:
    return BALANCE_PREFIX + address + symbol.encode()


def split_balance_key(key: bytes) -> tuple[bytes, str]:
    """(address, symbol) from a balance key."""
    rest = key[len(BALANCE_PREFIX) :]
    return rest[:ADDRESS_LENGTH], rest[ADDRESS_LENGTH:].decode()
