"""The handhavers' opening: requests, approvals and the bulk export of sealed records.

The server hands out sealed records only: opening them takes the team's private key,
which exists as k-of-n paper shares and is put together on the handhaver's laptop
(``pas-keys escrow open``; docs/handhaving.md). Every request is written to the
hash-chained audit log before anything is handed out, inside the caller's transaction;
with ``two_person`` a second handhaver approves first (:func:`approve`, :func:`collect`).
The free-text reason is sealed to the team key (it may contain names); only its code
goes into the log, which the worker sees.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Final

import sqlalchemy as sa
from sqlalchemy.orm import Session

from keys import escrow as sealing
from tokenservice import audit
from tokenservice.escrow.errors import BadRequest, EscrowNotConfigured, Forbidden, NoRecord
from tokenservice.escrow.records import normalize_number, record_of, require_pass
from tokenservice.escrow.settings import EscrowConfig
from tokenservice.issue.passes import Official
from tokenservice.store.models import EscrowRecord, EscrowRequest, PassRecord

#: Why a handhaver asks for a record. The code goes into the audit log and is shown to
#: the worker; the free text is sealed to the team key (it may contain names).
REASON_CODES: Final = {
    "inspection": ("Toezichtscontrole", "Inspection"),
    "trafficking_signal": ("Signaal mensenhandel", "Signal of human trafficking"),
    "police_request": ("Verzoek politie (AVIM)", "Request from the police (AVIM)"),
    "own_request": ("Op verzoek van de houder", "At the holder's own request"),
    "revocation": ("Intrekkingsprocedure", "Revocation procedure"),
    "other": ("Anders (toelichting verplicht)", "Other (explain)"),
}
REASON_MIN_CHARS: Final = 10
REASON_MAX_CHARS: Final = 1000


@dataclass(frozen=True)
class Release:
    """The outcome of a request: the sealed document, or "pending" approval."""

    request_id: int
    status: str  # "released" or "pending"
    document: dict[str, Any] | None = field(default=None, repr=False)
    records: int = 0


def _require_handhaver(official: Official) -> None:
    if official.role != "handhaver":
        raise Forbidden("only handhavers may request escrow records")


def _check_reason(config: EscrowConfig, reason_code: str, reason: str) -> bytes:
    if reason_code not in REASON_CODES:
        raise BadRequest(f"reason_code must be one of {', '.join(REASON_CODES)}")
    text = " ".join((reason or "").split())
    if not (REASON_MIN_CHARS <= len(text) <= REASON_MAX_CHARS):
        raise BadRequest(
            f"state the reason in {REASON_MIN_CHARS} to {REASON_MAX_CHARS} characters"
        )
    if config.public_key is None:
        raise EscrowNotConfigured("keys/escrow.pub is missing")
    return sealing.seal_text(config.public_key, text)


def _entry(session: Session, record: PassRecord) -> sealing.SealedEntry | None:
    found = record_of(session, record.id)
    if found is None:
        return None
    rec, key = found
    return sealing.SealedEntry(
        number=record.number, recipient_kid=rec.recipient_kid, sealed_key=key.sealed_key,
        nonce=rec.nonce, ciphertext=rec.ciphertext, sealed_at=rec.created_at,
    )


def _release(session: Session, request: EscrowRequest, official: Official, now: int) -> Release:
    """Log first, then build the document (the caller commits before handing it out)."""
    if request.kind == "record":
        record = session.get(PassRecord, request.pass_id)
        assert record is not None
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_release", pass_number=record.number,
                     reason_code=request.reason_code)
        entry = _entry(session, record)
        if entry is None:
            raise NoRecord(f"pass {record.number} has no escrow record")
        request.status, request.released_at = "released", now
        session.flush()
        return Release(request.id, "released",
                       sealing.record_document(entry, request_id=request.id, released_at=now), 1)
    audit.append(session, at=now, actor=official.username, role=official.role,
                 action="escrow_export", reason_code=request.reason_code)
    entries = []
    rows = session.scalars(
        sa.select(PassRecord).join(EscrowRecord, EscrowRecord.pass_id == PassRecord.id)
        .order_by(PassRecord.id)
    ).all()
    for record in rows:
        entry = _entry(session, record)
        if entry is None:
            continue
        # Each holder sees on /mijn-pas that her record was part of a bulk search.
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_exported", pass_number=record.number,
                     reason_code=request.reason_code)
        entries.append(entry)
    request.status, request.released_at = "released", now
    session.flush()
    return Release(request.id, "released",
                   sealing.export_document(entries, request_id=request.id, released_at=now),
                   len(entries))


def request_record(
    session: Session,
    config: EscrowConfig,
    *,
    number: str,
    official: Official,
    reason_code: str,
    reason: str,
    now: int,
) -> Release:
    """A handhaver asks for the sealed record of one pass number.

    Writes the request to the audit log first (``escrow_release``, or ``escrow_request``
    when a second handhaver must approve), inside the caller's transaction; hand the
    document out only after that transaction committed. Raises :class:`Forbidden`,
    :class:`BadRequest`, ``UnknownPass``, :class:`NoRecord`.
    """
    _require_handhaver(official)
    sealed_reason = _check_reason(config, reason_code, reason)
    normalized = normalize_number(number)
    record = require_pass(session, normalized)
    if record_of(session, record.id) is None:
        # Log the look-up too: otherwise a handhaver could learn, unlogged, which numbers
        # have a sealed record, i.e. who consented. Callers commit before reporting NoRecord.
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_lookup_empty", pass_number=normalized, reason_code=reason_code)
        raise NoRecord(f"pass {normalized} has no escrow record")
    request = EscrowRequest(
        kind="record", pass_id=record.id, requested_by=official.username, requested_at=now,
        reason_code=reason_code, reason_sealed=sealed_reason, status="pending",
    )
    session.add(request)
    session.flush()
    if config.two_person:
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_request", pass_number=normalized, reason_code=reason_code)
        return Release(request.id, "pending")
    return _release(session, request, official, now)


def bulk_export(
    session: Session,
    config: EscrowConfig,
    *,
    official: Official,
    reason_code: str,
    reason: str,
    now: int,
) -> Release:
    """All sealed records, for a person → number search on the handhaver's laptop.

    Logged as one ``escrow_export`` event plus one ``escrow_exported`` event per
    record's number (so each holder sees it). Same approval rule as :func:`request_record`.
    """
    _require_handhaver(official)
    sealed_reason = _check_reason(config, reason_code, reason)
    request = EscrowRequest(
        kind="export", pass_id=None, requested_by=official.username, requested_at=now,
        reason_code=reason_code, reason_sealed=sealed_reason, status="pending",
    )
    session.add(request)
    session.flush()
    if config.two_person:
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_request", reason_code=reason_code)
        return Release(request.id, "pending")
    return _release(session, request, official, now)


def _pending(session: Session, request_id: int) -> EscrowRequest:
    request = session.get(EscrowRequest, request_id)
    if request is None:
        raise BadRequest(f"no escrow request {request_id}")
    return request


def _number_of(session: Session, request: EscrowRequest) -> str | None:
    if request.pass_id is None:
        return None
    record = session.get(PassRecord, request.pass_id)
    return record.number if record is not None else None


def _refuse_if_stale(
    session: Session, config: EscrowConfig, request: EscrowRequest, since: int, now: int
) -> None:
    """Mark the request expired and refuse it when ``since`` is over ``approval_hours`` ago."""
    if now - since > config.approval_hours * 3600:
        request.status = "expired"
        session.flush()
        raise BadRequest(f"request {request.id} has expired; ask again")


def approve(
    session: Session, config: EscrowConfig, *, request_id: int, official: Official, now: int
) -> Release:
    """A second handhaver (not the requester) approves a pending request."""
    _require_handhaver(official)
    request = _pending(session, request_id)
    if request.status != "pending":
        raise BadRequest(f"request {request_id} is {request.status}, not pending")
    if request.requested_by == official.username:
        raise Forbidden("a second handhaver must approve, not the one who asked")
    from tokenservice.access import accounts

    if accounts.could_be_one_person(session, request.requested_by, official.username, now):
        raise Forbidden(
            "refused: your account and the requester's were created or reset by the same beheer "
            f"account (or one it set up) in the last {accounts.SEPARATION_DAYS} days, so one "
            "person could hold both; another handhaver must approve"
        )
    _refuse_if_stale(session, config, request, request.requested_at, now)
    request.status, request.approved_by, request.approved_at = "approved", official.username, now
    audit.append(session, at=now, actor=official.username, role=official.role,
                 action="escrow_approve", pass_number=_number_of(session, request),
                 reason_code=request.reason_code)
    session.flush()
    return Release(request.id, "pending")


def deny(
    session: Session, config: EscrowConfig, *, request_id: int, official: Official, now: int
) -> None:
    """A second handhaver refuses a pending request."""
    _require_handhaver(official)
    request = _pending(session, request_id)
    if request.status not in ("pending", "approved"):
        raise BadRequest(f"request {request_id} is {request.status}")
    if request.requested_by == official.username:
        raise Forbidden("the requester cannot decide on their own request")
    request.status = "denied"
    audit.append(session, at=now, actor=official.username, role=official.role,
                 action="escrow_deny", pass_number=_number_of(session, request),
                 reason_code=request.reason_code)
    session.flush()


def collect(
    session: Session, config: EscrowConfig, *, request_id: int, official: Official, now: int
) -> Release:
    """The requester fetches an approved request (once, within ``approval_hours``)."""
    _require_handhaver(official)
    request = _pending(session, request_id)
    if request.requested_by != official.username:
        raise Forbidden("only the handhaver who asked can collect the record")
    if request.status != "approved":
        raise BadRequest(f"request {request_id} is {request.status}, not approved")
    assert request.approved_at is not None
    _refuse_if_stale(session, config, request, request.approved_at, now)
    return _release(session, request, official, now)


@dataclass(frozen=True)
class RequestInfo:
    """A request as a handhaver's or beheer's list shows it (no reason text: it is sealed)."""

    id: int
    kind: str
    number: str | None
    requested_by: str
    requested_at: int
    reason_code: str
    status: str
    approved_by: str | None


def list_requests(session: Session, *, status: str | None = None, limit: int = 200) -> list[RequestInfo]:
    query = sa.select(EscrowRequest).order_by(EscrowRequest.id.desc()).limit(limit)
    if status is not None:
        query = query.where(EscrowRequest.status == status)
    return [
        RequestInfo(r.id, r.kind, _number_of(session, r), r.requested_by, r.requested_at,
                    r.reason_code, r.status, r.approved_by)
        for r in session.scalars(query)
    ]


__all__ = [
    "REASON_CODES",
    "REASON_MAX_CHARS",
    "REASON_MIN_CHARS",
    "Release",
    "RequestInfo",
    "approve",
    "bulk_export",
    "collect",
    "deny",
    "list_requests",
    "request_record",
]
