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


@pytest.fixture
def setup(tmp_path: Path) -> Setup:
    anchor = tmp_path / "anchor.key"
    create_key(anchor, kind="anchor", passphrase=PASSPHRASE)
    config = tmp_path / "trust.json"
    trustconfig.init_config(config, anchor=anchor)
    issuer_key, _ = trustconfig.add_issuer(
        config, iss="GM0014", name="Gemeente Groningen", now=T0, passphrase=ISSUER_PASSPHRASE
    )
    return Setup(tmp_path, anchor, config, issuer_key, tmp_path / "trust-list.cose")
