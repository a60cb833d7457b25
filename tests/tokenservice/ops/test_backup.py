"""``pas-service backup`` / ``restore``: issue and revoke, back up, restore into a fresh
instance (SQLite and PostgreSQL), and the restored service publishes the same thing and
knows the same passes. What must never be in a backup is checked byte for byte."""

from __future__ import annotations

import io
import json
import os
import shutil
import tarfile
from pathlib import Path

import pytest

from tokenservice import _cli, config
from tokenservice.issue.passes import Official
from tokenservice.ops import backup
from tokenservice.web.app import create_app
from verifier import Status, TrustStore, verify
from verifier.format import RevocationList

PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")
PUBLIC = ("anchor.pub", "trust-list.cose", "trust-list.json", "issuers.json")


def _publications(client) -> dict[str, bytes]:
    out = {name: client.get(f"/.well-known/pas/{name}").data for name in PUBLIC}
    out["GM9999.cose"] = client.get("/.well-known/pas/revocations/GM9999.cose").data
    return out


def _store(pub: dict[str, bytes]) -> TrustStore:
    return TrustStore.from_bytes(
        bytes.fromhex(pub["anchor.pub"].decode().strip()), pub["trust-list.cose"], [pub["GM9999.cose"]]
    )


def _issue_some(passes) -> list:
    issued = [passes.issue(iss="GM9999", category=c, photo=PHOTO, photo_type="image/webp",
                           official=INTAKE) for c in ("raam", "inrichting", "raam", "raam")]
    passes.revoke(number=issued[0].number, reason="stolen", official=HANDHAVER)
    passes.revoke(number=issued[1].number, reason="stopped", official=HANDHAVER)
    renewed = passes.renew(number=issued[2].number, category=None, photo=PHOTO,
                           photo_type="image/webp", official=INTAKE)
    return [*issued, renewed]


@pytest.fixture(autouse=True)
def _pg_tools(request: pytest.FixtureRequest) -> None:
    """PostgreSQL backups need pg_dump and pg_restore (Debian: postgresql-client)."""
    callspec = getattr(request.node, "callspec", None)
    if callspec is None or "postgresql" not in str(callspec.params.values()):
        return
    missing = [tool for tool in ("pg_dump", "pg_restore") if shutil.which(tool) is None]
    if not missing:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {', '.join(missing)} missing (.ci/run installs postgresql-client)")
    pytest.skip(f"{', '.join(missing)} not installed (apt-get install postgresql-client)")


def _target_url(request: pytest.FixtureRequest, instance, restored: Path) -> str:
    if instance.database_url.startswith("postgresql"):
        url: str = request.getfixturevalue("pg_database")
        return url
    return f"sqlite:///{restored / 'pas.db'}"


def test_backup_and_restore_keep_publications_and_statuses(
    request, app, client, instance, tmp_path, monkeypatch, capsys
) -> None:
    svc = app.extensions["pas"]
    cards = _issue_some(svc.passes)
    before = _publications(client)
    statuses = {c.number: svc.passes.status(c.number) for c in cards}
    verdicts = [verify(c.qr_text, _store(before)).status for c in cards]
    assert verdicts == [Status.REVOKED, Status.REVOKED, Status.REVOKED, Status.VALID, Status.VALID]

    monkeypatch.setenv("PAS_DATABASE_URL", instance.database_url)
    archive = tmp_path / "nightly.tar.gz"
    assert _cli.main(["--instance", str(instance.path), "backup", str(archive),
                      "--with-encrypted-keys"]) == 0
    printed = capsys.readouterr().out
    assert "anchor.key: the trust anchor's private key never goes in a backup" in printed
    assert archive.stat().st_mode & 0o777 == 0o600

    restored = tmp_path / "restored"
    target = _target_url(request, instance, restored)
    monkeypatch.delenv("PAS_DATABASE_URL")
    assert _cli.main(["restore", str(archive), "--instance", str(restored),
                      "--database-url", target]) == 0
    assert "restored into" in capsys.readouterr().out
    assert restored.stat().st_mode & 0o777 == 0o700

    settings = config.load(env={}, instance_dir=restored, secure_cookies=False,
                           key_passphrase=instance.settings().key_passphrase)
    assert settings.database_url == (target if target.startswith("postgresql") else settings.database_url)
    assert settings.secret_key and settings.secret_key != instance.settings().secret_key
    again = create_app(settings)
    again.config.update(TESTING=True)
    try:
        after = _publications(again.test_client())
        for name in PUBLIC:
            assert after[name] == before[name], name
        old_rl = RevocationList.open(before["GM9999.cose"])[1]
        new_rl = RevocationList.open(after["GM9999.cose"])[1]
        assert new_rl.serials == old_rl.serials and new_rl.iss == old_rl.iss
        # Lifted above any seq the old service can have published since the backup.
        assert new_rl.seq > old_rl.seq + 1_000_000
        _store(before).with_revocations([after["GM9999.cose"]])  # no rollback for verifiers

        passes = again.extensions["pas"].passes
        assert {c.number: passes.status(c.number) for c in cards} == statuses
        assert [verify(c.qr_text, _store(after)).status for c in cards] == verdicts
        # The restored service goes on: issue and revoke under the restored keys.
        fresh = passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                             official=INTAKE)
        passes.revoke(number=cards[3].number, reason="lost", official=HANDHAVER)
        store = _store(_publications(again.test_client()))
        assert verify(fresh.qr_text, store).status is Status.VALID
        assert verify(cards[3].qr_text, store).status is Status.REVOKED
        assert fresh.number not in statuses
    finally:
        again.extensions["pas"].db.dispose()


def test_backup_never_holds_secrets(instance, tmp_path) -> None:
    settings = instance.settings()
    toml = (instance.path / "pas.toml").read_text()
    assert "secret_key" in toml and "demo_key_passphrase" in toml
    for with_keys in (False, True):
        result = backup.backup(settings, tmp_path / f"b{with_keys}.tar.gz",
                               with_encrypted_keys=with_keys)
        with tarfile.open(result.path) as tar:
            members = {m.name: tar.extractfile(m).read() for m in tar.getmembers()}
        blob = b"\n".join(members.values())
        assert settings.secret_key.encode() not in blob
        assert settings.key_passphrase.encode() not in blob
        assert b'"kind": "anchor"' not in blob
        assert not any(n.startswith("keys/") and n.endswith("anchor.key") for n in members)
        keys_in = [n for n in members if n.endswith(".key")]
        assert bool(keys_in) is with_keys
        assert all("GM9999" in n for n in keys_in)
        manifest = json.loads(members["manifest.json"])
        assert set(manifest["files"]) == set(members) - {"manifest.json"}
        assert manifest["database"]["rows"]["accounts"] == 3
        assert "secret_key" not in members["pas.toml"].decode()
        assert "[issuer.GM9999]" in members["pas.toml"].decode()


def test_restore_refuses_what_it_should(request, instance, tmp_path) -> None:
    result = backup.backup(instance.settings(), tmp_path)  # a folder: a dated file in it
    assert result.path.parent == tmp_path and result.path.name.startswith("pas-backup-")
    with pytest.raises(backup.BackupError, match="never overwritten"):
        backup.backup(instance.settings(), result.path)

    busy = tmp_path / "busy"
    busy.mkdir()
    (busy / "pas.toml").write_text("")
    with pytest.raises(backup.BackupError, match="not empty"):
        backup.restore(result.path, busy)

    with pytest.raises(backup.BackupError, match=r"not empty|exists"):
        backup.restore(result.path, tmp_path / "into-live", database_url=instance.database_url)
    assert not (tmp_path / "into-live").exists()

    other = "sqlite:///x.db" if instance.database_url.startswith("postgresql") else "postgresql+psycopg://u@h/d"
    with pytest.raises(backup.BackupError, match="restore it into"):
        backup.restore(result.path, tmp_path / "wrong-kind", database_url=other)

    # A damaged member: same manifest, one byte changed in the database file.
    damaged = tmp_path / "damaged.tar.gz"
    with tarfile.open(result.path) as src, tarfile.open(damaged, "w:gz") as dst:
        for m in src.getmembers():
            data = src.extractfile(m).read()
            if m.name.startswith("database/"):
                data = data[:-1] + bytes([data[-1] ^ 1])
            dst.addfile(m, io.BytesIO(data))
    with pytest.raises(backup.BackupError, match="does not match its manifest"):
        backup.restore(damaged, tmp_path / "from-damaged", database_url=_target_url(
            request, instance, tmp_path / "from-damaged"))

    # An extra member the manifest does not name (e.g. a path outside the instance).
    sneaky = tmp_path / "sneaky.tar.gz"
    with tarfile.open(result.path) as src, tarfile.open(sneaky, "w:gz") as dst:
        for m in src.getmembers():
            dst.addfile(m, io.BytesIO(src.extractfile(m).read()))
        evil = tarfile.TarInfo("../evil")
        evil.size = 1
        dst.addfile(evil, io.BytesIO(b"x"))
    with pytest.raises(backup.BackupError, match="unexpected member"):
        backup.restore(sneaky, tmp_path / "from-sneaky", database_url=_target_url(
            request, instance, tmp_path / "from-sneaky"))
    assert not (tmp_path / "evil").exists()

    with pytest.raises(backup.BackupError, match="not a pas-service backup"):
        plain = tmp_path / "plain.tar.gz"
        with tarfile.open(plain, "w:gz") as t:
            info = tarfile.TarInfo("hello.txt")
            t.addfile(info, io.BytesIO(b""))
        backup.restore(plain, tmp_path / "from-plain")


def test_redact_toml_drops_secrets_and_the_database_url() -> None:
    text = ('secret_key = "s3"\ndatabase_url = "postgresql+psycopg://pas:pw@db/pas"\n'
            'demo_key_passphrase = "p"\ndefault_issuer = "GM0106"\n[issuer.GM0106]\nprefix = "AS"\n')
    out = backup.redact_toml(text)
    assert "s3" not in out and "pw" not in out and '"p"' not in out
    assert 'default_issuer = "GM0106"' in out and "[issuer.GM0106]" in out


def test_libpq_keeps_the_password_off_the_command_line() -> None:
    conninfo, env = backup.libpq("postgresql+psycopg://pas:s%40cret@db.example:5433/pas?sslmode=require")
    assert conninfo == "postgresql://pas@db.example:5433/pas?sslmode=require"
    assert env["PGPASSWORD"] == "s@cret"
    conninfo, _ = backup.libpq("postgresql+psycopg://pas@/pas?host=/var/run/postgresql")
    assert conninfo == "postgresql://pas@/pas?host=%2Fvar%2Frun%2Fpostgresql"  # libpq decodes it
