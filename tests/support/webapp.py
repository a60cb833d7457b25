"""The verifier's web app on a phone in Chromium: a persistent profile, a fake camera clip,
and the steps of a check (ready, lists synced, a pasted pass and its verdict)."""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest

from tests.support.browser import BASE_ARGS, CHROMIUM

PHONE = {"width": 390, "height": 844}


def require(what: str, ok: bool) -> None:
    """Skip without ``what`` (fail under CI=true, where everything must be there)."""
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {what} is missing")
    pytest.skip(f"{what} is missing (these tests run under CI=true)")


def playwright() -> Any:
    """Playwright's ``sync_playwright``, once Debian's Chromium and the package are there."""
    require(f"Debian's Chromium at {CHROMIUM} (apt-get install chromium)", Path(CHROMIUM).exists())
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:  # pragma: no cover
        require("the playwright Python package", False)
    return sync_playwright


def open_phone(
    p: Any, profile: Path, *, offline: bool = False, block_sw: bool = False,
    camera: Path | None = None,
) -> Any:
    """A phone-sized Chromium with a persistent profile (one 'phone'); `camera` is a .y4m
    clip for Chromium's fake camera."""
    args = [*BASE_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream"]
    if camera is not None:
        args.append(f"--use-file-for-fake-video-capture={camera}")
    context = p.chromium.launch_persistent_context(
        str(profile),
        executable_path=CHROMIUM,
        args=args,
        headless=True,
        viewport=PHONE,
        device_scale_factor=2,
        is_mobile=True,
        has_touch=True,
        locale="nl-NL",
        timezone_id="Europe/Amsterdam",
        permissions=["camera"],
        service_workers="block" if block_sw else "allow",
    )
    if offline:
        context.set_offline(True)
    errors: list[str] = []
    context.on("weberror", lambda e: errors.append(str(e.error)))
    context.errors = errors
    return context


def phone_page(context: Any) -> Any:
    return context.pages[0] if context.pages else context.new_page()


def wait_ready(page: Any) -> None:
    page.wait_for_function("() => document.documentElement.dataset.ready === 'true'", timeout=45_000)


def wait_synced(page: Any) -> None:
    page.wait_for_function(
        "() => document.getElementById('lists-status').dataset.state === 'ok'"
        " && /bijgewerkt/.test(document.getElementById('lists-status').textContent)",
        timeout=45_000,
    )


def verdict(page: Any, timeout: float = 45_000) -> str:
    """The status of the verdict on screen, once it is shown."""
    page.wait_for_selector("#verdict:not([hidden])", timeout=timeout)
    status: str = page.get_attribute("#verdict", "data-status")
    return status


def paste(page: Any, text: str) -> str:
    """Check a pasted pass text; the verdict's status."""
    page.click("#paste-open")
    page.fill("#paste-text", text)
    page.click("#paste-check")
    return verdict(page)


def write_qr_y4m(path: Path, text: str | None, *, blank: int, frames: int) -> None:
    """A 640×480 4:2:0 Y4M clip: `blank` empty frames, then `frames` of the QR card."""
    import segno
    from PIL import Image

    w, h = 640, 480
    card = Image.new("L", (w, h), 128)
    if text is not None:
        code = segno.make(text, error="m", micro=False)
        modules = len(code.matrix) + 8
        scale = int(min(w, h) * 0.96) // modules
        size = len(code.matrix)
        qr = Image.new("L", (modules, modules), 240)  # light paper with a 4-module quiet zone
        qr.putdata(
            [
                20 if 4 <= x < size + 4 and 4 <= y < size + 4 and code.matrix[y - 4][x - 4] else 240
                for y in range(modules)
                for x in range(modules)
            ]
        )
        qr = qr.resize((modules * scale, modules * scale), Image.NEAREST)
        card.paste(qr, ((w - qr.width) // 2, (h - qr.height) // 2))
    empty = Image.new("L", (w, h), 128).tobytes()
    chroma = bytes([128]) * (w // 2 * h // 2 * 2)
    with path.open("wb") as f:
        f.write(f"YUV4MPEG2 W{w} H{h} F10:1 Ip A1:1 C420jpeg\n".encode())
        for i in range(blank + frames):
            f.write(b"FRAME\n")
            f.write(empty if i < blank else card.tobytes())
            f.write(chroma)
