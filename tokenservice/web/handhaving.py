"""Handhaving: revoke a pass, look up a status, and (policy escrow) request sealed records.

A handhaver sees a pass number and its status, nothing else: there is nothing else
to see. A revocation re-signs the issuer's revocation list at once (seq + 1), so
verifiers that refresh see it straight away.

Under registration policy ``escrow`` a handhaver can ask for the sealed identity
record of one number, or a bulk export of all records, with a reason code and a
reason. The request is in the audit log (and on the holder's /mijn-pas) before the
page with the document is sent. The page hands the document over as a download and
shows the ``pas-keys`` command that opens it on the handhaver's own machine with k
shares; the server cannot open it. With ``two_person = true`` a second handhaver
approves first (the requests page). The stated reason is sealed and never shown or
echoed back (it may name someone).
"""

from __future__ import annotations

import base64
import datetime as dt
import json
from typing import Any

import sqlalchemy as sa
from flask import Blueprint, render_template, request
from flask_babel import get_locale
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenservice import escrow
from tokenservice.clock import ZONE as _TZ
from tokenservice.issue.passes import (
    CHOOSABLE_REASONS,
    FINAL_REASONS,
    PassStatus,
    UnknownPass,
)
from tokenservice.store.models import PassRecord
from tokenservice.web.auth import current_official, login_required
from tokenservice.web.auth import logged_in_official as _official
from tokenservice.web.context import services
from tokenservice.web.labels import REASON_LABELS, number_typo, status_text
from verifier import FormatError, passnumber

bp = Blueprint("handhaving", __name__, url_prefix="/handhaving")

#: Reasons a handhaver can choose, in the order shown (value → Dutch label).
REASONS = {r.value: REASON_LABELS[r.value] for r in CHOOSABLE_REASONS}


@bp.before_request
def _handhaver_only() -> Any:
    """Every route of this blueprint, present and future: role handhaver only."""
    return login_required("handhaver")(lambda: None)()


def _normalize(raw: str) -> tuple[str | None, str | None]:
    raw = (raw or "").strip()
    if not raw:
        return None, _("Typ een pasnummer.")
    try:
        return passnumber.normalize(raw), None
    except FormatError:
        return None, number_typo()


def _escrow_nav() -> dict[str, Any]:
    """Whether the escrow pages apply here (any issuer with policy escrow), and two-person."""
    svc = services()
    enabled = any(escrow.policy_for(svc.settings, iss) == "escrow" for iss in svc.settings.issuers)
    try:
        two_person = escrow.config_for(svc.settings).two_person
    except escrow.EscrowError:
        two_person = False
    return {"escrow_enabled": enabled, "two_person": two_person}


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    context.update(_escrow_nav())
    context.setdefault("reasons", REASONS)
    context.setdefault("errors", {})
    context.setdefault("revoked", None)
    context.setdefault("already", None)
    context.setdefault("looked_up", None)
    errors = context["errors"]
    targets = {"number": "revoke-number", "reason": "revoke-reason", "confirm": "revoke-confirm"}
    context["revoke_summary"] = [(targets[k], errors[k]) for k in targets if k in errors]
    for key in ("revoked", "already", "looked_up"):
        value: PassStatus | None = context[key]
        context[f"{key}_text"] = status_text(value) if value else ""
    return render_template("handhaving/index.html", **context), status


@bp.get("/")
def index() -> tuple[str, int]:
    return _page()


@bp.get("/revoke")
def revoke_form() -> tuple[str, int]:
    return _page()


@bp.post("/revoke")
def revoke() -> tuple[str, int]:
    form = request.form
    errors: dict[str, str] = {}
    number, problem = _normalize(form.get("number", ""))
    if problem:
        errors["number"] = problem
    reason = form.get("reason", "")
    if reason not in REASONS:
        errors["reason"] = _("Kies een reden.")
    if form.get("confirm") != "yes":
        errors["confirm"] = _("Bevestig dat deze pas ingetrokken moet worden.")
    if errors or number is None:
        return _page(errors=errors, number=form.get("number", "")[:40], reason=reason)
    official = current_official()
    assert official is not None
    try:
        before = services().passes.status(number)
        # Already revoked: say since when, and change nothing (no new audit entry, no new
        # list). Only a lost or stolen card whose number must now end for good (stopped,
        # issued in error) goes on: that is a change.
        final = reason in {r.value for r in FINAL_REASONS}
        if before.status == "revoked" or (before.status == "card_revoked" and not final):
            return _page(already=before, already_on=_revoked_on(number))
        status = services().passes.revoke(number=number, reason=reason, official=official)
    except UnknownPass:
        return _page(errors={"number": _("Er is geen pas met dit nummer.")}, number=number,
                     reason=reason)
    return _page(revoked=status)


def _revoked_on(number: str) -> str:
    """The day the pass (or, if the number lives on, its last card) was revoked: 12-03-2026."""
    with services().db.transaction() as session:
        record = session.scalar(sa.select(PassRecord).where(PassRecord.number == number))
        if record is None:
            return ""
        at = record.revoked_at or max((c.revoked_at or 0 for c in record.cards), default=0)
    if not at:
        return ""
    return dt.datetime.fromtimestamp(at, _TZ).strftime("%d-%m-%Y")


@bp.post("/status")
def status() -> tuple[str, int]:
    """The status of one pass number: valid, expired or revoked (and why). Nothing else."""
    number, problem = _normalize(request.form.get("number", ""))
    if problem or number is None:
        return _page(lookup_error=problem, lookup_number=request.form.get("number", "")[:40])
    try:
        found = services().passes.status(number)
    except UnknownPass:
        return _page(lookup_error=_("Er is geen pas met dit nummer."), lookup_number=number)
    # One looks first, then revokes the same number: the revoke form below carries it (on a
    # phone, retyping it is where a typo creeps in). Revoking still needs reason and "yes".
    return _page(looked_up=found, lookup_number=found.number, number=found.number)


# --- escrow: sealed records ---------------------------------------------------------------

#: Reason codes with their Dutch label (what the handhaver chooses; the holder sees her own).
def _escrow_reasons() -> dict[str, str]:
    """Reason-code labels in the official's language (escrow keeps both nl and en)."""
    locale = get_locale()
    index = 1 if locale is not None and locale.language == "en" else 0
    return {code: labels[index] for code, labels in escrow.REASON_CODES.items()}
ESCROW_MESSAGES = {
    "no_record": _l("Bij dit pasnummer is niets verzegeld: er is geen toestemming gegeven, de "
                    "houder heeft het gewist, of de bewaartermijn is voorbij."),
    "unknown_pass": _l("Er is geen pas met dit nummer."),
    "not_configured": _l("De sleutel van het handhaversteam (keys/escrow.pub) ontbreekt op de "
                         "server; vraag de beheerder."),
    "reason_code": _l("Kies een redencode."),
}


def _escrow_page(template: str, status: int = 200, **context: Any) -> tuple[str, int]:
    context.update(_escrow_nav())
    context.setdefault("reasons", _escrow_reasons())
    context.setdefault("errors", {})
    # The error summary (GOV.UK pattern, _error_summary.html): a link to each field, in the
    # form's order; the stated reason itself is never shown again.
    errors = context["errors"]
    fields = {"number": ("record-number", _("Pasnummer")),
              "reason_code": ("reason_code", _("Redencode")),
              "reason": ("reason", _("Toelichting")),
              "confirm": ("export-confirm", "")}
    context["escrow_summary"] = [
        (target, f"{label}: {errors[key]}" if label else str(errors[key]))
        for key, (target, label) in fields.items() if key in errors]
    context.setdefault("reason_min", escrow.REASON_MIN_CHARS)
    context.setdefault("reason_max", escrow.REASON_MAX_CHARS)
    return render_template(template, **context), status


def _check_reason(form: Any) -> tuple[str, str, dict[str, str]]:
    code = form.get("reason_code", "")
    text = form.get("reason", "")
    errors: dict[str, str] = {}
    if code not in _escrow_reasons():
        errors["reason_code"] = str(ESCROW_MESSAGES["reason_code"])
    if not escrow.REASON_MIN_CHARS <= len(" ".join(text.split())) <= escrow.REASON_MAX_CHARS:
        errors["reason"] = _("Leg de reden uit in %(min)s tot %(max)s tekens. (Om privacyredenen "
                             "staat uw tekst hier niet meer: typ hem opnieuw.)",
                             min=escrow.REASON_MIN_CHARS, max=escrow.REASON_MAX_CHARS)
    return code, text, errors


def _public_key_file() -> str:
    """The team's public key file (for ``--pub``), or "" if there is none."""
    path = services().settings.keys_dir / escrow.ESCROW_PUB
    try:
        return path.read_text(encoding="utf-8")
    except OSError:
        return ""


def _released(release: escrow.Release, *, kind: str, reason_code: str) -> dict[str, Any]:
    """What the page needs to hand the document over: a download and the command."""
    document = release.document or {}
    if kind == "record":
        number = document["record"]["number"]
        filename = f"record-{number}.json"
        command = f"pas-keys escrow open --record {filename} --pub escrow.pub"
    else:
        number = None
        day = dt.date.today().isoformat()
        filename = f"export-{day}-{release.request_id}.json"
        command = f'pas-keys escrow export-open --export {filename} --pub escrow.pub --search "…"'
    data = json.dumps(document, indent=1).encode()
    pub = _public_key_file()
    return {
        "released": True,
        "kind": kind,
        "request_id": release.request_id,
        "released_number": number,
        "record_count": release.records,
        "reason_label": _escrow_reasons().get(reason_code, reason_code),
        "filename": filename,
        "download": "data:application/json;base64," + base64.b64encode(data).decode("ascii"),
        "command": command,
        "pub_download": ("data:text/plain;base64," + base64.b64encode(pub.encode()).decode("ascii"))
        if pub else "",
    }


#: Request ids are INTEGER keys; larger ones cannot exist and must not reach the database.
MAX_REQUEST_ID = 2**31 - 1


def _run_escrow(action: Any, **kwargs: Any) -> tuple[escrow.Release | None, str | None]:
    """One escrow action in its own transaction (committed before the page is built)."""
    if not 1 <= kwargs.get("request_id", 1) <= MAX_REQUEST_ID:
        return None, _("Dit verzoek bestaat niet.")
    svc = services()
    try:
        config = escrow.config_for(svc.settings)
        with svc.db.transaction() as session:
            try:
                return action(session, config, now=svc.passes.now(), **kwargs), None
            except escrow.NoRecord:
                pass  # commit: the empty look-up is in the access log too
        return None, str(ESCROW_MESSAGES["no_record"])
    except UnknownPass:
        return None, str(ESCROW_MESSAGES["unknown_pass"])
    except escrow.EscrowNotConfigured:
        return None, str(ESCROW_MESSAGES["not_configured"])
    except (escrow.BadRequest, escrow.Forbidden) as exc:
        return None, exc.diagnostics()


@bp.get("/record")
def record_form() -> tuple[str, int]:
    return _escrow_page("handhaving/record.html", kind="record",
                        number=request.args.get("number", "")[:40])


@bp.post("/record")
def record() -> tuple[str, int]:
    """Number → person: the sealed record of one pass, after logging the request."""
    form = request.form
    number, problem = _normalize(form.get("number", ""))
    code, text, errors = _check_reason(form)
    if problem:
        errors["number"] = problem
    shown = number or form.get("number", "")[:40]
    if errors or number is None:
        return _escrow_page("handhaving/record.html", kind="record", errors=errors,
                            number=shown, reason_code=code)
    release, message = _run_escrow(escrow.request_record, number=number, official=_official(),
                                   reason_code=code, reason=text)
    del text
    if release is None:
        return _escrow_page("handhaving/record.html", kind="record", number=shown,
                            reason_code=code, errors={"escrow": message or ""})
    if release.status != "released":
        return _escrow_page("handhaving/record.html", kind="record", pending=release.request_id,
                            number=number)
    return _escrow_page("handhaving/record.html",
                        **_released(release, kind="record", reason_code=code))


@bp.get("/export")
def export_form() -> tuple[str, int]:
    return _escrow_page("handhaving/export.html", kind="export")


@bp.post("/export")
def export() -> tuple[str, int]:
    """Person → number: every sealed record, to search on the handhaver's own machine."""
    code, text, errors = _check_reason(request.form)
    if request.form.get("confirm") != "yes":
        errors["confirm"] = _("Bevestig dat u alle records nodig heeft.")
    if errors:
        return _escrow_page("handhaving/export.html", kind="export", errors=errors,
                            reason_code=code)
    release, message = _run_escrow(escrow.bulk_export, official=_official(), reason_code=code,
                                   reason=text)
    del text
    if release is None:
        return _escrow_page("handhaving/export.html", kind="export", reason_code=code,
                            errors={"escrow": message or ""})
    if release.status != "released":
        return _escrow_page("handhaving/export.html", kind="export", pending=release.request_id)
    return _escrow_page("handhaving/export.html",
                        **_released(release, kind="export", reason_code=code))


def _requests_page(**context: Any) -> tuple[str, int]:
    svc = services()
    me = _official().username
    with svc.db.transaction() as session:
        rows = [r for status in ("pending", "approved")
                for r in escrow.list_requests(session, status=status)]
    rows.sort(key=lambda r: r.id)
    items = [
        {
            "id": r.id, "kind": r.kind, "number": r.number, "requested_by": r.requested_by,
            "when": dt.datetime.fromtimestamp(r.requested_at, _TZ).strftime("%d-%m-%Y %H:%M"),
            "reason": _escrow_reasons().get(r.reason_code, r.reason_code), "status": r.status,
            "approved_by": r.approved_by, "mine": r.requested_by == me,
        }
        for r in rows
    ]
    return _escrow_page("handhaving/requests.html", items=items, **context)


@bp.get("/requests")
def requests() -> tuple[str, int]:
    return _requests_page()


@bp.post("/requests/<int:request_id>/approve")
def approve(request_id: int) -> tuple[str, int]:
    release, message = _run_escrow(escrow.approve, request_id=request_id, official=_official())
    if release is None:
        return _requests_page(error=message)
    return _requests_page(notice=_("Verzoek %(id)s is goedgekeurd; de aanvrager kan het nu "
                                   "ophalen.", id=request_id))


@bp.post("/requests/<int:request_id>/deny")
def deny(request_id: int) -> tuple[str, int]:
    if not 1 <= request_id <= MAX_REQUEST_ID:
        return _requests_page(error=_("Dit verzoek bestaat niet."))
    svc = services()
    try:
        config = escrow.config_for(svc.settings)
        with svc.db.transaction() as session:
            escrow.deny(session, config, request_id=request_id, official=_official(),
                        now=svc.passes.now())
    except (escrow.BadRequest, escrow.Forbidden) as exc:
        return _requests_page(error=exc.diagnostics())
    return _requests_page(notice=_("Verzoek %(id)s is geweigerd.", id=request_id))


@bp.post("/requests/<int:request_id>/collect")
def collect(request_id: int) -> tuple[str, int]:
    if not 1 <= request_id <= MAX_REQUEST_ID:
        return _requests_page(error=_("Dit verzoek bestaat niet."))
    svc = services()
    with svc.db.transaction() as session:
        found = next((r for r in escrow.list_requests(session, status="approved")
                      if r.id == request_id), None)
    if found is None:
        return _requests_page(error=_("Dit verzoek is niet goedgekeurd of al opgehaald."))
    release, message = _run_escrow(escrow.collect, request_id=request_id, official=_official())
    if release is None:
        return _requests_page(error=message)
    template = "handhaving/record.html" if found.kind == "record" else "handhaving/export.html"
    return _escrow_page(template, **_released(release, kind=found.kind,
                                              reason_code=found.reason_code))
