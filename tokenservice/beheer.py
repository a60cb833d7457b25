"""Blueprint placeholder: filled in by the beheer work."""

from __future__ import annotations

from flask import Blueprint

bp = Blueprint("beheer", __name__)
