"""Rate limits that protect the worker and the official instead of locking them out (issue 12).

/mijn-pas: failures count per *normalised* pass number, per client address (IPv6 per
/64) and against a global cap on Argon2id work; the counters live in the database
(shared by every worker process, kept over a restart) under keyed hashes only; a
device that opened the page before is exempt; a refused request does no Argon2id work.

/login: failures count per (username, address) and against a global cap; a device
that logged in before is exempt; nobody is locked out by someone who knows only the
username.

Every test that touches the database runs on SQLite and on PostgreSQL.
"""

from __future__ import annotations

import re
import threading
import time
from typing import Any

import pyotp
import pytest
import sqlalchemy as sa

from keys import escrow as keys_escrow
from tokenservice import escrow
from tokenservice.access import accounts
from tokenservice.escrow import code as escrow_code
from tokenservice.escrow.seal import Identity
from tokenservice.issue.passes import Official
from tokenservice.web import auth, mijnpas
from verifier import passnumber

PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
ANNA = Identity(given_names="Anna", family_name="Kowalska", birth_date="1994-07-13",
                id_document_number="NX7Q4R2K9", bsn="123456782")
ATTACKER = {"REMOTE_ADDR": "198.51.100.66"}
HER = {"REMOTE_ADDR": "192.0.2.10"}
_CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


# --- fixtures and helpers ----------------------------------------------------------------------


class Clock:
    def __init__(self) -> None:
        self.now = int(time.time()) // 3600 * 3600  # the start of an hour: windows align

    def advance(self, seconds: int) -> None:
        self.now += seconds


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(mijnpas, "_now", lambda: c.now)
    monkeypatch.setattr(auth, "_now", lambda: c.now)
    return c


def _make_app(instance: Any, team: Any, **overrides: Any) -> Any:
    import dataclasses

    from tokenservice.web.app import create_app

    app = create_app(dataclasses.replace(instance.settings(), **overrides))
    app.config.update(TESTING=True)
    (instance.path / "keys" / "escrow.pub").write_text(keys_escrow.format_public_file(team, created=0))
    return app


@pytest.fixture
def apps(instance, team):  # type: ignore[no-untyped-def]
    """A factory of app instances on the one database: gunicorn's worker processes."""
    made: list[Any] = []

    def make(**overrides: Any) -> Any:
        app = _make_app(instance, team, **overrides)
        made.append(app)
        return app

    yield make
    for app in made:
        app.extensions["pas"].db.dispose()


@pytest.fixture
def web(apps):  # type: ignore[no-untyped-def]
    return apps()


@pytest.fixture
def argon(monkeypatch: pytest.MonkeyPatch) -> list[int]:
    """Counts Argon2id derivations of the personal code (real or dummy)."""
    calls = [0]
    real = escrow_code._derive

    def counting(*args: Any, **kwargs: Any) -> Any:
        calls[0] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(escrow_code, "_derive", counting)
    return calls


def _token(client: Any, path: str = "/mijn-pas/?lang=en") -> str:
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, path
    return match.group(1)


def _show(client: Any, number: str, code: str, environ: dict[str, str] | None = None) -> Any:
    return client.post("/mijn-pas/", data={"csrf_token": _token(client), "number": number,
                                           "code": code, "lang": "en"},
                       environ_base=environ or HER)


def _spellings(number: str) -> list[str]:
    """Ways to type one pass number that all normalise to it."""
    prefix, body, check = number.split("-")
    aliased = body.replace("1", "I").replace("0", "O")
    return [
        number, number.lower(), number.replace("-", ""), number.replace("-", " "),
        f" {prefix} - {body} - {check} ", f"{prefix}{body}{check}".lower(),
        f"{prefix}-{aliased}-{check}", f"{prefix.lower()}-{body[:4]} {body[4:]}-{check}",
        f"{prefix}--{body}--{check}",
    ]


def _limiter_rows(app: Any) -> list[tuple[Any, ...]]:
    from tokenservice.store.models import RateLimitCounter

    with app.extensions["pas"].db.transaction() as s:
        return [tuple(getattr(r, c.key) for c in sa.inspect(RateLimitCounter).columns)
                for r in s.scalars(sa.select(RateLimitCounter))]


# --- /mijn-pas -------------------------------------------------------------------------------------


def test_spellings_of_one_number_share_one_limit(web, holder, argon, clock) -> None:  # type: ignore[no-untyped-def]
    number, _code = holder
    spellings = _spellings(number)
    assert {passnumber.normalize(s) for s in spellings} == {number}
    client = web.test_client()
    statuses = [_show(client, s, escrow.new_code(), ATTACKER).status_code for s in spellings]
    assert statuses[: mijnpas.NUMBER_LIMIT] == [200] * mijnpas.NUMBER_LIMIT
    assert set(statuses[mijnpas.NUMBER_LIMIT:]) == {429}, statuses
    assert argon[0] == mijnpas.NUMBER_LIMIT  # no Argon2id for a refused guess


def test_her_code_opens_her_page_on_her_device_during_an_attack(web, holder, clock) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    hers, attacker = web.test_client(), web.test_client()
    assert "Kowalska" in _show(hers, number, code).get_data(as_text=True)  # once, before
    for spelling in _spellings(number) * 2:
        _show(attacker, spelling, escrow.new_code(), ATTACKER)
    assert _show(attacker, number, escrow.new_code(), ATTACKER).status_code == 429
    page = _show(hers, number, code)
    assert page.status_code == 200 and "Kowalska" in page.get_data(as_text=True)


def test_the_device_cookie_is_signed_httponly_secure_strict_and_holds_no_number(
    apps, instance, holder, clock
) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    app = apps(secure_cookies=True)
    client = app.test_client()
    token = _token(client, "https://localhost/mijn-pas/?lang=en")
    page = client.post("/mijn-pas/", base_url="https://localhost", environ_base=HER,
                       data={"csrf_token": token, "number": number, "code": code, "lang": "en"})
    assert page.status_code == 200
    cookies = [h for h in page.headers.getlist("Set-Cookie") if not h.startswith("pas_session=")]
    assert len(cookies) == 1, cookies
    cookie = cookies[0]
    assert "HttpOnly" in cookie and "Secure" in cookie and "SameSite=Strict" in cookie
    assert "Path=/mijn-pas" in cookie
    body = number.split("-")[1]
    assert body not in cookie and body.lower() not in cookie and "Kowalska" not in cookie
    # a forged or altered cookie is no exemption
    name, value = cookie.split(";")[0].split("=", 1)
    attacker = app.test_client()
    attacker.set_cookie(name, value[:-2] + ("AA" if value[-2:] != "AA" else "BB"), path="/mijn-pas",
                        domain="localhost")
    for _ in range(mijnpas.NUMBER_LIMIT):
        _show(attacker, number, escrow.new_code(), ATTACKER)
    assert _show(attacker, number, escrow.new_code(), ATTACKER).status_code == 429


def test_one_ipv6_64_is_one_address(web, argon, clock) -> None:  # type: ignore[no-untyped-def]
    client = web.test_client()
    statuses = []
    for i in range(mijnpas.IP_LIMIT + 5):
        fresh = {"REMOTE_ADDR": f"2001:db8:7:42:{i:x}:{i * 7:x}::{i + 1:x}"}
        number = passnumber.new("DM")  # well-formed, unknown: full Argon2id cost each
        statuses.append(_show(client, number, escrow.new_code(), fresh).status_code)
        clock.advance(60)  # slow enough for the global cap
    assert statuses[: mijnpas.IP_LIMIT] == [200] * mijnpas.IP_LIMIT
    assert set(statuses[mijnpas.IP_LIMIT:]) == {429}
    assert argon[0] == mijnpas.IP_LIMIT


def test_a_flood_from_fresh_addresses_is_capped_globally(web, holder, argon, clock) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    hers = web.test_client()
    assert _show(hers, number, code).status_code == 200  # her device, before the flood
    argon[0] = 0
    client = web.test_client()
    statuses = [
        _show(client, passnumber.new("DM"), escrow.new_code(),
              {"REMOTE_ADDR": f"2001:db8:{i:x}::1"}).status_code
        for i in range(60)
    ]
    cap = getattr(mijnpas, "GLOBAL_LIMIT", 10)
    assert argon[0] <= cap, f"{argon[0]} Argon2id checks in one window from 60 fresh /64s"
    assert statuses.count(429) >= 60 - cap
    # a newcomer waits for the next window; her device does not
    assert _show(web.test_client(), number, code).status_code == 429
    assert "Kowalska" in _show(hers, number, code).get_data(as_text=True)
    clock.advance(getattr(mijnpas, "GLOBAL_WINDOW", 60))
    assert "Kowalska" in _show(web.test_client(), number, code).get_data(as_text=True)


def test_malformed_numbers_cost_no_argon2id(web, argon, clock) -> None:  # type: ignore[no-untyped-def]
    client = web.test_client()
    assert mijnpas.t("en", "wrong") in _show(client, "DM-00000000-1", escrow.new_code()).get_data(as_text=True)
    assert mijnpas.t("en", "wrong") in _show(client, passnumber.new("DM"), "nonsense").get_data(as_text=True)
    assert argon[0] == 0


def test_two_workers_share_the_limit_and_a_restart_keeps_it(apps, instance, holder, clock) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    first, second = apps(), apps()  # two gunicorn workers: two apps on one database
    spellings = _spellings(number)
    for i in range(mijnpas.NUMBER_LIMIT):
        worker = (first, second)[i % 2]
        assert _show(worker.test_client(), spellings[i], escrow.new_code(), ATTACKER).status_code == 200
    assert _show(first.test_client(), number, escrow.new_code(), ATTACKER).status_code == 429
    assert _show(second.test_client(), number, code, HER).status_code == 429  # a new device
    for app in (first, second):
        app.extensions["pas"].db.dispose()
    restarted = apps()
    assert _show(restarted.test_client(), number.lower(), escrow.new_code(), ATTACKER).status_code == 429
    clock.advance(mijnpas.WINDOW_SECONDS)
    assert "Kowalska" in _show(restarted.test_client(), number, code).get_data(as_text=True)


def test_her_successes_do_not_count_as_failures(web, holder, clock) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    for _ in range(mijnpas.NUMBER_LIMIT + 2):
        assert _show(web.test_client(), number, code).status_code == 200  # fresh devices
        clock.advance(mijnpas.GLOBAL_WINDOW)  # (the global cap is not what this is about)


def test_erase_is_limited_like_show(web, holder, argon, clock) -> None:  # type: ignore[no-untyped-def]
    number, _code = holder
    client = web.test_client()
    for spelling in _spellings(number)[: mijnpas.NUMBER_LIMIT]:
        _show(client, spelling, escrow.new_code(), ATTACKER)
    before = argon[0]
    erased = client.post("/mijn-pas/wissen", environ_base=ATTACKER, data={
        "csrf_token": _token(client), "number": number.lower(), "code": escrow.new_code(),
        "erase": "y", "lang": "en"})
    assert erased.status_code == 429 and argon[0] == before


def test_limiter_rows_are_keyed_hashes_and_short_lived(web, holder, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    from tokenservice.access import limiter

    number, code = holder
    client = web.test_client()
    with caplog.at_level("DEBUG"):
        for spelling in _spellings(number)[:3]:
            _show(client, spelling, escrow.new_code(), {"REMOTE_ADDR": "2001:db8:5:6::7"})
        _show(client, number, code)
        _show(web.test_client(), "nobody", "x" * 12)
    rows = _limiter_rows(web)
    assert rows
    dump = repr(rows).encode() + b"".join(v for row in rows for v in row if isinstance(v, bytes))
    for secret in (number, number.replace("-", ""), "2001:db8:5:6", "192.0.2.10",
                   number.split("-")[1]):
        assert secret.encode() not in dump and secret.lower().encode() not in dump
        assert secret not in caplog.text
    assert all(row_key_is_hash(row) for row in rows)
    # expired rows go
    clock.advance(mijnpas.WINDOW_SECONDS + 1)
    with web.extensions["pas"].db.transaction() as s:
        limiter.cleanup(s, clock.now)
    assert _limiter_rows(web) == []


def row_key_is_hash(row: tuple[Any, ...]) -> bool:
    return any(isinstance(v, bytes) and len(v) == 32 for v in row)


def test_concurrent_takes_never_pass_the_limit(web, clock) -> None:  # type: ignore[no-untyped-def]
    from tokenservice.access import limiter

    db = web.extensions["pas"].db
    lim = limiter.Limiter(db, "test secret")
    bucket = lim.bucket("test", "one key", limit=7, window=3600)
    granted: list[bool] = []
    lock = threading.Lock()

    def attempt() -> None:
        ticket = lim.take([bucket], clock.now)
        with lock:
            granted.append(ticket is not None)

    threads = [threading.Thread(target=attempt) for _ in range(24)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert granted.count(True) == 7


def test_a_refund_gives_the_unit_back_and_leaves_no_row(web, clock) -> None:  # type: ignore[no-untyped-def]
    from tokenservice.access import limiter

    lim = limiter.Limiter(web.extensions["pas"].db, "test secret")
    bucket = lim.bucket("test", "her number", limit=1, window=3600)
    ticket = lim.take([bucket], clock.now)
    assert ticket is not None and lim.take([bucket], clock.now) is None
    lim.refund(ticket, [bucket])
    assert _limiter_rows(web) == []
    assert lim.take([bucket], clock.now) is not None


# --- /login ------------------------------------------------------------------------------------------


def _post_password(client: Any, username: str, password: str, environ: dict[str, str]) -> Any:
    token = _CSRF.search(client.get("/login", environ_base=environ).get_data(as_text=True))
    assert token
    return client.post("/login", environ_base=environ, data={
        "csrf_token": token.group(1), "username": username, "password": password})


def _login(client: Any, instance: Any, clock: Clock, username: str, environ: dict[str, str]) -> bool:
    password, secret = instance.accounts[username]
    first = _post_password(client, username, password, environ)
    if first.status_code != 302:
        return False
    page = client.get("/login/totp", environ_base=environ).get_data(as_text=True)
    token = _CSRF.search(page)
    assert token
    done = client.post("/login/totp", environ_base=environ, data={
        "csrf_token": token.group(1), "code": pyotp.TOTP(secret).at(clock.now)})
    with client.session_transaction() as s:
        return bool(s.get("authenticated")) and done.status_code == 302


def test_failures_from_elsewhere_do_not_lock_out_the_official(web, instance, clock) -> None:  # type: ignore[no-untyped-def]
    settings = web.extensions["pas"].settings
    attacker = web.test_client()
    for _ in range(settings.lockout_attempts * 3):
        _post_password(attacker, "handhaver", "wrong password!", ATTACKER)
    assert _post_password(attacker, "handhaver", instance.accounts["handhaver"][0],
                          ATTACKER).status_code == 200  # that address is limited
    assert _login(web.test_client(), instance, clock, "handhaver", {"REMOTE_ADDR": "10.20.30.40"})


def test_a_device_that_logged_in_before_is_exempt(web, instance, clock) -> None:  # type: ignore[no-untyped-def]
    settings = web.extensions["pas"].settings
    office = {"REMOTE_ADDR": "10.20.30.40"}
    hers = web.test_client()
    assert _login(hers, instance, clock, "intake", office)
    hers.post("/logout", environ_base=office, data={"csrf_token": _CSRF.search(
        hers.get("/account/password", environ_base=office).get_data(as_text=True)).group(1)})
    # the attacker sits behind the same address (the office's NAT) and floods the username
    attacker = web.test_client()
    for _ in range(settings.lockout_attempts * 3):
        _post_password(attacker, "intake", "wrong password!", office)
    assert _post_password(attacker, "intake", instance.accounts["intake"][0], office).status_code == 200
    clock.advance(30)  # a fresh TOTP code
    assert _login(hers, instance, clock, "intake", office)


def test_a_password_flood_from_many_addresses_is_capped_globally(web, instance, clock, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    checks = [0]
    real_matches = accounts.password_matches

    def matches(stored: str, password: str) -> bool:  # burn_password_check calls it too
        checks[0] += 1
        return real_matches(stored, password)

    monkeypatch.setattr(accounts, "password_matches", matches)
    client = web.test_client()
    for i in range(80):
        _post_password(client, ("beheer", "nobody", "intake")[i % 3], f"guess {i} of many",
                       {"REMOTE_ADDR": f"2001:db8:{i:x}::9"})
    cap = getattr(auth, "LOGIN_GLOBAL_LIMIT", 30)
    assert checks[0] <= cap
    # the accounts themselves are not locked: from a known device, or after the window, in
    office = {"REMOTE_ADDR": "10.20.30.40"}
    clock.advance(getattr(auth, "LOGIN_GLOBAL_WINDOW", 60))
    assert _login(web.test_client(), instance, clock, "beheer", office)


def test_same_address_guessing_is_still_limited(web, instance, clock) -> None:  # type: ignore[no-untyped-def]
    settings = web.extensions["pas"].settings
    client = web.test_client()
    for _ in range(settings.lockout_attempts):
        _post_password(client, "beheer", "wrong password!", ATTACKER)
    assert not _login(client, instance, clock, "beheer", ATTACKER)
    clock.advance(settings.lockout_minutes * 60)
    assert _login(client, instance, clock, "beheer", ATTACKER)


def test_login_limiter_keeps_no_username_in_the_clear(web, instance, clock, caplog) -> None:  # type: ignore[no-untyped-def]
    client = web.test_client()
    with caplog.at_level("DEBUG"):
        for _ in range(3):
            _post_password(client, "handhaver", "wrong password!", ATTACKER)
    rows = _limiter_rows(web)
    assert rows
    dump = repr(rows).encode() + b"".join(v for row in rows for v in row if isinstance(v, bytes))
    assert b"handhaver" not in dump and b"198.51.100" not in dump
    assert "handhaver" not in caplog.text
