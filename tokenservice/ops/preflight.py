"""The production-safety check: refuse to serve real passes with unsafe settings.

:func:`check_production` lists every reason a configuration is not fit for
production (demo flag or demo keys, debug, a missing or weak secret key, SQLite
with more than one worker, cookies without ``Secure``, the trust anchor's private
key or a key passphrase on the server, files other users can read). It only looks:
nothing is changed, no database is opened, no key is decrypted.

:func:`enforce` is what ``pas-service serve`` runs before gunicorn forks: SQLite
with several workers is always refused, and so is a ``public_dir`` that is missing or
not writable; a demo instance (``demo = true``) may only
listen on loopback (``make run``, the tests) and gets a warning; any other instance
must pass :func:`check_production` or the service does not start.

docs/configuration.md lists the settings; docs/deployment.md the production setup.
"""

from __future__ import annotations

import ipaddress
import stat
from pathlib import Path

import keys
from keys.keyfile import read_public
from tokenservice.config import ConfigError, Settings
from tokenservice.ops import publish

#: Shorter secret keys are refused (``secrets.token_hex(32)`` gives 64 characters).
MIN_SECRET_CHARS = 32
#: deploy/pas.toml.example ships this text in place of a secret key.
PLACEHOLDER = "CHANGE-ME"
#: Issuer code of ``pas-service init --demo`` (tokenservice.ops.instance.DEMO_ISS).
DEMO_ISS = "GM9999"
#: Issuer code that ``pas-service init`` writes into pas.toml until the operator sets the real one.
PLACEHOLDER_ISS = "GM0000"
#: How many files under the instance folder are looked at for stray key files.
_MAX_FILES = 10_000


def _private(path: Path) -> bool:
    """True when neither group nor others have any access to ``path``."""
    return not stat.S_IMODE(path.stat().st_mode) & 0o077


def _key_files(instance: Path) -> list[tuple[Path, str | None]]:
    """Key files under the instance folder with their kind (None: not a readable key)."""
    found: list[tuple[Path, str | None]] = []
    for n, path in enumerate(sorted(instance.rglob("*.key"))):
        if n >= _MAX_FILES:
            break
        if not path.is_file():
            continue
        try:
            found.append((path, read_public(path).kind))
        except keys.Error:
            found.append((path, None))
    return found


def check_production(settings: Settings, *, workers: int) -> list[str]:
    """Every reason ``settings`` (served by ``workers`` processes) is unsafe in production.

    An empty list means: fit to serve real passes. Each entry is one sentence that
    says what is wrong and how to fix it.
    """
    problems: list[str] = []
    raw = settings.pas_toml  # as config.load read it
    if settings.demo:
        problems.append(
            "this is a demo instance (demo = true in pas.toml): demo keys, watermarked cards; "
            "make a production instance with `pas-service init` (docs/deployment.md)"
        )
    if settings.debug:
        problems.append("debug is on (PAS_DEBUG=1): unset PAS_DEBUG")
    secret = settings.secret_key or ""
    if not secret:
        problems.append(
            "no secret key: set PAS_SECRET_KEY or secret_key in pas.toml "
            "(python3 -c 'import secrets; print(secrets.token_hex(32))')"
        )
    elif PLACEHOLDER in secret:
        problems.append("the secret key is still the placeholder of pas.toml.example: replace it")
    elif len(secret) < MIN_SECRET_CHARS:
        problems.append(
            f"the secret key is too short ({len(secret)} characters, at least "
            f"{MIN_SECRET_CHARS}): use secrets.token_hex(32)"
        )
    if settings.is_sqlite and workers > 1:
        problems.append(
            f"SQLite with {workers} worker processes: use one worker, or PostgreSQL "
            "(PAS_DATABASE_URL) for more"
        )
    if not settings.secure_cookies:
        problems.append(
            "cookies are sent without Secure (PAS_INSECURE_COOKIES=1 or secure_cookies = false): "
            "serve over https behind nginx and remove that setting"
        )
    if "demo_key_passphrase" in raw:
        problems.append(
            "pas.toml holds demo_key_passphrase: a key passphrase must not sit beside the keys; "
            "use PAS_KEY_PASSPHRASE_FILE (a systemd credential)"
        )
    if DEMO_ISS in settings.issuers or settings.default_iss == DEMO_ISS:
        problems.append(f"issuer {DEMO_ISS} is the demo municipality: configure the real CBS code")
    if PLACEHOLDER_ISS in settings.issuers or settings.default_iss == PLACEHOLDER_ISS:
        problems.append(
            f"issuer {PLACEHOLDER_ISS} is the placeholder of `pas-service init`: put the "
            "municipality's CBS code (and its pass prefix) in pas.toml"
        )
    instance = settings.instance_dir
    if instance.is_dir():
        if not _private(instance):
            problems.append(f"{instance} is open to other users: chmod 0700 (owner: the service user)")
        toml = instance / "pas.toml"
        if toml.is_file() and not _private(toml):
            problems.append(f"{toml} is readable by other users (it holds the secret key): chmod 0600")
        keys_dir = settings.keys_dir
        if keys_dir.is_dir() and not _private(keys_dir):
            problems.append(f"{keys_dir} is open to other users: chmod 0700")
        for path, kind in _key_files(instance):
            if kind == "anchor":
                problems.append(
                    f"{path} is the trust anchor's private key: it belongs offline, never on the "
                    "server (docs/key-ceremony.md); move it off and keep only anchor.pub"
                )
            elif not _private(path):
                problems.append(f"{path} is readable by other users: chmod 0600")
    return problems


def is_loopback(host: str) -> bool:
    """Whether a bind address only accepts connections from this machine."""
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def refusal(problems: list[str]) -> str:
    """The message of a refused start: every problem on its own line."""
    lines = "\n".join(f"  - {p}" for p in problems)
    return (
        "refusing to start: these settings are not safe for production:\n"
        f"{lines}\n"
        "See docs/configuration.md and docs/deployment.md."
    )


def enforce(settings: Settings, *, workers: int, host: str) -> list[str]:
    """Raise ConfigError unless these settings may be served; returns warnings to print.

    A demo instance may be served on loopback only (and is announced as a demo);
    every other instance must pass :func:`check_production`.
    """
    if settings.is_sqlite and workers > 1:
        raise ConfigError("SQLite takes one worker process; use PostgreSQL for more")
    if settings.public_dir is not None:
        # Checked here, before gunicorn forks: never a failure mid-request (ops/publish.py).
        publish.check_folder(settings.public_dir)
    if settings.demo:
        if not is_loopback(host):
            raise ConfigError(
                f"refusing to serve a demo instance on {host}: demo instances listen on "
                "127.0.0.1 only. For real passes set up a production instance "
                "(docs/deployment.md)."
            )
        return ["DEMO instance: demo keys, cards watermarked 'DEMO — NIET GELDIG'; not for real passes"]
    problems = check_production(settings, workers=workers)
    if problems:
        raise ConfigError(refusal(problems))
    return []
