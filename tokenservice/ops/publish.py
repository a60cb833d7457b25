"""The signed public lists as static files, for nginx or a CDN to serve without our code.

With ``public_dir`` set (pas.toml, ``PAS_PUBLIC_DIR``; docs/configuration.md) the service
writes what ``tokenservice/web/publication.py`` serves into that folder, laid out as the
URL paths, so nginx serves it with ``root`` (deploy/nginx/pas.conf)::

    <public_dir>/.well-known/pas/trust-list.cose, trust-list.json, anchor.pub, issuers.json
    <public_dir>/.well-known/pas/revocations/GMxxxx.cose, GMxxxx.json

Nothing here signs: the trust list comes from the keyring as the anchor signed it, the
revocation lists from :meth:`PassService.revocation_list` (which re-signs when due). The
lists are public and carry serials and issuer codes only, as the endpoints do.

Every file is written atomically (a temporary file in the same folder, fsync, ``os.replace``,
fsync of the folder): a reader sees the old file or the new one, never a part. A file whose
bytes are already there is left untouched, so nginx's ETag (mtime and size) stays and a phone
that asks with If-None-Match gets 304. Writers take an exclusive ``flock`` on
``<public_dir>/.publish.lock`` and compare ``seq`` before replacing a list: two gunicorn
workers (or the timer's ``pas-service publish`` and a worker) never roll a list back. The
audit log's checkpoint and consistency endpoints are not written: each fetch of those must
reach the service (each one is a witness looking).
"""

from __future__ import annotations

import contextlib
import fcntl
import json
import logging
import os
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol

from tokenservice.config import ConfigError
from tokenservice.errors import Error
from verifier.errors import FormatError
from verifier.format import RevocationList, TrustList, to_json

#: The URL path of the lists, below ``public_dir`` (nginx's ``root``).
WELL_KNOWN = Path(".well-known") / "pas"
LOCK_NAME = ".publish.lock"
#: Public content: nginx (another user) reads it, whatever the service's umask (0077).
FILE_MODE = 0o644
DIR_MODE = 0o755

log = logging.getLogger("tokenservice.publish")


class PublishError(Error):
    code = "publish"


def json_bytes(obj: Any) -> bytes:
    """The JSON views, byte for byte as the service's endpoints give them."""
    return json.dumps(obj, indent=2, sort_keys=True).encode()


def check_folder(root: Path) -> None:
    """ConfigError unless ``root`` is an existing folder this process can write files into
    (tried: a probe file is made and removed, in every folder the lists go into)."""
    hint = f"install -d -o pas -g pas -m 0755 {root}"
    if not root.is_dir():
        raise ConfigError(f"public_dir {root} does not exist or is not a folder: create it ({hint})")
    for folder in (root, root / WELL_KNOWN, root / WELL_KNOWN / "revocations"):
        if not folder.exists() and folder != root:
            continue
        probe = folder / f".probe.{secrets.token_hex(6)}"
        try:
            os.close(os.open(probe, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600))
            probe.unlink()
        except OSError as exc:
            raise ConfigError(f"public_dir: cannot write into {folder} ({exc.strerror}); the "
                              f"service user must own it ({hint})") from None


@dataclass
class Published:
    """What one publication did, by path below ``public_dir``."""

    written: list[str] = field(default_factory=list)
    unchanged: list[str] = field(default_factory=list)
    #: A newer list was already there (another process published after us): kept.
    kept_newer: list[str] = field(default_factory=list)
    #: Issuers whose list could not be had (no usable key here), with why.
    skipped: list[str] = field(default_factory=list)

    def add(self, other: Published) -> None:
        self.written += other.written
        self.unchanged += other.unchanged
        self.kept_newer += other.kept_newer
        self.skipped += other.skipped


class Folder:
    """The static folder: atomic writes under one lock, never a list rolled back."""

    def __init__(self, root: Path) -> None:
        self.root = root

    # --- the lists ------------------------------------------------------------------------

    def trust(self, anchor_hex: str, trust_list: bytes, issuers: list[str]) -> Published:
        """anchor.pub, trust-list.cose/.json and issuers.json, unless a newer trust list
        under the same anchor is there already."""
        _, tl = TrustList.open(trust_list)
        done = Published()
        with self._locked():
            anchor = (anchor_hex.strip() + "\n").encode()
            current = self._read(WELL_KNOWN / "trust-list.cose")
            same_anchor = self._read(WELL_KNOWN / "anchor.pub") == anchor
            if current is not None and same_anchor and _seq(TrustList, current) > tl.seq:
                done.kept_newer.append(str(WELL_KNOWN / "trust-list.cose"))
                return done
            self._put(WELL_KNOWN / "trust-list.cose", trust_list, done)
            self._put(WELL_KNOWN / "trust-list.json", json_bytes(to_json(tl)), done)
            self._put(WELL_KNOWN / "issuers.json", json_bytes(sorted(issuers)), done)
            self._put(WELL_KNOWN / "anchor.pub", anchor, done)
        return done

    def revocations(self, iss: str, signed: bytes) -> Published:
        """revocations/<iss>.cose and .json, unless the folder holds a list with a higher seq."""
        _, rl = RevocationList.open(signed)
        if rl.iss != iss:
            raise PublishError(f"the revocation list of {rl.iss} was handed over as {iss}'s")
        cose = WELL_KNOWN / "revocations" / f"{iss}.cose"
        done = Published()
        with self._locked():
            current = self._read(cose)
            if current is not None and current != signed and _seq(RevocationList, current) >= rl.seq:
                # Equal seq, other bytes: the first one published stays (a verifier that saw
                # it would refuse the second as equivocation).
                done.kept_newer.append(str(cose))
                signed = current
                _, rl = RevocationList.open(signed)
            self._put(cose, signed, done)
            self._put(cose.with_suffix(".json"), json_bytes(to_json(rl)), done)
        return done

    def withdraw(self, iss: str, newer_than: int) -> list[str]:
        """Remove revocations/<iss>.cose and .json if the list there is older than seq
        ``newer_than``: a list known to be stale must not be served. nginx's ``try_files``
        then falls back to the service, which serves the committed list. Returns what was
        removed."""
        cose = WELL_KNOWN / "revocations" / f"{iss}.cose"
        removed: list[str] = []
        with self._locked():
            current = self._read(cose)
            if current is None or _seq(RevocationList, current) >= newer_than:
                return removed
            for rel in (cose, cose.with_suffix(".json")):
                try:
                    (self.root / rel).unlink()
                except FileNotFoundError:
                    continue
                except OSError as exc:
                    raise PublishError(f"cannot remove {self.root / rel}: {exc.strerror}") from None
                removed.append(str(rel))
        return removed

    # --- files ------------------------------------------------------------------------------

    @contextlib.contextmanager
    def _locked(self) -> Iterator[None]:
        try:
            fd = os.open(self.root / LOCK_NAME, os.O_RDWR | os.O_CREAT, 0o600)
        except OSError as exc:
            raise PublishError(f"cannot open {self.root / LOCK_NAME}: {exc.strerror}") from None
        try:
            fcntl.flock(fd, fcntl.LOCK_EX)
            yield
        finally:
            os.close(fd)  # releases the lock

    def _read(self, rel: Path) -> bytes | None:
        try:
            return (self.root / rel).read_bytes()
        except FileNotFoundError:
            return None
        except OSError as exc:
            raise PublishError(f"cannot read {self.root / rel}: {exc.strerror}") from None

    def _put(self, rel: Path, data: bytes, done: Published) -> None:
        if self._read(rel) == data:
            done.unchanged.append(str(rel))  # same bytes: mtime, size and nginx's ETag stay
            return
        try:
            _write_atomic(self.root, rel, data)
        except OSError as exc:
            raise PublishError(f"cannot write {self.root / rel}: {exc.strerror or exc}") from None
        done.written.append(str(rel))


def _seq(kind: type[TrustList] | type[RevocationList], data: bytes) -> int:
    """The seq of a list found in the folder; -1 when it is unreadable (then it is replaced)."""
    try:
        return int(kind.open(data)[1].seq)
    except (FormatError, ValueError):
        return -1


def _mkdirs(root: Path, rel: Path) -> Path:
    folder = root
    for part in rel.parts:
        folder = folder / part
        if not folder.is_dir():
            folder.mkdir(mode=DIR_MODE, exist_ok=True)
            folder.chmod(DIR_MODE)  # the umask (0077 under systemd) must not hide it from nginx
    return folder


def _write_atomic(root: Path, rel: Path, data: bytes) -> None:
    """``data`` into ``root/rel``: a temporary file beside it, fsync, rename, fsync the folder.

    On any failure the temporary file is removed and the previous file stays as it was.
    """
    folder = _mkdirs(root, rel.parent)
    target = folder / rel.name
    tmp = folder / f".{rel.name}.{secrets.token_hex(6)}.tmp"
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE)
    try:
        try:
            os.fchmod(fd, FILE_MODE)
            view = memoryview(data)
            while view:
                view = view[os.write(fd, view):]
            os.fsync(fd)
        finally:
            os.close(fd)
        os.replace(tmp, target)
    except BaseException:
        with contextlib.suppress(OSError):
            tmp.unlink()
        raise
    dir_fd = os.open(folder, os.O_RDONLY)
    try:
        os.fsync(dir_fd)
    finally:
        os.close(dir_fd)


# --- what the service publishes ---------------------------------------------------------------


class _Keyring(Protocol):
    anchor_hex: str
    trust_list_bytes: bytes

    @property
    def issuers(self) -> dict[str, Any]: ...


class _Passes(Protocol):
    def revocation_list(self, iss: str) -> bytes: ...


def publish_all(root: Path, keyring: _Keyring, passes: _Passes) -> Published:
    """Every public list into ``root``: the trust list as the anchor signed it, and each
    issuer's revocation list (re-signed by the pass register when half-way to expiry).

    Raises ConfigError for a bad folder and PublishError when a file cannot be written; an
    issuer without a usable key on this instance is skipped (listed in the result).
    """
    check_folder(root)
    folder = Folder(root)
    issuers = sorted(keyring.issuers)
    done = folder.trust(keyring.anchor_hex, keyring.trust_list_bytes, issuers)
    for iss in issuers:
        try:
            signed = passes.revocation_list(iss)
        except PublishError:
            raise
        except Error as exc:
            done.skipped.append(f"{iss}: {exc}")
            continue
        done.add(folder.revocations(iss, signed))
    return done


def after_commit(root: Path) -> Callable[[str, bytes], None]:
    """The pass register's hook: a list re-signed and committed goes into the folder at once.

    Runs inside a request: a failure is logged, never raised (the revocation is committed).
    The file that could not be replaced is then stale: a pass just revoked would still look
    valid to every phone that syncs from it until the next change, start or timer run (up
    to an hour). So it is withdrawn instead, and nginx falls back to the service's own
    endpoint for that list until it is written again.
    """

    def publish(iss: str, signed: bytes) -> None:
        folder = Folder(root)
        try:
            folder.revocations(iss, signed)
        except Exception:  # the revocation is committed; the request must not fail for this
            log.exception("could not publish the revocation list of %s into %s", iss, root)
            try:
                _, rl = RevocationList.open(signed)
                removed = folder.withdraw(iss, rl.seq)
            except Exception:
                log.exception("could not withdraw the stale revocation list of %s from %s; it "
                              "is served until `pas-service publish` succeeds", iss, root)
            else:
                if removed:
                    log.warning("withdrew the stale revocation list of %s from %s: the service "
                                "serves it until it is published again", iss, root)

    return publish
