"""The whole spreekuur flow in real Chromium against the production server.

Login (password + TOTP) → intake with a photo from the (fake) camera → the card →
`pas-verify check` on the digital pass with the published lists says VALID →
renewal gives a new card under the same number (the old one is REVOKED) →
a handhaver revokes → `pas-verify check` says REVOKED.
Set PAS_SCREENSHOTS=DIR to keep screenshots of every step (docs/spreekuur.md uses them).
"""

from __future__ import annotations

import base64
import json
import os
import subprocess
import sys
import time
import urllib.request
from pathlib import Path

import pytest

from tests.support.browser import (
    BASE_ARGS,
    CHROMIUM,
    browser_login,
    fill_checklist,
    live_service,
    require_chromium,
    write_y4m,
)
from tests.support.paths import FIXTURES

pytestmark = pytest.mark.browser
SHOTS = os.environ.get("PAS_SCREENSHOTS")


def _shot(page, name: str) -> None:
    if SHOTS:
        Path(SHOTS).mkdir(parents=True, exist_ok=True)
        page.screenshot(path=str(Path(SHOTS) / f"{name}.png"), full_page=True)


def _logout(page) -> None:
    with page.expect_navigation():
        page.click("header form[action$='/logout'] button")


def _wait_until(page, expression: str, timeout_s: float = 20) -> None:
    """Poll with evaluate(): wait_for_function would need 'unsafe-eval', which our CSP forbids."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(f"() => Boolean({expression})"):
        assert time.monotonic() < deadline, f"timed out waiting for {expression}"
        page.wait_for_timeout(100)


def _take_photo(page) -> None:
    page.click("#camera-start")
    _wait_until(page, "document.querySelector('#camera-video').videoWidth > 0")
    page.wait_for_timeout(300)
    page.click("#camera-shoot")
    _wait_until(page, "document.querySelector('#photo').files.length === 1")


def _submit_and_wait_for_card(page) -> str:
    page.click("#intake-submit")
    page.wait_for_selector("#intake-result", timeout=60_000)
    return page.get_attribute("#intake-result", "data-number")


def _save_digital_pass(page, path: Path) -> Path:
    href = page.get_attribute("a[download$='.png']", "href")
    assert href.startswith("data:image/png;base64,")
    path.write_bytes(base64.b64decode(href.split(",", 1)[1]))
    return path


def _qr_text(image: Path) -> str:
    import zxingcpp
    from PIL import Image

    (found,) = [r for r in zxingcpp.read_barcodes(Image.open(image)) if r.text.startswith("PAS1:")]
    return found.text


def _check(base: str, image: Path, tmp: Path) -> dict:
    """A fresh `pas-verify check` with the lists as published right now."""
    for name, url in {
        "anchor.pub": "/.well-known/pas/anchor.pub",
        "trust-list.cose": "/.well-known/pas/trust-list.cose",
        "GM9999.cose": "/.well-known/pas/revocations/GM9999.cose",
    }.items():
        (tmp / name).write_bytes(urllib.request.urlopen(base + url).read())
    out = subprocess.run(
        [sys.executable, "-m", "verifier._cli", "check", "--anchor", str(tmp / "anchor.pub"),
         "--trust-list", str(tmp / "trust-list.cose"), "--revocations", str(tmp / "GM9999.cose"),
         "--json", str(image)],
        capture_output=True, text=True, check=False,
    )
    assert out.returncode in (0, 1), out.stderr
    return json.loads(out.stdout)


@pytest.fixture(scope="module")
def service(tmp_path_factory):
    require_chromium()
    from tokenservice.ops.instance import init_instance

    instance = tmp_path_factory.mktemp("live") / "instance"
    accounts = {a.username: a for a in init_instance(instance, demo=True)}
    with live_service(instance) as base:
        yield base, accounts


def test_intake_renewal_and_revocation_in_chromium(service, tmp_path) -> None:
    from playwright.sync_api import sync_playwright

    base, accounts = service
    camera = write_y4m(FIXTURES / "astronaut.png", tmp_path / "face.y4m")
    args = [*BASE_ARGS, "--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}"]
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=args)
        context = browser.new_context(viewport={"width": 1100, "height": 900})
        context.grant_permissions(["camera"], origin=base)
        page = context.new_page()
        intake = accounts["intake"]
        browser_login(page, base, "intake", intake.password, intake.totp_secret, shot=_shot)
        assert page.url.endswith("/intake/new")

        fill_checklist(page)
        page.check("input[name=category][value=raam]")
        page.check("input[name=language][value=ro]")
        _take_photo(page)
        _shot(page, "intake-form")
        number = _submit_and_wait_for_card(page)
        _shot(page, "intake-result")
        assert number.startswith("DM-")
        first_card = _save_digital_pass(page, tmp_path / "first.png")
        page.emulate_media(media="print")
        pdf = page.pdf(width="85.6mm", height="53.98mm", print_background=True)
        page.emulate_media(media="screen")
        assert pdf.count(b"/Type /Page\n") + pdf.count(b"/Type /Page>") + pdf.count(b"/Type/Page") >= 2 or b"/Count 2" in pdf

        first = _check(base, first_card, tmp_path)
        assert (first["status"], first["number"]) == ("VALID", number)

        # A renewal needs proof she holds the pass. By number alone: refused, nothing changes.
        page.goto(base + "/intake/renew")
        page.fill("#pass", number.lower())
        with page.expect_navigation():
            page.click("main button[type=submit]")
        fill_checklist(page)
        page.check("input[name=language][value=ro]")  # no default: nothing stores her language
        _take_photo(page)
        page.click("#intake-submit")
        page.wait_for_selector("p.field-error[data-for=renewal_proof]:not(:empty)", timeout=60_000)
        assert _check(base, first_card, tmp_path)["status"] == "VALID"
        # Her card scanned at the desk (a scanner types the QR text): the signed photo to compare.
        from verifier.scan import pass_text_from_file

        page.goto(base + "/intake/renew")
        page.fill("#pass", pass_text_from_file(first_card))
        with page.expect_navigation():
            page.click("main button[type=submit]")
        assert page.is_visible("#renewal-proof img")
        page.check("input[name=photo_confirmed]")
        _shot(page, "renew-form")
        fill_checklist(page)
        page.check("input[name=language][value=ro]")
        _take_photo(page)
        assert _submit_and_wait_for_card(page) == number
        second_card = _save_digital_pass(page, tmp_path / "second.png")
        assert _check(base, first_card, tmp_path)["status"] == "REVOKED"
        assert _check(base, second_card, tmp_path)["status"] == "VALID"

        _logout(page)
        handhaver = accounts["handhaver"]
        browser_login(page, base, "handhaver", handhaver.password, handhaver.totp_secret, shot=_shot)
        page.goto(base + "/handhaving/revoke")
        page.fill("#revoke-number", number)
        page.check("input[name=reason][value=stolen]")
        page.check("input[name=confirm]")
        _shot(page, "revoke-form")
        with page.expect_navigation():
            page.click("form:has(#revoke-number) button[type=submit]")
        _shot(page, "revoke-done")
        assert _check(base, second_card, tmp_path)["status"] == "REVOKED"

        # The exploitant's app as this service serves it at /verify/: same verdict, offline.
        phone = browser.new_context(viewport={"width": 390, "height": 844})
        app_page = phone.new_page()
        app_page.goto(base + "/verify/")
        _wait_until(app_page, "/bijgewerkt|updated/.test(document.querySelector('#lists-status').textContent)")
        phone.set_offline(True)
        app_page.click("#paste-open")
        app_page.fill("#paste-text", _qr_text(second_card))
        app_page.click("#paste-check")
        app_page.wait_for_selector("#verdict:not([hidden])")
        _shot(app_page, "verify-revoked")
        assert app_page.get_attribute("#verdict", "data-status") == "REVOKED"
        browser.close()
