"""A worker under registration policy ``escrow``: the marker identity, her intake with
consent (web and API), a handhaver's request for her record, her /mijn-pas page, her code.

The marker identity is unique enough to be looked for anywhere it must not be.
"""

from __future__ import annotations

import io
import re
import shutil
import subprocess

import pytest
import sqlalchemy as sa

from tests.support.service import ASTRONAUT, form_tokens, good_fields
from tokenservice.store.models import AuditEvent

GIVEN, FAMILY, DOCUMENT = "Zsofiavyx Marijke", "Brontewaithe", "QX7254193"
BSN, BIRTH = "111222333", good_fields()["birth_date"]
IDENTITY_VALUES = (GIVEN, "Zsofiavyx", FAMILY, DOCUMENT, BSN, BIRTH)
REASON = "AVIM vraagt bij een controle in de Nieuwstraat wie dit is"
#: Her personal code as printed: seven groups of four.
PRINTED_CODE = re.compile(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b")


def consent_fields(consent: str | None = "yes", **overrides: str | None) -> dict[str, str]:
    """A good intake with her consent and the marker identity; an override None drops a field."""
    fields = good_fields(language="ro", bsn=BSN)
    if consent is not None:
        fields["escrow_consent"] = consent
    fields.update(given_names=GIVEN, family_name=FAMILY, id_document_number=DOCUMENT)
    for name, value in overrides.items():
        if value is None:
            fields.pop(name, None)
        else:
            fields[name] = value
    return fields


def post_form(client, fields: dict[str, str], path: str = "/intake/new", token_path: str = "/intake/new"):  # type: ignore[no-untyped-def]
    data: dict[str, object] = {**form_tokens(client, token_path), **fields,
                               "photo": (io.BytesIO(ASTRONAUT), "photo.png")}
    return client.post(path, data=data, content_type="multipart/form-data")


def api_issue(client, headers, path: str = "/api/v1/passes", **overrides: str | None):  # type: ignore[no-untyped-def]
    """Her intake with consent through the API (``consent_fields`` with ``overrides``)."""
    data: dict[str, object] = {k: v for k, v in consent_fields(**overrides).items()
                               if k not in ("work_location_known", "housing_known")}
    data["photo"] = (io.BytesIO(ASTRONAUT), "photo.png")
    return client.post(path, data=data, headers=headers, content_type="multipart/form-data")


def handhaver_request(client, number: str, reason_code: str = "inspection", reason: str = REASON):  # type: ignore[no-untyped-def]
    return client.post("/handhaving/record", data={
        **form_tokens(client, "/handhaving/record"), "number": number, "reason_code": reason_code,
        "reason": reason,
    })


def mijnpas_page(client, number: str, code: str, lang: str = "en") -> str:  # type: ignore[no-untyped-def]
    """Her /mijn-pas page, opened with her number and code."""
    token = form_tokens(client, f"/mijn-pas/?lang={lang}")["csrf_token"]
    return client.post("/mijn-pas/", data={"csrf_token": token, "number": number, "code": code,
                                          "lang": lang}).get_data(as_text=True)


def events(app, number: str) -> list[tuple[str, str, str | None]]:  # type: ignore[no-untyped-def]
    """(role, action, reason code) of every audit event about the pass, oldest first."""
    with app.extensions["pas"].db.transaction() as s:
        rows = s.scalars(sa.select(AuditEvent).where(AuditEvent.pass_number == number)
                         .order_by(AuditEvent.id))
        return [(e.role, e.action, e.reason_code) for e in rows]


def pdf_text(pdf: bytes) -> str:
    """The text of a PDF (pdftotext); skips without poppler-utils."""
    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed (CI installs it)")
    return subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()


def receipt_code(receipt_pdf: bytes) -> str:
    """Her personal code as printed on her receipt: the only place it appears."""
    text = pdf_text(receipt_pdf)
    match = PRINTED_CODE.search(text)
    assert match, f"no personal code on the receipt: {text!r}"
    return match.group(0)
