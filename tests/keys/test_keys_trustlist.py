"""Trust lists from the config: signing, seq, config checks, revocation lists."""

from __future__ import annotations

import json
import secrets
from pathlib import Path

import pytest
from keys_support import DAY, ISSUER_PASSPHRASE, PASSPHRASE, T0, Setup, file_mode, make_pass

import keys
from keys import trustconfig
from keys.keyfile import create_key, load_signing_key, read_public
from verifier import Status, TrustError, TrustStore, verify
from verifier.format import DEFAULT_CATEGORIES, Category, RevocationList, TrustList


def test_signed_trust_list_verifies_against_anchor(setup: Setup) -> None:
    tl, data = trustconfig.sign_trust_list(
        setup.config, setup.out, passphrase=PASSPHRASE, now=T0 + 10
    )
    assert setup.out.read_bytes() == data
    assert file_mode(setup.out) == 0o644
    store = TrustStore.from_bytes(setup.anchor_pub(), data)
    assert store.trust_list == tl
    assert tl.seq == 1 and tl.iat == T0 + 10 and tl.exp == T0 + 10 + 30 * DAY
    (entry,) = tl.issuers
    info = read_public(setup.issuer_key)
    assert entry.iss == "GM0014" and entry.name == "Gemeente Groningen"
    assert entry.public_key == info.public_key and entry.kid == info.kid
    assert entry.nbf == T0 and entry.exp == T0 + trustconfig.DEFAULT_KEY_LIFETIME_DAYS * DAY
    assert entry.categories == DEFAULT_CATEGORIES
    key = load_signing_key(setup.issuer_key, ISSUER_PASSPHRASE)
    assert verify(make_pass(key, iat=T0 + 20), store, now=T0 + 30).status is Status.VALID


def test_other_anchor_does_not_verify(setup: Setup, tmp_path: Path) -> None:
    _, data = trustconfig.sign_trust_list(setup.config, setup.out, passphrase=PASSPHRASE, now=T0)
    other = create_key(tmp_path / "other.key", kind="anchor", passphrase=PASSPHRASE)
    with pytest.raises(TrustError):
        TrustStore.from_bytes(other.public_key, data)


def test_seq_increments_and_never_goes_back(setup: Setup) -> None:
    def sign(seq: int | None = None) -> int:
        tl, _ = trustconfig.sign_trust_list(
            setup.config, setup.out, passphrase=PASSPHRASE, now=T0, seq=seq
        )
        return tl.seq

    assert sign() == 1
    assert sign() == 2
    for lower in (0, 1, 2):
        with pytest.raises(keys.SeqError):
            sign(lower)
    assert TrustList.open(setup.out.read_bytes())[1].seq == 2  # untouched
    assert sign(10) == 10
    assert sign() == 11


def test_explicit_seq_without_previous(setup: Setup) -> None:
    tl, _ = trustconfig.sign_trust_list(
        setup.config, setup.out, passphrase=PASSPHRASE, now=T0, seq=500
    )
    assert tl.seq == 500


def test_unreadable_previous_output_refused(setup: Setup) -> None:
    setup.out.write_bytes(b"garbage")
    with pytest.raises(keys.SeqError, match="previous"):
        trustconfig.sign_trust_list(setup.config, setup.out, passphrase=PASSPHRASE, now=T0)
    assert setup.out.read_bytes() == b"garbage"


def test_wrong_anchor_passphrase_writes_nothing(setup: Setup) -> None:
    with pytest.raises(keys.PassphraseError):
        trustconfig.sign_trust_list(setup.config, setup.out, passphrase="wrong wrong", now=T0)
    assert not setup.out.exists()


def test_issuer_key_cannot_sign_trust_list(setup: Setup) -> None:
    doc = json.loads(setup.config.read_text())
    doc["anchor"] = str(setup.issuer_key)
    setup.config.write_text(json.dumps(doc))
    with pytest.raises(keys.KeyFileError, match="not an anchor"):
        trustconfig.sign_trust_list(setup.config, setup.out, passphrase=ISSUER_PASSPHRASE, now=T0)


def test_offline_anchor_machine_needs_no_issuer_key_files(setup: Setup) -> None:
    """The anchor's machine has the config (with pub) but not the issuers' key files."""
    info = read_public(setup.issuer_key)
    setup.issuer_key.unlink()
    tl, data = trustconfig.sign_trust_list(setup.config, setup.out, passphrase=PASSPHRASE, now=T0)
    assert tl.issuers[0].public_key == info.public_key
    TrustStore.from_bytes(setup.anchor_pub(), data)


def test_key_file_disagreeing_with_config_refused(setup: Setup, tmp_path: Path) -> None:
    other = tmp_path / "other.key"
    create_key(other, kind="issuer", iss="GM0014", passphrase=ISSUER_PASSPHRASE)
    setup.issuer_key.unlink()
    other.rename(setup.issuer_key)
    with pytest.raises(keys.ConfigError, match="differs"):
        trustconfig.build_trust_list(setup.config, now=T0, seq=1)


def test_key_without_pub_and_file_refused(setup: Setup) -> None:
    doc = json.loads(setup.config.read_text())
    key = doc["issuers"][0]["keys"][0]
    del key["pub"], key["kid"]
    setup.config.write_text(json.dumps(doc))
    trustconfig.build_trust_list(setup.config, now=T0, seq=1)  # reads the file
    setup.issuer_key.unlink()
    with pytest.raises(keys.ConfigError, match="missing"):
        trustconfig.build_trust_list(setup.config, now=T0, seq=1)


def test_hand_written_config_with_categories(tmp_path: Path) -> None:
    anchor = tmp_path / "anchor.key"
    create_key(anchor, kind="anchor", passphrase=PASSPHRASE)
    (tmp_path / "issuers").mkdir()
    k1 = create_key(
        tmp_path / "issuers" / "a.key", kind="issuer", iss="GM0106", passphrase=PASSPHRASE
    )
    config = tmp_path / "c.json"
    cats = [
        {"code": "raam", "label": "Wit", "color": "#FFFFFF"},
        {"code": "thuis", "label": "Thuiswerk", "color": "#3366CC"},
    ]
    config.write_text(
        json.dumps(
            {
                "anchor": "anchor.key",
                "issuers": [
                    {
                        "iss": "GM0106",
                        "name": "Gemeente Assen",
                        "categories": cats,
                        "keys": [{"file": "issuers/a.key", "nbf": T0, "exp": T0 + 100 * DAY}],
                    }
                ],
            }
        )
    )
    tl, _ = trustconfig.sign_trust_list(config, tmp_path / "tl", passphrase=PASSPHRASE, now=T0)
    assert tl.exp == T0 + 30 * DAY  # validity_days defaults to 30
    assert tl.issuers[0].kid == k1.kid
    assert tl.issuers[0].categories == tuple(Category.from_obj(c) for c in cats)


@pytest.mark.parametrize(
    ("edit", "message"),
    [
        (lambda d: d.update(extra=1), "unknown field"),
        (lambda d: d.pop("anchor"), "missing field"),
        (lambda d: d.update(validity_days=0), "validity_days"),
        (lambda d: d["issuers"][0].update(iss="Groningen"), "CBS municipality code"),
        (lambda d: d["issuers"].append(dict(d["issuers"][0])), "listed twice"),
        (lambda d: d["issuers"][0]["keys"][0].update(exp=0), "exp must be later"),
        (lambda d: d["issuers"][0]["keys"][0].update(nbf="soon"), "integer"),
        (lambda d: d["issuers"][0]["keys"][0].update(kid="00" * 8), "kid does not match"),
        (
            lambda d: d["issuers"][0].update(
                categories=[{"code": "raam", "label": "Wit", "color": "white"}]
            ),
            "categories",
        ),
        (lambda d: d["issuers"][0].update(categories=[]), "categories"),
    ],
)
def test_bad_config_refused(setup: Setup, edit, message: str) -> None:  # type: ignore[no-untyped-def]
    doc = json.loads(setup.config.read_text())
    edit(doc)
    setup.config.write_text(json.dumps(doc))
    with pytest.raises(keys.ConfigError, match=message):
        trustconfig.build_trust_list(setup.config, now=T0, seq=1)


def test_not_json_config(tmp_path: Path) -> None:
    (tmp_path / "c.json").write_text("{nope")
    with pytest.raises(keys.ConfigError, match="JSON"):
        trustconfig.load_config(tmp_path / "c.json")
    with pytest.raises(keys.ConfigError, match="does not exist"):
        trustconfig.load_config(tmp_path / "missing.json")


def test_init_config_checks_anchor_and_refuses_overwrite(setup: Setup, tmp_path: Path) -> None:
    with pytest.raises(keys.ConfigError, match="not a trust anchor"):
        trustconfig.init_config(tmp_path / "x.json", anchor=setup.issuer_key)
    before = setup.config.read_bytes()
    with pytest.raises(keys.KeyExistsError):
        trustconfig.init_config(setup.config, anchor=setup.anchor)
    assert setup.config.read_bytes() == before
    doc = json.loads(before)
    assert doc["anchor"] == "anchor.key"  # relative to the config
    assert doc["issuers"][0]["keys"][0]["file"].startswith("issuers/GM0014-")
    assert file_mode(setup.issuer_key) == 0o600


def test_add_issuer_twice_refused(setup: Setup) -> None:
    with pytest.raises(keys.ConfigError, match="already"):
        trustconfig.add_issuer(
            setup.config, iss="GM0014", name="Nog eens", now=T0, passphrase=ISSUER_PASSPHRASE
        )


def test_add_issuer_with_existing_key_and_categories(setup: Setup, tmp_path: Path) -> None:
    path = tmp_path / "leeuwarden.key"
    info = create_key(path, kind="issuer", iss="GM0080", passphrase=ISSUER_PASSPHRASE)
    cats = [Category("raam", "Wit", "#FFFFFF")]
    got, got_info = trustconfig.add_issuer(
        setup.config,
        iss="GM0080",
        name="Gemeente Leeuwarden",
        now=T0,
        key_file=path,
        categories=cats,
    )
    assert got == path and got_info == info
    tl = trustconfig.build_trust_list(setup.config, now=T0, seq=1)
    assert {e.iss for e in tl.issuers} == {"GM0014", "GM0080"}
    assert next(e for e in tl.issuers if e.iss == "GM0080").categories == tuple(cats)
    with pytest.raises(keys.ConfigError):  # the key of another municipality
        trustconfig.add_issuer(
            setup.config, iss="GM0106", name="Gemeente Assen", now=T0, key_file=path
        )


# --- revocation lists -------------------------------------------------------------


def test_revocation_list_signed_and_honoured(setup: Setup, tmp_path: Path) -> None:
    _, tl_bytes = trustconfig.sign_trust_list(
        setup.config, setup.out, passphrase=PASSPHRASE, now=T0
    )
    key = load_signing_key(setup.issuer_key, ISSUER_PASSPHRASE)
    qr = make_pass(key, iat=T0 + 1)
    from verifier.format import decode_qr_text

    serial = decode_qr_text(qr)[1].serial
    text = f"# drill\n{secrets.token_hex(16)}\n\n{serial.hex()}  # the lost card\n"
    serials = trustconfig.parse_serials(text, "serials.txt")
    out = tmp_path / "GM0014.rev"
    rl, data = trustconfig.sign_revocations(
        setup.issuer_key,
        out,
        passphrase=ISSUER_PASSPHRASE,
        iss="GM0014",
        serials=serials,
        now=T0 + 2,
    )
    assert rl.seq == 1 and rl.exp == T0 + 2 + 7 * DAY and serial in rl.serials
    store = TrustStore.from_bytes(setup.anchor_pub(), tl_bytes, [data])
    assert verify(qr, store, now=T0 + 3).status is Status.REVOKED
    rl2, _ = trustconfig.sign_revocations(
        setup.issuer_key,
        out,
        passphrase=ISSUER_PASSPHRASE,
        iss="GM0014",
        serials=[],
        now=T0 + 4,
    )
    assert rl2.seq == 2
    with pytest.raises(keys.SeqError):
        trustconfig.sign_revocations(
            setup.issuer_key,
            out,
            passphrase=ISSUER_PASSPHRASE,
            iss="GM0014",
            serials=[],
            now=T0 + 4,
            seq=2,
        )
    assert RevocationList.open(out.read_bytes())[1].seq == 2


def test_revocation_list_needs_the_issuers_own_key(setup: Setup, tmp_path: Path) -> None:
    with pytest.raises(keys.KeyFileError):
        trustconfig.sign_revocations(
            setup.issuer_key,
            tmp_path / "r",
            passphrase=ISSUER_PASSPHRASE,
            iss="GM0106",
            serials=[],
            now=T0,
        )
    with pytest.raises(keys.KeyFileError):
        trustconfig.sign_revocations(
            setup.anchor,
            tmp_path / "r",
            passphrase=PASSPHRASE,
            iss="GM0014",
            serials=[],
            now=T0,
        )


@pytest.mark.parametrize("line", ["abc", "zz" * 16, "00" * 15, "00" * 17])
def test_bad_serials_refused(line: str) -> None:
    with pytest.raises(keys.ConfigError, match=r"serials\.txt:2"):
        trustconfig.parse_serials(f"{'00' * 16}\n{line}\n", "serials.txt")
