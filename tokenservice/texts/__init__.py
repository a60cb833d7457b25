"""Texts in the worker's own language: card back, receipt, leaflet and /mijn-pas.

Gettext catalogues (Babel domain ``worker``, one per language) read by
:mod:`tokenservice.texts.worker`; what /mijn-pas shows of her record is put into words by
:mod:`tokenservice.texts.record_view`. No Flask. See docs/translations.md.
"""

# What the rest of the service uses, re-exported ("name as name" says so to mypy).
from tokenservice.texts.worker import DEMO_WATERMARK as DEMO_WATERMARK
from tokenservice.texts.worker import FRONT_VALID_UNTIL as FRONT_VALID_UNTIL
from tokenservice.texts.worker import HTML_LANG as HTML_LANG
from tokenservice.texts.worker import LANGUAGE_NAMES as LANGUAGE_NAMES
from tokenservice.texts.worker import LANGUAGES as LANGUAGES
from tokenservice.texts.worker import category_name as category_name
from tokenservice.texts.worker import date_long as date_long
from tokenservice.texts.worker import date_short as date_short
from tokenservice.texts.worker import keys as keys
from tokenservice.texts.worker import page_keys as page_keys
from tokenservice.texts.worker import page_text as page_text
from tokenservice.texts.worker import text as text
from tokenservice.texts.worker import valid_until as valid_until
