"""Requests to a :class:`~tests.support.topology.Topology` over https, through its nginx.

:func:`https` sends one request to nginx (TLS, trusting the topology's throwaway CA);
:func:`direct` asks gunicorn itself (the service's endpoint, no nginx); :func:`issue` makes
a pass through the API (``POST /api/v1/passes``, a token from ``pas-service token
create``) and :func:`revoke` revokes it the same way. Used by
tests/tokenservice/ops/test_publish_nginx.py and bench/bench_static_lists.py.
"""

from __future__ import annotations

import datetime as dt
import http.client
import json
import os
import re
import ssl

from tests.support.paths import FIXTURES
from tests.support.topology import Topology


def https(topo: Topology, path: str, method: str = "GET", headers: dict[str, str] | None = None,
          body: bytes | None = None) -> tuple[http.client.HTTPResponse, bytes]:
    assert topo.ca is not None and topo.nginx is not None
    context = ssl.create_default_context(cafile=str(topo.ca.cert))
    conn = http.client.HTTPSConnection("localhost", topo.nginx.https, context=context, timeout=30)
    try:
        conn.request(method, path, body=body, headers=headers or {})
        response = conn.getresponse()
        return response, response.read()
    finally:
        conn.close()


def direct(topo: Topology, path: str) -> bytes:
    """The service's own endpoint, without nginx."""
    assert topo.gunicorn is not None
    conn = http.client.HTTPConnection("127.0.0.1", topo.gunicorn.port, timeout=30)
    try:
        conn.request("GET", path)
        response = conn.getresponse()
        assert response.status == 200, (path, response.status)
        return response.read()
    finally:
        conn.close()


def api_token(topo: Topology, user: str) -> dict[str, str]:
    out = topo.pas_service("token", "create", "--user", user).stdout
    (token,) = re.findall(r"^(\S+)$", out.strip().splitlines()[-1])
    return {"Authorization": f"Bearer {token}"}


def _multipart(fields: dict[str, str], photo: bytes) -> tuple[bytes, str]:
    boundary = "----pas" + os.urandom(8).hex()
    parts = [f'--{boundary}\r\nContent-Disposition: form-data; name="{k}"\r\n\r\n{v}\r\n'.encode()
             for k, v in fields.items()]
    parts.append(f'--{boundary}\r\nContent-Disposition: form-data; name="photo"; '
                 f'filename="photo.png"\r\nContent-Type: image/png\r\n\r\n'.encode() + photo + b"\r\n")
    return b"".join(parts) + f"--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


def issue(topo: Topology, iss: str, user: str = "spreekuur1") -> dict[str, object]:
    """A new pass of ``iss`` (an issuer with registration policy none) through the API."""
    today = dt.date.today()
    body, ctype = _multipart({
        "iss": iss, "category": "raam", "language": "es",
        "birth_date": today.replace(year=today.year - 35, day=1).isoformat(),
        "id_document_type": "passport",
        "id_valid_until": (today + dt.timedelta(days=90)).isoformat(),
        "bsn": "111222333", "kvk": "24681357",
    }, (FIXTURES / "astronaut.png").read_bytes())
    response, data = https(topo, "/api/v1/passes", "POST", {**api_token(topo, user), "Content-Type": ctype},
                           body)
    assert response.status == 201, data[:500]
    result: dict[str, object] = json.loads(data)
    return result


def revoke(topo: Topology, number: str, reason: str = "stolen", user: str = "handhaver1") -> None:
    response, data = https(topo, f"/api/v1/passes/{number}/revoke", "POST",
                           {**api_token(topo, user), "Content-Type": "application/json"},
                           json.dumps({"reason": reason}).encode())
    assert response.status == 200, data[:300]
