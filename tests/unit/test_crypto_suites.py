"""The crypto suites against standards and independent implementations.

gm: the GB/T 32918 (GM/T 0003.5 Annex A) SM2 signature example and the GB/T 32905 SM3 examples,
and signatures cross-checked both ways against gmalg, an independent pure-Python SM2.
intl: secp256k1 sign/verify, rejection of wrong keys, tampered messages, malformed, high-S and
bad-recovery-id signatures; the SHA-256 known vector; stable address derivation.
Both: `verify` returns False, never raises, on garbage input.
"""

from __future__ import annotations

import hashlib

import gmalg
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from finchain.crypto import CryptoSuite, get_suite

GM = get_suite("gm")
INTL = get_suite("intl")

DEFAULT_USER_ID = b"1234567812345678"
SM2_ORDER = 0xFFFFFFFEFFFFFFFFFFFFFFFFFFFFFFFF7203DF6B21C6052B53BBF40939D54123
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141

# GB/T 32918 (GM/T 0003.5 Annex A): signature on the recommended curve, default user ID.
GBT_SECRET = bytes.fromhex("3945208F7B2144B13F36E38AC6D39F95889393692860B51A42FB81EF4DF7C5B8")
GBT_X = bytes.fromhex("09F9DF311E5421A150DD7D161E4BC5C672179FAD1833FC076BB08FF356F35020")
GBT_Y = bytes.fromhex("CCEA490CE26775A52DC6EA718CC1AA600AED05FBF35E084A6632F6072DA9AD13")
GBT_MESSAGE = b"message digest"
GBT_R = bytes.fromhex("F5A03B0648D2C4630EEAC513E1BB81A15944DA3827D5B74143AC7EACEEE720B3")
GBT_S = bytes.fromhex("B1B6AA29DF212FD8763182BC0D421CA1BB9038FD1F7F42D4840B69C485BBC1AA")
GBT_PUBLIC_KEY = bytes([0x02 | (GBT_Y[-1] & 1)]) + GBT_X  # compressed: parity of y, then x

fast = settings(max_examples=15, deadline=None)
sm2_secrets = st.integers(min_value=1, max_value=SM2_ORDER - 2).map(lambda v: v.to_bytes(32, "big"))
messages = st.binary(max_size=200)


def flip_bit(data: bytes, bit: int) -> bytes:
    raw = bytearray(data)
    raw[bit // 8] ^= 1 << (bit % 8)
    return bytes(raw)


# --- gm: GB/T 32918 example ---------------------------------------------------------------------


def test_gm_standard_example_signature_verifies() -> None:
    assert GM.verify(GBT_PUBLIC_KEY, GBT_MESSAGE, GBT_R + GBT_S)


def test_gm_standard_example_secret_gives_its_public_key() -> None:
    key = GM.load_private_key(GBT_SECRET)
    assert key.public_key == GBT_PUBLIC_KEY
    assert key.public_key[0] == 0x03  # y of the example is odd
    assert key.secret == GBT_SECRET


def test_gm_standard_example_key_signs_verifiable_signatures() -> None:
    key = GM.load_private_key(GBT_SECRET)
    signature = key.sign(GBT_MESSAGE)
    assert len(signature) == GM.signature_length
    assert GM.verify(GBT_PUBLIC_KEY, GBT_MESSAGE, signature)


@pytest.mark.parametrize("bit", [0, 7, 100, 255])
def test_invalid_gm_standard_example_flipped_bit_in_r(bit: int) -> None:
    assert not GM.verify(GBT_PUBLIC_KEY, GBT_MESSAGE, flip_bit(GBT_R, bit) + GBT_S)


@pytest.mark.parametrize("bit", [0, 7, 100, 255])
def test_invalid_gm_standard_example_flipped_bit_in_s(bit: int) -> None:
    assert not GM.verify(GBT_PUBLIC_KEY, GBT_MESSAGE, GBT_R + flip_bit(GBT_S, bit))


@pytest.mark.parametrize("bit", [0, 7, 50, 111])
def test_invalid_gm_standard_example_flipped_bit_in_message(bit: int) -> None:
    assert not GM.verify(GBT_PUBLIC_KEY, flip_bit(GBT_MESSAGE, bit), GBT_R + GBT_S)


def test_invalid_gm_standard_example_wrong_public_key_parity() -> None:
    other_parity = bytes([GBT_PUBLIC_KEY[0] ^ 1]) + GBT_PUBLIC_KEY[1:]
    assert not GM.verify(other_parity, GBT_MESSAGE, GBT_R + GBT_S)


def test_gmalg_accepts_the_standard_example() -> None:
    """The cross-check oracle agrees with the standard, so agreeing with it means something."""
    oracle = gmalg.SM2(None, DEFAULT_USER_ID, b"\x04" + GBT_X + GBT_Y)
    assert oracle.verify(GBT_MESSAGE, GBT_R, GBT_S)


# --- gm: cross-check with gmalg ----------------------------------------------------------------


def uncompressed_public_key(secret: bytes) -> bytes:
    public_key: bytes = gmalg.SM2(secret, DEFAULT_USER_ID).generate_pk(secret)
    return public_key


@fast
@given(secret=sm2_secrets, message=messages)
def test_gm_signature_verifies_with_gmalg(secret: bytes, message: bytes) -> None:
    key = GM.load_private_key(secret)
    signature = key.sign(message)
    public_key = uncompressed_public_key(secret)
    assert public_key[1:33] == key.public_key[1:]
    oracle = gmalg.SM2(None, DEFAULT_USER_ID, public_key)
    assert oracle.verify(message, signature[:32], signature[32:])
    assert not oracle.verify(message + b"!", signature[:32], signature[32:])


@fast
@given(secret=sm2_secrets, message=messages)
def test_gmalg_signature_verifies_with_gm(secret: bytes, message: bytes) -> None:
    public_key = uncompressed_public_key(secret)
    r, s = gmalg.SM2(secret, DEFAULT_USER_ID, public_key).sign(message)
    # gmalg returns minimal-length integers; finchain's wire form is fixed 32 + 32 bytes.
    r, s = r.rjust(32, b"\x00"), s.rjust(32, b"\x00")
    compressed = bytes([0x02 | (public_key[-1] & 1)]) + public_key[1:33]
    assert compressed == GM.load_private_key(secret).public_key
    assert GM.verify(compressed, message, r + s)
    assert not GM.verify(compressed, message + b"!", r + s)


# --- gm: SM3 and addresses ---------------------------------------------------------------------


def test_sm3_standard_example_abc() -> None:
    expected = "66c7f0f462eeedd9d1f2d46bdc10e4e24167c4875cf2f7a2297da02b8f4ba8e0"
    assert GM.hash(b"abc").hex() == expected


def test_sm3_standard_example_64_bytes() -> None:
    expected = "debe9ff92275b8a138604889c18e5a4d6fdb70e5387e5765293dcba39c0c5732"
    assert GM.hash(b"abcd" * 16).hex() == expected


def test_gm_address_is_sm3_of_public_key_prefix() -> None:
    oracle = gmalg.SM3()
    oracle.update(GBT_PUBLIC_KEY)
    assert GM.address(GBT_PUBLIC_KEY) == oracle.value()[:20]
    assert GM.address(GBT_PUBLIC_KEY).hex() == "4f14583c3fbdf19a56f105ad74e987605a8f2670"


# --- intl --------------------------------------------------------------------------------------

SECP256K1_GENERATOR = bytes.fromhex(
    "0279be667ef9dcbbac55a06295ce870b07029bfcdb2dce28d959f2815b16f81798"
)


def test_sha256_known_vector() -> None:
    expected = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad"
    assert INTL.hash(b"abc").hex() == expected


def test_intl_secret_one_gives_the_generator() -> None:
    assert INTL.load_private_key((1).to_bytes(32, "big")).public_key == SECP256K1_GENERATOR


def test_intl_address_derivation_is_stable() -> None:
    assert INTL.address(SECP256K1_GENERATOR) == hashlib.sha256(SECP256K1_GENERATOR).digest()[:20]
    assert INTL.address(SECP256K1_GENERATOR).hex() == "0f715baf5d4c2ed329785cef29e562f73488c8a2"


@fast
@given(message=messages)
def test_intl_signature_verifies(message: bytes) -> None:
    key = INTL.generate_private_key()
    signature = key.sign(message)
    assert len(signature) == INTL.signature_length
    assert INTL.verify(key.public_key, message, signature)
    assert INTL.load_private_key(key.secret).public_key == key.public_key


def test_intl_signatures_are_low_s() -> None:
    key = INTL.generate_private_key()
    for i in range(20):
        s = int.from_bytes(key.sign(b"m%d" % i)[32:64], "big")
        assert 1 <= s <= SECP256K1_ORDER // 2


def test_invalid_intl_wrong_key() -> None:
    key, other = INTL.generate_private_key(), INTL.generate_private_key()
    assert not INTL.verify(other.public_key, b"pay 10", key.sign(b"pay 10"))


def test_invalid_intl_tampered_message() -> None:
    key = INTL.generate_private_key()
    assert not INTL.verify(key.public_key, b"pay 100", key.sign(b"pay 10"))


@pytest.mark.parametrize("length", [0, 1, 63, 64, 66, 130])
def test_invalid_intl_signature_length(length: int) -> None:
    key = INTL.generate_private_key()
    signature = (key.sign(b"m") * 3)[:length]
    assert not INTL.verify(key.public_key, b"m", signature)


@pytest.mark.parametrize("recovery_id", [2, 3, 4, 27, 255])
def test_invalid_intl_recovery_id(recovery_id: int) -> None:
    key = INTL.generate_private_key()
    signature = key.sign(b"m")
    assert not INTL.verify(key.public_key, b"m", signature[:64] + bytes([recovery_id]))


def test_invalid_intl_flipped_recovery_id() -> None:
    key = INTL.generate_private_key()
    signature = key.sign(b"m")
    assert not INTL.verify(key.public_key, b"m", signature[:64] + bytes([signature[64] ^ 1]))


def test_invalid_intl_high_s() -> None:
    key = INTL.generate_private_key()
    signature = key.sign(b"m")
    s = int.from_bytes(signature[32:64], "big")
    high_s = (SECP256K1_ORDER - s).to_bytes(32, "big")
    malleated = signature[:32] + high_s + bytes([signature[64] ^ 1])
    assert not INTL.verify(key.public_key, b"m", malleated)


@pytest.mark.parametrize("field", ["r", "s"])
def test_invalid_intl_zero_scalar(field: str) -> None:
    key = INTL.generate_private_key()
    signature = key.sign(b"m")
    zero = bytes(32)
    bad = zero + signature[32:] if field == "r" else signature[:32] + zero + signature[64:]
    assert not INTL.verify(key.public_key, b"m", bad)


# --- both suites: garbage never raises ------------------------------------------------------------


@pytest.fixture(params=["intl", "gm"])
def suite(request: pytest.FixtureRequest) -> CryptoSuite:
    return get_suite(str(request.param))


def test_invalid_all_zero_inputs(suite: CryptoSuite) -> None:
    zero_key = bytes(suite.public_key_length)
    zero_signature = bytes(suite.signature_length)
    assert suite.verify(zero_key, b"", zero_signature) is False
    real_key = suite.generate_private_key().public_key
    assert suite.verify(real_key, b"m", zero_signature) is False


@pytest.mark.parametrize(
    "public_key",
    [
        b"\x04" + bytes(32),  # uncompressed prefix at compressed length
        b"\x02" + b"\xff" * 32,  # x >= field prime
        b"\x05" + bytes(31) + b"\x01",  # unknown prefix
        b"",
    ],
)
def test_invalid_public_key_encodings(suite: CryptoSuite, public_key: bytes) -> None:
    signature = suite.generate_private_key().sign(b"m")
    assert suite.verify(public_key, b"m", signature) is False


def test_invalid_signature_scalars_out_of_range(suite: CryptoSuite) -> None:
    key = suite.generate_private_key()
    signature = key.sign(b"m")
    all_ones = b"\xff" * 32
    assert suite.verify(key.public_key, b"m", all_ones + signature[32:]) is False
    assert suite.verify(key.public_key, b"m", signature[:32] + all_ones + signature[64:]) is False


@settings(max_examples=20, deadline=None)
@given(data=st.data())
def test_invalid_random_bytes_never_raise(data: st.DataObject) -> None:
    for suite in (INTL, GM):
        public_key = data.draw(
            st.binary(max_size=70)
            | st.binary(min_size=suite.public_key_length, max_size=suite.public_key_length)
            | st.sampled_from([b"\x02", b"\x03"]).map(lambda p: p + bytes(32))
        )
        signature = data.draw(
            st.binary(max_size=130)
            | st.binary(min_size=suite.signature_length, max_size=suite.signature_length)
        )
        message = data.draw(messages)
        assert suite.verify(public_key, message, signature) is False
