"""Registration policy ``escrow`` in real Chromium against the production server.

`pas-service init --demo` (policy escrow, a demo team key split 2-of-3, shares printed)
→ an intake with her consent (question in her language), the photo from the fake camera
→ the personal code read from the page → a handhaver requests the sealed record with a
reason and downloads it → `pas-keys escrow open` with 2 shares (files) prints her name,
1 share does not → the worker opens /mijn-pas on a phone with number and code, in her
language, and sees that access → she erases the record → the handhaver finds nothing.
Set PAS_SCREENSHOTS=DIR to keep screenshots of every step.
"""

from __future__ import annotations

import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest

from keys import escrow as keys_escrow
from tests.support.browser import (
    BASE_ARGS,
    CHROMIUM,
    browser_login,
    fill_checklist,
    live_service,
    open_her_record,
    require_chromium,
    write_y4m,
)
from tests.support.paths import FIXTURES
from tokenservice import escrow, texts
from tokenservice.web import mijnpas

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PAS_SCREENSHOTS")
GIVEN, FAMILY, DOCUMENT = "Zsofiavyx Marijke", "Brontewaithe", "QX7254193"
REASON = "Controle in de Nieuwstraat: twijfel of de pas bij deze persoon hoort"
_ACCOUNT = re.compile(r"^\s+(\w+)\s+role=\w+\s+password=(\S+)\s+totp-secret=(\S+)$", re.M)


def _bin(name: str) -> str:
    script = Path(sys.executable).parent / name
    return str(script) if script.exists() else shutil.which(name) or name


def _shot(page, name: str) -> None:  # type: ignore[no-untyped-def]
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"escrow-{name}.png"), full_page=True)


def _wait_until(page, expression: str, timeout_s: float = 20) -> None:  # type: ignore[no-untyped-def]
    """Poll with evaluate(): wait_for_function would need 'unsafe-eval', which our CSP forbids."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


@pytest.fixture(scope="module")
def service(tmp_path_factory):  # type: ignore[no-untyped-def]
    """A demo instance made by the CLI, served by gunicorn: (base, accounts, shares)."""
    require_chromium()
    instance = tmp_path_factory.mktemp("live-escrow") / "instance"
    out = subprocess.run([_bin("pas-service"), "--instance", str(instance), "init", "--demo"],
                         capture_output=True, text=True, check=True, timeout=120).stdout
    accounts = {name: (password, secret) for name, password, secret in _ACCOUNT.findall(out)}
    shares = keys_escrow.split_share_texts(out.split("A real key's shares never touch a server.")[1])
    assert set(accounts) == {"intake", "handhaver", "beheer"} and len(shares) == 3
    with live_service(instance) as base:
        yield base, accounts, shares


def _code_from_receipt(page) -> str:  # type: ignore[no-untyped-def]
    """Her personal code as printed on the receipt PDF the result page offers."""
    import base64
    import re
    import subprocess

    href = page.get_attribute("a[download$='-bon.pdf']", "href")
    assert href and href.startswith("data:application/pdf;base64,")
    text = subprocess.run(["pdftotext", "-", "-"], input=base64.b64decode(href.split(",", 1)[1]),
                          capture_output=True, check=True).stdout.decode()
    found = re.search(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b", text)
    assert found, "no personal code on the receipt"
    return found.group(0)


def test_consent_intake_opening_and_the_workers_view_in_chromium(service, tmp_path) -> None:  # type: ignore[no-untyped-def]
    from playwright.sync_api import sync_playwright

    base, accounts, shares = service
    camera = write_y4m(FIXTURES / "astronaut.png", tmp_path / "face.y4m")
    args = [*BASE_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        office = browser.new_context(viewport={"width": 1100, "height": 900}, accept_downloads=True)
        office.grant_permissions(["camera"], origin=base)
        page = office.new_page()

        # 1. The intake, with her consent, asked in Romanian (and in Dutch for the official).
        browser_login(page, base, "intake", *accounts["intake"])
        fill_checklist(page)
        page.check("input[name=category][value=raam]")
        page.check("input[name=language][value=ro]")
        romanian = page.locator(".consent-text[data-lang=ro]")
        assert romanian.is_visible() and not page.locator(".consent-text[data-lang=bg]").is_visible()
        assert texts.text("ro", "consent_question") in romanian.text_content()
        assert page.locator(".consent-official").is_visible()
        assert not page.locator("#given_names").is_visible()  # only with a yes
        page.check("input[name=escrow_consent][value=yes]")
        page.fill("#given_names", GIVEN)
        page.fill("#family_name", FAMILY)
        page.fill("#id_document_number", DOCUMENT)
        page.click("#camera-start")
        _wait_until(page, "document.querySelector('#camera-video').videoWidth > 0")
        page.wait_for_timeout(300)
        page.click("#camera-shoot")
        _wait_until(page, "document.querySelector('#photo').files.length === 1")
        _shot(page, "intake-form")
        page.click("#intake-submit")
        page.wait_for_selector("#intake-result", timeout=60_000)
        _shot(page, "intake-result")
        number = page.get_attribute("#intake-result", "data-number")
        # Her code is on her receipt only, not on the official's screen.
        assert page.is_visible("#personal-code-on-receipt") and not page.query_selector("#personal-code")
        code = _code_from_receipt(page)
        assert escrow.normalize_code(code) is not None, code
        assert FAMILY not in page.content() and DOCUMENT not in page.content()
        with page.expect_navigation():
            page.click("header form[action$='/logout'] button")

        # 2. A handhaver asks for the sealed record and downloads it.
        browser_login(page, base, "handhaver", *accounts["handhaver"])
        page.goto(base + "/handhaving/record")
        page.fill("#record-number", number)
        page.select_option("#reason_code", "inspection")
        page.fill("#reason", REASON)
        with page.expect_navigation():
            page.click("#record-form button[type=submit]")
        page.wait_for_selector("#escrow-released")
        _shot(page, "handhaver-released")
        record = tmp_path / f"record-{number}.json"
        assert page.text_content("#escrow-command") == (
            f"pas-keys escrow open --record {record.name} --pub escrow.pub")
        with page.expect_download() as download:
            page.click("#escrow-download")
        assert download.value.suggested_filename == record.name
        download.value.save_as(record)
        with page.expect_download() as pub:
            page.click("#escrow-pub-download")
        pub.value.save_as(tmp_path / "escrow.pub")

        # 3. On the handhaver's own machine: two share holders open it; one alone cannot.
        for i, share in enumerate(shares):
            (tmp_path / f"share{i + 1}.txt").write_text(share + "\n")
        command = [_bin("pas-keys"), "escrow", "open", "--record", str(record),
                   "--pub", str(tmp_path / "escrow.pub")]
        opened = subprocess.run(
            [*command, "--share-file", str(tmp_path / "share1.txt"),
             "--share-file", str(tmp_path / "share3.txt")],
            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
        assert opened.returncode == 0, opened.stderr
        assert number in opened.stdout and FAMILY in opened.stdout and GIVEN in opened.stdout
        assert DOCUMENT in opened.stdout
        alone = subprocess.run([*command, "--share-file", str(tmp_path / "share2.txt")],
                               capture_output=True, text=True, stdin=subprocess.DEVNULL,
                               timeout=60)
        assert alone.returncode != 0 and FAMILY not in alone.stdout

        # 4. The worker, on her phone, in her language: she sees that access, then erases.
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        mine = phone.new_page()
        open_her_record(mine, base + "/mijn-pas/?lang=ro", number.lower(), code.replace("-", " "))
        _shot(mine, "mijn-pas")
        rows = [r.inner_text() for r in mine.locator("tbody tr").all()]
        accessed = [r for r in rows if mijnpas.t("ro", "act_escrow_release") in r]
        assert len(accessed) == 1, rows
        assert mijnpas.t("ro", "role_handhaver") in accessed[0]
        assert mijnpas.t("ro", "reason_inspection") in accessed[0]
        assert "handhaver\t" not in accessed[0]  # a role, never an official's name
        assert FAMILY in mine.content()  # her own record, opened with her code
        mine.check("input[name=erase]")
        mine.fill("form[action$='/wissen'] #confirm-code", code)
        with mine.expect_navigation():
            mine.click("form[action$='/wissen'] button[type=submit]")
        _shot(mine, "mijn-pas-erased")
        assert mijnpas.t("ro", "done_erased") in mine.content()

        # 5. The record is gone: the handhaver finds nothing any more.
        page.goto(base + "/handhaving/record")
        page.fill("#record-number", number)
        page.select_option("#reason_code", "inspection")
        page.fill("#reason", REASON)
        with page.expect_navigation():
            page.click("#record-form button[type=submit]")
        assert page.locator("#escrow-released").count() == 0
        assert "niets verzegeld" in page.content()
        browser.close()
