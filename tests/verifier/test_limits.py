"""Hard limits against hostile input, and the size budget of a real pass in a QR code."""

from __future__ import annotations

import pytest
import segno
from pas_support import NOW, World, claims_of, photo_avif, sign_claims

from verifier import FormatError, Status, verify
from verifier.format import (
    MAX_PAYLOAD_BYTES,
    MAX_PHOTO_BYTES,
    MAX_QR_CHARS,
    QR_PREFIX,
    Pass,
    decode_qr_text,
)

#: Alphanumeric capacity of QR version 22 at error correction M (ISO/IEC 18004 table 7).
V22_M_ALPHANUMERIC = 1134


# --- QR text ---------------------------------------------------------------------------


def test_qr_text_over_4296_characters_is_malformed(world: World) -> None:
    text = QR_PREFIX + "0" * (MAX_QR_CHARS - len(QR_PREFIX) + 1)
    assert len(text) == 4297
    verdict = verify(text, world.store(), now=NOW)
    assert verdict.status is Status.MALFORMED
    assert "4296" in verdict.reason
    with pytest.raises(FormatError, match="longer"):
        decode_qr_text(text)


def test_qr_text_of_exactly_4296_characters_is_parsed(world: World) -> None:
    # Refused for what it contains, not for its length.
    text = QR_PREFIX + "0" * (MAX_QR_CHARS - len(QR_PREFIX))
    verdict = verify(text, world.store(), now=NOW)
    assert verdict.status is Status.MALFORMED
    assert "longer" not in verdict.reason


def test_a_huge_scan_is_refused_quickly(world: World) -> None:
    assert verify("PAS1:" + "0" * 10_000_000, world.store(), now=NOW).status is Status.MALFORMED


def test_the_qr_limit_is_version_40_level_l_alphanumeric() -> None:
    assert MAX_QR_CHARS == 4296
    qr = segno.make("A" * MAX_QR_CHARS, error="l", boost_error=False)
    assert qr.version == 40


# --- payload -----------------------------------------------------------------------------


def test_a_payload_over_3000_bytes_is_refused_before_decoding() -> None:
    with pytest.raises(FormatError, match="3000"):
        Pass.from_payload(b"\xa0" + b"\x00" * MAX_PAYLOAD_BYTES)


def test_the_qr_limit_keeps_payloads_below_the_payload_limit() -> None:
    # 4,291 base45 characters carry at most 2,860 bytes: the payload limit guards
    # direct callers of the format API, verify() can never see a bigger payload.
    most_bytes = 2 * ((MAX_QR_CHARS - len(QR_PREFIX)) // 3) + 1
    assert most_bytes < MAX_PAYLOAD_BYTES


# --- photo ------------------------------------------------------------------------------


def test_a_photo_over_2000_bytes_cannot_be_issued(world: World) -> None:
    with pytest.raises(FormatError, match="2000"):
        world.make_pass(photo=b"\x00" * (MAX_PHOTO_BYTES + 1))


def test_a_signed_photo_over_2000_bytes_is_malformed(world: World) -> None:
    claims = {**claims_of(world.make_pass()), "ph": b"\x00" * (MAX_PHOTO_BYTES + 1)}
    assert verify(sign_claims(claims, world.groningen), world.store(), now=NOW).status is (
        Status.MALFORMED
    )


def test_a_photo_of_exactly_2000_bytes_is_valid(world: World) -> None:
    text = world.issue(photo=b"\x5a" * MAX_PHOTO_BYTES)
    verdict = verify(text, world.store(), now=NOW)
    assert verdict.status is Status.VALID
    assert verdict.photo is not None and len(verdict.photo) == MAX_PHOTO_BYTES


def test_an_empty_photo_is_refused(world: World) -> None:
    with pytest.raises(FormatError):
        world.make_pass(photo=b"")


# --- the size budget --------------------------------------------------------------------


def test_a_pass_with_a_521_byte_avif_photo_fits_qr_version_22_at_level_m(world: World) -> None:
    photo = photo_avif()
    assert 500 <= len(photo) <= 550
    text = world.issue(photo=photo)
    assert len(text) <= V22_M_ALPHANUMERIC
    qr = segno.make(text, error="m", boost_error=False)
    assert qr.version <= 22
    assert qr.error == "M"


def test_the_largest_photo_that_fits_version_22_m_is_at_least_550_bytes(world: World) -> None:
    # The photo pipeline's thumbnail budget is 550 bytes: it must fit with room to spare.
    fits = [n for n in range(500, 620, 2) if len(world.issue(photo=b"\x00" * n)) <= 1134]
    assert max(fits) >= 550
    qr = segno.make(world.issue(photo=b"\x00" * max(fits)), error="m", boost_error=False)
    assert qr.version <= 22


def test_version_22_m_holds_1134_alphanumeric_characters() -> None:
    assert segno.make("A" * V22_M_ALPHANUMERIC, error="m", boost_error=False).version == 22
    assert segno.make("A" * (V22_M_ALPHANUMERIC + 1), error="m", boost_error=False).version == 23


def test_qr_text_uses_only_the_qr_alphanumeric_character_set(world: World) -> None:
    alphanumeric = set("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
    assert set(world.issue()) <= alphanumeric
