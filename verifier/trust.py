"""What a verifier trusts: a pinned anchor key, a trust list and revocation lists."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

import nacl.exceptions
import nacl.signing

from .errors import Error, FormatError, TrustError
from .format import PUBLIC_KEY_BYTES, IssuerEntry, RevocationList, Sign1, TrustList, kid_for


def _verify_key(public_key: bytes) -> nacl.signing.VerifyKey:
    try:
        return nacl.signing.VerifyKey(public_key)
    except (nacl.exceptions.CryptoError, TypeError, ValueError) as exc:
        raise TrustError("not an Ed25519 public key") from exc


def parse_anchor(text_or_bytes: str | bytes) -> bytes:
    """A 32-byte anchor key from raw bytes or 64 hex characters (whitespace allowed)."""
    if isinstance(text_or_bytes, bytes) and len(text_or_bytes) == PUBLIC_KEY_BYTES:
        return text_or_bytes
    text = (
        text_or_bytes.decode("ascii", "replace")
        if isinstance(text_or_bytes, bytes)
        else text_or_bytes
    )
    try:
        raw = bytes.fromhex("".join(text.split()))
    except ValueError:
        raise TrustError("anchor key must be 64 hex characters") from None
    if len(raw) != PUBLIC_KEY_BYTES:
        raise TrustError("anchor key must be 32 bytes (64 hex characters)")
    return raw


@dataclass(frozen=True, slots=True)
class _Issuer:
    entry: IssuerEntry
    verify_key: nacl.signing.VerifyKey


@dataclass(frozen=True, slots=True)
class _Revocations:
    list: RevocationList
    serials: frozenset[bytes]


class TrustStore:
    """A verified trust list plus the verified revocation lists of its issuers.

    Build one with :meth:`from_bytes`; it never holds anything unverified.
    """

    __slots__ = ("_by_kid", "_revocations", "anchor_public_key", "trust_list")

    def __init__(
        self,
        *,
        anchor_public_key: bytes,
        trust_list: TrustList,
        revocations: Iterable[RevocationList] = (),
    ) -> None:
        self.anchor_public_key = anchor_public_key
        self.trust_list = trust_list
        by_kid: dict[bytes, list[_Issuer]] = {}
        for entry in trust_list.issuers:
            by_kid.setdefault(entry.kid, []).append(_Issuer(entry, _verify_key(entry.public_key)))
        self._by_kid = {kid: tuple(v) for kid, v in by_kid.items()}
        self._revocations: dict[str, _Revocations] = {}
        # The lists form a set: order does not matter, the highest seq per iss is used
        # and lower ones are superseded. Two different lists under one (iss, seq) are
        # the issuer contradicting itself: refuse rather than pick one (§9).
        seen: dict[tuple[str, int], RevocationList] = {}
        for rl in revocations:
            if seen.setdefault((rl.iss, rl.seq), rl) != rl:
                raise TrustError(
                    f"two different revocation lists of {rl.iss} with seq {rl.seq} "
                    "(the issuer equivocates)"
                )
            known = self._revocations.get(rl.iss)
            if known is not None and known.list.seq >= rl.seq:
                continue
            self._revocations[rl.iss] = _Revocations(rl, frozenset(rl.serials))

    @classmethod
    def from_bytes(
        cls,
        anchor_pub: bytes,
        trust_list: bytes,
        revocations: Iterable[bytes] = (),
        *,
        min_seq: int = 0,
        min_revocation_seqs: dict[str, int] | None = None,
    ) -> TrustStore:
        """Verify a signed trust list and revocation lists into a store.

        ``anchor_pub`` is the pinned 32-byte anchor key (raw or hex). ``min_seq`` and
        ``min_revocation_seqs`` are the highest seqs this verifier has accepted
        before; anything lower is a rollback. The revocation lists are a set: the
        highest seq per iss is used, and two different lists with one iss and seq are
        refused. Raises TrustError or FormatError.
        """
        anchor = parse_anchor(anchor_pub)
        envelope, tl = TrustList.open(trust_list)
        if not envelope.verify_with(_verify_key(anchor)):
            raise TrustError("trust list is not signed by the pinned trust anchor")
        if envelope.kid != kid_for(anchor):
            # Harmless in itself, but the kid names the signer in every PAS1 envelope (§9).
            raise TrustError(
                "trust list is signed by the trust anchor but labelled with another kid"
            )
        if tl.seq < min_seq:
            raise TrustError(
                f"trust list seq {tl.seq} is lower than {min_seq} seen before (rollback)"
            )
        store = cls(anchor_public_key=anchor, trust_list=tl)
        lists = [store.check_revocation_list(data) for data in revocations]
        floors = min_revocation_seqs or {}
        for rl in lists:
            if rl.seq < floors.get(rl.iss, 0):
                raise TrustError(f"revocation list of {rl.iss} rolls back to seq {rl.seq}")
        return cls(anchor_public_key=anchor, trust_list=tl, revocations=lists)

    def check_revocation_list(self, data: bytes) -> RevocationList:
        """Verify a signed revocation list against this store's issuer keys.

        The kid must be that of a key listed for the list's iss (any of them, whatever
        its nbf/exp) and the signature must verify under that very key.
        """
        envelope, rl = RevocationList.open(data)
        signers = [i for i in self._by_kid.get(envelope.kid, ()) if i.entry.iss == rl.iss]
        if not signers:
            raise TrustError(f"revocation list for {rl.iss} is signed by a key not listed for it")
        if not any(envelope.verify_with(s.verify_key) for s in signers):
            raise TrustError(f"revocation list for {rl.iss} has a bad signature")
        return rl

    def with_revocations(self, revocations: Iterable[bytes]) -> TrustStore:
        """A new store with newer revocation lists added.

        A list with a lower seq than the one held for its iss is refused (rollback), and
        so is one with the same seq but other contents than the held one (equivocation).
        """
        lists = []
        for data in revocations:
            rl = self.check_revocation_list(data)
            current = self._revocations.get(rl.iss)
            if current is not None and rl.seq < current.list.seq:
                raise TrustError(f"revocation list of {rl.iss} rolls back to seq {rl.seq}")
            lists.append(rl)
        merged = [r.list for r in self._revocations.values()] + lists
        return TrustStore(
            anchor_public_key=self.anchor_public_key, trust_list=self.trust_list, revocations=merged
        )

    def candidates(self, envelope: Sign1) -> tuple[_Issuer, ...]:
        return self._by_kid.get(envelope.kid, ())

    def trust_list_for(self, iss: str) -> TrustList:
        """The trust list that vouches for ``iss`` (one store: its only one)."""
        return self.trust_list

    def revocations(self, iss: str) -> RevocationList | None:
        r = self._revocations.get(iss)
        return r.list if r else None

    def is_revoked(self, iss: str, serial: bytes) -> bool:
        r = self._revocations.get(iss)
        return r is not None and serial in r.serials

    @property
    def issuers(self) -> tuple[IssuerEntry, ...]:
        return self.trust_list.issuers


__all__ = ["Error", "FormatError", "TrustError", "TrustStore", "parse_anchor"]
