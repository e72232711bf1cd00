"""The crypto-suite interface, addresses, and the registry of suites by name."""

from __future__ import annotations

from typing import NewType, Protocol

Address = NewType("Address", bytes)
ADDRESS_LENGTH = 20
ADDRESS_PREFIX = "0x"


class PrivateKey(Protocol):
    """A signing key of one suite. `secret` is the 32-byte scalar; keep it in a keystore."""

    @property
    def secret(self) -> bytes: ...

    @property
    def public_key(self) -> bytes: ...

    def sign(self, message: bytes) -> bytes: ...


class CryptoSuite(Protocol):
    """Hashing, signing and addresses for one chain; all deterministic except key generation."""

    name: str
    public_key_length: int
    signature_length: int

    def hash(self, data: bytes) -> bytes: ...

    def generate_private_key(self) -> PrivateKey: ...

    def load_private_key(self, secret: bytes) -> PrivateKey: ...

    def verify(self, public_key: bytes, message: bytes, signature: bytes) -> bool: ...

    def address(self, public_key: bytes) -> Address: ...


def format_address(address: bytes) -> str:
    """Render an address for people and JSON: `0x` + 40 lowercase hex digits."""
    return ADDRESS_PREFIX + address.hex()


def parse_address(text: str) -> Address:
    """Parse `0x` + 40 hex digits; raise ValueError with a clear message otherwise."""
    body = text[2:] if text[:2].lower() == ADDRESS_PREFIX else text
    try:
        raw = bytes.fromhex(body)
    except ValueError:
        raise ValueError(f"address is not hex: {text!r}") from None
    if len(raw) != ADDRESS_LENGTH:
        raise ValueError(f"address must be {ADDRESS_LENGTH} bytes, got {len(raw)}: {text!r}")
    return Address(raw)


def suite_names() -> list[str]:
    return ["gm", "intl"]


def get_suite(name: str) -> CryptoSuite:
    """Return the suite registered under `name` (`intl` or `gm`)."""
    if name == "intl":
        from finchain.crypto.intl import INTL

        return INTL
    if name == "gm":
        from finchain.crypto.gm import GM

        return GM
    raise ValueError(f"unknown crypto suite {name!r}; choose one of {suite_names()}")
