"""Erasure is final: what a worker erases, or retention purges, is gone from every file.

Issue 12, finding 3: after she erased her record on /mijn-pas, the sealed data key, the
code-wrapped key and the ciphertext were still in ``pas.db-wal``; replaying that copy and
using her code gave back her name, BSN and document number.

These tests read the stored bytes of a record (ciphertext, nonces, sealed and code-wrapped
data key, the code's salt and verifier, a sealed request reason) from the database before
it goes, erase it through the real /mijn-pas route or purge it through ``pas-service purge``,
and then look for every 16-byte window of those bytes in every file of the instance folder
(the SQLite database, its ``-wal`` and ``-shm`` files, anything else) — and, on PostgreSQL,
in the tables' relation files under the data directory (docs/adr/0014).
"""

from __future__ import annotations

import os
import re
import secrets
import sqlite3
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from tokenservice import escrow
from tokenservice.escrow.seal import Identity
from tokenservice.issue.passes import Official
from tokenservice.store import db as dbmod
from tokenservice.web import mijnpas

PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")
SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)
POSTGRES_ONLY = pytest.mark.parametrize(
    "migrated_database_url", [pytest.param("postgresql", marks=pytest.mark.postgres)],
    indirect=True,
)
WINDOW = 16
DAY = 86400
_CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


# --- fixtures ---------------------------------------------------------------------------------


def _marker_identity() -> Identity:
    tag = secrets.token_hex(4).upper()
    return Identity(given_names=f"Zsofiavyx{tag.lower()}", family_name=f"Brontewaithe{tag}",
                    birth_date="1991-03-17", id_document_number=f"QX{tag}",
                    bsn="2" + "".join(str(secrets.randbelow(10)) for _ in range(8)))


def _identity_needles(identity: Identity) -> dict[str, bytes]:
    return {"given_names": str(identity.given_names).encode(),
            "family_name": str(identity.family_name).encode(),
            "id_document_number": str(identity.id_document_number).encode()}


def _issue_sealed(app, identity: Identity) -> tuple[str, str]:  # type: ignore[no-untyped-def]
    svc = app.extensions["pas"]
    number = svc.passes.issue(iss="GM9999", category="raam", photo=PHOTO,
                              photo_type="image/webp", official=INTAKE).number
    with svc.db.transaction() as s:
        code = escrow.seal_identity(s, escrow.config_for(svc.settings), pass_number=number,
                                    identity=identity, consent=True, policy="escrow",
                                    now=int(time.time()), official=INTAKE)
    assert code is not None
    return number, code


@pytest.fixture
def holder(web) -> tuple[str, str, Identity]:  # type: ignore[no-untyped-def]
    identity = _marker_identity()
    number, code = _issue_sealed(web, identity)
    return number, code, identity


# --- what is stored, and where it could be --------------------------------------------------


def _stored(app, number: str) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    """The bytes the database holds for this pass's record, code and request reasons."""
    out: dict[str, bytes] = {}
    with app.extensions["pas"].db.read() as conn:
        pass_id = conn.execute(sa.text("SELECT id FROM passes WHERE number = :n"),
                               {"n": number}).scalar_one()
        queries = {
            "escrow_records": "SELECT nonce, ciphertext FROM escrow_records WHERE pass_id = :p",
            "escrow_keys": "SELECT k.sealed_key, k.code_nonce, k.code_wrapped_key FROM escrow_keys k"
                           " JOIN escrow_records r ON r.id = k.record_id WHERE r.pass_id = :p",
            "pass_codes": "SELECT salt, verifier FROM pass_codes WHERE pass_id = :p",
            "escrow_requests": "SELECT id, reason_sealed FROM escrow_requests WHERE pass_id = :p"
                               " AND reason_sealed IS NOT NULL",
        }
        for table, query in queries.items():
            for row in conn.execute(sa.text(query), {"p": pass_id}).mappings():
                for column, value in row.items():
                    if isinstance(value, bytes | memoryview):
                        out[f"{table}.{column}#{row.get('id', '')}"] = bytes(value)
    return out


def _windows(fields: dict[str, bytes]) -> list[tuple[str, bytes]]:
    """Every WINDOW-byte substring of every value (values shorter than that: whole)."""
    out = []
    for name, value in fields.items():
        if len(value) <= WINDOW:
            out.append((name, value))
            continue
        out += [(name, value[at : at + WINDOW]) for at in range(len(value) - WINDOW + 1)]
    return out


def _files(root: Path) -> Iterator[Path]:
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            yield Path(dirpath) / name


def _found(paths: list[Path], fields: dict[str, bytes]) -> list[str]:
    """``file: field`` for every field any window of which is in any of these files."""
    needles = _windows(fields)
    hits: list[str] = []
    for path in paths:
        try:
            data = path.read_bytes()
        except FileNotFoundError:
            continue
        hits += sorted({f"{path.name}: {name}" for name, chunk in needles if chunk in data})
    return hits


def _instance_files(instance) -> list[Path]:  # type: ignore[no-untyped-def]
    return list(_files(instance.path))


def _token(client) -> str:  # type: ignore[no-untyped-def]
    match = _CSRF.search(client.get("/mijn-pas/?lang=en").get_data(as_text=True))
    assert match
    return match.group(1)


def _erase(client, number: str, code: str, *, revoke: bool = False):  # type: ignore[no-untyped-def]
    data = {"csrf_token": _token(client), "number": number, "code": code, "lang": "en",
            "erase": "y"}
    if revoke:
        data["revoke"] = "y"
    page = client.post("/mijn-pas/wissen", data=data, follow_redirects=True)
    assert page.status_code == 200
    assert mijnpas.t("en", "done_erased") in page.get_data(as_text=True)
    return page


def _more_commits(app, n: int = 5) -> None:  # type: ignore[no-untyped-def]
    """Ordinary work after the erasure: issue passes (each its own commits)."""
    svc = app.extensions["pas"]
    for _ in range(n):
        svc.passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                         official=INTAKE)


def _expire(app, number: str, days_ago: int) -> None:  # type: ignore[no-untyped-def]
    """Let the pass's cards have expired ``days_ago`` days ago (no personal data touched)."""
    with app.extensions["pas"].db.transaction() as s:
        s.execute(sa.text("UPDATE cards SET exp = :e WHERE pass_id = "
                          "(SELECT id FROM passes WHERE number = :n)"),
                  {"e": int(time.time()) - days_ago * DAY, "n": number})


def _request_with_reason(app, number: str) -> None:  # type: ignore[no-untyped-def]
    svc = app.extensions["pas"]
    with svc.db.transaction() as s:
        escrow.request_record(s, escrow.config_for(svc.settings), number=number,
                              official=HANDHAVER, reason_code="inspection",
                              reason="controle bij club Roze Lantaarn", now=int(time.time()))


# --- SQLite ------------------------------------------------------------------------------------


@SQLITE_ONLY
def test_erased_record_is_gone_from_every_file_on_sqlite(web, client, instance, holder) -> None:  # type: ignore[no-untyped-def]
    number, code, identity = holder
    stored = _stored(web, number)
    assert {k.split("#")[0] for k in stored} >= {
        "escrow_records.ciphertext", "escrow_records.nonce", "escrow_keys.sealed_key",
        "escrow_keys.code_nonce", "escrow_keys.code_wrapped_key"}
    # The scan sees the record while it exists (so an empty result below means something).
    assert _found(_instance_files(instance), stored)
    # Her identity is never on disk in the clear, sealed or not.
    assert not _found(_instance_files(instance), _identity_needles(identity))

    _erase(client, number, code)
    erased = {k: v for k, v in stored.items() if not k.startswith("pass_codes.")}
    assert _found(_instance_files(instance), erased) == []
    # Still nothing after more work, a passive checkpoint and more work again.
    _more_commits(web)
    with sqlite3.connect(instance.path / "pas.db") as conn:
        conn.execute("PRAGMA wal_checkpoint(PASSIVE)")
    _more_commits(web)
    assert _found(_instance_files(instance), erased) == []
    assert not _found(_instance_files(instance), _identity_needles(identity))


@SQLITE_ONLY
def test_erase_and_stop_removes_record_and_code_from_every_file_on_sqlite(  # type: ignore[no-untyped-def]
    web, client, instance, holder,
) -> None:
    number, code, _identity = holder
    _request_with_reason(web, number)
    stored = _stored(web, number)
    assert any(k.startswith("pass_codes.") for k in stored)
    assert any(k.startswith("escrow_requests.reason_sealed") for k in stored)
    _erase(client, number, code, revoke=True)
    assert _found(_instance_files(instance), stored) == []


@SQLITE_ONLY
def test_purged_expired_record_is_gone_from_every_file_on_sqlite(  # type: ignore[no-untyped-def]
    web, instance, holder, monkeypatch, capsys,
) -> None:
    from tokenservice import _cli

    number, _code, identity = holder
    _request_with_reason(web, number)
    kept, _kept_code = _issue_sealed(web, _marker_identity())  # not expired: stays
    stored, stays = _stored(web, number), _stored(web, kept)
    assert any(k.startswith("pass_codes.") for k in stored)
    assert _found(_instance_files(instance), stored)
    _expire(web, number, days_ago=120)

    monkeypatch.setenv("PAS_DATABASE_URL", instance.database_url)
    assert _cli.main(["--instance", str(instance.path), "purge"]) == 0
    assert "purged 1 escrow record(s), 1 personal code(s)" in capsys.readouterr().out
    assert _found(_instance_files(instance), stored) == []
    assert not _found(_instance_files(instance), _identity_needles(identity))
    # The other pass's record is untouched and still opens with her code.
    assert _stored(web, kept) == stays
    wal = instance.path / "pas.db-wal"
    assert not wal.exists() or wal.stat().st_size == 0


@SQLITE_ONLY
def test_renewal_without_consent_or_with_new_data_leaves_no_old_record_on_sqlite(  # type: ignore[no-untyped-def]
    web, instance, holder,
) -> None:
    """Renewing replaces (new data) or erases (no consent) her record: the old one goes too."""
    number, code, _identity = holder
    svc = web.extensions["pas"]
    config = escrow.config_for(svc.settings)
    first = {k: v for k, v in _stored(web, number).items() if not k.startswith("pass_codes.")}
    with svc.db.transaction() as s:
        assert escrow.seal_identity(s, config, pass_number=number, identity=_marker_identity(),
                                    consent=True, policy="escrow", now=int(time.time()),
                                    official=INTAKE, personal_code=code) == code
    second = _stored(web, number)
    assert _found(_instance_files(instance), first) == []
    with svc.db.transaction() as s:
        assert escrow.seal_identity(s, config, pass_number=number, identity=_marker_identity(),
                                    consent=False, policy="escrow", now=int(time.time()),
                                    official=INTAKE) is None
    erased = {k: v for k, v in second.items() if not k.startswith("pass_codes.")}
    assert _found(_instance_files(instance), erased) == []


@SQLITE_ONLY
def test_wrong_code_or_a_failed_transaction_changes_nothing(  # type: ignore[no-untyped-def]
    web, client, instance, holder,
) -> None:
    number, code, _identity = holder
    svc = web.extensions["pas"]
    stored = _stored(web, number)
    data = {"csrf_token": _token(client), "number": number, "code": escrow.new_code(),
            "lang": "en", "erase": "y"}
    assert mijnpas.t("en", "confirm_wrong") in client.post("/mijn-pas/wissen", data=data).get_data(
        as_text=True)
    assert _stored(web, number) == stored
    with pytest.raises(RuntimeError), svc.db.transaction() as s:
        assert escrow.erase(s, number, code, int(time.time()))
        raise RuntimeError("the request fails after the delete")
    assert _stored(web, number) == stored  # rolled back whole: nothing erased, nothing scrubbed
    assert not svc.db.scrub_pending
    with pytest.raises(ValueError, match="not a table"):
        svc.db.scrub(["no_such_table; DROP TABLE passes"])


@SQLITE_ONLY
def test_every_connection_deletes_securely(web) -> None:  # type: ignore[no-untyped-def]
    svc = web.extensions["pas"]
    with svc.db.transaction() as s:
        assert s.execute(sa.text("PRAGMA secure_delete")).scalar_one() == 1
    with svc.db.read() as conn:
        assert conn.execute(sa.text("PRAGMA secure_delete")).scalar_one() == 1
        assert conn.execute(sa.text("PRAGMA temp_store")).scalar_one() == 2  # memory


@SQLITE_ONLY
def test_scrub_that_a_reader_blocks_is_reported_then_finished(  # type: ignore[no-untyped-def]
    web, client, instance, holder, caplog,
) -> None:
    number, code, _identity = holder
    stored = {k: v for k, v in _stored(web, number).items() if not k.startswith("pass_codes.")}
    svc = web.extensions["pas"]
    svc.db.scrub_timeout = 0.3
    # Another worker process in the middle of a read: its snapshot pins the WAL.
    reader = sqlite3.connect(instance.path / "pas.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM escrow_records").fetchone()
    try:
        _erase(client, number, code)  # her erasure itself succeeds
        assert any("not final" in r.getMessage() for r in caplog.records
                   if r.name == "tokenservice.store.db")
        assert svc.db.scrub_pending
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    # The next write through this process finishes it; so would the daily purge.
    _more_commits(web, 1)
    assert not svc.db.scrub_pending
    assert _found(_instance_files(instance), stored) == []


@SQLITE_ONLY
def test_scrub_reports_and_purge_fails_while_blocked(  # type: ignore[no-untyped-def]
    web, instance, holder, monkeypatch, capsys,
) -> None:
    from tokenservice import _cli

    number, _code, _identity = holder
    _expire(web, number, days_ago=120)
    monkeypatch.setattr(dbmod, "SCRUB_TIMEOUT", 0.3)
    monkeypatch.setenv("PAS_DATABASE_URL", instance.database_url)
    reader = sqlite3.connect(instance.path / "pas.db", isolation_level=None)
    reader.execute("BEGIN")
    reader.execute("SELECT count(*) FROM escrow_records").fetchone()
    try:
        assert _cli.main(["--instance", str(instance.path), "purge"]) == 2
        err = capsys.readouterr().err
        assert "purged 1 escrow record(s)" in err and "not final" in err
    finally:
        reader.execute("ROLLBACK")
        reader.close()
    # Run again (the timer does, daily): nothing left to purge, but the scrub completes.
    assert _cli.main(["--instance", str(instance.path), "purge"]) == 0
    assert "purged 0" in capsys.readouterr().out


# --- PostgreSQL --------------------------------------------------------------------------------


def _relation_files(app, tables: list[str]) -> list[Path]:  # type: ignore[no-untyped-def]
    """The heap, TOAST and index files of ``tables`` under the data directory."""
    with app.extensions["pas"].db.read() as conn:
        data_dir = Path(conn.execute(sa.text("SHOW data_directory")).scalar_one())
        rels = conn.execute(sa.text(
            "SELECT pg_relation_filepath(c.oid) FROM pg_class c WHERE c.oid IN ("
            " SELECT t.oid FROM pg_class t WHERE t.relname = ANY(:t)"
            " UNION SELECT t.reltoastrelid FROM pg_class t WHERE t.relname = ANY(:t)"
            "   AND t.reltoastrelid <> 0"
            " UNION SELECT i.indexrelid FROM pg_index i JOIN pg_class t ON t.oid = i.indrelid"
            "   WHERE t.relname = ANY(:t))"), {"t": tables}).scalars().all()
        conn.execute(sa.text("CHECKPOINT"))  # shared buffers to the files
    if not os.access(data_dir, os.R_OK | os.X_OK):
        pytest.skip(f"cannot read PostgreSQL's data directory {data_dir}")
    out = []
    for rel in rels:
        base = data_dir / rel
        out += [p for p in base.parent.glob(base.name + "*") if re.fullmatch(
            re.escape(base.name) + r"(\.\d+|_fsm|_vm)?", p.name)]
    return out


def _dead_tuples(app, tables: list[str]) -> dict[str, int]:  # type: ignore[no-untyped-def]
    with app.extensions["pas"].db.read() as conn:
        conn.execute(sa.text("CREATE EXTENSION IF NOT EXISTS pageinspect"))
        out = {}
        for table in tables:
            pages = conn.execute(sa.text(
                "SELECT pg_relation_size(CAST(:t AS regclass)) / current_setting('block_size')::int"
            ), {"t": table}).scalar_one()
            dead = 0
            for page in range(pages):
                dead += conn.execute(sa.text(
                    # Dead: an unused/redirect/dead line pointer, or a deleting xmax. A row
                    # only *locked* (FOR UPDATE: HEAP_XMAX_LOCK_ONLY 0x0080) or whose xmax is
                    # marked invalid (0x0800) is alive.
                    "SELECT count(*) FROM heap_page_items(get_raw_page(:t, :p))"
                    " WHERE lp_flags <> 1 OR t_data IS NOT NULL AND t_xmax <> 0"
                    " AND t_infomask & 2176 = 0"),
                    {"t": table, "p": page}).scalar_one()
            out[table] = dead
        conn.commit()
    return out


ESCROW_TABLES = ["escrow_records", "escrow_keys", "pass_codes", "escrow_requests"]


@pytest.fixture
def neighbours(web) -> tuple[str, str, Identity]:  # type: ignore[no-untyped-def]
    """Another worker's record sealed *before* hers, then hers (number, code, identity).

    Hers lies nearer the start of the heap page than the older row, so a plain VACUUM,
    which only compacts the live rows to the end of the page, leaves her bytes behind in
    the page's free space: the tests see that, ``VACUUM FULL`` does not leave them.
    """
    _issue_sealed(web, _marker_identity())
    identity = _marker_identity()
    number, code = _issue_sealed(web, identity)
    return number, code, identity


def _all_stored(app) -> dict[str, bytes]:  # type: ignore[no-untyped-def]
    with app.extensions["pas"].db.read() as conn:
        numbers = conn.execute(sa.text("SELECT number FROM passes")).scalars().all()
    out: dict[str, bytes] = {}
    for number in numbers:
        out |= {f"{number}:{k}": v for k, v in _stored(app, number).items()}
    return out


@POSTGRES_ONLY
def test_erasure_vacuums_the_tables_on_postgresql(web, client, neighbours) -> None:  # type: ignore[no-untyped-def]
    number, code, _identity = neighbours
    _request_with_reason(web, number)
    everything = _all_stored(web)
    hers = {k: v for k, v in _stored(web, number).items()
            if k.startswith(("escrow_records.", "escrow_keys."))}
    assert _found(_relation_files(web, ESCROW_TABLES), hers)
    _erase(client, number, code)
    # The property: no byte of hers in the table files. (A count of dead tuples was flaky
    # under a parallel suite: other rows' xmax states, not hers, kept it above zero.)
    assert _found(_relation_files(web, ESCROW_TABLES), hers) == [], _dead_tuples(
        web, ["escrow_records", "escrow_keys"])
    # Everyone else's rows are all still there, unchanged (and her code's verifier).
    left = {k: v for k, v in everything.items()
            if not k.startswith((f"{number}:escrow_records.", f"{number}:escrow_keys."))}
    assert _all_stored(web) == left


@POSTGRES_ONLY
def test_purge_vacuums_the_tables_on_postgresql(web, neighbours) -> None:  # type: ignore[no-untyped-def]
    from tokenservice.escrow import retention

    number, _code, _identity = neighbours
    _request_with_reason(web, number)
    stored = _stored(web, number)
    assert _found(_relation_files(web, ESCROW_TABLES), stored)
    _expire(web, number, days_ago=120)
    report = retention.purge(web.extensions["pas"].db, int(time.time()), 90)
    assert report.records == 1
    assert _found(_relation_files(web, ESCROW_TABLES), stored) == [], _dead_tuples(
        web, ESCROW_TABLES)


@POSTGRES_ONLY
def test_vacuum_that_a_lock_blocks_is_reported_then_finished(  # type: ignore[no-untyped-def]
    web, client, neighbours, caplog,
) -> None:
    number, code, _identity = neighbours
    hers = {k: v for k, v in _stored(web, number).items()
            if k.startswith(("escrow_records.", "escrow_keys."))}
    svc = web.extensions["pas"]
    svc.db.scrub_timeout = 0.3
    blocker = sa.create_engine(svc.db.url)
    try:
        with blocker.connect() as conn:  # a long transaction that read the key table
            conn.execute(sa.text("SELECT count(*) FROM escrow_keys")).scalar_one()
            _erase(client, number, code)  # her erasure itself succeeds
            assert any("not final" in r.getMessage() for r in caplog.records
                       if r.name == "tokenservice.store.db")
            assert svc.db.scrub_pending
            conn.rollback()
    finally:
        blocker.dispose()
    _more_commits(web, 1)
    assert not svc.db.scrub_pending
    # The property: no byte of hers in the table files. (A count of dead tuples was flaky
    # under a parallel suite: other rows' xmax states, not hers, kept it above zero.)
    assert _found(_relation_files(web, ESCROW_TABLES), hers) == [], _dead_tuples(
        web, ["escrow_records", "escrow_keys"])


@POSTGRES_ONLY
def test_a_transaction_in_another_database_delays_the_vacuum_not_the_promise(  # type: ignore[no-untyped-def]
    web, client, neighbours, caplog,
) -> None:
    """A transaction open in *another* database of the same server when she erases.

    ``VACUUM FULL`` copies every row its own snapshot may still see, and that snapshot's
    horizon counts transactions in every database of the server (under a parallel suite:
    the other worker creating its test database). Before, the scrub only waited for
    sessions of its own database, ran the VACUUM at once, said "final" and left her
    rows in the table file (the flaky purge/erasure tests above). Now it waits, reports
    the erasure as not final while that transaction runs, and finishes after it ended.
    """
    number, code, _identity = neighbours
    hers = {k: v for k, v in _stored(web, number).items()
            if k.startswith(("escrow_records.", "escrow_keys."))}
    svc = web.extensions["pas"]
    svc.db.scrub_timeout = 0.3
    other = sa.create_engine(sa.make_url(svc.db.url).set(database="postgres"))
    try:
        with other.connect() as conn:  # an older transaction elsewhere, with its own xid
            conn.execute(sa.text("SELECT pg_current_xact_id()")).scalar_one()
            _erase(client, number, code)  # her erasure itself succeeds
            # The promise: what the service calls final is gone from the files.
            left = _found(_relation_files(web, ESCROW_TABLES), hers)
            assert svc.db.scrub_pending or not left, f"said final, yet in the files: {left}"
            assert svc.db.scrub_pending
            assert any("not final" in r.getMessage() for r in caplog.records
                       if r.name == "tokenservice.store.db")
            conn.rollback()
    finally:
        other.dispose()
    _more_commits(web, 1)
    assert not svc.db.scrub_pending
    assert _found(_relation_files(web, ESCROW_TABLES), hers) == [], _dead_tuples(
        web, ["escrow_records", "escrow_keys"])
