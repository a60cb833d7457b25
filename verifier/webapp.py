"""The exploitant's offline verifier app: a static folder of HTML, CSS and ES modules.

The app lives in ``verifier/webapp/``. The service serves it at ``/verify/``; a
municipality can also host a copy anywhere with :func:`export_app`, which writes
the folder with its ``config.json`` filled in (the pinned trust-anchor key and
where the lists are published). The app only uses relative URLs, so it works
from any base path.

Maintenance commands (developers only)::

    python -m verifier.webapp vendor   # copy the pinned npm modules into vendor/
    python -m verifier.webapp stamp    # refresh the service worker's file list and version

Nothing here touches the network.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import re
import shutil
import sys
from pathlib import Path
from typing import IO
from urllib.parse import urlsplit

from .errors import Error, TrustError
from .regions import REGION_ID
from .trust import parse_anchor

#: Days past a list's own exp after which the app refuses a green verdict. 30 keeps the
#: app's promise: it verifies with no network for at least 30 days after its last sync
#: (with warnings once a list is past its exp; docs/exploitant.md).
DEFAULT_MAX_LIST_AGE_DAYS = 30

_SW = "sw.js"
_CONFIG = "config.json"
#: Files the service worker does not put in its shell cache.
_NOT_IN_SHELL = frozenset({_SW})
_SHELL_RE = re.compile(r"^const SHELL = \[.*?\];$", re.S | re.M)
_VERSION_RE = re.compile(r'^const VERSION = "[^"]*";$', re.M)

# What `vendor` copies out of node_modules (package -> [(source, destination)]).
_VENDOR = {
    "@noble/ed25519": [
        ("index.js", "noble-ed25519/index.js"),
        ("LICENSE", "noble-ed25519/LICENSE"),
    ],
    "zxing-wasm": [
        ("dist/es/reader/index.js", "zxing-wasm/es/reader/index.js"),
        ("dist/es/share.js", "zxing-wasm/es/share.js"),
        ("dist/reader/zxing_reader.wasm", "zxing-wasm/reader/zxing_reader.wasm"),
        ("LICENSE", "zxing-wasm/LICENSE"),
    ],
}


def app_dir() -> Path:
    """The folder holding the app's static files."""
    return Path(__file__).resolve().parent / "webapp"


def _app_files(root: Path) -> list[str]:
    """Relative POSIX paths of every file the app is made of, sorted."""
    return sorted(
        p.relative_to(root).as_posix()
        for p in root.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    )


def shell_files(root: Path | None = None) -> list[str]:
    """The files the service worker caches for offline use.

    Everything but sw.js itself and the vendored modules' licence texts and notes,
    which travel with the app (export_app copies them) but are never loaded by it.
    """
    root = root or app_dir()
    return [
        f
        for f in _app_files(root)
        if f not in _NOT_IN_SHELL
        and not f.endswith(".md")
        and not f.rsplit("/", 1)[-1].startswith("LICENSE")
    ]


def shell_version(root: Path | None = None) -> str:
    """A hash over the shell's paths and contents, except config.json.

    It changes whenever an app file changes, so browsers install the new service
    worker; config.json is fetched network-first and needs no new version.
    """
    root = root or app_dir()
    h = hashlib.sha256()
    for name in shell_files(root):
        if name == _CONFIG:
            continue
        h.update(name.encode() + b"\0")
        h.update(hashlib.sha256((root / name).read_bytes()).digest())
    return h.hexdigest()[:16]


def stamped_sw(root: Path | None = None) -> str:
    """sw.js text with the current SHELL list and VERSION filled in."""
    root = root or app_dir()
    text = (root / _SW).read_text(encoding="utf-8")
    shell = "const SHELL = [\n" + "".join(f"  {json.dumps(f)},\n" for f in shell_files(root)) + "];"
    text = _SHELL_RE.sub(lambda _: shell, text, count=1)
    return _VERSION_RE.sub(lambda _: f'const VERSION = "{shell_version(root)}";', text, count=1)


def _check_lists_url(lists_url: str) -> str:
    if not isinstance(lists_url, str) or not lists_url.strip():
        raise ValueError("lists_url must be the URL of the published lists")
    url = lists_url.strip()
    parts = urlsplit(url)
    if parts.scheme not in ("", "https", "http"):
        raise ValueError("lists_url must be an https URL or a path relative to the app")
    if parts.query or parts.fragment:
        raise ValueError("lists_url must not carry a query or fragment")
    return url if url.endswith("/") else url + "/"


def make_config(
    *, anchor_hex: str, lists_url: str, max_list_age_days: int = DEFAULT_MAX_LIST_AGE_DAYS,
    demo: bool = False,
    regions: list[tuple[str, str, str, str]] | None = None,
    municipality: str | None = None,
    municipality_name: str = "",
    accept: list[str] | None = None,
) -> dict[str, object]:
    """The content of config.json; raises ValueError for a bad anchor or URL.

    ``demo``: the anchor is a demo anchor; the app then marks every screen and verdict DEMO.
    ``regions``: more pinned anchors (ADR 0020), each ``(id, name, anchor_hex, lists_url)``.
    ``municipality`` (GMxxxx) and ``accept`` (issuer codes and region ids; the region of
    ``anchor_hex`` is ``default``): where a pass counts (docs/token-format.md §10.4).
    """
    try:
        anchor = parse_anchor(anchor_hex)
    except TrustError as exc:
        raise ValueError(str(exc)) from exc
    if isinstance(max_list_age_days, bool) or not isinstance(max_list_age_days, int):
        raise ValueError("max_list_age_days must be a whole number of days")
    if not 0 <= max_list_age_days <= 365:
        raise ValueError("max_list_age_days must be between 0 and 365")
    config: dict[str, object] = {
        "anchor_hex": anchor.hex(),
        "lists_url": _check_lists_url(lists_url),
        "max_list_age_days": max_list_age_days,
    }
    if demo:
        config["demo"] = True
    ids = {"default"}
    anchors = {anchor}
    more: list[dict[str, str]] = []
    for region_id, name, region_anchor, region_url in regions or []:
        if not REGION_ID.fullmatch(region_id) or region_id in ids:
            raise ValueError(f"region id must be unique lower-case letters, digits, hyphens: {region_id!r}")
        try:
            pinned = parse_anchor(region_anchor)
        except TrustError as exc:
            raise ValueError(f"region {region_id}: {exc}") from exc
        if pinned in anchors:
            raise ValueError(f"region {region_id}: this anchor is pinned by another region already")
        ids.add(region_id)
        anchors.add(pinned)
        more.append({"id": region_id, "name": name or region_id, "anchor_hex": pinned.hex(),
                     "lists_url": _check_lists_url(region_url)})
    if more:
        config["regions"] = more
    if municipality is not None:
        if not re.fullmatch(r"GM[0-9]{4}", municipality):
            raise ValueError(f"municipality must be a code like GM0106: {municipality!r}")
        config["municipality"] = {"code": municipality, "name": municipality_name}
        items = list(dict.fromkeys(accept or []))
        for item in items:
            if not re.fullmatch(r"GM[0-9]{4}", item) and item not in ids:
                raise ValueError(f"accept: {item!r} is neither a municipality code nor a region id")
        config["accept"] = items
    elif accept:
        raise ValueError("accept needs the municipality it is for")
    return config


def export_app(
    dest: Path,
    *,
    anchor_hex: str,
    lists_url: str,
    max_list_age_days: int = DEFAULT_MAX_LIST_AGE_DAYS,
    regions: list[tuple[str, str, str, str]] | None = None,
    municipality: str | None = None,
    municipality_name: str = "",
    accept: list[str] | None = None,
) -> None:
    """Write the app as a standalone static folder at ``dest`` with config.json filled in.

    ``anchor_hex`` is the trust anchor's public key (64 hex characters);
    ``lists_url`` the base URL under which ``trust-list.cose``, ``issuers.json``
    and ``revocations/<iss>.cose`` are published (e.g.
    ``https://pas.example.nl/.well-known/pas/``), absolute or relative to the
    app. ``dest`` may exist but must not hold anything other than an earlier
    export. Raises ValueError for bad arguments or a non-empty foreign folder.
    """
    config = make_config(
        anchor_hex=anchor_hex, lists_url=lists_url, max_list_age_days=max_list_age_days,
        regions=regions, municipality=municipality, municipality_name=municipality_name,
        accept=accept,
    )
    dest = Path(dest)
    src = app_dir()
    files = _app_files(src)
    if dest.exists():
        if not dest.is_dir():
            raise ValueError(f"{dest} exists and is not a folder")
        ours = set(files)
        foreign = [f for f in _app_files(dest) if f not in ours]
        if foreign:
            raise ValueError(f"{dest} holds files that are not the app's (e.g. {foreign[0]})")
    for name in files:
        target = dest / name
        target.parent.mkdir(parents=True, exist_ok=True)
        if name == _CONFIG:
            target.write_text(json.dumps(config, indent=2) + "\n", encoding="utf-8")
        elif name == _SW:
            target.write_text(stamped_sw(src), encoding="utf-8")
        else:
            shutil.copyfile(src / name, target)


# --- `pas-verify export-app` ----------------------------------------------------------


class ExportError(Error):
    """Bad arguments for export-app, or a destination that cannot be written."""


def add_export_app(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Register ``pas-verify export-app DIR --anchor HEX_OR_FILE --lists-url URL``.

    Follows verifier._cli's conventions: ``args.run(args, out, err, stdin)`` returns
    the exit code; errors are raised as :class:`verifier.Error` (exit 2).
    """
    p = sub.add_parser(
        "export-app",
        help="write the offline verifier app as a static folder for any web server",
        description="Write the exploitant's offline verifier app (a PWA) to DIR with "
        "config.json filled in. Serve DIR over HTTPS from any path; see docs/exploitant.md.",
    )
    p.add_argument("dir", metavar="DIR", help="destination folder (new, or an earlier export)")
    p.add_argument(
        "--anchor",
        required=True,
        metavar="HEX_OR_FILE",
        help="the trust anchor's public key: 64 hex characters or a file holding them",
    )
    p.add_argument(
        "--lists-url",
        required=True,
        metavar="URL",
        help="where trust-list.cose, issuers.json and revocations/ are published, "
        "e.g. https://pas.example.nl/.well-known/pas/ (absolute, or relative to the app)",
    )
    p.add_argument(
        "--max-list-age-days",
        type=int,
        default=DEFAULT_MAX_LIST_AGE_DAYS,
        metavar="DAYS",
        help="days past a list's expiry after which the app refuses a green verdict "
        f"(default {DEFAULT_MAX_LIST_AGE_DAYS})",
    )
    p.add_argument(
        "--region",
        nargs=4,
        action="append",
        default=[],
        metavar=("ID", "NAME", "ANCHOR_HEX_OR_FILE", "LISTS_URL"),
        help="one more region: its own pinned anchor and lists (repeatable; ADR 0020)",
    )
    p.add_argument("--municipality", metavar="GMxxxx",
                   help="the municipality this app is set up for (where a pass counts)")
    p.add_argument("--municipality-name", default="", metavar="NAME",
                   help="its name in the verdict, e.g. 'Gemeente Assen'")
    p.add_argument("--accept", nargs="*", default=[], metavar="CODE_OR_REGION",
                   help="issuer codes and region ids whose passes count for work here besides "
                   "its own (the region of --anchor is 'default')")
    p.set_defaults(run=_cmd_export_app)


def _anchor_hex(value: str) -> str:
    if re.fullmatch(r"\s*[0-9a-fA-F]{64}\s*", value) or not os.path.exists(value):
        return value
    try:
        raw = Path(value).read_bytes()[:4096]
    except OSError as exc:
        raise ExportError(f"cannot read the anchor file {value}: {exc.strerror}") from exc
    return raw.hex() if len(raw) == 32 else raw.decode("ascii", "replace")


def _cmd_export_app(args: argparse.Namespace, out: IO[str], err: IO[str], stdin: IO[str]) -> int:
    dest = Path(args.dir)
    try:
        export_app(
            dest,
            anchor_hex=_anchor_hex(args.anchor),
            lists_url=args.lists_url,
            max_list_age_days=args.max_list_age_days,
            regions=[(i, n, _anchor_hex(a), u) for i, n, a, u in args.region],
            municipality=args.municipality,
            municipality_name=args.municipality_name,
            accept=list(args.accept),
        )
    except ValueError as exc:
        raise ExportError(str(exc)) from exc
    except OSError as exc:
        raise ExportError(f"cannot write {dest}: {exc.strerror or exc}") from exc
    out.write(f"wrote the verifier app to {dest} (serve it over HTTPS; see docs/exploitant.md)\n")
    return 0


# --- developer commands -------------------------------------------------------------


def _vendor(repo: Path) -> None:
    """Copy the pinned modules out of node_modules and rewrite vendor/VENDORED.md."""
    vendor = app_dir() / "vendor"
    lines = [
        "# Vendored third-party modules",
        "",
        "Copied from npm by `npm ci && python -m verifier.webapp vendor` (versions pinned",
        "in package.json and package-lock.json at the repository root) and committed, so",
        "neither the app, the tests nor users need npm. Do not edit these files by hand.",
        "",
        "| package | licence | file | sha256 |",
        "| --- | --- | --- | --- |",
    ]
    for package, copies in _VENDOR.items():
        meta = json.loads((repo / "node_modules" / package / "package.json").read_text())
        for source, destination in copies:
            data = (repo / "node_modules" / package / source).read_bytes()
            target = vendor / destination
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(data)
            digest = hashlib.sha256(data).hexdigest()
            lines.append(
                f"| {package}@{meta['version']} | {meta.get('license', '?')} "
                f"| `{destination}` (from `{source}`) | `{digest}` |"
            )
    lines += [
        "",
        "zxing-wasm loads its .wasm from jsDelivr unless told otherwise; js/scanner.js",
        "points it at `vendor/zxing-wasm/reader/zxing_reader.wasm` through",
        "`prepareZXingModule({overrides: {locateFile}})`, so the app never contacts a CDN.",
        "",
    ]
    (vendor / "VENDORED.md").write_text("\n".join(lines), encoding="utf-8")


def main(argv: list[str] | None = None) -> int:
    args = sys.argv[1:] if argv is None else argv
    if args == ["vendor"]:
        _vendor(Path(__file__).resolve().parent.parent)
        args = ["stamp"]
    if args == ["stamp"]:
        sw = app_dir() / _SW
        sw.write_text(stamped_sw(), encoding="utf-8")
        print(f"{sw}: version {shell_version()}")
        return 0
    print("usage: python -m verifier.webapp (vendor | stamp)", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
