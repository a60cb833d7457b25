"""One intake, start to finish: checklist → photo → signed pass → card.

The web views (intake blueprint) and the JSON API both call :func:`issue` and
:func:`renew`; nothing else runs these steps. No Flask here.

The order is the privacy rule made code:

1. :func:`tokenservice.issue.checklist.check` runs first, on the values the official typed (birth date,
   BSN, KVK, ID validity). If it fails, nothing else happens. The values go no
   further than that call: they are not passed on, stored, logged, put into an
   exception message or returned — :class:`~tokenservice.issue.checklist.IntakeError` names only fields.
2. :func:`photo.process` turns the upload into a print portrait and the signed
   thumbnail, in memory.
3. :class:`issuance.PassService` signs the pass (idempotent per request token).
4. Under registration policy ``escrow`` and only with her consent,
   :func:`escrow.seal_identity` seals her identity record (names and ID document
   number from :class:`Registration`, birth date and BSN from the checklist) and
   returns her personal code. The typed values follow the checklist's rule: checked,
   sealed, dropped. The code goes on the result and the receipt only.
5. :func:`card.render` draws the card, the A4 sheet, the phone PNG and the
   receipt (with the code), in memory. The caller hands them to the browser and
   drops them.
"""

from __future__ import annotations

import datetime as dt
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path
from typing import TYPE_CHECKING

import sqlalchemy as sa

from tokenservice import escrow, texts
from tokenservice.clock import ZONE as _TZ
from tokenservice.errors import Error
from tokenservice.issue import card, continuity, photo
from tokenservice.issue.checklist import Checklist, IntakeError, check
from tokenservice.issue.continuity import RenewalProof
from tokenservice.issue.passes import Issued, Official, PassClosed, PassStatus
from tokenservice.issue.photo import CropBox, PhotoError
from tokenservice.store.models import IssueRequest
from verifier import TrustStore, passnumber

if TYPE_CHECKING:
    from tokenservice.services import Services

__all__ = [
    "ALL_OUTPUTS",
    "API_OUTPUTS",
    "CHECKLIST_FIELDS",
    "CROP_FIELDS",
    "IDENTITY_FORM_FIELDS",
    "REGISTRATION_FIELDS",
    "YES_NO_FIELDS",
    "Checklist",
    "CropBox",
    "IntakeError",
    "PhotoError",
    "Registration",
    "Result",
    "SpreekuurError",
    "check_intake",
    "checklist_from_fields",
    "crop_from_fields",
    "issue",
    "local_date",
    "policy",
    "registration_from_fields",
    "renew",
]

#: What the web result page shows: every rendering.
ALL_OUTPUTS: tuple[str, ...] = card.OUTPUTS
#: What the API returns inline: the ID-1 PDF, the phone PNG and her receipt.
API_OUTPUTS: tuple[str, ...] = ("card_pdf", "digital_png", "receipt_pdf")


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
    #: "none" (nothing about her kept), "sealed" (with ``personal_code``),
    #: "unchanged" (a replayed form: the first submission already did it), or
    #: "failed" (sealing failed after the pass was made: nothing about her was kept).
    registration: str = "none"
    #: Her personal code: show it once, print it on the receipt, keep it nowhere.
    personal_code: str | None = field(default=None, repr=False, compare=False)
    #: At renewal: she typed her code and it was right, so it stays the same.
    code_kept: bool = False
    #: At renewal: she typed a code and it was not hers (a new one was made).
    code_rejected: bool = False

    @property
    def number(self) -> str:
        return self.issued.number

    @property
    def qr_text(self) -> str:
        return self.issued.qr_text

    def __repr__(self) -> str:  # no QR text (it carries the thumbnail) in a log line
        return f"Result(number={self.issued.number!r}, valid_until={self.valid_until})"


# --- helpers ------------------------------------------------------------------------


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
        check(checklist, today=today, min_age=_min_age(svc, iss))
    except IntakeError as exc:
        problems = {**exc.problems, **problems}
    if problems:
        raise IntakeError(problems)


class _Stopwatch:
    """How long each step of one issue or renewal took, in ms (``Result.timings_ms``)."""

    def __init__(self) -> None:
        self._t0 = time.perf_counter()
        self.timings: dict[str, float] = {}

    def lap(self, step: str) -> None:
        """``step`` took the time since the previous lap (the first: since the start)."""
        self.timings[step] = self._elapsed() - sum(self.timings.values())

    def stop(self) -> dict[str, float]:
        """The laps and their ``total``."""
        self.timings["total"] = self._elapsed()
        return self.timings

    def _elapsed(self) -> float:
        return (time.perf_counter() - self._t0) * 1000


def _finish(
    svc: Services, issued: Issued, portrait: photo.Portrait, language: str,
    outputs: Sequence[str], watch: _Stopwatch, sealed: _Sealed,
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
        mijnpas_url=svc.settings.mijnpas_url,
    )
    cards = card.render(data, outputs=outputs, personal_code=sealed.code)
    watch.lap("card")
    return Result(
        issued=issued, cards=cards, portrait_jpeg=portrait.print_jpeg, valid_until=valid_until,
        language=language, face_found=portrait.face_found, timings_ms=watch.stop(),
        registration=sealed.outcome, personal_code=sealed.code, code_kept=sealed.kept,
        code_rejected=sealed.rejected,
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


# --- registration (policy "escrow"): her consent and the typed identity ---------------

#: What the official types from her ID document when she consents; birth date and BSN
#: come from the checklist. Which of them are kept is configured (``[escrow] fields``).
IDENTITY_FORM_FIELDS: tuple[str, ...] = ("given_names", "family_name", "id_document_number")
REGISTRATION_FIELDS: tuple[str, ...] = ("escrow_consent", *IDENTITY_FORM_FIELDS)
IDENTITY_MAX_CHARS = 200
CODE_MAX_CHARS = continuity.CODE_MAX_CHARS


@dataclass(frozen=True)
class Registration:
    """Her answer to the consent question and, only with a yes, what was typed.

    ``consent`` None means the question was not answered. (Her personal code at renewal
    is proof of holding the pass: :class:`continuity.RenewalProof`.) ``repr`` shows no
    value; like the checklist it is used once and dropped.
    """

    consent: bool | None
    given_names: str | None = field(default=None, repr=False)
    family_name: str | None = field(default=None, repr=False)
    id_document_number: str | None = field(default=None, repr=False)
    problems: dict[str, str] = field(default_factory=dict, compare=False)

    def __repr__(self) -> str:
        return f"Registration(consent={self.consent})"


def registration_from_fields(fields: Mapping[str, str]) -> Registration:
    """The registration fields of a form or an API request (problems in ``.problems``).

    Without a yes, the identity fields and the code are not even read.
    """
    problems: dict[str, str] = {}
    raw = (fields.get("escrow_consent") or "").strip().lower()
    consent: bool | None = None
    if raw in _YES:
        consent = True
    elif raw in _NO:
        consent = False
    elif raw:
        problems["escrow_consent"] = "yes_or_no"
    if consent is not True:
        return Registration(consent, problems=problems)

    def text(name: str, limit: int) -> str | None:
        value = " ".join((fields.get(name) or "").split())
        if len(value) > limit:
            problems[name] = "too_long"
            return None
        return value or None

    return Registration(
        True,
        given_names=text("given_names", IDENTITY_MAX_CHARS),
        family_name=text("family_name", IDENTITY_MAX_CHARS),
        id_document_number=text("id_document_number", IDENTITY_MAX_CHARS),
        problems=problems,
    )


def policy(svc: Services, iss: str) -> str:
    """The issuer's registration policy: ``"none"`` or ``"escrow"``."""
    return escrow.policy_for(svc.settings, iss)


def escrow_config(svc: Services) -> escrow.EscrowConfig:
    return escrow.config_for(svc.settings)


def _registration_problems(
    svc: Services, iss: str, registration: Registration | None, *, renewal: bool
) -> dict[str, str]:
    if policy(svc, iss) != "escrow":
        return {}  # Groningen model: nothing is asked, whatever was sent is ignored
    if registration is None:
        return {"escrow_consent": "choose_consent"}
    problems = dict(registration.problems)
    if registration.consent is None:
        problems.setdefault("escrow_consent", "choose_consent")
    if not registration.consent:
        return problems
    config = escrow_config(svc)
    if not config.ready:
        problems["escrow_consent"] = "escrow_not_configured"
    for name in IDENTITY_FORM_FIELDS:
        if name in config.fields and not getattr(registration, name) and name not in problems:
            problems[name] = "required"
    return problems


def _identity(
    svc: Services, iss: str, checklist: Checklist, registration: Registration | None
) -> escrow.Identity | None:
    """The record to seal, or None when nothing may be kept (no escrow, no yes)."""
    if registration is None or registration.consent is not True or policy(svc, iss) != "escrow":
        return None
    return escrow.Identity(
        given_names=registration.given_names,
        family_name=registration.family_name,
        birth_date=checklist.birth_date,
        id_document_number=registration.id_document_number,
        bsn=checklist.bsn,
    )


@dataclass(frozen=True)
class _Sealed:
    outcome: str = "none"
    code: str | None = field(default=None, repr=False)
    kept: bool = False
    rejected: bool = False


def _is_replay(svc: Services, request_token: str | None) -> bool:
    if not request_token:
        return False
    with svc.db.transaction() as session:
        return session.scalar(
            sa.select(IssueRequest.token).where(IssueRequest.token == request_token)
        ) is not None


def _seal(
    svc: Services, issued: Issued, identity: escrow.Identity | None,
    official: Official, *, renewal: bool, replay: bool, proven_code: str | None = None,
) -> _Sealed:
    """Seal (or, without consent, erase an earlier record) once the pass exists.

    A replayed renewal form changes nothing: the first submission sealed and showed the
    code. A replayed first issue keeps the first record too (``replace=False``).
    """
    pol = policy(svc, issued.iss)
    consent = identity is not None
    if replay and renewal:
        return _Sealed("unchanged" if consent else "none")
    config = escrow_config(svc) if consent else escrow.EscrowConfig()
    # Her code is kept only when it was proven at renewal (continuity.check); otherwise a
    # yes makes a new one.
    typed = proven_code if (renewal and consent) else None
    try:
        with svc.db.transaction() as session:
            code = escrow.seal_identity(
                session, config, pass_number=issued.number,
                identity=identity or escrow.Identity(), consent=consent, policy=pol,
                now=svc.passes.now(), official=official, personal_code=typed, replace=renewal,
            )
    except escrow.EscrowError:
        # Checked beforehand, so this is rare (the key file vanished meanwhile). The pass
        # is valid; nothing about her was kept, and the page says so.
        return _Sealed("failed")
    if code is None:
        return _Sealed("unchanged" if consent else "none")
    # seal_identity keeps a typed code only if it is hers (the same check as
    # mijnpas.prove_ownership, without deriving the key twice).
    canonical = escrow.normalize_code(typed) if typed else None
    kept = canonical is not None and escrow.normalize_code(code) == canonical
    return _Sealed("sealed", code, kept=kept, rejected=bool(typed) and not kept)


def check_intake(
    svc: Services, *, iss: str, checklist: Checklist, category: str | None, language: str,
    problems: Mapping[str, str] | None = None, registration: Registration | None = None,
    renewal: bool = False,
) -> None:
    """Only the checks of :func:`issue`, with extra ``problems`` from reading the form.

    Raises :class:`IntakeError` with every problem at once. For renewal pass the
    pass's issuer, ``category`` None to keep the current category and ``renewal``.
    """
    _run_checks(svc, iss, checklist, {
        **(problems or {}), **_check_choices(svc, iss, category, language),
        **_registration_problems(svc, iss, registration, renewal=renewal),
    })


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
    registration: Registration | None = None,
) -> Result:
    """A new pass for the person in front of the official.

    Raises, in this order and before anything is stored: :class:`IntakeError`
    (``problems``: field → code, for the checklist, ``category``, ``language`` and,
    under policy ``escrow``, the registration fields), :class:`PhotoError` (``code``;
    ``no_face``/``several_faces`` ask for a manual crop). Then issuance errors
    (:mod:`tokenservice.issue.passes`) and :class:`card.CardError`, which indicate
    configuration faults.
    """
    watch = _Stopwatch()
    if iss not in svc.keyring.issuers:
        raise SpreekuurError(f"issuer {iss} is not in the trust list")
    _run_checks(svc, iss, checklist, {
        **_check_choices(svc, iss, category, language),
        **_registration_problems(svc, iss, registration, renewal=False),
    })
    identity = _identity(svc, iss, checklist, registration)
    del checklist  # used and dropped: nothing below may see it (the identity is sealed)
    watch.lap("checks")
    portrait = _portrait(svc, photo_bytes, crop)
    watch.lap("photo")
    issued = svc.passes.issue(
        iss=iss, category=category, photo=portrait.thumbnail,
        photo_type=portrait.thumbnail_type, official=official, request_token=request_token,
    )
    watch.lap("sign")
    sealed = _seal(svc, issued, identity, official, renewal=False, replay=False)
    del identity, registration
    watch.lap("seal")
    return _finish(svc, issued, portrait, language, outputs, watch, sealed)


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
    registration: Registration | None = None,
    proof: RenewalProof | None = None,
) -> Result:
    """A new card under the same number after a new conversation, for the proven holder.

    ``proof`` (:mod:`tokenservice.issue.continuity`): her old card with the official's photo
    check, and/or her personal code, as ``renewal_proof`` asks. Without enough proof it
    raises :class:`IntakeError` (``renewal_proof: proof_needed`` and the failing proof's
    field) before anything about the pass is read beyond the proof itself, or changed.

    Under policy ``escrow`` consent is asked again (it holds per pass period): a yes
    seals the new record, keeping her personal code if it was proven and making a new
    one otherwise; a no erases the earlier record.

    ``category`` None keeps the pass's category. Raises ``verifier.FormatError``
    for a mistyped number, :class:`issuance.UnknownPass`, :class:`issuance.PassClosed`
    (the pass was ended for good: a new intake issues a new pass), then the same
    errors as :func:`issue`.
    """
    watch = _Stopwatch()
    number = passnumber.normalize(number)
    current = svc.passes.status(number)  # read only; raises UnknownPass
    _raise_if_closed(current)
    problems = {
        **_check_choices(svc, current.iss, category, language),
        **_registration_problems(svc, current.iss, registration, renewal=True),
    }
    proven, proof_problems = _check_proof(svc, number, proof or RenewalProof())
    _run_checks(svc, current.iss, checklist, {**problems, **proof_problems})
    identity = _identity(svc, current.iss, checklist, registration)
    del checklist
    watch.lap("checks")
    portrait = _portrait(svc, photo_bytes, crop)
    watch.lap("photo")
    replay = _is_replay(svc, request_token)
    issued = svc.passes.renew(
        number=number, category=category, photo=portrait.thumbnail,
        photo_type=portrait.thumbnail_type, official=official, request_token=request_token,
    )
    watch.lap("sign")
    sealed = _seal(svc, issued, identity, official, renewal=True, replay=replay,
                   proven_code=proven.code)
    del identity, registration
    watch.lap("seal")
    return _finish(svc, issued, portrait, language, outputs, watch, sealed)


def trust_store(svc: Services) -> TrustStore:
    """The published trust list and this instance's current revocation lists."""
    lists = [svc.passes.revocation_list(iss) for iss in svc.keyring.issuers
             if iss in svc.settings.issuers]
    return TrustStore.from_bytes(
        bytes.fromhex(svc.keyring.anchor_hex), svc.keyring.trust_list_bytes, lists
    )


def _check_proof(
    svc: Services, number: str, proof: RenewalProof
) -> tuple[continuity.Proven, dict[str, str]]:
    config = escrow_config(svc) if proof.personal_code else None
    return continuity.check(
        proof, number=number, requirement=svc.settings.renewal_proof,
        store=trust_store(svc), db=svc.db, config=config, now=svc.passes.now(),
    )


def _raise_if_closed(status: PassStatus) -> None:
    if status.status == "revoked":
        raise PassClosed(f"pass {status.number} was revoked ({status.reason})")
