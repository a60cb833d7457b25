"""Reading the QR code of a pass from a photo or scan of the card.

Uses zxing-cpp and Pillow, the optional ``verifier`` extra
(``pip install 'pas[verifier]'``); both are imported only when an image is read,
so the verifier core keeps working without them.

Nothing is kept: the image is read into memory, decoded and dropped.
"""

from __future__ import annotations

import io
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .errors import Error
from .format import QR_PREFIX

if TYPE_CHECKING:  # pragma: no cover
    from PIL import Image as PILImage

#: A phone photo is ~12–50 Mpx; refuse anything that would take minutes or gigabytes.
MAX_IMAGE_PIXELS = 80_000_000
MAX_IMAGE_BYTES = 64 * 1024 * 1024
#: Upscaled rescue variants stay below this many pixels on their shorter side.
_UPSCALE_LIMIT = 3000

_INSTALL_HINT = "install the verifier extra: pip install 'pas[verifier]'"


class ScanError(Error):
    """An image that cannot be read, or in which no QR code was found."""


class MissingDependency(ScanError):
    """zxing-cpp or Pillow is not installed."""


def _modules() -> tuple[Any, Any]:
    try:
        import zxingcpp
    except ImportError as exc:
        raise MissingDependency(
            f"reading a QR code from an image needs zxing-cpp ({_INSTALL_HINT})"
        ) from exc
    try:
        from PIL import Image
    except ImportError as exc:
        raise MissingDependency(
            f"reading a QR code from an image needs Pillow ({_INSTALL_HINT})"
        ) from exc
    return zxingcpp, Image


def load_image(data: bytes) -> PILImage.Image:
    """Decode PNG/JPEG/... bytes into an upright RGB or grayscale Pillow image."""
    _, Image = _modules()
    from PIL import ImageOps

    if len(data) > MAX_IMAGE_BYTES:
        raise ScanError(f"image file larger than {MAX_IMAGE_BYTES // (1024 * 1024)} MB")
    try:
        img: PILImage.Image = Image.open(io.BytesIO(data))
        width, height = img.size
        if width * height > MAX_IMAGE_PIXELS:
            raise ScanError(f"image has more than {MAX_IMAGE_PIXELS:,} pixels")
        img.load()
        img = ImageOps.exif_transpose(img) or img
    except ScanError:
        raise
    except Image.DecompressionBombError as exc:
        raise ScanError("image is too large to read") from exc
    except Exception as exc:  # Pillow raises many kinds for broken or odd files
        raise ScanError(f"not a readable image ({type(exc).__name__})") from exc
    if img.mode not in ("RGB", "L"):
        img = _flatten(img)
    return img


def _flatten(img: PILImage.Image) -> PILImage.Image:
    """RGB on a white background: a transparent PNG's QR must not vanish into black."""
    from PIL import Image

    if img.mode in ("RGBA", "LA", "PA") or (img.mode == "P" and "transparency" in img.info):
        rgba = img.convert("RGBA")
        background = Image.new("RGBA", rgba.size, (255, 255, 255, 255))
        return Image.alpha_composite(background, rgba).convert("RGB")
    return img.convert("RGB")


def _variants(img: PILImage.Image) -> Iterator[tuple[str, PILImage.Image, dict[str, Any]]]:
    """The image as-is, then rescue attempts, cheapest first.

    Upscaling followed by smoothing is what rescues blurred, noisy, low-resolution
    photos of a dense (version ~22) code; measured on rotated, blurred, noisy JPEGs.
    """
    zxingcpp, Image = _modules()
    from PIL import ImageFilter, ImageOps

    yield "as-is", img, {}
    gray = ImageOps.autocontrast(img.convert("L"), cutoff=1)
    yield "grayscale, autocontrast", gray, {}
    yield "median 3", gray.filter(ImageFilter.MedianFilter(3)), {}
    short = min(gray.size)
    recipes: list[tuple[int, ImageFilter.Filter | None]] = [
        (2, None),
        (2, ImageFilter.GaussianBlur(1.5)),
        (3, ImageFilter.GaussianBlur(2)),
        (3, ImageFilter.MedianFilter(5)),
        (4, ImageFilter.GaussianBlur(3)),
    ]
    cache: dict[int, PILImage.Image] = {}
    last: PILImage.Image | None = None
    for factor, smooth in recipes:
        if short * factor > _UPSCALE_LIMIT:
            continue
        if factor not in cache:
            cache.clear()
            cache[factor] = gray.resize(
                (gray.width * factor, gray.height * factor), Image.Resampling.LANCZOS
            )
        big = cache[factor]
        last = big if smooth is None else big.filter(smooth)
        yield f"upscaled x{factor} {smooth.__class__.__name__ if smooth else ''}", last, {}
    binarizer = getattr(zxingcpp, "Binarizer", None)
    if binarizer is not None:
        yield "global histogram", gray, {"binarizer": binarizer.GlobalHistogram}
        if last is not None:
            yield "upscaled, global histogram", last, {"binarizer": binarizer.GlobalHistogram}


def _qr_format(zxingcpp: Any) -> Any:
    fmt = getattr(zxingcpp, "BarcodeFormat", None)
    return getattr(fmt, "QRCode", None) if fmt is not None else None


def decode_texts(zxingcpp: Any, image: Any, options: dict[str, Any] | None = None,
                 found: list[str] | None = None) -> list[str]:
    """The distinct QR texts zxing-cpp reads in one image (an array), appended to
    ``found`` in the order read; ScanError if the decoder itself fails."""
    found = [] if found is None else found
    kwargs: dict[str, Any] = dict(options or {})
    fmt = _qr_format(zxingcpp)
    if fmt is not None:
        kwargs["formats"] = fmt
    try:
        results = zxingcpp.read_barcodes(image, **kwargs)
    except Exception as exc:  # the decoder must never crash the CLI
        raise ScanError(f"QR decoder failed ({type(exc).__name__})") from exc
    for result in results:
        text = getattr(result, "text", None)
        if isinstance(text, str) and text and text not in found:
            found.append(text)
    return found


def read_qr_texts(data: bytes, *, stop: Callable[[list[str]], bool] | None = None) -> list[str]:
    """Every distinct QR text found in an image, in the order found.

    Tries the image as-is first and falls back to grayscale, contrast-stretched,
    upscaled and filtered variants. ``stop`` (default: "a PAS1 code was found")
    ends the search early.
    """
    zxingcpp, _ = _modules()
    img = load_image(data)
    if stop is None:
        stop = _has_pass
    found: list[str] = []
    for _name, variant, options in _variants(img):
        decode_texts(zxingcpp, variant, options, found)
        if found and stop(found):
            break
    return found


def _has_pass(texts: list[str]) -> bool:
    return any(t.startswith(QR_PREFIX) for t in texts)


def pass_text_from_image(data: bytes) -> str:
    """The text of the one pass QR code in an image.

    Raises ScanError when the image is unreadable, holds no QR code, or holds
    QR codes of two different passes (photograph one card at a time: a verdict
    must never be about a card other than the one the user thinks it is).
    A QR code that is not a pass is returned as is, so that verification calls
    it MALFORMED rather than "nothing found".
    """
    texts = read_qr_texts(data)
    passes = [t for t in texts if t.startswith(QR_PREFIX)]
    if len(passes) > 1:
        raise ScanError(
            f"the image shows {len(passes)} different pass QR codes; photograph one card at a time"
        )
    if passes:
        return passes[0]
    if texts:
        return texts[0]
    raise ScanError("no QR code found in the image")


def pass_text_from_file(path: str | Path) -> str:
    """Like :func:`pass_text_from_image`, reading the image from a file."""
    try:
        with open(path, "rb") as f:
            data = f.read(MAX_IMAGE_BYTES + 1)
    except OSError as exc:
        raise ScanError(f"cannot read image {path}: {exc.strerror or exc}") from exc
    return pass_text_from_image(data)


__all__ = [
    "MissingDependency",
    "ScanError",
    "load_image",
    "pass_text_from_file",
    "pass_text_from_image",
    "read_qr_texts",
]
