"""Settings from the environment (``PAS_*``) and the instance folder.

Every setting is named once here, with its default; docs/configuration.md lists
them for operators. This is the one module that reads ``pas.toml``: :func:`load` parses
it once (at start) and everything else, the escrow settings and the production checks
included, reads the :class:`Settings` it returns.

One precedence rule, for every setting that can come from more than one place::

    environment (PAS_*)  >  pas.toml [issuer.GMxxxx]  >  pas.toml top level / [escrow]  >  default

A variable that is set (not empty) wins; the on/off flags ``PAS_DEBUG``,
``PAS_INSECURE_COOKIES`` and ``PAS_SHOW_CODE_ON_SCREEN`` take effect only as ``1``.
So ``PAS_REGISTRATION_POLICY=none`` switches every issuer to "none", even one whose
section says ``registration_policy = "escrow"``.
"""

from __future__ import annotations

import os
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from tokenservice.errors import Error


class ConfigError(Error):
    code = "config"


#: Passes are valid two years (Groningen model).
DEFAULT_VALIDITY_DAYS = 730
DEFAULT_MIN_AGE = 21
#: Idle officials are logged out after this many minutes.
DEFAULT_IDLE_MINUTES = 15
DEFAULT_LOCKOUT_ATTEMPTS = 5
DEFAULT_LOCKOUT_MINUTES = 15
#: Largest photo upload accepted, in bytes.
DEFAULT_MAX_UPLOAD = 10 * 1024 * 1024
#: "none": nothing about the person is kept (Groningen). "escrow": sealed, with consent (Assen).
REGISTRATION_POLICIES = ("none", "escrow")
#: Revocation lists are re-signed at least this often, so verifiers see them fresh.
DEFAULT_REVOCATION_LIST_DAYS = 7
#: What a municipality can ask for at renewal (``renewal_proof``; tokenservice/issue/continuity.py).
RENEWAL_PROOFS = ("card_or_code", "card", "code", "card_and_code")


@dataclass(frozen=True)
class IssuerSettings:
    """Per-municipality settings that are not in the signed trust list."""

    iss: str
    prefix: str
    min_age: int = DEFAULT_MIN_AGE
    registration_policy: str = "none"
    help_contacts: tuple[tuple[str, str], ...] = ()
    logo: Path | None = None


@dataclass(frozen=True)
class Settings:
    instance_dir: Path
    database_url: str
    secret_key: str
    key_passphrase: str | None
    debug: bool = False
    demo: bool = False
    validity_days: int = DEFAULT_VALIDITY_DAYS
    idle_minutes: int = DEFAULT_IDLE_MINUTES
    lockout_attempts: int = DEFAULT_LOCKOUT_ATTEMPTS
    lockout_minutes: int = DEFAULT_LOCKOUT_MINUTES
    max_upload_bytes: int = DEFAULT_MAX_UPLOAD
    revocation_list_days: int = DEFAULT_REVOCATION_LIST_DAYS
    secure_cookies: bool = True
    proxy_hops: int = 0
    public_url: str = ""
    #: What a renewal needs to carry her number forward (tokenservice/issue/continuity.py).
    renewal_proof: str = "card_or_code"
    #: Her personal code on the official's screen too (default: only on her receipt).
    show_code_on_screen: bool = False
    #: Folder the signed public lists are written to as static files (nginx's ``root``,
    #: tokenservice/ops/publish.py); None: only the service's own endpoints serve them.
    public_dir: Path | None = None
    issuers: dict[str, IssuerSettings] = field(default_factory=dict)
    default_iss: str | None = None
    #: pas.toml's ``[escrow]`` with ``PAS_ESCROW_*`` applied; checked by tokenservice.escrow.settings.
    escrow: Mapping[str, Any] = field(default_factory=dict)
    #: pas.toml as parsed at start (the production checks look at it); holds the secret key.
    pas_toml: Mapping[str, Any] = field(default_factory=dict, repr=False)

    @property
    def keys_dir(self) -> Path:
        return self.instance_dir / "keys"

    @property
    def trust_config(self) -> Path:
        return self.keys_dir / "trust.json"

    @property
    def trust_list_path(self) -> Path:
        return self.keys_dir / "trust-list.cose"

    @property
    def anchor_pub_path(self) -> Path:
        return self.keys_dir / "anchor.pub"

    @property
    def mijnpas_url(self) -> str | None:
        """Where a worker reaches /mijn-pas (receipt, leaflet); None without public_url."""
        return f"{self.public_url.rstrip('/')}/mijn-pas/" if self.public_url else None

    @property
    def is_sqlite(self) -> bool:
        return self.database_url.startswith("sqlite")


def _env_int(env: dict[str, str], name: str, default: int) -> int:
    raw = env.get(name)
    if raw is None or raw == "":
        return default
    try:
        return int(raw)
    except ValueError:
        raise ConfigError(f"{name} must be a whole number, not {raw!r}") from None


def _read_passphrase(env: dict[str, str]) -> str | None:
    if env.get("PAS_KEY_PASSPHRASE_FILE"):
        try:
            return Path(env["PAS_KEY_PASSPHRASE_FILE"]).read_text().rstrip("\n")
        except OSError as exc:
            raise ConfigError(f"cannot read PAS_KEY_PASSPHRASE_FILE: {exc.strerror}") from None
    return env.get("PAS_KEY_PASSPHRASE")


def _issuer_settings(data: dict[str, Any], env_policy: str | None) -> dict[str, IssuerSettings]:
    result = {}
    for iss, raw in data.get("issuer", {}).items():
        try:
            contacts = tuple((str(a), str(b)) for a, b in raw.get("help_contacts", []))
            result[iss] = IssuerSettings(
                iss=iss,
                prefix=str(raw["prefix"]),
                min_age=int(raw.get("min_age", DEFAULT_MIN_AGE)),
                registration_policy=str(env_policy or raw.get("registration_policy") or "none"),
                help_contacts=contacts,
                logo=Path(raw["logo"]) if raw.get("logo") else None,
            )
        except (KeyError, TypeError, ValueError) as exc:
            raise ConfigError(f"pas.toml: issuer {iss} is incomplete ({exc})") from None
    return result


def _public_url(url: str) -> str:
    if url and not url.startswith(("https://", "http://")):
        raise ConfigError("PAS_PUBLIC_URL / public_url must start with https://")
    return str(url)


def _public_dir(raw: str, instance: Path) -> Path | None:
    """``PAS_PUBLIC_DIR`` / ``public_dir``: an absolute folder (relative: to the instance folder)."""
    if not raw:
        return None
    return (instance / Path(raw).expanduser()).resolve()


def _renewal_proof(value: str) -> str:
    if value not in RENEWAL_PROOFS:
        raise ConfigError(f"renewal_proof must be one of {', '.join(RENEWAL_PROOFS)}")
    return value


def _policy(env: dict[str, str]) -> str | None:
    """``PAS_REGISTRATION_POLICY``: when set, the policy of every issuer (None: unset)."""
    policy = env.get("PAS_REGISTRATION_POLICY") or None
    if policy is not None and policy not in REGISTRATION_POLICIES:
        raise ConfigError("PAS_REGISTRATION_POLICY must be 'none' or 'escrow'")
    return policy


def _escrow(env: dict[str, str], file_settings: dict[str, Any]) -> dict[str, Any]:
    """``[escrow]`` with the environment applied; its values are checked by tokenservice.escrow.settings."""
    section = file_settings.get("escrow", {})
    escrow = dict(section) if isinstance(section, dict) else {}
    if env.get("PAS_ESCROW_FIELDS"):
        escrow["fields"] = [f.strip() for f in env["PAS_ESCROW_FIELDS"].split(",") if f.strip()]
    if "PAS_ESCROW_TWO_PERSON" in env:
        escrow["two_person"] = env["PAS_ESCROW_TWO_PERSON"]
    if env.get("PAS_ESCROW_GRACE_DAYS"):
        escrow["grace_days"] = env["PAS_ESCROW_GRACE_DAYS"]
    return escrow


def read_pas_toml(instance_dir: Path) -> dict[str, Any]:
    """``instance_dir/pas.toml`` parsed (empty when there is none): the only place it is read."""
    toml_path = instance_dir / "pas.toml"
    if not toml_path.exists():
        return {}
    try:
        return tomllib.loads(toml_path.read_text())
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"pas.toml is not valid TOML: {exc}") from None


def load(env: dict[str, str] | None = None, **overrides: Any) -> Settings:
    """Settings from ``env`` (default: os.environ), ``instance/pas.toml`` and overrides.

    pas.toml is read here, once; see the module docstring for which source wins.
    """
    env = dict(os.environ if env is None else env)
    instance = Path(overrides.pop("instance_dir", None) or env.get("PAS_INSTANCE_DIR") or "instance")
    instance = instance.resolve()
    file_settings = read_pas_toml(instance)
    secret = env.get("PAS_SECRET_KEY") or file_settings.get("secret_key") or ""
    values: dict[str, Any] = {
        "instance_dir": instance,
        "database_url": env.get("PAS_DATABASE_URL")
        or file_settings.get("database_url")
        or f"sqlite:///{instance / 'pas.db'}",
        "secret_key": secret,
        "key_passphrase": _read_passphrase(env) or file_settings.get("demo_key_passphrase"),
        "debug": env.get("PAS_DEBUG", "") == "1",
        "demo": bool(file_settings.get("demo", False)),
        "validity_days": _env_int(env, "PAS_VALIDITY_DAYS", file_settings.get("validity_days", DEFAULT_VALIDITY_DAYS)),
        "idle_minutes": _env_int(env, "PAS_IDLE_MINUTES", DEFAULT_IDLE_MINUTES),
        "lockout_attempts": _env_int(env, "PAS_LOCKOUT_ATTEMPTS", DEFAULT_LOCKOUT_ATTEMPTS),
        "lockout_minutes": _env_int(env, "PAS_LOCKOUT_MINUTES", DEFAULT_LOCKOUT_MINUTES),
        "max_upload_bytes": _env_int(env, "PAS_MAX_UPLOAD_BYTES", DEFAULT_MAX_UPLOAD),
        "revocation_list_days": _env_int(env, "PAS_REVOCATION_LIST_DAYS", DEFAULT_REVOCATION_LIST_DAYS),
        "secure_cookies": env.get("PAS_INSECURE_COOKIES", "") != "1"
        and bool(file_settings.get("secure_cookies", True)),
        "public_url": _public_url(env.get("PAS_PUBLIC_URL") or file_settings.get("public_url") or ""),
        "renewal_proof": _renewal_proof(env.get("PAS_RENEWAL_PROOF")
                                        or file_settings.get("renewal_proof") or "card_or_code"),
        "show_code_on_screen": env.get("PAS_SHOW_CODE_ON_SCREEN", "") == "1"
        or bool(file_settings.get("show_code_on_screen", False)),
        "public_dir": _public_dir(str(env.get("PAS_PUBLIC_DIR") or file_settings.get("public_dir") or ""),
                                  instance),
        "proxy_hops": _env_int(env, "PAS_PROXY_HOPS", int(file_settings.get("proxy_hops", 0))),
        "issuers": _issuer_settings(file_settings, _policy(env)),
        "default_iss": env.get("PAS_ISSUER") or file_settings.get("default_issuer"),
        "escrow": _escrow(env, file_settings),
        "pas_toml": file_settings,
    }
    values.update(overrides)
    return Settings(**values)
