"""The exploitant's app as pas-service serves it at /verify/: reopening, offline, updates.

test_webapp.py covers the exported app on a static server. These tests run the real
service (gunicorn, ``live_process``) and a phone-sized Chromium with a persistent
profile, as a phone keeps its service worker, caches and IndexedDB between visits:

- the app reopens (2nd … 10th visit) online and with the server gone, and verifies;
- a card read on the first visit before the lists arrive waits for them;
- 30 days after the last sync the app still opens and verifies (with the list
  warnings); a clock that is far off gives a clear "check the clock" instead of a
  wrong verdict; nothing about a check is left in any storage after a reopen;
- a new app version is picked up on the next online visit, keeping the lists and
  their rollback floors.

Nothing here asserts a time; the numbers are in bench/bench_verifier_app.py.
"""

from __future__ import annotations

import http.client
import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import pytest
from pas_support import photo_avif

from tests.support.browser import live_process, require_chromium
from tests.support.webapp import (
    open_phone,
    paste,
    phone_page,
    wait_ready,
    wait_synced,
    write_qr_y4m,
)
from verifier.format import TrustList
from verifier.webapp import app_dir, stamped_sw

pytestmark = pytest.mark.browser

DAY = 86400


@dataclass
class Instance:
    path: Path
    valid: Any  # tokenservice.issue.passes.Issued
    revoked: Any
    trust_list_iat: int


@pytest.fixture(scope="module")
def instance(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Instance]:
    """A demo instance with one valid and one revoked pass (made before any server runs)."""
    require_chromium()
    from tokenservice import config
    from tokenservice.issue.keyring import Keyring
    from tokenservice.issue.passes import Official, PassService
    from tokenservice.ops.instance import DEMO_ISS, init_instance
    from tokenservice.store.db import Database

    path = tmp_path_factory.mktemp("verifyapp") / "instance"
    init_instance(path, demo=True)
    settings = config.load(env={}, instance_dir=path)
    db = Database(settings.database_url)
    keyring = Keyring(settings.keys_dir, settings.key_passphrase)
    passes = PassService(db, keyring, settings)
    intake = Official("intake", "intake")

    def issue() -> Any:
        return passes.issue(
            iss=DEMO_ISS, category="raam", photo=photo_avif(), photo_type="image/avif",
            official=intake,
        )

    valid, revoked = issue(), issue()
    passes.revoke(number=revoked.number, reason="stolen", official=Official("handhaver", "handhaver"))
    _, tl = TrustList.open(keyring.trust_list_bytes)
    try:
        yield Instance(path, valid, revoked, tl.iat)
    finally:
        db.dispose()


# --- helpers -----------------------------------------------------------------------------


def _wait_installed(page: Any) -> None:
    page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=45_000)
    page.wait_for_function(
        "async () => (await caches.keys()).some((k) => k.startsWith('pas-app-'))", timeout=45_000
    )


def _warnings(page: Any) -> list[str]:
    found: list[str] = page.eval_on_selector_all(
        "#verdict-warnings li", "els => els.map(e => e.dataset.warning)"
    )
    return found


def _next(page: Any) -> None:
    page.click("#next")
    page.wait_for_selector("#verdict", state="hidden")


def _first_visit(p: Any, profile: Path, url: str, inst: Instance) -> None:
    """Open the app online, let the service worker install and the lists sync, check a card."""
    context = open_phone(p, profile)
    page = phone_page(context)
    page.goto(url)
    wait_ready(page)
    wait_synced(page)
    _wait_installed(page)
    assert paste(page, inst.valid.qr_text) == "VALID"
    _next(page)
    context.close()


_LIST_RECORDS = """async () => {
  const db = await new Promise((resolve, reject) => {
    const req = indexedDB.open('pas-verifier');
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
  const out = {};
  await new Promise((resolve, reject) => {
    const t = db.transaction('lists', 'readonly');
    const req = t.objectStore('lists').openCursor();
    req.onsuccess = () => {
      const c = req.result;
      if (!c) return;
      const v = c.value;
      out[c.key] = v && v.bytes ? { seq: v.seq, exp: v.exp, size: v.bytes.length } : v;
      c.continue();
    };
    t.oncomplete = resolve;
    t.onerror = () => reject(t.error);
  });
  db.close();
  return out;
}"""


def _raw_get(url: str) -> tuple[int, str | None, bytes]:
    """GET without following redirects: (status, Location, body)."""
    parts = urlsplit(url)
    conn = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=10)
    try:
        conn.request("GET", parts.path)
        response = conn.getresponse()
        return response.status, response.getheader("Location"), response.read()
    finally:
        conn.close()


# --- 1 and 5: the app reopens, online and with the server gone ------------------------------


def test_verify_index_and_root_are_both_the_app(instance: Instance) -> None:
    """/verify/ and /verify/index.html answer 200 with the app: a service worker that caches
    index.html must never hold a redirect (browsers refuse it for a navigation)."""
    with live_process(instance.path) as (_proc, base):
        index = (app_dir() / "index.html").read_bytes()
        for path in ("/verify/", "/verify/index.html"):
            status, location, body = _raw_get(base + path)
            assert (status, location) == (200, None), path
            assert body == index, path
        status, location, _ = _raw_get(base + "/verify")
        assert status == 308 and (location or "").endswith("/verify/")


_CACHE_A_REDIRECT = """async () => {
  const name = (await caches.keys()).find((k) => k.startsWith('pas-app-'));
  const cache = await caches.open(name);
  const redirected = await fetch('../verify', { cache: 'no-store' });  // 308 → /verify/
  if (!redirected.redirected) return 'not redirected';
  await cache.put(new URL('index.html', location.href).href, redirected);
  return (await cache.match(new URL('index.html', location.href).href)).redirected;
}"""


def test_app_reopens_online_and_offline_from_the_service(instance: Instance, tmp_path: Path) -> None:
    """First visit, then nine more openings of the same 'phone': online, then with the
    server stopped; every one loads the app and gives the right verdicts."""
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "phone"
    with sync_playwright() as p:
        with live_process(instance.path) as (_proc, base):
            url = base + "/verify/"
            _first_visit(p, profile, url, instance)
            # What an older version cached for index.html: a redirected response. The
            # worker must still answer navigations with a plain 200 made from it.
            context = open_phone(p, profile)
            page = phone_page(context)
            page.goto(url)
            wait_ready(page)
            assert page.evaluate(_CACHE_A_REDIRECT) is True
            context.close()
            for target in (url, base + "/verify/index.html"):  # reopened, server up
                context = open_phone(p, profile)
                page = phone_page(context)
                response = page.goto(target)
                assert response is not None and response.status == 200, target
                wait_ready(page)
                assert paste(page, instance.valid.qr_text) == "VALID"
                _next(page)
                assert paste(page, instance.revoked.qr_text) == "REVOKED"
                assert context.errors == [], context.errors
                context.close()
        # The server is gone (killed, its port closed): the phone has no network for us.
        # The tenth opening reads the card from the (fake) camera, the others by paste.
        clip = tmp_path / "valid.y4m"
        write_qr_y4m(clip, instance.valid.qr_text, blank=5, frames=30)
        for opening in range(3, 11):
            camera = clip if opening == 10 else None
            context = open_phone(p, profile, offline=opening % 2 == 0, camera=camera)
            page = phone_page(context)
            response = page.goto(url)
            assert response is not None and response.status == 200, opening
            wait_ready(page)
            if camera is None:
                assert paste(page, instance.valid.qr_text) == "VALID", opening
            else:
                page.wait_for_selector("#verdict:not([hidden])", timeout=45_000)
                assert page.get_attribute("#verdict", "data-status") == "VALID"
            assert page.is_visible("#verdict-photo")
            _next(page)
            assert paste(page, instance.revoked.qr_text) == "REVOKED", opening
            _next(page)
            assert context.errors == [], context.errors
            context.close()


# --- 2: a card read before the first sync waits for it -------------------------------------


def test_first_visit_verdict_waits_for_the_lists(instance: Instance, tmp_path: Path) -> None:
    """The lists are held back by the test; a card pasted meanwhile gets no "no lists"
    verdict, and gets GELDIG once the lists arrive."""
    from playwright.sync_api import sync_playwright

    held: list[Any] = []
    holding = True

    def hold(route: Any) -> None:
        if holding:
            held.append(route)
        else:
            route.continue_()

    with sync_playwright() as p, live_process(instance.path) as (_proc, base):
        # No service worker here: Playwright's routes see only the page's own requests.
        context = open_phone(p, tmp_path / "phone", block_sw=True)
        context.route("**/.well-known/pas/**", hold)
        page = phone_page(context)
        page.goto(base + "/verify/")
        wait_ready(page)
        page.wait_for_function("() => document.getElementById('lists-status').dataset.state")
        assert held, "the app should be fetching its lists"
        page.click("#paste-open")
        page.fill("#paste-text", instance.valid.qr_text)
        page.click("#paste-check")
        # A round trip to the page: any verdict made without the lists would be on screen now.
        page.evaluate("() => new Promise((r) => requestAnimationFrame(() => setTimeout(r, 0)))")
        assert page.get_attribute("#verdict", "data-status") in (None, "VALID")
        assert page.get_attribute("#verdict", "data-status") != "NO_LISTS"
        holding = False
        for route in held:
            route.continue_()
        page.wait_for_selector("#verdict:not([hidden])", timeout=45_000)
        assert page.get_attribute("#verdict", "data-status") == "VALID"
        assert "GELDIG" in page.inner_text(".verdict-head")
        context.close()


# --- 3: the offline promise, the clock, and no history ----------------------------------------


def _reopen_at(p: Any, profile: Path, url: str, when: int) -> tuple[Any, Any]:
    context = open_phone(p, profile, offline=True)
    context.clock.set_fixed_time(when)
    page = phone_page(context)
    page.goto(url)
    wait_ready(page)
    return context, page


def test_offline_for_30_days_clock_warnings_and_no_history(
    instance: Instance, tmp_path: Path
) -> None:
    from playwright.sync_api import sync_playwright

    profile = tmp_path / "phone"
    with sync_playwright() as p:
        with live_process(instance.path) as (_proc, base):
            url = base + "/verify/"
            _first_visit(p, profile, url, instance)
        synced = instance.valid.iat  # the sync happened seconds after the passes were made

        # 30 days later, never online since: the lists are past their exp, the app works.
        context, page = _reopen_at(p, profile, url, synced + 30 * DAY)
        assert paste(page, instance.valid.qr_text) == "VALID"
        assert "REVOCATIONS_EXPIRED" in _warnings(page)
        assert "GELDIG" in page.inner_text(".verdict-head")
        _next(page)
        assert paste(page, instance.revoked.qr_text) == "REVOKED"
        _next(page)
        assert page.get_attribute("#lists-status", "data-state") == "warn"
        context.close()

        # A clock behind the trust list's own iat, or years ahead: "check the clock",
        # never NOT VALID for a good pass (or VALID for an expired one).
        for when in (instance.trust_list_iat - 2 * DAY, synced + 3 * 365 * DAY):
            context, page = _reopen_at(p, profile, url, when)
            assert page.get_attribute("#lists-status", "data-state") == "bad"
            assert "klok" in page.inner_text("#lists-status").lower()
            for card in (instance.valid, instance.revoked):
                assert paste(page, card.qr_text) == "CLOCK", when
                head = page.inner_text(".verdict-head")
                assert "GEEN CONTROLE MOGELIJK" in head and "klok" in head.lower(), head
                assert not page.is_visible("#verdict-card")
                _next(page)
            context.close()

        # No history: after checks and reopenings, no storage holds anything of a pass.
        context, page = _reopen_at(p, profile, url, synced + DAY)
        found = page.evaluate(_STORAGE_SCAN, _needles(instance))
        assert found["hits"] == [], found["hits"]
        assert set(found["local"]) <= {"pas-verifier-lang"}, found["local"]
        assert found["session"] == [], found["session"]
        assert found["databases"] == ["pas-verifier"], found["databases"]
        assert set(found["stores"]) == {"pas-verifier/lists"}, found["stores"]
        keys = found["keys"]["pas-verifier/lists"]
        # The lists, their floors and the audit log's kept checkpoint (a signed tree head: no pass).
        assert all(k in ("trust-list", "floors", "log-checkpoint") or k.startswith("rev:GM")
                   for k in keys), keys
        for name in found["caches"]:
            assert name.startswith("pas-app-"), name
        context.close()


def _needles(inst: Instance) -> dict[str, str]:
    """What must never be stored: the passes' QR texts, numbers and the photo."""
    photo = photo_avif()
    return {
        "valid qr": inst.valid.qr_text[5:60],
        "revoked qr": inst.revoked.qr_text[5:60],
        "valid number": inst.valid.number,
        "revoked number": inst.revoked.number,
        "valid serial": inst.valid.serial.hex(),  # (the revoked one is on the public list)
        "photo": photo[len(photo) // 2 : len(photo) // 2 + 24].hex(),
    }


# Every localStorage/sessionStorage entry, IndexedDB record and Cache Storage entry
# (URL and body), searched as text and as hex for the needles.
_STORAGE_SCAN = """async (needles) => {
  const hex = (u) => Array.from(u, (b) => b.toString(16).padStart(2, '0')).join('');
  const flat = (v) => JSON.stringify(v, (k, x) =>
    x instanceof Uint8Array ? hex(x) : x instanceof ArrayBuffer ? hex(new Uint8Array(x)) : x);
  const hits = [];
  const search = (where, text) => {
    const lower = text.toLowerCase();
    for (const [name, needle] of Object.entries(needles)) {
      if (lower.includes(needle.toLowerCase())) hits.push(`${name} in ${where}`);
    }
  };
  const local = Object.keys(localStorage);
  for (const k of local) search(`localStorage ${k}`, k + localStorage.getItem(k));
  const session = Object.keys(sessionStorage);
  const databases = (await indexedDB.databases()).map((d) => d.name);
  const stores = [];
  const keys = {};
  for (const name of databases) {
    const db = await new Promise((resolve, reject) => {
      const req = indexedDB.open(name);
      req.onsuccess = () => resolve(req.result);
      req.onerror = () => reject(req.error);
    });
    for (const store of db.objectStoreNames) {
      stores.push(`${name}/${store}`);
      keys[`${name}/${store}`] = [];
      await new Promise((resolve, reject) => {
        const t = db.transaction(store, 'readonly');
        const req = t.objectStore(store).openCursor();
        req.onsuccess = () => {
          const c = req.result;
          if (!c) return;
          keys[`${name}/${store}`].push(String(c.key));
          search(`IndexedDB ${name}/${store}/${c.key}`, String(c.key) + flat(c.value));
          c.continue();
        };
        t.oncomplete = resolve;
        t.onerror = () => reject(t.error);
      });
    }
    db.close();
  }
  const cacheNames = await caches.keys();
  for (const name of cacheNames) {
    const cache = await caches.open(name);
    for (const req of await cache.keys()) {
      const body = new Uint8Array(await (await cache.match(req)).arrayBuffer());
      search(`Cache ${name} ${req.url}`, req.url + hex(body) + new TextDecoder().decode(body));
    }
  }
  return { hits, local, session, databases, stores, keys, caches: cacheNames };
}"""


# --- 4: a new app version on the next online visit ----------------------------------------


MARKER = "\n/* test: new version */\n:root { --pas-test-version: 2; }\n"


def test_new_app_version_is_picked_up_keeping_lists_and_floors(
    instance: Instance, tmp_path: Path
) -> None:
    """The service serves a copy of the app (PAS_VERIFY_APP_DIR); between two visits one
    asset changes and sw.js gets a new VERSION (the stamp). The next online visit runs the
    new version, with the lists and rollback floors the phone already had."""
    from playwright.sync_api import sync_playwright

    app = tmp_path / "app"
    shutil.copytree(app_dir(), app)
    (app / "sw.js").write_text(stamped_sw(app), encoding="utf-8")
    env = {"PAS_VERIFY_APP_DIR": str(app)}
    profile = tmp_path / "phone"
    version_js = "() => getComputedStyle(document.documentElement).getPropertyValue('--pas-test-version').trim()"
    with sync_playwright() as p:
        with live_process(instance.path, env=env) as (_proc, base):
            url = base + "/verify/"
            _first_visit(p, profile, url, instance)
            context = open_phone(p, profile)
            page = phone_page(context)
            page.goto(url)
            wait_ready(page)
            before = page.evaluate(_LIST_RECORDS)
            old_caches = page.evaluate("async () => await caches.keys()")
            assert page.evaluate(version_js) == ""
            context.close()
            assert before["floors"]["tl"] >= 1 and before["floors"]["rev"], before

            # Deploy a new version: one changed asset, re-stamped service worker.
            with (app / "app.css").open("a", encoding="utf-8") as f:
                f.write(MARKER)
            (app / "sw.js").write_text(stamped_sw(app), encoding="utf-8")

            context = open_phone(p, profile)
            page = phone_page(context)
            page.goto(url)
            # The page reloads itself once the new version has taken over.
            page.wait_for_function(f"() => ({version_js})() === '2'", timeout=45_000)
            wait_ready(page)
            after = page.evaluate(_LIST_RECORDS)
            new_caches = page.evaluate("async () => await caches.keys()")
            assert new_caches != old_caches and len([c for c in new_caches if c.startswith("pas-app-")]) == 1
            assert after["floors"] == before["floors"]
            assert after["trust-list"]["seq"] == before["trust-list"]["seq"]
            assert paste(page, instance.valid.qr_text) == "VALID"
            context.close()

        # And offline afterwards, the new version with the old lists.
        context = open_phone(p, profile, offline=True)
        page = phone_page(context)
        page.goto(url)
        wait_ready(page)
        assert page.evaluate(version_js) == "2"
        assert paste(page, instance.revoked.qr_text) == "REVOKED"
        _next(page)
        assert paste(page, instance.valid.qr_text) == "VALID"
        assert page.evaluate(_LIST_RECORDS)["floors"] == before["floors"]
        context.close()
