"""Ed25519 private keys encrypted at rest with a passphrase.

A key file is a small JSON document (docs/keys.md)::

    {"format": "pas-key", "version": 1, "kind": "issuer", "iss": "GM0014",
     "kid": "<16 hex>", "public_key": "<64 hex>", "created": <unix>,
     "kdf": {"alg": "argon2id13", "opslimit": 3, "memlimit": 268435456, "salt": "<32 hex>"},
     "cipher": {"alg": "xchacha20poly1305-ietf", "nonce": "<48 hex>"},
     "ciphertext": "<96 hex>"}

The 32-byte Ed25519 seed is sealed with XChaCha20-Poly1305 under a key that
libsodium's Argon2id derives from the passphrase. Everything but the ciphertext
is the file's public header and is the AEAD's associated data, so no field of
it (kind, iss, public key, kid, KDF parameters) can be changed or swapped
without the passphrase being refused. The public header can be read without a
passphrase (:func:`read_public`); that read is not authenticated, which is why
everything that signs also decrypts and cross-checks.

Nothing in this module prints, logs or puts into an exception message the
passphrase or the seed.
"""

from __future__ import annotations

import json
import os
import re
import time
import unicodedata
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Final

import nacl.bindings
import nacl.exceptions
import nacl.pwhash.argon2id as argon2id
import nacl.signing
import nacl.utils

from verifier.format import PUBLIC_KEY_BYTES, kid_for

from ._fs import read_bytes, write_atomic
from .errors import Error, KeyExistsError, KeyFileError, PassphraseError

FORMAT: Final = "pas-key"
VERSION: Final = 1
KINDS: Final = ("anchor", "issuer")
KDF_ALG: Final = "argon2id13"
CIPHER_ALG: Final = "xchacha20poly1305-ietf"
MIN_PASSPHRASE_CHARS: Final = 8
#: The environment variable that picks the default KDF limits for new key files.
KDF_LIMITS_ENV: Final = "PAS_KDF_LIMITS"
#: A key file is a few hundred bytes; refuse to parse anything much bigger.
MAX_KEY_FILE_BYTES: Final = 16_384
#: Bounds accepted when *reading* a file, so a hostile file cannot ask for 4 TiB.
_MAX_OPSLIMIT: Final = 64
_MAX_MEMLIMIT: Final = 4 * 1024**3

# The CBS municipality code, as the wire format wants it in "iss" (verifier.format).
_ISS = re.compile(r"GM[0-9]{4}")
_HEX = re.compile(r"[0-9a-f]*")
_SEED_BYTES: Final = 32
_TAG_BYTES: Final = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_ABYTES
_NONCE_BYTES: Final = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
_AEAD_KEY_BYTES: Final = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_KEYBYTES
_HEADER_KEYS: Final = frozenset(
    {"format", "version", "kind", "iss", "kid", "public_key", "created", "kdf", "cipher"}
)


@dataclass(frozen=True, slots=True)
class KdfLimits:
    """Argon2id cost: passes over memory (opslimit) and memory in bytes (memlimit)."""

    opslimit: int
    memlimit: int

    def __post_init__(self) -> None:
        if not (argon2id.OPSLIMIT_MIN <= self.opslimit <= _MAX_OPSLIMIT):
            raise KeyFileError(f"Argon2id opslimit {self.opslimit} out of range")
        if not (argon2id.MEMLIMIT_MIN <= self.memlimit <= _MAX_MEMLIMIT):
            raise KeyFileError(f"Argon2id memlimit {self.memlimit} out of range")


#: libsodium's named Argon2id limits. "moderate" (3 passes, 256 MiB, ~0.5 s) is the default.
KDF_PRESETS: Final = {
    "interactive": KdfLimits(argon2id.OPSLIMIT_INTERACTIVE, argon2id.MEMLIMIT_INTERACTIVE),
    "moderate": KdfLimits(argon2id.OPSLIMIT_MODERATE, argon2id.MEMLIMIT_MODERATE),
    "sensitive": KdfLimits(argon2id.OPSLIMIT_SENSITIVE, argon2id.MEMLIMIT_SENSITIVE),
}


def resolve_kdf_limits(limits: str | KdfLimits | None = None) -> KdfLimits:
    """The limits for a new key file: explicit, else ``$PAS_KDF_LIMITS``, else moderate."""
    if isinstance(limits, KdfLimits):
        return limits
    name = limits if limits is not None else os.environ.get(KDF_LIMITS_ENV) or "moderate"
    try:
        return KDF_PRESETS[name.strip().lower()]
    except KeyError:
        raise KeyFileError(
            f"unknown KDF limits {name!r}; use one of {', '.join(KDF_PRESETS)}"
        ) from None


@dataclass(frozen=True, slots=True)
class PublicKeyInfo:
    """The public header of a key file. Contains nothing secret."""

    kind: str
    iss: str | None
    kid: bytes
    public_key: bytes
    created: int

    @property
    def kid_hex(self) -> str:
        return self.kid.hex()

    @property
    def public_key_hex(self) -> str:
        return self.public_key.hex()

    def to_json(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "iss": self.iss,
            "kid": self.kid.hex(),
            "public_key": self.public_key.hex(),
            "created": self.created,
        }


def _passphrase_bytes(passphrase: str | bytes, *, creating: bool) -> bytes:
    if isinstance(passphrase, str):
        # The same passphrase typed on different systems may arrive composed or not.
        raw = unicodedata.normalize("NFC", passphrase).encode("utf-8")
        length = len(passphrase)
    elif isinstance(passphrase, bytes | bytearray):
        raw = bytes(passphrase)
        length = len(raw)
    else:
        raise PassphraseError("the passphrase must be text")
    if not raw:
        raise PassphraseError("the passphrase is empty")
    if creating and length < MIN_PASSPHRASE_CHARS:
        raise PassphraseError(
            f"the passphrase is too short: use at least {MIN_PASSPHRASE_CHARS} characters"
        )
    return raw


def _check_iss(kind: str, iss: str | None) -> None:
    if kind not in KINDS:
        raise KeyFileError(f"kind must be one of {', '.join(KINDS)}, not {kind!r}")
    if kind == "issuer":
        if not isinstance(iss, str) or not _ISS.fullmatch(iss):
            raise KeyFileError("an issuer key needs an iss: the CBS municipality code, e.g. GM0014")
    elif iss is not None:
        raise KeyFileError("a trust anchor has no iss")


def _aad(header: dict[str, Any]) -> bytes:
    """The associated data: the canonical JSON of the whole public header."""
    return json.dumps(header, sort_keys=True, separators=(",", ":"), ensure_ascii=True).encode()


def _derive(passphrase: bytes, salt: bytes, limits: KdfLimits) -> bytes:
    try:
        return argon2id.kdf(
            _AEAD_KEY_BYTES,
            passphrase,
            salt,
            opslimit=limits.opslimit,
            memlimit=limits.memlimit,
        )
    except (nacl.exceptions.CryptoError, MemoryError) as exc:
        raise KeyFileError(f"the key derivation failed ({type(exc).__name__})") from None


def _encode(header: dict[str, Any], ciphertext: bytes) -> bytes:
    doc = {**header, "ciphertext": ciphertext.hex()}
    return (json.dumps(doc, indent=2, sort_keys=False) + "\n").encode()


def new_key_file(
    path: str | os.PathLike[str] | None,
    *,
    kind: str,
    passphrase: str | bytes,
    iss: str | None = None,
    kdf_limits: str | KdfLimits | None = None,
    directory: str | os.PathLike[str] | None = None,
    now: int | None = None,
) -> tuple[Path, PublicKeyInfo]:
    """Generate a key and write it encrypted; return where and its public info.

    Give ``path``, or ``directory`` to have the file named ``<iss>-<kid>.key``
    (``anchor-<kid>.key`` for an anchor) in it.
    """
    _check_iss(kind, iss)
    secret = _passphrase_bytes(passphrase, creating=True)
    limits = resolve_kdf_limits(kdf_limits)
    signing_key = nacl.signing.SigningKey.generate()
    public_key = bytes(signing_key.verify_key)
    kid = kid_for(public_key)
    if path is None:
        if directory is None:
            raise KeyFileError("give a path or a directory for the new key file")
        path = Path(directory) / f"{iss if kind == 'issuer' else 'anchor'}-{kid.hex()}.key"
    path = Path(path)
    created = int(time.time()) if now is None else int(now)
    salt = nacl.utils.random(argon2id.SALTBYTES)
    nonce = nacl.utils.random(_NONCE_BYTES)
    header: dict[str, Any] = {
        "format": FORMAT,
        "version": VERSION,
        "kind": kind,
        "iss": iss,
        "kid": kid.hex(),
        "public_key": public_key.hex(),
        "created": created,
        "kdf": {
            "alg": KDF_ALG,
            "opslimit": limits.opslimit,
            "memlimit": limits.memlimit,
            "salt": salt.hex(),
        },
        "cipher": {"alg": CIPHER_ALG, "nonce": nonce.hex()},
    }
    if os.path.lexists(path):  # before the slow KDF; write_atomic checks again
        raise KeyExistsError(f"{path} already exists; refusing to overwrite it")
    aead_key = _derive(secret, salt, limits)
    ciphertext = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        bytes(signing_key), _aad(header), nonce, aead_key
    )
    write_atomic(path, _encode(header, ciphertext), mode=0o600, overwrite=False)
    return path, PublicKeyInfo(kind, iss, kid, public_key, created)


def create_key(
    path: str | os.PathLike[str],
    *,
    kind: str,
    passphrase: str | bytes,
    iss: str | None = None,
    kdf_limits: str | KdfLimits | None = None,
) -> PublicKeyInfo:
    """Generate an Ed25519 key and write it to ``path`` (mode 0600), encrypted.

    ``kind`` is ``"anchor"`` or ``"issuer"``; an issuer key needs ``iss`` (e.g.
    ``"GM0014"``). An existing file is never overwritten. ``kdf_limits`` is a
    preset name (``interactive``, ``moderate``, ``sensitive``) or :class:`KdfLimits`;
    it defaults to ``$PAS_KDF_LIMITS`` or ``moderate``.
    """
    return new_key_file(path, kind=kind, passphrase=passphrase, iss=iss, kdf_limits=kdf_limits)[1]


# --- reading ----------------------------------------------------------------------


def _hex(value: Any, name: str, size: int, path: Path) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size or not _HEX.fullmatch(value):
        raise KeyFileError(f"{path}: {name} must be {2 * size} lowercase hex characters")
    return bytes.fromhex(value)


def _int(value: Any, name: str, path: Path) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise KeyFileError(f"{path}: {name} must be a non-negative integer")
    return value


@dataclass(frozen=True, slots=True)
class _Parsed:
    header: dict[str, Any]
    info: PublicKeyInfo
    limits: KdfLimits
    salt: bytes
    nonce: bytes
    ciphertext: bytes


def _parse(path: Path) -> _Parsed:
    data = read_bytes(path, "key file", MAX_KEY_FILE_BYTES)
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise KeyFileError(f"{path} is not a pas-keys key file (not JSON)") from None
    if not isinstance(doc, dict) or doc.get("format") != FORMAT:
        raise KeyFileError(f"{path} is not a pas-keys key file")
    if doc.get("version") != VERSION:
        raise KeyFileError(f"{path}: unsupported key file version {doc.get('version')!r}")
    if set(doc) != _HEADER_KEYS | {"ciphertext"}:
        raise KeyFileError(f"{path}: unexpected or missing fields in the key file")
    header = {k: doc[k] for k in _HEADER_KEYS}
    kind, iss = doc["kind"], doc["iss"]
    try:
        _check_iss(kind, iss)
    except KeyFileError as exc:
        raise KeyFileError(f"{path}: {exc}") from None
    public_key = _hex(doc["public_key"], "public_key", PUBLIC_KEY_BYTES, path)
    kid = _hex(doc["kid"], "kid", 8, path)
    if kid != kid_for(public_key):
        raise KeyFileError(f"{path}: kid does not match the public key (file altered?)")
    created = _int(doc["created"], "created", path)
    kdf, cipher = doc["kdf"], doc["cipher"]
    if not isinstance(kdf, dict) or set(kdf) != {"alg", "opslimit", "memlimit", "salt"}:
        raise KeyFileError(f"{path}: malformed kdf parameters")
    if kdf["alg"] != KDF_ALG:
        raise KeyFileError(f"{path}: unsupported KDF {kdf['alg']!r}")
    limits = KdfLimits(
        _int(kdf["opslimit"], "opslimit", path), _int(kdf["memlimit"], "memlimit", path)
    )
    salt = _hex(kdf["salt"], "salt", argon2id.SALTBYTES, path)
    if not isinstance(cipher, dict) or set(cipher) != {"alg", "nonce"}:
        raise KeyFileError(f"{path}: malformed cipher parameters")
    if cipher["alg"] != CIPHER_ALG:
        raise KeyFileError(f"{path}: unsupported cipher {cipher['alg']!r}")
    nonce = _hex(cipher["nonce"], "nonce", _NONCE_BYTES, path)
    ciphertext = _hex(doc["ciphertext"], "ciphertext", _SEED_BYTES + _TAG_BYTES, path)
    info = PublicKeyInfo(kind, iss, kid, public_key, created)
    return _Parsed(header, info, limits, salt, nonce, ciphertext)


def read_public(path: str | os.PathLike[str]) -> PublicKeyInfo:
    """The public header of a key file; needs no passphrase.

    Checks the file's shape and that the kid belongs to the public key, but a
    header read without the passphrase is not authenticated: anything that
    signs uses :func:`load_signing_key`, which is.
    """
    return _parse(Path(path)).info


def load_signing_key(
    path: str | os.PathLike[str],
    passphrase: str | bytes,
    *,
    expect_kind: str | None = None,
    expect_iss: str | None = None,
) -> nacl.signing.SigningKey:
    """Decrypt a key file. A wrong passphrase or an altered header raises PassphraseError."""
    path = Path(path)
    parsed = _parse(path)
    if expect_kind is not None and parsed.info.kind != expect_kind:
        raise KeyFileError(f"{path} is an {parsed.info.kind} key, not an {expect_kind} key")
    if expect_iss is not None and parsed.info.iss != expect_iss:
        raise KeyFileError(f"{path} is a key of {parsed.info.iss}, not of {expect_iss}")
    secret = _passphrase_bytes(passphrase, creating=False)
    aead_key = _derive(secret, parsed.salt, parsed.limits)
    try:
        seed = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            parsed.ciphertext, _aad(parsed.header), parsed.nonce, aead_key
        )
    except nacl.exceptions.CryptoError:
        raise PassphraseError(f"wrong passphrase for {path} (or its header was altered)") from None
    signing_key = nacl.signing.SigningKey(seed)
    if bytes(signing_key.verify_key) != parsed.info.public_key:
        raise KeyFileError(f"{path}: the private key does not match the public key")
    return signing_key


__all__ = [
    "KDF_PRESETS",
    "Error",
    "KdfLimits",
    "PublicKeyInfo",
    "create_key",
    "load_signing_key",
    "new_key_file",
    "read_public",
    "resolve_kdf_limits",
]
