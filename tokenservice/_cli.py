"""``pas-service``: set up an instance, run it, manage accounts. Thin: it gathers
arguments, calls the package and prints results; one ``except Error`` handler."""

from __future__ import annotations

import argparse
import os
import shlex
import socket
import sys
import time
from pathlib import Path
from typing import Any

import keys
from tokenservice import config
from tokenservice.access import accounts
from tokenservice.errors import Error
from tokenservice.store.db import Database
from tokenservice.texts.worker import LANGUAGES as LEAFLET_LANGUAGES


def _instance(args: argparse.Namespace) -> Path:
    return Path(args.instance or os.environ.get("PAS_INSTANCE_DIR") or "instance").resolve()


def cmd_init(args: argparse.Namespace) -> int:
    from tokenservice.ops.instance import demo_escrow_text, init_instance

    instance = _instance(args)
    demo_accounts = init_instance(instance, demo=args.demo, demo_escrow=args.demo)
    print(f"instance ready: {instance}")
    if args.demo:
        print("\nDEMO accounts (cards are watermarked 'DEMO — NIET GELDIG'):")
        for a in demo_accounts:
            print(f"  {a.username:<10} role={a.role:<9} password={a.password}  totp-secret={a.totp_secret}")
        print("\nAdd a TOTP secret to an authenticator app, or print the current code with:")
        print(f"  {shlex.quote(_own_command())} --instance {shlex.quote(str(instance))} demo-code intake")
        print(demo_escrow_text(instance), end="")
    else:
        print("next: place anchor.pub, trust-list.cose and the issuer key files in keys/ (docs/key-ceremony.md)")
    settings = config.load(instance_dir=instance)
    if settings.public_dir is not None:
        if settings.trust_list_path.exists():
            _publish(settings)
        else:
            print(f"public_dir {settings.public_dir}: the lists are written once the keys are in "
                  "place (`pas-service publish`, or at the service's start)")
    return 0


def _publish(settings: config.Settings) -> None:
    """Every public list into public_dir (tokenservice/ops/publish.py), and what that did."""
    from tokenservice.services import Services

    svc = Services.build(settings)
    try:
        done = svc.publish()
    finally:
        svc.db.dispose()
    assert done is not None  # callers check public_dir
    print(f"published into {settings.public_dir}: {len(done.written)} file(s) written, "
          f"{len(done.unchanged)} unchanged")
    for path in done.kept_newer:
        print(f"  kept {path}: the folder holds a newer list")
    for line in done.skipped:
        print(f"  skipped {line}")


def cmd_publish(args: argparse.Namespace) -> int:
    settings = config.load(instance_dir=_instance(args))
    if settings.public_dir is None:
        raise config.ConfigError("public_dir is not set (pas.toml or PAS_PUBLIC_DIR): the service's "
                                 "endpoints serve the lists; see docs/deployment.md")
    _publish(settings)
    return 0


def _own_command() -> str:
    """This ``pas-service`` as an absolute path, so a printed hint works from any folder."""
    beside = Path(sys.executable).parent / "pas-service"
    return str(beside) if beside.exists() else "pas-service"


def cmd_serve(args: argparse.Namespace) -> int:
    from tokenservice.web.wsgi import serve

    os.environ["PAS_INSTANCE_DIR"] = str(_instance(args))
    settings = config.load(instance_dir=_instance(args))
    if settings.demo and not settings.public_url:
        # Her receipt must print the address this demo really answers on (make run PORT=…).
        wildcard = args.host in ("0.0.0.0", "::")  # noqa: S104 - reading it, not binding
        host = socket.gethostname() if wildcard else args.host
        host = f"[{host}]" if ":" in host else host
        os.environ["PAS_PUBLIC_URL"] = f"http://{host}:{args.port}"
        print(f"demo: /mijn-pas on her receipt is {os.environ['PAS_PUBLIC_URL']}/mijn-pas/")
    serve(host=args.host, port=args.port, workers=args.workers)
    return 0


def _db(args: argparse.Namespace) -> tuple[config.Settings, Database]:
    settings = config.load(instance_dir=_instance(args))
    db = Database(settings.database_url)
    accounts.prepare_totp(db, settings.instance_dir)
    return settings, db


def cmd_user_add(args: argparse.Namespace) -> int:
    from tokenservice import audit

    settings, db = _db(args)
    now = int(time.time())
    with db.transaction() as session:
        account, token = accounts.create_pending(session, username=args.username, role=args.role,
                                                 by=None, now=now)
        audit.append(session, at=now, actor="cli", role="cli", action="account_add",
                     reason_code=f"account:{account.id}:{account.role}")
    base = settings.public_url.rstrip("/") if settings.public_url else "https://<this service>"
    print(f"account {args.username} ({args.role}) created; no password is set yet")
    print(f"one-time enrolment link (valid {accounts.ENROLMENT_HOURS} hours, give it to that "
          f"person only, in person or by a safe channel): {base}/enrol/{token}")
    print("with it they choose their own password and set up their TOTP second factor")
    return 0


def cmd_user_disable(args: argparse.Namespace) -> int:
    _, db = _db(args)
    with db.transaction() as session:
        accounts.set_disabled(session, args.username, True)
    print(f"account {args.username} disabled; its API tokens are revoked")
    return 0


def cmd_token_create(args: argparse.Namespace) -> int:
    _, db = _db(args)
    with db.transaction() as session:
        token = accounts.create_token(session, args.user, int(time.time()))
    print(f"API token for {args.user} (shown once; send it as 'Authorization: Bearer <token>'):")
    print(token)
    return 0


def cmd_demo_code(args: argparse.Namespace) -> int:
    import pyotp

    settings, db = _db(args)
    if not settings.demo:
        raise config.ConfigError("demo-code works only on a demo instance")
    with db.transaction() as session:
        account = accounts.find(session, args.username)
        if account is None:
            raise accounts.AccountError(f"no account {args.username}")
        secret = accounts.totp_secret_of(account, accounts.key_for(session))
        if secret is None:
            raise accounts.AccountError(f"{args.username} has no second factor set up")
        print(pyotp.TOTP(secret).now())
    return 0


def _keyring_or_none(settings: config.Settings) -> Any:
    from tokenservice.issue.keyring import Keyring

    try:
        return Keyring(settings.keys_dir, settings.key_passphrase)
    except Error:
        return None


def _witness_bytes(source: str) -> bytes:
    """A witness's checkpoint: a file (as `pas-verify sync` keeps it), or its copy over http(s)."""
    from tokenservice.audit.log import AuditError
    from verifier import cache as fetching

    if source.startswith(("http://", "https://")):
        try:
            data = fetching.http_fetcher(limit=4096, insecure_http=True)(source)  # it is signed
        except fetching.CacheError as exc:
            raise AuditError(f"cannot fetch the witness's checkpoint: {exc}") from None
        if data is None:
            raise AuditError(f"no checkpoint at {source} (404)")
        return data
    try:
        with open(source, "rb") as f:
            return f.read(4097)
    except OSError as exc:
        raise AuditError(f"cannot read the witness's checkpoint {source}: {exc.strerror}") from None


def cmd_audit_verify(args: argparse.Namespace) -> int:
    from tokenservice import audit
    from tokenservice.issue.keyring import Keyring

    settings, db = _db(args)
    keyring = _keyring_or_none(settings)
    if args.witness and keyring is None:
        # The witness's checkpoint counts only under the anchor's trust list.
        keyring = Keyring(settings.keys_dir, settings.key_passphrase)
    witnessed = [_witness_bytes(source) for source in args.witness or ()]
    with db.transaction() as session:
        report = audit.verify_log(session, keyring)
        checks = [audit.check_witness(session, keyring.store, data) for data in witnessed]
    if keyring is None:
        print("warning: no trust list in keys/: checkpoint signatures were not checked")
    rewritten = [c for c in checks if not c.ok]
    for check in checks:
        cp = check.checkpoint
        if check.ok:
            print(f"witness: the log is an append-only extension of the checkpoint of {cp.iss} "
                  f"at {cp.size} events (signed {audit.utc_text(cp.iat)}; now {check.events} events)")
        else:
            print(f"audit log REWRITTEN: {check.problem}")
    if report.intact and not rewritten:
        print(f"audit log intact: {report.events} events, {report.checkpoints} signed checkpoint(s)")
        print(f"head {report.head.hex()}, tree root {report.root.hex()}")
        if report.uncovered:
            print(f"{report.uncovered} event(s) after the newest checkpoint "
                  "(run `pas-service audit checkpoint`)")
        if not checks:
            print("checked against the database only: a rewrite that also removed the checkpoints "
                  "is found only with --witness FILE|URL (a checkpoint a witness kept)")
        return 0
    if not report.intact:
        where = report.first_bad_id if report.first_bad_id is not None else report.bad_checkpoint
        print(f"audit log BROKEN ({'event' if report.first_bad_id is not None else 'checkpoint'} "
              f"id {where}, checked {report.events} events): {report.problem}")
    return 1


def cmd_audit_checkpoint(args: argparse.Namespace) -> int:
    from tokenservice import audit
    from tokenservice.issue.keyring import Keyring

    settings, db = _db(args)
    keyring = Keyring(settings.keys_dir, settings.key_passphrase)
    with db.transaction() as session:
        cp = audit.checkpoint(session, keyring, now=int(time.time()), iss=args.iss)
        if cp is None:
            print("the audit log is empty: nothing to sign")
            return 0
        line = (f"checkpoint {cp.id}: {cp.size} events, tree root {cp.root.hex()}, "
                f"signed by {cp.iss} key {cp.kid.hex()}")
    print(line)
    print("Published at /.well-known/pas/log/checkpoint; every `pas-verify sync` keeps a copy.")
    return 0


def cmd_audit_export(args: argparse.Namespace) -> int:
    from tokenservice import escrow

    _, db = _db(args)
    with db.transaction() as session:
        text = escrow.export_log_csv(session)
    if args.out:
        fd = os.open(args.out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "w") as f:
            f.write(text)
        print(f"wrote {args.out}; check it offline with: pas-keys audit verify {args.out}")
    else:
        sys.stdout.write(text)
    return 0


def cmd_purge(args: argparse.Namespace) -> int:
    from tokenservice import escrow
    from tokenservice.escrow import retention

    settings, db = _db(args)
    cfg = escrow.config_for(settings)
    grace = args.grace_days if args.grace_days is not None else cfg.grace_days
    report = retention.purge(db, int(time.time()), grace, reason_days=cfg.reason_days, vacuum=True)
    print(f"purged {report.records} escrow record(s), {report.codes} personal code(s), "
          f"{report.reasons} sealed reason(s) (grace {grace} days)")
    return 0


def cmd_backup(args: argparse.Namespace) -> int:
    from tokenservice.ops import backup

    settings = config.load(instance_dir=_instance(args))
    result = backup.backup(settings, Path(args.out), with_encrypted_keys=args.with_encrypted_keys)
    db = result.manifest["database"]
    size = result.path.stat().st_size
    print(f"wrote {result.path} ({size} bytes, mode 0600)")
    print(f"  database  {db['engine']} via {db['method']}, schema {db['revision']}, "
          f"{sum(db['rows'].values())} rows")
    print(f"  files     {', '.join(n for n in result.manifest['files'] if not n.startswith('database/'))}")
    for line in result.skipped:
        print(f"  skipped   {line}")
    print("It holds officials' password hashes and TOTP secrets and the sealed records: encrypt it")
    print("before it leaves this server, and delete it when its retention ends (docs/deployment.md).")
    return 0


def cmd_restore(args: argparse.Namespace) -> int:
    from tokenservice.ops import backup

    url = args.database_url or os.environ.get("PAS_DATABASE_URL") or None
    result = backup.restore(Path(args.archive), _instance(args), database_url=url)
    print(f"restored into {result.instance}")
    print(f"  database  {result.database_url.split('@')[-1]}, schema {result.revision}, "
          f"{sum(result.rows.values())} rows")
    print(f"  issuer key files: {result.issuer_keys}")
    for note in result.notes:
        print(f"  note: {note}")
    return 0


def cmd_leaflet(args: argparse.Namespace) -> int:
    from tokenservice import escrow, texts
    from tokenservice.issue import leaflet
    from tokenservice.issue.keyring import Keyring

    settings = config.load(instance_dir=_instance(args))
    iss = args.issuer or settings.default_iss
    if iss is None and len(settings.issuers) == 1:
        iss = next(iter(settings.issuers))
    if iss is None:
        raise config.ConfigError("name the issuer with --issuer (e.g. --issuer GM0014)")
    entry = Keyring(settings.keys_dir, None).issuers.get(iss)
    if entry is None:
        raise config.ConfigError(f"issuer {iss} is not in the trust list (keys/trust-list.cose)")
    issuer = settings.issuers.get(iss)
    contacts = issuer.help_contacts if issuer is not None else ()
    is_escrow = escrow.policy_for(settings, iss) == "escrow"
    mijnpas_url = args.mijnpas_url or settings.mijnpas_url
    if args.all:
        folder = Path(args.all)
        folder.mkdir(parents=True, exist_ok=True)
        targets = [(lang, folder / leaflet.filename(lang)) for lang in texts.LANGUAGES]
    else:
        if not args.lang:
            raise config.ConfigError("--out needs --lang (one of " + ", ".join(texts.LANGUAGES) + ")")
        targets = [(args.lang, Path(args.out))]
    for lang, path in targets:
        data = leaflet.pdf(lang, issuer_name=entry.name, help_contacts=contacts, escrow=is_escrow,
                           mijnpas_url=mijnpas_url, validity_days=settings.validity_days)
        path.write_bytes(data)
        print(f"wrote {path} ({texts.LANGUAGE_NAMES[lang]}, {len(data)} bytes)")
    policy = "escrow" if is_escrow else "none"
    print(f"issuer {iss} ({entry.name}), registration policy {policy}, "
          f"{len(contacts)} help contact(s)")
    if is_escrow and mijnpas_url:
        print(f"/mijn-pas address on the leaflet: {mijnpas_url}")
    if is_escrow and not mijnpas_url:
        print("note: no --mijnpas-url or public_url; the leaflet sends her to the spreekuur only")
    if not is_escrow and mijnpas_url:
        print("note: policy none keeps nothing about her, so /mijn-pas is not on the leaflet")
    return 0


def build_parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(prog="pas-service", description=__doc__)
    parser.add_argument("--instance", help="instance folder (default $PAS_INSTANCE_DIR or ./instance)")
    sub = parser.add_subparsers(dest="command", required=True)

    p = sub.add_parser("init", help="create the instance folder and database")
    p.add_argument("--demo", action="store_true", help="demo keys, issuer GM9999 and demo accounts")
    p.set_defaults(func=cmd_init)

    p = sub.add_parser("serve", help="run under the production WSGI server (gunicorn)")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=5000)
    p.add_argument("--workers", type=int, default=None, help="default: 1 on SQLite, 2 otherwise")
    p.set_defaults(func=cmd_serve)

    user = sub.add_parser("user", help="officials' accounts").add_subparsers(dest="user_cmd", required=True)
    p = user.add_parser("add")
    p.add_argument("username")
    p.add_argument("--role", required=True, choices=["intake", "handhaver", "beheer"])
    p.set_defaults(func=cmd_user_add)
    p = user.add_parser("disable")
    p.add_argument("username")
    p.set_defaults(func=cmd_user_disable)

    token = sub.add_parser("token", help="API tokens").add_subparsers(dest="token_cmd", required=True)
    p = token.add_parser("create")
    p.add_argument("--user", required=True)
    p.set_defaults(func=cmd_token_create)

    p = sub.add_parser("demo-code", help="current TOTP code of a demo account (demo only)")
    p.add_argument("username")
    p.set_defaults(func=cmd_demo_code)

    aud = sub.add_parser("audit", help="the audit log").add_subparsers(dest="audit_cmd", required=True)
    p = aud.add_parser("verify", help="check the hash chain, the tree and the signed checkpoints")
    p.add_argument("--witness", action="append", metavar="FILE|URL",
                   help="a checkpoint a witness kept (e.g. log/GMxxxx.cose in a pas-verify cache, "
                   "or its copy over http): fail unless the log is an append-only extension of it "
                   "(repeatable)")
    p.set_defaults(func=cmd_audit_verify)
    p = aud.add_parser("checkpoint", help="sign the log's tree head with an issuer key (cron)")
    p.add_argument("--iss", help="issuer whose key signs (default: the first with a usable key)")
    p.set_defaults(func=cmd_audit_checkpoint)
    p = aud.add_parser("export", help="the access log as CSV (for beheer; checkable offline)")
    p.add_argument("--out", help="write to this new file (default stdout)")
    p.set_defaults(func=cmd_audit_export)

    p = sub.add_parser("publish", help="write the signed public lists into public_dir, re-signing "
                       "revocation lists that are due (timer, hourly)")
    p.set_defaults(func=cmd_publish)

    p = sub.add_parser("purge", help="delete escrow records and codes past retention (idempotent)")
    p.add_argument("--grace-days", type=int, help="days after expiry (default [escrow] grace_days, 90)")
    p.set_defaults(func=cmd_purge)

    p = sub.add_parser("backup", help="database and public keys as a .tar.gz (docs/deployment.md)")
    p.add_argument("out", help="a new .tar.gz file, or a folder to write a dated one into")
    p.add_argument("--with-encrypted-keys", action="store_true",
                   help="also the issuer key files (encrypted; never their passphrase)")
    p.set_defaults(func=cmd_backup)
    p = sub.add_parser("restore", help="restore a backup into a new, empty instance folder")
    p.add_argument("archive", help="a file made by `pas-service backup`")
    p.add_argument("--instance", default=argparse.SUPPRESS, help="the new, empty instance folder")
    p.add_argument("--database-url", help="an empty database of the backup's kind "
                   "(default $PAS_DATABASE_URL, else SQLite in the instance folder)")
    p.set_defaults(func=cmd_restore)

    p = sub.add_parser("leaflet", help="the worker leaflet (A5 PDF) in her language, or all eight")
    p.add_argument("--issuer", help="issuer code (default: default_issuer in pas.toml)")
    p.add_argument("--lang", choices=LEAFLET_LANGUAGES, help="language of the leaflet (with --out)")
    where = p.add_mutually_exclusive_group(required=True)
    where.add_argument("--out", help="the PDF file to write")
    where.add_argument("--all", metavar="DIR", help="write leaflet-<lang>.pdf for all eight languages")
    p.add_argument("--mijnpas-url", help="public address of /mijn-pas, printed under policy escrow "
                   "(e.g. https://pas.gemeente.nl/mijn-pas/)")
    p.set_defaults(func=cmd_leaflet)
    return parser


def main(argv: list[str] | None = None) -> int:
    # Database, WAL and key files are for this service account only.
    os.umask(0o077)
    args = build_parser().parse_args(argv)
    try:
        result: Any = args.func(args)
        return int(result)
    except (Error, keys.Error) as exc:
        print(f"pas-service: {exc.diagnostics()}", file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
