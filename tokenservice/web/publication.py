"""Publication for verifiers: trust list, revocation lists, anchor key, the log's tree heads. No login.

Responses carry ETag and Cache-Control so phones and proxies can revalidate
cheaply; the content is public and signed, so caching is safe. With ``public_dir`` set,
tokenservice/ops/publish.py writes the same lists as static files that nginx serves
without this code in the path; these endpoints stay for small set-ups and as nginx's
fallback. The log's endpoints are always dynamic (each fetch is a witness looking).
"""

from __future__ import annotations

import base64
import hashlib
import re
import time
from typing import Any

from flask import Blueprint, Response, abort, request
from sqlalchemy.orm import Session

from tokenservice import audit
from tokenservice.ops.publish import json_bytes as _json_bytes
from tokenservice.web.context import services
from verifier import translog
from verifier.format import RevocationList, TrustList, to_json

bp = Blueprint("publication", __name__)
_ISS = re.compile(r"GM[0-9]{4}")
MAX_AGE = 300


def _cached(body: bytes, mimetype: str) -> Response:
    etag = hashlib.sha256(body).hexdigest()[:32]
    if request.if_none_match.contains(etag):
        response = Response(status=304)
    else:
        response = Response(body, mimetype=mimetype)
    response.set_etag(etag)
    response.headers["Cache-Control"] = f"public, max-age={MAX_AGE}, must-revalidate"
    response.headers["Access-Control-Allow-Origin"] = "*"
    return response


@bp.get("/.well-known/pas/trust-list.cose")
def trust_list() -> Response:
    return _cached(services().keyring.trust_list_bytes, "application/cose")


@bp.get("/.well-known/pas/trust-list.json")
def trust_list_json() -> Any:
    _, tl = TrustList.open(services().keyring.trust_list_bytes)
    return _cached(_json_bytes(to_json(tl)), "application/json")


@bp.get("/.well-known/pas/anchor.pub")
def anchor() -> Response:
    return _cached((services().keyring.anchor_hex + "\n").encode(), "text/plain")


def _revocations(iss: str) -> bytes:
    if not _ISS.fullmatch(iss) or iss not in services().keyring.issuers:
        abort(404)
    return services().passes.revocation_list(iss)


@bp.get("/.well-known/pas/revocations/<iss>.cose")
def revocations(iss: str) -> Response:
    return _cached(_revocations(iss), "application/cose")


@bp.get("/.well-known/pas/revocations/<iss>.json")
def revocations_json(iss: str) -> Any:
    _, rl = RevocationList.open(_revocations(iss))
    return _cached(_json_bytes(to_json(rl)), "application/json")


# --- the audit log's tree heads (docs/transparency.md) ---------------------------------------
# Hashes, sizes and times only: nothing about a person, no pass number, no official.

_SIZE = re.compile(r"[0-9]{1,18}")


def _checkpoint() -> Any:
    """The newest signed tree head, made fresh if stale; marks it witnessed (a time only)."""
    svc = services()
    now = int(time.time())
    # Most fetches change nothing: read without SQLite's write lock first.
    with svc.db.read() as connection, Session(bind=connection) as session:
        cp = audit.served_as_is(session, now=now)
        if cp is not None:
            return translog.Checkpoint.open(cp.signed)[1], bytes(cp.signed), cp.kid
    with svc.db.transaction() as session:
        cp = audit.checkpoint_for_witness(session, svc.keyring, now=now)
        if cp is None:
            abort(404)
        return translog.Checkpoint.open(cp.signed)[1], bytes(cp.signed), cp.kid


def _uncached(body: bytes, mimetype: str) -> Response:
    """Every fetch reaches the service (``no-cache``: a proxy revalidates): each one is a
    witness looking, and a stale head is signed afresh."""
    response = _cached(body, mimetype)
    response.headers["Cache-Control"] = "no-cache"
    return response


@bp.get("/.well-known/pas/log/checkpoint")
def log_checkpoint() -> Response:
    _, signed, _ = _checkpoint()
    return _uncached(signed, "application/cose")


@bp.get("/.well-known/pas/log/checkpoint.json")
def log_checkpoint_json() -> Response:
    head, signed, kid = _checkpoint()
    body = {**head.to_json(), "kid": kid.hex(), "cose": base64.b64encode(signed).decode()}
    return _uncached(_json_bytes(body), "application/json")


@bp.get("/.well-known/pas/log/consistency")
def log_consistency() -> Response:
    """``?from=N&to=M``: the RFC 9162 consistency proof between the log's first N and M events."""
    first, second = request.args.get("from", ""), request.args.get("to", "")
    if not (_SIZE.fullmatch(first) and _SIZE.fullmatch(second)):
        abort(400)
    svc = services()
    with svc.db.read() as connection, Session(bind=connection) as session:
        try:
            proof = audit.consistency(session, int(first), int(second))
        except ValueError:
            abort(400)
    body = {"v": 1, "from": int(first), "to": int(second), "proof": [h.hex() for h in proof]}
    return _cached(_json_bytes(body), "application/json")


@bp.get("/.well-known/pas/issuers.json")
def issuers() -> Response:
    """Which revocation lists exist (the verifier app fetches each)."""
    return _cached(_json_bytes(sorted(services().keyring.issuers)), "application/json")
