"""Shared helpers for the real-Chromium tests: Debian's browser, fake camera files, a live server."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("PAS_CHROMIUM", "/usr/bin/chromium")
BASE_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-quic",
]


def require_chromium() -> None:
    if Path(CHROMIUM).exists():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {CHROMIUM} is missing (.ci/run installs Debian's chromium)")
    pytest.skip(f"{CHROMIUM} not installed (apt-get install chromium); runs under CI=true")


def browser_login(page: Any, base: str, username: str, password: str, secret: str, *,
                  shot: Callable[[Any, str], None] | None = None) -> None:
    """An official's login in the page: password, then the TOTP code of now.

    ``shot(page, name)`` is called on the empty login form (for screenshots).
    """
    import pyotp

    page.goto(base + "/login")
    if shot is not None:
        shot(page, f"login-{username}")
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    with page.expect_navigation():
        page.click("main button[type=submit]")
    page.fill("input[name=code]", pyotp.TOTP(secret).now())
    with page.expect_navigation():
        page.click("main button[type=submit]")


def fill_checklist(page: Any) -> None:
    """The intake form's checklist, answered so that it passes (BSN and KvK are no one's)."""
    page.select_option("#id_document_type", "passport")
    page.fill("#id_valid_until", "2031-05-01")
    page.fill("#bsn", "111222333")  # passes the elfproef, belongs to no one
    page.fill("#kvk", "12345678")
    page.fill("#birth_date", "1994-03-02")
    page.check("input[name=information_given]")
    page.check("input[name=help_offered]")


def open_her_record(page: Any, url: str, number: str, code: str) -> None:
    """/mijn-pas at ``url`` (with its ``?lang=``): her pass number and personal code typed
    and sent, as she does on her phone; returns once the answer has loaded."""
    page.goto(url)
    page.fill("#number", number)
    page.fill("#code", code)
    with page.expect_navigation():
        page.click("main form button[type=submit]")


def write_y4m(image_path: Path, out: Path, *, size: tuple[int, int] = (640, 480), frames: int = 10) -> Path:
    """A short Y4M (4:2:0) video of one still image, for Chromium's fake camera."""
    from PIL import Image

    img = Image.open(image_path).convert("RGB")
    img.thumbnail(size)
    canvas = Image.new("RGB", size, (128, 128, 128))
    canvas.paste(img, ((size[0] - img.width) // 2, (size[1] - img.height) // 2))
    y, cb, cr = canvas.convert("YCbCr").split()
    half = (size[0] // 2, size[1] // 2)
    frame = y.tobytes() + cb.resize(half).tobytes() + cr.resize(half).tobytes()
    with out.open("wb") as f:
        f.write(f"YUV4MPEG2 W{size[0]} H{size[1]} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            f.write(b"FRAME\n" + frame)
    return out


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextmanager
def live_process(
    instance: Path, *, env: dict[str, str] | None = None, extra_args: Sequence[str] = (),
    port: int | None = None,
) -> Iterator[tuple[subprocess.Popen[bytes], str]]:
    """``pas-service serve`` (gunicorn) on a loopback port; yields (process, base URL).

    The server runs in its own session and process group (``os.killpg(proc.pid, ...)``
    reaches the master and its workers, e.g. for a kill -9 test). ``extra_args`` go
    after ``serve`` (e.g. ``["--workers", "2"]`` on PostgreSQL).
    """
    port = port or free_port()
    script = Path(sys.executable).parent / "pas-service"
    command = [str(script) if script.exists() else shutil.which("pas-service") or "pas-service"]
    proc = subprocess.Popen(
        [*command, "--instance", str(instance), "serve", "--host", "127.0.0.1", "--port", str(port),
         *extra_args],
        env={**os.environ, **(env or {})},
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        deadline = time.monotonic() + 60
        while True:
            try:
                urllib.request.urlopen(base + "/login", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    out = proc.stdout.read().decode(errors="replace") if proc.stdout else ""
                    raise RuntimeError(f"pas-service did not start:\n{out}") from None
                time.sleep(0.2)
        yield proc, base
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=15)
        except subprocess.TimeoutExpired:
            proc.kill()
            proc.wait(timeout=15)
        try:  # workers a killed master left behind
            os.killpg(proc.pid, signal.SIGKILL)
        except (ProcessLookupError, PermissionError):
            pass


@contextmanager
def live_service(
    instance: Path, *, env: dict[str, str] | None = None, extra_args: Sequence[str] = ()
) -> Iterator[str]:
    """``pas-service serve`` (gunicorn) on a free loopback port; yields its base URL."""
    with live_process(instance, env=env, extra_args=extra_args) as (_proc, base):
        yield base


@contextmanager
def demo_service(folder: Path, **init: Any) -> Iterator[tuple[str, dict[str, Any]]]:
    """A demo instance in ``folder`` served by ``pas-service serve``: (base URL, the demo
    accounts by username). ``init`` goes to ``init_instance`` (e.g. ``demo_escrow=True``)."""
    require_chromium()
    from tokenservice.ops.instance import init_instance

    instance = folder / "instance"
    accounts = {a.username: a for a in init_instance(instance, demo=True, **init)}
    with live_service(instance) as base:
        yield base, accounts


@contextmanager
def chromium(*extra_args: str) -> Iterator[Any]:
    """Debian's Chromium through Playwright, with BASE_ARGS and ``extra_args``."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, args=[*BASE_ARGS, *extra_args])
        try:
            yield browser
        finally:
            browser.close()
