"""Issue, renew and revoke through the core, then verify what was published."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from tokenservice.issue.passes import Official, PassClosed, UnknownPass
from tokenservice.store.models import Card, PassRecord
from verifier import Status, TrustStore, verify
from verifier.format import decode_qr_text

PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")


def _store(client) -> TrustStore:
    anchor = client.get("/.well-known/pas/anchor.pub").data.decode().strip()
    trust_list = client.get("/.well-known/pas/trust-list.cose").data
    revocations = client.get("/.well-known/pas/revocations/GM9999.cose").data
    return TrustStore.from_bytes(bytes.fromhex(anchor), trust_list, [revocations])


def test_issued_pass_verifies_then_revoked_pass_is_reported_revoked(app, client) -> None:
    passes = app.extensions["pas"].passes
    issued = passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                          official=INTAKE)
    verdict = verify(issued.qr_text, _store(client))
    assert verdict.status is Status.VALID
    assert verdict.number == issued.number and verdict.photo == PHOTO

    passes.revoke(number=issued.number, reason="stolen", official=HANDHAVER)
    assert verify(issued.qr_text, _store(client)).status is Status.REVOKED


def test_renewal_keeps_the_number_and_supersedes_the_old_card(app, client) -> None:
    passes = app.extensions["pas"].passes
    first = passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                         official=INTAKE)
    second = passes.renew(number=first.number.lower(), category="inrichting", photo=PHOTO,
                          photo_type="image/webp", official=INTAKE)
    assert second.number == first.number and second.serial != first.serial
    store = _store(client)
    assert verify(first.qr_text, store).status is Status.REVOKED
    renewed = verify(second.qr_text, store)
    assert renewed.status is Status.VALID and renewed.category.code == "inrichting"


def test_double_submitted_form_issues_one_pass(app) -> None:
    passes, db = app.extensions["pas"].passes, app.extensions["pas"].db
    a = passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                     official=INTAKE, request_token="form-123")
    b = passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                     official=INTAKE, request_token="form-123")
    assert (a.number, a.serial, a.qr_text) == (b.number, b.serial, b.qr_text)
    with db.transaction() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(Card)) == 1


def test_pass_stopped_cannot_be_renewed_but_lost_can(app) -> None:
    passes = app.extensions["pas"].passes
    lost = passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp", official=INTAKE)
    passes.revoke(number=lost.number, reason="lost", official=HANDHAVER)
    assert passes.renew(number=lost.number, category=None, photo=PHOTO, photo_type="image/webp",
                        official=INTAKE).number == lost.number
    stopped = passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp", official=INTAKE)
    passes.revoke(number=stopped.number, reason="stopped", official=HANDHAVER)
    with pytest.raises(PassClosed):
        passes.renew(number=stopped.number, category=None, photo=PHOTO, photo_type="image/webp",
                     official=INTAKE)


def test_revocation_list_seq_grows_with_every_revocation(app, client) -> None:
    passes = app.extensions["pas"].passes
    seqs = []
    for _ in range(3):
        issued = passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                              official=INTAKE)
        passes.revoke(number=issued.number, reason="lost", official=HANDHAVER)
        seqs.append(_store(client).revocations("GM9999").seq)
    assert seqs == sorted(seqs) and len(set(seqs)) == 3


def test_unknown_number_is_a_clear_error_and_changes_nothing(app) -> None:
    passes, db = app.extensions["pas"].passes, app.extensions["pas"].db
    with pytest.raises(UnknownPass):
        passes.revoke(number="DM-00000000-0", reason="lost", official=HANDHAVER)
    with db.transaction() as session:
        assert session.scalar(sa.select(sa.func.count()).select_from(PassRecord)) == 0


def test_database_holds_no_photo_bytes(app, instance) -> None:
    passes = app.extensions["pas"].passes
    marker = b"RIFF\x00\x00\x00\x00WEBP" + b"MARKER-PHOTO-7f3a" * 4
    issued = passes.issue(iss="GM9999", category="raam", photo=marker, photo_type="image/webp",
                          official=INTAKE)
    _, claims = decode_qr_text(issued.qr_text)
    assert claims.photo == marker
    if instance.database_url.startswith("sqlite"):
        app.extensions["pas"].db.dispose()
        blob = b"".join(p.read_bytes() for p in instance.path.glob("pas.db*"))
        assert b"MARKER-PHOTO" not in blob
