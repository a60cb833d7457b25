"""/mijn-pas: the worker sees what is kept and who looked, erases, stops her pass."""

from __future__ import annotations

import re
import time

import pytest

from tokenservice import escrow, texts
from tokenservice.escrow import EscrowConfig, Identity
from tokenservice.issue.passes import Official
from tokenservice.web import mijnpas

PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")
ANNA = Identity(given_names="Anna", family_name="Kowalska", birth_date="1994-07-13",
                id_document_number="NX7Q4R2K9", bsn="123456782")
SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


def _token(client, lang: str = "en") -> str:  # type: ignore[no-untyped-def]
    page = client.get(f"/mijn-pas/?lang={lang}").get_data(as_text=True)
    match = re.search(r'name="csrf_token" type="hidden" value="([^"]+)"', page) or re.search(
        r'name="csrf_token" value="([^"]+)"', page)
    assert match, page
    return match.group(1)


def _show(client, number: str, code: str, lang: str = "en", environ=None):  # type: ignore[no-untyped-def]
    return client.post("/mijn-pas/", data={"csrf_token": _token(client, lang), "number": number,
                                           "code": code, "lang": lang},
                       environ_base=environ or {})


def _erase(client, number, code, *, erase=True, revoke=False, lang="en"):  # type: ignore[no-untyped-def]
    data = {"csrf_token": _token(client, lang), "number": number, "code": code, "lang": lang}
    if erase:
        data["erase"] = "y"
    if revoke:
        data["revoke"] = "y"
    return client.post("/mijn-pas/wissen", data=data, follow_redirects=True)


def test_every_language_has_every_text() -> None:
    """The page's texts come from the worker catalogue (every entry translated and compiled:
    test_translations.py); here, that each one is there for the page in every language."""
    keys = set(texts.page_keys())
    assert len(keys) > 80
    for lang in texts.LANGUAGES:
        assert all(mijnpas.t(lang, k, date="{date}").strip() for k in keys), lang
    for code in escrow.REASON_CODES:
        assert f"reason_{code}" in keys
    for action in ("issue", "renew", "revoke", "escrow_sealed", "escrow_request", "escrow_approve",
                   "escrow_deny", "escrow_release", "escrow_exported", "escrow_erased", "escrow_purged"):
        assert f"act_{action}" in keys


@SQLITE_ONLY
@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_start_page_in_each_language(web, client, lang) -> None:  # type: ignore[no-untyped-def]
    page = client.get(f"/mijn-pas/?lang={lang}")
    assert page.status_code == 200 and page.headers["Cache-Control"] == "no-store"
    html = page.get_data(as_text=True)
    assert f'<html lang="{texts.HTML_LANG[lang]}">' in html and mijnpas.t(lang, "title") in html


@SQLITE_ONLY
def test_accept_language_picks_her_language(web, client) -> None:  # type: ignore[no-untyped-def]
    html = client.get("/mijn-pas/", headers={"Accept-Language": "ro-RO,ro;q=0.9"}).get_data(as_text=True)
    assert '<html lang="ro">' in html


def test_she_sees_her_record_and_every_access(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    svc = web.extensions["pas"]
    with svc.db.transaction() as s:
        escrow.request_record(s, escrow.config_for(svc.settings), number=number, official=HANDHAVER,
                              reason_code="trafficking_signal", reason="signal from the GGD nurse",
                              now=int(time.time()))
    page = _show(client, number.lower(), code.replace("-", " "))
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert number in html and "Kowalska" in html and "123456782" in html and "13 July 1994" in html
    assert "Enforcement officer" in html and "Signal of human trafficking" in html
    assert "Your sealed data were handed out to be opened" in html
    assert "handhaver" not in html.replace("Handhaver", "")  # no official's account name
    assert "signal from the GGD nurse" not in html  # the free text is sealed, not shown
    assert page.headers["Cache-Control"] == "no-store"
    assert "Kowalska" not in str(page.headers)


def test_pas_toml_is_not_read_per_request(web, client, holder, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """Her page needs the escrow settings on every request: they come from the Settings
    read at start (tokenservice/config.py), not from pas.toml again (issue 13)."""
    import tomllib

    number, code = holder
    parsed: list[str] = []
    real_loads, real_config_for = tomllib.loads, escrow.config_for
    monkeypatch.setattr(tomllib, "loads", lambda text, **kw: parsed.append(text) or real_loads(text, **kw))
    used: list[object] = []
    monkeypatch.setattr(escrow, "config_for", lambda settings: used.append(settings) or real_config_for(settings))
    for _ in range(3):
        assert "Kowalska" in _show(client, number, code).get_data(as_text=True)
    assert used and not parsed


def test_wrong_code_and_unknown_number_get_the_same_answer(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, _code = holder
    a = _show(client, number, escrow.new_code()).get_data(as_text=True)
    b = _show(client, "DM-00000000-0", escrow.new_code()).get_data(as_text=True)
    c = _show(client, number, "nonsense").get_data(as_text=True)
    wrong = mijnpas.t("en", "wrong")
    assert wrong in a and wrong in b and wrong in c


@SQLITE_ONLY
def test_rate_limit_per_number_then_per_address(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    for _ in range(mijnpas.NUMBER_LIMIT):
        assert _show(client, number, escrow.new_code()).status_code == 200
    blocked = _show(client, number, code)
    assert blocked.status_code == 429 and "Kowalska" not in blocked.get_data(as_text=True)
    other = {"REMOTE_ADDR": "10.0.0.9"}
    for _ in range(mijnpas.IP_LIMIT):
        _show(client, "DM-00000000-0", "x", environ=other)
    assert _show(client, "DM-11111111-1", "x", environ=other).status_code == 429


@SQLITE_ONLY
def test_forms_need_the_csrf_token(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    assert client.post("/mijn-pas/", data={"number": number, "code": code}).status_code == 400
    assert client.post("/mijn-pas/wissen", data={"number": number, "code": code, "erase": "y"}).status_code == 400


def test_erasure_keeps_the_pass_valid(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    svc = web.extensions["pas"]
    wrong = _erase(client, number, escrow.new_code())
    assert mijnpas.t("en", "confirm_wrong") in wrong.get_data(as_text=True)
    done = _erase(client, number, code)
    assert mijnpas.t("en", "done_erased") in done.get_data(as_text=True)
    with svc.db.transaction() as s:
        assert not escrow.has_record(s, number)
    assert svc.passes.status(number).status == "valid"
    html = _show(client, number, code).get_data(as_text=True)
    assert mijnpas.t("en", "record_no") in html and "Kowalska" not in html
    assert "Personal data erased" in html and ">You<" in html


def test_erase_and_stop_ends_the_pass_and_the_code(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    svc = web.extensions["pas"]
    done = _erase(client, number, code, revoke=True, lang="pl").get_data(as_text=True)
    assert mijnpas.t("pl", "done_erased") in done and mijnpas.t("pl", "done_revoked") in done
    status = svc.passes.status(number)
    assert (status.status, status.reason) == ("revoked", "stopped")
    with svc.db.transaction() as s:
        assert not escrow.verify_code(s, number=number, code=code)
        actions = [(e.action, e.role) for e in escrow.access_log(s, number)]
    assert ("revoke", "worker") in actions and ("escrow_purged", "system") in actions


@SQLITE_ONLY
def test_nothing_chosen_changes_nothing(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    page = _erase(client, number, code, erase=False)
    assert mijnpas.t("en", "choose") in page.get_data(as_text=True)
    with web.extensions["pas"].db.transaction() as s:
        assert escrow.has_record(s, number)


@SQLITE_ONLY
def test_prove_ownership_for_renewal(web, holder) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    with web.extensions["pas"].db.transaction() as s:
        assert mijnpas.prove_ownership(s, number, code)
        assert not mijnpas.prove_ownership(s, number, escrow.new_code())


@SQLITE_ONLY
def test_pass_without_record_has_no_code(web, client) -> None:  # type: ignore[no-untyped-def]
    svc = web.extensions["pas"]
    number = svc.passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                              official=INTAKE).number
    with svc.db.transaction() as s:
        assert escrow.seal_identity(s, EscrowConfig(), pass_number=number, identity=ANNA,
                                    consent=False, policy="escrow", now=1) is None
    assert mijnpas.t("en", "wrong") in _show(client, number, escrow.new_code()).get_data(as_text=True)


def test_after_erasing_back_and_reload_do_not_send_the_form_again(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    """Issue 15: the outcome page is reached by a redirect (post/redirect/get), its outcome in
    the signed session, not the URL; shown once, then the page is the start page again."""
    number, code = holder
    data = {"csrf_token": _token(client, "es"), "number": number, "code": code, "erase": "y",
            "lang": "es"}
    posted = client.post("/mijn-pas/wissen", data=data)
    assert posted.status_code == 303 and posted.location.endswith("/mijn-pas/klaar?lang=es")
    first = client.get(posted.location)
    assert mijnpas.t("es", "done_erased") in first.get_data(as_text=True)
    again = client.get(posted.location)  # a reload, or Back then Forward
    assert again.status_code == 302 and "/mijn-pas/" in again.location


def test_her_page_has_a_skip_link_her_card_colour_and_a_log_that_stacks_on_a_phone(web, client, holder) -> None:  # type: ignore[no-untyped-def]
    number, code = holder
    page = _show(client, number, code, lang="bg").get_data(as_text=True)
    assert 'class="skip-link" href="#main"' in page and 'id="main"' in page
    assert 'class="swatch"' in page
    assert 'class="log"' in page and 'data-label="' in page
