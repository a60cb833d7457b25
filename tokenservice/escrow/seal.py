"""Sealing at intake: her identity record, encrypted so that only the handhaver team
(k of n) and she herself (her personal code) can open it.

The record is encrypted under a random per-record data key; that key is sealed to the
team's X25519 public key (``instance/keys/escrow.pub``) and wrapped a second time under
the key her code derives (:mod:`tokenservice.escrow.code`). The server keeps neither
private key nor code: it cannot open what it sealed.
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass, field

from sqlalchemy.orm import Session

from keys import escrow as sealing
from tokenservice import audit
from tokenservice.escrow.code import format_code, personal_key, wrap_key
from tokenservice.escrow.errors import EscrowError, EscrowNotConfigured
from tokenservice.escrow.records import delete_record, normalize_number, record_of, require_pass
from tokenservice.escrow.settings import IDENTITY_FIELDS, EscrowConfig
from tokenservice.issue.passes import Official
from tokenservice.store.models import EscrowKey, EscrowRecord, PassRecord


@dataclass(frozen=True)
class Identity:
    """What the official typed from the ID document. ``repr`` shows no value.

    ``birth_date`` is a ``datetime.date`` or ``YYYY-MM-DD`` text.
    """

    given_names: str | None = field(default=None, repr=False)
    family_name: str | None = field(default=None, repr=False)
    birth_date: dt.date | str | None = field(default=None, repr=False)
    id_document_number: str | None = field(default=None, repr=False)
    bsn: str | None = field(default=None, repr=False)

    def __repr__(self) -> str:
        present = [f for f in IDENTITY_FIELDS if getattr(self, f)]
        return f"Identity(<{len(present)} fields>)"

    def values(self, keep: tuple[str, ...]) -> dict[str, str]:
        """The configured fields that are filled in, normalised; refuses malformed ones."""
        out: dict[str, str] = {}
        for name in keep:
            value = getattr(self, name)
            if value is None:
                continue
            if name == "birth_date":
                if isinstance(value, dt.date):
                    text = value.isoformat()
                else:
                    try:
                        text = dt.date.fromisoformat(str(value).strip()).isoformat()
                    except ValueError:
                        raise EscrowError("birth_date must be a date (YYYY-MM-DD)") from None
            else:
                text = " ".join(str(value).split())
                if name in ("bsn", "id_document_number"):
                    text = re.sub(r"[\s.\-]", "", text).upper()
            if len(text) > 200:
                raise EscrowError(f"{name} is too long")
            if text:
                out[name] = text
        return out


def _actor(official: Official | None) -> tuple[str, str]:
    return (official.username, official.role) if official is not None else ("system", "system")


def _what_to_seal(config: EscrowConfig, identity: Identity, record: PassRecord) -> tuple[bytes, dict[str, str]]:
    """(team public key, fields to seal); refuses when either is missing or the pass is not live."""
    if config.public_key is None:
        raise EscrowNotConfigured(
            "policy escrow needs the handhaver team's public key in keys/escrow.pub "
            "(pas-keys escrow create); docs/handhaving.md"
        )
    values = identity.values(config.fields)
    if not values:
        raise EscrowError("no identity fields were given to seal")
    live = [c.exp for c in record.cards if c.revoked_at is None]
    if record.revoked_at is not None or not live:
        raise EscrowError(f"pass {record.number} has no valid card to seal a record for")
    return config.public_key, values


def _store(
    session: Session, record: PassRecord, team_key: bytes, values: dict[str, str], kek: bytes, now: int
) -> bool:
    """Seal ``values`` as the record of ``record``, replacing its earlier one (True if there was one)."""
    replaced = delete_record(session, record.id)
    data_key = sealing.new_data_key()
    recipient = sealing.kid(team_key)
    nonce, ciphertext = sealing.encrypt_record(
        data_key, number=record.number, recipient_kid=recipient, fields=values, sealed_at=now
    )
    code_nonce, wrapped = wrap_key(kek, record.number, data_key)
    rec = EscrowRecord(pass_id=record.id, created_at=now, recipient_kid=recipient, nonce=nonce,
                       ciphertext=ciphertext)
    session.add(rec)
    session.flush()
    session.add(EscrowKey(
        record_id=rec.id, sealed_key=sealing.seal_data_key(team_key, data_key),
        code_nonce=code_nonce, code_wrapped_key=wrapped,
    ))
    return replaced


def seal_identity(
    session: Session,
    config: EscrowConfig,
    *,
    pass_number: str,
    identity: Identity,
    consent: bool,
    policy: str,
    now: int,
    official: Official | None = None,
    personal_code: str | None = None,
    replace: bool = True,
) -> str | None:
    """Seal the worker's identity record for ``pass_number``; return her personal code.

    Call it after every issue **and** renewal (in its own transaction, once the pass
    exists). Under ``policy == "escrow"`` with ``consent`` it seals the configured
    fields, replacing an earlier record of the number, and returns the code to print
    on the receipt (shown once, stored nowhere). ``personal_code``: her existing code,
    if she gave it at renewal and wants to keep it (it must verify; else a new one is
    made). Otherwise (policy ``none``, or no consent) it stores nothing, erases an
    earlier record of the number (consent is per pass period) and returns None.

    ``replace=False`` (for a first issue): if the number already has a record, change
    nothing and return None — a double-submitted intake form must not replace the code
    printed on the first receipt (the code cannot be shown again: it is not stored).
    """
    number = normalize_number(pass_number)
    record = require_pass(session, number)
    actor, role = _actor(official)
    if not replace and record_of(session, record.id) is not None:
        return None
    if policy != "escrow" or not consent:
        if delete_record(session, record.id):
            audit.append(session, at=now, actor=actor, role=role, action="escrow_erased",
                         pass_number=number, reason_code="no_consent")
        return None
    team_key, values = _what_to_seal(config, identity, record)
    kek, code = personal_key(session, record.id, personal_code, config.code_kdf, now)
    replaced = _store(session, record, team_key, values, kek, now)
    audit.append(session, at=now, actor=actor, role=role, action="escrow_sealed",
                 pass_number=number, reason_code="replaced" if replaced else None)
    session.flush()
    return format_code(code)


__all__ = ["Identity", "seal_identity"]
