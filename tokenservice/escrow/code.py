"""The worker's personal code: printed once on her receipt, stored nowhere.

Argon2id derives two things from the code and a per-pass salt: a key-encryption key
that wraps her record's data key (so she can open it on /mijn-pas), and a verifier
that the server keeps (:class:`~tokenservice.store.models.PassCode`) to recognise the
code at renewal. A wrong number and a wrong code cost the same derivation, so the time
of an answer tells nothing.
"""

from __future__ import annotations

import re
import secrets
from typing import Final

import nacl.bindings
import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
from sqlalchemy.orm import Session

from keys import escrow as sealing
from keys.keyfile import KdfLimits
from tokenservice.escrow.errors import WrongCode
from tokenservice.escrow.records import find_pass
from tokenservice.escrow.settings import EscrowConfig
from tokenservice.store.models import PassCode, PassRecord
from verifier import passnumber
from verifier.errors import FormatError

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


def _key_if_right(row: PassCode, canonical: str) -> bytes | None:
    """The key-encryption key if ``canonical`` is the code ``row`` verifies, else None."""
    kek, verifier = _derive(canonical, row.salt, row.opslimit, row.memlimit)
    return kek if secrets.compare_digest(verifier, row.verifier) else None


def wrap_key(kek: bytes, number: str, data_key: bytes) -> tuple[bytes, bytes]:
    """(nonce, wrapped data key): the record's data key under her code's key."""
    nonce = secrets.token_bytes(sealing.NONCE_BYTES)
    wrapped = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        data_key, _CODE_WRAP_AD + number.encode("ascii"), nonce, kek
    )
    return nonce, wrapped


def unwrap_key(kek: bytes, number: str, nonce: bytes, wrapped: bytes) -> bytes:
    """The record's data key; :class:`WrongCode` if her code's key does not open it."""
    try:
        return bytes(
            nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
                wrapped, _CODE_WRAP_AD + number.encode("ascii"), nonce, kek
            )
        )
    except nacl.exceptions.CryptoError:
        raise WrongCode("the record does not open with this code") from None


def personal_key(
    session: Session, pass_id: int, given: str | None, limits: KdfLimits, now: int
) -> tuple[bytes, str]:
    """(key-encryption key, canonical code) for sealing the record of pass ``pass_id``.

    Keeps her code if she ``given`` it and it verifies; otherwise makes a new one and
    stores its verifier in place of the old (the code itself is stored nowhere).
    """
    code_row = session.get(PassCode, pass_id)
    if given is not None and code_row is not None:
        canonical = normalize_code(given)
        if canonical is not None:
            kek = _key_if_right(code_row, canonical)
            if kek is not None:
                return kek, canonical
    code = normalize_code(new_code())
    assert code is not None
    salt = secrets.token_bytes(SALT_BYTES)
    kek, verifier = _derive(code, salt, limits.opslimit, limits.memlimit)
    if code_row is None:
        code_row = PassCode(pass_id=pass_id)
        session.add(code_row)
    code_row.created_at, code_row.salt, code_row.verifier = now, salt, verifier
    code_row.opslimit, code_row.memlimit = limits.opslimit, limits.memlimit
    return kek, code


def _dummy_kdf(config: EscrowConfig | None) -> None:
    limits = (config or EscrowConfig()).code_kdf
    _derive("0" * (CODE_RANDOM_CHARS + 1), bytes(SALT_BYTES), limits.opslimit, limits.memlimit)


def check_code(
    session: Session, number: str, code: str, config: EscrowConfig | None
) -> tuple[PassRecord, bytes] | None:
    """(pass, key-encryption key) if the code belongs to the number; same cost either way."""
    canonical = normalize_code(code)
    try:
        normalized = passnumber.normalize(number)
    except FormatError:
        normalized = None
    record = find_pass(session, normalized) if normalized else None
    row = session.get(PassCode, record.id) if record is not None else None
    if canonical is None or record is None or row is None:
        _dummy_kdf(config)
        return None
    kek = _key_if_right(row, canonical)
    return (record, kek) if kek is not None else None


def verify_code(
    session: Session, *, number: str, code: str, config: EscrowConfig | None = None
) -> bool:
    """True if ``code`` is the personal code of pass ``number`` (ownership at renewal)."""
    return check_code(session, number, code, config) is not None


__all__ = [
    "CODE_GROUP",
    "CODE_RANDOM_CHARS",
    "SALT_BYTES",
    "check_code",
    "format_code",
    "new_code",
    "normalize_code",
    "personal_key",
    "unwrap_key",
    "verify_code",
    "wrap_key",
]
