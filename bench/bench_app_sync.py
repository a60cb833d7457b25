"""The verifier app's sync on a throttled "slow 3G" phone, from static lists (issue 16).

    .venv/bin/python bench/bench_app_sync.py     # this module alone, prints JSON
    make bench                                   # every bench/bench_*.py

The national world of bench_national.py (342 issuers, 50,000 passes, 5 % revoked; signed
now), laid out as the service's public_dir writes it (``.well-known/pas/…``) and served by
nginx as static files (ETag on, as deploy/nginx/pas.conf does), with the exported app on
the same origin. Debian's Chromium on a phone viewport, with Chrome DevTools' "Slow 3G"
profile through CDP ``Network.emulateNetworkConditions`` (2,000 ms latency a request,
50,000 B/s down and up) and service workers blocked (so every request is the page's and
is throttled). Two phones, each with a fresh profile:

* **region**: pinned to one region's anchor (the median region: its trust list, its
  municipalities' revocation lists);
* **national**: pinned to a national anchor whose trust list carries all 342 issuers.

For each: the first visit until the lists are synced (app files included), a reload
until the re-sync is done (conditional requests: nginx answers 304), the list requests
and bytes on the wire (CDP ``encodedDataLength``), and ``navigator.storage.estimate()``
(IndexedDB, where the app keeps the lists). Times depend on the emulated network far
more than on this machine. Without Chromium, Playwright or nginx it reports ``skipped``.
"""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

#: Chrome DevTools' "Slow 3G" preset (as Puppeteer's PredefinedNetworkConditions has it).
SLOW_3G = {"offline": False, "latency": 2000, "downloadThroughput": 50_000, "uploadThroughput": 50_000}
LISTS = ".well-known/pas"


def _site(root: Path) -> dict[str, Any]:
    """The two phones' apps and their lists under ``root``; returns what was written."""
    import bench_national

    from verifier.webapp import export_app

    bench_national.NOW = int(time.time())  # lists valid now
    world = bench_national.build_world()
    regions: list[list[str]] = world["regions"]
    order = sorted(range(len(regions)), key=lambda i: len(regions[i]))
    median = order[len(order) // 2]
    cases = {
        "region": (world["region_trust_lists"][median], regions[median],
                   bytes(world["region_anchors"][median].verify_key).hex()),
        "national": (world["national_trust_list"], world["codes"],
                     bytes(world["national_anchor"].verify_key).hex()),
    }
    info: dict[str, Any] = {}
    for name, (trust_list, members, anchor) in cases.items():
        folder = root / name / LISTS
        (folder / "revocations").mkdir(parents=True)
        (folder / "trust-list.cose").write_bytes(trust_list)
        (folder / "issuers.json").write_text(json.dumps(sorted(members), indent=2, sort_keys=True))
        total = 0
        for iss in members:
            data = world["revocations"][iss]
            (folder / "revocations" / f"{iss}.cose").write_bytes(data)
            total += len(data)
        export_app(root / f"verify-{name}", anchor_hex=anchor, lists_url=f"/{name}/{LISTS}/")
        info[name] = {"issuers": len(members), "trust_list_bytes": len(trust_list),
                      "revocation_list_bytes": total}
    return info


@contextlib.contextmanager
def _nginx(root: Path) -> Iterator[str]:
    from tests.support.browser import free_port
    from tests.support.nginx import NGINX, _die_with_parent

    port = free_port()
    prefix = root.parent / "nginx"
    prefix.mkdir()
    user = "user root;" if os.geteuid() == 0 else ""
    temps = " ".join(f"{n}_temp_path {prefix / n};" for n in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi"))
    (prefix / "nginx.conf").write_text(f"""{user}
worker_processes 1;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 256; }}
http {{
  include /etc/nginx/mime.types;
  types {{ application/cose cose; application/wasm wasm; application/manifest+json webmanifest; }}
  access_log off;
  {temps}
  server {{
    listen 127.0.0.1:{port};
    root {root};
    etag on;
    location ~ /\\.well-known/pas/ {{
      add_header Cache-Control "public, max-age=300, must-revalidate";
      add_header Access-Control-Allow-Origin "*";
    }}
    location / {{ add_header Cache-Control "no-cache"; }}
  }}
}}
""")
    proc = subprocess.Popen([NGINX, "-p", str(prefix), "-c", str(prefix / "nginx.conf"), "-g", "daemon off;"],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, preexec_fn=_die_with_parent)
    try:
        import urllib.request

        deadline = time.monotonic() + 20
        while True:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{port}/verify-region/", timeout=2).read()
                break
            except OSError:
                if proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError("nginx did not start") from None
                time.sleep(0.1)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


_STATUS = ("() => { const el = document.getElementById('lists-status');"
           " return el ? [el.dataset.state, el.textContent] : null; }")


def _phone(p: Any, base: str, name: str, profile: Path) -> dict[str, Any]:
    from tests.support.browser import BASE_ARGS, CHROMIUM

    context = p.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=BASE_ARGS, headless=True,
        viewport={"width": 390, "height": 844}, device_scale_factor=2, is_mobile=True,
        has_touch=True, locale="nl-NL", timezone_id="Europe/Amsterdam", service_workers="block",
    )
    try:
        page = context.pages[0] if context.pages else context.new_page()
        cdp = context.new_cdp_session(page)
        cdp.send("Network.enable")
        cdp.send("Network.emulateNetworkConditions", SLOW_3G)
        wire: dict[str, int] = {}
        pending: dict[str, str] = {}  # list requests started and not yet ended
        ended: list[tuple[str, str]] = []  # (url, "ok" | error text)
        started = [0]

        def sent(e: dict[str, Any]) -> None:
            if f"/{LISTS}/" in e["request"]["url"]:
                pending[e["requestId"]] = e["request"]["url"]
                started[0] += 1

        def finished(e: dict[str, Any]) -> None:
            wire["all"] = wire.get("all", 0) + int(e["encodedDataLength"])
            if e["requestId"] in pending:
                wire["lists"] = wire.get("lists", 0) + int(e["encodedDataLength"])
                ended.append((pending.pop(e["requestId"]), "ok"))

        def failed(e: dict[str, Any]) -> None:
            if e["requestId"] in pending:
                ended.append((pending.pop(e["requestId"]), str(e.get("errorText"))))

        cdp.on("Network.requestWillBeSent", sent)
        cdp.on("Network.loadingFinished", finished)
        cdp.on("Network.loadingFailed", failed)

        def until_synced(what: str) -> dict[str, Any]:
            """Until the app's sync has ended (its status says when the lists were updated,
            and no list request is open): how long, how it ended, what it fetched."""
            t0 = time.perf_counter()
            deadline = time.monotonic() + 900
            while True:
                page.wait_for_timeout(250)
                status = page.evaluate(_STATUS)
                if started[0] >= 3 and not pending and status and "bijgewerkt" in status[1]:
                    break
                if time.monotonic() > deadline:
                    raise RuntimeError(f"{what} of {name} did not end: {status}, {len(pending)} open")
            lists = [u for u, how in ended if "/revocations/" in u]
            return {
                "s": round(time.perf_counter() - t0 + offset[0], 1),
                "app_status": status[1],
                "list_requests": len(ended),
                "revocation_lists_received": sum(1 for u, how in ended
                                                 if "/revocations/" in u and how == "ok"),
                "revocation_lists_failed": sum(1 for u, how in ended
                                               if "/revocations/" in u and how != "ok"),
                "failures": sorted({how for _u, how in ended if how != "ok"}),
                "revocation_list_requests": len(lists),
                "list_bytes_on_wire": wire.get("lists", 0),
                "all_bytes_on_wire": wire.get("all", 0),
            }

        offset = [0.0]
        t0 = time.perf_counter()
        page.goto(f"{base}/verify-{name}/", timeout=600_000)
        offset[0] = time.perf_counter() - t0  # the app's own files, before its sync starts
        out: dict[str, Any] = {"first_visit": until_synced("first sync")}
        time.sleep(1)  # the app writes IndexedDB once the status turns
        estimate = page.evaluate("() => navigator.storage.estimate()")
        out["storage_usage_bytes"] = estimate.get("usage")
        out["indexeddb_bytes"] = (estimate.get("usageDetails") or {}).get("indexedDB")

        ended.clear()
        wire.clear()
        started[0] = 0
        t0 = time.perf_counter()
        page.reload(timeout=600_000)
        offset[0] = time.perf_counter() - t0
        out["reopen_resync"] = until_synced("re-sync")
        return out
    finally:
        context.close()


def run() -> dict[str, Any]:
    from tests.support.browser import CHROMIUM
    from tests.support.nginx import NGINX

    if not Path(NGINX).exists():
        return {"skipped": "nginx not installed"}
    if not (CHROMIUM and Path(CHROMIUM).exists()):
        return {"skipped": "Chromium not installed"}
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        return {"skipped": "playwright not installed"}
    out: dict[str, Any] = {"network": "Chrome DevTools 'Slow 3G': 2,000 ms a request, 50,000 B/s",
                           "service_workers": "blocked (every request throttled)"}
    with tempfile.TemporaryDirectory(prefix="pas-bench-app-sync-") as tmp:
        root = Path(tmp) / "site"
        root.mkdir()
        out["site"] = _site(root)
        with _nginx(root) as base, sync_playwright() as p:
            for name in ("region", "national"):
                out[name] = _phone(p, base, name, Path(tmp) / f"profile-{name}")
        shutil.rmtree(root, ignore_errors=True)
    if "region" in out and "national" in out:
        r, n = out["region"], out["national"]
        out["ratio_national_over_region"] = {
            "first_visit_s": round(n["first_visit"]["s"] / r["first_visit"]["s"], 2),
            "reopen_resync_s": round(n["reopen_resync"]["s"] / r["reopen_resync"]["s"], 2),
            "indexeddb_bytes": round((n["indexeddb_bytes"] or 0) / (r["indexeddb_bytes"] or 1), 2),
        }
    return out


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
