"""The audit log: who did what to which pass number. Hash-chained, no identity data.

Each event's hash covers the previous event's hash and its own fields, so an
edited, removed or reordered entry breaks the chain (``pas-service audit verify``).
"""

from __future__ import annotations

import datetime as dt
import hashlib
from dataclasses import dataclass
from zoneinfo import ZoneInfo

import sqlalchemy as sa
from sqlalchemy.orm import Session

from .models import AuditEvent

GENESIS = bytes(32)
_LOCK_ID = 0x5A5_0001  # serialises appends on PostgreSQL; SQLite's BEGIN IMMEDIATE already does


def _digest(prev: bytes, at: int, actor: str, role: str, action: str, number: str | None,
            reason: str | None) -> bytes:
    fields = [str(at), actor, role, action, number or "", reason or ""]
    h = hashlib.sha256(prev)
    for f in fields:
        data = f.encode()
        h.update(len(data).to_bytes(4, "big") + data)
    return h.digest()


_TZ = ZoneInfo("Europe/Amsterdam")


def day_of(at: int) -> int:
    """Local midnight of ``at``: events about a pass keep the day, not the second. An issue
    time to the second beside an official's name could be matched against the appointment
    list of the spreekuur; the day is all she (and oversight) needs."""
    moment = dt.datetime.fromtimestamp(at, _TZ)
    return int(dt.datetime.combine(moment.date(), dt.time(), _TZ).timestamp())


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
    if session.get_bind().dialect.name == "postgresql":
        session.execute(sa.text("SELECT pg_advisory_xact_lock(:k)"), {"k": _LOCK_ID})
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
        expected = _digest(prev, event.at, event.actor, event.role, event.action,
                           event.pass_number, event.reason_code)
        if event.prev_hash != prev or event.hash != expected:
            return ChainReport(count, event.id)
        prev = event.hash
    return ChainReport(count, None)
