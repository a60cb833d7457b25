"""The service under load: issuance latency, publication throughput, the intake API.

    .venv/bin/python bench/bench_service.py           # this module alone, prints JSON
    .venv/bin/python bench/bench_service.py --quick   # smaller counts (a smoke run)
    make bench                                        # every bench/bench_*.py

Three measurements (issue 7; targets from issue 3):

1. **Issuance**, in process: ``flow.issue`` from the uploaded photo bytes to a
   signed pass and its card PDF (checklist checks, face detection and crop, thumbnail
   search, signing and storing, the card), on a file-backed SQLite instance.
   Median and p95; target median ≤ 300 ms. The service's own per-step timings are
   reported beside it.
2. **Publication** under the production server (``pas-service serve``: gunicorn,
   2 workers × 4 threads, PostgreSQL-backed so that 2 workers are allowed), on
   loopback: the trust list, the revocation list (read from the database on every
   request), the anchor key, and a phone's revalidation (``If-None-Match`` → 304).
   Baselines in the same run, with the same load generator: the same trust-list
   bytes served by ``python -m http.server`` and, if installed, by nginx
   (2 workers). Target ≥ 1,000 requests/s.
3. **Intake API** ``POST /api/v1/passes`` (multipart, a 790 KB PNG photo) from 20
   concurrent clients, on SQLite (1 worker: SQLite takes one) and on PostgreSQL
   (2 workers): throughput and p95. The ratio against the in-process issuance rate
   on one core says how much of the machine the server turns into passes.

Bounded: every load run stops after a fixed number of requests or seconds,
whichever comes first, and sends traffic only to 127.0.0.1 (bench/loadgen.py
refuses anything else). Instances live in a temporary folder and a temporary
PostgreSQL database, both removed afterwards. Demo keys use libsodium's interactive
Argon2 limits (``PAS_KDF_LIMITS=interactive``): that only changes how long a worker
takes to start.
"""

from __future__ import annotations

import argparse
import datetime as dt
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
import urllib.error
import urllib.request
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import loadgen  # noqa: E402

PHOTO = ROOT / "tests" / "fixtures" / "astronaut.png"
PG_HOST = os.environ.get("PAS_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PAS_TEST_PG_PORT", "5432"))
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test"
ISSUE_TARGET_MS = 300
PUBLICATION_TARGET_RPS = 1000
API_CLIENTS = 20


# --- instances ------------------------------------------------------------------------


def _pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


@contextmanager
def pg_database() -> Iterator[str | None]:
    """A fresh PostgreSQL database for this run (None without a server), dropped after."""
    if not _pg_reachable():
        yield None
        return
    import sqlalchemy as sa

    name = f"pas_bench_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@contextmanager
def demo_instance(database_url: str | None = None) -> Iterator[Path]:
    """A demo instance folder (keys, pas.toml, accounts) in a temporary directory."""
    os.environ.setdefault("PAS_KDF_LIMITS", "interactive")
    from tokenservice.ops.instance import init_instance

    tmp = Path(tempfile.mkdtemp(prefix="pas-bench-"))
    try:
        path = tmp / "instance"
        init_instance(path, demo=True, database_url=database_url)
        yield path
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def api_token(instance: Path, database_url: str | None) -> str:
    from tokenservice import config
    from tokenservice.access import accounts
    from tokenservice.store.db import Database

    overrides = {"database_url": database_url} if database_url else {}
    settings = config.load(env={}, instance_dir=instance, **overrides)
    db = Database(settings.database_url)
    try:
        with db.transaction() as session:
            return accounts.create_token(session, "intake", int(time.time()))
    finally:
        db.dispose()


def _env(database_url: str | None) -> dict[str, str]:
    env = {"PAS_KDF_LIMITS": os.environ.get("PAS_KDF_LIMITS", "interactive")}
    if database_url:
        env["PAS_DATABASE_URL"] = database_url
    return env


@contextmanager
def server(instance: Path, database_url: str | None, workers: int) -> Iterator[str]:
    from tests.support.browser import live_service

    with live_service(instance, env=_env(database_url),
                      extra_args=["--workers", str(workers)]) as base:
        yield base


# --- 1. issuance in process -------------------------------------------------------------


def _checklist() -> Any:
    from tokenservice.issue.checklist import Checklist

    today = dt.date.today()
    return Checklist(
        birth_date=today.replace(year=today.year - 30, day=1).isoformat(),
        id_document_type="passport",
        id_valid_until=(today + dt.timedelta(days=400)).isoformat(),
        bsn="111222333", no_bsn_reason=None, kvk="12345678",
    )


def _quantile(values: list[float], q: float) -> float:
    s = sorted(values)
    return s[min(len(s) - 1, round(q * (len(s) - 1)))]


def bench_issuance(runs: int) -> dict[str, Any]:
    from tokenservice import config
    from tokenservice.issue import flow
    from tokenservice.issue.passes import Official
    from tokenservice.web.app import create_app

    photo_bytes = PHOTO.read_bytes()
    out: dict[str, Any] = {}
    with demo_instance() as instance:
        app = create_app(config.load(env={}, instance_dir=instance))
        svc = app.extensions["pas"]
        official = Official("intake", "intake")
        try:
            def once(outputs: tuple[str, ...]) -> tuple[float, dict[str, float]]:
                t0 = time.perf_counter()
                result = flow.issue(
                    svc, iss="GM9999", checklist=_checklist(), category="raam", language="nl",
                    photo_bytes=photo_bytes, official=official, outputs=outputs,
                )
                return (time.perf_counter() - t0) * 1000, result.timings_ms

            for outputs, label in ((("card_pdf",), "card_pdf"),
                                   (flow.API_OUTPUTS, "card_pdf_and_png")):
                once(outputs)  # warm-up: cascade, fonts, key
                times: list[float] = []
                parts: dict[str, list[float]] = {}
                for _ in range(runs):
                    ms, timings = once(outputs)
                    times.append(ms)
                    for k, v in timings.items():
                        parts.setdefault(k, []).append(v)
                out[label] = {
                    "runs": runs,
                    "median_ms": round(statistics.median(times), 1),
                    "p95_ms": round(_quantile(times, 0.95), 1),
                    "steps_median_ms": {k: round(statistics.median(v), 1)
                                        for k, v in parts.items() if k != "total"},
                }
        finally:
            svc.db.dispose()
    out["photo"] = f"{PHOTO.name}, {PHOTO.stat().st_size:,} bytes"
    return out


# --- 2. publication ----------------------------------------------------------------------


@contextmanager
def http_server(directory: Path) -> Iterator[str]:
    """``python -m http.server`` on a free loopback port."""
    from tests.support.browser import free_port

    port = free_port()
    proc = subprocess.Popen(
        [sys.executable, "-m", "http.server", str(port), "--bind", "127.0.0.1",
         "--directory", str(directory)],
        stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL,
    )
    try:
        _wait(f"http://127.0.0.1:{port}/", proc)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(timeout=10)


@contextmanager
def nginx_server(directory: Path) -> Iterator[str | None]:
    """nginx (2 workers, like the production server) serving ``directory``, if installed."""
    exe = shutil.which("nginx") or ("/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None)
    if exe is None:
        yield None
        return
    from tests.support.browser import free_port

    port = free_port()
    prefix = directory.parent / "nginx"
    prefix.mkdir()
    user = "user root;" if os.geteuid() == 0 else ""
    conf = prefix / "nginx.conf"
    conf.write_text(f"""
{user}
worker_processes 2;
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
events {{ worker_connections 1024; }}
http {{
  access_log off;
  client_body_temp_path {prefix}/body; proxy_temp_path {prefix}/proxy;
  fastcgi_temp_path {prefix}/fastcgi; uwsgi_temp_path {prefix}/uwsgi; scgi_temp_path {prefix}/scgi;
  keepalive_requests 100000;
  server {{
    listen 127.0.0.1:{port};
    root {directory};
    location / {{ }}
  }}
}}
""")
    proc = subprocess.Popen([exe, "-p", str(prefix), "-c", str(conf)],
                            stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        _wait(f"http://127.0.0.1:{port}/", proc, ok_statuses=(200, 403, 404))
        yield f"http://127.0.0.1:{port}"
    except RuntimeError:
        yield None
    finally:
        proc.terminate()
        try:
            proc.wait(timeout=10)
        except subprocess.TimeoutExpired:
            proc.kill()


def _wait(url: str, proc: subprocess.Popen[bytes], ok_statuses: tuple[int, ...] = (200,)) -> None:
    deadline = time.monotonic() + 20
    while True:
        try:
            urllib.request.urlopen(url, timeout=2).read()
            return
        except urllib.error.HTTPError as exc:
            if exc.code in ok_statuses:
                return
        except OSError:
            pass
        if proc.poll() is not None or time.monotonic() > deadline:
            raise RuntimeError(f"{url} did not come up")
        time.sleep(0.1)


def bench_publication(requests: int, deadline_s: float, clients: int) -> dict[str, Any]:
    out: dict[str, Any] = {"clients": clients, "workers": 2}
    with pg_database() as pg_url:
        if pg_url is None:
            out["skipped"] = "no PostgreSQL server: 2 workers need it"
            return out
        with demo_instance(pg_url) as instance:
            with server(instance, pg_url, workers=2) as base:
                trust = urllib.request.urlopen(
                    base + "/.well-known/pas/trust-list.cose", timeout=10)
                body, etag = trust.read(), trust.headers["ETag"]
                out["trust_list_bytes"] = len(body)
                paths = {
                    "trust_list": loadgen.Request("GET", "/.well-known/pas/trust-list.cose"),
                    "revocations": loadgen.Request("GET", "/.well-known/pas/revocations/GM9999.cose"),
                    "anchor": loadgen.Request("GET", "/.well-known/pas/anchor.pub"),
                    "trust_list_revalidate_304": loadgen.Request(
                        "GET", "/.well-known/pas/trust-list.cose", headers={"If-None-Match": etag}),
                }
                for name, req in paths.items():
                    print(f"  service: publication {name}", file=sys.stderr, flush=True)
                    expect = {304} if name.endswith("304") else {200}
                    r = loadgen.run(base, req, clients=clients, requests=requests,
                                    deadline_s=deadline_s, expected=expect, warmup=2)
                    out[name] = r.summary()
            static = instance.parent / "static"
            static.mkdir()
            (static / "trust-list.cose").write_bytes(body)
            req = loadgen.Request("GET", "/trust-list.cose")
            print("  service: publication baselines", file=sys.stderr, flush=True)
            with http_server(static) as base:
                out["baseline_http_server"] = loadgen.run(
                    base, req, clients=clients, requests=requests, deadline_s=deadline_s,
                    warmup=2).summary()
            with nginx_server(static) as base_or_none:
                if base_or_none is not None:
                    out["baseline_nginx"] = loadgen.run(
                        base_or_none, req, clients=clients, requests=requests,
                        deadline_s=deadline_s, warmup=2).summary()
    ours = out["trust_list"]["requests_per_s"]
    out["ratio_trust_list_vs_http_server"] = round(
        ours / out["baseline_http_server"]["requests_per_s"], 2)
    out["ratio_revocations_vs_http_server"] = round(
        out["revocations"]["requests_per_s"] / out["baseline_http_server"]["requests_per_s"], 2)
    if "baseline_nginx" in out:
        out["ratio_trust_list_vs_nginx"] = round(ours / out["baseline_nginx"]["requests_per_s"], 2)
    return out


# --- 3. the intake API under concurrent clients ---------------------------------------------


def _multipart(photo_bytes: bytes) -> tuple[bytes, str]:
    boundary = "pasbench" + secrets.token_hex(8)
    today = dt.date.today()
    fields = {
        "category": "raam", "language": "nl",
        "birth_date": today.replace(year=today.year - 30, day=1).isoformat(),
        "id_document_type": "passport",
        "id_valid_until": (today + dt.timedelta(days=400)).isoformat(),
        "bsn": "111222333", "kvk": "12345678",
    }
    parts = [
        f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
        for k, v in fields.items()
    ]
    parts.append(
        f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; filename="photo.png"\r\n'
        "Content-Type: image/png\r\n\r\n".encode() + photo_bytes + b"\r\n"
    )
    parts.append(f"--{boundary}--\r\n".encode())
    return b"".join(parts), f"multipart/form-data; boundary={boundary}"


def bench_api(requests: int, deadline_s: float, clients: int,
              inprocess_ms: float | None) -> dict[str, Any]:
    body, content_type = _multipart(PHOTO.read_bytes())
    out: dict[str, Any] = {"clients": clients, "body_bytes": len(body)}
    with pg_database() as pg_url:
        for db_name, url, workers in (("sqlite", None, 1), ("postgresql", pg_url, 2)):
            if db_name == "postgresql" and url is None:
                out[db_name] = {"skipped": "no PostgreSQL server"}
                continue
            print(f"  service: intake API on {db_name}", file=sys.stderr, flush=True)
            with demo_instance(url) as instance:
                token = api_token(instance, url)
                headers = {"Authorization": f"Bearer {token}", "Content-Type": content_type}
                req = loadgen.Request("POST", "/api/v1/passes", body=body, headers=headers)
                with server(instance, url, workers=workers) as base:
                    # One request alone first: the latency a single station sees.
                    single = loadgen.run(base, req, clients=1, requests=5, deadline_s=30,
                                         expected={201})
                    r = loadgen.run(base, req, clients=clients, requests=requests,
                                    deadline_s=deadline_s, expected={201})
                summary = r.summary()
                summary["workers"] = workers
                summary["passes_per_s"] = round(r.ok / r.elapsed_s, 2) if r.elapsed_s else 0
                summary["single_client_median_ms"] = round(single.p50_ms, 1)
                if inprocess_ms:
                    # 1.0 = the server issues as fast as one core in process; 2 cores → ≤ ~2.
                    summary["throughput_vs_inprocess_one_core"] = round(
                        summary["passes_per_s"] * inprocess_ms / 1000, 2)
                out[db_name] = summary
    return out


# --- run ------------------------------------------------------------------------------------


def run(quick: bool = False) -> dict[str, Any]:
    """For bench/run.py."""
    issuance = bench_issuance(runs=8 if quick else 30)
    publication = bench_publication(
        requests=1000 if quick else 8000, deadline_s=5 if quick else 12, clients=8)
    api = bench_api(requests=20 if quick else 120, deadline_s=20 if quick else 60,
                    clients=API_CLIENTS, inprocess_ms=issuance["card_pdf_and_png"]["median_ms"])
    median = issuance["card_pdf"]["median_ms"]
    targets: dict[str, Any] = {
        f"issuance photo -> signed pass + card PDF, median <= {ISSUE_TARGET_MS} ms": {
            "value": median, "limit": ISSUE_TARGET_MS, "ok": median <= ISSUE_TARGET_MS,
        },
    }
    if "trust_list" in publication:
        rps = min(publication[k]["requests_per_s"] for k in ("trust_list", "revocations", "anchor"))
        targets[f"publication endpoints >= {PUBLICATION_TARGET_RPS} req/s (slowest of three)"] = {
            "value": rps, "limit": PUBLICATION_TARGET_RPS, "ok": rps >= PUBLICATION_TARGET_RPS,
        }
    for db_name in ("sqlite", "postgresql"):
        summary = api.get(db_name, {})
        if "requests" in summary:
            errors = summary["requests"] - summary["ok"]
            targets[f"intake API on {db_name}: every request 201"] = {
                "value": errors, "limit": 0, "ok": errors == 0 and summary["requests"] > 0,
            }
    return {"issuance": issuance, "publication": publication, "intake_api": api,
            "targets": targets}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    args = ap.parse_args()
    print(json.dumps(run(quick=args.quick), indent=2))


if __name__ == "__main__":
    main()
