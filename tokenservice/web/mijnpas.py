"""/mijn-pas: the worker's own page. No account: her pass number and personal code.

She sees exactly what is kept about her number (pass status and dates, category,
whether an escrow record exists and, opened with her code, what it says), every
access-log entry for her number (when, which role, which reason code — never an
official's name), and can erase her escrow record and, if she wants, stop her pass.

Privacy of the page itself:

* Nothing about a visit is stored: no account, no session data beyond the CSRF
  token, the chosen language and, while her record is on screen, the *view box* (below),
  no log line. Her record is decrypted in memory
  for the one response that shows it (``Cache-Control: no-store``, set app-wide).
* Rate limits (:mod:`tokenservice.access.limiter`, docs/adr/0008) live in the database, shared
  by every worker process and kept over a restart, under keyed hashes only (never a
  number or an address), for at most an hour. Failed codes count per *normalised* pass
  number, attempts per client address (IPv6: per /64), and all code checks against a
  global cap on Argon2id work. The limit is checked before the hash: a refused request
  costs no Argon2id. A device that opened the page for a number before carries a signed
  mark (an HMAC of the number, nothing readable) and is exempt from the number's and
  the global limit: a stranger who knows her number cannot keep her out.
* Every answer to a wrong number, a wrong code or a number without a code is the
  same message and costs the same Argon2id time.
* A page that answers a POST (her record, a form with a mistake) takes the start page's
  address in the browser's history (``static/js/mijnpas-history.js``): Back after erasing
  and reload show the empty start form — no "Confirm form resubmission", her code is not
  sent again and her record does not come back on a shared phone.
* A form sent with a mistake gets the error summary in her language (``_error_summary.html``):
  an empty field is named per field; a wrong number or code is the one message above. The
  number she typed stays in its field (it is printed on her card); what she typed as a code
  is never written back into the page.

* Changing language on her record keeps her record on screen, without her code in a URL,
  a lasting cookie, a log line or the page. Showing the record puts, in the signed session,
  her number and code sealed (XSalsa20-Poly1305, :class:`nacl.secret.SecretBox`) under a
  fresh random key, with an expiry ``VIEW_SECONDS`` away; the key is in the page only, as
  the hidden field of the language buttons, which POST it back (``/mijn-pas/taal``). The
  cookie alone or the page alone holds nothing readable; the server keeps neither; each
  switch seals anew under a new key, and the box is dropped on erasing, on the start page
  and when it expires.

In her language: the twelve card languages (``texts.LANGUAGES``), from the worker texts'
gettext catalogue (:mod:`tokenservice.texts`, keys ``mijnpas.*``); what the page says about
her record is worded by :mod:`tokenservice.texts.record_view`. The translations were written
carefully but not by native speakers; have them reviewed (docs/card.md).

Renewal: the intake flow proves ownership with :func:`prove_ownership`.
"""

from __future__ import annotations

import base64
import binascii
import functools
import json
import time
from dataclasses import dataclass
from typing import Any, Final, TypeVar

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser_session  # the signed cookie; `session` is the database's
from flask_wtf import FlaskForm
from nacl import exceptions as nacl_exceptions
from nacl import secret, utils
from sqlalchemy.orm import Session
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import Length

from tokenservice import audit, escrow, texts
from tokenservice.access import limiter
from tokenservice.escrow import retention
from tokenservice.issue.passes import IssuanceError, Official
from tokenservice.services import Services
from tokenservice.texts import record_view
from tokenservice.web.context import limiter as rate_limiter
from tokenservice.web.context import services
from verifier import passnumber
from verifier.errors import FormatError

bp = Blueprint("mijnpas", __name__, url_prefix="/mijn-pas")

LANGUAGES: Final = texts.LANGUAGES
#: Attempts per client address (IPv6: per /64), and failed attempts per normalised pass
#: number, per window (aligned to the full hour).
IP_LIMIT: Final = 20
NUMBER_LIMIT: Final = 5
WINDOW_SECONDS: Final = 3600
#: Argon2id checks of a code (~120 ms, 64 MiB each) by all clients together per window:
#: a flood from any number of addresses takes at most ~6 % of one core and 5 × 64 MiB.
GLOBAL_LIMIT: Final = 5
GLOBAL_WINDOW: Final = 10
#: Checks per window for a number from a device that opened its page before (exempt from
#: the number's and the global limit; this bounds someone who copied the device mark).
KNOWN_DEVICE_LIMIT: Final = 20
#: The device mark: a cookie for /mijn-pas only, valid this long after her last visit.
DEVICE_COOKIE: Final = "pas_device"
DEVICE_DAYS: Final = 180
WORKER: Final = Official("worker", "worker")
#: A text of her page in her language: ``t(lang, key)``, read from the catalogue.
t = texts.page_text


def _now() -> int:
    """The clock (tests replace it)."""
    return int(time.time())


# --- rate limiting (tokenservice.access.limiter; docs/adr/0008) -------------------------------------


@dataclass(frozen=True)
class Attempt:
    """An admitted attempt: whether to run the code check at all, and what to settle after."""

    number: str | None  # normalised; None when what she typed is no pass number
    check: bool  # False: number or code is malformed, "wrong" without any Argon2id
    ticket: limiter.Ticket
    refundable: tuple[limiter.Bucket, ...]  # failure-only buckets: given back on success


def _device_mark() -> limiter.DeviceMark:
    ext = current_app.extensions
    mark = ext.get("pas_mijnpas_device")
    if not isinstance(mark, limiter.DeviceMark):
        mark = limiter.DeviceMark(str(current_app.config["SECRET_KEY"]), "mijnpas",
                                  DEVICE_DAYS * 86400)
        ext["pas_mijnpas_device"] = mark
    return mark


def _normalised(number: str) -> str | None:
    try:
        return passnumber.normalize(number)
    except FormatError:
        return None


def _admit(number: str, code: str) -> Attempt | None:
    """Take this attempt's hits before any Argon2id work; None: refused (429)."""
    lim = rate_limiter()
    normalised = _normalised(number)
    check = normalised is not None and escrow.normalize_code(code) is not None
    known = check and _device_mark().matches(request.cookies.get(DEVICE_COOKIE), str(normalised))
    refundable: tuple[limiter.Bucket, ...] = ()
    if known:
        buckets = [lim.bucket("mijnpas-known", str(normalised), limit=KNOWN_DEVICE_LIMIT,
                              window=WINDOW_SECONDS)]
    else:
        buckets = [lim.bucket("mijnpas-address", limiter.address_prefix(_client()),
                              limit=IP_LIMIT, window=WINDOW_SECONDS)]
        if check:
            number_bucket = lim.bucket("mijnpas-number", str(normalised), limit=NUMBER_LIMIT,
                                       window=WINDOW_SECONDS)
            buckets += [number_bucket, lim.bucket("mijnpas-work", "", limit=GLOBAL_LIMIT,
                                                  window=GLOBAL_WINDOW)]
            refundable = (number_bucket,)
    ticket = lim.take(buckets, _now())
    if ticket is None:
        return None
    return Attempt(number=normalised, check=check, ticket=ticket, refundable=refundable)


def _succeeded(attempt: Attempt, response: Any) -> Any:
    """Her code was right: give back the failure hit, and mark this device for her number."""
    if attempt.refundable:
        rate_limiter().refund(attempt.ticket, attempt.refundable)
    if attempt.number is not None:
        response.set_cookie(
            DEVICE_COOKIE, _device_mark().value(attempt.number), max_age=DEVICE_DAYS * 86400,
            path=bp.url_prefix or "/mijn-pas", httponly=True, samesite="Strict",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


# --- helpers ---------------------------------------------------------------------------------


def _lang() -> str:
    chosen = request.values.get("lang", "")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "nl"


def _svc() -> Services:
    return services()


def _config() -> escrow.EscrowConfig:
    return escrow.config_for(_svc().settings)


def _client() -> str:
    return request.remote_addr or "unknown"


class LookupForm(FlaskForm):
    number = StringField(validators=[Length(max=40)])
    code = StringField(validators=[Length(max=80)])
    lang = HiddenField()


class SwitchForm(FlaskForm):
    """The language buttons on her record: the key of the view box, and the language."""

    view_key = HiddenField(validators=[Length(max=64)])
    lang = HiddenField()


#: How long the language buttons on her record keep working: a few minutes.
VIEW_SECONDS: Final = 10 * 60
_VIEW: Final = "mijnpas_view"


def _seal_view(number: str, code: str) -> str:
    """Seal number and code into the session under a new key; the key (for the page)."""
    key = utils.random(secret.SecretBox.KEY_SIZE)
    box = secret.SecretBox(key).encrypt(json.dumps([number, code]).encode())
    browser_session[_VIEW] = {"box": base64.b64encode(box).decode(),
                              "exp": int(time.time()) + VIEW_SECONDS}
    return base64.urlsafe_b64encode(key).decode()


def _open_view(view_key: str) -> tuple[str, str] | None:
    """Number and code from the session's view box with the page's key; None if gone."""
    sealed = browser_session.get(_VIEW)
    if not isinstance(sealed, dict) or int(sealed.get("exp", 0)) < int(time.time()):
        browser_session.pop(_VIEW, None)
        return None
    try:
        key = base64.urlsafe_b64decode(view_key.encode())
        plain = secret.SecretBox(key).decrypt(base64.b64decode(str(sealed["box"])))
        number, code = json.loads(plain)
    except (binascii.Error, ValueError, KeyError, TypeError, nacl_exceptions.CryptoError):
        return None
    return str(number), str(code)


class EraseForm(FlaskForm):
    number = HiddenField(validators=[Length(max=40)])
    code = StringField(validators=[Length(max=80)])
    erase = BooleanField()
    revoke = BooleanField()
    lang = HiddenField()
    #: The view box's key (as on the language buttons): a form sent with a mistake shows
    #: her record again, with the error summary, instead of the empty start form.
    view_key = HiddenField(validators=[Length(max=64)])


_Form = TypeVar("_Form", bound=FlaskForm)


def _sent(form_class: type[_Form]) -> _Form:
    """The form she sent, or 400 if it fails its own checks: the page never sends such a
    form (an empty field passes them: it is said per field, on the page)."""
    form: _Form = form_class()
    if not form.validate_on_submit():
        abort(400)
    return form


def _page(template: str, lang: str, http_status: int = 200, *,
          summary: list[tuple[str, str]] | None = None, **context: Any) -> Any:
    """A page of hers. ``summary``: the error summary's (field id, text), in her language;
    never anything she typed (her code least of all)."""
    return render_template(
        template, lang=lang, html_lang=texts.HTML_LANG[lang], t=functools.partial(t, lang),
        languages=LANGUAGES, html_langs=texts.HTML_LANG,
        language_names=texts.LANGUAGE_NAMES, summary=summary or [],
        field_errors=dict(summary or []), **context,
    ), http_status


# --- the public function for the renewal flow ---------------------------------------------------


def prove_ownership(session: Session, number: str, code: str) -> bool:
    """True if ``code`` is the personal code of pass ``number`` (call it at renewal)."""
    return escrow.verify_code(session, number=number, code=code)


# --- views ---------------------------------------------------------------------------------------


def form_refused(*, no_cookie: bool) -> Any:
    """A refused form (CSRF), in her language: a browser without cookies is told so."""
    lang = _lang()
    return _page("mijnpas/index.html", lang, 400, form=LookupForm(lang=lang),
                 error=t(lang, "cookies" if no_cookie else "expired"))


@bp.get("/")
def index() -> Any:
    lang = _lang()
    browser_session.pop(_VIEW, None)
    return _page("mijnpas/index.html", lang, form=LookupForm(lang=lang))


@bp.post("/")
def show() -> Any:
    lang = _lang()
    form = _sent(LookupForm)
    number, code = form.number.data or "", form.code.data or ""
    # A field left empty: said per field, before any limit or check (nothing was tried).
    missing = [(field, t(lang, key)) for field, key, value in
               (("number", "number_missing", number), ("code", "code_missing", code))
               if not value.strip()]
    if missing:
        return _page("mijnpas/index.html", lang, 200, form=LookupForm(lang=lang),
                     summary=missing, number_typed=number.strip())
    return _record(lang, number, code)


@bp.post("/taal")
def switch() -> Any:
    """Her record in another language, without her typing the code again."""
    lang = _lang()
    form = _sent(SwitchForm)
    opened = _open_view(form.view_key.data or "")
    if opened is None:  # expired or erased: the form, in the language she chose
        return redirect(url_for("mijnpas.index", lang=lang), code=303)
    return _record(lang, *opened)


def _record(lang: str, number: str, code: str,
            erase_problems: list[tuple[str, str]] | None = None) -> Any:
    """Her record for number and code, or the form with the one error message.

    ``erase_problems``: what was wrong with the erase form she sent from this record (its
    error summary, above the record)."""
    attempt = _admit(number, code)
    if attempt is None:
        return _page("mijnpas/index.html", lang, 429, form=LookupForm(lang=lang),
                     error=t(lang, "limited"))
    view = None
    if attempt.check:
        # It only reads: the Argon2id check must not hold SQLite's write lock (issuing a
        # pass would wait behind every check).
        with _svc().db.read() as connection, Session(bind=connection) as session:
            view = escrow.worker_view(session, number=number, code=code, now=_now(),
                                      config=_config())
            # When a tree head covering her newest line was first served to a witness.
            witnessed = audit.history_witnessed(session, view.number) if view is not None else None
    if view is None:  # one answer for a wrong number and a wrong code; her guess is not shown
        return _page("mijnpas/index.html", lang, 200, form=LookupForm(lang=lang),
                     summary=[("number", t(lang, "wrong"))], number_typed=number.strip()[:40])
    erase_form = EraseForm(number=view.number, lang=lang)
    # Every opening is on her log, the one she sees: if someone else used her code (an
    # official who kept it, a partner who took it), the next time she looks she knows.
    with _svc().db.transaction() as session:
        # "Someone with your number and code": it may be her, or whoever has her receipt.
        audit.append(session, at=_now(), actor="worker", role="code_holder",
                     action="worker_viewed", pass_number=view.number)
    categories = _svc().keyring.categories(view.iss)
    context = record_view.view_context(view, lang, categories)
    # The municipality names its categories in Dutch: "Wit" and "Groen" in her language.
    context["category"] = texts.category_name(lang, str(context["category"]))
    view_key = _seal_view(view.number, code)
    erase_form.view_key.data = view_key
    # "Choose one" links to the first box the form has (no record: only "stop my pass").
    first_box = "erase" if context.get("record_exists") else "revoke"
    summary = [(first_box if target == "erase" else target, text)
               for target, text in erase_problems or []]
    page = make_response(_page("mijnpas/view.html", lang, form=erase_form, summary=summary,
                               # Not through the form's data: on a switch that is the old key.
                               switch_form=SwitchForm(formdata=None), view_key=view_key,
                               witnessed_on=record_view.day(witnessed, lang) if witnessed else None,
                               **context))
    return _succeeded(attempt, page)


@bp.post("/wissen")
def erase() -> Any:
    lang = _lang()
    form = _sent(EraseForm)
    number, code = form.number.data or "", form.code.data or ""
    problems = []
    if not form.erase.data and not form.revoke.data:
        problems.append(("erase", t(lang, "choose")))
    if not code.strip():
        problems.append(("confirm-code", t(lang, "code_missing")))
    if problems:  # nothing was tried: no limit taken, nothing changed
        return _erase_refused(lang, form, problems)
    attempt = _admit(number, code)
    if attempt is None:
        return _page("mijnpas/index.html", lang, 429, form=LookupForm(lang=lang),
                     error=t(lang, "limited"))
    svc = _svc()
    now = _now()
    erased = revoked = False
    wrong = not attempt.check
    if attempt.check:
        with svc.db.transaction() as session:
            try:
                if form.erase.data:
                    erased = escrow.erase(session, number, code, now, config=_config())
                elif not escrow.verify_code(session, number=number, code=code, config=_config()):
                    raise escrow.WrongCode("number or code is not right")
            except escrow.WrongCode:
                wrong = True
    if wrong:
        return _erase_refused(lang, form, [("confirm-code", t(lang, "confirm_wrong"))])
    if attempt.refundable:
        rate_limiter().refund(attempt.ticket, attempt.refundable)
    if form.revoke.data:
        try:
            svc.passes.revoke(number=number, reason="stopped", official=WORKER)
            revoked = True
        except IssuanceError:
            revoked = False
        # Stopping ends the number for good: escrow record and code go now, not at expiry.
        retention.purge(svc.db, now, _config().grace_days, number=number)
    # Post/redirect/get: Back or reload on the outcome must not offer to send the form again.
    # The outcome travels in the signed session, not in the URL (her browser history).
    browser_session.pop(_VIEW, None)
    browser_session["mijnpas_done"] = {"erase_requested": bool(form.erase.data), "erased": erased,
                               "revoked": revoked}
    return redirect(url_for("mijnpas.done", lang=lang), code=303)


def _erase_refused(lang: str, form: EraseForm, problems: list[tuple[str, str]]) -> Any:
    """The erase form had a mistake: her record again with the error summary (through the
    view box, as the language buttons); the box gone, the start form with the message."""
    opened = _open_view(form.view_key.data or "")
    if opened is not None and _normalised(opened[0]) == _normalised(form.number.data or ""):
        return _record(lang, *opened, erase_problems=problems)
    return _page("mijnpas/index.html", lang, 200, form=LookupForm(lang=lang),
                 error=" ".join(text for _target, text in problems))


@bp.get("/klaar")
def done() -> Any:
    lang = _lang()
    outcome = browser_session.pop("mijnpas_done", None)
    if not isinstance(outcome, dict):
        return redirect(url_for("mijnpas.index", lang=lang))
    return _page("mijnpas/done.html", lang, erase_requested=bool(outcome.get("erase_requested")),
                 erased=bool(outcome.get("erased")), revoked=bool(outcome.get("revoked")))


__all__ = ["bp", "form_refused", "prove_ownership", "t"]
