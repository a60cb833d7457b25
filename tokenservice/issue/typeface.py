"""The typeface of everything printed for her: DejaVu Sans, with Noto for Thai and Chinese.

The card, the receipt, the phone pass and the leaflet all set their text in the font files in
``tokenservice/issue/fonts/`` (docs/card.md, "Fonts"):

- DejaVu Sans, regular and bold, subset to the Latin and Cyrillic glyphs of nl en es pt ro
  bg hu pl uk ru: the main font of every PDF;
- for Thai, Noto Sans Thai (regular, bold); for Chinese, Noto Sans CJK SC (regular, bold,
  subset to the common simplified characters). Registered only for a PDF in that language
  (:func:`add_to` with ``language``), as fpdf2 *fallback* fonts: a character DejaVu lacks is
  taken from them, Latin letters and digits stay DejaVu. Thai needs text shaping (vowels and
  tone marks placed above and below the consonant), which fpdf2 does with HarfBuzz
  (uharfbuzz): switched on for Thai only.

PDFs (fpdf2) register the main font under one family name, :data:`FAMILY`, with the styles
``""`` and ``"B"``; Pillow reads the font of her language from memory (:func:`pil_font`).
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources
from typing import Any, Final

from fpdf import FPDF
from PIL import ImageFont

from tokenservice.issue import linebreak

__all__ = [
    "BOLD",
    "FAMILY",
    "REGULAR",
    "SCRIPT_FONTS",
    "SHAPED",
    "add_to",
    "font_files",
    "path",
    "pil_font",
]

#: The family name the PDFs use for the two files below.
FAMILY: Final = "pas"
REGULAR: Final = "DejaVuSans.ttf"
BOLD: Final = "DejaVuSans-Bold.ttf"

#: Language → (regular, bold) of the font for the script DejaVu does not have.
SCRIPT_FONTS: Final = {
    "th": ("NotoSansThai-Regular.ttf", "NotoSansThai-Bold.ttf"),
    "zh": ("NotoSansSC-Regular.otf", "NotoSansSC-Bold.otf"),
}
#: Languages whose script needs text shaping (marks placed on their base letter).
SHAPED: Final = frozenset({"th"})


def path(name: str) -> str:
    """The file of font ``name`` (:data:`REGULAR`, :data:`BOLD` or one of :data:`SCRIPT_FONTS`)."""
    # fpdf2 wants a file path; the package is installed unzipped (setuptools, no zip-safe).
    return str(resources.files("tokenservice.issue") / "fonts" / name)


def font_files(language: str | None = None) -> tuple[str, ...]:
    """The font files text in ``language`` is set in: DejaVu, then its script's font if any."""
    return (REGULAR, BOLD, *SCRIPT_FONTS.get(language or "", ()))


def add_to(pdf: FPDF, language: str | None = None) -> None:
    """Register the regular (style ``""``) and bold (``"B"``) fonts as :data:`FAMILY`.

    For a ``language`` in :data:`SCRIPT_FONTS` its script's font becomes the fallback of
    :data:`FAMILY` (same styles), and Thai switches on text shaping. Without ``language`` only
    DejaVu is registered (a PDF with no text in her language).
    """
    pdf.add_font(FAMILY, "", fname=path(REGULAR))
    pdf.add_font(FAMILY, "B", fname=path(BOLD))
    script = SCRIPT_FONTS.get(language or "")
    if script is None:
        return
    fallback = f"{FAMILY}-{language}"
    pdf.add_font(fallback, "", fname=path(script[0]))
    pdf.add_font(fallback, "B", fname=path(script[1]))
    pdf.set_fallback_fonts([fallback])
    _page_font_outside_saved_state(pdf)
    _break_without_spaces(pdf)
    if language in SHAPED:
        pdf.set_text_shaping(True)


def _break_without_spaces(pdf: FPDF) -> None:
    """Let every ``multi_cell`` of this PDF break Thai between words and Chinese between
    characters (:mod:`tokenservice.issue.linebreak`): fpdf2 itself breaks only at spaces.

    fpdf2 lays out the text with U+200B at each break opportunity (a dry run, same width,
    fonts and shaping); the lines it finds are then set with explicit line ends and without
    the U+200B, so the PDF's text is her text as written (copy, search, a screen reader).
    """
    original = pdf.multi_cell

    def multi_cell(w: float, h: float | None = None, text: str = "", *args: Any,
                   **kwargs: Any) -> Any:
        text = str(kwargs.pop("txt", text))  # fpdf2's old name
        marked = linebreak.breakable(text)
        if marked != text:
            probe = {**kwargs, "dry_run": True, "output": "LINES"}
            lines = original(w, h, marked, *args, **probe)
            assert isinstance(lines, list)
            text = linebreak.set_lines(marked, [str(line) for line in lines])
        return original(w, h, text, *args, **kwargs)

    setattr(pdf, "multi_cell", multi_cell)  # noqa: B010 - an instance's method


def _page_font_outside_saved_state(pdf: FPDF) -> None:
    """Work around fpdf2 2.8's fallback-font bug that drops text ("No font in show").

    When the first text on a page starts with a fallback-font character, fpdf2 sets the
    page's font inside the ``q … Q`` that wraps that line, marks it as set, and the ``Q``
    forgets it: the next text in the main font (a ✓ before a list item) is shown with no
    font and viewers skip it. This writes that first font setting to the page before the
    line instead, outside the ``q``. Font changes inside a line (the flag already set) are
    left as they are. tests/tokenservice/issue/test_leaflet.py checks the ✓ of every list.
    """
    original = pdf._set_font_for_page

    def set_font_for_page(font: Any, font_size_pt: float,
                          wrap_in_text_object: bool = True) -> str:
        if wrap_in_text_object or pdf.current_font_is_set_on_page:
            return original(font, font_size_pt, wrap_in_text_object)
        pdf._out(original(font, font_size_pt, wrap_in_text_object=True))
        return ""

    setattr(pdf, "_set_font_for_page", set_font_for_page)  # noqa: B010 - an instance's method


@lru_cache(maxsize=8)
def _font_bytes(name: str) -> bytes:
    return (resources.files("tokenservice.issue") / "fonts" / name).read_bytes()


@lru_cache(maxsize=64)
def pil_font(bold: bool, size: int, language: str | None = None) -> ImageFont.FreeTypeFont:
    """The font for Pillow at ``size`` px, for text in ``language``.

    Pillow has no fallback fonts: Thai and Chinese text gets its script's font (which also
    has the digits and punctuation such a text uses). Pillow lays it out with Raqm (HarfBuzz)
    where it has it, which places Thai marks.
    """
    script = SCRIPT_FONTS.get(language or "")
    name = (script[1] if bold else script[0]) if script else (BOLD if bold else REGULAR)
    return ImageFont.truetype(io.BytesIO(_font_bytes(name)), size)
