"""verifier.photo: the av1 photo check and the AVIF rebuild (docs/token-format.md §6.1)."""

from __future__ import annotations

import io
import random

import pytest
from pas_support import ROOT, make_vectors
from PIL import Image

from verifier import Error
from verifier.errors import FormatError
from verifier.photo import av1_from_avif, avif_from_av1, check_av1, photo_file

FIXTURES = ["astronaut.png", "chelsea.png", "coffee.png"]


def _encode(img: Image.Image, quality: int, speed: int, grey: bool) -> bytes:
    buf = io.BytesIO()
    clean = Image.frombytes(img.mode, img.size, img.tobytes())  # no metadata boxes
    extra = {"subsampling": "4:0:0"} if grey else {}
    clean.save(buf, "AVIF", quality=quality, speed=speed, **extra)
    return buf.getvalue()


@pytest.mark.parametrize("name", FIXTURES)
@pytest.mark.parametrize("grey", [False, True])
def test_libavif_files_are_rebuilt_byte_for_byte(name: str, grey: bool) -> None:
    src = Image.open(ROOT / "tests" / "fixtures" / name).convert("L" if grey else "RGB")
    thumb = src.resize((72, 96))
    for quality in (0, 30, 60, 90):
        for speed in (2, 6):
            avif = _encode(thumb, quality, speed, grey)
            ph = av1_from_avif(avif)
            assert avif_from_av1(ph) == avif
            seq = check_av1(ph)
            assert (seq.width, seq.height, seq.mono, seq.bit_depth) == (72, 96, grey, 8)
            with Image.open(io.BytesIO(avif_from_av1(ph))) as shown:
                shown.load()
                assert shown.size == (72, 96)


def test_the_vector_photos_rebuild_and_decode() -> None:
    mv = make_vectors()
    for ph, mode in ((mv.PHOTO_AV1, "RGB"), (mv.PHOTO_AV1_GREY, "L")):
        data, media_type = photo_file(ph, "av1")
        assert media_type == "image/avif"
        assert len(data) == len(ph) + (277 if mode == "RGB" else 271)  # ADR 0018
        with Image.open(io.BytesIO(data)) as img:
            img.load()
            assert (img.size, img.mode) == ((72, 96), mode)


def test_other_photo_types_are_shown_as_carried() -> None:
    assert photo_file(b"RIFFxxxx", "image/webp") == (b"RIFFxxxx", "image/webp")
    assert photo_file(b"\x00\x00", "image/avif") == (b"\x00\x00", "image/avif")
    with pytest.raises(FormatError):
        photo_file(b"x", "image/jpeg")


def test_a_different_size_is_refused_with_its_size() -> None:
    thumb = Image.new("RGB", (64, 80), (120, 90, 60))
    with pytest.raises(FormatError, match="64×80, must be 72×96"):
        av1_from_avif(_encode(thumb, 50, 6, False))


def test_mutations_give_format_errors_or_a_valid_photo_never_a_crash() -> None:
    mv = make_vectors()
    rng = random.Random(14)
    base = mv.PHOTO_AV1
    refused = 0
    for _ in range(3000):
        data = bytearray(base)
        for _ in range(rng.randint(1, 3)):
            op = rng.random()
            pos = rng.randrange(len(data))
            if op < 0.6:
                data[pos] ^= 1 << rng.randrange(8)
            elif op < 0.8:
                del data[pos:]
            else:
                data.insert(pos, rng.randrange(256))
        try:
            avif_from_av1(bytes(data))
        except Error:
            refused += 1
    assert refused > 100


def test_bits_in_the_sequence_header_are_what_an_avif_repeats() -> None:
    mv = make_vectors()
    seq = check_av1(mv.PHOTO_AV1)
    assert (seq.color_primaries, seq.transfer, seq.matrix, seq.full_range) == (1, 13, 6, True)
    avif = avif_from_av1(mv.PHOTO_AV1)
    assert avif.startswith(b"\x00\x00\x00\x20ftypavif\x00\x00\x00\x00avifmif1miafMA1B")
    assert b"colrnclx\x00\x01\x00\x0d\x00\x06\x80" in avif
    grey = avif_from_av1(mv.PHOTO_AV1_GREY)
    assert b"MA1B" not in grey and b"pixi\x00\x00\x00\x00\x01\x08" in grey
