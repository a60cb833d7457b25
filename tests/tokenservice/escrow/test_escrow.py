"""The privacy core on the server: sealing, the worker's code, requests, retention, the log."""

from __future__ import annotations

import dataclasses
import time

import pytest
import sqlalchemy as sa

from keys import escrow as keys_escrow
from tokenservice import escrow
from tokenservice.audit import log as audit_log
from tokenservice.escrow import EscrowConfig, Identity, retention
from tokenservice.issue.keyring import Keyring
from tokenservice.issue.passes import Official, UnknownPass
from tokenservice.store.models import (
    AuditEvent,
    EscrowKey,
    EscrowRecord,
    EscrowRequest,
    LogCheckpoint,
    PassCode,
)

PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")
HANDHAVER2 = Official("handhaver2", "handhaver")
BEHEER = Official("beheer", "beheer")
ANNA = Identity(
    given_names="Anna Maria", family_name="Kowalska", birth_date="1994-07-13",
    id_document_number="nx7q4r2k9", bsn="123456782",
)
DAY = 86400
#: Logic that does not depend on the database runs on SQLite only (each instance costs seconds).
SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


@pytest.fixture(scope="module")
def team() -> keys_escrow.TeamKey:
    return keys_escrow.create_team_key(2, 3)


@pytest.fixture
def svc(app):  # type: ignore[no-untyped-def]
    """The demo instance plus a second handhaver account (set up on the command line, so by
    no beheer account: the two-person rule accepts the pair)."""
    from tokenservice.access import accounts

    services = app.extensions["pas"]
    with services.db.transaction() as s:
        if accounts.find(s, HANDHAVER2.username) is None:
            accounts.create(s, username=HANDHAVER2.username, role="handhaver", password=None,
                            now=0)
    return services


@pytest.fixture
def config(team: keys_escrow.TeamKey) -> EscrowConfig:
    return EscrowConfig(public_key=team.public_key)


def _issue(svc) -> str:  # type: ignore[no-untyped-def]
    return svc.passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                            official=INTAKE).number


def _seal(svc, config, number, *, identity=ANNA, consent=True, policy="escrow", code=None):  # type: ignore[no-untyped-def]
    with svc.db.transaction() as s:
        return escrow.seal_identity(s, config, pass_number=number, identity=identity,
                                    consent=consent, policy=policy, now=int(time.time()),
                                    official=INTAKE, personal_code=code)


def _count(svc, model) -> int:  # type: ignore[no-untyped-def]
    with svc.db.transaction() as s:
        return int(s.scalar(sa.select(sa.func.count()).select_from(model)))


def _open(team, document) -> keys_escrow.OpenedRecord:  # type: ignore[no-untyped-def]
    private = keys_escrow.recover_private_key(team.shares[:2], expect_public=team.public_key)
    (entry,) = keys_escrow.entries_from_document(document)
    return keys_escrow.open_entry(private, entry)


# --- sealing ----------------------------------------------------------------------------


def test_policy_none_or_no_consent_stores_nothing(svc, config) -> None:
    number = _issue(svc)
    assert _seal(svc, config, number, policy="none") is None
    assert _seal(svc, config, number, consent=False) is None
    assert _count(svc, EscrowRecord) == _count(svc, EscrowKey) == _count(svc, PassCode) == 0


def test_sealed_record_opens_with_two_shares_and_names_its_number(svc, config, team) -> None:
    number = _issue(svc)
    code = _seal(svc, config, number)
    assert code is not None and escrow.normalize_code(code) is not None
    assert len(code.replace("-", "")) == 28 and code.count("-") == 6
    with svc.db.transaction() as s:
        release = escrow.request_record(s, config, number=number, official=HANDHAVER,
                                        reason_code="inspection", reason="control at a club", now=1)
    assert release.status == "released" and release.document is not None
    opened = _open(team, release.document)
    assert opened.number == number
    assert opened.fields == {
        "given_names": "Anna Maria", "family_name": "Kowalska", "birth_date": "1994-07-13",
        "id_document_number": "NX7Q4R2K9", "bsn": "123456782",
    }


@SQLITE_ONLY
def test_only_configured_fields_are_sealed(svc, team) -> None:
    config = EscrowConfig(public_key=team.public_key, fields=("family_name", "birth_date"))
    number = _issue(svc)
    _seal(svc, config, number)
    with svc.db.transaction() as s:
        doc = escrow.request_record(s, config, number=number, official=HANDHAVER,
                                    reason_code="inspection", reason="control at a club", now=1).document
    assert set(_open(team, doc).fields) == {"family_name", "birth_date"}


@SQLITE_ONLY
def test_escrow_without_public_key_refuses(svc) -> None:
    number = _issue(svc)
    with pytest.raises(escrow.EscrowNotConfigured):
        _seal(svc, EscrowConfig(), number)


@SQLITE_ONLY
def test_ciphertext_length_does_not_depend_on_the_name(svc, config) -> None:
    a, b = _issue(svc), _issue(svc)
    _seal(svc, config, a, identity=Identity(family_name="Li"))
    _seal(svc, config, b, identity=dataclasses.replace(ANNA, given_names="Maria " * 20))
    with svc.db.transaction() as s:
        lengths = {len(r.ciphertext) for r in s.scalars(sa.select(EscrowRecord))}
    assert len(lengths) == 1


def test_identity_repr_shows_no_values() -> None:
    assert "Kowalska" not in repr(ANNA) and "123456782" not in repr(ANNA)


@SQLITE_ONLY
def test_renewal_without_consent_erases_the_old_record(svc, config) -> None:
    number = _issue(svc)
    _seal(svc, config, number)
    svc.passes.renew(number=number, category=None, photo=PHOTO, photo_type="image/webp",
                     official=INTAKE)
    assert _seal(svc, config, number, consent=False) is None
    assert _count(svc, EscrowRecord) == _count(svc, EscrowKey) == 0


@SQLITE_ONLY
def test_renewal_can_keep_the_code(svc, config) -> None:
    number = _issue(svc)
    code = _seal(svc, config, number)
    again = _seal(svc, config, number, code=code.lower().replace("-", " "))
    assert again == code
    fresh = _seal(svc, config, number, code="not-a-code")
    assert fresh != code
    assert _count(svc, EscrowRecord) == 1
    with svc.db.transaction() as s:
        assert escrow.verify_code(s, number=number, code=fresh)
        assert not escrow.verify_code(s, number=number, code=code)


# --- the worker's code ----------------------------------------------------------------------


@SQLITE_ONLY
def test_a_replayed_first_issue_keeps_the_first_code(svc, config) -> None:
    number = _issue(svc)
    with svc.db.transaction() as s:
        first = escrow.seal_identity(s, config, pass_number=number, identity=ANNA, consent=True,
                                     policy="escrow", now=1, replace=False)
    with svc.db.transaction() as s:
        again = escrow.seal_identity(s, config, pass_number=number, identity=ANNA, consent=True,
                                     policy="escrow", now=2, replace=False)
        assert first is not None and again is None
        assert escrow.verify_code(s, number=number, code=first)


@SQLITE_ONLY
def test_code_verifies_and_typos_do_not(svc, config) -> None:
    number = _issue(svc)
    code = _seal(svc, config, number)
    other = _issue(svc)
    with svc.db.transaction() as s:
        assert escrow.verify_code(s, number=number.lower(), code=code.replace("-", ""))
        assert not escrow.verify_code(s, number=number, code=code[:-1] + ("0" if code[-1] != "0" else "1"))
        assert not escrow.verify_code(s, number=other, code=code)
        assert not escrow.verify_code(s, number="garbage", code=code)
        assert not escrow.verify_code(s, number=number, code=escrow.new_code())


@SQLITE_ONLY
def test_no_code_is_stored(svc, config) -> None:
    number = _issue(svc)
    code = _seal(svc, config, number)
    compact = code.replace("-", "").encode()
    with svc.db.transaction() as s:
        row = s.scalars(sa.select(PassCode)).one()
        stored = row.salt + row.verifier
        key = s.scalars(sa.select(EscrowKey)).one()
        stored += key.code_wrapped_key + key.sealed_key
    assert compact not in stored and code.encode() not in stored


@SQLITE_ONLY
def test_worker_view_shows_record_and_every_access_without_names(svc, config) -> None:
    number = _issue(svc)
    code = _seal(svc, config, number)
    with svc.db.transaction() as s:
        escrow.request_record(s, config, number=number, official=HANDHAVER,
                              reason_code="trafficking_signal", reason="signal from GGD nurse", now=5)
    with svc.db.transaction() as s:
        view = escrow.worker_view(s, number=number, code=code, now=int(time.time()))
        assert escrow.worker_view(s, number=number, code=escrow.new_code(), now=0) is None
    assert view is not None and view.record_exists and view.status.status == "valid"
    assert view.record_fields is not None and view.record_fields["family_name"] == "Kowalska"
    actions = [(e.action, e.role, e.reason_code) for e in view.entries]
    assert ("issue", "intake", None) in actions
    assert ("escrow_release", "handhaver", "trafficking_signal") in actions
    assert all(not hasattr(e, "actor") for e in view.entries)


def test_erase_needs_the_code_then_shreds_both_copies(svc, config, team) -> None:
    number = _issue(svc)
    code = _seal(svc, config, number)
    with svc.db.transaction() as s:
        with pytest.raises(escrow.WrongCode):
            escrow.erase(s, number, escrow.new_code(), 10)
    with svc.db.transaction() as s:
        assert escrow.erase(s, number, code, 10) is True
    assert _count(svc, EscrowRecord) == _count(svc, EscrowKey) == 0
    with svc.db.transaction() as s:
        assert escrow.erase(s, number, code, 11) is False  # idempotent; the code still works
        view = escrow.worker_view(s, number=number, code=code, now=12)
        assert view is not None and not view.record_exists
        assert ("escrow_erased", "worker") in [(e.action, e.role) for e in view.entries]
        with pytest.raises(escrow.NoRecord):
            escrow.request_record(s, config, number=number, official=HANDHAVER,
                                  reason_code="inspection", reason="control at a club", now=13)
    assert svc.passes.status(number).status == "valid"


@SQLITE_ONLY
def test_shredding_the_key_row_makes_an_old_copy_of_the_record_unreadable(svc, config, team) -> None:
    number = _issue(svc)
    _seal(svc, config, number)
    with svc.db.transaction() as s:
        rec = s.scalars(sa.select(EscrowRecord)).one()
        backup = keys_escrow.SealedEntry(number, rec.recipient_kid, bytes(80), rec.nonce,
                                         rec.ciphertext, rec.created_at)
        s.execute(sa.delete(EscrowKey))
    private = keys_escrow.recover_private_key(team.shares[1:], expect_public=team.public_key)
    with pytest.raises(keys_escrow.EscrowError):
        keys_escrow.open_entry(private, backup)
    with svc.db.transaction() as s:
        assert not escrow.has_record(s, number)


# --- requests ------------------------------------------------------------------------------


def test_request_writes_the_log_before_the_record_and_seals_the_reason(svc, config, team) -> None:
    number = _issue(svc)
    _seal(svc, config, number)
    with svc.db.transaction() as s:
        escrow.request_record(s, config, number=number, official=HANDHAVER,
                              reason_code="police_request", reason="AVIM asks about Kowalska", now=7)
    with svc.db.transaction() as s:
        event = s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "escrow_release")).one()
        assert (event.actor, event.pass_number, event.reason_code) == ("handhaver", number, "police_request")
        request = s.scalars(sa.select(EscrowRequest)).one()
        assert b"Kowalska" not in request.reason_sealed
        private = keys_escrow.recover_private_key(team.shares[::2], expect_public=team.public_key)
        assert keys_escrow.open_text(private, request.reason_sealed) == "AVIM asks about Kowalska"


@SQLITE_ONLY
@pytest.mark.parametrize(
    ("official", "reason_code", "reason", "error"),
    [
        (INTAKE, "inspection", "control at a club", escrow.Forbidden),
        (BEHEER, "inspection", "control at a club", escrow.Forbidden),
        (HANDHAVER, "curiosity", "control at a club", escrow.BadRequest),
        (HANDHAVER, "inspection", "short", escrow.BadRequest),
    ],
)
def test_bad_requests_are_refused_and_leave_no_trace(svc, config, official, reason_code, reason, error) -> None:
    number = _issue(svc)
    _seal(svc, config, number)
    before = _count(svc, AuditEvent)
    with pytest.raises(error), svc.db.transaction() as s:
        escrow.request_record(s, config, number=number, official=official,
                              reason_code=reason_code, reason=reason, now=1)
    assert _count(svc, AuditEvent) == before and _count(svc, EscrowRequest) == 0


@SQLITE_ONLY
def test_unknown_number_and_number_without_record(svc, config) -> None:
    number = _issue(svc)
    with pytest.raises(escrow.NoRecord), svc.db.transaction() as s:
        escrow.request_record(s, config, number=number, official=HANDHAVER,
                              reason_code="inspection", reason="control at a club", now=1)
    with pytest.raises(UnknownPass), svc.db.transaction() as s:
        escrow.request_record(s, config, number="DM-00000000-0", official=HANDHAVER,
                              reason_code="inspection", reason="control at a club", now=1)


def test_two_person_rule(svc, team) -> None:
    config = EscrowConfig(public_key=team.public_key, two_person=True, approval_hours=1)
    number = _issue(svc)
    _seal(svc, config, number)
    with svc.db.transaction() as s:
        pending = escrow.request_record(s, config, number=number, official=HANDHAVER,
                                        reason_code="inspection", reason="control at a club", now=100)
    assert pending.status == "pending" and pending.document is None
    with svc.db.transaction() as s:
        with pytest.raises(escrow.Forbidden):
            escrow.approve(s, config, request_id=pending.request_id, official=HANDHAVER, now=101)
        with pytest.raises(escrow.BadRequest):
            escrow.collect(s, config, request_id=pending.request_id, official=HANDHAVER, now=101)
    with svc.db.transaction() as s:
        escrow.approve(s, config, request_id=pending.request_id, official=HANDHAVER2, now=102)
    with svc.db.transaction() as s:
        with pytest.raises(escrow.Forbidden):
            escrow.collect(s, config, request_id=pending.request_id, official=HANDHAVER2, now=103)
    with svc.db.transaction() as s:
        release = escrow.collect(s, config, request_id=pending.request_id, official=HANDHAVER, now=104)
    assert release.status == "released" and _open(team, release.document).number == number
    with svc.db.transaction() as s:
        actions = [e.action for e in escrow.access_log(s, number)]
        assert actions[-3:] == ["escrow_request", "escrow_approve", "escrow_release"]
        with pytest.raises(escrow.BadRequest):  # only once
            escrow.collect(s, config, request_id=pending.request_id, official=HANDHAVER, now=105)


@SQLITE_ONLY
def test_two_person_request_expires(svc, team) -> None:
    config = EscrowConfig(public_key=team.public_key, two_person=True, approval_hours=1)
    number = _issue(svc)
    _seal(svc, config, number)
    with svc.db.transaction() as s:
        pending = escrow.request_record(s, config, number=number, official=HANDHAVER,
                                        reason_code="inspection", reason="control at a club", now=0)
    with pytest.raises(escrow.BadRequest), svc.db.transaction() as s:
        escrow.approve(s, config, request_id=pending.request_id, official=HANDHAVER2, now=3601)


def test_bulk_export_holds_every_record_and_tells_each_holder(svc, config, team) -> None:
    numbers = [_issue(svc) for _ in range(3)]
    _seal(svc, config, numbers[0])
    _seal(svc, config, numbers[1], identity=Identity(given_names="Élodie", family_name="Dùpont",
                                                        birth_date="2001-02-03", bsn="111222333"))
    with svc.db.transaction() as s:
        release = escrow.bulk_export(s, config, official=HANDHAVER, reason_code="inspection",
                                     reason="person at a control without a pass", now=9)
    assert release.records == 2
    private = keys_escrow.recover_private_key(team.shares[:2])
    opened = [keys_escrow.open_entry(private, e) for e in keys_escrow.entries_from_document(release.document)]
    hits = [r.number for r in opened if keys_escrow.matches(r, "elodie dupont")]
    assert hits == [numbers[1]]
    assert [r.number for r in opened if keys_escrow.matches(r, "03-02-2001")] == [numbers[1]]
    assert [r.number for r in opened if keys_escrow.matches(r, "1234 56 782")] == [numbers[0]]
    assert [r.number for r in opened if keys_escrow.matches(r, "maria")] == [numbers[0]]
    with svc.db.transaction() as s:
        assert [e.action for e in escrow.access_log(s, numbers[1])][-1] == "escrow_exported"
        assert "escrow_exported" not in [e.action for e in escrow.access_log(s, numbers[2])]
        assert s.scalars(sa.select(AuditEvent).where(AuditEvent.action == "escrow_export")).one().pass_number is None


# --- retention -------------------------------------------------------------------------------


def test_purge_after_expiry_plus_grace_is_idempotent(svc, config) -> None:
    number = _issue(svc)
    code = _seal(svc, config, number)
    with svc.db.transaction() as s:
        escrow.request_record(s, config, number=number, official=HANDHAVER,
                              reason_code="inspection", reason="control at a club",
                              now=int(time.time()))
    exp = svc.passes.status(number).exp
    assert not retention.purge(svc.db, exp + 89 * DAY, 90, reason_days=9999).anything
    report = retention.purge(svc.db, exp + 90 * DAY, 90, reason_days=9999)
    assert (report.records, report.codes, report.reasons, report.numbers) == (1, 1, 1, (number,))
    assert not retention.purge(svc.db, exp + 91 * DAY, 90).anything
    with svc.db.transaction() as s:
        assert not escrow.verify_code(s, number=number, code=code)
        assert s.scalars(sa.select(EscrowRequest)).one().reason_sealed is None
        purged = [e for e in escrow.access_log(s, number) if e.action == "escrow_purged"]
        assert [(e.role, e.reason_code) for e in purged] == [("system", "expired")]


def test_purge_at_revocation_stopped_but_not_lost(svc, config) -> None:
    stopped, lost = _issue(svc), _issue(svc)
    _seal(svc, config, stopped)
    _seal(svc, config, lost)
    svc.passes.revoke(number=stopped, reason="stopped", official=HANDHAVER)
    svc.passes.revoke(number=lost, reason="lost", official=HANDHAVER)
    report = retention.purge(svc.db, int(time.time()), 90, vacuum=True)
    assert report.numbers == (stopped,)
    with svc.db.transaction() as s:
        assert not escrow.has_record(s, stopped) and escrow.has_record(s, lost)


@SQLITE_ONLY
def test_purge_drops_old_bulk_reasons(svc, config) -> None:
    _seal(svc, config, _issue(svc))
    with svc.db.transaction() as s:
        escrow.bulk_export(s, config, official=HANDHAVER, reason_code="inspection",
                           reason="person at a control without a pass", now=1000)
    assert retention.purge(svc.db, 1000 + 10 * DAY, reason_days=30).reasons == 0
    assert retention.purge(svc.db, 1000 + 31 * DAY, reason_days=30).reasons == 1


# --- the access log ------------------------------------------------------------------------------


def _keyring(svc) -> Keyring:  # type: ignore[no-untyped-def]
    return svc.keyring


@SQLITE_ONLY
def test_checkpoint_and_verify_an_intact_log(svc, config) -> None:
    _seal(svc, config, _issue(svc))
    with svc.db.transaction() as s:
        cp = escrow.checkpoint(s, _keyring(svc), now=int(time.time()))
        assert cp is not None
        assert escrow.checkpoint(s, _keyring(svc), now=int(time.time())).id == cp.id  # idempotent
    _issue(svc)
    with svc.db.transaction() as s:
        report = escrow.verify_log(s, _keyring(svc))
    assert report.intact and report.checkpoints == 1 and report.uncovered == 1


def _tamper(svc, how: str) -> None:  # type: ignore[no-untyped-def]
    with svc.db.transaction() as s:
        events = list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        if how == "edit":
            events[1].reason_code = "something else"
        elif how == "remove_middle":
            s.delete(events[1])
        elif how == "reorder":
            a, b = events[1], events[2]
            fields = ("at", "actor", "role", "action", "pass_number", "reason_code", "prev_hash", "hash")
            va = {f: getattr(a, f) for f in fields}
            vb = {f: getattr(b, f) for f in fields}
            a.hash, b.hash = b"\x01" * 32, b"\x02" * 32
            s.flush()
            for f in fields:
                setattr(a, f, vb[f])
                setattr(b, f, va[f])
        elif how in ("truncate", "rewrite"):
            s.delete(events[-1])
            s.flush()
            if how == "rewrite":  # recompute the whole chain without the entry: hashes all agree
                prev = bytes(32)
                for e in events[:-1]:
                    e.hash = bytes(32 - len(str(e.id))) + str(e.id).encode()
                s.flush()
                for e in events[:-1]:
                    e.prev_hash = prev
                    e.hash = audit_log._digest(prev, e.at, e.actor, e.role, e.action,
                                                  e.pass_number, e.reason_code)
                    prev = e.hash
                    s.flush()


@pytest.mark.parametrize(
    ("migrated_database_url", "how"),
    [("sqlite", h) for h in ("edit", "remove_middle", "reorder", "truncate")]
    + [pytest.param("postgresql", h, marks=pytest.mark.postgres) for h in ("reorder", "rewrite")]
    + [("sqlite", "rewrite")],
    indirect=["migrated_database_url"],
)
def test_verify_detects_tampering(svc, config, how) -> None:
    for _ in range(2):
        _seal(svc, config, _issue(svc))
    with svc.db.transaction() as s:
        escrow.checkpoint(s, _keyring(svc), now=int(time.time()))
    with svc.db.transaction() as s:
        assert escrow.verify_log(s, _keyring(svc)).intact
    _tamper(svc, how)
    with svc.db.transaction() as s:
        report = escrow.verify_log(s, _keyring(svc))
    assert not report.intact and report.problem


@SQLITE_ONLY
def test_forged_checkpoint_signature_is_detected(svc, config) -> None:
    _seal(svc, config, _issue(svc))
    with svc.db.transaction() as s:
        cp = escrow.checkpoint(s, _keyring(svc), now=int(time.time()))
        cp.signed = cp.signed[:-64] + bytes(64)
    with svc.db.transaction() as s:
        report = escrow.verify_log(s, _keyring(svc))
    assert report.bad_checkpoint is not None and "signature" in (report.problem or "")


@SQLITE_ONLY
def test_csv_export_verifies_offline_and_detects_edits(svc, config) -> None:
    _seal(svc, config, _issue(svc))
    with svc.db.transaction() as s:
        text = escrow.export_log_csv(s)
        head = escrow.verify_log(s).head
    check = keys_escrow.verify_log_csv(text, head=head)
    assert check.intact and check.head == head and check.events >= 2
    edited = text.replace(",escrow_sealed,", ",escrow_sealeD,")
    assert not keys_escrow.verify_log_csv(edited).intact
    lines = text.splitlines()
    assert not keys_escrow.verify_log_csv("\n".join(lines[:-1]) + "\n", head=head).intact
    for word in ("Kowalska", "Anna", "123456782", "1994"):
        assert word not in text


def test_audit_cli_checkpoint_and_verify(instance, app, config, monkeypatch, capsys) -> None:
    from tokenservice import _cli

    svc = app.extensions["pas"]
    _seal(svc, config, _issue(svc))
    monkeypatch.setenv("PAS_DATABASE_URL", instance.database_url)
    args = ["--instance", str(instance.path)]
    assert _cli.main([*args, "audit", "checkpoint"]) == 0
    assert _cli.main([*args, "audit", "verify"]) == 0
    assert "intact" in capsys.readouterr().out
    _tamper(svc, "truncate")
    assert _cli.main([*args, "audit", "verify"]) == 1
    assert "BROKEN" in capsys.readouterr().out
    assert _cli.main([*args, "purge"]) == 0
    assert "purged 0" in capsys.readouterr().out
    assert _cli.main([*args, "audit", "export"]) == 0
    assert capsys.readouterr().out.startswith("id,at,time_utc,")
    with svc.db.transaction() as s:
        assert s.scalar(sa.select(sa.func.count()).select_from(LogCheckpoint)) == 1


@SQLITE_ONLY
def test_load_config_reads_pas_toml_and_escrow_pub(instance, team) -> None:
    cfg = escrow.load_config(instance.path, env={})
    assert cfg.public_key is None and not cfg.ready and cfg.grace_days == 90
    keys_team = team
    (instance.path / "keys" / "escrow.pub").write_text(
        keys_escrow.format_public_file(keys_team, created=0)
    )
    with (instance.path / "pas.toml").open("a") as f:
        f.write('\n[escrow]\nfields = ["family_name", "bsn"]\ntwo_person = true\ngrace_days = 30\n')
    cfg = escrow.load_config(instance.path, env={"PAS_ESCROW_GRACE_DAYS": "10"})
    assert cfg.public_key == team.public_key and cfg.two_person and cfg.grace_days == 10
    assert cfg.fields == ("family_name", "bsn")
    with pytest.raises(escrow.EscrowNotConfigured):
        escrow.load_config(instance.path, env={"PAS_ESCROW_FIELDS": "shoe_size"})
