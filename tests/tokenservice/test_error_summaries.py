"""Issue 15: the error summary on the forms that did not have one yet, as the server renders them.

The second step of the login (TOTP), the enrolment link, the password change and her
/mijn-pas (the look-up form and the erase/stop form on her record): ``novalidate``, one
GOV.UK error summary at the top (``_error_summary.html``) with a link to each field, the
messages from the server in the official's language (Dutch/English) or in hers (the
``worker`` catalogue). Bad input changes nothing, and her personal code is never written
back into the page.
"""

from __future__ import annotations

import html
import re
import time

import pyotp
import pytest

from tokenservice import escrow, texts
from tokenservice.access import accounts
from tokenservice.web import auth

_BOX = re.compile(r'<div class="error-summary" role="alert"[^>]*>.*?</div>', re.S)
_HREF = re.compile(r'<a href="#([^"]+)">([^<]*)</a>')
_FORM = re.compile(r"<form\b[^>]*>")
_CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
PASSWORD = "een lang genoeg wachtwoord 2026"


class Clock:
    def __init__(self) -> None:
        self.now = int(time.time())


def csrf_token(client, path: str = "/login") -> str:  # type: ignore[no-untyped-def]
    return html.unescape(_CSRF.search(client.get(path).get_data(as_text=True)).group(1))


def code_at(secret: str, when: int) -> str:
    return pyotp.TOTP(secret).at(when)


def post_password(client, username: str, password: str):  # type: ignore[no-untyped-def]
    return client.post("/login", data={"csrf_token": csrf_token(client), "username": username,
                                       "password": password})


def post_code(client, code: str, path: str = "/login/totp"):  # type: ignore[no-untyped-def]
    return client.post(path, data={"csrf_token": csrf_token(client, path), "code": code})


def summary(page: str) -> dict[str, str]:
    """The error summary's links, element id -> text ({} without a summary)."""
    box = _BOX.search(page)
    if box is None:
        return {}
    return {target: " ".join(html.unescape(text).split()) for target, text in _HREF.findall(box.group(0))}


def heading(page: str) -> str:
    found = re.search(r'class="error-summary-title"[^>]*>([^<]*)<', page)
    return html.unescape(found.group(1)) if found else ""


def all_novalidate(page: str) -> bool:
    """Every form with a field the browser could validate is novalidate."""
    return all("novalidate" in tag for tag in _FORM.findall(page) if 'method="post"' in tag
               and "logout" not in tag and "/lang" not in tag and "taal" not in tag)


def ids(page: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page))


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch) -> Clock:
    c = Clock()
    monkeypatch.setattr(auth, "_now", lambda: c.now)
    return c


def _english(client) -> None:  # type: ignore[no-untyped-def]
    with client.session_transaction() as sess:
        sess["lang"] = "en"


# --- the second step of the login ----------------------------------------------------


def _to_totp(client, instance) -> str:  # type: ignore[no-untyped-def]
    password, secret = instance.accounts["intake"]
    first = post_password(client, "intake", password)
    assert first.status_code == 302 and first.location.endswith("/login/totp")
    return secret


def test_totp_form_sent_empty_or_wrong_gets_a_summary_linking_the_code_field(client, instance, clock) -> None:  # type: ignore[no-untyped-def]
    _to_totp(client, instance)
    form = client.get("/login/totp").get_data(as_text=True)
    assert all_novalidate(form) and summary(form) == {}
    empty = post_code(client, "").get_data(as_text=True)
    assert summary(empty) == {"code": "Code uit de app: Typ de zes cijfers uit de app."}
    assert heading(empty) == "Er is een probleem"
    assert 'aria-invalid="true"' in empty and "code" in ids(empty)
    letters = post_code(client, "abc").get_data(as_text=True)
    assert summary(letters) == {"code": "Code uit de app: Zes cijfers."}
    wrong = post_code(client, "000000" if code_at(_to_totp(client, instance), clock.now) != "000000"
                      else "111111").get_data(as_text=True)
    assert summary(wrong) == {
        "code": "Code uit de app: Die code klopt niet. Probeer de volgende code uit de app."}
    # Nothing changed: still not logged in, the right code still works.
    with client.session_transaction() as sess:
        assert not sess.get("authenticated")


def test_totp_summary_in_english(client, instance, clock) -> None:  # type: ignore[no-untyped-def]
    _to_totp(client, instance)
    _english(client)
    page = post_code(client, "").get_data(as_text=True)
    assert heading(page) == "There is a problem"
    assert summary(page) == {"code": "Code from the app: Type the six digits from the app."}


# --- the enrolment link ----------------------------------------------------------------


def _new_link(app) -> str:  # type: ignore[no-untyped-def]
    with app.app_context(), app.extensions["pas"].db.transaction() as s:
        _account, token = accounts.create_pending(s, username="nieuw", role="intake", by=None,
                                                  now=int(time.time()))
    return f"/enrol/{token}"


def test_enrol_form_sent_empty_gets_one_summary_in_dutch_and_changes_nothing(app, client) -> None:  # type: ignore[no-untyped-def]
    path = _new_link(app)
    form = client.get(path).get_data(as_text=True)
    assert all_novalidate(form) and summary(form) == {}
    sent = client.post(path, data={"csrf_token": csrf_token(client, path), "password": "",
                                   "repeat": "", "code": ""})
    page = sent.get_data(as_text=True)
    assert sent.status_code == 400
    assert summary(page) == {
        "password": f"Kies een wachtwoord: Minstens {accounts.MIN_PASSWORD_LENGTH} tekens.",
        "repeat": "Wachtwoord nogmaals: Typ het wachtwoord nog een keer.",
        "code": "Code uit de app: Typ de zes cijfers uit de app.",
    }
    assert "This field is required" not in page
    assert {"password", "repeat", "code"} <= ids(page)
    mismatch = client.post(path, data={"csrf_token": csrf_token(client, path), "password": PASSWORD,
                                       "repeat": PASSWORD + "x", "code": "123456"})
    text = mismatch.get_data(as_text=True)
    assert summary(text) == {"repeat": "Wachtwoord nogmaals: De twee wachtwoorden verschillen."}
    assert PASSWORD not in text  # a password is never written back into the page
    with app.extensions["pas"].db.transaction() as s:
        account = accounts.find(s, "nieuw")
        assert account is not None and not account.totp_enrolled
    assert client.get(path).status_code == 200  # the link still works


def test_enrol_wrong_code_is_in_the_summary_in_english(app, client) -> None:  # type: ignore[no-untyped-def]
    path = _new_link(app)
    _english(client)
    page = client.post(path, data={"csrf_token": csrf_token(client, path), "password": PASSWORD,
                                   "repeat": PASSWORD, "code": "000000"}).get_data(as_text=True)
    # (a code of 000000 may be the right one once in a million; then this page is a redirect)
    assert heading(page) == "There is a problem"
    assert list(summary(page)) == ["code"]
    assert "That code is not correct" in summary(page)["code"]


# --- the password change -------------------------------------------------------------------


def test_password_change_sent_empty_gets_a_summary(client, instance, clock) -> None:  # type: ignore[no-untyped-def]
    secret = _to_totp(client, instance)
    assert post_code(client, code_at(secret, clock.now)).status_code == 302
    path = "/account/password"
    assert all_novalidate(client.get(path).get_data(as_text=True))
    page = client.post(path, data={"csrf_token": csrf_token(client, path), "old": "", "new": "",
                                   "repeat": ""}).get_data(as_text=True)
    assert summary(page) == {
        "old": "Huidig wachtwoord: Typ uw huidige wachtwoord.",
        "new": f"Nieuw wachtwoord: Minstens {accounts.MIN_PASSWORD_LENGTH} tekens.",
        "repeat": "Nieuw wachtwoord nogmaals: Typ het nieuwe wachtwoord nog een keer.",
    }
    wrong = client.post(path, data={"csrf_token": csrf_token(client, path), "old": "x" * 16,
                                    "new": "y" * 16, "repeat": "y" * 16}).get_data(as_text=True)
    assert summary(wrong) == {"old": "Huidig wachtwoord: Het huidige wachtwoord klopt niet."}
    assert "x" * 16 not in wrong and "y" * 16 not in wrong


# --- her /mijn-pas -----------------------------------------------------------------------------


def _token(client, page: str) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(re.search(r'name="csrf_token"[^>]*?value="([^"]+)"', page).group(1))


def _show(client, number: str, code: str, lang: str):  # type: ignore[no-untyped-def]
    start = client.get(f"/mijn-pas/?lang={lang}").get_data(as_text=True)
    return client.post("/mijn-pas/", data={"csrf_token": _token(client, start), "number": number,
                                           "code": code, "lang": lang})


@pytest.mark.parametrize("lang", ["es", "th", "en"])
def test_mijn_pas_sent_empty_gets_a_summary_in_her_language(web, client, lang) -> None:  # type: ignore[no-untyped-def]
    page = _show(client, "", "", lang).get_data(as_text=True)
    assert heading(page) == texts.page_text(lang, "problem")
    assert summary(page) == {"number": texts.page_text(lang, "number_missing"),
                             "code": texts.page_text(lang, "code_missing")}
    assert 'aria-invalid="true"' in page


def test_mijn_pas_wrong_code_links_to_the_number_and_never_shows_the_code(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, _code = holder
    guess = escrow.new_code()
    page = _show(client, number, guess, "pl").get_data(as_text=True)
    assert summary(page) == {"number": texts.page_text("pl", "wrong")}
    assert guess not in page and guess.replace("-", "") not in page


def _record(client, number: str, code: str, lang: str = "bg") -> str:  # type: ignore[no-untyped-def]
    page = _show(client, number, code, lang).get_data(as_text=True)
    assert number in page and "Kowalska" in page
    return page


def _erase(client, record: str, number: str, data: dict[str, str], lang: str = "bg"):  # type: ignore[no-untyped-def]
    view_key = re.search(r'name="view_key" value="([^"]*)"', record)
    fields = {"csrf_token": _token(client, record), "number": number, "lang": lang, **data}
    if view_key and 'name="view_key"' in record.split('action="/mijn-pas/wissen"', 1)[-1]:
        fields["view_key"] = html.unescape(view_key.group(1))
    return client.post("/mijn-pas/wissen", data=fields)


@SQLITE_ONLY
def test_erase_form_with_mistakes_keeps_her_record_on_screen_with_a_summary(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    record = _record(client, number, code)
    assert all_novalidate(record)
    # Nothing ticked, no code: her record again (not the empty start form), and a summary.
    page = _erase(client, record, number, {"code": ""}).get_data(as_text=True)
    assert number in page and "Kowalska" in page, "her record stays on screen"
    assert summary(page) == {"erase": texts.page_text("bg", "choose"),
                             "confirm-code": texts.page_text("bg", "code_missing")}
    assert heading(page) == texts.page_text("bg", "problem")
    assert {"erase", "confirm-code"} <= ids(page)
    # A wrong code: the same, the summary says so; the guess is not written back.
    guess = escrow.new_code()
    wrong = _erase(client, page, number, {"erase": "y", "code": guess}).get_data(as_text=True)
    assert "Kowalska" in wrong and guess not in wrong
    assert summary(wrong) == {"confirm-code": texts.page_text("bg", "confirm_wrong")}
    assert code not in wrong  # nor her right code
    # Nothing changed: the record and the pass are still there.
    svc = web.extensions["pas"]
    with svc.db.transaction() as s:
        assert escrow.has_record(s, number)
        assert escrow.verify_code(s, number=number, code=code)
    assert svc.passes.status(number).status == "valid"
    # And then, done right, it works.
    done = _erase(client, wrong, number, {"erase": "y", "code": code})
    assert done.status_code == 303
    with svc.db.transaction() as s:
        assert not escrow.has_record(s, number)
