"""The stolen-issuer-key drill of docs/key-ceremony.md, end to end, with the real commands.

A year of keys for Assen (GM0106): key A from the start, the yearly rotation to key B,
passes signed with each. Then key B is stolen. The drill: rotate to key C, take B out of
the trust config (``pas-keys issuer remove-key``), sign the trust list (seq + 1), put it on
the server, restart. Afterwards every pass signed with B - including one the thief made -
verifies as UNKNOWN_ISSUER, every other pass as before, and the restarted service issues,
renews and publishes revocation lists signed with C. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import contextlib
import io
import re
import secrets
import shutil
import textwrap
from pathlib import Path

import sqlalchemy as sa

from keys import _cli as pas_keys_cli
from keys.keyfile import load_signing_key, read_public
from tests.support.paths import ROOT
from tokenservice import config
from tokenservice.issue.keyring import Keyring
from tokenservice.issue.passes import Official, PassService
from tokenservice.store.db import Database
from tokenservice.web.app import create_app
from verifier import Status, TrustStore, passnumber, verify
from verifier.format import Pass, TrustList

DAY = 86400
PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")


def pas_keys(*argv: str) -> str:
    out = io.StringIO()
    with contextlib.redirect_stdout(out):
        code = pas_keys_cli.main(list(argv))
    assert code == 0, (argv, out.getvalue())
    return out.getvalue()


class Drill:
    """The offline machine (anchor, trust.json, issuers/) and the server's instance folder."""

    def __init__(self, tmp: Path, database_url: str, now: int) -> None:
        self.now = now
        self.offline = tmp / "offline"
        self.offline.mkdir()
        self.server = tmp / "instance"
        (self.server / "keys" / "issuers").mkdir(parents=True, mode=0o700)
        self.anchor_pass = self.offline / "anchor.pass"
        self.anchor_pass.write_text("the anchor's long diceware passphrase\n")
        self.issuer_pass = self.offline / "issuer.pass"
        self.issuer_pass.write_text("the service's issuer-key passphrase\n")
        self.config = self.offline / "trust.json"
        self.database_url = database_url
        (self.server / "pas.toml").write_text(
            f'secret_key = "{secrets.token_hex(32)}"\ndefault_issuer = "GM0106"\n'
            '[issuer.GM0106]\nprefix = "AS"\n'
        )

    def keys(self, *argv: str, anchor: bool = False, at: int) -> str:
        pw = self.anchor_pass if anchor else self.issuer_pass
        return pas_keys(*argv, "--passphrase-file", str(pw), "--now", str(at))

    def publish(self, at: int) -> int:
        """Sign the trust list offline and put it, with the issuer key files, on the server."""
        out = self.keys("trust-list", "sign", "--config", str(self.config), "--out",
                        str(self.offline / "trust-list.cose"), anchor=True, at=at)
        shutil.copy(self.offline / "trust-list.cose", self.server / "keys" / "trust-list.cose")
        for key in (self.offline / "issuers").glob("*.key"):
            target = self.server / "keys" / "issuers" / key.name
            if not target.exists():
                shutil.copy2(key, target)
        return int(re.search(r"trust list  seq (\d+)", out).group(1))

    def settings(self) -> config.Settings:
        return config.load(env={}, instance_dir=self.server, database_url=self.database_url,
                           key_passphrase=self.issuer_pass.read_text().rstrip("\n"))

    def service(self, at: int) -> PassService:
        """The service as it runs at time ``at`` (a fresh keyring: a restart)."""
        settings = self.settings()
        return PassService(Database(settings.database_url), Keyring(settings.keys_dir, settings.key_passphrase),
                           settings, clock=lambda: at)

    def kid_of(self, iss: str, n: int) -> str:
        """The kid of the n-th key (in order of nbf) of ``iss`` in trust.json."""
        import json

        doc = json.loads(self.config.read_text())
        issuer = next(i for i in doc["issuers"] if i["iss"] == iss)
        return sorted(issuer["keys"], key=lambda k: k["nbf"])[n]["kid"]


def _store(client, min_seq: int = 0) -> TrustStore:
    anchor = client.get("/.well-known/pas/anchor.pub").data.decode().strip()
    trust_list = client.get("/.well-known/pas/trust-list.cose").data
    revocations = client.get("/.well-known/pas/revocations/GM0106.cose").data
    return TrustStore.from_bytes(bytes.fromhex(anchor), trust_list, [revocations], min_seq=min_seq)


def _issue(service: PassService):
    return service.issue(iss="GM0106", category="raam", photo=PHOTO, photo_type="image/webp",
                         official=INTAKE)


def doc_sql(marker: str) -> str:
    """The ```sql block of docs/key-ceremony.md whose first line is ``-- <marker>``."""
    doc = (ROOT / "docs" / "key-ceremony.md").read_text()
    blocks = [textwrap.dedent(b) for b in re.findall(r"```sql\n(.*?)```", doc, re.S)]
    found = [b for b in blocks if b.startswith(f"-- {marker}")]
    assert len(found) == 1, f"docs/key-ceremony.md: one sql block '-- {marker}'"
    return found[0]


def run_sql(database_url: str, query: str) -> list[str]:
    engine = sa.create_engine(database_url)
    try:
        with engine.begin() as conn:
            result = conn.exec_driver_sql(query)
            return [row[0] for row in result] if result.returns_rows else []
    finally:
        engine.dispose()


def affected_passes(database_url: str, kid_hex: str) -> list[str]:
    """The query of docs/key-ceremony.md: pass numbers whose live card the key signed."""
    query = doc_sql("affected passes").replace("<KID>", kid_hex)
    if database_url.startswith("sqlite"):  # the doc's query is PostgreSQL's
        query = query.replace(f"decode('{kid_hex}', 'hex')", f"X'{kid_hex}'")
    return run_sql(database_url, query)


def test_stolen_issuer_key_drill(tmp_path, migrated_database_url) -> None:
    import time

    now = int(time.time())
    t0, t1, theft, t2 = now - 400 * DAY, now - 30 * DAY, now - 2 * DAY, now - 3600
    drill = Drill(tmp_path, migrated_database_url, now)
    anchor_key = drill.offline / "anchor.key"

    # The ceremony: anchor offline, the issuer with key A, the first trust list.
    pas_keys("anchor", "create", "--passphrase-file", str(drill.anchor_pass), str(anchor_key))
    pas_keys("init-config", "--anchor", str(anchor_key), str(drill.config))
    drill.keys("issuer", "add", "--config", str(drill.config), "--iss", "GM0106",
               "--name", "Gemeente Assen", at=t0)
    (drill.server / "keys" / "anchor.pub").write_text(read_public(anchor_key).public_key.hex() + "\n")
    assert drill.publish(t0) == 1
    kid_a = drill.kid_of("GM0106", 0)

    service = drill.service(t0 + DAY)
    pass_a = _issue(service)
    revoked_a = _issue(service)
    service.revoke(number=revoked_a.number, reason="stolen", official=HANDHAVER)

    # A year on: the yearly rotation to key B.
    drill.keys("issuer", "rotate", "--config", str(drill.config), "--iss", "GM0106", at=t1)
    assert drill.publish(t1) == 2
    kid_b = drill.kid_of("GM0106", 1)
    service = drill.service(t1 + DAY)
    pass_b = _issue(service)
    renewed_b = service.renew(number=pass_a.number, category=None, photo=PHOTO,
                              photo_type="image/webp", official=INTAKE)
    assert renewed_b.number == pass_a.number
    lost_b = _issue(service)
    drill.service(theft - 3600).revoke(number=lost_b.number, reason="lost", official=HANDHAVER)

    # The theft: key B and its passphrase. The thief can make passes that verify.
    key_file_b = next((drill.server / "keys" / "issuers").glob(f"GM0106-{kid_b}.key"))
    stolen = load_signing_key(key_file_b, drill.issuer_pass.read_text().rstrip("\n"))
    forged = Pass(iss="GM0106", number=passnumber.new("AS"), category="raam",
                  serial=secrets.token_bytes(16), iat=theft, nbf=theft, exp=theft + 730 * DAY,
                  photo=PHOTO, photo_type="image/webp").sign(stolen)
    before = create_app(drill.settings())
    try:
        client = before.test_client()
        store = _store(client)
        seq_before = store.trust_list.seq
        assert verify(forged, store).status is Status.VALID
        assert verify(pass_b.qr_text, store).status is Status.VALID
    finally:
        before.extensions["pas"].db.dispose()

    # Which passes must be re-issued (docs/key-ceremony.md, step 5).
    assert affected_passes(migrated_database_url, kid_b) == sorted([pass_b.number, renewed_b.number])
    assert affected_passes(migrated_database_url, kid_a) == []  # A's live card was renewed

    # The drill: rotate to C, remove B, sign (seq + 1), publish, delete B from the server.
    drill.keys("issuer", "rotate", "--config", str(drill.config), "--iss", "GM0106", at=t2)
    out = pas_keys("issuer", "remove-key", "--config", str(drill.config), "--kid", kid_b,
                   "--now", str(t2))
    assert f"removed key {kid_b} of GM0106" in out
    assert drill.publish(t2) == seq_before + 1
    key_file_b.unlink()
    tl = TrustList.open((drill.server / "keys" / "trust-list.cose").read_bytes())[1]
    assert {e.kid.hex() for e in tl.issuers} == {kid_a, drill.kid_of("GM0106", 1)}
    assert kid_b not in {e.kid.hex() for e in tl.issuers}

    # Restart: a fresh app on the new trust list.
    app = create_app(drill.settings())
    try:
        client = app.test_client()
        store = _store(client, min_seq=seq_before)  # a verifier that saw the old list accepts it
        verdicts = {name: verify(card.qr_text, store).status for name, card in {
            "pass_a (old card, key A, superseded)": pass_a, "revoked_a (key A)": revoked_a,
            "pass_b (key B)": pass_b, "renewed_b (key B)": renewed_b, "lost_b (key B)": lost_b,
        }.items()}
        assert verdicts == {
            "pass_a (old card, key A, superseded)": Status.REVOKED,
            "revoked_a (key A)": Status.REVOKED,
            "pass_b (key B)": Status.UNKNOWN_ISSUER,
            "renewed_b (key B)": Status.UNKNOWN_ISSUER,
            "lost_b (key B)": Status.UNKNOWN_ISSUER,
        }
        assert verify(forged, store).status is Status.UNKNOWN_ISSUER

        # The service goes on with key C: a new pass, and the re-issue of an affected one.
        passes = app.extensions["pas"].passes
        fresh = _issue(passes)
        reissued = passes.renew(number=pass_b.number, category=None, photo=PHOTO,
                                photo_type="image/webp", official=INTAKE)
        store = _store(client, min_seq=seq_before)
        kid_c = drill.kid_of("GM0106", 1)
        for card in (fresh, reissued):
            verdict = verify(card.qr_text, store)
            assert verdict.status is Status.VALID
        assert reissued.number == pass_b.number
        assert store.revocations("GM0106") is not None  # signed with C, accepted
        assert verify(revoked_a.qr_text, store).status is Status.REVOKED
        assert affected_passes(migrated_database_url, kid_b) == [renewed_b.number]
        assert affected_passes(migrated_database_url, kid_c) == sorted([fresh.number, reissued.number])
    finally:
        app.extensions["pas"].db.dispose()


def test_the_published_revocation_list_moves_to_the_new_key_at_restart(tmp_path, migrated_database_url) -> None:
    """Right after the restart, before any revocation or renewal: the revocation list that
    the service publishes must be signed by a key of the new trust list, or verifiers
    refuse it and see no revocations until the next re-sign."""
    import time

    now = int(time.time())
    drill = Drill(tmp_path, migrated_database_url, now)
    anchor_key = drill.offline / "anchor.key"
    pas_keys("anchor", "create", "--passphrase-file", str(drill.anchor_pass), str(anchor_key))
    pas_keys("init-config", "--anchor", str(anchor_key), str(drill.config))
    drill.keys("issuer", "add", "--config", str(drill.config), "--iss", "GM0106",
               "--name", "Gemeente Assen", at=now - 10 * DAY)
    (drill.server / "keys" / "anchor.pub").write_text(read_public(anchor_key).public_key.hex() + "\n")
    drill.publish(now - 10 * DAY)
    stolen_kid = drill.kid_of("GM0106", 0)
    service = drill.service(now - 3 * 3600)
    revoked = _issue(service)
    service.revoke(number=revoked.number, reason="stolen", official=HANDHAVER)  # list signed with the stolen key

    drill.keys("issuer", "rotate", "--config", str(drill.config), "--iss", "GM0106", at=now - 3600)
    pas_keys("issuer", "remove-key", "--config", str(drill.config), "--kid", stolen_kid)
    drill.publish(now - 3600)
    app = create_app(drill.settings())
    try:
        client = app.test_client()
        store = _store(client)  # raises TrustError if the list is signed by the removed key
        assert store.revocations("GM0106") is not None
    finally:
        app.extensions["pas"].db.dispose()


def test_remove_key_refuses_an_unknown_or_malformed_kid(tmp_path, capsys) -> None:
    drill = Drill(tmp_path, "sqlite://", 0)
    anchor_key = drill.offline / "anchor.key"
    pas_keys("anchor", "create", "--passphrase-file", str(drill.anchor_pass), str(anchor_key))
    pas_keys("init-config", "--anchor", str(anchor_key), str(drill.config))
    assert pas_keys_cli.main(["issuer", "remove-key", "--config", str(drill.config), "--kid", "00" * 8]) == 2
    assert "no key 0000000000000000" in capsys.readouterr().err
    assert pas_keys_cli.main(["issuer", "remove-key", "--config", str(drill.config), "--kid", "xyz"]) == 2
    assert "16 hex characters" in capsys.readouterr().err


def test_remove_the_only_key_says_to_rotate(tmp_path) -> None:
    drill = Drill(tmp_path, "sqlite://", 0)
    anchor_key = drill.offline / "anchor.key"
    pas_keys("anchor", "create", "--passphrase-file", str(drill.anchor_pass), str(anchor_key))
    pas_keys("init-config", "--anchor", str(anchor_key), str(drill.config))
    drill.keys("issuer", "add", "--config", str(drill.config), "--iss", "GM0106",
               "--name", "Gemeente Assen", at=1_780_000_000)
    out = pas_keys("issuer", "remove-key", "--config", str(drill.config), "--kid",
                   drill.kid_of("GM0106", 0), "--now", "1780000100")
    assert "GM0106 has no key that signs now: pas-keys issuer rotate" in out
    out = drill.keys("issuer", "rotate", "--config", str(drill.config), "--iss", "GM0106", at=1_780_000_200)
    assert "new signing key" in out
