"""Fixtures shared by the service's tests."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def no_disk_writes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Fail any attempt to open a file for writing or make a temp file; also point the
    temp dir at an empty folder and check it stays empty."""
    import builtins
    import os
    import tempfile

    real_open, real_os_open = builtins.open, os.open

    def guarded_open(file: object, mode: str = "r", *a: object, **k: object) -> object:
        if any(c in mode for c in "wax+"):
            raise AssertionError(f"write to disk: {file!r}")
        return real_open(file, mode, *a, **k)  # type: ignore[call-overload]

    def guarded_os_open(path: object, flags: int, *a: object, **k: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise AssertionError(f"write to disk: {path!r}")
        return real_os_open(path, flags, *a, **k)  # type: ignore[arg-type]

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("temporary file")

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    for name in (
        "mkstemp",
        "mkdtemp",
        "NamedTemporaryFile",
        "TemporaryFile",
        "SpooledTemporaryFile",
        "TemporaryDirectory",
    ):
        monkeypatch.setattr(tempfile, name, refuse)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield None
    assert list(tmp_path.iterdir()) == []


@pytest.fixture
def clock(monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """The time auth.py sees, moved by hand (tests.support.service.Clock)."""
    from tests.support.service import Clock
    from tokenservice.web import auth

    c = Clock()
    monkeypatch.setattr(auth, "_now", lambda: c.now)
    return c


# --- policy escrow: the handhaver team's key and a worker with a sealed record -----------------


@pytest.fixture
def escrow_app(instance):  # type: ignore[no-untyped-def]
    """The demo of `pas-service init --demo`: policy escrow with a 2-of-3 team key.

    A module whose tests all run under policy escrow overrides ``app`` with it.
    """
    from tokenservice.ops.instance import init_instance
    from tokenservice.web.app import create_app

    init_instance(instance.path, demo=True, database_url=instance.database_url, migrate_db=False,
                  demo_escrow=True)
    flask_app = create_app(instance.settings())
    flask_app.config.update(TESTING=True)
    yield flask_app
    flask_app.extensions["pas"].db.dispose()


@pytest.fixture(scope="session")
def team():  # type: ignore[no-untyped-def]
    """A 2-of-3 handhaver team key (its public half goes to keys/escrow.pub)."""
    from keys import escrow as keys_escrow

    return keys_escrow.create_team_key(2, 3)


@pytest.fixture
def web(app, instance, team):  # type: ignore[no-untyped-def]
    """The app with the team's public key in place: policy escrow can seal."""
    from keys import escrow as keys_escrow

    (instance.path / "keys" / "escrow.pub").write_text(keys_escrow.format_public_file(team, created=0))
    return app


@pytest.fixture
def holder(web):  # type: ignore[no-untyped-def]
    """A pass with a sealed record of Anna Kowalska: (number, code)."""
    import time

    from tokenservice import escrow
    from tokenservice.issue.passes import Official

    intake = Official("intake", "intake")
    anna = escrow.Identity(given_names="Anna", family_name="Kowalska", birth_date="1994-07-13",
                           id_document_number="NX7Q4R2K9", bsn="123456782")
    svc = web.extensions["pas"]
    number = svc.passes.issue(iss="GM9999", category="raam",
                              photo=b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes",
                              photo_type="image/webp", official=intake).number
    with svc.db.transaction() as s:
        code = escrow.seal_identity(s, escrow.config_for(svc.settings), pass_number=number,
                                    identity=anna, consent=True, policy="escrow",
                                    now=int(time.time()), official=intake)
    return number, code
