"""Production serving: gunicorn, configured from code. Also ``wsgi:app`` for a unit file."""

from __future__ import annotations

import sys
from typing import Any

from gunicorn.app.base import BaseApplication

from tokenservice import config
from tokenservice.ops import preflight
from tokenservice.web.app import create_app


class _Gunicorn(BaseApplication):
    def __init__(self, options: dict[str, Any]) -> None:
        self.options = options
        super().__init__()

    def load_config(self) -> None:
        for key, value in self.options.items():
            self.cfg.set(key, value)

    def load(self) -> Any:
        return create_app()


def serve(*, host: str, port: int, workers: int | None) -> None:
    settings = config.load()
    if workers is None:
        workers = 1 if settings.is_sqlite else 2
    # Refuse unsafe production settings (docs/configuration.md); demo instances: loopback only.
    for warning in preflight.enforce(settings, workers=workers, host=host):
        print(f"pas-service: {warning}", file=sys.stderr)
    create_app(settings).extensions["pas"].db.dispose()  # fail fast on bad config, before forking
    _Gunicorn(
        {
            "bind": f"{host}:{port}",
            "workers": workers,
            "threads": 4,
            "worker_class": "gthread",
            "timeout": 60,
            # Access logs would list pass numbers in URLs; keep them off, errors only.
            "accesslog": None,
            "errorlog": "-",
            "loglevel": "warning",
            "limit_request_line": 4094,
            "forwarded_allow_ips": "127.0.0.1",
        }
    ).run()


def app() -> Any:
    return create_app()
