"""Registration policy ``escrow`` end to end through the web UI and the API.

The demo instance of ``pas-service init --demo`` (policy escrow, a demo team key split
2-of-3): an intake with her consent shows her personal code once and prints it on the
receipt; the sealed record opens with 2 of the 3 demo shares and not with 1; without
consent nothing is kept; a handhaver asks for the record (web and API), the access is
logged first, and the worker then sees it on /mijn-pas with her number and code; she
erases the record there. No identity value comes back in any response; only the code,
once, on the result page (and in the API response that made it).

Each test runs on SQLite and PostgreSQL unless marked otherwise.
"""

from __future__ import annotations

import base64
import html
import json
import re
import shutil
import subprocess
import time
from pathlib import Path

import pytest
import sqlalchemy as sa

from keys import escrow as keys_escrow
from tests.support.escrow import (
    BIRTH,
    BSN,
    DOCUMENT,
    FAMILY,
    GIVEN,
    IDENTITY_VALUES,
    PRINTED_CODE,
    REASON,
    api_issue,
    consent_fields,
    events,
    handhaver_request,
    mijnpas_page,
    pdf_text,
    post_form,
)
from tests.support.service import (
    count,
    form_tokens,
    result_number,
    session_login,
    token_for,
)
from tokenservice import escrow
from tokenservice.access import accounts
from tokenservice.ops.instance import demo_escrow_shares, init_instance
from tokenservice.store.models import EscrowRecord, EscrowRequest, PassCode, PassRecord
from tokenservice.web import mijnpas

_CODE = re.compile(r'<p id="personal-code"[^>]*>(.*?)</p>', re.S)
_RECEIPT = re.compile(r'download="pas-[^"]+-bon\.pdf" href="data:application/pdf;base64,([^"]+)"')
_DOWNLOAD = re.compile(r'id="escrow-download" download="([^"]+)" href="data:application/json;base64,([^"]+)"')
SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


# --- the demo instance: policy escrow, a 2-of-3 team key ---------------------------------------


@pytest.fixture
def demo_shares(instance) -> list[str]:  # type: ignore[no-untyped-def]
    """What `pas-service init --demo` adds: policy escrow, keys/escrow.pub, three shares."""
    init_instance(instance.path, demo=True, database_url=instance.database_url, migrate_db=False,
                  demo_escrow=True)
    shares = demo_escrow_shares(instance.path)
    assert len(shares) == 3
    return shares


@pytest.fixture
def app(instance, demo_shares):  # type: ignore[no-untyped-def]
    from tokenservice.web.app import create_app

    flask_app = create_app(instance.settings())
    flask_app.config.update(TESTING=True)
    yield flask_app
    flask_app.extensions["pas"].db.dispose()


def personal_code(page: str) -> str | None:
    """Her code from the result page: on screen only with show_code_on_screen, else from
    the receipt (the only place it is printed by default)."""
    match = _CODE.search(page)
    if match:
        return re.sub(r"<[^>]+>", "", match.group(1)).strip()
    if 'id="personal-code-on-receipt"' not in page:
        return None
    found = PRINTED_CODE.search(receipt_text(page))
    assert found, "no personal code on the receipt"
    return found.group(0)


def receipt_text(page: str) -> str:
    match = _RECEIPT.search(page)
    assert match, "no receipt download on the result page"
    return pdf_text(base64.b64decode(html.unescape(match.group(1))))


def assert_no_identity(body: str | bytes, *, but: tuple[str, ...] = ()) -> None:
    text = body.decode(errors="replace") if isinstance(body, bytes) else body
    for value in IDENTITY_VALUES:
        if value not in but:
            assert value not in text, value
            assert html.escape(value) not in text, value


def open_document(document: dict, shares: list[str]) -> keys_escrow.OpenedRecord:
    private = keys_escrow.recover_private_key(shares)
    (entry,) = keys_escrow.entries_from_document(document)
    return keys_escrow.open_entry(private, entry)


# --- the web: intake → handhaver → /mijn-pas → erasure ---------------------------------------


def test_consent_intake_handhaver_opens_worker_sees_and_erases(app, client, demo_shares) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "intake")
    form = client.get("/intake/new").get_data(as_text=True)
    assert 'name="escrow_consent"' in form and 'name="given_names"' in form
    # Asked in her language (all eight are on the page; the script shows the chosen one)
    # and in Dutch for the official; no answer is preselected.
    from tokenservice import texts

    for lang in texts.LANGUAGES:
        assert html.escape(texts.text(lang, "consent_question")) in form
    assert 'value="yes" required checked' not in form and 'value="no" required checked' not in form

    response = post_form(client, consent_fields())
    page = response.get_data(as_text=True)
    assert response.status_code == 200 and "intake-result" in page, page[:3000]
    number = result_number(page)
    code = personal_code(page)
    assert code is not None and escrow.normalize_code(code) is not None
    visible = re.sub(r"<[^>]+>", "", re.sub(r'data:[^"]+', "", page))
    assert visible.count(code) == 0  # printed on her receipt only, not on the official's screen
    assert_no_identity(page)
    assert code.replace("-", "") in receipt_text(page).replace("-", "").replace(" ", "")
    assert count(app, EscrowRecord) == 1 and count(app, PassCode) == 1
    with app.extensions["pas"].db.transaction() as s:  # the code is stored nowhere
        assert code.replace("-", "").encode() not in b"".join(
            bytes(v) if isinstance(v, bytes) else str(v).encode()
            for row in s.execute(sa.select(PassCode)) for v in row)

    # A handhaver asks for it through the web page.
    session_login(app, client, "handhaver")
    released = handhaver_request(client, number)
    body = released.get_data(as_text=True)
    assert released.status_code == 200 and 'id="escrow-released"' in body, body[:3000]
    filename, data = _DOWNLOAD.search(body).groups()
    assert filename == f"record-{number}.json"
    assert f"pas-keys escrow open --record {filename} --pub escrow.pub" in body
    assert REASON not in body and html.escape(REASON) not in body
    assert_no_identity(body)
    document = json.loads(base64.b64decode(data))
    # Logged before it was handed out; the free text is sealed, not in the log.
    assert ("handhaver", "escrow_release", "inspection") in events(app, number)
    with app.extensions["pas"].db.transaction() as s:
        request = s.scalars(sa.select(EscrowRequest)).one()
        assert request.status == "released" and REASON.encode() not in request.reason_sealed

    # Two of the demo's three shares open it (any two); one does not.
    for pair in ([0, 1], [1, 2], [0, 2]):
        opened = open_document(document, [demo_shares[i] for i in pair])
        assert opened.number == number
        assert opened.fields == {"given_names": GIVEN, "family_name": FAMILY, "birth_date": BIRTH,
                                 "id_document_number": DOCUMENT, "bsn": BSN}
    with pytest.raises(keys_escrow.EscrowError):
        open_document(document, demo_shares[:1])

    # The worker sees that access on /mijn-pas: when, the role (not the name), the reason code.
    seen = mijnpas_page(client, number, code)
    assert mijnpas.t("en", "act_escrow_release") in seen
    assert mijnpas.t("en", "role_handhaver") in seen and mijnpas.t("en", "reason_inspection") in seen
    assert html.escape(FAMILY) in seen or FAMILY in seen  # her own record, opened with her code
    assert "handhaver</td>" not in seen  # never an official's account name
    # She erases it: both sealed copies go at once; the pass stays valid.
    token = form_tokens(client, "/mijn-pas/?lang=en")["csrf_token"]
    done = client.post("/mijn-pas/wissen", data={"csrf_token": token, "number": number,
                                                 "code": code, "erase": "y", "lang": "en"},
                       follow_redirects=True)
    assert mijnpas.t("en", "done_erased") in done.get_data(as_text=True)
    assert count(app, EscrowRecord) == 0
    assert app.extensions["pas"].passes.status(number).status == "valid"
    again = handhaver_request(client, number).get_data(as_text=True)
    assert "niets verzegeld" in again and 'id="escrow-released"' not in again
    # The empty look-up is logged as well (no unlogged probing of who consented).
    assert events(app, number)[-2:] == [
        ("worker", "escrow_erased", "own_request"),
        ("handhaver", "escrow_lookup_empty", "inspection"),
    ]


def test_without_consent_nothing_is_kept_and_nothing_echoed(app, client) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "intake")
    response = post_form(client, consent_fields("no"))
    page = response.get_data(as_text=True)
    assert "intake-result" in page
    assert personal_code(page) is None and "Geen toestemming" in page
    assert_no_identity(page)
    assert count(app, PassRecord) == 1
    assert count(app, EscrowRecord) == 0 and count(app, PassCode) == 0
    number = result_number(page)
    assert [a for _, a, _ in events(app, number)] == ["issue"]
    session_login(app, client, "handhaver")
    assert "niets verzegeld" in handhaver_request(client, number).get_data(as_text=True)


def test_consent_must_be_answered_and_identity_is_required_with_a_yes(app, client) -> None:  # type: ignore[no-untyped-def]
    session_login(app, client, "intake")
    unanswered = post_form(client, consent_fields(None)).get_data(as_text=True)
    assert "intake-result" not in unanswered and "kies ja of nee" in unanswered
    assert_no_identity(unanswered)
    missing = post_form(client, consent_fields("yes", family_name="", id_document_number="")
                        ).get_data(as_text=True)
    assert "intake-result" not in missing
    assert missing.count(">Dit is verplicht.<") == 2
    assert_no_identity(missing)  # the given names typed are not sent back either
    assert 'value="yes" required checked' in missing  # the answer itself is kept for the retry
    too_long = post_form(client, consent_fields("yes", given_names="x" * 201)).get_data(as_text=True)
    assert "te lang" in too_long and "x" * 201 not in too_long
    assert count(app, PassRecord) == 0 and count(app, EscrowRecord) == 0


def test_renewal_keeps_a_proven_code_refuses_a_wrong_one_and_no_erases(app, client) -> None:  # type: ignore[no-untyped-def]
    """Renewal needs proof (tests/tokenservice/issue/test_renewal_proof.py has the attacks)."""
    session_login(app, client, "intake")
    first = post_form(client, consent_fields()).get_data(as_text=True)
    number, code = result_number(first), personal_code(first)
    assert code

    def renew(**fields: str | None) -> str:
        data = consent_fields(**fields)  # type: ignore[arg-type]
        data.update(step="renew", number=number)
        data.pop("category")
        return post_form(client, data, path="/intake/renew",
                         token_path="/intake/renew").get_data(as_text=True)

    form = client.post("/intake/renew", data={**form_tokens(client, "/intake/renew"), "pass": number})
    assert 'name="personal_code"' in form.get_data(as_text=True)

    kept = renew(personal_code=code.lower().replace("-", " "))
    assert personal_code(kept) == code and "dezelfde als eerst" in kept
    typo = renew(personal_code=code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert "intake-result" not in typo and "tikfout" in typo and code[:9] not in typo
    wrong = renew(personal_code=escrow.new_code())
    assert "intake-result" not in wrong and "hoort niet bij deze pas" in wrong
    with app.extensions["pas"].db.transaction() as s:
        assert mijnpas.prove_ownership(s, number, code)  # a wrong code changed nothing
    assert count(app, EscrowRecord) == 1
    declined = renew(escrow_consent="no", personal_code=code)
    assert personal_code(declined) is None and count(app, EscrowRecord) == 0
    assert events(app, number)[-1] == ("intake", "escrow_erased", "no_consent")


def test_policy_escrow_without_the_team_key_refuses_a_yes(app, client, instance) -> None:  # type: ignore[no-untyped-def]
    (instance.path / "keys" / "escrow.pub").unlink()
    session_login(app, client, "intake")
    form = client.get("/intake/new").get_data(as_text=True)
    assert 'value="yes" required disabled' in form and "escrow.pub" in form
    page = post_form(client, consent_fields()).get_data(as_text=True)
    assert "intake-result" not in page and "keys/escrow.pub" in page
    assert count(app, PassRecord) == 0
    assert "intake-result" in post_form(client, consent_fields("no")).get_data(as_text=True)


# --- the API ------------------------------------------------------------------------------------


def test_api_consent_fields_record_and_export(app, client, demo_shares) -> None:  # type: ignore[no-untyped-def]
    intake, handhaver = token_for(app, "intake"), token_for(app, "handhaver")
    # Consent is never assumed.
    missing = api_issue(client, intake, escrow_consent=None)
    assert missing.status_code == 400
    assert missing.get_json()["error"]["fields"] == {"escrow_consent": "choose_consent"}
    required = api_issue(client, intake, family_name="")
    assert required.get_json()["error"]["fields"] == {"family_name": "required"}
    assert_no_identity(required.get_data())
    no = api_issue(client, intake, escrow_consent="no")
    assert no.status_code == 201 and no.get_json()["registration"] == "none"
    assert "personal_code" not in no.get_json()

    issued = api_issue(client, intake, request_id="station-7")
    assert issued.status_code == 201, issued.data[:300]
    body = issued.get_json()
    assert body["registration"] == "sealed" and "personal_code" not in body
    assert_no_identity(issued.get_data())
    receipt = base64.b64decode(body["receipt_pdf_b64"])
    assert receipt.startswith(b"%PDF")
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed (CI installs it)")
    text = subprocess.run(["pdftotext", "-", "-"], input=receipt, capture_output=True,
                          check=True).stdout.decode()
    found = PRINTED_CODE.search(text)
    assert found and escrow.normalize_code(found.group(0))
    body["personal_code"] = found.group(0)  # what she reads off her receipt
    # The same request_id again: the same card, and the code is not shown a second time.
    replay = api_issue(client, intake, request_id="station-7").get_json()
    assert replay["number"] == body["number"] and replay["registration"] == "unchanged"
    assert "personal_code" not in replay
    number = body["number"]

    # Renewal with her code keeps it.
    renewed = api_issue(client, intake, path=f"/api/v1/passes/{number}/renew",
                        personal_code=body["personal_code"], category=None)
    assert renewed.status_code == 201 and "personal_code" not in renewed.get_json()

    # Handhaver: the sealed record, as the file pas-keys opens.
    url = f"/api/v1/passes/{number}/escrow"
    assert client.post(url, json={"reason_code": "inspection", "reason": REASON},
                       headers=intake).status_code == 403
    bad = client.post(url, json={"reason_code": "curious", "reason": "short"}, headers=handhaver)
    assert bad.status_code == 400 and bad.get_json()["error"]["fields"] == {
        "reason_code": "choose_reason_code", "reason": "reason_length"}
    assert "short" not in bad.get_data(as_text=True)
    got = client.post(url, json={"reason_code": "police_request", "reason": REASON},
                      headers=handhaver)
    assert got.status_code == 200, got.data[:300]
    assert got.headers["Content-Disposition"] == f'attachment; filename="record-{number}.json"'
    assert REASON not in got.get_data(as_text=True)
    assert_no_identity(got.get_data())
    assert open_document(got.get_json(), demo_shares[1:]).fields["family_name"] == FAMILY
    assert ("handhaver", "escrow_release", "police_request") in events(app, number)
    form = client.post(url, data={"reason_code": "other", "reason": REASON}, headers=handhaver)
    assert form.status_code == 200 and form.get_json()["format"] == "pas-escrow-record"
    unsealed = client.post(f"/api/v1/passes/{no.get_json()['number']}/escrow",
                           json={"reason_code": "inspection", "reason": REASON}, headers=handhaver)
    assert unsealed.status_code == 404 and unsealed.get_json()["error"]["code"] == "no_escrow_record"
    from verifier import passnumber

    unknown = client.post(f"/api/v1/passes/{passnumber.new('DM')}/escrow",
                          json={"reason_code": "inspection", "reason": REASON}, headers=handhaver)
    assert unknown.status_code == 404 and unknown.get_json()["error"]["code"] == "unknown_pass"

    # Person → number: the bulk export, searched after opening.
    export = client.post("/api/v1/escrow/export",
                         json={"reason_code": "trafficking_signal", "reason": REASON},
                         headers=handhaver)
    assert export.status_code == 200 and export.get_json()["format"] == "pas-escrow-export"
    private = keys_escrow.recover_private_key(demo_shares[:2])
    opened = [keys_escrow.open_entry(private, e)
              for e in keys_escrow.entries_from_document(export.get_json())]
    assert [r.number for r in opened if keys_escrow.matches(r, FAMILY)] == [number]
    assert ("handhaver", "escrow_exported", "trafficking_signal") in events(app, number)
    assert client.get("/api/v1/escrow/requests", headers=handhaver).get_json() == {"requests": []}

    # The worker sees every access.
    seen = mijnpas_page(client, number, body["personal_code"])
    assert mijnpas.t("en", "reason_police_request") in seen
    assert mijnpas.t("en", "act_escrow_exported") in seen


@pytest.fixture
def two_person_app(instance, demo_shares):  # type: ignore[no-untyped-def]
    """The app of an instance whose pas.toml asks for two handhavers (read once, at start)."""
    from tokenservice.web.app import create_app

    with (instance.path / "pas.toml").open("a") as f:
        f.write("\n[escrow]\ntwo_person = true\n")
    flask_app = create_app(instance.settings())
    flask_app.config.update(TESTING=True)
    yield flask_app
    flask_app.extensions["pas"].db.dispose()


@SQLITE_ONLY
def test_two_person_rule_in_the_web_and_the_api(two_person_app, instance) -> None:  # type: ignore[no-untyped-def]
    app = two_person_app
    client = app.test_client()
    svc = app.extensions["pas"]
    with svc.db.transaction() as s:
        accounts.create(s, username="handhaver2", role="handhaver", password=None,
                        now=int(time.time()), enrolled=True)
    intake = token_for(app, "intake")
    number = api_issue(client, intake).get_json()["number"]

    session_login(app, client, "handhaver")
    pending = handhaver_request(client, number).get_data(as_text=True)
    assert 'id="escrow-pending"' in pending and 'id="escrow-released"' not in pending
    mine = client.get("/handhaving/requests").get_data(as_text=True)
    assert "wacht op een collega" in mine and "/approve" not in mine
    with svc.db.transaction() as s:
        (request_id,) = [r.id for r in escrow.list_requests(s, status="pending")]

    session_login(app, client, "handhaver2")
    page = client.get("/handhaving/requests").get_data(as_text=True)
    assert f"/handhaving/requests/{request_id}/approve" in page
    token = form_tokens(client, "/handhaving/requests")["csrf_token"]
    approved = client.post(f"/handhaving/requests/{request_id}/approve", data={"csrf_token": token})
    assert "goedgekeurd" in approved.get_data(as_text=True)
    # Only the requester collects.
    token = form_tokens(client, "/handhaving/requests")["csrf_token"]
    refused = client.post(f"/handhaving/requests/{request_id}/collect", data={"csrf_token": token})
    assert 'id="escrow-released"' not in refused.get_data(as_text=True)

    session_login(app, client, "handhaver")
    token = form_tokens(client, "/handhaving/requests")["csrf_token"]
    collected = client.post(f"/handhaving/requests/{request_id}/collect",
                            data={"csrf_token": token}).get_data(as_text=True)
    assert 'id="escrow-released"' in collected and f"record-{number}.json" in collected
    assert [a for _, a, _ in events(app, number)][-3:] == [
        "escrow_request", "escrow_approve", "escrow_release"]

    # The same through the API.
    first, second = token_for(app, "handhaver"), token_for(app, "handhaver2")
    asked = client.post(f"/api/v1/passes/{number}/escrow",
                        json={"reason_code": "inspection", "reason": REASON}, headers=first)
    assert asked.status_code == 202 and asked.get_json()["status"] == "pending"
    rid = asked.get_json()["request"]
    listed = client.get("/api/v1/escrow/requests", headers=second).get_json()["requests"]
    assert [(r["request"], r["status"], r["number"]) for r in listed] == [(rid, "pending", number)]
    assert client.post(f"/api/v1/escrow/requests/{rid}/approve", headers=first).status_code == 403
    assert client.post(f"/api/v1/escrow/requests/{rid}/collect", headers=first).status_code == 409
    assert client.post(f"/api/v1/escrow/requests/{rid}/approve", headers=second).get_json() == {
        "request": rid, "status": "approved"}
    doc = client.post(f"/api/v1/escrow/requests/{rid}/collect", headers=first)
    assert doc.status_code == 200 and doc.get_json()["record"]["number"] == number
    assert client.post(f"/api/v1/escrow/requests/{rid}/collect", headers=first).status_code == 409
    assert client.post("/api/v1/escrow/requests/999/deny", headers=second).status_code == 404
    export = client.post("/api/v1/escrow/export", json={"reason_code": "inspection",
                                                        "reason": REASON}, headers=first)
    assert export.status_code == 202
    denied = client.post(f"/api/v1/escrow/requests/{export.get_json()['request']}/deny",
                         headers=second)
    assert denied.get_json()["status"] == "denied"


# --- the demo set-up itself ---------------------------------------------------------------------


def test_demo_init_prints_the_shares_and_uses_policy_escrow(tmp_path: Path, capsys) -> None:  # type: ignore[no-untyped-def]
    from tokenservice import _cli, config

    instance = tmp_path / "demo"
    assert _cli.main(["--instance", str(instance), "init", "--demo"]) == 0
    out = capsys.readouterr().out
    shares = keys_escrow.split_share_texts(out.split("A real key's shares never touch a server.")[1])
    assert len(shares) == 3
    pub = keys_escrow.read_public_file(instance / "keys" / "escrow.pub")
    assert keys_escrow.recover_private_key(shares[:2], expect_public=pub)
    assert (instance / "keys" / "escrow.pub").read_text().count("\n") == 4  # only the public key
    assert not any("escrow" in p.name and p.name != "escrow.pub"
                   for p in (instance / "keys").iterdir())
    settings = config.load(env={}, instance_dir=instance)
    assert escrow.policy_for(settings, "GM9999") == "escrow"
    demo_file = (instance / "demo-accounts.txt").read_text()
    assert "DEMO ONLY" in demo_file and all(s.splitlines()[0] in demo_file for s in shares)
    # Running it again changes nothing and prints the same shares.
    assert _cli.main(["--instance", str(instance), "init", "--demo"]) == 0
    again = capsys.readouterr().out
    assert all(s in again for s in shares)
    assert keys_escrow.read_public_file(instance / "keys" / "escrow.pub") == pub


@SQLITE_ONLY
def test_request_ids_beyond_the_database_range_are_unknown(app, client) -> None:  # type: ignore[no-untyped-def]
    app.config["PROPAGATE_EXCEPTIONS"] = False
    headers = token_for(app, "handhaver")
    session_login(app, client, "handhaver")
    for request_id in (2**31, 2**67):
        for action in ("approve", "deny", "collect"):
            api = client.post(f"/api/v1/escrow/requests/{request_id}/{action}", headers=headers)
            assert api.status_code == 404 and api.get_json()["error"]["code"] == "unknown_request"
            token = form_tokens(client, "/handhaving/requests")["csrf_token"]
            web = client.post(f"/handhaving/requests/{request_id}/{action}",
                              data={"csrf_token": token})
            assert web.status_code == 200 and "bestaat niet" in web.get_data(as_text=True)
