"""Issue 15 in real Chromium: the error summary on the forms that relied on the browser.

- Her /mijn-pas on a phone (390×844, Spanish browser): the look-up form sent empty and the
  erase/stop form on her record sent with mistakes get one summary in her language, focused,
  a link per field that puts the focus in it; her record stays on screen; nothing changes.
- The officials' second login step (TOTP) and the enrolment link on a desktop, in an English
  browser on a Dutch page: the page's summary in Dutch, not the browser's bubble.
"""

from __future__ import annotations

import time
from typing import Any

import pyotp
import pytest

from tests.support.browser import (
    BASE_ARGS,
    CHROMIUM,
    live_service,
    open_her_record,
    require_chromium,
)
from tokenservice import texts

pytestmark = [pytest.mark.browser, pytest.mark.slow]

PHONE = {"width": 390, "height": 844}
DESKTOP = {"width": 1280, "height": 900}


@pytest.fixture(scope="module")
def service(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A demo instance with a sealed pass (number, code) and an enrolment link."""
    require_chromium()
    from tokenservice import config, escrow
    from tokenservice.access import accounts as accounts_mod
    from tokenservice.issue.passes import Official
    from tokenservice.ops.instance import init_instance
    from tokenservice.web.app import create_app

    instance = tmp_path_factory.mktemp("summaries") / "instance"
    accounts = {a.username: a for a in init_instance(instance, demo=True, demo_escrow=True)}
    app = create_app(config.load(env={}, instance_dir=instance, secure_cookies=False))
    svc = app.extensions["pas"]
    intake = Official("intake", "intake")
    number = svc.passes.issue(iss="GM9999", category="raam",
                              photo=b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes",
                              photo_type="image/webp", official=intake).number
    anna = escrow.Identity(given_names="Anna", family_name="Kowalska", birth_date="1994-07-13",
                           id_document_number="NX7Q4R2K9", bsn="123456782")
    with svc.db.transaction() as s:
        code = escrow.seal_identity(s, escrow.config_for(svc.settings), pass_number=number,
                                    identity=anna, consent=True, policy="escrow",
                                    now=int(time.time()), official=intake)
        _account, link = accounts_mod.create_pending(s, username="nieuw", role="intake", by=None,
                                                     now=int(time.time()))
    svc.db.dispose()
    with live_service(instance) as base:
        yield {"base": base, "accounts": accounts, "number": number, "code": code,
               "link": f"/enrol/{link}", "app": app}


@pytest.fixture(scope="module")
def browser(service):  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        # An English browser: its own bubbles would say "Please fill out this field."
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=[*BASE_ARGS, "--lang=en-US"])
        yield chromium
        chromium.close()


def _page(browser: Any, viewport: dict[str, int], locale: str, *, axe: bool = False) -> Any:
    """A page; ``axe``: in a context that may inject axe-core (CSP bypassed, so only for
    the tests that run it — the others keep the page's CSP, under which its scripts run)."""
    context = browser.new_context(viewport=viewport, locale=locale, is_mobile=viewport == PHONE,
                                  timezone_id="Europe/Amsterdam", bypass_csp=axe)
    return context.new_page()


def _no_serious_axe_violations(page: Any) -> None:
    from tests.support.axe import require_axe, serious, violations

    require_axe()
    assert not serious(violations(page)), serious(violations(page))


def focused(page: Any) -> str:
    return str(page.evaluate(
        "() => document.activeElement.id || (document.activeElement.matches('[data-error-summary]')"
        " ? 'summary' : document.activeElement.tagName)"))


def summary(page: Any) -> dict[str, str]:
    return {a.get_attribute("href")[1:]: " ".join(a.inner_text().split())
            for a in page.query_selector_all("[data-error-summary] a")}


def _send(page: Any, button: str) -> None:
    with page.expect_navigation(timeout=15_000):
        page.click(button)
    page.wait_for_selector("[data-error-summary]", timeout=5000)


def _fits(page: Any) -> bool:
    return bool(page.evaluate("() => document.documentElement.scrollWidth <= window.innerWidth"))


def test_mijn_pas_look_up_sent_empty_on_a_phone(service, browser) -> None:  # type: ignore[no-untyped-def]
    page = _page(browser, PHONE, "es-ES", axe=True)
    page.goto(service["base"] + "/mijn-pas/?lang=es")
    _send(page, "main form button[type=submit]")
    _no_serious_axe_violations(page)
    assert summary(page) == {"number": texts.page_text("es", "number_missing"),
                             "code": texts.page_text("es", "code_missing")}
    assert page.inner_text(".error-summary-title") == texts.page_text("es", "problem")
    assert focused(page) == "summary"
    assert _fits(page)
    page.click("[data-error-summary] a[href='#code']")
    assert focused(page) == "code"
    # A wrong code: one answer, linked to the number; the number stays, the code does not.
    page.fill("#number", service["number"])
    page.fill("#code", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG")
    _send(page, "main form button[type=submit]")
    assert summary(page) == {"number": texts.page_text("es", "wrong")}
    assert page.input_value("#number") == service["number"] and page.input_value("#code") == ""
    assert "AAAA-BBBB" not in page.content() and "AAAA-BBBB" not in page.url
    page.context.close()


def test_mijn_pas_erase_form_with_mistakes_keeps_her_record_on_a_phone(service, browser, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from tokenservice import escrow

    number, code = service["number"], service["code"]
    page = _page(browser, PHONE, "bg-BG", axe=True)
    open_her_record(page, service["base"] + "/mijn-pas/?lang=bg", number, code)
    assert "Kowalska" in page.inner_text("main")
    # Sent without a box ticked and without the code: the browser stops nothing; the page
    # says both, in Bulgarian, above her record.
    _send(page, "form[action$='/wissen'] button[type=submit]")
    assert summary(page) == {"erase": texts.page_text("bg", "choose"),
                             "confirm-code": texts.page_text("bg", "code_missing")}
    assert "Kowalska" in page.inner_text("main"), "her record stays on screen"
    assert focused(page) == "summary"
    _no_serious_axe_violations(page)
    assert _fits(page)
    page.screenshot(path=str(tmp_path / "mijnpas-erase-summary-bg.png"), full_page=True)
    page.click("[data-error-summary] a[href='#confirm-code']")
    assert focused(page) == "confirm-code"
    # A wrong code: said, and not written back.
    page.check("#erase")
    page.fill("#confirm-code", "AAAA-BBBB-CCCC-DDDD-EEEE-FFFF-GGGG")
    _send(page, "form[action$='/wissen'] button[type=submit]")
    assert summary(page) == {"confirm-code": texts.page_text("bg", "confirm_wrong")}
    assert "AAAA-BBBB" not in page.content() and code not in page.content()
    assert code not in page.url and number not in page.url
    # Nothing changed.
    svc = service["app"].extensions["pas"]
    with svc.db.transaction() as s:
        assert escrow.has_record(s, number)
    assert svc.passes.status(number).status == "valid"
    page.context.close()


def test_totp_step_sent_empty_gets_the_pages_summary_not_the_browsers_bubble(service, browser) -> None:  # type: ignore[no-untyped-def]
    account = service["accounts"]["intake"]
    page = _page(browser, DESKTOP, "en-US")
    page.goto(service["base"] + "/login")
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", account.password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    _send(page, "main button[type=submit]")
    assert summary(page) == {"code": "Code uit de app: Typ de zes cijfers uit de app."}
    assert focused(page) == "summary"
    page.click("[data-error-summary] a[href='#code']")
    assert focused(page) == "code"
    page.fill("#code", "12345")
    _send(page, "main button[type=submit]")
    assert summary(page) == {"code": "Code uit de app: Zes cijfers."}
    # Still works afterwards.
    page.fill("#code", pyotp.TOTP(account.totp_secret).now())
    with page.expect_navigation():
        page.click("main button[type=submit]")
    assert "/login" not in page.url
    page.context.close()


def test_enrolment_sent_empty_gets_one_summary_in_dutch(service, browser) -> None:  # type: ignore[no-untyped-def]
    page = _page(browser, DESKTOP, "en-US", axe=True)
    page.goto(service["base"] + service["link"])
    _send(page, "main button[type=submit]")
    _no_serious_axe_violations(page)
    links = summary(page)
    assert list(links) == ["password", "repeat", "code"]
    assert links["repeat"] == "Wachtwoord nogmaals: Typ het wachtwoord nog een keer."
    assert focused(page) == "summary"
    page.click("[data-error-summary] a[href='#repeat']")
    assert focused(page) == "repeat"
    page.context.close()


def test_back_after_erasing_and_reload_on_her_record_ask_nothing_on_a_phone(service, browser) -> None:  # type: ignore[no-untyped-def]
    """Her record is the answer to a POST: Back to it (after erasing) or reloading it made
    Chrome ask "Confirm form resubmission" (ERR_CACHE_MISS). Now the entry is the start
    page: Back and reload show the empty form — and never her record again."""
    from tokenservice import escrow
    from tokenservice.issue.passes import Official

    app = service["app"]
    svc = app.extensions["pas"]
    intake = Official("intake", "intake")
    number = svc.passes.issue(iss="GM9999", category="raam",
                              photo=b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes",
                              photo_type="image/webp", official=intake).number
    with svc.db.transaction() as s:
        code = escrow.seal_identity(
            s, escrow.config_for(svc.settings), pass_number=number,
            identity=escrow.Identity(given_names="Ola", family_name="Nowak", birth_date="1990-01-02",
                                     id_document_number="PL1234567", bsn="123456782"),
            consent=True, policy="escrow", now=int(time.time()), official=intake)
    svc.db.dispose()
    page = _page(browser, PHONE, "th-TH")
    open_her_record(page, service["base"] + "/mijn-pas/?lang=th", number, code)
    assert "Nowak" in page.inner_text("main")
    page.reload()  # no resubmission: the start form
    assert "Nowak" not in page.content() and page.query_selector("#number") is not None
    page.go_back()
    page.go_forward()
    page.fill("#number", number)
    page.fill("#code", code)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    page.check("#erase")
    page.fill("#confirm-code", code)
    with page.expect_navigation():
        page.click("form[action$='/wissen'] button[type=submit]")
    assert texts.page_text("th", "done_heading") in page.inner_text("main")
    page.go_back()  # was: net::ERR_CACHE_MISS (Confirm form resubmission)
    assert page.query_selector("#number") is not None
    assert "Nowak" not in page.content() and code not in page.content()
    page.context.close()
