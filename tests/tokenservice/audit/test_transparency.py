"""Issue 12, finding 4: the audit log could be rewritten with database access alone.

The attack, as reproduced before this change: delete the handhaver's release event,
delete every checkpoint, recompute the SHA-256 chain. ``pas-service audit verify`` then
said "intact … 0 signed checkpoint(s)" and exited 0, and /mijn-pas showed her the
rewritten log. Events after the newest (daily) checkpoint could be dropped quietly.

Now the log is a Merkle tree (RFC 9162 hashing) whose signed tree heads are published at
/.well-known/pas/log/checkpoint and kept by witnesses outside the server (every
``pas-verify sync``). A rewrite that any witness saw before fails
``pas-service audit verify --witness`` and makes ``pas-verify sync`` refuse.
"""

from __future__ import annotations

import contextlib
import http.server
import os
import threading
import time
import urllib.parse
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tokenservice import _cli, escrow
from tokenservice.audit import checkpoints
from tokenservice.audit import log as audit
from tokenservice.escrow import EscrowConfig, Identity
from tokenservice.issue.passes import Official
from tokenservice.store.models import AuditEvent
from tokenservice.web import mijnpas

PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")
ANNA = Identity(given_names="Anna Maria", family_name="Kowalska", birth_date="1994-07-13",
                id_document_number="nx7q4r2k9", bsn="123456782")
SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
CHECKPOINT = "/.well-known/pas/log/checkpoint"


@pytest.fixture
def svc(app):  # type: ignore[no-untyped-def]
    return app.extensions["pas"]


@pytest.fixture
def config(app) -> EscrowConfig:  # type: ignore[no-untyped-def]
    from keys import escrow as keys_escrow

    return EscrowConfig(public_key=keys_escrow.create_team_key(2, 3).public_key)


@pytest.fixture(autouse=True)
def _always_stale(monkeypatch: pytest.MonkeyPatch) -> None:
    """Every fetch of the checkpoint covers the whole log (in production: at most 5 min behind)."""
    if hasattr(checkpoints, "STALE_AFTER"):
        monkeypatch.setattr(checkpoints, "STALE_AFTER", 0)


def _cli_main(instance, monkeypatch, *argv: str) -> int:  # type: ignore[no-untyped-def]
    monkeypatch.setenv("PAS_DATABASE_URL", instance.database_url)
    return _cli.main(["--instance", str(instance.path), *argv])


def _released_pass(svc, config) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    """A pass with a sealed record that a handhaver had released to him: her code too."""
    number = svc.passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                              official=INTAKE).number
    now = int(time.time())
    with svc.db.transaction() as s:
        code = escrow.seal_identity(s, config, pass_number=number, identity=ANNA, consent=True,
                                    policy="escrow", now=now, official=INTAKE)
    with svc.db.transaction() as s:
        escrow.request_record(s, config, number=number, official=HANDHAVER,
                              reason_code="inspection", reason="control at the club", now=now)
    assert code is not None
    return number, code


def rewrite(db, drop: Callable[[AuditEvent], bool], *, checkpoints: bool = True) -> None:  # type: ignore[no-untyped-def]
    """What someone with database access alone does: drop events, drop every checkpoint,
    recompute the chain so that every link agrees again."""
    with db.transaction() as s:
        if checkpoints:
            for table in sa.inspect(s.connection()).get_table_names():
                if "checkpoint" in table:
                    s.execute(sa.text(f'DELETE FROM "{table}"'))
        events = list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        kept = [e for e in events if not drop(e)]
        assert len(kept) < len(events), "the attack must remove something"
        for e in events:
            if drop(e):
                s.delete(e)
        s.flush()
        for e in kept:  # the hash column is unique: move every row aside first
            e.hash = os.urandom(32)
        s.flush()
        prev = audit.GENESIS
        for e in kept:
            e.prev_hash = prev
            e.hash = audit._digest(prev, e.at, e.actor, e.role, e.action, e.pass_number, e.reason_code)
            prev = e.hash
        s.flush()


def _is_release(e: AuditEvent) -> bool:
    return e.action == "escrow_release"


def _witness_file(client, path: Path) -> Path:  # type: ignore[no-untyped-def]
    """A witness's copy of the published checkpoint (what `pas-verify sync` keeps)."""
    response = client.get(CHECKPOINT)
    assert response.status_code == 200, response.status_code
    path.write_bytes(response.data)
    return path


# --- the attack of the finding -------------------------------------------------------------


def test_deleting_the_release_and_all_checkpoints_fails_against_a_witness(  # type: ignore[no-untyped-def]
    instance, app, client, svc, config, monkeypatch, capsys, tmp_path
) -> None:
    _released_pass(svc, config)
    assert _cli_main(instance, monkeypatch, "audit", "checkpoint") == 0
    witness = _witness_file(client, tmp_path / "witness.cose")
    assert _cli_main(instance, monkeypatch, "audit", "verify", "--witness", str(witness)) == 0
    capsys.readouterr()

    rewrite(svc.db, _is_release)
    # The database alone cannot tell: it agrees with itself, and says so honestly.
    assert _cli_main(instance, monkeypatch, "audit", "verify") == 0
    out = capsys.readouterr().out
    assert "--witness" in out and "0 signed checkpoint(s)" in out
    # The witness can.
    assert _cli_main(instance, monkeypatch, "audit", "verify", "--witness", str(witness)) == 1
    out = capsys.readouterr().out
    assert "REWRITTEN" in out and "append-only" in out


@SQLITE_ONLY
def test_rewritten_log_fails_against_a_witness_url(  # type: ignore[no-untyped-def]
    instance, app, client, svc, config, monkeypatch, capsys, tmp_path
) -> None:
    _released_pass(svc, config)
    data = client.get(CHECKPOINT).data

    class Witness(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(200)
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, format: str, *args: object) -> None:
            pass

    with _serve(Witness) as url:
        assert _cli_main(instance, monkeypatch, "audit", "verify", "--witness", url) == 0
        rewrite(svc.db, _is_release)
        assert _cli_main(instance, monkeypatch, "audit", "verify", "--witness", url) == 1
    assert "REWRITTEN" in capsys.readouterr().out


def test_events_after_the_last_checkpoint_cannot_be_dropped_quietly(  # type: ignore[no-untyped-def]
    instance, app, client, svc, config, monkeypatch, capsys, tmp_path
) -> None:
    assert _cli_main(instance, monkeypatch, "audit", "checkpoint") == 0  # "the daily checkpoint"
    _released_pass(svc, config)  # after it: before, these could go unnoticed
    witness = _witness_file(client, tmp_path / "witness.cose")  # a phone syncs: a fresh head
    rewrite(svc.db, _is_release, checkpoints=False)
    # Even without the witness, the server's own checkpoints no longer match ...
    assert _cli_main(instance, monkeypatch, "audit", "verify") == 1
    # ... and it will not sign the rewritten log.
    assert _cli_main(instance, monkeypatch, "audit", "checkpoint") == 2
    assert "not signing" in capsys.readouterr().err
    # ... and with all checkpoints gone too, the witness still catches it.
    rewrite(svc.db, lambda e: e.action == "escrow_sealed")
    assert _cli_main(instance, monkeypatch, "audit", "verify", "--witness", str(witness)) == 1
    assert "REWRITTEN" in capsys.readouterr().out


@SQLITE_ONLY
def test_truncation_is_a_rollback(instance, app, client, svc, config, monkeypatch, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _released_pass(svc, config)
    witness = _witness_file(client, tmp_path / "witness.cose")
    newest = max(e for e in _event_ids(svc))
    rewrite(svc.db, lambda e: e.id == newest)
    assert _cli_main(instance, monkeypatch, "audit", "verify", "--witness", str(witness)) == 1
    assert "fewer events" in capsys.readouterr().out


@SQLITE_ONLY
def test_an_honest_log_that_grew_passes(instance, app, client, svc, config, monkeypatch, capsys, tmp_path) -> None:  # type: ignore[no-untyped-def]
    _released_pass(svc, config)
    witness = _witness_file(client, tmp_path / "witness.cose")
    _released_pass(svc, config)
    assert _cli_main(instance, monkeypatch, "audit", "verify", "--witness", str(witness)) == 0
    out = capsys.readouterr().out
    assert "append-only extension" in out and "intact" in out


@SQLITE_ONLY
def test_a_witness_checkpoint_not_signed_by_a_listed_key_is_refused(  # type: ignore[no-untyped-def]
    instance, app, client, svc, config, monkeypatch, capsys, tmp_path
) -> None:
    _released_pass(svc, config)
    witness = _witness_file(client, tmp_path / "witness.cose")
    forged = bytearray(witness.read_bytes())
    forged[-1] ^= 1
    witness.write_bytes(bytes(forged))
    assert _cli_main(instance, monkeypatch, "audit", "verify", "--witness", str(witness)) != 0
    assert "signature" in capsys.readouterr().err


def _event_ids(svc) -> list[int]:  # type: ignore[no-untyped-def]
    with svc.db.transaction() as s:
        return list(s.scalars(sa.select(AuditEvent.id)))


@contextlib.contextmanager
def _serve(handler: type[http.server.BaseHTTPRequestHandler]) -> Iterator[str]:
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/witness/checkpoint"
    finally:
        server.shutdown()
        server.server_close()


# --- pas-verify sync is a witness ----------------------------------------------------------


def flask_fetcher(client):  # type: ignore[no-untyped-def]
    """pas-verify's fetcher, answered by the Flask test client instead of the network."""

    def fetch(url: str) -> bytes | None:
        parts = urllib.parse.urlsplit(url)
        response = client.get(parts.path + (f"?{parts.query}" if parts.query else ""))
        if response.status_code == 404:
            return None
        assert response.status_code == 200, (url, response.status_code)
        return bytes(response.data)

    return fetch


def test_pas_verify_sync_refuses_a_rewritten_log(  # type: ignore[no-untyped-def]
    instance, app, client, svc, config, tmp_path
) -> None:
    from verifier import cache as cache_mod

    anchor = bytes.fromhex((instance.path / "keys" / "anchor.pub").read_text().strip())
    phone = cache_mod.Cache(tmp_path / "phone")
    fetch = flask_fetcher(client)
    _released_pass(svc, config)
    first = cache_mod.sync(phone, "http://localhost/", anchor=anchor, fetch=fetch)
    assert first.log is not None and first.log.previous_size is None
    kept = (tmp_path / "phone" / "log" / "GM9999.cose").read_bytes()

    _released_pass(svc, config)  # the log grows honestly: the phone checks the proof and keeps up
    second = cache_mod.sync(phone, "http://localhost/", fetch=fetch)
    assert second.log is not None and second.log.previous_size == first.log.checkpoint.size
    assert second.log.checkpoint.size > first.log.checkpoint.size
    kept = (tmp_path / "phone" / "log" / "GM9999.cose").read_bytes()

    rewrite(svc.db, _is_release)
    with pytest.raises(cache_mod.LogRewritten, match="rewritten"):
        cache_mod.sync(phone, "http://localhost/", fetch=fetch)
    # The last good checkpoint stays: the evidence, and the next sync refuses again.
    assert (tmp_path / "phone" / "log" / "GM9999.cose").read_bytes() == kept
    with pytest.raises(cache_mod.LogRewritten):
        cache_mod.sync(phone, "http://localhost/", fetch=fetch)


# --- what is published ---------------------------------------------------------------------


@SQLITE_ONLY
def test_published_heads_and_proofs_hold_nothing_about_anyone(app, client, svc, config) -> None:  # type: ignore[no-untyped-def]
    from verifier import translog
    from verifier.trust import TrustStore

    number, code = _released_pass(svc, config)
    store = TrustStore.from_bytes(bytes.fromhex(svc.keyring.anchor_hex), svc.keyring.trust_list_bytes)
    first = translog.check_checkpoint(store, client.get(CHECKPOINT).data)
    _released_pass(svc, config)
    latest = client.get(CHECKPOINT)
    second = translog.check_checkpoint(store, latest.data)
    as_json = client.get(CHECKPOINT + ".json")
    proof = client.get(f"/.well-known/pas/log/consistency?from={first.size}&to={second.size}")
    assert proof.status_code == 200 and proof.headers["Access-Control-Allow-Origin"] == "*"
    body = proof.get_json()
    assert body["from"] == first.size and body["to"] == second.size
    assert translog.verify_consistency(first.size, second.size, first.root, second.root,
                                       [bytes.fromhex(h) for h in body["proof"]])
    published = latest.data + as_json.data + proof.data
    for secret in (number, number.replace("-", ""), code, "handhaver", "intake", "inspection",
                   "escrow_release", "Kowalska", "123456782"):
        assert secret.encode() not in published, secret
    # Nothing a guess could be checked against: every leaf has a random salt.
    with svc.db.transaction() as s:
        events = list(s.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)))
        assert all(len(e.salt) == 16 for e in events) and len({e.salt for e in events}) == len(events)
    for bad in ("from=2&to=1", "from=0&to=999999", "from=x&to=2", "to=2", "from=1&to=" + "9" * 30):
        assert client.get(f"/.well-known/pas/log/consistency?{bad}").status_code == 400, bad


# --- her page says when her history was witnessed -------------------------------------------


@SQLITE_ONLY
def test_her_page_says_when_her_history_was_first_witnessed(app, client, svc, config) -> None:  # type: ignore[no-untyped-def]
    from tests.support.escrow import mijnpas_page

    number, code = _released_pass(svc, config)
    page = mijnpas_page(client, number, code)
    assert mijnpas.t("en", "witnessed_not_yet") in page
    assert client.get(CHECKPOINT).status_code == 200  # a phone syncs: the head covers her events
    page = mijnpas_page(client, number, code)
    assert mijnpas.t("en", "witnessed_not_yet") not in page
    assert mijnpas.t("en", "witnessed_on", date="{date}").split("{date}")[0] in page
    for lang in ("nl", "en", "es", "pt", "ro", "bg", "hu", "pl"):
        assert "{date}" in mijnpas.t(lang, "witnessed_on", date="{date}") and mijnpas.t(lang, "witnessed_not_yet")


@SQLITE_ONLY
def test_a_fresh_head_is_served_as_is_and_a_stale_one_renewed(app, client, svc, config, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    from verifier import translog

    monkeypatch.setattr(checkpoints, "STALE_AFTER", 900)
    _released_pass(svc, config)
    first = translog.Checkpoint.open(client.get(CHECKPOINT).data)[1]
    _released_pass(svc, config)
    again = translog.Checkpoint.open(client.get(CHECKPOINT).data)[1]
    assert again == first  # younger than 15 minutes: the same head, no write
    monkeypatch.setattr(checkpoints, "STALE_AFTER", 0)
    newer = translog.Checkpoint.open(client.get(CHECKPOINT).data)[1]
    assert newer.size > first.size
    with svc.db.transaction() as s:
        assert checkpoints.latest_checkpoint(s).witnessed_at is not None  # type: ignore[union-attr]
