"""The keystore: encrypted key files (scrypt + AES-256-GCM for intl, SM4-GCM for gm) and keyrings.

Checks roundtrips for both suites, that a wrong password, a modified ciphertext or a swapped header
is refused with a clear KeystoreError, that keys are stored in clear only when asked, that files are
0600 and written atomically, the keyring's new/list/info/load, name rules, and the version-1 format
pinned by golden documents and an independent decryption. scrypt runs at a low cost here.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import stat
from pathlib import Path
from typing import Any

import pytest
from cryptography.hazmat.primitives.ciphers import Cipher, algorithms, modes
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from finchain.crypto import CryptoSuite, PrivateKey, format_address, get_suite
from finchain.keys import keystore
from finchain.keys.keystore import (
    KeyInfo,
    Keyring,
    KeystoreError,
    decrypt_key,
    encrypt_key,
    load_key_file,
    save_key_file,
)

LOW_N = 2**4
PASSWORD = "correct horse battery staple"


@pytest.fixture(params=["intl", "gm"])
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return get_suite(str(request.param))


@pytest.fixture
def keyring(tmp_path: Path) -> Keyring:
    return Keyring(tmp_path / "keys", scrypt_n=LOW_N)


def encrypt(suite: CryptoSuite, name: str = "alice") -> tuple[PrivateKey, dict[str, Any]]:
    key = suite.generate_private_key()
    return key, encrypt_key(key, suite, PASSWORD, name, scrypt_n=LOW_N)


def expect_error(code: str) -> pytest.RaisesExc[KeystoreError]:
    return pytest.raises(KeystoreError, match=f"^{code}: ")


# --- documents ---------------------------------------------------------------------------------


def test_roundtrip(suite: CryptoSuite) -> None:
    key, document = encrypt(suite)
    loaded_suite, loaded = decrypt_key(document, PASSWORD)
    assert loaded_suite.name == suite.name
    assert loaded.secret == key.secret
    assert loaded.public_key == key.public_key
    assert document["address"] == format_address(suite.address(key.public_key))
    assert document["public_key"] == key.public_key.hex()


def test_document_survives_json(suite: CryptoSuite) -> None:
    key, document = encrypt(suite)
    _, loaded = decrypt_key(json.loads(json.dumps(document)), PASSWORD)
    assert loaded.secret == key.secret


def test_cipher_follows_suite() -> None:
    _, intl_document = encrypt(get_suite("intl"))
    _, gm_document = encrypt(get_suite("gm"))
    assert intl_document["cipher"]["name"] == "aes-256-gcm"
    assert gm_document["cipher"]["name"] == "sm4-gcm"
    assert intl_document["kdf"]["name"] == gm_document["kdf"]["name"] == "scrypt"


def test_default_scrypt_cost() -> None:
    suite = get_suite("intl")
    document = encrypt_key(suite.generate_private_key(), suite, PASSWORD, "alice")
    assert (document["kdf"]["n"], document["kdf"]["r"], document["kdf"]["p"]) == (2**15, 8, 1)


def test_fresh_salt_and_nonce_each_time(suite: CryptoSuite) -> None:
    key = suite.generate_private_key()
    first = encrypt_key(key, suite, PASSWORD, "alice", scrypt_n=LOW_N)
    second = encrypt_key(key, suite, PASSWORD, "alice", scrypt_n=LOW_N)
    assert first["kdf"]["salt"] != second["kdf"]["salt"]
    assert first["cipher"]["nonce"] != second["cipher"]["nonce"]
    assert first["ciphertext"] != second["ciphertext"]


def test_password_is_unicode_normalized() -> None:
    suite = get_suite("gm")
    key = suite.generate_private_key()
    document = encrypt_key(key, suite, "pass\u00e9", "alice", scrypt_n=LOW_N)  # precomposed é
    _, loaded = decrypt_key(document, "passe\u0301")  # e + combining acute
    assert loaded.secret == key.secret


def test_invalid_wrong_password(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    with expect_error("keystore/wrong_password") as error:
        decrypt_key(document, "not the password")
    assert "wrong password" in error.value.message
    assert "alice" in error.value.message
    assert error.value.code == "keystore/wrong_password"


def test_invalid_missing_password(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    with expect_error("keystore/password_required"):
        decrypt_key(document, None)


def test_invalid_tampered_ciphertext(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    ciphertext = bytearray.fromhex(document["ciphertext"])
    ciphertext[3] ^= 0x01
    document["ciphertext"] = ciphertext.hex()
    with expect_error("keystore/tampered") as error:
        decrypt_key(document, PASSWORD)
    assert "modified" in error.value.message


def test_invalid_tampered_tag(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    ciphertext = bytearray.fromhex(document["ciphertext"])
    ciphertext[-1] ^= 0x80
    document["ciphertext"] = ciphertext.hex()
    with expect_error("keystore/tampered"):
        decrypt_key(document, PASSWORD)


def test_invalid_tampered_nonce(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    nonce = bytearray.fromhex(document["cipher"]["nonce"])
    nonce[0] ^= 0x01
    document["cipher"]["nonce"] = nonce.hex()
    with expect_error("keystore/tampered"):
        decrypt_key(document, PASSWORD)


def test_invalid_swapped_name(suite: CryptoSuite) -> None:
    _, document = encrypt(suite, name="alice")
    document["name"] = "mallory"
    with expect_error("keystore/tampered"):
        decrypt_key(document, PASSWORD)


def test_invalid_swapped_address_and_public_key(suite: CryptoSuite) -> None:
    """A consistent header from another key: only the AEAD binding can catch it."""
    _, document = encrypt(suite)
    _, other = encrypt(suite)
    document["address"], document["public_key"] = other["address"], other["public_key"]
    with expect_error("keystore/tampered") as error:
        decrypt_key(document, PASSWORD)
    assert "header or ciphertext" in error.value.message


def test_invalid_swapped_address_alone(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    _, other = encrypt(suite)
    document["address"] = other["address"]
    with expect_error("keystore/tampered") as error:
        decrypt_key(document, PASSWORD)
    assert "address does not match" in error.value.message


def test_invalid_swapped_suite() -> None:
    _, document = encrypt(get_suite("intl"))
    document["suite"] = "gm"
    with expect_error("keystore/tampered"):
        decrypt_key(document, PASSWORD)


def test_invalid_unknown_version(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    document["version"] = 2
    with expect_error("keystore/unknown_format") as error:
        decrypt_key(document, PASSWORD)
    assert "version 2" in error.value.message


def test_invalid_unknown_field(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    document["comment"] = "hello"
    with expect_error("keystore/unknown_format"):
        decrypt_key(document, PASSWORD)


def test_invalid_missing_field(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    del document["ciphertext"]
    with expect_error("keystore/unknown_format"):
        decrypt_key(document, PASSWORD)


def test_invalid_unknown_suite(suite: CryptoSuite) -> None:
    _, document = encrypt(suite)
    document["suite"] = "rsa"
    with expect_error("keystore/unknown_suite"):
        decrypt_key(document, PASSWORD)


def test_invalid_cipher_not_of_suite() -> None:
    _, document = encrypt(get_suite("gm"))
    document["cipher"]["name"] = "aes-256-gcm"
    with expect_error("keystore/unknown_format") as error:
        decrypt_key(document, PASSWORD)
    assert "sm4-gcm" in error.value.message


@pytest.mark.parametrize(("n", "r", "p"), [(2**30, 8, 1), (1000, 8, 1), (1, 8, 1), (16, 0, 1)])
def test_invalid_scrypt_parameters(n: int, r: int, p: int) -> None:
    """Out-of-range costs are refused before scrypt runs (no memory blow-up from a file)."""
    _, document = encrypt(get_suite("intl"))
    document["kdf"].update(n=n, r=r, p=p)
    with expect_error("keystore/unknown_format"):
        decrypt_key(document, PASSWORD)


@pytest.mark.parametrize("value", ["zz", "abc", 12, None])
def test_invalid_hex_field(value: object) -> None:
    _, document = encrypt(get_suite("intl"))
    document["ciphertext"] = value
    with expect_error("keystore/unknown_format"):
        decrypt_key(document, PASSWORD)


def test_invalid_document_not_an_object() -> None:
    with expect_error("keystore/unknown_format"):
        decrypt_key([1, 2], PASSWORD)  # type: ignore[arg-type]


def test_invalid_empty_password(suite: CryptoSuite) -> None:
    with expect_error("keystore/bad_password"):
        encrypt_key(suite.generate_private_key(), suite, "", "alice", scrypt_n=LOW_N)


# --- files -------------------------------------------------------------------------------------


def test_save_and_load_key_file(tmp_path: Path, suite: CryptoSuite) -> None:
    key = suite.generate_private_key()
    path = tmp_path / "alice.json"
    info = save_key_file(path, key, suite, PASSWORD, name="alice", scrypt_n=LOW_N)
    address = format_address(suite.address(key.public_key))
    assert info == KeyInfo("alice", suite.name, address, key.public_key.hex())
    loaded_suite, loaded = load_key_file(path, PASSWORD)
    assert (loaded_suite.name, loaded.secret) == (suite.name, key.secret)


def test_file_mode_is_0600(tmp_path: Path, suite: CryptoSuite) -> None:
    key = suite.generate_private_key()
    encrypted, plain = tmp_path / "a.json", tmp_path / "b.json"
    save_key_file(encrypted, key, suite, PASSWORD, name="a", scrypt_n=LOW_N)
    save_key_file(plain, key, suite, None, name="b", unsafe_plaintext=True)
    assert stat.S_IMODE(encrypted.stat().st_mode) == 0o600
    assert stat.S_IMODE(plain.stat().st_mode) == 0o600


def test_file_mode_is_0600_under_permissive_umask(tmp_path: Path) -> None:
    suite = get_suite("intl")
    previous = os.umask(0)
    try:
        save_key_file(tmp_path / "a.json", suite.generate_private_key(), suite, PASSWORD, name="a")
    finally:
        os.umask(previous)
    assert stat.S_IMODE((tmp_path / "a.json").stat().st_mode) == 0o600


def test_save_leaves_no_temporary_files(tmp_path: Path, suite: CryptoSuite) -> None:
    key = suite.generate_private_key()
    for _ in range(2):  # the second save replaces the first
        save_key_file(tmp_path / "alice.json", key, suite, PASSWORD, name="alice", scrypt_n=LOW_N)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["alice.json"]


def test_secret_never_in_encrypted_file(tmp_path: Path, suite: CryptoSuite) -> None:
    key = suite.generate_private_key()
    path = tmp_path / "alice.json"
    save_key_file(path, key, suite, PASSWORD, name="alice", scrypt_n=LOW_N)
    raw = path.read_bytes()
    assert key.secret not in raw
    assert key.secret.hex().encode() not in raw.lower()
    assert PASSWORD.encode() not in raw


def test_invalid_plaintext_without_unsafe_flag(tmp_path: Path, suite: CryptoSuite) -> None:
    path = tmp_path / "alice.json"
    with expect_error("keystore/password_required") as error:
        save_key_file(path, suite.generate_private_key(), suite, None, name="alice")
    assert "unsafe_plaintext" in error.value.message
    assert list(tmp_path.iterdir()) == []


def test_invalid_password_and_unsafe_flag_together(tmp_path: Path, suite: CryptoSuite) -> None:
    key = suite.generate_private_key()
    with expect_error("keystore/conflicting_options"):
        save_key_file(tmp_path / "a.json", key, suite, PASSWORD, name="a", unsafe_plaintext=True)
    assert list(tmp_path.iterdir()) == []


def test_unsafe_plaintext_roundtrip(tmp_path: Path, suite: CryptoSuite) -> None:
    key = suite.generate_private_key()
    path = tmp_path / "dev.json"
    save_key_file(path, key, suite, None, name="dev", unsafe_plaintext=True)
    document = json.loads(path.read_text())
    assert document["unsafe_plaintext"] is True
    assert document["secret"] == key.secret.hex()
    for password in (None, "ignored"):
        loaded_suite, loaded = load_key_file(path, password)
        assert (loaded_suite.name, loaded.secret) == (suite.name, key.secret)


def test_invalid_unsafe_plaintext_secret_of_another_key(tmp_path: Path, suite: CryptoSuite) -> None:
    path = tmp_path / "dev.json"
    save_key_file(
        path, suite.generate_private_key(), suite, None, name="dev", unsafe_plaintext=True
    )
    document = json.loads(path.read_text())
    document["secret"] = suite.generate_private_key().secret.hex()
    with expect_error("keystore/tampered"):
        decrypt_key(document, None)


def test_invalid_missing_key_file(tmp_path: Path) -> None:
    with expect_error("keystore/missing_key"):
        load_key_file(tmp_path / "nope.json", PASSWORD)


def test_invalid_not_json_file(tmp_path: Path) -> None:
    path = tmp_path / "alice.json"
    path.write_text("not json")
    with expect_error("keystore/unknown_format"):
        load_key_file(path, PASSWORD)


# --- keyring -----------------------------------------------------------------------------------


def test_keyring_new_list_info_load(keyring: Keyring) -> None:
    bob = keyring.new("bob", "intl", PASSWORD)
    alice = keyring.new("alice", "gm", PASSWORD)
    assert keyring.list() == [alice, bob]
    assert keyring.info("alice") == alice
    assert alice.suite == "gm"
    assert alice.address.startswith("0x")
    assert len(alice.address) == 42
    suite, key = keyring.load("alice", PASSWORD)
    assert suite.name == "gm"
    assert format_address(suite.address(key.public_key)) == alice.address
    assert key.public_key.hex() == alice.public_key
    assert keyring.path("alice") == keyring.directory / "alice.json"


def test_keyring_add_existing_key(keyring: Keyring, suite: CryptoSuite) -> None:
    key = suite.generate_private_key()
    info = keyring.add("imported", key, suite, PASSWORD)
    assert info.public_key == key.public_key.hex()
    assert keyring.load("imported", PASSWORD)[1].secret == key.secret


def test_keyring_unsafe_plaintext(keyring: Keyring) -> None:
    keyring.new("dev", "gm", None, unsafe_plaintext=True)
    suite, _ = keyring.load("dev", None)
    assert suite.name == "gm"


def test_keyring_list_empty_when_directory_missing(keyring: Keyring) -> None:
    assert not keyring.directory.exists()
    assert keyring.list() == []


def test_keyring_list_ignores_other_files(keyring: Keyring) -> None:
    keyring.new("alice", "intl", PASSWORD)
    (keyring.directory / "README.txt").write_text("notes")
    (keyring.directory / ".alice.json.0123.tmp").write_text("{}")
    (keyring.directory / "sub.json").mkdir()
    assert [info.name for info in keyring.list()] == ["alice"]


def test_keyring_directory_is_private(keyring: Keyring) -> None:
    keyring.new("alice", "intl", PASSWORD)
    assert stat.S_IMODE(keyring.directory.stat().st_mode) & 0o077 == 0
    assert stat.S_IMODE(keyring.path("alice").stat().st_mode) == 0o600


def test_invalid_overwrite_by_new(keyring: Keyring) -> None:
    first = keyring.new("alice", "intl", PASSWORD)
    before = keyring.path("alice").read_bytes()
    with expect_error("keystore/key_exists") as error:
        keyring.new("alice", "gm", PASSWORD)
    assert "alice" in error.value.message
    assert keyring.path("alice").read_bytes() == before
    assert keyring.info("alice") == first


def test_invalid_overwrite_by_add(keyring: Keyring, suite: CryptoSuite) -> None:
    keyring.new("alice", suite.name, PASSWORD)
    before = keyring.path("alice").read_bytes()
    with expect_error("keystore/key_exists"):
        keyring.add("alice", suite.generate_private_key(), suite, PASSWORD)
    assert keyring.path("alice").read_bytes() == before
    assert sorted(p.name for p in keyring.directory.iterdir()) == ["alice.json"]


def test_invalid_missing_key(keyring: Keyring) -> None:
    with expect_error("keystore/missing_key") as error:
        keyring.info("ghost")
    assert "ghost" in error.value.message
    with expect_error("keystore/missing_key"):
        keyring.load("ghost", PASSWORD)


def test_invalid_wrong_password_in_keyring(keyring: Keyring) -> None:
    keyring.new("alice", "gm", PASSWORD)
    with expect_error("keystore/wrong_password"):
        keyring.load("alice", "guess")


def test_invalid_plaintext_without_unsafe_flag_in_keyring(keyring: Keyring) -> None:
    with expect_error("keystore/password_required"):
        keyring.new("alice", "intl", None)
    assert not keyring.path("alice").exists()
    assert keyring.list() == []


def test_invalid_unknown_suite_name(keyring: Keyring) -> None:
    with expect_error("keystore/unknown_suite"):
        keyring.new("alice", "rsa", PASSWORD)
    assert keyring.list() == []


def test_invalid_renamed_key_file(keyring: Keyring) -> None:
    keyring.new("alice", "intl", PASSWORD)
    shutil.move(keyring.path("alice"), keyring.path("carol"))
    with expect_error("keystore/tampered"):
        keyring.info("carol")
    with expect_error("keystore/tampered"):
        keyring.load("carol", PASSWORD)


@pytest.mark.parametrize(
    "name",
    ["", ".hidden", "-dash", "_under", "a/b", "../escape", "a" * 65, "a b", "alice\n", "名字"],
)
def test_invalid_key_name(keyring: Keyring, name: str) -> None:
    with expect_error("keystore/invalid_name"):
        keyring.new(name, "intl", PASSWORD)
    with expect_error("keystore/invalid_name"):
        keyring.path(name)
    assert keyring.list() == []


@pytest.mark.parametrize("name", ["a", "Alice.2024", "bank-01_ops", "9" + "x" * 63])
def test_key_names_accepted(keyring: Keyring, name: str) -> None:
    assert keyring.new(name, "intl", PASSWORD).name == name


# --- format version 1, pinned ------------------------------------------------------------------

GOLDEN_PASSWORD = "golden password"
GOLDEN_INTL_SECRET = bytes(range(1, 33))
GOLDEN_INTL = {
    "version": 1,
    "name": "golden-intl",
    "suite": "intl",
    "address": "0xd136e9438ef1b044c2f3afb450f3104d3e4a15cd",
    "public_key": "0284bf7562262bbd6940085748f3be6afa52ae317155181ece31b66351ccffa4b0",
    "kdf": {
        "name": "scrypt",
        "n": 16,
        "r": 8,
        "p": 1,
        "salt": "1ead3dbaed901c52aba250b6933c0b1c82c10b6e9963e31390c1a709ded13417",
    },
    "password_check": "eac0c0dcacf6b9d07907f2dea22d595e",
    "cipher": {"name": "aes-256-gcm", "nonce": "2e1634246f15964efcd70a64"},
    "ciphertext": "ebcb7793b068a205bce928679da9934940473f783696f8db18483e31e900fbfd"
    "025c23a27c6836b156f2a6d3305b7d91",
}
GOLDEN_GM_SECRET = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
GOLDEN_GM = {
    "version": 1,
    "name": "golden-gm",
    "suite": "gm",
    "address": "0x4f14583c3fbdf19a56f105ad74e987605a8f2670",
    "public_key": "0309f9df311e5421a150dd7d161e4bc5c672179fad1833fc076bb08ff356f35020",
    "kdf": {
        "name": "scrypt",
        "n": 16,
        "r": 8,
        "p": 1,
        "salt": "0795ccf938962800a3458c7804dacb4301c837ac61389894dffa6a3599e98c1c",
    },
    "password_check": "d2e4b50c6da42e552a614fe450cac928",
    "cipher": {"name": "sm4-gcm", "nonce": "5e576db01f6096d6771c8222"},
    "ciphertext": "e325e7d846909178c967ae8b2b3225749f1505a181f22008d979b9bb51803ce8"
    "cfbf42cd81bac5aa287a21f166313f4c",
}
GOLDEN = [(GOLDEN_INTL, GOLDEN_INTL_SECRET), (GOLDEN_GM, GOLDEN_GM_SECRET)]


@pytest.mark.parametrize(("document", "secret"), GOLDEN, ids=["intl", "gm"])
def test_format_v1_golden_document_decrypts(document: dict[str, Any], secret: bytes) -> None:
    _, key = decrypt_key(json.loads(json.dumps(document)), GOLDEN_PASSWORD)
    assert key.secret == secret


@pytest.mark.parametrize(("document", "secret"), GOLDEN, ids=["intl", "gm"])
def test_format_v1_decrypts_from_the_spec_alone(document: dict[str, Any], secret: bytes) -> None:
    """Rebuild key, check value and associated data from the module docstring, not the code."""
    kdf, cipher = document["kdf"], document["cipher"]
    derived = hashlib.scrypt(
        GOLDEN_PASSWORD.encode(),
        salt=bytes.fromhex(kdf["salt"]),
        n=kdf["n"],
        r=kdf["r"],
        p=kdf["p"],
        dklen=64,
    )
    suite = get_suite(document["suite"])
    check = suite.hash(b"finchain/keystore/v1/password-check" + derived[32:])[:16]
    assert check.hex() == document["password_check"]
    header = {k: v for k, v in document.items() if k != "ciphertext"}
    aad = b"finchain/keystore/v1/header\n" + json.dumps(
        header, sort_keys=True, separators=(",", ":")
    ).encode("ascii")
    nonce, sealed = bytes.fromhex(cipher["nonce"]), bytes.fromhex(document["ciphertext"])
    if cipher["name"] == "aes-256-gcm":
        plaintext = AESGCM(derived[:32]).decrypt(nonce, sealed, aad)
    else:
        decryptor = Cipher(algorithms.SM4(derived[:16]), modes.GCM(nonce, sealed[-16:])).decryptor()
        decryptor.authenticate_additional_data(aad)
        plaintext = decryptor.update(sealed[:-16]) + decryptor.finalize()
    assert plaintext == secret


def test_sm4_gcm_matches_rfc8998_vector() -> None:
    """RFC 8998 Appendix A.1: the SM4-GCM the keystore uses for gm keys is the standard one."""
    key = bytes.fromhex("0123456789ABCDEFFEDCBA9876543210")
    nonce = bytes.fromhex("00001234567800000000ABCD")
    aad = bytes.fromhex("FEEDFACEDEADBEEFFEEDFACEDEADBEEFABADDAD2")
    plaintext = bytes.fromhex(
        "AAAAAAAAAAAAAAAABBBBBBBBBBBBBBBBCCCCCCCCCCCCCCCCDDDDDDDDDDDDDDDD"
        "EEEEEEEEEEEEEEEEFFFFFFFFFFFFFFFFEEEEEEEEEEEEEEEEAAAAAAAAAAAAAAAA"
    )
    expected = bytes.fromhex(
        "17F399F08C67D5EE19D0DC9969C4BB7D5FD46FD3756489069157B282BB200735"
        "D82710CA5C22F0CCFA7CBF93D496AC15A56834CBCF98C397B4024A2691233B8D"
        "83DE3541E4C2B58177E065A9BF7B62EC"  # the tag
    )
    assert keystore._seal("sm4-gcm", key, nonce, plaintext, aad) == expected
    assert keystore._open("sm4-gcm", key, nonce, expected, aad) == plaintext
