"""Key rotation, table-driven: which passes verify before and after a rotation.

Timeline: the first key K1 signs from T0; at R = T0 + 100 days GM0014 rotates to K2,
so K1 has exp = R (it stays listed) and K2 has nbf = R. Each row signs a pass with
one of the keys at ``iat`` and checks it at ``now`` against a trust list signed at
``now`` from the config.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from keys_support import DAY, ISSUER_PASSPHRASE, PASSPHRASE, T0, Setup, make_pass

import keys
from keys import trustconfig
from keys.keyfile import load_signing_key, read_public
from verifier import Status, TrustStore, verify
from verifier.format import DEFAULT_VALIDITY_SECONDS, decode_qr_text

R = T0 + 100 * DAY
V = DEFAULT_VALIDITY_SECONDS


@dataclass(frozen=True)
class Case:
    name: str
    key: str  # "old" or "new"
    iat: int
    now: int
    expect: Status
    old_listed: bool = True


CASES = [
    Case("old pass before rotation", "old", R - DAY, R + DAY, Status.VALID),
    Case("old pass issued at the rotation second", "old", R, R + DAY, Status.VALID),
    Case("old key used after rotation", "old", R + 1, R + DAY, Status.UNKNOWN_ISSUER),
    Case(
        "old key used long after rotation", "old", R + 50 * DAY, R + 60 * DAY, Status.UNKNOWN_ISSUER
    ),
    Case("new pass after rotation", "new", R + 1, R + DAY, Status.VALID),
    Case("new key backdated before rotation", "new", R - 1, R + DAY, Status.UNKNOWN_ISSUER),
    Case("old pass near the end of its validity", "old", R - DAY, R - DAY + V - 1, Status.VALID),
    Case(
        "old pass past its validity, key still listed", "old", R - DAY, R - DAY + V, Status.EXPIRED
    ),
    Case("old key on its last listed second", "old", R, R + V, Status.EXPIRED),
    Case(
        "old key dropped after exp + 730 days",
        "old",
        R,
        R + V + 1,
        Status.UNKNOWN_ISSUER,
        old_listed=False,
    ),
    Case(
        "new pass while old key is dropped",
        "new",
        R + 300 * DAY,
        R + V + 1,
        Status.VALID,
        old_listed=False,
    ),
]


@pytest.fixture
def rotated(setup: Setup) -> tuple[Setup, Path, Path]:
    old = setup.issuer_key
    info = trustconfig.rotate_issuer(setup.config, "GM0014", now=R, passphrase=ISSUER_PASSPHRASE)
    new = trustconfig.current_key_file(setup.config, "GM0014", R)
    assert read_public(new) == info
    return setup, old, new


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_rotation(rotated: tuple[Setup, Path, Path], case: Case) -> None:
    setup, old, new = rotated
    key = load_signing_key(old if case.key == "old" else new, ISSUER_PASSPHRASE)
    qr = make_pass(key, iat=case.iat)
    _, data = trustconfig.sign_trust_list(
        setup.config, setup.out, passphrase=PASSPHRASE, now=case.now
    )
    store = TrustStore.from_bytes(setup.anchor_pub(), data)
    kids = {e.kid for e in store.issuers}
    assert (read_public(old).kid in kids) is case.old_listed
    assert read_public(new).kid in kids
    assert verify(qr, store, now=case.now).status is case.expect


def test_new_passes_use_the_new_kid(rotated: tuple[Setup, Path, Path]) -> None:
    setup, old, new = rotated
    assert trustconfig.current_key_file(setup.config, "GM0014", R - 1) == old
    assert trustconfig.current_key_file(setup.config, "GM0014", R) == new
    signing = trustconfig.current_key_file(setup.config, "GM0014", R + 5)
    envelope, _ = decode_qr_text(make_pass(load_signing_key(signing, ISSUER_PASSPHRASE), iat=R + 5))
    assert envelope.kid == read_public(new).kid != read_public(old).kid


def test_config_after_rotation(rotated: tuple[Setup, Path, Path]) -> None:
    setup, old, new = rotated
    keys_ = json.loads(setup.config.read_text())["issuers"][0]["keys"]
    assert [(k["nbf"], k["exp"]) for k in keys_] == [
        (T0, R),
        (R, R + trustconfig.DEFAULT_KEY_LIFETIME_DAYS * DAY),
    ]
    assert new.parent == old.parent and new.name.startswith("GM0014-")
    assert new.stat().st_mode & 0o777 == 0o600


def test_rotate_twice(rotated: tuple[Setup, Path, Path]) -> None:
    setup, old, new = rotated
    R2 = R + 200 * DAY
    trustconfig.rotate_issuer(setup.config, "GM0014", now=R2, passphrase=ISSUER_PASSPHRASE)
    third = trustconfig.current_key_file(setup.config, "GM0014", R2)
    assert third not in (old, new)
    tl = trustconfig.build_trust_list(setup.config, now=R2, seq=1)
    assert [(e.nbf, e.exp) for e in tl.issuers][:2] == [(T0, R), (R, R2)]
    # Only the window of the key that was signing moved; history is untouched.


def test_rotate_with_no_current_key(setup: Setup) -> None:
    """A key that ran out is not shortened; the new key simply starts."""
    late = T0 + 500 * DAY  # past the first key's 395-day lifetime
    with pytest.raises(keys.ConfigError, match="no key that signs"):
        trustconfig.current_key_file(setup.config, "GM0014", late)
    trustconfig.rotate_issuer(setup.config, "GM0014", now=late, passphrase=ISSUER_PASSPHRASE)
    tl = trustconfig.build_trust_list(setup.config, now=late, seq=1)
    assert (tl.issuers[0].nbf, tl.issuers[0].exp) == (
        T0,
        T0 + trustconfig.DEFAULT_KEY_LIFETIME_DAYS * DAY,
    )
    trustconfig.current_key_file(setup.config, "GM0014", late)


def test_rotate_in_the_keys_first_second_refused(setup: Setup) -> None:
    with pytest.raises(keys.ConfigError, match="same second"):
        trustconfig.rotate_issuer(setup.config, "GM0014", now=T0, passphrase=ISSUER_PASSPHRASE)


def test_rotate_unknown_issuer(setup: Setup) -> None:
    with pytest.raises(keys.ConfigError, match="no issuer GM0106"):
        trustconfig.rotate_issuer(setup.config, "GM0106", now=R, passphrase=ISSUER_PASSPHRASE)


def test_rotate_into_key_dir(setup: Setup) -> None:
    key_dir = setup.dir / "elsewhere"
    trustconfig.rotate_issuer(
        setup.config,
        "GM0014",
        now=R,
        passphrase=ISSUER_PASSPHRASE,
        key_dir=key_dir,
        key_lifetime_days=30,
    )
    path = trustconfig.current_key_file(setup.config, "GM0014", R)
    assert path.parent == key_dir
    cfg = trustconfig.load_config(setup.config)
    ref = trustconfig.current_key_ref(cfg, "GM0014", R)
    assert ref.exp == R + 30 * DAY and ref.file == f"elsewhere/{path.name}"


def test_current_key_prefers_latest_nbf(setup: Setup) -> None:
    """A key published ahead of time takes over at its nbf, even with the old one unexpired."""
    from keys.keyfile import create_key

    future = setup.dir / "issuers" / "next.key"
    info = create_key(future, kind="issuer", iss="GM0014", passphrase=ISSUER_PASSPHRASE)
    doc = json.loads(setup.config.read_text())
    doc["issuers"][0]["keys"].append(
        {"file": "issuers/next.key", "pub": info.public_key.hex(), "nbf": R, "exp": R + 400 * DAY}
    )
    setup.config.write_text(json.dumps(doc))
    assert trustconfig.current_key_file(setup.config, "GM0014", R - 1) == setup.issuer_key
    assert trustconfig.current_key_file(setup.config, "GM0014", R) == future
