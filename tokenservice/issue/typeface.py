"""The typeface of everything printed for her: DejaVu Sans, regular and bold.

The card, the receipt, the phone pass and the leaflet all set their text in the two
font files in ``tokenservice/issue/fonts/`` (subset to the glyphs of the eight languages;
docs/card.md). PDFs (fpdf2) register them under one family name, :data:`FAMILY`, with
the styles ``""`` and ``"B"``; Pillow reads them from memory.
"""

from __future__ import annotations

import io
from functools import lru_cache
from importlib import resources
from typing import Final

from fpdf import FPDF
from PIL import ImageFont

__all__ = ["BOLD", "FAMILY", "REGULAR", "add_to", "path", "pil_font"]

#: The family name the PDFs use for the two files below.
FAMILY: Final = "pas"
REGULAR: Final = "DejaVuSans.ttf"
BOLD: Final = "DejaVuSans-Bold.ttf"


def path(name: str) -> str:
    """The file of font ``name`` (:data:`REGULAR` or :data:`BOLD`)."""
    # fpdf2 wants a file path; the package is installed unzipped (setuptools, no zip-safe).
    return str(resources.files("tokenservice.issue") / "fonts" / name)


def add_to(pdf: FPDF) -> None:
    """Register the regular (style ``""``) and bold (``"B"``) fonts as :data:`FAMILY`."""
    pdf.add_font(FAMILY, "", fname=path(REGULAR))
    pdf.add_font(FAMILY, "B", fname=path(BOLD))


@lru_cache(maxsize=2)
def _font_bytes(name: str) -> bytes:
    return (resources.files("tokenservice.issue") / "fonts" / name).read_bytes()


@lru_cache(maxsize=32)
def pil_font(bold: bool, size: int) -> ImageFont.FreeTypeFont:
    """The font for Pillow at ``size`` px."""
    name = BOLD if bold else REGULAR
    return ImageFont.truetype(io.BytesIO(_font_bytes(name)), size)
