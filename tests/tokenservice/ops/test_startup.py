"""Startup refuses unsafe production settings, with a message that says what to fix."""

from __future__ import annotations

import os
import shutil
import time
from pathlib import Path

import pytest

from keys import trustconfig
from keys.keyfile import new_key_file, read_public
from tests.support.paths import ROOT
from tokenservice import _cli, config
from tokenservice.config import ConfigError
from tokenservice.ops import preflight
from tokenservice.ops.instance import init_instance
from tokenservice.web import wsgi

SECRET = "9f" * 32
PASSPHRASE = "issuer passphrase for the tests"
PRODUCTION_TOML = f"""\
secret_key = "{SECRET}"
default_issuer = "GM0106"

[issuer.GM0106]
prefix = "AS"
"""


@pytest.fixture
def production(tmp_path: Path) -> Path:
    """A production-shaped instance: real issuer code, keys made offline, tight modes."""
    instance = tmp_path / "instance"
    init_instance(instance, demo=False, migrate_db=False)
    (instance / "pas.toml").write_text(PRODUCTION_TOML)
    offline = tmp_path / "offline"
    offline.mkdir()
    now = int(time.time())
    new_key_file(offline / "anchor.key", kind="anchor", passphrase=PASSPHRASE, now=now)
    trustconfig.init_config(offline / "trust.json", anchor=offline / "anchor.key")
    trustconfig.add_issuer(offline / "trust.json", iss="GM0106", name="Gemeente Assen",
                           now=now - 60, passphrase=PASSPHRASE)
    keys = instance / "keys"
    trustconfig.sign_trust_list(offline / "trust.json", keys / "trust-list.cose",
                                passphrase=PASSPHRASE, now=now)
    (keys / "anchor.pub").write_text(read_public(offline / "anchor.key").public_key.hex() + "\n")
    shutil.copytree(offline / "issuers", keys / "issuers")
    return instance


def _settings(instance: Path, env: dict[str, str] | None = None, **overrides: object) -> config.Settings:
    return config.load(env=env or {}, instance_dir=instance, **overrides)


def test_a_production_instance_passes(production: Path) -> None:
    settings = _settings(production)
    assert preflight.check_production(settings, workers=1) == []
    pg = _settings(production, database_url="postgresql+psycopg://pas@/pas?host=/var/run/postgresql")
    assert preflight.check_production(pg, workers=4) == []
    assert preflight.enforce(pg, workers=4, host="127.0.0.1") == []


@pytest.mark.parametrize(
    ("change", "expected"),
    [
        (lambda p: {"debug": True}, "PAS_DEBUG"),
        (lambda p: {"secret_key": ""}, "no secret key"),
        (lambda p: {"secret_key": "CHANGE-ME " + "x" * 40}, "placeholder"),
        (lambda p: {"secret_key": "short"}, "too short"),
        (lambda p: {"secure_cookies": False}, "without Secure"),
        (lambda p: {"demo": True}, "demo instance"),
        (lambda p: {"default_iss": "GM9999"}, "demo municipality"),
        (lambda p: {"default_iss": "GM0000"}, "placeholder of `pas-service init`"),
    ],
)
def test_each_unsafe_setting_is_named(production: Path, change, expected: str) -> None:
    problems = preflight.check_production(_settings(production, **change(production)), workers=1)
    assert len(problems) == 1 and expected in problems[0], problems


def test_sqlite_with_several_workers(production: Path) -> None:
    problems = preflight.check_production(_settings(production), workers=3)
    assert problems == [
        "SQLite with 3 worker processes: use one worker, or PostgreSQL (PAS_DATABASE_URL) for more"
    ]


def test_files_and_keys_on_disk(production: Path) -> None:
    # pas.toml is read once, by config.load: the passphrase is in it before the settings are.
    (production / "pas.toml").write_text('demo_key_passphrase = "oops"\n' + PRODUCTION_TOML)
    settings = _settings(production)
    os.chmod(production, 0o755)
    os.chmod(production / "pas.toml", 0o644)
    key = next((production / "keys" / "issuers").glob("*.key"))
    os.chmod(key, 0o644)
    shutil.copy(production.parent / "offline" / "anchor.key", production / "keys" / "anchor.key")
    problems = "\n".join(preflight.check_production(settings, workers=1))
    assert f"{production} is open to other users" in problems
    assert "pas.toml is readable by other users (it holds the secret key)" in problems
    assert f"{key} is readable by other users: chmod 0600" in problems
    assert "anchor.key is the trust anchor's private key: it belongs offline" in problems
    assert "demo_key_passphrase" in problems


def test_a_fresh_init_is_not_production_ready(tmp_path: Path) -> None:
    init_instance(tmp_path / "new", demo=False, migrate_db=False)
    problems = preflight.check_production(_settings(tmp_path / "new"), workers=1)
    assert any("GM0000" in p for p in problems)


def test_demo_instances_are_served_on_loopback_only(tmp_path: Path, demo_template: Path) -> None:
    settings = _settings(demo_template)
    assert settings.demo
    warnings = preflight.enforce(settings, workers=1, host="127.0.0.1")
    assert warnings and "DEMO" in warnings[0]
    assert preflight.enforce(settings, workers=1, host="::1") == warnings
    for host in ("0.0.0.0", "192.168.1.10", "pas.example.nl"):
        with pytest.raises(ConfigError, match=r"demo instances listen on 127\.0\.0\.1 only"):
            preflight.enforce(settings, workers=1, host=host)
    with pytest.raises(ConfigError, match="SQLite takes one worker"):
        preflight.enforce(settings, workers=2, host="127.0.0.1")


def test_enforce_lists_every_problem(production: Path) -> None:
    settings = _settings(production, debug=True, secret_key="", secure_cookies=False)
    with pytest.raises(ConfigError) as caught:
        preflight.enforce(settings, workers=1, host="127.0.0.1")
    message = caught.value.diagnostics()
    assert message.startswith("refusing to start: these settings are not safe for production:")
    assert message.count("\n  - ") == 3
    assert "docs/configuration.md" in message


def test_serve_refuses_before_starting_gunicorn(production: Path, monkeypatch, capsys) -> None:
    started = []
    monkeypatch.setattr(wsgi._Gunicorn, "run", lambda self: started.append(self))
    monkeypatch.setenv("PAS_INSTANCE_DIR", str(production))
    monkeypatch.setenv("PAS_DEBUG", "1")
    code = _cli.main(["--instance", str(production), "serve", "--host", "127.0.0.1", "--port", "8999"])
    err = capsys.readouterr().err
    assert code == 2 and not started
    assert "pas-service: refusing to start" in err and "PAS_DEBUG" in err

    monkeypatch.delenv("PAS_DEBUG")
    monkeypatch.setenv("PAS_KEY_PASSPHRASE", PASSPHRASE)
    assert _cli.main(["--instance", str(production), "serve", "--port", "8999"]) == 0
    assert len(started) == 1 and started[0].options["workers"] == 1


def test_serve_announces_a_demo_and_refuses_it_on_the_network(
    tmp_path: Path, demo_template: Path, monkeypatch, capsys
) -> None:
    started = []
    monkeypatch.setattr(wsgi._Gunicorn, "run", lambda self: started.append(self))
    demo = tmp_path / "demo"
    shutil.copytree(demo_template, demo)
    monkeypatch.setenv("PAS_INSTANCE_DIR", str(demo))
    assert _cli.main(["--instance", str(demo), "serve", "--host", "0.0.0.0"]) == 2
    assert "refusing to serve a demo instance on 0.0.0.0" in capsys.readouterr().err
    assert _cli.main(["--instance", str(demo), "serve"]) == 0
    assert "DEMO instance" in capsys.readouterr().err and len(started) == 1


def test_the_sample_pas_toml_needs_its_secret_replaced(tmp_path: Path) -> None:
    instance = tmp_path / "instance"
    instance.mkdir(mode=0o700)
    sample = (ROOT / "deploy" / "pas.toml.example").read_text()
    (instance / "pas.toml").write_text(sample)
    os.chmod(instance / "pas.toml", 0o600)
    settings = _settings(instance)
    assert settings.database_url.startswith("postgresql+psycopg://")
    assert set(settings.issuers) == {"GM0106", "GM1680"}
    assert preflight.check_production(settings, workers=3) == [
        "the secret key is still the placeholder of pas.toml.example: replace it"
    ]
    assert preflight.check_production(_settings(instance, {"PAS_SECRET_KEY": SECRET}), workers=3) == []
