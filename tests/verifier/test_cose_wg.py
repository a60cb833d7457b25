"""Official vectors: cose-wg eddsa-sig-01 (COSE_Sign1, Ed25519) and RFC 8032 test 1.

Provenance: tests/vectors/cose-wg/PROVENANCE.md.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any

import nacl.exceptions
import nacl.signing
import pytest
from pas_support import VECTORS, World, qr

from verifier import FormatError, Status, _cbor, verify
from verifier.format import ALG_EDDSA, Sign1, kid_for, sig_structure

COSE_WG = VECTORS / "cose-wg"


def load(name: str) -> dict[str, Any]:
    doc: dict[str, Any] = json.loads((COSE_WG / name).read_text(encoding="utf-8"))
    return doc


EDDSA_SIG_01 = load("eddsa-sig-01.json")
RFC8032_TEST1 = load("rfc8032-test1.json")
MESSAGE = bytes.fromhex(EDDSA_SIG_01["output"]["cbor"])
KEY = EDDSA_SIG_01["input"]["sign0"]["key"]
PUBLIC = bytes.fromhex(KEY["x_hex"])
SECRET = bytes.fromhex(KEY["d_hex"])


def test_the_data_file_is_the_published_message() -> None:
    # The brief quotes the message; the data file must not drift from it.
    assert MESSAGE.hex().upper() == (
        "D28445A201270300A10442313154546869732069732074686520636F6E74656E742E"
        "58407142FD2FF96D56DB85BEE905A76BA1D0B7321A95C8C4D3607C5781932B7AFB87"
        "11497DFA751BF40B58B3BCC32300B1487F3DB34085EEF013BF08F4A44D6FEF0D"
    )


def decode_message() -> tuple[bytes, dict[Any, Any], bytes, bytes]:
    item = _cbor.decode(MESSAGE, allow_tags=frozenset({18}))
    assert isinstance(item, _cbor.Tag) and item.number == 18
    protected, unprotected, payload, signature = item.value
    return protected, unprotected, payload, signature


def test_our_cbor_decoder_reads_the_cose_wg_message() -> None:
    protected, unprotected, payload, signature = decode_message()
    assert _cbor.decode(protected) == {1: ALG_EDDSA, 3: 0}  # alg EdDSA, content type 0
    assert unprotected == {4: b"11"}
    assert payload == EDDSA_SIG_01["input"]["plaintext"].encode()
    assert len(signature) == 64


def test_our_encoder_reproduces_the_message_byte_for_byte() -> None:
    protected, unprotected, payload, signature = decode_message()
    assert _cbor.encode(_cbor.Tag(18, [protected, unprotected, payload, signature])) == MESSAGE


def test_our_sig_structure_equals_the_published_to_be_signed_bytes() -> None:
    protected, _, payload, _ = decode_message()
    expected = bytes.fromhex(EDDSA_SIG_01["intermediates"]["ToBeSign_hex"])
    assert sig_structure(protected, payload) == expected


def test_the_cose_wg_signature_verifies_over_our_sig_structure() -> None:
    protected, _, payload, signature = decode_message()
    nacl.signing.VerifyKey(PUBLIC).verify(sig_structure(protected, payload), signature)


def test_the_cose_wg_signature_fails_for_any_changed_byte_of_the_content() -> None:
    protected, _, payload, signature = decode_message()
    verify_key = nacl.signing.VerifyKey(PUBLIC)
    for i in range(len(payload)):
        changed = bytearray(payload)
        changed[i] ^= 0x20
        with pytest.raises(nacl.exceptions.BadSignatureError):
            verify_key.verify(sig_structure(protected, bytes(changed)), signature)


def test_signing_our_sig_structure_with_the_published_key_reproduces_the_signature() -> None:
    protected, _, payload, signature = decode_message()
    signing_key = nacl.signing.SigningKey(SECRET)
    assert bytes(signing_key.verify_key) == PUBLIC
    assert signing_key.sign(sig_structure(protected, payload)).signature == signature


def test_sign1_refuses_the_cose_wg_message_as_a_pas1_envelope() -> None:
    # kid in the unprotected header and a content type: valid COSE, not PAS1.
    with pytest.raises(FormatError, match="unprotected"):
        Sign1.from_bytes(MESSAGE)


def test_verify_reports_the_cose_wg_message_as_malformed(world: World) -> None:
    assert verify(qr(MESSAGE), world.store()).status is Status.MALFORMED


def test_a_pas1_envelope_over_the_same_content_verifies_with_our_cose_code() -> None:
    signing_key = nacl.signing.SigningKey(SECRET)
    envelope = Sign1.sign(b"This is the content.", signing_key)
    decoded = Sign1.from_bytes(envelope.to_bytes())
    assert decoded == envelope
    assert decoded.kid == kid_for(PUBLIC)
    assert decoded.verify_with(nacl.signing.VerifyKey(PUBLIC))


# --- RFC 8032 §7.1 TEST 1 -------------------------------------------------------------


def test_rfc8032_test1_key_pair_and_signature() -> None:
    secret = bytes.fromhex(RFC8032_TEST1["secret_key_hex"])
    public = bytes.fromhex(RFC8032_TEST1["public_key_hex"])
    signature = bytes.fromhex(RFC8032_TEST1["signature_hex"])
    message = bytes.fromhex(RFC8032_TEST1["message_hex"])
    assert public == PUBLIC and secret == SECRET  # the cose-wg example uses this key
    signing_key = nacl.signing.SigningKey(secret)
    assert bytes(signing_key.verify_key) == public
    assert signing_key.sign(message).signature == signature
    nacl.signing.VerifyKey(public).verify(message, signature)


def test_kid_of_rfc8032_test_key_1() -> None:
    # A worked example for docs/token-format.md: kid = SHA-256(pub)[:8].
    assert kid_for(PUBLIC) == hashlib.sha256(PUBLIC).digest()[:8]
    assert kid_for(PUBLIC).hex() == "21fe31dfa154a261"
