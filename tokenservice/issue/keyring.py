"""The service's view of the keys: the published trust list and the issuer keys it signs with.

The trust anchor's private key is never here: the service holds the anchor's public
key and the trust list the anchor signed offline (``pas-keys trust-list sign``).
Issuer private keys are decrypted into memory once, with the passphrase from
``PAS_KEY_PASSPHRASE(_FILE)``.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import nacl.signing

import keys
from keys.keyfile import load_signing_key, read_public
from tokenservice.errors import Error
from verifier import Error as VerifierError
from verifier import TrustStore
from verifier.format import Category, IssuerEntry


class KeyringError(Error):
    code = "keys"


@dataclass(frozen=True)
class SigningIdentity:
    entry: IssuerEntry
    key: nacl.signing.SigningKey


class Keyring:
    """Trust list, anchor key and issuer signing keys of one instance."""

    def __init__(self, keys_dir: Path, passphrase: str | None) -> None:
        self.keys_dir = keys_dir
        self._passphrase = passphrase
        try:
            self.anchor_hex = (keys_dir / "anchor.pub").read_text().strip()
            self.trust_list_bytes = (keys_dir / "trust-list.cose").read_bytes()
        except OSError as exc:
            raise KeyringError(
                f"keys missing in {keys_dir} ({exc.strerror}); run `pas-service init`"
            ) from None
        try:
            self.store = TrustStore.from_bytes(bytes.fromhex(self.anchor_hex), self.trust_list_bytes)
        except (VerifierError, ValueError) as exc:
            raise KeyringError(f"the trust list does not verify against anchor.pub: {exc}") from None
        self._key_files: dict[bytes, Path] = {}
        for path in sorted(keys_dir.glob("**/*.key")):
            try:
                info = read_public(path)
            except keys.Error:
                continue
            if info.kind == "issuer":
                self._key_files[info.kid] = path
        self._loaded: dict[bytes, nacl.signing.SigningKey] = {}

    @property
    def issuers(self) -> dict[str, IssuerEntry]:
        """The newest trust-list entry per issuer code (for names and categories)."""
        result: dict[str, IssuerEntry] = {}
        for entry in self.store.issuers:
            if entry.iss not in result or entry.nbf > result[entry.iss].nbf:
                result[entry.iss] = entry
        return result

    def categories(self, iss: str) -> tuple[Category, ...]:
        entry = self.issuers.get(iss)
        return entry.categories if entry else ()

    def signing(self, iss: str, now: int) -> SigningIdentity:
        """The key to sign with for ``iss`` at ``now``: listed, in its window, and on disk."""
        usable = [
            e
            for e in self.store.issuers
            if e.iss == iss and e.nbf <= now < e.exp and e.kid in self._key_files
        ]
        if not usable:
            raise KeyringError(f"no usable signing key for issuer {iss}; see docs/keys.md")
        entry = max(usable, key=lambda e: e.nbf)
        return SigningIdentity(entry, self._signing_key(entry.kid))

    def key_for_kid(self, iss: str, kid: bytes) -> SigningIdentity | None:
        """The signing key with this kid, if this instance holds it (revocation lists)."""
        for entry in self.store.issuers:
            if entry.iss == iss and entry.kid == kid and kid in self._key_files:
                return SigningIdentity(entry, self._signing_key(kid))
        return None

    def _signing_key(self, kid: bytes) -> nacl.signing.SigningKey:
        if kid not in self._loaded:
            if self._passphrase is None:
                raise KeyringError("PAS_KEY_PASSPHRASE or PAS_KEY_PASSPHRASE_FILE is not set")
            try:
                self._loaded[kid] = load_signing_key(self._key_files[kid], self._passphrase)
            except keys.Error as exc:
                raise KeyringError(exc.diagnostics()) from None
        return self._loaded[kid]
