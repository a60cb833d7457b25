"""The texts the worker reads, in her language, from the gettext catalogues beside this file.

The card back, the receipt, the leaflet and her /mijn-pas page come in her language
(``LANGUAGES``). The card front is read by exploitanten and toezichthouders and stays Dutch.

The texts are one Babel domain, ``worker`` (the officials' UI is the other, ``messages``,
read by Flask-Babel): ``locale/<lang>/LC_MESSAGES/worker.mo``, compiled by ``make translations``
from ``worker.po``, which is updated from the hand-kept template ``locale/worker.pot``. An
entry's msgctxt is the stable key the code asks for, its msgid the Dutch source text; the
/mijn-pas page's keys have the prefix ``mijnpas.`` (``page_text``). Placeholders are
``{name}``, filled by :meth:`str.format`. See docs/translations.md.

Only the compiled ``.mo`` files are read (the package ships them), with Babel's
:func:`~babel.messages.mofile.read_mo`: gettext's own reader answers ``pgettext(key, msgid)``
but cannot list the keys, which the Dutch lookup and ``keys()`` need. No Flask.

These translations were written carefully but not by native speakers: have each one
reviewed before real use (see docs/card.md). Rules kept in every language: no word that
outs the holder (nothing about sex work or prostitution), formal address where the
language has one except Dutch and Polish (informal, which in Polish also avoids gendered
verb forms), and no gendered past tense.
"""

from __future__ import annotations

import datetime
import functools
import logging
from pathlib import Path
from typing import Final

from babel.dates import format_date as _babel_format_date
from babel.messages.mofile import read_mo

__all__ = [
    "DEMO_WATERMARK",
    "DOMAIN",
    "FRONT_VALID_UNTIL",
    "HTML_LANG",
    "LANGUAGES",
    "LANGUAGE_NAMES",
    "LOCALE_DIR",
    "PAGE",
    "SOURCE_LANGUAGE",
    "catalogue_path",
    "category_name",
    "date_long",
    "date_short",
    "keys",
    "page_keys",
    "page_text",
    "text",
    "valid_until",
]

log = logging.getLogger(__name__)

LANGUAGES: Final = ("nl", "en", "es", "pt", "ro", "bg", "hu", "pl", "th", "zh", "uk", "ru")

LANGUAGE_NAMES: Final = {
    "nl": "Nederlands",
    "en": "English",
    "es": "Español",
    "pt": "Português",
    "ro": "Română",
    "bg": "Български",
    "hu": "Magyar",
    "pl": "Polski",
    "th": "ไทย",
    "zh": "中文（简体）",
    "uk": "Українська",
    "ru": "Русский",
}

#: The language tag of each code for HTML ``lang`` (BCP 47); the code itself where it is one.
#: Chinese is written in simplified characters: ``zh-Hans``, so a browser picks a
#: simplified-Chinese font (not a Japanese or traditional one) for the Han characters.
HTML_LANG: Final = {code: code for code in LANGUAGES} | {"zh": "zh-Hans"}

#: The catalogues: ``LOCALE_DIR/<lang>/LC_MESSAGES/<DOMAIN>.mo`` (and ``.po``), ``LOCALE_DIR/<DOMAIN>.pot``.
DOMAIN: Final = "worker"
LOCALE_DIR: Final = Path(__file__).resolve().parent / "locale"
#: The language the texts are written in (the msgids); its catalogue is the template's copy.
SOURCE_LANGUAGE: Final = "nl"
#: The key prefix of the /mijn-pas page's texts.
PAGE: Final = "mijnpas."

# Card front: Dutch only, for the people who check the pass.
FRONT_VALID_UNTIL: Final = "geldig tot"
DEMO_WATERMARK: Final = "DEMO — NIET GELDIG"


def catalogue_path(language: str, suffix: str = ".mo") -> Path:
    """Where the catalogue of ``language`` is (``suffix`` ".po" for the translators' file)."""
    return LOCALE_DIR / language / "LC_MESSAGES" / f"{DOMAIN}{suffix}"


@functools.cache
def _entries(language: str) -> dict[str, str]:
    """key (msgctxt) → text of the compiled catalogue; untranslated and fuzzy entries are not in it."""
    with catalogue_path(language).open("rb") as f:
        catalogue = read_mo(f)
    return {m.context: m.string for m in catalogue
            if m.id and m.context and isinstance(m.string, str) and m.string}


@functools.cache
def _untranslated(language: str, key: str) -> None:
    log.warning("worker text %r has no %s translation: showing the Dutch", key, language)


def text(language: str, key: str, **values: str) -> str:
    """The text ``key`` in ``language``, with ``{placeholders}`` filled from ``values``.

    Raises ``KeyError`` for an unknown language or a key the Dutch source lacks: that is a
    bug, never a silent fallback. A key the language's catalogue does not translate yet (a
    new or changed text, or one marked fuzzy) is shown in Dutch, the source, and logged;
    tests/tokenservice/web/test_translations.py fails on it.
    """
    if language not in LANGUAGES:
        raise KeyError(language)
    source = _entries(SOURCE_LANGUAGE)
    if key not in source:
        raise KeyError(key)
    found = _entries(language).get(key)
    if found is None:
        _untranslated(language, key)
        found = source[key]
    return found.format(**values)


def keys() -> list[str]:
    """The keys of the card, receipt and leaflet texts (not the page's), sorted."""
    return sorted(k for k in _entries(SOURCE_LANGUAGE) if not k.startswith(PAGE))


def page_text(language: str, key: str, **values: str) -> str:
    """A text of the /mijn-pas page: :func:`text` of ``"mijnpas." + key``."""
    return text(language, PAGE + key, **values)


def page_keys() -> list[str]:
    """The keys of the /mijn-pas page's texts, without the prefix, sorted."""
    return sorted(k.removeprefix(PAGE) for k in _entries(SOURCE_LANGUAGE) if k.startswith(PAGE))


def date_long(day: datetime.date, language: str) -> str:
    """A date spelled out in ``language`` ("12 maart 2027", "12 март 2027 г.")."""
    if language not in LANGUAGES:
        raise KeyError(language)
    # British English writes the day first, like every other language here.
    locale = "en_GB" if language == "en" else language
    return _babel_format_date(day, format="long", locale=locale)


def valid_until(day: datetime.date, language: str) -> str:
    """The receipt's validity sentence; a date that ends in "." does not get a second."""
    return text(language, "receipt_valid", date=date_long(day, language)).replace("..", ".")


def date_short(day: datetime.date) -> str:
    """The date as printed on the card front, readable in any language: 12-03-2027."""
    return day.strftime("%d-%m-%Y")


def category_name(language: str, label: str) -> str:
    """The name of a pass category in ``language``, from the municipality's (Dutch) ``label``.

    Categories are configured per municipality with a Dutch name (pas.toml, the trust list).
    A name the catalogue knows — the Dutch text of a ``mijnpas.category_*`` key, such as
    "Wit" or "Groen", compared without case — is shown translated; any other name as it is
    (the page shows the category's colour beside it).
    """
    wanted = label.strip().casefold()
    for key, dutch in _entries(SOURCE_LANGUAGE).items():
        if key.startswith(PAGE + "category_") and dutch.casefold() == wanted:
            return text(language, key)
    return label
