"""Blueprint placeholder: filled in by the handhaving work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("handhaving", __name__)
