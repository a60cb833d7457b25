"""The worker leaflet: an A5 PDF in her language, handed over at the spreekuur.

What the pass is (proof of the intake conversation, valid two years, renewed at the
spreekuur), that it is not an identity document, whom she has to show it to (the
exploitant of her workplace, and inspectors or police who identify themselves; never
clients), what the municipality keeps under its registration policy, her rights
(inzage, erasure, stopping the pass) and where to go, and the help contacts.

Every sentence comes from :mod:`tokenservice.texts.worker` (the same catalog as the card back
and the receipt), so the eight languages stay in one place. Nothing about a person is
printed: the leaflet is the same for everyone of one issuer.

    pdf_bytes = leaflet.pdf("ro", issuer_name="Gemeente Assen",
                            help_contacts=[("GGD Drenthe", "0592 30 63 00")],
                            escrow=True, mijnpas_url="https://pas.assen.nl/mijn-pas/")

Raises :class:`LeafletError` for input that cannot make a leaflet.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Final

from fpdf import FPDF

from tokenservice import texts
from tokenservice.config import DEFAULT_VALIDITY_DAYS
from tokenservice.errors import Error
from tokenservice.issue import cardbase, typeface
from tokenservice.issue.typeface import FAMILY

__all__ = ["A5_MM", "MAX_HELP_CONTACTS", "LeafletError", "filename", "pdf"]

A5_MM: Final = (148.0, 210.0)
#: The same limit as the card back, which prints the same contacts.
MAX_HELP_CONTACTS: Final = cardbase.MAX_HELP_CONTACTS
MAX_PAGES: Final = 2
_MARGIN: Final = 12.0
_BOTTOM: Final = 16.0  # room for the footer
_PT: Final = 0.3528  # mm per point

_ACCENT: Final = (23, 84, 104)  # dark teal: headings and the top band
_DARK: Final = (30, 30, 30)
_GREY: Final = (100, 100, 100)
_YES: Final = (20, 120, 60)
_NO: Final = (180, 30, 30)
_BOX: Final = (236, 243, 245)

#: Sizes in points at scale 1; the renderer shrinks them a little if two pages are
#: not enough (long languages, many help contacts).
_TITLE_PT: Final = 19.0
_HEAD_PT: Final = 12.5
_BODY_PT: Final = 10.5
_SCALES: Final = (1.0, 0.97, 0.94, 0.91, 0.88, 0.85)


class LeafletError(Error):
    """Input that cannot make a leaflet. ``code`` names the argument at fault."""

    def __init__(self, code: str, message: str) -> None:
        self.code = code
        super().__init__(message)


def filename(language: str) -> str:
    """The file name used by ``pas-service leaflet --all`` and in docs/leaflets/."""
    return f"leaflet-{language}.pdf"


class _Doc(FPDF):
    def __init__(self, footer_text: str, language: str) -> None:
        super().__init__(orientation="P", unit="mm", format=A5_MM)
        self._footer_text = footer_text
        typeface.add_to(self, language)
        self.set_margins(_MARGIN, _MARGIN, _MARGIN)
        self.set_auto_page_break(True, margin=_BOTTOM)
        self.c_margin = 0
        self.set_creator("pas")
        self.set_producer("pas")

    def header(self) -> None:
        self.set_fill_color(*_ACCENT)
        self.rect(0, 0, A5_MM[0], 5, style="F")
        self.set_y(_MARGIN)

    def footer(self) -> None:
        self.set_y(-_BOTTOM + 5)
        self.set_font(FAMILY, "", 8)
        self.set_text_color(*_GREY)
        w = A5_MM[0] - 2 * _MARGIN
        self.set_x(_MARGIN)
        self.cell(w * 0.8, 4, self._footer_text, align="L")
        self.cell(w * 0.2, 4, f"{self.page_no()}/{{nb}}", align="R")


class _Writer:
    """Paragraph helpers at one type scale ``k``."""

    def __init__(self, doc: _Doc, k: float) -> None:
        self.doc = doc
        self.k = k
        self.width = A5_MM[0] - 2 * _MARGIN

    def lh(self, size: float) -> float:
        return size * self.k * _PT * 1.3

    def gap(self, mm: float) -> None:
        self.doc.set_y(self.doc.get_y() + mm * self.k)

    def _height(self, text: str, width: float, size: float, style: str) -> float:
        self.doc.set_font(FAMILY, style, size * self.k)
        rows = self.doc.multi_cell(width, self.lh(size), text, dry_run=True, output="LINES")
        assert isinstance(rows, list)
        return len(rows) * self.lh(size)

    def _keep(self, height: float) -> None:
        """Start a new page unless ``height`` mm still fit on this one."""
        if self.doc.will_page_break(height):
            self.doc.add_page()

    def _room(self, height: float, line: float) -> None:
        """A paragraph may run on to the next page, but not with one line left behind."""
        left = self.doc.page_break_trigger - self.doc.get_y()
        if height > left and left < 2 * line + 0.1:
            self.doc.add_page()

    def heading(self, text: str) -> None:
        d = self.doc
        size = _HEAD_PT
        # Never a heading alone at the bottom: keep it with two lines of text.
        self._keep(self._height(text, self.width, size, "B") + 2 * self.lh(_BODY_PT) + 1.2)
        d.set_font(FAMILY, "B", size * self.k)
        d.set_text_color(*_ACCENT)
        d.set_x(_MARGIN)
        d.multi_cell(self.width, self.lh(size), text, align="L")
        self.gap(1.2)

    def para(self, text: str, *, bold: bool = False, size: float = _BODY_PT,
             color: tuple[int, int, int] = _DARK, after: float = 1.9) -> None:
        d = self.doc
        self._room(self._height(text, self.width, size, "B" if bold else ""), self.lh(size))
        d.set_font(FAMILY, "B" if bold else "", size * self.k)
        d.set_text_color(*color)
        d.set_x(_MARGIN)
        d.multi_cell(self.width, self.lh(size), text, align="L")
        self.gap(after)

    def item(self, mark: str, mark_color: tuple[int, int, int], text: str,
             *, after: float = 1.6) -> None:
        """A hanging-indent line: a mark (✓ ✗ •) then the text; "Label: rest" gets a
        bold label."""
        d = self.doc
        indent = 6.0 * self.k
        self._room(self._height(text, self.width - indent, _BODY_PT, "B"), self.lh(_BODY_PT))
        y = d.get_y()
        d.set_font(FAMILY, "B", _BODY_PT * self.k)
        d.set_text_color(*mark_color)
        d.set_xy(_MARGIN, y)
        d.cell(indent, self.lh(_BODY_PT), mark)
        d.set_text_color(*_DARK)
        d.set_xy(_MARGIN + indent, y)
        label, sep, rest = text.partition(": ")
        if sep and len(label) <= 20:
            d.set_font(FAMILY, "", _BODY_PT * self.k)
            d.multi_cell(self.width - indent, self.lh(_BODY_PT), f"**{_md(label)}:** {_md(rest)}",
                         align="L", markdown=True)
        else:
            d.set_font(FAMILY, "", _BODY_PT * self.k)
            d.multi_cell(self.width - indent, self.lh(_BODY_PT), text, align="L")
        self.gap(after)

    def box(self, lines: Sequence[tuple[str, bool]], *, after: float = 1.9) -> None:
        """Lines on a light background (the web address, a help contact)."""
        d = self.doc
        pad = 2.2 * self.k
        total = 2 * pad + sum(
            self._height(line, self.width - 2 * pad, _BODY_PT, "B" if bold else "")
            for line, bold in lines
        )
        self._keep(total)
        y = d.get_y()
        d.set_fill_color(*_BOX)
        d.rect(_MARGIN, y, self.width, total, style="F", round_corners=True, corner_radius=1.5)
        d.set_y(y + pad)
        for line, bold in lines:
            d.set_font(FAMILY, "B" if bold else "", _BODY_PT * self.k)
            d.set_text_color(*_DARK)
            d.set_x(_MARGIN + pad)
            d.multi_cell(self.width - 2 * pad, self.lh(_BODY_PT), line, align="L")
        d.set_y(y + total)
        self.gap(after)

    def contacts(self, pairs: Sequence[tuple[str, str]], *, after: float = 1.9) -> None:
        """Help contacts as boxes, two side by side (name bold, then how to reach it)."""
        d = self.doc
        pad, gutter = 2.2 * self.k, 3.0
        col = (self.width - gutter) / 2
        for row_start in range(0, len(pairs), 2):
            row = pairs[row_start : row_start + 2]
            height = 2 * pad + max(
                self._height(name, col - 2 * pad, _BODY_PT, "B")
                + self._height(how, col - 2 * pad, _BODY_PT, "")
                for name, how in row
            )
            self._keep(height)
            y = d.get_y()
            for i, (name, how) in enumerate(row):
                x = _MARGIN + i * (col + gutter)
                d.set_fill_color(*_BOX)
                d.rect(x, y, col, height, style="F", round_corners=True, corner_radius=1.5)
                d.set_text_color(*_DARK)
                d.set_font(FAMILY, "B", _BODY_PT * self.k)
                d.set_xy(x + pad, y + pad)
                d.multi_cell(col - 2 * pad, self.lh(_BODY_PT), name, align="L")
                d.set_font(FAMILY, "", _BODY_PT * self.k)
                d.set_x(x + pad)
                d.multi_cell(col - 2 * pad, self.lh(_BODY_PT), how, align="L")
            d.set_y(y + height)
            self.gap(after if row_start + 2 >= len(pairs) else 1.6)


def _md(text: str) -> str:
    # fpdf2's markdown reads **, __, -- and ~~ as markers; the texts use none, but be sure.
    for marker in ("**", "__", "--", "~~"):
        text = text.replace(marker, marker[0] + "\u200b" + marker[1])
    return text


_Section = Callable[[_Writer], None]


def _sections(lang: str, *, help_contacts: Sequence[tuple[str, str]], escrow: bool,
              mijnpas_url: str | None, two_years: bool) -> list[_Section]:
    def t(key: str) -> str:
        return texts.text(lang, key)

    def what(w: _Writer) -> None:
        w.heading(t("leaflet_what_title"))
        w.para(t("leaflet_what"))
        valid = t("leaflet_valid_date")
        w.para(f"{t('leaflet_two_years')} {valid}" if two_years else valid)
        w.para(t("leaflet_renew"))

    def not_id(w: _Writer) -> None:
        w.heading(t("leaflet_not_id_title"))
        w.para(t("leaflet_not_id"))

    def show(w: _Writer) -> None:
        w.heading(t("leaflet_show_title"))
        w.para(t("leaflet_show_only"), bold=True, after=1.2)
        w.item("✓", _YES, t("leaflet_show_exploitant"))
        w.item("✓", _YES, t("leaflet_show_officials"))
        w.item("✗", _NO, t("leaflet_show_never"), after=1.9)
        w.para(t("leaflet_show_doubt"))

    def stored(w: _Writer) -> None:
        w.heading(t("leaflet_stored_title"))
        if escrow:
            w.para(t("leaflet_stored_escrow"))
            w.para(f"{t('leaflet_sealed')} {t('leaflet_sealed_expiry')}")
            w.para(t("leaflet_no_code"))
            w.para(t("receipt_photo"))
        else:
            w.para(t("leaflet_stored_none"))  # already says: not your photo

    def rights(w: _Writer) -> None:
        w.heading(t("leaflet_rights_title"))
        # Under policy none there is no record: seeing and erasing are about the pass row.
        see, erase = (("leaflet_right_see", "leaflet_right_erase") if escrow
                      else ("leaflet_right_see_none", "leaflet_right_erase_none"))
        for key in (see, erase):
            w.item("•", _ACCENT, t(key))
        w.item("•", _ACCENT, t("leaflet_right_stop"), after=1.9)
        if not escrow:
            w.para(t("leaflet_rights_desk"))
            return
        if mijnpas_url:
            w.para(t("leaflet_rights_online"), after=1.2)
            w.box([(mijnpas_url, True)])
            w.para(t("leaflet_rights_desk_too"))
        else:
            w.para(t("leaflet_rights_desk"))
        w.para(t("leaflet_keep_apart"), bold=True)

    def help_(w: _Writer) -> None:
        w.heading(t("receipt_help_title"))
        if help_contacts:
            w.para(t("receipt_help_intro"))
            w.contacts(help_contacts)
        w.para(t("leaflet_questions"))

    return [what, not_id, show, stored, rights, help_]


def _layout(lang: str, k: float, *, issuer_name: str, footer: str,
            sections: list[_Section]) -> _Doc:
    """The leaflet laid out at type scale ``k`` (``output()`` is the costly step after)."""
    doc = _Doc(footer, lang)
    doc.set_lang(lang)
    doc.set_title(texts.text(lang, "leaflet_title"))
    doc.alias_nb_pages()
    doc.add_page()
    w = _Writer(doc, k)
    # Title block: language name (so the official picks the right one), title, issuer.
    doc.set_font(FAMILY, "", 8.5)
    doc.set_text_color(*_GREY)
    doc.set_xy(_MARGIN, 7.5)
    doc.cell(w.width, 4, texts.LANGUAGE_NAMES[lang], align="R")
    doc.set_xy(_MARGIN, 13)
    doc.set_font(FAMILY, "B", _TITLE_PT * k)
    doc.set_text_color(*_DARK)
    doc.multi_cell(w.width, _TITLE_PT * k * _PT * 1.25, texts.text(lang, "leaflet_title"),
                   align="L")
    w.gap(1.0)
    w.para(f"{texts.text(lang, 'receipt_issuer')}: {issuer_name}", size=9.5, color=_GREY,
           after=4.0)
    for section in sections:
        section(w)
        w.gap(2.0)
    return doc


def pdf(language: str, *, issuer_name: str, help_contacts: Sequence[tuple[str, str]] = (),
        escrow: bool, mijnpas_url: str | None,
        validity_days: int = DEFAULT_VALIDITY_DAYS) -> bytes:
    """The leaflet in ``language`` as an A5 PDF of one or two pages.

    ``escrow`` is True under registration policy ``"escrow"`` (sealed identity with her
    consent, /mijn-pas); False under ``"none"``. ``mijnpas_url`` is the public address
    of /mijn-pas, printed under escrow when given. ``help_contacts`` are (organisation,
    how to reach it) pairs from the issuer's settings. ``validity_days`` other than two
    years drops the "valid two years" sentence (the date on the card still says it).

    Raises :class:`LeafletError`.
    """
    if language not in texts.LANGUAGES:
        raise LeafletError("language", f"unknown language {language!r}")
    if not issuer_name.strip():
        raise LeafletError("issuer_name", "issuer name is empty")
    contacts = [(str(a).strip(), str(b).strip()) for a, b in help_contacts]
    if len(contacts) > MAX_HELP_CONTACTS:
        raise LeafletError("help_contacts", f"at most {MAX_HELP_CONTACTS} help contacts fit")
    if mijnpas_url is not None:
        mijnpas_url = mijnpas_url.strip() or None
    if mijnpas_url is not None and not mijnpas_url.startswith(("https://", "http://")):
        raise LeafletError("mijnpas_url", "the /mijn-pas address must start with https://")
    footer = issuer_name
    sections = _sections(language, help_contacts=contacts, escrow=escrow,
                         mijnpas_url=mijnpas_url, two_years=validity_days in (730, 731))
    for k in _SCALES:
        doc = _layout(language, k, issuer_name=issuer_name, footer=footer, sections=sections)
        if doc.pages_count <= MAX_PAGES:
            return bytes(doc.output())
    # Very long help contacts: a third page in full-size type beats a cramped leaflet.
    doc = _layout(language, 1.0, issuer_name=issuer_name, footer=footer, sections=sections)
    return bytes(doc.output())
