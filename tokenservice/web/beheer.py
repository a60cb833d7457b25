"""Beheer: the municipality's administrator pages.

Accounts of officials (add, disable/enable, reset, unlock, API tokens), the status of the keys (read-only: the trust list is signed
offline) and the reports for the council (aggregates only, small counts shown as
"<5"). Every route needs role ``beheer``; every change is a CSRF-protected POST and
goes into the audit log with the acting official, no pass number, and
``account:<id>`` as reason code so the log says which account was changed.

Beheer never sees an official's password or second factor (docs/adr/0012): adding an
account, or resetting one, gives a one-time enrolment link to hand over; the official
sets both through it. The account remembers which beheer account set it up, and the
two-person rule of escrow refuses pairs one beheer person could hold.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import re
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from typing import Any

import sqlalchemy as sa
from flask import (
    Blueprint,
    Response,
    abort,
    flash,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from flask_babel import ngettext
from sqlalchemy.orm import Session

from tokenservice import audit
from tokenservice.access import accounts
from tokenservice.audit import reports
from tokenservice.clock import DAY
from tokenservice.store.models import Account, ApiToken, EnrolmentLink, RevocationListRecord, Role
from tokenservice.web.auth import logged_in_official as _official
from tokenservice.web.auth import login_required
from tokenservice.web.charts import MEASURE_LABELS, chart
from tokenservice.web.context import services
from verifier.format import IssuerEntry

bp = Blueprint("beheer", __name__, url_prefix="/beheer")

TZ = reports.TZ
#: Warn when the trust list expires within this many days.
TRUST_LIST_WARN_DAYS = 7
_USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")
#: Account ids are INTEGER keys; larger ones cannot exist and must not reach the database.
MAX_ID = 2**31 - 1
#: Change categories or renew the trust list: offline, with the anchor key (docs/keys.md).
SIGN_COMMAND = "pas-keys trust-list sign --config trust.json --out trust-list.cose"
#: The username rule, shown next to the field (the browser's own "match the requested
#: format" never said which format).
USERNAME_RULE = _l("2 tot 64 tekens: kleine letters a–z, cijfers, punt (.), streepje (-) of "
                   "liggend streepje (_); de eerste is een letter. Hoofdletters worden kleine "
                   "letters. Bijvoorbeeld: j.devries")


# --- access ---------------------------------------------------------------------------


@bp.before_request
def _beheer_only() -> Any:
    """Every route of this blueprint, present and future: role beheer only."""
    return login_required(Role.BEHEER.value)(lambda: None)()


def _now() -> int:
    return services().passes.now()


def _audit(session: Session, action: str, account: Account, extra: str = "") -> None:
    official = _official()
    audit.append(
        session, at=_now(), actor=official.username, role=official.role, action=action,
        pass_number=None, reason_code=f"account:{account.id}{extra}",
    )


# --- formatting -----------------------------------------------------------------------


def when(ts: int | None) -> str:
    """A Unix time on the Dutch clock, day first."""
    if ts is None:
        return "—"
    return dt.datetime.fromtimestamp(ts, TZ).strftime("%d-%m-%Y %H:%M")


def age(seconds: int) -> str:
    """A duration in the largest whole unit: minutes, hours or days."""
    seconds = max(0, seconds)
    if seconds < 3600:
        n = seconds // 60
        return str(ngettext("%(num)d minuut", "%(num)d minuten", n))
    if seconds < 2 * DAY:
        n = seconds // 3600
        return str(ngettext("%(num)d uur", "%(num)d uur", n))
    n = seconds // DAY
    return str(ngettext("%(num)d dag", "%(num)d dagen", n))


@bp.context_processor
def _helpers() -> dict[str, Any]:
    return {"when": when, "age": age, "suppress": reports.suppress}


# --- overview -------------------------------------------------------------------------


@bp.get("/")
def index() -> str:
    now = _now()
    tl = services().keyring.store.trust_list
    with services().db.transaction() as session:
        active = session.scalar(
            sa.select(sa.func.count()).select_from(Account).where(Account.disabled.is_(False))
        )
    return render_template(
        "beheer/index.html", active_accounts=active or 0, trust_list=tl,
        trust_list_warning=_trust_list_warning(tl.exp, now), now=now,
    )


def _trust_list_warning(exp: int, now: int) -> str | None:
    if exp <= now:
        return str(_("De trust list is verlopen: verifiers weigeren nieuwe passen. "
                 "Laat de trust list opnieuw ondertekenen."))
    if exp - now < TRUST_LIST_WARN_DAYS * DAY:
        return str(_("De trust list verloopt over %(left)s: laat de trust list opnieuw "
                     "ondertekenen.", left=age(exp - now)))
    return None


# --- accounts -------------------------------------------------------------------------


@dataclass(frozen=True)
class AccountView:
    """What the list shows of an account, and nothing else."""

    id: int
    username: str
    role: str
    enrolled: bool
    locked: bool
    disabled: bool
    #: Who last created or reset it ("" for the command line), and when.
    provisioned_by: str | None = None
    provisioned_at: int | None = None
    #: Until when its open enrolment link works (None: no open link).
    link_expires: int | None = None


def _view(account: Account, now: int, session: Session | None = None) -> AccountView:
    by: str | None = None
    link_expires = None
    if session is not None:
        if account.provisioned_by is not None:
            boss = session.get(Account, account.provisioned_by)
            by = boss.username if boss is not None else "?"
        elif account.provisioned_at is not None:
            by = ""
        link_expires = session.scalar(
            sa.select(sa.func.max(EnrolmentLink.expires_at))
            .where(EnrolmentLink.account_id == account.id, EnrolmentLink.used_at.is_(None),
                   EnrolmentLink.expires_at > now)
        )
    return AccountView(
        id=account.id, username=account.username, role=account.role,
        enrolled=account.totp_enrolled, locked=accounts.is_locked(account, now),
        disabled=account.disabled, provisioned_by=by, provisioned_at=account.provisioned_at,
        link_expires=link_expires,
    )


def _account_list(session: Session, now: int) -> list[AccountView]:
    rows = session.scalars(sa.select(Account).order_by(Account.username))
    return [_view(a, now) for a in rows]


def _me(session: Session) -> Account:
    me = accounts.find(session, _official().username)
    if me is None:  # pragma: no cover - the session check logged out already
        abort(403)
    return me


def _link_url(token: str) -> str:
    base = services().settings.public_url
    if base:
        return f"{base.rstrip('/')}/enrol/{token}"
    return url_for("enrol.link", token=token, _external=True)


@bp.get("/accounts", endpoint="accounts")
def accounts_list() -> str:
    with services().db.transaction() as session:
        listed = _account_list(session, _now())
    return render_template("beheer/accounts.html", accounts=listed, roles=list(Role), form={},
                           errors={}, summary=[], username_rule=USERNAME_RULE)


@bp.post("/accounts")
def account_add() -> Any:
    username = (request.form.get("username") or "").strip().lower()
    role = request.form.get("role") or ""
    errors: dict[str, str] = {}
    if not _USERNAME.fullmatch(username):
        errors["username"] = _("Gebruik 2 tot 64 kleine letters, cijfers, punt, streepje of "
                               "liggend streepje, te beginnen met een letter.")
        wrong = sorted({c for c in username if not re.fullmatch(r"[a-z0-9._-]", c)})
        if wrong:
            shown = ", ".join(_("spatie") if c == " " else f"“{c}”" for c in wrong)
            errors["username"] += " " + _("Niet toegestaan: %(chars)s.", chars=shown)
        elif username and not username[0].isalpha():
            errors["username"] += " " + _("De eerste moet een letter zijn.")
    if role not in {r.value for r in Role}:
        errors["role"] = _("Kies een rol.")
    now = _now()
    with services().db.transaction() as session:
        if not errors and accounts.find(session, username) is not None:
            errors["username"] = _("Er is al een account met deze naam.")
        if not errors:
            try:
                account, token = accounts.create_pending(session, username=username, role=role,
                                                         by=_me(session), now=now)
            except accounts.AccountError as exc:
                errors["username"] = exc.diagnostics()
            else:
                _audit(session, "account_add", account, f":{role}")
                return render_template("beheer/account_created.html",
                                       account=_view(account, now, session),
                                       link=_link_url(token), hours=accounts.ENROLMENT_HOURS)
        listed = _account_list(session, now)
    labels = {"username": _("Gebruikersnaam"), "role": _("Rol")}
    summary = [(name, f"{labels[name]}: {errors[name]}") for name in labels if name in errors]
    return render_template("beheer/accounts.html", accounts=listed, roles=list(Role),
                           form={"username": username, "role": role}, errors=errors,
                           summary=summary, username_rule=USERNAME_RULE), 400


def _get_account(session: Session, account_id: int) -> Account:
    """The account; for a change, its row locked against a concurrent login's bookkeeping."""
    if not 1 <= account_id <= MAX_ID:
        abort(404)
    if request.method == "POST":
        account = accounts.find_for_update(session, account_id=account_id)
    else:
        account = session.get(Account, account_id)
    if account is None:
        abort(404)
    return account


@contextmanager
def _account(account_id: int) -> Iterator[tuple[Session, Account]]:
    """A transaction and the account in it (404 if there is none)."""
    with services().db.transaction() as session:
        yield session, _get_account(session, account_id)


def _active_tokens(session: Session, account_id: int) -> int:
    return session.scalar(
        sa.select(sa.func.count()).select_from(ApiToken)
        .where(ApiToken.account_id == account_id, ApiToken.revoked.is_(False))
    ) or 0


@bp.get("/accounts/<int:account_id>")
def account_detail(account_id: int) -> str:
    with _account(account_id) as (session, account):
        view = _view(account, _now(), session)
        tokens = _active_tokens(session, account_id)
    return render_template("beheer/account.html", account=view, tokens=tokens,
                           is_self=view.username == _official().username,
                           separation_days=accounts.SEPARATION_DAYS)


def _back(account_id: int) -> Any:
    return redirect(url_for("beheer.account_detail", account_id=account_id), code=303)


@bp.post("/accounts/<int:account_id>/disable")
def account_disable(account_id: int) -> Any:
    with _account(account_id) as (session, account):
        if account.username == _official().username:
            flash(_("Je kunt je eigen account niet uitschakelen."), "error")
            return _back(account_id)
        if not account.disabled:
            accounts.set_disabled(session, account.username, True)  # also revokes its API tokens
            _audit(session, "account_disable", account)
    flash(_("Account %(name)s is uitgeschakeld; de API-tokens zijn ingetrokken.",
            name=account.username))
    return _back(account_id)


@bp.post("/accounts/<int:account_id>/enable")
def account_enable(account_id: int) -> Any:
    with _account(account_id) as (session, account):
        if account.disabled:
            accounts.set_disabled(session, account.username, False)
            _audit(session, "account_enable", account)
    flash(_("Account %(name)s is weer ingeschakeld.", name=account.username))
    return _back(account_id)


@bp.post("/accounts/<int:account_id>/reset")
def account_reset(account_id: int) -> Any:
    """New password and second factor, set by the official through a one-time link."""
    now = _now()
    with _account(account_id) as (session, account):
        if account.username == _official().username:
            flash(_("Je eigen account stel je niet opnieuw in; vraag een andere beheerder, of "
                    "wijzig je wachtwoord zelf."), "error")
            return _back(account_id)
        token = accounts.reset(session, account, by=_me(session), now=now)
        _audit(session, "account_reset", account)
        view = _view(account, now, session)
    return render_template("beheer/account_created.html", account=view, link=_link_url(token),
                           hours=accounts.ENROLMENT_HOURS, reset=True)


@bp.post("/accounts/<int:account_id>/unlock")
def account_unlock(account_id: int) -> Any:
    with _account(account_id) as (session, account):
        account.failed_logins = 0
        account.locked_until = 0
        _audit(session, "account_unlock", account)
    flash(_("Account %(name)s is ontgrendeld.", name=account.username))
    return _back(account_id)


@bp.post("/accounts/<int:account_id>/tokens")
def token_create(account_id: int) -> Any:
    with _account(account_id) as (session, account):
        if account.disabled:
            flash(_("Een uitgeschakeld account krijgt geen API-token."), "error")
            return _back(account_id)
        token = accounts.create_token(session, account.username, _now())
        _audit(session, "token_create", account)
        view = _view(account, _now())
    return render_template("beheer/token_created.html", account=view, token=token)


@bp.post("/accounts/<int:account_id>/tokens/revoke")
def token_revoke(account_id: int) -> Any:
    with _account(account_id) as (session, account):
        n = _active_tokens(session, account_id)
        session.execute(
            sa.update(ApiToken).where(ApiToken.account_id == account_id).values(revoked=True)
        )
        _audit(session, "token_revoke", account)
    flash(ngettext("%(num)d API-token van %(name)s ingetrokken.",
                   "%(num)d API-tokens van %(name)s ingetrokken.", n, name=account.username))
    return _back(account_id)


# --- keys (read-only) -----------------------------------------------------------------


@dataclass(frozen=True)
class KeyView:
    kid: str
    nbf: int
    exp: int
    signs_now: bool
    held: bool  # the private key file is in this instance's keys folder
    state: str


@dataclass(frozen=True)
class IssuerView:
    iss: str
    name: str
    keys: list[KeyView]
    categories: list[Any]
    revocation: RevocationListRecord | None


def _held_kids() -> set[bytes]:
    keyring = services().keyring
    return set(getattr(keyring, "_key_files", {}))


def _issuer_views(now: int) -> list[IssuerView]:
    keyring = services().keyring
    held = _held_kids()
    by_iss: dict[str, list[IssuerEntry]] = {}
    for entry in keyring.store.trust_list.issuers:
        by_iss.setdefault(entry.iss, []).append(entry)
    with services().db.transaction() as session:
        lists = {r.iss: r for r in session.scalars(sa.select(RevocationListRecord))}
        for r in lists.values():
            session.expunge(r)
    views = []
    for iss in sorted(by_iss):
        entries = sorted(by_iss[iss], key=lambda e: e.nbf)
        usable = [e for e in entries if e.nbf <= now < e.exp and e.kid in held]
        signer = max(usable, key=lambda e: e.nbf) if usable else None
        keys = []
        for e in entries:
            if e.exp <= now:
                state = _("verlopen")
            elif e.nbf > now:
                state = _("nog niet geldig")
            elif e is signer:
                state = _("tekent nu")
            else:
                state = _("geldig, tekent niet")
            keys.append(KeyView(kid=e.kid.hex(), nbf=e.nbf, exp=e.exp, signs_now=e is signer,
                                held=e.kid in held, state=state))
        newest = keyring.issuers[iss]
        views.append(IssuerView(iss=iss, name=newest.name, keys=keys,
                                categories=list(newest.categories), revocation=lists.get(iss)))
    return views


@bp.get("/keys", endpoint="keys")
def keys_status() -> str:
    now = _now()
    keyring = services().keyring
    tl = keyring.store.trust_list
    return render_template(
        "beheer/keys.html", trust_list=tl, anchor_hex=keyring.anchor_hex, now=now,
        trust_list_warning=_trust_list_warning(tl.exp, now), issuers=_issuer_views(now),
        sign_command=SIGN_COMMAND, keys_dir=str(services().settings.keys_dir),
    )


# --- reports --------------------------------------------------------------------------


def _report_args() -> tuple[str, int | None]:
    """The issuer (always one: a sum over issuers minus one issuer would give back another
    issuer's suppressed counts) and the year, from the query string."""
    issuers = services().keyring.issuers
    if not issuers:
        abort(404)
    iss = request.args.get("iss") or None
    if iss is None:
        default = services().settings.default_iss
        iss = default if default in issuers else min(issuers)
    elif iss not in issuers:
        abort(404)
    raw_year = request.args.get("jaar") or ""
    year = None
    if raw_year:
        if not re.fullmatch(r"20[0-9]{2}", raw_year):
            abort(400)
        year = int(raw_year)
    return iss, year


def _category_info(iss: str) -> dict[str, Any]:
    """Category code -> its trust-list entry (label, colour)."""
    return {cat.code: cat for cat in services().keyring.categories(iss)}


def _build_report(iss: str, year: int | None) -> tuple[reports.Report, dict[str, Any]]:
    cats = _category_info(iss)
    with services().db.transaction() as session:
        report = reports.quarterly(session, iss=iss, now=_now(), year=year, categories=cats)
    return report, cats


@bp.get("/reports", endpoint="reports")
def reports_page() -> str:
    iss, year = _report_args()
    report, cats = _build_report(iss, year)
    current_year = dt.datetime.fromtimestamp(_now(), TZ).year
    return render_template(
        "beheer/reports.html", report=report, cats=cats, charts=chart(report),
        issuers=services().keyring.issuers, iss=iss, year=year,
        years=list(range(current_year, current_year - 6, -1)),
        measure_labels={k: str(v) for k, v in MEASURE_LABELS.items()},
        threshold=reports.THRESHOLD,
    )


def _csv_cell(value: str) -> str:
    """Neutralise spreadsheet formulas in text cells."""
    return "'" + value if value[:1] in ("=", "+", "-", "@") else value


@bp.get("/reports.csv")
def reports_csv() -> Response:
    iss, year = _report_args()
    report, cats = _build_report(iss, year)
    out = io.StringIO()
    writer = csv.writer(out, delimiter=";", lineterminator="\r\n")
    writer.writerow(["kwartaal", "gemeente", "categorie", "categorie_naam",
                     "uitgegeven", "verlengd", "ingetrokken"])
    for row in report.rows:
        label = cats[row.category].label if row.category in cats else row.category
        writer.writerow([row.quarter, iss, _csv_cell(row.category), _csv_cell(label),
                         *row.shown()])
    name = f"passen-per-kwartaal-{iss}{'-' + str(year) if year else ''}.csv"
    # A byte-order mark so Excel reads UTF-8; ";" because Dutch Excel splits on it.
    return Response(
        "\ufeff" + out.getvalue(), mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{name}"'},
    )
