"""Key custody for PAS1: encrypted key files, trust lists, rotation.

The service imports this API; the ``pas-keys`` CLI (:mod:`keys._cli`) drives it::

    info = create_key("anchor.key", kind="anchor", passphrase=pw)
    key = load_signing_key(current_key_file("trust.json", "GM0014", now), pw)
    trust_list, data = sign_trust_list("trust.json", "trust-list.cose", passphrase=pw, now=now)

See docs/keys.md. The wire format itself lives in :mod:`verifier.format`.
"""

from __future__ import annotations

from .errors import (
    ConfigError,
    Error,
    KeyExistsError,
    KeyFileError,
    ListError,
    PassphraseError,
    SeqError,
)
from .keyfile import (
    KDF_PRESETS,
    KdfLimits,
    PublicKeyInfo,
    create_key,
    load_signing_key,
    new_key_file,
    read_public,
    resolve_kdf_limits,
)
from .trustconfig import (
    IssuerConfig,
    KeyRef,
    TrustConfig,
    add_issuer,
    build_trust_list,
    current_key_file,
    current_key_ref,
    init_config,
    load_config,
    rotate_issuer,
    save_config,
    sign_revocations,
    sign_trust_list,
)

__all__ = [
    "KDF_PRESETS",
    "ConfigError",
    "Error",
    "IssuerConfig",
    "KdfLimits",
    "KeyExistsError",
    "KeyFileError",
    "KeyRef",
    "ListError",
    "PassphraseError",
    "PublicKeyInfo",
    "SeqError",
    "TrustConfig",
    "add_issuer",
    "build_trust_list",
    "create_key",
    "current_key_file",
    "current_key_ref",
    "init_config",
    "load_config",
    "load_signing_key",
    "new_key_file",
    "read_public",
    "resolve_kdf_limits",
    "rotate_issuer",
    "save_config",
    "sign_revocations",
    "sign_trust_list",
]
