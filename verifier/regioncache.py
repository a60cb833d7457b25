"""Several regions in ``pas-verify``'s cache, and the policy of where a pass counts (ADR 0020).

Layout under the cache directory (directories 0700, files 0600)::

    anchor.hex, trust-list.cose, revocations/, log/   the region of `pas-verify sync URL`
                                                      (id "default"; verifier/cache.py)
    regions/<id>/source.json                          {"url", "name"}: where it syncs from
    regions/<id>/anchor.hex, trust-list.cose, …       that region's pinned anchor, lists and
                                                      floors: the same layout as the top
    policy.json                                       {"here", "name", "accept"}

Each region is added out of band (``pas-verify region add ID URL --anchor HEX``: the
municipality's letter or configuration), never from what a server serves. Each keeps its
own rollback floors. Syncing one region never touches another's files, so a region whose
server fails or rolls back leaves the others as they were. Removing a region removes its
folder: its lists and floors are gone. A trust list that lists an issuer another region
already lists is refused (:func:`verifier.regions.conflict_message`).
"""

from __future__ import annotations

import contextlib
import json
import os
import re
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from . import cache as cache_mod
from .cache import Cache, CacheError, read_at_most
from .errors import TrustError
from .regions import Policy, Region, RegionStore, check_region_id, resolve_accept, shared_issuers
from .regions import conflict_message as _conflict
from .trust import TrustStore

REGIONS_DIR = "regions"
SOURCE_FILE = "source.json"
POLICY_FILE = "policy.json"
#: The id of the region kept at the top of the cache (``pas-verify sync URL --anchor``).
DEFAULT_ID = "default"
_MAX_JSON = 64 * 1024
_ISS = re.compile(r"GM[0-9]{4}")


@dataclass(frozen=True)
class RegionSource:
    id: str
    url: str
    name: str
    cache: Cache


class Regions:
    """The regions and the policy kept in one cache directory."""

    def __init__(self, root: Cache) -> None:
        self.root = root

    # --- reading -------------------------------------------------------------------------

    def _json(self, path: Path, what: str) -> Any:
        data = read_at_most(path, _MAX_JSON, what)
        if data is None:
            return None
        try:
            return json.loads(data)
        except ValueError as exc:
            raise CacheError(f"{what} {path} is damaged: {exc}") from exc

    def sources(self) -> list[RegionSource]:
        """The added regions, by id (not the default one)."""
        folder = self.root.path / REGIONS_DIR
        if not folder.is_dir():
            return []
        self.root._check_private(self.root.path)
        self.root._check_private(folder)
        out = []
        for entry in sorted(folder.iterdir()):
            try:
                check_region_id(entry.name)
            except TrustError:
                continue
            doc = self._json(entry / SOURCE_FILE, "region source")
            if not isinstance(doc, dict) or not isinstance(doc.get("url"), str):
                continue
            out.append(RegionSource(entry.name, doc["url"], str(doc.get("name", "")), Cache(entry)))
        return out

    def source(self, region_id: str) -> RegionSource:
        for s in self.sources():
            if s.id == region_id:
                return s
        raise CacheError(f"no region {region_id!r} in {self.root.path} (see `pas-verify region list`)")

    def stores(self, *, skip: str | None = None) -> tuple[list[Region], list[str]]:
        """Every region's verified store from the cache; and problems with regions skipped."""
        regions: list[Region] = []
        problems: list[str] = []
        if skip != DEFAULT_ID and self.root.anchor() is not None and self.root.trust_list() is not None:
            try:
                regions.append(Region(DEFAULT_ID, self.root.store()))
            except CacheError as exc:
                problems.append(f"{DEFAULT_ID}: {exc}")
        for s in self.sources():
            if s.id == skip or s.cache.anchor() is None or s.cache.trust_list() is None:
                continue
            try:
                regions.append(Region(s.id, s.cache.store(), s.name))
            except CacheError as exc:
                problems.append(f"{s.id}: {exc}")
        return regions, problems

    def store(self) -> tuple[RegionStore, list[str]]:
        """All regions side by side. A region whose issuer another (earlier) one lists is left
        out with a problem; `region add` and `sync` refuse such a list, so only a tampered
        cache gets here."""
        regions, problems = self.stores()
        kept: list[Region] = []
        for region in regions:
            clash = next((k for k in kept if shared_issuers(k.store, region.store)), None)
            if clash is not None:
                iss = sorted(shared_issuers(clash.store, region.store))[0]
                problems.append(f"{region.id}: left out: {_conflict(iss, clash.id, region.id)}")
                continue
            kept.append(region)
        if not kept:
            raise CacheError(
                f"no lists cached in {self.root.path}: run `pas-verify sync URL --anchor HEX` or "
                "`pas-verify region add ID URL --anchor HEX` first"
            )
        return RegionStore(kept), problems

    def policy_doc(self) -> dict[str, Any] | None:
        if not self.root.exists():
            return None
        doc = self._json(self.root.path / POLICY_FILE, "policy")
        return doc if isinstance(doc, dict) else None

    def policy(self, store: RegionStore) -> Policy | None:
        """The stored policy with region ids resolved against the current trust lists."""
        doc = self.policy_doc()
        if doc is None:
            return None
        try:
            accept = resolve_accept([str(x) for x in doc.get("accept", [])], store)
            return Policy(str(doc.get("here")), accept, str(doc.get("name", "")))
        except TrustError as exc:
            raise CacheError(f"the policy in {self.root.path / POLICY_FILE} cannot be used: {exc}") from exc

    # --- writing -------------------------------------------------------------------------

    def _write_json(self, path: Path, obj: Any) -> None:
        self.root._make_dir(path.parent)
        self.root._write_file(path, (json.dumps(obj, indent=2, ensure_ascii=False) + "\n").encode())

    def set_policy(self, here: str, accept: list[str], name: str = "") -> dict[str, Any]:
        try:
            Policy(here, frozenset(a for a in accept if _ISS.fullmatch(a)), name)
        except TrustError as exc:
            raise CacheError(str(exc)) from exc
        known = {s.id for s in self.sources()} | {DEFAULT_ID}
        for item in accept:
            if not _ISS.fullmatch(item) and item not in known:
                raise CacheError(
                    f"accept: {item!r} is neither a municipality code (GM and 4 digits) nor a "
                    "region of this cache (see `pas-verify region list`)"
                )
        doc = {"here": here, "name": name, "accept": list(dict.fromkeys(accept))}
        with self.root.locked():
            self._write_json(self.root.path / POLICY_FILE, doc)
        return doc

    def clear_policy(self) -> None:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(self.root.path / POLICY_FILE)

    def wanted(self, region_id: str) -> Callable[[str], bool] | None:
        """With a policy: only the revocation lists of issuers whose passes count here
        (the region accepted as a whole, or the code listed, or this municipality)."""
        doc = self.policy_doc()
        if doc is None:
            return None
        accept = {str(a) for a in doc.get("accept", [])}
        here = str(doc.get("here"))
        whole = region_id in accept
        return lambda iss: whole or iss == here or iss in accept

    def _check_against_others(self, region_id: str) -> Callable[[TrustStore], None]:
        others, _ = self.stores(skip=region_id)

        def check(store: TrustStore) -> None:
            for other in others:
                shared = shared_issuers(other.store, store)
                if shared:
                    raise TrustError(_conflict(sorted(shared)[0], other.id, region_id))

        return check

    def add(
        self,
        region_id: str,
        url: str,
        *,
        anchor: bytes,
        name: str = "",
        insecure_http: bool = False,
        fetch: cache_mod.Fetcher | None = None,
    ) -> cache_mod.SyncResult:
        """Pin a region's anchor and sync it once. All or nothing: a failed first sync
        leaves no trace of the region."""
        try:
            check_region_id(region_id)
        except TrustError as exc:
            raise CacheError(str(exc)) from exc
        if region_id == DEFAULT_ID:
            raise CacheError(f"{DEFAULT_ID!r} is the region of `pas-verify sync URL`; choose another id")
        folder = self.root.path / REGIONS_DIR / region_id
        if folder.exists():
            raise CacheError(
                f"region {region_id!r} exists already; `pas-verify region remove {region_id}` first"
            )
        lists = cache_mod.lists_url(url, insecure_http=insecure_http)
        for other, other_anchor in self._anchors():
            if other_anchor == anchor:
                raise CacheError(f"region {other!r} pins this anchor already")
        self.root._make_dir(self.root.path)
        self.root._make_dir(self.root.path / REGIONS_DIR)
        region = Cache(folder)
        try:
            result = cache_mod.sync(
                region, lists, anchor=anchor, insecure_http=insecure_http, fetch=fetch,
                check=self._check_against_others(region_id), wanted=self.wanted(region_id),
            )
            self._write_json(folder / SOURCE_FILE, {"url": lists, "name": name})
        except BaseException:
            shutil.rmtree(folder, ignore_errors=True)
            raise
        return result

    def _anchors(self) -> list[tuple[str, bytes]]:
        out = []
        root = self.root.anchor()
        if root is not None:
            out.append((DEFAULT_ID, root))
        for s in self.sources():
            a = s.cache.anchor()
            if a is not None:
                out.append((s.id, a))
        return out

    def remove(self, region_id: str) -> list[str]:
        """Forget a region: its pinned anchor, lists and floors. Returns the accept items
        dropped from the policy with it."""
        source = self.source(region_id)
        with self.root.locked():
            shutil.rmtree(source.cache.path)
        doc = self.policy_doc()
        dropped: list[str] = []
        if doc is not None and region_id in doc.get("accept", []):
            dropped = [region_id]
            accept = [a for a in doc["accept"] if a != region_id]
            self.set_policy(str(doc.get("here")), accept, str(doc.get("name", "")))
        return dropped

    def sync(
        self,
        region_id: str,
        *,
        insecure_http: bool = False,
        fetch: cache_mod.Fetcher | None = None,
    ) -> cache_mod.SyncResult:
        """Sync one added region from its own source, under its own anchor and floors."""
        source = self.source(region_id)
        return cache_mod.sync(
            source.cache, source.url, insecure_http=insecure_http, fetch=fetch,
            check=self._check_against_others(region_id), wanted=self.wanted(region_id),
        )


def load(cache: Cache) -> tuple[RegionStore, Policy | None, list[str]]:
    """The cache's regions side by side, its policy, and problems to report."""
    regions = Regions(cache)
    store, problems = regions.store()
    return store, regions.policy(store), problems


__all__ = [
    "DEFAULT_ID",
    "POLICY_FILE",
    "REGIONS_DIR",
    "RegionSource",
    "Regions",
    "load",
]
