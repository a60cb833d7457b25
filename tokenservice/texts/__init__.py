"""Texts in the worker's own language: card back, receipt, leaflet and /mijn-pas.

Gettext catalogues (Babel domain ``worker``, one per language) read by
:mod:`tokenservice.texts.worker`; what /mijn-pas shows of her record is put into words by
:mod:`tokenservice.texts.record_view`. No Flask. See docs/translations.md.
"""

from tokenservice.texts.worker import (
    DEMO_WATERMARK,
    FRONT_VALID_UNTIL,
    HTML_LANG,
    LANGUAGE_NAMES,
    LANGUAGES,
    category_name,
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
    "HTML_LANG",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "category_name",
    "date_long",
    "date_short",
    "keys",
    "page_keys",
    "page_text",
    "text",
    "valid_until",
]
