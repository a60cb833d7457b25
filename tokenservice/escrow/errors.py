"""What escrow refuses, each with a stable code (one base: :class:`EscrowError`).

No message carries an identity value, a code or a key.
"""

from __future__ import annotations

from tokenservice.errors import Error


class EscrowError(Error):
    """Nothing to seal, a malformed identity value, or a pass with no valid card."""

    code = "escrow"


class EscrowNotConfigured(EscrowError):
    """The team's public key (``keys/escrow.pub``) is missing, or ``[escrow]`` is wrong."""

    code = "escrow_not_configured"


class NoRecord(EscrowError):
    """The pass has no sealed record: never sealed (no consent), erased or purged."""

    code = "no_escrow_record"


class WrongCode(EscrowError):
    """Number and personal code do not belong together."""

    code = "wrong_code"


class Forbidden(EscrowError):
    """Not a handhaver, or one handhaver on both sides of the two-person rule."""

    code = "forbidden"


class BadRequest(EscrowError):
    """A malformed pass number or reason, or a request that is unknown, expired or settled."""

    code = "bad_escrow_request"


__all__ = ["BadRequest", "EscrowError", "EscrowNotConfigured", "Forbidden", "NoRecord", "WrongCode"]
