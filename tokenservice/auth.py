"""Blueprint placeholder: filled in by the auth work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("auth", __name__)
