"""The one base error of the service package."""

from __future__ import annotations


class Error(Exception):
    """Base of every error the service raises on purpose.

    The message is shown to officials, so it must never contain anything about a
    person (no name, BSN, birth date, document number, personal code or photo bytes).
    """

    code: str = "error"

    def diagnostics(self) -> str:
        return str(self)
