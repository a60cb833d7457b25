"""One service for a region: Assen (GM0106) and Aa en Hunze (GM1680) under one trust anchor.

Both municipalities are in one signed trust list, each with its own issuer key, pass-number
prefix and categories ([issuer.GMxxxx] in pas.toml). Passes issued for both verify with one
TrustStore built from what the service publishes, and each municipality's revocation list
revokes only its own passes. Runs on SQLite and PostgreSQL.
"""

from __future__ import annotations

import json
import secrets
import shutil
import time
from pathlib import Path

import pytest

from keys import trustconfig
from keys.keyfile import load_signing_key, read_public
from tokenservice import config
from tokenservice.access import accounts
from tokenservice.issue.keyring import Keyring
from tokenservice.issue.passes import BadCategory, Official, PassService
from tokenservice.store.db import Database
from tokenservice.web import auth, intake_form
from tokenservice.web.app import create_app
from verifier import Status, TrustError, TrustStore, verify
from verifier.format import Category, RevocationList

PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")
ANCHOR_PASS = "the region's anchor passphrase"
ISSUER_PASS = "one passphrase for the service's issuer keys"
REGION = {"GM0106": ("Gemeente Assen", "AS"), "GM1680": ("Gemeente Aa en Hunze", "AH")}
AA_EN_HUNZE_CATEGORIES = [Category("inrichting", "Groen", "#2E9E4F")]


@pytest.fixture
def region(tmp_path: Path, migrated_database_url: str) -> config.Settings:
    """An instance with both municipalities, keys made as in docs/key-ceremony.md."""
    now = int(time.time())
    offline = tmp_path / "offline"
    offline.mkdir()
    anchor = offline / "anchor.key"
    from keys.keyfile import new_key_file

    new_key_file(anchor, kind="anchor", passphrase=ANCHOR_PASS, now=now)
    cfg = offline / "trust.json"
    trustconfig.init_config(cfg, anchor=anchor)
    trustconfig.add_issuer(cfg, iss="GM0106", name=REGION["GM0106"][0], now=now - 60,
                           passphrase=ISSUER_PASS)
    trustconfig.add_issuer(cfg, iss="GM1680", name=REGION["GM1680"][0], now=now - 60,
                           passphrase=ISSUER_PASS, categories=AA_EN_HUNZE_CATEGORIES)
    instance = tmp_path / "instance"
    keys = instance / "keys"
    keys.mkdir(parents=True, mode=0o700)
    trustconfig.sign_trust_list(cfg, keys / "trust-list.cose", passphrase=ANCHOR_PASS, now=now)
    (keys / "anchor.pub").write_text(read_public(anchor).public_key.hex() + "\n")
    shutil.copytree(offline / "issuers", keys / "issuers")
    sections = "".join(
        f'\n[issuer.{iss}]\nprefix = "{prefix}"\nhelp_contacts = [["GGD Drenthe", "088 246 0000"]]\n'
        for iss, (_, prefix) in REGION.items()
    )
    (instance / "pas.toml").write_text(
        f'secret_key = "{secrets.token_hex(32)}"\ndefault_issuer = "GM0106"\n{sections}'
    )
    return config.load(env={}, instance_dir=instance, database_url=migrated_database_url,
                       key_passphrase=ISSUER_PASS, secure_cookies=False)


def _published(client) -> tuple[TrustStore, dict[str, bytes]]:
    """What a verifier app fetches: anchor, trust list, issuers.json, one list per issuer."""
    anchor = client.get("/.well-known/pas/anchor.pub").data.decode().strip()
    trust_list = client.get("/.well-known/pas/trust-list.cose").data
    issuers = json.loads(client.get("/.well-known/pas/issuers.json").data)
    lists = {iss: client.get(f"/.well-known/pas/revocations/{iss}.cose").data for iss in issuers}
    return TrustStore.from_bytes(bytes.fromhex(anchor), trust_list, lists.values()), lists


def test_two_municipalities_one_trust_list_one_verifier(region: config.Settings) -> None:
    db = Database(region.database_url)
    keyring = Keyring(region.keys_dir, region.key_passphrase)
    passes = PassService(db, keyring, region)
    assert set(keyring.issuers) == set(REGION)

    assen = passes.issue(iss="GM0106", category="raam", photo=PHOTO, photo_type="image/webp",
                         official=INTAKE)
    assen_revoked = passes.issue(iss="GM0106", category="inrichting", photo=PHOTO,
                                 photo_type="image/webp", official=INTAKE)
    aa = passes.issue(iss="GM1680", category="inrichting", photo=PHOTO, photo_type="image/webp",
                      official=INTAKE)
    assert assen.number.startswith("AS-") and aa.number.startswith("AH-")
    assert (assen.issuer_name, aa.issuer_name) == (REGION["GM0106"][0], REGION["GM1680"][0])
    with pytest.raises(BadCategory):  # Aa en Hunze licenses no window prostitution here
        passes.issue(iss="GM1680", category="raam", photo=PHOTO, photo_type="image/webp",
                     official=INTAKE)
    passes.revoke(number=assen_revoked.number, reason="stolen", official=HANDHAVER)

    app = create_app(region)
    app.config.update(TESTING=True)
    try:
        client = app.test_client()
        assert json.loads(client.get("/.well-known/pas/issuers.json").data) == ["GM0106", "GM1680"]
        store, lists = _published(client)
        results = {card.number: verify(card.qr_text, store) for card in (assen, assen_revoked, aa)}
        assert results[assen.number].status is Status.VALID
        assert results[assen.number].issuer_name == "Gemeente Assen"
        assert results[aa.number].status is Status.VALID
        assert results[aa.number].issuer_name == "Gemeente Aa en Hunze"
        assert results[aa.number].category.code == "inrichting"
        assert results[assen_revoked.number].status is Status.REVOKED
        assert not any(v.warnings for n, v in results.items() if n != assen_revoked.number)

        # Each list is its own issuer's: signed with its key, naming only its passes.
        kids = {e.iss: e.kid for e in store.issuers}
        for iss, data in lists.items():
            envelope, rl = RevocationList.open(data)
            assert rl.iss == iss and envelope.kid == kids[iss]
        assert store.revocations("GM0106").serials == (assen_revoked.serial,)
        assert store.revocations("GM1680").serials == ()
    finally:
        app.extensions["pas"].db.dispose()
        db.dispose()


def test_one_municipality_cannot_revoke_the_others_passes(region: config.Settings) -> None:
    """A list for GM0106 signed with GM1680's key is refused by the verifier."""
    db = Database(region.database_url)
    passes = PassService(db, Keyring(region.keys_dir, region.key_passphrase), region)
    assen = passes.issue(iss="GM0106", category="raam", photo=PHOTO, photo_type="image/webp",
                         official=INTAKE)
    db.dispose()
    aa_key_file = next(region.keys_dir.glob("issuers/GM1680-*.key"))
    aa_key = load_signing_key(aa_key_file, ISSUER_PASS)
    now = int(time.time())
    forged = RevocationList.build(iss="GM0106", seq=99, iat=now, exp=now + 86400,
                                  serials=[assen.serial]).sign(aa_key)
    app = create_app(region)
    try:
        store, _ = _published(app.test_client())
        with pytest.raises(TrustError, match="signed by a key not listed for it"):
            store.with_revocations([forged])
        assert verify(assen.qr_text, store).status is Status.VALID
    finally:
        app.extensions["pas"].db.dispose()


def test_the_intake_offers_each_municipality(region: config.Settings) -> None:
    app = create_app(region)
    app.config.update(TESTING=True)
    try:
        svc = app.extensions["pas"]
        assert intake_form.issuers(svc) == ["GM0106", "GM1680"]
        assert intake_form.default_iss(svc) == "GM0106"
        with svc.db.transaction() as s:
            accounts.create(s, username="intake", role="intake", password=None, now=int(time.time()),
                            enrolled=True)
        client = app.test_client()
        with app.test_request_context(), svc.db.transaction() as s:
            account = accounts.find(s, "intake")
            fingerprint, account_id = auth._password_fingerprint(account), account.id
        now = int(time.time())
        with client.session_transaction() as sess:
            sess.update(authenticated=True, account_id=account_id, username="intake", role="intake",
                        pw=fingerprint, login_at=now, seen=now)
        page = client.get("/intake/new").get_data(as_text=True)
        assert "Gemeente Assen" in page and 'name="iss" value="GM0106"' in page
        page = client.get("/intake/new?iss=GM1680").get_data(as_text=True)
        assert "Gemeente Aa en Hunze" in page and 'name="iss" value="GM1680"' in page
        assert 'value="raam"' not in page  # only Aa en Hunze's categories
        other = client.get("/intake/new?iss=GM0014")  # not a municipality of this service
        assert other.status_code >= 400 and 'name="iss" value="GM0014"' not in other.get_data(as_text=True)
    finally:
        app.extensions["pas"].db.dispose()
