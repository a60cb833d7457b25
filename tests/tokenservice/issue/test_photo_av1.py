"""The QR thumbnail as issued since ADR 0018: a colour 72x96 AV1 bitstream, <= 360 bytes,
from a tighter crop than the printed portrait, that puts the pass in QR version <= 18-M."""

from __future__ import annotations

import io

import numpy as np
import pytest
import segno
from PIL import Image

from tests.support.paths import FIXTURES
from tokenservice.issue import cardbase, photo
from verifier.format import DEFAULT_VALIDITY_SECONDS, Pass
from verifier.photo import avif_from_av1, check_av1

NOW = 1_767_225_600


@pytest.fixture(scope="module")
def portrait() -> photo.Portrait:
    return photo.process((FIXTURES / "astronaut.png").read_bytes())


def test_the_thumbnail_is_a_colour_av1_bitstream_within_its_budget(
    portrait: photo.Portrait,
) -> None:
    assert portrait.thumbnail_type == "av1"
    assert 200 < len(portrait.thumbnail) <= photo.THUMBNAIL_MAX_BYTES == 360
    seq = check_av1(portrait.thumbnail)  # what a verifier checks before anything else
    assert (seq.width, seq.height, seq.mono, seq.bit_depth) == (72, 96, False, 8)
    with Image.open(io.BytesIO(avif_from_av1(portrait.thumbnail))) as img:
        img.load()
        assert (img.format, img.size, img.mode) == ("AVIF", (72, 96), "RGB")
        rgb = np.asarray(img, dtype=np.int16)
    # In colour: the astronaut's face and the flag behind him are not grey.
    assert np.abs(rgb[..., 0] - rgb[..., 2]).mean() > 8


def test_the_thumbnail_crop_is_tighter_than_the_portrait() -> None:
    box = photo.CropBox(100, 50, 300, 400)
    tight = photo._tight_box(box, 1000, 1000)
    # 0.70 of the portrait's crop since the HOG box (ADR 0018, "The crop re-chosen").
    assert photo.THUMBNAIL_CROP == 0.70
    assert (tight.w, tight.h) == (210, 280)
    # The face centre (0.28 + 0.5/2.3 of the height down, centred) stays where it was.
    assert tight.x + tight.w / 2 == pytest.approx(box.x + box.w / 2, abs=1)
    centre = box.y + box.h * (0.28 + 0.5 / 2.3)
    assert tight.y + tight.h * (0.28 + 0.5 / 2.3) == pytest.approx(centre, abs=1)
    # At the edge of the photo it stays inside.
    edge = photo._tight_box(photo.CropBox(0, 0, 300, 400), 300, 400)
    assert edge.x >= 0 and edge.y >= 0 and edge.x + edge.w <= 300 and edge.y + edge.h <= 400


def test_a_hand_drawn_crop_gets_the_same_kind_of_thumbnail() -> None:
    p = photo.process((FIXTURES / "chelsea.png").read_bytes(), crop=photo.CropBox(0, 0, 300, 300))
    assert p.thumbnail_type == "av1" and len(p.thumbnail) <= 360
    check_av1(p.thumbnail)


@pytest.mark.parametrize("category", ["raam", "inrichting", "abcdefghijklmn"])
def test_the_pass_fits_qr_version_18_m_with_modules_of_at_least_045_mm(
    portrait: photo.Portrait, category: str
) -> None:
    from nacl.signing import SigningKey

    def card(photo_bytes: bytes, pt: str) -> str:
        return Pass(
            iss="GM0014", number="GR-7K3M9QXD-4", category=category, serial=b"\x01" * 16,
            iat=NOW, nbf=NOW, exp=NOW + DEFAULT_VALIDITY_SECONDS,
            photo=photo_bytes, photo_type=pt,
        ).sign(SigningKey(b"\x07" * 32))

    # The issued thumbnail, and the largest one the budget allows (a 360-byte av1 photo
    # makes a token as long as 353 filler bytes under "image/webp", 7 characters longer).
    for text in (card(portrait.thumbnail, "av1"), card(b"\x00" * 353, "image/webp")):
        qr = cardbase.encode_qr(text)[0]
        assert qr.version <= 18 and qr.error == "M", (category, qr.version)


def test_an_issued_card_prints_modules_of_at_least_045_mm(portrait: photo.Portrait) -> None:
    from nacl.signing import SigningKey

    from tokenservice.issue import card

    text = Pass(
        iss="GM0014", number="GR-7K3M9QXD-4", category="inrichting", serial=b"\x02" * 16,
        iat=NOW, nbf=NOW, exp=NOW + DEFAULT_VALIDITY_SECONDS,
        photo=portrait.thumbnail, photo_type="av1",
    ).sign(SigningKey(b"\x07" * 32))
    qr = cardbase.encode_qr(text)[0]
    assert qr.version <= cardbase.MAX_QR_VERSION == 18
    assert cardbase.module_mm(qr, card.QR_WIDTH_MM) >= cardbase.MIN_MODULE_MM == 0.45
    # The largest version 18 symbol at the card's width is 0.474 mm a module.
    v18 = segno.make_qr("A" * 816, error="m", mode="alphanumeric", boost_error=False)
    assert v18.version == 18
    assert round(cardbase.module_mm(v18, card.QR_WIDTH_MM), 3) == 0.474
