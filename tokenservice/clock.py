"""The service's calendar: the length of a day and the zone its dates are in.

Times are Unix seconds everywhere; a date shown on a card, a page or a report is a date
on the Dutch clock (:data:`ZONE`). An audit event keeps only its day
(:func:`tokenservice.audit.day_of`). No Flask, no database: any module may import this.
"""

from __future__ import annotations

import datetime as dt
from typing import Final

#: Seconds in a day (retention, validity and warning periods are counted in days).
DAY: Final = 86400


def _zone() -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Amsterdam")
    except Exception:  # pragma: no cover - no tz database: UTC is off by at most a day edge
        return dt.UTC


#: Europe/Amsterdam (UTC on a machine without a tz database).
ZONE: Final = _zone()

__all__ = ["DAY", "ZONE"]
