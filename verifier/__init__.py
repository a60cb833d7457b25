"""Offline verification of PAS1 passes.

The public surface is small on purpose::

    store = TrustStore.from_bytes(anchor_pub, trust_list_bytes, [revocation_bytes])
    verdict = verify(qr_text, store, now=None)
    if verdict.status is Status.VALID: ...

The wire format itself lives in :mod:`verifier.format`; pass numbers in
:mod:`verifier.passnumber`.
"""

from __future__ import annotations

from .errors import Error, FormatError, TrustError
from .format import Category
from .trust import TrustStore
from .verify import Notice, Status, Verdict, verify

__all__ = [
    "Category",
    "Error",
    "FormatError",
    "Notice",
    "Status",
    "TrustError",
    "TrustStore",
    "Verdict",
    "verify",
]
