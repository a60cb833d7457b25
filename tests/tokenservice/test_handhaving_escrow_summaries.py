"""Issue 15: the handhaver's two escrow request forms (one record, all records) were the
last forms that relied on the browser's own validation ("Please fill out this field.", one
field at a time, in the browser's language). Now: ``novalidate``, one error summary at the
top linking to each field, the server's messages in Dutch or English, each tied to its
field; the stated reason is never echoed back and nothing is requested.
"""

from __future__ import annotations

import html
import re

import pytest
import sqlalchemy as sa

from tests.support.service import csrf_token, session_login
from tokenservice.store.models import AuditEvent

SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
_BOX = re.compile(r'<div class="error-summary" role="alert"[^>]*>.*?</div>', re.S)


def summary(page: str) -> dict[str, str]:
    box = _BOX.search(page)
    if box is None:
        return {}
    return {t: " ".join(html.unescape(x).split())
            for t, x in re.findall(r'<a href="#([^"]+)">([^<]*)</a>', box.group(0))}


def _forms_novalidate(page: str, form_id: str) -> bool:
    tag = re.search(rf'<form[^>]*id="{form_id}"[^>]*>', page)
    return bool(tag) and "novalidate" in tag.group(0)


def _events(app) -> int:  # type: ignore[no-untyped-def]
    with app.extensions["pas"].db.transaction() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0)


@SQLITE_ONLY
def test_record_request_sent_empty_gets_a_summary(web, client) -> None:  # type: ignore[no-untyped-def]
    session_login(web, client, "handhaver")
    form = client.get("/handhaving/record").get_data(as_text=True)
    assert _forms_novalidate(form, "record-form")
    before = _events(web)
    page = client.post("/handhaving/record", data={
        "csrf_token": csrf_token(client, "/handhaving/record"), "number": "", "reason_code": "",
        "reason": "kort"}).get_data(as_text=True)
    links = summary(page)
    assert list(links) == ["record-number", "reason_code", "reason"], links
    assert links["reason_code"] == "Redencode: Kies een redencode."
    assert links["reason"].startswith("Toelichting: Leg de reden uit in")
    for field in ("record-number", "reason_code", "reason"):
        tag = re.search(rf'<(?:input|select|textarea)[^>]*id="{field}"[^>]*>', page)
        assert tag and 'aria-invalid="true"' in tag.group(0), field
    assert ">kort<" not in page  # the reason is not written back
    assert _events(web) == before  # nothing requested, nothing logged


@SQLITE_ONLY
def test_export_request_sent_empty_gets_a_summary_in_english(web, client) -> None:  # type: ignore[no-untyped-def]
    session_login(web, client, "handhaver")
    with client.session_transaction() as sess:
        sess["lang"] = "en"
    form = client.get("/handhaving/export").get_data(as_text=True)
    assert _forms_novalidate(form, "export-form")
    page = client.post("/handhaving/export", data={
        "csrf_token": csrf_token(client, "/handhaving/export"), "reason_code": "",
        "reason": ""}).get_data(as_text=True)
    links = summary(page)
    assert list(links) == ["reason_code", "reason", "export-confirm"], links
    assert "There is a problem" in page
    assert links["export-confirm"].startswith("Confirm")
