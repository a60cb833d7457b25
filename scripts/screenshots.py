"""Every screenshot in the docs, taken from the real thing: ``make screenshots``.

A throw-away demo instance (``init --demo``: policy escrow, demo keys, the
"DEMO — NIET GELDIG" watermark) served by gunicorn, driven by Debian's Chromium
through Playwright with a fake camera that shows tests/fixtures/astronaut.png
(Eileen Collins, NASA, public domain):

1. the spreekuur (``spreekuur-*``): login, the intake form (checklist, category,
   language, consent, camera photo), the result with the card and her personal
   code, renewal, and an intake without consent;
2. the verifier app on a phone (``verify-*``): the scan screen with the camera,
   the paste dialog, the about panel, and GELDIG for that card held to the camera;
3. handhaving (``handhaving-*``): the sealed record request, revoking the card
   (stolen), its status — and then the app's red INGETROKKEN for the same card,
   in Dutch and in English;
4. /mijn-pas (``mijnpas-overzicht``): what the worker sees with her code.

Each PNG is cropped to what the docs show, scaled to at most 1100 px wide and
stored as an optimised 256-colour PNG. Pass numbers, codes and dates differ on
every run. Usage (``make screenshots`` runs the first)::

    python scripts/screenshots.py --out docs/img
    python scripts/screenshots.py --out /tmp/shots --raw /tmp/shots/raw

``--raw DIR`` also keeps the uncropped screenshots (for debugging a crop).
"""

from __future__ import annotations

import argparse
import base64
import io
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from tests.support.browser import BASE_ARGS, CHROMIUM, live_service, write_y4m  # noqa: E402

FACE = ROOT / "tests" / "fixtures" / "astronaut.png"
MAX_WIDTH = 1100
OFFICE = {"width": 1100, "height": 900}
PHONE = {"width": 390, "height": 844}
REASON = "Controle in de Nieuwstraat: twijfel of de pas bij deze persoon hoort"


class Shots:
    """Writes screenshots: cropped, scaled to ≤ MAX_WIDTH, palette-optimised."""

    def __init__(self, out: Path, raw: Path | None) -> None:
        self.out = out
        self.raw = raw
        self.written: list[Path] = []
        out.mkdir(parents=True, exist_ok=True)
        if raw:
            raw.mkdir(parents=True, exist_ok=True)

    def page(self, page: Any, name: str, *, full: bool = True, clip_to: str | None = None,
             pad: int = 12, max_height: int | None = None) -> None:
        """The page (full length), or the box around the element ``clip_to``."""
        png = page.screenshot(full_page=full)
        if self.raw:
            (self.raw / f"{name}.png").write_bytes(png)
        box = None
        if clip_to:
            b = page.locator(clip_to).first.bounding_box()
            assert b is not None, clip_to
            # bounding_box() is relative to the viewport; a full-page shot starts at the top.
            scroll = page.evaluate("() => [window.scrollX, window.scrollY]") if full else [0, 0]
            box = (b["x"] + scroll[0] - pad, b["y"] + scroll[1] - pad,
                   b["x"] + scroll[0] + b["width"] + pad, b["y"] + scroll[1] + b["height"] + pad)
        self._save(png, name, box, max_height, page)

    def element(self, page: Any, selector: str, name: str, pad: int = 12) -> None:
        self.page(page, name, clip_to=selector, pad=pad)

    def _save(self, png: bytes, name: str, box: tuple[float, ...] | None,
              max_height: int | None, page: Any) -> None:
        from PIL import Image

        img = Image.open(io.BytesIO(png)).convert("RGB")
        scale = img.width / page.viewport_size["width"]  # device pixels per CSS pixel
        if box:
            left, top, right, bottom = (round(v * scale) for v in box)
            img = img.crop((max(0, left), max(0, top), min(img.width, right), min(img.height, bottom)))
        if max_height and img.height > max_height * scale:
            img = img.crop((0, 0, img.width, round(max_height * scale)))
        if img.width > MAX_WIDTH:
            img = img.resize((MAX_WIDTH, round(img.height * MAX_WIDTH / img.width)), Image.Resampling.LANCZOS)
        # 256 colours are plenty for a UI; the photo and the card survive with dithering.
        small = img.quantize(colors=256, method=Image.Quantize.MEDIANCUT, dither=Image.Dither.FLOYDSTEINBERG)
        path = self.out / f"{name}.png"
        small.save(path, optimize=True)
        self.written.append(path)
        print(f"  {path.relative_to(ROOT) if path.is_relative_to(ROOT) else path}"
              f"  {small.width}×{small.height}  {path.stat().st_size // 1024} kB")


def _wait_until(page: Any, expression: str, timeout_s: float = 20) -> None:
    """Poll with evaluate(): wait_for_function would need 'unsafe-eval', which the CSP forbids."""
    deadline = time.monotonic() + timeout_s
    while not page.evaluate(f"() => Boolean({expression})"):
        if time.monotonic() > deadline:
            raise TimeoutError(expression)
        page.wait_for_timeout(100)


def _login(page: Any, base: str, account: Any, shots: Shots | None = None) -> None:
    import pyotp

    page.goto(base + "/login")
    page.fill("input[name=username]", account.username)
    page.fill("input[name=password]", account.password)
    if shots:
        shots.element(page, ".auth-card", "spreekuur-login")
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.fill("input[name=code]", pyotp.TOTP(account.totp_secret).now())
    if shots:
        shots.element(page, ".auth-card", "spreekuur-login-code")
    with page.expect_navigation():
        page.click("main button[type=submit]")


def _logout(page: Any) -> None:
    with page.expect_navigation():
        page.click("header form[action$='/logout'] button")


def _fill_checklist(page: Any) -> None:
    page.select_option("#id_document_type", "passport")
    # Dates a reader cannot misread: Debian's Chromium has only the en-US locale, so date
    # fields show mm/dd/yyyy (a Dutch browser shows dd-mm-jjjj).
    page.fill("#id_valid_until", "2031-12-31")
    page.fill("#bsn", "111222333")  # passes the elfproef, belongs to no one
    page.fill("#kvk", "12345678")
    page.fill("#birth_date", "1994-03-24")
    page.check("input[name=work_location_known]")
    page.check("input[name=housing_known]")
    page.check("input[name=information_given]")
    page.check("input[name=help_offered]")


def _take_photo(page: Any) -> None:
    page.click("#camera-start")
    _wait_until(page, "document.querySelector('#camera-video').videoWidth > 0")
    page.wait_for_timeout(400)
    page.click("#camera-shoot")
    _wait_until(page, "document.querySelector('#photo').files.length === 1")
    page.wait_for_timeout(800)  # the face check and the crop frame


def _submit(page: Any) -> str:
    page.click("#intake-submit")
    page.wait_for_selector("#intake-result", timeout=30_000)
    page.wait_for_timeout(300)
    number: str = page.get_attribute("#intake-result", "data-number")
    return number


def _digital_pass(page: Any, path: Path) -> Path:
    href = page.get_attribute("a[download$='.png']", "href")
    path.write_bytes(base64.b64decode(href.split(",", 1)[1]))
    return path


def _receipt_code(page: Any) -> str:
    """Her personal code as printed on the receipt PDF the result page offers."""
    import re
    import subprocess

    href = page.get_attribute("a[download$='-bon.pdf']", "href")
    pdf = base64.b64decode(href.split(",", 1)[1])
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    found = re.search(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b", text)
    if found is None:
        raise SystemExit("no personal code on the receipt")
    return found.group(0)


def _qr_text(image: Path) -> str:
    import zxingcpp
    from PIL import Image

    (found,) = [r for r in zxingcpp.read_barcodes(Image.open(image)) if r.text.startswith("PAS1:")]
    return str(found.text)


def spreekuur(p: Any, base: str, accounts: dict[str, Any], shots: Shots, tmp: Path) -> tuple[str, str, Path]:
    """Intake with consent, the result, renewal lookup and form, an intake without consent."""
    camera = write_y4m(FACE, tmp / "face.y4m")
    browser = _browser(p, camera)
    context = browser.new_context(viewport=OFFICE, locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.grant_permissions(["camera"], origin=base)
    page = context.new_page()
    _login(page, base, accounts["intake"], shots)
    page.wait_for_selector("#intake-form")

    # Sent with only a category chosen: one error summary at the top, each item a link.
    page.check("input[name=category][value=raam]")
    page.click("#intake-submit")
    page.wait_for_selector("[data-error-summary]", timeout=20_000)
    shots.element(page, "[data-error-summary]", "spreekuur-fouten", pad=6)
    page.goto(base + "/intake/new")
    page.wait_for_selector("#intake-form")

    _fill_checklist(page)
    page.check("input[name=category][value=raam]")
    page.check("input[name=language][value=ro]")
    page.check("input[name=escrow_consent][value=yes]")
    page.fill("#given_names", "Maria Elena")
    page.fill("#family_name", "Voorbeeld")
    page.fill("#id_document_number", "QX7254193")
    _take_photo(page)
    shots.page(page, "spreekuur-intake")
    shots.element(page, "fieldset.checklist", "spreekuur-checklist")
    shots.element(page, "#registration", "spreekuur-toestemming")
    shots.element(page, "fieldset.photo", "spreekuur-foto")
    number = _submit(page)
    shots.page(page, "spreekuur-resultaat")
    code = _receipt_code(page)  # printed on her receipt only, not on the screen
    card = _digital_pass(page, tmp / "card.png")

    # Renewal: the lookup by her card's QR (a desk scanner types it), then the proof block
    # with the photo signed inside the QR, and the form's head with the current status.
    page.goto(base + "/intake/renew")
    page.fill("#pass", number.lower())
    shots.element(page, "main .card", "spreekuur-verlengen-zoeken")
    page.fill("#pass", _qr_text(card))
    with page.expect_navigation():
        page.click("main button[type=submit]")
    shots.page(page, "spreekuur-verlengen", max_height=700)
    page.check("input[name=photo_confirmed]")
    shots.element(page, "#renewal-proof", "spreekuur-verlengen-bewijs")

    # A second intake, no consent: nothing kept, no code.
    page.goto(base + "/intake/new")
    _fill_checklist(page)
    page.check("input[name=category][value=inrichting]")
    page.check("input[name=language][value=en]")
    page.check("input[name=escrow_consent][value=no]")
    _take_photo(page)
    _submit(page)
    shots.page(page, "spreekuur-resultaat-zonder-toestemming", clip_to=".result-head")
    browser.close()
    return number, code, card


def _browser(p: Any, camera: Path | None = None) -> Any:
    """Debian's Chromium; with ``camera`` (a Y4M file) as its camera."""
    args = [*BASE_ARGS]
    if camera:
        args += ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                 f"--use-file-for-fake-video-capture={camera}"]
    return p.chromium.launch(executable_path=CHROMIUM, args=args)


def _expect(what: str, got: object, want: object) -> None:
    if got != want:
        raise RuntimeError(f"{what}: expected {want!r}, got {got!r}")


def _phone(browser: Any, base: str) -> Any:
    """A phone-sized page (390×844 CSS px at 2× like a real phone) with the camera allowed."""
    context = browser.new_context(viewport=PHONE, device_scale_factor=2, is_mobile=True,
                                  has_touch=True, locale="nl-NL", timezone_id="Europe/Amsterdam")
    context.grant_permissions(["camera"], origin=base)
    return context.new_page()


def _open_app(page: Any, base: str) -> None:
    page.goto(base + "/verify/")
    _wait_until(page, "document.documentElement.dataset.ready === 'true'")
    _wait_until(page, "document.getElementById('lists-status').dataset.state === 'ok'")


def _scan(page: Any) -> str:
    """Wait until the card in front of the (fake) camera gives a verdict."""
    page.wait_for_selector("#verdict:not([hidden])", timeout=30_000)
    page.wait_for_timeout(400)
    status: str = page.get_attribute("#verdict", "data-status")
    return status


def verifier_scan_screen(p: Any, base: str, card: Path, shots: Shots, tmp: Path) -> None:
    """The scan screen: the camera aimed at the card, not sharp yet (no verdict)."""
    from PIL import Image, ImageFilter

    blurred = tmp / "card-blurred.png"
    Image.open(card).convert("RGB").filter(ImageFilter.GaussianBlur(9)).save(blurred)
    browser = _browser(p, write_y4m(blurred, tmp / "blurred.y4m"))
    page = _phone(browser, base)
    _open_app(page, base)
    _wait_until(page, "document.getElementById('scan').dataset.camera === 'ok'")
    page.wait_for_timeout(800)
    shots.page(page, "verify-scan", full=False)
    page.click("#paste-open")
    page.wait_for_timeout(300)
    shots.page(page, "verify-plakken", full=False)
    page.keyboard.press("Escape")
    page.click("#about-open")
    page.wait_for_timeout(300)
    shots.page(page, "verify-over", full=True)
    browser.close()


def handhaving(p: Any, base: str, accounts: dict[str, Any], number: str, shots: Shots) -> None:
    """A handhaver: the sealed record request, the status, and revoking the card (stolen)."""
    browser = _browser(p)
    page = browser.new_context(viewport=OFFICE, locale="nl-NL", timezone_id="Europe/Amsterdam").new_page()
    _login(page, base, accounts["handhaver"])

    page.goto(base + "/handhaving/record")
    page.fill("#record-number", number)
    page.select_option("#reason_code", "inspection")
    page.fill("#reason", REASON)
    shots.page(page, "handhaving-record-opvragen", max_height=900)
    with page.expect_navigation():
        page.click("#record-form button[type=submit]")
    page.wait_for_selector("#escrow-released")
    shots.element(page, "#escrow-released", "handhaving-record-afgegeven")

    page.goto(base + "/handhaving/revoke")
    page.fill("#revoke-number", number)
    page.check("input[name=reason][value=stolen]")
    page.check("input[name=confirm]")
    shots.element(page, "main .card:has(#revoke-number)", "handhaving-intrekken")
    with page.expect_navigation():
        page.click("form:has(#revoke-number) button[type=submit]")
    shots.element(page, "main .outcome", "handhaving-ingetrokken")
    page.fill("#status-number", number)
    with page.expect_navigation():
        page.click("form:has(#status-number) button[type=submit]")
    shots.element(page, "main .card:has(#status-number)", "handhaving-status")
    browser.close()


def mijnpas(p: Any, base: str, number: str, code: str, shots: Shots) -> None:
    """The worker's /mijn-pas (in Dutch, for the docs): what is kept, who looked and why."""
    browser = _browser(p)
    page = browser.new_context(viewport={"width": 760, "height": 900}, locale="nl-NL",
                               timezone_id="Europe/Amsterdam").new_page()
    page.goto(base + "/mijn-pas/?lang=nl")
    page.fill("#number", number)
    page.fill("#code", code)
    with page.expect_navigation():
        page.click("main form button[type=submit]")
    shots.page(page, "mijnpas-overzicht")
    browser.close()


def verifier_and_handhaving(p: Any, base: str, accounts: dict[str, Any], number: str,
                            card: Path, shots: Shots, tmp: Path) -> None:
    """The card held to the phone's camera: GELDIG; a handhaver revokes it; INGETROKKEN."""
    app = _browser(p, write_y4m(card, tmp / "card.y4m", frames=30))
    page = _phone(app, base)
    _open_app(page, base)
    _expect("the card before revocation", _scan(page), "VALID")
    shots.page(page, "verify-geldig", full=False)

    handhaving(p, base, accounts, number, shots)

    page = _phone(app, base)  # a fresh start fetches the new revocation list
    _open_app(page, base)
    _expect("the card after revocation", _scan(page), "REVOKED")
    shots.page(page, "verify-ingetrokken", full=False)
    page.click("#next")
    page.click("#lang")
    # The same card stays in view, and the app does not repeat a verdict for a code
    # until it has left the frame: the English verdict comes from "Paste code".
    page.click("#paste-open")
    page.fill("#paste-text", _qr_text(card))
    page.click("#paste-check")
    _expect("the pasted card in English", _scan(page), "REVOKED")
    shots.page(page, "verify-revoked-en", full=False)
    app.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--out", type=Path, default=ROOT / "docs" / "img")
    parser.add_argument("--raw", type=Path, default=None)
    args = parser.parse_args(argv)
    if not Path(CHROMIUM).exists():
        print(f"{CHROMIUM} is missing (apt-get install chromium)", file=sys.stderr)
        return 2
    from playwright.sync_api import sync_playwright

    from tokenservice.ops.instance import init_instance

    out = args.out.resolve()
    before = set(out.glob("*.png")) if out.exists() else set()
    shots = Shots(out, args.raw.resolve() if args.raw else None)
    with tempfile.TemporaryDirectory(prefix="pas-shots-") as tmp_name:
        tmp = Path(tmp_name)
        # What `pas-service init --demo` (and so `make run`) makes: policy escrow.
        made = init_instance(tmp / "instance", demo=True, demo_escrow=True)
        accounts = {a.username: a for a in made}
        with live_service(tmp / "instance") as base, sync_playwright() as p:
            number, code, card = spreekuur(p, base, accounts, shots, tmp)
            verifier_scan_screen(p, base, card, shots, tmp)
            verifier_and_handhaving(p, base, accounts, number, card, shots, tmp)
            mijnpas(p, base, number, code, shots)
    total = sum(path.stat().st_size for path in shots.written)
    print(f"{len(shots.written)} screenshots, {total / 1e6:.1f} MB in {out}")
    for stale in sorted(before - set(shots.written)):
        print(f"not made by this script (remove it if no document uses it): {stale}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
