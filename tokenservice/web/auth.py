"""Login for officials: password (argon2id), then TOTP; roles; idle timeout.

Views elsewhere use only :func:`login_required` and :func:`current_official`.
The session holds the account id, username and role after both factors passed.

The flow: ``/login`` checks username and password and keeps only a short-lived
"password passed" marker in the session; ``/login/totp`` checks the code. Only then is the session
emptied and filled anew. The answer to a wrong username, a wrong password, a disabled,
a locked or a rate-limited account is one and the same.

Limits (:mod:`tokenservice.access.limiter`, docs/adr/0008), checked before the password hash:
failed passwords count per (username, client address; IPv6 per /64), and password checks
of all clients together against a global cap, so nobody who knows only a username can
lock its owner out, and a flood cannot take the server's CPU or memory. A browser that
logged in as that user before carries a signed mark (an HMAC of the username) and is
exempt from both; it has its own, per-username failure limit. Only a wrong second factor
(or a wrong old password when changing it) locks the account itself: that takes the
password, not just the name.

A new account, or one beheer reset, is set up through a one-time link instead
(:mod:`tokenservice.web.enrol`); it ends in the same :func:`start_session` as a login.

Sessions are Flask's signed cookies. Each request of a logged-in official re-checks
(:func:`check_session`, which the app runs before every request) the
idle time, the session's age, and that the account still exists, is not disabled and
has the same role and password as at login (changing the password ends other sessions).
What cannot be done without server-side sessions: a copied cookie stays usable after
logout until it idles out; the cookie is HttpOnly, SameSite=Strict and (in production)
Secure, and the idle timeout is short.
"""

from __future__ import annotations

import functools
import hashlib
import hmac
import time
from collections.abc import Callable
from typing import Any, TypeVar
from urllib.parse import urlsplit

from flask import (
    Blueprint,
    abort,
    current_app,
    flash,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Regexp

from tokenservice import audit
from tokenservice.access import accounts, limiter
from tokenservice.config import Settings
from tokenservice.issue.passes import Official
from tokenservice.store.db import Database
from tokenservice.store.models import Account
from tokenservice.web.context import OFFICIAL_LANGUAGES, endpoint_url, services
from tokenservice.web.context import limiter as rate_limiter

bp = Blueprint("auth", __name__)

F = TypeVar("F", bound=Callable[..., Any])

#: After the password, the code must follow within this many seconds.
PENDING_SECONDS = 300
#: A session ends this long after login, however active (a consultation hour is three).
MAX_SESSION_HOURS = 12
#: Where each role starts; the first endpoint that exists wins.
START_PAGES: dict[str, tuple[str, ...]] = {
    "intake": ("intake.new", "intake.index"),
    "handhaver": ("handhaving.index",),
    "beheer": ("beheer.index",),
}
_SESSION_KEYS = ("authenticated", "account_id", "username", "role", "pw", "login_at", "seen")
#: Password checks (argon2id, 64 MiB each) for browsers without a login mark, all
#: usernames and addresses together, per window.
LOGIN_GLOBAL_LIMIT = 30
LOGIN_GLOBAL_WINDOW = 60
#: The login mark: a cookie for /login only, valid this long after the last login.
DEVICE_COOKIE = "pas_login_device"
DEVICE_DAYS = 90


def _now() -> int:
    """The clock (tests replace it)."""
    return int(time.time())


def clock() -> int:
    """Now, on the clock of logins and sessions: enrolment (:mod:`.enrol`) keeps time by it too."""
    return _now()


def _settings() -> Settings:
    return services().settings


def _db() -> Database:
    return services().db


# --- The interface for other blueprints ---------------------------------------------------


def current_official() -> Official | None:
    """The logged-in official (both factors passed), or None."""
    if not session.get("authenticated"):
        return None
    return Official(username=str(session["username"]), role=str(session["role"]))


def logged_in_official() -> Official:
    """The logged-in official, in a view behind :func:`login_required` (403 if there is none)."""
    official = current_official()
    if official is None:  # login_required already sent anyone else away
        abort(403)
    return official


def login_required(*roles: str) -> Callable[[F], F]:
    """Require a fully logged-in official, optionally with one of ``roles``."""

    def decorator(view: F) -> F:
        @functools.wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            official = current_official()
            if official is None:
                if request.method == "GET":
                    return redirect(url_for("auth.login", next=_request_path()))
                return redirect(url_for("auth.login"))
            if roles and official.role not in roles:
                abort(403)
            return view(*args, **kwargs)

        return wrapped  # type: ignore[return-value]

    return decorator


# --- Helpers ------------------------------------------------------------------------------


def _request_path() -> str:
    return request.full_path.rstrip("?") if request.query_string else request.path


def safe_next(target: str | None) -> str | None:
    """``target`` if it is a path on this site, else None (no open redirects)."""
    if not target or len(target) > 2000:
        return None
    if any(ord(c) < 32 or c == "\\" for c in target):
        return None
    if not target.startswith("/") or target.startswith("//"):
        return None
    parts = urlsplit(target)
    if parts.scheme or parts.netloc:
        return None
    return target


def _password_fingerprint(account: Account) -> str:
    """Ties a session to the password, TOTP secret and session epoch it was made with (a new
    password, a TOTP reset or a logout ends other sessions and copies of this cookie),
    without putting any of them in the readable cookie."""
    key = str(current_app.config["SECRET_KEY"]).encode()
    sealed = (account.totp_sealed or b"").hex()
    material = f"{account.password_hash}\x00{sealed}\x00{account.session_epoch}".encode()
    return hmac.new(key, material, hashlib.sha256).hexdigest()[:32]


def _logout() -> None:
    lang = session.get("lang")
    session.clear()
    if lang in OFFICIAL_LANGUAGES:
        session["lang"] = lang


def _failed() -> str:
    return str(
        _(
            "Inloggen is niet gelukt. Controleer gebruikersnaam en wachtwoord. "
            "Na herhaalde fouten wordt een account een tijd geblokkeerd."
        )
    )


def start_session(account: Account, next_url: str | None) -> BaseResponse:
    """Both factors passed: a fresh session (nothing from before login survives but the language)."""
    now = _now()
    _logout()
    session["authenticated"] = True
    session["account_id"] = account.id
    session["username"] = account.username
    session["role"] = account.role
    session["pw"] = _password_fingerprint(account)
    session["login_at"] = now
    session["seen"] = now
    session.permanent = True
    return redirect(safe_next(next_url) or url_for("auth.home"))


def _pending() -> dict[str, Any] | None:
    """The "password passed" marker, if it is fresh."""
    pending = session.get("pending_login")
    if not isinstance(pending, dict) or not isinstance(pending.get("account_id"), int):
        return None
    if not 0 <= _now() - int(pending.get("at", 0)) <= PENDING_SECONDS:
        session.pop("pending_login", None)
        return None
    return pending


# --- Limits (tokenservice.access.limiter) --------------------------------------------------------


def _device_mark() -> limiter.DeviceMark:
    ext = current_app.extensions
    mark = ext.get("pas_login_device")
    if not isinstance(mark, limiter.DeviceMark):
        mark = limiter.DeviceMark(str(current_app.config["SECRET_KEY"]), "login", DEVICE_DAYS * 86400)
        ext["pas_login_device"] = mark
    return mark


def _admit(username: str) -> tuple[limiter.Ticket, list[limiter.Bucket]] | None:
    """Take a password attempt's hits before the hash: (ticket, failure-only buckets), or
    None when refused. Keys are HMACs of the username (and address), never the name."""
    settings = _settings()
    lim = rate_limiter()
    window = settings.lockout_minutes * 60
    if _device_mark().matches(request.cookies.get(DEVICE_COOKIE), username):
        failures = lim.bucket("login-known", username, limit=2 * settings.lockout_attempts,
                              window=window)
        buckets = [failures]
    else:
        address = limiter.address_prefix(request.remote_addr)
        failures = lim.bucket("login-user-address", f"{username}\x00{address}",
                              limit=settings.lockout_attempts, window=window)
        buckets = [failures, lim.bucket("login-work", "", limit=LOGIN_GLOBAL_LIMIT,
                                        window=LOGIN_GLOBAL_WINDOW)]
    ticket = lim.take(buckets, _now())
    return None if ticket is None else (ticket, [failures])


def mark_device(response: BaseResponse, username: str) -> BaseResponse:
    response.set_cookie(
        DEVICE_COOKIE, _device_mark().value(username), max_age=DEVICE_DAYS * 86400,
        path="/login", httponly=True, samesite="Strict",
        secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
    )
    return response


# --- Forms --------------------------------------------------------------------------------


class LoginForm(FlaskForm):
    # Messages in the official's language (the page's error summary shows them; the
    # browser's own validation is off).
    username = StringField(_l("Gebruikersnaam"), validators=[
        DataRequired(message=_l("Vul uw gebruikersnaam in.")),
        Length(max=64, message=_l("Een gebruikersnaam heeft hoogstens 64 tekens."))])
    password = PasswordField(_l("Wachtwoord"), validators=[
        DataRequired(message=_l("Vul uw wachtwoord in.")),
        Length(max=1024, message=_l("Dit wachtwoord is te lang."))])


def code_field() -> Any:
    """The six digits from the authenticator app (login and enrolment alike)."""
    return StringField(
        _l("Code uit de app"),
        validators=[DataRequired(message=_l("Typ de zes cijfers uit de app.")),
                    Regexp(r"^\s*[0-9]{3}\s?[0-9]{3}\s*$", message=_l("Zes cijfers."))],
    )


def new_password_rules() -> list[Any]:
    """What a password an official chooses must be (change and enrolment alike)."""
    too_short = _l("Minstens %(n)s tekens.", n=accounts.MIN_PASSWORD_LENGTH)
    return [
        DataRequired(message=too_short),
        Length(min=accounts.MIN_PASSWORD_LENGTH, max=1024, message=too_short),
    ]


class CodeForm(FlaskForm):
    code = code_field()


class PasswordForm(FlaskForm):
    old = PasswordField(_l("Huidig wachtwoord"), validators=[
        DataRequired(message=_l("Typ uw huidige wachtwoord.")), Length(max=1024)])
    new = PasswordField(
        _l("Nieuw wachtwoord"),
        validators=new_password_rules(),
    )
    repeat = PasswordField(
        _l("Nieuw wachtwoord nogmaals"),
        validators=[DataRequired(message=_l("Typ het nieuwe wachtwoord nog een keer.")),
                    EqualTo("new", message=_l("De twee nieuwe wachtwoorden verschillen."))],
    )


class LangForm(FlaskForm):
    lang = StringField(validators=[DataRequired()])
    next = HiddenField()


# --- Every request: idle timeout and a still-valid account --------------------------------


def check_session() -> None:
    """Before every request (the app registers it): end the session of an official who idled
    too long, whose session is too old, or whose account changed."""
    if request.endpoint == "static" or not session.get("authenticated"):
        return
    now = _now()
    settings = _settings()
    seen = session.get("seen")
    login_at = session.get("login_at")
    if not isinstance(seen, int) or not isinstance(login_at, int) or now < seen:
        _logout()
        return
    if now - seen > settings.idle_minutes * 60:
        _logout()
        flash(_("U bent uitgelogd omdat u %(n)s minuten niets deed.", n=settings.idle_minutes), "info")
        return
    if now - login_at > MAX_SESSION_HOURS * 3600:
        _logout()
        flash(_("Uw sessie was %(n)s uur oud; log opnieuw in.", n=MAX_SESSION_HOURS), "info")
        return
    account_id = session.get("account_id")
    if not isinstance(account_id, int):
        _logout()
        return
    with _db().transaction() as s:
        account = s.get(Account, account_id)
        valid = (
            account is not None
            and not account.disabled
            and account.totp_enrolled
            and account.username == session.get("username")
            and account.role == session.get("role")
            and hmac.compare_digest(_password_fingerprint(account), str(session.get("pw", "")))
        )
    if not valid:
        _logout()
        flash(_("Uw account is gewijzigd of uitgeschakeld; log opnieuw in."), "error")
        return
    session["seen"] = now


# --- Views --------------------------------------------------------------------------------


@bp.get("/")
def home() -> Any:
    official = current_official()
    if official is None:
        return redirect(url_for("auth.login"))
    start = endpoint_url(*START_PAGES.get(official.role, ()))
    if start:
        return redirect(start)
    return render_template("auth/home.html", official=official)


@bp.route("/login", methods=["GET", "POST"])
def login() -> Any:
    next_url = safe_next(request.args.get("next"))
    if request.method == "GET" and current_official() is not None:
        return redirect(next_url or url_for("auth.home"))
    form = LoginForm()
    if not form.validate_on_submit():
        fields_missing = form.username.errors or form.password.errors
        if request.method == "POST" and not fields_missing:
            flash(_failed(), "error")  # e.g. an expired form: the same answer as always
        return render_template("auth/login.html", form=form)

    username = (form.username.data or "").strip().lower()
    password = form.password.data or ""
    admitted = _admit(username)
    if admitted is None:  # limited: the same answer, and no hash at all
        flash(_failed(), "error")
        return render_template("auth/login.html", form=form)
    # First look (short transaction), then the slow hash outside it, then the bookkeeping
    # under the row lock, where the account's state is checked again.
    with _db().transaction() as s:
        account = accounts.find(s, username)
        snapshot = (account.id, account.password_hash) if account is not None else None
    if snapshot is None:
        accounts.burn_password_check(password)
        flash(_failed(), "error")
        return render_template("auth/login.html", form=form)
    account_id, stored_hash = snapshot
    matches = accounts.password_matches(stored_hash, password)
    now = _now()
    enrolled = False
    with _db().transaction() as s:
        account = accounts.find_for_update(s, account_id=account_id)
        ok = (
            account is not None
            and matches
            and account.password_hash == stored_hash
            and not account.disabled
            and not accounts.is_locked(account, now)
        )
        # A wrong password counts for (username, address) only, in the limiter's ticket:
        # the account itself is not locked by someone who may know just its name.
        if ok and account is not None:
            if accounts.needs_rehash(account.password_hash):
                account.password_hash = accounts.hash_password(password)
            enrolled = account.totp_enrolled
    if not ok:
        flash(_failed(), "error")
        return render_template("auth/login.html", form=form)
    rate_limiter().refund(*admitted)
    _logout()
    if not enrolled:  # only said after the right password: no account enumeration
        flash(_not_enrolled(), "error")
        return render_template("auth/login.html", form=form)
    session["pending_login"] = {"account_id": account_id, "at": now, "next": next_url}
    return redirect(url_for("auth.totp"))


def _count_failure(s: Any, account: Account, now: int) -> None:
    settings = _settings()
    if accounts.record_failed_login(
        account, now, max_attempts=settings.lockout_attempts, lock_minutes=settings.lockout_minutes
    ):
        audit.append(s, at=now, actor=account.username, role=account.role, action="account_locked")


def _not_enrolled() -> str:
    return str(_("Dit account is nog niet ingeschreven: het wachtwoord en de tweede factor "
                 "stelt u in met de inschrijflink die u van beheer kreeg. Is die verlopen of "
                 "kwijt, vraag beheer dan om een nieuwe."))


@bp.route("/login/totp", methods=["GET", "POST"])
def totp() -> Any:
    pending = _pending()
    if pending is None:
        flash(_("Log eerst in met uw wachtwoord."), "info")
        return redirect(url_for("auth.login"))
    form = CodeForm()
    template = "auth/totp.html"
    now = _now()
    with _db().transaction() as s:
        account = accounts.find_for_update(s, account_id=pending["account_id"])
        if account is None or account.disabled or accounts.is_locked(account, now):
            _logout()
            flash(_failed(), "error")
            return redirect(url_for("auth.login"))
        if not account.totp_enrolled:  # reset by beheer since the password step
            _logout()
            flash(_not_enrolled(), "error")
            return redirect(url_for("auth.login"))
        context: dict[str, Any] = {"form": form}
        if not form.validate_on_submit():  # the field's message, in the error summary
            return render_template(template, **context)
        if not accounts.totp_matches(account, form.code.data or "", now):
            _count_failure(s, account, now)
            if accounts.is_locked(account, now):
                _logout()
                flash(_failed(), "error")
                return redirect(url_for("auth.login"))
            form.code.errors = [_("Die code klopt niet. Probeer de volgende code uit de app.")]
            return render_template(template, **context)
        accounts.record_successful_login(account)
        s.flush()
    return mark_device(start_session(account, pending.get("next")), account.username)


@bp.post("/logout")
def logout() -> Any:
    # CSRFProtect has checked the token app-wide before this view runs.
    account_id = session.get("account_id")
    if session.get("authenticated") and isinstance(account_id, int):
        # Sessions live in a signed cookie; bumping the epoch makes every copy of it
        # (another tab, a stolen cookie) fail the check in check_session.
        with _db().transaction() as s:
            account = s.get(Account, account_id)
            if account is not None:
                account.session_epoch += 1
    _logout()
    flash(_("U bent uitgelogd."), "info")
    return redirect(url_for("auth.login"))


@bp.route("/account/password", methods=["GET", "POST"])
@login_required()
def password() -> Any:
    form = PasswordForm()
    if not form.validate_on_submit():
        return render_template("auth/password.html", form=form, min_length=accounts.MIN_PASSWORD_LENGTH)
    old, new = form.old.data or "", form.new.data or ""
    if new == old:
        form.new.errors = [_("Kies een ander wachtwoord dan het huidige.")]
        return render_template("auth/password.html", form=form, min_length=accounts.MIN_PASSWORD_LENGTH)
    with _db().transaction() as s:
        row = s.get(Account, session["account_id"])
        if row is None:  # pragma: no cover - the request hook logged out already
            abort(403)
        stored = row.password_hash
    matches = accounts.password_matches(stored, old)
    now = _now()
    locked = False
    with _db().transaction() as s:
        account = accounts.find_for_update(s, account_id=session["account_id"])
        if account is None:  # pragma: no cover - the request hook logged out already
            abort(403)
        if not matches:
            _count_failure(s, account, now)
            locked = accounts.is_locked(account, now)
        else:
            accounts.change_password(account, new)
            accounts.record_successful_login(account)
            audit.append(s, at=now, actor=account.username, role=account.role, action="password_changed")
            s.flush()
            session["pw"] = _password_fingerprint(account)
    if not matches:
        if locked:
            _logout()
            flash(_failed(), "error")
            return redirect(url_for("auth.login"))
        form.old.errors = [_("Het huidige wachtwoord klopt niet.")]
        return render_template("auth/password.html", form=form, min_length=accounts.MIN_PASSWORD_LENGTH)
    flash(_("Uw wachtwoord is gewijzigd."), "info")
    return redirect(url_for("auth.home"))


@bp.post("/lang")
def lang() -> Any:
    form = LangForm()
    choice = form.lang.data if form.validate_on_submit() else None
    if choice in OFFICIAL_LANGUAGES:
        session["lang"] = choice
    target = safe_next(form.next.data) or safe_next(_local_referrer())
    return redirect(target or url_for("auth.home"))


def _local_referrer() -> str | None:
    ref = request.referrer
    if not ref:
        return None
    parts = urlsplit(ref)
    if parts.netloc and parts.netloc != request.host:
        return None
    return parts.path + (f"?{parts.query}" if parts.query else "")
