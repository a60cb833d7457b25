"""A throwaway certificate authority for TLS tests, and a browser HOME that trusts it.

:func:`make_ca` makes a CA (EC P-256, valid two days) with openssl; :func:`server_cert`
a certificate for localhost/127.0.0.1 signed by it; :func:`trusting_home` a HOME folder
whose NSS database ($HOME/.pki/nssdb, where Chromium on Linux looks) holds the CA as a
trusted issuer of server certificates (certutil, Debian package libnss3-tools). A browser
started with that HOME accepts the server certificate as a real one: no
--ignore-certificate-errors, so service workers, secure cookies and HSTS behave as in
production. Without openssl or certutil these skip, except under CI=true, where they fail.
"""

from __future__ import annotations

import shutil
import subprocess
from dataclasses import dataclass
from pathlib import Path

from tests.support.nginx import require

CA_NICKNAME = "rehearsal-ca"


@dataclass(frozen=True)
class CA:
    cert: Path
    key: Path


def _openssl() -> str:
    return require("openssl", shutil.which("openssl"), "openssl")


def _run(*args: str) -> None:
    done = subprocess.run(list(args), capture_output=True, text=True, check=False)
    assert done.returncode == 0, f"{' '.join(args)}\n{done.stderr}"


def make_ca(where: Path, name: str = "PAS rehearsal CA (throwaway)") -> CA:
    where.mkdir(parents=True, exist_ok=True)
    cert, key = where / "ca.pem", where / "ca.key"
    _run(_openssl(), "req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-days", "2", "-subj", f"/CN={name}", "-keyout", str(key), "-out", str(cert),
         "-addext", "basicConstraints=critical,CA:TRUE,pathlen:0",
         "-addext", "keyUsage=critical,keyCertSign,cRLSign")
    key.chmod(0o600)
    return CA(cert, key)


def server_cert(ca: CA, where: Path, *, dns: tuple[str, ...] = ("localhost",),
                ips: tuple[str, ...] = ("127.0.0.1",)) -> tuple[Path, Path]:
    """(fullchain.pem, privkey.pem) for the names, signed by ``ca``."""
    where.mkdir(parents=True, exist_ok=True)
    key, csr, cert = where / "privkey.pem", where / "server.csr", where / "cert.pem"
    ext = where / "server.ext"
    san = ",".join([f"DNS:{d}" for d in dns] + [f"IP:{i}" for i in ips])
    ext.write_text(
        "basicConstraints=critical,CA:FALSE\n"
        "keyUsage=critical,digitalSignature\n"
        "extendedKeyUsage=serverAuth\n"
        f"subjectAltName={san}\n"
    )
    _run(_openssl(), "req", "-new", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1",
         "-nodes", "-subj", f"/CN={dns[0] if dns else ips[0]}", "-keyout", str(key), "-out", str(csr))
    _run(_openssl(), "x509", "-req", "-in", str(csr), "-CA", str(ca.cert), "-CAkey", str(ca.key),
         "-CAcreateserial", "-days", "2", "-sha256", "-extfile", str(ext), "-out", str(cert))
    key.chmod(0o600)
    chain = where / "fullchain.pem"
    chain.write_text(cert.read_text() + ca.cert.read_text())
    return chain, key


def trusting_home(home: Path, ca: CA) -> Path:
    """A HOME whose NSS database trusts ``ca`` for TLS servers (as Chromium reads it)."""
    certutil = require("certutil", shutil.which("certutil"), "libnss3-tools")
    nssdb = home / ".pki" / "nssdb"
    nssdb.mkdir(parents=True, exist_ok=True)
    _run(certutil, "-N", "-d", f"sql:{nssdb}", "--empty-password")
    _run(certutil, "-A", "-d", f"sql:{nssdb}", "-t", "C,,", "-n", CA_NICKNAME, "-i", str(ca.cert))
    listed = subprocess.run([certutil, "-L", "-d", f"sql:{nssdb}"], capture_output=True,
                            text=True, check=True).stdout
    assert CA_NICKNAME in listed, listed
    return home
