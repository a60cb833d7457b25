"""Several regions in one verifier, and where a pass counts (docs/token-format.md §9.1, §10.4).

A region is one pinned trust anchor with its own trust list, revocation lists and rollback
floors (ADR 0020). A :class:`RegionStore` puts the verified stores of several regions side
by side for :func:`verifier.verify`; it never merges them, and it refuses an issuer (iss)
that two anchors both list: which anchor vouches for a municipality must never depend on
the order lists arrive in.

A :class:`Policy` is the verifier's setting for one municipality: which issuers' passes
count for work *here*. A pass whose signature verifies under a trusted anchor but whose
issuer does not count here is NOT_VALID_HERE: genuine, shown with its photo, and not a
permission to work.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass

from .errors import TrustError
from .format import IssuerEntry, RevocationList, Sign1, TrustList
from .trust import TrustStore, _Issuer

#: A region's id in configuration (config.json, ``pas-verify region add``).
REGION_ID = re.compile(r"[a-z0-9][a-z0-9-]{0,31}")
#: An issuer code (docs/token-format.md §6), as verifier/format.py checks it.
_ISS = re.compile(r"GM[0-9]{4}")


def check_region_id(value: str) -> str:
    if not isinstance(value, str) or not REGION_ID.fullmatch(value):
        raise TrustError(
            f"region id must be 1-32 lower-case letters, digits or hyphens: {value!r}"
        )
    return value


@dataclass(frozen=True, slots=True)
class Region:
    """One pinned anchor's verified lists, under an id the configuration gives it."""

    id: str
    store: TrustStore
    name: str = ""

    @property
    def issuer_codes(self) -> frozenset[str]:
        return frozenset(e.iss for e in self.store.issuers)


def shared_issuers(a: TrustStore, b: TrustStore) -> frozenset[str]:
    """The issuer codes two stores both list (must be none for two regions)."""
    return frozenset(e.iss for e in a.issuers) & frozenset(e.iss for e in b.issuers)


class RegionStore:
    """The verified lists of several regions, for :func:`verifier.verify`.

    Each region keeps its own trust list and revocation lists; a pass is checked only
    against the region that lists its issuer. Raises TrustError for two regions with one
    id or one anchor, or an issuer listed under two anchors (the whole set is refused:
    order must not decide).
    """

    __slots__ = ("_by_iss", "_by_kid", "regions")

    def __init__(self, regions: Iterable[Region]) -> None:
        self.regions: tuple[Region, ...] = tuple(regions)
        ids: set[str] = set()
        anchors: dict[bytes, str] = {}
        self._by_iss: dict[str, Region] = {}
        by_kid: dict[bytes, list[_Issuer]] = {}
        for region in self.regions:
            check_region_id(region.id)
            if region.id in ids:
                raise TrustError(f"two regions with the id {region.id!r}")
            ids.add(region.id)
            other = anchors.setdefault(region.store.anchor_public_key, region.id)
            if other != region.id:
                raise TrustError(f"regions {other!r} and {region.id!r} pin the same anchor")
            for iss in sorted(region.issuer_codes):
                held = self._by_iss.setdefault(iss, region)
                if held is not region:
                    raise TrustError(conflict_message(iss, held.id, region.id))
            # One lookup per pass, however many regions (verify() stays as fast as with one).
            for kid, issuers in region.store._by_kid.items():
                by_kid.setdefault(kid, []).extend(issuers)
        self._by_kid = {kid: tuple(v) for kid, v in by_kid.items()}

    @classmethod
    def single(cls, store: TrustStore, region_id: str = "default") -> RegionStore:
        return cls([Region(region_id, store)])

    def region_of(self, iss: str) -> Region | None:
        return self._by_iss.get(iss)

    # The interface verify() uses (as TrustStore's) ---------------------------------------

    def candidates(self, envelope: Sign1) -> tuple[_Issuer, ...]:
        return self._by_kid.get(envelope.kid, ())

    def trust_list_for(self, iss: str) -> TrustList | None:
        region = self._by_iss.get(iss)
        return region.store.trust_list if region else None

    def revocations(self, iss: str) -> RevocationList | None:
        region = self._by_iss.get(iss)
        return region.store.revocations(iss) if region else None

    def is_revoked(self, iss: str, serial: bytes) -> bool:
        region = self._by_iss.get(iss)
        return region is not None and region.store.is_revoked(iss, serial)

    @property
    def issuers(self) -> tuple[IssuerEntry, ...]:
        return tuple(e for region in self.regions for e in region.store.issuers)


def conflict_message(iss: str, first: str, second: str) -> str:
    return (
        f"issuer {iss} is listed under two anchors (regions {first!r} and {second!r}); "
        "a municipality belongs to one anchor: ask both regions which one vouches for it"
    )


@dataclass(frozen=True, slots=True)
class Policy:
    """Where a pass counts: the municipality this verifier is set up for, and the issuers
    whose passes count for work there. The municipality's own passes always count."""

    here: str
    accept: frozenset[str] = frozenset()
    #: How the verdict names this municipality (e.g. "Gemeente Assen"); the code if empty.
    here_name: str = ""

    def __post_init__(self) -> None:
        for iss in (self.here, *self.accept):
            if not isinstance(iss, str) or not _ISS.fullmatch(iss):
                raise TrustError(f"not a municipality code (GM and 4 digits): {iss!r}")

    def counts(self, iss: str) -> bool:
        return iss == self.here or iss in self.accept

    @property
    def name(self) -> str:
        return self.here_name or self.here


def resolve_accept(
    items: Iterable[str], regions: Mapping[str, Region] | RegionStore
) -> frozenset[str]:
    """Configuration's accept list → issuer codes: ``GMxxxx`` as is, a region id as every
    issuer its anchor's (current, verified) trust list lists. An unknown region id is an
    error: a typo must not silently accept nothing (or everything)."""
    by_id = {r.id: r for r in regions.regions} if isinstance(regions, RegionStore) else regions
    out: set[str] = set()
    for item in items:
        if _ISS.fullmatch(item):
            out.add(item)
        elif item in by_id:
            out |= by_id[item].issuer_codes
        else:
            raise TrustError(f"accept: {item!r} is neither a municipality code nor a region id")
    return frozenset(out)


def name_of(iss: str, store: TrustStore | RegionStore) -> str:
    """The issuer's name from the trust lists (``Gemeente Assen``), else the code."""
    for e in store.issuers:
        if e.iss == iss:
            return str(e.name)
    return iss


__all__ = [
    "REGION_ID",
    "Policy",
    "Region",
    "RegionStore",
    "check_region_id",
    "conflict_message",
    "name_of",
    "resolve_accept",
    "shared_issuers",
]
