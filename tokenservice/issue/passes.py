"""Issuing, renewing and revoking passes, and re-signing revocation lists.

The heart of the service, kept free of Flask: a caller passes the already
processed photo thumbnail, the official's name and role, and gets back what to
print. The photo is signed into the pass and then forgotten; the database gets
only the number, serial, category, issuer and times.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from tokenservice import audit
from tokenservice.clock import DAY
from tokenservice.config import Settings
from tokenservice.errors import Error
from tokenservice.issue.keyring import Keyring
from tokenservice.store.db import Database
from tokenservice.store.models import (
    Card,
    IssueRequest,
    PassRecord,
    RevocationListRecord,
    RevokeReason,
)
from verifier import passnumber
from verifier.errors import FormatError
from verifier.format import SERIAL_BYTES, Category, Pass, RevocationList, Sign1

#: Reasons that end a pass number for good; lost/stolen cards can be replaced under the same number.
FINAL_REASONS = frozenset({RevokeReason.STOPPED, RevokeReason.ERROR})
CHOOSABLE_REASONS = (RevokeReason.LOST, RevokeReason.STOLEN, RevokeReason.STOPPED, RevokeReason.ERROR)


class IssuanceError(Error):
    code = "issuance"


class UnknownPass(IssuanceError):
    code = "unknown_pass"


class PassClosed(IssuanceError):
    code = "pass_revoked"


class BadCategory(IssuanceError):
    code = "bad_category"


@dataclass(frozen=True)
class Official:
    """Who acts: an account name and its role, for the audit log."""

    username: str
    role: str


@dataclass(frozen=True)
class Issued:
    number: str
    serial: bytes
    qr_text: str
    iat: int
    exp: int
    iss: str
    issuer_name: str
    category: Category
    renewal: bool


@dataclass(frozen=True)
class PassStatus:
    number: str
    iss: str
    category: str
    status: str  # "valid", "expired", "revoked", "card_revoked"
    reason: str | None
    exp: int | None


class PassService:
    """Issuance operations over one database and keyring."""

    def __init__(
        self, db: Database, keyring: Keyring, settings: Settings,
        clock: Callable[[], float] = time.time,
        on_list: Callable[[str, bytes], None] | None = None,
    ) -> None:
        self.db = db
        self.keyring = keyring
        self.settings = settings
        self.clock = clock
        #: Called with (iss, signed list) once a re-signed revocation list is committed: the
        #: one place a list changes (revoke, renew, re-sign when due); publication hooks in here.
        self.on_list = on_list

    def now(self) -> int:
        return int(self.clock())

    def prefix(self, iss: str) -> str:
        issuer = self.settings.issuers.get(iss)
        if issuer is None:
            raise IssuanceError(f"issuer {iss} is not configured in pas.toml")
        return issuer.prefix

    # --- issue and renew -------------------------------------------------------

    def issue(
        self, *, iss: str, category: str, photo: bytes, photo_type: str, official: Official,
        request_token: str | None = None,
    ) -> Issued:
        """A new pass with a fresh random number. Idempotent per ``request_token``."""
        return self._issue_card(
            iss=iss, number=None, category=category, photo=photo, photo_type=photo_type,
            official=official, request_token=request_token,
        )

    def renew(
        self, *, number: str, category: str | None, photo: bytes, photo_type: str,
        official: Official, request_token: str | None = None,
    ) -> Issued:
        """A new card under the same number; the old card is revoked as superseded."""
        number = passnumber.normalize(number)
        with self.db.transaction() as session:
            record = self._find(session, number)
            iss, current_category = record.iss, record.category
        return self._issue_card(
            iss=iss, number=number, category=category or current_category, photo=photo,
            photo_type=photo_type, official=official, request_token=request_token,
        )

    def _issue_card(
        self, *, iss: str, number: str | None, category: str, photo: bytes, photo_type: str,
        official: Official, request_token: str | None,
    ) -> Issued:
        now = self.now()
        identity = self.keyring.signing(iss, now)
        cat = identity.entry.category(category)
        if cat is None:
            raise BadCategory(f"category {category!r} is not one of {iss}'s categories")
        for _attempt in range(5):
            try:
                with self.db.transaction() as session:
                    if request_token:
                        replay = self._replay(session, request_token, photo, photo_type)
                        if replay is not None:
                            return replay
                    renewal = number is not None
                    if number is not None:
                        record = self._find(session, number, lock=True)
                        if record.revoked_at is not None:
                            raise PassClosed(f"pass {number} was revoked ({record.revoke_reason})")
                        record.category = category
                        for old in record.cards:
                            if old.revoked_at is None:
                                old.revoked_at, old.revoke_reason = now, RevokeReason.SUPERSEDED
                    else:
                        record = PassRecord(
                            number=passnumber.new(self.prefix(iss)), iss=iss, category=category,
                            created_at=audit.day_of(now),  # the day is enough; see audit.day_of
                        )
                        session.add(record)
                    claims = Pass(
                        iss=iss, number=record.number, category=category,
                        serial=secrets.token_bytes(SERIAL_BYTES), iat=now, nbf=now,
                        exp=now + self.settings.validity_days * DAY, photo=photo,
                        photo_type=photo_type,
                    )
                    card = Card(
                        serial=claims.serial, kid=identity.entry.kid, category=category,
                        iat=claims.iat,
                        nbf=claims.nbf, exp=claims.exp, renewal=renewal,
                    )
                    record.cards.append(card)
                    session.flush()
                    if request_token:
                        session.add(IssueRequest(token=request_token, card_id=card.id, created_at=now))
                    audit.append(
                        session, at=now, actor=official.username, role=official.role,
                        action="renew" if renewal else "issue", pass_number=record.number,
                    )
                    if renewal:
                        self._resign_revocations(session, iss, now)
                    qr_text = claims.sign(identity.key)
                    return Issued(
                        number=record.number, serial=claims.serial, qr_text=qr_text,
                        iat=claims.iat, exp=claims.exp, iss=iss, issuer_name=identity.entry.name,
                        category=cat, renewal=renewal,
                    )
            except IntegrityError:
                # A random number or serial collided (or a concurrent double submit):
                # the transaction rolled back as a whole; try again with fresh randomness.
                continue
        raise IssuanceError("could not allocate a unique pass number; try again")

    def _replay(self, session: Session, token: str, photo: bytes, photo_type: str) -> Issued | None:
        """The same card again for a double-submitted form (same serial, re-signed)."""
        request = session.get(IssueRequest, token)
        if request is None:
            return None
        card = session.get(Card, request.card_id)
        assert card is not None
        record = card.pass_record
        identity = self.keyring.key_for_kid(record.iss, card.kid)
        if identity is None:
            raise IssuanceError("the key of the first submission is no longer available")
        cat = identity.entry.category(card.category)
        assert cat is not None
        claims = Pass(
            iss=record.iss, number=record.number, category=card.category, serial=card.serial,
            iat=card.iat, nbf=card.nbf, exp=card.exp, photo=photo, photo_type=photo_type,
        )
        return Issued(
            number=record.number, serial=card.serial, qr_text=claims.sign(identity.key),
            iat=card.iat, exp=card.exp, iss=record.iss, issuer_name=identity.entry.name,
            category=cat, renewal=card.renewal,
        )

    # --- revoke and look up ------------------------------------------------------

    def revoke(self, *, number: str, reason: str, official: Official) -> PassStatus:
        """Revoke the live card(s) of a pass and re-sign the issuer's list at once."""
        try:
            why = RevokeReason(reason)
        except ValueError:
            raise IssuanceError(f"unknown reason {reason!r}") from None
        if why not in CHOOSABLE_REASONS:
            raise IssuanceError(f"reason {reason!r} cannot be chosen by hand")
        number = passnumber.normalize(number)
        now = self.now()
        with self.db.transaction() as session:
            record = self._find(session, number, lock=True)
            for card in record.cards:
                if card.revoked_at is None:
                    card.revoked_at, card.revoke_reason = now, why
            if why in FINAL_REASONS and record.revoked_at is None:
                record.revoked_at, record.revoke_reason = now, why
            audit.append(
                session, at=now, actor=official.username, role=official.role, action="revoke",
                pass_number=number, reason_code=why,
            )
            self._resign_revocations(session, record.iss, now)
            return self.status_of(record, now)

    def status(self, number: str) -> PassStatus:
        number = passnumber.normalize(number)
        with self.db.transaction() as session:
            return self.status_of(self._find(session, number), self.now())

    @staticmethod
    def _find(session: Session, number: str, *, lock: bool = False) -> PassRecord:
        query = sa.select(PassRecord).where(PassRecord.number == number)
        if lock and session.get_bind().dialect.name == "postgresql":
            # Two stations renewing or revoking one pass at once must see each other's
            # cards; SQLite's BEGIN IMMEDIATE already serialises every write transaction.
            query = query.with_for_update()
        record = session.scalar(query)
        if record is None:
            raise UnknownPass(f"no pass with number {number}")
        return record

    @staticmethod
    def status_of(record: PassRecord, now: int) -> PassStatus:
        """The status a verifier or her own page would give this pass at ``now``."""
        card = record.current_card
        if record.revoked_at is not None:
            status, reason = "revoked", record.revoke_reason
        elif card is None:
            last = record.cards[-1] if record.cards else None
            status, reason = "card_revoked", last.revoke_reason if last else None
        elif card.exp <= now:
            status, reason = "expired", None
        else:
            status, reason = "valid", None
        return PassStatus(
            number=record.number, iss=record.iss, category=record.category, status=status,
            reason=reason, exp=card.exp if card else None,
        )

    # --- revocation lists --------------------------------------------------------

    def revocation_list(self, iss: str) -> bytes:
        """The issuer's current signed list; re-signed when missing or half-way to expiry."""
        now = self.now()
        half = self.settings.revocation_list_days * DAY // 2
        # The common case is a read: phones poll this, and it must not hold up issuance.
        with self.db.read() as connection:
            row = connection.execute(
                sa.select(RevocationListRecord.signed, RevocationListRecord.exp).where(
                    RevocationListRecord.iss == iss
                )
            ).first()
        if row is not None and row.exp - now >= half and not self._signer_left(row.signed, iss, now):
            return bytes(row.signed)
        for _attempt in range(3):
            try:
                with self.db.transaction() as session:
                    record = session.get(RevocationListRecord, iss)
                    if (
                        record is None
                        or record.exp - now < half
                        or self._signer_left(record.signed, iss, now)
                    ):
                        record = self._resign_revocations(session, iss, now)
                    return record.signed
            except IntegrityError:
                continue  # two first requests raced to create the list; the other one won
        raise IssuanceError(f"could not publish the revocation list of {iss}")

    def _signer_left(self, signed: bytes, iss: str, now: int) -> bool:
        """True when the stored list's key is no longer the one to sign with (rotation, drill)."""
        try:
            kid = Sign1.from_bytes(bytes(signed)).kid
        except FormatError:
            return True
        return kid != self.keyring.signing(iss, now).entry.kid

    def _resign_revocations(self, session: Session, iss: str, now: int) -> RevocationListRecord:
        query = sa.select(RevocationListRecord).where(RevocationListRecord.iss == iss)
        if session.get_bind().dialect.name == "postgresql":
            query = query.with_for_update()
        record = session.scalar(query)
        serials = session.scalars(
            sa.select(Card.serial)
            .join(PassRecord)
            .where(PassRecord.iss == iss, Card.revoked_at.is_not(None), Card.exp > now)
        ).all()
        seq = (record.seq + 1) if record is not None else 1
        rl = RevocationList.build(
            iss=iss, seq=seq, iat=now, exp=now + self.settings.revocation_list_days * DAY,
            serials=serials,
        )
        signed = rl.sign(self.keyring.signing(iss, now).key)
        if record is None:
            record = RevocationListRecord(iss=iss, seq=seq, iat=now, exp=rl.exp, signed=signed)
            session.add(record)
        else:
            record.seq, record.iat, record.exp, record.signed = seq, now, rl.exp, signed
        session.flush()
        if self.on_list is not None:
            # After the commit only: a list of a transaction that rolls back is never shown.
            hook = self.on_list
            sa.event.listen(session, "after_commit", lambda _s: hook(iss, signed), once=True)
        return record
