"""The photo pipeline: a camera frame or upload in, a card portrait and a signed thumbnail out.

Everything happens in memory. Image bytes are never written to disk, to a temporary
file, to a log or into an error message: the photo is not registered or stored.

    portrait = process(data)                      # face detection picks the crop
    portrait = process(data, crop=CropBox(...))   # the official's box from the browser

Raises :class:`PhotoError` with a stable ``code`` (see ``CODES``) for anything that is
not a usable photo.
"""

from __future__ import annotations

import io
import math
import threading
import warnings
from dataclasses import dataclass
from typing import Any, Final

import cv2
import numpy as np
from PIL import Image, ImageFile, ImageOps, UnidentifiedImageError, features

from tokenservice.errors import Error
from verifier.photo import PHOTO_TYPE_AV1, av1_from_avif

__all__ = [
    "CODES",
    "MAX_IMAGE_PIXELS",
    "MAX_SIDE",
    "MAX_UPLOAD_BYTES",
    "PRINT_SIZE",
    "THUMBNAIL_CROP",
    "THUMBNAIL_MAX_BYTES",
    "THUMBNAIL_SIZE",
    "THUMBNAIL_SPEED",
    "CropBox",
    "PhotoError",
    "Portrait",
    "detect_faces",
    "load",
    "process",
    "suggest_crop",
]

# --- Limits (DoS and format budget), defined once. -----------------------------------
MAX_UPLOAD_BYTES: Final = 10 * 1024 * 1024
# A 50-megapixel phone photo is the largest honest input; more is a bomb or a mistake.
MAX_IMAGE_PIXELS: Final = 64_000_000
MAX_SIDE: Final = 12_000
# The portrait printed on the card face (3:4, ~300 dpi at the 21 x 28 mm print size).
PRINT_SIZE: Final = (600, 800)
PRINT_JPEG_QUALITY: Final = 88
# The thumbnail signed into the QR (ADR 0018): colour AV1 4:2:0, 72x96, carried as the bare
# bitstream (pt "av1", docs/token-format.md 6.1), at most this many bytes of it: the pass
# then fits QR version 18-M for every category code up to 14 characters.
THUMBNAIL_SIZE: Final = (72, 96)
THUMBNAIL_MAX_BYTES: Final = 360
# The thumbnail's crop is the portrait's scaled by this around the face (tighter: the face
# fills more of the 72x96 pixels); the printed portrait keeps the passport crop. 0.70 since
# the HOG detector (ADR 0018, "The crop re-chosen for the HOG box"): bench_face.py --only
# "colour speed 2 crop tight" gives median dlib distance 0.500 at 350 bytes and 0.473 at 370
# (p90 0.590/0.564, < 0.6 in 95 %/100 %, paired vs the WebP thumbnail from the same portrait
# crop -0.012/-0.047; that WebP: 0.523, p90 0.614, 85 %), against 0.552/0.545 (+0.028/+0.025)
# at 0.85. 0.65 scored better still but cuts more of the head and ears than a person checking
# the pass should lose; dlib's descriptor only sees the inner face.
THUMBNAIL_CROP: Final = 0.70
# libaom speed (0 slowest/best .. 10): 2 gave the most recognisable faces per byte (ADR 0018).
THUMBNAIL_SPEED: Final = 2
# Where the face centre sits in a portrait crop, as a share of its height from the top
# (_portrait_box: the face box's top at 0.28, its centre half a face height (1/2.3) lower).
_FACE_CENTRE_Y: Final = 0.28 + 0.5 / 2.3
# Large JPEGs are decoded at a reduced scale, at least this long on their long side.
DECODE_SIDE: Final = 1600
_EXIF_ORIENTATION: Final = 0x0112
# Smallest crop we accept: below the thumbnail size nobody could recognise a face.
MIN_CROP: Final = THUMBNAIL_SIZE
# Input formats we parse at all; each extra decoder is attack surface (no EPS, no TIFF).
INPUT_FORMATS: Final = ("JPEG", "PNG", "WEBP")

# Pillow's own bomb guard, set explicitly: over this it warns, over twice this it raises.
# We turn the warning into an error as well (see _open) and check the size ourselves.
Image.MAX_IMAGE_PIXELS = MAX_IMAGE_PIXELS

CODES: Final = {
    "empty": "The upload is empty.",
    "too_large": "The file is larger than the upload limit.",
    "not_an_image": "This is not a JPEG, PNG or WebP photo.",
    "truncated": "The photo file is damaged or incomplete.",
    "too_many_pixels": "The photo has absurd dimensions.",
    "too_small": "The photo or the chosen crop is too small for a recognisable portrait.",
    "bad_crop": "The crop box lies outside the photo.",
    "no_face": "No face was found; adjust the crop by hand.",
    "several_faces": "More than one face was found; adjust the crop by hand.",
}


class PhotoError(Error):
    """A photo that cannot become a portrait. ``code`` is one of ``CODES``.

    The message is fixed per code: it never contains bytes or details of the photo.
    """

    def __init__(self, code: str, detail: str = "") -> None:
        if code not in CODES:
            raise ValueError(f"unknown photo error code {code!r}")
        self.code = code
        message = CODES[code] + (f" ({detail})" if detail else "")
        super().__init__(message)


@dataclass(frozen=True)
class CropBox:
    """A rectangle in source pixels, after EXIF orientation is applied.

    That is the orientation a browser shows the photo in, so a box drawn there by the
    official can be passed back unchanged.
    """

    x: int
    y: int
    w: int
    h: int

    def as_tuple(self) -> tuple[int, int, int, int]:
        return (self.x, self.y, self.w, self.h)


@dataclass(frozen=True)
class Portrait:
    """The two outputs of one crop.

    ``print_jpeg`` is the colour portrait for the card face (JPEG, ``PRINT_SIZE``, no
    metadata). ``thumbnail`` is the image signed into the QR, at most
    ``THUMBNAIL_MAX_BYTES``; ``thumbnail_type`` is its ``pt``: ``"av1"`` (a bare AV1
    bitstream, docs/token-format.md 6.1) unless a benchmark asked for a file type.
    """

    print_jpeg: bytes
    thumbnail: bytes
    thumbnail_type: str
    face_found: bool
    box: CropBox

    def __repr__(self) -> str:  # never dump image bytes into a log line or traceback
        return (
            f"Portrait(print_jpeg=<{len(self.print_jpeg)} bytes>, "
            f"thumbnail=<{len(self.thumbnail)} bytes {self.thumbnail_type}>, "
            f"face_found={self.face_found}, box={self.box})"
        )


# --- Loading -------------------------------------------------------------------------


@dataclass(frozen=True)
class _Loaded:
    image: Image.Image  # upright RGB, possibly decoded at a reduced scale
    width: int  # source size in display orientation, the space CropBox lives in
    height: int

    @property
    def scale(self) -> float:
        return self.image.width / self.width


def load(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> Image.Image:
    """Decode an upload into a full-size RGB image in display orientation (EXIF applied).

    The returned image carries no metadata. Raises :class:`PhotoError` (``empty``,
    ``too_large``, ``not_an_image``, ``truncated``, ``too_many_pixels``).
    """
    return _clean(_load(data, max_bytes=max_bytes, reduce=False).image)


#: Signatures of other file types that make an upload a polyglot when found after the image.
_FOREIGN = (b"PK\x03\x04", b"<html", b"<script", b"<?php", b"%PDF", b"<svg", b"<!doctype")
_PNG_END = b"\x00\x00\x00\x00IEND\xaeB`\x82"


def _polyglot(data: bytes) -> bool:
    """True when an upload carries another file after the image (ZIP, HTML, PDF, ...).

    PNG and WebP must end where their own structure ends. JPEG may not: phones append
    trailers and secondary images (MPF, gain maps) after the first EOI, so there only
    foreign signatures count; refusing every trailer would turn away real photos.
    """
    if data.startswith(b"\x89PNG"):
        end = data.find(_PNG_END)
        return end >= 0 and end + len(_PNG_END) != len(data)
    if data[:4] == b"RIFF" and data[8:12] == b"WEBP":
        return int.from_bytes(data[4:8], "little") + 8 != len(data)
    if data[:2] == b"\xff\xd8":
        eoi = _jpeg_end(data)
        tail = data[eoi:].lower() if eoi is not None else b""
        return any(sig.lower() in tail for sig in _FOREIGN)
    return False


def _jpeg_end(data: bytes) -> int | None:
    """Offset just after the first image's EOI, walking the segments (an EXIF thumbnail
    inside APP1 has an EOI of its own, so a plain search would stop too early)."""
    pos, n = 2, len(data)
    while pos + 2 <= n:
        if data[pos] != 0xFF:
            return None
        marker = data[pos + 1]
        if marker == 0xD9:
            return pos + 2
        if marker == 0xFF:  # fill byte
            pos += 1
            continue
        if 0xD0 <= marker <= 0xD7 or marker == 0x01:
            pos += 2
            continue
        if pos + 4 > n:
            return None
        pos += 2 + int.from_bytes(data[pos + 2 : pos + 4], "big")
        if marker == 0xDA:  # entropy-coded data runs to the next real marker
            while True:
                pos = data.find(b"\xff", pos)
                if pos < 0 or pos + 1 >= n:
                    return None
                following = data[pos + 1]
                if following == 0x00 or 0xD0 <= following <= 0xD7:
                    pos += 2
                    continue
                break
    return None


def _load(data: bytes, *, max_bytes: int, reduce: bool = True) -> _Loaded:
    if not data:
        raise PhotoError("empty")
    if len(data) > max_bytes:
        raise PhotoError("too_large", f"limit {max_bytes} bytes")
    if _polyglot(data):
        raise PhotoError("not_an_image", "another file is appended to the image")
    if ImageFile.LOAD_TRUNCATED_IMAGES:  # a global someone may have flipped; fail closed
        raise RuntimeError("PIL.ImageFile.LOAD_TRUNCATED_IMAGES must stay False")
    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        try:
            with Image.open(io.BytesIO(data), formats=INPUT_FORMATS) as img:
                w, h = img.size
                if w <= 0 or h <= 0 or w > MAX_SIDE or h > MAX_SIDE or w * h > MAX_IMAGE_PIXELS:
                    raise PhotoError("too_many_pixels", f"{w}x{h}")
                # Only the orientation tag is read from the metadata; nothing is kept.
                swapped = img.getexif().get(_EXIF_ORIENTATION, 1) in (5, 6, 7, 8)
                if reduce and max(w, h) > DECODE_SIDE:
                    # libjpeg decodes at 1/2, 1/4 or 1/8 directly: a 12 MP photo in a
                    # quarter of the time, still >= DECODE_SIDE px, plenty for 600x800.
                    k = DECODE_SIDE / max(w, h)
                    img.draft("RGB", (math.ceil(w * k), math.ceil(h * k)))
                img.load()
                rgb = img if img.mode == "RGB" else img.convert("RGB")
                ImageOps.exif_transpose(rgb, in_place=True)
        except PhotoError:
            raise
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise PhotoError("too_many_pixels") from None
        except UnidentifiedImageError:
            raise PhotoError("not_an_image") from None
        except (OSError, SyntaxError, ValueError, EOFError) as exc:
            # Pillow reports a cut-off stream as OSError("image file is truncated") or
            # a broken zlib/libjpeg stream; the exception text holds no image bytes.
            raise PhotoError("truncated") from exc
    disp_w, disp_h = (h, w) if swapped else (w, h)
    # Not cleaned here (a full-size copy is slow); every output is cleaned before encoding.
    return _Loaded(rgb, disp_w, disp_h)


def _clean(img: Image.Image) -> Image.Image:
    """A copy without info/ICC/EXIF, so no encoder can carry metadata along."""
    return Image.frombytes(img.mode, img.size, img.tobytes())


# --- Face detection ------------------------------------------------------------------

# dlib's HOG face detector (``get_frontal_face_detector``: five HOG filters, frontal and
# turned a little) is compiled into the dlib-bin wheel (Boost licence): no model file, no
# download. It replaced OpenCV's Haar cascade (ADR 0018 point 6): 66/70 bench cases against
# 41/70, the darker-skinned subject 30/30 against 14/30, faces tilted 30 degrees 13/14
# against 4/14.
_DETECT_SIDE: Final = 480  # detect on a downscaled copy: fast and just as good for a portrait
# A detection counts from this HOG score up (dlib's default is 0). Real faces in the bench
# score 0.9-2.2 upright; the astronaut's suit patch scores 0.06 and would be a second face.
_HOG_THRESHOLD: Final = 0.2
# Passes, tried in order until one finds a face: upright with one pyramid upsampling (faces
# from ~40 px of the 480), then copies turned 30 degrees either way (HOG's filters stop at
# ~20-25 degrees of tilt), then upright upsampled twice (faces from ~20 px: far from the
# camera). Each tuple is (degrees counter-clockwise, upsampling); a photo with a face found
# upright costs one pass, a photo without a face all four (~7 times the first one).
_PASSES: Final = (((0.0, 1),), ((30.0, 1), (-30.0, 1)), ((0.0, 2),))
# The portrait rule (_portrait_box) was drawn for the Haar box, which runs from mid-forehead
# to the chin; dlib's square box is a little smaller and sits lower (brows to below the
# chin). Measured on the bench's 5 photos and their mirror images (Haar box / dlib box):
# width x1.06, centre 0.09 of dlib's width higher. The printed crop stays what it was. Both
# move the printed portrait as well as the thumbnail, so they stay; the thumbnail's zoom is
# THUMBNAIL_CROP's. Raise 0.05 or 0.13 (with THUMBNAIL_CROP 0.70) gave the thumbnail medians
# of 0.482/0.463 and 0.451/0.476 at 350/370 bytes against 0.500/0.473 (inconsistent across
# budgets, mostly within the corpus's wobble) and made the WebP from the printed crop worse
# (p90 0.652 and 0.689 against 0.614): not worth moving the print for.
_HOG_TO_FACE_SCALE: Final = 1.06
_HOG_TO_FACE_RAISE: Final = 0.09
# dlib's object detectors keep the image they scan in themselves: one call at a time. The
# detector takes ~0.7 s to build (it unpacks its filters), so it is built once per process,
# on first use, and shared under a lock (intakes are minutes apart; a call is ~50 ms).
_hog_lock = threading.Lock()
_hog_detector: Any = None


def _hog_run(image: np.ndarray, upsample: int) -> tuple[list[Any], list[float]]:
    """dlib's ``run``: the rectangles and scores at or above ``_HOG_THRESHOLD``."""
    global _hog_detector
    with _hog_lock:
        if _hog_detector is None:
            import dlib  # the dlib-bin wheel

            _hog_detector = dlib.get_frontal_face_detector()
        rects, scores, _ = _hog_detector.run(image, upsample, _HOG_THRESHOLD)
    return list(rects), list(scores)


def _hog_faces(rgb: np.ndarray, angle: float, upsample: int) -> list[tuple[float, float, float]]:
    """Faces in ``rgb`` turned by ``angle`` degrees as (centre x, centre y, width) of the
    Haar-style face box in ``rgb``'s own pixels, best score first."""
    h, w = rgb.shape[:2]
    if angle:
        turn = cv2.getRotationMatrix2D((w / 2, h / 2), angle, 1.0)
        image = cv2.warpAffine(
            rgb, turn, (w, h), flags=cv2.INTER_LINEAR, borderMode=cv2.BORDER_REPLICATE
        )
        back = cv2.invertAffineTransform(turn)
    else:
        image, back = rgb, None
    rects, scores = _hog_run(image, upsample)
    out = []
    for r, _score in sorted(zip(rects, scores, strict=True), key=lambda rs: -rs[1]):
        side = float(r.right() - r.left() + 1)
        x = (r.left() + r.right()) / 2
        y = (r.top() + r.bottom()) / 2 - _HOG_TO_FACE_RAISE * side  # "up" in the turned copy
        if back is not None:
            x, y = (
                back[0, 0] * x + back[0, 1] * y + back[0, 2],
                back[1, 0] * x + back[1, 1] * y + back[1, 2],
            )
        out.append((float(x), float(y), side * _HOG_TO_FACE_SCALE))
    return out


def detect_faces(img: Image.Image) -> list[CropBox]:
    """Boxes of the faces in ``img`` (source pixels), largest first.

    Square boxes, mid-forehead to chin, centred on the face (also for a tilted face, found
    in a turned copy). Faces much smaller than the largest one (under half its width: a
    poster, a face in the background, or a false positive) are left out.
    """
    scale = min(1.0, _DETECT_SIDE / max(img.size))
    small = (
        img
        if scale == 1.0
        else img.resize(
            (max(1, round(img.width * scale)), max(1, round(img.height * scale))),
            Image.Resampling.BILINEAR,
        )
    )
    rgb = np.ascontiguousarray(np.asarray(small.convert("RGB")))
    found: list[tuple[float, float, float]] = []
    for passes in _PASSES:
        for angle, upsample in passes:
            for x, y, side in _hog_faces(rgb, angle, upsample):
                # The same face found in both turned copies (tilted ~15 degrees) is one face.
                if all(abs(x - fx) > fs / 2 or abs(y - fy) > fs / 2 for fx, fy, fs in found):
                    found.append((x, y, side))
        if found:
            break
    boxes = [
        CropBox(
            round((x - side / 2) / scale),
            round((y - side / 2) / scale),
            round(side / scale),
            round(side / scale),
        )
        for x, y, side in found
    ]
    boxes.sort(key=lambda b: b.w * b.h, reverse=True)
    if boxes:
        boxes = [b for b in boxes if b.w >= boxes[0].w * 0.5]
    return boxes


def _portrait_box(face: CropBox, width: int, height: int) -> CropBox:
    """A 3:4 passport-style crop around a detected face, kept inside the image.

    The face box runs from mid-forehead to the chin (detect_faces); the crop adds room
    above the hair and down to the shoulders, with the face centred horizontally.
    """
    crop_h = face.h * 2.3
    crop_w = crop_h * 3 / 4
    if crop_w > width or crop_h > height:  # face fills the frame: take what there is
        fit = min(width / crop_w, height / crop_h)
        crop_w, crop_h = crop_w * fit, crop_h * fit
    cx = face.x + face.w / 2
    top = face.y - crop_h * 0.28
    left = cx - crop_w / 2
    left = min(max(0.0, left), width - crop_w)
    top = min(max(0.0, top), height - crop_h)
    return CropBox(round(left), round(top), round(crop_w), round(crop_h))


def suggest_crop(data: bytes, *, max_bytes: int = MAX_UPLOAD_BYTES) -> CropBox:
    """The crop :func:`process` would choose, for the browser to show and adjust.

    Raises :class:`PhotoError` (``no_face``, ``several_faces`` and the :func:`load` codes).
    """
    loaded = _load(data, max_bytes=max_bytes)
    return _to_source(_auto_box(loaded.image), loaded)


def _auto_box(img: Image.Image) -> CropBox:
    faces = detect_faces(img)
    if not faces:
        raise PhotoError("no_face")
    if len(faces) > 1:
        raise PhotoError("several_faces", f"{len(faces)} faces")
    return _portrait_box(faces[0], img.width, img.height)


def _to_source(box: CropBox, loaded: _Loaded) -> CropBox:
    """A box on the (possibly reduced) decoded image, in source pixels."""
    k = 1 / loaded.scale
    x, y = round(box.x * k), round(box.y * k)
    return CropBox(
        x, y, min(round(box.w * k), loaded.width - x), min(round(box.h * k), loaded.height - y)
    )


def _to_decoded(box: CropBox, loaded: _Loaded) -> CropBox:
    k = loaded.scale
    x, y = round(box.x * k), round(box.y * k)
    return CropBox(
        x,
        y,
        max(1, min(round(box.w * k), loaded.image.width - x)),
        max(1, min(round(box.h * k), loaded.image.height - y)),
    )


# --- Encoding ------------------------------------------------------------------------


#: Thumbnail formats: (Pillow format, pt). "AV1" is what passes are issued with (ADR 0018);
#: the file formats are kept for benchmarks that compare with earlier passes.
_THUMBNAIL_TYPES: Final = {
    "AV1": ("AVIF", PHOTO_TYPE_AV1),
    "AVIF": ("AVIF", "image/avif"),
    "WEBP": ("WEBP", "image/webp"),
}


def _thumbnail_format() -> tuple[str, str]:
    if features.check("avif"):
        return ("AV1", PHOTO_TYPE_AV1)
    raise RuntimeError("Pillow was built without AVIF support (libavif with libaom)")


def _encode_thumbnail(img: Image.Image, fmt: str, budget: int) -> bytes:
    """Binary-search the highest quality whose output fits ``budget`` bytes.

    ``fmt`` "AV1": colour 4:2:0 (or 4:0:0 for a grey image) AVIF at ``THUMBNAIL_SPEED``,
    stripped to its bitstream (sequence header + frame OBU), which is what is measured and
    returned. "AVIF"/"WEBP": the whole file (grey 4:0:0 AVIF at speed 6, WebP method 6).
    """

    def enc(q: int) -> bytes:
        buf = io.BytesIO()
        if fmt == "AV1":
            sub = "4:0:0" if img.mode == "L" else "4:2:0"
            img.save(buf, "AVIF", quality=q, subsampling=sub, speed=THUMBNAIL_SPEED)
            return av1_from_avif(buf.getvalue())
        if fmt == "AVIF":
            img.save(buf, "AVIF", quality=q, subsampling="4:0:0", speed=6)
        else:
            img.save(buf, "WEBP", quality=q, method=6)
        return buf.getvalue()

    # Quality 0 is encoded only when nothing above it fits: the same answer as probing it
    # first, one encode fewer in the usual case (a libaom encode at speed 2 is the cost).
    lo, hi = 0, 100
    best = b""
    while lo < hi:
        mid = (lo + hi + 1) // 2
        out = enc(mid)
        if len(out) <= budget:
            lo, best = mid, out
        else:
            hi = mid - 1
    if not best:
        best = enc(0)
        if len(best) > budget:
            raise PhotoError("too_small", "thumbnail does not fit its byte budget")
    return best


def _encode_print(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    # No exif/icc arguments and a metadata-free source image: the JPEG carries none.
    img.save(buf, "JPEG", quality=PRINT_JPEG_QUALITY, optimize=True, subsampling="4:2:0")
    return buf.getvalue()


def process(
    data: bytes,
    *,
    crop: CropBox | None = None,
    max_bytes: int = MAX_UPLOAD_BYTES,
    thumbnail_max_bytes: int = THUMBNAIL_MAX_BYTES,
    thumbnail_format: str | None = None,
) -> Portrait:
    """Turn a camera frame or upload into a :class:`Portrait`.

    Without ``crop`` the face is detected and a 3:4 portrait cropped around it; with
    ``crop`` (source pixels, EXIF orientation applied) that box is used as given and
    face detection only sets ``face_found``. The thumbnail is cut from the same box
    scaled by ``THUMBNAIL_CROP`` around where the face sits in it. ``thumbnail_format``
    ("AV1", the default; "WEBP" or "AVIF" files, grey, from the portrait's own crop, as
    passes were issued before ADR 0018) is for benchmarks.

    Raises :class:`PhotoError`: the :func:`load` codes, ``no_face``/``several_faces``
    (automatic crop only), ``bad_crop``, ``too_small``.
    """
    loaded = _load(data, max_bytes=max_bytes)
    img = loaded.image
    if crop is None:
        box = _check_crop(_to_source(_auto_box(img), loaded), loaded.width, loaded.height)
        face_found = True
    else:
        box = _to_portrait_aspect(_check_crop(crop, loaded.width, loaded.height))
    cut = img.crop(_corners(_to_decoded(box, loaded)))
    if crop is not None:
        face_found = bool(detect_faces(cut))
    print_img = _clean(cut.resize(PRINT_SIZE, Image.Resampling.LANCZOS, reducing_gap=3.0))
    if thumbnail_format is None:
        fmt, media_type = _thumbnail_format()
    else:
        fmt = thumbnail_format.upper()
        media_type = _THUMBNAIL_TYPES[fmt][1]
    if fmt == "AV1":
        # A tighter crop of the same photo, at print size first (a clean 3:4 source, the
        # same resampling as the portrait), then 72x96 with the contrast stretched on luma.
        tight = _to_decoded(_tight_box(box, loaded.width, loaded.height), loaded)
        source = _clean(
            img.crop(_corners(tight)).resize(PRINT_SIZE, Image.Resampling.LANCZOS, reducing_gap=3.0)
        )
        small = _autocontrast_luma(source.resize(THUMBNAIL_SIZE, Image.Resampling.LANCZOS))
    else:
        # The thumbnail is made from the print-size image, a clean 3:4 source.
        small = print_img.convert("L").resize(THUMBNAIL_SIZE, Image.Resampling.LANCZOS)
        small = ImageOps.autocontrast(small, cutoff=1)
    return Portrait(
        print_jpeg=_encode_print(print_img),
        thumbnail=_encode_thumbnail(small, fmt, thumbnail_max_bytes),
        thumbnail_type=media_type,
        face_found=face_found,
        box=box,
    )


def _tight_box(box: CropBox, width: int, height: int) -> CropBox:
    """``box`` scaled by ``THUMBNAIL_CROP`` around the point where a portrait crop puts
    the face centre (horizontally centred, ``_FACE_CENTRE_Y`` down), kept in the image."""
    w, h = box.w * THUMBNAIL_CROP, box.h * THUMBNAIL_CROP
    cx, cy = box.x + box.w / 2, box.y + box.h * _FACE_CENTRE_Y
    left = min(max(0.0, cx - w / 2), width - w)
    top = min(max(0.0, cy - _FACE_CENTRE_Y * h), height - h)
    return CropBox(round(left), round(top), max(1, round(w)), max(1, round(h)))


def _autocontrast_luma(img: Image.Image) -> Image.Image:
    """Stretch the contrast of the luma only (1 % cut-off), keeping the colours."""
    y, cb, cr = img.convert("YCbCr").split()
    y = ImageOps.autocontrast(y, cutoff=1)
    return Image.merge("YCbCr", (y, cb, cr)).convert("RGB")


def _corners(box: CropBox) -> tuple[int, int, int, int]:
    return (box.x, box.y, box.x + box.w, box.y + box.h)


def _to_portrait_aspect(box: CropBox) -> CropBox:
    """Trim a hand-drawn box to 3:4 around its centre, so the portrait is not stretched."""
    if box.w * 4 > box.h * 3:  # too wide
        w = box.h * 3 // 4
        return CropBox(box.x + (box.w - w) // 2, box.y, w, box.h)
    h = box.w * 4 // 3
    return CropBox(box.x, box.y + (box.h - h) // 2, box.w, h)


def _check_crop(crop: CropBox, width: int, height: int) -> CropBox:
    if crop.w <= 0 or crop.h <= 0 or crop.x < 0 or crop.y < 0:
        raise PhotoError("bad_crop")
    if crop.x + crop.w > width or crop.y + crop.h > height:
        raise PhotoError("bad_crop", f"photo is {width}x{height}")
    if crop.w < MIN_CROP[0] or crop.h < MIN_CROP[1]:
        raise PhotoError("too_small", f"crop at least {MIN_CROP[0]}x{MIN_CROP[1]}")
    return crop
