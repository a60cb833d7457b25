"""Accessibility as a test: axe-core over every page of every role (issue 15).

Each role's pages, in both UI languages, on a phone (390×844) and a desktop (1280×900)
viewport, with zero serious or critical axe violations: the officials' screens at the desk,
her /mijn-pas (form, her record, in her language) and the exploitant's verifier app.
One logged-in page per role (a TOTP code is accepted once); viewport and language are
switched on that page the way its user would (the header's NL/EN buttons).
"""

from __future__ import annotations

import base64
import io
import re
import subprocess
from typing import Any

import pyotp
import pytest

from tests.support.axe import require_axe, serious, violations
from tests.support.browser import (
    chromium,
    fill_checklist,
    live_service,
    open_her_record,
    require_chromium,
)
from tests.support.paths import FIXTURES

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}
VIEWPORTS = {"phone": PHONE, "desktop": DESKTOP}


@pytest.fixture(scope="module")
def service(tmp_path_factory):  # type: ignore[no-untyped-def]
    require_chromium()
    require_axe()
    from tokenservice.ops.instance import init_instance

    instance = tmp_path_factory.mktemp("a11y") / "instance"
    accounts = {a.username: a for a in init_instance(instance, demo=True, demo_escrow=True)}
    with live_service(instance) as base:
        yield base, accounts


@pytest.fixture(scope="module")
def browser(service):  # type: ignore[no-untyped-def]
    with chromium() as running:
        yield running


def _page(browser: Any, locale: str = "nl-NL") -> Any:
    context = browser.new_context(viewport=DESKTOP, locale=locale, bypass_csp=True,
                                  timezone_id="Europe/Amsterdam")
    return context.new_page()


def _login(page: Any, base: str, account: Any) -> None:
    page.goto(base + "/login")
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", account.password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.fill("input[name=code]", pyotp.TOTP(account.totp_secret).now())
    with page.expect_navigation():
        page.click("main button[type=submit]")


def _set_language(page: Any, lang: str) -> None:
    button = page.query_selector(f"form.nav-lang button[value={lang}]")
    assert button is not None, "the header's language switch"
    with page.expect_navigation():
        button.click()


def _check(page: Any, where: str, found: dict[str, list[str]]) -> None:
    problems = serious(violations(page))
    if problems:
        found[where] = problems


def _walk(page: Any, base: str, paths: list[str], label: str, found: dict[str, list[str]],
          langs: tuple[str, ...] = ("nl", "en")) -> None:
    for lang in langs:
        page.goto(base + paths[0])
        _set_language(page, lang)
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            for path in paths:
                page.goto(base + path)
                _check(page, f"{label} {path} [{lang}, {name}]", found)


def _fill_intake(page: Any, *, consent: bool) -> None:
    fill_checklist(page)
    page.check("input[name=category][value=raam]")
    page.check("input[name=language][value=es]")
    page.check(f"input[name=escrow_consent][value={'yes' if consent else 'no'}]")
    if consent:
        page.fill("#given_names", "Maria Elena")
        page.fill("#family_name", "Voorbeeld")
        page.fill("#id_document_number", "QX7254193")
    page.set_input_files("#photo", str(FIXTURES / "astronaut.png"))
    page.wait_for_timeout(300)


def _receipt_code(page: Any) -> str:
    href = page.get_attribute("a[download$='-bon.pdf']", "href")
    pdf = base64.b64decode(href.split(",", 1)[1])
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    found = re.search(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b", text)
    assert found, "her personal code on the receipt"
    return found.group(0)


@pytest.fixture(scope="module")
def office(service, browser):  # type: ignore[no-untyped-def]
    """The intake official's page, logged in once (a TOTP code is accepted only once)."""
    base, accounts = service
    page = _page(browser)
    _login(page, base, accounts["intake"])
    # Leaving a result page asks first (the leave guard); these tests leave on purpose.
    page.on("dialog", lambda dialog: dialog.accept())
    return page


@pytest.fixture(scope="module")
def issued(service, office):  # type: ignore[no-untyped-def]
    """The intake official's page after issuing a sealed pass: (page, number, code, qr).

    The QR text is read here, while the page is the result page: a later test may have
    taken the shared page elsewhere (it timed out reading the card from it then)."""
    base, _accounts = service
    page = office
    page.goto(base + "/intake/new")
    _fill_intake(page, consent=True)
    page.click("#intake-submit")
    page.wait_for_selector("#intake-result", timeout=60_000)
    number = page.get_attribute("#intake-result", "data-number")
    return page, number, _receipt_code(page), _card_qr(page)


def _card_qr(page: Any) -> str:
    import zxingcpp
    from PIL import Image

    href = page.get_attribute("a[download$='.png']", "href")
    card = Image.open(io.BytesIO(base64.b64decode(href.split(",", 1)[1])))
    (qr,) = [r.text for r in zxingcpp.read_barcodes(card) if r.text.startswith("PAS1:")]
    return qr


def test_the_intake_officials_pages(service, issued) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    page, _number, _code, _qr = issued
    found: dict[str, list[str]] = {}
    # The result page as it is right after issuing (the leave guard armed), both viewports.
    for name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        _check(page, f"intake result [nl, {name}]", found)
    _walk(page, base, ["/intake/new", "/intake/renew", "/account/password"], "intake", found)
    # The form sent empty: the error summary and the fields it names.
    page.goto(base + "/intake/new")
    page.click("#intake-submit")
    page.wait_for_selector("[data-error-summary]", timeout=5000)
    _check(page, "intake errors [en, phone]", found)
    # The renewal form, after the lookup by her card's QR (a desk scanner types it).
    page.goto(base + "/intake/renew")
    page.fill("#pass", _qr)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_selector("#renewal-proof", timeout=10_000)
    for name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        _check(page, f"intake renewal form [en, {name}]", found)
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


def test_the_login_pages(service, browser) -> None:  # type: ignore[no-untyped-def]
    """Login, a wrong password, and the second-factor step: each role's first screens."""
    base, accounts = service
    found: dict[str, list[str]] = {}
    page = _page(browser)
    account = accounts["handhaver"]
    for lang in ("nl", "en"):
        page.goto(base + "/login")
        _set_language(page, lang)
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            page.goto(base + "/login")
            _check(page, f"login [{lang}, {name}]", found)
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", account.password + "x")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    _check(page, "login, wrong password [en, phone]", found)
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", account.password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.wait_for_selector("input[name=code]")
    for name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        _check(page, f"login, second factor [en, {name}]", found)
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


def test_the_handhavers_and_beheer_pages(service, browser, issued) -> None:  # type: ignore[no-untyped-def]
    base, accounts = service
    found: dict[str, list[str]] = {}
    handhaver = _page(browser)
    _login(handhaver, base, accounts["handhaver"])
    _walk(handhaver, base, ["/handhaving/", "/handhaving/revoke", "/handhaving/record",
                            "/handhaving/requests", "/handhaving/export"], "handhaving", found)
    # What a look-up shows: the status of her pass, and a mistyped number.
    _office, number, _code, _qr = issued
    for typed, label in ((number, "status"), (number[:-1] + "0", "status, mistyped")):
        handhaver.goto(base + "/handhaving/")
        handhaver.fill("#status-number", typed)
        with handhaver.expect_navigation():
            handhaver.click("form.lookup button[type=submit]")
        for name, size in VIEWPORTS.items():
            handhaver.set_viewport_size(size)
            _check(handhaver, f"handhaving {label} [en, {name}]", found)
    beheer = _page(browser)
    _login(beheer, base, accounts["beheer"])
    _walk(beheer, base, ["/beheer/", "/beheer/accounts", "/beheer/keys", "/beheer/reports"],
          "beheer", found)
    beheer.goto(base + "/beheer/accounts")
    link = beheer.query_selector("a[href*='/beheer/accounts/']")
    assert link is not None, "an account's page"
    beheer.goto(base + link.get_attribute("href"))
    _check(beheer, "beheer account page", found)
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


def test_her_mijn_pas_on_a_phone_in_her_languages(service, browser, issued) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    _office, number, code, _qr = issued
    found: dict[str, list[str]] = {}
    page = _page(browser, locale="es-ES")
    for lang in ("es", "nl", "en", "bg"):
        for name, size in VIEWPORTS.items():
            page.set_viewport_size(size)
            page.goto(f"{base}/mijn-pas/?lang={lang}")
            _check(page, f"mijn-pas form [{lang}, {name}]", found)
    # Her record, after her number and code (a phone, in Spanish).
    page.set_viewport_size(PHONE)
    open_her_record(page, f"{base}/mijn-pas/?lang=es", number, code)
    assert number in page.inner_text("main")
    _check(page, "mijn-pas record [es, phone]", found)
    # A wrong code: the error she sees.
    open_her_record(page, f"{base}/mijn-pas/?lang=es", number, "AAAA-AAAA-AAAA-AAAA-AAAA-AAAA-AAAA")
    _check(page, "mijn-pas wrong code [es, phone]", found)
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


def test_the_exploitants_verifier_app(service, browser, issued) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    _office, _number, _code, qr = issued
    found: dict[str, list[str]] = {}
    page = _page(browser)
    for name, size in VIEWPORTS.items():
        page.set_viewport_size(size)
        page.goto(base + "/verify/")
        page.wait_for_selector("#scan-button, button", timeout=20_000)
        page.wait_for_timeout(500)
        _check(page, f"verifier app [nl, {name}]", found)
        english = page.query_selector("button[data-lang=en], #lang-en, button:has-text('EN')")
        if english is not None:
            english.click()
            page.wait_for_timeout(200)
            _check(page, f"verifier app [en, {name}]", found)
    # The code-entry dialog, the verdict it gives, and About (a phone, English).
    page.set_viewport_size(PHONE)
    if page.query_selector("#paste-dialog[open]") is None:  # without a camera it is open
        page.click("#paste-open")
    page.wait_for_selector("#paste-dialog[open]")
    _check(page, "verifier paste dialog [en, phone]", found)
    page.fill("#paste-text", qr)
    page.click("#paste-check")
    page.wait_for_selector("#verdict:not([hidden])", timeout=10_000)
    _check(page, "verifier verdict [en, phone]", found)
    page.goto(base + "/verify/")
    page.wait_for_selector("#about-open", timeout=20_000)
    page.click("#about-open")
    page.wait_for_selector("#about[open]")
    _check(page, "verifier about [phone]", found)
    assert not found, "\n".join(f"{k}:\n  " + "\n  ".join(v) for k, v in found.items())


# Keyboard only: no mouse, no element clicked or filled by the test; Tab, typing, Space,
# arrow keys and Enter, as someone who cannot use a pointer does it.

def _active(page: Any) -> dict[str, str]:
    return dict(page.evaluate("""() => { const e = document.activeElement;
        return {id: e.id || '', name: e.getAttribute('name') || '', type: e.type || '',
                tag: e.tagName, value: e.value || '', checked: String(Boolean(e.checked))}; }"""))


def _arrow_to(page: Any, value: str, key: str = "ArrowDown", limit: int = 12) -> None:
    for _ in range(limit):
        if _active(page)["value"] == value and _active(page).get("checked") in ("true", "false"):
            if _active(page)["type"] != "radio" or _active(page)["checked"] == "true":
                return
        page.keyboard.press(key)
    raise AssertionError(f"{value!r} not reachable with {key}: at {_active(page)}")


def test_the_intake_by_keyboard_only(service, office) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    page = office
    page.goto(base + "/intake/new")
    typed = {"bsn": "111222333", "kvk": "12345678"}
    dates = {"id_valid_until": "01052031", "birth_date": "02031994"}
    radios = {"category": "raam", "language": "es", "escrow_consent": "no"}
    done: set[str] = set()
    for _ in range(120):
        page.keyboard.press("Tab")
        now = _active(page)
        key = now["id"] or now["name"]
        if now["id"] == "id_document_type" and key not in done:
            _arrow_to(page, "passport")
        elif now["id"] in typed and key not in done:
            page.keyboard.type(typed[now["id"]])
        elif now["id"] in dates and key not in done:
            page.keyboard.type(dates[now["id"]])
        elif now["type"] == "checkbox" and now["name"] in ("information_given", "help_offered") \
                and key not in done:
            page.keyboard.press("Space")
        elif now["type"] == "radio" and now["name"] in radios and now["name"] not in done:
            _arrow_to(page, radios[now["name"]], key="ArrowRight")
            key = now["name"]
        elif now["id"] == "photo" and key not in done:
            with page.expect_file_chooser() as chooser:
                page.keyboard.press("Space")
            chooser.value.set_files(str(FIXTURES / "astronaut.png"))
            page.wait_for_timeout(300)
        elif now["id"] == "intake-submit":
            break
        else:
            continue
        done.add(key)
    assert _active(page)["id"] == "intake-submit", f"the submit button by Tab; reached {done}"
    wanted = {"id_document_type", *typed, *dates, "information_given", "help_offered", *radios, "photo"}
    assert wanted <= done, f"not reachable by keyboard: {wanted - done}"
    page.keyboard.press("Enter")
    page.wait_for_selector("#intake-result", timeout=60_000)
    assert page.get_attribute("#intake-result", "data-number")


def test_mijn_pas_by_keyboard_only(service, browser, issued) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    _office, number, code, _qr = issued
    page = _page(browser, locale="es-ES")
    page.set_viewport_size(PHONE)
    page.goto(f"{base}/mijn-pas/?lang=es")
    # The skip link comes first and leads past the language links to the form.
    page.keyboard.press("Tab")
    assert _active(page)["tag"] == "A"
    page.keyboard.press("Enter")
    for _ in range(10):
        if _active(page)["id"] == "number":
            break
        page.keyboard.press("Tab")
    assert _active(page)["id"] == "number"
    page.keyboard.type(number)
    page.keyboard.press("Tab")
    assert _active(page)["id"] == "code"
    page.keyboard.type(code)
    with page.expect_navigation():
        page.keyboard.press("Enter")
    assert number in page.inner_text("main")


def test_the_verifier_app_by_keyboard_only(service, browser, issued) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    _office, _number, _code, qr = issued
    page = _page(browser)
    page.set_viewport_size(PHONE)
    page.goto(base + "/verify/")
    page.wait_for_selector("#paste-open", timeout=20_000)
    page.wait_for_timeout(500)
    for _ in range(15):
        page.keyboard.press("Tab")
        if _active(page)["id"] == "paste-open":
            break
    assert _active(page)["id"] == "paste-open", "the code entry by Tab"
    page.keyboard.press("Enter")
    page.wait_for_selector("#paste-dialog[open]", timeout=5000)
    assert _active(page)["id"] == "paste-text", "the dialog puts the cursor in its field"
    page.keyboard.insert_text(qr)  # a USB/Bluetooth scanner types it
    for _ in range(5):
        page.keyboard.press("Tab")
        if _active(page)["id"] == "paste-check":
            break
    page.keyboard.press("Enter")
    page.wait_for_selector("#verdict:not([hidden])", timeout=10_000)
    tone = page.get_attribute("#verdict", "data-tone")
    title = page.inner_text("#verdict-title")
    # Text and icon as well as colour, and announced: an assertive live region with focus.
    assert tone == "valid" and title.startswith("GELDIG"), (tone, title)
    assert page.get_attribute("#verdict", "aria-live") == "assertive"
    assert page.evaluate("() => getComputedStyle(document.querySelector('.verdict-icon'), '::before')"
                         ".content") not in ("none", "normal", "")
    assert _active(page)["id"] in ("verdict", "verdict-title", "verdict-next", "scan-again") \
        or page.evaluate("() => document.querySelector('#verdict').contains(document.activeElement)")
