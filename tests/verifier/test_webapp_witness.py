"""The exploitant's phone is a witness of the service's audit log (issue 12, finding 4).

Served by pas-service, the app keeps the signed checkpoint of the audit log it saw. When
someone with database access alone deletes an event, deletes every checkpoint and
recomputes the chain, the next sync on the phone says so — in red, with the kept
checkpoint to hand to the privacy officer — and keeps the lists it had. An honest log
that grew passes silently.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Any

import pytest
import sqlalchemy as sa
from pas_support import photo_avif

from tests.support.browser import live_process, require_chromium
from tests.support.webapp import open_phone, paste, phone_page, wait_ready, wait_synced

pytestmark = pytest.mark.browser


def _demo(path: Path) -> tuple[Any, Any]:
    from tokenservice import config
    from tokenservice.issue.keyring import Keyring
    from tokenservice.issue.passes import PassService
    from tokenservice.ops.instance import init_instance
    from tokenservice.store.db import Database

    init_instance(path, demo=True)
    settings = config.load(env={}, instance_dir=path)
    db = Database(settings.database_url)
    return db, PassService(db, Keyring(settings.keys_dir, settings.key_passphrase), settings)


def _issue(passes: Any) -> Any:
    from tokenservice.issue.passes import Official
    from tokenservice.ops.instance import DEMO_ISS

    return passes.issue(iss=DEMO_ISS, category="raam", photo=photo_avif(),
                        photo_type="image/avif", official=Official("intake", "intake"))


def _rewrite_without_first_event(db: Any) -> None:
    """Database access only: drop an event and every checkpoint, recompute the chain."""
    from tokenservice.audit import log as audit
    from tokenservice.store.models import AuditEvent

    with db.transaction() as s:
        for table in sa.inspect(s.connection()).get_table_names():
            if "checkpoint" in table:
                s.execute(sa.text(f'DELETE FROM "{table}"'))
        events = list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        s.delete(events[0])
        s.flush()
        kept = events[1:]
        for e in kept:
            e.hash = os.urandom(32)
        s.flush()
        prev = audit.GENESIS
        for e in kept:
            e.prev_hash, e.hash = prev, audit._digest(prev, e.at, e.actor, e.role, e.action,
                                                      e.pass_number, e.reason_code)
            prev = e.hash


def _status(page: Any) -> tuple[str, str]:
    el = page.locator("#lists-status")
    return el.get_attribute("data-state") or "", el.inner_text()


def test_the_phone_keeps_a_checkpoint_and_catches_a_rewritten_log(tmp_path: Path) -> None:
    require_chromium()
    from playwright.sync_api import sync_playwright

    db, passes = _demo(tmp_path / "instance")
    first = _issue(passes)
    profile = tmp_path / "phone"
    try:
        with live_process(tmp_path / "instance") as (_proc, base), sync_playwright() as p:
            ctx = open_phone(p, profile)
            try:
                page = phone_page(ctx)
                page.goto(base + "/verify/")
                wait_ready(page)
                wait_synced(page)
                page.click("#about-open")
                kept = page.inner_text("#about-log")
                assert kept.startswith("GM9999 · "), kept
                assert page.get_attribute("#about-log-download", "href", timeout=5000).startswith("blob:")
                page.keyboard.press("Escape")
                # An honest log that grew: the next sync passes and keeps the newer head.
                _issue(passes)
                page.reload()
                wait_ready(page)
                wait_synced(page)
                assert _status(page)[0] == "ok"
                # The rewrite: the phone refuses, says so, and keeps verifying with its lists.
                _rewrite_without_first_event(db)
                page.reload()
                wait_ready(page)
                page.wait_for_function(
                    "() => document.getElementById('lists-status').dataset.state === 'bad'",
                    timeout=45_000)
                _state, text = _status(page)
                assert "auditlog" in text and "herschreven" in text, text
                assert paste(page, first.qr_text) == "VALID"
                page.screenshot(path=str(tmp_path / "witness.png"))
            finally:
                ctx.close()
    finally:
        db.dispose()
