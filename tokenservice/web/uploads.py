"""Uploads parsed into memory, never spilled to a temporary file.

Werkzeug writes a file upload over 500 KB to a temp file; her photo must never touch the
disk. Every blueprint that takes uploads (intake, api) installs :class:`MemoryRequest` on
the app it is registered on.
"""

from __future__ import annotations

import io
from typing import IO

from flask import Flask, Request


class MemoryRequest(Request):
    """Uploads stay in memory: Werkzeug would spill files over 500 KB to a temp file.

    The upload size is bounded by ``MAX_CONTENT_LENGTH``, so memory is bounded too.
    """

    def _get_file_stream(
        self, total_content_length: int | None, content_type: str | None,
        filename: str | None = None, content_length: int | None = None,
    ) -> IO[bytes]:
        return io.BytesIO()


def install_memory_uploads(app: Flask) -> None:
    """Make ``app`` parse uploads into memory (idempotent; keeps a custom subclass)."""
    if not issubclass(app.request_class, MemoryRequest):
        if app.request_class is not Request:
            raise RuntimeError("app.request_class must derive from uploads.MemoryRequest")
        app.request_class = MemoryRequest


__all__ = ["MemoryRequest", "install_memory_uploads"]
