"""Alembic's head must be exactly the models' schema (SecureDrop's discipline)."""

from __future__ import annotations

import sqlalchemy as sa
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext

from tokenservice.store import migrate
from tokenservice.store.db import Base, make_engine


def _diff(url: str) -> list[object]:
    engine = make_engine(url)
    try:
        with engine.connect() as conn:
            context = MigrationContext.configure(conn, opts={"compare_type": True})
            return list(compare_metadata(context, Base.metadata))
    finally:
        engine.dispose()


def test_upgrade_head_gives_exactly_the_models_schema(database_url: str, tmp_path) -> None:
    (tmp_path / "instance").mkdir(exist_ok=True)
    migrate.upgrade(database_url)
    assert _diff(database_url) == []


def test_every_revision_downgrades_and_upgrades_again(database_url: str, tmp_path) -> None:
    (tmp_path / "instance").mkdir(exist_ok=True)
    migrate.upgrade(database_url)
    migrate.downgrade(database_url, "base")
    engine = make_engine(database_url)
    try:
        tables = set(sa.inspect(engine).get_table_names()) - {"alembic_version"}
    finally:
        engine.dispose()
    assert tables == set()
    migrate.upgrade(database_url)
    assert _diff(database_url) == []
