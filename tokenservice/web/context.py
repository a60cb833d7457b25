"""The web edge's view of the current request's app: its services, limiter, error page,
the officials' language and which pages exist.

Blueprints reach the container through :func:`services` (typed), never by importing the
app factory (``tokenservice.web.app`` imports every blueprint; docs/adr/0017). Only the web
edge imports this module (tests/test_imports.py).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template, request, url_for
from flask_babel import get_locale
from werkzeug.routing import BuildError

from tokenservice.access.limiter import Limiter
from tokenservice.services import Services

#: The key of :class:`Services` in ``app.extensions``.
EXTENSION = "pas"
#: The languages of the officials' pages (Dutch unless the official switches).
OFFICIAL_LANGUAGES = ("nl", "en")


def services() -> Services:
    """The current app's :class:`Services`."""
    svc: Services = current_app.extensions[EXTENSION]
    return svc


def limiter() -> Limiter:
    """The current app's limiter (on its database, keyed under its secret)."""
    ext = current_app.extensions
    lim = ext.get("pas_limiter")
    if not isinstance(lim, Limiter):
        lim = Limiter(services().db, str(current_app.config["SECRET_KEY"]))
        ext["pas_limiter"] = lim
    return lim


def error_page(status: int, code: str, message: str) -> Any:
    """An error as JSON under /api/, else as the error page."""
    if request.path.startswith("/api/"):
        return jsonify({"error": {"code": code, "message": message}}), status
    return render_template("error.html", code=code, message=message), status


def current_locale() -> str:
    """The page's language code (the ``lang`` of ``<html>`` and the switch in the nav)."""
    locale = get_locale()
    return str(locale.language) if locale is not None else "nl"


def endpoint_url(*endpoints: str) -> str | None:
    """The URL of the first of ``endpoints`` that exists and needs no arguments."""
    for endpoint in endpoints:
        if endpoint in current_app.view_functions:
            try:
                return url_for(endpoint)
            except BuildError:
                continue
    return None


__all__ = [
    "EXTENSION", "OFFICIAL_LANGUAGES", "current_locale", "endpoint_url", "error_page", "limiter",
    "services",
]
