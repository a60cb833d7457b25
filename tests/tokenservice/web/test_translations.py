"""The two gettext domains: the officials' UI in English, the worker texts in eight languages
(docs/translations.md).

(a) A fresh extraction (what ``make translations`` runs) has no msgid that the English
    catalog lacks, leaves empty or marks fuzzy; the catalog compiles cleanly and the
    committed ``messages.mo`` is the compiled ``messages.po``.
(b) Logged in as each role and switched to English with POST /lang, the key pages show
    English and none of the catalog's Dutch source strings (text, titles, aria labels,
    the texts handed to JavaScript in data attributes).
(c) Every msgstr has exactly the placeholders of its msgid, and no stray ``%``.
(d) The worker texts (domain ``worker``: card back, receipt, leaflet, /mijn-pas; keys as
    msgctxt, Dutch msgids, template ``tokenservice/texts/locale/worker.pot``): every key
    translated in every language, nothing fuzzy, the Dutch catalogue the template's copy, the
    committed ``.po`` files what ``make translations`` makes of the template and the ``.mo``
    files compiled from them, the same ``{placeholders}`` as the Dutch, every key the code
    asks for in the catalogue; at run time an unknown language or key is a ``KeyError`` and
    an untranslated entry shows the Dutch.
"""

from __future__ import annotations

import datetime
import functools
import html
import io
import re
import shutil
import string
from html.parser import HTMLParser
from pathlib import Path
from urllib.parse import urlsplit

import pyotp
import pytest
from babel.messages.catalog import Catalog, Message
from babel.messages.frontend import CommandLineInterface
from babel.messages.mofile import read_mo, write_mo
from babel.messages.pofile import read_po

from tests.support.paths import ROOT
from tokenservice import texts
from tokenservice.texts import source, worker

TRANSLATIONS = ROOT / "tokenservice" / "web" / "translations"
PO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.po"
MO = TRANSLATIONS / "en" / "LC_MESSAGES" / "messages.mo"
#: The keywords of the extraction, besides Babel's defaults (_, gettext, ngettext, ...).
KEYWORDS = ("_l", "lazy_gettext")
FIX = "run `make translations`, then fill in the empty msgstr in " + str(PO.relative_to(ROOT))

_CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
_PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[-#0 +]*\d*(?:\.\d+)?([diouxXeEfFgGcrsa%])")


# --- helpers ---------------------------------------------------------------------------------


def _catalog() -> Catalog:
    with PO.open("rb") as f:
        return read_po(f)


def _extract(tmp_path: Path) -> Catalog:
    """A fresh template from the sources, as the Makefile target makes it."""
    pot = tmp_path / "messages.pot"
    argv = ["pybabel", "-q", "extract", "-F", str(ROOT / "babel.cfg")]
    for keyword in KEYWORDS:
        argv += ["-k", keyword]
    CommandLineInterface().run([*argv, "-o", str(pot), str(ROOT / "tokenservice")])
    with pot.open("rb") as f:
        return read_po(f)


def _where(message: Message) -> str:
    places = ", ".join(f"{Path(file).name}:{line}" for file, line in message.locations[:3])
    return f"{message.id!r} ({places})"


def _forms(message: Message) -> list[tuple[str, str]]:
    """(msgid form, msgstr form) pairs; plural msgstr forms beyond the first go with msgid_plural."""
    if not isinstance(message.id, tuple):
        return [(message.id, message.string or "")]
    strings = message.string if isinstance(message.string, tuple) else (message.string,)
    return [(message.id[min(i, 1)], s or "") for i, s in enumerate(strings)]


def _placeholders(text: str) -> list[tuple[str, str]]:
    return sorted((m.group(1) or "", m.group(2)) for m in _PLACEHOLDER.finditer(text)
                  if m.group(2) != "%")


def _translated(message: Message) -> bool:
    return all(s.strip() for _, s in _forms(message))


class _Visible(HTMLParser):
    """What an official reads or hears: text, titles, labels, and texts for the page's JS."""

    ATTRS = ("title", "aria-label", "alt", "placeholder")

    def __init__(self) -> None:
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self._skip = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag in ("script", "style"):
            self._skip += 1
        for name, value in attrs:
            if value and (name in self.ATTRS or name.startswith("data-")):
                self.parts.append(value)

    def handle_endtag(self, tag: str) -> None:
        if tag in ("script", "style") and self._skip:
            self._skip -= 1

    def handle_data(self, data: str) -> None:
        if not self._skip:
            self.parts.append(data)


def visible(page: str) -> str:
    parser = _Visible()
    parser.feed(page)
    return re.sub(r"\s+", " ", " | ".join(parser.parts))


@functools.cache
def _dutch_needles() -> tuple[tuple[str, re.Pattern[str]], ...]:
    """Dutch source text that must not appear on an English page.

    Every msgid whose translation differs: the whole string if it has no placeholders,
    else each literal piece of two words or more (one word between placeholders, such as
    "Verzoek", is too likely to be part of something else).
    """
    needles: dict[str, re.Pattern[str]] = {}
    for message in _catalog():
        if not message.id:
            continue
        for msgid, msgstr in _forms(message):
            if msgid == msgstr:
                continue
            pieces = [p.strip(" .,:;()") for p in _PLACEHOLDER.split(msgid)[::3]]
            if len(pieces) == 1:
                candidates = [msgid.strip()] if len(msgid.strip()) >= 4 else []
            else:
                candidates = [p for p in pieces if len(p.split()) >= 2]
            for piece in candidates:
                needles[piece] = re.compile(r"(?<!\w)" + re.escape(piece) + r"(?!\w)")
    return tuple(needles.items())


def dutch_on(page: str) -> list[str]:
    text = visible(page)
    return [piece for piece, pattern in _dutch_needles() if pattern.search(text)]


def csrf_token(client, path: str) -> str:  # type: ignore[no-untyped-def]
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match, f"no CSRF token on {path}"
    return html.unescape(match.group(1))


def login(client, instance, username: str) -> None:  # type: ignore[no-untyped-def]
    password, secret = instance.accounts[username]
    first = client.post("/login", data={"csrf_token": csrf_token(client, "/login"),
                                        "username": username, "password": password})
    step = urlsplit(first.location).path
    done = client.post(step, data={"csrf_token": csrf_token(client, step),
                                   "code": pyotp.TOTP(secret).now()})
    assert done.status_code == 302 and urlsplit(done.location).path not in ("/login", step)


def english(client, page: str) -> None:  # type: ignore[no-untyped-def]
    switched = client.post("/lang", data={"csrf_token": csrf_token(client, page), "lang": "en",
                                          "next": page})
    assert switched.status_code == 302


def check_english(client, pages: dict[str, list[str]]) -> None:  # type: ignore[no-untyped-def]
    problems = []
    for path, markers in pages.items():
        response = client.get(path)
        page = response.get_data(as_text=True)
        if response.status_code != 200 or '<html lang="en">' not in page:
            problems.append(f"{path}: status {response.status_code}, not an English page")
            continue
        text = visible(page)
        problems += [f"{path}: no English {m!r}" for m in markers if m not in text]
        problems += [f"{path}: Dutch left: {d!r}" for d in dutch_on(page)]
    assert not problems, "\n".join(problems)


# --- (a) the catalog is complete and compiled -------------------------------------------------


def test_every_extracted_string_is_translated(tmp_path: Path) -> None:
    fresh = _extract(tmp_path)
    catalog = _catalog()
    ids = [m for m in fresh if m.id]
    assert len(ids) > 300, "the extraction found (almost) nothing: check babel.cfg"
    missing, empty, fuzzy, plural = [], [], [], []
    for message in ids:
        have = catalog.get(message.id)
        if have is None:
            missing.append(_where(message))
        elif isinstance(have.id, tuple) != isinstance(message.id, tuple):
            plural.append(_where(message))
        elif have.fuzzy:
            fuzzy.append(_where(message))
        elif not _translated(have):
            empty.append(_where(message))
    report = [
        *(f"not in the catalog: {m}" for m in missing),
        *(f"singular/plural changed: {m}" for m in plural),
        *(f"fuzzy (check it, then remove the flag): {m}" for m in fuzzy),
        *(f"untranslated: {m}" for m in empty),
    ]
    assert not report, f"{len(report)} string(s) need a translation ({FIX}):\n" + "\n".join(report)


def test_catalog_compiles_and_the_committed_mo_is_current() -> None:
    catalog = _catalog()
    assert str(catalog.locale) == "en" and catalog.num_plurals == 2
    errors = [f"{_where(m)}: {'; '.join(map(str, errs))}" for m, errs in catalog.check()]
    assert not errors, "\n".join(errors)
    out = io.BytesIO()
    write_mo(out, catalog)
    assert out.getvalue(), "empty .mo"
    with MO.open("rb") as f:
        committed = read_mo(f)
    def string(message: Message | None) -> object:
        if message is None:
            return None
        return tuple(message.string) if isinstance(message.string, list | tuple) else message.string

    stale = [
        _where(m) for m in catalog
        if m.id and not m.fuzzy and _translated(m) and string(committed.get(m.id)) != string(m)
    ]
    assert not stale, "messages.mo is older than messages.po (run `make translations`):\n" + \
        "\n".join(stale)


def test_the_makefile_target_extracts_like_this_test() -> None:
    makefile = (ROOT / "Makefile").read_text()
    target = makefile[makefile.index("\ntranslations:"):]
    target = target[: target.index("\n\n")]
    assert "-F babel.cfg" in target and re.search(r"messages\.pot tokenservice\b", target)
    for keyword in KEYWORDS:
        assert f"-k {keyword}" in target, keyword
    assert "pybabel -q init" in target and "pybabel -q update" in target
    # The worker domain, as test_worker_catalogues_are_what_make_translations_makes runs it.
    assert "WORKER_I18N := tokenservice/texts/locale" in makefile
    assert "pybabel -q update -D worker --previous -i $(WORKER_I18N)/worker.pot -d $(WORKER_I18N)" in target
    assert "python -m tokenservice.texts.source" in target
    assert "pybabel compile -D worker --statistics -d $(WORKER_I18N)" in target


# --- (c) placeholders -------------------------------------------------------------------------


def test_placeholders_match() -> None:
    problems = []
    for message in _catalog():
        if not message.id:
            continue
        for msgid, msgstr in _forms(message):
            if not msgstr:
                continue
            if _placeholders(msgid) != _placeholders(msgstr):
                problems.append(f"{_where(message)}: {msgstr!r} has {_placeholders(msgstr)}, "
                                f"the source has {_placeholders(msgid)}")
            # Jinja applies % to every translated string: a lone % would break the page.
            if "%" in _PLACEHOLDER.sub("", msgstr):
                problems.append(f"{_where(message)}: stray % in {msgstr!r} (write %%)")
    assert not problems, "\n".join(problems)


def test_the_needles_find_dutch() -> None:
    """The leftover check of (b) would notice an untranslated page."""
    found = dutch_on('<p>Inloggen</p><button title="Wachtwoord wijzigen">x</button>'
                     '<div data-x="Foto wordt bekeken…"></div>')
    assert {"Inloggen", "Wachtwoord wijzigen", "Foto wordt bekeken…"} <= set(found)
    assert dutch_on("<p>Log in · Passes</p>") == []


# --- (b) English pages, by role ---------------------------------------------------------------

SQLITE_ONLY = pytest.mark.parametrize("migrated_database_url", ["sqlite"], indirect=True)


@SQLITE_ONLY
def test_login_pages_in_english(client, instance) -> None:  # type: ignore[no-untyped-def]
    dutch = client.get("/login").get_data(as_text=True)
    assert '<html lang="nl">' in dutch and "Inloggen" in visible(dutch)
    english(client, "/login")
    check_english(client, {"/login": ["Log in", "Username", "Password", "For municipal staff"]})
    wrong = client.post("/login", data={"csrf_token": csrf_token(client, "/login"),
                                        "username": "intake", "password": "wrong password"})
    assert "Login failed. Check your username and password." in visible(wrong.get_data(as_text=True))
    password, _secret = instance.accounts["intake"]
    client.post("/login", data={"csrf_token": csrf_token(client, "/login"),
                                "username": "intake", "password": password})
    check_english(client, {"/login/totp": ["Second step", "Code from the app", "Start over"]})


@SQLITE_ONLY
def test_intake_pages_in_english(client, instance) -> None:  # type: ignore[no-untyped-def]
    login(client, instance, "intake")
    english(client, "/intake/new")
    check_english(client, {
        "/intake/new": ["New pass", "Renew", "Log out", "Checklist", "Date of birth",
                        "Identity document", "Issue pass", "Camera on", "Checking photo…"],
        "/intake/renew": ["Renew pass", "Pass number or QR text", "Search"],
        "/account/password": ["Change password", "Current password", "Save", "Cancel"],
    })
    lookup = client.post("/intake/renew", data={"csrf_token": csrf_token(client, "/intake/renew"),
                                                "pass": "not a number"})
    assert "This pass number is not correct" in visible(lookup.get_data(as_text=True))
    forbidden = client.get("/beheer/")
    text = visible(forbidden.get_data(as_text=True))
    assert forbidden.status_code == 403 and "You do not have access to this page." in text
    assert "Something went wrong" in text


@SQLITE_ONLY
def test_handhaving_pages_in_english(client, instance) -> None:  # type: ignore[no-untyped-def]
    login(client, instance, "handhaver")
    english(client, "/handhaving/")
    check_english(client, {
        "/handhaving/": ["Enforcement", "Revoke pass", "Pass number", "Reason", "Lost",
                         "Yes, revoke this pass", "Look up status"],
        "/handhaving/record": ["Request sealed record", "Reason code", "Explanation"],
        "/handhaving/export": ["Search all records (bulk export)", "Yes, I need all records"],
        "/handhaving/requests": ["Open requests", "No open requests."],
    })


@SQLITE_ONLY
def test_beheer_pages_in_english(client, instance) -> None:  # type: ignore[no-untyped-def]
    login(client, instance, "beheer")
    english(client, "/beheer/")
    check_english(client, {
        "/beheer/": ["Administration", "Overview", "Keys and categories", "Reports",
                     "Active accounts"],
        "/beheer/accounts": ["Username", "Role", "Second factor", "Add account", "Manage"],
        "/beheer/accounts/1": ["All accounts", "Disable", "Created or reset",
                               "Create API token"],
        "/beheer/keys": ["Read-only.", "Sequence number (seq)", "Revocation list", "signing now"],
        "/beheer/reports": ["Passes per quarter and category", "Quarter", "Issued", "Renewed",
                            "Revoked", "How counting works"],
    })
    client.post("/logout", data={"csrf_token": csrf_token(client, "/beheer/")})
    page = client.get("/login").get_data(as_text=True)  # the language survives logout
    assert '<html lang="en">' in page and "You have been logged out." in visible(page)


@SQLITE_ONLY
def test_mijn_pas_has_its_own_languages(client) -> None:  # type: ignore[no-untyped-def]
    """The worker's page takes ?lang= (the worker catalogue), not the officials' catalog."""
    page = client.get("/mijn-pas/?lang=en").get_data(as_text=True)
    assert '<html lang="en">' in page and "My pass" in visible(page)
    assert dutch_on(page) == []


@SQLITE_ONLY
def test_reason_codes_and_report_labels_follow_the_language(app, instance) -> None:  # type: ignore[no-untyped-def]
    handhaver, beheer = app.test_client(), app.test_client()
    login(handhaver, instance, "handhaver")
    english(handhaver, "/handhaving/record")
    login(beheer, instance, "beheer")
    english(beheer, "/beheer/reports")
    record = visible(handhaver.get("/handhaving/record").get_data(as_text=True))
    report = visible(beheer.get("/beheer/reports").get_data(as_text=True))
    assert "Inspection" in record and "Toezichtscontrole" not in record
    assert "uitgegeven" not in report and "ingetrokken" not in report


# --- (d) the worker texts: domain "worker", one catalogue per language --------------------------

WORKER_POT = worker.LOCALE_DIR / "worker.pot"
WORKER_FIX = ("edit tokenservice/texts/locale/worker.pot, run `make translations`, then translate "
              "the empty or fuzzy entries of tokenservice/texts/locale/<lang>/LC_MESSAGES/worker.po")
_KEY = re.compile(r"(?:mijnpas\.)?[a-z][a-z0-9_]*")


def _read_po(path: Path) -> Catalog:
    with path.open("rb") as f:
        return read_po(f)


def _worker_template() -> Catalog:
    return _read_po(WORKER_POT)


def _fields(text: str) -> list[tuple[str, str, str | None]]:
    """The ``{placeholders}`` of a text (name, format spec, conversion), sorted; raises
    ValueError for a lone brace."""
    return sorted((name, spec or "", conversion)
                  for _, name, spec, conversion in string.Formatter().parse(text)
                  if name is not None)


def _key_of(message: Message) -> str:
    return f"{message.context} ({message.id!r})"


def test_the_worker_template_has_one_key_per_text() -> None:
    template = _worker_template()
    messages = [m for m in template if m.id]
    assert len(messages) > 130, "the worker template is (almost) empty"
    contexts = [m.context for m in messages]
    problems = [f"no key (msgctxt): {m.id!r}" for m in messages if not m.context]
    problems += [f"key used twice: {c}" for c in sorted({c for c in contexts if contexts.count(c) > 1})]
    problems += [f"not a key: {c!r}" for c in contexts if c and not _KEY.fullmatch(c)]
    problems += [f"plural forms are not used here: {_key_of(m)}" for m in messages if m.pluralizable]
    problems += [f"a template has no msgstr: {_key_of(m)}" for m in messages if m.string]
    for m in messages:
        # Poedit and Weblate check {placeholders} by this flag.
        if bool(_fields(str(m.id))) != ("python-brace-format" in m.flags):
            problems.append(f"python-brace-format flag wrong: {_key_of(m)}")
    assert not problems, "\n".join(problems)
    assert {c for c in contexts if c} == set(texts.keys()) | {worker.PAGE + k for k in texts.page_keys()}


def test_every_language_has_a_worker_catalogue_and_no_more() -> None:
    found = {p.parent.parent.name for p in worker.LOCALE_DIR.glob("*/LC_MESSAGES/worker.po")}
    compiled = {p.parent.parent.name for p in worker.LOCALE_DIR.glob("*/LC_MESSAGES/worker.mo")}
    assert found == compiled == set(texts.LANGUAGES)


@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_every_worker_text_is_translated(lang: str) -> None:
    catalogue = _read_po(worker.catalogue_path(lang, ".po"))
    assert str(catalogue.locale) == lang and not catalogue.fuzzy, "header: wrong language or fuzzy"
    missing, empty, fuzzy, changed = [], [], [], []
    for message in _worker_template():
        if not message.id:
            continue
        have = catalogue.get(message.id, context=message.context)
        if have is None:
            missing.append(_key_of(message))
        elif have.fuzzy:
            fuzzy.append(_key_of(message))
        elif not (isinstance(have.string, str) and have.string.strip()):
            empty.append(_key_of(message))
        elif lang == worker.SOURCE_LANGUAGE and have.string != have.id:
            changed.append(_key_of(message))
    extra = [_key_of(m) for m in catalogue if m.id and _worker_template().get(m.id, context=m.context) is None]
    report = [
        *(f"not in the catalogue: {m}" for m in missing),
        *(f"fuzzy (check it, then remove the flag): {m}" for m in fuzzy),
        *(f"untranslated: {m}" for m in empty),
        *(f"the Dutch catalogue differs from the template (edit worker.pot): {m}" for m in changed),
        *(f"not in the template (run `make translations`): {m}" for m in extra),
    ]
    assert not report, f"{lang}: {len(report)} text(s) need work ({WORKER_FIX}):\n" + "\n".join(report)


@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_worker_placeholders_match(lang: str) -> None:
    problems = []
    for message in _read_po(worker.catalogue_path(lang, ".po")):
        if not message.id or not message.string:
            continue
        try:
            have, want = _fields(str(message.string)), _fields(str(message.id))
        except ValueError as exc:  # a lone { or }: str.format would raise at run time
            problems.append(f"{_key_of(message)}: {exc} in {message.string!r}")
            continue
        if have != want:
            problems.append(f"{_key_of(message)}: {message.string!r} has {have}, the Dutch has {want}")
    assert not problems, "\n".join(problems)


@pytest.mark.parametrize("lang", texts.LANGUAGES)
def test_worker_catalogue_compiles_and_the_committed_mo_is_current(lang: str) -> None:
    catalogue = _read_po(worker.catalogue_path(lang, ".po"))
    errors = [f"{_key_of(m)}: {'; '.join(map(str, errs))}" for m, errs in catalogue.check()]
    assert not errors, "\n".join(errors)
    out = io.BytesIO()
    write_mo(out, catalogue)  # what `pybabel compile` writes
    assert out.getvalue() == worker.catalogue_path(lang).read_bytes(), (
        f"{lang}/LC_MESSAGES/worker.mo is not the compiled worker.po (run `make translations`)")


def test_worker_catalogues_are_what_make_translations_makes(tmp_path: Path) -> None:
    """Updating from the template and writing the Dutch changes nothing: no key is missing
    from a .po, the Dutch catalogue is current, nothing turned fuzzy or obsolete unseen."""
    copy = tmp_path / "locale"
    shutil.copytree(worker.LOCALE_DIR, copy, ignore=shutil.ignore_patterns("*.mo"))
    CommandLineInterface().run(["pybabel", "-q", "update", "-D", "worker", "--previous",
                                "-i", str(copy / "worker.pot"), "-d", str(copy)])
    source.write_source_catalogue(copy)
    stale = [lang for lang in texts.LANGUAGES
             if (copy / lang / "LC_MESSAGES" / "worker.po").read_bytes()
             != worker.catalogue_path(lang, ".po").read_bytes()]
    assert not stale, f"out of date with worker.pot (run `make translations`): {stale}"


#: Where the code names a worker text by a literal key: (files, pattern, keys it must be one of).
_CALLS = [
    (["tokenservice/issue/*.py", "tokenservice/web/intake.py", "tokenservice/_cli.py"],
     re.compile(r"""\b(?:text\(\s*[\w."']+\s*,|t\()\s*["']([a-z][a-z0-9_]*)["']"""), texts.keys),
    (["tokenservice/web/mijnpas.py", "tokenservice/texts/record_view.py",
      "tokenservice/web/templates/mijnpas/*.html"],
     re.compile(r"""\b(?:page_text|t)\(\s*(?:lang\s*,\s*)?["']([a-z][a-z0-9_]*)["']"""), texts.page_keys),
]


def test_every_key_the_code_asks_for_is_in_the_catalogue() -> None:
    unknown, found = [], 0
    for patterns, call, known in _CALLS:
        keys = set(known())
        for pattern in patterns:
            for path in sorted(ROOT.glob(pattern)):
                for key in call.findall(path.read_text()):
                    found += 1
                    if key not in keys:
                        unknown.append(f"{path.relative_to(ROOT)}: {key!r}")
    assert found > 80, "the scan found (almost) no calls: check _CALLS"
    assert not unknown, "keys not in tokenservice/texts/locale/worker.pot:\n" + "\n".join(unknown)


def test_a_missing_language_or_key_fails_and_an_untranslated_text_shows_the_dutch(
    monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture,
) -> None:
    with pytest.raises(KeyError):
        texts.text("de", "back_help")
    with pytest.raises(KeyError):
        texts.text("en", "no_such_key")
    with pytest.raises(KeyError):
        texts.page_text("en", "back_help")  # a card text is not a page text
    with pytest.raises(KeyError):
        texts.text("en", "receipt_valid")  # a placeholder without its value
    assert texts.text("en", "back_help") == "Help" and texts.page_text("ro", "title") == "Cardul meu"
    real = worker._entries
    monkeypatch.setattr(worker, "_entries", lambda lang: {} if lang == "hu" else real(lang))
    worker._untranslated.cache_clear()
    with caplog.at_level("WARNING", logger=worker.__name__):
        assert texts.text("hu", "back_help") == texts.text("nl", "back_help") == "Hulp"
        assert texts.valid_until(datetime.date(2027, 3, 12), "hu").startswith("Je pas")
    assert "'back_help' has no hu translation" in caplog.text
