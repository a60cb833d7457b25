"""The intake checklist: checked during the conversation, then dropped.

Everything here is pure. The values an official types (birth date, BSN, KVK,
ID validity) are only compared with rules; the result holds which checks failed,
never the values, so nothing about the person can travel further by accident.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass

from tokenservice.errors import Error

NO_BSN_REASONS = ("rni_pending", "not_yet_registered", "other")
ID_DOCUMENT_TYPES = ("passport", "id_card", "residence_permit", "driving_licence")


class IntakeError(Error):
    """One or more checklist items failed. ``problems`` maps field → message code."""

    code = "intake_failed"

    def __init__(self, problems: dict[str, str]) -> None:
        super().__init__("intake checklist incomplete: " + ", ".join(sorted(problems)))
        self.problems = problems


def bsn_is_valid(bsn: str) -> bool:
    """The elfproef: 9·d1 + 8·d2 + … + 2·d8 − 1·d9 ≡ 0 (mod 11); 000000000 is invalid."""
    if not re.fullmatch(r"[0-9]{9}", bsn) or bsn == "000000000":
        return False
    total = sum(int(d) * w for d, w in zip(bsn[:8], range(9, 1, -1), strict=True))
    total -= int(bsn[8])
    return total % 11 == 0


def kvk_is_valid(kvk: str) -> bool:
    """A KVK number is 8 digits (format check only; no register is consulted)."""
    return re.fullmatch(r"[0-9]{8}", kvk) is not None


def age_on(birth_date: dt.date, today: dt.date) -> int:
    years = today.year - birth_date.year
    if (today.month, today.day) < (birth_date.month, birth_date.day):
        years -= 1
    return years


def _date(value: str | dt.date | None) -> dt.date | None:
    if isinstance(value, dt.date):
        return value
    if not value:
        return None
    try:
        return dt.date.fromisoformat(value.strip())
    except ValueError:
        return None


@dataclass(frozen=True)
class Checklist:
    """What the official entered. Lives only for the duration of one request."""

    birth_date: str | dt.date | None
    id_document_type: str | None
    id_valid_until: str | dt.date | None
    bsn: str | None
    no_bsn_reason: str | None
    kvk: str | None
    work_location_known: bool = True
    housing_known: bool = True
    information_given: bool = True
    help_offered: bool = True

    def __repr__(self) -> str:  # never print the values, not even in a traceback
        return "Checklist(<redacted>)"


def check(checklist: Checklist, *, today: dt.date, min_age: int) -> None:
    """Raise IntakeError naming the failed items; return None when all hold."""
    problems: dict[str, str] = {}
    birth = _date(checklist.birth_date)
    if birth is None:
        problems["birth_date"] = "date_required"
    elif birth > today or birth.year < 1900:
        problems["birth_date"] = "date_implausible"
    elif age_on(birth, today) < min_age:
        problems["birth_date"] = "under_min_age"
    if checklist.id_document_type not in ID_DOCUMENT_TYPES:
        problems["id_document_type"] = "choose_document_type"
    valid_until = _date(checklist.id_valid_until)
    if valid_until is None:
        problems["id_valid_until"] = "date_required"
    elif valid_until <= today:
        problems["id_valid_until"] = "id_expired"
    bsn = (checklist.bsn or "").replace(" ", "").replace(".", "")
    if bsn:
        if not bsn_is_valid(bsn):
            problems["bsn"] = "bsn_invalid"
    elif checklist.no_bsn_reason not in NO_BSN_REASONS:
        problems["bsn"] = "bsn_or_reason_required"
    kvk = (checklist.kvk or "").replace(" ", "")
    if not kvk_is_valid(kvk):
        problems["kvk"] = "kvk_invalid"
    # Unknown work or sleeping place is a reason to talk and to offer help, not to
    # refuse: a refused pass pushes people out of sight. Informing and offering help
    # are the official's own duties, so those two must be ticked.
    for name in ("information_given", "help_offered"):
        if not getattr(checklist, name):
            problems[name] = "must_be_confirmed"
    if problems:
        raise IntakeError(problems)
