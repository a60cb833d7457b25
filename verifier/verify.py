"""Verification of a pass against a TrustStore: the order of checks is the spec."""

from __future__ import annotations

import enum
import time
from dataclasses import dataclass, field
from typing import TYPE_CHECKING

from .errors import Error
from .format import Category, decode_qr_text
from .photo import photo_file
from .trust import TrustStore

if TYPE_CHECKING:
    from .regions import Policy, RegionStore

#: A phone's clock may run a few minutes behind the service's: tolerate it for nbf only.
NBF_LEEWAY_SECONDS = 300
#: Tell the exploitant to send the worker to the spreekuur this long before expiry.
EXPIRES_SOON_SECONDS = 60 * 86400


class Status(enum.StrEnum):
    """The outcome of a check. Only VALID lets someone work."""

    VALID = "VALID"
    MALFORMED = "MALFORMED"
    UNKNOWN_ISSUER = "UNKNOWN_ISSUER"
    BAD_SIGNATURE = "BAD_SIGNATURE"
    NOT_YET_VALID = "NOT_YET_VALID"
    EXPIRED = "EXPIRED"
    REVOKED = "REVOKED"
    #: Genuine and current, but its issuer does not count where this verifier is set up
    #: (verifier policy, docs/token-format.md §10.4). Not a permission to work here.
    NOT_VALID_HERE = "NOT_VALID_HERE"


class Notice(enum.StrEnum):
    """Warnings that accompany a verdict."""

    EXPIRES_SOON = "EXPIRES_SOON"
    TRUST_LIST_EXPIRED = "TRUST_LIST_EXPIRED"
    REVOCATIONS_EXPIRED = "REVOCATIONS_EXPIRED"
    REVOCATIONS_MISSING = "REVOCATIONS_MISSING"


@dataclass(frozen=True, slots=True)
class Verdict:
    """The result of :func:`verify`. Read ``status``; there is no truthiness.

    The pass's claims are filled in only when its signature verified (VALID,
    NOT_YET_VALID, EXPIRED, REVOKED, NOT_VALID_HERE); for other statuses nothing
    unverified is shown.
    """

    status: Status
    reason: str = ""
    number: str | None = None
    category: Category | None = None
    iss: str | None = None
    issuer_name: str | None = None
    iat: int | None = None
    exp: int | None = None
    serial: bytes | None = None
    photo: bytes | None = field(default=None, repr=False)
    photo_type: str | None = None
    warnings: tuple[Notice, ...] = ()

    def photo_file(self) -> tuple[bytes, str] | None:
        """The photo as an image file and its media type, for a decoder or a viewer.

        None when the verdict carries no photo (nothing verified). An ``av1`` photo is
        rebuilt into its AVIF file (``image/avif``, docs/token-format.md §6.1); older
        passes' WebP/AVIF files are returned as carried.
        """
        if self.photo is None or self.photo_type is None:
            return None
        return photo_file(self.photo, self.photo_type)

    @property
    def ok(self) -> bool:
        """True only for VALID."""
        return self.status is Status.VALID

    def __bool__(self) -> bool:
        # A forgotten status check must not read as success.
        raise TypeError("read Verdict.status (or .ok), not the verdict itself")

    def to_json(self) -> dict[str, object]:
        """The CLI's --json shape."""
        return {
            "status": self.status.value,
            "number": self.number,
            "category": None
            if self.category is None
            else {
                "code": self.category.code,
                "label": self.category.label,
                "color": self.category.color,
            },
            "iss": self.iss,
            "issuer_name": self.issuer_name,
            "exp": self.exp,
            "warnings": [w.value for w in self.warnings],
        }


def verify(
    qr_text: str,
    store: TrustStore | RegionStore,
    now: int | None = None,
    *,
    policy: Policy | None = None,
) -> Verdict:
    """Check the text of a scanned QR code. Never raises for bad input.

    ``now`` is Unix seconds (injected clock); it defaults to the system clock. ``store``
    is one region's lists or several (:class:`verifier.regions.RegionStore`). With a
    ``policy`` a genuine, current pass of an issuer that does not count here is
    NOT_VALID_HERE (§10.4); without one every trusted issuer counts.
    """
    if now is None:
        now = int(time.time())
    try:
        envelope, claims = decode_qr_text(qr_text)
    except Error as exc:
        return Verdict(Status.MALFORMED, reason=str(exc))
    except Exception as exc:  # a decoder bug must still fail closed, never crash a scanner
        return Verdict(Status.MALFORMED, reason=f"undecodable ({type(exc).__name__})")

    candidates = [
        c
        for c in store.candidates(envelope)
        if c.entry.iss == claims.iss
        and c.entry.nbf <= claims.iat <= c.entry.exp
        and c.entry.category(claims.category) is not None
    ]
    if not candidates:
        return Verdict(
            Status.UNKNOWN_ISSUER, reason="no trusted key for this issuer, time and category"
        )
    signer = next((c for c in candidates if envelope.verify_with(c.verify_key)), None)
    if signer is None:
        return Verdict(Status.BAD_SIGNATURE, reason="signature does not verify")

    entry = signer.entry
    warnings: list[Notice] = []
    trust_list = store.trust_list_for(claims.iss)
    if trust_list is not None and now >= trust_list.exp:
        warnings.append(Notice.TRUST_LIST_EXPIRED)
    revocations = store.revocations(claims.iss)
    if revocations is None:
        warnings.append(Notice.REVOCATIONS_MISSING)
    elif now >= revocations.exp:
        warnings.append(Notice.REVOCATIONS_EXPIRED)

    if now + NBF_LEEWAY_SECONDS < claims.nbf:
        status, reason = Status.NOT_YET_VALID, "not valid yet"
    elif now >= claims.exp:
        status, reason = Status.EXPIRED, "expired"
    elif store.is_revoked(claims.iss, claims.serial):
        status, reason = Status.REVOKED, "revoked by the issuer"
    elif policy is not None and not policy.counts(claims.iss):
        status = Status.NOT_VALID_HERE
        reason = f"genuine pass of {entry.name}; it does not count for work in {policy.name}"
    else:
        status, reason = Status.VALID, ""
        if claims.exp - now <= EXPIRES_SOON_SECONDS:
            warnings.insert(0, Notice.EXPIRES_SOON)
    return Verdict(
        status,
        reason=reason,
        number=claims.number,
        category=entry.category(claims.category),
        iss=claims.iss,
        issuer_name=entry.name,
        iat=claims.iat,
        exp=claims.exp,
        serial=claims.serial,
        photo=claims.photo,
        photo_type=claims.photo_type,
        warnings=tuple(warnings),
    )
