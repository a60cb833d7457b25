"""``pas-verify``: check a pass on the command line, offline.

    pas-verify check --anchor HEX_OR_FILE --trust-list FILE [--revocations FILE ...]
                     [--now UNIX] [--json] [--photo-out FILE] (--text QR_TEXT | IMAGE)

Exit codes: 0 only for a VALID pass, 1 for every other verdict, 2 for usage and
I/O errors (unreadable file, no QR code in the image, a trust list or anchor that
cannot be accepted).

A scanner keeps no history: this command writes nothing but the ``--photo-out``
file it is explicitly asked for. No cache, no log of scans.
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
from collections.abc import Callable, Sequence
from typing import IO

from .errors import Error
from .format import COSE_SIGN1_TAG, MAX_LIST_BYTES, MAX_QR_CHARS
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
) -> str:
    """A multi-line verdict in Dutch with English in brackets."""
    nl, en = _STATUS_TEXT[verdict.status]
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
        w_nl, w_en = _NOTICE_TEXT.get(w, (w.value, w.value))
        rows.append(("Let op (warning)", f"{w_nl} ({w_en})"))
    if verdict.photo is not None and verdict.ok:
        where = photo_path or "--photo-out FILE"
        rows.append(("Foto (photo)", f"vergelijk met het gezicht: {where} (compare with the face)"))
    elif verdict.photo is not None and photo_path:
        rows.append(("Foto (photo)", photo_path))
    width = max((len(k) for k, _ in rows), default=0)
    lines += [f"  {k + ':':<{width + 1}} {v}" for k, v in rows]
    return "\n".join(lines)


# --- commands --------------------------------------------------------------------


def _add_check(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    p = sub.add_parser(
        "check",
        help="check one pass (QR text or a photo/scan of the card)",
        description="Check one pass offline. Exit 0 only for VALID, 1 for any other "
        "verdict, 2 for usage or I/O errors.",
        epilog="IMAGE may come first; after --revocations FILE ... end the list with -- "
        "before IMAGE. Nothing is stored: no cache, no log of checks.",
    )
    # Required until `sync` (issue 6) provides cached lists to fall back on.
    p.add_argument(
        "--anchor",
        required=True,
        metavar="HEX_OR_FILE",
        help="the pinned trust-anchor public key: 64 hex characters or a file holding them",
    )
    p.add_argument(
        "--trust-list", required=True, metavar="FILE", help="signed trust list (COSE, or base64)"
    )
    p.add_argument(
        "--revocations",
        nargs="+",
        default=[],
        metavar="FILE",
        help="signed revocation lists of issuers (COSE, or base64)",
    )
    p.add_argument("--now", type=_unix_time, metavar="UNIX", help="check at this Unix time")
    p.add_argument("--json", action="store_true", help="print the verdict as one JSON object")
    p.add_argument(
        "--photo-out",
        metavar="FILE",
        help="write the photo embedded in the pass to FILE (only when its signature verifies)",
    )
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
    anchor = read_anchor(args.anchor)
    trust_list = read_signed_list(args.trust_list, "trust list")
    revocations = [read_signed_list(path, "revocation list") for path in args.revocations]
    store = TrustStore.from_bytes(anchor, trust_list, revocations)
    qr_text = read_qr_text(args, stdin)
    verdict = verify(qr_text, store, now=args.now)

    if args.photo_out:
        if verdict.photo is None:
            err.write(f"{PROG}: no photo written: nothing verified to show ({verdict.status})\n")
        else:
            write_photo(args.photo_out, verdict.photo)
    if args.json:
        out.write(json.dumps(verdict.to_json(), ensure_ascii=False) + "\n")
    else:
        out.write(format_verdict(verdict, _colour(out), args.photo_out) + "\n")
    return EXIT_VALID if verdict.ok else EXIT_NOT_VALID


# Commands still to come (issue 6) plug in here, each as `_add_<name>(sub)`:
#   sync URL        fetch, verify and cache trust list + revocation lists (refuse rollback);
#                   `check` then falls back to that cache when --anchor/--trust-list are absent
#   scan            continuous webcam scanning through OpenCV + verifier.scan
#   export-app DIR  copy the offline web app as a static folder
def _add_export_app(sub: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    from .webapp import add_export_app  # the web app's own module owns its options

    add_export_app(sub)


_COMMANDS: tuple[Callable[[argparse._SubParsersAction[argparse.ArgumentParser]], None], ...] = (
    _add_check,
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
