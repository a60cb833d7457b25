"""Retention: escrow records and personal codes go when they are no longer needed.

:func:`purge` deletes, for every pass that has them,

* the escrow record and its data key, and the personal-code verifier, once the
  pass's last card expired more than ``grace_days`` ago (default 90), or at once
  when the pass was ended for good (revoked with reason ``stopped`` or ``error``);
* the sealed free-text reasons of escrow requests about such a pass, and of any
  request older than ``reason_days`` (the reason code stays in the audit log).

A worker's own erasure (``escrow.erase``) deletes the record at once and is not
this module's business. Every purge of a pass is written to the audit log as
``escrow_purged`` (actor ``system``) with the cause as reason code, so the holder
and beheer can see it happened. Running it twice does nothing the second time:
safe for cron, a systemd timer and start-up.

Deletion is final in the database's own files (docs/adr/0014, :meth:`Database.scrub`);
what it means for copies (backups, PostgreSQL's WAL) is in docs/privacy.md, §5.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tokenservice import audit
from tokenservice.clock import DAY
from tokenservice.escrow.records import delete_record
from tokenservice.escrow.settings import DEFAULT_GRACE_DAYS, DEFAULT_REASON_DAYS
from tokenservice.issue.passes import FINAL_REASONS
from tokenservice.store.db import Database, ErasureNotFinal
from tokenservice.store.models import Card, EscrowRecord, EscrowRequest, PassCode, PassRecord
from verifier import passnumber


@dataclass(frozen=True)
class PurgeReport:
    records: int = 0  # escrow records (with their data keys) deleted
    codes: int = 0  # personal-code verifiers deleted
    reasons: int = 0  # sealed request reasons deleted
    numbers: tuple[str, ...] = ()

    @property
    def anything(self) -> bool:
        return bool(self.records or self.codes or self.reasons)


def _count(result: Any) -> int:
    """Rows a DELETE or UPDATE touched."""
    return int(result.rowcount or 0)


def _cause(record: PassRecord, last_exp: int | None, now: int, grace_days: int) -> str | None:
    if record.revoked_at is not None and record.revoke_reason in FINAL_REASONS:
        return str(record.revoke_reason)
    if last_exp is None or now >= last_exp + grace_days * DAY:
        return "expired"
    return None


def purge_session(
    session: Session,
    now: int,
    grace_days: int = DEFAULT_GRACE_DAYS,
    *,
    number: str | None = None,
    reason_days: int = DEFAULT_REASON_DAYS,
) -> PurgeReport:
    """:func:`purge` inside the caller's transaction (e.g. right after a revocation)."""
    if grace_days < 0:
        raise ValueError("grace_days must be >= 0")
    holders = sa.union(
        sa.select(EscrowRecord.pass_id),
        sa.select(PassCode.pass_id),
        sa.select(EscrowRequest.pass_id).where(
            EscrowRequest.pass_id.is_not(None), EscrowRequest.reason_sealed.is_not(None)
        ),
    ).subquery()
    query = (
        sa.select(PassRecord, sa.func.max(Card.exp))
        .join(holders, holders.c.pass_id == PassRecord.id)
        .outerjoin(Card, Card.pass_id == PassRecord.id)
        .group_by(PassRecord.id)
        .order_by(PassRecord.id)
    )
    if number is not None:
        query = query.where(PassRecord.number == passnumber.normalize(number))
    records = codes = reasons = 0
    numbers: list[str] = []
    for record, last_exp in session.execute(query).all():
        cause = _cause(record, last_exp, now, grace_days)
        if cause is None:
            continue
        had_record = delete_record(session, record.id)
        had_code = bool(_count(session.execute(
            sa.delete(PassCode).where(PassCode.pass_id == record.id)
        )))
        cleared = _count(session.execute(
            sa.update(EscrowRequest)
            .where(EscrowRequest.pass_id == record.id, EscrowRequest.reason_sealed.is_not(None))
            .values(reason_sealed=None)
        ))
        records += had_record
        codes += had_code
        reasons += cleared
        if had_record or had_code:
            numbers.append(record.number)
            audit.append(session, at=now, actor="system", role="system", action="escrow_purged",
                         pass_number=record.number, reason_code=cause)
    if number is None:
        reasons += _count(session.execute(
            sa.update(EscrowRequest)
            .where(EscrowRequest.requested_at < now - reason_days * DAY,
                   EscrowRequest.reason_sealed.is_not(None))
            .values(reason_sealed=None)
        ))
    session.flush()
    return PurgeReport(records, codes, reasons, tuple(numbers))


def purge(
    db: Database,
    now: int,
    grace_days: int = DEFAULT_GRACE_DAYS,
    *,
    number: str | None = None,
    reason_days: int = DEFAULT_REASON_DAYS,
    vacuum: bool = False,
) -> PurgeReport:
    """Delete what retention says must go; idempotent. ``number`` limits it to one pass.

    The deletion is final in every file the database writes: the transaction is followed
    by :meth:`Database.scrub` (SQLite: ``secure_delete`` plus a truncated WAL; PostgreSQL:
    ``VACUUM FULL`` of the tables). With ``vacuum`` (the daily ``pas-service purge``) it
    scrubs all personal tables even when nothing was due, which finishes a scrub another
    process could not (a reader held the WAL, a lock was held), and raises
    :class:`~tokenservice.store.db.ErasureNotFinal` if that is still not possible.
    """
    with db.transaction() as session:
        report = purge_session(session, now, grace_days, number=number, reason_days=reason_days)
    if vacuum and not db.scrub():
        raise ErasureNotFinal(
            f"purged {report.records} escrow record(s), {report.codes} personal code(s), "
            f"{report.reasons} sealed reason(s), but the erasure is not final yet: deleted "
            "rows may still be in the database's files (see the log); run pas-service purge "
            "again when the service is less busy"
        )
    return report


__all__ = ["PurgeReport", "purge", "purge_session"]
