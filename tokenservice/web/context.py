"""The web edge's view of the current request's app: its services, limiter and error page.

Blueprints reach the container through :func:`services` (typed), never by importing the
app factory (``tokenservice.web.app`` imports every blueprint; docs/adr/0017). Only the web
edge imports this module (tests/test_imports.py).
"""

from __future__ import annotations

from typing import Any

from flask import current_app, jsonify, render_template, request

from tokenservice.access.limiter import Limiter
from tokenservice.services import Services

#: The key of :class:`Services` in ``app.extensions``.
EXTENSION = "pas"


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


__all__ = ["EXTENSION", "error_page", "limiter", "services"]
