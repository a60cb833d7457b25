"""Handhaving: revoke a pass (lost, stolen, stopped, issued in error) and look up a status.

A handhaver sees a pass number and its status, nothing else: there is nothing else
to see. A revocation re-signs the issuer's revocation list at once (seq + 1), so
verifiers that refresh see it straight away.
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, render_template, request
from flask_babel import gettext as _

from verifier import FormatError, passnumber

from .app import services
from .auth import current_official, login_required
from .intake import REASON_LABELS, status_text
from .issuance import CHOOSABLE_REASONS, PassStatus, UnknownPass

bp = Blueprint("handhaving", __name__, url_prefix="/handhaving")

#: Reasons a handhaver can choose, in the order shown (value → Dutch label).
REASONS = {r.value: REASON_LABELS[r.value] for r in CHOOSABLE_REASONS}


def _normalize(raw: str) -> tuple[str | None, str | None]:
    raw = (raw or "").strip()
    if not raw:
        return None, _("Typ een pasnummer.")
    try:
        return passnumber.normalize(raw), None
    except FormatError:
        return None, _(
            "Dit pasnummer klopt niet: waarschijnlijk een tikfout. Een pasnummer ziet eruit "
            "als %(example)s.", example="GR-7K3M9QXD-4",
        )


def _page(status: int = 200, **context: Any) -> tuple[str, int]:
    context.setdefault("reasons", REASONS)
    context.setdefault("errors", {})
    context.setdefault("revoked", None)
    context.setdefault("looked_up", None)
    for key in ("revoked", "looked_up"):
        value: PassStatus | None = context[key]
        context[f"{key}_text"] = status_text(value) if value else ""
    return render_template("handhaving/index.html", **context), status


@bp.get("/")
@login_required("handhaver")
def index() -> tuple[str, int]:
    return _page()


@bp.get("/revoke")
@login_required("handhaver")
def revoke_form() -> tuple[str, int]:
    return _page()


@bp.post("/revoke")
@login_required("handhaver")
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
        status = services().passes.revoke(number=number, reason=reason, official=official)
    except UnknownPass:
        return _page(errors={"number": _("Er is geen pas met dit nummer.")}, number=number,
                     reason=reason)
    return _page(revoked=status)


@bp.post("/status")
@login_required("handhaver")
def status() -> tuple[str, int]:
    """The status of one pass number: valid, expired or revoked (and why). Nothing else."""
    number, problem = _normalize(request.form.get("number", ""))
    if problem or number is None:
        return _page(lookup_error=problem, lookup_number=request.form.get("number", "")[:40])
    try:
        found = services().passes.status(number)
    except UnknownPass:
        return _page(lookup_error=_("Er is geen pas met dit nummer."), lookup_number=number)
    return _page(looked_up=found)
