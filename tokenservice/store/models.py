"""What the service stores. Nothing about the person, not even hashed.

A pass is a number, its cards (serials), a category, an issuer, times and a
status. Accounts are officials. The audit log names officials and pass numbers.
The escrow tables (privacy issue) hold only sealed ciphertext.
"""

from __future__ import annotations

import enum

import sqlalchemy as sa
from sqlalchemy.orm import Mapped, mapped_column, relationship

from tokenservice.store.db import Base


class Role(enum.StrEnum):
    INTAKE = "intake"
    HANDHAVER = "handhaver"
    BEHEER = "beheer"


class RevokeReason(enum.StrEnum):
    LOST = "lost"
    STOLEN = "stolen"
    STOPPED = "stopped"
    ERROR = "error"
    SUPERSEDED = "superseded"  # replaced by a renewed card, never chosen by hand


class PassRecord(Base):
    """A pass number and what is true of it; its cards are the signed tokens."""

    __tablename__ = "passes"

    id: Mapped[int] = mapped_column(primary_key=True)
    number: Mapped[str] = mapped_column(sa.String(20), unique=True)
    iss: Mapped[str] = mapped_column(sa.String(8))
    category: Mapped[str] = mapped_column(sa.String(16))
    created_at: Mapped[int] = mapped_column(sa.BigInteger)
    revoked_at: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(16), default=None)

    cards: Mapped[list[Card]] = relationship(
        back_populates="pass_record", order_by="Card.iat", cascade="all, delete-orphan"
    )

    @property
    def current_card(self) -> Card | None:
        live = [c for c in self.cards if c.revoked_at is None]
        return live[-1] if live else None


class Card(Base):
    """One signed card (serial) of a pass: the first issue or a renewal."""

    __tablename__ = "cards"

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_id: Mapped[int] = mapped_column(sa.ForeignKey("passes.id"), index=True)
    serial: Mapped[bytes] = mapped_column(sa.LargeBinary(16), unique=True)
    kid: Mapped[bytes] = mapped_column(sa.LargeBinary(8))
    #: The category this card was issued in (a renewal may change it; reports count per card).
    category: Mapped[str] = mapped_column(sa.String(16))
    iat: Mapped[int] = mapped_column(sa.BigInteger)
    nbf: Mapped[int] = mapped_column(sa.BigInteger)
    exp: Mapped[int] = mapped_column(sa.BigInteger)
    renewal: Mapped[bool] = mapped_column(default=False)
    revoked_at: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    revoke_reason: Mapped[str | None] = mapped_column(sa.String(16), default=None)

    pass_record: Mapped[PassRecord] = relationship(back_populates="cards")


class IssueRequest(Base):
    """The one-time token of an issue form, so a double submit issues one pass."""

    __tablename__ = "issue_requests"

    token: Mapped[str] = mapped_column(sa.String(64), primary_key=True)
    card_id: Mapped[int] = mapped_column(sa.ForeignKey("cards.id"))
    created_at: Mapped[int] = mapped_column(sa.BigInteger)


class RevocationListRecord(Base):
    """The latest signed revocation list of an issuer, as published."""

    __tablename__ = "revocation_lists"

    iss: Mapped[str] = mapped_column(sa.String(8), primary_key=True)
    seq: Mapped[int] = mapped_column(sa.BigInteger)
    iat: Mapped[int] = mapped_column(sa.BigInteger)
    exp: Mapped[int] = mapped_column(sa.BigInteger)
    signed: Mapped[bytes] = mapped_column(sa.LargeBinary)


class Account(Base):
    """An official. Usernames are work accounts, not workers."""

    __tablename__ = "accounts"

    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(sa.String(64), unique=True)
    role: Mapped[str] = mapped_column(sa.String(16))
    password_hash: Mapped[str] = mapped_column(sa.String(255))
    #: Legacy: the TOTP secret in the clear, as migrations 0001-0004 stored it. Emptied (and
    #: sealed into ``totp_sealed``) at start-up; nothing writes it any more (docs/adr/0013).
    totp_secret: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    #: The TOTP secret sealed with instance/totp.key (tokenservice.access.accounts.TotpKey).
    totp_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary, default=None)
    totp_enrolled: Mapped[bool] = mapped_column(default=False)
    totp_last_step: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    #: Bumped at logout: every copy of that account's session cookie stops working.
    session_epoch: Mapped[int] = mapped_column(default=0, server_default="0")
    failed_logins: Mapped[int] = mapped_column(default=0)
    locked_until: Mapped[int] = mapped_column(sa.BigInteger, default=0)
    disabled: Mapped[bool] = mapped_column(default=False)
    created_at: Mapped[int] = mapped_column(sa.BigInteger)
    #: Separation of duties (docs/adr/0012): the beheer account that last created this
    #: account or reset its credentials (None: the command line or the demo set-up), and when.
    provisioned_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), default=None)
    provisioned_at: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)


class EnrolmentLink(Base):
    """A one-time link with which an official sets their own password and second factor.

    Only the SHA-256 of the link's token is kept; a link is used once, before ``expires_at``.
    """

    __tablename__ = "enrolment_links"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), unique=True)
    #: The beheer account that made the link (None: the command line).
    created_by: Mapped[int | None] = mapped_column(sa.ForeignKey("accounts.id"), default=None)
    created_at: Mapped[int] = mapped_column(sa.BigInteger)
    expires_at: Mapped[int] = mapped_column(sa.BigInteger)
    used_at: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)


class ApiToken(Base):
    """A bearer token for integrations; only its SHA-256 is kept."""

    __tablename__ = "api_tokens"

    id: Mapped[int] = mapped_column(primary_key=True)
    account_id: Mapped[int] = mapped_column(sa.ForeignKey("accounts.id"), index=True)
    token_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), unique=True)
    created_at: Mapped[int] = mapped_column(sa.BigInteger)
    revoked: Mapped[bool] = mapped_column(default=False)

    account: Mapped[Account] = relationship()


class AuditEvent(Base):
    """Who did what to which pass number, when. Hash-chained; never identity data."""

    __tablename__ = "audit_events"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[int] = mapped_column(sa.BigInteger)
    actor: Mapped[str] = mapped_column(sa.String(64))
    role: Mapped[str] = mapped_column(sa.String(16))
    action: Mapped[str] = mapped_column(sa.String(32))
    pass_number: Mapped[str | None] = mapped_column(sa.String(20), index=True, default=None)
    reason_code: Mapped[str | None] = mapped_column(sa.String(32), default=None)
    prev_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32), unique=True)
    #: Random, per event: the Merkle leaf (verifier.translog.event_leaf_data) hides the
    #: fields behind it, so no published hash can be tested against a guessed event.
    salt: Mapped[bytes] = mapped_column(sa.LargeBinary(16))


# --- Privacy core (issue 5): sealed escrow, the worker's code, checkpoints ---------------
# Every column below is ciphertext, a salt, a KDF parameter, a time, an official's account
# name or a pass number. No identity attribute is stored, in clear or hashed.


class EscrowRecord(Base):
    """A pass's identity record, encrypted under a per-record data key (tokenservice.escrow.seal)."""

    __tablename__ = "escrow_records"

    id: Mapped[int] = mapped_column(primary_key=True)
    pass_id: Mapped[int] = mapped_column(sa.ForeignKey("passes.id"), unique=True)
    created_at: Mapped[int] = mapped_column(sa.BigInteger)
    recipient_kid: Mapped[bytes] = mapped_column(sa.LargeBinary(8))
    nonce: Mapped[bytes] = mapped_column(sa.LargeBinary(24))
    ciphertext: Mapped[bytes] = mapped_column(sa.LargeBinary)


class EscrowKey(Base):
    """The data key of one escrow record: sealed to the team, and wrapped under the code.

    Deleting this row makes the record unreadable everywhere, also in copies of the
    escrow_records table (crypto-shredding; see docs/privacy.md for what it does not do).
    """

    __tablename__ = "escrow_keys"

    record_id: Mapped[int] = mapped_column(sa.ForeignKey("escrow_records.id"), primary_key=True)
    sealed_key: Mapped[bytes] = mapped_column(sa.LargeBinary(80))
    code_nonce: Mapped[bytes] = mapped_column(sa.LargeBinary(24))
    code_wrapped_key: Mapped[bytes] = mapped_column(sa.LargeBinary(48))


class PassCode(Base):
    """What checks the worker's personal code: Argon2id salt, cost and a verifier, no code."""

    __tablename__ = "pass_codes"

    pass_id: Mapped[int] = mapped_column(sa.ForeignKey("passes.id"), primary_key=True)
    created_at: Mapped[int] = mapped_column(sa.BigInteger)
    salt: Mapped[bytes] = mapped_column(sa.LargeBinary(16))
    opslimit: Mapped[int] = mapped_column(sa.BigInteger)
    memlimit: Mapped[int] = mapped_column(sa.BigInteger)
    verifier: Mapped[bytes] = mapped_column(sa.LargeBinary(32))


class EscrowRequest(Base):
    """A handhaver's request to open one record (or all: a bulk export).

    The free-text reason is sealed to the team key: officials may write names in it.
    """

    __tablename__ = "escrow_requests"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(sa.String(16))  # "record" or "export"
    pass_id: Mapped[int | None] = mapped_column(sa.ForeignKey("passes.id"), index=True, default=None)
    requested_by: Mapped[str] = mapped_column(sa.String(64))
    requested_at: Mapped[int] = mapped_column(sa.BigInteger)
    reason_code: Mapped[str] = mapped_column(sa.String(32))
    reason_sealed: Mapped[bytes | None] = mapped_column(sa.LargeBinary, default=None)
    status: Mapped[str] = mapped_column(sa.String(16))  # pending, released, denied, expired
    approved_by: Mapped[str | None] = mapped_column(sa.String(64), default=None)
    approved_at: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)
    released_at: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)


class AuditCheckpoint(Base):
    """A signed statement of the audit chain's head: "these N events, ending in this hash"."""

    __tablename__ = "audit_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[int] = mapped_column(sa.BigInteger)
    event_id: Mapped[int] = mapped_column(sa.BigInteger)
    events: Mapped[int] = mapped_column(sa.BigInteger)
    head_hash: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    iss: Mapped[str] = mapped_column(sa.String(8))
    kid: Mapped[bytes] = mapped_column(sa.LargeBinary(8))
    signature: Mapped[bytes] = mapped_column(sa.LargeBinary(64))


class LogCheckpoint(Base):
    """A signed tree head of the audit log (issue 12, finding 4; docs/transparency.md).

    ``signed`` is the COSE_Sign1 published at /.well-known/pas/log/checkpoint.
    ``witnessed_at``: when it was first served to a witness (a time, nothing about who).
    """

    __tablename__ = "log_checkpoints"

    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[int] = mapped_column(sa.BigInteger)
    size: Mapped[int] = mapped_column(sa.BigInteger, index=True)
    root: Mapped[bytes] = mapped_column(sa.LargeBinary(32))
    iss: Mapped[str] = mapped_column(sa.String(8))
    kid: Mapped[bytes] = mapped_column(sa.LargeBinary(8))
    signed: Mapped[bytes] = mapped_column(sa.LargeBinary(512))
    witnessed_at: Mapped[int | None] = mapped_column(sa.BigInteger, default=None)


# --- Rate limits (issue 12): counters under keyed hashes, gone within the hour ------------


class RateLimitCounter(Base):
    """One rate-limit counter (tokenservice.access.limiter): hits in the current fixed window.

    ``key`` is HMAC-SHA256 under a key derived from the app secret over a kind and a value
    (a normalised pass number, an address prefix, a username): never the value itself. The
    window start is aligned to the window's length (not the moment of a hit), so rows made by
    one request cannot be paired by their times. Rows are deleted once ``expires_at`` passes.
    On SQLite the table has no rowid, so insertion order is not kept beside the key either.
    """

    __tablename__ = "rate_limit_counters"
    __table_args__ = ({"sqlite_with_rowid": False},)

    key: Mapped[bytes] = mapped_column(sa.LargeBinary(32), primary_key=True)
    window_start: Mapped[int] = mapped_column(sa.BigInteger)
    hits: Mapped[int] = mapped_column()
    expires_at: Mapped[int] = mapped_column(sa.BigInteger, index=True)
