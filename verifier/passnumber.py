"""Pass numbers: random, typeable, and self-checking.

Form: ``PP-XXXXXXXX-C`` — a 2–4 letter issuer prefix, 8 Crockford base32
characters (40 random bits), and one check character. The check character is a
Damm check over GF(32): it catches every single mistyped character and every
swap of two neighbours, including a swap with the check character itself.
See docs/token-format.md §"Pass numbers" and docs/adr/0003-pass-numbers.md.
"""

from __future__ import annotations

import re
import secrets

from .errors import FormatError

#: Crockford's base32 alphabet: no I, L, O, U, so nothing reads as another character.
ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
DIGITS = 8
_VALUE = {c: i for i, c in enumerate(ALPHABET)}
# Typing aids from Crockford's spec: lowercase, and I/L read as 1, O as 0.
_ALIASES = str.maketrans({"I": "1", "L": "1", "O": "0"})
PATTERN = re.compile(r"[A-Z]{2,4}-[0-9A-HJKMNP-TV-Z]{8}-[0-9A-HJKMNP-TV-Z]")
_PREFIX = re.compile(r"[A-Z]{2,4}")


def _step(interim: int, digit: int) -> int:
    # Damm quasigroup x∘d = 2·x + d in GF(2^5) with x^5 + x^2 + 1; totally anti-symmetric.
    doubled = interim << 1
    if doubled & 0x20:
        doubled ^= 0x25
    return doubled ^ digit


def check_character(digits: str) -> str:
    """The Damm check character for a string of Crockford base32 digits."""
    interim = 0
    for c in digits:
        interim = _step(interim, _VALUE[c])
    return ALPHABET[_step(interim, 0)]


def new(prefix: str) -> str:
    """A fresh random pass number for an issuer prefix (never derived from anyone)."""
    if not _PREFIX.fullmatch(prefix):
        raise FormatError("pass number prefix must be 2 to 4 capital letters")
    body = "".join(secrets.choice(ALPHABET) for _ in range(DIGITS))
    return f"{prefix}-{body}-{check_character(body)}"


def is_valid(number: str) -> bool:
    """True when ``number`` is in canonical form and its check character matches."""
    if not isinstance(number, str) or not PATTERN.fullmatch(number):
        return False
    _, body, check = number.split("-")
    return check_character(body) == check


def normalize(text: str) -> str:
    """Turn what an official typed into the canonical form, or raise FormatError.

    Accepts lowercase, missing or extra hyphens and spaces, and the letters I, L, O
    for 1, 1, 0. Raises when the check character does not match (a typo).
    """
    if not isinstance(text, str) or len(text) > 40:
        raise FormatError("not a pass number")
    compact = re.sub(r"[\s\-]", "", text.upper())
    match = re.fullmatch(r"([A-Z]{2,4}?)([0-9A-Z]{9})", compact)
    if not match:
        raise FormatError("a pass number looks like GR-7K3M9QXD-4")
    prefix, rest = match.groups()
    rest = rest.translate(_ALIASES)
    if any(c not in _VALUE for c in rest):
        raise FormatError("a pass number looks like GR-7K3M9QXD-4")
    number = f"{prefix}-{rest[:DIGITS]}-{rest[DIGITS]}"
    if not is_valid(number):
        raise FormatError("pass number check character does not match: probably a typo")
    return number
