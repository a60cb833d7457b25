"""Base45 (RFC 9285): the RFC's own examples, strict rejection, and a reference implementation."""

from __future__ import annotations

import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pas_support import VECTORS

from verifier import FormatError, _base45

RFC = json.loads((VECTORS / "rfc9285.json").read_text(encoding="utf-8"))
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def reference_encode(data: bytes) -> str:
    """RFC 9285 §4 written out literally, as a second implementation."""
    out = []
    for i in range(0, len(data) - 1, 2):
        n = data[i] * 256 + data[i + 1]
        c, rest = n % 45, n // 45
        d, e = rest % 45, rest // 45
        out += [ALPHABET[c], ALPHABET[d], ALPHABET[e]]
    if len(data) % 2:
        a = data[-1]
        out += [ALPHABET[a % 45], ALPHABET[a // 45]]
    return "".join(out)


def reference_decode(text: str) -> bytes | None:
    """None where RFC 9285 says decoding fails."""
    if len(text) % 3 == 1 or any(ch not in ALPHABET for ch in text):
        return None
    out = bytearray()
    for i in range(0, len(text), 3):
        chunk = [ALPHABET.index(ch) for ch in text[i : i + 3]]
        if len(chunk) == 3:
            n = chunk[0] + chunk[1] * 45 + chunk[2] * 45 * 45
            if n > 0xFFFF:
                return None
            out += n.to_bytes(2, "big")
        else:
            n = chunk[0] + chunk[1] * 45
            if n > 0xFF:
                return None
            out.append(n)
    return bytes(out)


@pytest.mark.parametrize("case", RFC["encode"], ids=lambda c: c["base45"] or "empty")
def test_rfc9285_encoding_examples(case: dict[str, str]) -> None:
    data = bytes.fromhex(case["hex"])
    assert _base45.encode(data) == case["base45"]
    assert _base45.decode(case["base45"]) == data


@pytest.mark.parametrize("case", RFC["decode"], ids=lambda c: c["base45"])
def test_rfc9285_decoding_example(case: dict[str, str]) -> None:
    assert _base45.decode(case["base45"]) == case["ascii"].encode("ascii")


@pytest.mark.parametrize("case", RFC["invalid"], ids=lambda c: repr(c["base45"]))
def test_invalid_base45_is_refused(case: dict[str, str]) -> None:
    with pytest.raises(FormatError):
        _base45.decode(case["base45"])


def test_rfc_examples_are_the_ones_the_rfc_prints() -> None:
    # Guard against someone "fixing" the data file to match a broken encoder.
    pairs = {c["ascii"]: c["base45"] for c in RFC["encode"] if c["ascii"]}
    assert pairs == {"AB": "BB8", "Hello!!": "%69 VD92EX0", "base-45": "UJCLQE7W581"}
    assert RFC["decode"][0]["base45"] == "QED8WEX0"
    assert RFC["decode"][0]["ascii"] == "ietf!"


def test_every_two_byte_value_round_trips_in_one_long_string() -> None:
    # 65,536 chunks at once also exercises the decoder's wide-integer lanes end to end.
    data = b"".join(n.to_bytes(2, "big") for n in range(0x10000))
    text = _base45.encode(data)
    assert text == reference_encode(data)
    assert _base45.decode(text) == data


def test_every_triplet_above_65535_is_refused_alone_and_inside_a_string() -> None:
    for n in range(0x10000, 45**3):
        triplet = ALPHABET[n % 45] + ALPHABET[n // 45 % 45] + ALPHABET[n // 2025]
        with pytest.raises(FormatError):
            _base45.decode(triplet)
    # One bad chunk in the middle of a long valid string is still found.
    good = _base45.encode(bytes(600))
    with pytest.raises(FormatError):
        _base45.decode(good[:300] + "GGW" + good[300:])


def test_every_final_pair_decodes_iff_it_is_at_most_255() -> None:
    for hi in range(45):
        for lo in range(45):
            pair = ALPHABET[lo] + ALPHABET[hi]
            value = lo + 45 * hi
            if value <= 255:
                assert _base45.decode(pair) == bytes([value])
            else:
                with pytest.raises(FormatError):
                    _base45.decode(pair)


@pytest.mark.parametrize("position", [0, 1, 2, 3, 4])
def test_every_character_outside_the_alphabet_is_refused_at_any_position(position: int) -> None:
    base = "BB8BB"
    outsiders = [chr(c) for c in range(256) if chr(c) not in ALPHABET] + [
        "€",
        "\u200b",
        "\U0001f600",
    ]
    for ch in outsiders:
        text = base[:position] + ch + base[position + 1 :]
        with pytest.raises(FormatError):
            _base45.decode(text)


def test_lengths_of_one_modulo_three_are_refused() -> None:
    for n in range(1, 40, 3):
        with pytest.raises(FormatError):
            _base45.decode("0" * n)


@given(st.binary(max_size=3000))
def test_round_trip_and_agreement_with_the_reference(data: bytes) -> None:
    text = _base45.encode(data)
    assert text == reference_encode(data)
    assert len(text) == 3 * (len(data) // 2) + 2 * (len(data) % 2)
    assert _base45.decode(text) == data


@given(st.text(alphabet=ALPHABET, max_size=60))
def test_decoder_agrees_with_the_reference_on_any_alphabet_string(text: str) -> None:
    expected = reference_decode(text)
    if expected is None:
        with pytest.raises(FormatError):
            _base45.decode(text)
    else:
        assert _base45.decode(text) == expected
        # Base45 is a bijection on accepted strings: no two texts give the same bytes.
        assert _base45.encode(expected) == text


@given(st.text(max_size=60))
def test_decoder_raises_only_format_error_on_any_text(text: str) -> None:
    expected = reference_decode(text)
    try:
        assert _base45.decode(text) == expected
    except FormatError:
        assert expected is None
