"""Wallets: a signing identity (crypto suite + private key) with a local nonce counter.

The local nonce lets a client pipeline transactions (sign nonce n, n+1, n+2 … without waiting for
each to commit). It starts unknown; the client initialises it from the node's `pending_nonce`
before the first signature, `claim_nonce()` hands out the next one, and `resync()` forgets it so
the next signature asks the node again (do this after a rejected submission).

Concurrency: `claim_nonce` is thread-safe; one wallet may sign from several threads.
Must never: print, log or repr the private key.
"""

from __future__ import annotations

import os
import threading
from collections.abc import Sequence
from pathlib import Path
from typing import Any

from finchain.crypto import Address, CryptoSuite, PrivateKey, format_address, get_suite
from finchain.keys import Keyring, load_key_file
from finchain.model import SignedTransaction, Transaction, sign_transaction

DEFAULT_HOME_ENV = "FINCHAIN_HOME"
DEFAULT_HOME = Path(".finchain-dev")  # the CLI's default home (`finchain dev`)


class Wallet:
    """One account's key. `address` is the raw 20 bytes, `address_hex` the `0x…` form."""

    __slots__ = ("_key", "_lock", "_next_nonce", "name", "suite")

    def __init__(self, suite: CryptoSuite, key: PrivateKey, name: str = "") -> None:
        self.suite = suite
        self._key = key
        self.name = name
        self._next_nonce: int | None = None
        self._lock = threading.Lock()

    # ---- constructors ---------------------------------------------------------------------

    @classmethod
    def generate(cls, suite_name: str = "intl", name: str = "") -> Wallet:
        """A wallet with a fresh random key of the suite `intl` or `gm`."""
        suite = get_suite(suite_name)
        return cls(suite, suite.generate_private_key(), name)

    @classmethod
    def from_secret(cls, suite_name: str, secret: bytes | str, name: str = "") -> Wallet:
        """A wallet from a 32-byte secret (bytes or hex); prefer keystores for real keys."""
        raw = bytes.fromhex(secret.removeprefix("0x")) if isinstance(secret, str) else secret
        suite = get_suite(suite_name)
        return cls(suite, suite.load_private_key(raw), name)

    @classmethod
    def from_keystore(
        cls, path_or_name: str | Path, password: str | None, *, keys_dir: str | Path | None = None
    ) -> Wallet:
        """Load a key from a key file path, or by name from the keyring in `keys_dir`.

        `keys_dir` defaults to `$FINCHAIN_HOME/keys`, else `.finchain-dev/keys` (the CLI's
        default home, so keys made by `finchain dev` in this directory are found).
        A `path_or_name` that is an existing file is read as a key file.
        """
        path = Path(path_or_name)
        if path.is_file():
            suite, key = load_key_file(path, password)
            return cls(suite, key, path.stem)
        keyring = Keyring(Path(keys_dir) if keys_dir is not None else default_keys_dir())
        suite, key = keyring.load(str(path_or_name), password)
        return cls(suite, key, str(path_or_name))

    # ---- identity -------------------------------------------------------------------------

    @property
    def suite_name(self) -> str:
        return self.suite.name

    @property
    def public_key(self) -> bytes:
        return self._key.public_key

    @property
    def address(self) -> Address:
        return self.suite.address(self._key.public_key)

    @property
    def address_hex(self) -> str:
        return format_address(self.address)

    @property
    def private_key(self) -> PrivateKey:
        """The key object, for saving to a keystore; never log it."""
        return self._key

    # ---- nonces ---------------------------------------------------------------------------

    @property
    def next_nonce(self) -> int | None:
        """The nonce the next signature will use, or None until synced with the node."""
        return self._next_nonce

    def set_nonce(self, nonce: int) -> None:
        """Set the next nonce (the client does this from the node's `pending_nonce`)."""
        if nonce < 0:
            raise ValueError("nonce must be non-negative")
        with self._lock:
            self._next_nonce = nonce

    def ensure_nonce(self, nonce: int) -> None:
        """Set the next nonce only if it is unknown (first sync; safe against racing syncs)."""
        if nonce < 0:
            raise ValueError("nonce must be non-negative")
        with self._lock:
            if self._next_nonce is None:
                self._next_nonce = nonce

    def resync(self) -> None:
        """Forget the local nonce; the next signature re-reads `pending_nonce` from the node."""
        with self._lock:
            self._next_nonce = None

    def claim_nonce(self) -> int:
        """Take the next nonce and advance the counter (raises if the wallet was never synced)."""
        with self._lock:
            if self._next_nonce is None:
                raise RuntimeError("wallet nonce unknown: sync it with the node first")
            nonce = self._next_nonce
            self._next_nonce = nonce + 1
            return nonce

    # ---- signing --------------------------------------------------------------------------

    def sign(
        self,
        chain_id: str,
        msgs: Sequence[Any],
        *,
        nonce: int,
        fee: int = 0,
        memo: str = "",
        valid_until_height: int = 0,
    ) -> SignedTransaction:
        """Build and sign a transaction from this wallet (stateless checks run first)."""
        tx = Transaction(
            chain_id=chain_id,
            sender=self.address,
            nonce=nonce,
            fee=fee,
            msgs=tuple(msgs),
            memo=memo,
            valid_until_height=valid_until_height,
        )
        tx.validate_basic()
        return sign_transaction(tx, self._key, self.suite)

    def sign_bytes(self, payload: bytes) -> bytes:
        """Sign `payload` with this wallet's key and suite (e.g. a signed API read,
        `finchain.model.read_auth`). Sign only domain-separated payloads: transaction
        sign-bytes and read payloads start with different tags, so one cannot pass for the other.
        """
        return self._key.sign(bytes(payload))

    def __repr__(self) -> str:
        label = f" {self.name!r}" if self.name else ""
        return f"<Wallet{label} {self.suite.name} {self.address_hex}>"


def default_keys_dir() -> Path:
    home = os.environ.get(DEFAULT_HOME_ENV)
    return (Path(home) if home else DEFAULT_HOME) / "keys"
