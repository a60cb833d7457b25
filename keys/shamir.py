"""Shamir secret sharing over GF(2^8), byte by byte.

A secret of any length is split into ``n`` shares so that any ``k`` of them give
it back and ``k - 1`` of them say nothing at all about it (every secret of that
length is equally consistent with them). Each byte of the secret is the constant
term of its own random polynomial of degree ``k - 1``; share ``x`` holds the
values of all those polynomials at ``x`` (1..255).

The field is GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1 (0x11B), as
in SLIP-0039 and ``ssss``. Arithmetic goes through log/antilog tables of the
generator 3. The code runs on the handhaver team's offline laptop at key
ceremonies, on 32-byte secrets, so table lookups (not constant time) are
acceptable there; this module is not used on the server.

This module only does the arithmetic. Text encoding, checksums and the check that
a reconstructed key matches its public key are in :mod:`keys.escrow`.
"""

from __future__ import annotations

import secrets
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Final

from .errors import Error


class ShareError(Error):
    """Shares that cannot be combined (too few, duplicates, mixed lengths)."""


MAX_SHARES: Final = 255


def _tables() -> tuple[list[int], list[int]]:
    exp = [0] * 510
    log = [0] * 256
    x = 1
    for i in range(255):
        exp[i] = x
        log[x] = i
        # multiply by the generator 3 = x + 1
        x ^= (x << 1) ^ (0x11B if x & 0x80 else 0)
        x &= 0xFF
    for i in range(255, 510):
        exp[i] = exp[i - 255]
    return exp, log


_EXP, _LOG = _tables()


def _mul(a: int, b: int) -> int:
    if a == 0 or b == 0:
        return 0
    return _EXP[_LOG[a] + _LOG[b]]


def _div(a: int, b: int) -> int:
    if b == 0:  # pragma: no cover - callers never divide by zero (distinct x)
        raise ZeroDivisionError("division by zero in GF(256)")
    if a == 0:
        return 0
    return _EXP[_LOG[a] + 255 - _LOG[b]]


@dataclass(frozen=True, slots=True)
class Share:
    """One share: its x coordinate (1..255) and one y byte per secret byte."""

    x: int
    y: bytes

    def __repr__(self) -> str:  # never print share material by accident
        return f"Share(x={self.x}, {len(self.y)} bytes)"


def split(secret: bytes, k: int, n: int) -> list[Share]:
    """Split ``secret`` into ``n`` shares, any ``k`` of which recover it (2 ≤ k ≤ n ≤ 255)."""
    if not secret:
        raise ShareError("nothing to split")
    if not (2 <= k <= n <= MAX_SHARES):
        raise ShareError(f"need 2 <= k <= n <= {MAX_SHARES}, got k={k}, n={n}")
    # coefficients[i] is the random polynomial for byte i: secret byte, then k - 1 random
    coefficients = [bytes([b]) + secrets.token_bytes(k - 1) for b in secret]
    shares = []
    for x in range(1, n + 1):
        y = bytearray(len(secret))
        for i, coeffs in enumerate(coefficients):
            acc = 0
            for c in reversed(coeffs):  # Horner
                acc = _mul(acc, x) ^ c
            y[i] = acc
        shares.append(Share(x, bytes(y)))
    return shares


def combine(shares: Sequence[Share]) -> bytes:
    """The secret from shares (Lagrange interpolation at 0).

    Any set of at least ``k`` distinct shares gives the secret; fewer give a value
    unrelated to it, which is why :mod:`keys.escrow` checks the result against the
    public key. Duplicate x coordinates and mixed lengths are refused.
    """
    if len(shares) < 2:
        raise ShareError("at least two shares are needed")
    xs = [s.x for s in shares]
    if len(set(xs)) != len(xs):
        raise ShareError("the same share was given twice")
    if any(not (1 <= x <= MAX_SHARES) for x in xs):
        raise ShareError("share index out of range")
    length = len(shares[0].y)
    if any(len(s.y) != length for s in shares):
        raise ShareError("the shares have different lengths (from different keys?)")
    # Lagrange basis at 0: l_j = prod_{m != j} x_m / (x_m - x_j); subtraction is xor.
    basis = []
    for j, xj in enumerate(xs):
        num, den = 1, 1
        for m, xm in enumerate(xs):
            if m != j:
                num = _mul(num, xm)
                den = _mul(den, xm ^ xj)
        basis.append(_div(num, den))
    out = bytearray(length)
    for share, lj in zip(shares, basis, strict=True):
        for i, yi in enumerate(share.y):
            out[i] ^= _mul(yi, lj)
    return bytes(out)


__all__ = ["MAX_SHARES", "Share", "ShareError", "combine", "split"]
