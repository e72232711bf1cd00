"""Password-protected key files and the keyring (a directory of `<name>.json` key files).

Owns the key-file format, its encryption, and reading/writing key files on disk. A key file is a
JSON document, version 1:

    {"version": 1, "name": "alice", "suite": "gm", "address": "0x" + 40 hex,
     "public_key": hex,
     "kdf": {"name": "scrypt", "n": 32768, "r": 8, "p": 1, "salt": hex (32 bytes)},
     "password_check": hex (16 bytes),
     "cipher": {"name": "sm4-gcm" | "aes-256-gcm", "nonce": hex (12 bytes)},
     "ciphertext": hex (the 32-byte secret, then the 16-byte GCM tag)}

- The key is scrypt(UTF-8 of the NFKC password, salt, n, r, p), 64 bytes: the first 32 (AES-256)
  or 16 (SM4) key the cipher; `password_check` is suite-hash(tag || last 32 bytes)[:16], so a
  wrong password is told apart from a modified file at no saving to an attacker (both need scrypt).
- The cipher follows the suite: `intl` uses AES-256-GCM, `gm` uses SM4-GCM (GB/T 32907 block
  cipher in GCM mode, as in RFC 8998), so a gm key never touches a non-national cipher. Both come
  from `cryptography` (OpenSSL), checked against the RFC 8998 SM4-GCM vector in the tests.
- The AEAD associated data is a canonical encoding of every header field (version, name, suite,
  address, public key, kdf, password check, cipher), so a swapped name or address is detected.
  Without a password, `address` is still checked against `public_key`.
- `{"unsafe_plaintext": true, "secret": hex, ...header}` stores the secret in clear; written only
  when the caller passes `unsafe_plaintext=True`, and read without a password.

Files are created with mode 0600 and written atomically (temporary file, fsync, rename); a keyring
refuses to overwrite a key (hard link of the temporary file, which fails if the name exists).

Must never: write a secret in clear unless asked with `unsafe_plaintext=True`; leave a partial key
file behind; accept a header that does not match the secret inside it.
Concurrency: plain synchronous functions with no shared state; concurrent writers of one keyring
are safe for distinct names, and for one name exactly one `new`/`add` wins.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import logging
import os
import re
import secrets
import stat
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from cryptography.exceptions import InvalidTag, UnsupportedAlgorithm
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from finchain.crypto import CryptoSuite, PrivateKey, format_address, get_suite, suite_names
from finchain.errors import FinchainError

logger = logging.getLogger(__name__)

FORMAT_VERSION = 1
KEY_NAME_PATTERN = re.compile(r"[a-zA-Z0-9][a-zA-Z0-9_.-]{0,63}", re.ASCII)
KEY_FILE_SUFFIX = ".json"

KDF_NAME = "scrypt"
DEFAULT_SCRYPT_N = 2**15
"""Production cost. A lower `scrypt_n` is accepted for tests only (keeps them fast)."""
SCRYPT_R = 8
SCRYPT_P = 1
MAX_SCRYPT_N = 2**20
MAX_SCRYPT_MEMORY = 1024 * 1024 * 1024
SALT_LENGTH = 32
DERIVED_LENGTH = 64
PASSWORD_CHECK_LENGTH = 16
PASSWORD_CHECK_TAG = b"finchain/keystore/v1/password-check"
AAD_TAG = b"finchain/keystore/v1/header\n"

AES_256_GCM = "aes-256-gcm"
SM4_GCM = "sm4-gcm"
CIPHER_BY_SUITE = {"intl": AES_256_GCM, "gm": SM4_GCM}
CIPHER_KEY_LENGTH = {AES_256_GCM: 32, SM4_GCM: 16}
NONCE_LENGTH = 12
TAG_LENGTH = 16
SECRET_LENGTH = 32

_HEADER_FIELDS = frozenset({"version", "name", "suite", "address", "public_key"})
_ENCRYPTED_FIELDS = _HEADER_FIELDS | {"kdf", "password_check", "cipher", "ciphertext"}
_PLAINTEXT_FIELDS = _HEADER_FIELDS | {"unsafe_plaintext", "secret"}

# Stable codes, so callers (CLI, API) can tell failures apart without parsing messages.
WRONG_PASSWORD = "keystore/wrong_password"
PASSWORD_REQUIRED = "keystore/password_required"
BAD_PASSWORD = "keystore/bad_password"
CONFLICTING_OPTIONS = "keystore/conflicting_options"
TAMPERED = "keystore/tampered"
UNKNOWN_FORMAT = "keystore/unknown_format"
UNKNOWN_SUITE = "keystore/unknown_suite"
UNSUPPORTED_CIPHER = "keystore/unsupported_cipher"
MISSING_KEY = "keystore/missing_key"
KEY_EXISTS = "keystore/key_exists"
INVALID_NAME = "keystore/invalid_name"
FILE_ERROR = "keystore/file_error"


class KeystoreError(FinchainError):
    """A key file cannot be read, decrypted or written; `code` is stable, `message` says why."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message

    def __str__(self) -> str:
        return f"{self.code}: {self.message}"


@dataclass(frozen=True)
class KeyInfo:
    """What a key file says about its key without a password: `address` is `0x` + 40 hex."""

    name: str
    suite: str
    address: str
    public_key: str


@dataclass(frozen=True)
class _Header:
    name: str
    suite: CryptoSuite
    public_key: bytes
    address: str

    def to_info(self) -> KeyInfo:
        return KeyInfo(self.name, self.suite.name, self.address, self.public_key.hex())


@dataclass(frozen=True)
class _Kdf:
    n: int
    r: int
    p: int
    salt: bytes


# --- documents -------------------------------------------------------------------------------


def encrypt_key(
    key: PrivateKey,
    suite: CryptoSuite,
    password: str,
    name: str,
    *,
    scrypt_n: int = DEFAULT_SCRYPT_N,
) -> dict[str, Any]:
    """Encrypt `key` under `password` into a version-1 key-file document (a JSON-ready dict)."""
    validate_key_name(name)
    _validate_password(password)
    header = _make_header(key, suite, name)
    kdf = _Kdf(scrypt_n, SCRYPT_R, SCRYPT_P, secrets.token_bytes(SALT_LENGTH))
    _validate_scrypt_params(kdf)
    cipher_name = CIPHER_BY_SUITE[suite.name]
    nonce = secrets.token_bytes(NONCE_LENGTH)
    derived = _derive_key(password, kdf)
    password_check = _compute_password_check(suite, derived)
    aad = _encode_associated_data(header, kdf, password_check, cipher_name, nonce)
    cipher_key = derived[: CIPHER_KEY_LENGTH[cipher_name]]
    ciphertext = _seal(cipher_name, cipher_key, nonce, key.secret, aad)
    return {
        **_encode_header(header),
        "kdf": _encode_kdf(kdf),
        "password_check": password_check.hex(),
        "cipher": {"name": cipher_name, "nonce": nonce.hex()},
        "ciphertext": ciphertext.hex(),
    }


def decrypt_key(document: dict[str, Any], password: str | None) -> tuple[CryptoSuite, PrivateKey]:
    """Return the suite and key in a key-file document; KeystoreError says what is wrong.

    An unsafe plaintext document needs no password (any given is ignored).
    """
    header = _parse_header(document)
    if "unsafe_plaintext" in document:
        return header.suite, _decode_plaintext(document, header)
    _validate_fields(document, _ENCRYPTED_FIELDS)
    if password is None:
        raise KeystoreError(
            f"key {header.name!r} is encrypted: a password is required", code=PASSWORD_REQUIRED
        )
    kdf = _parse_kdf(document.get("kdf"))
    cipher_name, nonce = _parse_cipher(document.get("cipher"), header.suite)
    password_check = _get_hex(document, "password_check", PASSWORD_CHECK_LENGTH)
    ciphertext = _get_hex(document, "ciphertext", SECRET_LENGTH + TAG_LENGTH)

    derived = _derive_key(password, kdf)
    if not hmac.compare_digest(_compute_password_check(header.suite, derived), password_check):
        raise KeystoreError(f"wrong password for key {header.name!r}", code=WRONG_PASSWORD)
    aad = _encode_associated_data(header, kdf, password_check, cipher_name, nonce)
    cipher_key = derived[: CIPHER_KEY_LENGTH[cipher_name]]
    try:
        secret = _open(cipher_name, cipher_key, nonce, ciphertext, aad)
    except InvalidTag:
        raise KeystoreError(
            f"key file for {header.name!r} was modified: the password is right but the header "
            "or ciphertext does not match what was encrypted",
            code=TAMPERED,
        ) from None
    return header.suite, _load_matching_key(header, secret)


def encode_unsafe_plaintext(key: PrivateKey, suite: CryptoSuite, name: str) -> dict[str, Any]:
    """The unsafe, unencrypted document for `key`; only for callers that asked for it by name."""
    validate_key_name(name)
    header = _make_header(key, suite, name)
    return {**_encode_header(header), "unsafe_plaintext": True, "secret": key.secret.hex()}


def decode_key_info(document: dict[str, Any]) -> KeyInfo:
    """The public part of a key-file document, checked (address matches public key)."""
    return _parse_header(document).to_info()


def validate_key_name(name: str) -> None:
    """Raise KeystoreError unless `name` is 1-64 of [a-zA-Z0-9_.-] starting with a letter/digit."""
    if not isinstance(name, str) or KEY_NAME_PATTERN.fullmatch(name) is None:
        raise KeystoreError(
            f"bad key name {name!r}: use 1-64 letters, digits, '_', '.' or '-', "
            "starting with a letter or digit",
            code=INVALID_NAME,
        )


# --- files -----------------------------------------------------------------------------------


def save_key_file(
    path: Path,
    key: PrivateKey,
    suite: CryptoSuite,
    password: str | None,
    *,
    name: str,
    unsafe_plaintext: bool = False,
    overwrite: bool = True,
    scrypt_n: int = DEFAULT_SCRYPT_N,
) -> KeyInfo:
    """Write `key` to `path` (mode 0600, atomically), encrypted unless `unsafe_plaintext`.

    `overwrite=False` refuses to replace an existing file (KeystoreError `keystore/key_exists`).
    """
    _validate_protection(password, unsafe_plaintext)
    if password is None:
        document = encode_unsafe_plaintext(key, suite, name)
    else:
        document = encrypt_key(key, suite, password, name, scrypt_n=scrypt_n)
    _write_document(path, document, overwrite=overwrite)
    logger.info("saved key name=%s suite=%s encrypted=%s", name, suite.name, password is not None)
    return decode_key_info(document)


def load_key_file(path: Path, password: str | None) -> tuple[CryptoSuite, PrivateKey]:
    """Read and decrypt the key file at `path`."""
    return decrypt_key(_read_document(path), password)


def load_key_info(path: Path) -> KeyInfo:
    """Read the public part of the key file at `path` (no password needed)."""
    return decode_key_info(_read_document(path))


class Keyring:
    """A directory of `<name>.json` key files. Names follow `KEY_NAME_PATTERN`."""

    def __init__(self, directory: Path, *, scrypt_n: int = DEFAULT_SCRYPT_N) -> None:
        self.directory = Path(directory)
        self._scrypt_n = scrypt_n

    def list(self) -> list[KeyInfo]:
        """Every key in the directory, sorted by name; a malformed key file raises."""
        if not self.directory.is_dir():
            return []
        infos = []
        for entry in self.directory.iterdir():
            name = entry.name.removesuffix(KEY_FILE_SUFFIX)
            if entry.suffix != KEY_FILE_SUFFIX or KEY_NAME_PATTERN.fullmatch(name) is None:
                continue
            if entry.is_file():
                infos.append(self.info(name))
        return sorted(infos, key=lambda info: info.name)

    def info(self, name: str) -> KeyInfo:
        """The public part of key `name`; KeystoreError `keystore/missing_key` if absent."""
        return decode_key_info(self._read(name))

    def new(
        self, name: str, suite_name: str, password: str | None, unsafe_plaintext: bool = False
    ) -> KeyInfo:
        """Generate a key of suite `suite_name` and store it as `name`; never overwrites."""
        validate_key_name(name)
        _validate_protection(password, unsafe_plaintext)
        suite = _get_suite(suite_name)
        if self.path(name).exists():
            raise _key_exists(name)
        return self.add(name, suite.generate_private_key(), suite, password, unsafe_plaintext)

    def add(
        self,
        name: str,
        key: PrivateKey,
        suite: CryptoSuite,
        password: str | None,
        unsafe_plaintext: bool = False,
    ) -> KeyInfo:
        """Store an existing key as `name`; never overwrites."""
        path = self.path(name)
        _validate_protection(password, unsafe_plaintext)
        self.directory.mkdir(mode=0o700, parents=True, exist_ok=True)
        return save_key_file(
            path,
            key,
            suite,
            password,
            name=name,
            unsafe_plaintext=unsafe_plaintext,
            overwrite=False,
            scrypt_n=self._scrypt_n,
        )

    def load(self, name: str, password: str | None) -> tuple[CryptoSuite, PrivateKey]:
        """Decrypt key `name`."""
        return decrypt_key(self._read(name), password)

    def path(self, name: str) -> Path:
        """Where key `name` lives (whether or not it exists); rejects bad names."""
        validate_key_name(name)
        return self.directory / f"{name}{KEY_FILE_SUFFIX}"

    def _read(self, name: str) -> dict[str, Any]:
        path = self.path(name)
        if not path.is_file():
            raise KeystoreError(f"no key named {name!r} in {self.directory}", code=MISSING_KEY)
        document = _read_document(path)
        _validate_document_name(document, name)
        return document


# --- private helpers: validation and parsing ---------------------------------------------------


def _validate_protection(password: str | None, unsafe_plaintext: bool) -> None:
    if unsafe_plaintext and password is not None:
        raise KeystoreError(
            "both a password and unsafe_plaintext were given: choose one",
            code=CONFLICTING_OPTIONS,
        )
    if not unsafe_plaintext and password is None:
        raise KeystoreError(
            "a password is required; storing a key in clear needs unsafe_plaintext=True",
            code=PASSWORD_REQUIRED,
        )
    if password is not None:
        _validate_password(password)


def _validate_password(password: str) -> None:
    if not isinstance(password, str):
        raise KeystoreError("the password must be text", code=BAD_PASSWORD)
    if password == "":
        raise KeystoreError(
            "the password is empty; choose one, or store in clear with unsafe_plaintext=True",
            code=BAD_PASSWORD,
        )


def _validate_fields(document: dict[str, Any], allowed: frozenset[str]) -> None:
    missing = sorted(allowed - document.keys())
    unknown = sorted(document.keys() - allowed)
    if missing:
        raise KeystoreError(f"key file lacks field(s) {missing}", code=UNKNOWN_FORMAT)
    if unknown:
        raise KeystoreError(f"key file has unknown field(s) {unknown}", code=UNKNOWN_FORMAT)


def _validate_document_name(document: dict[str, Any], name: str) -> None:
    if document.get("name") != name:
        raise KeystoreError(
            f"key file {name}{KEY_FILE_SUFFIX} holds key {document.get('name')!r}: "
            "it was renamed or modified",
            code=TAMPERED,
        )


def _validate_scrypt_params(kdf: _Kdf) -> None:
    valid = (
        2 <= kdf.n <= MAX_SCRYPT_N
        and kdf.n & (kdf.n - 1) == 0
        and 1 <= kdf.r <= 32
        and 1 <= kdf.p <= 16
        and 128 * kdf.r * (kdf.n + kdf.p + 2) <= MAX_SCRYPT_MEMORY
        and len(kdf.salt) >= 16
    )
    if not valid:
        raise KeystoreError(
            f"scrypt parameters out of range (n={kdf.n}, r={kdf.r}, p={kdf.p}, "
            f"salt {len(kdf.salt)} bytes): n must be a power of two <= {MAX_SCRYPT_N}",
            code=UNKNOWN_FORMAT,
        )


def _parse_header(document: dict[str, Any]) -> _Header:
    if not isinstance(document, dict):
        raise KeystoreError("a key file must be a JSON object", code=UNKNOWN_FORMAT)
    version = document.get("version")
    if type(version) is not int or version != FORMAT_VERSION:
        raise KeystoreError(
            f"unsupported key file version {version!r}; this finchain reads version "
            f"{FORMAT_VERSION}",
            code=UNKNOWN_FORMAT,
        )
    name = _get_str(document, "name")
    validate_key_name(name)
    suite = _get_suite(_get_str(document, "suite"))
    public_key = _get_hex(document, "public_key", suite.public_key_length)
    address = _get_str(document, "address")
    if address != format_address(suite.address(public_key)):
        raise KeystoreError(
            f"key file for {name!r} was modified: its address does not match its public key",
            code=TAMPERED,
        )
    return _Header(name, suite, public_key, address)


def _parse_kdf(value: Any) -> _Kdf:
    if not isinstance(value, dict) or set(value) != {"name", "n", "r", "p", "salt"}:
        raise KeystoreError("kdf must be {name, n, r, p, salt}", code=UNKNOWN_FORMAT)
    if value["name"] != KDF_NAME:
        raise KeystoreError(f"unknown kdf {value['name']!r}; expected scrypt", code=UNKNOWN_FORMAT)
    kdf = _Kdf(
        _get_int(value, "n"), _get_int(value, "r"), _get_int(value, "p"), _get_hex(value, "salt")
    )
    _validate_scrypt_params(kdf)
    return kdf


def _parse_cipher(value: Any, suite: CryptoSuite) -> tuple[str, bytes]:
    if not isinstance(value, dict) or set(value) != {"name", "nonce"}:
        raise KeystoreError("cipher must be {name, nonce}", code=UNKNOWN_FORMAT)
    expected = CIPHER_BY_SUITE[suite.name]
    if value["name"] != expected:
        raise KeystoreError(
            f"cipher {value['name']!r} is not valid for suite {suite.name!r}; expected {expected}",
            code=UNKNOWN_FORMAT,
        )
    return expected, _get_hex(value, "nonce", NONCE_LENGTH)


def _decode_plaintext(document: dict[str, Any], header: _Header) -> PrivateKey:
    _validate_fields(document, _PLAINTEXT_FIELDS)
    if document["unsafe_plaintext"] is not True:
        raise KeystoreError("unsafe_plaintext must be true when present", code=UNKNOWN_FORMAT)
    return _load_matching_key(header, _get_hex(document, "secret", SECRET_LENGTH))


def _load_matching_key(header: _Header, secret: bytes) -> PrivateKey:
    try:
        key = header.suite.load_private_key(secret)
    except ValueError as error:
        raise KeystoreError(
            f"key file for {header.name!r} holds an invalid secret: {error}", code=TAMPERED
        ) from None
    if key.public_key != header.public_key:
        raise KeystoreError(
            f"key file for {header.name!r} was modified: the secret does not match its public key",
            code=TAMPERED,
        )
    return key


def _get_suite(name: str) -> CryptoSuite:
    if name not in CIPHER_BY_SUITE:
        raise KeystoreError(
            f"unknown crypto suite {name!r}; choose one of {suite_names()}", code=UNKNOWN_SUITE
        )
    return get_suite(name)


def _get_str(mapping: dict[str, Any], field: str) -> str:
    value = mapping.get(field)
    if not isinstance(value, str):
        raise KeystoreError(f"key file field {field!r} must be text", code=UNKNOWN_FORMAT)
    return value


def _get_int(mapping: dict[str, Any], field: str) -> int:
    value = mapping.get(field)
    if type(value) is not int:
        raise KeystoreError(f"key file field {field!r} must be an integer", code=UNKNOWN_FORMAT)
    return value


def _get_hex(mapping: dict[str, Any], field: str, length: int | None = None) -> bytes:
    text = _get_str(mapping, field)
    try:
        raw = bytes.fromhex(text)
    except ValueError:
        raise KeystoreError(f"key file field {field!r} must be hex", code=UNKNOWN_FORMAT) from None
    if length is not None and len(raw) != length:
        raise KeystoreError(
            f"key file field {field!r} must be {length} bytes, got {len(raw)}",
            code=UNKNOWN_FORMAT,
        )
    return raw


# --- private helpers: encoding and cryptography -------------------------------------------------


def _make_header(key: PrivateKey, suite: CryptoSuite, name: str) -> _Header:
    _get_suite(suite.name)
    address = format_address(suite.address(key.public_key))
    return _Header(name, suite, key.public_key, address)


def _encode_header(header: _Header) -> dict[str, Any]:
    return {
        "version": FORMAT_VERSION,
        "name": header.name,
        "suite": header.suite.name,
        "address": header.address,
        "public_key": header.public_key.hex(),
    }


def _encode_kdf(kdf: _Kdf) -> dict[str, Any]:
    return {"name": KDF_NAME, "n": kdf.n, "r": kdf.r, "p": kdf.p, "salt": kdf.salt.hex()}


def _encode_associated_data(
    header: _Header, kdf: _Kdf, password_check: bytes, cipher_name: str, nonce: bytes
) -> bytes:
    """Canonical bytes of every header field, rebuilt from parsed values (not the file's text)."""
    fields = {
        **_encode_header(header),
        "kdf": _encode_kdf(kdf),
        "password_check": password_check.hex(),
        "cipher": {"name": cipher_name, "nonce": nonce.hex()},
    }
    return AAD_TAG + json.dumps(fields, sort_keys=True, separators=(",", ":")).encode("ascii")


def _derive_key(password: str, kdf: _Kdf) -> bytes:
    secret = unicodedata.normalize("NFKC", password).encode("utf-8")
    maxmem = 128 * kdf.r * (kdf.n + kdf.p + 2) + 1024 * 1024
    return hashlib.scrypt(
        secret, salt=kdf.salt, n=kdf.n, r=kdf.r, p=kdf.p, maxmem=maxmem, dklen=DERIVED_LENGTH
    )


def _compute_password_check(suite: CryptoSuite, derived: bytes) -> bytes:
    return suite.hash(PASSWORD_CHECK_TAG + derived[32:])[:PASSWORD_CHECK_LENGTH]


def _seal(cipher_name: str, key: bytes, nonce: bytes, plaintext: bytes, aad: bytes) -> bytes:
    """AEAD-encrypt; returns ciphertext || 16-byte tag."""
    if cipher_name == AES_256_GCM:
        return AESGCM(key).encrypt(nonce, plaintext, aad)
    encryptor = _sm4_gcm(key, modes.GCM(nonce)).encryptor()
    encryptor.authenticate_additional_data(aad)
    ciphertext = encryptor.update(plaintext) + encryptor.finalize()
    return ciphertext + encryptor.tag


def _open(cipher_name: str, key: bytes, nonce: bytes, sealed: bytes, aad: bytes) -> bytes:
    """AEAD-decrypt ciphertext || tag; raises InvalidTag if anything was changed."""
    if cipher_name == AES_256_GCM:
        return AESGCM(key).decrypt(nonce, sealed, aad)
    ciphertext, tag = sealed[:-TAG_LENGTH], sealed[-TAG_LENGTH:]
    decryptor = _sm4_gcm(key, modes.GCM(nonce, tag)).decryptor()
    decryptor.authenticate_additional_data(aad)
    return decryptor.update(ciphertext) + decryptor.finalize()


def _sm4_gcm(key: bytes, mode: modes.GCM) -> Cipher[modes.GCM]:
    try:
        return Cipher(algorithms.SM4(key), mode)
    except UnsupportedAlgorithm:
        raise KeystoreError(
            "this OpenSSL build has no SM4-GCM; gm key files cannot be used here",
            code=UNSUPPORTED_CIPHER,
        ) from None


# --- private helpers: files --------------------------------------------------------------------


def _read_document(path: Path) -> dict[str, Any]:
    try:
        mode = path.stat().st_mode
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise KeystoreError(f"no key file at {path}", code=MISSING_KEY) from None
    except (OSError, UnicodeDecodeError) as error:
        raise KeystoreError(f"cannot read key file {path}: {error}", code=FILE_ERROR) from None
    if stat.S_IMODE(mode) & 0o077:
        logger.warning("key file readable by others path=%s mode=%o", path, stat.S_IMODE(mode))
    try:
        document = json.loads(text)
    except json.JSONDecodeError as error:
        raise KeystoreError(
            f"{path} is not a key file (not JSON: {error})", code=UNKNOWN_FORMAT
        ) from None
    if not isinstance(document, dict):
        raise KeystoreError(f"{path} is not a key file (not a JSON object)", code=UNKNOWN_FORMAT)
    return document


def _write_document(path: Path, document: dict[str, Any], *, overwrite: bool) -> None:
    """Write via a 0600 temporary file in the same directory, then rename or hard-link it."""
    data = (json.dumps(document, indent=2) + "\n").encode("utf-8")
    temporary = path.with_name(f".{path.name}.{secrets.token_hex(8)}.tmp")
    try:
        _write_new_file(temporary, data)
        if overwrite:
            os.replace(temporary, path)
        else:
            os.link(temporary, path)  # fails with FileExistsError if `path` exists
        _fsync_directory(path.parent)
    except FileExistsError:
        raise _key_exists(str(document["name"])) from None
    except OSError as error:
        raise KeystoreError(f"cannot write key file {path}: {error}", code=FILE_ERROR) from None
    finally:
        temporary.unlink(missing_ok=True)


def _write_new_file(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_CLOEXEC", 0)
    fd = os.open(path, flags, 0o600)
    try:
        view = memoryview(data)
        while view:
            view = view[os.write(fd, view) :]
        os.fsync(fd)
    finally:
        os.close(fd)


def _fsync_directory(directory: Path) -> None:
    if not hasattr(os, "O_DIRECTORY"):
        return
    fd = os.open(directory, os.O_RDONLY | os.O_DIRECTORY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)


def _key_exists(name: str) -> KeystoreError:
    return KeystoreError(
        f"key {name!r} already exists; choose another name or delete it first", code=KEY_EXISTS
    )
