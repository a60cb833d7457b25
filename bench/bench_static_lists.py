"""Static lists vs the service's endpoint, through the same nginx (issue 16).

    .venv/bin/python bench/bench_static_lists.py           # this module alone, prints JSON
    .venv/bin/python bench/bench_static_lists.py --quick   # smaller counts
    make bench                                             # every bench/bench_*.py

The production topology of the rehearsal (tests/support/topology.py): PostgreSQL, a key
ceremony, ``pas-service serve`` with the systemd unit's workers, nginx with
deploy/nginx/pas.conf and TLS from a throwaway CA, ``PAS_PUBLIC_DIR`` as
deploy/pas.env.example sets it. One pass is issued and revoked through the API, so the
region's revocation list holds a serial. Then the same URL,
``/.well-known/pas/revocations/<iss>.cose``, is loaded over https through that nginx:

* **static**: the file the service wrote into public_dir, served by nginx itself;
* **service**: the same file removed, so nginx's ``try_files`` falls back to gunicorn
  (the endpoint reads the list from PostgreSQL on every request) — what every fetch
  cost before static publication. ``pas-service publish`` writes it back afterwards.

Each cold (full body) and as a phone's daily revalidation (``If-None-Match`` with the
ETag that server gave: 304, no body). Requests/s, median and p95 latency, and the
ratios static : service. The load generator (bench/loadgen.py, Python, TLS) shares the
machine's cores with nginx, gunicorn and PostgreSQL, so absolute numbers understate
both; the ratios are the result. Bounded by requests and seconds; loopback only.
Without PostgreSQL or nginx this module reports ``skipped``.
"""

from __future__ import annotations

import argparse
import http.client
import json
import shutil
import socket
import ssl
import sys
import tempfile
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import loadgen  # noqa: E402

ISS = "GM1680"
URL = f"/.well-known/pas/revocations/{ISS}.cose"


def _get(port: int, context: ssl.SSLContext, path: str,
         headers: dict[str, str] | None = None) -> tuple[int, dict[str, str], bytes]:
    conn = http.client.HTTPSConnection("localhost", port, context=context, timeout=30)
    try:
        conn.request("GET", path, headers=headers or {})
        response = conn.getresponse()
        return response.status, dict(response.getheaders()), response.read()
    finally:
        conn.close()


def _load(base: str, context: ssl.SSLContext, headers: dict[str, str], expected: int,
          requests: int, clients: int, deadline_s: float) -> dict[str, Any]:
    result = loadgen.run(base, loadgen.Request("GET", URL, headers=headers), clients=clients,
                         requests=requests, deadline_s=deadline_s, expected={expected},
                         warmup=3, ssl_context=context)
    summary = result.summary()
    return {k: summary[k] for k in ("requests", "ok", "requests_per_s", "p50_ms", "p95_ms",
                                    "statuses", "reconnects")}


def _ratio(a: float | None, b: float | None) -> float | None:
    return round(a / b, 2) if a and b else None


def run(quick: bool = False) -> dict[str, Any]:
    from tests.support.nginx import NGINX
    from tests.support.topology import PG_HOST, PG_PORT, Topology

    try:
        socket.create_connection((PG_HOST, PG_PORT), timeout=1).close()
    except OSError:
        return {"skipped": f"no PostgreSQL at {PG_HOST}:{PG_PORT}"}
    if not Path(NGINX).exists() or not shutil.which("openssl"):
        return {"skipped": "nginx or openssl not installed"}
    from tests.support.apiclient import issue, revoke

    requests, clients, deadline = (400, 4, 10.0) if quick else (3000, 8, 30.0)
    out: dict[str, Any] = {"url": URL, "over": "https, nginx (deploy/nginx/pas.conf) in front of "
                           "gunicorn (systemd unit's workers) and PostgreSQL",
                           "clients": clients, "requests_per_run": requests}
    with tempfile.TemporaryDirectory(prefix="pas-bench-static-") as tmp:
        topo = Topology(Path(tmp))
        try:
            topo.build()
            assert topo.ca is not None and topo.nginx is not None and topo.gunicorn is not None
            revoke(topo, str(issue(topo, ISS)["number"]))
            context = ssl.create_default_context(cafile=str(topo.ca.cert))
            port, base = topo.nginx.https, f"https://localhost:{topo.nginx.https}"
            static_file = topo.public / ".well-known/pas/revocations" / f"{ISS}.cose"

            code, headers, body = _get(port, context, URL)
            assert code == 200 and "Last-Modified" in headers  # nginx's static serving
            out["list_bytes"] = len(body)
            out["static_etag"] = headers["ETag"]
            static = {
                "cold": _load(base, context, {}, 200, requests, clients, deadline),
                "if_none_match": _load(base, context, {"If-None-Match": headers["ETag"]}, 304,
                                       requests, clients, deadline),
            }
            workers = topo.workers
            static_file.unlink()
            static_file.with_suffix(".json").unlink()
            try:
                code, headers, again = _get(port, context, URL)
                assert code == 200 and again == body and "Last-Modified" not in headers  # proxied
                out["service_etag"] = headers["ETag"]
                service = {
                    "cold": _load(base, context, {}, 200, requests, clients, deadline),
                    "if_none_match": _load(base, context, {"If-None-Match": headers["ETag"]},
                                           304, requests, clients, deadline),
                }
            finally:
                topo.pas_service("publish")
            assert static_file.read_bytes() == body
        finally:
            topo.close()
    out["gunicorn_workers"] = workers
    out["static"], out["service"] = static, service
    for kind in ("cold", "if_none_match"):
        s, v = static[kind], service[kind]
        out[f"ratio_{kind}"] = {
            "requests_per_s_static_over_service": _ratio(s["requests_per_s"], v["requests_per_s"]),
            "p50_service_over_static": _ratio(v["p50_ms"], s["p50_ms"]),
            "p95_service_over_static": _ratio(v["p95_ms"], s["p95_ms"]),
        }
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true")
    print(json.dumps(run(quick=parser.parse_args().quick), indent=2))


if __name__ == "__main__":
    main()
