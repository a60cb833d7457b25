"""The audit log: who did what to which pass number. Hash-chained, no identity data.

Each event's hash covers the previous event's hash and its own fields, so an
edited, removed or reordered entry breaks the chain (``pas-service audit verify``).

The chain alone cannot stop someone with database access: they can drop an event and
recompute every link. So the events are also the leaves of a Merkle tree whose signed
tree heads are kept by witnesses outside the server: :mod:`tokenservice.audit.checkpoints`,
docs/transparency.md, docs/adr/0015.
"""

from __future__ import annotations

import csv
import datetime as dt
import hashlib
import io
import secrets
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tokenservice.clock import ZONE
from tokenservice.errors import Error
from tokenservice.store.models import AuditEvent
from verifier import translog

GENESIS = bytes(32)
_LOCK_ID = 0x5A5_0001  # serialises appends on PostgreSQL; SQLite's BEGIN IMMEDIATE already does


class AuditError(Error):
    code = "audit"


def _digest(prev: bytes, at: int, actor: str, role: str, action: str, number: str | None,
            reason: str | None) -> bytes:
    fields = [str(at), actor, role, action, number or "", reason or ""]
    h = hashlib.sha256(prev)
    for f in fields:
        data = f.encode()
        h.update(len(data).to_bytes(4, "big") + data)
    return h.digest()


def linked(prev: bytes, event: AuditEvent) -> bool:
    """Whether ``event`` follows the event whose hash is ``prev`` and its hash covers its fields."""
    expected = _digest(prev, event.at, event.actor, event.role, event.action,
                       event.pass_number, event.reason_code)
    return event.prev_hash == prev and event.hash == expected


def lock(session: Session) -> None:
    """Serialise writers of the log for the rest of the transaction (PostgreSQL; SQLite already is)."""
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})


def day_of(at: int) -> int:
    """Local midnight of ``at``: events about a pass keep the day, not the second. An issue
    time to the second beside an official's name could be matched against the appointment
    list of the spreekuur; the day is all she (and oversight) needs."""
    moment = dt.datetime.fromtimestamp(at, ZONE)
    return int(dt.datetime.combine(moment.date(), dt.time(), ZONE).timestamp())


def append(
    session: Session,
    *,
    at: int,
    actor: str,
    role: str,
    action: str,
    pass_number: str | None = None,
    reason_code: str | None = None,
) -> AuditEvent:
    """Add an event to the chain inside the caller's transaction.

    An event about a pass number is stored at day precision (:func:`day_of`).
    """
    if pass_number is not None:
        at = day_of(at)
    lock(session)
    last = session.scalar(sa.select(AuditEvent).order_by(AuditEvent.id.desc()).limit(1))
    prev = last.hash if last is not None else GENESIS
    event = AuditEvent(
        at=at,
        actor=actor,
        role=role,
        action=action,
        pass_number=pass_number,
        reason_code=reason_code,
        prev_hash=prev,
        hash=_digest(prev, at, actor, role, action, pass_number, reason_code),
        salt=secrets.token_bytes(translog.SALT_BYTES),
    )
    session.add(event)
    session.flush()
    return event


@dataclass(frozen=True)
class ChainReport:
    events: int
    first_bad_id: int | None

    @property
    def intact(self) -> bool:
        return self.first_bad_id is None


def verify_chain(session: Session) -> ChainReport:
    """Walk the whole log; report the first event whose link or content was altered."""
    prev = GENESIS
    count = 0
    for event in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)):
        count += 1
        if not linked(prev, event):
            return ChainReport(count, event.id)
        prev = event.hash
    return ChainReport(count, None)


def utc_text(ts: int) -> str:
    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M:%SZ")


def export_log_csv(session: Session) -> str:
    """The whole access log as CSV (for beheer), verifiable offline with ``pas-keys audit verify``."""
    from keys import escrow as sealing

    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(sealing.LOG_COLUMNS)
    for e in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)):
        when = dt.datetime.fromtimestamp(e.at, dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")
        writer.writerow([
            e.id, e.at, when, e.actor, e.role, e.action, e.pass_number or "",
            e.reason_code or "", e.prev_hash.hex(), e.hash.hex(),
        ])
    return out.getvalue()


__all__ = [
    "GENESIS",
    "AuditError",
    "ChainReport",
    "append",
    "day_of",
    "export_log_csv",
    "linked",
    "lock",
    "utc_text",
    "verify_chain",
]
