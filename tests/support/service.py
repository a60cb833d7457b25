"""Driving the service through Flask's test client: logins, forms, tokens, a good intake.

Three ways in for an official, for three kinds of test:

* :func:`session_login` writes the session auth.py writes after password and TOTP
  (tests of what comes after the login);
* :func:`login` goes through /login and /login/totp at the time of a :class:`Clock`
  that the ``clock`` fixture (tests/tokenservice/conftest.py) puts in ``auth._now``;
* :func:`password_login` and :func:`login_as` go through both steps at the real time.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import io
import re
import time

import pyotp
import sqlalchemy as sa

from tests.support.paths import FIXTURES
from tokenservice.access import accounts
from tokenservice.issue.checklist import Checklist
from tokenservice.issue.passes import Official

ASTRONAUT = (FIXTURES / "astronaut.png").read_bytes()
CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
REQUEST_TOKEN = re.compile(r'name="request_token" value="([^"]+)"')
_DATA_URI = re.compile(r'data:(image/png|image/jpeg|application/pdf);base64,([A-Za-z0-9+/=]+)')
_TOTP = re.compile(r'<code class="totp-secret">([^<]+)</code>')
INTAKE = Official("intake", "intake")
#: The password an official sets on an enrolment link.
PASSWORD = "een eigen lang wachtwoord"


# --- forms --------------------------------------------------------------------------------------


def csrf_token(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    page = client.get(path)
    match = CSRF.search(page.get_data(as_text=True))
    assert match, f"no CSRF token on {path} ({page.status_code})"
    return html.unescape(match.group(1))


def form_tokens(client, path: str = "/intake/new") -> dict[str, str]:  # type: ignore[no-untyped-def]
    """The CSRF token of the form at ``path`` and its request token, if it has one."""
    page = client.get(path).get_data(as_text=True)
    tokens = {"csrf_token": html.unescape(CSRF.search(page).group(1))}  # type: ignore[union-attr]
    match = REQUEST_TOKEN.search(page)
    if match:
        tokens["request_token"] = match.group(1)
    return tokens


# --- officials ----------------------------------------------------------------------------------


def session_login(app, client, username: str) -> None:  # type: ignore[no-untyped-def]
    """A session as auth.py writes it after password and TOTP."""
    from tokenservice.web import auth

    with app.test_request_context(), app.extensions["pas"].db.transaction() as s:
        account = accounts.find(s, username)
        assert account is not None
        fingerprint = auth._password_fingerprint(account)
        account_id, role = account.id, account.role
    now = int(time.time())
    with client.session_transaction() as sess:
        sess.update(authenticated=True, account_id=account_id, username=username, role=role,
                    pw=fingerprint, login_at=now, seen=now)


class Clock:
    """The time auth.py sees, moved by hand (the ``clock`` fixture installs it)."""

    def __init__(self) -> None:
        self.now = int(time.time())

    def advance(self, seconds: int) -> None:
        self.now += seconds


def code_at(secret: str, when: int) -> str:
    return pyotp.TOTP(secret).at(when)


def post_password(client, username: str, password: str, query: str = ""):  # type: ignore[no-untyped-def]
    token = csrf_token(client, "/login" + query)
    return client.post("/login" + query, data={"csrf_token": token, "username": username,
                                                "password": password})


def post_code(client, code: str, path: str = "/login/totp"):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, path), "code": code})


def login(client, instance, clock: Clock, username: str, query: str = ""):  # type: ignore[no-untyped-def]
    """Password, then the TOTP code of the clock's time; the response to the code step."""
    password, secret = instance.accounts[username]
    first = post_password(client, username, password, query)
    assert first.status_code == 302 and first.location.endswith("/login/totp"), first.status_code
    return post_code(client, code_at(secret, clock.now))


def password_login(client, username: str, password: str, secret: str) -> None:  # type: ignore[no-untyped-def]
    """Both login steps at the real time; fails unless they end on a page of the app."""
    from urllib.parse import urlsplit

    first = client.post("/login", data={"csrf_token": csrf_token(client, "/login"),
                                        "username": username, "password": password})
    assert first.status_code == 302, first.status_code
    step = urlsplit(first.location).path  # /login/totp
    code = pyotp.TOTP(secret).now()
    done = client.post(step, data={"csrf_token": csrf_token(client, step), "code": code})
    assert done.status_code == 302 and urlsplit(done.location).path not in ("/login", step)


def login_as(client, instance, username: str) -> None:  # type: ignore[no-untyped-def]
    """A demo account of ``instance`` through the real login."""
    password, secret = instance.accounts[username]
    password_login(client, username, password, secret)


def enrol(client, path: str, password: str = PASSWORD):  # type: ignore[no-untyped-def]
    """Open an enrolment link, set ``password`` and the second factor the page shows."""
    page = client.get(path)
    assert page.status_code == 200, page.status_code
    text = page.get_data(as_text=True)
    secret = _TOTP.search(text).group(1).replace(" ", "")  # type: ignore[union-attr]
    token = html.unescape(re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', text).group(1))  # type: ignore[union-attr]
    done = client.post(path, data={"csrf_token": token, "password": password, "repeat": password,
                                   "code": pyotp.TOTP(secret).now()})
    return done, secret


def token_for(app, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    """An API bearer token of ``username``, as request headers."""
    with app.extensions["pas"].db.transaction() as s:
        token = accounts.create_token(s, username, int(time.time()))
    return {"Authorization": f"Bearer {token}"}


# --- an intake ----------------------------------------------------------------------------------


def years_ago(years: int, days: int = 0) -> str:
    today = dt.date.today()
    try:
        day = today.replace(year=today.year - years)
    except ValueError:  # 29 February
        day = today.replace(year=today.year - years, day=28)
    return (day - dt.timedelta(days=days)).isoformat()


def good_fields(**overrides: str) -> dict[str, str]:
    """An intake form that passes the checklist (BSN and KvK belong to no one)."""
    fields = {
        "id_document_type": "passport",
        "id_valid_until": (dt.date.today() + dt.timedelta(days=400)).isoformat(),
        "bsn": "111222333",
        "kvk": "12345678",
        "birth_date": years_ago(30),
        "work_location_known": "yes",
        "housing_known": "yes",
        "information_given": "yes",
        "help_offered": "yes",
        "category": "raam",
        "language": "en",
    }
    fields.update(overrides)
    return {k: v for k, v in fields.items() if v is not None}


def checklist(**overrides: object) -> Checklist:
    values: dict[str, object] = {
        "birth_date": years_ago(30), "id_document_type": "id_card",
        "id_valid_until": (dt.date.today() + dt.timedelta(days=30)).isoformat(),
        "bsn": None, "no_bsn_reason": "rni_pending", "kvk": "87654321",
    }
    values.update(overrides)
    return Checklist(**values)  # type: ignore[arg-type]


def post_intake(client, fields: dict[str, str], photo: bytes | None = ASTRONAUT,  # type: ignore[no-untyped-def]
                path: str = "/intake/new", tokens: dict[str, str] | None = None):
    data: dict[str, object] = {**(tokens or form_tokens(client)), **fields}
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "photo.png")
    return client.post(path, data=data, content_type="multipart/form-data")


def data_uris(page: str) -> list[tuple[str, bytes]]:
    """(media type, bytes) of every data: URI on the page: card, sheet, receipt, leaflet, photo."""
    return [(m.group(1), base64.b64decode(m.group(2))) for m in _DATA_URI.finditer(page)]


def result_number(page: str) -> str:
    """The pass number on an intake's result page."""
    match = re.search(r'id="intake-result"[^>]*data-number="([^"]+)"', page)
    assert match, page[:2000]
    return match.group(1)


def count(app, model) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["pas"].db.transaction() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(model)))
