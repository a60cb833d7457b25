"""The card renderer: the pass as an ID-1 PDF, an A4 print sheet, a phone PNG, and a receipt.

All output is returned as bytes; nothing touches the disk. The card front carries only
the portrait, the category band, the pass number, "geldig tot <date>" and the issuer:
no name, no birth date, no word that outs the holder. The back carries the QR code, the
line that the card is not an identity document, and the help contacts in the worker's
language (texts live in :mod:`tokenservice.texts.worker`).

    pdf = card_pdf(data)            # 2 pages, 85.60 x 53.98 mm
    png = digital_pass_png(data)    # for the worker's phone
    out = render(data)              # all four, QR encoded once

Raises :class:`CardError` for input that cannot make a card.
"""

from __future__ import annotations

import datetime
import io
import math
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from importlib import resources
from typing import Final

import segno
from fpdf import FPDF
from PIL import Image, ImageDraw, ImageFont, UnidentifiedImageError

from tokenservice import texts
from tokenservice.errors import Error

__all__ = [
    "A4_MM",
    "A6_MM",
    "ID1_MM",
    "OUTPUTS",
    "QR_ALPHABET",
    "QR_ERROR",
    "QR_WIDTH_MM",
    "CardData",
    "CardError",
    "CardOutputs",
    "card_pdf",
    "digital_pass_png",
    "receipt_pdf",
    "render",
    "sheet_pdf",
]

# --- Sizes and limits, defined once. --------------------------------------------------
ID1_MM: Final = (85.60, 53.98)  # ISO/IEC 7810 ID-1, landscape
A4_MM: Final = (210.0, 297.0)
A6_MM: Final = (105.0, 148.0)
# QR width including its 4-module quiet zone; must stay >= 35 mm (brief) and fit the back.
QR_WIDTH_MM: Final = 46.0
# Error correction "m": measured in docs/card.md against "q" (bigger symbol, finer modules).
QR_ERROR: Final = "m"
QR_BORDER: Final = 4
# The token is base45: QR alphanumeric mode encodes it at 5.5 bits per character.
QR_ALPHABET: Final = frozenset("0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:")
MAX_QR_TEXT: Final = 2400  # a version-40-M alphanumeric QR holds 3391; ours is ~1000
MAX_HELP_CONTACTS: Final = 4
DIGITAL_SIZE: Final = (720, 1280)  # the phone pass, px
_COLOR_RE: Final = re.compile(r"^#[0-9A-Fa-f]{6}$")

_FONT_REGULAR: Final = "DejaVuSans.ttf"
_FONT_BOLD: Final = "DejaVuSans-Bold.ttf"
_FAMILY: Final = "pas"


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


OUTPUTS: Final = ("card_pdf", "sheet_pdf", "digital_png", "receipt_pdf")


@dataclass(frozen=True)
class CardOutputs:
    """The renderings of one card (see :func:`render`); ``None`` where not asked for."""

    card_pdf: bytes | None = field(default=None, repr=False)
    sheet_pdf: bytes | None = field(default=None, repr=False)
    digital_png: bytes | None = field(default=None, repr=False)
    receipt_pdf: bytes | None = field(default=None, repr=False)


# --- Validation and preparation ------------------------------------------------------


@dataclass(frozen=True)
class _Prepared:
    data: CardData
    qr: segno.QRCode
    qr_png: bytes  # 1 px per module, quiet zone included
    band_rgb: tuple[int, int, int]
    band_text_rgb: tuple[int, int, int]
    band_is_light: bool


def _prepare(data: CardData) -> _Prepared:
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
    qr = segno.make_qr(data.qr_text, error=QR_ERROR, mode="alphanumeric", boost_error=False)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=1, border=QR_BORDER)
    rgb = tuple(int(data.category_color[i : i + 2], 16) for i in (1, 3, 5))
    r, g, b = rgb
    luminance = 0.2126 * r + 0.7152 * g + 0.0722 * b
    light = luminance > 150
    return _Prepared(
        data=data,
        qr=qr,
        qr_png=buf.getvalue(),
        band_rgb=(r, g, b),
        band_text_rgb=(0, 0, 0) if light else (255, 255, 255),
        band_is_light=luminance > 235,  # white-ish: needs an outline to read as a band
    )


def _font_path(name: str) -> str:
    # fpdf2 wants a file path; the package is installed unzipped (setuptools, no zip-safe).
    return str(resources.files("tokenservice.issue") / "fonts" / name)


@lru_cache(maxsize=2)
def _font_bytes(name: str) -> bytes:
    return (resources.files("tokenservice.issue") / "fonts" / name).read_bytes()


def _new_pdf(size_mm: tuple[float, float]) -> FPDF:
    w, h = size_mm
    pdf = FPDF(orientation="L" if w > h else "P", unit="mm", format=(min(w, h), max(w, h)))
    pdf.set_auto_page_break(False)
    pdf.set_margins(0, 0, 0)
    pdf.c_margin = 0
    pdf.add_font(_FAMILY, "", fname=_font_path(_FONT_REGULAR))
    pdf.add_font(_FAMILY, "B", fname=_font_path(_FONT_BOLD))
    pdf.set_creator("pas")
    pdf.set_producer("pas")
    return pdf


# --- The card, drawn in mm at an offset (so the A4 sheet can reuse it) ----------------

_DARK: Final = (30, 30, 30)
_GREY: Final = (110, 110, 110)
#: The edge of a white (or near-white) category: visible on white card stock, but light
#: enough that it reads as a design line, not as a print fault.
_EDGE: Final = (160, 160, 160)
_EDGE_MM: Final = 0.2
#: Card-back text: as large as fits the column (at least 7.5 pt for the texts we ship).
BACK_TEXT_PT: Final = 8.0
BACK_TEXT_MIN_PT: Final = 4.5


def _fit_font_size(pdf: FPDF, text: str, width: float, start: float, style: str = "") -> float:
    size = start
    while size > 4:
        pdf.set_font(_FAMILY, style, size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 0.5
    return size


def _watermark(pdf: FPDF, x: float, y: float, w: float, h: float) -> None:
    angle = math.degrees(math.atan2(h, w))
    pdf.set_font(_FAMILY, "B", 1)
    size = 0.8 * math.hypot(w, h) / max(pdf.get_string_width(texts.DEMO_WATERMARK), 1e-6)
    pdf.set_font(_FAMILY, "B", size)
    tw = pdf.get_string_width(texts.DEMO_WATERMARK)
    cx, cy = x + w / 2, y + h / 2
    with pdf.local_context(fill_opacity=0.45, text_color=(200, 0, 0)):
        with pdf.rotation(angle, cx, cy):
            pdf.text(cx - tw / 2, cy + size * 0.35 / 2.83465, texts.DEMO_WATERMARK)


def _draw_front(pdf: FPDF, p: _Prepared, ox: float, oy: float) -> None:
    d = p.data
    cw, ch = ID1_MM
    # Category band along the top; a white band gets a thin grey line under it, so it
    # still reads as a band (with dark text) and not as a missing colour.
    band_h = 10.0
    pdf.set_fill_color(*p.band_rgb)
    pdf.rect(ox, oy, cw, band_h, style="F")
    if p.band_is_light:
        pdf.set_draw_color(*_EDGE)
        pdf.set_line_width(_EDGE_MM)
        pdf.line(ox, oy + band_h, ox + cw, oy + band_h)
    text_right = ox + cw - 3.5
    if d.logo_png:
        logo_h = band_h - 3
        try:
            info = pdf.image(
                io.BytesIO(d.logo_png),
                x=ox + cw - 3 - logo_h * 2,
                y=oy + 1.5,
                h=logo_h,
                keep_aspect_ratio=True,
                w=logo_h * 2,
            )
            text_right = ox + cw - 4 - float(info.rendered_width)
        except Exception as exc:  # fpdf2 raises many types for a bad image
            raise CardError("logo_png", "logo is not a usable PNG") from exc
    pdf.set_text_color(*p.band_text_rgb)
    issuer_w = text_right - (ox + 3.5)
    size = _fit_font_size(pdf, d.issuer_name, issuer_w, 9, "B")
    pdf.set_xy(ox + 3.5, oy)
    pdf.cell(issuer_w, band_h, d.issuer_name, align="L")
    del size

    # Portrait, 3:4, on the left below the band.
    ph = ch - band_h - 5.0
    pw = ph * 3 / 4
    px, py = ox + 3.5, oy + band_h + 2.5
    pdf.image(io.BytesIO(d.portrait_jpeg), x=px, y=py, w=pw, h=ph)
    pdf.set_draw_color(*_GREY)
    pdf.set_line_width(0.15)
    pdf.rect(px, py, pw, ph, style="D")

    # Number, validity and the neutral category code on the right.
    rx = px + pw + 4
    rw = ox + cw - 3.5 - rx
    pdf.set_text_color(*_DARK)
    nsize = _fit_font_size(pdf, d.number, rw, 18, "B")
    pdf.set_xy(rx, oy + band_h + 5)
    pdf.cell(rw, nsize * 0.3528 * 1.2, d.number, align="L")
    pdf.set_font(_FAMILY, "", 9)
    pdf.set_xy(rx, oy + band_h + 16)
    pdf.cell(rw, 5, f"{texts.FRONT_VALID_UNTIL} {texts.date_short(d.valid_until)}", align="L")
    # Category code as a chip in the band colour (a thin grey edge when white).
    chip = d.category_label
    if chip:
        _fit_font_size(pdf, chip, rw - 4, 10, "B")
        chip_w = pdf.get_string_width(chip) + 4
        chip_y = oy + ch - 3.5 - 6
        pdf.set_fill_color(*p.band_rgb)
        pdf.set_draw_color(*_EDGE)
        pdf.set_line_width(_EDGE_MM if p.band_is_light else 0)
        pdf.rect(
            rx,
            chip_y,
            chip_w,
            6,
            style="DF" if p.band_is_light else "F",
            round_corners=True,
            corner_radius=1,
        )
        pdf.set_text_color(*p.band_text_rgb)
        pdf.set_xy(rx, chip_y)
        pdf.cell(chip_w, 6, chip, align="C")
    if d.demo:
        _watermark(pdf, ox, oy, cw, ch)


def _wrapped_height(pdf: FPDF, width: float, text: str, line_h: float) -> float:
    lines = pdf.multi_cell(width, line_h, text, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return len(lines) * line_h


def _draw_back(pdf: FPDF, p: _Prepared, ox: float, oy: float) -> None:
    d = p.data
    cw, ch = ID1_MM
    qs = QR_WIDTH_MM
    qx, qy = ox + 2.0, oy + (ch - qs) / 2
    pdf.image(io.BytesIO(p.qr_png), x=qx, y=qy, w=qs, h=qs)
    # A thin strip of the category colour on the right edge ties back and front together.
    # A white category has no strip: white on white card is the colour already, and an
    # outlined strip looked like a print fault. The text gets the room.
    strip = 0.0 if p.band_is_light else 2.5
    if strip:
        pdf.set_fill_color(*p.band_rgb)
        pdf.rect(ox + cw - strip, oy, strip, ch, style="F")

    tx = qx + qs + 1.0
    tw = ox + cw - strip - 1.5 - tx
    lang = d.language
    not_id = texts.text(lang, "back_not_id")
    help_title = texts.text(lang, "back_help")
    # Shrink the text until everything fits the column.
    size = BACK_TEXT_PT
    while True:
        lh = size * 0.3528 * 1.18
        pdf.set_font(_FAMILY, "B", size)
        need = _wrapped_height(pdf, tw, not_id, lh) + 1.5
        if d.help_contacts:
            need += lh + 0.3
            for name, how in d.help_contacts:
                pdf.set_font(_FAMILY, "B", size - 0.5)
                need += _wrapped_height(pdf, tw, name, lh * 0.95)
                pdf.set_font(_FAMILY, "", size - 0.5)
                need += _wrapped_height(pdf, tw, how, lh * 0.95) + 0.6
        need += lh  # number line
        if need <= ch - 5 or size <= BACK_TEXT_MIN_PT:
            break
        size -= 0.25
    y = oy + 2.5
    pdf.set_text_color(*_DARK)
    pdf.set_font(_FAMILY, "B", size)
    pdf.set_xy(tx, y)
    pdf.multi_cell(tw, lh, not_id, align="L")
    y = pdf.get_y() + 1.5
    if d.help_contacts:
        pdf.set_font(_FAMILY, "B", size)
        pdf.set_xy(tx, y)
        pdf.cell(tw, lh, help_title)
        y += lh + 0.3
        for name, how in d.help_contacts:
            pdf.set_font(_FAMILY, "B", size - 0.5)
            pdf.set_xy(tx, y)
            pdf.multi_cell(tw, lh * 0.95, name, align="L")
            pdf.set_font(_FAMILY, "", size - 0.5)
            pdf.set_x(tx)
            pdf.multi_cell(tw, lh * 0.95, how, align="L")
            y = pdf.get_y() + 0.6
    pdf.set_font(_FAMILY, "", 5.5)
    pdf.set_text_color(*_GREY)
    pdf.set_xy(tx, oy + ch - 2.5 - 3)
    pdf.cell(tw, 3, d.number, align="R")
    if d.demo:
        _watermark(pdf, ox, oy, cw, ch)


# --- Public renderers -----------------------------------------------------------------


def _card_pdf(p: _Prepared) -> bytes:
    pdf = _new_pdf(ID1_MM)
    pdf.add_page()
    _draw_front(pdf, p, 0, 0)
    pdf.add_page()
    _draw_back(pdf, p, 0, 0)
    return bytes(pdf.output())


def card_pdf(data: CardData) -> bytes:
    """The card as a 2-page PDF at exactly ID-1 size (front, then back).

    Raises :class:`CardError`.
    """
    return _card_pdf(_prepare(data))


def _crop_marks(pdf: FPDF, x: float, y: float, w: float, h: float) -> None:
    gap, length = 1.5, 5.0
    pdf.set_draw_color(0, 0, 0)
    pdf.set_line_width(0.2)
    for cx in (x, x + w):
        for cy in (y, y + h):
            sx = -1 if cx == x else 1
            sy = -1 if cy == y else 1
            pdf.line(cx + sx * gap, cy, cx + sx * (gap + length), cy)
            pdf.line(cx, cy + sy * gap, cx, cy + sy * (gap + length))


def _sheet_pdf(p: _Prepared) -> bytes:
    pdf = _new_pdf(A4_MM)
    pdf.add_page()
    cw, ch = ID1_MM
    x1 = (A4_MM[0] - 2 * cw - 16) / 2
    x2 = x1 + cw + 16
    y = 30.0
    _draw_front(pdf, p, x1, y)
    _draw_back(pdf, p, x2, y)
    _crop_marks(pdf, x1, y, cw, ch)
    _crop_marks(pdf, x2, y, cw, ch)
    # For the official, in Dutch: print at 100 % and check the scale with the ruler.
    pdf.set_text_color(60, 60, 60)
    pdf.set_font(_FAMILY, "", 8)
    pdf.set_xy(x1, y + ch + 10)
    pdf.multi_cell(
        2 * cw + 16,
        4,
        "Afdrukken op ware grootte (100 %, niet aanpassen aan pagina). Knip voor- en "
        "achterkant uit langs de snijtekens en lamineer ze rug aan rug. "
        "Controle: de lijn hieronder is precies 50 mm.",
    )
    ry = pdf.get_y() + 3
    pdf.set_line_width(0.3)
    pdf.line(x1, ry, x1 + 50, ry)
    for t in (0, 10, 20, 30, 40, 50):
        pdf.line(x1 + t, ry - (1.5 if t % 50 else 2.5), x1 + t, ry)
    return bytes(pdf.output())


def sheet_pdf(data: CardData) -> bytes:
    """An A4 page with front and back side by side, crop marks and a 50 mm check ruler.

    Raises :class:`CardError`.
    """
    return _sheet_pdf(_prepare(data))


def _receipt_pdf(p: _Prepared, personal_code: str | None) -> bytes:
    # Long languages and several contacts need a smaller type; try sizes until it fits.
    for k in (1.0, 0.94, 0.88, 0.82, 0.76):
        out = _receipt_attempt(p, personal_code, k)
        if out is not None:
            return out
    raise CardError("help_contacts", "receipt text does not fit on A6")


def _receipt_attempt(p: _Prepared, personal_code: str | None, k: float) -> bytes | None:
    d = p.data
    lang = d.language
    pdf = _new_pdf(A6_MM)
    pdf.add_page()
    m = 9.0
    w = A6_MM[0] - 2 * m
    pdf.set_fill_color(*p.band_rgb)
    pdf.rect(0, 0, A6_MM[0], 5, style="F")
    if p.band_is_light:
        pdf.set_draw_color(*_EDGE)
        pdf.set_line_width(_EDGE_MM)
        pdf.line(0, 5, A6_MM[0], 5)
    pdf.set_text_color(*_DARK)
    pdf.set_xy(m, 10)
    pdf.set_font(_FAMILY, "B", 14)
    pdf.cell(w, 7, texts.text(lang, "receipt_title"))
    pdf.set_xy(m, 18)
    pdf.set_font(_FAMILY, "", 8)
    pdf.cell(w, 4, f"{texts.text(lang, 'receipt_issuer')}: {d.issuer_name}")

    def para(text: str, size: float = 8.5, style: str = "", gap: float = 2.2) -> None:
        pdf.set_font(_FAMILY, style, size * k)
        pdf.set_x(m)
        pdf.multi_cell(w, size * k * 0.3528 * 1.3, text, align="L")
        pdf.set_y(pdf.get_y() + gap * k)

    pdf.set_y(25)
    pdf.set_font(_FAMILY, "", 8.5)
    pdf.set_x(m)
    pdf.cell(w, 5, f"{texts.text(lang, 'receipt_number')}:")
    pdf.set_font(_FAMILY, "B", 13)
    pdf.set_xy(m + 0, pdf.get_y() + 5)
    pdf.cell(w, 6, d.number)
    pdf.set_y(pdf.get_y() + 8)
    para(texts.valid_until(d.valid_until, lang), style="B")
    para(texts.text(lang, "receipt_what"))
    para(texts.text(lang, "receipt_not_id"))
    para(texts.text(lang, "receipt_renew"))
    para(texts.text(lang, "receipt_lost") + " " + texts.text(lang, "receipt_photo"))
    if personal_code:
        para(f"{texts.text(lang, 'receipt_personal_code')}: {personal_code}", style="B", gap=0.5)
        para(texts.text(lang, "receipt_personal_code_note"), size=7.5)
        if d.mijnpas_url:
            para(texts.text(lang, "receipt_mijnpas"), size=7.5, gap=0.3)
            para(d.mijnpas_url, size=8, style="B")
    if d.help_contacts:
        para(texts.text(lang, "receipt_help_title"), size=10, style="B", gap=1)
        para(texts.text(lang, "receipt_help_intro"), size=8, gap=1.5)
        for name, how in d.help_contacts:
            para(name, size=8.5, style="B", gap=0)
            para(how, size=8.5, gap=1.5)
    if pdf.get_y() > A6_MM[1] - 5:
        return None
    if d.demo:
        _watermark(pdf, 0, 0, *A6_MM)
    return bytes(pdf.output())


def receipt_pdf(data: CardData, *, personal_code: str | None = None) -> bytes:
    """The worker's receipt slip (A6 PDF) in her language.

    ``personal_code`` is an optional line for a later privacy feature; it is printed
    only when given. Raises :class:`CardError`.
    """
    return _receipt_pdf(_prepare(data), personal_code)


# --- The phone pass (Pillow) ----------------------------------------------------------


@lru_cache(maxsize=32)
def _pil_font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    name = _FONT_BOLD if bold else _FONT_REGULAR
    return ImageFont.truetype(io.BytesIO(_font_bytes(name)), size)


def _pil_fit(
    draw: ImageDraw.ImageDraw, text: str, width: int, start: int, bold: bool
) -> ImageFont.FreeTypeFont:
    size = start
    while size > 12:
        font = _pil_font(bold, size)
        if draw.textlength(text, font=font) <= width:
            return font
        size -= 2
    return _pil_font(bold, size)


def _pil_wrap(
    draw: ImageDraw.ImageDraw, text: str, font: ImageFont.FreeTypeFont, width: int
) -> list[str]:
    lines: list[str] = []
    line = ""
    for word in text.split():
        trial = f"{line} {word}".strip()
        if draw.textlength(trial, font=font) <= width or not line:
            line = trial
        else:
            lines.append(line)
            line = word
    if line:
        lines.append(line)
    return lines


def _digital_png(p: _Prepared) -> bytes:
    d = p.data
    W, H = DIGITAL_SIZE
    img = Image.new("RGB", (W, H), (255, 255, 255))
    draw = ImageDraw.Draw(img)
    m = 36
    # Band with the issuer; outlined when white.
    band_h = 120
    draw.rectangle((0, 0, W - 1, band_h), fill=p.band_rgb)
    if p.band_is_light:
        draw.line((0, band_h, W - 1, band_h), fill=_EDGE, width=3)
    text_right = W - m
    if d.logo_png:
        try:
            with Image.open(io.BytesIO(d.logo_png), formats=("PNG",)) as logo:
                logo.load()
                lg = logo.convert("RGBA")
        except (UnidentifiedImageError, OSError, SyntaxError) as exc:
            raise CardError("logo_png", "logo is not a usable PNG") from exc
        lg.thumbnail((240, band_h - 36))
        img.paste(lg, (W - m - lg.width, (band_h - lg.height) // 2), lg)
        text_right = W - m - lg.width - 20
    font = _pil_fit(draw, d.issuer_name, text_right - m, 44, True)
    draw.text((m, band_h // 2), d.issuer_name, font=font, fill=p.band_text_rgb, anchor="lm")

    # Portrait and the front's facts.
    with Image.open(io.BytesIO(d.portrait_jpeg), formats=("JPEG",)) as ph:
        portrait = ph.convert("RGB").resize((270, 360), Image.Resampling.BILINEAR)
    py = band_h + 30
    img.paste(portrait, (m, py))
    draw.rectangle((m, py, m + 269, py + 359), outline=_GREY, width=2)
    rx = m + 270 + 30
    rw = W - m - rx
    font = _pil_fit(draw, d.number, rw, 64, True)
    draw.text((rx, py + 10), d.number, font=font, fill=_DARK, anchor="la")
    valid = f"{texts.FRONT_VALID_UNTIL} {texts.date_short(d.valid_until)}"
    draw.text(
        (rx, py + 110), valid, font=_pil_fit(draw, valid, rw, 34, False), fill=_DARK, anchor="la"
    )
    if d.category_label:
        cf = _pil_fit(draw, d.category_label, rw - 40, 40, True)
        cwid = int(draw.textlength(d.category_label, font=cf)) + 40
        cy = py + 360 - 70
        draw.rounded_rectangle(
            (rx, cy, rx + cwid, cy + 70),
            radius=12,
            fill=p.band_rgb,
            outline=_EDGE if p.band_is_light else None,
            width=3 if p.band_is_light else 0,
        )
        draw.text(
            (rx + cwid // 2, cy + 35), d.category_label, font=cf, fill=p.band_text_rgb, anchor="mm"
        )

    # The QR, at a whole number of pixels per module so phones read it off the screen.
    qy = py + 360 + 30
    modules = int(p.qr.symbol_size(border=QR_BORDER)[0])
    scale = max(1, (W - 2 * m) // modules)
    qr_img = Image.open(io.BytesIO(p.qr_png)).convert("L")
    qr_img = qr_img.resize((modules * scale, modules * scale), Image.Resampling.NEAREST)
    img.paste(qr_img, ((W - qr_img.width) // 2, qy))

    # The not-an-identity-document line in the worker's language.
    ty = qy + qr_img.height + 20
    tf = _pil_font(False, 26)
    for line in _pil_wrap(draw, texts.text(d.language, "back_not_id"), tf, W - 2 * m):
        draw.text((m, ty), line, font=tf, fill=_DARK)
        ty += 34
    if d.demo:
        _pil_watermark(img)
    buf = io.BytesIO()
    img.save(buf, "PNG", compress_level=3)
    return buf.getvalue()


def _pil_watermark(img: Image.Image) -> None:
    W, H = img.size
    diag = int(math.hypot(W, H))
    layer = Image.new("RGBA", (diag, 200), (0, 0, 0, 0))
    ld = ImageDraw.Draw(layer)
    font = _pil_fit(ld, texts.DEMO_WATERMARK, int(diag * 0.8), 140, True)
    ld.text((diag // 2, 100), texts.DEMO_WATERMARK, font=font, fill=(200, 0, 0, 115), anchor="mm")
    layer = layer.rotate(
        math.degrees(math.atan2(H, W)), expand=True, resample=Image.Resampling.BICUBIC
    )
    img.paste(layer, ((W - layer.width) // 2, (H - layer.height) // 2), layer)


def digital_pass_png(data: CardData) -> bytes:
    """The pass as a PNG for the worker's phone (``DIGITAL_SIZE``, QR at whole-pixel
    modules). Raises :class:`CardError`."""
    return _digital_png(_prepare(data))


def render(
    data: CardData,
    *,
    personal_code: str | None = None,
    outputs: Sequence[str] = OUTPUTS,
) -> CardOutputs:
    """Several renderings with the QR encoded once (it is the slowest step).

    ``outputs`` picks from ``OUTPUTS``; ``personal_code`` goes to the receipt.
    Raises :class:`CardError`.
    """
    unknown = set(outputs) - set(OUTPUTS)
    if unknown:
        raise ValueError(f"unknown outputs {sorted(unknown)}")
    p = _prepare(data)
    return CardOutputs(
        card_pdf=_card_pdf(p) if "card_pdf" in outputs else None,
        sheet_pdf=_sheet_pdf(p) if "sheet_pdf" in outputs else None,
        digital_png=_digital_png(p) if "digital_png" in outputs else None,
        receipt_pdf=_receipt_pdf(p, personal_code) if "receipt_pdf" in outputs else None,
    )
