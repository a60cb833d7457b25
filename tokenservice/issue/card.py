"""The card renderer: the pass as an ID-1 PDF, an A4 print sheet, a phone PNG, and a receipt.

All output is returned as bytes; nothing touches the disk. The card front carries only
the portrait, the category band, the pass number, "geldig tot <date>" and the issuer:
no name, no birth date, no word that outs the holder. The back carries the QR code, the
line that the card is not an identity document, and the help contacts in the worker's
language (texts live in :mod:`tokenservice.texts.worker`).

    pdf = card_pdf(data)            # 2 pages, 85.60 x 53.98 mm
    png = digital_pass_png(data)    # for the worker's phone
    out = render(data)              # all four, QR encoded once

This module draws the card and the A4 sheet and is the one door to all four: the
receipt is drawn in :mod:`tokenservice.issue.receipt`, the phone pass in
:mod:`tokenservice.issue.phonepass`, both from the checks and the QR code that
:mod:`tokenservice.issue.cardbase` prepares once. Raises :class:`CardError` for input
that cannot make a card.
"""

from __future__ import annotations

import io
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Final

from fpdf import FPDF

from tokenservice import texts
from tokenservice.issue import phonepass, receipt, typeface
from tokenservice.issue.cardbase import (
    DARK,
    EDGE,
    EDGE_MM,
    GREY,
    MAX_HELP_CONTACTS,
    QR_ALPHABET,
    QR_BORDER,
    QR_ERROR,
    CardData,
    CardError,
    Prepared,
    new_pdf,
    pdf_watermark,
    prepare,
)
from tokenservice.issue.phonepass import DIGITAL_SIZE, digital_pass_png
from tokenservice.issue.receipt import A6_MM, receipt_pdf

__all__ = [
    "A4_MM",
    "A6_MM",
    "DIGITAL_SIZE",
    "ID1_MM",
    "MAX_HELP_CONTACTS",
    "OUTPUTS",
    "QR_ALPHABET",
    "QR_BORDER",
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

# --- Sizes, defined once (the receipt's and the phone pass's are in their modules). ---
ID1_MM: Final = (85.60, 53.98)  # ISO/IEC 7810 ID-1, landscape
A4_MM: Final = (210.0, 297.0)
# QR width including its 4-module quiet zone; must stay >= 35 mm (brief) and fit the back.
QR_WIDTH_MM: Final = 46.0
OUTPUTS: Final = ("card_pdf", "sheet_pdf", "digital_png", "receipt_pdf")


@dataclass(frozen=True)
class CardOutputs:
    """The renderings of one card (see :func:`render`); ``None`` where not asked for."""

    card_pdf: bytes | None = field(default=None, repr=False)
    sheet_pdf: bytes | None = field(default=None, repr=False)
    digital_png: bytes | None = field(default=None, repr=False)
    receipt_pdf: bytes | None = field(default=None, repr=False)


# --- The card, drawn in mm at an offset (so the A4 sheet can reuse it) ----------------

#: Card-back text: as large as fits the column (at least 7.5 pt for the texts we ship).
BACK_TEXT_PT: Final = 8.0
BACK_TEXT_MIN_PT: Final = 4.5


def _fit_font_size(pdf: FPDF, text: str, width: float, start: float, style: str = "") -> float:
    size = start
    while size > 4:
        pdf.set_font(typeface.FAMILY, style, size)
        if pdf.get_string_width(text) <= width:
            break
        size -= 0.5
    return size


def _draw_front(pdf: FPDF, p: Prepared, ox: float, oy: float) -> None:
    d = p.data
    cw, ch = ID1_MM
    # Category band along the top; a white band gets a thin grey line under it, so it
    # still reads as a band (with dark text) and not as a missing colour.
    band_h = 10.0
    pdf.set_fill_color(*p.band.rgb)
    pdf.rect(ox, oy, cw, band_h, style="F")
    if p.band.is_light:
        pdf.set_draw_color(*EDGE)
        pdf.set_line_width(EDGE_MM)
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
    pdf.set_text_color(*p.band.text_rgb)
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
    pdf.set_draw_color(*GREY)
    pdf.set_line_width(0.15)
    pdf.rect(px, py, pw, ph, style="D")

    # Number, validity and the neutral category code on the right.
    rx = px + pw + 4
    rw = ox + cw - 3.5 - rx
    pdf.set_text_color(*DARK)
    nsize = _fit_font_size(pdf, d.number, rw, 18, "B")
    pdf.set_xy(rx, oy + band_h + 5)
    pdf.cell(rw, nsize * 0.3528 * 1.2, d.number, align="L")
    pdf.set_font(typeface.FAMILY, "", 9)
    pdf.set_xy(rx, oy + band_h + 16)
    pdf.cell(rw, 5, f"{texts.FRONT_VALID_UNTIL} {texts.date_short(d.valid_until)}", align="L")
    # Category code as a chip in the band colour (a thin grey edge when white).
    chip = d.category_label
    if chip:
        _fit_font_size(pdf, chip, rw - 4, 10, "B")
        chip_w = pdf.get_string_width(chip) + 4
        chip_y = oy + ch - 3.5 - 6
        pdf.set_fill_color(*p.band.rgb)
        pdf.set_draw_color(*EDGE)
        pdf.set_line_width(EDGE_MM if p.band.is_light else 0)
        pdf.rect(
            rx,
            chip_y,
            chip_w,
            6,
            style="DF" if p.band.is_light else "F",
            round_corners=True,
            corner_radius=1,
        )
        pdf.set_text_color(*p.band.text_rgb)
        pdf.set_xy(rx, chip_y)
        pdf.cell(chip_w, 6, chip, align="C")
    if d.demo:
        pdf_watermark(pdf, ox, oy, cw, ch)


def _wrapped_height(pdf: FPDF, width: float, text: str, line_h: float) -> float:
    lines = pdf.multi_cell(width, line_h, text, dry_run=True, output="LINES")
    assert isinstance(lines, list)
    return len(lines) * line_h


def _draw_back(pdf: FPDF, p: Prepared, ox: float, oy: float) -> None:
    d = p.data
    cw, ch = ID1_MM
    qs = QR_WIDTH_MM
    qx, qy = ox + 2.0, oy + (ch - qs) / 2
    pdf.image(io.BytesIO(p.qr_png), x=qx, y=qy, w=qs, h=qs)
    # A thin strip of the category colour on the right edge ties back and front together.
    # A white category has no strip: white on white card is the colour already, and an
    # outlined strip looked like a print fault. The text gets the room.
    strip = 0.0 if p.band.is_light else 2.5
    if strip:
        pdf.set_fill_color(*p.band.rgb)
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
        pdf.set_font(typeface.FAMILY, "B", size)
        need = _wrapped_height(pdf, tw, not_id, lh) + 1.5
        if d.help_contacts:
            need += lh + 0.3
            for name, how in d.help_contacts:
                pdf.set_font(typeface.FAMILY, "B", size - 0.5)
                need += _wrapped_height(pdf, tw, name, lh * 0.95)
                pdf.set_font(typeface.FAMILY, "", size - 0.5)
                need += _wrapped_height(pdf, tw, how, lh * 0.95) + 0.6
        need += lh  # number line
        if need <= ch - 5 or size <= BACK_TEXT_MIN_PT:
            break
        size -= 0.25
    y = oy + 2.5
    pdf.set_text_color(*DARK)
    pdf.set_font(typeface.FAMILY, "B", size)
    pdf.set_xy(tx, y)
    pdf.multi_cell(tw, lh, not_id, align="L")
    y = pdf.get_y() + 1.5
    if d.help_contacts:
        pdf.set_font(typeface.FAMILY, "B", size)
        pdf.set_xy(tx, y)
        pdf.cell(tw, lh, help_title)
        y += lh + 0.3
        for name, how in d.help_contacts:
            pdf.set_font(typeface.FAMILY, "B", size - 0.5)
            pdf.set_xy(tx, y)
            pdf.multi_cell(tw, lh * 0.95, name, align="L")
            pdf.set_font(typeface.FAMILY, "", size - 0.5)
            pdf.set_x(tx)
            pdf.multi_cell(tw, lh * 0.95, how, align="L")
            y = pdf.get_y() + 0.6
    pdf.set_font(typeface.FAMILY, "", 5.5)
    pdf.set_text_color(*GREY)
    pdf.set_xy(tx, oy + ch - 2.5 - 3)
    pdf.cell(tw, 3, d.number, align="R")
    if d.demo:
        pdf_watermark(pdf, ox, oy, cw, ch)


# --- Public renderers -----------------------------------------------------------------


def _card_pdf(p: Prepared) -> bytes:
    pdf = new_pdf(ID1_MM, p.data.language)
    pdf.add_page()
    _draw_front(pdf, p, 0, 0)
    pdf.add_page()
    _draw_back(pdf, p, 0, 0)
    return bytes(pdf.output())


def card_pdf(data: CardData) -> bytes:
    """The card as a 2-page PDF at exactly ID-1 size (front, then back).

    Raises :class:`CardError`.
    """
    return _card_pdf(prepare(data))


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


def _sheet_pdf(p: Prepared) -> bytes:
    pdf = new_pdf(A4_MM, p.data.language)
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
    pdf.set_font(typeface.FAMILY, "", 8)
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
    return _sheet_pdf(prepare(data))


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
    p = prepare(data)
    return CardOutputs(
        card_pdf=_card_pdf(p) if "card_pdf" in outputs else None,
        sheet_pdf=_sheet_pdf(p) if "sheet_pdf" in outputs else None,
        digital_png=phonepass.render(p) if "digital_png" in outputs else None,
        receipt_pdf=receipt.render(p, personal_code) if "receipt_pdf" in outputs else None,
    )
