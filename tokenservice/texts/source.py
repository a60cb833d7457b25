"""The Dutch catalogue, written from the template: ``make translations`` runs this.

Dutch is the source language of the worker texts: ``locale/worker.pot`` holds each key
(msgctxt) with its Dutch text (msgid), kept by hand. The Dutch catalogue ``nl/.../worker.po``
is that template with every msgstr equal to its msgid, so that the compiled ``worker.mo``
answers ``text("nl", key)`` like every other language. Never edit it: edit the template.

Run as ``python -m tokenservice.texts.source`` after ``pybabel update`` (which leaves new
Dutch entries empty or fuzzy) and before ``pybabel compile``.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from babel.messages.catalog import Catalog
from babel.messages.pofile import read_po, write_po

from tokenservice.texts.worker import DOMAIN, LOCALE_DIR, SOURCE_LANGUAGE

__all__ = ["source_catalogue", "write_source_catalogue"]


def source_catalogue(template: Catalog, current: Catalog) -> Catalog:
    """``current`` (its header kept) with exactly the template's entries, each msgstr its msgid."""
    current.update(template, no_fuzzy_matching=True)
    current.obsolete.clear()
    current.fuzzy = False
    for message in current:
        if message.id:
            message.string = message.id
            message.flags.discard("fuzzy")
            message.previous_id = []
    return current


def write_source_catalogue(locale_dir: Path = LOCALE_DIR) -> None:
    """Rewrite ``<locale_dir>/nl/LC_MESSAGES/worker.po`` from ``<locale_dir>/worker.pot``."""
    with (locale_dir / f"{DOMAIN}.pot").open("rb") as f:
        template = read_po(f)
    path = locale_dir / SOURCE_LANGUAGE / "LC_MESSAGES" / f"{DOMAIN}.po"
    with path.open("rb") as f:
        current = read_po(f, locale=SOURCE_LANGUAGE, domain=DOMAIN)
    catalogue = source_catalogue(template, current)
    with path.open("wb") as f:
        write_po(f, catalogue)
    print(f"{os.path.relpath(path)}: {len(catalogue)} Dutch source texts", file=sys.stderr)


if __name__ == "__main__":
    write_source_catalogue()
