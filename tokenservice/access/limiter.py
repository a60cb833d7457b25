"""Rate limits in the database: shared by every worker process, kept over a restart.

Used by /mijn-pas (the worker's code, Argon2id) and /login (officials' passwords). The
policy — which buckets, what limits — lives in those views; this module is the mechanism:

* A :class:`Bucket` is a counter of hits in a fixed window. Its database key is
  HMAC-SHA256 under a key derived from the app secret over a kind and a value (a
  normalised pass number, an address prefix, a username): the value itself is never
  stored, and no row says which kind it is.
* :meth:`Limiter.take` takes one hit from every bucket of an attempt, atomically, in
  one transaction, or none at all (the attempt is refused). One conditional upsert per
  bucket (``INSERT … ON CONFLICT DO UPDATE … WHERE hits < limit``, SQLite and PostgreSQL
  alike) increments only below the limit; rows are touched in key order, so concurrent
  attempts never deadlock. Callers take *before* the slow hash: a refused attempt costs a
  read, never Argon2id.
* Failure-only limits are "reserve, then refund": the hit is taken before the check and
  given back (:meth:`Limiter.refund`) when the check succeeds. So concurrent guesses can
  never pass the limit, and successes do not count.
* A flood is answered from a read-only look (:meth:`Limiter.allowed`) without taking
  SQLite's write lock, so refused requests do not queue behind issuance.
* Windows are aligned to their length (a one-hour window runs from the full hour), so
  rows written by one request cannot be paired by their times; rows expire at the end of
  their window and are deleted (:func:`cleanup`: each process runs it at its first take
  and then at most once a minute; a service nobody uses keeps expired rows until the next
  attempt).

:class:`DeviceMark` is the "this device succeeded before" cookie: a signed, timestamped
HMAC of the subject (a normalised pass number, a username) under the app secret. It
holds nothing readable, and the database keeps nothing of it.

Residual: with the app secret *and* the database, someone can test known pass numbers
(they are in ``passes``) and addresses against the keys of the current window: they
learn which numbers had failed attempts, and which address prefixes tried, within the
last hour. See docs/privacy.md and docs/adr/0008-rate-limits-in-the-database.md.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, Final

import sqlalchemy as sa
from itsdangerous import BadSignature, URLSafeTimedSerializer
from sqlalchemy.dialects import postgresql, sqlite

from tokenservice.store.db import Database
from tokenservice.store.models import RateLimitCounter

#: Each process deletes expired rows at its first take after this many seconds.
CLEANUP_SECONDS: Final = 60
_TABLE: sa.Table = RateLimitCounter.__table__  # type: ignore[assignment]


@dataclass(frozen=True)
class Bucket:
    """A counter: at most ``limit`` hits per aligned window of ``window`` seconds."""

    key: bytes
    limit: int
    window: int

    def window_start(self, now: int) -> int:
        return now - now % self.window


@dataclass(frozen=True)
class Ticket:
    """The hits one admitted attempt took: (bucket key, window start) pairs, for a refund."""

    taken: tuple[tuple[bytes, int], ...]


class _Refused(Exception):
    pass


def _derive(secret: str | bytes, purpose: bytes) -> bytes:
    raw = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(raw, b"pas rate limits v1\x00" + purpose, hashlib.sha256).digest()


class Limiter:
    """Buckets in the ``rate_limit_counters`` table of ``db``, keyed under ``secret``."""

    def __init__(self, db: Database, secret: str | bytes) -> None:
        self._db = db
        self._key = _derive(secret, b"keys")
        self._next_cleanup = 0

    def bucket(self, kind: str, value: str, *, limit: int, window: int) -> Bucket:
        mac = hmac.new(self._key, f"{kind}\x00{value}".encode(), hashlib.sha256).digest()
        return Bucket(key=mac, limit=limit, window=window)

    def allowed(self, buckets: Sequence[Bucket], now: int) -> bool:
        """A read-only look: would :meth:`take` have room in every bucket right now?"""
        if not buckets:
            return True
        with self._db.read() as conn:
            rows = {
                bytes(row.key): (row.window_start, row.hits)
                for row in conn.execute(
                    sa.select(_TABLE.c.key, _TABLE.c.window_start, _TABLE.c.hits).where(
                        _TABLE.c.key.in_([b.key for b in buckets])
                    )
                )
            }
        for bucket in buckets:
            found = rows.get(bucket.key)
            if found is not None and found[0] >= bucket.window_start(now) and found[1] >= bucket.limit:
                return False
        return True

    def take(self, buckets: Sequence[Bucket], now: int) -> Ticket | None:
        """One hit from every bucket, all or nothing; None if any bucket is full."""
        if not self.allowed(buckets, now):
            return None
        ordered = sorted(buckets, key=lambda b: b.key)  # one lock order for everyone
        taken: list[tuple[bytes, int]] = []
        try:
            with self._db.transaction() as session:
                for bucket in ordered:
                    row = session.execute(self._upsert(session, bucket, now)).first()
                    if row is None:
                        raise _Refused
                    taken.append((bucket.key, int(row.window_start)))
        except _Refused:
            return None
        if now >= self._next_cleanup:  # its own transaction: no lock-order tangle with the takes
            self._next_cleanup = now + CLEANUP_SECONDS
            with self._db.transaction() as session:
                cleanup(session, now)
        return Ticket(tuple(taken))

    def refund(self, ticket: Ticket, buckets: Sequence[Bucket]) -> None:
        """Give back the hits ``ticket`` took from ``buckets`` (a check that succeeded)."""
        keys = {b.key for b in buckets}
        back = sorted((k, ws) for k, ws in ticket.taken if k in keys)
        if not back:
            return
        with self._db.transaction() as session:
            for key, start in back:
                session.execute(
                    sa.update(_TABLE)
                    .where(_TABLE.c.key == key, _TABLE.c.window_start == start, _TABLE.c.hits > 0)
                    .values(hits=_TABLE.c.hits - 1)
                )
                # An empty counter says only that someone tried: do not keep even that.
                session.execute(sa.delete(_TABLE).where(_TABLE.c.key == key, _TABLE.c.hits <= 0))

    @staticmethod
    def _upsert(session: Any, bucket: Bucket, now: int) -> Any:
        start = bucket.window_start(now)
        insert = postgresql.insert if session.get_bind().dialect.name == "postgresql" else sqlite.insert
        current = _TABLE.c.window_start >= start
        return (
            insert(_TABLE)
            .values(key=bucket.key, window_start=start, hits=1, expires_at=start + bucket.window)
            .on_conflict_do_update(
                index_elements=[_TABLE.c.key],
                set_={
                    "hits": sa.case((current, _TABLE.c.hits + 1), else_=1),
                    "window_start": sa.case((current, _TABLE.c.window_start), else_=start),
                    "expires_at": sa.case(
                        (current, _TABLE.c.expires_at), else_=start + bucket.window
                    ),
                },
                where=sa.or_(_TABLE.c.window_start < start, _TABLE.c.hits < bucket.limit),
            )
            .returning(_TABLE.c.hits, _TABLE.c.window_start)
        )


def cleanup(session: Any, now: int) -> int:
    """Delete every counter whose window has ended; returns how many went."""
    result = session.execute(sa.delete(_TABLE).where(_TABLE.c.expires_at <= now))
    return int(result.rowcount or 0)


# --- addresses -------------------------------------------------------------------------------------


def address_prefix(remote: str | None) -> str:
    """What one client is, for a limit: an IPv4 address, or the /64 of an IPv6 address.

    A home or mobile connection gets a whole /64 (often a /56 or /48), so counting per
    IPv6 address would give an attacker 2^64 fresh "clients".
    """
    try:
        ip = ipaddress.ip_address((remote or "").split("%")[0])
    except ValueError:
        return "unknown"
    if isinstance(ip, ipaddress.IPv6Address):
        if ip.ipv4_mapped is not None:
            return str(ip.ipv4_mapped)
        return str(ipaddress.IPv6Network((ip, 64), strict=False))
    return str(ip)


# --- the "this device succeeded before" mark -------------------------------------------------


class DeviceMark:
    """A cookie value that says "this browser succeeded for this subject before".

    The value is ``itsdangerous``-signed (with a timestamp: it ages out after ``max_age``)
    and carries only HMAC(secret, purpose, subject), truncated to 16 bytes: nobody reads
    a pass number or a username out of it, and it proves nothing to anyone without the
    secret. It is not stored on the server.
    """

    def __init__(self, secret: str | bytes, purpose: str, max_age: int) -> None:
        self._key = _derive(secret, b"device\x00" + purpose.encode())
        self._signer = URLSafeTimedSerializer(secret, salt=f"pas-device-{purpose}")
        self.max_age = max_age

    def _mac(self, subject: str) -> str:
        return hmac.new(self._key, subject.encode(), hashlib.sha256).hexdigest()[:32]

    def value(self, subject: str) -> str:
        return self._signer.dumps(self._mac(subject))

    def matches(self, cookie: str | None, subject: str) -> bool:
        if not cookie:
            return False
        try:
            mac = self._signer.loads(cookie, max_age=self.max_age)
        except BadSignature:
            return False
        return isinstance(mac, str) and hmac.compare_digest(mac, self._mac(subject))


__all__ = ["Bucket", "DeviceMark", "Limiter", "Ticket", "address_prefix", "cleanup"]
