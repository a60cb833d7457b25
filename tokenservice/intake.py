"""Blueprint placeholder: filled in by the intake work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("intake", __name__)
