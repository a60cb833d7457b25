"""The rehearsal: every role's journey through the production topology, in real Chromium.

One topology per session (tests/rehearsal/conftest.py): PostgreSQL, ``pas-service init``
(no demo), gunicorn with the systemd unit's workers, nginx with TLS from a throwaway CA
that the browsers trust through their own NSS database. The journeys run in this order
and hand each other what a real day would (the ledger):

1. intake official — first login enrols TOTP; two intakes with a photo from the fake
   camera (one with her consent to sealed registration, in Spanish); card PDF, A4 sheet
   and receipt opened; a renewal; log out; a second visit.
2. handhaver — status look-up, revokes the second pass, asks for the sealed record of
   the first; a second handhaver approves (two-person rule); the first collects and
   downloads it, and two of three share holders open it with ``pas-keys``.
3. the worker, on her phone, in Spanish — /mijn-pas with number and personal code sees
   that access, then erases her record.
4. exploitant, on a phone — /verify/ from the service, the card read by the camera;
   every page closed; nginx stopped: the app reopens offline and says VALID for the
   card and REVOKED for the revoked one; nginx back, a new app version deployed: the
   phone takes it on its next visit and keeps its lists and rollback floors; the
   verifier reloads after a gunicorn restart.
5. beheer — creates an account (which then logs in) and reads the report.
6. faults — gunicorn killed mid-intake (nginx answers, nothing committed is lost, the
   form is kept and goes through once gunicorn is back), nginx restarted (sessions
   survive), a browser that refuses cookies gets a clear page.
"""

from __future__ import annotations

import re
import secrets
import shutil
import subprocess
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pytest

from tests.support.browser import write_y4m
from tests.support.nginx import require
from tests.support.topology import ESCROW_ISS, Topology, _bin, official_from

if TYPE_CHECKING:
    from tests.rehearsal.conftest import Browsers, Ledger, Shots

GIVEN, FAMILY, DOCUMENT = "Lucía Fernanda", "Quiroga Albarracín", "XDF482913"
REASON = "Controle Nieuwstraat: twijfel of de pas bij deze persoon hoort"


# --- helpers -----------------------------------------------------------------------------


def wait_until(page: Any, expression: str, timeout_s: float = 30, what: str = "") -> None:
    """Poll with evaluate(): wait_for_function would need 'unsafe-eval', which our CSP forbids."""
    from playwright.sync_api import Error as PlaywrightError

    deadline = time.monotonic() + timeout_s
    while True:
        try:
            if page.evaluate(f"async () => Boolean(await ({expression}))"):
                return
        except PlaywrightError as exc:  # the page navigated meanwhile (e.g. a new app version)
            if "context was destroyed" not in str(exc) and "navigat" not in str(exc):
                raise
        assert time.monotonic() < deadline, f"timed out waiting for {what or expression} on {page.url}"
        page.wait_for_timeout(150)


def page_problem(page: Any) -> str | None:
    """The service's error page (or a bare server error), as text; None when the page is fine."""
    if page.locator("section.card.error").count():
        return " ".join(page.locator("section.card.error").inner_text().split())
    title = page.title()
    if re.match(r"\d{3} ", title):
        return f"{title}: {' '.join(page.locator('body').inner_text().split())}"
    return None


def ok(page: Any, where: str) -> None:
    problem = page_problem(page)
    assert problem is None, f"{where}: {page.url} shows an error page: {problem}"


def submit(page: Any, selector: str, where: str) -> Any:
    with page.expect_navigation() as nav:
        page.click(selector)
    ok(page, where)
    return nav.value


def enrol(page: Any, topo: Topology, username: str) -> None:
    """First use of a one-time enrolment link: own password and TOTP, then logged in."""
    official = topo.officials[username]
    assert official.enrol_link
    link = official.enrol_link
    page.goto(link if link.startswith("http") else topo.base + link)
    ok(page, f"{username}: enrolment link")
    official.password = secrets.token_urlsafe(18)
    page.fill("input[name=password]", official.password)
    page.fill("input[name=repeat]", official.password)
    official.totp_secret = (page.text_content("code.totp-secret") or "").replace(" ", "")
    page.fill("input[name=code]", official.code())
    submit(page, "main button[type=submit]", f"{username}: enrolment")
    official.enrol_link = None
    assert "/login" not in page.url and "/enrol/" not in page.url, page.url


def login(page: Any, topo: Topology, username: str) -> None:
    official = topo.officials[username]
    if official.enrol_link:
        enrol(page, topo, username)
        return
    page.goto(topo.base + "/login")
    ok(page, f"{username}: login page")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", official.password)
    submit(page, "main button[type=submit]", f"{username}: password step")
    if page.url.endswith("/login/enroll"):
        secret = page.text_content("code.totp-secret") or ""
        official.totp_secret = secret.replace(" ", "")
    else:
        assert page.url.endswith("/login/totp"), f"{username}: after the password: {page.url}"
    page.fill("input[name=code]", official.code())
    submit(page, "main button[type=submit]", f"{username}: second factor")
    assert "/login" not in page.url, f"{username}: still on {page.url}: {page.locator('main').inner_text()}"


def logout(page: Any, who: str) -> None:
    submit(page, "header form[action$='/logout'] button", f"{who}: logout")
    assert page.url.endswith("/login")


def fill_checklist(page: Any) -> None:
    page.select_option("#id_document_type", "passport")
    page.fill("#id_valid_until", "2031-05-01")
    page.fill("#bsn", "111222333")  # passes the elfproef, belongs to no one
    page.fill("#kvk", "12345678")
    page.fill("#birth_date", "1994-03-02")
    page.check("input[name=information_given]")
    page.check("input[name=help_offered]")


def take_photo(page: Any) -> None:
    page.click("#camera-start")
    wait_until(page, "document.querySelector('#camera-video').videoWidth > 0", what="the camera")
    page.wait_for_timeout(300)
    page.click("#camera-shoot")
    wait_until(page, "document.querySelector('#photo').files.length === 1", what="the photo")


def issue(page: Any, where: str) -> str:
    page.click("#intake-submit")
    # intake.js posts with fetch and keeps the form on an error: wait until the page shows
    # the card, or the submit button is free again (the answer was not a card).
    deadline = time.monotonic() + 90
    page.wait_for_timeout(300)
    while not page.evaluate(
        "() => Boolean(document.querySelector('#intake-result, section.card.error'))"
        " || !document.querySelector('#intake-submit')?.disabled"
    ):
        assert time.monotonic() < deadline, f"{where}: no answer to the intake"
        page.wait_for_timeout(200)
    if not page.locator("#intake-result").count():
        messages = page.locator("#intake-messages").inner_text() if page.locator(
            "#intake-messages").count() else ""
        pytest.fail(f"{where}: no card: {page_problem(page) or ' '.join(messages.split())}")
    number = page.get_attribute("#intake-result", "data-number")
    assert number
    return str(number)


def qr_text(image: Path) -> str:
    import zxingcpp
    from PIL import Image

    found = [r.text for r in zxingcpp.read_barcodes(Image.open(image)) if r.text.startswith("PAS1:")]
    assert found, f"no PAS1 QR code readable in {image}"
    return found[0]


def card_back(page: Any, path: Path) -> tuple[Path, str]:
    """The rendered back of the card on the result page, as a PNG, and its QR text."""
    page.locator(".card-back").screenshot(path=str(path))
    return path, qr_text(path)


def download(page: Any, selector: str, folder: Path) -> Path:
    with page.expect_download() as info:
        page.click(selector)
    folder.mkdir(parents=True, exist_ok=True)
    target: Path = folder / info.value.suggested_filename
    info.value.save_as(target)
    return target


def pdf_text(path: Path) -> str:
    pdftotext = require("pdftotext", shutil.which("pdftotext"), "poppler-utils")
    assert path.read_bytes().startswith(b"%PDF-"), path
    return subprocess.run([pdftotext, "-layout", str(path), "-"], capture_output=True, text=True,
                          check=True).stdout


def receipt_code(receipt: str) -> str:
    """Her personal code as her receipt prints it (groups of four, with dashes)."""
    found = re.findall(r"[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}", re.sub(r"\s+", "", receipt))
    assert len(found) == 1, f"no personal code on her receipt:\n{receipt}"
    return str(found[0])


def normal(code: str) -> str:
    return re.sub(r"[\s-]", "", code).upper()


def pdf_pages(path: Path) -> int:
    pdfinfo = require("pdfinfo", shutil.which("pdfinfo"), "poppler-utils")
    out = subprocess.run([pdfinfo, str(path)], capture_output=True, text=True, check=True).stdout
    return int(re.search(r"^Pages:\s+(\d+)", out, re.M).group(1))  # type: ignore[union-attr]


def intake_form(page: Any, topo: Topology, *, category: str, language: str, consent: bool,
                code: str | None = None) -> None:
    ok(page, "intake form")
    fill_checklist(page)
    if page.locator(f"input[name=category][value={category}]").count():
        page.check(f"input[name=category][value={category}]")
    page.check(f"input[name=language][value={language}]")
    if consent:
        page.check("input[name=escrow_consent][value=yes]")
        page.fill("#given_names", GIVEN)
        page.fill("#family_name", FAMILY)
        page.fill("#id_document_number", DOCUMENT)
        if code is not None:
            page.fill("#personal_code", code)
    else:
        page.check("input[name=escrow_consent][value=no]")
    take_photo(page)


# --- verifier app helpers ------------------------------------------------------------------


LISTS_OK = "document.querySelector('#lists-status')?.dataset.state === 'ok'"
READ_DB = """async () => {
  const db = await new Promise((resolve, reject) => {
    const r = indexedDB.open('pas-verifier', 1);
    r.onupgradeneeded = () => r.result.createObjectStore('lists');
    r.onsuccess = () => resolve(r.result);
    r.onerror = () => reject(r.error);
  });
  const store = db.transaction('lists').objectStore('lists');
  const ask = (q) => new Promise((resolve) => { q.onsuccess = () => resolve(q.result); });
  const keys = await ask(store.getAllKeys());
  const floors = await ask(store.get('floors'));
  const tl = await ask(store.get('trust-list'));
  const revs = {};
  for (const k of keys) if (String(k).startsWith('rev:')) revs[k] = (await ask(store.get(k))).seq;
  db.close();
  return {keys: keys.map(String).sort(), floors: floors ?? null, tlSeq: tl ? tl.seq : null, revs};
}"""
CACHES = "async () => (await caches.keys()).filter((k) => k.startsWith('pas-app-')).sort()"


def open_verifier(page: Any, topo: Topology, where: str) -> None:
    page.goto(topo.base + "/verify/")
    wait_until(page, "document.documentElement.dataset.ready === 'true'", 45,
               f"{where}: the verifier app to start")


def verdict(page: Any, where: str, timeout_s: float = 60) -> dict[str, str]:
    wait_until(page, "!document.querySelector('#verdict').hidden", timeout_s, f"{where}: a verdict")
    shown = {
        "status": page.get_attribute("#verdict", "data-status") or "",
        "title": page.text_content("#verdict-title") or "",
        "reason": page.text_content("#verdict-reason") or "",
        "number": page.text_content("#field-number") or "",
    }
    return shown


def next_pass(page: Any) -> None:
    """'Volgende pas'. The fake camera keeps showing the card, so the scanner may read it
    again at once (as it would with the card still in front of a real phone)."""
    page.click("#next")


def paste(page: Any, text: str) -> None:
    """The paste field: close whatever verdict is up (a camera read may pop up in between)."""
    from playwright.sync_api import TimeoutError as PlaywrightTimeout

    for _ in range(10):
        if page.evaluate("() => !document.querySelector('#verdict').hidden"):
            page.click("#next")
        try:
            page.click("#paste-open", timeout=2_000)
            break
        except PlaywrightTimeout:
            continue
    page.fill("#paste-text", text)
    page.click("#paste-check")


# --- 1. intake official --------------------------------------------------------------------


def test_intake_official(topology: Topology, browsers: Browsers, ledger: Ledger,
                         face_camera: Path, tmp_path: Path, shots: Shots) -> None:
    topo = topology
    with browsers.open("office-spreekuur", camera=face_camera) as office:
        page = office.pages[0]
        login(page, topo, "spreekuur1")
        assert page.url.endswith("/intake/new"), page.url
        assert "DEMO" not in page.content()

        # Her pass, with her consent to sealed registration; her texts in Spanish.
        intake_form(page, topo, category="raam", language="es", consent=True)
        number = issue(page, "intake with consent")
        assert number.startswith("AS-"), number
        assert FAMILY not in page.content() and DOCUMENT not in page.content()
        shots(page, "intake-result", full_page=True)
        card = download(page, "a[download$='.pdf']:not([download$='-A4.pdf']):not([download$='-bon.pdf'])", tmp_path)
        assert pdf_pages(card) == 2 and number in pdf_text(card), "card PDF: front and back with the number"
        sheet = download(page, "a[download$='-A4.pdf']", tmp_path)
        assert number in pdf_text(sheet)
        receipt = pdf_text(download(page, "a[download$='-bon.pdf']", tmp_path))
        code = receipt_code(receipt)
        assert number in receipt, receipt
        if page.locator("#personal-code").count():  # shown once on the page as well
            assert normal(page.text_content("#personal-code") or "") == normal(code)
        assert f"{topo.base}/mijn-pas/" in re.sub(r"\s+", "", receipt), \
            "her receipt names the public /mijn-pas address"
        _, first_qr = card_back(page, tmp_path / "first-back.png")
        ledger["number"], ledger["code"], ledger["first_qr"] = number, code, first_qr

        # A second pass, no consent: nothing kept about her.
        page.goto(topo.base + "/intake/new")
        intake_form(page, topo, category="raam", language="ro", consent=False)
        other = issue(page, "intake without consent")
        assert other != number and not page.locator("#personal-code").count()
        _, other_qr = card_back(page, tmp_path / "other-back.png")
        ledger["other"], ledger["other_qr"] = other, other_qr

        # Renewal: a new conversation, a new card under the same number; her code stays.
        page.goto(topo.base + "/intake/renew")
        ok(page, "renewal look-up")
        page.fill("#pass", number.lower())
        submit(page, "main button[type=submit]", "renewal look-up")
        intake_form(page, topo, category="raam", language="es", consent=True, code=code)
        assert issue(page, "renewal") == number
        renewal_receipt = pdf_text(download(page, "a[download$='-bon.pdf']", tmp_path / "renewal"))
        assert normal(receipt_code(renewal_receipt)) == normal(code), "her code did not stay the same"
        shots(page, "renewal-result", full_page=True)
        back, renewed_qr = card_back(page, tmp_path / "renewed-back.png")
        assert renewed_qr != first_qr
        ledger["renewed_qr"], ledger["renewed_back"] = renewed_qr, back.read_bytes()
        logout(page, "spreekuur1")

    # Second visit: same office browser profile, TOTP only (no enrolment), straight to work.
    with browsers.open("office-spreekuur", camera=face_camera) as office:
        page = office.pages[0]
        login(page, topo, "spreekuur1")
        assert page.url.endswith("/intake/new"), page.url
        logout(page, "spreekuur1")
    (count,) = topo.sql("select count(*) from passes")[0]
    assert count == 2


# --- 2. handhaver --------------------------------------------------------------------------


def test_handhaver(topology: Topology, browsers: Browsers, ledger: Ledger, tmp_path: Path,
                   shots: Shots) -> None:
    topo = topology
    number, other = ledger["number"], ledger["other"]
    with browsers.open("office-handhaving") as office:
        page = office.pages[0]
        login(page, topo, "handhaver1")
        assert "/handhaving" in page.url, page.url
        page.fill("#status-number", number)
        submit(page, "form.lookup button[type=submit]", "status look-up")
        assert page.locator(".lookup-result strong.status-valid").count() == 1, page.locator("main").inner_text()

        page.fill("#revoke-number", other)
        page.check("input[name=reason][value=stolen]")
        page.check("input[name=confirm]")
        submit(page, "form.revoke button[type=submit]", "revocation")
        assert page.locator("section.outcome").count() == 1, page.locator("main").inner_text()
        ledger["revoked"] = other

        # The sealed record of her pass: under the two-person rule it waits for a colleague.
        page.goto(topo.base + "/handhaving/record")
        ok(page, "record page")
        page.fill("#record-number", number)
        page.select_option("#reason_code", "inspection")
        page.fill("#reason", REASON)
        submit(page, "#record-form button[type=submit]", "record request")
        assert page.locator("#escrow-pending").count() == 1, page.locator("main").inner_text()
        request_id = page.get_attribute("#escrow-pending", "data-request")
        assert page.locator("#escrow-released").count() == 0
        logout(page, "handhaver1")

        login(page, topo, "handhaver2")
        page.goto(topo.base + "/handhaving/requests")
        ok(page, "requests page")
        row = page.locator(f"tr[data-request='{request_id}']")
        assert "handhaver1" in row.inner_text()
        with page.expect_navigation():
            row.locator("form[action$='/approve'] button").click()
        ok(page, "approval")
        assert "goedgekeurd" in page.locator("main").inner_text()
        logout(page, "handhaver2")

        login(page, topo, "handhaver1")
        page.goto(topo.base + "/handhaving/requests")
        with page.expect_navigation():
            page.locator(f"tr[data-request='{request_id}'] form[action$='/collect'] button").click()
        ok(page, "collecting the record")
        page.wait_for_selector("#escrow-released")
        shots(page, "handhaver-released", full_page=True)
        record = download(page, "#escrow-download", tmp_path)
        assert record.name == f"record-{number}.json"
        pub = download(page, "#escrow-pub-download", tmp_path)
        logout(page, "handhaver1")

    # On the handhaver's own laptop, offline: two share holders open it, one cannot.
    for i, share in enumerate(topo.shares):
        (tmp_path / f"share{i + 1}.txt").write_text(share + "\n")
    command = [_bin("pas-keys"), "escrow", "open", "--record", str(record), "--pub", str(pub)]
    opened = subprocess.run([*command, "--share-file", str(tmp_path / "share1.txt"),
                             "--share-file", str(tmp_path / "share3.txt")],
                            capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert opened.returncode == 0, opened.stderr
    assert FAMILY in opened.stdout and DOCUMENT in opened.stdout and number in opened.stdout
    alone = subprocess.run([*command, "--share-file", str(tmp_path / "share2.txt")],
                           capture_output=True, text=True, stdin=subprocess.DEVNULL, timeout=60)
    assert alone.returncode != 0 and FAMILY not in alone.stdout


# --- 3. the worker -------------------------------------------------------------------------


def test_worker_on_her_phone_in_spanish(topology: Topology, browsers: Browsers, ledger: Ledger,
                                        shots: Shots) -> None:
    from tokenservice.web import mijnpas

    topo = topology
    number, code = ledger["number"], ledger["code"]
    ledger["revoked"]  # the handhaver journey looked first
    with browsers.open("worker-phone", phone=True, locale="es-ES") as phone:
        page = phone.pages[0]
        page.goto(topo.base + "/mijn-pas/?lang=es")
        ok(page, "/mijn-pas")
        assert mijnpas.t("es", "title") in page.content()
        shots(page, "worker-mijn-pas")
        page.fill("#number", number.lower())
        page.fill("#code", code.replace("-", " ").lower())
        submit(page, "main form button[type=submit]", "/mijn-pas look-up")
        shots(page, "worker-accesses", full_page=True)
        rows = [" ".join(r.inner_text().split()) for r in page.locator("tbody tr").all()]
        released = [r for r in rows if mijnpas.t("es", "act_escrow_release") in r]
        assert len(released) == 1, rows
        assert mijnpas.t("es", "role_handhaver") in released[0]
        assert mijnpas.t("es", "reason_inspection") in released[0]
        assert any(mijnpas.t("es", "act_escrow_approve") in r for r in rows), rows
        assert "handhaver1" not in page.content() and "handhaver2" not in page.content()
        assert FAMILY in page.content()  # her own record, opened with her code

        page.check("input[name=erase]")
        page.fill("form[action$='/wissen'] #confirm-code", code)
        submit(page, "form[action$='/wissen'] button[type=submit]", "erasure")
        shots(page, "worker-erased")
        assert mijnpas.t("es", "done_erased") in page.content()
    (left,) = topo.sql(f"select count(*) from escrow_records r join passes p on p.id = r.pass_id "
                       f"where p.number = '{number}'")[0]
    assert left == 0


# --- 4. exploitant -------------------------------------------------------------------------


def test_exploitant_on_a_phone(topology: Topology, browsers: Browsers, ledger: Ledger,
                               tmp_path: Path, shots: Shots) -> None:
    topo = topology
    assert topo.nginx is not None and topo.gunicorn is not None
    number, renewed_qr, revoked_qr = ledger["number"], ledger["renewed_qr"], ledger["other_qr"]
    assert ledger["revoked"] == ledger["other"]  # the handhaver journey revoked that card
    first_qr = ledger["first_qr"]
    back = tmp_path / "card-back.png"
    back.write_bytes(ledger["renewed_back"])
    camera = write_y4m(back, tmp_path / "card-back.y4m", size=(1280, 720))

    # First visit, online: the app from the service, lists synced, the card read by the camera.
    with browsers.open("exploitant-phone", phone=True, camera=camera) as phone:
        page = phone.pages[0]
        open_verifier(page, topo, "first visit")
        wait_until(page, LISTS_OK, 45, "first visit: lists synced")
        wait_until(page, "navigator.serviceWorker.controller !== null", 30, "the service worker")
        shown = verdict(page, "camera, first visit", 90)
        shots(page, "exploitant-camera-valid")
        assert (shown["status"], shown["number"]) == ("VALID", number), shown
        next_pass(page)
        paste(page, first_qr)  # the card she had before the renewal
        assert verdict(page, "the superseded card")["status"] == "REVOKED"
        next_pass(page)
        before = page.evaluate(READ_DB)
        old_caches = page.evaluate(CACHES)
        assert before["floors"] and before["tlSeq"], before
        for p in list(phone.pages):
            p.close()

    # No server: nginx stopped. The same phone opens the app again, fully offline.
    topo.nginx.stop()
    try:
        with browsers.open("exploitant-phone", phone=True, camera=camera) as phone:
            page = phone.pages[0]
            open_verifier(page, topo, "offline visit (nginx stopped)")
            shown = verdict(page, "camera, offline", 90)
            shots(page, "exploitant-offline-valid")
            assert (shown["status"], shown["number"]) == ("VALID", number), shown
            next_pass(page)
            paste(page, revoked_qr)
            shown = verdict(page, "revoked card, offline")
            shots(page, "exploitant-offline-revoked")
            assert shown["status"] == "REVOKED", shown
            next_pass(page)
            for p in list(phone.pages):
                p.close()
    finally:
        topo.nginx.start()

    # A new version of the app is deployed; the phone takes it on its next online visit.
    old_version = topo.app_version()
    new_version = topo.deploy_app_change(f"rehearsal release {time.time():.0f}")
    assert new_version != old_version
    with browsers.open("exploitant-phone", phone=True, camera=camera) as phone:
        page = phone.pages[0]
        open_verifier(page, topo, "visit after the deploy")
        # Installed and activated: the new shell cache is there and the old one is gone.
        wait_until(page, f"caches.keys().then((k) => k.filter((n) => n.startsWith('pas-app-'))"
                         f".join() === 'pas-app-{new_version}')", 60, "the new app version to activate")
        page.reload()
        wait_until(page, "document.documentElement.dataset.ready === 'true'", 45, "reload")
        wait_until(page, LISTS_OK, 45, "lists after the deploy")
        assert page.evaluate(CACHES) == [f"pas-app-{new_version}"], (old_caches, page.evaluate(CACHES))
        css = page.evaluate("async () => (await fetch('app.css')).text()")
        assert "rehearsal release" in css, "the phone still runs the old app.css"
        after = page.evaluate(READ_DB)
        assert after["floors"]["tl"] >= before["floors"]["tl"], (before, after)
        for iss, seq in before["floors"]["rev"].items():
            assert after["floors"]["rev"].get(iss, 0) >= seq, (before, after)
        assert set(before["keys"]) <= set(after["keys"]), (before, after)
        shown = verdict(page, "camera, new version", 90)
        assert (shown["status"], shown["number"]) == ("VALID", number), shown
        next_pass(page)
        shots(page, "exploitant-new-version")

        # gunicorn restarted (a reload of the unit, a crash): the open app reloads fine.
        topo.gunicorn.restart()
        page.reload()
        wait_until(page, "document.documentElement.dataset.ready === 'true'", 45, "reload after restart")
        wait_until(page, LISTS_OK, 45, "lists after the gunicorn restart")
        shown = verdict(page, "camera, after the gunicorn restart", 90)
        assert (shown["status"], shown["number"]) == ("VALID", number), shown
        paste(page, revoked_qr)
        assert verdict(page, "revoked, after the restart")["status"] == "REVOKED"
        paste(page, renewed_qr)
        assert verdict(page, "pasted, after the restart")["status"] == "VALID"


# --- 5. beheer -----------------------------------------------------------------------------


def test_beheer(topology: Topology, browsers: Browsers, ledger: Ledger, face_camera: Path,
                shots: Shots) -> None:
    topo = topology
    ledger["number"]
    with browsers.open("office-beheer") as office:
        page = office.pages[0]
        login(page, topo, "beheerder")
        assert "/beheer" in page.url, page.url
        page.goto(topo.base + "/beheer/accounts")
        ok(page, "accounts page")
        page.fill("#username", "spreekuur2")
        page.select_option("#role", "intake")
        submit(page, "form[action$='/beheer/accounts'] button[type=submit]", "new account")
        # A password to hand over, or a one-time enrolment link (as `pas-service user add`).
        handed = page.locator("main").inner_text()
        if page.locator(".secret-value code").count():
            handed = "password (give it in person): " + page.text_content(".secret-value code").strip()
        for href in page.locator("main a[href*='/enrol/']").all():
            handed += " " + (href.get_attribute("href") or "")
        topo.officials["spreekuur2"] = official_from("spreekuur2", "intake", handed)

        page.goto(topo.base + f"/beheer/reports?iss={ESCROW_ISS}")
        ok(page, "report")
        shots(page, "beheer-report", full_page=True)
        table = " ".join(page.locator("table.report").inner_text().split())
        assert "<5" in table or "&lt;5" in table, table  # 1 to 4 passes are never shown exactly
        logout(page, "beheerder")

    # The new colleague's first login: enrolment, then straight to the intake form.
    with browsers.open("office-spreekuur2", camera=face_camera) as office:
        page = office.pages[0]
        login(page, topo, "spreekuur2")
        assert page.url.endswith("/intake/new"), page.url
        logout(page, "spreekuur2")


# --- 6. faults -----------------------------------------------------------------------------


def test_faults_gunicorn_killed_and_nginx_restarted(topology: Topology, browsers: Browsers, ledger: Ledger, face_camera: Path,
                shots: Shots) -> None:
    topo = topology
    assert topo.nginx is not None and topo.gunicorn is not None
    ledger["number"]
    snapshot = ("select p.number, c.serial, c.revoked_at, c.revoke_reason from passes p "
                "join cards c on c.pass_id = p.id order by c.id")
    committed = topo.sql(snapshot)
    with browsers.open("office-spreekuur", camera=face_camera) as office:
        page = office.pages[0]
        login(page, topo, "spreekuur1")
        intake_form(page, topo, category="raam", language="pl", consent=False)

        # gunicorn dies (all workers at once) while she is about to issue.
        topo.gunicorn.kill()
        try:
            page.click("#intake-submit")
            page.wait_for_selector("#intake-messages .flash-error", timeout=60_000)
            message = " ".join(page.locator("#intake-messages").inner_text().split())
            shots(page, "fault-intake-while-down", full_page=True)
            assert message, "the intake page said nothing when the service was down"
            assert "Traceback" not in page.content()
            assert page.evaluate("document.querySelector('#photo').files.length") == 1, \
                "the form lost her photo"
            # Any page she opens meanwhile: nginx's own page, not a stack trace or a blank screen.
            other = office.new_page()
            response = other.goto(topo.base + "/handhaving/")
            assert response is not None and response.status in (502, 503, 504), response
            text = " ".join(other.locator("body").inner_text().split())
            shots(other, "fault-nginx-502")
            assert text and "Traceback" not in other.content(), text
            assert "Bad Gateway" in text or "Service" in text, text
            other.close()
        finally:
            topo.gunicorn.start()
        assert topo.sql(snapshot) == committed, "a crash changed what was committed"
        audit = topo.pas_service("audit", "verify", check=False)
        assert audit.returncode == 0 and "intact" in audit.stdout, audit.stdout + audit.stderr

        # Back up: the same form, still in the page, goes through; her session survived.
        third = issue(page, "intake after gunicorn came back")
        assert third not in {row[0] for row in committed}

        # nginx restarted: sessions survive, pages come back.
        topo.nginx.stop()
        topo.nginx.start()
        page.goto(topo.base + "/intake/new")
        ok(page, "after the nginx restart")
        assert page.url.endswith("/intake/new"), "logged out by an nginx restart"
        logout(page, "spreekuur1")
    assert topo.sql(snapshot)[: len(committed)] == committed
    assert len(topo.sql(snapshot)) == len(committed) + 1


def test_fault_a_browser_that_refuses_cookies(topology: Topology, browsers: Browsers,
                                              ledger: Ledger, shots: Shots) -> None:
    """A clear page that says why (cookies), not a riddle: reloading will not help her."""
    topo = topology
    ledger["number"]  # the official's password is known once the intake journey logged in
    with browsers.open("office-no-cookies", block_cookies=True) as office:
        page = office.pages[0]
        page.goto(topo.base + "/login")
        page.fill("input[name=username]", "spreekuur1")
        page.fill("input[name=password]", topo.officials["spreekuur1"].password)
        with page.expect_navigation():
            page.click("main button[type=submit]")
        shots(page, "fault-no-cookies", full_page=True)
        text = " ".join(page.locator("body").inner_text().split())
        assert "Traceback" not in page.content() and text
        assert "/login/totp" not in page.url and "/login/enroll" not in page.url
        assert "cookie" in text.lower(), f"a browser without cookies sees: {text!r}"


def test_fault_a_phone_that_refuses_cookies_on_mijn_pas(topology: Topology, browsers: Browsers,
                                                        ledger: Ledger, shots: Shots) -> None:
    """The worker's privacy browser refuses cookies: she is told so, in her language."""
    topo = topology
    number, code = ledger["number"], ledger["code"]
    with browsers.open("worker-phone-no-cookies", phone=True, locale="es-ES",
                       block_cookies=True) as phone:
        page = phone.pages[0]
        page.goto(topo.base + "/mijn-pas/?lang=es")
        ok(page, "/mijn-pas without cookies")
        page.fill("#number", number)
        page.fill("#code", code)
        with page.expect_navigation():
            page.click("main form button[type=submit]")
        shots(page, "fault-no-cookies-mijn-pas", full_page=True)
        text = " ".join(page.locator("body").inner_text().split())
        assert "Traceback" not in page.content() and text
        assert "cookie" in text.lower(), f"her phone without cookies sees: {text!r}"


def test_no_tracebacks_in_the_service_log(topology: Topology) -> None:
    assert topology.gunicorn is not None
    log = topology.gunicorn.log_text()
    assert "Traceback" not in log, log[log.find("Traceback") - 300:][:4000]

