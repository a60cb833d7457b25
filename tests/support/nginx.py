"""nginx in front of pas-service for tests: deploy/nginx/pas.conf rendered for free ports.

:func:`render_site` swaps the production ports, certificate paths and log paths of the
shipped site file for test ones (every swapped string must occur exactly once, so an
edit of the site file that the tests no longer follow fails loudly). :class:`Nginx` runs
the rendered site in the foreground (``daemon off``; the static lists from ``public``,
the service's public_dir) and can be stopped and started again; :func:`nginx_in_front_of` is the one-shot context manager of test_deploy.
Without nginx or openssl these skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import os
import pwd
import shutil
import socket
import subprocess
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

from tests.support.browser import free_port

ROOT = Path(__file__).resolve().parents[2]
SITE = ROOT / "deploy" / "nginx" / "pas.conf"
NGINX = os.environ.get("PAS_NGINX") or shutil.which("nginx") or "/usr/sbin/nginx"


def require(tool: str, path: str | None, package: str) -> str:
    """The tool's path; skips without it, fails under CI=true (.ci/run installs it)."""
    if path and Path(path).exists():
        return path
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {tool} is missing (.ci/run installs Debian's {package})")
    pytest.skip(f"{tool} not installed (apt-get install {package}); runs under CI=true")


def self_signed(where: Path) -> tuple[Path, Path]:
    openssl = require("openssl", shutil.which("openssl"), "openssl")
    cert, key = where / "cert.pem", where / "key.pem"
    subprocess.run(
        [openssl, "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", "/CN=localhost", "-keyout", str(key), "-out", str(cert),
         "-addext", "subjectAltName=DNS:localhost,IP:127.0.0.1"],
        check=True, capture_output=True,
    )
    return cert, key


def render_site(text: str, **values: str) -> str:
    """deploy/nginx/pas.conf with production paths and ports swapped for test ones.

    Every swapped string must occur exactly once, so an edit of the site file that the
    test no longer follows fails here instead of testing something else.
    """
    swaps = {
        "server 127.0.0.1:5000;": f"server 127.0.0.1:{values['upstream']};",
        "listen 80;": f"listen 127.0.0.1:{values['http']};",
        "listen [::]:80;\n": "",
        "listen 443 ssl;": f"listen 127.0.0.1:{values['https']} ssl;",
        "listen [::]:443 ssl;\n": "",
        "/etc/letsencrypt/live/pas.example.nl/fullchain.pem": values["cert"],
        "/etc/letsencrypt/live/pas.example.nl/privkey.pem": values["key"],
        "/var/log/nginx/pas-error.log": values["error_log"],
        "/var/www/letsencrypt": values["acme"],
        "root /var/lib/pas/public;": f"root {values['public']};",
    }
    for old, new in swaps.items():
        assert text.count(old) == 1, f"deploy/nginx/pas.conf: expected {old!r} once"
        text = text.replace(old, new)
    return text


def main_conf(prefix: Path, site: Path) -> str:
    user = f"user {pwd.getpwuid(os.geteuid()).pw_name};\n" if os.geteuid() == 0 else ""
    temps = "\n".join(
        f"    {name}_temp_path {prefix / name};" for name in ("client_body", "proxy", "fastcgi", "uwsgi", "scgi")
    )
    return f"""{user}worker_processes 1;
pid {prefix / 'nginx.pid'};
error_log {prefix / 'error.log'} warn;
events {{ worker_connections 64; }}
http {{
    include /etc/nginx/mime.types;
    default_type application/octet-stream;
    access_log off;
{temps}
    include {site};
}}
"""


def _die_with_parent() -> None:
    """In the child: SIGTERM when the test process dies, so nothing outlives a killed run."""
    try:
        import ctypes
        import signal

        ctypes.CDLL("libc.so.6", use_errno=True).prctl(1, signal.SIGTERM)  # PR_SET_PDEATHSIG
    except OSError:
        pass


class Nginx:
    """deploy/nginx/pas.conf rendered into ``prefix`` for ``upstream``; start/stop at will.

    ``cert``/``key`` default to a fresh self-signed certificate for localhost/127.0.0.1.
    """

    def __init__(self, prefix: Path, upstream: int, *, cert: Path | None = None,
                 key: Path | None = None, public: Path | None = None) -> None:
        self.binary = require("nginx", NGINX, "nginx")
        self.prefix = prefix
        prefix.mkdir(parents=True, exist_ok=True)
        if cert is None or key is None:
            cert, key = self_signed(prefix)
        self.cert, self.key = cert, key
        acme = prefix / "acme"
        (acme / ".well-known" / "acme-challenge").mkdir(parents=True, exist_ok=True)
        (acme / ".well-known" / "acme-challenge" / "token-1").write_text("challenge-response")
        # The service's public_dir (nginx's root for the lists); empty: all to the service.
        if public is None:
            public = prefix / "public"
            public.mkdir(exist_ok=True)
        self.public = public
        self.http, self.https = free_port(), free_port()
        site = prefix / "pas.conf"
        site.write_text(render_site(
            SITE.read_text(), upstream=str(upstream), cert=str(cert), key=str(key),
            error_log=str(prefix / "pas-error.log"), acme=str(acme), public=str(public),
            http=str(self.http), https=str(self.https),
        ))
        conf = prefix / "nginx.conf"
        conf.write_text(main_conf(prefix, site))
        self.command = [self.binary, "-p", str(prefix), "-c", str(conf), "-e", str(prefix / "error.log")]
        check = subprocess.run([*self.command, "-t"], capture_output=True, text=True, check=False)
        assert check.returncode == 0, check.stderr
        assert "syntax is ok" in check.stderr and "test is successful" in check.stderr
        self.proc: subprocess.Popen[bytes] | None = None

    @property
    def running(self) -> bool:
        return self.proc is not None and self.proc.poll() is None

    def start(self) -> None:
        assert not self.running, "nginx is already running"
        self.proc = subprocess.Popen(
            [*self.command, "-g", "daemon off;"], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
            preexec_fn=_die_with_parent,
        )
        deadline = time.monotonic() + 15
        while True:
            try:
                socket.create_connection(("127.0.0.1", self.https), timeout=1).close()
                return
            except OSError:
                if self.proc.poll() is not None or time.monotonic() > deadline:
                    out = self.proc.stdout.read().decode(errors="replace") if self.proc.stdout else ""
                    raise RuntimeError(f"nginx did not start:\n{out}") from None
                time.sleep(0.1)

    def stop(self) -> None:
        if self.proc is None:
            return
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)
        if self.proc.stdout:
            self.proc.stdout.close()
        self.proc = None
        # nginx's master is gone; its worker exits with it (same process group is not
        # guaranteed, so wait until nothing listens any more).
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.https), timeout=0.5).close()
            except OSError:
                return
            time.sleep(0.1)
        raise RuntimeError(f"nginx still answers on {self.https} after stopping")

    def errors(self) -> str:
        """What nginx logged (its own log and the site's error log)."""
        return "".join(
            (self.prefix / name).read_text(errors="replace")
            for name in ("error.log", "pas-error.log") if (self.prefix / name).exists()
        )


@contextmanager
def nginx_in_front_of(upstream: int, prefix: Path) -> Iterator[dict[str, object]]:
    nginx = Nginx(prefix, upstream)
    nginx.start()
    try:
        yield {"https": nginx.https, "http": nginx.http, "cert": nginx.cert}
    finally:
        nginx.stop()
    errors = nginx.errors()
    assert "[emerg]" not in errors and "[crit]" not in errors, errors
