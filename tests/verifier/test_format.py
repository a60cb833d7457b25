"""The PAS1 envelope and claims: exact bytes, round trips, and the envelope decoder's two paths."""

from __future__ import annotations

import hashlib

import cbor2
import pytest
from pas_support import NOW, World, cose_of, pub, qr

from verifier import FormatError, Status, _base45, _cbor, verify
from verifier.format import (
    DEFAULT_VALIDITY_SECONDS,
    QR_PREFIX,
    Pass,
    Sign1,
    decode_qr_text,
    kid_for,
    sig_structure,
)


def test_a_pass_round_trips_through_its_qr_text(world: World) -> None:
    p = world.make_pass()
    envelope, decoded = decode_qr_text(p.sign(world.groningen))
    assert decoded == p
    assert envelope.kid == world.kid(world.groningen)
    assert envelope.verify_with(world.groningen.verify_key)


def test_signing_is_deterministic(world: World) -> None:
    p = world.make_pass()
    assert p.sign(world.groningen) == p.sign(world.groningen)


def test_qr_text_is_the_prefix_and_base45_of_the_cose_bytes(world: World) -> None:
    text = world.issue()
    assert text.startswith("PAS1:")
    cose = _base45.decode(text[5:])
    assert QR_PREFIX + _base45.encode(cose) == text


def test_the_envelope_has_the_exact_pas1_layout(world: World) -> None:
    p = world.make_pass()
    cose = cose_of(p.sign(world.groningen))
    kid = kid_for(pub(world.groningen))
    payload = p.to_payload()
    assert len(payload) > 255  # two-byte payload length head
    expected = (
        bytes.fromhex("d2")  # tag 18
        + bytes.fromhex("84")  # array of 4
        + bytes.fromhex("4d")  # bstr, 13 bytes: the protected header
        + bytes.fromhex("a2012704 48")  # {1: -8, 4: h'…' (8 bytes)}
        + kid
        + bytes.fromhex("a0")  # unprotected: {}
        + bytes.fromhex("59")
        + len(payload).to_bytes(2, "big")
        + payload
        + bytes.fromhex("5840")  # bstr, 64 bytes
    )
    assert cose[: len(expected)] == expected
    assert len(cose) == len(expected) + 64
    signature = cose[-64:]
    world.groningen.verify_key.verify(sig_structure(cose[3:16], payload), signature)
    # The envelope equals what cbor2 makes of the same structure.
    assert cose == cbor2.dumps(
        cbor2.CBORTag(18, [cose[3:16], {}, payload, signature]), canonical=True
    )


def test_kid_is_the_first_8_bytes_of_sha256_of_the_raw_public_key(world: World) -> None:
    raw = pub(world.groningen)
    assert kid_for(raw) == hashlib.sha256(raw).digest()[:8]


def test_sig_structure_is_the_rfc9052_signature1_array() -> None:
    protected = bytes.fromhex("a201270448") + b"\x01" * 8
    payload = b"\xa0"
    assert sig_structure(protected, payload) == _cbor.encode(
        ["Signature1", protected, b"", payload]
    )
    assert sig_structure(protected, payload).hex() == (
        "846a5369676e6174757265314d" + protected.hex() + "4041a0"
    )


def test_claims_are_encoded_in_deterministic_key_order(world: World) -> None:
    claims = _cbor.decode(world.make_pass().to_payload())
    assert list(claims) == [1, 4, 5, 6, 7, "ph", "pn", "pt", "cat"]


def test_the_default_validity_is_two_years() -> None:
    assert DEFAULT_VALIDITY_SECONDS == 730 * 86400


def test_no_personal_attribute_has_a_place_in_a_pass(world: World) -> None:
    fields = set(Pass.__dataclass_fields__)
    assert fields == {
        "iss",
        "number",
        "category",
        "serial",
        "iat",
        "nbf",
        "exp",
        "photo",
        "photo_type",
    }


@pytest.mark.parametrize(
    "overrides",
    [
        {"iss": "GM14"},
        {"iss": "gm0014"},
        {"number": "GR-7K3M9QXD-5"},
        {"category": "Raam"},
        {"serial": b"\x00" * 17},
        {"iat": -1},
        {"nbf": 2**64},
        {"exp": NOW - 20 * 86400},  # exp before nbf
        {"photo_type": "image/png"},
        {"iat": True},
    ],
    ids=repr,
)
def test_a_pass_of_the_wrong_form_cannot_be_built(
    world: World, overrides: dict[str, object]
) -> None:
    with pytest.raises(FormatError):
        world.make_pass(**overrides)


# --- the envelope decoder's fast path must agree with the strict one ------------------


@pytest.mark.parametrize("size", [0, 1, 23, 24, 100, 255, 256, 1000, 65535, 65536])
def test_envelopes_of_every_payload_length_head_round_trip(world: World, size: int) -> None:
    envelope = Sign1.sign(b"\x00" * size, world.groningen)
    data = envelope.to_bytes()
    assert Sign1.from_bytes(data) == envelope


@pytest.mark.parametrize(
    ("size", "head"),
    [
        (20, b"\x58\x14"),  # fits in the initial byte
        (200, b"\x59\x00\xc8"),  # fits in one extra byte
        (300, b"\x5a\x00\x00\x01\x2c"),  # fits in two extra bytes
    ],
)
def test_a_non_shortest_payload_length_is_refused(world: World, size: int, head: bytes) -> None:
    envelope = Sign1.sign(b"\x00" * size, world.groningen)
    data = envelope.to_bytes()
    canonical_head = _cbor.byte_string_head(size)
    start = 17
    assert data[start : start + len(canonical_head)] == canonical_head
    stretched = data[:start] + head + data[start + len(canonical_head) :]
    with pytest.raises(FormatError):
        Sign1.from_bytes(stretched)
    assert verify(qr(stretched), world.store(), now=NOW).status is Status.MALFORMED


def test_a_wrong_signature_length_head_is_refused(world: World) -> None:
    data = Sign1.sign(b"\xa0", world.groningen).to_bytes()
    for head in (b"\x58\x3f", b"\x58\x41", b"\x59\x00\x40"):
        with pytest.raises(FormatError):
            Sign1.from_bytes(data[:-66] + head + data[-64:])


def test_envelope_signature_must_be_64_bytes(world: World) -> None:
    envelope = Sign1.sign(b"\xa0", world.groningen)
    for sig in (b"", envelope.signature[:63], envelope.signature + b"\x00"):
        data = _cbor.encode(_cbor.Tag(18, [envelope.protected, {}, envelope.payload, sig]))
        with pytest.raises(FormatError):
            Sign1.from_bytes(data)


@pytest.mark.parametrize(
    "header",
    [
        {1: -8},
        {4: b"\x00" * 8},
        {1: -7, 4: b"\x00" * 8},
        {1: -8, 4: b"\x00" * 7},
        {1: -8, 4: "kid-text"},
    ],
    ids=repr,
)
def test_the_protected_header_must_be_exactly_alg_eddsa_and_an_8_byte_kid(
    world: World, header: dict[int, object]
) -> None:
    protected = _cbor.encode(header)
    data = _cbor.encode(_cbor.Tag(18, [protected, {}, b"\xa0", b"\x00" * 64]))
    with pytest.raises(FormatError):
        Sign1.from_bytes(data)


def test_the_protected_header_must_be_a_map_in_a_byte_string(world: World) -> None:
    kid = world.kid(world.groningen)
    for protected in (
        {1: -8, 4: kid},
        _cbor.encode([1, -8]),
        b"",
        b"\xa2\x04\x48" + kid + b"\x01\x27",
    ):
        data = _cbor.encode(_cbor.Tag(18, [protected, {}, b"\xa0", b"\x00" * 64]))
        with pytest.raises(FormatError):
            Sign1.from_bytes(data)


def test_a_detached_or_non_byte_payload_is_refused(world: World) -> None:
    envelope = Sign1.sign(b"\xa0", world.groningen)
    for payload in (b"\xf6", _cbor.encode({})):  # null (detached content) / a bare map
        data = (
            b"\xd2\x84"
            + _cbor.encode(envelope.protected)
            + b"\xa0"
            + payload
            + _cbor.encode(envelope.signature)
        )
        with pytest.raises(FormatError):
            Sign1.from_bytes(data)
