"""Helpers shared by the keys tests (a module name of its own, not "conftest")."""

from __future__ import annotations

import os
import secrets
import shutil
from dataclasses import dataclass
from pathlib import Path

import nacl.signing

from verifier import passnumber
from verifier.format import DEFAULT_VALIDITY_SECONDS, Pass

PASSPHRASE = "correct horse battery staple"
ISSUER_PASSPHRASE = "vier vrolijke vissen zwemmen"
T0 = 1_780_000_000  # 2026-05-28, the fixed clock of these tests
DAY = 86400


@dataclass
class Setup:
    """An anchor, a config with GM0014 and the paths around them."""

    dir: Path
    anchor: Path
    config: Path
    issuer_key: Path
    out: Path
    anchor_public_key: bytes

    def anchor_pub(self) -> bytes:
        return self.anchor_public_key

    def moved_to(self, directory: Path) -> Setup:
        """The same setup in a copy of its directory (key files keep their mode)."""
        shutil.copytree(self.dir, directory, dirs_exist_ok=True)
        return Setup(
            directory,
            directory / self.anchor.relative_to(self.dir),
            directory / self.config.relative_to(self.dir),
            directory / self.issuer_key.relative_to(self.dir),
            directory / self.out.relative_to(self.dir),
            self.anchor_public_key,
        )


def make_pass(key: nacl.signing.SigningKey, *, iat: int, iss: str = "GM0014") -> str:
    """A signed pass (QR text) issued at ``iat`` with the default validity."""
    return Pass(
        iss=iss,
        number=passnumber.new("GR"),
        category="raam",
        serial=secrets.token_bytes(16),
        iat=iat,
        nbf=iat,
        exp=iat + DEFAULT_VALIDITY_SECONDS,
        photo=b"\x00" * 100,
        photo_type="image/webp",
    ).sign(key)


def file_mode(path: Path) -> int:
    return os.stat(path).st_mode & 0o777
