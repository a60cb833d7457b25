"""Shared fixtures: instances of the service on SQLite and on PostgreSQL.

PostgreSQL tests use the server on 127.0.0.1:5432 (trust auth). Without a server
they skip with a reason, except under CI=true, where they fail: CI must test both.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.support.postgres import PG_ADMIN_URL, PG_HOST, PG_PORT, require_postgres

FIXTURES = Path(__file__).parent / "fixtures"

# Tests make many keys: use libsodium's interactive argon2id limits, not the production ones.
os.environ.setdefault("PAS_KDF_LIMITS", "interactive")


@pytest.fixture(autouse=True, scope="session")
def _cheap_password_hashing() -> Iterator[None]:
    """Every test instance hashes three demo passwords: use cheap argon2id parameters.

    Verification reads the parameters from the stored hash, so behaviour is unchanged.
    """
    from argon2 import PasswordHasher

    from tokenservice.access import accounts

    original = accounts._hasher
    accounts._hasher = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
    yield
    accounts._hasher = original


@pytest.fixture
def pg_database() -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test, dropped afterwards."""
    require_postgres()
    import sqlalchemy as sa

    name = f"pas_test_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    try:
        yield f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """An empty database; each storage test runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'instance' / 'pas.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test instead of migrating again."""
    from tokenservice.store import migrate

    path = tmp_path_factory.mktemp("sqlite-template") / "pas.db"
    migrate.upgrade(f"sqlite:///{path}")
    return path


@pytest.fixture(scope="session")
def pg_template() -> Iterator[str]:
    """A migrated PostgreSQL database that per-test databases are cloned from."""
    require_postgres()
    import sqlalchemy as sa

    from tokenservice.store import migrate

    name = f"pas_tpl_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
    migrate.upgrade(f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}")
    try:
        yield name
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
        admin.dispose()


@pytest.fixture(params=["sqlite", pytest.param("postgresql", marks=pytest.mark.postgres)])
def migrated_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database at the current schema, on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        target = tmp_path / "instance" / "pas.db"
        target.parent.mkdir(exist_ok=True, mode=0o700)
        shutil.copy2(request.getfixturevalue("sqlite_template"), target)
        yield f"sqlite:///{target}"
        return
    import sqlalchemy as sa

    # One migrated database per test worker, emptied before each test: creating and
    # dropping a database per test costs seconds of checkpoints on PostgreSQL.
    name = request.getfixturevalue("pg_template")
    url = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{name}"
    engine = sa.create_engine(url)
    with engine.begin() as conn:
        tables = [
            t for t in sa.inspect(conn).get_table_names() if t != "alembic_version"
        ]
        if tables:
            quoted = ", ".join(f'"{t}"' for t in tables)
            conn.exec_driver_sql(f"TRUNCATE {quoted} RESTART IDENTITY CASCADE")
    engine.dispose()
    yield url


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo keys and pas.toml made once per session; each test copies them."""
    from tokenservice.ops.instance import init_instance

    path = tmp_path_factory.mktemp("template") / "instance"
    init_instance(path, demo=True)
    return path


class Instance:
    """A demo instance folder with its accounts' credentials."""

    def __init__(self, path: Path, database_url: str, accounts: dict[str, tuple[str, str]]) -> None:
        self.path = path
        self.database_url = database_url
        self.accounts = accounts  # username -> (password, totp secret)

    def settings(self, **overrides: object):  # type: ignore[no-untyped-def]
        from tokenservice import config

        return config.load(
            env={}, instance_dir=self.path, database_url=self.database_url,
            secure_cookies=False, **overrides,
        )

    def totp(self, username: str) -> str:
        import pyotp

        return pyotp.TOTP(self.accounts[username][1]).now()


@pytest.fixture
def instance(tmp_path: Path, migrated_database_url: str, demo_template: Path) -> Instance:
    from tokenservice.ops.instance import init_instance

    path = tmp_path / "instance"
    path.mkdir(exist_ok=True, mode=0o700)
    shutil.copy2(demo_template / "pas.toml", path / "pas.toml")
    shutil.copytree(demo_template / "keys", path / "keys")
    made = init_instance(path, demo=True, database_url=migrated_database_url, migrate_db=False)
    return Instance(
        path, migrated_database_url, {a.username: (a.password, a.totp_secret) for a in made}
    )


@pytest.fixture
def app(instance: Instance):  # type: ignore[no-untyped-def]
    from tokenservice.web.app import create_app

    flask_app = create_app(instance.settings())
    flask_app.config.update(TESTING=True)
    yield flask_app
    flask_app.extensions["pas"].db.dispose()


@pytest.fixture
def client(app):  # type: ignore[no-untyped-def]
    return app.test_client()


@pytest.fixture
def runner(app):  # type: ignore[no-untyped-def]
    return app.test_cli_runner()
