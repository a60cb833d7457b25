"""A static file server on loopback (the lists and the app as a web host would serve them),
and a folder's files as bytes (to show a refused update left a cache as it was)."""

from __future__ import annotations

import contextlib
import http.server
import threading
from collections.abc import Iterator
from pathlib import Path
from typing import Any


class _Quiet(http.server.SimpleHTTPRequestHandler):
    def log_message(self, format: str, *args: Any) -> None:
        pass


@contextlib.contextmanager
def static_server(root: Path, handler: type[http.server.BaseHTTPRequestHandler] | None = None) -> Iterator[str]:
    """Serve ``root`` (or answer with ``handler``) on a free loopback port; yields the base URL."""
    def make(*args: Any, **kwargs: Any) -> http.server.BaseHTTPRequestHandler:
        if handler is not None:
            return handler(*args, **kwargs)
        return _Quiet(*args, directory=str(root), **kwargs)

    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), make)
    thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05}, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/"
    finally:
        server.shutdown()
        server.server_close()


def snapshot(folder: Path) -> dict[str, bytes]:
    """Every file under ``folder``: relative path -> bytes."""
    return {str(p.relative_to(folder)): p.read_bytes() for p in sorted(folder.rglob("*")) if p.is_file()}
