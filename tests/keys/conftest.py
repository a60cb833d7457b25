"""Fixtures for the keys tests: cheap Argon2id limits, no passphrase from the environment."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path

import pytest
from keys_support import ISSUER_PASSPHRASE, PASSPHRASE, T0, Setup

from keys import trustconfig
from keys.keyfile import create_key


@pytest.fixture(autouse=True)
def _cheap_kdf(monkeypatch: pytest.MonkeyPatch) -> Iterator[None]:
    monkeypatch.setenv("PAS_KDF_LIMITS", "interactive")
    monkeypatch.delenv("PAS_KEY_PASSPHRASE", raising=False)
    yield


@pytest.fixture(scope="session")
def _template(tmp_path_factory: pytest.TempPathFactory) -> Setup:
    """Made once (key derivation is the slow part); each test gets a copy."""
    base = tmp_path_factory.mktemp("keys-template")
    anchor = base / "anchor.key"
    info = create_key(anchor, kind="anchor", passphrase=PASSPHRASE, kdf_limits="interactive")
    config = base / "trust.json"
    trustconfig.init_config(config, anchor=anchor)
    issuer_key, _ = trustconfig.add_issuer(
        config,
        iss="GM0014",
        name="Gemeente Groningen",
        now=T0,
        passphrase=ISSUER_PASSPHRASE,
        kdf_limits="interactive",
    )
    return Setup(base, anchor, config, issuer_key, base / "trust-list.cose", info.public_key)


@pytest.fixture
def setup(_template: Setup, tmp_path: Path) -> Setup:
    """An anchor key, a config with GM0014 and its first key (nbf T0), in tmp_path/env."""
    return _template.moved_to(tmp_path / "env")
