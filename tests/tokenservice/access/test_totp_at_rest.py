"""Issue 12, finding 7 (part): officials' TOTP secrets are sealed at rest.

The key is ``instance/totp.key``, never the database: a copy of the database (a stolen
disk, a backup) holds only ciphertext. Rows written before migration 0005 are sealed at
the next start-up, once. docs/adr/0013.

Every test runs on SQLite and PostgreSQL (the ``instance`` fixture) unless marked.
"""

from __future__ import annotations

import html
import re
import tarfile
from pathlib import Path

import pyotp
import pytest
import sqlalchemy as sa

from tests.support.service import csrf_token, password_login
from tokenservice.access import accounts
from tokenservice.ops import backup
from tokenservice.web.app import create_app

SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


def _rows_as_text(url: str) -> str:
    engine = sa.create_engine(url)
    try:
        with engine.connect() as conn:
            rows = conn.execute(sa.text("SELECT * FROM accounts")).all()
    finally:
        engine.dispose()
    return "\n".join(" ".join(repr(v) for v in row) for row in rows)


def _secrets(instance) -> list[str]:  # type: ignore[no-untyped-def]
    assert instance.accounts, "the demo made no accounts"
    return [secret for _password, secret in instance.accounts.values()]


def test_no_totp_secret_in_the_database_or_in_a_backup(app, instance, tmp_path) -> None:
    text = _rows_as_text(instance.database_url)
    for secret in _secrets(instance):
        assert secret not in text
    if instance.database_url.startswith("sqlite"):
        files = sorted(Path(instance.database_url.removeprefix("sqlite:///")).parent.glob("pas.db*"))
        blob = b"".join(p.read_bytes() for p in files)
        for secret in _secrets(instance):
            assert secret.encode() not in blob
    result = backup.backup(instance.settings(), tmp_path / "b.tar.gz", with_encrypted_keys=True)
    with tarfile.open(result.path) as tar:
        members = {m.name: tar.extractfile(m).read() for m in tar.getmembers() if m.isfile()}
    blob = b"\n".join(members.values())
    if instance.database_url.startswith("sqlite"):
        for secret in _secrets(instance):
            assert secret.encode() not in blob
    assert not any(name.endswith("totp.key") for name in members)
    key = (instance.path / "totp.key").read_bytes()
    assert key not in blob


def test_the_key_file_is_private_and_the_sealed_secret_still_logs_in(app, client, instance) -> None:
    path = instance.path / "totp.key"
    assert path.stat().st_mode & 0o777 == 0o600
    password, secret = instance.accounts["intake"]
    password_login(client, "intake", password, secret)
    assert client.get("/intake/new").status_code == 200


def test_plaintext_rows_from_before_0005_are_sealed_at_start_up_once(instance) -> None:
    password, secret = instance.accounts["beheer"]
    engine = sa.create_engine(instance.database_url)
    try:
        with engine.begin() as conn:  # a row as migration 0004 left it
            conn.execute(sa.text("UPDATE accounts SET totp_secret = :s, totp_sealed = NULL "
                                 "WHERE username = 'beheer'"), {"s": secret})
        app = create_app(instance.settings())
        app.config.update(TESTING=True)
        with engine.connect() as conn:
            plain, sealed = conn.execute(sa.text(
                "SELECT totp_secret, totp_sealed FROM accounts WHERE username = 'beheer'")).one()
        assert plain is None and sealed and secret.encode() not in bytes(sealed)
        if instance.database_url.startswith("sqlite"):  # gone from the files (WAL too), not just the rows
            files = Path(instance.database_url.removeprefix("sqlite:///")).parent.glob("pas.db*")
            assert [p.name for p in files if secret.encode() in p.read_bytes()] == []
        password_login(app.test_client(), "beheer", password, secret)
        app.extensions["pas"].db.dispose()
        again = create_app(instance.settings())  # idempotent: nothing left to seal
        with engine.connect() as conn:
            assert bytes(conn.execute(sa.text(
                "SELECT totp_sealed FROM accounts WHERE username = 'beheer'")).scalar_one()) == bytes(sealed)
        again.extensions["pas"].db.dispose()
    finally:
        engine.dispose()
    assert secret not in _rows_as_text(instance.database_url)


def test_a_lost_key_file_is_reported_and_nobody_logs_in_with_a_wrong_key(instance, caplog) -> None:
    (instance.path / "totp.key").unlink()
    app = create_app(instance.settings())  # starts (verification must go on) with a new key
    app.config.update(TESTING=True)
    try:
        assert "sealed under another key" in caplog.text
        assert (instance.path / "totp.key").exists()
        password, secret = instance.accounts["beheer"]
        client = app.test_client()
        first = client.post("/login", data={"csrf_token": csrf_token(client, "/login"),
                                            "username": "beheer", "password": password})
        assert first.status_code == 302
        done = client.post("/login/totp", data={"csrf_token": csrf_token(client, "/login/totp"),
                                                "code": pyotp.TOTP(secret).now()})
        assert done.status_code == 200 and "code klopt niet" in html.unescape(done.get_data(as_text=True))
    finally:
        app.extensions["pas"].db.dispose()


def test_sealed_secrets_are_bound_to_their_account(app, instance) -> None:
    """A sealed secret copied onto another account's row does not open there."""
    key = accounts.key_for(app.extensions["pas"].db.engine)
    with app.extensions["pas"].db.transaction() as s:
        intake, beheer = accounts.find(s, "intake"), accounts.find(s, "beheer")
        assert accounts.totp_secret_of(intake, key) == instance.accounts["intake"][1]
        beheer.totp_sealed = intake.totp_sealed
        assert accounts.totp_secret_of(beheer, key) is None
        s.rollback()


def test_the_demo_still_prints_working_credentials(instance) -> None:
    assert set(instance.accounts) == {"intake", "handhaver", "beheer"}
    for password, secret in instance.accounts.values():
        assert len(password) >= accounts.MIN_PASSWORD_LENGTH and re.fullmatch(r"[A-Z2-7]{32}", secret)
