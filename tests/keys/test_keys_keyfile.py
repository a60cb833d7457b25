"""Encrypted key files: round trip, wrong passphrase, mode, tampering, no overwrite."""

from __future__ import annotations

import json
import stat
from collections.abc import Callable
from pathlib import Path

import nacl.signing
import pytest
from keys_support import PASSPHRASE, file_mode

import keys
from keys.keyfile import (
    KDF_PRESETS,
    KdfLimits,
    PublicKeyInfo,
    create_key,
    load_signing_key,
    new_key_file,
    read_public,
    resolve_kdf_limits,
)
from verifier.format import kid_for


def test_round_trip(tmp_path: Path) -> None:
    path = tmp_path / "issuer.key"
    info = create_key(path, kind="issuer", iss="GM0014", passphrase=PASSPHRASE)
    assert isinstance(info, PublicKeyInfo)
    assert info.kind == "issuer" and info.iss == "GM0014"
    assert len(info.public_key) == 32 and info.kid == kid_for(info.public_key)
    assert read_public(path) == info
    key = load_signing_key(path, PASSPHRASE)
    assert isinstance(key, nacl.signing.SigningKey)
    assert bytes(key.verify_key) == info.public_key
    signature = key.sign(b"hello").signature
    nacl.signing.VerifyKey(info.public_key).verify(b"hello", signature)


def test_anchor_has_no_iss(tmp_path: Path) -> None:
    info = create_key(tmp_path / "a.key", kind="anchor", passphrase=PASSPHRASE)
    assert info.kind == "anchor" and info.iss is None
    with pytest.raises(keys.KeyFileError):
        create_key(tmp_path / "b.key", kind="anchor", iss="GM0014", passphrase=PASSPHRASE)


@pytest.mark.parametrize(
    ("kind", "iss"),
    [("issuer", None), ("issuer", "Groningen"), ("issuer", "GM14"), ("root", None)],
)
def test_bad_kind_or_iss_refused(tmp_path: Path, kind: str, iss: str | None) -> None:
    with pytest.raises(keys.Error):
        create_key(tmp_path / "k.key", kind=kind, iss=iss, passphrase=PASSPHRASE)
    assert not (tmp_path / "k.key").exists()


def test_wrong_passphrase_refused(tmp_path: Path) -> None:
    path = tmp_path / "anchor.key"
    create_key(path, kind="anchor", passphrase=PASSPHRASE)
    with pytest.raises(keys.PassphraseError) as exc:
        load_signing_key(path, PASSPHRASE + "!")
    assert "wrong passphrase" in exc.value.diagnostics()
    assert isinstance(exc.value, keys.Error)


def test_passphrase_normalised(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    create_key(path, kind="anchor", passphrase="caf\u00e9 au lait")  # composed é
    load_signing_key(path, "cafe\u0301 au lait")  # decomposed: same passphrase


@pytest.mark.parametrize("passphrase", ["", "short"])
def test_weak_passphrase_refused(tmp_path: Path, passphrase: str) -> None:
    with pytest.raises(keys.PassphraseError):
        create_key(tmp_path / "k.key", kind="anchor", passphrase=passphrase)
    assert not (tmp_path / "k.key").exists()


def test_mode_0600_and_no_temp_files_left(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    create_key(path, kind="anchor", passphrase=PASSPHRASE)
    assert file_mode(path) == 0o600
    assert stat.S_ISREG(path.stat().st_mode)
    assert [p.name for p in tmp_path.iterdir()] == ["k.key"]


def test_mode_0600_despite_permissive_umask(tmp_path: Path) -> None:
    import os

    old = os.umask(0)
    try:
        path = tmp_path / "k.key"
        create_key(path, kind="anchor", passphrase=PASSPHRASE)
    finally:
        os.umask(old)
    assert file_mode(path) == 0o600


def test_refuses_to_overwrite(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    create_key(path, kind="anchor", passphrase=PASSPHRASE)
    before = path.read_bytes()
    with pytest.raises(keys.KeyExistsError):
        create_key(path, kind="anchor", passphrase=PASSPHRASE)
    assert path.read_bytes() == before
    other = tmp_path / "notes.txt"
    other.write_text("not a key")
    with pytest.raises(keys.KeyExistsError):
        create_key(other, kind="anchor", passphrase=PASSPHRASE)
    assert other.read_text() == "not a key"


def test_missing_directory(tmp_path: Path) -> None:
    with pytest.raises(keys.KeyFileError):
        create_key(tmp_path / "nope" / "k.key", kind="anchor", passphrase=PASSPHRASE)


def _swap(path: Path, **changes: object) -> None:
    doc = json.loads(path.read_text())
    doc.update(changes)
    path.write_text(json.dumps(doc))


def test_swapped_public_key_and_kid_refused(tmp_path: Path) -> None:
    """An attacker who swaps in their own public key (and its matching kid) is caught."""
    path = tmp_path / "k.key"
    create_key(path, kind="issuer", iss="GM0014", passphrase=PASSPHRASE)
    other = nacl.signing.SigningKey.generate().verify_key
    _swap(path, public_key=bytes(other).hex(), kid=kid_for(bytes(other)).hex())
    read_public(path)  # still well-formed, so it reads (unauthenticated) ...
    with pytest.raises(keys.PassphraseError):  # ... but it can never be used
        load_signing_key(path, PASSPHRASE)


def test_header_moved_between_files_refused(tmp_path: Path) -> None:
    a, b = tmp_path / "a.key", tmp_path / "b.key"
    create_key(a, kind="issuer", iss="GM0014", passphrase=PASSPHRASE)
    create_key(b, kind="issuer", iss="GM0014", passphrase=PASSPHRASE)
    doc_b = json.loads(b.read_text())
    _swap(a, public_key=doc_b["public_key"], kid=doc_b["kid"])
    with pytest.raises(keys.PassphraseError):
        load_signing_key(a, PASSPHRASE)


@pytest.mark.parametrize(
    "changes",
    [
        {"iss": "GM0106"},
        {"kind": "anchor", "iss": None},
        {"created": 1},
        {"kdf": "__lower_opslimit__"},
    ],
)
def test_altered_header_refused(tmp_path: Path, changes: dict[str, object]) -> None:
    path = tmp_path / "k.key"
    create_key(path, kind="issuer", iss="GM0014", passphrase=PASSPHRASE)
    if changes.get("kdf") == "__lower_opslimit__":
        kdf = json.loads(path.read_text())["kdf"]
        changes = {"kdf": {**kdf, "opslimit": kdf["opslimit"] + 1}}
    _swap(path, **changes)
    with pytest.raises(keys.PassphraseError):
        load_signing_key(path, PASSPHRASE)


def test_mismatched_kid_refused_without_passphrase(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    create_key(path, kind="anchor", passphrase=PASSPHRASE)
    _swap(path, kid="00" * 8)
    with pytest.raises(keys.KeyFileError):
        read_public(path)


@pytest.mark.parametrize(
    "content",
    [b"", b"not json", b"[]", b'{"format": "pas-key", "version": 2}', b"\xff\xfe"],
)
def test_garbage_files_refused(tmp_path: Path, content: bytes) -> None:
    path = tmp_path / "k.key"
    path.write_bytes(content)
    with pytest.raises(keys.KeyFileError):
        read_public(path)
    with pytest.raises(keys.KeyFileError):
        load_signing_key(path, PASSPHRASE)


def test_hostile_kdf_limits_refused_before_deriving(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    create_key(path, kind="anchor", passphrase=PASSPHRASE)
    doc = json.loads(path.read_text())
    doc["kdf"]["memlimit"] = 2**42
    path.write_text(json.dumps(doc))
    with pytest.raises(keys.KeyFileError, match="memlimit"):
        load_signing_key(path, PASSPHRASE)


def test_missing_file(tmp_path: Path) -> None:
    with pytest.raises(keys.KeyFileError, match="does not exist"):
        read_public(tmp_path / "nope.key")


def test_expected_kind_and_iss(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    create_key(path, kind="issuer", iss="GM0014", passphrase=PASSPHRASE)
    with pytest.raises(keys.KeyFileError):
        load_signing_key(path, PASSPHRASE, expect_kind="anchor")
    with pytest.raises(keys.KeyFileError):
        load_signing_key(path, PASSPHRASE, expect_iss="GM0106")


def test_kdf_limits(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    assert resolve_kdf_limits("interactive") == KDF_PRESETS["interactive"]
    monkeypatch.delenv("PAS_KDF_LIMITS")
    assert resolve_kdf_limits() == KDF_PRESETS["moderate"]
    assert KDF_PRESETS["moderate"].memlimit == 256 * 1024**2
    monkeypatch.setenv("PAS_KDF_LIMITS", "bogus")
    with pytest.raises(keys.KeyFileError):
        resolve_kdf_limits()
    custom = KdfLimits(opslimit=1, memlimit=8 * 1024**2)
    path = tmp_path / "k.key"
    create_key(path, kind="anchor", passphrase=PASSPHRASE, kdf_limits=custom)
    assert json.loads(path.read_text())["kdf"]["memlimit"] == custom.memlimit
    load_signing_key(path, PASSPHRASE)


def test_file_holds_no_plaintext_key(tmp_path: Path) -> None:
    path = tmp_path / "k.key"
    create_key(path, kind="anchor", passphrase=PASSPHRASE)
    seed = bytes(load_signing_key(path, PASSPHRASE))
    text = path.read_bytes()
    assert seed.hex().encode() not in text and seed not in text
    assert PASSPHRASE.encode() not in text


def test_new_key_file_names_by_kid(tmp_path: Path) -> None:
    path, info = new_key_file(
        None, kind="issuer", iss="GM0080", passphrase=PASSPHRASE, directory=tmp_path
    )
    assert path == tmp_path / f"GM0080-{info.kid.hex()}.key"
    assert read_public(path) == info


def test_passphrase_never_in_errors(tmp_path: Path) -> None:
    secret = "Zeer-Geheim-Wachtwoord-42"
    path = tmp_path / "k.key"
    create_key(path, kind="anchor", passphrase=secret)
    tries: list[Callable[[], object]] = [
        lambda: load_signing_key(path, secret + "x"),
        lambda: load_signing_key(path, secret, expect_kind="issuer"),
        lambda: create_key(path, kind="anchor", passphrase=secret),
        lambda: create_key(tmp_path / "x" / "k.key", kind="anchor", passphrase=secret),
    ]
    for attempt in tries:
        with pytest.raises(keys.Error) as exc:
            attempt()
        rendered = f"{exc.value!r} {exc.value} {exc.value.diagnostics()} {exc.value.__cause__!r}"
        assert secret not in rendered
