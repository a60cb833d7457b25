"""Issue 15: Thai and Chinese in the PDFs break lines where their readers expect.

fpdf2 wraps only at spaces; Thai has none between words and Chinese none at all, so a line
was cut wherever it was full ("ตน/เอง", a line starting with "。"). ``issue/linebreak.py``
gives fpdf2 the break opportunities (Thai dictionary words, between Han characters with
the kinsoku rule), and the card back is measured for fit in all twelve languages.
"""

from __future__ import annotations

import datetime
import re
import shutil
import subprocess
import zlib
from pathlib import Path

import pytest
from fpdf import FPDF

from tokenservice import texts
from tokenservice.issue import card, leaflet, linebreak, receipt, typeface
from tokenservice.issue.cardbase import CardData

FIXTURES = Path(__file__).parents[1] / "fixtures"
needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None,
                                   reason="poppler-utils not installed (CI installs it)")
_THAI = re.compile(r"[\u0e00-\u0e7f]")


def _catalogue(lang: str) -> list[str]:
    """Every worker text in ``lang`` (placeholders filled with something plausible)."""
    from babel.messages.pofile import read_po

    path = Path(typeface.__file__).parents[1] / "texts" / "locale" / lang / "LC_MESSAGES" / "worker.po"
    with path.open("rb") as f:
        catalogue = read_po(f)
    return [re.sub(r"\{[a-z_]+\}", "12", m.string) for m in catalogue if m.id and m.string]


def _lines(lang: str, text: str, width: float) -> list[str]:
    pdf = FPDF(unit="mm", format=(120, 200))
    typeface.add_to(pdf, lang)
    pdf.add_page()
    pdf.set_font(typeface.FAMILY, size=9)
    lines = pdf.multi_cell(width, 4, text, dry_run=True, output="LINES")
    return [str(line) for line in lines]


# --- the break opportunities ---------------------------------------------------------------


def test_thai_breaks_between_dictionary_words_only() -> None:
    text = texts.text("th", "back_not_id")
    marked = linebreak.breakable(text)
    assert marked.replace(linebreak.ZWSP, "") == text
    words = [w for part in marked.split() for w in part.split(linebreak.ZWSP)]
    assert "ตนเอง" in words and "บัตรประจำตัว" in words  # "oneself", "ID card": whole
    assert "ตน" not in words and "เอง" not in words


def test_chinese_breaks_between_characters_but_not_before_closing_punctuation() -> None:
    marked = linebreak.breakable("通行证不是身份证件。只有在对方先出示（证件）后，2027年3月12日")
    assert linebreak.ZWSP + "。" not in marked and linebreak.ZWSP + "，" not in marked
    assert linebreak.ZWSP + "）" not in marked and "（" + linebreak.ZWSP not in marked
    assert "通" + linebreak.ZWSP + "行" in marked
    assert "2027年3月12日" in marked  # a date stays whole
    assert linebreak.breakable("Gewoon Nederlands, blijft zo.") == "Gewoon Nederlands, blijft zo."


@pytest.mark.parametrize("lang", ["th", "zh"])
def test_every_text_of_hers_wraps_at_allowed_places_only(lang: str) -> None:
    """Each worker text at a narrow column: the lines put together are the text; a Thai
    line ends at a dictionary word's end (or a space), a Chinese line never starts with
    closing punctuation."""
    for text in _catalogue(lang):
        for width in (38.0, 61.0):
            lines = _lines(lang, text, width)
            assert "".join(lines).replace(" ", "") == text.replace(" ", "").replace("\n", ""), text
            assert not any(linebreak.ZWSP in line for line in lines)
            if lang == "zh":
                assert not [line for line in lines[1:] if line[:1] in linebreak.NO_START], lines
                assert not [line for line in lines[:-1] if line[-1:] in linebreak.NO_END], lines
            else:
                ends = set()
                position = 0
                for part in re.split(r"(\s+)", text):
                    if part.isspace() or not part:
                        position += len(part)
                        continue
                    for run in re.split(r"([\u0e00-\u0e7f]+)", part):
                        words = linebreak.thai_words(run) if _THAI.match(run or " ") else (run,)
                        for word in words:
                            position += len(word)
                            ends.add(position)
                consumed = 0
                flat = text
                for line in lines[:-1]:
                    consumed = flat.index(line, consumed) + len(line)
                    assert consumed in ends or flat[consumed:consumed + 1].isspace(), (
                        f"{line!r} ends inside a word of {text!r}")


# --- the PDFs ---------------------------------------------------------------------------------


def _data(lang: str, color: str = "#FFFFFF") -> CardData:
    from tokenservice.issue import photo

    return CardData(
        qr_text="PAS1:" + "7K3M9QXD" * 120, number="DM-7K3M9QXD-4",
        valid_until=datetime.date(2027, 3, 12), issuer_name="Gemeente Demogemeente",
        category_label="Wit", category_color=color,
        portrait_jpeg=photo.process((FIXTURES / "astronaut.png").read_bytes()).print_jpeg,
        language=lang,
        help_contacts=[("GGD Demogemeente", "0900 123 4567"),
                       ("Vertrouwelijk advies", "0900 765 4321")],
    )


def _page_font_sizes(pdf: bytes, page: int) -> list[float]:
    """The font sizes (Tf) in the content stream of ``page`` (fpdf2 writes one per page)."""
    streams = []
    for raw in re.findall(rb"stream\r?\n(.*?)\r?\nendstream", pdf, re.S):
        try:
            content = zlib.decompress(raw)
        except zlib.error:
            continue
        if b" Tf" in content and (b" Tj" in content or b" TJ" in content):
            streams.append(content)
    return [float(s) for s in re.findall(rb"/F\d+ ([\d.]+) Tf", streams[page - 1])]


def _boxes(pdf: bytes, page: int) -> list[tuple[float, float, float, float, str]]:
    out = subprocess.run(["pdftotext", "-f", str(page), "-l", str(page), "-bbox", "-", "-"],
                         input=pdf, capture_output=True, check=True).stdout.decode()
    return [(float(a), float(b), float(c), float(d), w) for a, b, c, d, w in re.findall(
        r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">([^<]+)<', out)]


@needs_poppler
@pytest.mark.parametrize("language", texts.LANGUAGES)
@pytest.mark.parametrize("color", ["#FFFFFF", "#2E8B57"])
def test_card_back_fits_at_full_size_in_every_language(language: str, color: str) -> None:
    """All twelve languages, measured: the back's text is set at 8 pt (the not-an-ID
    sentence) and 7.5 pt (the contacts) — not shrunk — and every word lies inside the text
    column (right of the QR code, left of the colour strip), above the pass number."""
    d = _data(language, color)
    pdf = card.card_pdf(d)
    sizes = _page_font_sizes(pdf, 2)
    text_sizes = [s for s in sizes if s > 5.5]  # 5.5 pt: the pass number line
    assert max(text_sizes) >= 7.9 and min(text_sizes) >= 7.4, (language, sorted(set(sizes)))
    boxes = _boxes(pdf, 2)
    page_w = 85.6 / 25.4 * 72
    strip = 0 if color == "#FFFFFF" else 2.5 / 25.4 * 72
    number = [b for b in boxes if b[4] == d.number]
    assert number, "the pass number line"
    text_boxes = [b for b in boxes if b[4] != d.number]
    left = min(b[0] for b in text_boxes)
    assert left > 35 / 25.4 * 72, "text column starts right of the QR code"
    for x0, _y0, x1, y1, word in text_boxes:
        assert x0 >= left - 0.5 and x1 <= page_w - strip - 0.5 / 25.4 * 72, (language, word, x1)
        assert y1 <= number[0][1] + 0.5, (language, word, "runs into the number line")
    flat = "".join(w for *_, w in text_boxes)
    assert "".join(texts.text(language, "back_not_id").split())[:6] in flat


@needs_poppler
@pytest.mark.parametrize("language", ["th", "zh"])
def test_receipt_and_leaflet_text_is_her_text_without_break_marks(language: str) -> None:
    d = _data(language)
    for pdf in (receipt.receipt_pdf(d, personal_code="ABCD-EFGH-JKLM-NPQR-STUV-WXYZ-2345"),
                leaflet.pdf(language, issuer_name="Demogemeente", help_contacts=d.help_contacts,
                            escrow=True, mijnpas_url="https://pas.demogemeente.example/mijn-pas/")):
        text = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                              capture_output=True, check=True).stdout.decode()
        assert linebreak.ZWSP not in text
        if language == "zh":
            lines = [line.strip() for line in text.splitlines() if line.strip()]
            assert not [line for line in lines if line[0] in linebreak.NO_START], lines


@pytest.mark.parametrize("lang", [lang for lang in texts.LANGUAGES if lang not in ("th", "zh")])
def test_languages_written_with_spaces_are_untouched(lang: str) -> None:
    for text in _catalogue(lang):
        assert linebreak.breakable(text) == text
