"""deploy/ works: nginx (TLS) in front of a live pas-service, the systemd units, logrotate,
and the configuration reference covers every setting.

The nginx test renders deploy/nginx/pas.conf for a temporary prefix (free ports, a
self-signed certificate, temp logs and pid), runs ``nginx -t`` and then serves requests
through it to ``pas-service serve`` (gunicorn) on SQLite and on PostgreSQL. Without
nginx, openssl or logrotate those tests skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import http.client
import os
import re
import shlex
import shutil
import ssl
import subprocess
import sys
import urllib.request
from dataclasses import fields
from pathlib import Path

import pytest

from tests.support.browser import live_service
from tests.support.nginx import NGINX, nginx_in_front_of, require
from tests.support.paths import ROOT
from tokenservice import _cli, config
from verifier import TrustStore

DEPLOY = ROOT / "deploy"
DOCS = ROOT / "docs"


# --- nginx in front of the service (tests/support/nginx.py renders deploy/nginx/pas.conf) ---------


def _https(port: int, cert: Path, path: str, method: str = "GET", body: bytes | None = None):
    context = ssl.create_default_context(cafile=str(cert))
    conn = http.client.HTTPSConnection("127.0.0.1", port, context=context, timeout=20)
    conn.request(method, path, body=body)
    response = conn.getresponse()
    return response, response.read()


def test_requests_through_nginx_with_tls(instance, tmp_path) -> None:
    require("nginx", NGINX, "nginx")
    prefix = tmp_path / "nginx"
    prefix.mkdir()
    env = {"PAS_DATABASE_URL": instance.database_url}
    with live_service(instance.path, env=env) as base:
        upstream = int(base.rsplit(":", 1)[1])
        with nginx_in_front_of(upstream, prefix) as front:
            port, cert = front["https"], front["cert"]
            response, body = _https(port, cert, "/.well-known/pas/trust-list.cose")
            assert response.status == 200
            assert body == (instance.path / "keys" / "trust-list.cose").read_bytes()
            assert response.getheader("Content-Type") == "application/cose"
            _, anchor = _https(port, cert, "/.well-known/pas/anchor.pub")
            store = TrustStore.from_bytes(bytes.fromhex(anchor.decode().strip()), body)
            assert {e.iss for e in store.issuers} == {"GM9999"}

            response, body = _https(port, cert, "/login")
            assert response.status == 200 and b"<form" in body
            assert len(response.msg.get_all("Strict-Transport-Security")) == 1
            assert "default-src 'self'" in response.getheader("Content-Security-Policy")
            assert response.getheader("Server") == "nginx"  # no version

            response, _ = _https(port, cert, "/.well-known/pas/trust-list.cose", "POST", b"x")
            assert response.status == 403
            response, _ = _https(port, cert, "/login", "POST", b"x" * (12 * 1024 * 1024))
            assert response.status == 413
            # A photo-sized body reaches the app (which refuses it: no CSRF token) from memory.
            response, _ = _https(port, cert, "/login", "POST", b"x" * (5 * 1024 * 1024))
            assert response.status == 400

            plain = http.client.HTTPConnection("127.0.0.1", front["http"], timeout=10)
            plain.request("GET", "/login?x=1")
            redirect = plain.getresponse()
            assert redirect.status == 301 and redirect.getheader("Server") == "nginx"
            assert redirect.getheader("Location") == "https://127.0.0.1/login?x=1"
            plain.close()
            url = f"http://127.0.0.1:{front['http']}/.well-known/acme-challenge/token-1"
            assert urllib.request.urlopen(url, timeout=10).read() == b"challenge-response"
    # Nothing of a request body or response was spooled to nginx's temp files (nginx warns
    # when it does, and deletes the file afterwards).
    logs = (prefix / "error.log").read_text() + (prefix / "pas-error.log").read_text()
    assert "buffered to a temporary file" not in logs, logs


# --- systemd units and logrotate ---------------------------------------------------------------


UNITS = sorted((DEPLOY / "systemd").glob("*.service"))


def _exec_lines(unit: Path) -> list[list[str]]:
    lines = []
    for line in unit.read_text().splitlines():
        match = re.match(r"Exec(Start|StartPost|Reload)=(.*)", line)
        if match:
            lines.append(shlex.split(match.group(2)))
    return lines


@pytest.mark.parametrize("unit", UNITS, ids=lambda p: p.name)
def test_unit_commands_are_real_pas_service_commands(unit: Path) -> None:
    parser = _cli.build_parser()
    commands = [argv for argv in _exec_lines(unit) if argv[0].endswith("/pas-service")]
    assert len(commands) == 1, unit.name
    argv = commands[0]
    assert argv[0] == "/opt/pas/venv/bin/pas-service"
    args = parser.parse_args(argv[1:])  # exits on an unknown command or option
    assert args.instance == "/var/lib/pas/instance"
    text = unit.read_text()
    assert "User=pas" in text and "UMask=0077" in text and "NoNewPrivileges=yes" in text
    if args.func.__name__ in ("cmd_serve", "cmd_audit_checkpoint", "cmd_publish"):
        # The passphrase comes as a credential, never as PAS_KEY_PASSPHRASE.
        assert "LoadCredential=key-passphrase:/etc/pas/key-passphrase" in text
        assert "Environment=PAS_KEY_PASSPHRASE_FILE=%d/key-passphrase" in text
    assert "PAS_KEY_PASSPHRASE=" not in text
    if args.func.__name__ == "cmd_serve":
        assert args.host == "127.0.0.1" and args.port == 5000


def test_every_service_with_a_timer_and_back() -> None:
    services = {p.stem for p in UNITS}
    timers = {p.stem for p in (DEPLOY / "systemd").glob("*.timer")}
    assert timers == services - {"pas-service"}
    assert {"pas-purge", "pas-backup", "pas-audit-checkpoint", "pas-publish"} <= timers


def test_units_pass_systemd_analyze(tmp_path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze not installed (Debian package systemd); optional check")
    script = shutil.which("pas-service") or str(Path(sys.executable).parent / "pas-service")
    for path in (DEPLOY / "systemd").iterdir():
        (tmp_path / path.name).write_text(path.read_text().replace("/opt/pas/venv/bin/pas-service", script))
    done = subprocess.run(
        [analyze, "verify", "--man=no", *sorted(str(p) for p in tmp_path.iterdir())],
        capture_output=True, text=True, check=False,
    )
    problems = [line for line in done.stderr.splitlines() if "/opt/pas" in line or "pas-" in line]
    assert done.returncode == 0 and not problems, done.stderr


def test_logrotate_rotates_the_logs(tmp_path) -> None:
    logrotate = require("logrotate", shutil.which("logrotate") or "/usr/sbin/logrotate", "logrotate")
    logs = tmp_path / "log"
    logs.mkdir()
    (logs / "pas-service.log").write_text("[ERROR] something\n")
    conf_text = (DEPLOY / "logrotate" / "pas").read_text().replace("/var/log/pas", str(logs))
    if os.geteuid() != 0:
        conf_text = conf_text.replace("    su root adm\n", "")
    conf = tmp_path / "pas.logrotate"
    conf.write_text(conf_text)
    done = subprocess.run([logrotate, "-f", "-s", str(tmp_path / "state"), str(conf)],
                          capture_output=True, text=True, check=False)
    assert done.returncode == 0, done.stderr
    assert (logs / "pas-service.log.1").read_text() == "[ERROR] something\n"
    assert (logs / "pas-service.log").read_text() == ""  # truncated in place (copytruncate)


# --- documentation agrees with the code ----------------------------------------------------------


def _doc(name: str) -> str:
    return (DOCS / name).read_text()


def test_every_setting_is_documented() -> None:
    doc = _doc("configuration.md")
    missing = [f.name for f in fields(config.Settings) if f"`{f.name}`" not in doc]
    missing += [f"issuer.{f.name}" for f in fields(config.IssuerSettings) if f"`{f.name}`" not in doc]
    assert not missing, f"docs/configuration.md does not describe {missing}"


def test_every_environment_variable_and_toml_key_is_documented() -> None:
    doc = _doc("configuration.md")
    source = "\n".join(p.read_text() for d in ("tokenservice", "keys")
                       for p in (ROOT / d).rglob("*.py"))
    # "PAS_ESCROW_*" in a docstring names a family, not a variable.
    names = {n for n in re.findall(r"PAS_[A-Z0-9_]+", source) if not n.endswith("_")}
    assert {"PAS_SECRET_KEY", "PAS_DATABASE_URL"} <= names
    missing = sorted(n for n in names if f"`{n}`" not in doc)
    assert not missing, f"docs/configuration.md does not describe {missing}"
    toml_keys = set(re.findall(r'file_settings\.get\("(\w+)"', (ROOT / "tokenservice" / "config.py").read_text()))
    toml_keys |= set(re.findall(r'raw(?:\.get\(|\[)"(\w+)"', (ROOT / "tokenservice" / "config.py").read_text()))
    toml_keys |= set(re.findall(r'raw\.get\("(\w+)"', "\n".join(p.read_text() for p in (ROOT / "tokenservice" / "escrow").rglob("*.py"))))
    assert {"secret_key", "prefix", "grace_days"} <= toml_keys
    missing = sorted(k for k in toml_keys if f"`{k}`" not in doc)
    assert not missing, f"docs/configuration.md does not describe pas.toml keys {missing}"


def test_deployment_guide_names_every_deploy_file() -> None:
    doc = _doc("deployment.md")
    for path in DEPLOY.rglob("*"):
        if path.is_file():
            assert f"deploy/{path.relative_to(DEPLOY).as_posix()}" in doc, path
    for command in ("pas-service backup", "pas-service restore", "nginx -t", "pg_dump"):
        assert command in doc


def test_key_ceremony_names_the_commands_it_relies_on() -> None:
    doc = _doc("key-ceremony.md")
    for command in ("pas-keys anchor create", "pas-keys init-config", "pas-keys issuer add",
                    "pas-keys issuer rotate", "pas-keys issuer remove-key", "pas-keys trust-list sign",
                    "pas-keys escrow create", "pas-keys escrow resplit", "pas-keys escrow open"):
        assert command in doc, command
