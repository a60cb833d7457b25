"""The verifier's local copy of a municipality's public lists (``pas-verify sync``).

Layout under the cache directory (directories 0700, files 0600)::

    anchor.hex                the pinned trust-anchor public key (64 hex characters)
    trust-list.cose           the newest trust list accepted under that anchor
    revocations/GMxxxx.cose   the newest revocation list accepted per issuer
    log/GMxxxx.cose           the newest checkpoint of that issuer's audit log (a signed
                              tree head, docs/transparency.md): this cache is a witness

Only the pinned anchor and public, signed lists and tree heads: nothing about checks (no
scan history, no log of use, no timestamps of use). Every file is verified again whenever it
is used, so the cache is a convenience, never a source of trust by itself; the
one thing trusted as stored is the pinned anchor, which is why the directory must
belong to the user and be writable by nobody else.

Fetching uses the standard library only (the verifier stays light): urllib with
timeouts, size limits and a scheme policy (https; plain http only to this machine
unless explicitly allowed), also on redirects.
"""

from __future__ import annotations

import contextlib
import json
import os
import stat
import tempfile
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path

from . import translog
from .errors import Error, FormatError, TrustError
from .format import MAX_LIST_BYTES, RevocationList, TrustList
from .trust import TrustStore, parse_anchor

#: Environment variable that names the cache directory (``--cache-dir`` wins over it).
ENV = "PAS_VERIFY_CACHE"
APP_DIR = "pas-verify"
ANCHOR_FILE = "anchor.hex"
TRUST_LIST_FILE = "trust-list.cose"
REVOCATIONS_DIR = "revocations"
LOG_DIR = "log"
#: Where the service publishes, relative to its base URL (tokenservice/web/publication.py).
WELL_KNOWN = ".well-known/pas/"
DEFAULT_TIMEOUT = 20.0
LOCAL_HOSTS = frozenset({"localhost", "127.0.0.1", "::1"})
USER_AGENT = "pas-verify"

_ISS_CHARS = frozenset("GM0123456789")


class CacheError(Error):
    """A cache that cannot be used, a list that cannot be fetched or accepted."""


class LogRewritten(CacheError):
    """The service's audit log is not an append-only extension of the checkpoint kept here."""


# --- where ------------------------------------------------------------------------------


def default_dir(env: Mapping[str, str] | None = None) -> Path:
    """``$PAS_VERIFY_CACHE``, else ``$XDG_CACHE_HOME/pas-verify``, else ``~/.cache/pas-verify``."""
    env = os.environ if env is None else env
    if env.get(ENV):
        return Path(env[ENV]).expanduser()
    xdg = env.get("XDG_CACHE_HOME", "")
    if xdg and os.path.isabs(xdg):  # the XDG spec says to ignore relative paths
        return Path(xdg) / APP_DIR
    return Path.home() / ".cache" / APP_DIR


def _iss_ok(iss: str) -> bool:
    return len(iss) == 6 and iss.startswith("GM") and set(iss) <= _ISS_CHARS


# --- the cache directory ------------------------------------------------------------------


def read_at_most(path: Path, limit: int, what: str) -> bytes | None:
    """At most ``limit + 1`` bytes of ``path`` (one more than allowed shows it is too long);
    None if there is no such file. Any other failure is a :class:`CacheError` naming ``what``."""
    try:
        with open(path, "rb") as f:
            return f.read(limit + 1)
    except FileNotFoundError:
        return None
    except OSError as exc:
        raise CacheError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc


class Cache:
    """One cache directory. Reading never creates anything; only :meth:`write` does."""

    def __init__(self, path: str | os.PathLike[str]) -> None:
        self.path = Path(path)

    def __repr__(self) -> str:
        return f"Cache({str(self.path)!r})"

    # reading

    def _check_private(self, path: Path) -> None:
        """Refuse a directory someone else could write: they could plant an anchor."""
        if not hasattr(os, "getuid"):  # pragma: no cover - not POSIX
            return
        st = path.stat()
        if st.st_uid != os.getuid() or st.st_mode & (stat.S_IWGRP | stat.S_IWOTH):
            raise CacheError(
                f"cache directory {path} must belong to you and be writable by you only "
                f"(chmod 700 {path}), or choose another with --cache-dir"
            )

    def _read(self, path: Path, what: str) -> bytes | None:
        data = read_at_most(path, MAX_LIST_BYTES, f"cached {what}")
        if data is None:
            return None
        if len(data) > MAX_LIST_BYTES:
            raise CacheError(f"cached {what} {path} is larger than {MAX_LIST_BYTES:,} bytes")
        return data

    def exists(self) -> bool:
        return self.path.is_dir()

    def anchor(self) -> bytes | None:
        """The pinned anchor key (32 bytes), or None before the first sync."""
        if not self.exists():
            return None
        self._check_private(self.path)
        data = self._read(self.path / ANCHOR_FILE, "anchor")
        if data is None:
            return None
        try:
            return parse_anchor(data.decode("ascii", "replace"))
        except TrustError as exc:
            raise CacheError(f"cached anchor {self.path / ANCHOR_FILE} is damaged: {exc}") from exc

    def trust_list(self) -> bytes | None:
        if not self.exists():
            return None
        self._check_private(self.path)
        return self._read(self.path / TRUST_LIST_FILE, "trust list")

    def revocations(self) -> dict[str, bytes]:
        """The cached revocation lists by issuer code (as stored: still to be verified)."""
        return self._per_issuer(REVOCATIONS_DIR, "revocation list")

    def log_checkpoints(self) -> dict[str, bytes]:
        """The kept log checkpoints by issuer code (verified when they were stored)."""
        return self._per_issuer(LOG_DIR, "log checkpoint")

    def _per_issuer(self, subdir: str, what: str) -> dict[str, bytes]:
        """``GMxxxx.cose`` files of a private subfolder, by issuer code."""
        folder = self.path / subdir
        if not folder.is_dir():
            return {}
        self._check_private(self.path)
        self._check_private(folder)
        found: dict[str, bytes] = {}
        for entry in sorted(folder.iterdir()):
            iss = entry.name.removesuffix(".cose")
            if entry.suffix == ".cose" and _iss_ok(iss):
                data = self._read(entry, what)
                if data is not None:
                    found[iss] = data
        return found

    def store(self, *, anchor: bytes | None = None) -> TrustStore:
        """A verified TrustStore from the cache (``anchor`` overrides the pinned one)."""
        anchor = anchor if anchor is not None else self.anchor()
        trust_list = self.trust_list()
        if anchor is None or trust_list is None:
            raise CacheError(
                f"no lists cached in {self.path}: run `pas-verify sync URL` first "
                "(or give --anchor and --trust-list)"
            )
        try:
            return TrustStore.from_bytes(anchor, trust_list, self.revocations().values())
        except (TrustError, FormatError) as exc:
            raise CacheError(
                f"the cached lists in {self.path} cannot be used ({exc}); "
                "run `pas-verify sync URL` again"
            ) from exc

    def floors(self) -> tuple[int, dict[str, int]]:
        """The seqs already accepted: anything lower from a server is a rollback.

        The cached files were verified when stored; only their numbers matter here.
        """
        seq = 0
        data = self.trust_list()
        if data is not None:
            try:
                seq = TrustList.open(data)[1].seq
            except FormatError as exc:
                raise self._damaged(TRUST_LIST_FILE, exc) from exc
        revocation_seqs: dict[str, int] = {}
        for iss, data in self.revocations().items():
            try:
                revocation_seqs[iss] = RevocationList.open(data)[1].seq
            except FormatError as exc:
                raise self._damaged(f"{REVOCATIONS_DIR}/{iss}.cose", exc) from exc
        return seq, revocation_seqs

    def _damaged(self, name: str, exc: Exception) -> CacheError:
        return CacheError(
            f"cached {self.path / name} is damaged ({exc}); remove {self.path} "
            "and sync again with --anchor"
        )

    # writing

    def _make_dir(self, path: Path) -> None:
        if not path.is_dir():
            try:
                path.mkdir(mode=0o700, parents=True)
                os.chmod(path, 0o700)
            except FileExistsError:
                pass
            except OSError as exc:
                raise CacheError(
                    f"cannot create cache directory {path}: {exc.strerror or exc}"
                ) from exc
        self._check_private(path)

    @contextlib.contextmanager
    def locked(self) -> Iterator[None]:
        """Hold an exclusive lock on the cache directory (one sync at a time)."""
        self._make_dir(self.path)
        try:
            import fcntl
        except ImportError:  # pragma: no cover - not POSIX
            yield
            return
        fd = os.open(self.path, os.O_RDONLY)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # closing releases the lock

    def _write_file(self, path: Path, data: bytes) -> None:
        """Atomically: a 0600 temporary file in the same directory, then os.replace."""
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=".tmp-", suffix=".part")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as f:
                f.write(data)
                f.flush()
                os.fsync(f.fileno())
            os.replace(tmp, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(tmp)
            raise
        _fsync_dir(path.parent)

    def write(
        self,
        *,
        anchor: bytes,
        trust_list: bytes,
        revocations: Mapping[str, bytes],
        drop: tuple[str, ...] = (),
        log: Mapping[str, bytes] | None = None,
    ) -> None:
        """Store verified lists: log checkpoints, revocation lists, the trust list, the anchor."""
        folder = self.path / REVOCATIONS_DIR
        try:
            self._make_dir(self.path)
            if log:
                self._make_dir(self.path / LOG_DIR)
                for iss, data in sorted(log.items()):
                    if not _iss_ok(iss):  # never a path from the network
                        raise CacheError(f"not an issuer code: {iss!r}")
                    self._write_file(self.path / LOG_DIR / f"{iss}.cose", data)
            self._make_dir(folder)
            for iss, data in sorted(revocations.items()):
                if not _iss_ok(iss):  # never a path from the network
                    raise CacheError(f"not an issuer code: {iss!r}")
                self._write_file(folder / f"{iss}.cose", data)
            self._write_file(self.path / TRUST_LIST_FILE, trust_list)
            current = self._read(self.path / ANCHOR_FILE, "anchor")
            text = (anchor.hex() + "\n").encode()
            if current != text:
                self._write_file(self.path / ANCHOR_FILE, text)
            for iss in drop:
                if _iss_ok(iss):
                    with contextlib.suppress(FileNotFoundError):
                        os.unlink(folder / f"{iss}.cose")
        except OSError as exc:
            raise CacheError(
                f"cannot write the cache in {self.path}: {exc.strerror or exc}"
            ) from exc


def _fsync_dir(path: Path) -> None:
    try:
        fd = os.open(path, os.O_RDONLY)
    except OSError:  # pragma: no cover - e.g. Windows
        return
    try:
        os.fsync(fd)
    except OSError:  # pragma: no cover
        pass
    finally:
        os.close(fd)


# --- fetching -----------------------------------------------------------------------------


def lists_url(url: str, *, insecure_http: bool = False) -> str:
    """The folder URL of the published lists, ending in ``/``.

    Accepts the service's base (``https://pas.groningen.nl/``), the
    ``.well-known/pas/`` folder itself, or the URL of ``trust-list.cose`` in it.
    """
    parts = urllib.parse.urlsplit(url.strip())
    _check_scheme(parts, insecure_http=insecure_http)
    if parts.query or parts.fragment or parts.username or parts.password:
        raise CacheError(f"give the service address without query, fragment or password: {url}")
    path = parts.path or "/"
    if path.endswith("/trust-list.cose"):
        path = path[: -len("trust-list.cose")]
    if not path.endswith("/"):
        path += "/"
    if not path.endswith("/" + WELL_KNOWN):
        path += WELL_KNOWN
    return urllib.parse.urlunsplit((parts.scheme, parts.netloc, path, "", ""))


def _check_scheme(parts: urllib.parse.SplitResult, *, insecure_http: bool) -> None:
    scheme, host = parts.scheme.lower(), (parts.hostname or "").lower()
    if not host:
        raise CacheError(f"not a web address: {urllib.parse.urlunsplit(parts)!r}")
    if scheme == "https":
        return
    if scheme == "http":
        if host in LOCAL_HOSTS or insecure_http:
            return
        raise CacheError(
            f"refusing plain http to {host}: use https (or --insecure-http if you must; "
            "the lists are signed, but an eavesdropper sees when you update)"
        )
    raise CacheError(f"only https (or http to localhost) is supported, not {scheme or 'no scheme'}")


class _Redirects(urllib.request.HTTPRedirectHandler):
    """Follow redirects only to addresses the scheme policy allows."""

    def __init__(self, insecure_http: bool) -> None:
        self.insecure_http = insecure_http

    def redirect_request(  # type: ignore[no-untyped-def]
        self, req, fp, code, msg, headers, newurl
    ):
        _check_scheme(urllib.parse.urlsplit(newurl), insecure_http=self.insecure_http)
        return super().redirect_request(req, fp, code, msg, headers, newurl)


#: fetch(url) -> the body, or None when the server says 404 (nothing published there).
Fetcher = Callable[[str], bytes | None]


def http_fetcher(
    *, timeout: float = DEFAULT_TIMEOUT, insecure_http: bool = False, limit: int = MAX_LIST_BYTES
) -> Fetcher:
    opener = urllib.request.build_opener(_Redirects(insecure_http))

    def fetch(url: str) -> bytes | None:
        _check_scheme(urllib.parse.urlsplit(url), insecure_http=insecure_http)
        request = urllib.request.Request(  # noqa: S310 - scheme checked just above
            url, headers={"User-Agent": USER_AGENT, "Accept": "application/cose"}
        )
        try:
            with opener.open(request, timeout=timeout) as response:
                length = response.headers.get("Content-Length")
                if length is not None and length.isdigit() and int(length) > limit:
                    raise CacheError(f"{url} is larger than {limit:,} bytes")
                data: bytes = response.read(limit + 1)
        except urllib.error.HTTPError as exc:
            if exc.code == 404:
                return None
            raise CacheError(f"{url}: the server answered {exc.code} {exc.reason}") from exc
        except urllib.error.URLError as exc:
            raise CacheError(f"cannot fetch {url}: {exc.reason}") from exc
        except (OSError, ValueError) as exc:  # timeouts, resets, bad URLs
            raise CacheError(f"cannot fetch {url}: {exc}") from exc
        if len(data) > limit:
            raise CacheError(f"{url} is larger than {limit:,} bytes")
        return data

    return fetch


# --- sync ---------------------------------------------------------------------------------


@dataclass(frozen=True)
class LogWitness:
    """What this sync saw of the service's audit log (docs/transparency.md)."""

    checkpoint: translog.Checkpoint
    #: The size of the checkpoint kept before (None: the first one kept for this log).
    previous_size: int | None


@dataclass(frozen=True)
class SyncResult:
    cache_dir: Path
    lists_url: str
    anchor: bytes
    newly_pinned: bool
    #: The seq cached before this sync (None on the first sync under this anchor).
    previous_seq: int | None
    trust_list: TrustList
    revocations: dict[str, RevocationList]
    previous_revocation_seqs: dict[str, int]
    #: Issuers in the trust list for which the server publishes no revocation list.
    missing: tuple[str, ...] = ()
    #: Of those, the ones whose earlier cached list is kept (it still verifies).
    kept: tuple[str, ...] = ()
    #: Cached revocation lists removed (issuer gone from the trust list, or no longer verifiable).
    dropped: tuple[str, ...] = ()
    #: The audit log's checkpoint, checked against the one kept (None: not published).
    log: LogWitness | None = None


def _first_sync(cache: Cache) -> CacheError:
    return CacheError(
        f"nothing pinned yet in {cache.path}: the first sync needs --anchor HEX, the "
        "trust-anchor key the municipality gave you (not one fetched from the server)"
    )


def _refused(cache: Cache, exc: Exception) -> CacheError:
    return CacheError(f"refused: {exc}; the cache in {cache.path} is unchanged")


def sync(
    cache: Cache,
    url: str,
    *,
    anchor: bytes | None = None,
    repin: bool = False,
    insecure_http: bool = False,
    fetch: Fetcher | None = None,
    check: Callable[[TrustStore], None] | None = None,
    wanted: Callable[[str], bool] | None = None,
) -> SyncResult:
    """Fetch, verify and store the lists; refuse a rollback. All or nothing.

    Everything is fetched and verified before anything is written, so a refused
    sync (bad signature, rollback, network error) leaves the cache as it was.
    ``check`` sees the verified trust list before anything else is fetched and may
    refuse it with TrustError (several regions: an issuer another anchor lists).
    ``wanted`` limits the revocation lists fetched to the issuers it accepts (a policy:
    only the issuers whose passes count here; token-format.md §10.4).
    """
    folder = lists_url(url, insecure_http=insecure_http)
    fetch = fetch or http_fetcher(insecure_http=insecure_http)
    if anchor is None and cache.anchor() is None:
        raise _first_sync(cache)  # before creating anything
    with cache.locked():
        pinned = cache.anchor()
        # The anchor is pinned from what the user was given out of band (the
        # municipality's letter, website, config), never from the anchor.pub the
        # same server publishes: whoever controls that server, or the network path
        # to it, could serve their own anchor together with lists signed by it, and
        # the "verification" would then prove nothing at all.
        if pinned is None and anchor is None:
            raise _first_sync(cache)
        if pinned is not None and anchor is not None and anchor != pinned and not repin:
            raise CacheError(
                f"the cache pins a different anchor ({pinned.hex()}); if the municipality "
                "has told you its anchor changed, add --repin"
            )
        use = anchor if anchor is not None else pinned
        assert use is not None
        anchor_changed = pinned is not None and use != pinned
        min_seq, floors = cache.floors()
        had_trust_list = cache.trust_list() is not None and not anchor_changed
        if anchor_changed:
            # The old seq was counted under the old anchor; the new one starts afresh.
            # Issuer floors stay: revocation lists are signed by the issuers' own keys.
            min_seq = 0

        trust_bytes = fetch(folder + "trust-list.cose")
        if trust_bytes is None:
            raise CacheError(f"no trust list at {folder}trust-list.cose (404)")
        try:
            store = TrustStore.from_bytes(use, trust_bytes, min_seq=min_seq)
            if check is not None:
                check(store)
        except (TrustError, FormatError) as exc:
            raise _refused(cache, exc) from exc

        cached = cache.revocations()
        fetched: dict[str, bytes] = {}
        missing: list[str] = []
        for iss in sorted({e.iss for e in store.issuers}):
            if wanted is not None and not wanted(iss):
                continue
            data = fetch(f"{folder}revocations/{iss}.cose")
            if data is None:
                missing.append(iss)
                continue
            try:
                rl = store.check_revocation_list(data)
            except (TrustError, FormatError) as exc:
                raise _refused(cache, exc) from exc
            if rl.iss != iss:
                raise _refused(
                    cache, TrustError(f"the server sent the revocation list of {rl.iss} as {iss}'s")
                )
            fetched[iss] = data
        # An issuer that publishes nothing (here) keeps its earlier cached list
        # while that still verifies under the new trust list.
        keep: dict[str, bytes] = {}
        for iss in missing:
            if iss in cached:
                try:
                    store.check_revocation_list(cached[iss])
                    keep[iss] = cached[iss]
                except (TrustError, FormatError):
                    pass
        # The cached list of each fetched issuer goes in too: a fetched list with the
        # cached seq but other contents is the issuer equivocating (token-format.md §9),
        # refused like TrustStore refuses it, instead of silently replacing the cache.
        held = []
        for iss in fetched:
            if iss in cached:
                try:
                    store.check_revocation_list(cached[iss])
                    held.append(cached[iss])
                except (TrustError, FormatError):
                    pass
        try:
            final = TrustStore.from_bytes(
                use,
                trust_bytes,
                [*fetched.values(), *keep.values(), *held],
                min_seq=min_seq,
                min_revocation_seqs=floors,
            )
        except (TrustError, FormatError) as exc:
            raise _refused(cache, exc) from exc
        drop = tuple(sorted(set(cached) - set(fetched) - set(keep)))
        witness, log_data = _witness_log(cache, folder, fetch, final)
        cache.write(anchor=use, trust_list=trust_bytes, revocations=fetched, drop=drop,
                    log={witness.checkpoint.iss: log_data} if witness and log_data else None)

    revocations: dict[str, RevocationList] = {}
    for iss in sorted([*fetched, *keep]):
        accepted = final.revocations(iss)
        if accepted is not None:
            revocations[iss] = accepted
    return SyncResult(
        cache_dir=cache.path,
        lists_url=folder,
        anchor=use,
        newly_pinned=pinned is None or anchor_changed,
        previous_seq=min_seq if had_trust_list else None,
        trust_list=final.trust_list,
        revocations=revocations,
        previous_revocation_seqs=floors,
        missing=tuple(missing),
        kept=tuple(sorted(keep)),
        dropped=drop,
        log=witness,
    )


def _utc(ts: int) -> str:
    import datetime as dt

    return dt.datetime.fromtimestamp(ts, dt.UTC).strftime("%Y-%m-%d %H:%M UTC")


def _witness_log(
    cache: Cache, folder: str, fetch: Fetcher, store: TrustStore
) -> tuple[LogWitness | None, bytes | None]:
    """Be a witness: fetch the log's checkpoint and check it extends the one kept here.

    The checkpoint must be signed by a key the anchor's trust list lists for its iss
    (never a key the log serves). If one was kept before, the service must prove with a
    consistency proof that its log only grew; otherwise :class:`LogRewritten`, and the
    kept checkpoint stays (nothing is written).
    """
    data = fetch(folder + "log/checkpoint")
    if data is None:
        return None, None  # a service from before the log was published
    try:
        current = translog.check_checkpoint(store, data)
    except (TrustError, FormatError) as exc:
        raise _refused(cache, exc) from exc
    kept = cache.log_checkpoints().get(current.iss)
    if kept is None:
        return LogWitness(current, None), data
    try:
        previous = translog.Checkpoint.open(kept)[1]  # verified when it was stored
    except FormatError as exc:
        raise cache._damaged(f"{LOG_DIR}/{current.iss}.cose", exc) from exc
    proof: list[bytes] | None = None
    try:
        if current.size > previous.size:
            body = fetch(f"{folder}log/consistency?from={previous.size}&to={current.size}")
            if body is not None:
                try:
                    proof = translog.proof_from_json(json.loads(body), previous.size, current.size)
                except (ValueError, FormatError):
                    proof = None
        translog.check_extension(previous, current, proof)
    except translog.LogError as exc:
        raise LogRewritten(
            f"REFUSED: the service's audit log was rewritten (rollback or fork): {exc}. The "
            f"last good checkpoint ({previous.size} events, signed by {previous.iss} at "
            f"{_utc(previous.iat)}) is kept in {cache.path / LOG_DIR / (current.iss + '.cose')} as "
            "evidence; tell the municipality's privacy officer. Nothing in the cache was changed"
        ) from exc
    return LogWitness(current, previous.size), data


__all__ = [
    "ENV",
    "Cache",
    "CacheError",
    "LogRewritten",
    "LogWitness",
    "SyncResult",
    "default_dir",
    "http_fetcher",
    "lists_url",
    "sync",
]
