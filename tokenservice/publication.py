"""Publication for verifiers: trust list, revocation lists, anchor key. No login.

Responses carry ETag and Cache-Control so phones and proxies can revalidate
cheaply; the content is public and signed, so caching is safe.
"""

from __future__ import annotations

import hashlib
import re
from typing import Any

from flask import Blueprint, Response, abort, jsonify, request

from verifier.format import RevocationList, TrustList, to_json

from .app import services

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


@bp.get("/.well-known/pas/issuers.json")
def issuers() -> Any:
    """Which revocation lists exist (the verifier app fetches each)."""
    return jsonify(sorted(services().keyring.issuers))


def _json_bytes(obj: Any) -> bytes:
    import json

    return json.dumps(obj, indent=2, sort_keys=True).encode()
