"""/mijn-pas in her language, in real Chromium on a phone (issue 15).

- The category of her pass in her language ("Wit" is Dutch; she reads White, Blanca, 白色).
- Changing language on her record keeps the record on screen: she does not retype her
  28-character code, and the code is in no URL, no page and no cookie in the clear.
- Her record on a 390 px phone breaks no word mid-letter and not her pass number
  (Spanish and Bulgarian: the words are long; checked on the language-switch walk), and
  a skip link leads past the twelve language links.
- Thai and Chinese render with real glyphs (no tofu boxes) on a phone viewport; the
  screenshots are written to the test's tmp folder for a person to look at.
"""

from __future__ import annotations

import base64
import re
import subprocess
import zlib
from typing import Any

import pytest

from tests.support.browser import (
    browser_login,
    chromium,
    demo_service,
    fill_checklist,
    open_her_record,
)
from tests.support.paths import FIXTURES
from tokenservice import texts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}


@pytest.fixture(scope="module")
def service(tmp_path_factory):  # type: ignore[no-untyped-def]
    with demo_service(tmp_path_factory.mktemp("mijnpas-lang"), demo_escrow=True) as running:
        yield running


@pytest.fixture(scope="module")
def browser(service):  # type: ignore[no-untyped-def]
    with chromium() as running:
        yield running


# Her phone: after her first opening it carries the service's mark for her number, as her
# own phone would (each test a new context; without the mark every opening from 127.0.0.1
# counts against the stranger's per-address limit, and the module ran into it).
_HER_PHONE: dict[str, Any] = {}


def _phone(browser: Any, locale: str = "es-ES") -> Any:
    context = browser.new_context(viewport=PHONE, locale=locale, is_mobile=True,
                                  timezone_id="Europe/Amsterdam",
                                  storage_state=_HER_PHONE.get("marked"))
    return context.new_page()


@pytest.fixture(scope="module")
def issued(service, browser):  # type: ignore[no-untyped-def]
    """A white (window) pass with a sealed record, issued at the intake: (number, code)."""
    base, accounts = service
    page = browser.new_context(viewport={"width": 1280, "height": 900},
                               locale="nl-NL").new_page()
    account = accounts["intake"]
    browser_login(page, base, account.username, account.password, account.totp_secret)
    page.on("dialog", lambda dialog: dialog.accept())
    page.goto(base + "/intake/new")
    fill_checklist(page)
    page.check("input[name=category][value=raam]")
    page.check("input[name=language][value=th]")
    page.check("input[name=escrow_consent][value=yes]")
    page.fill("#given_names", "Maria Elena")
    page.fill("#family_name", "Voorbeeld")
    page.fill("#id_document_number", "QX7254193")
    page.set_input_files("#photo", str(FIXTURES / "astronaut.png"))
    page.wait_for_timeout(300)
    page.click("#intake-submit")
    page.wait_for_selector("#intake-result", timeout=60_000)
    number = page.get_attribute("#intake-result", "data-number")
    href = page.get_attribute("a[download$='-bon.pdf']", "href")
    pdf = base64.b64decode(href.split(",", 1)[1])
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    found = re.search(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b", text)
    assert number and found, "number and her personal code on the receipt"
    page.context.close()
    return number, found.group(0)


def _session_payload(value: str) -> bytes:
    """The readable part of a Flask session cookie (signed, not encrypted)."""
    compressed = value.startswith(".")
    payload = value.lstrip(".").split(".")[0]
    try:
        data = base64.urlsafe_b64decode(payload + "=" * (-len(payload) % 4))
        return zlib.decompress(data) if compressed else data
    except (ValueError, zlib.error):
        return value.encode()


def _open_record(page: Any, base: str, lang: str, number: str, code: str) -> None:
    open_her_record(page, f"{base}/mijn-pas/?lang={lang}", number, code)
    assert number in page.inner_text("main")
    state = page.context.storage_state()
    # Only the device mark travels to the next test, not the session of this one.
    state["cookies"] = [c for c in state["cookies"] if c["name"] == "pas_device"]
    _HER_PHONE.setdefault("marked", state)


def _category_cell(page: Any, lang: str) -> str:
    row = page.locator("tr", has=page.locator("th", has_text=texts.page_text(lang, "category")))
    return str(row.locator("td").inner_text()).strip()


@pytest.mark.parametrize("lang", ["es", "en", "zh", "ru"])
def test_the_category_of_her_pass_is_in_her_language(service, browser, issued, lang) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    number, code = issued
    page = _phone(browser)
    _open_record(page, base, lang, number, code)
    assert _category_cell(page, lang) == texts.page_text(lang, "category_white")
    assert _category_cell(page, lang) != "Wit"
    page.context.close()


def test_changing_language_on_her_record_keeps_the_record(service, browser, issued, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    number, code = issued
    page = _phone(browser)
    urls: list[str] = []
    page.on("request", lambda r: urls.append(r.url + " " + (r.post_data or "")))
    _open_record(page, base, "es", number, code)
    assert code not in page.content(), "her code is not in the page"
    _assert_no_word_broken(page, "es")
    for lang in ("bg", "th", "zh"):
        with page.expect_navigation():
            page.click(f"header nav [lang='{texts.HTML_LANG[lang]}']")
        if lang == "bg":
            _assert_no_word_broken(page, lang)
        main = page.inner_text("main")
        assert number in main, f"switching to {lang} kept her record"
        assert texts.page_text(lang, "record_heading") in main
        assert page.locator("html").get_attribute("lang") == texts.HTML_LANG[lang]
        assert code not in page.content()
        # The record answers a POST: its history entry takes the start page's address.
        assert re.search(r"/mijn-pas/(taal|\?lang=[a-z]+)?$", page.url), page.url
    # Her code went to the server once, in the form's POST body — never in a URL, never
    # again in a later request; no cookie holds it in the clear.
    sent = [u for u in urls if code in u]
    assert len(sent) == 1 and "code=" in sent[0].split(" ", 1)[1]
    assert not [u for u in urls if code in u.split(" ", 1)[0]]
    for cookie in page.context.cookies():
        assert code not in cookie["value"]
        assert code.encode() not in _session_payload(cookie["value"])
        assert number.encode() not in _session_payload(cookie["value"])
    page.screenshot(path=str(tmp_path / "mijnpas-record-zh.png"), full_page=True)
    page.context.close()


@pytest.mark.parametrize("lang", ["th", "zh"])
def test_thai_and_chinese_render_without_missing_glyphs_on_a_phone(service, browser, issued, lang, tmp_path) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    number, code = issued
    page = _phone(browser)
    page.goto(f"{base}/mijn-pas/?lang={lang}")
    assert texts.page_text(lang, "intro") in page.inner_text("main")
    _open_record(page, base, lang, number, code)
    # Every character on screen is drawn by a font that has it: Chromium reports the
    # platform fonts it used per text node; a character no font has would be drawn as a
    # box by the last-resort font, which has no glyph name to report.
    cdp = page.context.new_cdp_session(page)
    cdp.send("DOM.enable")
    cdp.send("CSS.enable")
    root = cdp.send("DOM.getDocument", {"depth": -1})
    nodes = cdp.send("DOM.querySelectorAll", {"nodeId": root["root"]["nodeId"],
                                              "selector": "h1, h2, p, th, td, label, button"})
    used: dict[str, int] = {}
    for node_id in nodes["nodeIds"]:
        fonts = cdp.send("CSS.getPlatformFontsForNode", {"nodeId": node_id})["fonts"]
        for f in fonts:
            used[f["familyName"]] = used.get(f["familyName"], 0) + f["glyphCount"]
    assert used, "Chromium reported the fonts it drew with"
    script_fonts = {"th": ("Thai", "Tlwg", "Loma", "Garuda", "Kinnari", "Norasi"),
                    "zh": ("CJK", "Hei", "Song", "Ming", "WenQuanYi", "Droid Sans Fallback")}
    assert any(any(s in name for s in script_fonts[lang]) for name in used), used
    assert not [n for n in used if "LastResort" in n or n.strip() == ""], used
    shot = tmp_path / f"mijnpas-{lang}-phone.png"
    page.screenshot(path=str(shot), full_page=True)
    print(f"screenshot: {shot}  fonts: {used}")
    page.context.close()


# Every word of the page's main text on one line: a word broken across two lines has two
# client rectangles (Chromium gives one per line box the range crosses).
_BROKEN_WORDS = """() => {
  const broken = [];
  const walker = document.createTreeWalker(document.querySelector('main'), NodeFilter.SHOW_TEXT);
  for (let node = walker.nextNode(); node; node = walker.nextNode()) {
    const text = node.textContent;
    for (const m of text.matchAll(/\\S+/g)) {
      const range = document.createRange();
      range.setStart(node, m.index);
      range.setEnd(node, m.index + m[0].length);
      // One rectangle a line box; two rectangles on one line (an inline element's
      // fragments) overlap vertically.
      const rects = [...range.getClientRects()].filter((r) => r.width > 0 && r.height > 0);
      const apart = rects.some((a) => rects.some((b) => b.top >= a.bottom - 1));
      if (apart) broken.push(m[0] + ' ' + JSON.stringify(rects.map((r) => [r.left, r.top, r.width, r.height].map(Math.round))));
    }
  }
  return broken;
}"""


def _assert_no_word_broken(page: Any, lang: str) -> None:
    """Her record on the 390 px phone: no word and not her pass number broken across lines
    (checked on the language-switch walk: one more opening of her record would run into
    the per-number limit of /mijn-pas)."""
    assert page.evaluate("() => document.documentElement.scrollWidth") <= PHONE["width"]
    broken = page.evaluate(_BROKEN_WORDS)
    assert broken == [], f"{lang}: words broken across lines at {PHONE['width']} px: {broken}"


def test_a_skip_link_leads_past_the_language_links(service, browser) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    page = _phone(browser)
    page.goto(f"{base}/mijn-pas/?lang=es")
    page.keyboard.press("Tab")
    focused = page.evaluate("() => [document.activeElement.tagName, document.activeElement.getAttribute('href'), document.activeElement.innerText]")
    assert focused[0] == "A" and focused[1] == "#main", focused
    assert focused[2].strip() == texts.page_text("es", "skip")
    page.keyboard.press("Enter")
    page.keyboard.press("Tab")
    # The next stop is in her form, not the next language link.
    assert page.evaluate("() => document.activeElement.closest('main form') !== null")
    page.context.close()

