"""Texts in the worker's own language: card back, receipt, leaflet (and /mijn-pas)."""

from tokenservice.texts.worker import (
    DEMO_WATERMARK,
    FRONT_VALID_UNTIL,
    LANGUAGE_NAMES,
    LANGUAGES,
    date_long,
    date_short,
    keys,
    text,
    valid_until,
)

__all__ = [
    "DEMO_WATERMARK",
    "FRONT_VALID_UNTIL",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "date_long",
    "date_short",
    "keys",
    "text",
    "valid_until",
]
