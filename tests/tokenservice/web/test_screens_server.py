"""Issue 15, the officials' screens, as the server renders them (the browser's side is in
test_screens_browser.py).

- Forms are ``novalidate`` and a form sent with mistakes gets one error summary at the top
  (GOV.UK pattern: role=alert, a heading, a link to each field), in Dutch or English.
- The result page offers her leaflet in her language and carries the leave guard.
- No default language for her texts (nothing stores it, not even at a renewal).
- Handhaving: the status lookup comes first; an already revoked pass says since when and
  nothing changes.
- Beheer: the username rule is shown and explained by the server; one navigation; readable
  charts.
"""

from __future__ import annotations

import base64
import datetime as dt
import html
import re
import shutil
import subprocess
import time
from zoneinfo import ZoneInfo

import pytest
import sqlalchemy as sa

from tests.support.service import (
    ASTRONAUT,
    CSRF,
    INTAKE,
    checklist,
    data_uris,
    good_fields,
    post_intake,
    result_number,
    session_login,
)
from tokenservice import texts
from tokenservice.issue import flow, leaflet
from tokenservice.store.models import AuditEvent

_LINK = re.compile(r'<div class="error-summary" role="alert"[^>]*>.*?</div>', re.S)
_HREF = re.compile(r'<a href="#([^"]+)">([^<]*)</a>')

needs_poppler = pytest.mark.skipif(shutil.which("pdftotext") is None, reason="poppler-utils missing")


def summary_links(page: str) -> dict[str, str]:
    """The error summary's links: element id -> text (empty if there is no summary)."""
    box = _LINK.search(page)
    if box is None:
        return {}
    return {target: html.unescape(text) for target, text in _HREF.findall(box.group(0))}


def csrf(client, path: str) -> str:  # type: ignore[no-untyped-def]
    return html.unescape(CSRF.search(client.get(path).get_data(as_text=True)).group(1))


def ids(page: str) -> set[str]:
    return set(re.findall(r'\bid="([^"]+)"', page))


# --- 1. the error summary -------------------------------------------------------------


def test_intake_form_is_novalidate_and_an_empty_form_gets_one_summary_linking_every_field(app, client) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "intake")
    form = client.get("/intake/new").get_data(as_text=True)
    assert re.search(r'<form id="intake-form"[^>]*\bnovalidate\b', form)
    assert 'data-error-summary' not in form  # nothing wrong yet

    page = post_intake(client, {}, photo=None).get_data(as_text=True)
    links = summary_links(page)
    expected = ["id_document_type", "id_valid_until", "bsn", "kvk", "birth_date",
                "information_given", "help_offered", "category", "language", "photo"]
    assert list(links) == expected, links  # in the form's order
    assert set(links) <= ids(page)  # every link lands on an element
    assert links["kvk"] == "KVK-nummer: Een KVK-nummer heeft precies 8 cijfers."
    assert links["language"] == "Taal voor haar teksten: Kies een taal."
    assert page.count('role="alert"') == 1 and "Er is een probleem" in page
    assert "<script>" not in page  # the focus script is a file (CSP)


def test_the_summary_speaks_english_to_an_english_official(app, client) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "intake")
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    page = post_intake(client, good_fields(kvk="1"), photo=None).get_data(as_text=True)
    links = summary_links(page)
    assert list(links) == ["kvk", "photo"]
    assert links["kvk"].startswith("KVK number") or "8 digits" in links["kvk"], links
    assert "There is a problem" in page


def test_renewal_without_proof_links_to_the_proof_block(app, client) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "intake")
    number = result_number(post_intake(client, good_fields()).get_data(as_text=True))
    lookup = client.post("/intake/renew", data={"csrf_token": csrf(client, "/intake/renew"),
                                                "pass": number})
    renew_form = lookup.get_data(as_text=True)
    assert re.search(r'<form id="intake-form"[^>]*\bnovalidate\b', renew_form)
    token = re.search(r'name="request_token" value="([^"]+)"', renew_form).group(1)
    fields = good_fields(step="renew", number=number)
    fields.pop("category")
    page = post_intake(client, fields, path="/intake/renew",
                       tokens={"csrf_token": csrf(client, "/intake/renew"),
                               "request_token": token}).get_data(as_text=True)
    links = summary_links(page)
    assert list(links) == ["renewal-proof"], links
    assert 'id="renewal-proof"' in page


def test_renew_lookup_is_novalidate_and_names_the_problem_in_a_summary(app, client) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "intake")
    page = client.get("/intake/renew").get_data(as_text=True)
    assert re.search(r'<form[^>]*class="lookup"[^>]*\bnovalidate\b', page)
    empty = client.post("/intake/renew", data={"csrf_token": csrf(client, "/intake/renew"),
                                               "pass": ""}).get_data(as_text=True)
    assert list(summary_links(empty)) == ["pass"]


def test_login_with_empty_fields_gets_a_summary_per_field_not_the_generic_failure(client) -> None:  # type: ignore[no-untyped-def]
    page = client.post("/login", data={"csrf_token": csrf(client, "/login"), "username": "",
                                       "password": ""}).get_data(as_text=True)
    links = summary_links(page)
    assert links == {"username": "Gebruikersnaam: Vul uw gebruikersnaam in.",
                     "password": "Wachtwoord: Vul uw wachtwoord in."}
    assert "Inloggen is niet gelukt" not in page  # nothing was tried: no failure to report
    # A wrong password still gets the one generic answer (no account enumeration).
    wrong = client.post("/login", data={"csrf_token": csrf(client, "/login"), "username": "nobody",
                                        "password": "x" * 12}).get_data(as_text=True)
    assert "Inloggen is niet gelukt" in wrong and summary_links(wrong) == {}


# --- 2. the result page -----------------------------------------------------------------


@needs_poppler
def test_result_page_offers_her_leaflet_in_her_language_and_guards_the_receipt(app, client) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "intake")
    page = post_intake(client, good_fields(language="ro")).get_data(as_text=True)
    match = re.search(r'<a[^>]*id="leaflet-link"[^>]*download="([^"]+)"[^>]*href="data:application/pdf;base64,([^"]+)"', page)
    assert match, "no leaflet link"
    assert match.group(1) == leaflet.filename("ro")
    svc = app.extensions["pas"]
    issuer = svc.settings.issuers["GM9999"]
    expected = leaflet.pdf("ro", issuer_name=svc.keyring.issuers["GM9999"].name,
                           help_contacts=issuer.help_contacts, escrow=False,
                           mijnpas_url=svc.settings.mijnpas_url,
                           validity_days=svc.settings.validity_days)

    def text(pdf: bytes) -> str:
        return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                              check=True).stdout.decode()

    assert text(base64.b64decode(match.group(2))) == text(expected)
    # The guard: present but hidden, the receipt link marked, the next-intake link named.
    assert re.search(r'id="leave-guard"[^>]*hidden', page)
    assert re.search(r'<a[^>]*id="receipt-link"[^>]*data-receipt', page)
    assert 'id="next-intake"' in page and 'data-guard="receipt"' in page
    # Still one receipt and one leaflet: the guard's button reuses the receipt link.
    assert len([k for k, _ in data_uris(page) if k == "application/pdf"]) == 4


# --- 3. language: no default --------------------------------------------------------------


def test_no_language_is_preselected_for_a_new_pass_or_a_renewal(app, client) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "intake")
    number = result_number(post_intake(client, good_fields()).get_data(as_text=True))
    new = client.get("/intake/new").get_data(as_text=True)
    renew = client.post("/intake/renew", data={"csrf_token": csrf(client, "/intake/renew"),
                                               "pass": number}).get_data(as_text=True)
    for page in (new, renew):
        radios = re.findall(r'<input type="radio"[^>]*name="language"[^>]*>', page)
        assert len(radios) == len(texts.LANGUAGES)
        assert not [r for r in radios if "checked" in r], radios
        assert all("required" in r for r in radios)
        assert "er staat nergens welke taal ze eerder koos" in page


# --- 4. handhaving ---------------------------------------------------------------------


def test_handhaving_shows_the_lookup_before_the_revoke_form(app, client) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "handhaver")
    page = client.get("/handhaving/revoke").get_data(as_text=True)
    assert page.index('action="/handhaving/status"') < page.index('action="/handhaving/revoke"')


def test_revoking_an_already_revoked_pass_says_since_when_and_changes_nothing(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.extensions["pas"]
    result = flow.issue(svc, iss="GM9999", checklist=checklist(), category="raam",
                             language="nl", photo_bytes=ASTRONAUT, official=INTAKE,
                             outputs=("card_pdf",))
    session_login(app, client, "handhaver")

    def revoke(reason: str) -> str:
        return client.post("/handhaving/revoke", data={
            "csrf_token": csrf(client, "/handhaving/revoke"), "number": result.number,
            "reason": reason, "confirm": "yes"}).get_data(as_text=True)

    def state() -> tuple:  # type: ignore[type-arg]
        with svc.db.transaction() as s:
            events = s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                              .where(AuditEvent.action == "revoke"))
        lists = client.get("/.well-known/pas/revocations/GM9999.cose").data
        return events, lists, svc.passes.status(result.number)

    first = revoke("stolen")
    assert "Nieuwe status" in first
    before = state()
    time.sleep(1.1)  # a second revocation would get a new time and a new signed list
    again = revoke("lost")
    today = dt.datetime.now(ZoneInfo("Europe/Amsterdam")).strftime("%d-%m-%Y")
    assert f"Deze pas was al ingetrokken op {today}." in again
    assert "Nieuwe status" not in again
    assert state() == before
    # Ending the number for good is a change, and is done.
    final = revoke("stopped")
    assert "Nieuwe status" in final and svc.passes.status(result.number).status == "revoked"
    after = state()
    assert "al ingetrokken" in revoke("error") and state() == after


# --- 5. beheer ------------------------------------------------------------------------


def _beheer(app, client):  # type: ignore[no-untyped-def]
    session_login(app, client, "beheer")
    return client


def test_username_rule_is_shown_and_a_bad_name_gets_a_server_message(app, client) -> None:  # type: ignore[no-untyped-def]
    _beheer(app, client)
    page = client.get("/beheer/accounts").get_data(as_text=True)
    field = re.search(r'<input type="text" id="username"[^>]*>', page).group(0)
    assert "pattern=" not in field  # no "Please match the requested format."
    assert 'aria-describedby="username-rule"' in field
    assert re.search(r'id="username-rule">[^<]*kleine letters a–z', page)
    bad = client.post("/beheer/accounts", data={"csrf_token": csrf(client, "/beheer/accounts"),
                                                "username": "Jan de Vries!", "role": "intake"})
    assert bad.status_code == 400
    text = bad.get_data(as_text=True)
    links = summary_links(text)
    assert list(links) == ["username"]
    assert "Niet toegestaan: spatie, “!”." in links["username"]


def test_beheer_has_one_navigation(app, client) -> None:  # type: ignore[no-untyped-def]
    _beheer(app, client)
    for path in ("/beheer/accounts", "/beheer/keys", "/beheer/reports"):
        page = client.get(path).get_data(as_text=True)
        assert page.count("<nav") == 1, path
        for target in ("/beheer/accounts", "/beheer/keys", "/beheer/reports"):
            assert page.count(f'href="{target}"') == 1, (path, target)


def test_report_charts_are_big_enough_and_their_axes_are_named(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.extensions["pas"]
    flow.issue(svc, iss="GM9999", checklist=checklist(), category="raam", language="nl",
                    photo_bytes=ASTRONAUT, official=INTAKE, outputs=("card_pdf",))
    _beheer(app, client)
    page = client.get("/beheer/reports").get_data(as_text=True)
    sizes = re.findall(r'<svg class="bars" viewBox="0 0 (\d+) (\d+)"', page)
    assert sizes and all(int(w) >= 600 and int(h) >= 300 for w, h in sizes), sizes
    assert page.count('class="axis-label"') == 2 * len(sizes)
    assert "Aantal passen" in page and ">Kwartaal<" in page
    css = client.get("/static/css/beheer.css").get_data(as_text=True)
    tick = re.search(r"\.bars \.tick, \.bars \.quarter \{ font-size: (\d+)px", css)
    assert tick and int(tick.group(1)) >= 14
