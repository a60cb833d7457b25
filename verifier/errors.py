"""The one base error of the verifier package, and its few kinds."""

from __future__ import annotations


class Error(Exception):
    """Base of every error this package raises on purpose.

    Bad input never escapes as anything else: a caller that catches ``Error``
    has caught everything a hostile QR code or list file can provoke.
    """

    def diagnostics(self) -> str:
        """A one-line explanation fit for a user of the CLI."""
        return str(self)


class FormatError(Error):
    """Bytes or text that do not follow the PAS1 wire format (docs/token-format.md)."""


class TrustError(Error):
    """A trust list or revocation list that cannot be accepted.

    Raised for a bad anchor signature, a kid that is not the signer's, an unknown
    signer, a rollback to a lower ``seq``, two different lists of one issuer under
    one ``seq`` (equivocation) or an issuer mismatch.
    """
