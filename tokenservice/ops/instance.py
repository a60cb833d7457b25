"""Creating an instance folder: production skeleton or a ready-to-use demo.

The demo of ``pas-service init --demo`` (``demo_escrow=True``) shows both registration
policies' paths: its issuer uses policy ``escrow``, so the intake asks consent (yes →
a sealed record and a personal code; no → nothing kept). For that it makes a demo
handhaver team key in memory, splits it 2-of-3, writes only ``keys/escrow.pub`` and
hands the three share texts to the operator (printed, and appended to
``demo-accounts.txt``, which is demo-only). A real team key is made offline and its
shares never touch a server (docs/handhaving.md).
"""

from __future__ import annotations

import os
import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from keys import escrow as keys_escrow
from keys import trustconfig
from keys.keyfile import new_key_file, read_public
from tokenservice import config
from tokenservice.access import accounts
from tokenservice.store import migrate
from tokenservice.store.db import Database
from tokenservice.store.models import Role

DEMO_ISS = "GM9999"
DEMO_NAME = "Demogemeente"
DEMO_PREFIX = "DM"
DEMO_ACCOUNTS = (("intake", Role.INTAKE), ("handhaver", Role.HANDHAVER), ("beheer", Role.BEHEER))
DEMO_CREDENTIALS = "demo-accounts.txt"
#: The demo team key's split, and the lines that fence its shares in demo-accounts.txt.
DEMO_ESCROW_K, DEMO_ESCROW_N = 2, 3
_SHARES_BEGIN = "# --- DEMO ONLY: escrow key shares of the demo handhaver team (2 of 3 open a record) ---"
_SHARES_END = "# --- end of DEMO escrow shares; a real key's shares are paper only, never on a server ---"
_POLICY_COMMENT = '# registration_policy = "escrow"  # default "none" (nothing kept; PAS_REGISTRATION_POLICY)'
_POLICY_DEMO = (
    'registration_policy = "escrow"  # DEMO: consent asked at intake; default "none" '
    "(nothing kept; PAS_REGISTRATION_POLICY)"
)

_TEMPLATE = """\
# Settings of this pas-service instance. Environment variables PAS_* override.
# See docs/configuration.md for every setting.
{demo}secret_key = "{secret}"
default_issuer = "{iss}"
{passphrase}
[issuer.{iss}]
prefix = "{prefix}"          # pass numbers look like {prefix}-7K3M9QXD-4
min_age = 21                 # APV minimum age; 18 is the national minimum
# registration_policy = "escrow"  # default "none" (nothing kept; PAS_REGISTRATION_POLICY)
# Printed on the card back: keep names neutral, nothing that outs the holder to a finder.
help_contacts = [
  ["GGD {name}", "0900 123 4567"],
  ["Vertrouwelijk advies", "0900 765 4321"],
]
"""


def _private_dir(path: Path) -> None:
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    os.chmod(path, 0o700)


@dataclass(frozen=True)
class DemoAccount:
    username: str
    role: str
    password: str
    totp_secret: str


def init_instance(
    instance: Path, *, demo: bool, database_url: str | None = None, migrate_db: bool = True,
    demo_escrow: bool = False,
) -> list[DemoAccount]:
    """Create (or complete) an instance folder and migrate its database.

    With ``demo`` it also makes a demo trust anchor, the demo issuer GM9999 and three
    demo accounts whose credentials are returned. With ``demo`` and ``demo_escrow``
    (what ``pas-service init --demo`` does) the demo issuer uses registration policy
    ``escrow`` with a demo team key (:func:`demo_escrow_shares` gives its shares).
    Existing files are left alone.
    """
    _private_dir(instance)
    toml = instance / "pas.toml"
    passphrase = secrets.token_urlsafe(24)
    if not toml.exists():
        toml.write_text(
            _TEMPLATE.format(
                demo=(
                    "demo = true          # DEMO: cards are watermarked, keys are not safe\n"
                    "secure_cookies = false  # DEMO: plain http on 127.0.0.1\n"
                    "# public_url: the demo prints the address `pas-service serve` listens on\n"
                )
                if demo
                else "",
                secret=secrets.token_hex(32),
                iss=DEMO_ISS if demo else "GM0000",
                prefix=DEMO_PREFIX if demo else "XX",
                name=DEMO_NAME if demo else "",
                passphrase=f'demo_key_passphrase = "{passphrase}"  # DEMO ONLY\n' if demo else "",
            )
        )
        os.chmod(toml, 0o600)
    if database_url:
        settings = config.load(instance_dir=instance, database_url=database_url)
    else:
        settings = config.load(instance_dir=instance)
    _private_dir(settings.keys_dir)
    if demo and not settings.trust_list_path.exists():
        _demo_keys(settings.keys_dir, settings.key_passphrase or passphrase)
    if migrate_db:
        migrate.upgrade(settings.database_url)
    if not demo:
        return []
    made = _demo_accounts(settings)
    if demo_escrow:
        _demo_escrow(settings)
    return made


def _demo_keys(keys_dir: Path, passphrase: str) -> None:
    now = int(time.time())
    anchor_path = keys_dir / "anchor.key"
    if not anchor_path.exists():
        # A real anchor never lives on the server; the demo keeps it here for convenience.
        new_key_file(anchor_path, kind="anchor", passphrase=passphrase, now=now)
    (keys_dir / "anchor.pub").write_text(read_public(anchor_path).public_key.hex() + "\n")
    cfg = keys_dir / "trust.json"
    if not cfg.exists():
        trustconfig.init_config(cfg, anchor=anchor_path)
        trustconfig.add_issuer(
            cfg, iss=DEMO_ISS, name=DEMO_NAME, now=now - 60, passphrase=passphrase,
        )
    trustconfig.sign_trust_list(cfg, keys_dir / "trust-list.cose", passphrase=passphrase, now=now)


def _demo_accounts(settings: config.Settings) -> list[DemoAccount]:
    path = settings.instance_dir / DEMO_CREDENTIALS
    db = Database(settings.database_url)
    result: list[DemoAccount] = []
    try:
        accounts.prepare_totp(db, settings.instance_dir)
        with db.transaction() as session:
            for username, role in DEMO_ACCOUNTS:
                if accounts.find(session, username) is not None:
                    continue
                new = accounts.create(
                    session, username=username, role=role, password=None, now=int(time.time()),
                    enrolled=True,
                )
                result.append(DemoAccount(new.username, new.role, new.password, new.totp_secret))
    finally:
        db.dispose()
    if result:
        # Officials' demo credentials (no worker data): kept so `make run` can show them again.
        lines = [f"{a.username}\t{a.role}\t{a.password}\t{a.totp_secret}" for a in result]
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_APPEND, 0o600)
        with os.fdopen(fd, "a") as f:
            f.write("\n".join(lines) + "\n")
        return result
    if path.exists():
        rows = [line.split("\t") for line in path.read_text(encoding="utf-8").splitlines()
                if line.strip()]
        return [DemoAccount(*row) for row in rows if len(row) == 4]
    return []


# --- the demo's escrow key ---------------------------------------------------------------


def _demo_escrow(settings: config.Settings) -> None:
    """Policy ``escrow`` for the demo issuer, and a demo team key (2 of 3) if there is none."""
    toml = settings.instance_dir / "pas.toml"
    text = toml.read_text(encoding="utf-8")
    if _POLICY_COMMENT in text:
        toml.write_text(text.replace(_POLICY_COMMENT, _POLICY_DEMO, 1), encoding="utf-8")
    pub = settings.keys_dir / "escrow.pub"
    if pub.exists():
        return
    team = keys_escrow.create_team_key(DEMO_ESCROW_K, DEMO_ESCROW_N)
    pub.write_text(keys_escrow.format_public_file(team, created=int(time.time())), encoding="utf-8")
    lines = [_SHARES_BEGIN]
    for share in team.shares:
        lines += [share, ""]
    lines.append(_SHARES_END)
    fd = os.open(settings.instance_dir / DEMO_CREDENTIALS, os.O_WRONLY | os.O_CREAT | os.O_APPEND,
                 0o600)
    with os.fdopen(fd, "a", encoding="utf-8") as f:
        f.write("\n".join(lines) + "\n")
    del team


def demo_escrow_shares(instance: Path) -> list[str]:
    """The demo team key's share texts from ``demo-accounts.txt`` (empty if there are none)."""
    path = instance / DEMO_CREDENTIALS
    if not path.exists():
        return []
    text = path.read_text(encoding="utf-8")
    if _SHARES_BEGIN not in text:
        return []
    block = text.split(_SHARES_BEGIN, 1)[1].split(_SHARES_END, 1)[0]
    return [share.strip() for share in block.split("\n\n") if share.strip()]


def demo_escrow_text(instance: Path) -> str:
    """What ``pas-service init --demo`` prints about the demo team key ("" without one)."""
    shares = demo_escrow_shares(instance)
    if not shares:
        return ""
    return (
        f"\nDEMO handhaver team key: registration policy 'escrow'; {DEMO_ESCROW_K} of these "
        f"{len(shares)} shares open a sealed record\n(pas-keys escrow open --record FILE "
        "--share-file ONE --share-file TWO). A real key's shares never touch a server.\n\n"
        + "\n\n".join(shares) + "\n"
    )
