"""Officials' accounts: argon2id passwords, TOTP secrets, lockout, API tokens.

No Flask here; the auth blueprint and the CLI both call these functions.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass

import pyotp
import sqlalchemy as sa
from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError, VerifyMismatchError
from sqlalchemy.orm import Session

from .errors import Error
from .models import Account, ApiToken, Role

_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 low-memory defaults
_USERNAME = re.compile(r"[a-z][a-z0-9._-]{1,63}")
MIN_PASSWORD_LENGTH = 12
TOKEN_PREFIX = "pas_"  # noqa: S105 - a prefix, not a secret


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
    try:
        return _hasher.verify(stored_hash, password)
    except (VerifyMismatchError, VerificationError, InvalidHashError):
        return False


def totp_uri(account: Account, issuer_name: str = "Pas-service") -> str:
    return pyotp.TOTP(account.totp_secret).provisioning_uri(name=account.username, issuer_name=issuer_name)


def create(
    session: Session, *, username: str, role: str, password: str | None, now: int,
    totp_secret: str | None = None, enrolled: bool = False,
) -> NewAccount:
    """Add an account. Generates a password when none is given, and always a TOTP secret."""
    if not _USERNAME.fullmatch(username):
        raise AccountError("username: 2–64 lowercase letters, digits, dot, dash or underscore")
    try:
        role = Role(role).value
    except ValueError:
        raise AccountError(f"role must be one of {', '.join(r.value for r in Role)}") from None
    if password is None:
        password = secrets.token_urlsafe(15)
    if len(password) < MIN_PASSWORD_LENGTH:
        raise AccountError(f"password must be at least {MIN_PASSWORD_LENGTH} characters")
    if session.scalar(sa.select(Account.id).where(Account.username == username)) is not None:
        raise AccountError(f"account {username} exists already")
    secret = totp_secret or pyotp.random_base32()
    session.add(
        Account(
            username=username, role=role, password_hash=hash_password(password),
            totp_secret=secret, totp_enrolled=enrolled, created_at=now,
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


def totp_matches(account: Account, code: str, now: int) -> bool:
    """Check a 6-digit code, refusing a code whose time step was used before (replay)."""
    code = (code or "").strip().replace(" ", "")
    if not re.fullmatch(r"[0-9]{6}", code):
        return False
    totp = pyotp.TOTP(account.totp_secret)
    for offset in (-1, 0, 1):  # one step of clock drift either way
        step = now // totp.interval + offset
        if step <= account.totp_last_step:
            continue
        if secrets.compare_digest(totp.at(step * totp.interval), code):
            account.totp_last_step = step
            return True
    return False


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
