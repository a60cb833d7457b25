"""The JSON API /api/v1: bearer tokens by role, the card inline, stable error codes.

Each test runs on SQLite and PostgreSQL. Errors must never repeat a submitted value.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import time

import sqlalchemy as sa
from PIL import Image

from tests.support.paths import FIXTURES
from tokenservice.access import accounts
from tokenservice.store.models import Card, PassRecord
from verifier import Status, TrustStore, verify

ASTRONAUT = (FIXTURES / "astronaut.png").read_bytes()
CAT = (FIXTURES / "chelsea.png").read_bytes()


def token_for(app, username: str) -> dict[str, str]:
    with app.extensions["pas"].db.transaction() as s:
        token = accounts.create_token(s, username, int(time.time()))
    return {"Authorization": f"Bearer {token}"}


def fields(**overrides: object) -> dict[str, object]:
    today = dt.date.today()
    values: dict[str, object] = {
        "category": "raam",
        "language": "es",
        "birth_date": today.replace(year=today.year - 35, day=1).isoformat(),
        "id_document_type": "passport",
        "id_valid_until": (today + dt.timedelta(days=90)).isoformat(),
        "bsn": "111222333",
        "kvk": "24681357",
    }
    values.update(overrides)
    return {k: v for k, v in values.items() if v is not None}


def post_pass(client, headers, photo: bytes | None = ASTRONAUT, path: str = "/api/v1/passes",
              **overrides: object):
    data = fields(**overrides)
    if photo is not None:
        data["photo"] = (io.BytesIO(photo), "photo.jpg")
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


def count(app, model) -> int:
    with app.extensions["pas"].db.transaction() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(model)))


def store(client) -> TrustStore:
    anchor = client.get("/.well-known/pas/anchor.pub").data.decode().strip()
    trust_list = client.get("/.well-known/pas/trust-list.cose").data
    revocations = client.get("/.well-known/pas/revocations/GM9999.cose").data
    return TrustStore.from_bytes(bytes.fromhex(anchor), trust_list, [revocations])


def error(response) -> dict[str, object]:
    assert response.mimetype == "application/json", response.data[:300]
    body = response.get_json()
    assert set(body) == {"error"} and {"code", "message"} <= set(body["error"])
    return body["error"]


def test_issue_renew_revoke_and_status(app, client) -> None:
    intake, handhaver = token_for(app, "intake"), token_for(app, "handhaver")
    response = post_pass(client, intake, request_id="station-1/42".replace("/", "-"))
    assert response.status_code == 201, response.data[:500]
    body = response.get_json()
    assert set(body) == {"number", "serial", "qr_text", "expires", "card_pdf_b64", "card_png_b64",
                         "receipt_pdf_b64", "registration"}
    # Policy none (the default): nothing about her kept, no personal code.
    assert body["registration"] == "none"
    assert base64.b64decode(body["card_pdf_b64"]).startswith(b"%PDF")
    assert base64.b64decode(body["receipt_pdf_b64"]).startswith(b"%PDF")
    assert Image.open(io.BytesIO(base64.b64decode(body["card_png_b64"]))).format == "PNG"
    assert int(body["serial"], 16) and len(body["serial"]) == 32
    assert dt.date.fromisoformat(body["expires"]) > dt.date.today() + dt.timedelta(days=700)
    verdict = verify(body["qr_text"], store(client))
    assert verdict.status is Status.VALID and verdict.number == body["number"]
    assert verdict.serial.hex() == body["serial"]
    # The same request_id: the same card, not a second pass.
    again = post_pass(client, intake, request_id="station-1-42")
    assert again.status_code == 201
    assert (again.get_json()["number"], again.get_json()["serial"]) == (body["number"], body["serial"])
    assert count(app, PassRecord) == 1 and count(app, Card) == 1

    number = body["number"]
    status = client.get(f"/api/v1/passes/{number.lower()}", headers=handhaver)
    assert status.status_code == 200
    assert status.get_json() == {"number": number, "status": "valid", "reason": None,
                                 "expires": body["expires"]}

    # Renewal needs proof that she holds the pass: here her card, photo compared.
    renewed = post_pass(client, intake, path=f"/api/v1/passes/{number}/renew", category=None,
                        language="hu", old_card=body["qr_text"], photo_confirmed="yes")
    assert renewed.status_code == 201, renewed.data[:500]
    new = renewed.get_json()
    assert new["number"] == number and new["serial"] != body["serial"]
    assert verify(body["qr_text"], store(client)).status is Status.REVOKED

    revoked = client.post(f"/api/v1/passes/{number}/revoke", json={"reason": "stopped"},
                          headers=handhaver)
    assert revoked.status_code == 200
    assert revoked.get_json()["status"] == "revoked" and revoked.get_json()["reason"] == "stopped"
    assert verify(new["qr_text"], store(client)).status is Status.REVOKED
    # A pass ended for good cannot be renewed: 409.
    closed = post_pass(client, intake, path=f"/api/v1/passes/{number}/renew")
    assert closed.status_code == 409 and error(closed)["code"] == "pass_revoked"


def test_error_codes(app, client) -> None:
    intake, handhaver = token_for(app, "intake"), token_for(app, "handhaver")
    # 401: no token, a bad token, another scheme.
    for headers in ({}, {"Authorization": "Bearer pas_nope"}, {"Authorization": "Basic eDp5"}):
        response = post_pass(client, headers)
        assert response.status_code == 401 and error(response)["code"] == "unauthorized"
        assert response.headers["WWW-Authenticate"].startswith("Bearer")
    # 403: the wrong role.
    response = post_pass(client, handhaver)
    assert response.status_code == 403 and error(response)["code"] == "forbidden"
    response = client.post("/api/v1/passes/DM-00000000-0/revoke", json={"reason": "lost"},
                           headers=intake)
    assert response.status_code == 403
    # 404: unknown number (well-formed); 400: a typo in the number.
    from verifier import passnumber

    unknown = passnumber.new("DM")
    response = client.get(f"/api/v1/passes/{unknown}", headers=intake)
    assert response.status_code == 404 and error(response)["code"] == "unknown_pass"
    response = client.post(f"/api/v1/passes/{unknown}/revoke", json={"reason": "lost"},
                           headers=handhaver)
    assert response.status_code == 404
    response = post_pass(client, intake, path=f"/api/v1/passes/{unknown}/renew")
    assert response.status_code == 404
    typo = unknown[:-1] + ("0" if unknown[-1] != "0" else "1")
    response = client.get(f"/api/v1/passes/{typo}", headers=intake)
    assert response.status_code == 400 and error(response)["code"] == "bad_pass_number"
    # 415: not an image, not multipart.
    response = post_pass(client, intake, photo=b"GIF89a this is no photo")
    assert response.status_code == 415 and error(response)["code"] == "not_an_image"
    response = client.post("/api/v1/passes", json=fields(), headers=intake)
    assert response.status_code == 415 and error(response)["code"] == "unsupported_media_type"
    # 422: a photo without a face; with a crop box it goes through.
    response = post_pass(client, intake, photo=CAT)
    assert response.status_code == 422 and error(response)["code"] == "no_face"
    assert error(response)["fields"] == {"photo": "no_face"}
    response = post_pass(client, intake, photo=CAT, crop_x=120, crop_y=20, crop_w=195, crop_h=260)
    assert response.status_code == 201
    # 413: larger than the upload limit.
    huge = ASTRONAUT + b"\0" * (app.extensions["pas"].settings.max_upload_bytes + 300 * 1024)
    response = post_pass(client, intake, photo=huge)
    assert response.status_code == 413 and error(response)["code"] == "too_large"
    # 400: bad reason.
    response = client.post(f"/api/v1/passes/{unknown}/revoke", json={"reason": "bored"},
                           headers=handhaver)
    assert response.status_code == 400 and error(response)["fields"] == {"reason": "choose_reason"}
    for odd in ({"reason": {"x": 1}}, {"reason": ["lost"]}, ["lost"], {"reason": None}):
        response = client.post(f"/api/v1/passes/{unknown}/revoke", json=odd, headers=handhaver)
        assert response.status_code == 400 and error(response)["code"] == "validation_failed"
    assert count(app, PassRecord) == 1


def test_validation_names_fields_and_never_echoes_values(app, client) -> None:
    intake = token_for(app, "intake")
    today = dt.date.today()
    marker_birth = today.replace(year=today.year - 19, day=1).isoformat()
    response = post_pass(
        client, intake, photo=None, bsn="987654321", kvk="1357911", birth_date=marker_birth,
        id_valid_until="2001-02-03", help_offered="no", housing_known="maybe",
        category="purple", language="tlh", request_id="bad id!",
    )
    assert response.status_code == 400
    err = error(response)
    assert err["code"] == "validation_failed"
    assert err["fields"]["request_id"] == "invalid" and err["fields"]["bsn"] == "bsn_invalid"
    raw = response.get_data(as_text=True)
    for value in ("987654321", "1357911", marker_birth, "2001-02-03", "purple", "tlh", "maybe",
                  "bad id!"):
        assert value not in raw
    # All problems at once.
    response = post_pass(
        client, intake, photo=None, bsn="987654321", kvk="1357911", birth_date=marker_birth,
        id_valid_until="2001-02-03", help_offered="no", housing_known="maybe",
        category="purple", language="tlh",
    )
    assert error(response)["fields"] == {
        "bsn": "bsn_invalid", "kvk": "kvk_invalid", "birth_date": "under_min_age",
        "id_valid_until": "id_expired", "help_offered": "must_be_confirmed",
        "housing_known": "yes_or_no", "category": "choose_category",
        "language": "choose_language", "photo": "required",
    }
    # Yes/no fields default to yes; an unknown work place is no reason to refuse.
    response = post_pass(client, intake, bsn=None, no_bsn_reason="rni_pending",
                         work_location_known="no", housing_known="no")
    assert response.status_code == 201
    assert count(app, PassRecord) == 1


def test_openapi_document_matches_the_routes(app, client) -> None:
    response = client.get("/api/v1/openapi.json")
    assert response.status_code == 200
    doc = response.get_json()
    assert doc["openapi"].startswith("3.1")
    documented = {
        (method.upper(), "/api/v1" + path.replace("{number}", "<number>")
         .replace("{request_id}", "<int:request_id>"))
        for path, item in doc["paths"].items() for method in item
    }
    routed = {
        (method, rule.rule)
        for rule in app.url_map.iter_rules() if rule.endpoint.startswith("api.")
        for method in rule.methods - {"HEAD", "OPTIONS"}
    }
    assert documented == routed
    card = doc["components"]["schemas"]["Card"]
    assert set(card["required"]) == {"number", "serial", "qr_text", "expires", "card_pdf_b64",
                                     "card_png_b64", "receipt_pdf_b64", "registration"}
    assert set(card["properties"]) == set(card["required"])  # her code: on the receipt only
    issue_schema = doc["paths"]["/passes"]["post"]["requestBody"]["content"][
        "multipart/form-data"]["schema"]
    issue_fields = issue_schema["properties"]
    from tokenservice import escrow
    from tokenservice.issue import flow

    for name in (*flow.CHECKLIST_FIELDS, *flow.CROP_FIELDS, "photo", "category",
                 "language", "request_id", "escrow_consent", *flow.IDENTITY_FORM_FIELDS):
        assert name in issue_fields
    renew_fields = doc["paths"]["/passes/{number}/renew"]["post"]["requestBody"]["content"][
        "multipart/form-data"]["schema"]["properties"]
    assert set(renew_fields) == (set(issue_fields) - {"iss"}) | {
        "personal_code", "old_card", "photo_confirmed"}
    # Under policy none (this instance) consent is not asked, so not required.
    assert "escrow_consent" not in issue_schema["required"]
    reason = doc["components"]["schemas"]["EscrowReason"]["properties"]
    assert reason["reason_code"]["enum"] == list(escrow.REASON_CODES)
    json.dumps(doc)  # plain JSON all the way down


def test_policy_none_ignores_the_registration_fields(app, client) -> None:
    """The Groningen model: whatever is sent about her identity is dropped, nothing kept."""
    from tokenservice.store.models import EscrowRecord, PassCode

    intake, handhaver = token_for(app, "intake"), token_for(app, "handhaver")
    response = post_pass(client, intake, escrow_consent="yes", given_names="Zsofiavyx",
                         family_name="Brontewaithe", id_document_number="QX7254193")
    assert response.status_code == 201
    body = response.get_json()
    assert body["registration"] == "none" and "personal_code" not in body
    for value in ("Zsofiavyx", "Brontewaithe", "QX7254193"):
        assert value not in response.get_data(as_text=True)
    assert count(app, EscrowRecord) == 0 and count(app, PassCode) == 0
    asked = client.post(f"/api/v1/passes/{body['number']}/escrow",
                        json={"reason_code": "inspection", "reason": "a reason of some length"},
                        headers=handhaver)
    # No team key on a Groningen-model instance: there is nothing to ask for.
    assert asked.status_code == 503 and error(asked)["code"] == "escrow_not_configured"
    # The escrow document under policy escrow requires consent (the demo's default issuer).
    from tokenservice.web.api.openapi import document

    required = document(["raam"], "escrow")["paths"]["/passes"]["post"]["requestBody"][
        "content"]["multipart/form-data"]["schema"]["required"]
    assert "escrow_consent" in required
