"""Offline verification of PAS1 passes.

The public surface is small on purpose::

    store = TrustStore.from_bytes(anchor_pub, trust_list_bytes, [revocation_bytes])
    verdict = verify(qr_text, store, now=None)
    if verdict.status is Status.VALID: ...

Several regions (one pinned anchor each) and where a pass counts::

    store = RegionStore([Region("drenthe", store_a), Region("groningen", store_b)])
    verdict = verify(qr_text, store, policy=Policy("GM0106", frozenset({"GM0014"})))

The wire format itself lives in :mod:`verifier.format`; pass numbers in
:mod:`verifier.passnumber`.
"""

from __future__ import annotations

from .errors import Error, FormatError, TrustError
from .format import Category
from .regions import Policy, Region, RegionStore
from .trust import TrustStore
from .verify import Notice, Status, Verdict, verify

__all__ = [
    "Category",
    "Error",
    "FormatError",
    "Notice",
    "Policy",
    "Region",
    "RegionStore",
    "Status",
    "TrustError",
    "TrustStore",
    "Verdict",
    "verify",
]
