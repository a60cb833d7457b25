"""Issuing a pass while /mijn-pas is flooded with guesses (issue 12, finding 7).

    .venv/bin/python bench/bench_mijnpas_flood.py           # this module alone, prints JSON
    .venv/bin/python bench/bench_mijnpas_flood.py --quick   # a 15-second flood (a smoke run)
    make bench                                              # every bench/bench_*.py

A live ``pas-service serve`` (gunicorn, 1 worker × 4 threads on SQLite, as a small
municipality runs it) behind a pretend proxy (``PAS_PROXY_HOPS=1``), so each guess can
claim a fresh IPv6 source in its own /64 through ``X-Forwarded-For``: the worst case for
per-address limits. The intake API issues passes one after another (a 790 KB PNG
photo, as at the spreekuur), first alone, then during a 60-second flood by
``FLOOD_CLIENTS`` clients, each posting well-formed random pass numbers with
well-formed random codes (every one of them would cost a full Argon2id check if
admitted). Reported: issue latency median and p95 with and without the flood, and what
the flood got: how many guesses were answered, how many were checked (200, "wrong")
and how many refused (429) before any Argon2id work.

Bounded: the flood stops at its deadline, the issuer after its count or deadline;
traffic goes to 127.0.0.1 only (refused otherwise); the instance lives in a temporary
folder that is removed afterwards. Run it against another source tree (for a before
and after) with ``PYTHONPATH=/path/to/tree``: the server is that tree's ``pas-service``.
"""

from __future__ import annotations

import argparse
import http.client
import ipaddress
import json
import os
import re
import secrets
import sys
import threading
import time
from collections import Counter
from typing import Any
from urllib.parse import urlsplit

from bench_service import PHOTO, _multipart, _quantile, api_token, demo_instance

FLOOD_CLIENTS = 8
FLOOD_SECONDS = 60.0
BASELINE_ISSUES = 15
_CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


def _connect(base: str) -> http.client.HTTPConnection:
    parts = urlsplit(base)
    host = parts.hostname or ""
    if not ipaddress.ip_address(host).is_loopback:
        raise ValueError(f"refusing to send load to {host}: loopback only")
    return http.client.HTTPConnection(host, parts.port, timeout=30)


def _issue_loop(base: str, token: str, until: float, max_issues: int) -> list[float]:
    body, content_type = _multipart(PHOTO.read_bytes())
    headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
    times: list[float] = []
    conn = _connect(base)
    try:
        while len(times) < max_issues and time.monotonic() < until:
            start = time.perf_counter()
            conn.request("POST", "/api/v1/passes", body=body, headers=headers)
            response = conn.getresponse()
            response.read()
            if response.status != 201:
                raise RuntimeError(f"issuing a pass: HTTP {response.status}")
            times.append((time.perf_counter() - start) * 1000)
    finally:
        conn.close()
    return times


def _flood_client(base: str, until: float, statuses: Counter[int], lock: threading.Lock) -> None:
    from tokenservice import escrow
    from verifier import passnumber

    conn = _connect(base)
    try:
        conn.request("GET", "/mijn-pas/?lang=en")
        first = conn.getresponse()
        page = first.read().decode()
        cookie = (first.getheader("Set-Cookie") or "").split(";")[0]
        match = _CSRF.search(page)
        if not match:
            raise RuntimeError("no CSRF token on /mijn-pas/")
        csrf = match.group(1)
        while time.monotonic() < until:
            source = f"2001:db8:{secrets.randbelow(1 << 16):x}:{secrets.randbelow(1 << 16):x}::1"
            form = (f"csrf_token={csrf}&lang=en&number={passnumber.new('DM')}"
                    f"&code={escrow.new_code()}")
            conn.request("POST", "/mijn-pas/", body=form, headers={
                "Content-Type": "application/x-www-form-urlencoded", "Cookie": cookie,
                "X-Forwarded-For": source})
            response = conn.getresponse()
            response.read()
            with lock:
                statuses[response.status] += 1
    finally:
        conn.close()


def _summary(times: list[float]) -> dict[str, Any]:
    return {"issues": len(times), "median_ms": round(_quantile(times, 0.5), 1),
            "p95_ms": round(_quantile(times, 0.95), 1)}


def run(quick: bool = False) -> dict[str, Any]:
    """For bench/run.py."""
    from tests.support.browser import live_service

    flood_s = 15.0 if quick else FLOOD_SECONDS
    env = {"PAS_KDF_LIMITS": os.environ.get("PAS_KDF_LIMITS", "interactive"), "PAS_PROXY_HOPS": "1"}
    with demo_instance() as instance:
        token = api_token(instance, None)
        with live_service(instance, env=env, extra_args=["--workers", "1"]) as base:
            _issue_loop(base, token, time.monotonic() + 30, 2)  # warm up
            quiet = _issue_loop(base, token, time.monotonic() + 60, BASELINE_ISSUES)
            statuses: Counter[int] = Counter()
            lock = threading.Lock()
            until = time.monotonic() + flood_s
            flood = [threading.Thread(target=_flood_client, args=(base, until, statuses, lock))
                     for _ in range(FLOOD_CLIENTS)]
            for t in flood:
                t.start()
            time.sleep(min(2.0, flood_s / 10))  # let the flood build up
            flooded = _issue_loop(base, token, until, 10_000)
            for t in flood:
                t.join(timeout=flood_s + 30)
    total = sum(statuses.values())
    without, during = _summary(quiet), _summary(flooded)
    return {
        "issue_without_flood": without,
        "issue_during_flood": during,
        "flood": {
            "clients": FLOOD_CLIENTS, "seconds": flood_s, "guesses": total,
            "guesses_per_s": round(total / flood_s, 1),
            "checked_200": statuses.get(200, 0), "refused_429": statuses.get(429, 0),
            "other": {str(k): v for k, v in statuses.items() if k not in (200, 429)},
            "checked_per_s": round(statuses.get(200, 0) / flood_s, 2),
        },
        "p95_ratio_flood_vs_quiet": round(during["p95_ms"] / without["p95_ms"], 2)
        if without["p95_ms"] else None,
        "targets": {
            "issue p95 during the flood <= 1.5 × without": {
                "value": during["p95_ms"], "limit": round(1.5 * without["p95_ms"], 1),
                "ok": during["p95_ms"] <= 1.5 * without["p95_ms"],
            },
        },
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="a 15-second flood")
    args = parser.parse_args()
    json.dump(run(quick=args.quick), sys.stdout, indent=2)
    print()


if __name__ == "__main__":
    main()
