"""A small, bounded HTTP load generator for loopback servers.

    from loadgen import Request, run
    result = run("http://127.0.0.1:8000", Request("GET", "/.well-known/pas/anchor.pub"),
                 clients=20, requests=5000, deadline_s=20)
    result.rps, result.p95_ms, result.statuses

Threads, one ``http.client.HTTPConnection`` each, kept alive between requests (a
server that closes the connection, such as ``python -m http.server``'s HTTP/1.0, is
reconnected transparently; reconnections are counted). It stops after ``requests``
requests in total or at ``deadline_s``, whichever comes first, and it refuses any
address outside the loopback range: this is for measuring our own server on this
machine, never for sending traffic elsewhere.

Everything is Python, sharing the machine's cores with the server it measures, so
absolute numbers understate the server; compare against a baseline measured by the
same generator in the same run (bench_service.py does).
"""

from __future__ import annotations

import http.client
import ipaddress
import socket
import ssl
import statistics
import threading
import time
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import urlsplit

#: Hard ceilings, whatever the caller asks for.
MAX_REQUESTS = 200_000
MAX_DEADLINE_S = 300.0
MAX_CLIENTS = 256


@dataclass(frozen=True)
class Request:
    method: str
    path: str
    body: bytes | None = None
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class Result:
    sent: int
    elapsed_s: float
    statuses: dict[str, int]
    latencies_ms: list[float] = field(repr=False)
    reconnects: int = 0
    errors: list[str] = field(default_factory=list)
    expected: frozenset[int] = frozenset({200})

    @property
    def ok(self) -> int:
        return sum(n for s, n in self.statuses.items() if s.isdigit() and int(s) in self.expected)

    @property
    def rps(self) -> float:
        return self.sent / self.elapsed_s if self.elapsed_s > 0 else 0.0

    def percentile(self, q: float) -> float:
        if not self.latencies_ms:
            return float("nan")
        values = sorted(self.latencies_ms)
        return values[min(len(values) - 1, round(q * (len(values) - 1)))]

    @property
    def p50_ms(self) -> float:
        return self.percentile(0.50)

    @property
    def p95_ms(self) -> float:
        return self.percentile(0.95)

    def summary(self) -> dict[str, Any]:
        lat = self.latencies_ms
        return {
            "requests": self.sent,
            "ok": self.ok,
            "seconds": round(self.elapsed_s, 2),
            "requests_per_s": round(self.rps, 1),
            "p50_ms": round(self.p50_ms, 2) if lat else None,
            "p95_ms": round(self.p95_ms, 2) if lat else None,
            "p99_ms": round(self.percentile(0.99), 2) if lat else None,
            "max_ms": round(max(lat), 2) if lat else None,
            "mean_ms": round(statistics.fmean(lat), 2) if lat else None,
            "statuses": dict(sorted(self.statuses.items())),
            "reconnects": self.reconnects,
            **({"errors": self.errors[:5]} if self.errors else {}),
        }


def check_loopback(host: str) -> None:
    """Raise ValueError unless every address ``host`` resolves to is a loopback address."""
    infos = socket.getaddrinfo(host, None)
    addresses = {ipaddress.ip_address(info[4][0]) for info in infos}
    if not addresses or not all(a.is_loopback for a in addresses):
        raise ValueError(f"refusing to load {host}: only loopback addresses (127.0.0.0/8, ::1)")


def run(
    base_url: str,
    request: Request | Callable[[int], Request],
    *,
    clients: int,
    requests: int,
    deadline_s: float,
    expected: set[int] | frozenset[int] = frozenset({200}),
    timeout_s: float = 30.0,
    warmup: int = 0,
    ssl_context: ssl.SSLContext | None = None,
) -> Result:
    """Send ``requests`` requests from ``clients`` threads (bounded by ``deadline_s``).

    ``request`` is one request for all, or a function of the request's sequence number
    (0, 1, 2, ... across all clients) returning one. Responses are read in full.
    ``warmup`` requests per client go first and are not counted. An ``https://`` base
    needs ``ssl_context`` (e.g. trusting the test CA: nginx with TLS, as in production).
    """
    parts = urlsplit(base_url)
    if parts.scheme not in ("http", "https") or not parts.hostname:
        raise ValueError("base_url must be http://HOST:PORT or https://HOST:PORT")
    if parts.scheme == "https" and ssl_context is None:
        raise ValueError("an https base_url needs ssl_context")
    check_loopback(parts.hostname)
    clients = max(1, min(clients, MAX_CLIENTS))
    requests = max(0, min(requests, MAX_REQUESTS))
    deadline_s = max(0.1, min(deadline_s, MAX_DEADLINE_S))
    host, port = parts.hostname, parts.port or (443 if parts.scheme == "https" else 80)
    make: Callable[[int], Request] = request if callable(request) else (lambda _i: request)

    lock = threading.Lock()
    counter = iter(range(requests))
    statuses: Counter[str] = Counter()
    latencies: list[float] = []
    errors: list[str] = []
    reconnects = [0]
    start_gate = threading.Barrier(clients + 1)
    stop_at = [0.0]

    def next_index() -> int | None:
        with lock:
            return next(counter, None)

    def one(conn: http.client.HTTPConnection, req: Request) -> int:
        if conn.sock is None:
            reconnects[0] += 1
        headers = {"Host": f"{host}:{port}", **req.headers}
        conn.request(req.method, req.path, body=req.body, headers=headers)
        response = conn.getresponse()
        response.read()
        return response.status

    def worker() -> None:
        conn = (http.client.HTTPSConnection(host, port, timeout=timeout_s, context=ssl_context)
                if parts.scheme == "https" else http.client.HTTPConnection(host, port, timeout=timeout_s))
        try:
            for _ in range(warmup):
                try:
                    one(conn, make(0))
                except (OSError, http.client.HTTPException):
                    conn.close()
            start_gate.wait()
            local_lat: list[float] = []
            local_status: Counter[str] = Counter()
            while time.perf_counter() < stop_at[0]:
                i = next_index()
                if i is None:
                    break
                req = make(i)
                t0 = time.perf_counter()
                try:
                    status = one(conn, req)
                    local_status[str(status)] += 1
                    local_lat.append((time.perf_counter() - t0) * 1000)
                except (OSError, http.client.HTTPException) as exc:
                    local_status[type(exc).__name__] += 1
                    with lock:
                        if len(errors) < 20:
                            errors.append(f"{type(exc).__name__}: {exc}")
                    conn.close()
            with lock:
                statuses.update(local_status)
                latencies.extend(local_lat)
        finally:
            conn.close()

    threads = [threading.Thread(target=worker, daemon=True) for _ in range(clients)]
    for t in threads:
        t.start()
    stop_at[0] = time.perf_counter() + 1e9  # set properly once everyone is ready
    start_gate.wait()
    t0 = time.perf_counter()
    stop_at[0] = t0 + deadline_s
    for t in threads:
        t.join(timeout=deadline_s + timeout_s + 5)
    elapsed = time.perf_counter() - t0
    return Result(
        sent=sum(statuses.values()), elapsed_s=elapsed, statuses=dict(statuses),
        latencies_ms=latencies, reconnects=max(0, reconnects[0] - clients), errors=errors,
        expected=frozenset(expected),
    )


__all__ = ["MAX_CLIENTS", "MAX_DEADLINE_S", "MAX_REQUESTS", "Request", "Result", "check_loopback",
           "run"]
