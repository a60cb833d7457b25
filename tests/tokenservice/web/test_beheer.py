"""The beheer pages: role check, accounts (audited), keys status, reports with "<5".

Every test runs on SQLite and PostgreSQL (the ``instance`` fixture) and logs in through
the real login (password, then TOTP) as a demo account.
"""

from __future__ import annotations

import csv
import datetime as dt
import html
import io
import os
import re
import time
from urllib.parse import urlsplit

import pytest
import sqlalchemy as sa

from tests.support.service import PASSWORD, csrf_token, enrol, login_as, token_for
from tokenservice import audit
from tokenservice.access import accounts
from tokenservice.audit import reports
from tokenservice.store.models import Account, ApiToken, AuditEvent, Card, PassRecord

_SECRET = re.compile(r'<p class="secret-value"><code>([^<]+)</code></p>')
_ROW = re.compile(r"<tr[^>]*>\s*<td>(\d{4}-Q\d)</td>\s*<td>(.*?)</td>\s*"
                  r'<td class="num">([^<]*)</td><td class="num">([^<]*)</td><td class="num">([^<]*)</td>', re.S)
TZ = reports.TZ


@pytest.fixture
def beheer(client, instance):  # type: ignore[no-untyped-def]
    login_as(client, instance, "beheer")
    return client


def db(app):  # type: ignore[no-untyped-def]
    return app.extensions["pas"].db


def account(app, username: str) -> Account:
    with db(app).transaction() as s:
        found = accounts.find(s, username)
        assert found is not None
        return found


def post(client, path: str, data: dict[str, str] | None = None, token_from: str = "/beheer/accounts"):
    return client.post(path, data={"csrf_token": csrf_token(client, token_from), **(data or {})})


def events(app, action: str) -> list[AuditEvent]:
    with db(app).transaction() as s:
        return list(s.scalars(sa.select(AuditEvent).where(AuditEvent.action == action)))


# --- access ---------------------------------------------------------------------------


def _beheer_rules(app):  # type: ignore[no-untyped-def]
    rules = [r for r in app.url_map.iter_rules() if r.endpoint.startswith("beheer.")]
    assert len(rules) >= 12
    return rules


def _url(rule) -> str:  # type: ignore[no-untyped-def]
    return rule.rule.replace("<int:account_id>", "1")


def test_other_roles_get_403_on_every_beheer_route_and_anonymous_goes_to_login(app, instance) -> None:
    for username in ("intake", "handhaver"):
        client = app.test_client()
        login_as(client, instance, username)
        token = csrf_token(client, "/beheer/")  # the 403 page still has the nav's forms
        for rule in _beheer_rules(app):
            if "GET" in rule.methods:
                assert client.get(_url(rule)).status_code == 403, (username, rule.rule)
            if "POST" in rule.methods:
                response = client.post(_url(rule), data={"csrf_token": token, "username": "x",
                                                         "role": "beheer"})
                assert response.status_code == 403, (username, rule.rule)
    with db(app).transaction() as s:
        assert accounts.find(s, "x") is None
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action.like("account%"))) == 0
    anonymous = app.test_client()
    for rule in _beheer_rules(app):
        if "GET" in rule.methods:
            response = anonymous.get(_url(rule))
            assert response.status_code == 302 and urlsplit(response.location).path == "/login"


# --- accounts -------------------------------------------------------------------------


def test_overview_links_to_every_page_and_the_list_shows_no_secrets(beheer, instance) -> None:
    page = beheer.get("/beheer/").get_data(as_text=True)
    for path in ("/beheer/accounts", "/beheer/keys", "/beheer/reports"):
        assert f'href="{path}"' in page
    page = beheer.get("/beheer/accounts").get_data(as_text=True)
    for name in ("beheer", "intake", "handhaver"):
        assert f">{name}</a>" in page
    for password, secret in instance.accounts.values():
        assert password not in page and secret not in page
    assert "$argon2" not in page


def test_added_account_gets_a_one_time_enrolment_link_not_a_password(app, beheer) -> None:
    response = post(beheer, "/beheer/accounts", {"username": "nieuwe.collega", "role": "beheer"})
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    link = html.unescape(_SECRET.search(response.get_data(as_text=True)).group(1))
    assert urlsplit(link).path.startswith("/enrol/")
    new = account(app, "nieuwe.collega")
    assert new.role == "beheer" and not new.totp_enrolled and not new.disabled
    assert new.password_hash == accounts.PENDING_HASH and new.totp_sealed is None
    assert new.provisioned_by == account(app, "beheer").id

    [event] = events(app, "account_add")
    assert (event.actor, event.role, event.pass_number) == ("beheer", "beheer", None)
    assert event.reason_code == f"account:{new.id}:beheer"
    assert urlsplit(link).path.rsplit("/", 1)[1] not in (event.reason_code or "")

    # The new official opens the link, sets a password and the second factor, and is in.
    other = app.test_client()
    done, _secret = enrol(other, urlsplit(link).path)
    assert done.status_code == 302
    assert other.get("/beheer/").status_code == 200
    assert accounts.password_matches(account(app, "nieuwe.collega").password_hash, PASSWORD)


def test_account_add_refuses_bad_input_and_missing_csrf_token(app, beheer) -> None:
    for form, message in [
        ({"username": "Nee Spaties", "role": "intake"}, "kleine letters"),
        ({"username": "ok.naam", "role": "koning"}, "Kies een rol"),
        ({"username": "intake", "role": "intake"}, "Er is al een account"),
    ]:
        response = post(beheer, "/beheer/accounts", form)
        assert response.status_code == 400
        assert message in html.unescape(response.get_data(as_text=True))
    response = beheer.post("/beheer/accounts", data={"username": "zonder.token", "role": "intake"})
    assert response.status_code == 400
    with db(app).transaction() as s:
        assert accounts.find(s, "zonder.token") is None
        assert accounts.find(s, "ok.naam") is None
    assert not events(app, "account_add")


def test_token_create_then_disable_revokes_it_then_enable(app, beheer) -> None:
    intake = account(app, "intake")
    base = f"/beheer/accounts/{intake.id}"
    created = post(beheer, f"{base}/tokens")
    assert created.status_code == 200
    token = html.unescape(_SECRET.search(created.get_data(as_text=True)).group(1))
    with db(app).transaction() as s:
        assert accounts.account_for_token(s, token).username == "intake"
    assert beheer.get(base).get_data(as_text=True).count("1 actief") == 1

    disabled = post(beheer, f"{base}/disable")
    assert disabled.status_code == 303
    with db(app).transaction() as s:
        assert accounts.account_for_token(s, token) is None
        assert s.scalar(sa.select(ApiToken.revoked).where(ApiToken.account_id == intake.id))
        assert accounts.find(s, "intake").disabled
    assert "uitgeschakeld" in beheer.get("/beheer/accounts").get_data(as_text=True)

    post(beheer, f"{base}/enable")
    assert not account(app, "intake").disabled
    assert [e.reason_code for e in events(app, "token_create")] == [f"account:{intake.id}"]
    assert len(events(app, "account_disable")) == 1 and len(events(app, "account_enable")) == 1
    with db(app).transaction() as s:
        assert audit.verify_chain(s).intact


def test_disabled_account_gets_no_token_and_own_account_cannot_be_disabled(app, beheer) -> None:
    me = account(app, "beheer")
    response = post(beheer, f"/beheer/accounts/{me.id}/disable")
    assert response.status_code == 303
    assert "eigen account" in html.unescape(beheer.get(response.location).get_data(as_text=True))
    assert not account(app, "beheer").disabled

    handhaver = account(app, "handhaver")
    post(beheer, f"/beheer/accounts/{handhaver.id}/disable")
    post(beheer, f"/beheer/accounts/{handhaver.id}/tokens")
    with db(app).transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(ApiToken)) == 0
    assert not events(app, "token_create")


def test_reset_unlock_and_token_revoke(app, beheer) -> None:
    before = account(app, "handhaver")
    assert before.totp_enrolled
    response = post(beheer, f"/beheer/accounts/{before.id}/reset")
    assert response.status_code == 200
    assert "/enrol/" in html.unescape(_SECRET.search(response.get_data(as_text=True)).group(1))
    after = account(app, "handhaver")
    assert not after.totp_enrolled and after.totp_sealed is None
    assert after.password_hash == accounts.PENDING_HASH
    [event] = events(app, "account_reset")
    assert event.reason_code == f"account:{before.id}" and event.pass_number is None
    # Not your own account: that would lock you out.
    me = account(app, "beheer")
    refused = post(beheer, f"/beheer/accounts/{me.id}/reset")
    assert refused.status_code == 303 and account(app, "beheer").totp_enrolled

    intake = account(app, "intake")
    with db(app).transaction() as s:
        a = s.get(Account, intake.id)
        a.failed_logins, a.locked_until = 5, int(time.time()) + 900
    assert 'badge bad">vergrendeld<' in beheer.get("/beheer/accounts").get_data(as_text=True)
    post(beheer, f"/beheer/accounts/{intake.id}/unlock")
    unlocked = account(app, "intake")
    assert (unlocked.failed_logins, unlocked.locked_until) == (0, 0)

    tokens = [html.unescape(_SECRET.search(post(beheer, f"/beheer/accounts/{intake.id}/tokens")
                                           .get_data(as_text=True)).group(1)) for _ in range(2)]
    post(beheer, f"/beheer/accounts/{intake.id}/tokens/revoke")
    with db(app).transaction() as s:
        assert all(accounts.account_for_token(s, t) is None for t in tokens)
    assert not account(app, "intake").disabled
    actions = {e.action for e in events(app, "account_unlock") + events(app, "token_revoke")}
    assert actions == {"account_unlock", "token_revoke"}

    assert beheer.get("/beheer/accounts/9999").status_code == 404
    assert post(beheer, "/beheer/accounts/9999/disable").status_code == 404


# --- keys -----------------------------------------------------------------------------


def test_keys_page_shows_trust_list_issuer_keys_categories_and_the_sign_command(app, beheer) -> None:
    keyring = app.extensions["pas"].keyring
    tl = keyring.store.trust_list
    page = html.unescape(beheer.get("/beheer/keys").get_data(as_text=True))
    assert f'<dd class="trust-seq">{tl.seq}</dd>' in page
    assert "GM9999" in page and "Demogemeente" in page
    entry = keyring.issuers["GM9999"]
    assert entry.kid.hex() in page and "tekent nu" in page
    for cat in entry.categories:
        assert f'fill="{cat.color}"' in page and cat.label in page
    assert "pas-keys trust-list sign" in page
    assert "Nog niet ondertekend" in page  # no revocation list yet
    assert "style=" not in page and "<script" not in page
    assert "opnieuw ondertekenen" not in page  # 30 days left: no warning

    app.extensions["pas"].passes.revocation_list("GM9999")
    page = beheer.get("/beheer/keys").get_data(as_text=True)
    assert "Nog niet ondertekend" not in page and "geleden" in page

    # A week before the trust list expires, the keys page and the overview warn.
    exp = app.extensions["pas"].keyring.store.trust_list.exp
    app.extensions["pas"].passes.clock = lambda: exp - 3 * 86400
    page = beheer.get("/beheer/keys").get_data(as_text=True)
    assert "laat de trust list opnieuw ondertekenen" in page
    assert "laat de trust list opnieuw ondertekenen" in beheer.get("/beheer/").get_data(as_text=True)


# --- reports --------------------------------------------------------------------------


def ts(year: int, month: int, day: int) -> int:
    return int(dt.datetime(year, month, day, 12, tzinfo=TZ).timestamp())


def insert(app, category: str, issued: int, *, renewed: int | None = None,
           revoked: int | None = None, n: int = 1) -> list[str]:
    numbers = []
    with db(app).transaction() as s:
        for _ in range(n):
            number = f"DM-{os.urandom(4).hex().upper()}-0"
            record = PassRecord(number=number, iss="GM9999", category=category, created_at=issued)
            record.cards.append(Card(serial=os.urandom(16), kid=b"\x01" * 8, category=category, iat=issued, nbf=issued,
                                     exp=issued + 730 * 86400))
            if renewed is not None:
                record.cards[0].revoked_at, record.cards[0].revoke_reason = renewed, "superseded"
                record.cards.append(Card(serial=os.urandom(16), kid=b"\x01" * 8, category=category, iat=renewed,
                                         nbf=renewed, exp=renewed + 730 * 86400, renewal=True))
            if revoked is not None:
                record.cards[-1].revoked_at, record.cards[-1].revoke_reason = revoked, "stolen"
            s.add(record)
            numbers.append(number)
    return numbers


@pytest.fixture
def report_data(app) -> list[str]:
    """2026-Q1: raam 7 issued, inrichting 3 issued; 2026-Q2: raam 6 renewed, 1 revoked."""
    app.extensions["pas"].passes.clock = lambda: ts(2026, 6, 30)
    numbers = insert(app, "raam", ts(2026, 1, 10), n=7)
    numbers += insert(app, "inrichting", ts(2026, 2, 10), n=3)
    numbers += insert(app, "raam", ts(2025, 12, 20), renewed=ts(2026, 4, 2), n=6)
    numbers += insert(app, "raam", ts(2026, 3, 1), revoked=ts(2026, 5, 5))
    return numbers


def table(page: str) -> dict[tuple[str, str], tuple[str, str, str]]:
    rows = {}
    for quarter, category, *counts in _ROW.findall(page):
        label = re.sub(r"<[^>]+>", "", category).strip()
        rows[(quarter, label)] = tuple(html.unescape(c) for c in counts)
    return rows


def test_report_table_chart_and_csv_show_counts_with_small_numbers_suppressed(beheer, report_data) -> None:
    page = beheer.get("/beheer/reports").get_data(as_text=True)
    rows = table(page)
    assert rows[("2026-Q1", "Wit")] == ("8", "0", "0")
    assert rows[("2026-Q1", "Groen")] == ("<5", "0", "0")
    assert rows[("2026-Q2", "Wit")] == ("0", "6", "<5")
    assert rows[("2026-Q2", "Groen")] == ("0", "0", "0")
    assert rows[("2025-Q4", "Wit")] == ("6", "0", "0")
    assert "&lt;5" in page
    for number in report_data:
        assert number not in page

    # The chart: server-rendered SVG, no script, no style attributes.
    assert page.count('<svg class="bars"') == 2  # one chart per category
    assert "style=" not in page and "<script" not in page
    # The "<5" bars: hatched, all the same height whatever the count (1 revoked, 3 issued).
    suppressed = re.findall(r'<g class="bar bar-\w+ suppressed">\s*<title>([^<]*)</title>\s*'
                            r'<rect [^>]*height="([\d.]+)"', page)
    assert len(suppressed) == 2
    assert len({height for _, height in suppressed}) == 1
    assert all(title.endswith("&lt;5") for title, _ in suppressed)
    values = re.findall(r'<text class="value"[^>]*>([^<]*)</text>', page)
    assert set(values) <= {"0", "&lt;5", "6", "8"}

    # The CSV: the same suppressed counts.
    response = beheer.get("/beheer/reports.csv")
    assert response.status_code == 200 and response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    text = response.data.decode("utf-8-sig")
    rows = list(csv.DictReader(io.StringIO(text), delimiter=";"))
    got = {(r["kwartaal"], r["categorie"]): (r["uitgegeven"], r["verlengd"], r["ingetrokken"])
           for r in rows}
    assert {r["gemeente"] for r in rows} == {"GM9999"}
    assert got[("2026-Q1", "raam")] == ("8", "0", "0")
    assert got[("2026-Q1", "inrichting")] == ("<5", "0", "0")
    assert got[("2026-Q2", "raam")] == ("0", "6", "<5")
    assert got[("2026-Q2", "inrichting")] == ("0", "0", "0")
    for value in ("1", "2", "3", "4"):
        assert all(value not in (r["uitgegeven"], r["verlengd"], r["ingetrokken"]) for r in rows)
    for number in report_data:
        assert number not in text

    # Filters.
    rows = table(beheer.get("/beheer/reports?jaar=2025").get_data(as_text=True))
    assert set(q for q, _ in rows) == {"2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"}
    assert rows[("2025-Q4", "Wit")] == ("6", "0", "0")
    assert beheer.get("/beheer/reports?iss=GM9999").status_code == 200
    assert beheer.get("/beheer/reports?iss=GM0001").status_code == 404
    assert beheer.get("/beheer/reports.csv?jaar=abc").status_code == 400


# --- ids beyond the database's range (issue 12) -----------------------------------------


HUGE_IDS = ("99999999999999999999", str(2**31), str(2**63), "0" * 30 + "1" * 25)


def test_ids_beyond_the_database_range_are_never_a_500(app, instance) -> None:
    """Every route with an int converter, with ids no row can have: 404 on the beheer
    pages, a clear answer elsewhere, never a server error."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    clients = {}
    for role in ("intake", "handhaver", "beheer"):
        clients[role] = app.test_client()
        login_as(clients[role], instance, role)
    api_headers = token_for(app, "handhaver")
    rules = [r for r in app.url_map.iter_rules()
             if any(type(c).__name__ == "IntegerConverter" for c in r._converters.values())]
    assert any(r.endpoint.startswith("beheer.") for r in rules)
    assert len(rules) >= 10
    failures = []
    for rule in rules:
        role = {"beheer": "beheer", "handhaving": "handhaver"}.get(rule.endpoint.split(".")[0], "intake")
        client = clients[role]
        for huge in HUGE_IDS:
            url = re.sub(r"<int:[a-z_]+>", huge, rule.rule)
            for method in sorted(rule.methods - {"HEAD", "OPTIONS"}):
                if rule.endpoint.startswith("api."):
                    response = client.open(url, method=method, headers=api_headers, json={})
                elif method == "GET":
                    response = client.get(url)
                else:
                    response = client.post(url, data={"csrf_token": csrf_token(client, "/account/password")})
                if response.status_code >= 500:
                    failures.append((method, url, response.status_code))
                elif rule.endpoint.startswith("beheer.") and response.status_code != 404:
                    failures.append((method, url, response.status_code))
    assert failures == []
