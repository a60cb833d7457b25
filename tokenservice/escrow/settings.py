"""The escrow settings of an instance: ``[escrow]`` in pas.toml and the team's public key.

:func:`tokenservice.config.load` alone reads pas.toml; this module checks its
``[escrow]`` values (:func:`config_from`) and reads ``keys/escrow.pub``.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import keys
from keys import escrow as sealing
from keys.keyfile import KDF_PRESETS, KdfLimits
from tokenservice import config
from tokenservice.config import Settings
from tokenservice.escrow.errors import EscrowNotConfigured

IDENTITY_FIELDS: Final = sealing.IDENTITY_FIELDS
DEFAULT_GRACE_DAYS: Final = 90
#: An approved request must be collected by its requester within this many hours.
DEFAULT_APPROVAL_HOURS: Final = 24
#: Sealed free-text reasons are kept this long (then only the reason code remains).
DEFAULT_REASON_DAYS: Final = 730
ESCROW_PUB: Final = "escrow.pub"


@dataclass(frozen=True)
class EscrowConfig:
    """Escrow settings of one instance (``[escrow]`` in pas.toml, ``PAS_ESCROW_*``).

    ``public_key`` is None when ``keys/escrow.pub`` is missing: then nothing can be
    sealed, and :func:`~tokenservice.escrow.seal_identity` refuses under policy ``escrow``.
    """

    public_key: bytes | None = field(default=None, repr=False)
    fields: tuple[str, ...] = IDENTITY_FIELDS
    two_person: bool = False
    grace_days: int = DEFAULT_GRACE_DAYS
    approval_hours: int = DEFAULT_APPROVAL_HOURS
    reason_days: int = DEFAULT_REASON_DAYS
    code_kdf: KdfLimits = KDF_PRESETS["interactive"]

    def __post_init__(self) -> None:
        unknown = set(self.fields) - set(IDENTITY_FIELDS)
        if unknown or not self.fields:
            raise EscrowNotConfigured(
                f"escrow fields must be some of {', '.join(IDENTITY_FIELDS)}"
            )
        if self.grace_days < 0 or self.approval_hours <= 0 or self.reason_days < 0:
            raise EscrowNotConfigured("escrow grace_days, approval_hours, reason_days must be >= 0")

    @property
    def kid(self) -> bytes | None:
        return sealing.kid(self.public_key) if self.public_key is not None else None

    @property
    def ready(self) -> bool:
        return self.public_key is not None


def _bool(raw: Any, name: str) -> bool:
    if isinstance(raw, bool):
        return raw
    text = str(raw).strip().lower()
    if text in {"1", "true", "yes", "on", "two-person", "two_person"}:
        return True
    if text in {"0", "false", "no", "off", "none", ""}:
        return False
    raise EscrowNotConfigured(f"{name} must be true or false, not {raw!r}")


def config_from(raw: Mapping[str, Any], instance_dir: Path) -> EscrowConfig:
    """The escrow settings from ``raw`` (``Settings.escrow``) and ``keys/escrow.pub``.

    pas.toml::

        [escrow]
        fields = ["given_names", "family_name", "birth_date", "id_document_number", "bsn"]
        two_person = false     # a second handhaver approves each opening
        grace_days = 90        # records go this long after the pass expired
        approval_hours = 24
        reason_days = 730      # sealed free-text reasons are kept this long
        code_kdf = "interactive"

    Environment overrides (applied by :func:`tokenservice.config.load`, which alone reads
    pas.toml): ``PAS_ESCROW_FIELDS`` (comma-separated), ``PAS_ESCROW_TWO_PERSON``,
    ``PAS_ESCROW_GRACE_DAYS``. The public key file is read on each call: a team key put in
    place while the service runs is used without a restart.
    """
    fields = raw.get("fields", list(IDENTITY_FIELDS))
    try:
        grace = int(raw.get("grace_days", DEFAULT_GRACE_DAYS))
        hours = int(raw.get("approval_hours", DEFAULT_APPROVAL_HOURS))
        reason_days = int(raw.get("reason_days", DEFAULT_REASON_DAYS))
    except (TypeError, ValueError):
        raise EscrowNotConfigured("escrow grace_days, approval_hours, reason_days: whole numbers") from None
    kdf_name = str(raw.get("code_kdf", "interactive")).lower()
    if kdf_name not in KDF_PRESETS:
        raise EscrowNotConfigured(f"escrow code_kdf must be one of {', '.join(KDF_PRESETS)}")
    pub_path = instance_dir / "keys" / ESCROW_PUB
    public_key = None
    if pub_path.exists():
        try:
            public_key = sealing.read_public_file(pub_path)
        except keys.Error as exc:
            raise EscrowNotConfigured(exc.diagnostics()) from None
    return EscrowConfig(
        public_key=public_key,
        fields=tuple(str(f) for f in fields),
        two_person=_bool(raw.get("two_person", False), "two_person"),
        grace_days=grace,
        approval_hours=hours,
        reason_days=reason_days,
        code_kdf=KDF_PRESETS[kdf_name],
    )


def config_for(settings: Settings) -> EscrowConfig:
    """The escrow settings of an app or command (pas.toml as read at start)."""
    return config_from(settings.escrow, settings.instance_dir)


def load_config(instance_dir: Path, env: Mapping[str, str] | None = None) -> EscrowConfig:
    """The escrow settings of an instance folder, read now (:func:`tokenservice.config.load`)."""
    return config_for(config.load(None if env is None else dict(env), instance_dir=instance_dir))


def policy_for(settings: Any, iss: str) -> str:
    """The registration policy of an issuer: ``"none"`` or ``"escrow"``."""
    issuer = settings.issuers.get(iss)
    policy = getattr(issuer, "registration_policy", "none") if issuer is not None else "none"
    return policy if policy in ("none", "escrow") else "none"


__all__ = [
    "DEFAULT_APPROVAL_HOURS",
    "DEFAULT_GRACE_DAYS",
    "DEFAULT_REASON_DAYS",
    "ESCROW_PUB",
    "IDENTITY_FIELDS",
    "EscrowConfig",
    "config_for",
    "config_from",
    "load_config",
    "policy_for",
]
