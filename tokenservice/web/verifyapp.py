"""The exploitant's offline verifier app, served at /verify/ (no login).

The files are the static app from ``verifier/webapp`` (or the folder named by
``PAS_VERIFY_APP_DIR``, e.g. a copy made with ``pas-verify export-app``); only
``config.json`` is made here, pinning this instance's trust anchor and pointing
at its lists.

Every app file answers 200 at its own URL, never a redirect: the service worker
caches index.html and serves it for navigations, and browsers refuse a cached
redirected response for a navigation (the app would not open a second time).
"""

from __future__ import annotations

import json
import mimetypes
import os
from pathlib import Path

from flask import Blueprint, Response, abort, redirect, send_from_directory

from tokenservice.web.context import services
from verifier.webapp import app_dir, make_config

bp = Blueprint("verifyapp", __name__, url_prefix="/verify")
mimetypes.add_type("application/wasm", ".wasm")
mimetypes.add_type("application/manifest+json", ".webmanifest")
mimetypes.add_type("text/javascript", ".mjs")


@bp.get("")
def root() -> Response:
    return redirect("/verify/", code=308)  # type: ignore[return-value]


@bp.get("/config.json")
def config() -> Response:
    body = json.dumps(
        make_config(anchor_hex=services().keyring.anchor_hex, lists_url="../.well-known/pas/",
                    demo=services().settings.demo)
    )
    response = Response(body, mimetype="application/json")
    response.headers["Cache-Control"] = "no-cache"
    return response


def _app_dir() -> Path:
    return Path(os.environ.get("PAS_VERIFY_APP_DIR") or app_dir())


@bp.get("/")
def index() -> Response:
    # Its own view, not a `defaults=` rule: with one, Werkzeug answers /verify/index.html
    # with a 308 to the canonical /verify/.
    return _send("index.html")


@bp.get("/<path:path>")
def files(path: str) -> Response:
    return _send(path)


def _send(path: str) -> Response:
    if path.startswith(".") or "/." in path:
        abort(404)
    response = send_from_directory(_app_dir(), path, max_age=0)
    # The service worker decides what is cached; the HTTP cache must not serve stale app files.
    response.headers["Cache-Control"] = "no-cache"
    if path == "sw.js":
        response.headers["Service-Worker-Allowed"] = "/verify/"
    return response
