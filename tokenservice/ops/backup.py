"""Backups of an instance (``pas-service backup``) and restoring them (``pas-service restore``).

A backup is one ``.tar.gz`` (mode 0600) with a ``manifest.json`` that names every
other member with its size and SHA-256:

* ``database/pas.db``: SQLite, copied with the online backup API
  (:meth:`sqlite3.Connection.backup`), safe while the service runs; or
  ``database/pas.pgdump``: PostgreSQL, ``pg_dump --format=custom`` of an exported
  snapshot, so the row counts in the manifest are those of the dump. Restoring it
  needs ``pg_restore`` (Debian: postgresql-client) of the server's major version or newer.
* the public parts of the keys: ``keys/anchor.pub``, ``keys/trust-list.cose``,
  ``keys/trust.json`` and ``keys/escrow.pub`` when present;
* only with ``with_encrypted_keys``: the issuer key files (``keys/**/*.key`` of kind
  issuer), which are encrypted with their passphrase;
* ``pas.toml`` without ``secret_key``, ``demo_key_passphrase`` and ``database_url``
  (which may hold a database password); issuer logos that live in the instance folder.

Never in a backup: the trust anchor's private key (it is not on the server; if it is,
it is skipped), any passphrase, the escrow key's shares (they exist only on paper),
the secret key, the demo credentials. docs/deployment.md, "Backups".

A restore goes into a new, empty instance folder and an empty database of the same
kind, checks every member against the manifest, checks the row counts, migrates the
schema to this version and writes a fresh secret key.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import io
import json
import os
import re
import secrets
import shutil
import sqlite3
import subprocess
import tarfile
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import sqlalchemy as sa
from sqlalchemy.engine import make_url

import keys
from keys.keyfile import read_public
from tokenservice.config import Settings
from tokenservice.errors import Error
from tokenservice.store import migrate

FORMAT = "pas-backup"
VERSION = 1
MANIFEST = "manifest.json"
SQLITE_MEMBER = "database/pas.db"
PG_MEMBER = "database/pas.pgdump"
#: Public key material copied from keys/ (when present).
PUBLIC_KEY_FILES = ("anchor.pub", "trust-list.cose", "trust.json", "escrow.pub")
#: pas.toml keys that never leave the server in a backup.
REDACTED_TOML_KEYS = ("secret_key", "demo_key_passphrase", "database_url")
NEVER_INCLUDED = (
    "the trust anchor's private key (kept offline; skipped if found on the server)",
    "key passphrases (PAS_KEY_PASSPHRASE, the passphrase file, the anchor's)",
    "the escrow key's shares (paper only, with their holders)",
    "the secret key and database_url of pas.toml (a new secret key is made at restore)",
    "demo credentials (demo-accounts.txt)",
)
_CHUNK = 1024 * 1024
_MAX_MANIFEST = 1024 * 1024
_MEMBER = re.compile(r"(database/pas\.(db|pgdump)|pas\.toml|keys/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*|files/[A-Za-z0-9._-]+(/[A-Za-z0-9._-]+)*)")


class BackupError(Error):
    code = "backup"


@dataclass(frozen=True)
class BackupResult:
    path: Path
    manifest: dict[str, Any]
    skipped: tuple[str, ...] = ()


@dataclass(frozen=True)
class RestoreResult:
    instance: Path
    database_url: str
    revision: str | None
    rows: dict[str, int]
    issuer_keys: int
    notes: tuple[str, ...] = field(default=())


# --- helpers ------------------------------------------------------------------------------


def engine_of(url: str) -> str:
    """``sqlite`` or ``postgresql`` (the only two the service runs on)."""
    name = make_url(url).get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"backups support SQLite and PostgreSQL, not {name}")
    return name


def _sqlite_path(url: str) -> Path:
    database = make_url(url).database
    if not database or database == ":memory:":
        raise BackupError("an in-memory SQLite database cannot be backed up")
    return Path(database)


def libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq connection URI for pg_dump/pg_restore and the environment with the password.

    The password goes into PGPASSWORD, not onto the command line (``ps`` shows that).
    """
    u = make_url(url)
    env = dict(os.environ)
    if u.password:
        env["PGPASSWORD"] = str(u.password)
    plain = sa.URL.create(
        "postgresql", username=u.username, host=u.host, port=u.port, database=u.database,
        query=u.query,
    )
    return plain.render_as_string(hide_password=False), env


def _tool(name: str) -> str:
    path = shutil.which(name)
    if path is None:
        raise BackupError(f"{name} is not installed (Debian: apt-get install postgresql-client)")
    return path


def _sha256(path: Path) -> str:
    h = hashlib.sha256()
    with path.open("rb") as f:
        for chunk in iter(lambda: f.read(_CHUNK), b""):
            h.update(chunk)
    return h.hexdigest()


def _row_counts(conn: sa.Connection) -> tuple[str | None, dict[str, int]]:
    tables = sorted(sa.inspect(conn).get_table_names())
    revision = None
    rows: dict[str, int] = {}
    for table in tables:
        quoted = conn.dialect.identifier_preparer.quote(table)
        if table == "alembic_version":
            revision = conn.exec_driver_sql(f"SELECT version_num FROM {quoted}").scalar()  # noqa: S608
            continue
        rows[table] = int(conn.exec_driver_sql(f"SELECT count(*) FROM {quoted}").scalar() or 0)  # noqa: S608
    return revision, rows


def redact_toml(text: str) -> str:
    """pas.toml without the lines that set a secret or the database URL."""
    pattern = re.compile(rf"^\s*({'|'.join(REDACTED_TOML_KEYS)})\s*=")
    kept = [line for line in text.splitlines() if not pattern.match(line)]
    return "\n".join(kept) + "\n"


@contextmanager
def _private_tmp(near: Path) -> Iterator[Path]:
    """A 0700 scratch folder beside ``near`` (same disk and protection), always removed."""
    tmp = Path(tempfile.mkdtemp(prefix=".pas-backup-", dir=near))
    try:
        yield tmp
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


# --- backup -------------------------------------------------------------------------------


def _dump_sqlite(url: str, target: Path) -> tuple[str | None, dict[str, int]]:
    source = _sqlite_path(url)
    if not source.exists():
        raise BackupError(f"no database at {source}")
    src = sqlite3.connect(source, timeout=30)
    dst = sqlite3.connect(target)
    try:
        src.backup(dst)
        # A self-contained file: not in WAL mode, no free pages left from deleted rows.
        dst.execute("PRAGMA journal_mode=DELETE")
        dst.execute("VACUUM")
    finally:
        dst.close()
        src.close()
    engine = sa.create_engine(f"sqlite:///{target}")
    try:
        with engine.connect() as conn:
            return _row_counts(conn)
    finally:
        engine.dispose()


def _dump_postgres(url: str, target: Path) -> tuple[str | None, dict[str, int]]:
    pg_dump = _tool("pg_dump")
    conninfo, env = libpq(url)
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            conn = conn.execution_options(isolation_level="REPEATABLE READ")
            with conn.begin():
                # pg_dump reads the same snapshot as the counts below.
                snapshot = conn.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                revision, rows = _row_counts(conn)
                done = subprocess.run(
                    [pg_dump, "--format=custom", "--no-owner", "--no-privileges",
                     f"--snapshot={snapshot}", f"--file={target}", "--dbname", conninfo],
                    env=env, capture_output=True, text=True, check=False,
                )
                if done.returncode != 0:
                    raise BackupError(f"pg_dump failed: {done.stderr.strip()[:500]}")
    finally:
        engine.dispose()
    return revision, rows


def _logo_files(settings: Settings) -> list[tuple[Path, str]]:
    """Issuer logos inside the instance folder, with their path relative to it."""
    found = []
    instance = settings.instance_dir.resolve()
    for issuer in settings.issuers.values():
        if issuer.logo is None:
            continue
        path = issuer.logo if issuer.logo.is_absolute() else instance / issuer.logo
        try:
            rel = path.resolve().relative_to(instance)
        except ValueError:
            continue
        if path.is_file():
            found.append((path, rel.as_posix()))
    return found


def _output_path(out: Path, now: int) -> Path:
    if out.is_dir():
        stamp = dt.datetime.fromtimestamp(now, dt.UTC).strftime("%Y%m%dT%H%M%SZ")
        return out / f"pas-backup-{stamp}.tar.gz"
    return out


def backup(
    settings: Settings, out: Path, *, with_encrypted_keys: bool = False, now: int | None = None
) -> BackupResult:
    """Write a backup of the instance to ``out`` (a new file, or a folder for a dated name)."""
    now = int(time.time()) if now is None else now
    path = _output_path(Path(out), now)
    if path.exists():
        raise BackupError(f"{path} exists; backups are never overwritten")
    if not path.parent.is_dir():
        raise BackupError(f"no folder {path.parent}")
    engine = engine_of(settings.database_url)
    files: dict[str, Path] = {}
    skipped: list[str] = []
    with _private_tmp(path.parent) as tmp:
        if engine == "sqlite":
            db_file, member, method = tmp / "pas.db", SQLITE_MEMBER, "sqlite3 online backup API"
            revision, rows = _dump_sqlite(settings.database_url, db_file)
        else:
            db_file, member, method = tmp / "pas.pgdump", PG_MEMBER, "pg_dump --format=custom"
            revision, rows = _dump_postgres(settings.database_url, db_file)
        files[member] = db_file

        keys_dir = settings.keys_dir
        for name in PUBLIC_KEY_FILES:
            if (keys_dir / name).is_file():
                files[f"keys/{name}"] = keys_dir / name
        issuer_keys = 0
        if keys_dir.is_dir():
            for key_path in sorted(keys_dir.rglob("*.key")):
                rel = key_path.relative_to(keys_dir).as_posix()
                try:
                    kind = read_public(key_path).kind
                except keys.Error:
                    skipped.append(f"keys/{rel} (not a readable key file)")
                    continue
                if kind == "anchor":
                    skipped.append(f"keys/{rel}: the trust anchor's private key never goes in a "
                                   "backup, and belongs offline, not on the server")
                elif with_encrypted_keys:
                    files[f"keys/{rel}"] = key_path
                    issuer_keys += 1
        toml = settings.instance_dir / "pas.toml"
        if toml.is_file():
            redacted = tmp / "pas.toml"
            redacted.write_text(redact_toml(toml.read_text()))
            files["pas.toml"] = redacted
        for logo, rel in _logo_files(settings):
            files[f"files/{rel}"] = logo

        for name in files:
            if not _MEMBER.fullmatch(name) or ".." in name.split("/"):
                raise BackupError(f"cannot back up a file named {name!r}")
        manifest: dict[str, Any] = {
            "format": FORMAT,
            "version": VERSION,
            "created": now,
            "created_utc": dt.datetime.fromtimestamp(now, dt.UTC).isoformat(),
            "database": {"engine": engine, "method": method, "file": member,
                         "revision": revision, "rows": rows},
            "with_encrypted_keys": with_encrypted_keys,
            "issuer_keys": issuer_keys,
            "files": {name: {"size": p.stat().st_size, "sha256": _sha256(p)}
                      for name, p in sorted(files.items())},
            "never_included": list(NEVER_INCLUDED),
        }
        _write_archive(path, manifest, files, now)
    return BackupResult(path, manifest, tuple(skipped))


def _write_archive(path: Path, manifest: dict[str, Any], files: dict[str, Path], now: int) -> None:
    def info(name: str, size: int) -> tarfile.TarInfo:
        ti = tarfile.TarInfo(name)
        ti.size, ti.mtime, ti.mode = size, now, 0o600
        ti.uid = ti.gid = 0
        ti.uname = ti.gname = ""
        return ti

    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as raw, tarfile.open(fileobj=raw, mode="w:gz") as tar:
            data = (json.dumps(manifest, indent=2, sort_keys=True) + "\n").encode()
            tar.addfile(info(MANIFEST, len(data)), io.BytesIO(data))
            for name, source in sorted(files.items()):
                with source.open("rb") as f:
                    tar.addfile(info(name, manifest["files"][name]["size"]), f)
            raw.flush()
            os.fsync(raw.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


# --- restore ------------------------------------------------------------------------------


def read_manifest(archive: Path) -> dict[str, Any]:
    """The manifest of a backup (checked for format and version only)."""
    with tarfile.open(archive, mode="r:gz") as tar:
        return _manifest(tar)


def _manifest(tar: tarfile.TarFile) -> dict[str, Any]:
    first = tar.next()
    if first is None or first.name != MANIFEST or not first.isfile() or first.size > _MAX_MANIFEST:
        raise BackupError("not a pas-service backup (no manifest.json first)")
    f = tar.extractfile(first)
    assert f is not None
    try:
        manifest = json.loads(f.read())
    except ValueError:
        raise BackupError("the backup's manifest.json is not JSON") from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BackupError("not a pas-service backup")
    if manifest.get("version") != VERSION:
        raise BackupError(f"backup format version {manifest.get('version')} is not supported here")
    return manifest


def _copy_checked(src: IO[bytes], dest: Path, expect: dict[str, Any], mode: int) -> None:
    h = hashlib.sha256()
    size = 0
    fd = os.open(dest, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    with os.fdopen(fd, "wb") as out:
        for chunk in iter(lambda: src.read(_CHUNK), b""):
            h.update(chunk)
            size += len(chunk)
            out.write(chunk)
    if size != expect.get("size") or h.hexdigest() != expect.get("sha256"):
        raise BackupError(f"{dest.name} in the backup does not match its manifest entry (damaged?)")


def _empty_instance(instance: Path) -> None:
    if instance.exists():
        if not instance.is_dir() or any(instance.iterdir()):
            raise BackupError(f"{instance} is not empty: restore only into a new, empty folder")
    instance.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(instance, 0o700)


def _known_revision(revision: str | None) -> None:
    from alembic.script import ScriptDirectory

    if revision is None:
        return
    script = ScriptDirectory.from_config(migrate.alembic_config("sqlite://"))
    if script.get_revision(revision) is None:  # pragma: no cover - get_revision raises
        raise BackupError(f"schema {revision} is unknown")


def _check_revision(revision: str | None) -> None:
    try:
        _known_revision(revision)
    except Exception:
        raise BackupError(
            f"the backup's database schema {revision} is newer than this pas-service knows: "
            "restore with the version that made it"
        ) from None


def _restore_sqlite(dump: Path, url: str) -> None:
    target = _sqlite_path(url)
    if target.exists() and target.stat().st_size > 0:
        raise BackupError(f"{target} exists: restore only into a new database")
    target.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    target.unlink(missing_ok=True)
    shutil.copyfile(dump, target)
    os.chmod(target, 0o600)
    con = sqlite3.connect(target)
    try:
        if con.execute("PRAGMA quick_check").fetchone()[0] != "ok":
            raise BackupError("the SQLite database in the backup is damaged")
    finally:
        con.close()


def _restore_postgres(dump: Path, url: str) -> None:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            tables = sa.inspect(conn).get_table_names()
    finally:
        engine.dispose()
    if tables:
        raise BackupError("the target PostgreSQL database is not empty: create a new one "
                          "(createdb -O pas pas_restored)")
    pg_restore = _tool("pg_restore")
    conninfo, env = libpq(url)
    done = subprocess.run(
        [pg_restore, "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction",
         "--dbname", conninfo, str(dump)],
        env=env, capture_output=True, text=True, check=False,
    )
    if done.returncode != 0:
        raise BackupError(f"pg_restore failed: {done.stderr.strip()[:500]}")


def _toml_text(redacted: str | None, database_url: str | None) -> str:
    head = [
        "# Restored from a backup; a new secret key was made (sessions from before end).",
        f'secret_key = "{secrets.token_hex(32)}"',
    ]
    if database_url is not None:
        head.append(f"database_url = {json.dumps(database_url)}")
    return "\n".join(head) + "\n" + (redacted or "")


def restore(archive: Path, instance: Path, *, database_url: str | None = None) -> RestoreResult:
    """Restore ``archive`` into the new, empty folder ``instance`` and an empty database.

    ``database_url`` defaults to SQLite in the instance folder (then it is not written
    into pas.toml); it must be of the same kind as the backed-up database.
    """
    archive, instance = Path(archive), Path(instance).resolve()
    if not archive.is_file():
        raise BackupError(f"no backup at {archive}")
    created = not instance.exists()
    _empty_instance(instance)
    url = database_url or f"sqlite:///{instance / 'pas.db'}"
    sqlite_target = _sqlite_path(url) if engine_of(url) == "sqlite" else None
    fresh_target = sqlite_target is not None and not sqlite_target.exists()
    try:
        return _restore(archive, instance, url, database_url)
    except BaseException:
        # Leave nothing half-restored behind: what this call made goes again.
        if sqlite_target is not None and fresh_target:
            for suffix in ("", "-wal", "-shm", "-journal"):
                Path(f"{sqlite_target}{suffix}").unlink(missing_ok=True)
        if instance.is_dir():
            for child in instance.iterdir():
                if child.is_dir():
                    shutil.rmtree(child, ignore_errors=True)
                else:
                    child.unlink(missing_ok=True)
            if created:
                instance.rmdir()
        raise


def _restore(archive: Path, instance: Path, url: str, database_url: str | None) -> RestoreResult:
    with tarfile.open(archive, mode="r:gz") as tar:
        manifest = _manifest(tar)
        db = manifest.get("database") or {}
        files: dict[str, Any] = manifest.get("files") or {}
        if db.get("engine") != engine_of(url):
            raise BackupError(
                f"this backup holds a {db.get('engine')} database; restore it into "
                f"{db.get('engine')} (--database-url), not {engine_of(url)}"
            )
        _check_revision(db.get("revision"))
        for name in files:
            if not _MEMBER.fullmatch(name) or ".." in name.split("/"):
                raise BackupError(f"the backup names an unexpected file {name!r}")
        keys_dir = instance / "keys"
        keys_dir.mkdir(mode=0o700, exist_ok=True)
        seen: set[str] = set()
        redacted: str | None = None
        issuer_keys = 0
        with _private_tmp(instance) as tmp:
            dump: Path | None = None
            for member in tar:
                name = member.name
                if name == MANIFEST and MANIFEST not in seen:
                    seen.add(MANIFEST)  # read above
                    continue
                if name not in files or name in seen or not member.isfile():
                    raise BackupError(f"unexpected member {name!r} in the backup")
                seen.add(name)
                src = tar.extractfile(member)
                assert src is not None
                if name.startswith("database/"):
                    dump = tmp / Path(name).name
                    _copy_checked(src, dump, files[name], 0o600)
                elif name == "pas.toml":
                    _copy_checked(src, tmp / "pas.toml", files[name], 0o600)
                    redacted = (tmp / "pas.toml").read_text()
                else:
                    top, rel = name.split("/", 1)
                    dest = (keys_dir if top == "keys" else instance) / rel
                    dest.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
                    secret = name.endswith(".key")
                    _copy_checked(src, dest, files[name], 0o600 if secret else 0o644)
                    issuer_keys += secret
            missing = set(files) - seen - {MANIFEST}
            if missing or dump is None:
                raise BackupError(f"the backup is incomplete (missing {', '.join(sorted(missing))})")
            if db.get("file") != f"database/{dump.name}":
                raise BackupError("the backup's database file does not match its manifest")
            if db["engine"] == "sqlite":
                _restore_sqlite(dump, url)
            else:
                _restore_postgres(dump, url)
        toml = instance / "pas.toml"
        fd = os.open(toml, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(_toml_text(redacted, database_url))

    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            revision, rows = _row_counts(conn)
    finally:
        engine.dispose()
    expected = db.get("rows") or {}
    if revision != db.get("revision") or rows != expected:
        differ = sorted(t for t in set(rows) | set(expected) if rows.get(t) != expected.get(t))
        raise BackupError(f"restored database differs from the backup's manifest ({', '.join(differ) or 'schema'})")
    migrate.upgrade(url)
    bumped = _bump_revocation_seqs(url, int(time.time()))
    notes = []
    if issuer_keys == 0:
        notes.append("no issuer key files in this backup: copy them into keys/ "
                     "(from the key ceremony's USB stick) before issuing")
    notes.append("give the service its key passphrase (PAS_KEY_PASSPHRASE_FILE) and check "
                 "pas.toml; erasures and revocations made after the backup are not in it")
    if bumped:
        notes.append(f"the revocation lists of {', '.join(bumped)} are re-signed at the first "
                     "request with a seq above any published before the restore")
    return RestoreResult(instance, url, revision, rows, issuer_keys, tuple(notes))


def _bump_revocation_seqs(url: str, now: int) -> list[str]:
    """Lift each revocation list's seq to at least ``now`` and mark it for re-signing.

    Lists published after the backup was made carry higher seqs than the backup
    knows; verifiers that saw them would refuse the restored service's next lists as
    a rollback. A Unix time is higher than any seq this service counts up to, so the
    next list (seq + 1, signed at the first request) is accepted everywhere.
    """
    from tokenservice.store.models import RevocationListRecord

    engine = sa.create_engine(url)
    try:
        with engine.begin() as conn:
            table = sa.Table(RevocationListRecord.__tablename__, sa.MetaData(),
                             autoload_with=conn)
            issuers = sorted(conn.execute(sa.select(table.c.iss)).scalars())
            conn.execute(
                sa.update(table).values(
                    seq=sa.case((table.c.seq < now, now), else_=table.c.seq), exp=0
                )
            )
    finally:
        engine.dispose()
    return issuers
