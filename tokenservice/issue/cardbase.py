"""What every rendering of one card shares: its data, the checks of it, the QR and colours.

:func:`prepare` checks a :class:`CardData` and encodes its QR code once (the slowest
step); the card (:mod:`tokenservice.issue.card`), the receipt
(:mod:`tokenservice.issue.receipt`) and the phone pass (:mod:`tokenservice.issue.phonepass`)
draw from the :class:`Prepared` result. Nothing here touches the disk.
"""

from __future__ import annotations

import datetime
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

import segno
from fpdf import FPDF
from PIL import Image, UnidentifiedImageError

from tokenservice import texts
from tokenservice.errors import Error
from tokenservice.issue import typeface

__all__ = [
    "DARK",
    "EDGE",
    "EDGE_MM",
    "GREY",
    "MAX_HELP_CONTACTS",
    "MAX_QR_TEXT",
    "MAX_QR_VERSION",
    "MIN_MODULE_MM",
    "QR_ALPHABET",
    "QR_BORDER",
    "QR_ERROR",
    "Band",
    "CardData",
    "CardError",
    "Prepared",
    "band",
    "encode_qr",
    "module_mm",
    "new_pdf",
    "pdf_watermark",
    "prepare",
]

# --- Limits, defined once. ------------------------------------------------------------
# Error correction "m": measured in docs/card.md against "q" (bigger symbol, finer modules).
QR_ERROR: Final = "m"
QR_BORDER: Final = 4
# The token is base45: QR alphanumeric mode encodes it at 5.5 bits per character.
QR_ALPHABET: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
# A hard cap against nonsense; a pass is ~770 characters (av1 thumbnail, version 18-M),
# one issued with a WebP thumbnail before ADR 0018 ~1,070 (22-M).
MAX_QR_TEXT: Final = 2400  # a version-40-M alphanumeric QR holds 3391
# The card prints the QR, quiet zone included, card.QR_WIDTH_MM (46 mm) wide. A module
# must print at least MIN_MODULE_MM wide to scan at arm's length and in dim light
# (issue 14): at 46 mm that is version 18 (89 + 8 modules, 0.474 mm), which every pass
# with an av1 thumbnail of THUMBNAIL_MAX_BYTES (360) fits for category codes up to 14
# characters (docs/card.md). Checked by the tests on issued passes, not refused here:
# a card for an older WebP pass (22-M, 0.407 mm) still renders.
MIN_MODULE_MM: Final = 0.45
MAX_QR_VERSION: Final = 18
MAX_HELP_CONTACTS: Final = 4
_COLOR_RE: Final = re.compile(r"^#[0-9A-Fa-f]{6}$")

# --- Colours of the text and lines ----------------------------------------------------
DARK: Final = (30, 30, 30)
GREY: Final = (110, 110, 110)
#: The edge of a white (or near-white) category: visible on white card stock, but light
#: enough that it reads as a design line, not as a print fault.
EDGE: Final = (160, 160, 160)
EDGE_MM: Final = 0.2


class CardError(Error):
    """Input that cannot make a card. ``code`` names the field at fault."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


@dataclass(frozen=True, kw_only=True)
class CardData:
    """Everything printed on a card, its phone version and the receipt.

    ``category_color`` is "#RRGGBB"; ``portrait_jpeg`` is :attr:`Portrait.print_jpeg`;
    ``language`` is one of :data:`tokenservice.texts.worker.LANGUAGES`; ``help_contacts`` are
    (organisation, how to reach it) pairs, at most four. ``demo`` prints a watermark.
    """

    qr_text: str
    number: str
    valid_until: datetime.date
    issuer_name: str
    category_label: str
    category_color: str
    portrait_jpeg: bytes = field(repr=False)
    language: str
    help_contacts: Sequence[tuple[str, str]] = ()
    demo: bool = False
    logo_png: bytes | None = field(default=None, repr=False)
    #: Public address of /mijn-pas, printed on the receipt next to her personal code.
    mijnpas_url: str | None = None

    def __repr__(self) -> str:  # no QR text (it carries the signed thumbnail) in logs
        return (
            f"CardData(number={self.number!r}, valid_until={self.valid_until}, "
            f"issuer_name={self.issuer_name!r}, category_label={self.category_label!r}, "
            f"language={self.language!r}, demo={self.demo})"
        )


@dataclass(frozen=True)
class Band:
    """The category colour as printed: the band, the chip and the strip."""

    rgb: tuple[int, int, int]
    #: Black on a light colour, white on a dark one.
    text_rgb: tuple[int, int, int]
    #: White-ish: needs an outline to read as a band.
    is_light: bool


def band(color: str) -> Band:
    """The :class:`Band` of a "#RRGGBB" category colour (checked by :func:`prepare`)."""
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    return Band(
        rgb=(r, g, b),
        text_rgb=(0, 0, 0) if luminance > 150 else (255, 255, 255),
        is_light=luminance > 235,
    )


def module_mm(qr: segno.QRCode, width_mm: float) -> float:
    """The printed width of one module of ``qr`` drawn ``width_mm`` wide, quiet zone included."""
    return width_mm / int(qr.symbol_size(border=QR_BORDER)[0])


def encode_qr(qr_text: str) -> tuple[segno.QRCode, bytes]:
    """The pass's QR symbol, and it as a PNG at 1 px per module, quiet zone included."""
    qr = segno.make_qr(qr_text, error=QR_ERROR, mode="alphanumeric", boost_error=False)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=1, border=QR_BORDER)
    return qr, buf.getvalue()


@dataclass(frozen=True)
class Prepared:
    """A checked :class:`CardData` with its QR encoded, ready to draw."""

    data: CardData
    qr: segno.QRCode
    qr_png: bytes  # 1 px per module, quiet zone included
    band: Band


def prepare(data: CardData) -> Prepared:
    """Check ``data`` and encode its QR once. Raises :class:`CardError`."""
    if data.language not in texts.LANGUAGES:
        raise CardError("language", f"unknown language {data.language!r}")
    if not _COLOR_RE.match(data.category_color):
        raise CardError("category_color", "category colour must be #RRGGBB")
    if not data.number.strip():
        raise CardError("number", "pass number is empty")
    if not data.qr_text or len(data.qr_text) > MAX_QR_TEXT:
        raise CardError("qr_text", f"QR text must be 1..{MAX_QR_TEXT} characters")
    if not set(data.qr_text) <= QR_ALPHABET:
        # Lower case or bytes outside base45 would push the QR into byte mode (+45% size).
        raise CardError("qr_text", "QR text must use the QR alphanumeric alphabet only")
    if len(data.help_contacts) > MAX_HELP_CONTACTS:
        raise CardError("help_contacts", f"at most {MAX_HELP_CONTACTS} help contacts fit")
    try:
        with Image.open(io.BytesIO(data.portrait_jpeg), formats=("JPEG",)) as im:
            im.verify()
    except (UnidentifiedImageError, OSError, SyntaxError) as exc:
        raise CardError("portrait_jpeg", "portrait is not a JPEG") from exc
    qr, qr_png = encode_qr(data.qr_text)
    return Prepared(data=data, qr=qr, qr_png=qr_png, band=band(data.category_color))


# --- PDF ------------------------------------------------------------------------------


def new_pdf(size_mm: tuple[float, float], language: str | None = None) -> FPDF:
    """An empty PDF of one page size in mm, no margins, with the typeface registered.

    ``language``: the language of her texts in it, which chooses the fallback font for Thai
    and Chinese (:func:`tokenservice.issue.typeface.add_to`).
    """
    w, h = size_mm
    pdf = FPDF(orientation="L" if w > h else "P", unit="mm", format=(min(w, h), max(w, h)))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    typeface.add_to(pdf, language)
    pdf.set_creator("pas")
    pdf.set_producer("pas")
    return pdf


def pdf_watermark(pdf: FPDF, x: float, y: float, w: float, h: float) -> None:
    """The demo watermark (:data:`tokenservice.texts.DEMO_WATERMARK`) across the box."""
    angle = math.degrees(math.atan2(h, w))
    pdf.set_font(typeface.FAMILY, "B", 1)
    size = 0.8 * math.hypot(w, h) / max(pdf.get_string_width(texts.DEMO_WATERMARK), 1e-6)
    pdf.set_font(typeface.FAMILY, "B", size)
    tw = pdf.get_string_width(texts.DEMO_WATERMARK)
    cx, cy = x + w / 2, y + h / 2
    with pdf.local_context(fill_opacity=0.45, text_color=(200, 0, 0)):
        with pdf.rotation(angle, cx, cy):
            pdf.text(cx - tw / 2, cy + size * 0.35 / 2.83465, texts.DEMO_WATERMARK)
