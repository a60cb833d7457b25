"""The photo pipeline: face crop, refusals with the right code, thumbnail budget, no disk."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np
import pytest
from PIL import Image

from tests.support.paths import FIXTURES
from tokenservice.issue import photo
from tokenservice.issue.photo import CropBox, PhotoError
from verifier.photo import avif_from_av1

# Where the astronaut's face is in astronaut.png (x, y, w, h), from the fixture itself.
ASTRONAUT_FACE = (177, 66, 95, 95)


def _bytes(img: Image.Image, fmt: str = "PNG", **kw: object) -> bytes:
    buf = io.BytesIO()
    img.save(buf, fmt, **kw)
    return buf.getvalue()


@pytest.fixture(scope="module")
def astronaut() -> Image.Image:
    return Image.open(FIXTURES / "astronaut.png").convert("RGB")


@pytest.fixture(scope="module")
def astronaut_png() -> bytes:
    return (FIXTURES / "astronaut.png").read_bytes()


def _contains(box: CropBox, inner: tuple[int, int, int, int]) -> bool:
    x, y, w, h = inner
    return box.x <= x and box.y <= y and box.x + box.w >= x + w and box.y + box.h >= y + h


def test_face_is_found_and_the_crop_contains_it(astronaut_png: bytes) -> None:
    portrait = photo.process(astronaut_png)
    assert portrait.face_found
    assert _contains(portrait.box, ASTRONAUT_FACE)
    assert abs(portrait.box.w * 4 - portrait.box.h * 3) <= 4  # passport 3:4
    assert Image.open(io.BytesIO(portrait.print_jpeg)).size == photo.PRINT_SIZE
    assert photo.suggest_crop(astronaut_png) == portrait.box


@pytest.mark.parametrize("name", ["chelsea.png", "coffee.png"])
def test_photo_without_a_human_face_is_refused_with_no_face(name: str) -> None:
    with pytest.raises(PhotoError) as exc:
        photo.process((FIXTURES / name).read_bytes())
    assert exc.value.code == "no_face"


def test_two_faces_side_by_side_are_refused_with_several_faces(astronaut: Image.Image) -> None:
    two = Image.new("RGB", (1024, 512))
    two.paste(astronaut, (0, 0))
    two.paste(astronaut, (512, 0))
    with pytest.raises(PhotoError) as exc:
        photo.process(_bytes(two))
    assert exc.value.code == "several_faces"


def test_manual_crop_makes_a_portrait_where_detection_refuses(astronaut: Image.Image) -> None:
    two = Image.new("RGB", (1024, 512))
    two.paste(astronaut, (0, 0))
    two.paste(astronaut, (512, 0))
    box = CropBox(512 + 135, 0, 183, 244)
    portrait = photo.process(_bytes(two), crop=box)
    assert portrait.box == box
    assert portrait.face_found
    assert len(portrait.thumbnail) <= photo.THUMBNAIL_MAX_BYTES


def test_manual_crop_on_a_large_photo_is_in_source_pixels(astronaut: Image.Image) -> None:
    # 3400 px: decoded at half scale internally, but the box stays in source pixels.
    big = _bytes(astronaut.resize((3400, 3400)), "JPEG", quality=90)
    box = CropBox(896, 0, 1215, 1620)
    portrait = photo.process(big, crop=box)
    assert portrait.box == box
    assert portrait.face_found
    auto = photo.process(big)
    assert _contains(auto.box, tuple(round(v * 3400 / 512) for v in ASTRONAUT_FACE))


def test_manual_crop_without_a_face_still_works_and_says_so() -> None:
    data = (FIXTURES / "coffee.png").read_bytes()
    portrait = photo.process(data, crop=CropBox(100, 20, 270, 360))
    assert not portrait.face_found
    assert portrait.box == CropBox(100, 20, 270, 360)


def test_manual_crop_of_the_wrong_aspect_is_trimmed_to_3_4(astronaut_png: bytes) -> None:
    portrait = photo.process(astronaut_png, crop=CropBox(100, 0, 300, 300))
    assert portrait.box == CropBox(100 + (300 - 225) // 2, 0, 225, 300)
    assert Image.open(io.BytesIO(portrait.print_jpeg)).size == photo.PRINT_SIZE


@pytest.mark.parametrize(
    ("box", "code"),
    [
        (CropBox(400, 0, 200, 266), "bad_crop"),  # runs off the right edge
        (CropBox(-1, 0, 90, 120), "bad_crop"),
        (CropBox(0, 0, 0, 120), "bad_crop"),
        (CropBox(10, 10, 30, 40), "too_small"),
    ],
)
def test_bad_manual_crops_are_refused(astronaut_png: bytes, box: CropBox, code: str) -> None:
    with pytest.raises(PhotoError) as exc:
        photo.process(astronaut_png, crop=box)
    assert exc.value.code == code


def test_exif_orientation_is_honoured(astronaut: Image.Image) -> None:
    # A wide upright frame, stored rotated as phones do, with Orientation=6 ("rotate
    # 90 degrees clockwise to display").
    upright = Image.new("RGB", (700, 512), (128, 128, 128))
    upright.paste(astronaut, (94, 0))
    stored = upright.rotate(90, expand=True)  # counter-clockwise: what the sensor saved
    exif = Image.Exif()
    exif[0x0112] = 6
    with_tag = _bytes(stored, "JPEG", quality=92, exif=exif.tobytes())
    assert photo.load(with_tag).size == (700, 512)
    portrait = photo.process(with_tag)
    assert _contains(portrait.box, (177 + 94, 66, 95, 95))
    # The same pixels without the tag show a sideways face, which is not found.
    with pytest.raises(PhotoError) as exc:
        photo.process(_bytes(stored, "JPEG", quality=92))
    assert exc.value.code == "no_face"


def test_truncated_jpeg_is_refused(astronaut: Image.Image) -> None:
    data = _bytes(astronaut, "JPEG", quality=90)
    with pytest.raises(PhotoError) as exc:
        photo.process(data[: len(data) // 2])
    assert exc.value.code == "truncated"


@pytest.mark.parametrize(
    ("data", "code"),
    [
        (b"", "empty"),
        (b"this is a text file, not a photo\n" * 50, "not_an_image"),
        (b"%PDF-1.7\n" + bytes(500), "not_an_image"),
    ],
)
def test_non_images_are_refused(data: bytes, code: str) -> None:
    with pytest.raises(PhotoError) as exc:
        photo.process(data)
    assert exc.value.code == code


def test_formats_outside_the_list_are_refused(astronaut: Image.Image) -> None:
    with pytest.raises(PhotoError) as exc:
        photo.process(_bytes(astronaut, "GIF"))
    assert exc.value.code == "not_an_image"


def _png_claiming(width: int, height: int) -> bytes:
    """A tiny valid-looking PNG whose header claims ``width`` x ``height``."""
    real = bytearray(_bytes(Image.new("L", (1, 1))))
    ihdr = struct.pack(">II", width, height) + bytes(real[24:29])
    real[16:29] = ihdr
    real[29:33] = struct.pack(">I", zlib.crc32(b"IHDR" + ihdr))
    return bytes(real)


def test_decompression_bomb_is_refused_before_decoding() -> None:
    with pytest.raises(PhotoError) as exc:
        photo.process(_png_claiming(30000, 30000))
    assert exc.value.code == "too_many_pixels"


def test_absurdly_long_thin_image_is_refused() -> None:
    with pytest.raises(PhotoError) as exc:
        photo.process(_png_claiming(20000, 2))
    assert exc.value.code == "too_many_pixels"


def test_oversized_upload_is_refused_before_parsing() -> None:
    data = b"\xff\xd8\xff" + bytes(photo.MAX_UPLOAD_BYTES)
    with pytest.raises(PhotoError) as exc:
        photo.process(data)
    assert exc.value.code == "too_large"


def test_upload_limit_is_configurable(astronaut_png: bytes) -> None:
    with pytest.raises(PhotoError) as exc:
        photo.process(astronaut_png, max_bytes=1000)
    assert exc.value.code == "too_large"


def test_a_webp_thumbnail_fits_its_budget_and_is_grayscale(astronaut_png: bytes) -> None:
    # The format passes were issued with before ADR 0018, kept for the benchmarks.
    portrait = photo.process(astronaut_png, thumbnail_format="WEBP", thumbnail_max_bytes=550)
    assert len(portrait.thumbnail) <= 550
    assert portrait.thumbnail_type == "image/webp"
    thumb = Image.open(io.BytesIO(portrait.thumbnail))
    assert thumb.format == "WEBP"
    assert thumb.width >= 72 and thumb.height >= 96
    rgb = np.asarray(thumb.convert("RGB"), dtype=np.int16)
    # WebP always stores chroma; a grayscale source leaves it flat (within rounding).
    assert np.abs(rgb[..., 0] - rgb[..., 1]).max() <= 3
    assert np.abs(rgb[..., 0] - rgb[..., 2]).max() <= 3


def test_avif_thumbnail_also_fits_the_budget(astronaut_png: bytes) -> None:
    portrait = photo.process(astronaut_png, thumbnail_format="AVIF", thumbnail_max_bytes=550)
    assert portrait.thumbnail_type == "image/avif"
    assert len(portrait.thumbnail) <= 550


def test_outputs_carry_no_metadata(astronaut: Image.Image) -> None:
    exif = Image.Exif()
    exif[0x010F] = "PhoneMaker"  # Make
    exif[0x9003] = "2026:01:02 03:04:05"  # DateTimeOriginal
    src = Image.open(FIXTURES / "astronaut.png")
    data = _bytes(
        astronaut,
        "JPEG",
        quality=92,
        exif=exif.tobytes(),
        icc_profile=src.info["icc_profile"],
        comment=b"holder: someone",
    )
    portrait = photo.process(data)
    # The av1 thumbnail is a bare bitstream: what a verifier shows is its rebuilt file.
    shown = avif_from_av1(portrait.thumbnail)
    for blob in (portrait.print_jpeg, shown):
        info = Image.open(io.BytesIO(blob)).info
        assert not {"exif", "icc_profile", "xmp", "comment"} & set(info)
        assert b"PhoneMaker" not in blob and b"someone" not in blob


def test_errors_and_reprs_never_carry_image_bytes(astronaut_png: bytes) -> None:
    portrait = photo.process(astronaut_png)
    assert "bytes" in repr(portrait) and len(repr(portrait)) < 300
    with pytest.raises(PhotoError) as exc:
        photo.process(astronaut_png[:2000])
    assert len(str(exc.value)) < 200 and str(exc.value).isascii()


def test_nothing_is_written_to_disk(astronaut_png: bytes, no_disk_writes: None) -> None:
    photo.process(astronaut_png)
    photo.process(astronaut_png, crop=CropBox(135, 0, 183, 244))
    with pytest.raises(PhotoError):
        photo.process((FIXTURES / "chelsea.png").read_bytes())


