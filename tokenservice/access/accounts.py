"""Officials' accounts: argon2id passwords, sealed TOTP secrets, enrolment links, lockout,
API tokens, and the separation-of-duties rule of the two-person rule.

No Flask here; the auth and beheer blueprints, the CLI and the demo set-up call these.

* **Enrolment links** (docs/adr/0012). A new account, and an account whose credentials beheer
  resets, gets no password from beheer: beheer (or ``pas-service user add``) gets a one-time
  link (:func:`create_pending`, :func:`reset`) to hand over out of band; the official opens
  it and sets their own password and second factor (:func:`complete_enrolment`). Only the
  link token's SHA-256 is stored; a link works once, for :data:`ENROLMENT_HOURS`.
* **Who set an account up.** Each account records the beheer account that last created or
  reset it (``provisioned_by``/``provisioned_at``); :func:`could_be_one_person` is the
  rule escrow.approve applies: requester and approver must not both be reachable from one
  beheer account through set-ups of the last :data:`SEPARATION_DAYS` days.
* **TOTP secrets at rest** (docs/adr/0013) are sealed (XChaCha20-Poly1305, the username as
  associated data) with a 32-byte key in ``instance/totp.key``, never in the database
  (:class:`TotpKey`, :func:`prepare_totp`).
"""

from __future__ import annotations

import hashlib
import logging
import os
import re
import secrets
import sqlite3
import time
import weakref
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import nacl.bindings
import nacl.exceptions
import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from tokenservice.clock import DAY
from tokenservice.errors import Error
from tokenservice.store.models import Account, ApiToken, EnrolmentLink, Role

log = logging.getLogger(__name__)

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults
_USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")
MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "pas_"  # noqa: S105 - a prefix, not a secret
#: The password hash of an account waiting for its enrolment link: no password matches it.
PENDING_HASH = "!enrolment-pending"
#: An enrolment link works once, within this many hours.
ENROLMENT_HOURS = 72
#: Set-ups (creation or reset by beheer) younger than this count for the two-person rule.
SEPARATION_DAYS = 30
#: The file in the instance folder that holds the key sealing TOTP secrets.
TOTP_KEY_FILE = "totp.key"
#: Link tokens: secrets.token_urlsafe(32).
LINK_TOKEN = re.compile(r"[A-Za-z0-9_-]{43}")


class AccountError(Error):
    code = "account"


@dataclass(frozen=True)
class NewAccount:
    username: str
    role: str
    password: str
    totp_secret: str

    def __repr__(self) -> str:
        return f"NewAccount(username={self.username!r}, role={self.role!r}, <secrets redacted>)"


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def password_matches(stored_hash: str, password: str) -> bool:
    if stored_hash.startswith("!"):  # waiting for enrolment: no password, same time spent
        burn_password_check(password)
        return False
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def totp_uri(username: str, secret: str, issuer_name: str = "Pas-service") -> str:
    return pyotp.TOTP(secret).provisioning_uri(name=username, issuer_name=issuer_name)


# --- TOTP secrets at rest -------------------------------------------------------------------


class TotpKey:
    """The key that seals officials' TOTP secrets; it lives in ``instance/totp.key``."""

    VERSION = b"\x01"

    def __init__(self, key: bytes) -> None:
        if len(key) != 32:
            raise AccountError("the TOTP key must be 32 bytes")
        self._key = key
        #: Stored with each sealed secret, so a secret sealed under another key is recognised.
        self.kid = hashlib.blake2b(b"pas totp key id", key=key, digest_size=8).digest()

    def __repr__(self) -> str:
        return f"TotpKey(kid={self.kid.hex()})"

    @classmethod
    def load(cls, instance_dir: Path) -> TotpKey:
        """The instance's key; made (mode 0600) if there is none yet."""
        path = Path(instance_dir) / TOTP_KEY_FILE
        if not path.exists():
            tmp = path.with_name(f".{TOTP_KEY_FILE}.{secrets.token_hex(8)}")
            fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "w") as f:
                f.write(f"pas-totp-key-v1 {secrets.token_bytes(32).hex()}\n")
            try:
                os.link(tmp, path)  # atomic: of workers starting together, one key wins
            except FileExistsError:
                pass
            finally:
                tmp.unlink()
        try:
            text = path.read_text(encoding="ascii").split()
            if len(text) != 2 or text[0] != "pas-totp-key-v1":
                raise ValueError
            return cls(bytes.fromhex(text[1]))
        except (OSError, ValueError, UnicodeDecodeError):
            raise AccountError(f"{path} is not a readable TOTP key file (docs/adr/0013)") from None

    @staticmethod
    def _aad(username: str) -> bytes:
        return b"pas totp v1\x00" + username.encode()

    def seal(self, secret: str, username: str) -> bytes:
        nonce = secrets.token_bytes(24)
        box = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
            secret.encode(), self._aad(username), nonce, self._key)
        return self.VERSION + self.kid + nonce + box

    def open(self, sealed: bytes, username: str) -> str | None:
        """The secret, or None if it was sealed under another key, for another account, or altered."""
        sealed = bytes(sealed)
        if len(sealed) < 33 + 16 or sealed[:1] != self.VERSION or sealed[1:9] != self.kid:
            return None
        try:
            return nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
                sealed[33:], self._aad(username), sealed[9:33], self._key).decode()
        except (nacl.exceptions.CryptoError, UnicodeDecodeError):
            return None


_keys: weakref.WeakKeyDictionary[Any, TotpKey] = weakref.WeakKeyDictionary()


def register_key(engine: sa.Engine, key: TotpKey) -> None:
    """Tie ``key`` to a database engine, so code holding only a session finds it."""
    _keys[engine] = key


def key_for(obj: Session | sa.Engine) -> TotpKey:
    engine = obj.get_bind() if isinstance(obj, Session) else obj
    engine = getattr(engine, "engine", engine)
    try:
        return _keys[engine]
    except (KeyError, TypeError):
        raise AccountError("no TOTP key loaded for this database (accounts.prepare_totp)") from None


def totp_secret_of(account: Account, key: TotpKey) -> str | None:
    """The account's TOTP secret, or None (none enrolled, or not sealed under ``key``)."""
    if account.totp_sealed:
        return key.open(account.totp_sealed, account.username)
    return account.totp_secret or None  # a legacy row prepare_totp has not sealed yet


def prepare_totp(db: Any, instance_dir: Path) -> TotpKey:
    """Load (or make) the instance's TOTP key, tie it to ``db`` and seal legacy rows.

    Idempotent: rows from before migration 0005 (``totp_secret`` in the clear) are sealed
    and their plain column emptied, then the old bytes are scrubbed from the database's
    files; rows already sealed are left alone. Sealed rows under another key (the key file
    was lost, e.g. after a restore) are reported: those officials need a new enrolment link.
    """
    key = TotpKey.load(instance_dir)
    register_key(db.engine, key)
    try:
        with db.transaction() as session:
            sealed = 0
            for account in session.scalars(sa.select(Account).where(Account.totp_secret.is_not(None))):
                if account.totp_secret:
                    account.totp_sealed = key.seal(account.totp_secret, account.username)
                account.totp_secret = None
                sealed += 1
            foreign = session.scalar(
                sa.select(sa.func.count()).select_from(Account).where(Account.totp_sealed.is_not(None))
                .where(sa.func.substr(Account.totp_sealed, 2, 8) != key.kid)
            ) or 0
    except sa.exc.DBAPIError as exc:  # a database not migrated yet must not stop `init`
        log.warning("TOTP secrets not checked at start-up: %s", type(exc.orig).__name__)
        return key
    if sealed:
        log.info("sealed %d TOTP secret(s) stored in the clear before migration 0005", sealed)
        _scrub_accounts(db)
    if foreign:
        log.warning(
            "%d account(s) have a TOTP secret sealed under another key than %s (kid %s): restore "
            "that file, or give those officials a new enrolment link (docs/beheer.md)",
            foreign, Path(instance_dir) / TOTP_KEY_FILE, key.kid.hex())
    return key


def _scrub_accounts(db: Any, wait: float = 10.0) -> None:
    """Remove overwritten plain secrets from the files: SQLite zeroes freed cells
    (secure_delete) and the WAL is checkpointed and truncated; PostgreSQL rewrites the table.
    Waits up to ``wait`` seconds for other connections; reports if that was not enough."""
    engine = db.engine
    problem: str | None = None
    try:
        if engine.dialect.name == "sqlite":
            deadline = time.monotonic() + wait
            raw = engine.raw_connection()  # outside any transaction (BEGIN IMMEDIATE would block it)
            try:
                cursor = raw.cursor()
                while True:
                    busy, log_frames, done = cursor.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchone()
                    if busy == 0 and log_frames == done:
                        break
                    if time.monotonic() >= deadline:
                        problem = f"checkpoint busy ({busy}, {log_frames}, {done})"
                        break
                    time.sleep(0.05)
                cursor.close()
            finally:
                raw.close()
        elif engine.dialect.name == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as conn:
                conn.exec_driver_sql(f"SET lock_timeout = {int(wait * 1000)}")
                conn.exec_driver_sql("VACUUM FULL accounts")
    except sa.exc.DBAPIError as exc:
        problem = type(exc.orig).__name__
    except sqlite3.Error as exc:
        problem = type(exc).__name__
    if problem:
        log.error("old TOTP secrets may still be in the database files (%s); restart the "
                  "service when it is quiet to seal and scrub again", problem)


def _check_new(session: Session, username: str, role: str) -> str:
    if not _USERNAME.fullmatch(username):
        raise AccountError("username: 2–64 lowercase letters, digits, dot, dash or underscore")
    try:
        role = Role(role).value
    except ValueError:
        raise AccountError(f"role must be one of {', '.join(r.value for r in Role)}") from None
    if session.scalar(sa.select(Account.id).where(Account.username == username)) is not None:
        raise AccountError(f"account {username} exists already")
    return role


def create(
    session: Session, *, username: str, role: str, password: str | None, now: int,
    totp_secret: str | None = None, enrolled: bool = False, key: TotpKey | None = None,
) -> NewAccount:
    """Add an account with a known password and TOTP secret: the demo set-up and tests.

    Officials' real accounts come from :func:`create_pending` (an enrolment link), so that
    nobody but the official ever knows their password or second factor.
    """
    role = _check_new(session, username, role)
    if password is None:
        password = secrets.token_urlsafe(15)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    secret = totp_secret or pyotp.random_base32()
    key = key or key_for(session)
    session.add(
        Account(
            username=username, role=role, password_hash=hash_password(password),
            totp_sealed=key.seal(secret, username), totp_enrolled=enrolled, created_at=now,
            provisioned_at=now,
        )
    )
    session.flush()
    return NewAccount(username=username, role=role, password=password, totp_secret=secret)


def find(session: Session, username: str) -> Account | None:
    return session.scalar(sa.select(Account).where(Account.username == username))


def set_disabled(session: Session, username: str, disabled: bool) -> None:
    account = find(session, username)
    if account is None:
        raise AccountError(f"no account {username}")
    account.disabled = disabled
    if disabled:
        session.execute(
            sa.update(ApiToken).where(ApiToken.account_id == account.id).values(revoked=True)
        )


def code_step(secret: str, code: str, now: int, after: int = 0) -> int | None:
    """The time step at which ``code`` is right for ``secret`` (one step of drift either
    way), if it is later than ``after``; else None."""
    code = (code or "").strip().replace(" ", "")
    if not re.fullmatch(r"[0-9]{6}", code):
        return None
    totp = pyotp.TOTP(secret)
    for offset in (-1, 0, 1):
        step = now // totp.interval + offset
        if step <= after:
            continue
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            return step
    return None


def totp_matches(account: Account, code: str, now: int, key: TotpKey | None = None) -> bool:
    """Check a 6-digit code, refusing a code whose time step was used before (replay)."""
    if not account.totp_enrolled:
        return False
    session = Session.object_session(account)
    if key is None and session is None:
        raise AccountError("totp_matches needs a key for a detached account")
    secret = totp_secret_of(account, key or key_for(session))  # type: ignore[arg-type]
    if secret is None:
        return False
    step = code_step(secret, code, now, after=account.totp_last_step)
    if step is None:
        return False
    account.totp_last_step = step
    return True


def create_token(session: Session, username: str, now: int) -> str:
    """A new API token for an account; only its SHA-256 is stored."""
    account = find(session, username)
    if account is None or account.disabled:
        raise AccountError(f"no active account {username}")
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    session.add(
        ApiToken(account_id=account.id, token_hash=hashlib.sha256(token.encode()).digest(), created_at=now)
    )
    session.flush()
    return token


def account_for_token(session: Session, token: str) -> Account | None:
    if not token.startswith(TOKEN_PREFIX) or len(token) > 100:
        return None
    row = session.scalar(
        sa.select(ApiToken).where(ApiToken.token_hash == hashlib.sha256(token.encode()).digest())
    )
    if row is None or row.revoked or row.account.disabled:
        return None
    return row.account


# --- Login bookkeeping (called by the auth blueprint) -------------------------------------

_dummy_hash: list[str] = []


def burn_password_check(password: str) -> None:
    """Spend the time of one password check without an account (no user enumeration by timing)."""
    if not _dummy_hash:
        _dummy_hash.append(_hasher.hash(secrets.token_urlsafe(16)))
    password_matches(_dummy_hash[0], password)


def needs_rehash(stored_hash: str) -> bool:
    try:
        return _hasher.check_needs_rehash(stored_hash)
    except InvalidHashError:
        return False


def find_for_update(session: Session, *, account_id: int) -> Account | None:
    """The account row, locked for the rest of the transaction (PostgreSQL; SQLite locks the file)."""
    return session.get(Account, account_id, with_for_update=True)


def is_locked(account: Account, now: int) -> bool:
    return account.locked_until > now


def record_failed_login(account: Account, now: int, *, max_attempts: int, lock_minutes: int) -> bool:
    """Count one failed password or code; lock the account at ``max_attempts`` in a row.

    Returns True when this failure locked the account. Failures while it is locked do not
    extend the lock (so nobody can keep an official locked out for ever); a lock that
    expired or was lifted starts a fresh count. The caller should hold the row lock
    (:func:`find_for_update`).
    """
    if is_locked(account, now):
        return False
    if account.locked_until or account.failed_logins >= max_attempts:  # a lock that ended
        account.locked_until = 0
        account.failed_logins = 0
    account.failed_logins += 1
    if account.failed_logins >= max_attempts:
        account.locked_until = now + lock_minutes * 60
        return True
    return False


def record_successful_login(account: Account) -> None:
    account.failed_logins = 0
    account.locked_until = 0


def change_password(account: Account, new_password: str) -> None:
    """Set a new password (the caller checked the old one)."""
    if len(new_password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    account.password_hash = hash_password(new_password)


# --- Enrolment links (docs/adr/0012) ------------------------------------------------------


def _token_hash(token: str) -> bytes:
    return hashlib.sha256(token.encode()).digest()


def _new_link(session: Session, account: Account, by: Account | None, now: int) -> str:
    """A fresh link for ``account``; earlier links of it that were not used stop working."""
    session.execute(
        sa.update(EnrolmentLink)
        .where(EnrolmentLink.account_id == account.id, EnrolmentLink.used_at.is_(None),
               EnrolmentLink.expires_at > now)
        .values(expires_at=now)
    )
    token = secrets.token_urlsafe(32)
    session.add(EnrolmentLink(
        account_id=account.id, token_hash=_token_hash(token), created_by=by.id if by else None,
        created_at=now, expires_at=now + ENROLMENT_HOURS * 3600,
    ))
    session.flush()
    return token


def create_pending(
    session: Session, *, username: str, role: str, by: Account | None, now: int
) -> tuple[Account, str]:
    """A new account without credentials, and the token of its one-time enrolment link.

    ``by`` is the beheer account that asks (None: the command line). Nobody can log in to
    the account until the official has used the link.
    """
    role = _check_new(session, username, role)
    account = Account(
        username=username, role=role, password_hash=PENDING_HASH, totp_enrolled=False,
        created_at=now, provisioned_by=by.id if by else None, provisioned_at=now,
    )
    session.add(account)
    session.flush()
    return account, _new_link(session, account, by, now)


def reset(session: Session, account: Account, *, by: Account | None, now: int) -> str:
    """Take the account's password and second factor away; the token of a new link.

    The old password and code stop working at once (so the official notices a reset they
    did not ask for), open sessions end, and the account counts as set up by ``by``.
    """
    account.password_hash = PENDING_HASH
    account.totp_secret = None
    account.totp_sealed = None
    account.totp_enrolled = False
    account.totp_last_step = 0
    account.failed_logins = 0
    account.locked_until = 0
    account.session_epoch += 1
    account.provisioned_by = by.id if by else None
    account.provisioned_at = now
    return _new_link(session, account, by, now)


def find_link(session: Session, token: str, now: int, *, lock: bool = False) -> EnrolmentLink | None:
    """The link of ``token`` if it is well-formed, unused, not expired and its account active."""
    if not isinstance(token, str) or not LINK_TOKEN.fullmatch(token):
        return None
    query = sa.select(EnrolmentLink).where(EnrolmentLink.token_hash == _token_hash(token))
    if lock:
        query = query.with_for_update()
    link = session.scalar(query)
    if link is None or link.used_at is not None or link.expires_at <= now:
        return None
    account = session.get(Account, link.account_id, with_for_update=lock or None)
    if account is None or account.disabled:
        return None
    return link


def link_account(session: Session, link: EnrolmentLink) -> Account:
    account = session.get(Account, link.account_id)
    assert account is not None
    return account


def complete_enrolment(
    session: Session, token: str, *, password_hash: str, secret: str, code: str, now: int,
    key: TotpKey | None = None,
) -> Account | None:
    """Use the link: the official's own password (hashed by the caller, outside the
    transaction) and the second factor they just proved with ``code``.

    Returns None, changing nothing, if the link is no longer valid or the code is wrong.
    """
    link = find_link(session, token, now, lock=True)
    if link is None:
        return None
    step = code_step(secret, code, now)
    if step is None:
        return None
    account = link_account(session, link)
    key = key or key_for(session)
    account.password_hash = password_hash
    account.totp_secret = None
    account.totp_sealed = key.seal(secret, account.username)
    account.totp_enrolled = True
    account.totp_last_step = step
    account.failed_logins = 0
    account.locked_until = 0
    account.session_epoch += 1
    link.used_at = now
    session.flush()
    return account


# --- Separation of duties (docs/adr/0012) ----------------------------------------------------


def _reach(session: Session, account: Account, now: int) -> set[int]:
    """The account and every beheer account that could hold it: whoever set it up in the
    last SEPARATION_DAYS days, and, the same way, whoever set that account up, and so on."""
    reached = {account.id}
    current: Account | None = account
    while current is not None:
        by, at = current.provisioned_by, current.provisioned_at
        if by is None or at is None or now - at > SEPARATION_DAYS * DAY or by in reached:
            break
        reached.add(by)
        current = session.get(Account, by)
    return reached


def could_be_one_person(session: Session, first: str, second: str, now: int) -> bool:
    """Whether one beheer person could hold both accounts (by username): the two-person rule
    refuses an approval then. Unknown accounts count as suspect."""
    a, b = find(session, first), find(session, second)
    if a is None or b is None:
        return True
    return bool(_reach(session, a, now) & _reach(session, b, now))
