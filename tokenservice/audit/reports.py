"""Reports for the council: passes issued, renewed and revoked per quarter and category.

Pure: a database session in, numbers out; no Flask. The beheer pages render the
result as a table, a chart and CSV, always through :func:`suppress`.

Where the numbers come from (one source, the ``cards`` table):

- *issued*: cards with ``renewal`` false (the first card of a pass number), by ``iat``;
- *renewed*: cards with ``renewal`` true (a renewal, or a replacement card after loss
  or theft, which is a renewal under the same number), by ``iat``;
- *revoked*: cards with ``revoked_at`` set and a reason other than ``superseded``
  (a card replaced by its renewal is not a revocation), by ``revoked_at``.

The category is the card's own (``cards.category``): a pass renewed into another
category counts under the old one for its earlier cards. Quarters follow the Dutch clock (Europe/Amsterdam).

Counts of 1 to 4 are never shown as such (small-number suppression): see :func:`suppress`.
There are deliberately no totals across categories, because a total minus the other
categories would give back a suppressed count.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass

import sqlalchemy as sa
from sqlalchemy.orm import Session

from tokenservice.clock import ZONE
from tokenservice.store.models import Card, PassRecord, RevokeReason

TZ = ZONE
#: Counts from 1 up to (not including) this value are shown as "<5".
THRESHOLD = 5
SUPPRESSED = f"<{THRESHOLD}"
MEASURES = ("issued", "renewed", "revoked")


def suppress(n: int) -> str:
    """A count as it may be shown: 0 stays 0, 1–4 become "<5", larger counts are exact."""
    if n < 0:
        raise ValueError("a count cannot be negative")
    if 0 < n < THRESHOLD:
        return SUPPRESSED
    return str(n)


def is_suppressed(n: int) -> bool:
    return 0 < n < THRESHOLD


def quarter_of(ts: int) -> str:
    """The quarter of a Unix time on the Dutch clock, like ``2026-Q4``."""
    when = dt.datetime.fromtimestamp(ts, TZ)
    return f"{when.year}-Q{(when.month - 1) // 3 + 1}"


def _next_quarter(q: str) -> str:
    year, n = int(q[:4]), int(q[-1])
    return f"{year + 1}-Q1" if n == 4 else f"{year}-Q{n + 1}"


def quarters_between(first: str, last: str) -> list[str]:
    """Every quarter from ``first`` to ``last`` inclusive (empty when first > last)."""
    result: list[str] = []
    q = first
    while q <= last:
        result.append(q)
        q = _next_quarter(q)
    return result


@dataclass(frozen=True)
class ReportRow:
    quarter: str
    category: str
    issued: int
    renewed: int
    revoked: int

    def count(self, measure: str) -> int:
        value: int = getattr(self, measure)
        return value

    def shown(self) -> tuple[str, str, str]:
        """The three counts as they may be displayed."""
        return suppress(self.issued), suppress(self.renewed), suppress(self.revoked)


@dataclass(frozen=True)
class Report:
    """Counts per (quarter, category), every combination present, zeros included."""

    iss: str | None
    year: int | None
    generated_at: int
    quarters: tuple[str, ...]
    categories: tuple[str, ...]
    rows: tuple[ReportRow, ...]

    def row(self, quarter: str, category: str) -> ReportRow:
        for r in self.rows:
            if r.quarter == quarter and r.category == category:
                return r
        raise KeyError((quarter, category))

    def for_category(self, category: str) -> list[ReportRow]:
        return [r for r in self.rows if r.category == category]

    @property
    def empty(self) -> bool:
        return not any(r.issued or r.renewed or r.revoked for r in self.rows)

    @property
    def max_count(self) -> int:
        return max((r.count(m) for r in self.rows for m in MEASURES), default=0)


def quarterly(
    session: Session,
    *,
    iss: str | None = None,
    now: int,
    year: int | None = None,
    categories: Iterable[str] = (),
) -> Report:
    """Issued, renewed and revoked cards per quarter and category.

    ``iss`` limits to one issuer (default: all issuers of this instance; the beheer pages
    always pick one, since all minus one issuer would give back another's small counts). ``year``
    limits to that calendar year's four quarters. ``categories`` are shown even without
    any pass (e.g. every category of the trust list), so an empty category reads 0.
    Quarters run from the first with data (or ``year``'s first) to the current one.
    """
    counts: dict[tuple[str, str], list[int]] = {}

    def bump(ts: int, category: str, index: int) -> None:
        counts.setdefault((quarter_of(ts), category), [0, 0, 0])[index] += 1

    issued = sa.select(Card.iat, Card.renewal, Card.category).join(PassRecord)
    revoked = (
        sa.select(Card.revoked_at, Card.category)
        .join(PassRecord)
        .where(Card.revoked_at.is_not(None))
        .where(sa.or_(Card.revoke_reason.is_(None), Card.revoke_reason != RevokeReason.SUPERSEDED.value))
    )
    if iss is not None:
        issued = issued.where(PassRecord.iss == iss)
        revoked = revoked.where(PassRecord.iss == iss)
    for iat, renewal, category in session.execute(issued):
        bump(iat, category, 1 if renewal else 0)
    for revoked_at, category in session.execute(revoked):
        if revoked_at is not None:
            bump(revoked_at, category, 2)

    current = quarter_of(now)
    if year is not None:
        first = f"{year}-Q1"
        # The year's quarters up to the current one; all four of a past or future year.
        last = current if first <= current <= f"{year}-Q4" else f"{year}-Q4"
    else:
        seen = [q for q, _ in counts]
        first, last = min([*seen, current]), max([*seen, current])
    quarters = tuple(quarters_between(first, last))
    given = list(dict.fromkeys(categories))  # the caller's order (the trust list's)
    cats = tuple(given + sorted({c for _, c in counts} - set(given)))
    rows = tuple(
        ReportRow(q, c, *counts.get((q, c), (0, 0, 0)))
        for q in quarters
        for c in cats
    )
    return Report(
        iss=iss, year=year, generated_at=now, quarters=quarters, categories=cats, rows=rows
    )
