"""The documented production topology on one machine, for the rehearsal (make rehearsal).

    browser ──https (CA-signed cert)──▶ nginx (deploy/nginx/pas.conf, free ports)
                                            │ http, loopback
                                            ▼
                        gunicorn: pas-service serve --workers N (N from the systemd unit)
                        env from deploy/pas.env.example, code from a release folder
                                            │
                                            ▼
                        PostgreSQL: a fresh database for this run, dropped afterwards

What docs/deployment.md does, in the same order: a key ceremony with ``pas-keys`` in a
folder that stands for the offline laptop (anchor, issuer keys, trust list, escrow team
key split 2 of 3; the anchor's private key never enters the instance), pas.toml from
deploy/pas.toml.example with a real secret key, ``pas-service init`` (not --demo),
the public keys and encrypted issuer keys copied into ``keys/``, the issuer-key
passphrase as a file (the systemd credential), officials made with
``pas-service user add`` (their TOTP is enrolled at first login, in the browser).

The code runs from a copy of the working tree's packages (``release/``, on PYTHONPATH,
as /opt/pas/src is in production): :meth:`Topology.deploy_app_change` deploys a new
version of the verifier app into that copy and restarts the service, without touching
the working tree. Every process started here dies with the test process
(PR_SET_PDEATHSIG) and is stopped by :meth:`Topology.close`.
"""

from __future__ import annotations

import os
import re
import secrets
import shlex
import shutil
import signal
import subprocess
import sys
import time
import urllib.request
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

from tests.support.browser import free_port
from tests.support.nginx import Nginx, _die_with_parent
from tests.support.postgres import PG_ADMIN_URL, PG_HOST, PG_PORT
from tests.support.tls import CA, make_ca, server_cert, trusting_home

ROOT = Path(__file__).resolve().parents[2]
DEPLOY = ROOT / "deploy"
PACKAGES = ("keys", "tokenservice", "verifier")
#: The municipalities of deploy/pas.toml.example; GM0106 runs the escrow (Assen) model here.
ISSUERS = {"GM0106": "Gemeente Assen", "GM1680": "Gemeente Aa en Hunze"}
ESCROW_ISS = "GM0106"
#: Officials made with `pas-service user add` (username -> role).
OFFICIALS = {
    "spreekuur1": "intake",
    "handhaver1": "handhaver",
    "handhaver2": "handhaver",
    "beheerder": "beheer",
}


def _bin(name: str) -> str:
    script = Path(sys.executable).parent / name
    return str(script) if script.exists() else shutil.which(name) or name


def systemd_workers() -> int:
    """The --workers of deploy/systemd/pas-service.service's ExecStart."""
    text = (DEPLOY / "systemd" / "pas-service.service").read_text()
    (line,) = [ln for ln in text.splitlines() if ln.startswith("ExecStart=")]
    argv = shlex.split(line.split("=", 1)[1])
    return int(argv[argv.index("--workers") + 1])


def env_file(path: Path) -> dict[str, str]:
    """The assignments of a systemd EnvironmentFile (comments and blanks skipped)."""
    values = {}
    for line in path.read_text().splitlines():
        line = line.strip()
        if line and not line.startswith("#") and "=" in line:
            name, value = line.split("=", 1)
            values[name.strip()] = value.strip()
    return values


def _swap(text: str, old: str, new: str, *, regex: bool = False) -> str:
    """Replace ``old`` (exactly one occurrence) so a changed sample file fails loudly."""
    if regex:
        found = re.findall(old, text, flags=re.M)
        assert len(found) == 1, f"expected one match of {old!r}, found {found}"
        return re.sub(old, lambda _: new, text, count=1, flags=re.M)
    assert text.count(old) >= 1, f"deploy/pas.toml.example: {old!r} not found"
    return text.replace(old, new, 1)


@dataclass
class Official:
    username: str
    role: str
    password: str | None  # None until they chose one through their enrolment link
    totp_secret: str | None = None  # learnt from the enrolment page at first login
    last_step: int = -1
    enrol_link: str | None = None  # a one-time link instead of a password, where beheer hands one out

    def code(self) -> str:
        """A TOTP code for a time step not used yet (the service refuses a replayed step).

        The service accepts one step of drift either way, so this waits only when both
        the current and the next step were used already.
        """
        import pyotp

        assert self.totp_secret, f"{self.username} has not enrolled a second factor yet"
        totp = pyotp.TOTP(self.totp_secret)
        while True:
            now_step = int(time.time()) // totp.interval
            step = max(now_step, self.last_step + 1)
            if step <= now_step + 1:
                self.last_step = step
                return str(totp.at(step * totp.interval))
            time.sleep(1)


def official_from(username: str, role: str, text: str) -> Official:
    """An account as `pas-service user add` or the beheer page hands it over: a password
    to give in person, or a one-time enrolment link where they choose their own."""
    link = re.findall(r"(?:https?://\S+)?/enrol/[A-Za-z0-9_\-.~%]+", text)
    if link:
        return Official(username, role, None, enrol_link=link[0])
    password = re.findall(r"password \(give it in person[^)]*\): (\S+)", text)
    assert len(password) == 1, f"no password and no enrolment link for {username} in:\n{text}"
    return Official(username, role, password[0])


class Gunicorn:
    """``pas-service serve`` as the systemd unit runs it; start, stop, kill, restart."""

    def __init__(self, argv: list[str], env: dict[str, str], cwd: Path, port: int, log: Path) -> None:
        self.argv, self.env, self.cwd, self.port, self.log = argv, env, cwd, port, log
        self.proc: subprocess.Popen[bytes] | None = None
        self._log: IO[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self, timeout: float = 90) -> None:
        assert not self.running, "gunicorn is already running"
        self._log = self.log.open("ab")
        self._log.write(f"\n--- start {time.strftime('%H:%M:%S')} ---\n".encode())
        self._log.flush()
        self.proc = subprocess.Popen(
            self.argv, env=self.env, cwd=self.cwd, stdout=self._log, stderr=subprocess.STDOUT,
            start_new_session=True, preexec_fn=_die_with_parent,
        )
        url = f"http://127.0.0.1:{self.port}/.well-known/pas/issuers.json"
        deadline = time.monotonic() + timeout
        while True:
            try:
                urllib.request.urlopen(url, timeout=2).read()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    raise RuntimeError(f"pas-service did not start:\n{self.log_text()[-4000:]}") from None
                time.sleep(0.2)

    def _signal_group(self, sig: int) -> None:
        if self.proc is None:
            return
        try:
            os.killpg(self.proc.pid, sig)
        except (ProcessLookupError, PermissionError):
            pass

    def kill(self) -> None:
        """SIGKILL to the master and every worker at once: a crash, not a shutdown."""
        self._signal_group(signal.SIGKILL)
        self._reap()

    def stop(self) -> None:
        if self.proc is None:
            return
        self._signal_group(signal.SIGTERM)
        try:
            self.proc.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass
        self._signal_group(signal.SIGKILL)  # workers a dead master left behind
        self._reap()

    def restart(self) -> None:
        self.stop()
        self.start()

    def _reap(self) -> None:
        if self.proc is not None:
            try:
                self.proc.wait(timeout=15)
            except subprocess.TimeoutExpired:
                pass
        self.proc = None
        if self._log is not None:
            self._log.close()
            self._log = None
        # Wait until the port is free again, so a restart binds it.
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                urllib.request.urlopen(f"http://127.0.0.1:{self.port}/login", timeout=0.5)
            except OSError:
                return
            time.sleep(0.2)

    def log_text(self) -> str:
        return self.log.read_text(errors="replace") if self.log.exists() else ""


@dataclass
class Topology:
    tmp: Path
    base: str = ""
    database_url: str = ""
    instance: Path = field(default_factory=Path)
    release: Path = field(default_factory=Path)
    public: Path = field(default_factory=Path)
    ceremony: Path = field(default_factory=Path)
    ca: CA | None = None
    browser_home: Path = field(default_factory=Path)
    shares: list[str] = field(default_factory=list)
    officials: dict[str, Official] = field(default_factory=dict)
    workers: int = 0
    env: dict[str, str] = field(default_factory=dict)
    gunicorn: Gunicorn | None = None
    nginx: Nginx | None = None
    _db_name: str = ""
    notes: list[str] = field(default_factory=list)

    # --- commands, as the operator runs them ------------------------------------------------

    def run(self, *argv: str, check: bool = True, **kwargs: Any) -> subprocess.CompletedProcess[str]:
        done = subprocess.run(list(argv), env=self.env, capture_output=True, text=True,
                              timeout=180, check=False, **kwargs)
        if check:
            assert done.returncode == 0, f"{' '.join(argv)} failed:\n{done.stdout}\n{done.stderr}"
        return done

    def pas_service(self, *args: str, check: bool = True) -> subprocess.CompletedProcess[str]:
        return self.run(_bin("pas-service"), "--instance", str(self.instance), *args,
                        check=check, cwd=self.instance)

    def pas_keys(self, *args: str, cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
        return self.run(_bin("pas-keys"), *args, cwd=cwd or self.ceremony)

    def sql(self, query: str) -> list[tuple[Any, ...]]:
        import sqlalchemy as sa

        engine = sa.create_engine(self.database_url)
        try:
            with engine.connect() as conn:
                return [tuple(row) for row in conn.exec_driver_sql(query)]
        finally:
            engine.dispose()

    # --- building it ------------------------------------------------------------------------

    def build(self) -> None:
        self._database()
        self._release()
        self._ceremony()
        port = free_port()
        self.ca = make_ca(self.tmp / "ca")
        cert, key = server_cert(self.ca, self.tmp / "tls")
        self.browser_home = trusting_home(self.tmp / "browser-home", self.ca)
        self.public = self.tmp / "var-lib-pas" / "public"  # /var/lib/pas/public: PAS_PUBLIC_DIR
        self.nginx = Nginx(self.tmp / "nginx", port, cert=cert, key=key, public=self.public)
        self.base = f"https://localhost:{self.nginx.https}"
        self._instance()
        self.workers = systemd_workers()
        self.gunicorn = Gunicorn(
            [_bin("pas-service"), "--instance", str(self.instance), "serve", "--host", "127.0.0.1",
             "--port", str(port), "--workers", str(self.workers)],
            self.env, self.instance, port, self.tmp / "log" / "pas-service.log",
        )
        self.gunicorn.start()
        self.nginx.start()

    def _database(self) -> None:
        import sqlalchemy as sa

        self._db_name = f"pas_rehearsal_{uuid.uuid4().hex[:10]}"
        admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
        try:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'CREATE DATABASE "{self._db_name}"')
        finally:
            admin.dispose()
        self.database_url = f"postgresql+psycopg://postgres@{PG_HOST}:{PG_PORT}/{self._db_name}"

    def _release(self) -> None:
        """The code as deployed: a copy of the packages, first on PYTHONPATH."""
        self.release = self.tmp / "release"
        source = os.environ.get("PAS_REHEARSAL_FROM", "worktree")
        if source == "worktree":
            for name in PACKAGES:
                shutil.copytree(ROOT / name, self.release / name,
                                ignore=shutil.ignore_patterns("__pycache__", "*.pyc", "node_modules"))
        else:  # a commit, as a release tarball would hold it
            self.release.mkdir()
            archive = subprocess.run(["git", "-C", str(ROOT), "archive", "--format=tar", source,
                                      *PACKAGES], capture_output=True, check=True).stdout
            subprocess.run(["tar", "-x", "-C", str(self.release)], input=archive, check=True)
            self.notes.append(f"code from {source}")
        base = {k: v for k, v in os.environ.items() if not k.startswith("PAS_")}
        self.env = {**base, "PYTHONPATH": str(self.release), "PYTHONDONTWRITEBYTECODE": "1",
                    # Key files made at this ceremony: cheap Argon2id (the tests' setting).
                    "PAS_KDF_LIMITS": "interactive"}

    def _ceremony(self) -> None:
        """docs/key-ceremony.md, on 'the offline laptop' (a folder outside the instance)."""
        self.ceremony = self.tmp / "offline-laptop"
        self.ceremony.mkdir(mode=0o700)
        anchor_pass, issuer_pass = self.ceremony / "anchor-passphrase", self.tmp / "etc" / "key-passphrase"
        issuer_pass.parent.mkdir(mode=0o750)
        anchor_pass.write_text(secrets.token_urlsafe(24) + "\n")
        issuer_pass.write_text(secrets.token_urlsafe(24) + "\n")
        issuer_pass.chmod(0o600)
        self.pas_keys("anchor", "create", "anchor.key", "--passphrase-file", str(anchor_pass))
        shown = self.pas_keys("show", "anchor.key").stdout
        (public,) = re.findall(r"public key\s+([0-9a-f]{64})", shown)
        (self.ceremony / "anchor.pub").write_text(public + "\n")
        self.pas_keys("init-config", "--anchor", "anchor.key", "trust.json")
        for iss, name in ISSUERS.items():
            self.pas_keys("issuer", "add", "--config", "trust.json", "--iss", iss, "--name", name,
                          "--passphrase-file", str(issuer_pass))
        self.pas_keys("trust-list", "sign", "--config", "trust.json", "--out", "trust-list.cose",
                      "--passphrase-file", str(anchor_pass))
        out = self.pas_keys("escrow", "create", "--k", "2", "--n", "3", "--out-pub", "escrow.pub").stdout
        from keys import escrow as keys_escrow

        self.shares = keys_escrow.split_share_texts(out.split("lost for good.")[1].split("Copy escrow.pub")[0])
        assert len(self.shares) == 3, out

    def _instance(self) -> None:
        """docs/deployment.md steps 5 and 6, with this machine's ports and paths."""
        assert self.nginx is not None
        self.instance = self.tmp / "var-lib-pas" / "instance"
        self.instance.parent.mkdir()
        self.instance.mkdir(mode=0o700)
        self.public.mkdir(mode=0o755)  # install -d -o pas -g pas -m 0755 /var/lib/pas/public
        toml = (DEPLOY / "pas.toml.example").read_text()
        toml = _swap(toml, r'^secret_key = .*$', f'secret_key = "{secrets.token_hex(32)}"', regex=True)
        toml = _swap(toml, r'^database_url = .*$', f'database_url = "{self.database_url}"', regex=True)
        toml = _swap(toml, 'registration_policy = "none"', 'registration_policy = "escrow"')  # GM0106
        toml = _swap(toml, "two_person = false", "two_person = true")
        toml = _swap(toml, r"^default_issuer = .*$",
                     f'default_issuer = "{ESCROW_ISS}"\npublic_url = "{self.base}"', regex=True)
        path = self.instance / "pas.toml"
        path.write_text(toml)
        path.chmod(0o600)
        # /etc/pas/pas.env as shipped, plus what the unit adds: the credential's path.
        self.env.update(env_file(DEPLOY / "pas.env.example"))
        self.env["PAS_INSTANCE_DIR"] = str(self.instance)
        assert self.env.get("PAS_PUBLIC_DIR") == "/var/lib/pas/public", "deploy/pas.env.example"
        self.env["PAS_PUBLIC_DIR"] = str(self.public)
        self.env["PAS_KEY_PASSPHRASE_FILE"] = str(self.tmp / "etc" / "key-passphrase")
        (self.tmp / "log").mkdir()
        init = self.pas_service("init").stdout
        assert "instance ready" in init, init
        keys_dir = self.instance / "keys"
        for name in ("anchor.pub", "trust-list.cose", "trust.json", "escrow.pub"):
            shutil.copy2(self.ceremony / name, keys_dir / name)
            (keys_dir / name).chmod(0o644)
        (keys_dir / "issuers").mkdir(mode=0o700, exist_ok=True)
        for key in (self.ceremony / "issuers").glob("*.key"):
            shutil.copy2(key, keys_dir / "issuers" / key.name)
            (keys_dir / "issuers" / key.name).chmod(0o600)
        for username, role in OFFICIALS.items():
            out = self.pas_service("user", "add", username, "--role", role).stdout
            self.officials[username] = official_from(username, role, out)

    # --- a new release ------------------------------------------------------------------

    def app_version(self) -> str:
        text = (self.release / "verifier" / "webapp" / "sw.js").read_text()
        (version,) = re.findall(r'^const VERSION = "([^"]*)";$', text, flags=re.M)
        return str(version)

    def deploy_app_change(self, marker: str) -> str:
        """A new version of the verifier app: a changed asset, sw.js stamped, service restarted.

        What an update does in production (docs/deployment.md, "An update of
        pas-service"): new code in place, ``pas-service init`` (migrations), restart.
        Returns the new app version (sw.js VERSION).
        """
        css = self.release / "verifier" / "webapp" / "app.css"
        css.write_text(css.read_text() + f"\n/* {marker} */\n")
        self.run(sys.executable, "-m", "verifier.webapp", "stamp", cwd=self.tmp)
        self.pas_service("init")
        assert self.gunicorn is not None
        self.gunicorn.restart()
        return self.app_version()

    # --- tearing it down ------------------------------------------------------------------

    def close(self) -> None:
        problems = []
        for stop in (self.nginx.stop if self.nginx else None,
                     self.gunicorn.stop if self.gunicorn else None):
            if stop is None:
                continue
            try:
                stop()
            except Exception as exc:
                problems.append(repr(exc))
        if self._db_name:
            import sqlalchemy as sa

            admin = sa.create_engine(PG_ADMIN_URL, isolation_level="AUTOCOMMIT")
            try:
                with admin.connect() as conn:
                    conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{self._db_name}" WITH (FORCE)')
            finally:
                admin.dispose()
        assert not problems, problems
