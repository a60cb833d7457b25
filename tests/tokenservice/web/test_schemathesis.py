"""Schemathesis against /api/v1/openapi.json, in process (the Flask app as WSGI).

Every operation of the published OpenAPI document gets generated requests — valid
ones and, in negative mode, ones that break the schema — with a bearer token of the
right role (intake; handhaver for revoke). Every response must be free of server
errors and match the document (status code, content type, headers, body schema). The
document is generated from the models that read the requests (docs/adr/0019), so a
request that breaks it is refused by those same models (``negative_data_rejection``).

Excluded: ``positive_data_acceptance`` ("schema-valid request rejected"). The API
owner rejects some schema-valid requests by design with a 400 that the schema cannot
express: a BSN failing the elfproef, a pass number whose check character does not
match, dates in the future or past where the checklist needs otherwise.

Bounded: a few dozen examples per operation, no shrinking past a deadline; well under
a minute.
"""

from __future__ import annotations

import datetime as dt
import io
import time

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from PIL import Image
from schemathesis.specs.openapi.checks import negative_data_rejection, positive_data_acceptance

from keys import escrow as keys_escrow
from tests.support.paths import FIXTURES
from tokenservice.access import accounts

MAX_EXAMPLES = 25


def _token(app, username: str) -> str:  # type: ignore[no-untyped-def]
    with app.extensions["pas"].db.transaction() as s:
        return accounts.create_token(s, username, int(time.time()))


def _photo() -> bytes:
    img = Image.open(FIXTURES / "astronaut.png").convert("RGB")
    img.thumbnail((320, 320))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=88)
    return buf.getvalue()


def _valid_form() -> dict[str, object]:
    today = dt.date.today()
    return {
        "category": "raam", "language": "pl",
        "birth_date": today.replace(year=today.year - 30, day=1).isoformat(),
        "id_document_type": "passport",
        "id_valid_until": (today + dt.timedelta(days=400)).isoformat(),
        "bsn": "111222333", "kvk": "12345678", "photo": _photo(),
    }


def _fuzz(op, headers: dict[str, str], statuses: set[int], number: str,  # type: ignore[no-untyped-def]
          proof: dict[str, str]) -> None:
    """Generated cases; some get the existing pass's number, some a valid form and photo,
    so that success responses (201 with the card, 200 with a status) are checked too."""

    @settings(max_examples=MAX_EXAMPLES, deadline=None, derandomize=True, database=None,
              phases=[Phase.explicit, Phase.generate], suppress_health_check=list(HealthCheck))
    @given(case=op.as_strategy(), steer=st.integers(0, 3))
    def check(case, steer: int) -> None:  # type: ignore[no-untyped-def]
        excluded = [positive_data_acceptance]
        if steer >= 1 and case.path_parameters and "number" in case.path_parameters:
            case.path_parameters = {**case.path_parameters, "number": number}
            excluded.append(negative_data_rejection)  # a negative case may now be valid
        if steer == 3 and isinstance(case.body, dict) and "photo" in case.body:
            # A renewal needs proof that she holds the pass: her card (until it is superseded).
            case.body = {**_valid_form(), **(proof if "renew" in op.path else {})}
            excluded.append(negative_data_rejection)
        response = case.call_and_validate(headers=headers, excluded_checks=excluded)
        statuses.add(response.status_code)
        assert response.status_code < 500

    check()


@pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
def test_api_matches_its_openapi_document_and_never_fails(instance, app) -> None:
    # The escrow endpoints answer a documented 503 until the handhaver team's key is
    # placed; place one so they are exercised instead.
    (instance.path / "keys" / "escrow.pub").write_text(
        keys_escrow.format_public_file(keys_escrow.create_team_key(2, 3), created=0))
    schema = schemathesis.openapi.from_wsgi("/api/v1/openapi.json", app)
    tokens = {"intake": _token(app, "intake"), "handhaver": _token(app, "handhaver")}
    # A pass that exists, so status/renew/revoke reach more than 404 now and then.
    svc = app.extensions["pas"]
    from tokenservice.issue.passes import Official

    issued = svc.passes.issue(iss="GM9999", category="raam", photo=b"x" * 300,
                              photo_type="image/webp", official=Official("intake", "intake"))
    number = issued.number
    proof = {"old_card": issued.qr_text, "photo_confirmed": "yes"}

    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.method.upper() + " " + op.path for op in operations} >= {
        "POST /passes", "POST /passes/{number}/renew", "POST /passes/{number}/revoke",
        "GET /passes/{number}",
    }, [op.path for op in operations]
    seen: dict[str, set[int]] = {}
    for op in operations:
        # Issue and renew are the intake role's; revoke and escrow the handhaver's.
        intake_op = op.method.upper() == "POST" and op.path in ("/passes", "/passes/{number}/renew")
        role = "intake" if intake_op else "handhaver"
        headers = {"Authorization": f"Bearer {tokens[role]}"}
        label = f"{op.method.upper()} {op.path}"
        statuses = seen.setdefault(label, set())

        # One valid issue and one renewal (her card as proof) checked against the document
        # first: whether generated cases reach success depends on their order and luck.
        if label == "POST /passes":
            case = op.Case(body=_valid_form(), media_type="multipart/form-data")
            statuses.add(case.call_and_validate(headers=headers).status_code)
        if label == "POST /passes/{number}/renew":
            case = op.Case(path_parameters={"number": number}, body={**_valid_form(), **proof},
                           media_type="multipart/form-data")
            statuses.add(case.call_and_validate(headers=headers).status_code)
        _fuzz(op, headers, statuses, number, proof)
    # The run reached every handler, not just the authentication in front of them, and
    # checked success responses (the card, a status) against the document too.
    assert all(s - {401, 403} for s in seen.values()), seen
    assert 201 in seen["POST /passes"] and 201 in seen["POST /passes/{number}/renew"], seen
    assert 200 in seen["GET /passes/{number}"], seen


def test_huge_escrow_request_id_is_not_a_server_error(app, client) -> None:
    """Found by this file's schemathesis run: ids beyond 64 bits reached the database."""
    app.config["PROPAGATE_EXCEPTIONS"] = False  # what gunicorn's clients would see
    headers = {"Authorization": f"Bearer {_token(app, 'handhaver')}"}
    for action in ("approve", "deny", "collect"):
        response = client.post(f"/api/v1/escrow/requests/{2**67}/{action}", headers=headers)
        assert response.status_code < 500, (action, response.status_code)
