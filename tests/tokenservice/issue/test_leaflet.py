"""The worker leaflet: eight languages, A5, one or two pages, every glyph, policy-aware, and
the committed docs/leaflets/ are what the CLI makes today."""

from __future__ import annotations

import functools
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest
from fontTools.ttLib import TTFont

from tests.support.paths import ROOT
from tokenservice import _cli, texts
from tokenservice.issue import leaflet, typeface
from tokenservice.issue.leaflet import LeafletError

FONTS = ROOT / "tokenservice" / "issue" / "fonts"
DOCS = ROOT / "docs" / "leaflets"
#: The address printed on the committed demo leaflets (docs/leaflets/README.md).
DEMO_URL = "https://pas.demogemeente.example/mijn-pas/"
CONTACTS = (("GGD Demogemeente", "0900 123 4567"), ("Vertrouwelijk advies", "0900 765 4321"))
#: Words that out the holder to whoever finds the leaflet, in the eight languages.
FORBIDDEN = ("seks", "sex", "szex", "секс", "prostitu", "prostitú", "prostytu", "проститу",
             "escort", "raam", "window", "erot", "massage", "hoer",
             # uk, ru (секс, проститу above); th: sex, prostitute, prostitution; zh: sex
             # (work), prostitution, prostitute, erotic.
             "повія", "шлюха", "เพศ", "โสเภณี", "ประเวณี", "性工作", "性服务", "卖淫", "妓", "色情")
#: Letters that need Latin Extended or Cyrillic glyphs, per language (the translations have
#: no ű; test_names_in_every_script_round_trip covers it).
SPECIAL = {"ro": "șțăîâ", "hu": "őáéöü", "pl": "łżąęśćń", "bg": "жщъюяЗВ",
           "uk": "їєі", "ru": "ыэёщ", "th": "บัตรของคุณ", "zh": "通行证"}

needs_poppler = pytest.mark.skipif(
    shutil.which("pdftotext") is None, reason="poppler-utils not installed (CI installs it)"
)


@functools.lru_cache(maxsize=64)
def _render(language: str, *, escrow: bool = True, url: str | None = DEMO_URL,
            validity_days: int = 730) -> bytes:
    return leaflet.pdf(language, issuer_name="Demogemeente", help_contacts=CONTACTS,
                       escrow=escrow, mijnpas_url=url, validity_days=validity_days)


def _pages(pdf: bytes) -> int:
    return len(re.findall(rb"/Type /Page\b", pdf))


@functools.lru_cache(maxsize=64)
def _text(pdf: bytes) -> str:
    """The PDF's text above the footer, all whitespace (line breaks from wrapping) as single
    spaces, so a paragraph that runs on to the next page still reads as one."""
    body_pt = round((leaflet.A5_MM[1] - 14) / 25.4 * 72)  # the footer sits in the last 16 mm
    # Shaped Thai puts vowel and tone marks on their own baselines, which pdftotext's
    # reading-order guess scatters; -raw keeps the order the PDF writes them in.
    raw = ["-raw"] if b"NotoSansThai" in pdf else []
    out = subprocess.run(
        ["pdftotext", "-enc", "UTF-8", *raw, "-r", "72", "-x", "0", "-y", "0", "-W", "420",
         "-H", str(body_pt), "-", "-"],
        input=pdf, capture_output=True, check=True,
    )
    return _flat(out.stdout.decode())


def _footer(pdf: bytes) -> str:
    out = subprocess.run(["pdftotext", "-enc", "UTF-8", "-", "-"], input=pdf,
                         capture_output=True, check=True)
    return " ".join(out.stdout.decode().split())


def _nospace(text: str) -> str:
    return "".join(text.split())


def _flat(text: str) -> str:
    """Whitespace as single spaces; none at all in Thai and Chinese, which break lines
    between words (or characters) without a space, so a wrapped line reads back with one."""
    if re.search("[\u0e00-\u0e7f\u3000-\u9fff\uff00-\uffef]", text):
        return "".join(text.split())
    return " ".join(text.split())


@pytest.mark.parametrize("escrow", [True, False], ids=["escrow", "none"])
@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_every_language_renders_a5_on_two_pages_at_most_with_dejavu_embedded(
    language: str, escrow: bool, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        pdf = _render(language, escrow=escrow)
    assert not [r for r in caplog.records if "glyph" in r.getMessage().lower()]
    assert pdf.startswith(b"%PDF-")
    assert 1 <= _pages(pdf) <= leaflet.MAX_PAGES
    # A5 portrait in points: 148 x 210 mm.
    assert re.search(rb"/MediaBox \[0 0 419\.5\d* 595\.2\d*\]", pdf)
    assert b"/FontFile2" in pdf
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSans", pdf)
    assert re.search(rb"/BaseFont /[A-Z]{6}\+DejaVuSans-?Bold", pdf)


def test_missing_glyphs_would_be_reported(caplog: pytest.LogCaptureFixture) -> None:
    """The no-warning assertion above is not vacuous: fpdf2 does warn about a glyph the
    subset fonts lack (a snowman is not in them)."""
    with caplog.at_level(logging.WARNING):
        leaflet.pdf("nl", issuer_name="Gemeente ☃", escrow=False, mijnpas_url=None)
    assert any("glyph" in r.getMessage().lower() for r in caplog.records)


def _leaflet_texts(language: str) -> str:
    keys = [k for k in texts.keys() if k.startswith("leaflet_")]
    keys += ["receipt_issuer", "receipt_photo", "receipt_help_title", "receipt_help_intro"]
    return "".join(texts.text(language, k) for k in keys) + texts.LANGUAGE_NAMES[language]


@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_every_leaflet_character_is_in_both_fonts(language: str) -> None:
    """Regular and bold: every character in DejaVu or, for Thai and Chinese, in the script's
    font that fpdf2 falls back to (typeface.SCRIPT_FONTS)."""
    needed = {ord(c) for c in _leaflet_texts(language) + "✓✗•0123456789/"}
    files = typeface.font_files(language)
    for style in (files[0::2], files[1::2]):
        cmaps = [TTFont(FONTS / name).getBestCmap() for name in style]
        assert sorted(chr(c) for c in needed if not any(c in m for m in cmaps)) == [], style


@pytest.mark.parametrize("language", sorted(typeface.SCRIPT_FONTS))
def test_thai_and_chinese_are_set_in_their_script_font(language: str) -> None:
    """The fallback font is embedded, every list keeps its ✓ (fpdf2's lost-font bug,
    typeface._page_font_outside_saved_state) and the text reads back whole."""
    pdf = _render(language)
    name = {"th": rb"NotoSansThai", "zh": rb"NotoSansCJKSC"}[language]
    assert re.search(rb"/BaseFont /[A-Z]{6}\+" + name, pdf)
    out = subprocess.run(["pdftoppm", "-r", "20", "-png", "-", "/dev/null"], input=pdf,
                         capture_output=True, check=False) if shutil.which("pdftoppm") else None
    if out is not None:
        assert b"No font in show" not in out.stderr
    if shutil.which("pdftotext"):
        text = _text(pdf)
        assert text.count("✓") == 2 and text.count("✗") == 1
        assert "geldigtot" in _nospace(text)


@needs_poppler
@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_the_key_sentences_come_out_of_the_pdf_in_her_language(language: str) -> None:
    text = _text(_render(language))

    def t(key: str) -> str:
        return _flat(texts.text(language, key))

    for key in ("leaflet_title", "leaflet_what", "leaflet_not_id", "leaflet_show_exploitant",
                "leaflet_show_officials", "leaflet_show_never", "leaflet_renew",
                "leaflet_stored_escrow", "leaflet_sealed", "leaflet_rights_title",
                "leaflet_rights_online", "leaflet_keep_apart", "receipt_help_title"):
        assert t(key) in text, key
    assert _flat(f"{t('leaflet_two_years')} {t('leaflet_valid_date')}") in text
    # The rights come with their label in bold; the text round-trips all the same.
    for key in ("leaflet_right_see", "leaflet_right_erase", "leaflet_right_stop"):
        assert t(key) in text, key
    assert DEMO_URL in text
    for name, how in CONTACTS:
        # Thai and Chinese read back without spaces (_flat): compare names the same way.
        assert _nospace(name) in _nospace(text) and _nospace(how) in _nospace(text)
    assert _flat(texts.LANGUAGE_NAMES[language]) in text
    assert "Demogemeente" in text
    for letter in SPECIAL.get(language, ""):
        assert letter in text, f"{letter!r} lost in {language}"
    assert "\ufffd" not in text


@needs_poppler
def test_names_in_every_script_round_trip(caplog: pytest.LogCaptureFixture) -> None:
    """Issuer and contact names come from pas.toml and may use any of the eight alphabets."""
    names = (("Fundația Șansa Țării", "0721 000 000"), ("Segítő Kéz – Győr, Tűzoltó u. 1", "űő"),
             ("Fundacja Łączy Żółć", "ul. Źródlana 5, Ćmielów, Gdańsk, Łęczna"), ("Помощ – Център „Надежда“", "жщъюя"))
    with caplog.at_level(logging.WARNING):
        pdf = leaflet.pdf("hu", issuer_name="Gemeente Súdwest-Fryslân", help_contacts=names,
                          escrow=False, mijnpas_url=None)
    assert not [r for r in caplog.records if "glyph" in r.getMessage().lower()]
    text = _text(pdf)
    for name, how in names:
        assert name in text and how in text
    assert "Súdwest-Fryslân" in text


@needs_poppler
@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_policy_none_and_escrow_say_different_things(language: str) -> None:
    escrow = _text(_render(language, escrow=True))
    escrow_no_url = _text(_render(language, escrow=True, url=None))
    none = _text(_render(language, escrow=False, url=DEMO_URL))

    def t(key: str) -> str:
        return _flat(texts.text(language, key))

    sealed_only = ("leaflet_stored_escrow", "leaflet_sealed", "leaflet_no_code",
                   "leaflet_keep_apart", "leaflet_right_erase", "leaflet_right_see")
    none_only = ("leaflet_stored_none", "leaflet_right_erase_none", "leaflet_right_see_none")
    for key in sealed_only:
        assert t(key) in escrow and t(key) not in none, key
    for key in none_only:
        assert t(key) in none and t(key) not in escrow, key
    # Under policy none there is no /mijn-pas for her: no address, she asks at the spreekuur.
    assert DEMO_URL not in none and t("leaflet_rights_desk") in none
    # Escrow without an address sends her to the spreekuur too.
    assert DEMO_URL not in escrow_no_url and t("leaflet_rights_desk") in escrow_no_url
    assert t("leaflet_rights_desk_too") in escrow
    for key in ("leaflet_not_id", "leaflet_show_never", "leaflet_right_stop"):
        assert t(key) in none and t(key) in escrow


@needs_poppler
@pytest.mark.parametrize("language", texts.LANGUAGES)
def test_nothing_on_the_leaflet_outs_her(language: str) -> None:
    for escrow in (True, False):
        text = _text(_render(language, escrow=escrow)).lower()
        assert [w for w in FORBIDDEN if w in text] == []


@needs_poppler
def test_another_validity_drops_the_two_years_sentence() -> None:
    two = _text(_render("en"))
    one = _text(_render("en", validity_days=365))
    assert texts.text("en", "leaflet_two_years") in two
    assert texts.text("en", "leaflet_two_years") not in one
    assert _flat(texts.text("en", "leaflet_valid_date")) in one


def test_four_long_help_contacts_still_make_a_leaflet() -> None:
    long = tuple((f"Organisatie {i} met een lange naam voor de test",
                  f"0900 123 456{i} · www.voorbeeld{i}.example · ma–vr 9–17 uur")
                 for i in range(leaflet.MAX_HELP_CONTACTS))
    pdf = leaflet.pdf("bg", issuer_name="Gemeente Súdwest-Fryslân", help_contacts=long,
                      escrow=True, mijnpas_url=DEMO_URL + "?a-very-long-query=1234567890")
    assert 1 <= _pages(pdf) <= 3


def test_four_ordinary_help_contacts_fit_on_two_pages() -> None:
    four = (("GGD Groningen", "050 367 4000"), ("Vertrouwelijk advies", "0900 765 4321"),
            ("Fier", "088 208 0000 (24 uur)"), ("Leger des Heils", "050 317 2500"))
    for language in ("es", "pt", "bg", "hu"):  # the longest texts
        pdf = leaflet.pdf(language, issuer_name="Gemeente Groningen", help_contacts=four,
                          escrow=True, mijnpas_url=DEMO_URL)
        assert _pages(pdf) <= leaflet.MAX_PAGES, language


@pytest.mark.parametrize(
    ("kwargs", "code"),
    [
        ({"language": "de"}, "language"),
        ({"issuer_name": "  "}, "issuer_name"),
        ({"help_contacts": [("a", "b")] * 5}, "help_contacts"),
        ({"mijnpas_url": "javascript:alert(1)"}, "mijnpas_url"),
    ],
)
def test_bad_input_is_refused(kwargs: dict[str, object], code: str) -> None:
    args: dict[str, object] = {"language": "nl", "issuer_name": "Demogemeente",
                               "help_contacts": (), "escrow": True, "mijnpas_url": None}
    args.update(kwargs)
    language = args.pop("language")
    with pytest.raises(LeafletError) as exc:
        leaflet.pdf(language, **args)  # type: ignore[arg-type]
    assert exc.value.code == code


@pytest.fixture
def clean_env(monkeypatch: pytest.MonkeyPatch) -> None:
    import os

    for name in list(os.environ):
        if name.startswith("PAS_"):
            monkeypatch.delenv(name)


@pytest.fixture
def demo_escrow(demo_template: Path, tmp_path: Path) -> Path:
    """The demo instance as `pas-service init --demo` makes it: policy escrow."""
    path = tmp_path / "instance"
    path.mkdir(mode=0o700)
    shutil.copytree(demo_template / "keys", path / "keys")
    toml = (demo_template / "pas.toml").read_text()
    toml, n = re.subn(r'^# registration_policy = "escrow".*$', 'registration_policy = "escrow"',
                      toml, flags=re.M)
    assert n == 1
    (path / "pas.toml").write_text(toml)
    return path


def test_cli_writes_one_language(clean_env: None, demo_template: Path, demo_escrow: Path,
                                 tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "ro.pdf"
    assert _cli.main(["--instance", str(demo_escrow), "leaflet", "--lang", "ro",
                      "--out", str(out), "--issuer", "GM9999", "--mijnpas-url", DEMO_URL]) == 0
    assert out.read_bytes().startswith(b"%PDF-") and _pages(out.read_bytes()) <= 2
    said = capsys.readouterr().out
    assert "Română" in said and "policy escrow" in said
    assert f"/mijn-pas address on the leaflet: {DEMO_URL}" in said
    # Policy none (the default): the address is not printed, and the CLI says why.
    assert _cli.main(["--instance", str(demo_template), "leaflet", "--lang", "pl",
                      "--out", str(out), "--mijnpas-url", DEMO_URL]) == 0
    said = capsys.readouterr().out
    assert "policy none" in said and "not on the leaflet" in said
    # An issuer outside the trust list, and --out without --lang, are refused.
    assert _cli.main(["--instance", str(demo_template), "leaflet", "--lang", "ro",
                      "--out", str(out), "--issuer", "GM0001"]) == 2
    assert _cli.main(["--instance", str(demo_template), "leaflet", "--out", str(out)]) == 2
    assert "trust list" in capsys.readouterr().err


@needs_poppler
def test_cli_all_writes_eight_and_the_committed_demo_leaflets_are_current(
    clean_env: None, demo_escrow: Path, tmp_path: Path
) -> None:
    """Regenerate with the command in docs/leaflets/README.md when this fails."""
    folder = tmp_path / "leaflets"
    assert _cli.main(["--instance", str(demo_escrow), "leaflet", "--all", str(folder),
                      "--mijnpas-url", DEMO_URL]) == 0
    made = sorted(p.name for p in folder.glob("*.pdf"))
    assert made == sorted(leaflet.filename(lang) for lang in texts.LANGUAGES)
    for lang in texts.LANGUAGES:
        fresh = (folder / leaflet.filename(lang)).read_bytes()
        committed = DOCS / leaflet.filename(lang)
        assert committed.exists(), f"{committed} missing"
        assert _footer(committed.read_bytes()) == _footer(fresh), f"{committed.name} is stale"
        assert _pages(committed.read_bytes()) == _pages(fresh)
