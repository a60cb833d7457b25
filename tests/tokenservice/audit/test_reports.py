"""reports.quarterly on rows inserted directly, on SQLite and PostgreSQL; suppress()."""

from __future__ import annotations

import datetime as dt
import os
from collections.abc import Iterator

import pytest
from sqlalchemy.orm import Session

from tokenservice.audit import reports
from tokenservice.store.db import Base, Database
from tokenservice.store.models import Card, PassRecord

TZ = reports.TZ


def ts(year: int, month: int, day: int, hour: int = 12) -> int:
    """A Unix time on the Dutch clock."""
    return int(dt.datetime(year, month, day, hour, tzinfo=TZ).timestamp())


NOW = ts(2026, 11, 22)


@pytest.fixture
def session(database_url: str, tmp_path) -> Iterator[Session]:  # type: ignore[no-untyped-def]
    (tmp_path / "instance").mkdir(exist_ok=True)
    db = Database(database_url)
    Base.metadata.create_all(db.engine)
    try:
        with db.transaction() as s:
            yield s
    finally:
        db.dispose()


_counter = iter(range(10**6))


def add_pass(
    session: Session, category: str, issued: int, *, iss: str = "GM9999",
    renewals: tuple[int, ...] = (), revoked: tuple[int, str] | None = None,
) -> PassRecord:
    """A pass with its first card at ``issued``, renewed at each of ``renewals`` (the old
    card superseded), and its live card revoked at ``revoked`` = (time, reason)."""
    record = PassRecord(number=f"DM-T{next(_counter):07d}-0", iss=iss, category=category,
                        created_at=issued)
    times = [issued, *renewals]
    for i, at in enumerate(times):
        if record.cards:
            record.cards[-1].revoked_at, record.cards[-1].revoke_reason = at, "superseded"
        record.cards.append(Card(serial=os.urandom(16), kid=b"\x01" * 8, category=category, iat=at, nbf=at,
                                 exp=at + 730 * 86400, renewal=i > 0))
    if revoked is not None:
        record.cards[-1].revoked_at, record.cards[-1].revoke_reason = revoked
    session.add(record)
    session.flush()
    return record


def test_suppress_hides_one_to_four_and_keeps_zero() -> None:
    assert reports.suppress(0) == "0"
    assert [reports.suppress(n) for n in (1, 2, 3, 4)] == ["<5"] * 4
    assert reports.suppress(5) == "5"
    assert reports.suppress(123) == "123"
    with pytest.raises(ValueError):
        reports.suppress(-1)


def test_quarters_follow_the_dutch_clock() -> None:
    # 23:30 UTC on 31 December is already New Year in Amsterdam.
    new_year = int(dt.datetime(2025, 12, 31, 23, 30, tzinfo=dt.UTC).timestamp())
    assert reports.quarter_of(new_year) == "2026-Q1"
    assert reports.quarter_of(ts(2026, 3, 31, 23)) == "2026-Q1"
    assert reports.quarter_of(ts(2026, 4, 1, 0)) == "2026-Q2"
    assert reports.quarters_between("2025-Q3", "2026-Q2") == ["2025-Q3", "2025-Q4", "2026-Q1", "2026-Q2"]


def test_issued_renewed_and_revoked_per_quarter_and_category(session: Session) -> None:
    for _ in range(7):
        add_pass(session, "raam", ts(2026, 2, 1))
    for _ in range(3):
        add_pass(session, "inrichting", ts(2026, 2, 1))
    # Issued in Q1, renewed in Q3 (the superseded Q1 card is not a revocation).
    for _ in range(6):
        add_pass(session, "raam", ts(2026, 3, 1), renewals=(ts(2026, 8, 1),))
    # Issued in Q2, revoked (lost) in Q4.
    add_pass(session, "inrichting", ts(2026, 5, 1), revoked=(ts(2026, 10, 5), "lost"))
    # Issued Q2, renewed Q3, the renewed card stolen in Q4: one renewal, one revocation.
    add_pass(session, "raam", ts(2026, 6, 1), renewals=(ts(2026, 9, 1),),
             revoked=(ts(2026, 11, 1), "stolen"))

    report = reports.quarterly(session, now=NOW, categories=("raam", "inrichting"))
    assert report.quarters == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    assert report.categories == ("raam", "inrichting")  # the caller's order
    got = {(r.quarter, r.category): (r.issued, r.renewed, r.revoked) for r in report.rows}
    assert got == {
        ("2026-Q1", "raam"): (13, 0, 0),
        ("2026-Q1", "inrichting"): (3, 0, 0),
        ("2026-Q2", "raam"): (1, 0, 0),
        ("2026-Q2", "inrichting"): (1, 0, 0),
        ("2026-Q3", "raam"): (0, 7, 0),
        ("2026-Q3", "inrichting"): (0, 0, 0),
        ("2026-Q4", "raam"): (0, 0, 1),
        ("2026-Q4", "inrichting"): (0, 0, 1),
    }
    assert report.row("2026-Q1", "inrichting").shown() == ("<5", "0", "0")
    assert report.row("2026-Q3", "raam").shown() == ("0", "7", "0")
    assert not report.empty


def test_empty_quarters_and_configured_categories_read_zero(session: Session) -> None:
    add_pass(session, "raam", ts(2025, 11, 1))
    report = reports.quarterly(session, now=NOW, categories=("raam", "inrichting", "escort"))
    assert report.quarters[0] == "2025-Q4" and report.quarters[-1] == "2026-Q4"
    assert len(report.rows) == 5 * 3
    assert report.row("2026-Q2", "escort").shown() == ("0", "0", "0")
    assert report.row("2025-Q4", "raam").shown() == ("<5", "0", "0")


def test_no_data_gives_the_current_quarter_with_zeros(session: Session) -> None:
    report = reports.quarterly(session, now=NOW, categories=("raam",))
    assert report.quarters == ("2026-Q4",)
    assert report.empty and report.row("2026-Q4", "raam").issued == 0


def test_issuer_and_year_filters(session: Session) -> None:
    for _ in range(5):
        add_pass(session, "raam", ts(2025, 5, 1), iss="GM9999")
    for _ in range(9):
        add_pass(session, "raam", ts(2026, 5, 1), iss="GM0014")

    only_demo = reports.quarterly(session, iss="GM9999", now=NOW)
    assert sum(r.issued for r in only_demo.rows) == 5
    assert only_demo.quarters[0] == "2025-Q2"

    year = reports.quarterly(session, now=NOW, year=2026)
    assert year.quarters == ("2026-Q1", "2026-Q2", "2026-Q3", "2026-Q4")
    assert year.row("2026-Q2", "raam").issued == 9
    assert sum(r.issued for r in year.rows) == 9  # 2025 left out

    past = reports.quarterly(session, now=NOW, year=2024)
    assert past.quarters == ("2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4") and past.empty
    # The current year stops at the current quarter.
    assert reports.quarterly(session, now=ts(2026, 5, 2), year=2026).quarters == ("2026-Q1", "2026-Q2")


def test_a_category_unknown_to_the_caller_still_shows(session: Session) -> None:
    add_pass(session, "oud", ts(2026, 7, 1))
    report = reports.quarterly(session, now=NOW, categories=("raam",))
    assert report.categories == ("raam", "oud")
