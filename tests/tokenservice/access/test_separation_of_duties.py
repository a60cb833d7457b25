"""Issue 12, finding 5: one beheer person must not satisfy the two-person rule alone.

The attacks, done through the web pages exactly as one beheer person could:

* create two handhaver accounts, take both over with what the beheer page hands out,
  ask with one and approve with the other;
* reset a real handhaver's credentials (taking the account over the same way) and
  approve with a second account of their own;
* make a second beheer account first and let it create one of the two handhavers.

The helpers do whatever the beheer page gives: before the fix that was a password (and
the second factor was set up by whoever logged in first), after it a one-time
enrolment link; either way the beheer person uses it themselves. Each attack must end
with the request still pending and no ``escrow_approve`` in the log. The rule itself is
docs/adr/0012; its residual risk is in docs/privacy.md.

Every test runs on SQLite and PostgreSQL (the ``instance`` fixture).
"""

from __future__ import annotations

import hashlib
import html
import re
import time
from urllib.parse import urlsplit

import pyotp
import pytest
import sqlalchemy as sa

from tests.support.escrow import api_issue, handhaver_request
from tests.support.service import PASSWORD, csrf_token, enrol, login_as, token_for
from tokenservice import _cli, audit, escrow
from tokenservice.access import accounts
from tokenservice.issue.passes import Official
from tokenservice.ops.instance import init_instance
from tokenservice.store.models import Account, AuditEvent, EscrowRequest

_SECRET = re.compile(r'<p class="secret-value"><code>([^<]+)</code></p>')
_LINK = re.compile(r"(?:https?://[^/\s\"<]+)?(/enrol/[A-Za-z0-9_-]+)")
_TOTP = re.compile(r'<code class="totp-secret">([^<]+)</code>')


@pytest.fixture
def app(instance):  # type: ignore[no-untyped-def]
    """The demo instance with policy escrow and the two-person rule on."""
    from tokenservice.web.app import create_app

    init_instance(instance.path, demo=True, database_url=instance.database_url, migrate_db=False,
                  demo_escrow=True)
    with (instance.path / "pas.toml").open("a") as f:
        f.write("\n[escrow]\ntwo_person = true\n")
    flask_app = create_app(instance.settings())
    flask_app.config.update(TESTING=True, PROPAGATE_EXCEPTIONS=False)
    yield flask_app
    flask_app.extensions["pas"].db.dispose()


@pytest.fixture
def beheer(app, instance):  # type: ignore[no-untyped-def]
    client = app.test_client()
    login_as(client, instance, "beheer")
    return client


def db(app):  # type: ignore[no-untyped-def]
    return app.extensions["pas"].db


def account_id(app, username: str) -> int:  # type: ignore[no-untyped-def]
    with db(app).transaction() as s:
        found = accounts.find(s, username)
        assert found is not None, username
        return found.id


def post(client, path: str, data: dict[str, str] | None = None):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, "/beheer/accounts"),
                                   **(data or {})})


# --- what one beheer person can do with what the beheer pages hand out ----------------------


def add_account(beheer, username: str, role: str = "handhaver") -> str:  # type: ignore[no-untyped-def]
    response = post(beheer, "/beheer/accounts", {"username": username, "role": role})
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def reset_account(beheer, app, username: str) -> str:  # type: ignore[no-untyped-def]
    """Reset an account's credentials with whatever the account page offers."""
    base = f"/beheer/accounts/{account_id(app, username)}"
    response = post(beheer, f"{base}/reset")
    if response.status_code in (404, 405):  # before the fix: two separate buttons
        post(beheer, f"{base}/reset-totp")
        response = post(beheer, f"{base}/password")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def take_over(app, page: str, username: str):  # type: ignore[no-untyped-def]
    """The beheer person uses what the page showed, in a browser of their own."""
    client = app.test_client()
    link = _LINK.search(html.unescape(page))
    if link:
        done, _secret = enrol(client, link.group(1))
        assert done.status_code == 302, done.status_code
        return client
    password = html.unescape(_SECRET.search(page).group(1))
    first = client.post("/login", data={"csrf_token": csrf_token(client, "/login"),
                                        "username": username, "password": password})
    step = urlsplit(first.location).path
    assert step == "/login/enroll", step  # the second factor goes to whoever logs in first
    secret = _TOTP.search(client.get(step).get_data(as_text=True)).group(1).replace(" ", "")
    client.post(step, data={"csrf_token": csrf_token(client, step),
                            "code": pyotp.TOTP(secret).now()})
    return client


def ask_and_approve(app, requester, approver) -> tuple[int, str]:  # type: ignore[no-untyped-def]
    """A pass with a sealed record; ``requester`` asks for it, ``approver`` approves."""
    number = api_issue(app.test_client(), token_for(app, "intake")).get_json()["number"]
    asked = handhaver_request(requester, number).get_data(as_text=True)
    assert 'id="escrow-pending"' in asked, asked[-2000:]
    with db(app).transaction() as s:
        request_id = max(r.id for r in escrow.list_requests(s, status="pending"))
    token = csrf_token(approver, "/handhaving/requests")
    page = approver.post(f"/handhaving/requests/{request_id}/approve", data={"csrf_token": token})
    assert page.status_code == 200
    return request_id, page.get_data(as_text=True)


def assert_refused(app, request_id: int) -> None:
    with db(app).transaction() as s:
        assert s.get(EscrowRequest, request_id).status == "pending"
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "escrow_approve")) == 0


# --- the attacks ---------------------------------------------------------------------------------


def test_one_beheer_cannot_ask_and_approve_with_two_accounts_it_made(app, beheer) -> None:
    first = take_over(app, add_account(beheer, "hh.een"), "hh.een")
    second = take_over(app, add_account(beheer, "hh.twee"), "hh.twee")
    request_id, page = ask_and_approve(app, first, second)
    assert_refused(app, request_id)
    assert "same beheer account" in html.unescape(page)


def test_resetting_a_real_handhaver_does_not_let_beheer_take_over_the_rule(app, beheer) -> None:
    real = take_over(app, reset_account(beheer, app, "handhaver"), "handhaver")
    own = take_over(app, add_account(beheer, "hh.eigen"), "hh.eigen")
    request_id, _page = ask_and_approve(app, real, own)
    assert_refused(app, request_id)
    # Nor the other way round.
    request_id, _page = ask_and_approve(app, own, real)
    assert_refused(app, request_id)


def test_a_second_beheer_account_of_the_same_person_does_not_help(app, beheer) -> None:
    puppet = take_over(app, add_account(beheer, "beheer.twee", role="beheer"), "beheer.twee")
    by_puppet = take_over(app, add_account(puppet, "hh.x"), "hh.x")
    by_beheer = take_over(app, add_account(beheer, "hh.y"), "hh.y")
    request_id, _page = ask_and_approve(app, by_puppet, by_beheer)
    assert_refused(app, request_id)


# --- the rule's other side: it does not block honest pairs ---------------------------------------


def test_a_real_colleague_may_approve_and_old_set_ups_do_not_count(app, beheer, instance) -> None:
    """An account beheer just made may work with a colleague beheer did not touch; two
    accounts the same beheer made more than 30 days ago may approve each other."""
    new = take_over(app, add_account(beheer, "hh.nieuw"), "hh.nieuw")
    colleague = app.test_client()
    login_as(colleague, instance, "handhaver")  # made by `pas-service init`, not by this beheer
    request_id, page = ask_and_approve(app, new, colleague)
    with db(app).transaction() as s:
        assert s.get(EscrowRequest, request_id).status == "approved", page[-1500:]

    other = take_over(app, add_account(beheer, "hh.ander"), "hh.ander")
    with db(app).transaction() as s:
        s.execute(sa.update(Account).where(Account.username.in_(["hh.nieuw", "hh.ander"]))
                  .values(provisioned_at=int(time.time()) - 31 * 86400))
    request_id, page = ask_and_approve(app, new, other)
    with db(app).transaction() as s:
        assert s.get(EscrowRequest, request_id).status == "approved", page[-1500:]


def test_the_rule_in_escrow_approve_follows_the_chain_and_the_window(app) -> None:
    """escrow.approve itself (the API uses it too), on accounts made through the module."""
    now = int(time.time())
    config = escrow.config_for(app.extensions["pas"].settings)
    with db(app).transaction() as s:
        boss = accounts.find(s, "beheer")
        b2, _ = accounts.create_pending(s, username="b2", role="beheer", by=boss, now=now)
        x, _ = accounts.create_pending(s, username="hx", role="handhaver", by=b2, now=now)
        y, _ = accounts.create_pending(s, username="hy", role="handhaver", by=boss, now=now)
        for a in (b2, x, y):
            a.totp_enrolled = True
        assert accounts.could_be_one_person(s, "hx", "hy", now)
        assert accounts.could_be_one_person(s, "hy", "hx", now)
        assert not accounts.could_be_one_person(s, "hx", "handhaver", now)
        # b2 set up long ago: the chain stops there.
        b2.provisioned_at = now - 31 * 86400
        assert not accounts.could_be_one_person(s, "hx", "hy", now)
        b2.provisioned_at = now
        request = EscrowRequest(kind="export", requested_by="hx", requested_at=now,
                                reason_code="inspection", status="pending")
        s.add(request)
        s.flush()
        with pytest.raises(escrow.Forbidden, match="same beheer account"):
            escrow.approve(s, config, request_id=request.id,
                           official=Official(username="hy", role="handhaver"), now=now)
        assert request.status == "pending"


# --- the one-time enrolment link -----------------------------------------------------------------


def test_beheer_sees_no_password_and_no_second_factor_only_a_link(app, beheer) -> None:
    page = html.unescape(add_account(beheer, "hh.link"))
    link = _LINK.search(page)
    assert link, page[-2000:]
    with db(app).transaction() as s:
        new = accounts.find(s, "hh.link")
        assert not new.totp_enrolled and new.totp_sealed is None
        # Nothing on the page logs in: every code-looking value fails as a password.
        for value in re.findall(r"<code[^>]*>([^<]+)</code>", page):
            assert not accounts.password_matches(new.password_hash, value.strip())
        token = link.group(1).rsplit("/", 1)[1]
        # The token is stored only as a hash.
        dump = " ".join(str(v) for row in s.execute(sa.text("SELECT * FROM enrolment_links"))
                        for v in row)
        assert token not in dump
        assert hashlib.sha256(token.encode()).hexdigest() in dump.replace("\\x", "") or \
            hashlib.sha256(token.encode()).digest() in [
                bytes(r[0]) for r in s.execute(sa.text("SELECT token_hash FROM enrolment_links"))]
    # Login with anything fails until the person has used the link.
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": csrf_token(client, "/login"),
                                           "username": "hh.link", "password": PASSWORD})
    assert response.status_code == 200 and "nog niet ingeschreven" not in response.get_data(as_text=True)


def test_the_link_works_once_sets_her_own_password_and_is_audited(app, beheer) -> None:
    path = _LINK.search(html.unescape(add_account(beheer, "hh.eens"))).group(1)
    person = app.test_client()
    done, secret = enrol(person, path)
    assert done.status_code == 302
    assert person.get("/handhaving/requests").status_code == 200  # logged in
    with db(app).transaction() as s:
        a = accounts.find(s, "hh.eens")
        assert a.totp_enrolled and accounts.password_matches(a.password_hash, PASSWORD)
        assert a.totp_secret is None and a.totp_sealed and secret.encode() not in a.totp_sealed
        events = list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        assert audit.verify_chain(s).intact
    mine = [(e.actor, e.action, e.reason_code) for e in events if e.action.startswith("account")]
    assert mine == [("beheer", "account_add", f"account:{a.id}:handhaver"),
                    ("hh.eens", "account_enrolled", f"account:{a.id}")]
    for e in events:
        assert PASSWORD not in str(e.reason_code) and secret not in str(e.reason_code)
    # Used: a second visit (the beheer person, later) gets nothing.
    again = app.test_client().get(path)
    assert again.status_code == 404 and "totp-secret" not in again.get_data(as_text=True)
    assert "niet (meer) geldig" in again.get_data(as_text=True)


def test_bad_input_on_the_link_changes_nothing(app, beheer) -> None:
    path = _LINK.search(html.unescape(add_account(beheer, "hh.fout"))).group(1)
    person = app.test_client()
    page = person.get(path).get_data(as_text=True)
    secret = _TOTP.search(page).group(1).replace(" ", "")
    code = pyotp.TOTP(secret).now()
    with db(app).transaction() as s:
        before = accounts.find(s, "hh.fout").password_hash
    for data, message in [
        ({"password": "kort", "repeat": "kort", "code": code}, "Minstens"),
        ({"password": PASSWORD, "repeat": PASSWORD + "x", "code": code}, "verschillen"),
        ({"password": PASSWORD, "repeat": PASSWORD, "code": "000000"}, "code klopt niet"),
        ({"password": PASSWORD, "repeat": PASSWORD, "code": "abc"}, "Zes cijfers"),
    ]:
        token = csrf_token(person, path)
        response = person.post(path, data={"csrf_token": token, **data})
        assert response.status_code == 400, data
        text = html.unescape(response.get_data(as_text=True))
        assert message in text, (data, text[-1500:])
        assert PASSWORD not in text  # a password is never sent back
        assert secret[:8] in text.replace(" ", "")  # the same second factor, to try again
    with db(app).transaction() as s:
        a = accounts.find(s, "hh.fout")
        assert a.password_hash == before and not a.totp_enrolled
    # Unknown, malformed and expired links: a clear message, nothing else.
    for bad in ("/enrol/" + "A" * 43, "/enrol/kort", "/enrol/" + "x" * 300):
        response = app.test_client().get(bad)
        assert response.status_code == 404 and "niet (meer) geldig" in response.get_data(as_text=True)
    with db(app).transaction() as s:
        s.execute(sa.text("UPDATE enrolment_links SET expires_at = :t"), {"t": int(time.time()) - 1})
    expired = person.post(path, data={"csrf_token": csrf_token(person, "/login"), "password": PASSWORD,
                                      "repeat": PASSWORD, "code": pyotp.TOTP(secret).now()})
    assert expired.status_code == 404
    with db(app).transaction() as s:
        assert not accounts.find(s, "hh.fout").totp_enrolled


def test_reset_ends_the_old_credentials_and_a_new_link_voids_the_old_one(app, beheer, instance) -> None:
    old_password = instance.accounts["handhaver"][0]
    first = _LINK.search(html.unescape(reset_account(beheer, app, "handhaver"))).group(1)
    client = app.test_client()
    response = client.post("/login", data={"csrf_token": csrf_token(client, "/login"),
                                           "username": "handhaver", "password": old_password})
    assert response.status_code == 200  # the old password no longer works
    second = _LINK.search(html.unescape(reset_account(beheer, app, "handhaver"))).group(1)
    assert first != second
    assert app.test_client().get(first).status_code == 404
    done, _secret = enrol(app.test_client(), second)
    assert done.status_code == 302
    with db(app).transaction() as s:
        actions = [e.action for e in s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("account_reset") == 2 and actions[-1] == "account_enrolled"


def test_cli_user_add_prints_a_link_not_a_password(app, instance, capsys, monkeypatch) -> None:
    monkeypatch.setenv("PAS_DATABASE_URL", instance.database_url)
    assert _cli.main(["--instance", str(instance.path), "user", "add", "hh.cli",
                      "--role", "handhaver"]) == 0
    out = capsys.readouterr().out
    link = _LINK.search(out)
    assert link and not re.search(r"password\s*[:=]", out, re.I)
    done, _secret = enrol(app.test_client(), link.group(1))
    assert done.status_code == 302
    with db(app).transaction() as s:
        created = accounts.find(s, "hh.cli")
        assert created.provisioned_by is None and created.totp_enrolled
        actions = [(e.actor, e.action) for e in s.scalars(sa.select(AuditEvent))]
    assert ("cli", "account_add") in actions and ("hh.cli", "account_enrolled") in actions
