"""Renewal needs proof that she holds the pass (issue 12, finding 1; docs/adr/0011).

The attack that worked: anyone who brought her card *number* to a spreekuur (a trafficker's
stand-in, a curious official, a stolen intake API token) could renew it without her code —
and so read her history on /mijn-pas with the new code, revoke her card as superseded,
replace or (with consent "no") erase her record, and walk out with a valid card under her
number carrying another face. Now a renewal needs her newest card (the official compares the
photo signed inside it) or her personal code, as ``renewal_proof`` says; without it nothing
about her pass is read, replaced, revoked or erased, and a new pass is the way to help.
"""

from __future__ import annotations

import base64
import re

import pytest
import sqlalchemy as sa

from tests.support.escrow import (
    PRINTED_CODE,
    api_issue,
    consent_fields,
    events,
    handhaver_request,
    mijnpas_page,
    post_form,
    receipt_code,
)
from tests.support.service import form_tokens, result_number, session_login, token_for
from tokenservice import escrow
from tokenservice.store.models import Card, EscrowKey, EscrowRecord, PassRecord
from tokenservice.web import mijnpas


@pytest.fixture
def app(escrow_app):  # type: ignore[no-untyped-def]
    return escrow_app


def snapshot(app, number: str) -> tuple:  # type: ignore[no-untyped-def,type-arg]
    """Everything an unproven renewal must leave alone: cards, record, keys, the log."""
    with app.extensions["pas"].db.transaction() as s:
        record = s.scalars(sa.select(PassRecord).where(PassRecord.number == number)).one()
        cards = tuple((c.serial, c.revoked_at, c.revoke_reason) for c in record.cards)
        rows = tuple((r.id, bytes(r.ciphertext)) for r in s.scalars(
            sa.select(EscrowRecord).where(EscrowRecord.pass_id == record.id)))
        keys = tuple(bytes(k.code_wrapped_key) for k in s.scalars(sa.select(EscrowKey)))
    return cards, rows, keys, tuple(events(app, number))


@pytest.fixture
def her_pass(app, client):  # type: ignore[no-untyped-def]
    """Her pass under policy escrow with a record, her code, and a handhaver's look at it."""
    issued = api_issue(client, token_for(app, "intake"))
    assert issued.status_code == 201, issued.data[:300]
    body = issued.get_json()
    code = receipt_code(base64.b64decode(body["receipt_pdf_b64"]))
    session_login(app, client, "handhaver")
    assert handhaver_request(client, body["number"], reason_code="trafficking_signal").status_code == 200
    return body["number"], code, body["qr_text"]


def renew_api(client, headers, number: str, **fields: str | None):  # type: ignore[no-untyped-def]
    return api_issue(client, headers, path=f"/api/v1/passes/{number}/renew", category=None,
                     **fields)


# --- the attack, through the API and the web form -------------------------------------------


@pytest.mark.parametrize("consent", ["yes", "no"])
def test_renewal_with_only_her_number_changes_nothing(app, client, her_pass, consent) -> None:  # type: ignore[no-untyped-def]
    number, code, _qr = her_pass
    before = snapshot(app, number)
    attempt = renew_api(client, token_for(app, "intake"), number, escrow_consent=consent)
    assert attempt.status_code == 400, attempt.data[:300]
    assert attempt.get_json()["error"]["fields"] == {"renewal_proof": "proof_needed"}
    assert snapshot(app, number) == before  # card not superseded, record and log untouched
    assert app.extensions["pas"].passes.status(number).status == "valid"
    seen = mijnpas_page(client, number, code)  # her code still opens her page
    assert mijnpas.t("en", "reason_trafficking_signal") in seen


def test_a_wrong_code_is_no_proof(app, client, her_pass) -> None:  # type: ignore[no-untyped-def]
    number, code, _qr = her_pass
    before = snapshot(app, number)
    headers = token_for(app, "intake")
    wrong = renew_api(client, headers, number, personal_code=escrow.new_code())
    assert wrong.get_json()["error"]["fields"] == {"personal_code": "code_wrong",
                                                   "renewal_proof": "proof_needed"}
    typo = renew_api(client, headers, number, personal_code=code[:-1] + ("0" if code[-1] != "0" else "1"))
    assert typo.get_json()["error"]["fields"]["personal_code"] == "code_typo"
    assert snapshot(app, number) == before


def test_a_card_needs_the_photo_check_and_must_be_hers_and_newest(app, client, her_pass) -> None:  # type: ignore[no-untyped-def]
    number, _code, qr = her_pass
    headers = token_for(app, "intake")
    before = snapshot(app, number)
    unchecked = renew_api(client, headers, number, old_card=qr)
    assert unchecked.get_json()["error"]["fields"] == {"photo_confirmed": "confirm_photo",
                                                       "renewal_proof": "proof_needed"}
    other = api_issue(client, headers, escrow_consent="no").get_json()["qr_text"]
    not_hers = renew_api(client, headers, number, old_card=other, photo_confirmed="yes")
    assert not_hers.get_json()["error"]["fields"]["old_card"] == "card_other_pass"
    forged = qr[:-6] + ("000000" if not qr.endswith("000000") else "111111")
    fake = renew_api(client, headers, number, old_card=forged, photo_confirmed="yes")
    assert fake.get_json()["error"]["fields"]["old_card"] == "card_not_genuine"
    assert snapshot(app, number) == before

    renewed = renew_api(client, headers, number, old_card=qr, photo_confirmed="yes")
    assert renewed.status_code == 201, renewed.data[:300]
    # Her old card is superseded now: whoever kept it cannot renew with it.
    again = renew_api(client, headers, number, old_card=qr, photo_confirmed="yes")
    assert again.get_json()["error"]["fields"]["old_card"] == "card_superseded"
    newest = renewed.get_json()["qr_text"]
    assert renew_api(client, headers, number, old_card=newest, photo_confirmed="yes").status_code == 201


def test_her_code_alone_renews_and_she_keeps_it(app, client, her_pass) -> None:  # type: ignore[no-untyped-def]
    number, code, _qr = her_pass
    renewed = renew_api(client, token_for(app, "intake"), number, personal_code=code.lower())
    assert renewed.status_code == 201, renewed.data[:300]
    body = renewed.get_json()
    assert "personal_code" not in body  # on her receipt only
    assert receipt_code(base64.b64decode(body["receipt_pdf_b64"])) == code
    with app.extensions["pas"].db.transaction() as s:
        assert mijnpas.prove_ownership(s, number, code)
        old = s.scalars(sa.select(Card).order_by(Card.id)).first()
        assert old is not None and old.revoke_reason == "superseded"


@pytest.mark.parametrize("requirement,proofs,ok", [
    ("card", {"personal_code"}, False),
    ("card", {"card"}, True),
    ("code", {"card"}, False),
    ("code", {"personal_code"}, True),
    ("card_and_code", {"card"}, False),
    ("card_and_code", {"personal_code"}, False),
    ("card_and_code", {"card", "personal_code"}, True),
])
def test_the_municipality_chooses_what_counts(app, client, her_pass, instance, requirement, proofs, ok) -> None:  # type: ignore[no-untyped-def]
    from tokenservice.web.app import create_app

    number, code, qr = her_pass
    strict = create_app(instance.settings(renewal_proof=requirement))
    strict.config.update(TESTING=True)
    try:
        c = strict.test_client()
        fields: dict[str, str] = {}
        if "card" in proofs:
            fields.update(old_card=qr, photo_confirmed="yes")
        if "personal_code" in proofs:
            fields["personal_code"] = code
        response = renew_api(c, token_for(strict, "intake"), number, **fields)
        assert (response.status_code == 201) is ok, response.data[:300]
    finally:
        strict.extensions["pas"].db.dispose()


def test_web_renewal_shows_the_signed_photo_and_offers_a_new_pass_without_proof(app, client, her_pass) -> None:  # type: ignore[no-untyped-def]
    number, code, qr = her_pass
    session_login(app, client, "intake")
    # Looked up by the QR of her card: the photo from inside it, and the check box.
    by_card = client.post("/intake/renew", data={**form_tokens(client, "/intake/renew"), "pass": qr})
    page = by_card.get_data(as_text=True)
    # The old card's av1 photo, shown as its rebuilt AVIF file (token-format §6.1).
    assert 'id="renewal-proof"' in page and 'src="data:image/avif;base64,' in page
    assert 'name="photo_confirmed"' in page and 'name="old_card"' in page
    # Looked up by number only: no photo to compare, so her code or a new pass.
    by_number = client.post("/intake/renew", data={**form_tokens(client, "/intake/renew"), "pass": number})
    form = by_number.get_data(as_text=True)
    assert 'name="old_card"' not in form and 'name="personal_code"' in form
    assert 'href="/intake/new?iss=' in form

    before = snapshot(app, number)
    fields = consent_fields()
    fields.update(step="renew", number=number)
    fields.pop("category")
    refused = post_form(client, fields, path="/intake/renew", token_path="/intake/renew")
    text = refused.get_data(as_text=True)
    assert "intake-result" not in text and "nieuwe pas uit" in text
    assert snapshot(app, number) == before
    fields["old_card"] = qr
    unconfirmed = post_form(client, fields, path="/intake/renew", token_path="/intake/renew")
    assert "intake-result" not in unconfirmed.get_data(as_text=True)
    assert snapshot(app, number) == before
    fields["photo_confirmed"] = "yes"
    done = post_form(client, fields, path="/intake/renew", token_path="/intake/renew")
    result = done.get_data(as_text=True)
    assert "intake-result" in result and result_number(result) == number
    # Her new code is on her receipt, not on the official's screen.
    assert 'id="personal-code-on-receipt"' in result and not PRINTED_CODE.search(
        re.sub(r'data:[^"]+', "", result))
    assert code not in result
