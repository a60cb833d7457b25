"""Finding and removing sealed records: the look-ups that sealing, her view and opening share.

A sealed record is two rows: the ciphertext (:class:`EscrowRecord`) and its data key,
sealed to the team and wrapped under her code (:class:`EscrowKey`). The key goes first
when a record is removed; a record whose key is gone is noise and is removed on sight.
"""

from __future__ import annotations

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tokenservice.escrow.errors import BadRequest
from tokenservice.issue.passes import UnknownPass
from tokenservice.store.models import EscrowKey, EscrowRecord, PassRecord
from verifier import passnumber
from verifier.errors import FormatError


def normalize_number(number: str) -> str:
    """The canonical pass number; :class:`BadRequest` if it cannot be one."""
    try:
        return passnumber.normalize(number)
    except FormatError as exc:
        raise BadRequest(str(exc)) from None


def find_pass(session: Session, number: str) -> PassRecord | None:
    """The pass with this (canonical) number, or None."""
    return session.scalar(sa.select(PassRecord).where(PassRecord.number == number))


def require_pass(session: Session, number: str) -> PassRecord:
    """The pass with this (canonical) number; ``UnknownPass`` if there is none."""
    record = find_pass(session, number)
    if record is None:
        raise UnknownPass(f"no pass with number {number}")
    return record


def record_of(session: Session, pass_id: int) -> tuple[EscrowRecord, EscrowKey] | None:
    """The sealed record of a pass and its data key, or None if it has none."""
    rec = session.scalar(sa.select(EscrowRecord).where(EscrowRecord.pass_id == pass_id))
    if rec is None:
        return None
    key = session.get(EscrowKey, rec.id)
    if key is None:  # the key was shredded: the ciphertext is noise, remove it too
        session.delete(rec)
        session.flush()
        return None
    return rec, key


def delete_record(session: Session, pass_id: int) -> bool:
    """Shred the data key first, then the ciphertext. True if there was a record."""
    rec = session.scalar(sa.select(EscrowRecord).where(EscrowRecord.pass_id == pass_id))
    if rec is None:
        return False
    session.execute(sa.delete(EscrowKey).where(EscrowKey.record_id == rec.id))
    session.execute(sa.delete(EscrowRecord).where(EscrowRecord.id == rec.id))
    session.flush()
    return True


def has_record(session: Session, number: str) -> bool:
    """Whether an escrow record exists for this number (no secret needed, reveals no identity)."""
    record = find_pass(session, normalize_number(number))
    return record is not None and record_of(session, record.id) is not None


def count_records(session: Session) -> int:
    """How many escrow records exist (for reports: a count, nothing else)."""
    return int(session.scalar(sa.select(sa.func.count()).select_from(EscrowRecord)) or 0)


__all__ = [
    "count_records",
    "delete_record",
    "find_pass",
    "has_record",
    "normalize_number",
    "record_of",
    "require_pass",
]
