"""The rehearsal's shared pieces: one production topology per session, real Chromium.

``make rehearsal`` runs this folder alone (``make test`` ignores it). The topology
(tests/support/topology.py) is built once: PostgreSQL database, key ceremony,
``pas-service init``, gunicorn with the systemd unit's workers, nginx with TLS from a
throwaway CA. Browsers are Debian's Chromium with their own HOME, whose NSS database
trusts that CA, and a persistent profile per device (the office PC, the exploitant's
phone, the worker's phone), so second visits find what the first one left.

Screenshots go to $PAS_REHEARSAL_SHOTS (default: a folder under the session's tmp; the
path is printed at the end). Missing tools skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import json
import os
import shutil
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import BASE_ARGS, CHROMIUM, require_chromium, write_y4m
from tests.support.nginx import NGINX, require
from tests.support.postgres import require_postgres
from tests.support.topology import Topology

FIXTURES = Path(__file__).parents[1] / "fixtures"
PHONE = {"viewport": {"width": 390, "height": 844}, "device_scale_factor": 2, "is_mobile": True,
         "has_touch": True,
         "user_agent": "Mozilla/5.0 (Linux; Android 13; Pixel 7) AppleWebKit/537.36 (KHTML, like "
                       "Gecko) Chrome/120.0.0.0 Mobile Safari/537.36"}
DESK = {"viewport": {"width": 1200, "height": 900}, "device_scale_factor": 2}


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/rehearsal/" in item.nodeid or item.nodeid.startswith("rehearsal/"):
            item.add_marker(pytest.mark.rehearsal)
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.postgres)




class Ledger:
    """What one journey leaves for the next (numbers, QR texts, card images, codes)."""

    def __init__(self) -> None:
        self.values: dict[str, Any] = {}

    def __setitem__(self, key: str, value: Any) -> None:
        self.values[key] = value

    def __getitem__(self, key: str) -> Any:
        if key not in self.values:
            pytest.fail(f"blocked: an earlier journey did not get as far as {key!r} (see its failure)")
        return self.values[key]


class Shots:
    def __init__(self, folder: Path) -> None:
        self.folder = folder
        folder.mkdir(parents=True, exist_ok=True)
        self.n = 0

    def __call__(self, page: Any, name: str, *, full_page: bool = False) -> Path:
        self.n += 1
        path = self.folder / f"{self.n:02d}-{name}.png"
        page.screenshot(path=str(path), full_page=full_page)
        return path


@pytest.fixture(scope="session")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    require_chromium()
    require("nginx", NGINX, "nginx")
    require("openssl", shutil.which("openssl"), "openssl")
    require("certutil", shutil.which("certutil"), "libnss3-tools")
    require_postgres()
    started = time.monotonic()
    topo = Topology(tmp_path_factory.mktemp("rehearsal"))
    try:
        topo.build()
        print(f"\nrehearsal topology up in {time.monotonic() - started:.0f}s: {topo.base} "
              f"(nginx {topo.nginx.https if topo.nginx else '?'} → gunicorn "
              f"{topo.gunicorn.port if topo.gunicorn else '?'}, {topo.workers} workers, {topo.database_url.rsplit('/', 1)[-1]})")
        yield topo
    finally:
        log = topo.gunicorn.log_text() if topo.gunicorn else ""
        errors = topo.nginx.errors() if topo.nginx else ""
        topo.close()
        (topo.tmp / "pas-service.log.copy").write_text(log)
        if "Traceback" in log:
            print(f"\npas-service logged a traceback (full log: {topo.tmp / 'pas-service.log.copy'}):\n"
                  + log[log.index("Traceback") - 200:][:3000])
        if "[emerg]" in errors or "[crit]" in errors:
            print("\nnginx errors:\n" + errors[-3000:])


@pytest.fixture(scope="session")
def ledger() -> Ledger:
    return Ledger()


@pytest.fixture(scope="session")
def shots(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Shots]:
    folder = Path(os.environ.get("PAS_REHEARSAL_SHOTS") or tmp_path_factory.mktemp("shots"))
    yield Shots(folder)
    print(f"\nrehearsal screenshots: {folder}")


@pytest.fixture(scope="session")
def face_camera(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return write_y4m(FIXTURES / "astronaut.png", tmp_path_factory.mktemp("camera") / "face.y4m")


@pytest.fixture(scope="session")
def playwright_session() -> Iterator[Any]:
    require_chromium()
    from playwright.sync_api import sync_playwright

    pw = sync_playwright().start()
    try:
        yield pw
    finally:
        pw.stop()


class Browsers:
    """Chromium with the rehearsal's HOME (its NSS db trusts the CA) and persistent profiles."""

    def __init__(self, pw: Any, topo: Topology, shots: Shots) -> None:
        self.pw, self.topo, self.shots = pw, topo, shots
        self.profiles = topo.tmp / "profiles"

    @contextmanager
    def open(self, profile: str, *, phone: bool = False, camera: Path | None = None,
             locale: str = "nl-NL", block_cookies: bool = False) -> Iterator[Any]:
        user_data = self.profiles / profile
        if block_cookies:
            prefs = user_data / "Default" / "Preferences"
            prefs.parent.mkdir(parents=True, exist_ok=True)
            prefs.write_text(json.dumps(
                {"profile": {"default_content_setting_values": {"cookies": 2},
                             "block_third_party_cookies": True}}))
        args = list(BASE_ARGS)
        if camera is not None:
            args += ["--use-fake-device-for-media-stream", "--use-fake-ui-for-media-stream",
                     f"--use-file-for-fake-video-capture={camera}"]
        context = self.pw.chromium.launch_persistent_context(
            str(user_data), executable_path=CHROMIUM, args=args, headless=True,
            env={**os.environ, "HOME": str(self.topo.browser_home)},
            accept_downloads=True, locale=locale, **(PHONE if phone else DESK),
        )
        context.set_default_timeout(30_000)
        context.set_default_navigation_timeout(60_000)
        if camera is not None:
            context.grant_permissions(["camera"], origin=self.topo.base)
        try:
            yield context
        except BaseException:
            # What the user saw when it went wrong: every open page of this device.
            for i, page in enumerate(context.pages):
                try:
                    path = self.shots.folder / f"FAILED-{profile}-{i}.png"
                    page.screenshot(path=str(path), full_page=True, timeout=10_000)
                    print(f"\n{profile}: {page.url} when it failed: {path}")
                except Exception as exc:
                    print(f"\n{profile}: no screenshot of page {i}: {exc!r}")
            raise
        finally:
            context.close()


@pytest.fixture(scope="session")
def browsers(playwright_session: Any, topology: Topology, shots: Shots) -> Browsers:
    return Browsers(playwright_session, topology, shots)
