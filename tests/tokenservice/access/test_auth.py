"""Login of officials: password then TOTP, lockout, enrolment, idle timeout, roles, cookies.

Each test runs on SQLite and PostgreSQL (the ``instance`` fixture). Time is injected by
replacing ``tokenservice.web.auth._now``; TOTP codes are computed for that time.
"""

from __future__ import annotations

import html
import re
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa
from flask import Blueprint

from tests.support.service import code_at, csrf_token, login, post_code, post_password
from tokenservice.access import accounts
from tokenservice.store.models import Account, AuditEvent
from tokenservice.web import auth

_FLASH = re.compile(r'<p class="flash flash-error"[^>]*>(.*?)</p>', re.S)


def logged_in(client) -> bool:
    with client.session_transaction() as s:
        return bool(s.get("authenticated"))


def flash_error(response) -> str:
    match = _FLASH.search(response.get_data(as_text=True))
    assert match, "no error message on the page"
    return match.group(1).strip()


def db(app):
    return app.extensions["pas"].db


def test_login_needs_the_password_and_then_the_totp_code(app, client, instance, clock) -> None:
    password, secret = instance.accounts["intake"]
    first = post_password(client, "intake", password)
    assert first.status_code == 302 and urlsplit(first.location).path == "/login/totp"
    assert not logged_in(client)
    assert urlsplit(client.get("/").location).path == "/login"  # the password alone is not a login

    done = post_code(client, code_at(secret, clock.now))
    assert done.status_code == 302 and urlsplit(done.location).path == "/"
    with client.session_transaction() as s:
        assert s["authenticated"] is True and s["username"] == "intake" and s["role"] == "intake"
        assert s.permanent
    assert "intake" in client.get("/account/password").get_data(as_text=True)


def test_wrong_totp_code_is_refused(client, instance, clock) -> None:
    password, secret = instance.accounts["intake"]
    post_password(client, "intake", password)
    wrong = f"{(int(code_at(secret, clock.now)) + 1) % 1_000_000:06d}"
    refused = post_code(client, wrong)
    assert refused.status_code == 200 and not logged_in(client)
    assert post_code(client, "abcdef").status_code == 200 and not logged_in(client)


def test_a_totp_code_cannot_be_used_twice(client, instance, clock) -> None:
    password, secret = instance.accounts["intake"]
    code = code_at(secret, clock.now)
    login(client, instance, clock, "intake")
    assert logged_in(client)
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})
    assert not logged_in(client)

    post_password(client, "intake", password)
    replay = post_code(client, code)
    assert replay.status_code == 200 and not logged_in(client)
    clock.advance(30)  # the next code works
    post_code(client, code_at(secret, clock.now))
    assert logged_in(client)


def test_lockout_after_repeated_failures_refuses_the_right_password_until_it_expires(
    app, client, instance, clock
) -> None:
    # Wrong passwords limit (username, address), not the account (issue 12; more in
    # test_limiter.py): from this address the right one is refused until the window ends.
    settings = app.extensions["pas"].settings
    password, secret = instance.accounts["handhaver"]
    for _ in range(settings.lockout_attempts):
        assert post_password(client, "handhaver", "wrong password!").status_code == 200
    locked = post_password(client, "handhaver", password)
    assert locked.status_code == 200 and "/login/totp" not in (locked.location or "")
    with db(app).transaction() as s:
        assert not accounts.is_locked(accounts.find(s, "handhaver"), clock.now)

    clock.advance(settings.lockout_minutes * 60)
    assert post_password(client, "handhaver", password).status_code == 302
    post_code(client, code_at(secret, clock.now))
    assert logged_in(client)
    with db(app).transaction() as s:
        account = accounts.find(s, "handhaver")
        assert account.failed_logins == 0 and account.locked_until == 0


def test_wrong_codes_count_towards_the_lockout(app, client, instance, clock) -> None:
    settings = app.extensions["pas"].settings
    password, secret = instance.accounts["intake"]
    wrong = f"{(int(code_at(secret, clock.now)) + 500_000) % 1_000_000:06d}"
    post_password(client, "intake", password)
    for _ in range(settings.lockout_attempts - 1):
        assert post_code(client, wrong).status_code == 200
    locked = post_code(client, wrong)  # failure number N: locked, back to the start
    assert urlsplit(locked.location).path == "/login" and not logged_in(client)
    assert post_password(client, "intake", password).status_code == 200
    with db(app).transaction() as s:
        assert accounts.is_locked(accounts.find(s, "intake"), clock.now)


def test_unknown_user_wrong_password_and_locked_account_get_the_same_answer(
    app, client, instance, clock
) -> None:
    settings = app.extensions["pas"].settings
    unknown = post_password(client, "nobody", "some password 123")
    wrong = post_password(client, "beheer", "some password 123")
    for _ in range(settings.lockout_attempts):
        post_password(client, "beheer", "some password 123")
    locked = post_password(client, "beheer", instance.accounts["beheer"][0])
    assert unknown.status_code == wrong.status_code == locked.status_code == 200
    assert flash_error(unknown) == flash_error(wrong) == flash_error(locked)


def test_disabled_account_cannot_log_in(app, client, instance, clock) -> None:
    with db(app).transaction() as s:
        accounts.set_disabled(s, "intake", True)
    refused = post_password(client, "intake", instance.accounts["intake"][0])
    assert refused.status_code == 200
    assert flash_error(refused) == flash_error(post_password(client, "nobody", "x" * 12))


def test_disabling_an_account_ends_its_open_session(app, client, instance, clock) -> None:
    login(client, instance, clock, "intake")
    assert client.get("/account/password").status_code == 200
    with db(app).transaction() as s:
        accounts.set_disabled(s, "intake", True)
    assert urlsplit(client.get("/account/password").location).path == "/login"


def test_logout_also_ends_a_copy_of_the_session_cookie(app, client, instance, clock) -> None:
    """Sessions are signed cookies: a copy (another tab, a stolen cookie) must die at logout."""
    login(client, instance, clock, "beheer")
    copied = client.get_cookie("pas_session").value
    thief = app.test_client()
    thief.set_cookie("pas_session", copied)
    assert thief.get("/account/password").status_code == 200  # the copy works before logout
    client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})
    assert urlsplit(thief.get("/account/password").location).path == "/login"
    assert not logged_in(client)


def test_reset_by_beheer_ends_the_open_session_and_the_old_password(app, client, instance, clock) -> None:
    login(client, instance, clock, "intake")
    with db(app).transaction() as s:
        accounts.reset(s, accounts.find(s, "intake"), by=accounts.find(s, "beheer"), now=clock.now)
    assert urlsplit(client.get("/account/password").location).path == "/login"
    refused = post_password(client, "intake", instance.accounts["intake"][0])
    assert refused.status_code == 200 and not logged_in(client)


def test_lock_lifted_by_beheer_starts_a_fresh_count(app, client, instance, clock) -> None:
    settings = app.extensions["pas"].settings
    password, secret = instance.accounts["intake"]
    wrong = f"{(int(code_at(secret, clock.now)) + 500_000) % 1_000_000:06d}"
    post_password(client, "intake", password)
    for _ in range(settings.lockout_attempts):  # wrong second factors lock the account
        post_code(client, wrong)
    with db(app).transaction() as s:
        account = accounts.find(s, "intake")
        assert accounts.is_locked(account, clock.now)
        account.locked_until = 0  # lifted, even if the count stays
    post_password(client, "intake", password)
    post_code(client, wrong)  # one more failure does not lock again
    assert post_password(client, "intake", password).status_code == 302


def test_an_account_without_a_second_factor_is_not_enrolled_at_login(app, client, clock) -> None:
    """The second factor is set through the enrolment link only (docs/adr/0012): whoever
    knows the password of a not-enrolled account does not get to choose it."""
    with db(app).transaction() as s:
        new = accounts.create(s, username="nieuw", role="intake", password="een lang wachtwoord",
                              now=clock.now, enrolled=False)
    first = post_password(client, "nieuw", new.password)
    assert first.status_code == 200 and "inschrijflink" in html.unescape(first.get_data(as_text=True))
    assert urlsplit(client.get("/login/totp").location).path == "/login"
    assert client.get("/login/enroll").status_code == 404
    assert not logged_in(client)
    with db(app).transaction() as s:
        assert not accounts.find(s, "nieuw").totp_enrolled


def test_code_step_without_the_password_step_goes_back_to_login(client, instance, clock) -> None:
    assert urlsplit(client.get("/login/totp").location).path == "/login"
    post_password(client, "intake", instance.accounts["intake"][0])
    token = csrf_token(client, "/login/totp")
    clock.advance(auth.PENDING_SECONDS + 1)
    late = client.post("/login/totp", data={"csrf_token": token,
                                             "code": code_at(instance.accounts["intake"][1], clock.now)})
    assert urlsplit(late.location).path == "/login" and not logged_in(client)


def test_idle_session_is_logged_out(app, client, instance, clock) -> None:
    idle = app.extensions["pas"].settings.idle_minutes * 60
    login(client, instance, clock, "intake")
    clock.advance(idle - 10)
    assert client.get("/account/password").status_code == 200  # activity resets the timer
    clock.advance(idle - 10)
    assert client.get("/account/password").status_code == 200
    with client.session_transaction() as s:
        s["seen"] = clock.now - idle - 1
    assert urlsplit(client.get("/account/password").location).path == "/login"
    assert not logged_in(client)
    # However active, a session ends after MAX_SESSION_HOURS.
    clock.advance(30)
    login(client, instance, clock, "intake")
    with client.session_transaction() as s:
        s["login_at"] = clock.now - auth.MAX_SESSION_HOURS * 3600 - 1
    assert urlsplit(client.get("/account/password").location).path == "/login"


def test_session_holds_nothing_from_before_login(client, instance, clock) -> None:
    with client.session_transaction() as s:
        s["planted"] = "by someone else"
        s["lang"] = "en"
    login(client, instance, clock, "intake")
    with client.session_transaction() as s:
        assert "planted" not in s and "pending_login" not in s
        assert s["lang"] == "en"


def test_role_is_checked_intake_cannot_open_a_handhaver_page(app, instance, clock) -> None:
    test_bp = Blueprint("test_handhaver_only", __name__)

    @test_bp.get("/_test/handhaver-only")
    @auth.login_required("handhaver")
    def handhaver_only() -> str:
        return "revocations"

    app.register_blueprint(test_bp)
    intake, handhaver = app.test_client(), app.test_client()
    login(intake, instance, clock, "intake")
    assert intake.get("/_test/handhaver-only").status_code == 403
    login(handhaver, instance, clock, "handhaver")
    assert handhaver.get("/_test/handhaver-only").get_data(as_text=True) == "revocations"
    anonymous = app.test_client().get("/_test/handhaver-only")
    assert anonymous.status_code == 302
    assert anonymous.location.endswith("/login?next=/_test/handhaver-only")


@pytest.mark.parametrize("target", ["https://evil.example/", "//evil.example/x", "/\\evil.example",
                                    "javascript:alert(1)", "https:/evil.example"])
def test_login_does_not_redirect_off_site(client, instance, clock, target: str) -> None:
    from urllib.parse import quote

    done = login(client, instance, clock, "intake", query="?next=" + quote(target, safe=""))
    assert done.status_code == 302 and urlsplit(done.location).netloc in ("", "localhost")
    assert urlsplit(done.location).path == "/"


def test_login_returns_to_the_local_page_asked_for(client, instance, clock) -> None:
    to_login = client.get("/account/password")
    query = "?" + urlsplit(to_login.location).query
    done = login(client, instance, clock, "intake", query=query)
    assert done.location.endswith("/account/password")


def test_session_cookie_is_httponly_samesite_strict_and_secure_in_production(app, client, instance) -> None:
    from tokenservice import config
    from tokenservice.web.app import create_app

    cookie = next(c for c in client.get("/login").headers.getlist("Set-Cookie") if c.startswith("pas_session="))
    assert "HttpOnly" in cookie and "SameSite=Strict" in cookie and "Secure" not in cookie

    production = create_app(config.load(env={}, instance_dir=instance.path,
                                        database_url=instance.database_url, secure_cookies=True))
    try:
        response = production.test_client().get("/login", base_url="https://localhost")
        cookie = next(c for c in response.headers.getlist("Set-Cookie") if c.startswith("pas_session="))
        assert "Secure" in cookie and "HttpOnly" in cookie and "SameSite=Strict" in cookie
        assert response.headers["Strict-Transport-Security"].startswith("max-age=")
    finally:
        production.extensions["pas"].db.dispose()


def test_logout_ends_the_session(client, instance, clock) -> None:
    login(client, instance, clock, "beheer")
    out = client.post("/logout", data={"csrf_token": csrf_token(client, "/account/password")})
    assert urlsplit(out.location).path == "/login" and not logged_in(client)
    assert client.get("/logout").status_code == 405  # only a form button logs out
    assert urlsplit(client.get("/account/password").location).path == "/login"


def test_password_change_checks_the_old_one_and_ends_other_sessions(app, instance, clock) -> None:
    password = instance.accounts["intake"][0]
    this, other = app.test_client(), app.test_client()
    login(this, instance, clock, "intake")
    clock.advance(30)
    login(other, instance, clock, "intake")

    def change(old: str, new: str, repeat: str):
        token = csrf_token(this, "/account/password")
        return this.post("/account/password",
                         data={"csrf_token": token, "old": old, "new": new, "repeat": repeat})

    assert change("not the password", "a new long password", "a new long password").status_code == 200
    assert change(password, "short", "short").status_code == 200
    assert change(password, password, password).status_code == 200
    assert change(password, "a new long password", "another long password").status_code == 200
    with db(app).transaction() as s:
        assert accounts.password_matches(accounts.find(s, "intake").password_hash, password)

    done = change(password, "a new long password", "a new long password")
    assert done.status_code == 302
    assert this.get("/account/password").status_code == 200  # this session continues
    assert urlsplit(other.get("/account/password").location).path == "/login"  # the other ends
    with db(app).transaction() as s:
        account = s.scalar(sa.select(Account).where(Account.username == "intake"))
        assert accounts.password_matches(account.password_hash, "a new long password")
        assert account.failed_logins == 0
        assert s.scalar(sa.select(AuditEvent.action).where(AuditEvent.actor == "intake")) == "password_changed"


def test_language_switch_is_kept_and_returns_to_the_page(client) -> None:
    token = csrf_token(client)
    back = client.post("/lang", data={"csrf_token": token, "lang": "en", "next": "/login?x=1"})
    assert back.status_code == 302 and back.location.endswith("/login?x=1")
    assert '<html lang="en">' in client.get("/login").get_data(as_text=True)
    away = client.post("/lang", data={"csrf_token": token, "lang": "xx", "next": "https://evil.example"})
    assert urlsplit(away.location).netloc in ("", "localhost")
    with client.session_transaction() as s:
        assert s["lang"] == "en"


def test_nav_shows_the_role_s_links_the_name_and_logout(app, instance, clock) -> None:
    client = app.test_client()
    assert "Uitloggen" not in client.get("/login").get_data(as_text=True)
    login(client, instance, clock, "handhaver")
    page = client.get("/account/password").get_data(as_text=True)
    assert "handhaver" in page and 'action="/logout"' in page and 'action="/lang"' in page
    assert "Nieuwe pas" not in page and "Rapportage" not in page
