"""The OpenAPI document and the request checks are one declaration (docs/adr/0019).

* every schema in the document is its model's schema, so a field added to a model is in
  the document, and one in the document is read by the model;
* per field, in both directions: what the document forbids the model refuses (with the
  field's stable problem code), and what the document allows the model accepts;
* nothing undeclared reaches the flows: an unknown field is ignored (as it always was),
  never read;
* the escrow documents the API hands out match the published schemas.

Run without the app where they can; the few API calls run on SQLite only.
"""

from __future__ import annotations

import datetime as dt
import io
import json
import time
from typing import Any

import jsonschema_rs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from tests.support.paths import FIXTURES
from tokenservice.access import accounts
from tokenservice.issue import flow
from tokenservice.web.api import models
from tokenservice.web.api.openapi import components, document, schema_of
from tokenservice.web.api.reading import read

ASTRONAUT = (FIXTURES / "astronaut.png").read_bytes()
#: The documents the tests look at: the demo's default issuer both ways.
DOCUMENTS = [pytest.param(["raam", "thuis"], "escrow", id="escrow"),
             pytest.param(None, "none", id="none")]
SQLITE = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


def _forms(categories: list[str] | None, policy: str) -> dict[str, type[models.IntakeForm]]:
    choice = tuple(categories) if categories else None
    return {path: models.intake_form(renewal="renew" in path, categories=choice,
                                     consent_required=policy == "escrow")
            for path in ("/passes", "/passes/{number}/renew")}


def _request_models() -> list[tuple[str, type[models.ApiRequest]]]:
    found: list[tuple[str, type[models.ApiRequest]]] = [
        ("revoke", models.Revoke), ("escrow reason", models.EscrowReason)]
    for categories, policy in ((["raam", "thuis"], "escrow"), (None, "none")):
        for path, form in _forms(categories, policy).items():
            found.append((f"{path} {policy}", form))
    return found


REQUEST_MODELS = _request_models()


# --- one declaration --------------------------------------------------------------------------


@pytest.mark.parametrize(("categories", "policy"), DOCUMENTS)
def test_every_schema_in_the_document_is_its_models(categories, policy) -> None:  # type: ignore[no-untyped-def]
    doc = document(categories, policy)
    schemas = doc["components"]["schemas"]
    for model, mode in models.COMPONENTS:
        own = schema_of(model, mode)
        nested = own.pop("$defs", {})
        assert schemas[model.__name__] == own, model.__name__
        for name, schema in nested.items():
            assert schemas[name] == schema, name
    assert set(schemas) == set(components())
    for path, form in _forms(categories, policy).items():
        body = doc["paths"][path]["post"]["requestBody"]["content"]["multipart/form-data"]
        assert body["schema"] == schema_of(form)
        assert set(body["schema"]["properties"]) == set(form.model_fields)
    # The categories of the issuer and its policy are what the form is built from.
    issue = doc["paths"]["/passes"]["post"]["requestBody"]["content"]["multipart/form-data"]
    category = issue["schema"]["properties"]["category"]
    assert category.get("enum") == categories
    assert ("escrow_consent" in issue["schema"]["required"]) == (policy == "escrow")
    json.dumps(doc)


def test_path_parameters_are_declared_with_the_models() -> None:
    doc = document()
    number = doc["paths"]["/passes/{number}"]["get"]["parameters"][0]
    assert number["schema"] == {"type": "string", "pattern": models.NUMBER_PATTERN}
    assert "check character" in number["description"]
    request_id = doc["paths"]["/escrow/requests/{request_id}/deny"]["post"]["parameters"][0]
    assert request_id["schema"] == {"type": "integer", "minimum": 1,
                                    "maximum": models.MAX_REQUEST_ID}


# --- both directions, field by field ------------------------------------------------------------


def _fields(model: type[models.ApiRequest]) -> list[tuple[str, dict[str, Any]]]:
    return list(schema_of(model)["properties"].items())


def _problem_key(model: type[models.ApiRequest], name: str) -> str:
    return next((m.field or name for m in model.model_fields[name].metadata
                 if isinstance(m, models.Problem)), name)


def _violations(schema: dict[str, Any]) -> list[object]:
    """Values the documented ``schema`` forbids (one per constraint), none of them empty:
    an empty form field counts as not sent."""
    found: list[object] = []
    if "enum" in schema:
        found.append("\x00none of these")
    if "pattern" in schema:
        found.append("~")
    if "maxLength" in schema:
        found.append("x" * (schema["maxLength"] + 1))
    if "minLength" in schema:
        found.append(b"" if "contentMediaType" in schema else "x" * (schema["minLength"] - 1))
    if schema.get("format") == "date":
        found.append("31-01-1990")
    if "minimum" in schema:
        found.append(schema["minimum"] - 1)
    if "maximum" in schema:
        found.append(schema["maximum"] + 1)
    if schema.get("type") == "integer":
        found.append("twelve")
    return found


@pytest.mark.parametrize(("label", "model"), REQUEST_MODELS, ids=[m[0] for m in REQUEST_MODELS])
def test_what_the_document_forbids_the_model_refuses(label, model) -> None:  # type: ignore[no-untyped-def]
    checked = 0
    for name, schema in _fields(model):
        for bad in _violations(schema):
            problems = read(model, {name: bad}).problems
            assert _problem_key(model, name) in problems, (name, bad)
            checked += 1
    assert checked >= 1


def _allowed(schema: dict[str, Any]) -> st.SearchStrategy[Any]:
    """Values the documented ``schema`` allows, written as a client would (normalized text:
    the readers forgive more, which the document does not promise)."""
    if "enum" in schema:
        return st.sampled_from([v for v in schema["enum"] if v is not None])
    if schema.get("type") == "integer":
        return st.integers(schema.get("minimum", -(2**31)), schema.get("maximum", 2**31))
    if schema.get("format") == "date":
        return st.dates(dt.date(1900, 1, 1), dt.date(2200, 12, 31)).map(dt.date.isoformat)
    if "contentMediaType" in schema:
        return st.binary(min_size=schema.get("minLength", 0), max_size=64)
    if "pattern" in schema:
        return st.from_regex(schema["pattern"], fullmatch=True)
    return st.text(st.characters(codec="utf-8", exclude_categories=["Cs"]),
                   min_size=schema.get("minLength", 1), max_size=schema.get("maxLength", 300),
                   ).map(lambda s: " ".join(s.split())).filter(
                       lambda s: len(s) >= schema.get("minLength", 1))


@pytest.mark.parametrize(("label", "model"), REQUEST_MODELS, ids=[m[0] for m in REQUEST_MODELS])
def test_what_the_document_allows_the_model_accepts(label, model) -> None:  # type: ignore[no-untyped-def]
    fields = _fields(model)

    @settings(max_examples=15, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck))
    @given(data=st.data())
    def check(data: st.DataObject) -> None:
        for name, schema in fields:
            value = data.draw(_allowed(schema), label=name)
            problems = read(model, {name: value}).problems
            assert _problem_key(model, name) not in problems, (name, value, problems)

    check()


def test_readers_forgive_what_the_intake_form_forgives() -> None:
    form = models.intake_form(renewal=False)
    reading = read(form, {
        "photo": b"x", "language": " pl ", "birth_date": "1990-01-31",
        "id_document_type": "passport", "id_valid_until": "20301231", "bsn": "111 222.333",
        "kvk": "1234 5678", "category": "raam", "housing_known": "Nee", "help_offered": "ja",
        "work_location_known": "", "crop_x": "10.4", "crop_y": "0", "crop_w": "99.6",
        "crop_h": "120", "given_names": "  Anna   Maria ", "escrow_consent": "JA",
    })
    assert reading.problems == {}
    assert reading.text() == {
        "language": "pl", "birth_date": "1990-01-31",
        "id_document_type": "passport", "id_valid_until": "2030-12-31", "bsn": "111222333",
        "kvk": "12345678", "category": "raam", "housing_known": "no", "help_offered": "yes",
        "work_location_known": "yes", "information_given": "yes", "crop_x": "10",
        "crop_y": "0", "crop_w": "100", "crop_h": "120", "given_names": "Anna Maria",
        "escrow_consent": "yes",
    }
    # photo_confirmed: only a yes of the renewal proof is a yes; what was silently a no is refused.
    renew = models.intake_form(renewal=True)
    for raw, read_as in (("on", "yes"), ("nee", "no"), ("", "no")):
        assert read(renew, {"photo_confirmed": raw}).values["photo_confirmed"] == read_as
    for raw in ("y", "maybe"):
        assert read(renew, {"photo_confirmed": raw}).problems.get("photo_confirmed") == "yes_or_no"


def test_problems_carry_codes_never_values() -> None:
    marker = "Zsofiavyx-1357911"
    form = models.intake_form(renewal=True, categories=("raam",), consent_required=True)
    reading = read(form, {"kvk": marker, "bsn": marker, "category": marker,
                          "given_names": marker * 20, "old_card": marker * 400,
                          "personal_code": marker * 10, "crop_x": "inf", "crop_w": "1e999"})
    assert reading.problems == {
        "photo": "required", "language": "choose_language", "birth_date": "date_required",
        "id_document_type": "choose_document_type", "id_valid_until": "date_required",
        "kvk": "kvk_invalid", "bsn": "bsn_invalid", "category": "choose_category",
        "given_names": "too_long", "old_card": "too_long", "personal_code": "too_long",
        "crop": "invalid", "escrow_consent": "choose_consent",
    }
    assert marker not in repr(reading)


# --- through the API ----------------------------------------------------------------------------


def _token(app, username: str) -> dict[str, str]:  # type: ignore[no-untyped-def]
    with app.extensions["pas"].db.transaction() as s:
        return {"Authorization": f"Bearer {accounts.create_token(s, username, int(time.time()))}"}


def _issue_fields(**extra: object) -> dict[str, object]:
    today = dt.date.today()
    return {"category": "raam", "language": "nl",
            "birth_date": today.replace(year=today.year - 30, day=1).isoformat(),
            "id_document_type": "passport",
            "id_valid_until": (today + dt.timedelta(days=90)).isoformat(),
            "bsn": "111222333", "kvk": "24681357", "photo": (io.BytesIO(ASTRONAUT), "p.png"),
            **extra}


@SQLITE
def test_nothing_undeclared_reaches_the_flows(app, client, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    """An unknown field is ignored (today's behaviour, kept), and never read: the flows'
    readers only ever see the fields of the model."""
    marker = "undeclared-7Q4R2K9"
    seen: list[dict[str, str]] = []
    for name in ("checklist_from_fields", "crop_from_fields", "registration_from_fields"):
        real = getattr(flow, name)

        def spy(fields, *a, _real=real, **k):  # type: ignore[no-untyped-def]
            seen.append(dict(fields))
            return _real(fields, *a, **k)

        monkeypatch.setattr(flow, name, spy)
    response = client.post("/api/v1/passes", data=_issue_fields(nickname=marker),
                           headers=_token(app, "intake"), content_type="multipart/form-data")
    assert response.status_code == 201, response.data[:300]
    declared = set(models.intake_form(renewal=False).model_fields)
    assert seen and all(set(fields) <= declared for fields in seen)
    assert marker not in json.dumps(seen)
    # JSON bodies too: an extra key is ignored.
    number = response.get_json()["number"]
    revoked = client.post(f"/api/v1/passes/{number}/revoke", headers=_token(app, "handhaver"),
                          json={"reason": "lost", "nickname": marker})
    assert revoked.status_code == 200 and revoked.get_json()["reason"] == "lost"
    # And the document promises no more than that: no request schema closes its fields.
    doc = client.get("/api/v1/openapi.json").get_json()
    for name in ("Revoke", "EscrowReason"):
        assert "additionalProperties" not in doc["components"]["schemas"][name]
    issue = doc["paths"]["/passes"]["post"]["requestBody"]["content"]["multipart/form-data"]
    assert "additionalProperties" not in issue["schema"]


@SQLITE
def test_a_crop_beyond_any_number_is_a_400_not_a_500(app, client) -> None:  # type: ignore[no-untyped-def]
    """Was a 500: ``round(float("inf"))`` raised OverflowError past the hand-written check."""
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client.post("/api/v1/passes", headers=_token(app, "intake"),
                           data=_issue_fields(crop_x="inf", crop_y="0", crop_w="10", crop_h="10"),
                           content_type="multipart/form-data")
    assert response.status_code == 400
    assert response.get_json()["error"]["fields"] == {"crop": "invalid"}


def _validator(doc: dict[str, Any], name: str) -> Any:
    return jsonschema_rs.validator_for({
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$ref": f"#/components/schemas/{name}", "components": doc["components"]})


@SQLITE
def test_released_documents_match_the_published_schemas(web, holder, client) -> None:  # type: ignore[no-untyped-def]
    number, _code = holder
    doc = client.get("/api/v1/openapi.json").get_json()
    headers = _token(web, "handhaver")
    reason = {"reason_code": "inspection", "reason": "Routine inspection at the window."}
    record = client.post(f"/api/v1/passes/{number}/escrow", json=reason, headers=headers)
    assert record.status_code == 200, record.data[:300]
    _validator(doc, "EscrowRecordDocument").validate(record.get_json())
    export = client.post("/api/v1/escrow/export", json=reason, headers=headers)
    assert export.status_code == 200
    _validator(doc, "EscrowExportDocument").validate(export.get_json())
    assert len(export.get_json()["records"]) == 1
    listed = client.get("/api/v1/escrow/requests", headers=headers)
    _validator(doc, "EscrowRequestList").validate(listed.get_json())
    wrong = client.post("/api/v1/escrow/export", json={"reason_code": "x"}, headers=headers)
    _validator(doc, "Error").validate(wrong.get_json())
    assert not _validator(doc, "EscrowRecordDocument").is_valid({**record.get_json(), "version": 2})
