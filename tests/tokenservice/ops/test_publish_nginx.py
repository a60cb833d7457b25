"""The public lists as static files, served by nginx without our code in the path (issue 16).

In the production topology (tests/support/topology.py: PostgreSQL, a key ceremony, gunicorn
with the systemd unit's workers, nginx with deploy/nginx/pas.conf and TLS from a throwaway
CA; PAS_PUBLIC_DIR as deploy/pas.env.example sets it): a revocation made through the API
appears in the static file that nginx serves (nginx's own ETag and Last-Modified, and still
there with gunicorn stopped), a second fetch with If-None-Match gets 304, ``pas-verify
sync`` through nginx sees the pass revoked, and the log's checkpoint stays with the service.
Without nginx, openssl or PostgreSQL this skips, except under CI=true, where it fails.
"""

from __future__ import annotations

import json
import re
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.apiclient import direct, https, issue, revoke
from tests.support.postgres import require_postgres
from tests.support.topology import Topology, _bin
from verifier.format import RevocationList

pytestmark = [pytest.mark.postgres]

LISTS = ".well-known/pas"
ISS = "GM1680"  # Aa en Hunze: registration policy none, so the API issues with the checklist only
NGINX_ETAG = re.compile(r'^"[0-9a-f]+-[0-9a-f]+"$')  # nginx's static ETag: mtime-size in hex




@pytest.fixture(scope="module")
def topology(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Topology]:
    require_postgres()
    topo = Topology(tmp_path_factory.mktemp("static-lists"))
    try:
        topo.build()
        yield topo
    finally:
        topo.close()


def _static(topo: Topology, rel: str) -> Path:
    return topo.public / LISTS / rel


def test_revocation_reaches_the_static_file_nginx_serves(topology: Topology, tmp_path: Path) -> None:
    topo = topology
    url = f"/{LISTS}/revocations/{ISS}.cose"
    # The service wrote every list at its start; nginx serves the file itself.
    for rel in ("trust-list.cose", "trust-list.json", "anchor.pub", "issuers.json",
                f"revocations/{ISS}.cose", f"revocations/{ISS}.json", "revocations/GM0106.cose"):
        assert _static(topo, rel).is_file(), rel
        assert _static(topo, rel).stat().st_mode & 0o777 == 0o644, rel  # nginx is another user
        assert _static(topo, rel).read_bytes() == direct(topo, f"/{LISTS}/{rel}"), rel
    assert not list(topo.public.glob(f"{LISTS}/**/.*.tmp"))

    issued = issue(topo, ISS)
    number, qr_text = str(issued["number"]), str(issued["qr_text"])
    response, before = https(topo, url)
    assert response.status == 200
    _, old = RevocationList.open(before)

    revoke(topo, number)

    # At once, in the file nginx serves (not proxied: nginx's ETag and Last-Modified).
    response, after = https(topo, url)
    assert response.status == 200
    assert after == _static(topo, f"revocations/{ISS}.cose").read_bytes()
    _, new = RevocationList.open(after)
    assert new.seq > old.seq and len(new.serials) == len(old.serials) + 1
    etag = response.getheader("ETag")
    assert etag and NGINX_ETAG.match(etag), etag
    assert response.getheader("Last-Modified")  # the service's endpoint sends none
    assert response.getheader("Content-Type") == "application/cose"
    assert response.getheader("Cache-Control") == "public, max-age=300, must-revalidate"
    assert response.getheader("Access-Control-Allow-Origin") == "*"
    assert len(response.msg.get_all("Strict-Transport-Security") or []) == 1
    listed = json.loads(_static(topo, f"revocations/{ISS}.json").read_text())
    assert listed["seq"] == new.seq and set(listed) == {"v", "iss", "seq", "iat", "exp", "serials"}

    # A phone asking again with If-None-Match: 304, nothing to download.
    response, body = https(topo, url, headers={"If-None-Match": etag})
    assert response.status == 304 and body == b""

    # The timer's `pas-service publish`: nothing changed, so nothing is touched (same ETag).
    stat = _static(topo, f"revocations/{ISS}.cose").stat()
    out = topo.pas_service("publish").stdout
    assert "0 file(s) written" in out, out
    assert _static(topo, f"revocations/{ISS}.cose").stat().st_mtime_ns == stat.st_mtime_ns
    response, _ = https(topo, url, headers={"If-None-Match": etag})
    assert response.status == 304

    # The verifier syncs through nginx and sees the pass revoked.
    assert topo.ca is not None
    env = {**topo.env, "SSL_CERT_FILE": str(topo.ca.cert)}
    anchor = (topo.instance / "keys" / "anchor.pub").read_text().strip()
    cache = tmp_path / "cache"
    done = subprocess.run([_bin("pas-verify"), "sync", f"{topo.base}/{LISTS}/", "--anchor", anchor,
                           "--cache-dir", str(cache)], env=env, capture_output=True, text=True,
                          timeout=120, check=False)
    assert done.returncode == 0, done.stdout + done.stderr
    assert (cache / "revocations" / f"{ISS}.cose").read_bytes() == after
    done = subprocess.run([_bin("pas-verify"), "check", "--text", qr_text, "--cache-dir", str(cache),
                           "--json"], env=env, capture_output=True, text=True, timeout=120, check=False)
    assert json.loads(done.stdout)["status"] == "REVOKED", done.stdout + done.stderr

    # Without gunicorn the lists are still served (static), the log's checkpoint is not.
    assert topo.gunicorn is not None
    topo.gunicorn.stop()
    try:
        response, again = https(topo, url)
        assert response.status == 200 and again == after
        response, _ = https(topo, f"/{LISTS}/trust-list.cose")
        assert response.status == 200
        response, _ = https(topo, f"/{LISTS}/log/checkpoint")
        assert response.status == 502
        response, _ = https(topo, url, "POST", body=b"x")
        assert response.status == 403
    finally:
        topo.gunicorn.start()
