"""The spreekuur in the browser: intake, crop step, renewal, revocation — and what is NOT sent back.

Each test runs on SQLite and PostgreSQL (the ``instance`` fixture). Officials are logged in
by writing the session auth.py expects; the login itself is tested in test_auth.py.
"""

from __future__ import annotations

import datetime as dt
import html
import io

import pytest
from PIL import Image

from tests.support.paths import FIXTURES
from tests.support.service import (
    ASTRONAUT,
    CSRF,
    INTAKE,
    REQUEST_TOKEN,
    checklist,
    count,
    data_uris,
    form_tokens,
    good_fields,
    post_intake,
    result_number,
    session_login,
    years_ago,
)
from tokenservice.issue import flow
from tokenservice.issue.checklist import IntakeError
from tokenservice.issue.continuity import RenewalProof
from tokenservice.issue.photo import PhotoError
from tokenservice.store.models import Card, PassRecord
from verifier import Status, TrustStore, verify
from verifier.format import decode_qr_text
from verifier.scan import pass_text_from_image

CAT = (FIXTURES / "chelsea.png").read_bytes()


def store(client) -> TrustStore:
    anchor = client.get("/.well-known/pas/anchor.pub").data.decode().strip()
    trust_list = client.get("/.well-known/pas/trust-list.cose").data
    revocations = client.get("/.well-known/pas/revocations/GM9999.cose").data
    return TrustStore.from_bytes(bytes.fromhex(anchor), trust_list, [revocations])


# --- the web intake ---------------------------------------------------------------------


def test_full_intake_gives_a_card_whose_qr_verifies(app, client) -> None:
    session_login(app, client, "intake")
    form = client.get("/intake/new")
    assert form.status_code == 200
    body = form.get_data(as_text=True)
    assert 'type="module"' in body and "<script>" not in body
    assert 'autocomplete="off"' in body and "Foto maken" in body

    response = post_intake(client, good_fields())
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    number = result_number(page)
    assert '<p class="pass-number"' in page and number in page
    uris = data_uris(page)
    kinds = [kind for kind, _ in uris]
    # card, A4 sheet, her receipt and her leaflet
    assert kinds.count("application/pdf") == 4 and "image/jpeg" in kinds
    pngs = [data for kind, data in uris if kind == "image/png"]
    assert all(Image.open(io.BytesIO(p)).format == "PNG" for p in pngs)
    pdfs = [data for kind, data in uris if kind == "application/pdf"]
    assert all(p.startswith(b"%PDF") for p in pdfs)

    # The phone pass PNG is the largest PNG; its QR decodes to a pass that verifies VALID
    # against what the service publishes.
    digital = max(pngs, key=len)
    qr_text = pass_text_from_image(digital)
    verdict = verify(qr_text, store(client))
    assert verdict.status is Status.VALID and verdict.number == number
    assert verdict.category is not None and verdict.category.code == "raam"
    # Nothing of the checklist came back.
    for value in ("111222333", "12345678", good_fields()["birth_date"]):
        assert value not in page
    assert count(app, PassRecord) == 1


def test_policy_none_asks_nothing_and_keeps_nothing(app, client) -> None:
    """The Groningen model (the default): no consent block, no code, whatever is sent dropped."""
    from tokenservice.store.models import EscrowRecord, PassCode

    session_login(app, client, "intake")
    form = client.get("/intake/new").get_data(as_text=True)
    for absent in ("escrow_consent", "given_names", "personal_code", "consent-question"):
        assert absent not in form
    page = post_intake(client, good_fields(escrow_consent="yes", given_names="Zsofiavyx",
                                           family_name="Brontewaithe",
                                           id_document_number="QX7254193")).get_data(as_text=True)
    assert "intake-result" in page
    assert 'id="personal-code"' not in page and "toestemming" not in page
    for value in ("Zsofiavyx", "Brontewaithe", "QX7254193"):
        assert value not in page
    assert count(app, EscrowRecord) == 0 and count(app, PassCode) == 0


def test_checklist_failures_issue_nothing_and_never_echo_the_values(app, client) -> None:
    session_login(app, client, "intake")
    cases = {
        "bsn": ({"bsn": "123456780"}, "elfproef"),
        "under_age": ({"birth_date": years_ago(21, days=-1)}, "minimumleeftijd"),
        "id_expired": ({"id_valid_until": (dt.date.today() - dt.timedelta(days=1)).isoformat()},
                       "verlopen"),
        "kvk": ({"kvk": "7654321"}, "8 cijfers"),
        "ticks": ({"information_given": None, "help_offered": None}, "Vink dit aan"),
        "no_bsn_no_reason": ({"bsn": None}, "BSN in of kies"),
    }
    for name, (overrides, message) in cases.items():
        fields = good_fields(**overrides)
        # Values that are unique enough to find if they were echoed anywhere.
        fields.setdefault("birth_date", years_ago(30))
        response = post_intake(client, fields)
        page = response.get_data(as_text=True)
        assert response.status_code == 200, name
        assert 'id="intake-form"' in page and "intake-result" not in page, name
        assert message in page, name
        assert "opnieuw in" in page, name  # the official is told to type it again
        for field in ("bsn", "kvk", "birth_date", "id_valid_until"):
            value = fields.get(field)
            if value:
                assert value not in page, (name, field)
                assert f'value="{value}"' not in page
        assert 'name="bsn" value' not in page and 'selected' not in page, name
        assert count(app, PassRecord) == 0, name
    # Category and language are not checklist values and are kept for the retry.
    assert 'value="raam" required checked' in page


def test_double_submitted_form_issues_one_pass(app, client) -> None:
    session_login(app, client, "intake")
    tokens = form_tokens(client)
    first = post_intake(client, good_fields(), tokens=tokens)
    second = post_intake(client, good_fields(), tokens=tokens)
    assert result_number(first.get_data(as_text=True)) == result_number(second.get_data(as_text=True))
    assert count(app, PassRecord) == 1 and count(app, Card) == 1
    # A fresh form is a fresh token: a second person gets a second pass.
    post_intake(client, good_fields())
    assert count(app, PassRecord) == 2


def test_photo_without_a_face_asks_for_a_crop_then_a_manual_crop_issues(app, client) -> None:
    session_login(app, client, "intake")
    tokens = form_tokens(client)
    response = post_intake(client, good_fields(), photo=CAT, tokens=tokens)
    page = response.get_data(as_text=True)
    assert response.status_code == 200
    assert 'data-crop-needed="no_face"' in page and "geen gezicht gevonden" in page.lower()
    assert "<details class=\"crop-manual\" open>" in page
    assert "image/png;base64" not in page  # the photo is not sent back either
    assert count(app, PassRecord) == 0

    crop = {"crop_x": "120", "crop_y": "20", "crop_w": "195", "crop_h": "260"}
    done = post_intake(client, good_fields(**crop), photo=CAT, tokens=tokens)
    page = done.get_data(as_text=True)
    assert "intake-result" in page and "met de hand gekozen" in page
    assert count(app, PassRecord) == 1

    # A crop outside the photo is a photo error, not a crash.
    bad = post_intake(client, good_fields(crop_x="0", crop_y="0", crop_w="5000", crop_h="5000"),
                      photo=CAT)
    assert 'data-crop-needed="bad_crop"' in bad.get_data(as_text=True)
    # Not an image at all.
    junk = post_intake(client, good_fields(), photo=b"%PDF-1.4 not a photo")
    assert "Dit is geen foto" in junk.get_data(as_text=True)
    assert count(app, PassRecord) == 1


def test_photo_check_suggests_a_crop_and_keeps_nothing(app, client) -> None:
    session_login(app, client, "intake")
    csrf = form_tokens(client)["csrf_token"]

    def check(data: bytes):
        return client.post("/intake/photo-check", headers={"X-CSRFToken": csrf},
                           data={"photo": (io.BytesIO(data), "p.png")},
                           content_type="multipart/form-data")

    face = check(ASTRONAUT).get_json()
    assert face["ok"] and face["width"] == 512 and face["box"]["w"] * 4 == pytest.approx(face["box"]["h"] * 3, abs=4)
    cat = check(CAT).get_json()
    assert not cat["ok"] and cat["code"] == "no_face" and cat["width"] > 0
    junk = check(b"hello")
    assert junk.status_code == 415 and junk.get_json()["code"] == "not_an_image"


def test_intake_pages_need_the_intake_role(app, client) -> None:
    assert client.get("/intake/new").status_code == 302
    session_login(app, client, "handhaver")
    assert client.get("/intake/new").status_code == 403
    assert client.get("/intake/renew").status_code == 403


# --- renewal --------------------------------------------------------------------------


def test_renewal_by_typed_number_and_by_qr_text(app, client) -> None:
    session_login(app, client, "intake")
    first = post_intake(client, good_fields())
    number = result_number(first.get_data(as_text=True))
    old_qr = pass_text_from_image(max((d for k, d in data_uris(first.get_data(as_text=True))
                                       if k == "image/png"), key=len))

    # A typo in the number is caught with a clear message.
    csrf = form_tokens(client, "/intake/renew")["csrf_token"]
    typo = number[:-1] + ("0" if number[-1] != "0" else "1")
    page = client.post("/intake/renew", data={"csrf_token": csrf, "step": "lookup", "pass": typo})
    assert "tikfout" in page.get_data(as_text=True)

    # Typed loosely: lower case, without hyphens.
    loose = number.replace("-", "").lower()
    page = client.post("/intake/renew", data={"csrf_token": csrf, "step": "lookup", "pass": loose})
    body = page.get_data(as_text=True)
    assert 'name="step" value="renew"' in body and f'name="number" value="{number}"' in body
    assert "Geldig" in body

    # Pasted QR text: verified against the trust list and the current revocation list.
    page = client.post("/intake/renew", data={"csrf_token": csrf, "step": "lookup", "pass": old_qr})
    body = page.get_data(as_text=True)
    assert "Echt en geldig" in body and f'name="number" value="{number}"' in body
    token = REQUEST_TOKEN.search(body).group(1)

    renewed = post_intake(
        client, good_fields(step="renew", number=number, category="inrichting", old_card=old_qr,
                            photo_confirmed="yes"),
        path="/intake/renew", tokens={"csrf_token": csrf, "request_token": token},
    )
    page = renewed.get_data(as_text=True)
    assert result_number(page) == number and "Pas verlengd" in page
    new_qr = pass_text_from_image(max((d for k, d in data_uris(page) if k == "image/png"), key=len))
    published = store(client)
    assert verify(old_qr, published).status is Status.REVOKED
    fresh = verify(new_qr, published)
    assert fresh.status is Status.VALID and fresh.category.code == "inrichting"

    # A renewal with a failing checklist renews nothing.
    body = client.post("/intake/renew", data={"csrf_token": csrf, "step": "lookup",
                                               "pass": number}).get_data(as_text=True)
    token = REQUEST_TOKEN.search(body).group(1)
    failed = post_intake(client, good_fields(step="renew", number=number, kvk="1"),
                         path="/intake/renew", tokens={"csrf_token": csrf, "request_token": token})
    assert "8 cijfers" in failed.get_data(as_text=True)
    assert count(app, Card) == 2

    # A forged QR is refused.
    forged = old_qr[:-8] + ("0" * 8 if not old_qr.endswith("0" * 8) else "1" * 8)
    body = client.post("/intake/renew", data={"csrf_token": csrf, "step": "lookup",
                                               "pass": forged}).get_data(as_text=True)
    assert 'name="step" value="renew"' not in body


# --- revocation -------------------------------------------------------------------------


def test_handhaver_revokes_and_the_published_list_has_the_serial(app, client) -> None:
    svc = app.extensions["pas"]
    result = flow.issue(
        svc, iss="GM9999", checklist=checklist(), category="raam", language="nl",
        photo_bytes=ASTRONAUT, official=INTAKE, outputs=("card_pdf",),
    )
    session_login(app, client, "handhaver")
    page = client.get("/handhaving/")
    assert page.status_code == 200
    csrf = html.unescape(CSRF.search(page.get_data(as_text=True)).group(1))

    # Status lookup: status only.
    body = client.post("/handhaving/status", data={"csrf_token": csrf, "number": result.number.lower()})
    assert "Geldig" in body.get_data(as_text=True)

    # Without the confirmation box nothing happens.
    body = client.post("/handhaving/revoke", data={"csrf_token": csrf, "number": result.number,
                                                    "reason": "stolen"}).get_data(as_text=True)
    assert "Bevestig" in body
    assert verify(result.qr_text, store(client)).status is Status.VALID
    # A typo is named as such.
    body = client.post("/handhaving/revoke", data={"csrf_token": csrf, "number": "DM-00000000-1",
                                                    "reason": "stolen", "confirm": "yes"})
    assert "tikfout" in body.get_data(as_text=True)

    body = client.post("/handhaving/revoke", data={"csrf_token": csrf, "number": result.number,
                                                    "reason": "stolen", "confirm": "yes"})
    text = body.get_data(as_text=True)
    assert "Gestolen" in text and "Kaart ingetrokken" in text
    published = store(client)
    assert published.is_revoked("GM9999", result.issued.serial)
    assert verify(result.qr_text, published).status is Status.REVOKED

    # The intake role cannot revoke.
    session_login(app, client, "intake")
    assert client.get("/handhaving/").status_code == 403


# --- flow.py itself ------------------------------------------------------------------


def test_spreekuur_checks_before_anything_else(app) -> None:
    svc = app.extensions["pas"]
    with pytest.raises(IntakeError) as failed:
        flow.issue(svc, iss="GM9999", checklist=checklist(kvk="1", bsn="123"),
                        category="nope", language="xx", photo_bytes=b"not a photo",
                        official=INTAKE)
    assert failed.value.problems == {"kvk": "kvk_invalid", "bsn": "bsn_invalid",
                                     "category": "choose_category", "language": "choose_language"}
    assert "87654321" not in str(failed.value) and "123" not in repr(failed.value)
    assert count(app, PassRecord) == 0
    with pytest.raises(PhotoError):
        flow.issue(svc, iss="GM9999", checklist=checklist(), category="raam",
                        language="nl", photo_bytes=b"not a photo", official=INTAKE)
    assert count(app, PassRecord) == 0

    result = flow.issue(svc, iss="GM9999", checklist=checklist(), category="inrichting",
                             language="bg", photo_bytes=ASTRONAUT, official=INTAKE,
                             request_token="unit-1")
    assert result.cards.card_pdf and result.cards.sheet_pdf and result.cards.receipt_pdf
    assert result.cards.digital_png and result.face_found
    assert result.valid_until == flow.local_date(result.issued.exp)
    assert "QR" not in repr(result) and result.qr_text not in repr(result)
    _, claims = decode_qr_text(result.qr_text)
    assert claims.photo_type == "av1" and len(claims.photo) <= 360  # ADR 0018

    renewed = flow.renew(svc, number=result.number.lower(), checklist=checklist(),
                              language="pl", photo_bytes=ASTRONAUT, official=INTAKE,
                              outputs=flow.API_OUTPUTS,
                              proof=RenewalProof(card_qr=result.qr_text, photo_confirmed=True))
    assert renewed.number == result.number and renewed.issued.category.code == "inrichting"
    assert renewed.cards.sheet_pdf is None and renewed.cards.card_pdf
