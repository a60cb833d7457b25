"""The one base error of the keys package, and its kinds.

No message ever contains a passphrase or private key material: messages name
files, iss codes and kids, nothing secret.
"""

from __future__ import annotations


class Error(Exception):
    """Base of every error this package raises on purpose.

    The ``pas-keys`` CLI catches exactly this, prints :meth:`diagnostics` to
    stderr and exits with status 2.
    """

    def diagnostics(self) -> str:
        """A one-line explanation fit for a user of the CLI."""
        return str(self)


class KeyFileError(Error):
    """A key file that is missing, unreadable, malformed or of the wrong kind."""


class KeyExistsError(KeyFileError):
    """A key file (or config) is already at the path; it is never overwritten."""


class PassphraseError(Error):
    """A wrong passphrase (or a key file whose protected header was altered)."""


class ConfigError(Error):
    """A trust-list config that cannot be read, parsed or acted on."""


class SeqError(Error):
    """A sequence number that would roll a signed list back."""


class ListError(Error):
    """A signed trust list or revocation list that cannot be read or does not verify."""
