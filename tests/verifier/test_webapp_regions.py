"""Issue 16, "done when": two regions, two services, one phone app — and pas-verify.

Region Drenthe and region Groningen are two real ``pas-service`` instances (gunicorn), each
with its own trust anchor and its own municipality (Assen GM0106, Groningen GM0014); region
Fryslân (Leeuwarden GM0080) is a third anchor whose signed lists sit on a plain static
server. One exported app, set up for Assen with Groningen accepted (config.json: the three
pinned anchors, ``municipality`` and ``accept``), syncs each region from its own source,
goes offline, and gives a pass of Assen and of Groningen VALID and a pass of Leeuwarden
NOT_VALID_HERE ("Echte pas van Gemeente Leeuwarden; geldt niet voor werk in Gemeente
Assen") with its photo. ``pas-verify`` with the same three regions and policy says the same.
Then one region's server goes away and the app still verifies every region offline.
"""

from __future__ import annotations

import contextlib
import functools
import http.server
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, ClassVar

import pytest
from pas_support import key, number, photo_avif, pub, serial

from tests.support.browser import BASE_ARGS, CHROMIUM, live_service, require_chromium
from verifier import _cli
from verifier.format import DEFAULT_CATEGORIES, IssuerEntry, Pass, RevocationList, TrustList
from verifier.webapp import export_app

pytestmark = pytest.mark.browser

DAY = 86400
PHONE = {"width": 390, "height": 844}


@dataclass
class Region:
    id: str
    name: str
    iss: str
    muni: str
    anchor_hex: str
    card: str  # QR text of a valid pass of its municipality
    url: str = ""  # base URL of its service (set once serving)

    @property
    def lists_url(self) -> str:
        return self.url.rstrip("/") + "/.well-known/pas/"


def make_instance(path: Path, *, iss: str, name: str, prefix: str) -> tuple[str, str]:
    """A demo pas-service instance whose one issuer is ``iss`` (not the demo's GM9999) and
    one pass it issued: (anchor hex, QR text)."""
    from keys import trustconfig
    from keys.keyfile import new_key_file
    from tokenservice import config
    from tokenservice.issue.keyring import Keyring
    from tokenservice.issue.passes import Official, PassService
    from tokenservice.ops import instance
    from tokenservice.store.db import Database

    path.mkdir(mode=0o700, parents=True)
    passphrase = secrets.token_urlsafe(24)
    toml = path / "pas.toml"
    toml.write_text(instance._TEMPLATE.format(
        demo="demo = true\nsecure_cookies = false\n", secret=secrets.token_hex(32), iss=iss,
        prefix=prefix, name=name, passphrase=f'demo_key_passphrase = "{passphrase}"\n',
    ))
    toml.chmod(0o600)
    settings = config.load(env={}, instance_dir=path)
    settings.keys_dir.mkdir(mode=0o700, parents=True, exist_ok=True)
    now = int(time.time())
    anchor = settings.keys_dir / "anchor.key"
    new_key_file(anchor, kind="anchor", passphrase=passphrase, now=now)
    cfg = settings.keys_dir / "trust.json"
    trustconfig.init_config(cfg, anchor=anchor)
    trustconfig.add_issuer(cfg, iss=iss, name=f"Gemeente {name}", now=now - 60, passphrase=passphrase)
    instance.init_instance(path, demo=True)  # signs the trust list, migrates, demo accounts
    settings = config.load(env={}, instance_dir=path)
    db = Database(settings.database_url)
    try:
        keyring = Keyring(settings.keys_dir, settings.key_passphrase)
        issued = PassService(db, keyring, settings).issue(
            iss=iss, category="raam", photo=photo_avif(), photo_type="image/avif",
            official=Official("intake", "intake"),
        )
        return keyring.anchor_hex, issued.qr_text
    finally:
        db.dispose()


FRYSLAN_ANCHOR = key("webapp-regions/anchor-fryslan")
LEEUWARDEN = key("webapp-regions/GM0080")


def static_region(root: Path, now: int) -> str:
    """Region Fryslân's signed lists as static files; returns a Leeuwarden pass."""
    folder = root / ".well-known" / "pas"
    (folder / "revocations").mkdir(parents=True)
    entry = IssuerEntry(iss="GM0080", name="Gemeente Leeuwarden", public_key=pub(LEEUWARDEN),
                        nbf=now - 365 * DAY, exp=now + 4 * 365 * DAY, categories=DEFAULT_CATEGORIES)
    tl = TrustList(seq=1, iat=now - DAY, exp=now + 30 * DAY, issuers=(entry,))
    (folder / "trust-list.cose").write_bytes(tl.sign(FRYSLAN_ANCHOR))
    rl = RevocationList.build(iss="GM0080", seq=1, iat=now - DAY, exp=now + 7 * DAY, serials=[])
    (folder / "revocations" / "GM0080.cose").write_bytes(rl.sign(LEEUWARDEN))
    (folder / "issuers.json").write_text(json.dumps(["GM0080"]))
    return Pass(iss="GM0080", number=number("LW", "regions"), category="raam",
                serial=serial("webapp-regions/lw"), iat=now - DAY, nbf=now - DAY,
                exp=now + 700 * DAY, photo=photo_avif(), photo_type="image/avif").sign(LEEUWARDEN)


@contextlib.contextmanager
def serve(root: Path, *, csp: str | None = None, cors: bool = False) -> Iterator[tuple[str, Any]]:
    """A static server for a folder: the app (with a CSP) or a region's lists (with CORS)."""

    class Handler(http.server.SimpleHTTPRequestHandler):
        extensions_map: ClassVar[dict[str, str]] = {
            **http.server.SimpleHTTPRequestHandler.extensions_map,
            ".js": "text/javascript", ".wasm": "application/wasm", ".cose": "application/cose",
            ".webmanifest": "application/manifest+json",
        }

        def end_headers(self) -> None:
            if csp:
                self.send_header("Content-Security-Policy", csp)
            if cors:
                self.send_header("Access-Control-Allow-Origin", "*")
            self.send_header("Cache-Control", "no-cache")
            super().end_headers()

        def log_message(self, *args: Any) -> None:
            pass

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), functools.partial(Handler, directory=str(root)))
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_port}/", server
    finally:
        server.shutdown()
        server.server_close()


@pytest.fixture(scope="module")
def regions(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Region]]:
    require_chromium()
    base = tmp_path_factory.mktemp("regions")
    drenthe = Region("drenthe", "Drenthe", "GM0106", "Gemeente Assen",
                     *make_instance(base / "drenthe", iss="GM0106", name="Assen", prefix="AS"))
    groningen = Region("groningen", "Groningen", "GM0014", "Gemeente Groningen",
                       *make_instance(base / "groningen", iss="GM0014", name="Groningen", prefix="GR"))
    fryslan = Region("fryslan", "Fryslân", "GM0080", "Gemeente Leeuwarden",
                     pub(FRYSLAN_ANCHOR).hex(), static_region(base / "fryslan", int(time.time())))
    with contextlib.ExitStack() as stack:
        drenthe.url = stack.enter_context(live_service(base / "drenthe"))
        groningen.url = stack.enter_context(live_service(base / "groningen"))
        fryslan.url, fryslan_server = stack.enter_context(serve(base / "fryslan", cors=True))
        yield {"drenthe": drenthe, "groningen": groningen, "fryslan": fryslan,
               "_fryslan_server": fryslan_server}  # type: ignore[dict-item]


def _paste(page: Any, text: str) -> str:
    page.click("#paste-open")
    page.fill("#paste-text", text)
    page.click("#paste-check")
    page.wait_for_selector("#verdict:not([hidden])", timeout=45_000)
    status: str = page.get_attribute("#verdict", "data-status")
    return status


def _next(page: Any) -> None:
    page.click("#next")
    page.wait_for_selector("#verdict", state="hidden")


def _photo_shown(page: Any) -> bool:
    return bool(page.evaluate(
        "() => { const i = document.getElementById('verdict-photo');"
        " return !document.getElementById('verdict-card').hidden && i.complete && i.naturalWidth > 0; }"
    ))


def test_one_app_for_assen_accepting_groningen_checks_three_regions_offline(
    regions: dict[str, Region], tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    d, g, f = regions["drenthe"], regions["groningen"], regions["fryslan"]
    app = tmp_path / "site"
    export_app(
        app / "verify", anchor_hex=d.anchor_hex, lists_url=d.lists_url,
        regions=[(g.id, g.name, g.anchor_hex, g.lists_url), (f.id, f.name, f.anchor_hex, f.lists_url)],
        municipality="GM0106", municipality_name="Gemeente Assen", accept=["groningen"],
    )
    origins = " ".join(r.url.rstrip("/") for r in (d, g, f))
    csp = ("default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
           f"img-src 'self' data: blob:; connect-src 'self' {origins}")
    with serve(app, csp=csp) as (url, _), sync_playwright() as p:
        context = p.chromium.launch_persistent_context(
            str(tmp_path / "profile"), executable_path=CHROMIUM,
            args=[*BASE_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"],
            headless=True, viewport=PHONE, device_scale_factor=2, is_mobile=True, has_touch=True,
            locale="nl-NL", timezone_id="Europe/Amsterdam", permissions=["camera"],
        )
        errors: list[str] = []
        context.on("weberror", lambda e: errors.append(str(e.error)))
        try:
            page = context.pages[0] if context.pages else context.new_page()
            page.goto(url + "verify/")
            page.wait_for_function("() => document.documentElement.dataset.ready === 'true'",
                                   timeout=45_000)
            page.wait_for_function(
                "() => document.getElementById('lists-status').dataset.state === 'ok'"
                " && /bijgewerkt/.test(document.getElementById('lists-status').textContent)",
                timeout=45_000,
            )
            page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=45_000)
            # Offline from here on: every verdict comes from what the phone holds.
            context.set_offline(True)
            requests: list[str] = []
            context.on("request", lambda r: requests.append(r.url) if not r.url.startswith("blob:") else None)

            assert _paste(page, d.card) == "VALID"
            assert page.text_content("#verdict-title") == "GELDIG"
            _next(page)
            assert _paste(page, g.card) == "VALID"
            assert page.text_content("#field-issuer") == "Gemeente Groningen"
            _next(page)
            assert _paste(page, f.card) == "NOT_VALID_HERE"
            assert page.get_attribute("#verdict", "data-tone") == "invalid"
            assert page.text_content("#verdict-title") == "NIET GELDIG HIER"
            assert page.text_content("#verdict-reason") == "Echte pas van Gemeente Leeuwarden"
            explain = page.text_content("#verdict-explain") or ""
            assert explain.startswith(
                "Echte pas van Gemeente Leeuwarden; geldt niet voor werk in Gemeente Assen.")
            assert _photo_shown(page), "the photo of a genuine pass is shown"
            assert page.text_content("#field-number") == number("LW", "regions")
            page.dispatch_event("#lang", "click")
            assert page.text_content("#verdict-title") == "NOT VALID HERE"
            assert (page.text_content("#verdict-explain") or "").startswith(
                "Genuine pass of Gemeente Leeuwarden; not valid for work in Gemeente Assen.")
            page.dispatch_event("#lang", "click")
            _next(page)
            # (The browser's own favicon fetch is not the app's.)
            made = [r for r in requests if "/icons/" not in r]
            assert made == [], f"a check made requests: {made}"

            # The About panel names the three anchors and the policy.
            page.click("#about-open")
            assert "Gemeente Assen" in (page.text_content("#about-policy") or "")
            anchors = page.text_content("#about-anchor") or ""
            assert all(r.anchor_hex[:16] in anchors for r in (d, g, f))
            page.keyboard.press("Escape")

            # Reopen offline: the lists of all three regions are still there.
            page.reload()
            page.wait_for_function("() => document.documentElement.dataset.ready === 'true'",
                                   timeout=45_000)
            assert _paste(page, g.card) == "VALID"
            _next(page)
            assert _paste(page, f.card) == "NOT_VALID_HERE"
            _next(page)
            assert not errors, errors
        finally:
            context.close()


def test_pas_verify_with_the_same_three_regions_and_policy(
    regions: dict[str, Region], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = str(tmp_path / "cache")
    for r in (regions["drenthe"], regions["groningen"], regions["fryslan"]):
        code = _cli.main(["region", "add", r.id, r.url, "--anchor", r.anchor_hex,
                          "--name", r.name, "--cache-dir", cache])
        assert code == 0, capsys.readouterr().err
    assert _cli.main(["policy", "set", "GM0106", "--accept", "groningen",
                      "--name", "Gemeente Assen", "--cache-dir", cache]) == 0
    capsys.readouterr()
    got = {}
    for r in (regions["drenthe"], regions["groningen"], regions["fryslan"]):
        code = _cli.main(["check", "--cache-dir", cache, "--json", "--text", r.card])
        got[r.id] = (code, json.loads(capsys.readouterr().out)["status"])
    assert got == {"drenthe": (0, "VALID"), "groningen": (0, "VALID"),
                   "fryslan": (1, "NOT_VALID_HERE")}
    # Region Fryslân's server goes away: its sync fails, the others sync, checks go on.
    server = regions["_fryslan_server"]  # type: ignore[index]
    server.shutdown()
    server.server_close()
    code = _cli.main(["sync", "--cache-dir", cache, "--timeout", "5", "--json"])
    out = json.loads(capsys.readouterr().out)["regions"]
    assert code == 2 and "error" in out["fryslan"]
    assert out["drenthe"]["trust_list"]["seq"] >= 1 and out["groningen"]["trust_list"]["seq"] >= 1
    code = _cli.main(["check", "--cache-dir", cache, "--json", "--text", regions["fryslan"].card])
    assert (code, json.loads(capsys.readouterr().out)["status"]) == (1, "NOT_VALID_HERE")
