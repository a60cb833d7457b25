"""One intake, start to finish: checklist → photo → signed pass → card.

The web views (intake blueprint) and the JSON API both call :func:`issue` and
:func:`renew`; nothing else runs these steps. No Flask here.

The order is the privacy rule made code:

1. :func:`checks.check` runs first, on the values the official typed (birth date,
   BSN, KVK, ID validity). If it fails, nothing else happens. The values go no
   further than that call: they are not passed on, stored, logged, put into an
   exception message or returned — :class:`checks.IntakeError` names only fields.
2. :func:`photo.process` turns the upload into a print portrait and the signed
   thumbnail, in memory.
3. :class:`issuance.PassService` signs the pass (idempotent per request token).
4. :func:`card.render` draws the card, the A4 sheet, the phone PNG and the
   receipt, in memory. The caller hands them to the browser and drops them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

from verifier import passnumber

from . import card, checks, photo, texts
from .checks import Checklist, IntakeError
from .errors import Error
from .issuance import Issued, Official, PassStatus
from .photo import CropBox, PhotoError

if TYPE_CHECKING:
    from .app import Services

__all__ = [
    "ALL_OUTPUTS",
    "API_OUTPUTS",
    "CHECKLIST_FIELDS",
    "CROP_FIELDS",
    "YES_NO_FIELDS",
    "Checklist",
    "CropBox",
    "IntakeError",
    "PhotoError",
    "Result",
    "SpreekuurError",
    "check_intake",
    "checklist_from_fields",
    "crop_from_fields",
    "issue",
    "local_date",
    "renew",
]

#: What the web result page shows: every rendering.
ALL_OUTPUTS: tuple[str, ...] = card.OUTPUTS
#: What the API returns inline: the ID-1 PDF and the phone PNG.
API_OUTPUTS: tuple[str, ...] = ("card_pdf", "digital_png")


class SpreekuurError(Error):
    """The intake cannot go on for a reason that is not the checklist or the photo."""

    code = "spreekuur"


@dataclass(frozen=True)
class Result:
    """A signed pass and its renderings. Hand it to the browser, then let it go."""

    issued: Issued
    cards: card.CardOutputs
    portrait_jpeg: bytes = field(repr=False)
    valid_until: dt.date
    language: str
    face_found: bool
    timings_ms: dict[str, float] = field(default_factory=dict, compare=False)

    @property
    def number(self) -> str:
        return self.issued.number

    @property
    def qr_text(self) -> str:
        return self.issued.qr_text

    def __repr__(self) -> str:  # no QR text (it carries the thumbnail) in a log line
        return f"Result(number={self.issued.number!r}, valid_until={self.valid_until})"


# --- helpers ------------------------------------------------------------------------


def _zone() -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Amsterdam")
    except Exception:  # no tz database on this machine: UTC is off by at most a day edge
        return dt.UTC


_TZ = _zone()


def local_date(ts: int) -> dt.date:
    """A Unix time as a date on the Dutch clock (what the card prints)."""
    return dt.datetime.fromtimestamp(ts, _TZ).date()


@lru_cache(maxsize=8)
def _logo(path: Path | None) -> bytes | None:
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError:
        return None


def _min_age(svc: Services, iss: str) -> int:
    issuer = svc.settings.issuers.get(iss)
    if issuer is None:
        raise SpreekuurError(f"issuer {iss} is not configured in pas.toml")
    return issuer.min_age


def _check_choices(svc: Services, iss: str, category: str | None, language: str) -> dict[str, str]:
    problems: dict[str, str] = {}
    if category is not None and category not in {c.code for c in svc.keyring.categories(iss)}:
        problems["category"] = "choose_category"
    if language not in texts.LANGUAGES:
        problems["language"] = "choose_language"
    return problems


def _run_checks(
    svc: Services, iss: str, checklist: Checklist, extra: dict[str, str]
) -> None:
    """The checklist plus the form's own choices, all problems at once."""
    today = local_date(svc.passes.now())
    problems = dict(extra)
    try:
        checks.check(checklist, today=today, min_age=_min_age(svc, iss))
    except IntakeError as exc:
        problems = {**exc.problems, **problems}
    if problems:
        raise IntakeError(problems)


def _finish(
    svc: Services, issued: Issued, portrait: photo.Portrait, language: str,
    outputs: Sequence[str], timings: dict[str, float], t0: float,
) -> Result:
    issuer = svc.settings.issuers.get(issued.iss)
    valid_until = local_date(issued.exp)
    data = card.CardData(
        qr_text=issued.qr_text,
        number=issued.number,
        valid_until=valid_until,
        issuer_name=issued.issuer_name,
        category_label=issued.category.label,
        category_color=issued.category.color,
        portrait_jpeg=portrait.print_jpeg,
        language=language,
        help_contacts=issuer.help_contacts if issuer else (),
        demo=svc.settings.demo,
        logo_png=_logo(issuer.logo) if issuer else None,
    )
    cards = card.render(data, outputs=outputs)
    timings["card"] = (time.perf_counter() - t0) * 1000 - sum(timings.values())
    timings["total"] = (time.perf_counter() - t0) * 1000
    return Result(
        issued=issued, cards=cards, portrait_jpeg=portrait.print_jpeg, valid_until=valid_until,
        language=language, face_found=portrait.face_found, timings_ms=timings,
    )


def _portrait(svc: Services, photo_bytes: bytes | None, crop: CropBox | None) -> photo.Portrait:
    return photo.process(photo_bytes or b"", crop=crop, max_bytes=svc.settings.max_upload_bytes)


# --- reading the fields of a form or an API request ---------------------------------

#: The checklist's yes/no items, in the order the form shows them.
YES_NO_FIELDS: tuple[str, ...] = (
    "work_location_known", "housing_known", "information_given", "help_offered",
)
CHECKLIST_FIELDS: tuple[str, ...] = (
    "id_document_type", "id_valid_until", "bsn", "no_bsn_reason", "kvk", "birth_date",
    *YES_NO_FIELDS,
)
CROP_FIELDS: tuple[str, ...] = ("crop_x", "crop_y", "crop_w", "crop_h")
_YES = frozenset({"yes", "ja", "true", "1", "on", "y", "j"})
_NO = frozenset({"no", "nee", "false", "0", "off", "n"})


def checklist_from_fields(
    fields: Mapping[str, str], *, absent_means: bool
) -> tuple[Checklist, dict[str, str]]:
    """A :class:`Checklist` from submitted fields, plus problems reading them.

    ``absent_means`` is what a missing yes/no item counts as: False for an HTML
    checkbox (unticked boxes are not sent), True for the API (defaults to yes).
    """
    problems: dict[str, str] = {}
    flags: dict[str, bool] = {}
    for name in YES_NO_FIELDS:
        raw = (fields.get(name) or "").strip().lower()
        if not raw:
            flags[name] = absent_means
        elif raw in _YES:
            flags[name] = True
        elif raw in _NO:
            flags[name] = False
        else:
            problems[name] = "yes_or_no"
            flags[name] = False

    def text(name: str, limit: int = 64) -> str | None:
        value = (fields.get(name) or "").strip()
        return value[:limit] if value else None

    checklist = Checklist(
        birth_date=text("birth_date"),
        id_document_type=text("id_document_type"),
        id_valid_until=text("id_valid_until"),
        bsn=text("bsn"),
        no_bsn_reason=text("no_bsn_reason"),
        kvk=text("kvk"),
        **flags,
    )
    return checklist, problems


def crop_from_fields(fields: Mapping[str, str]) -> tuple[CropBox | None, dict[str, str]]:
    """The official's crop box (all four of ``CROP_FIELDS``, whole pixels) or None."""
    raw = [(fields.get(name) or "").strip() for name in CROP_FIELDS]
    if not any(raw):
        return None, {}
    try:
        x, y, w, h = (round(float(v)) for v in raw)
    except ValueError:
        return None, {"crop": "invalid"}
    if min(x, y) < 0 or min(w, h) <= 0 or max(x + w, y + h) > photo.MAX_SIDE:
        return None, {"crop": "invalid"}
    return CropBox(x, y, w, h), {}


def check_intake(
    svc: Services, *, iss: str, checklist: Checklist, category: str | None, language: str,
    problems: Mapping[str, str] | None = None,
) -> None:
    """Only the checks of :func:`issue`, with extra ``problems`` from reading the form.

    Raises :class:`IntakeError` with every problem at once. For renewal pass the
    pass's issuer and ``category`` None to keep the current category.
    """
    _run_checks(svc, iss, checklist, {**(problems or {}), **_check_choices(svc, iss, category, language)})


# --- the two operations -------------------------------------------------------------


def issue(
    svc: Services,
    *,
    iss: str,
    checklist: Checklist,
    category: str,
    language: str,
    photo_bytes: bytes | None,
    crop: CropBox | None = None,
    official: Official,
    request_token: str | None = None,
    outputs: Sequence[str] = ALL_OUTPUTS,
) -> Result:
    """A new pass for the person in front of the official.

    Raises, in this order and before anything is stored: :class:`IntakeError`
    (``problems``: field → code, for the checklist, ``category`` and ``language``),
    :class:`PhotoError` (``code``; ``no_face``/``several_faces`` ask for a manual
    crop). Then issuance errors (:mod:`tokenservice.issuance`) and
    :class:`card.CardError`, which indicate configuration faults.
    """
    t0 = time.perf_counter()
    if iss not in svc.keyring.issuers:
        raise SpreekuurError(f"issuer {iss} is not in the trust list")
    _run_checks(svc, iss, checklist, _check_choices(svc, iss, category, language))
    del checklist  # used and dropped: nothing below may see it
    timings = {"checks": (time.perf_counter() - t0) * 1000}
    portrait = _portrait(svc, photo_bytes, crop)
    timings["photo"] = (time.perf_counter() - t0) * 1000 - timings["checks"]
    issued = svc.passes.issue(
        iss=iss, category=category, photo=portrait.thumbnail,
        photo_type=portrait.thumbnail_type, official=official, request_token=request_token,
    )
    timings["sign"] = (time.perf_counter() - t0) * 1000 - sum(timings.values())
    return _finish(svc, issued, portrait, language, outputs, timings, t0)


def renew(
    svc: Services,
    *,
    number: str,
    checklist: Checklist,
    category: str | None = None,
    language: str,
    photo_bytes: bytes | None,
    crop: CropBox | None = None,
    official: Official,
    request_token: str | None = None,
    outputs: Sequence[str] = ALL_OUTPUTS,
) -> Result:
    """A new card under the same number after a new conversation.

    ``category`` None keeps the pass's category. Raises ``verifier.FormatError``
    for a mistyped number, :class:`issuance.UnknownPass`, :class:`issuance.PassClosed`
    (the pass was ended for good: a new intake issues a new pass), then the same
    errors as :func:`issue`.
    """
    t0 = time.perf_counter()
    number = passnumber.normalize(number)
    current = svc.passes.status(number)  # read only; raises UnknownPass
    _raise_if_closed(current)
    _run_checks(svc, current.iss, checklist, _check_choices(svc, current.iss, category, language))
    del checklist
    timings = {"checks": (time.perf_counter() - t0) * 1000}
    portrait = _portrait(svc, photo_bytes, crop)
    timings["photo"] = (time.perf_counter() - t0) * 1000 - timings["checks"]
    issued = svc.passes.renew(
        number=number, category=category, photo=portrait.thumbnail,
        photo_type=portrait.thumbnail_type, official=official, request_token=request_token,
    )
    timings["sign"] = (time.perf_counter() - t0) * 1000 - sum(timings.values())
    return _finish(svc, issued, portrait, language, outputs, timings, t0)


def _raise_if_closed(status: PassStatus) -> None:
    from .issuance import PassClosed

    if status.status == "revoked":
        raise PassClosed(f"pass {status.number} was revoked ({status.reason})")
