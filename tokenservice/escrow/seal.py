"""The privacy core on the server: sealed identity escrow, the worker's code, the access log.

Pure functions over a SQLAlchemy session (the caller's transaction) and a clock
value; no Flask. docs/privacy.md explains the design for a privacy officer,
docs/handhaving.md the opening procedure.

What the server can and cannot do:

* It **seals** an identity record at intake, only under registration policy
  ``escrow`` and only with the worker's consent (:func:`seal_identity`). The record
  is encrypted under a random per-record data key; that key is sealed to the
  handhaver team's X25519 public key (``instance/keys/escrow.pub``), whose private
  key exists only as k-of-n paper shares, and wrapped a second time under a key
  that Argon2id derives from the worker's personal code. The server keeps neither
  private key nor code: it **cannot open** a record.
* It **hands out** sealed records to handhavers, after writing the request to the
  hash-chained audit log (:func:`request_record`, :func:`bulk_export`), optionally
  only after a second handhaver approved (:func:`approve`, :func:`collect`).
  Opening happens on the handhaver's laptop (``pas-keys escrow open``).
* It lets the worker, with her number and code, see what is kept and who looked
  (:func:`worker_view`), erase her record (:func:`erase`) and prove ownership at
  renewal (:func:`verify_code`).

No identity attribute is ever stored in the clear, hashed, keyed-hashed or used as
a lookup tag: finding "the pass of this person" is only possible by decrypting all
records on the handhaver's laptop (:func:`bulk_export`). Nothing here logs, and no
exception message carries an identity value, a code or a key.
"""

from __future__ import annotations

import datetime as dt
import re
import secrets
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import nacl.bindings
import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.signing
import sqlalchemy as sa
from sqlalchemy.orm import Session

import keys
from keys import escrow as sealing
from keys.keyfile import KDF_PRESETS, KdfLimits
from tokenservice import audit, config
from tokenservice.config import Settings
from tokenservice.errors import Error
from tokenservice.issue.passes import Official, PassService, PassStatus, UnknownPass
from tokenservice.store.models import (
    AuditEvent,
    EscrowKey,
    EscrowRecord,
    EscrowRequest,
    PassCode,
    PassRecord,
)
from verifier import passnumber
from verifier.errors import FormatError

DAY: Final = 86400
IDENTITY_FIELDS: Final = sealing.IDENTITY_FIELDS
DEFAULT_GRACE_DAYS: Final = 90
#: An approved request must be collected by its requester within this many hours.
DEFAULT_APPROVAL_HOURS: Final = 24
#: Sealed free-text reasons are kept this long (then only the reason code remains).
DEFAULT_REASON_DAYS: Final = 730
ESCROW_PUB: Final = "escrow.pub"

#: Why a handhaver asks for a record. The code goes into the audit log and is shown to
#: the worker; the free text is sealed to the team key (it may contain names).
REASON_CODES: Final = {
    "inspection": ("Toezichtscontrole", "Inspection"),
    "trafficking_signal": ("Signaal mensenhandel", "Signal of human trafficking"),
    "police_request": ("Verzoek politie (AVIM)", "Request from the police (AVIM)"),
    "own_request": ("Op verzoek van de houder", "At the holder's own request"),
    "revocation": ("Intrekkingsprocedure", "Revocation procedure"),
    "other": ("Anders (toelichting verplicht)", "Other (explain)"),
}
REASON_MIN_CHARS: Final = 10
REASON_MAX_CHARS: Final = 1000


# --- errors ---------------------------------------------------------------------------


class EscrowError(Error):
    code = "escrow"


class EscrowNotConfigured(EscrowError):
    code = "escrow_not_configured"


class NoRecord(EscrowError):
    code = "no_escrow_record"


class WrongCode(EscrowError):
    code = "wrong_code"


class Forbidden(EscrowError):
    code = "forbidden"


class BadRequest(EscrowError):
    code = "bad_escrow_request"


# --- configuration ----------------------------------------------------------------------


@dataclass(frozen=True)
class EscrowConfig:
    """Escrow settings of one instance (``[escrow]`` in pas.toml, ``PAS_ESCROW_*``).

    ``public_key`` is None when ``keys/escrow.pub`` is missing: then nothing can be
    sealed, and :func:`seal_identity` refuses under policy ``escrow``.
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


# --- the identity record -----------------------------------------------------------------


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


# --- the personal code ---------------------------------------------------------------------

#: 27 random Crockford base32 characters (135 bits) and one Damm check character,
#: printed as 7 groups of 4: ``K3M9-QXD7-...``.
CODE_RANDOM_CHARS: Final = 27
CODE_GROUP: Final = 4
_CODE_ALIASES: Final = str.maketrans({"I": "1", "L": "1", "O": "0"})
_CODE_WRAP_AD: Final = b"pas-code-wrap\x00v1\x00"
SALT_BYTES: Final = argon2id.SALTBYTES


def new_code() -> str:
    body = "".join(secrets.choice(passnumber.ALPHABET) for _ in range(CODE_RANDOM_CHARS))
    return format_code(body + passnumber.check_character(body))


def format_code(compact: str) -> str:
    return "-".join(compact[i : i + CODE_GROUP] for i in range(0, len(compact), CODE_GROUP))


def normalize_code(text: str) -> str | None:
    """The code's 28 canonical characters, or None if it cannot be a code (typo)."""
    if not isinstance(text, str) or len(text) > 80:
        return None
    compact = re.sub(r"[\s\-.]", "", text.upper()).translate(_CODE_ALIASES)
    if len(compact) != CODE_RANDOM_CHARS + 1 or any(c not in passnumber.ALPHABET for c in compact):
        return None
    if passnumber.check_character(compact[:-1]) != compact[-1]:
        return None
    return compact


def _derive(code: str, salt: bytes, opslimit: int, memlimit: int) -> tuple[bytes, bytes]:
    """(key-encryption key, verifier) from the canonical code, by Argon2id."""
    okm = argon2id.kdf(64, code.encode("ascii"), salt, opslimit=opslimit, memlimit=memlimit)
    return okm[:32], okm[32:]


def _wrap(kek: bytes, number: str, data_key: bytes) -> tuple[bytes, bytes]:
    nonce = secrets.token_bytes(sealing.NONCE_BYTES)
    wrapped = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        data_key, _CODE_WRAP_AD + number.encode("ascii"), nonce, kek
    )
    return nonce, wrapped


def _unwrap(kek: bytes, number: str, nonce: bytes, wrapped: bytes) -> bytes:
    try:
        return bytes(
            nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
                wrapped, _CODE_WRAP_AD + number.encode("ascii"), nonce, kek
            )
        )
    except nacl.exceptions.CryptoError:
        raise WrongCode("the record does not open with this code") from None


# --- lookups ---------------------------------------------------------------------------------


def _normalize_number(number: str) -> str:
    try:
        return passnumber.normalize(number)
    except FormatError as exc:
        raise BadRequest(str(exc)) from None


def _find_pass(session: Session, number: str) -> PassRecord | None:
    return session.scalar(sa.select(PassRecord).where(PassRecord.number == number))


def _require_pass(session: Session, number: str) -> PassRecord:
    record = _find_pass(session, number)
    if record is None:
        raise UnknownPass(f"no pass with number {number}")
    return record


def _record_of(session: Session, pass_id: int) -> tuple[EscrowRecord, EscrowKey] | None:
    rec = session.scalar(sa.select(EscrowRecord).where(EscrowRecord.pass_id == pass_id))
    if rec is None:
        return None
    key = session.get(EscrowKey, rec.id)
    if key is None:  # the key was shredded: the ciphertext is noise, remove it too
        session.delete(rec)
        session.flush()
        return None
    return rec, key


def _delete_record(session: Session, pass_id: int) -> bool:
    """Shred the data key first, then the ciphertext. True if there was a record."""
    rec = session.scalar(sa.select(EscrowRecord).where(EscrowRecord.pass_id == pass_id))
    if rec is None:
        return False
    session.execute(sa.delete(EscrowKey).where(EscrowKey.record_id == rec.id))
    session.execute(sa.delete(EscrowRecord).where(EscrowRecord.id == rec.id))
    session.flush()
    return True


def has_record(session: Session, number: str) -> bool:
    """Whether an escrow record exists for this number (no secret needed, reveals no identity)."""
    record = _find_pass(session, _normalize_number(number))
    return record is not None and _record_of(session, record.id) is not None


def _actor(official: Official | None) -> tuple[str, str]:
    return (official.username, official.role) if official is not None else ("system", "system")


# --- sealing at intake -----------------------------------------------------------------------


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
    number = _normalize_number(pass_number)
    record = _require_pass(session, number)
    actor, role = _actor(official)
    if not replace and _record_of(session, record.id) is not None:
        return None
    if policy != "escrow" or not consent:
        if _delete_record(session, record.id):
            audit.append(session, at=now, actor=actor, role=role, action="escrow_erased",
                         pass_number=number, reason_code="no_consent")
        return None
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
        raise EscrowError(f"pass {number} has no valid card to seal a record for")

    code_row = session.get(PassCode, record.id)
    kek: bytes | None = None
    code: str | None = None
    if personal_code is not None and code_row is not None:
        canonical = normalize_code(personal_code)
        if canonical is not None:
            candidate, verifier = _derive(canonical, code_row.salt, code_row.opslimit, code_row.memlimit)
            if secrets.compare_digest(verifier, code_row.verifier):
                kek, code = candidate, canonical
    if kek is None or code is None:
        code = normalize_code(new_code())
        assert code is not None
        salt = secrets.token_bytes(SALT_BYTES)
        limits = config.code_kdf
        kek, verifier = _derive(code, salt, limits.opslimit, limits.memlimit)
        if code_row is None:
            code_row = PassCode(pass_id=record.id)
            session.add(code_row)
        code_row.created_at, code_row.salt, code_row.verifier = now, salt, verifier
        code_row.opslimit, code_row.memlimit = limits.opslimit, limits.memlimit

    replaced = _delete_record(session, record.id)
    data_key = sealing.new_data_key()
    recipient = sealing.kid(config.public_key)
    nonce, ciphertext = sealing.encrypt_record(
        data_key, number=number, recipient_kid=recipient, fields=values, sealed_at=now
    )
    code_nonce, wrapped = _wrap(kek, number, data_key)
    rec = EscrowRecord(pass_id=record.id, created_at=now, recipient_kid=recipient, nonce=nonce,
                       ciphertext=ciphertext)
    session.add(rec)
    session.flush()
    session.add(EscrowKey(
        record_id=rec.id, sealed_key=sealing.seal_data_key(config.public_key, data_key),
        code_nonce=code_nonce, code_wrapped_key=wrapped,
    ))
    audit.append(session, at=now, actor=actor, role=role, action="escrow_sealed",
                 pass_number=number, reason_code="replaced" if replaced else None)
    session.flush()
    return format_code(code)


# --- the worker's side -------------------------------------------------------------------------


def _dummy_kdf(config: EscrowConfig | None) -> None:
    limits = (config or EscrowConfig()).code_kdf
    _derive("0" * (CODE_RANDOM_CHARS + 1), bytes(SALT_BYTES), limits.opslimit, limits.memlimit)


def _check_code(
    session: Session, number: str, code: str, config: EscrowConfig | None
) -> tuple[PassRecord, bytes] | None:
    """(pass, key-encryption key) if the code belongs to the number; same cost either way."""
    canonical = normalize_code(code)
    try:
        normalized = passnumber.normalize(number)
    except FormatError:
        normalized = None
    record = _find_pass(session, normalized) if normalized else None
    row = session.get(PassCode, record.id) if record is not None else None
    if canonical is None or record is None or row is None:
        _dummy_kdf(config)
        return None
    kek, verifier = _derive(canonical, row.salt, row.opslimit, row.memlimit)
    if not secrets.compare_digest(verifier, row.verifier):
        return None
    return record, kek


def verify_code(
    session: Session, *, number: str, code: str, config: EscrowConfig | None = None
) -> bool:
    """True if ``code`` is the personal code of pass ``number`` (ownership at renewal)."""
    return _check_code(session, number, code, config) is not None


@dataclass(frozen=True)
class LogEntry:
    """An access-log line as the worker sees it: no official's name."""

    at: int
    role: str
    action: str
    reason_code: str | None


@dataclass(frozen=True)
class WorkerView:
    """Everything kept about one pass number, for its holder (/mijn-pas)."""

    number: str
    status: PassStatus
    created_at: int
    category: str
    iss: str
    record_exists: bool
    record_sealed_at: int | None
    record_fields: dict[str, str] | None = field(repr=False)
    code_created_at: int | None
    entries: tuple[LogEntry, ...]


def access_log(session: Session, number: str) -> list[LogEntry]:
    """Every audit event about this pass number, oldest first, without officials' names."""
    rows = session.scalars(
        sa.select(AuditEvent).where(AuditEvent.pass_number == number).order_by(AuditEvent.id)
    )
    return [LogEntry(e.at, e.role, e.action, e.reason_code) for e in rows]


def worker_view(
    session: Session, *, number: str, code: str, now: int, config: EscrowConfig | None = None
) -> WorkerView | None:
    """What is stored about ``number``, opened with her code; None if number or code is wrong."""
    checked = _check_code(session, number, code, config)
    if checked is None:
        return None
    record, kek = checked
    fields: dict[str, str] | None = None
    sealed_at: int | None = None
    found = _record_of(session, record.id)
    if found is not None:
        rec, key = found
        data_key = _unwrap(kek, record.number, key.code_nonce, key.code_wrapped_key)
        doc = sealing.decrypt_record(
            data_key, number=record.number, recipient_kid=rec.recipient_kid, nonce=rec.nonce,
            ciphertext=rec.ciphertext,
        )
        fields = {str(k): str(v) for k, v in doc["fields"].items()}
        sealed_at = rec.created_at
    code_row = session.get(PassCode, record.id)
    return WorkerView(
        number=record.number,
        status=PassService._status(record, now),
        created_at=record.created_at,
        category=record.category,
        iss=record.iss,
        record_exists=found is not None,
        record_sealed_at=sealed_at,
        record_fields=fields,
        code_created_at=code_row.created_at if code_row is not None else None,
        entries=tuple(access_log(session, record.number)),
    )


def erase(
    session: Session, number: str, code: str, now: int, *, config: EscrowConfig | None = None
) -> bool:
    """The worker erases her escrow record (both the team's and her code's access at once).

    Raises :class:`WrongCode` if number and code do not belong together; returns
    whether there was a record. Her code keeps working for /mijn-pas (to see the log)
    until the pass ends. The pass itself stays valid: revoke it separately
    (``PassService.revoke(reason="stopped")``) if she asks for that too.
    """
    checked = _check_code(session, number, code, config)
    if checked is None:
        raise WrongCode("number or code is not right")
    record, _kek = checked
    existed = _delete_record(session, record.id)
    if existed:
        audit.append(session, at=now, actor="worker", role="worker", action="escrow_erased",
                     pass_number=record.number, reason_code="own_request")
    return existed


# --- the handhaver's side ----------------------------------------------------------------------


@dataclass(frozen=True)
class Release:
    """The outcome of a request: the sealed document, or "pending" approval."""

    request_id: int
    status: str  # "released" or "pending"
    document: dict[str, Any] | None = field(default=None, repr=False)
    records: int = 0


def _require_handhaver(official: Official) -> None:
    if official.role != "handhaver":
        raise Forbidden("only handhavers may request escrow records")


def _check_reason(config: EscrowConfig, reason_code: str, reason: str) -> bytes:
    if reason_code not in REASON_CODES:
        raise BadRequest(f"reason_code must be one of {', '.join(REASON_CODES)}")
    text = " ".join((reason or "").split())
    if not (REASON_MIN_CHARS <= len(text) <= REASON_MAX_CHARS):
        raise BadRequest(
            f"state the reason in {REASON_MIN_CHARS} to {REASON_MAX_CHARS} characters"
        )
    if config.public_key is None:
        raise EscrowNotConfigured("keys/escrow.pub is missing")
    return sealing.seal_text(config.public_key, text)


def _entry(session: Session, record: PassRecord) -> sealing.SealedEntry | None:
    found = _record_of(session, record.id)
    if found is None:
        return None
    rec, key = found
    return sealing.SealedEntry(
        number=record.number, recipient_kid=rec.recipient_kid, sealed_key=key.sealed_key,
        nonce=rec.nonce, ciphertext=rec.ciphertext, sealed_at=rec.created_at,
    )


def _release(session: Session, request: EscrowRequest, official: Official, now: int) -> Release:
    """Log first, then build the document (the caller commits before handing it out)."""
    if request.kind == "record":
        record = session.get(PassRecord, request.pass_id)
        assert record is not None
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_release", pass_number=record.number,
                     reason_code=request.reason_code)
        entry = _entry(session, record)
        if entry is None:
            raise NoRecord(f"pass {record.number} has no escrow record")
        request.status, request.released_at = "released", now
        session.flush()
        return Release(request.id, "released",
                       sealing.record_document(entry, request_id=request.id, released_at=now), 1)
    audit.append(session, at=now, actor=official.username, role=official.role,
                 action="escrow_export", reason_code=request.reason_code)
    entries = []
    rows = session.scalars(
        sa.select(PassRecord).join(EscrowRecord, EscrowRecord.pass_id == PassRecord.id)
        .order_by(PassRecord.id)
    ).all()
    for record in rows:
        entry = _entry(session, record)
        if entry is None:
            continue
        # Each holder sees on /mijn-pas that her record was part of a bulk search.
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_exported", pass_number=record.number,
                     reason_code=request.reason_code)
        entries.append(entry)
    request.status, request.released_at = "released", now
    session.flush()
    return Release(request.id, "released",
                   sealing.export_document(entries, request_id=request.id, released_at=now),
                   len(entries))


def request_record(
    session: Session,
    config: EscrowConfig,
    *,
    number: str,
    official: Official,
    reason_code: str,
    reason: str,
    now: int,
) -> Release:
    """A handhaver asks for the sealed record of one pass number.

    Writes the request to the audit log first (``escrow_release``, or ``escrow_request``
    when a second handhaver must approve), inside the caller's transaction; hand the
    document out only after that transaction committed. Raises :class:`Forbidden`,
    :class:`BadRequest`, ``UnknownPass``, :class:`NoRecord`.
    """
    _require_handhaver(official)
    sealed_reason = _check_reason(config, reason_code, reason)
    normalized = _normalize_number(number)
    record = _require_pass(session, normalized)
    if _record_of(session, record.id) is None:
        # Log the look-up too: otherwise a handhaver could learn, unlogged, which numbers
        # have a sealed record, i.e. who consented. Callers commit before reporting NoRecord.
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_lookup_empty", pass_number=normalized, reason_code=reason_code)
        raise NoRecord(f"pass {normalized} has no escrow record")
    request = EscrowRequest(
        kind="record", pass_id=record.id, requested_by=official.username, requested_at=now,
        reason_code=reason_code, reason_sealed=sealed_reason, status="pending",
    )
    session.add(request)
    session.flush()
    if config.two_person:
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_request", pass_number=normalized, reason_code=reason_code)
        return Release(request.id, "pending")
    return _release(session, request, official, now)


def bulk_export(
    session: Session,
    config: EscrowConfig,
    *,
    official: Official,
    reason_code: str,
    reason: str,
    now: int,
) -> Release:
    """All sealed records, for a person → number search on the handhaver's laptop.

    Logged as one ``escrow_export`` event plus one ``escrow_exported`` event per
    record's number (so each holder sees it). Same approval rule as :func:`request_record`.
    """
    _require_handhaver(official)
    sealed_reason = _check_reason(config, reason_code, reason)
    request = EscrowRequest(
        kind="export", pass_id=None, requested_by=official.username, requested_at=now,
        reason_code=reason_code, reason_sealed=sealed_reason, status="pending",
    )
    session.add(request)
    session.flush()
    if config.two_person:
        audit.append(session, at=now, actor=official.username, role=official.role,
                     action="escrow_request", reason_code=reason_code)
        return Release(request.id, "pending")
    return _release(session, request, official, now)


def _pending(session: Session, request_id: int) -> EscrowRequest:
    request = session.get(EscrowRequest, request_id)
    if request is None:
        raise BadRequest(f"no escrow request {request_id}")
    return request


def _number_of(session: Session, request: EscrowRequest) -> str | None:
    if request.pass_id is None:
        return None
    record = session.get(PassRecord, request.pass_id)
    return record.number if record is not None else None


def approve(
    session: Session, config: EscrowConfig, *, request_id: int, official: Official, now: int
) -> Release:
    """A second handhaver (not the requester) approves a pending request."""
    _require_handhaver(official)
    request = _pending(session, request_id)
    if request.status != "pending":
        raise BadRequest(f"request {request_id} is {request.status}, not pending")
    if request.requested_by == official.username:
        raise Forbidden("a second handhaver must approve, not the one who asked")
    from tokenservice.access import accounts

    if accounts.could_be_one_person(session, request.requested_by, official.username, now):
        raise Forbidden(
            "refused: your account and the requester's were created or reset by the same beheer "
            f"account (or one it set up) in the last {accounts.SEPARATION_DAYS} days, so one "
            "person could hold both; another handhaver must approve"
        )
    if now - request.requested_at > config.approval_hours * 3600:
        request.status = "expired"
        session.flush()
        raise BadRequest(f"request {request_id} has expired; ask again")
    request.status, request.approved_by, request.approved_at = "approved", official.username, now
    audit.append(session, at=now, actor=official.username, role=official.role,
                 action="escrow_approve", pass_number=_number_of(session, request),
                 reason_code=request.reason_code)
    session.flush()
    return Release(request.id, "pending")


def deny(
    session: Session, config: EscrowConfig, *, request_id: int, official: Official, now: int
) -> None:
    """A second handhaver refuses a pending request."""
    _require_handhaver(official)
    request = _pending(session, request_id)
    if request.status not in ("pending", "approved"):
        raise BadRequest(f"request {request_id} is {request.status}")
    if request.requested_by == official.username:
        raise Forbidden("the requester cannot decide on their own request")
    request.status = "denied"
    audit.append(session, at=now, actor=official.username, role=official.role,
                 action="escrow_deny", pass_number=_number_of(session, request),
                 reason_code=request.reason_code)
    session.flush()


def collect(
    session: Session, config: EscrowConfig, *, request_id: int, official: Official, now: int
) -> Release:
    """The requester fetches an approved request (once, within ``approval_hours``)."""
    _require_handhaver(official)
    request = _pending(session, request_id)
    if request.requested_by != official.username:
        raise Forbidden("only the handhaver who asked can collect the record")
    if request.status != "approved":
        raise BadRequest(f"request {request_id} is {request.status}, not approved")
    assert request.approved_at is not None
    if now - request.approved_at > config.approval_hours * 3600:
        request.status = "expired"
        session.flush()
        raise BadRequest(f"request {request_id} has expired; ask again")
    return _release(session, request, official, now)


@dataclass(frozen=True)
class RequestInfo:
    """A request as a handhaver's or beheer's list shows it (no reason text: it is sealed)."""

    id: int
    kind: str
    number: str | None
    requested_by: str
    requested_at: int
    reason_code: str
    status: str
    approved_by: str | None


def list_requests(session: Session, *, status: str | None = None, limit: int = 200) -> list[RequestInfo]:
    query = sa.select(EscrowRequest).order_by(EscrowRequest.id.desc()).limit(limit)
    if status is not None:
        query = query.where(EscrowRequest.status == status)
    return [
        RequestInfo(r.id, r.kind, _number_of(session, r), r.requested_by, r.requested_at,
                    r.reason_code, r.status, r.approved_by)
        for r in session.scalars(query)
    ]


def count_records(session: Session) -> int:
    """How many escrow records exist (for reports: a count, nothing else)."""
    return int(session.scalar(sa.select(sa.func.count()).select_from(EscrowRecord)) or 0)


# --- the access log: signed checkpoints, verification, export -----------------------------------
# Moved to tokenservice/audit/log.py (the tree heads live beside the log they sign); the names
# stay importable from here for existing callers.

checkpoint = audit.checkpoint
verify_log = audit.verify_log
export_log_csv = audit.export_log_csv
LogReport = audit.LogReport


__all__ = [
    "IDENTITY_FIELDS",
    "REASON_CODES",
    "BadRequest",
    "EscrowConfig",
    "EscrowError",
    "EscrowNotConfigured",
    "Forbidden",
    "Identity",
    "LogEntry",
    "LogReport",
    "NoRecord",
    "Release",
    "RequestInfo",
    "WorkerView",
    "WrongCode",
    "access_log",
    "approve",
    "bulk_export",
    "checkpoint",
    "collect",
    "config_for",
    "count_records",
    "deny",
    "erase",
    "export_log_csv",
    "format_code",
    "has_record",
    "list_requests",
    "load_config",
    "new_code",
    "normalize_code",
    "policy_for",
    "request_record",
    "seal_identity",
    "verify_code",
    "verify_log",
    "worker_view",
]
