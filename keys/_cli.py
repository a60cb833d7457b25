"""``pas-keys``: create and rotate keys, sign trust lists and revocation lists.

Exit status 0 on success, 2 on any error (printed as one line to stderr).
A passphrase comes from ``--passphrase-file FILE``, else ``$PAS_KEY_PASSPHRASE``,
else an interactive prompt (asked twice when a new key is made). It is never
printed, and neither is any private key.

``escrow`` handles the handhaver team's escrow key: made and split k-of-n in memory,
shares printed, records opened locally (docs/handhaving.md). ``audit verify``
checks an exported access log offline.
"""

from __future__ import annotations

import argparse
import getpass
import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from verifier.errors import Error as VerifierError
from verifier.format import Category, TrustList, to_json
from verifier.trust import parse_anchor

from . import escrow, keyfile, trustconfig
from ._fs import read_bytes, write_atomic
from .errors import ConfigError, Error, KeyFileError, PassphraseError

PASSPHRASE_ENV = "PAS_KEY_PASSPHRASE"  # noqa: S105 - the name of a variable, not a secret


# --- helpers ----------------------------------------------------------------------


def _when(ts: int) -> str:
    try:
        return datetime.fromtimestamp(ts, UTC).strftime("%Y-%m-%d %H:%M:%SZ")
    except (OverflowError, OSError, ValueError):
        return str(ts)


def _now(args: argparse.Namespace) -> int:
    now = getattr(args, "now", None)
    return int(time.time()) if now is None else int(now)


def _passphrase(args: argparse.Namespace, *, new: bool, what: str) -> str:
    """The passphrase: --passphrase-file, $PAS_KEY_PASSPHRASE, or asked for."""
    file = getattr(args, "passphrase_file", None)
    if file is not None:
        try:
            text = read_bytes(Path(file), "passphrase file", 4096).decode("utf-8")
        except UnicodeDecodeError:
            raise PassphraseError(f"passphrase file {file} is not UTF-8 text") from None
        # Only the line ending goes: spaces may be part of a passphrase.
        return text.removesuffix("\n").removesuffix("\r")
    env = os.environ.get(PASSPHRASE_ENV)
    if env is not None:
        return env
    if not sys.stdin.isatty():
        raise PassphraseError(f"no passphrase: give --passphrase-file FILE or set {PASSPHRASE_ENV}")
    try:
        first = getpass.getpass(f"Passphrase for {what}: ")
        if new:
            if len(first) < keyfile.MIN_PASSPHRASE_CHARS:
                raise PassphraseError(
                    f"the passphrase is too short: use at least "
                    f"{keyfile.MIN_PASSPHRASE_CHARS} characters"
                )
            if getpass.getpass("Repeat the passphrase: ") != first:
                raise PassphraseError("the two passphrases differ")
    except (EOFError, KeyboardInterrupt):
        raise PassphraseError("no passphrase given") from None
    return first


def _print_key(label: str, path: Path | str, info: keyfile.PublicKeyInfo) -> None:
    print(f"{label} {path}")
    print(f"  kind        {info.kind}")
    if info.iss is not None:
        print(f"  iss         {info.iss}")
    print(f"  kid         {info.kid.hex()}")
    print(f"  public key  {info.public_key.hex()}")
    print(f"  created     {_when(info.created)}")


def _categories(cats: Sequence[Category]) -> str:
    return ", ".join(f'{c.code} "{c.label}" {c.color}' for c in cats)


def _print_trust_list(tl: TrustList, now: int) -> None:
    print(f"trust list  seq {tl.seq}")
    print(f"  issued      {_when(tl.iat)}")
    state = "EXPIRED" if now >= tl.exp else "valid"
    print(f"  expires     {_when(tl.exp)} ({state})")
    print(f"  keys        {len(tl.issuers)} key(s) of {len({e.iss for e in tl.issuers})} issuer(s)")
    last = None
    for e in sorted(tl.issuers, key=lambda e: (e.iss, e.nbf)):
        if e.iss != last:
            print(f"{e.iss}  {e.name}")
            print(f"  categories  {_categories(e.categories)}")
            last = e.iss
        if now < e.nbf:
            role = "not yet signing"
        elif now < e.exp:
            role = "signing"
        else:
            role = "retired, verifies old passes"
        print(f"  kid {e.kid.hex()}  signs {_when(e.nbf)} .. {_when(e.exp)}  [{role}]")
        print(f"      pub {e.public_key.hex()}")


def _anchor_key(value: str) -> bytes:
    """The anchor public key from hex, a file holding hex, or an anchor key file."""
    path = Path(value)
    if path.is_file():
        raw = read_bytes(path, "anchor", 16_384)
        if raw.lstrip().startswith(b"{"):
            info = keyfile.read_public(path)
            if info.kind != "anchor":
                raise KeyFileError(f"{path} is an {info.kind} key, not a trust anchor")
            return info.public_key
        value = raw.decode("ascii", "replace")
    try:
        return parse_anchor(value)
    except VerifierError as exc:
        raise ConfigError(f"--anchor: {exc.diagnostics()}") from None


# --- commands ---------------------------------------------------------------------


def cmd_anchor_create(args: argparse.Namespace) -> int:
    path = Path(args.out)
    info = keyfile.create_key(
        path,
        kind="anchor",
        passphrase=_passphrase(args, new=True, what=f"the new anchor key {path}"),
        kdf_limits=args.kdf_limits,
    )
    _print_key("created trust anchor", path, info)
    print("Keep this file offline. Verifiers pin the public key above.")
    return 0


def cmd_issuer_create(args: argparse.Namespace) -> int:
    path = Path(args.out)
    info = keyfile.create_key(
        path,
        kind="issuer",
        iss=args.iss,
        passphrase=_passphrase(args, new=True, what=f"the new issuer key {path}"),
        kdf_limits=args.kdf_limits,
    )
    _print_key("created issuer key", path, info)
    return 0


def cmd_issuer_add(args: argparse.Namespace) -> int:
    categories = None
    if args.categories is not None:
        try:
            raw = json.loads(args.categories)
            if not isinstance(raw, list):
                raise TypeError
            categories = [Category.from_obj(c) for c in raw]
        except (ValueError, TypeError, VerifierError) as exc:
            raise ConfigError(
                '--categories must be a JSON list like [{"code": "raam", "label": "Wit", '
                f'"color": "#FFFFFF"}}] ({exc})'
            ) from None
    passphrase = None
    if args.key is None:
        passphrase = _passphrase(args, new=True, what=f"the new key of {args.iss}")
    path, info = trustconfig.add_issuer(
        args.config,
        iss=args.iss,
        name=args.name,
        now=_now(args),
        passphrase=passphrase,
        key_file=args.key,
        categories=categories,
        key_dir=args.key_dir,
        key_lifetime_days=args.lifetime_days,
        kdf_limits=args.kdf_limits,
    )
    _print_key(f"added issuer {args.iss} ({args.name}) with key", path, info)
    print("Sign a new trust list to publish it: pas-keys trust-list sign")
    return 0


def cmd_issuer_rotate(args: argparse.Namespace) -> int:
    now = _now(args)
    config = trustconfig.load_config(args.config)
    config.issuer(args.iss)  # fail before asking for a passphrase
    info = trustconfig.rotate_issuer(
        args.config,
        args.iss,
        now=now,
        passphrase=_passphrase(args, new=True, what=f"the new key of {args.iss}"),
        key_lifetime_days=args.lifetime_days,
        key_dir=args.key_dir,
        kdf_limits=args.kdf_limits,
    )
    path = trustconfig.current_key_file(args.config, args.iss, now)
    _print_key(f"rotated {args.iss}; new signing key", path, info)
    print(f"The previous key stopped signing at {_when(now)} and stays listed.")
    print("Sign a new trust list to publish it: pas-keys trust-list sign")
    return 0


def cmd_issuer_remove_key(args: argparse.Namespace) -> int:
    try:
        kid = bytes.fromhex(args.kid)
    except ValueError:
        kid = b""
    if len(kid) != 8:
        raise ConfigError("--kid must be 16 hex characters (pas-keys show, or trust.json)")
    iss, ref = trustconfig.remove_key(args.config, kid)
    print(f"removed key {kid.hex()} of {iss} ({ref.file}) from {args.config}")
    try:
        trustconfig.current_key_ref(trustconfig.load_config(args.config), iss, _now(args))
    except ConfigError:
        print(f"{iss} has no key that signs now: pas-keys issuer rotate --config {args.config} --iss {iss}")
    print("Sign and publish a new trust list: passes signed with this key then verify as "
          "UNKNOWN_ISSUER; re-issue them (docs/key-ceremony.md).")
    return 0


def cmd_issuer_current(args: argparse.Namespace) -> int:
    print(trustconfig.current_key_file(args.config, args.iss, _now(args)))
    return 0


def cmd_init_config(args: argparse.Namespace) -> int:
    config = trustconfig.init_config(
        args.config, anchor=args.anchor, validity_days=args.validity_days
    )
    print(f"created {config.path} for anchor {config.anchor}")
    print("Add an issuer: pas-keys issuer add --config CONFIG --iss GM0014 --name NAME")
    return 0


def cmd_trust_list_sign(args: argparse.Namespace) -> int:
    now = _now(args)
    config = trustconfig.load_config(args.config)
    tl, data = trustconfig.sign_trust_list(
        config,
        args.out,
        passphrase=_passphrase(args, new=False, what=f"the anchor {config.anchor_path}"),
        now=now,
        seq=args.seq,
    )
    print(f"signed {args.out} ({len(data)} bytes)")
    _print_trust_list(tl, now)
    return 0


def cmd_revocations_sign(args: argparse.Namespace) -> int:
    now = _now(args)
    where = args.serials_file
    if where == "-":
        text = sys.stdin.read()
    else:
        try:
            text = read_bytes(Path(where), "serials file").decode("utf-8")
        except UnicodeDecodeError:
            raise ConfigError(f"{where} is not UTF-8 text") from None
    serials = trustconfig.parse_serials(text, where)
    rl, data = trustconfig.sign_revocations(
        args.key,
        args.out,
        passphrase=_passphrase(args, new=False, what=f"the issuer key {args.key}"),
        iss=args.iss,
        serials=serials,
        now=now,
        seq=args.seq,
        validity_days=args.validity_days,
    )
    print(f"signed {args.out} ({len(data)} bytes)")
    print(f"revocation list of {rl.iss}  seq {rl.seq}")
    print(f"  issued      {_when(rl.iat)}")
    print(f"  expires     {_when(rl.exp)}")
    print(f"  serials     {len(rl.serials)}")
    return 0


def cmd_show(args: argparse.Namespace) -> int:
    if args.trust_list is None and not args.files:
        raise ConfigError("show needs key files, or --trust-list FILE --anchor HEX")
    if args.trust_list is not None and args.anchor is None:
        raise ConfigError("--trust-list needs --anchor HEX (or the anchor key file)")
    out: dict[str, Any] = {"keys": []}
    for name in args.files:
        info = keyfile.read_public(name)
        if args.json:
            out["keys"].append({"file": name, **info.to_json()})
        else:
            _print_key("key file", name, info)
    if args.trust_list is not None:
        anchor = _anchor_key(args.anchor)
        data = read_bytes(Path(args.trust_list), "trust list")
        tl = trustconfig.open_trust_list(data, anchor)
        if args.json:
            out["trust_list"] = dict(to_json(tl))
        else:
            print(f"{args.trust_list}: verified against anchor {anchor.hex()}")
            _print_trust_list(tl, _now(args))
    if args.json:
        if args.trust_list is not None and not args.files:
            print(json.dumps(out["trust_list"], indent=2, ensure_ascii=False))
        else:
            print(json.dumps(out, indent=2, ensure_ascii=False))
    return 0


# --- escrow and audit (the privacy work: docs/handhaving.md) ----------------------------

_SENSITIVE = (
    "This is special-category personal data. Do not save, print, photograph or forward "
    "it; close this window when done. The request is in the access log."
)


def _share_texts_from(args: argparse.Namespace, *, what: str) -> list[escrow.ParsedShare]:
    """Shares from --share-file, else stdin (not a terminal), else typed one by one."""
    texts: list[str] = []
    for name in getattr(args, "share_file", None) or []:
        raw = read_bytes(Path(name), "share file", 64 * 1024)
        texts.extend(escrow.split_share_texts(raw.decode("utf-8", "replace")))
    if texts:
        return [escrow.parse_share(t, label=f"share {i + 1}") for i, t in enumerate(texts)]
    if not sys.stdin.isatty():
        texts = escrow.split_share_texts(sys.stdin.read())
        return [escrow.parse_share(t, label=f"share {i + 1}") for i, t in enumerate(texts)]
    parsed: list[escrow.ParsedShare] = []
    need: int | None = None
    print(f"{what}: each share holder types their share (14 groups, spaces optional).",
          file=sys.stderr)
    while need is None or len(parsed) < need:
        label = f"share {len(parsed) + 1}" + (f" of {need}" if need else "")
        try:
            text = getpass.getpass(f"Type {label} (not shown), then Enter: ")
        except (EOFError, KeyboardInterrupt):
            raise escrow.EscrowError("no share given") from None
        if not text.strip():
            continue
        try:
            share = escrow.parse_share(text, label=label)
        except escrow.EscrowError as exc:
            print(f"  {exc.diagnostics()} - type it again.", file=sys.stderr)
            continue
        if any(p.index == share.index for p in parsed):
            print(f"  share {share.index} was given already; the next holder, please.", file=sys.stderr)
            continue
        parsed.append(share)
        need = share.k
        print(f"  share {share.index} accepted ({len(parsed)} of {need}).", file=sys.stderr)
    return parsed


def _expected_public(args: argparse.Namespace) -> bytes | None:
    pub = getattr(args, "pub", None)
    return escrow.read_public_file(pub) if pub else None


def _print_record(record: escrow.OpenedRecord) -> None:
    print(f"pass number  {record.number}")
    print(f"  sealed     {_when(record.sealed_at)}")
    for name in escrow.IDENTITY_FIELDS:
        if name in record.fields:
            print(f"  {escrow.FIELD_LABELS[name]}: {record.fields[name]}")


def cmd_escrow_create(args: argparse.Namespace) -> int:
    team = escrow.create_team_key(args.k, args.n)
    out = Path(args.out_pub)
    write_atomic(out, escrow.format_public_file(team, created=_now(args)).encode(), mode=0o644,
                 overwrite=False)
    print(f"created the handhaver team's escrow key {team.kid.hex()}; public key in {out}")
    print(f"Any {team.k} of these {team.n} shares open a record; {team.k - 1} cannot.")
    print("Give each share to one holder, on paper. This program keeps no copy:")
    print("lose more than n - k shares and every sealed record is lost for good.")
    for text in team.shares:
        print()
        print(text)
    print()
    print(f"Copy {out} to the server as instance/keys/escrow.pub. Then clear this screen.")
    return 0


def cmd_escrow_check_share(args: argparse.Namespace) -> int:
    shares = _share_texts_from(args, what="check a share")
    expected = _expected_public(args)
    for share in shares:
        print(f"share {share.index} checks: {share.k} needed, set {share.set_id.hex()}")
    if expected is not None and len(shares) >= shares[0].k:
        escrow.recover_private_key(shares, expect_public=expected)
        print(f"together they give key {escrow.kid(expected).hex()}")
    return 0


def cmd_escrow_open(args: argparse.Namespace) -> int:
    entries = escrow.read_document(args.record)
    private = escrow.recover_private_key(
        _share_texts_from(args, what="open a record"), expect_public=_expected_public(args)
    )
    opened = [escrow.open_entry(private, e) for e in entries]
    if args.json:
        print(json.dumps([{"number": r.number, "sealed_at": r.sealed_at, **r.fields} for r in opened],
                         ensure_ascii=False, indent=2))
        return 0
    for record in opened:
        _print_record(record)
    print(_SENSITIVE, file=sys.stderr)
    return 0


def cmd_escrow_export_open(args: argparse.Namespace) -> int:
    entries = escrow.read_document(args.export)
    if not args.search and not args.all:
        raise escrow.EscrowError("say what to look for: --search NAME/BSN/DATE (or --all)")
    private = escrow.recover_private_key(
        _share_texts_from(args, what="search an export"), expect_public=_expected_public(args)
    )
    opened = [escrow.open_entry(private, e) for e in entries]
    hits = [r for r in opened if args.all or any(escrow.matches(r, q) for q in args.search)]
    print(f"{len(opened)} record(s) opened, {len(hits)} match(es)")
    for record in hits:
        _print_record(record)
    print(_SENSITIVE, file=sys.stderr)
    return 0 if hits else 1


def cmd_escrow_resplit(args: argparse.Namespace) -> int:
    expected = _expected_public(args)
    team = escrow.resplit(_share_texts_from(args, what="resplit the key"), k=args.k, n=args.n,
                          expect_public=expected)
    print(f"new shares for the same key {team.kid.hex()} ({team.k} of {team.n}).")
    print("The old shares no longer combine with these; destroy them.")
    for text in team.shares:
        print()
        print(text)
    print()
    if args.out_pub:
        write_atomic(Path(args.out_pub), escrow.format_public_file(team, created=_now(args)).encode(),
                     mode=0o644, overwrite=False)
        print(f"public key (unchanged) written to {args.out_pub}")
    return 0


def cmd_audit_verify(args: argparse.Namespace) -> int:
    try:
        text = read_bytes(Path(args.log), "access-log export", 512 * 1024 * 1024).decode("utf-8")
    except UnicodeDecodeError:
        raise escrow.EscrowError(f"{args.log} is not UTF-8 text") from None
    head = None
    if args.head:
        try:
            head = bytes.fromhex(args.head)
        except ValueError:
            raise escrow.EscrowError("--head must be 64 hex characters") from None
        if len(head) != 32:
            raise escrow.EscrowError("--head must be 64 hex characters")
    check = escrow.verify_log_csv(text, head=head)
    if check.intact:
        print(f"access log intact: {check.events} events, head {check.head.hex()}")
        if head is not None:
            print("the known head is in it: nothing before it was removed or changed")
        return 0
    print(f"access log BROKEN at row {check.first_bad_row}: {check.problem}")
    return 1


# --- the parser -------------------------------------------------------------------


def _parser() -> argparse.ArgumentParser:
    p = argparse.ArgumentParser(
        prog="pas-keys",
        description="Key custody for PAS1 passes: anchor and issuer keys, trust lists, "
        "rotation, revocation lists. See docs/keys.md.",
    )
    sub = p.add_subparsers(dest="command", metavar="COMMAND", required=True)

    pw = argparse.ArgumentParser(add_help=False)
    pw.add_argument(
        "--passphrase-file",
        metavar="FILE",
        help=f"read the passphrase from FILE (else ${PASSPHRASE_ENV}, else ask)",
    )
    kdf = argparse.ArgumentParser(add_help=False)
    kdf.add_argument(
        "--kdf-limits",
        choices=sorted(keyfile.KDF_PRESETS),
        default=None,
        help=f"Argon2id cost for new key files (default ${keyfile.KDF_LIMITS_ENV} or moderate)",
    )
    clock = argparse.ArgumentParser(add_help=False)
    clock.add_argument("--now", type=int, metavar="UNIX", help="the time to act at")

    def group(name: str, help: str) -> argparse._SubParsersAction[argparse.ArgumentParser]:
        g = sub.add_parser(name, help=help)
        return g.add_subparsers(dest="action", metavar="ACTION", required=True)

    def command(
        parent: argparse._SubParsersAction[argparse.ArgumentParser],
        name: str,
        func: Callable[[argparse.Namespace], int],
        help: str,
        parents: Sequence[argparse.ArgumentParser] = (),
    ) -> argparse.ArgumentParser:
        c = parent.add_parser(name, help=help, description=help, parents=list(parents))
        c.set_defaults(func=func)
        return c

    anchor = group("anchor", "the trust anchor key (kept offline)")
    c = command(anchor, "create", cmd_anchor_create, "create a trust anchor key", [pw, kdf])
    c.add_argument("out", metavar="OUT.key")

    issuer = group("issuer", "municipality (issuer) keys")
    c = command(issuer, "create", cmd_issuer_create, "create an issuer key file", [pw, kdf])
    c.add_argument("--iss", required=True, help="CBS municipality code, e.g. GM0014")
    c.add_argument("out", metavar="OUT.key")
    c = command(
        issuer,
        "add",
        cmd_issuer_add,
        "add an issuer to the config, with a new key (or --key FILE)",
        [pw, kdf, clock],
    )
    c.add_argument("--config", required=True, metavar="CONFIG.json")
    c.add_argument("--iss", required=True, help="CBS municipality code, e.g. GM0014")
    c.add_argument("--name", required=True, help='e.g. "Gemeente Groningen"')
    c.add_argument("--key-dir", metavar="DIR", help="where the key goes (default issuers/)")
    c.add_argument("--key", metavar="FILE", help="use this existing issuer key file")
    c.add_argument(
        "--categories",
        metavar="JSON",
        help="categories as a JSON list (default: raam/Wit, inrichting/Groen)",
    )
    c.add_argument(
        "--lifetime-days",
        type=int,
        default=trustconfig.DEFAULT_KEY_LIFETIME_DAYS,
        help="how long the key signs (default %(default)s)",
    )
    c = command(
        issuer,
        "rotate",
        cmd_issuer_rotate,
        "give an issuer a new signing key; the old one stays listed",
        [pw, kdf, clock],
    )
    c.add_argument("--config", required=True, metavar="CONFIG.json")
    c.add_argument("--iss", required=True)
    c.add_argument("--key-dir", metavar="DIR", help="where the new key goes")
    c.add_argument(
        "--lifetime-days",
        type=int,
        default=trustconfig.DEFAULT_KEY_LIFETIME_DAYS,
        help="how long the new key signs (default %(default)s)",
    )
    c = command(
        issuer,
        "remove-key",
        cmd_issuer_remove_key,
        "take a (stolen) key out of the config; the next trust list no longer lists it",
        [clock],
    )
    c.add_argument("--config", required=True, metavar="CONFIG.json")
    c.add_argument("--kid", required=True, metavar="HEX", help="the key's kid (16 hex characters)")
    c = command(issuer, "current", cmd_issuer_current, "print the key file that signs now", [clock])
    c.add_argument("--config", required=True, metavar="CONFIG.json")
    c.add_argument("--iss", required=True)

    c = command(sub, "init-config", cmd_init_config, "start a trust-list config")
    c.add_argument("--anchor", required=True, metavar="ANCHOR.key")
    c.add_argument(
        "--validity-days",
        type=int,
        default=trustconfig.DEFAULT_LIST_VALIDITY_DAYS,
        help="how long each signed trust list is valid (default %(default)s)",
    )
    c.add_argument("config", metavar="CONFIG.json")

    tlist = group("trust-list", "sign the trust list")
    c = command(
        tlist, "sign", cmd_trust_list_sign, "sign the trust list with the anchor", [pw, clock]
    )
    c.add_argument("--config", required=True, metavar="CONFIG.json")
    c.add_argument("--out", required=True, metavar="FILE")
    c.add_argument("--seq", type=int, help="default: the seq of the list at --out, plus one")

    revs = group("revocations", "sign an issuer's revocation list")
    c = command(revs, "sign", cmd_revocations_sign, "sign a revocation list", [pw, clock])
    c.add_argument("--key", required=True, metavar="ISSUER.key")
    c.add_argument("--iss", required=True)
    c.add_argument("--seq", type=int, help="default: the seq of the list at --out, plus one")
    c.add_argument(
        "--serials-file",
        required=True,
        metavar="FILE",
        help="32 hex characters a line, # comments; - for stdin",
    )
    c.add_argument("--out", required=True, metavar="FILE")
    c.add_argument(
        "--validity-days",
        type=int,
        default=trustconfig.DEFAULT_REVOCATION_VALIDITY_DAYS,
        help="default %(default)s",
    )

    c = command(sub, "show", cmd_show, "show key files' public keys, or a trust list", [clock])
    c.add_argument("files", nargs="*", metavar="KEYFILE")
    c.add_argument("--trust-list", metavar="FILE")
    c.add_argument("--anchor", metavar="HEX_OR_FILE", help="the anchor public key")
    c.add_argument("--json", action="store_true")

    shares = argparse.ArgumentParser(add_help=False)
    shares.add_argument(
        "--share-file", action="append", metavar="FILE",
        help="a file holding share text(s); repeat (default: stdin, else typed in)",
    )
    shares.add_argument("--pub", metavar="escrow.pub", help="check the key against this public key")

    esc = group("escrow", "the handhaver team's escrow key, split k-of-n (docs/handhaving.md)")
    c = command(esc, "create", cmd_escrow_create,
                "make the team key in memory, print k-of-n shares, write the public key", [clock])
    c.add_argument("--k", type=int, default=2, help="shares needed (default %(default)s)")
    c.add_argument("--n", type=int, default=3, help="shares made (default %(default)s)")
    c.add_argument("--out-pub", required=True, metavar="escrow.pub")
    c = command(esc, "check-share", cmd_escrow_check_share,
                "check typed shares for typos (and, with --pub and k shares, the key)", [shares])
    c = command(esc, "open", cmd_escrow_open,
                "open a sealed record locally with k shares and print it", [shares])
    c.add_argument("--record", required=True, metavar="FILE", help="the record the service gave")
    c.add_argument("--json", action="store_true")
    c = command(esc, "export-open", cmd_escrow_export_open,
                "open a bulk export locally and search it (name, BSN, document no., birth date)",
                [shares])
    c.add_argument("--export", required=True, metavar="FILE")
    c.add_argument("--search", action="append", metavar="TEXT", help="repeat for several")
    c.add_argument("--all", action="store_true", help="print every record")
    c = command(esc, "resplit", cmd_escrow_resplit,
                "new shares for the same key (a holder leaves, or k/n change)", [shares, clock])
    c.add_argument("--k", type=int, default=2)
    c.add_argument("--n", type=int, default=3)
    c.add_argument("--out-pub", metavar="escrow.pub", help="also write the public key file")

    aud = group("audit", "check an exported access log offline")
    c = command(aud, "verify", cmd_audit_verify,
                "recompute the hash chain of `pas-service audit export` output")
    c.add_argument("log", metavar="LOG.csv")
    c.add_argument("--head", metavar="HEX", help="a head hash recorded earlier (checkpoint)")
    return p


def main(argv: Sequence[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    try:
        result: int = args.func(args)
        return result
    except Error as exc:
        print(f"pas-keys: {exc.diagnostics()}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        print("pas-keys: interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
