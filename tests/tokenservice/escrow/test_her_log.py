"""Her log: every opening of /mijn-pas is on it, and it keeps days, not seconds (issue 12, 2 and 7).

Before, a curious official who kept her code (it was on his screen) could open her page, read
her name and BSN, and nothing told her. Now the code is printed on her receipt only, and
every opening with it is an event she sees the next time she looks: role "worker"-side, the
day. Events about a pass keep the day only: an issue time to the second beside an official's
name could be matched against the spreekuur's appointment list.
"""

from __future__ import annotations

import base64
import re

import pytest
import sqlalchemy as sa

from tests.support.escrow import api_issue, mijnpas_page, receipt_code
from tests.support.service import token_for
from tokenservice import audit
from tokenservice.store.models import AuditEvent, PassRecord
from tokenservice.web import mijnpas


@pytest.fixture
def app(escrow_app):  # type: ignore[no-untyped-def]
    return escrow_app


def test_every_opening_of_her_page_is_on_her_log(app, client) -> None:  # type: ignore[no-untyped-def]
    body = api_issue(client, token_for(app, "intake")).get_json()
    number, code = body["number"], receipt_code(base64.b64decode(body["receipt_pdf_b64"]))
    first = mijnpas_page(client, number, code)
    seen = mijnpas.t("en", "act_worker_viewed")
    assert seen not in first  # her first look: nobody opened it before
    second = mijnpas_page(client, number, code)
    assert second.count(seen) == 1  # the first opening, now visible
    third = mijnpas_page(client, number, code)
    assert third.count(seen) == 2
    with app.extensions["pas"].db.transaction() as s:
        viewed = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "worker_viewed")).all()
        assert [(e.role, e.actor, e.pass_number) for e in viewed] == [("code_holder", "worker", number)] * 3
    # A wrong code opens nothing and logs nothing about her.
    mijnpas_page(client, number, code[:-4] + "AAAA")
    with app.extensions["pas"].db.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(AuditEvent)
                        .where(AuditEvent.action == "worker_viewed")) == 3


def test_pass_events_and_records_keep_the_day_not_the_second(app, client) -> None:  # type: ignore[no-untyped-def]
    body = api_issue(client, token_for(app, "intake")).get_json()
    number, code = body["number"], receipt_code(base64.b64decode(body["receipt_pdf_b64"]))
    page = mijnpas_page(client, number, code)
    with app.extensions["pas"].db.transaction() as s:
        events = s.scalars(sa.select(AuditEvent).where(AuditEvent.pass_number == number)).all()
        assert events and all(e.at == audit.day_of(e.at) for e in events)
        created = s.scalars(sa.select(PassRecord.created_at)).one()
        assert created == audit.day_of(created)
    table = page[page.find("<table"):page.find("</table>")]
    assert table and not re.search(r"\b\d{1,2}:\d{2}\b", table)  # no clock time on her log
