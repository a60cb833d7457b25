"""Atomic file writes: a temp file beside the target, fsync, then link or replace."""

from __future__ import annotations

import contextlib
import os
import secrets
from pathlib import Path

from .errors import KeyExistsError, KeyFileError


def _fsync_dir(directory: Path) -> None:
    try:
        fd = os.open(directory, os.O_RDONLY)
    except OSError:  # some platforms cannot open a directory; the data is synced anyway
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


def write_atomic(path: Path, data: bytes, *, mode: int, overwrite: bool) -> None:
    """Write ``data`` to ``path`` so that readers see the old file or the new one, whole.

    The temp file is created with ``O_EXCL`` and ``mode`` from the start, so the
    content is never readable by others, not even for a moment. With
    ``overwrite=False`` an existing file is refused (atomically, through a hard link,
    where the file system allows it).
    """
    path = Path(path)
    directory = path.parent if str(path.parent) else Path(".")
    if not overwrite and os.path.lexists(path):
        raise KeyExistsError(f"{path} already exists; refusing to overwrite it")
    if not directory.is_dir():
        raise KeyFileError(f"directory {directory} does not exist")
    tmp = directory / f".{path.name}.{secrets.token_hex(6)}.tmp"
    try:
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, mode)
    except OSError as exc:
        raise KeyFileError(f"cannot create a file in {directory}: {exc.strerror}") from None
    try:
        try:
            os.fchmod(fd, mode)  # the umask may have taken bits away; set exactly
            view = memoryview(data)
            while view:
                written = os.write(fd, view)
                view = view[written:]
            os.fsync(fd)
        finally:
            os.close(fd)
        if overwrite:
            os.replace(tmp, path)
        else:
            try:
                os.link(tmp, path)  # fails if path exists: no race with another writer
            except FileExistsError:
                raise KeyExistsError(f"{path} already exists; refusing to overwrite it") from None
            except OSError:  # no hard links here (some network or FAT file systems)
                if os.path.lexists(path):
                    raise KeyExistsError(
                        f"{path} already exists; refusing to overwrite it"
                    ) from None
                os.replace(tmp, path)
        _fsync_dir(directory)
    except OSError as exc:
        raise KeyFileError(f"cannot write {path}: {exc.strerror}") from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            os.unlink(tmp)


def read_bytes(path: Path, what: str, limit: int = 8_000_000) -> bytes:
    """Read a small file, turning I/O trouble into a KeyFileError naming it."""
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except FileNotFoundError:
        raise KeyFileError(f"{what} {path} does not exist") from None
    except IsADirectoryError:
        raise KeyFileError(f"{what} {path} is a directory") from None
    except OSError as exc:
        raise KeyFileError(f"cannot read {what} {path}: {exc.strerror}") from None
    if len(data) > limit:
        raise KeyFileError(f"{what} {path} is larger than {limit} bytes")
    return data
