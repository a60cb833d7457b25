"""Texts in the worker's own language: card back, receipt, leaflet and /mijn-pas.

Gettext catalogues (Babel domain ``worker``, one per language) read by
:mod:`tokenservice.texts.worker`; what /mijn-pas shows of her record is put into words by
:mod:`tokenservice.texts.record_view`. No Flask. See docs/translations.md.
"""

from tokenservice.texts.worker import (
    DEMO_WATERMARK,
    FRONT_VALID_UNTIL,
    LANGUAGE_NAMES,
    LANGUAGES,
    date_long,
    date_short,
    keys,
    page_keys,
    page_text,
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
    "page_keys",
    "page_text",
    "text",
    "valid_until",
]
