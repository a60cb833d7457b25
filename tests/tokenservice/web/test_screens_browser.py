"""Issue 15 in real Chromium: what the browser does on the officials' screens.

- An empty intake form, login form or bad beheer username no longer stops at the browser's
  own bubble ("Please select an item in the list.", one field at a time, in the browser's
  language): the page shows one error summary, focused, with a link per field; a link puts
  the focus in its field.
- The result page asks before it is left while her receipt was not opened (Back, reload,
  "Volgende intake"); after the receipt link, it lets go.
- The white category's preview has no black outline and no strip on the back.
- Handhaving: the lookup is above the revoke form.

Screenshots (desktop viewport) go to $PAS_SCREENSHOTS when set.
"""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from tests.support.browser import (
    browser_login,
    chromium,
    demo_service,
    fill_checklist,
)
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PAS_SCREENSHOTS")


def shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"screens-{name}.png"), full_page=True)


@pytest.fixture(scope="module")
def service(tmp_path_factory):  # type: ignore[no-untyped-def]
    with demo_service(tmp_path_factory.mktemp("live")) as running:
        yield running


@pytest.fixture(scope="module")
def browser(service):  # type: ignore[no-untyped-def]
    # An English browser on a Dutch form: the browser's own messages would be English.
    with chromium("--lang=en-US") as running:
        yield running


@pytest.fixture(scope="module")
def pages(service, browser):  # type: ignore[no-untyped-def]
    """One logged-in page per role, logged in once (a TOTP code is accepted only once)."""
    base, accounts = service
    made: dict[str, object] = {}

    def page_for(role: str):  # type: ignore[no-untyped-def]
        if role not in made:
            context = browser.new_context(viewport={"width": 1280, "height": 900}, locale="en-US")
            page = context.new_page()
            if role != "anonymous":
                account = accounts[role]
                browser_login(page, base, role, account.password, account.totp_secret)
            made[role] = page
        return made[role]

    return page_for


def focused(page) -> str:  # type: ignore[no-untyped-def]
    return page.evaluate(
        "() => document.activeElement.id || (document.activeElement.matches('[data-error-summary]')"
        " ? 'summary' : document.activeElement.tagName)")


def summary(page) -> dict[str, str]:  # type: ignore[no-untyped-def]
    return {a.get_attribute("href")[1:]: " ".join(a.inner_text().split())
            for a in page.query_selector_all("[data-error-summary] a")}


def test_login_form_sent_empty_shows_a_focused_summary(service, pages) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    page = pages("anonymous")
    page.goto(base + "/login")
    with page.expect_navigation(timeout=5000):
        page.click("main button[type=submit]")
    page.wait_for_selector("[data-error-summary]")
    assert summary(page) == {"username": "Gebruikersnaam: Vul uw gebruikersnaam in.",
                             "password": "Wachtwoord: Vul uw wachtwoord in."}
    assert focused(page) == "summary"
    page.click("[data-error-summary] a[href='#password']")
    assert focused(page) == "password"
    shot(page, "login-summary")


def test_intake_form_sent_empty_shows_one_summary_not_the_browser_bubble(service, pages) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    page = pages("intake")
    page.goto(base + "/intake/new")
    page.click("#intake-submit")
    page.wait_for_selector("[data-error-summary]", timeout=5000)
    links = summary(page)
    assert list(links) == ["id_document_type", "id_valid_until", "bsn", "kvk", "birth_date",
                           "information_given", "help_offered", "category", "language",
                           "photo"], links
    assert links["id_document_type"] == "Identiteitsbewijs: Kies het soort identiteitsbewijs."
    assert focused(page) == "summary"
    assert page.evaluate("() => document.querySelectorAll('[role=alert]').length") == 1
    shot(page, "intake-summary")
    page.click("[data-error-summary] a[href='#kvk']")
    assert focused(page) == "kvk"
    page.click("[data-error-summary] a[href='#category']")
    assert focused(page) == "category"

    # With everything filled but one mistake: the summary names just that one.
    fill_checklist(page)
    page.fill("#kvk", "1234567")  # the browser's quick check catches this one
    page.check("input[name=category][value=raam]")
    page.check("input[name=language][value=ro]")
    page.set_input_files("#photo", str(FIXTURES / "astronaut.png"))
    page.click("#intake-submit")
    page.wait_for_selector("[data-error-summary] a[href='#kvk']", timeout=5000)
    assert list(summary(page)) == ["kvk"]


def test_result_page_asks_before_her_receipt_is_lost_and_offers_her_leaflet(service, pages) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    page = pages("intake")
    page.goto(base + "/intake/new")
    fill_checklist(page)
    page.check("input[name=category][value=raam]")  # the demo's white category
    page.check("input[name=language][value=ro]")
    page.set_input_files("#photo", str(FIXTURES / "astronaut.png"))
    page.wait_for_timeout(500)
    page.click("#intake-submit")
    page.wait_for_selector("#intake-result", timeout=60_000)
    number = page.get_attribute("#intake-result", "data-number")

    # The white category's preview: no black outline, no strip on the back.
    band = page.evaluate("""() => { const s = getComputedStyle(document.querySelector('.card-front .band'));
        return [s.outlineStyle, s.borderBottomColor, s.borderBottomWidth]; }""")
    assert band[0] == "none" and band[1] == "rgb(160, 160, 160)", band
    assert page.evaluate("() => getComputedStyle(document.querySelector('.card-back .strip')).display") == "none"
    size = page.evaluate("() => getComputedStyle(document.querySelector('.card-back .not-id')).fontSize")
    assert float(size.removesuffix("px")) >= 10.6, size  # 8 pt = 10.67 px
    # Her leaflet in her language, right here.
    leaflet = page.get_attribute("#leaflet-link", "download")
    assert leaflet == "leaflet-ro.pdf"
    assert page.get_attribute("#leaflet-link", "href").startswith("data:application/pdf;base64,")
    assert "Română" in page.inner_text("#leaflet-link")
    shot(page, "result")

    # "Volgende intake" before the receipt: the page stays and says what would be lost.
    page.click("#next-intake")
    page.wait_for_selector("#leave-guard:not([hidden])", timeout=5000)
    assert page.query_selector("#intake-result") is not None
    assert focused(page) == "leave-guard"
    shot(page, "result-guard")
    # Reload (or Back) asks the browser's "leave site?" question; dismissed, nothing is lost.
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:  # type: ignore[no-untyped-def]
        dialogs.append(dialog.type)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    try:
        page.reload(timeout=2000)
    except Exception:  # the dismissed reload never finishes
        pass
    assert dialogs == ["beforeunload"]
    assert page.get_attribute("#intake-result", "data-number") == number

    # The receipt opened (downloaded): the page lets go.
    with page.expect_download() as download:
        page.click("#open-receipt")
    assert download.value.suggested_filename == f"pas-{number}-bon.pdf"
    with page.expect_navigation():
        page.click("#next-intake")
    assert page.url.endswith("/intake/new")
    assert dialogs == ["beforeunload"]


def test_handhaving_lookup_is_above_revoke_form_and_sent_empty_gets_a_summary(service, pages) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    page = pages("handhaver")
    page.goto(base + "/handhaving/revoke")
    lookup = page.locator("#status-number").bounding_box()
    revoke = page.locator("#revoke-number").bounding_box()
    assert lookup["y"] < revoke["y"]
    shot(page, "handhaving")
    # Sent empty: a summary, not the browser's bubble.
    with page.expect_navigation(timeout=5000):
        page.click("form:has(#revoke-number) button[type=submit]")
    assert list(summary(page)) == ["revoke-number", "revoke-reason", "revoke-confirm"]


def test_beheer_bad_username_gets_the_rule_from_the_server(service, pages) -> None:  # type: ignore[no-untyped-def]
    base, _accounts = service
    page = pages("beheer")
    page.goto(base + "/beheer/accounts")
    assert "kleine letters a–z" in page.inner_text("#username-rule")
    page.fill("#username", "Jan de Vries!")
    page.select_option("#role", "intake")
    with page.expect_navigation(timeout=5000):
        page.click("form[action$='/beheer/accounts'] button[type=submit]")
    links = summary(page)
    assert list(links) == ["username"] and "Niet toegestaan: spatie, “!”." in links["username"]
    assert focused(page) == "summary"
    shot(page, "beheer-username")
    assert page.locator("header nav a[href='/beheer/reports']").count() == 1
    assert page.locator("main nav").count() == 0
    page.goto(base + "/beheer/reports")
    width = page.evaluate("() => document.querySelector('svg.bars').getBoundingClientRect().width")
    assert width >= 600
    shot(page, "beheer-reports")
