"""Base45 (RFC 9285) without a Python-level loop.

A naive decoder costs about three Ed25519 verifications for a pass-sized QR, so
decoding is done with C-speed primitives: ``bytes.translate`` maps characters to
digit values, strided slices split the chunks, and one big-integer expression
``a + 45*b + 2025*c`` computes every 3-character chunk at once in 24-bit lanes
that cannot carry into each other (max 91,124 < 2**24).
"""

from __future__ import annotations

from .errors import FormatError

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"
_INVALID = 0xFF
_DECODE_TABLE = bytes(
    ALPHABET.index(chr(i)) if chr(i) in ALPHABET else _INVALID for i in range(256)
)
_PAIRS = [a + b for b in ALPHABET for a in ALPHABET]  # index = lo + 45*hi


def encode(data: bytes) -> str:
    """Encode bytes as base45 text."""
    out = []
    alphabet = ALPHABET
    n = len(data)
    for i in range(0, n - 1, 2):
        v = (data[i] << 8) | data[i + 1]
        e, rest = divmod(v, 2025)
        out.append(_PAIRS[rest] + alphabet[e])
    if n % 2:
        out.append(_PAIRS[data[-1]])
    return "".join(out)


def decode(text: str) -> bytes:
    """Decode base45 text; raise FormatError for anything RFC 9285 does not allow."""
    try:
        raw = text.encode("ascii")
    except UnicodeEncodeError:
        raise FormatError("base45: non-ASCII character") from None
    n = len(raw)
    if n % 3 == 1:
        raise FormatError("base45: length leaves a single dangling character")
    digits = raw.translate(_DECODE_TABLE)
    if _INVALID in digits:
        raise FormatError("base45: character outside the alphabet")
    full = n - n % 3
    m = full // 3
    out = bytearray(2 * m + (n % 3 == 2))
    if m:
        lanes = bytearray(3 * m)
        lanes[2::3] = digits[0:full:3]
        a = int.from_bytes(lanes, "big")
        lanes[2::3] = digits[1:full:3]
        b = int.from_bytes(lanes, "big")
        lanes[2::3] = digits[2:full:3]
        c = int.from_bytes(lanes, "big")
        values = (a + 45 * b + 2025 * c).to_bytes(3 * m, "big")
        if values[0::3].count(0) != m:
            raise FormatError("base45: chunk value above 65535")
        out[0 : 2 * m : 2] = values[1::3]
        out[1 : 2 * m : 2] = values[2::3]
    if n % 3 == 2:
        v = digits[full] + 45 * digits[full + 1]
        if v > 255:
            raise FormatError("base45: final pair above 255")
        out[-1] = v
    return bytes(out)
