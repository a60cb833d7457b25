"""What /mijn-pas shows her, put into words in her language. No Flask, no request.

The blueprint (:mod:`tokenservice.web.mijnpas`) reads her :class:`~tokenservice.escrow.WorkerView`
and hands it here with her issuer's categories; this makes the strings its template shows:
her pass's status and dates, the labels of her sealed record's fields, and her access log
(when, which role, what, which reason code: never an official's name). Dates are to the
day, on the Dutch clock: enough for her, too coarse to match against an appointment.
"""

from __future__ import annotations

import datetime as dt
import functools
from collections.abc import Iterable
from typing import Any

from tokenservice import escrow
from tokenservice.clock import ZONE
from tokenservice.texts.worker import date_long, page_keys, page_text
from verifier.format import Category

__all__ = ["TZ", "day", "label", "view_context"]


#: The clock her dates are shown on.
TZ = ZONE


def day(ts: int | None, lang: str) -> str:
    """The day of ``ts`` spelled out in ``lang``; "" for none."""
    if ts is None:
        return ""
    return date_long(dt.datetime.fromtimestamp(ts, TZ).date(), lang)


def label(lang: str, prefix: str, value: str | None) -> str:
    """The page's word for a role, action or reason code (``prefix`` role/act/reason).

    A code the page has no text for (a newer action, a municipality's own reason code)
    shows as "other" for an action, as itself otherwise; none shows as "".
    """
    if not value:
        return ""
    key = f"{prefix}_{value}"
    if key in _page_keys():
        return page_text(lang, key)
    return page_text(lang, "act_other") if prefix == "act" else value


@functools.cache
def _page_keys() -> frozenset[str]:
    return frozenset(page_keys())


def _fields(view: escrow.WorkerView, lang: str) -> list[tuple[str, str]]:
    """(label, value) of her sealed record, in the order of the identity fields."""
    record = view.record_fields
    if not record:
        return []
    fields = [(page_text(lang, name), record[name]) for name in escrow.IDENTITY_FIELDS
              if name in record]
    if "birth_date" in record:
        try:
            born = dt.date.fromisoformat(record["birth_date"])
        except ValueError:
            return fields
        birth_label = page_text(lang, "birth_date")
        fields = [(name, date_long(born, lang) if name == birth_label else value)
                  for name, value in fields]
    return fields


def view_context(view: escrow.WorkerView, lang: str,
                 categories: Iterable[Category]) -> dict[str, Any]:
    """The template's values for her page (``categories``: her issuer's)."""
    category = next((c for c in categories if c.code == view.category), None)
    entries = [
        {
            "when": day(e.at, lang),  # day precision: enough for her, no appointment match
            "who": label(lang, "role", e.role),
            "what": label(lang, "act", e.action),
            "why": label(lang, "reason", e.reason_code),
        }
        for e in view.entries
    ]
    return {
        "number": view.number,
        "pass_status": page_text(lang, f"status_{view.status.status}"),
        "valid_until": day(view.status.exp, lang),
        "created": day(view.created_at, lang),
        "category": category.label if category else view.category,
        # The colour of her card beside its (municipality's, often Dutch) name.
        "category_color": category.color if category else None,
        "record_exists": view.record_exists,
        "sealed_on": day(view.record_sealed_at, lang),
        "fields": _fields(view, lang),
        "entries": entries,
    }
