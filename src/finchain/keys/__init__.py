"""Keys at rest: password-protected key files and the keyring (a directory of key files).

    from finchain.keys import Keyring

    suite, key = Keyring(home / "keys").load("bank-a", password)

A layer of its own just above `finchain.model` and `finchain.crypto`: it imports only
`finchain.crypto`, `finchain.errors` and `finchain.codec`, so both the node (its own signing key)
and the SDK (wallets) use it without either importing the other. The format is documented in
`finchain.keys.keystore`.
"""

from __future__ import annotations

from finchain.keys.keystore import (
    PASSWORD_REQUIRED,
    KeyInfo,
    Keyring,
    KeystoreError,
    decrypt_key,
    encrypt_key,
    load_key_file,
    load_key_info,
    save_key_file,
)

__all__ = [
    "PASSWORD_REQUIRED",
    "KeyInfo",
    "Keyring",
    "KeystoreError",
    "decrypt_key",
    "encrypt_key",
    "load_key_file",
    "load_key_info",
    "save_key_file",
]
