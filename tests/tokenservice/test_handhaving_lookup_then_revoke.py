"""Issue 15, the handhaver on a phone: one looks first, then revokes the same number.

After a status lookup the revoke form below it carries the number just looked up (on a
phone, retyping a 13-character number is where a typo creeps in); the lookup keeps it too.
Nothing is revoked without a reason and the confirmation.
"""

from __future__ import annotations

import html
import re

import pytest

from tests.support.service import csrf_token, session_login
from tokenservice.issue.passes import Official

SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


def _value(page: str, field_id: str) -> str:
    tag = re.search(rf'<input[^>]*id="{field_id}"[^>]*>', page)
    assert tag, field_id
    value = re.search(r'value="([^"]*)"', tag.group(0))
    return html.unescape(value.group(1)) if value else ""


@SQLITE_ONLY
def test_the_number_looked_up_is_in_the_revoke_form(app, client) -> None:  # type: ignore[no-untyped-def]
    svc = app.extensions["pas"]
    number = svc.passes.issue(iss="GM9999", category="raam",
                              photo=b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes",
                              photo_type="image/webp", official=Official("intake", "intake")).number
    session_login(app, client, "handhaver")
    typed = number.lower().replace("-", " ")
    page = client.post("/handhaving/status", data={
        "csrf_token": csrf_token(client, "/handhaving/"), "number": typed}).get_data(as_text=True)
    assert 'class="lookup-result"' in page and number in page
    assert _value(page, "revoke-number") == number
    assert _value(page, "status-number") == number
    # Nothing was revoked by looking.
    assert svc.passes.status(number).status == "valid"
    # Unknown number: nothing carried over to the revoke form.
    unknown = client.post("/handhaving/status", data={
        "csrf_token": csrf_token(client, "/handhaving/"), "number": "DM-00000000-0"}
    ).get_data(as_text=True)
    assert _value(unknown, "revoke-number") == ""


@SQLITE_ONLY
def test_a_revoke_form_sent_empty_ties_each_message_to_its_field(app, client) -> None:  # type: ignore[no-untyped-def]
    """The summary links to the fields; a screen reader on the field hears its message too."""
    session_login(app, client, "handhaver")
    page = client.post("/handhaving/revoke", data={
        "csrf_token": csrf_token(client, "/handhaving/"), "number": ""}).get_data(as_text=True)
    for field in ("revoke-number", "revoke-reason", "revoke-confirm"):
        tag = re.search(rf'<input[^>]*id="{field}"[^>]*>', page)
        assert tag and 'aria-invalid="true"' in tag.group(0), field
        assert f'aria-describedby="{field}-error"' in tag.group(0)
        assert f'id="{field}-error"' in page
