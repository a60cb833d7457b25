"""``pas-verify``: check a pass on the command line, offline.

    pas-verify sync URL [--anchor HEX_OR_FILE [--repin]] [--cache-dir DIR] [--json]
    pas-verify check [--anchor HEX_OR_FILE] [--trust-list FILE] [--revocations FILE ...]
                     [--cache-dir DIR] [--now UNIX] [--json] [--photo-out FILE]
                     (--text QR_TEXT | IMAGE)
    pas-verify scan [--device N|VIDEO] [--once] [--json] [list options as for check]
    pas-verify region (add ID URL --anchor HEX_OR_FILE [--name NAME] | remove ID | list | sync [ID])
    pas-verify policy (set GMxxxx [--accept CODE_OR_REGION ...] [--name NAME] | show | clear)

``sync`` fetches the municipality's signed trust list and revocation lists,
verifies them against the pinned trust anchor, refuses a rollback and keeps them
in the user's cache directory (verifier/cache.py). ``region add`` pins one more
region's anchor with its own source (verifier/regioncache.py, ADR 0020); ``policy set``
says which issuers' passes count for work in this municipality. ``check`` and ``scan``
use every cached region and the policy unless --anchor/--trust-list are given.

Exit codes: 0 only for a VALID pass, 1 for every other verdict, 2 for usage and
I/O errors (unreadable file, no QR code in the image, a trust list or anchor that
cannot be accepted, a refused sync).

A scanner keeps no history: ``check`` and ``scan`` write nothing but the
``--photo-out`` file they are explicitly asked for, and the cache that ``sync``
writes holds only the pinned anchor, the public, signed lists and the service's newest
audit-log checkpoint (sync is a witness: docs/transparency.md). No log of scans.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import datetime as dt
import json
import os
import re
import sys
import time
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import IO, Any

from . import cache as cache_mod
from . import regioncache
from .errors import Error
from .format import COSE_SIGN1_TAG, MAX_LIST_BYTES, MAX_QR_CHARS, QR_PREFIX
from .regions import Policy, RegionStore
from .trust import TrustStore, parse_anchor
from .verify import Notice, Status, Verdict, verify

PROG = "pas-verify"
EXIT_VALID, EXIT_NOT_VALID, EXIT_USAGE = 0, 1, 2
#: Passes are Dutch; dates are shown on the Dutch calendar.
TIMEZONE = "Europe/Amsterdam"


class CliError(Error):
    """A usage or I/O problem of the command line (exit code 2)."""


# --- reading inputs ---------------------------------------------------------------


def _read_file(path: str, what: str, limit: int) -> bytes:
    try:
        with open(path, "rb") as f:
            data = f.read(limit + 1)
    except OSError as exc:
        raise CliError(f"cannot read {what} {path}: {exc.strerror or exc}") from exc
    if len(data) > limit:
        raise CliError(f"{what} {path} is larger than {limit:,} bytes")
    return data


_HEX64 = re.compile(r"\s*[0-9a-fA-F]{64}\s*")


def read_anchor(value: str) -> bytes:
    """``--anchor``: 64 hex characters, or a file holding them (or the raw 32 bytes)."""
    if _HEX64.fullmatch(value):
        return parse_anchor(value)
    if not os.path.exists(value):
        raise CliError(
            f"--anchor must be 64 hex characters or a file that holds them; no such file: {value}"
        )
    return parse_anchor(_read_file(value, "anchor file", 4096))


def read_signed_list(path: str, what: str) -> bytes:
    """A trust list or revocation list file: COSE_Sign1 bytes, or those bytes in base64."""
    data = _read_file(path, what, MAX_LIST_BYTES * 2)
    if data[:1] == bytes([0xC0 | COSE_SIGN1_TAG]):
        return data
    try:
        decoded = base64.b64decode(b"".join(data.split()), validate=True)
    except (binascii.Error, ValueError):
        return data  # let the format code word the error
    return decoded if decoded[:1] == bytes([0xC0 | COSE_SIGN1_TAG]) else data


def read_qr_text(args: argparse.Namespace, stdin: IO[str]) -> str:
    if args.text is not None:
        if args.text != "-":
            return str(args.text)
        text = stdin.read(MAX_QR_CHARS + 3)
        # Only the line ending: a space is a valid base45 character.
        return text.rstrip("\r\n")
    from . import scan

    return scan.pass_text_from_file(args.image)


def write_photo(path: str, photo: bytes) -> None:
    """Write the pass photo, readable by the user only (it is a face: personal data)."""
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
        with os.fdopen(fd, "wb") as f:
            f.write(photo)
    except OSError as exc:
        raise CliError(f"cannot write photo to {path}: {exc.strerror or exc}") from exc


# --- showing a verdict -------------------------------------------------------------

_STATUS_TEXT = {
    Status.VALID: ("GELDIG", "valid"),
    Status.MALFORMED: ("NIET GELDIG: vervalst of beschadigd", "forged or damaged"),
    Status.UNKNOWN_ISSUER: ("NIET GELDIG: onbekende uitgever", "unknown issuer"),
    Status.BAD_SIGNATURE: ("NIET GELDIG: vervalst", "bad signature, forged"),
    Status.NOT_YET_VALID: ("NIET GELDIG: nog niet geldig", "not valid yet"),
    Status.EXPIRED: ("NIET GELDIG: verlopen", "expired"),
    Status.REVOKED: ("NIET GELDIG: ingetrokken", "revoked"),
    Status.NOT_VALID_HERE: ("NIET GELDIG HIER: echte pas", "not valid here: genuine pass"),
}

_NOTICE_TEXT = {
    Notice.EXPIRES_SOON: (
        "verloopt binnen 60 dagen: binnenkort verlengen bij het spreekuur",
        "expires within 60 days: renew soon at the consultation hour",
    ),
    Notice.TRUST_LIST_EXPIRED: (
        "de lijst van uitgevers is verlopen: werk de lijsten bij",
        "the trust list has expired: update the lists",
    ),
    Notice.REVOCATIONS_EXPIRED: (
        "de intrekkingslijst is verlopen: werk de lijsten bij",
        "the revocation list has expired: update the lists",
    ),
    Notice.REVOCATIONS_MISSING: (
        "geen intrekkingslijst van deze uitgever: intrekking niet gecontroleerd",
        "no revocation list for this issuer: revocation not checked",
    ),
}


def _when(ts: int) -> str:
    """ISO date and minute on the Dutch clock, e.g. ``2027-12-22 14:32 (Europe/Amsterdam)``."""
    tz: dt.tzinfo
    try:
        from zoneinfo import ZoneInfo

        tz, zone = ZoneInfo(TIMEZONE), TIMEZONE
    except Exception:  # no tz database on this machine
        tz, zone = dt.UTC, "UTC"
    try:
        when = dt.datetime.fromtimestamp(ts, tz)
        return f"{when.date().isoformat()} {when:%H:%M} ({zone})"
    except (OverflowError, OSError, ValueError):
        return f"@{ts}"


def _colour(stream: IO[str]) -> Callable[[str, str], str]:
    use = stream.isatty() and "NO_COLOR" not in os.environ and os.environ.get("TERM") != "dumb"
    codes = {"green": "\x1b[1;97;42m", "red": "\x1b[1;97;41m"}

    def paint(text: str, colour: str) -> str:
        return f"{codes[colour]} {text} \x1b[0m" if use else text

    return paint


def format_verdict(
    verdict: Verdict,
    paint: Callable[[str, str], str] = lambda text, colour: text,
    photo_path: str | None = None,
    policy: Policy | None = None,
) -> str:
    """A multi-line verdict in Dutch with English in brackets."""
    nl, en = _STATUS_TEXT[verdict.status]
    if verdict.status is Status.NOT_VALID_HERE and policy is not None:
        nl = (f"NIET GELDIG HIER: echte pas van {verdict.issuer_name}; "
              f"geldt niet voor werk in {policy.name}")
        en = f"genuine pass of {verdict.issuer_name}; not valid for work in {policy.name}"
    lines = [paint(f"{nl} ({en})", "green" if verdict.ok else "red")]
    rows: list[tuple[str, str]] = [("Status", verdict.status.value)]
    if verdict.reason:
        rows.append(("Reden (reason)", verdict.reason))
    if verdict.number:
        rows.append(("Pasnummer (pass number)", verdict.number))
    if verdict.category:
        c = verdict.category
        rows.append(("Categorie (category)", f"{c.label} ({c.code}, {c.color})"))
    if verdict.issuer_name:
        rows.append(("Uitgever (issuer)", f"{verdict.issuer_name} ({verdict.iss})"))
    if verdict.exp is not None:
        rows.append(("Geldig tot (valid until)", _when(verdict.exp)))
    for w in verdict.warnings:
        if verdict.status is Status.NOT_VALID_HERE and w is Notice.REVOCATIONS_MISSING:
            continue  # not counted here: its list is not fetched, and the answer is no anyway
        w_nl, w_en = _NOTICE_TEXT.get(w, (w.value, w.value))
        rows.append(("Let op (warning)", f"{w_nl} ({w_en})"))
    if verdict.photo is not None and (verdict.ok or verdict.status is Status.NOT_VALID_HERE):
        where = photo_path or "--photo-out FILE"
        rows.append(("Foto (photo)", f"vergelijk met het gezicht: {where} (compare with the face)"))
    elif verdict.photo is not None and photo_path:
        rows.append(("Foto (photo)", photo_path))
    width = max((len(k) for k, _ in rows), default=0)
    lines += [f"  {k + ':':<{width + 1}} {v}" for k, v in rows]
    return "\n".join(lines)


# --- commands --------------------------------------------------------------------


def _add_list_options(p: argparse.ArgumentParser) -> None:
    """Where the trusted lists come from: the sync cache, or explicit files."""
    p.add_argument(
        "--anchor",
        metavar="HEX_OR_FILE",
        help="the trust-anchor public key: 64 hex characters or a file holding them "
        "(default: the one pinned by `pas-verify sync`)",
    )
    p.add_argument(
        "--trust-list",
        metavar="FILE",
        help="signed trust list (COSE, or base64); default: the cached one from `sync`",
    )
    p.add_argument(
        "--revocations",
        nargs="+",
        default=[],
        metavar="FILE",
        help="signed revocation lists of issuers (COSE, or base64); added to the cached "
        "ones when the trust list comes from the cache",
    )
    _add_cache_dir(p)
    p.add_argument("--now", type=_unix_time, metavar="UNIX", help="check at this Unix time")
    p.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    p.add_argument(
        "--photo-out",
        metavar="FILE",
        help="write the photo embedded in the pass to FILE (only when its signature "
        "verifies): an AVIF image (name it .avif; older passes carry a WebP)",
    )


def _add_cache_dir(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--cache-dir",
        metavar="DIR",
        help=f"the cache of `sync` (default: ${cache_mod.ENV}, else "
        "$XDG_CACHE_HOME/pas-verify, else ~/.cache/pas-verify)",
    )


def _cache(args: argparse.Namespace) -> cache_mod.Cache:
    path = args.cache_dir or cache_mod.default_dir()
    return cache_mod.Cache(Path(path).expanduser())


def load_store(args: argparse.Namespace, err: IO[str] | None = None) -> TrustStore | RegionStore:
    """The verified lists to check against: explicit files, else the sync cache.

    With both --anchor and --trust-list the cache is not touched at all. From the cache:
    every region (the one of `sync URL` and those of `region add`) side by side, and
    the policy (``args.policy``) of where a pass counts.
    """
    args.policy = None
    explicit = [read_signed_list(path, "revocation list") for path in args.revocations]
    if args.anchor and args.trust_list:
        anchor = read_anchor(args.anchor)
        trust_list = read_signed_list(args.trust_list, "trust list")
        return TrustStore.from_bytes(anchor, trust_list, explicit)
    cache = _cache(args)
    anchor_or_none = read_anchor(args.anchor) if args.anchor else cache.anchor()
    if args.trust_list:
        if anchor_or_none is None:
            raise CliError(
                f"no anchor pinned in {cache.path}: give --anchor, "
                "or run `pas-verify sync URL` first"
            )
        trust_list = read_signed_list(args.trust_list, "trust list")
        return TrustStore.from_bytes(anchor_or_none, trust_list, explicit)
    if args.anchor or explicit or not regioncache.Regions(cache).sources():
        store = cache.store(anchor=anchor_or_none)
        store = store.with_revocations(explicit) if explicit else store
        args.policy = regioncache.Regions(cache).policy(RegionStore.single(store))
        return store
    regions, policy, problems = regioncache.load(cache)
    for problem in problems:
        if err is not None:
            err.write(f"{PROG}: warning: {problem}\n")
    args.policy = policy
    return regions


def _add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help="check one pass (QR text or a photo/scan of the card)",
        description="Check one pass offline against the lists cached by `pas-verify sync` "
        "(or --anchor and --trust-list). Exit 0 only for VALID, 1 for any other "
        "verdict, 2 for usage or I/O errors.",
        epilog="IMAGE may come first; after --revocations FILE ... end the list with -- "
        "before IMAGE. Nothing is stored: no log of checks.",
    )
    _add_list_options(p)
    # Not required=True: a greedy --revocations list can swallow IMAGE, and
    # cmd_check then explains that instead of argparse's terse message.
    source = p.add_mutually_exclusive_group()
    source.add_argument("--text", metavar="QR_TEXT", help="the QR text (PAS1:...), or - for stdin")
    source.add_argument("image", nargs="?", metavar="IMAGE", help="photo or scan of the card")
    p.set_defaults(run=cmd_check)


def _unix_time(value: str) -> int:
    try:
        ts = int(value)
    except ValueError:
        raise argparse.ArgumentTypeError("must be Unix seconds, e.g. 1767225600") from None
    if not 0 <= ts < 2**63:
        raise argparse.ArgumentTypeError("must be non-negative Unix seconds")
    return ts


def cmd_check(args: argparse.Namespace, out: IO[str], err: IO[str], stdin: IO[str]) -> int:
    if args.text is None and args.image is None:
        raise CliError(
            "give the pass as --text QR_TEXT or as an IMAGE file "
            "(put IMAGE before --revocations, or end the list of revocation files with --)"
        )
    store = load_store(args, err)
    qr_text = read_qr_text(args, stdin)
    verdict = verify(qr_text, store, now=args.now, policy=args.policy)
    _show(verdict, args, out, err)
    return EXIT_VALID if verdict.ok else EXIT_NOT_VALID


def _show(verdict: Verdict, args: argparse.Namespace, out: IO[str], err: IO[str]) -> None:
    """Print a verdict (and write the photo when asked): shared by check and scan."""
    if args.photo_out:
        if verdict.photo is None:
            err.write(f"{PROG}: no photo written: nothing verified to show ({verdict.status})\n")
        else:
            shown = verdict.photo_file()
            assert shown is not None  # a verdict with a photo has a photo file
            write_photo(args.photo_out, shown[0])
    if args.json:
        out.write(json.dumps(verdict.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(format_verdict(verdict, _colour(out), args.photo_out, args.policy) + "\n")
    out.flush()


# --- sync: fetch and cache the lists -----------------------------------------------


def _add_sync(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "sync",
        help="fetch, verify and cache the trust list and revocation lists",
        description="Fetch the municipality's signed trust list and the revocation list of "
        "every issuer on it, verify them against the pinned trust anchor, refuse any list "
        "older than the one cached (rollback), and cache them for `check` and `scan`. Also "
        "witness the service's audit log: keep its signed checkpoint and refuse when the log "
        "is not an append-only extension of the one kept (it was rewritten). "
        "Exit 0 when the cache was updated, 2 when nothing was changed because of an error.",
        epilog="The first sync needs --anchor: the anchor key the municipality gives you "
        "(letter, website, config). It is pinned in the cache; later syncs use it. The cache "
        "holds only the pinned anchor, the public, signed lists and the log's checkpoint.",
    )
    p.add_argument(
        "url",
        nargs="?",
        metavar="URL",
        help="the service, e.g. https://pas.groningen.nl/, or its .well-known/pas/ folder; "
        "without URL: every region added with `region add`, each from its own source",
    )
    p.add_argument(
        "--anchor",
        metavar="HEX_OR_FILE",
        help="the trust-anchor public key to pin (required the first time)",
    )
    p.add_argument(
        "--repin",
        action="store_true",
        help="replace the pinned anchor by --anchor (only when the municipality says it changed)",
    )
    _add_cache_dir(p)
    p.add_argument(
        "--insecure-http",
        action="store_true",
        help="allow plain http to hosts other than localhost",
    )
    p.add_argument(
        "--timeout",
        type=float,
        default=cache_mod.DEFAULT_TIMEOUT,
        metavar="SECONDS",
        help=f"network timeout per request (default {cache_mod.DEFAULT_TIMEOUT:g})",
    )
    p.add_argument("--json", action="store_true", help="print the result as one JSON object")
    p.set_defaults(run=cmd_sync)


def cmd_sync(args: argparse.Namespace, out: IO[str], err: IO[str], stdin: IO[str]) -> int:
    if args.url is None:
        if args.anchor or args.repin:
            raise CliError("--anchor and --repin need URL (a new region: `pas-verify region add`)")
        return _sync_regions(args, None, out, err)
    if args.repin and not args.anchor:
        raise CliError("--repin needs the new anchor: --anchor HEX_OR_FILE")
    if not 0 < args.timeout <= 600:
        raise CliError("--timeout must be between 0 and 600 seconds")
    anchor = read_anchor(args.anchor) if args.anchor else None
    result = cache_mod.sync(
        _cache(args),
        args.url,
        anchor=anchor,
        repin=args.repin,
        insecure_http=args.insecure_http,
        fetch=cache_mod.http_fetcher(timeout=args.timeout, insecure_http=args.insecure_http),
        check=regioncache.Regions(_cache(args))._check_against_others(regioncache.DEFAULT_ID),
    )
    now = int(time.time())
    summary = _sync_summary(result, now)
    if args.json:
        out.write(json.dumps(summary, ensure_ascii=False) + "\n")
    else:
        out.write(_format_sync(summary, now) + "\n")
    return 0


def _sync_summary(result: cache_mod.SyncResult, now: int) -> dict[str, Any]:
    tl = result.trust_list
    names: dict[str, str] = {}
    for entry in tl.issuers:
        names.setdefault(entry.iss, entry.name)
    warnings: list[str] = []
    if tl.exp <= now:
        warnings.append("trust_list_expired")
    issuers = []
    for iss, name in sorted(names.items()):
        rl = result.revocations.get(iss)
        revocations = None
        if rl is not None:
            revocations = {
                "seq": rl.seq,
                "previous_seq": result.previous_revocation_seqs.get(iss),
                "iat": rl.iat,
                "exp": rl.exp,
                "revoked": len(rl.serials),
                "kept_from_cache": iss in result.kept,
            }
            if rl.exp <= now:
                warnings.append(f"revocations_expired:{iss}")
        else:
            warnings.append(f"revocations_missing:{iss}")
        issuers.append({"iss": iss, "name": name, "revocations": revocations})
    return {
        "cache_dir": str(result.cache_dir),
        "lists_url": result.lists_url,
        "anchor": result.anchor.hex(),
        "newly_pinned": result.newly_pinned,
        "trust_list": {
            "seq": tl.seq,
            "previous_seq": result.previous_seq,
            "iat": tl.iat,
            "exp": tl.exp,
            "keys": len(tl.issuers),
        },
        "issuers": issuers,
        "dropped": list(result.dropped),
        "log": None if result.log is None else {
            "iss": result.log.checkpoint.iss,
            "size": result.log.checkpoint.size,
            "root": result.log.checkpoint.root.hex(),
            "iat": result.log.checkpoint.iat,
            "previous_size": result.log.previous_size,
        },
        "warnings": warnings,
    }


def _ago(ts: int, now: int) -> str:
    """How long ago ``ts`` was, in Dutch with English in brackets."""
    seconds = now - ts
    if seconds < -300:
        return "in de toekomst: controleer de klok (in the future: check the clock)"
    if seconds < 90:
        return "zojuist (just now)"
    minutes = seconds // 60
    if minutes < 90:
        return f"{minutes} min geleden ({minutes} min ago)"
    hours = seconds // 3600
    if hours < 48:
        return f"{hours} uur geleden ({hours} hours ago)"
    days = seconds // 86400
    return f"{days} dagen geleden ({days} days ago)"


def _seq(seq: int, previous: int | None) -> str:
    if previous is None:
        return f"seq {seq} (nieuw, new)"
    return f"seq {seq}" if previous == seq else f"seq {seq} (was {previous})"


def _format_sync(summary: dict[str, Any], now: int) -> str:
    tl = summary["trust_list"]
    pinned = "nieuw vastgepind (newly pinned)" if summary["newly_pinned"] else "vastgepind (pinned)"
    rows: list[tuple[str, str]] = [
        ("Anker (anchor)", f"{summary['anchor']}, {pinned}"),
        (
            "Vertrouwde lijst (trust list)",
            f"{_seq(tl['seq'], tl['previous_seq'])}, {len(summary['issuers'])} uitgever(s) "
            f"(issuers); uitgegeven {_ago(tl['iat'], now)}; geldig tot {_when(tl['exp'])}",
        ),
    ]
    for issuer in summary["issuers"]:
        rl = issuer["revocations"]
        label = f"{issuer['iss']} {issuer['name']}"
        if rl is None:
            text = "geen intrekkingslijst gepubliceerd (no revocation list published)"
        else:
            kept = "; oude lijst bewaard (older list kept)" if rl["kept_from_cache"] else ""
            text = (
                f"intrekkingen (revocations) {_seq(rl['seq'], rl['previous_seq'])}, "
                f"{rl['revoked']} ingetrokken (revoked); uitgegeven {_ago(rl['iat'], now)}; "
                f"geldig tot {_when(rl['exp'])}{kept}"
            )
        rows.append((label, text))
    log = summary["log"]
    if log is None:
        rows.append(("Auditlog (audit log)", "niet gepubliceerd (not published)"))
    else:
        grown = (
            "eerste kopie bewaard (first copy kept)" if log["previous_size"] is None
            else f"alleen aangevuld sinds {log['previous_size']} (only appended since {log['previous_size']})"
        )
        rows.append((
            "Auditlog (audit log)",
            f"{log['iss']}, {log['size']} gebeurtenissen (events), getekend {_ago(log['iat'], now)}; {grown}",
        ))
    for warning in summary["warnings"]:
        kind, _, iss = warning.partition(":")
        notice = {
            "trust_list_expired": Notice.TRUST_LIST_EXPIRED,
            "revocations_expired": Notice.REVOCATIONS_EXPIRED,
            "revocations_missing": Notice.REVOCATIONS_MISSING,
        }[kind]
        w_nl, w_en = _NOTICE_TEXT[notice]
        rows.append(("Let op (warning)", f"{iss + ': ' if iss else ''}{w_nl} ({w_en})"))
    width = max(len(k) for k, _ in rows)
    lines = [f"Lijsten bijgewerkt (lists updated): {summary['cache_dir']}"]
    lines += [f"  {k + ':':<{width + 1}} {v}" for k, v in rows]
    return "\n".join(lines)


# --- region and policy: several anchors, and where a pass counts (ADR 0020) ----------------


def _add_region(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "region",
        help="add, remove, list or sync the regions (pinned anchors) this cache trusts",
        description="A region is one trust anchor with its own lists, source and rollback "
        "floors. Add one only with the anchor its municipality gave you out of band (letter, "
        "configuration), never one a server sends. An issuer two regions both list is refused.",
    )
    rsub = p.add_subparsers(dest="region_command", metavar="ACTION", required=True)
    add = rsub.add_parser("add", help="pin a region's anchor and sync its lists once")
    add.add_argument("id", metavar="ID", help="a short name: lower-case letters, digits, hyphens")
    add.add_argument("url", metavar="URL", help="the region's service or .well-known/pas/ folder")
    add.add_argument("--anchor", required=True, metavar="HEX_OR_FILE",
                     help="the region's trust-anchor public key (from its letter or configuration)")
    add.add_argument("--name", default="", help="how to show the region (e.g. 'Drenthe')")
    remove = rsub.add_parser("remove", help="forget a region: its anchor, lists and floors")
    remove.add_argument("id", metavar="ID")
    rsub.add_parser("list", help="the regions with their source, anchor and list seqs")
    rsync = rsub.add_parser("sync", help="sync one region (or all) from its own source")
    rsync.add_argument("id", nargs="?", metavar="ID")
    for q in (add, remove, rsub.choices["list"], rsync):
        _add_cache_dir(q)
        q.add_argument("--json", action="store_true", help="print the result as JSON")
    for q in (add, rsync):
        q.add_argument("--insecure-http", action="store_true",
                       help="allow plain http to hosts other than localhost")
        q.add_argument("--timeout", type=float, default=cache_mod.DEFAULT_TIMEOUT,
                       metavar="SECONDS", help="network timeout per request")
    p.set_defaults(run=cmd_region)


def cmd_region(args: argparse.Namespace, out: IO[str], err: IO[str], stdin: IO[str]) -> int:
    regions = regioncache.Regions(_cache(args))
    action = args.region_command
    if action == "add":
        result = regions.add(
            args.id, args.url, anchor=read_anchor(args.anchor), name=args.name,
            insecure_http=args.insecure_http,
            fetch=cache_mod.http_fetcher(timeout=args.timeout, insecure_http=args.insecure_http),
        )
        summary = {"region": args.id, **_sync_summary(result, int(time.time()))}
        out.write((json.dumps(summary, ensure_ascii=False) if args.json
                   else f"Regio (region) {args.id} toegevoegd (added)\n"
                   + _format_sync(summary, int(time.time()))) + "\n")
        return 0
    if action == "remove":
        dropped = regions.remove(args.id)
        if args.json:
            out.write(json.dumps({"removed": args.id, "policy_dropped": dropped}) + "\n")
        else:
            out.write(f"Regio (region) {args.id} verwijderd met lijsten en volgnummers "
                      "(removed with its lists and floors)\n")
            if dropped:
                out.write(f"  ook uit de acceptatielijst gehaald (also dropped from accept): {args.id}\n")
        return 0
    if action == "sync":
        return _sync_regions(args, args.id, out, err)
    rows: list[dict[str, Any]] = []
    store_regions, problems = regions.stores()
    by_id = {r.id: r for r in store_regions}
    ids = ([regioncache.DEFAULT_ID] if regioncache.DEFAULT_ID in by_id else []) + [
        s.id for s in regions.sources()]
    sources = {s.id: s for s in regions.sources()}
    for rid in ids:
        region = by_id.get(rid)
        src = sources.get(rid)
        rows.append({
            "id": rid,
            "name": src.name if src else "",
            "url": src.url if src else None,
            "anchor": region.store.anchor_public_key.hex() if region else None,
            "trust_list_seq": region.store.trust_list.seq if region else None,
            "issuers": sorted(region.issuer_codes) if region else [],
        })
    if args.json:
        out.write(json.dumps({"regions": rows, "problems": problems}, ensure_ascii=False) + "\n")
    else:
        for row in rows:
            out.write(f"{row['id']}: {row['name'] or '-'} · {row['url'] or '(sync URL)'} · anker "
                      f"{(row['anchor'] or '?')[:16]}… · seq {row['trust_list_seq']} · "
                      f"{', '.join(row['issuers'])}\n")
        for problem in problems:
            out.write(f"let op (warning): {problem}\n")
    return 0


def _sync_regions(args: argparse.Namespace, only: str | None, out: IO[str], err: IO[str]) -> int:
    """Sync the added regions one by one; one that fails leaves the others as they are."""
    regions = regioncache.Regions(_cache(args))
    ids = [only] if only else [s.id for s in regions.sources()]
    if not ids:
        raise CliError("no regions added: `pas-verify sync URL --anchor HEX` or "
                       "`pas-verify region add ID URL --anchor HEX`")
    now = int(time.time())
    results: dict[str, Any] = {}
    failed = False
    for rid in ids:
        try:
            result = regions.sync(
                rid, insecure_http=args.insecure_http,
                fetch=cache_mod.http_fetcher(timeout=args.timeout, insecure_http=args.insecure_http),
            )
        except Error as exc:
            failed = True
            results[rid] = {"error": exc.diagnostics()}
            if not args.json:
                err.write(f"{PROG}: region {rid}: {exc.diagnostics()}\n")
            continue
        results[rid] = _sync_summary(result, now)
        if not args.json:
            out.write(f"[{rid}] " + _format_sync(results[rid], now) + "\n")
    if args.json:
        out.write(json.dumps({"regions": results}, ensure_ascii=False) + "\n")
    return EXIT_USAGE if failed else 0


def _add_policy(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "policy",
        help="where a pass counts: this municipality and the issuers accepted for work here",
        description="A genuine pass of an issuer that does not count here is NOT_VALID_HERE "
        "(exit 1): its photo and details are shown, it is not a permission to work here.",
    )
    psub = p.add_subparsers(dest="policy_command", metavar="ACTION", required=True)
    pset = psub.add_parser("set", help="set this municipality and what it accepts")
    pset.add_argument("here", metavar="GMxxxx", help="this municipality's code")
    pset.add_argument("--accept", nargs="*", default=[], metavar="CODE_OR_REGION",
                      help="issuer codes (GM0014) and region ids whose passes count here "
                      "(its own always count)")
    pset.add_argument("--name", default="", help="this municipality's name for the verdict")
    psub.add_parser("show", help="print the policy")
    psub.add_parser("clear", help="remove the policy: every trusted issuer counts")
    for q in psub.choices.values():
        _add_cache_dir(q)
    p.set_defaults(run=cmd_policy)


def cmd_policy(args: argparse.Namespace, out: IO[str], err: IO[str], stdin: IO[str]) -> int:
    regions = regioncache.Regions(_cache(args))
    if args.policy_command == "set":
        doc = regions.set_policy(args.here, list(args.accept), args.name)
        out.write(json.dumps(doc, ensure_ascii=False) + "\n")
    elif args.policy_command == "clear":
        regions.clear_policy()
        out.write("geen beleid: elke vertrouwde uitgever telt (no policy: every trusted issuer counts)\n")
    else:
        out.write(json.dumps(regions.policy_doc(), ensure_ascii=False) + "\n")
    return 0


# --- scan: continuous scanning from a camera -----------------------------------------

#: The same QR text is shown again only after it has been out of sight this long.
DEFAULT_DEBOUNCE = 3.0
#: A camera that delivers no frame for this long is given up on.
_CAMERA_PATIENCE = 5.0


def _add_scan(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "scan",
        help="scan passes continuously from a webcam (needs OpenCV)",
        description="Read QR codes from a camera through OpenCV and print a verdict for every "
        "new pass held up, until Ctrl-C. With --once: exit after the first verdict with "
        "check's exit code (0 only for VALID).",
        epilog="Needs the verifier extra and OpenCV: pip install 'pas[verifier]' "
        "opencv-python-headless. Nothing is written and nothing is kept: no scan history.",
    )
    p.add_argument(
        "--device",
        default="0",
        metavar="N|VIDEO",
        help="camera number (default 0) or a video file",
    )
    p.add_argument("--once", action="store_true", help="stop after the first verdict")
    p.add_argument(
        "--debounce",
        type=float,
        default=DEFAULT_DEBOUNCE,
        metavar="SECONDS",
        help=f"show the same pass again only after this long out of sight "
        f"(default {DEFAULT_DEBOUNCE:g})",
    )
    _add_list_options(p)
    p.set_defaults(run=cmd_scan)


def _scan_modules() -> tuple[Any, Any]:
    # OpenCV logs its own warnings (e.g. probing a missing camera) on stderr.
    os.environ.setdefault("OPENCV_LOG_LEVEL", "ERROR")
    try:
        import cv2
    except ImportError:
        raise CliError(
            "scanning from a camera needs OpenCV: pip install opencv-python-headless"
        ) from None
    try:
        import zxingcpp
    except ImportError:
        raise CliError(
            "scanning needs zxing-cpp: pip install 'pas[verifier]'"
        ) from None
    return cv2, zxingcpp


def _device(value: str) -> int | str:
    if value.isdigit():
        return int(value)
    if not os.path.isfile(value):
        raise CliError(f"--device must be a camera number or a video file; no such file: {value}")
    return value


def _frame_texts(cv2: Any, zxingcpp: Any, frame: Any) -> list[str]:
    """The distinct QR texts in one camera frame (a BGR or grayscale array)."""
    from . import scan

    gray = cv2.cvtColor(frame, cv2.COLOR_BGR2GRAY) if frame.ndim == 3 else frame
    try:
        return scan.decode_texts(zxingcpp, gray)
    except scan.ScanError as exc:
        raise CliError(str(exc)) from exc


def cmd_scan(args: argparse.Namespace, out: IO[str], err: IO[str], stdin: IO[str]) -> int:
    if not 0 <= args.debounce <= 3600:
        raise CliError("--debounce must be between 0 and 3600 seconds")
    store = load_store(args, err)  # before the camera: a missing cache is the likelier problem
    cv2, zxingcpp = _scan_modules()
    source = _device(args.device)
    capture = cv2.VideoCapture(source)
    try:
        if not capture.isOpened():
            what = f"camera {source}" if isinstance(source, int) else f"video {source}"
            raise CliError(f"cannot open {what} (no camera, or no permission to use it)")
        if isinstance(source, int) and not args.json:
            err.write(f"{PROG}: scannen... houd een pas voor de camera; Ctrl-C stopt "
                      "(scanning... hold a pass to the camera; Ctrl-C stops)\n")
        live = isinstance(source, int)
        return _scan_loop(capture, cv2, zxingcpp, store, args, out, err, live=live)
    except KeyboardInterrupt:
        if args.once:
            raise CliError("stopped before a pass was read") from None
        return EXIT_VALID
    finally:
        capture.release()


def _scan_loop(
    capture: Any,
    cv2: Any,
    zxingcpp: Any,
    store: TrustStore | RegionStore,
    args: argparse.Namespace,
    out: IO[str],
    err: IO[str],
    *,
    live: bool,
) -> int:
    # The debounce remembers one text for a few seconds, in memory only: no history.
    last_text: str | None = None
    last_seen = 0.0
    last_frame = time.monotonic()
    while True:
        ok, frame = capture.read()
        now = time.monotonic()
        if not ok or frame is None:
            if not live:
                break  # end of the video file
            if now - last_frame > _CAMERA_PATIENCE:
                raise CliError("the camera stopped delivering pictures")
            time.sleep(0.02)
            continue
        last_frame = now
        if last_text is not None and now - last_seen >= args.debounce:
            last_text = None
        texts = _frame_texts(cv2, zxingcpp, frame)
        passes = [t for t in texts if t.startswith(QR_PREFIX)]
        if len(passes) > 1:
            if last_text != "\0several":
                err.write(f"{PROG}: {len(passes)} passen tegelijk: houd er één voor de camera "
                          f"({len(passes)} passes at once: show one card at a time)\n")
            last_text, last_seen = "\0several", now
            continue
        text = passes[0] if passes else (texts[0] if texts else None)
        if text is None:
            continue
        if text == last_text:
            last_seen = now  # still in sight: shown already
            continue
        last_text, last_seen = text, now
        verdict = verify(text, store, now=args.now, policy=args.policy)
        _show(verdict, args, out, err)
        if args.once:
            return EXIT_VALID if verdict.ok else EXIT_NOT_VALID
        if not args.json:
            out.write("\n")
            out.flush()
    if args.once:
        raise CliError("no pass QR code found in the video")
    return EXIT_VALID


def _add_export_app(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .webapp import add_export_app  # the web app's own module owns its options

    add_export_app(sub)


_COMMANDS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    _add_sync,
    _add_check,
    _add_scan,
    _add_region,
    _add_policy,
    _add_export_app,
)


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog=PROG,
        description="Check PAS1 passes offline. Keeps no history of what was checked.",
    )
    sub = parser.add_subparsers(dest="command", metavar="COMMAND", required=True)
    for add in _COMMANDS:
        add(sub)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    try:
        args = parser.parse_args(argv)
    except SystemExit as exc:  # --help (0) or a usage error (2)
        return exc.code if isinstance(exc.code, int) else EXIT_USAGE
    try:
        code: int = args.run(args, sys.stdout, sys.stderr, sys.stdin)
    except Error as exc:
        sys.stderr.write(f"{PROG}: error: {exc.diagnostics()}\n")
        return EXIT_USAGE
    return code


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
