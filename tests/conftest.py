"""Shared fixtures: instances of the service on SQLite and on PostgreSQL.

PostgreSQL tests use the server on 127.0.0.1:5432 (trust auth). Without a server
they skip with a reason, except under CI=true, where they fail: CI must test both.
"""

from __future__ import annotations

import os
import shutil
import socket
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest

PG_HOST = os.environ.get("PAS_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PAS_TEST_PG_PORT", "5432"))
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test"
FIXTURES = Path(__file__).parent / "fixtures"

# Tests make many keys: use libsodium's interactive argon2id limits, not the production ones.
os.environ.setdefault("PAS_KDF_LIMITS", "interactive")


def _pg_reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if _pg_reachable():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but no PostgreSQL server at {PG_HOST}:{PG_PORT}")
    pytest.skip(f"no PostgreSQL server at {PG_HOST}:{PG_PORT} (these tests run under CI=true)")


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
    """Each storage test runs twice: on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'instance' / 'pas.db'}"
    url: str = request.getfixturevalue("pg_database")
    return url


@pytest.fixture(scope="session")
def demo_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """Demo keys and pas.toml made once per session; each test copies them."""
    from tokenservice.setup import init_instance

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
def instance(tmp_path: Path, database_url: str, demo_template: Path) -> Instance:
    from tokenservice.setup import init_instance

    path = tmp_path / "instance"
    path.mkdir(exist_ok=True, mode=0o700)
    shutil.copy2(demo_template / "pas.toml", path / "pas.toml")
    shutil.copytree(demo_template / "keys", path / "keys")
    made = init_instance(path, demo=True, database_url=database_url)
    return Instance(path, database_url, {a.username: (a.password, a.totp_secret) for a in made})


@pytest.fixture
def app(instance: Instance):  # type: ignore[no-untyped-def]
    from tokenservice.app import create_app

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
