"""The strict deterministic CBOR subset: what it refuses, and cbor2 as a second implementation."""

from __future__ import annotations

import tracemalloc
from typing import Any

import cbor2
import pytest
from hypothesis import given
from hypothesis import strategies as st
from pas_support import World

from verifier import FormatError, _cbor
from verifier.format import RevocationList, TrustList, sig_structure


def refused(data: bytes, **kwargs: Any) -> None:
    with pytest.raises(FormatError):
        _cbor.decode(data, **kwargs)


# --- shortest-form heads -----------------------------------------------------------

NON_SHORTEST = {
    "uint 0 in one extra byte": "1800",
    "uint 23 in one extra byte": "1817",
    "uint 255 in two bytes": "1900ff",
    "uint 65535 in four bytes": "1a0000ffff",
    "uint 2^32-1 in eight bytes": "1b00000000ffffffff",
    "nint -1 in one extra byte": "3800",
    "nint -256 in two bytes": "3900ff",
    "bstr length 1 in one extra byte": "580100",
    "tstr length 1 in one extra byte": "780161",
    "array length 0 in one extra byte": "9800",
    "map length 0 in one extra byte": "b800",
    "array length 0 in eight bytes": "9b0000000000000000",
}


@pytest.mark.parametrize("hex_", NON_SHORTEST.values(), ids=NON_SHORTEST.keys())
def test_non_shortest_heads_are_refused(hex_: str) -> None:
    refused(bytes.fromhex(hex_))


BOUNDARIES = [0, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**64 - 1]


@pytest.mark.parametrize("n", BOUNDARIES + [-1 - n for n in BOUNDARIES])
def test_integers_at_head_boundaries_round_trip_like_cbor2(n: int) -> None:
    data = _cbor.encode(n)
    assert data == cbor2.dumps(n, canonical=True)
    assert _cbor.decode(data) == n


@pytest.mark.parametrize("size", [0, 23, 24, 255, 256, 65535, 65536])
def test_string_lengths_at_head_boundaries_round_trip_like_cbor2(size: int) -> None:
    for value in (b"\xab" * size, "a" * size):
        data = _cbor.encode(value)
        assert data == cbor2.dumps(value, canonical=True)
        assert _cbor.decode(data) == value


def test_integers_beyond_64_bits_cannot_be_encoded() -> None:
    with pytest.raises(FormatError):
        _cbor.encode(2**64)
    with pytest.raises(FormatError):
        _cbor.encode(-(2**64) - 1)


# --- indefinite lengths, reserved values, floats, simple values ---------------------

FORBIDDEN_ITEMS = {
    "indefinite byte string": "5f4100ff",
    "indefinite text string": "7f6161ff",
    "indefinite array": "9f00ff",
    "indefinite map": "bf0000ff",
    "break on its own": "ff",
    "reserved additional info 28": "1c",
    "reserved additional info 29": "3d",
    "reserved additional info 30": "5e",
    "false": "f4",
    "true": "f5",
    "null": "f6",
    "undefined": "f7",
    "simple value 32": "f820",
    "half float 1.0": "f93c00",
    "single float 1.0": "fa3f800000",
    "double float 1.0": "fb3ff0000000000000",
    "float as a map value": "a101fb3ff0000000000000",
    "null inside an array": "8201f6",
}


@pytest.mark.parametrize("hex_", FORBIDDEN_ITEMS.values(), ids=FORBIDDEN_ITEMS.keys())
def test_items_outside_the_subset_are_refused(hex_: str) -> None:
    refused(bytes.fromhex(hex_))


@pytest.mark.parametrize("value", [True, False, None, 1.0, {1, 2}, object()])
def test_the_encoder_refuses_types_outside_the_subset(value: object) -> None:
    with pytest.raises(FormatError):
        _cbor.encode(value)


@pytest.mark.parametrize("key", [b"k", 1.5, True, (1, 2), None])
def test_the_encoder_refuses_map_keys_other_than_int_and_text(key: object) -> None:
    with pytest.raises(FormatError):
        _cbor.encode({key: 0})


# --- maps --------------------------------------------------------------------------

MAP_ERRORS = {
    "duplicate integer key": "a2010001 00",
    "duplicate text key": "a2616100616100",
    "integer keys descending": "a2020001 00",
    "text keys descending": "a2616200616100",
    "text key before integer key": "a2616100 0100",
    "byte string key": "a1416b00",
    "array key": "a18000",
    "map key": "a1a000 00",
    "tagged key": "a1c10000",
    "float key": "a1f93c0000",
    "length-first order (RFC 7049) instead of bytewise (RFC 8949)": "a220001818 00",
}


@pytest.mark.parametrize("hex_", MAP_ERRORS.values(), ids=MAP_ERRORS.keys())
def test_maps_must_have_unique_int_or_text_keys_in_bytewise_order(hex_: str) -> None:
    refused(bytes.fromhex(hex_.replace(" ", "")))


def test_map_key_order_is_bytewise_over_the_encoded_keys() -> None:
    # RFC 8949 §4.2.1: 24 (0x1818) sorts before -1 (0x20), although it is longer.
    assert _cbor.encode({-1: 0, 24: 0}) == bytes.fromhex("a2181800" + "2000")
    assert _cbor.decode(bytes.fromhex("a21818002000")) == {24: 0, -1: 0}
    # Integers before text; shorter text before longer; then bytewise.
    encoded = _cbor.encode({"cat": 0, "pn": 0, "ph": 0, 7: 0, 1: 0})
    assert list(_cbor.decode(encoded)) == [1, 7, "ph", "pn", "cat"]


# --- tags ---------------------------------------------------------------------------


def test_tags_are_refused_unless_allowed_and_only_at_the_top() -> None:
    refused(bytes.fromhex("d280"))  # tag 18 when no tag is allowed
    assert _cbor.decode(bytes.fromhex("d280"), allow_tags=frozenset({18})) == _cbor.Tag(18, [])
    refused(bytes.fromhex("c100"), allow_tags=frozenset({18}))  # another tag
    refused(bytes.fromhex("81d280"), allow_tags=frozenset({18}))  # tag 18 inside an array
    refused(bytes.fromhex("d2d280"), allow_tags=frozenset({18}))  # tag inside a tag
    refused(bytes.fromhex("a101d280"), allow_tags=frozenset({18}))  # tag as a map value


# --- nesting, truncation, trailing bytes, UTF-8 -------------------------------------


def test_nesting_of_eight_levels_is_accepted_and_nine_refused() -> None:
    assert _cbor.decode(b"\x81" * 7 + b"\x80") == [[[[[[[[]]]]]]]]
    refused(b"\x81" * 8 + b"\x80")
    refused(b"\xa1\x01" * 8 + b"\xa0")


def test_very_deep_nesting_fails_cleanly_without_recursion_errors() -> None:
    refused(b"\x81" * 100_000 + b"\x80")
    refused(b"\xa1\x00" * 100_000 + b"\x00")


def test_trailing_bytes_after_the_item_are_refused() -> None:
    refused(b"\x00\x00")
    refused(_cbor.encode({1: "GM0014"}) + b"\x00")


def test_every_truncation_of_a_real_payload_is_refused(world: World) -> None:
    payload = world.make_pass().to_payload()
    for n in range(len(payload)):
        refused(payload[:n])


@pytest.mark.parametrize(
    "hex_",
    [
        "62c328",  # invalid continuation byte
        "62c0af",  # overlong encoding of '/'
        "63eda080",  # UTF-16 surrogate
        "61ff",  # never valid in UTF-8
        "63f4908080",  # above U+10FFFF (declared length 4 of 3 bytes is also short)
        "64f4908080",  # above U+10FFFF
    ],
)
def test_text_must_be_valid_utf8(hex_: str) -> None:
    refused(bytes.fromhex(hex_))


HUGE = {
    "byte string of 2^64-1 bytes": "5bffffffffffffffff",
    "text string of 2^64-1 bytes": "7bffffffffffffffff",
    "array of 2^64-1 items": "9bffffffffffffffff",
    "map of 2^64-1 pairs": "bbffffffffffffffff",
    "byte string of 2^32-1 bytes": "5affffffff",
    "array of 2^32-1 items": "9affffffff00",
    "map of 2^32-1 pairs": "baffffffff0000",
}


@pytest.mark.parametrize("hex_", HUGE.values(), ids=HUGE.keys())
def test_huge_declared_lengths_fail_without_allocating(hex_: str) -> None:
    data = bytes.fromhex(hex_)
    tracemalloc.start()
    try:
        refused(data)
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 64 * 1024


def test_decoder_refuses_non_bytes_input() -> None:
    for value in ("a0", None, 0, [0]):
        with pytest.raises(FormatError):
            _cbor.decode(value)  # type: ignore[arg-type]


# --- cbor2 as the second implementation ----------------------------------------------


def structures_we_use(world: World) -> dict[str, Any]:
    p = world.make_pass()
    _, trust_list = TrustList.open(world.trust_list())
    _, revocations = RevocationList.open(world.revocations([b"\x01" * 16, b"\x02" * 16]))
    _, empty = RevocationList.open(world.revocations())
    return {
        "pass claims": _cbor.decode(p.to_payload()),
        "trust list": _cbor.decode(trust_list.to_payload()),
        "revocation list": _cbor.decode(revocations.to_payload()),
        "empty revocation list": _cbor.decode(empty.to_payload()),
        "protected header": {1: -8, 4: world.kid(world.groningen)},
        "sig_structure": ["Signature1", b"\xa2\x01\x27\x04\x48" + b"k" * 8, b"", p.to_payload()],
    }


def test_our_encoding_of_every_structure_we_use_equals_cbor2_canonical(world: World) -> None:
    for name, obj in structures_we_use(world).items():
        ours = _cbor.encode(obj)
        assert ours == cbor2.dumps(obj, canonical=True), name
        assert cbor2.loads(ours) == obj, name
        assert _cbor.decode(ours) == obj, name


def test_payload_bytes_are_what_cbor2_makes_of_the_same_claims(world: World) -> None:
    p = world.make_pass()
    claims = {
        1: p.iss,
        4: p.exp,
        5: p.nbf,
        6: p.iat,
        7: p.serial,
        "pn": p.number,
        "cat": p.category,
        "ph": p.photo,
        "pt": p.photo_type,
    }
    assert p.to_payload() == cbor2.dumps(claims, canonical=True)


def test_sig_structure_equals_cbor2_encoding_of_the_array() -> None:
    for p_len in (0, 13, 23, 24, 255, 256):
        for m_len in (0, 23, 24, 255, 256, 700, 65535, 65536):
            protected, payload = b"p" * p_len, b"m" * m_len
            expected = cbor2.dumps(["Signature1", protected, b"", payload], canonical=True)
            assert sig_structure(protected, payload) == expected


# Keys for which RFC 8949 bytewise order and cbor2's length-first order coincide:
# one-byte integers and ASCII text shorter than 24 bytes (what the format uses).
_keys = st.integers(-24, 23) | st.text(st.characters(max_codepoint=127), max_size=23)
_leaves = st.integers(-(2**64), 2**64 - 1) | st.binary(max_size=40) | st.text(max_size=20)
_values = st.recursive(
    _leaves,
    lambda children: st.lists(children, max_size=4) | st.dictionaries(_keys, children, max_size=4),
    max_leaves=12,
)


@given(_values)
def test_encoder_agrees_with_cbor2_canonical_and_round_trips(value: Any) -> None:
    ours = _cbor.encode(value)
    assert ours == cbor2.dumps(value, canonical=True)
    assert _cbor.decode(ours) == value


_any_keys = st.integers(-(2**64), 2**64 - 1) | st.text(max_size=30)
_any_values = st.recursive(
    _leaves,
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(_any_keys, children, max_size=4)
    ),
    max_leaves=12,
)


@given(_any_values)
def test_cbor2_reads_what_we_write_for_any_keys(value: Any) -> None:
    ours = _cbor.encode(value)
    assert cbor2.loads(ours) == value
    assert _cbor.decode(ours) == value


@given(st.binary(max_size=64))
def test_anything_we_accept_is_canonical_and_cbor2_reads_it_the_same(data: bytes) -> None:
    try:
        value = _cbor.decode(data)
    except FormatError:
        return
    assert _cbor.encode(value) == data  # accepted implies the one deterministic encoding
    assert cbor2.loads(data) == value


@given(_values, st.data())
def test_any_single_byte_change_of_a_canonical_item_decodes_canonically_or_fails(
    value: Any, data: st.DataObject
) -> None:
    encoded = bytearray(_cbor.encode(value))
    i = data.draw(st.integers(0, len(encoded) - 1))
    encoded[i] = data.draw(st.integers(0, 255))
    try:
        decoded = _cbor.decode(bytes(encoded))
    except FormatError:
        return
    assert _cbor.encode(decoded) == bytes(encoded)
