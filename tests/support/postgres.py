"""The test PostgreSQL server (127.0.0.1:5432, trust auth, database ``test``) and the rule
for tests that need it: under CI=true a missing server fails the run, elsewhere it skips."""

from __future__ import annotations

import os
import socket

import pytest

PG_HOST = os.environ.get("PAS_TEST_PG_HOST", "127.0.0.1")
PG_PORT = int(os.environ.get("PAS_TEST_PG_PORT", "5432"))
PG_ADMIN_URL = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/test"


def reachable() -> bool:
    try:
        with socket.create_connection((PG_HOST, PG_PORT), timeout=1):
            return True
    except OSError:
        return False


def require_postgres() -> None:
    if reachable():
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but no PostgreSQL server at {PG_HOST}:{PG_PORT}")
    pytest.skip(f"no PostgreSQL server at {PG_HOST}:{PG_PORT} (these tests run under CI=true)")
