"""The worker's receipt slip: an A6 PDF in her language, handed over with the card.

Her pass number and valid-until date, what the pass is and is not, how to renew it and
what to do when it is lost, her personal code (under registration policy ``escrow``,
printed here and nowhere else) with the address of /mijn-pas, and the help contacts.
Returned as bytes; nothing touches the disk.
"""

from __future__ import annotations

from typing import Final

from fpdf import FPDF

from tokenservice import texts
from tokenservice.issue import cardbase, typeface
from tokenservice.issue.cardbase import CardData, CardError, Prepared

__all__ = ["A6_MM", "receipt_pdf", "render"]

A6_MM: Final = (105.0, 148.0)
#: Long languages and several contacts need a smaller type: the scales tried, in order.
_SCALES: Final = (1.0, 0.94, 0.88, 0.82, 0.76)
_MARGIN: Final = 9.0


def receipt_pdf(data: CardData, *, personal_code: str | None = None) -> bytes:
    """The worker's receipt slip (A6 PDF) in her language.

    ``personal_code`` is printed only when given (policy ``escrow``). Raises
    :class:`CardError`.
    """
    return render(cardbase.prepare(data), personal_code)


def render(p: Prepared, personal_code: str | None) -> bytes:
    """The receipt of a prepared card (:func:`tokenservice.issue.card.render` makes all at once)."""
    for k in _SCALES:
        out = _attempt(p, personal_code, k)
        if out is not None:
            return out
    raise CardError("help_contacts", "receipt text does not fit on A6")


def _attempt(p: Prepared, personal_code: str | None, k: float) -> bytes | None:
    """The receipt with type at scale ``k``, or None if it does not fit the page."""
    d = p.data
    lang = d.language
    pdf = cardbase.new_pdf(A6_MM, lang)
    pdf.add_page()
    _head(pdf, p)

    def para(text: str, size: float = 8.5, style: str = "", gap: float = 2.2) -> None:
        pdf.set_font(typeface.FAMILY, style, size * k)
        pdf.set_x(_MARGIN)
        pdf.multi_cell(_width(), size * k * 0.3528 * 1.3, text, align="L")
        pdf.set_y(pdf.get_y() + gap * k)

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
        cardbase.pdf_watermark(pdf, 0, 0, *A6_MM)
    return bytes(pdf.output())


def _width() -> float:
    return A6_MM[0] - 2 * _MARGIN


def _head(pdf: FPDF, p: Prepared) -> None:
    """The category band, the title, the issuer and her pass number (the same at any scale)."""
    d = p.data
    lang = d.language
    m, w = _MARGIN, _width()
    pdf.set_fill_color(*p.band.rgb)
    pdf.rect(0, 0, A6_MM[0], 5, style="F")
    if p.band.is_light:
        pdf.set_draw_color(*cardbase.EDGE)
        pdf.set_line_width(cardbase.EDGE_MM)
        pdf.line(0, 5, A6_MM[0], 5)
    pdf.set_text_color(*cardbase.DARK)
    pdf.set_xy(m, 10)
    pdf.set_font(typeface.FAMILY, "B", 14)
    pdf.cell(w, 7, texts.text(lang, "receipt_title"))
    pdf.set_xy(m, 18)
    pdf.set_font(typeface.FAMILY, "", 8)
    pdf.cell(w, 4, f"{texts.text(lang, 'receipt_issuer')}: {d.issuer_name}")
    pdf.set_y(25)
    pdf.set_font(typeface.FAMILY, "", 8.5)
    pdf.set_x(m)
    pdf.cell(w, 5, f"{texts.text(lang, 'receipt_number')}:")
    pdf.set_font(typeface.FAMILY, "B", 13)
    pdf.set_xy(m + 0, pdf.get_y() + 5)
    pdf.cell(w, 6, d.number)
    pdf.set_y(pdf.get_y() + 8)
