"""The card renderer: exact sizes, a QR that decodes, a front that outs nobody, 8 languages."""

from __future__ import annotations

import dataclasses
import datetime
import io
import logging
import random
import re
import shutil
import subprocess
from pathlib import Path

import numpy as np
import pytest
import zxingcpp
from fontTools.ttLib import TTFont
from PIL import Image

from tests.support.paths import FIXTURES
from tokenservice import texts
from tokenservice.issue import card, cardbase, photo, typeface
from tokenservice.issue.card import CardData, CardError

FONTS = Path(card.__file__).resolve().parent / "fonts"
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
MM_TO_PT = 72 / 25.4
# Words that would out the holder if someone saw the card.
FORBIDDEN = ("seks", "sex", "prostitu", "escort", "raam", "window", "erot", "massage", "hoer")

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftoppm") is None or shutil.which("pdftotext") is None,
    reason="poppler-utils not installed (CI installs it)",
)


def _qr_text() -> str:
    rnd = random.Random(45)
    return "PAS1:" + "".join(rnd.choice(BASE45) for _ in range(1000))


@pytest.fixture(scope="module")
def portrait_jpeg() -> bytes:
    return photo.process((FIXTURES / "astronaut.png").read_bytes()).print_jpeg


@pytest.fixture
def data(portrait_jpeg: bytes) -> CardData:
    return CardData(
        qr_text=_qr_text(),
        number="GR-4821-7730",
        valid_until=datetime.date(2027, 3, 12),
        issuer_name="Gemeente Groningen",
        category_label="B",
        category_color="#2E8B57",
        portrait_jpeg=portrait_jpeg,
        language="nl",
        help_contacts=[("GGD Groningen", "050 367 4000"), ("Fier (24/7)", "088 20 80 000")],
    )


def _pdftotext(pdf: bytes, page: int) -> str:
    # Shaped Thai puts its marks on their own baselines: -raw keeps the PDF's order.
    raw = ["-raw"] if b"NotoSansThai" in pdf else []
    out = subprocess.run(
        ["pdftotext", *raw, "-f", str(page), "-l", str(page), "-", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return " ".join(out.stdout.decode("utf-8").split())


def _pdftopng(pdf: bytes, page: int, dpi: int = 300) -> Image.Image:
    out = subprocess.run(
        ["pdftoppm", "-r", str(dpi), "-f", str(page), "-l", str(page), "-png", "-"],
        input=pdf,
        capture_output=True,
        check=True,
    )
    return Image.open(io.BytesIO(out.stdout))


def _media_boxes(pdf: bytes) -> list[tuple[float, float]]:
    boxes = re.findall(rb"/MediaBox\s*\[\s*0 0 ([\d.]+) ([\d.]+)\s*\]", pdf)
    return [(float(w), float(h)) for w, h in boxes]


def _red_share(img: Image.Image) -> float:
    a = np.asarray(img.convert("RGB"), dtype=np.int16)
    red = (a[..., 0] > 180) & (a[..., 1] < 150) & (a[..., 2] < 150)
    return float(red.mean())


def _decoded(img: Image.Image) -> list[str]:
    return [r.text for r in zxingcpp.read_barcodes(img)]


def test_card_pdf_is_exactly_id1_with_front_and_back(data: CardData) -> None:
    pdf = card.card_pdf(data)
    boxes = _media_boxes(pdf)
    assert len(boxes) == 2 or (len(boxes) == 1 and pdf.count(b"/Type /Page\n") == 2)
    for w, h in boxes:
        assert w == pytest.approx(85.60 * MM_TO_PT, abs=0.01)
        assert h == pytest.approx(53.98 * MM_TO_PT, abs=0.01)


def test_sheet_is_a4_and_receipt_is_a6(data: CardData) -> None:
    out = card.render(data)
    assert out.sheet_pdf is not None and out.receipt_pdf is not None
    ((w, h),) = _media_boxes(out.sheet_pdf)
    assert (w, h) == (
        pytest.approx(210 * MM_TO_PT, abs=0.01),
        pytest.approx(297 * MM_TO_PT, abs=0.01),
    )
    ((w, h),) = _media_boxes(out.receipt_pdf)
    assert (w, h) == (
        pytest.approx(105 * MM_TO_PT, abs=0.01),
        pytest.approx(148 * MM_TO_PT, abs=0.01),
    )


@needs_poppler
def test_qr_on_the_printed_card_decodes_to_the_qr_text(data: CardData) -> None:
    out = card.render(data, outputs=("card_pdf", "sheet_pdf"))
    assert out.card_pdf is not None and out.sheet_pdf is not None
    assert _decoded(_pdftopng(out.card_pdf, page=2)) == [data.qr_text]
    assert _decoded(_pdftopng(out.sheet_pdf, page=1)) == [data.qr_text]


def test_qr_on_the_phone_pass_decodes_to_the_qr_text(data: CardData) -> None:
    png = card.digital_pass_png(data)
    img = Image.open(io.BytesIO(png))
    assert img.size == card.DIGITAL_SIZE
    assert _decoded(img) == [data.qr_text]


@needs_poppler
def test_demo_card_still_decodes_and_is_marked_on_both_sides(data: CardData) -> None:
    demo = dataclasses.replace(data, demo=True)
    pdf = card.card_pdf(demo)
    assert _decoded(_pdftopng(pdf, page=2)) == [data.qr_text]
    plain = card.card_pdf(data)
    for page in (1, 2):
        # Rotated text does not extract well, so look for the red of the watermark.
        extra = _red_share(_pdftopng(pdf, page, dpi=100)) - _red_share(
            _pdftopng(plain, page, dpi=100)
        )
        assert extra > 0.008
    assert _decoded(Image.open(io.BytesIO(card.digital_pass_png(demo)))) == [data.qr_text]


def test_qr_uses_alphanumeric_mode_at_the_chosen_error_correction(data: CardData) -> None:
    qr = cardbase.prepare(data).qr
    assert qr.mode == "alphanumeric"
    assert qr.error == card.QR_ERROR.upper()
    modules = qr.symbol_size(border=card.QR_BORDER)[0]
    assert card.QR_WIDTH_MM >= 35 and card.QR_WIDTH_MM / modules >= 0.33


@pytest.mark.parametrize("bad", ["pas1:abc", "PAS1:ÄBC", "PAS1:A\nB"])
def test_qr_text_outside_the_alphanumeric_alphabet_is_refused(data: CardData, bad: str) -> None:
    with pytest.raises(CardError) as exc:
        card.card_pdf(dataclasses.replace(data, qr_text=bad))
    assert exc.value.code == "qr_text"


@needs_poppler
def test_front_shows_number_and_validity_and_nothing_that_outs_the_holder(data: CardData) -> None:
    front = _pdftotext(card.card_pdf(data), page=1)
    assert data.number in front
    assert "geldig tot 12-03-2027" in front
    assert data.issuer_name in front
    lowered = front.lower()
    for word in FORBIDDEN:
        assert word not in lowered


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("language", "fr", "language"),
        ("category_color", "green", "category_color"),
        ("number", "  ", "number"),
        ("portrait_jpeg", b"not a jpeg", "portrait_jpeg"),
    ],
)
def test_bad_card_input_is_refused(data: CardData, field: str, value: object, code: str) -> None:
    with pytest.raises(CardError) as exc:
        card.card_pdf(dataclasses.replace(data, **{field: value}))
    assert exc.value.code == code


def test_white_category_band_has_a_visible_but_light_edge(data: CardData) -> None:
    white = Image.open(
        io.BytesIO(card.digital_pass_png(dataclasses.replace(data, category_color="#FFFFFF")))
    )
    green = Image.open(io.BytesIO(card.digital_pass_png(data)))
    assert white.getpixel((6, 60)) == (255, 255, 255)  # no heavy black outline any more
    assert 120 <= max(white.getpixel((6, 120))) <= 200  # a thin grey line under the band
    assert green.getpixel((6, 60)) == (0x2E, 0x8B, 0x57)


def test_logo_is_printed_in_the_band(data: CardData) -> None:
    logo = Image.new("RGB", (200, 80), (200, 0, 0))
    buf = io.BytesIO()
    logo.save(buf, "PNG")
    d = dataclasses.replace(data, logo_png=buf.getvalue())
    assert card.card_pdf(d).count(b"/Subtype /Image") == 3  # portrait, logo, QR
    png = Image.open(io.BytesIO(card.digital_pass_png(d))).convert("RGB")
    assert png.getpixel((card.DIGITAL_SIZE[0] - 60, 60)) == (200, 0, 0)
    with pytest.raises(CardError) as exc:
        card.card_pdf(dataclasses.replace(data, logo_png=b"not a png"))
    assert exc.value.code == "logo_png"


def _all_worker_texts(language: str) -> str:
    day = datetime.date(2027, 3, 12)
    return "".join(
        texts.text(language, k) for k in texts.keys() if k != "receipt_valid"
    ) + texts.valid_until(day, language)


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_every_text_exists_and_every_glyph_is_in_the_fonts(language: str) -> None:
    needed = {ord(c) for c in _all_worker_texts(language) + texts.DEMO_WATERMARK} - {10}
    # Regular and bold: DejaVu, then (Thai, Chinese) the script's font as fpdf2's fallback.
    files = typeface.font_files(language)
    for style in (files[0::2], files[1::2]):
        cmaps = [TTFont(FONTS / name).getBestCmap() for name in style]
        missing = sorted(chr(c) for c in needed if not any(c in cmap for cmap in cmaps))
        assert missing == [], f"{style} lack {missing} for {language}"


@needs_poppler
@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_each_language_renders_card_back_and_receipt(
    data: CardData, language: str, caplog: pytest.LogCaptureFixture
) -> None:
    d = dataclasses.replace(data, language=language)
    with caplog.at_level(logging.WARNING):
        out = card.render(d, outputs=("card_pdf", "receipt_pdf"), personal_code="K7Q-4RM-2XW")
    assert not [r for r in caplog.records if "glyph" in r.getMessage().lower()]
    assert out.card_pdf is not None and out.receipt_pdf is not None
    back = _pdftotext(out.card_pdf, page=2)
    receipt = _pdftotext(out.receipt_pdf, page=1)
    # Text extraction round-trips only if every glyph was embedded with its Unicode.
    # Compared without spaces: Thai and Chinese wrap lines where there is no space.
    def flat(text: str) -> str:
        return "".join(text.split())

    assert flat(texts.text(language, "back_not_id"))[:12] in flat(back)
    assert texts.text(language, "back_help") in back
    assert texts.text(language, "receipt_title") in receipt
    assert flat(texts.valid_until(d.valid_until, language)) in flat(receipt)
    assert "K7Q-4RM-2XW" in receipt
    assert "�" not in back + receipt


@needs_poppler
def test_receipt_prints_the_personal_code_line_only_when_given(data: CardData) -> None:
    without = _pdftotext(card.receipt_pdf(data), page=1)
    with_code = _pdftotext(card.receipt_pdf(data, personal_code="K7Q-4RM-2XW"), page=1)
    label = texts.text("nl", "receipt_personal_code")
    assert label not in without
    assert f"{label}: K7Q-4RM-2XW" in with_code


def test_repr_of_card_data_hides_qr_text_and_portrait(data: CardData) -> None:
    shown = repr(data)
    assert data.qr_text[:20] not in shown
    assert "portrait" not in shown




def test_nothing_is_written_to_disk(data: CardData, no_disk_writes: None) -> None:
    raw = (FIXTURES / "astronaut.png").read_bytes()
    portrait = photo.process(raw)
    out = card.render(
        dataclasses.replace(data, portrait_jpeg=portrait.print_jpeg, demo=True), personal_code="K7Q"
    )
    assert all(isinstance(getattr(out, f), bytes) for f in card.OUTPUTS)


@needs_poppler
def test_receipt_tells_her_where_mijn_pas_is_next_to_her_code(data: CardData) -> None:
    url = "https://pas.demogemeente.example/mijn-pas/"
    with_url = dataclasses.replace(data, mijnpas_url=url)
    text = " ".join(_pdftotext(card.receipt_pdf(with_url, personal_code="K7Q-4RM-2XW"), page=1).split())
    assert url in text.replace(" ", "") or url in text
    # Without a code nothing is kept about her, so there is nothing to look at there.
    assert "mijn-pas" not in _pdftotext(card.receipt_pdf(with_url), page=1)
