"""Fixtures shared by the service's tests."""

from __future__ import annotations

import io
from collections.abc import Iterator
from pathlib import Path

import pytest


@pytest.fixture
def no_disk_writes(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> Iterator[None]:
    """Fail any attempt to open a file for writing or make a temp file; also point the
    temp dir at an empty folder and check it stays empty."""
    import builtins
    import os
    import tempfile

    real_open, real_os_open = builtins.open, os.open

    def guarded_open(file: object, mode: str = "r", *a: object, **k: object) -> object:
        if any(c in mode for c in "wax+"):
            raise AssertionError(f"write to disk: {file!r}")
        return real_open(file, mode, *a, **k)  # type: ignore[call-overload]

    def guarded_os_open(path: object, flags: int, *a: object, **k: object) -> int:
        if flags & (os.O_WRONLY | os.O_RDWR | os.O_CREAT):
            raise AssertionError(f"write to disk: {path!r}")
        return real_os_open(path, flags, *a, **k)  # type: ignore[arg-type]

    def refuse(*a: object, **k: object) -> None:
        raise AssertionError("temporary file")

    monkeypatch.setattr(builtins, "open", guarded_open)
    monkeypatch.setattr(io, "open", guarded_open)
    monkeypatch.setattr(os, "open", guarded_os_open)
    for name in (
        "mkstemp",
        "mkdtemp",
        "NamedTemporaryFile",
        "TemporaryFile",
        "SpooledTemporaryFile",
        "TemporaryDirectory",
    ):
        monkeypatch.setattr(tempfile, name, refuse)
    monkeypatch.setattr(tempfile, "tempdir", str(tmp_path))
    yield None
    assert list(tmp_path.iterdir()) == []
