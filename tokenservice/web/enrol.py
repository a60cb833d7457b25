"""Enrolment through a one-time link (docs/adr/0012): an official sets up her own account.

A new account, or one beheer reset, has no usable password and no second factor until
its official opens the one-time link beheer handed over (``/enrol/<token>``) and sets
both there; nobody else ever sees either. Only the link token's SHA-256 is stored; the
second factor shown on that page lives, sealed with the instance's TOTP key, in that
browser's session cookie until it is confirmed. A completed enrolment logs her in as a
login would (:func:`tokenservice.web.auth.start_session`), on the login flow's clock.
"""

from __future__ import annotations

from typing import Any

import pyotp
import segno
from flask import Blueprint, flash, render_template, request, session
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField
from wtforms.validators import DataRequired, EqualTo

from tokenservice import audit
from tokenservice.access import accounts
from tokenservice.web import auth
from tokenservice.web.context import error_page, services

bp = Blueprint("enrol", __name__)


class EnrolForm(FlaskForm):
    password = PasswordField(
        _l("Kies een wachtwoord"),
        validators=auth.new_password_rules(),
    )
    repeat = PasswordField(
        _l("Wachtwoord nogmaals"),
        validators=[DataRequired(message=_l("Typ het wachtwoord nog een keer.")),
                    EqualTo("password", message=_l("De twee wachtwoorden verschillen."))],
    )
    code = auth.code_field()


def _link_gone() -> tuple[str, int]:
    response: tuple[str, int] = error_page(404, "enrolment_link", _(
        "Deze inschrijflink is niet (meer) geldig: hij is al gebruikt, verlopen of onbekend. "
        "Vraag beheer om een nieuwe link. Had u hem zelf nog niet gebruikt, meld dat dan ook: "
        "dan heeft iemand anders hem gebruikt."))
    return response


def _pending_secret(link_id: int, key: accounts.TotpKey) -> str:
    """The second factor this browser was shown for this link (new if there is none)."""
    held = session.get("enrol")
    if isinstance(held, dict) and held.get("link") == link_id and isinstance(held.get("sealed"), str):
        try:
            secret = key.open(bytes.fromhex(held["sealed"]), f"enrol:{link_id}")
        except ValueError:
            secret = None
        if secret:
            return secret
    secret = pyotp.random_base32()
    session["enrol"] = {"link": link_id, "sealed": key.seal(secret, f"enrol:{link_id}").hex()}
    return secret


@bp.route("/enrol/<token>", methods=["GET", "POST"])
def link(token: str) -> Any:
    """The official's own password and second factor, through the link beheer handed over."""
    now = auth.clock()
    db = services().db
    key = accounts.key_for(db.engine)
    with db.transaction() as s:
        found = accounts.find_link(s, token, now)
        if found is None:
            return _link_gone()
        link_id = found.id
        account = accounts.link_account(s, found)
        username, role = account.username, account.role
    secret = _pending_secret(link_id, key)
    form = EnrolForm()
    uri = accounts.totp_uri(username, secret, issuer_name=_("Pas-service"))
    context: dict[str, Any] = {
        "form": form, "username": username, "role": role,
        "qr": segno.make(uri, error="m").svg_data_uri(scale=5, border=2),
        "secret": " ".join(secret[i : i + 4] for i in range(0, len(secret), 4)),
        "min_length": accounts.MIN_PASSWORD_LENGTH,
    }
    if not form.validate_on_submit():
        return render_template("auth/enrol.html", **context), 400 if request.method == "POST" else 200
    password_hash = accounts.hash_password(form.password.data or "")  # slow: outside the transaction
    with db.transaction() as s:
        if accounts.find_link(s, token, now) is None:
            return _link_gone()
        enrolled = accounts.complete_enrolment(s, token, password_hash=password_hash, secret=secret,
                                               code=form.code.data or "", now=now, key=key)
        if enrolled is not None:
            audit.append(s, at=now, actor=enrolled.username, role=enrolled.role,
                         action="account_enrolled", reason_code=f"account:{enrolled.id}")
    if enrolled is None:
        form.code.errors = [_("Die code klopt niet. Probeer de volgende code uit de app.")]
        return render_template("auth/enrol.html", **context), 400
    session.pop("enrol", None)
    flash(_("Uw account is ingesteld. Welkom!"), "info")
    return auth.mark_device(auth.start_session(enrolled, None), enrolled.username)


__all__ = ["EnrolForm", "bp"]
