"""The worker's own view (/mijn-pas): with her number and code she sees what is kept
and who looked, and can erase her sealed record.

Officials' names never reach her: a log line shows the role, the action and the
reason code. A wrong number and a wrong code look (and take) the same.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import sqlalchemy as sa
from sqlalchemy.orm import Session

from keys import escrow as sealing
from tokenservice import audit
from tokenservice.escrow.code import check_code, unwrap_key
from tokenservice.escrow.errors import WrongCode
from tokenservice.escrow.records import delete_record, record_of
from tokenservice.escrow.settings import EscrowConfig
from tokenservice.issue.passes import PassService, PassStatus
from tokenservice.store.models import AuditEvent, PassCode


@dataclass(frozen=True)
class LogEntry:
    """An access-log line as the worker sees it: no official's name."""

    at: int
    role: str
    action: str
    reason_code: str | None


@dataclass(frozen=True)
class WorkerView:
    """Everything kept about one pass number, for its holder (/mijn-pas)."""

    number: str
    status: PassStatus
    created_at: int
    category: str
    iss: str
    record_exists: bool
    record_sealed_at: int | None
    record_fields: dict[str, str] | None = field(repr=False)
    code_created_at: int | None
    entries: tuple[LogEntry, ...]


def access_log(session: Session, number: str) -> list[LogEntry]:
    """Every audit event about this pass number, oldest first, without officials' names."""
    rows = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.pass_number == number).order_by(AuditEvent.id)
    )
    return [LogEntry(e.at, e.role, e.action, e.reason_code) for e in rows]


def worker_view(
    session: Session, *, number: str, code: str, now: int, config: EscrowConfig | None = None
) -> WorkerView | None:
    """What is stored about ``number``, opened with her code; None if number or code is wrong."""
    checked = check_code(session, number, code, config)
    if checked is None:
        return None
    record, kek = checked
    fields: dict[str, str] | None = None
    sealed_at: int | None = None
    found = record_of(session, record.id)
    if found is not None:
        rec, key = found
        data_key = unwrap_key(kek, record.number, key.code_nonce, key.code_wrapped_key)
        doc = sealing.decrypt_record(
            data_key, number=record.number, recipient_kid=rec.recipient_kid, nonce=rec.nonce,
            ciphertext=rec.ciphertext,
        )
        fields = {str(k): str(v) for k, v in doc["fields"].items()}
        sealed_at = rec.created_at
    code_row = session.get(PassCode, record.id)
    return WorkerView(
        number=record.number,
        status=PassService.status_of(record, now),
        created_at=record.created_at,
        category=record.category,
        iss=record.iss,
        record_exists=found is not None,
        record_sealed_at=sealed_at,
        record_fields=fields,
        code_created_at=code_row.created_at if code_row is not None else None,
        entries=tuple(access_log(session, record.number)),
    )


def erase(
    session: Session, number: str, code: str, now: int, *, config: EscrowConfig | None = None
) -> bool:
    """The worker erases her escrow record (both the team's and her code's access at once).

    Raises :class:`WrongCode` if number and code do not belong together; returns
    whether there was a record. Her code keeps working for /mijn-pas (to see the log)
    until the pass ends. The pass itself stays valid: revoke it separately
    (``PassService.revoke(reason="stopped")``) if she asks for that too.
    """
    checked = check_code(session, number, code, config)
    if checked is None:
        raise WrongCode("number or code is not right")
    record, _kek = checked
    existed = delete_record(session, record.id)
    if existed:
        audit.append(session, at=now, actor="worker", role="worker", action="escrow_erased",
                     pass_number=record.number, reason_code="own_request")
    return existed


__all__ = ["LogEntry", "WorkerView", "access_log", "erase", "worker_view"]
