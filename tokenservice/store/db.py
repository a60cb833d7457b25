"""Database engine and sessions (SQLAlchemy 2.0, no Flask extension).

SQLite in the instance folder is the embedded default (WAL, foreign keys on);
PostgreSQL is used through ``PAS_DATABASE_URL``.

Erasure is final (docs/adr/0014): a transaction that deletes or overwrites rows of the
:data:`PERSONAL_TABLES` is followed, once committed, by :meth:`Database.scrub`, which
removes the old bytes from every file the database writes: on SQLite every connection
zeroes what it deletes (``secure_delete``) and the scrub truncates the write-ahead log
(``wal_checkpoint(TRUNCATE)``); on PostgreSQL it rewrites the tables (``VACUUM FULL``).
"""

from __future__ import annotations

import logging
import sqlite3
import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from typing import Any

import sqlalchemy as sa
from sqlalchemy.orm import DeclarativeBase, ORMExecuteState, Session, sessionmaker

from tokenservice.errors import Error

log = logging.getLogger(__name__)

#: Tables holding a worker's sealed record, what opens it, or sealed free text about her.
#: A DELETE or UPDATE of one of them makes its transaction scrub after the commit.
PERSONAL_TABLES = frozenset({"escrow_records", "escrow_keys", "pass_codes", "escrow_requests"})

#: How long one scrub waits, in all, for other connections (readers holding the SQLite
#: WAL, or locks on the PostgreSQL tables) before it reports that it could not finish.
SCRUB_TIMEOUT = 10.0

#: After a scrub that could not finish, this process tries again after each of its next
#: transactions, waiting at most this long (seconds) so that work is not held up.
SCRUB_RETRY_WAIT = 0.1

_TOUCHED = "pas_personal_tables_touched"


class ErasureNotFinal(Error):
    """Deleted personal rows may still be in the database's files (a scrub could not finish)."""

    code = "erasure_not_final"


class Base(DeclarativeBase):
    metadata = sa.MetaData(
        naming_convention={
            "ix": "ix_%(column_0_label)s",
            "uq": "uq_%(table_name)s_%(column_0_name)s",
            "ck": "ck_%(table_name)s_%(constraint_name)s",
            "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
            "pk": "pk_%(table_name)s",
        }
    )


def _sqlite_pragmas(dbapi_connection: Any, _record: Any) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=10000")
    # Deleted rows must not linger in free pages of the file (purge, erasure): SQLite
    # overwrites deleted cells and freed pages with zeros. Database.scrub then truncates
    # the WAL, whose older frames still hold the rows as they were.
    cursor.execute("PRAGMA secure_delete=ON")
    # Sorts and temporary tables stay in memory: no temp file ever holds a row.
    cursor.execute("PRAGMA temp_store=MEMORY")
    cursor.close()


def _table_name(statement: Any) -> str | None:
    table = getattr(statement, "table", None)
    return getattr(table, "name", None)


def _note_statement(state: ORMExecuteState) -> None:
    """``session.execute(sa.delete(...))`` / ``sa.update(...)`` on a personal table."""
    if state.is_delete or state.is_update:
        name = _table_name(state.statement)
        if name in PERSONAL_TABLES:
            state.session.info.setdefault(_TOUCHED, set()).add(name)


def _overwrites_bytes(obj: Any) -> bool:
    """Whether a flush of ``obj`` replaces a stored binary value (a sealed field)."""
    state = sa.inspect(obj)
    for attr in state.mapper.column_attrs:
        if isinstance(attr.columns[0].type, sa.LargeBinary):
            if any(old is not None for old in state.attrs[attr.key].history.deleted):
                return True
    return False


def _note_flush(session: Session, _context: Any) -> None:
    """ORM deletes (``session.delete(obj)``) and overwritten binary values of personal rows."""
    for obj in list(session.deleted) + list(session.dirty):
        name = getattr(sa.inspect(obj).mapper.local_table, "name", None)
        if name in PERSONAL_TABLES and (obj in session.deleted or _overwrites_bytes(obj)):
            session.info.setdefault(_TOUCHED, set()).add(name)


def make_engine(url: str, *, immediate: bool = True) -> sa.Engine:
    """An engine for ``url``. On SQLite, ``immediate`` transactions take the write lock at
    BEGIN; read-only work passes ``immediate=False`` so it never queues behind a writer."""
    if url.startswith("sqlite"):
        engine = sa.create_engine(url, connect_args={"timeout": 10})
        sa.event.listen(engine, "connect", _sqlite_pragmas)
        # pysqlite's own transaction handling defers BEGIN; take the write lock up front
        # so concurrent issuance serialises instead of failing with "database is locked".
        begin = "BEGIN IMMEDIATE" if immediate else "BEGIN"
        sa.event.listen(engine, "begin", lambda conn: conn.exec_driver_sql(begin))

        @sa.event.listens_for(engine, "connect")
        def _no_autobegin(dbapi_connection: Any, _record: Any) -> None:
            dbapi_connection.isolation_level = None

        return engine
    return sa.create_engine(url, pool_pre_ping=True)


class Database:
    """One engine and its session factory."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.engine = make_engine(url)
        self.sessions = sessionmaker(self.engine, expire_on_commit=False)
        sa.event.listen(self.sessions, "do_orm_execute", _note_statement)
        sa.event.listen(self.sessions, "after_flush", _note_flush)
        self.scrub_timeout = SCRUB_TIMEOUT
        #: A scrub could not finish; the next transaction of this process (or the daily
        #: ``pas-service purge``, which always scrubs) tries again.
        self.scrub_pending: frozenset[str] = frozenset()
        # Public, read-only requests (the published lists) must not wait for SQLite's write
        # lock while the spreekuur issues a pass; WAL lets them read alongside the writer.
        self._read_engine = (
            make_engine(url, immediate=False) if url.startswith("sqlite") else self.engine
        )

    @contextmanager
    def read(self) -> Iterator[sa.Connection]:
        """A connection for a read-only look; it never takes the write lock."""
        with self._read_engine.connect() as connection:
            yield connection

    @contextmanager
    def transaction(self) -> Iterator[Session]:
        """A session whose work commits together or not at all.

        If it deleted or overwrote personal rows, :meth:`scrub` follows the commit (once
        the session's connection is back in the pool), so the erasure is final when the
        ``with`` block is left.
        """
        with self.sessions() as session:
            try:
                with session.begin():
                    yield session
            finally:
                touched = frozenset(session.info.pop(_TOUCHED, ()))
        if touched:
            self.scrub(touched)
        elif self.scrub_pending:
            self.scrub(self.scrub_pending, wait=SCRUB_RETRY_WAIT)

    def scrub(self, tables: Iterable[str] = PERSONAL_TABLES, *, wait: float | None = None) -> bool:
        """Make committed deletions from ``tables`` final in every file the database writes.

        ``tables`` defaults to the personal tables; other tables of the schema may be named
        too (on SQLite the scrub covers the whole file anyway).

        SQLite: checkpoint the WAL into the database file (where ``secure_delete`` has
        zeroed the deleted rows) and truncate it to zero bytes. PostgreSQL: ``VACUUM FULL``
        the tables, which rewrites them without the dead rows. Waits up to ``wait``
        (default :attr:`scrub_timeout`) seconds for other connections; if that is not
        enough, logs an error, keeps :attr:`scrub_pending` set and returns False (it is
        retried after this process's later transactions and by every ``pas-service
        purge``). Idempotent.
        """
        wait = self.scrub_timeout if wait is None else wait
        wanted = frozenset(tables) | self.scrub_pending
        unknown = wanted - PERSONAL_TABLES - set(Base.metadata.tables)
        if unknown:
            raise ValueError(f"not a table of this database: {sorted(unknown)}")
        started = time.monotonic()
        try:
            if self.engine.dialect.name == "sqlite":
                problem = self._truncate_wal(started + wait)
            elif self.engine.dialect.name == "postgresql":
                problem = self._vacuum(sorted(wanted), started + wait)
            else:  # pragma: no cover - only the two are supported
                problem = f"no scrub for {self.engine.dialect.name}"
        except sa.exc.DBAPIError as exc:
            problem = f"{type(exc.orig).__name__}: {exc.orig}"
        except sqlite3.Error as exc:
            problem = f"{type(exc).__name__}: {exc}"
        if problem is None:
            if self.scrub_pending:
                log.info("erasure is final now (scrub of %s finished)", ", ".join(sorted(wanted)))
            self.scrub_pending = frozenset()
            log.debug("scrubbed %s in %.3f s", ", ".join(sorted(wanted)),
                      time.monotonic() - started)
            return True
        report = log.debug if self.scrub_pending else log.error  # once, not at every retry
        self.scrub_pending = wanted
        report("erasure is not final yet: deleted rows of %s may still be in the database's "
               "files (%s); retried after the next transaction and by pas-service purge",
               ", ".join(sorted(wanted)), problem)
        return False

    def _truncate_wal(self, deadline: float) -> str | None:
        """``wal_checkpoint(TRUNCATE)`` until it completes or ``deadline`` passes."""
        raw = self.engine.raw_connection()
        try:
            cursor = raw.cursor()
            try:
                result: tuple[int, int, int] | None = None
                while True:
                    left = max(deadline - time.monotonic(), 0.0)
                    # The checkpoint calls the busy handler while readers still use the
                    # WAL (or a writer holds it): wait for them, but only until deadline.
                    cursor.execute(f"PRAGMA busy_timeout={int(left * 1000)}")
                    try:
                        result = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    except sqlite3.OperationalError as exc:  # locked by this very process
                        result = None
                        if time.monotonic() >= deadline:
                            return f"checkpoint: {exc}"
                    if result is not None and result[0] == 0:
                        return None
                    if time.monotonic() >= deadline:
                        return ("checkpoint busy: another connection still reads from "
                                f"the WAL (busy, log, checkpointed = {result})")
                    time.sleep(0.05)
            finally:
                cursor.execute("PRAGMA busy_timeout=10000")
                cursor.close()
        finally:
            raw.close()

    def _vacuum(self, tables: list[str], deadline: float) -> str | None:
        """``VACUUM FULL`` (outside any transaction) once no snapshot can see the deleted rows.

        ``VACUUM FULL`` keeps, without an error, dead rows that a transaction still open in
        this database could see, and rows its own snapshot could see; that snapshot's
        horizon is the oldest transaction still running in *any* database of the server.
        So first wait until every other session's snapshot here is newer than a
        transaction id taken after the deletion committed, and until no transaction older
        than that id runs anywhere on the server (``pg_current_snapshot``'s xmin; needs no
        privilege on the other databases). Locks are waited for until ``deadline`` too
        (``lock_timeout``).
        """
        with self.engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
            mark = conn.exec_driver_sql("SELECT pg_current_xact_id()::text").scalar_one()
            while True:
                older = conn.exec_driver_sql(
                    "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database()"
                    " AND pid <> pg_backend_pid() AND (age(backend_xmin) > age(%(m)s::xid8::xid)"
                    " OR age(backend_xid) > age(%(m)s::xid8::xid))", {"m": mark},
                ).scalar_one()
                running = conn.exec_driver_sql(
                    "SELECT pg_snapshot_xmin(pg_current_snapshot()) <= %(m)s::xid8", {"m": mark},
                ).scalar_one()
                if not older and not running:
                    break
                if time.monotonic() >= deadline:
                    if older:
                        return (f"{older} other session(s) still hold a snapshot from before "
                                "the deletion")
                    return ("a transaction that began before the deletion still runs on the "
                            "database server (another database's, perhaps)")
                time.sleep(0.05)
            timeout_ms = max(int((deadline - time.monotonic()) * 1000), 1)
            quoted = ", ".join(f'"{name}"' for name in tables)
            conn.exec_driver_sql(f"SET lock_timeout = {timeout_ms}")
            try:
                conn.exec_driver_sql(f"VACUUM FULL {quoted}")
            finally:
                conn.exec_driver_sql("RESET lock_timeout")
        return None

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not self.engine:
            self._read_engine.dispose()
