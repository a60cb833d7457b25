"""The trust-list config: which issuers and keys a trust anchor vouches for.

A small JSON file, meant to be edited by ``pas-keys`` and read by people::

    {"anchor": "anchor.key",
     "validity_days": 30,
     "issuers": [
       {"iss": "GM0014", "name": "Gemeente Groningen",
        "categories": [{"code": "raam", "label": "Wit", "color": "#FFFFFF"}, ...],
        "keys": [{"file": "issuers/GM0014-<kid>.key", "kid": "<hex>", "pub": "<hex>",
                  "nbf": 1767225600, "exp": 1801353600}]}]}

File names are relative to the config file. ``categories`` may be left out
(the Groningen defaults, :data:`verifier.format.DEFAULT_CATEGORIES`). In a key
entry ``kid`` and ``pub`` are optional but the tools always write them: the
offline machine that holds the anchor needs only this config, not the issuer
key files, to sign a trust list. When a key file is present it is read and must
agree with them.

A key signs passes issued in ``nbf <= iat < exp``; the trust list keeps it until
``exp`` plus the longest pass validity (730 days) has passed, because passes it
signed stay valid that long.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from pathlib import Path
from typing import Any, Final

import nacl.signing

from verifier.errors import Error as VerifierError
from verifier.format import (
    DEFAULT_CATEGORIES,
    DEFAULT_VALIDITY_SECONDS,
    PUBLIC_KEY_BYTES,
    Category,
    IssuerEntry,
    RevocationList,
    TrustList,
    kid_for,
)
from verifier.trust import TrustStore

from ._fs import read_bytes, write_atomic
from .errors import ConfigError, KeyExistsError, KeyFileError, ListError, SeqError
from .keyfile import KdfLimits, PublicKeyInfo, load_signing_key, new_key_file, read_public

DAY: Final = 86400
#: A new issuer key signs for a year plus a month of overlap for a planned rotation.
DEFAULT_KEY_LIFETIME_DAYS: Final = 365 + 30
#: How long a signed trust list is good for before verifiers warn it is stale.
DEFAULT_LIST_VALIDITY_DAYS: Final = 30
#: How long a signed revocation list is good for.
DEFAULT_REVOCATION_VALIDITY_DAYS: Final = 7
MAX_CONFIG_BYTES: Final = 4_000_000

_ISS = re.compile(r"GM[0-9]{4}")
_HEX = re.compile(r"[0-9a-f]*")
_TOP_KEYS: Final = frozenset({"anchor", "validity_days", "issuers"})
_ISSUER_KEYS: Final = frozenset({"iss", "name", "categories", "keys"})
_KEY_KEYS: Final = frozenset({"file", "kid", "pub", "nbf", "exp"})


# --- the config -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class KeyRef:
    """One issuer key in the config: its file and the window in which it signs."""

    file: str
    nbf: int
    exp: int
    kid: bytes | None = None
    public_key: bytes | None = None

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"file": self.file}
        if self.kid is not None:
            obj["kid"] = self.kid.hex()
        if self.public_key is not None:
            obj["pub"] = self.public_key.hex()
        obj["nbf"] = self.nbf
        obj["exp"] = self.exp
        return obj


@dataclass(frozen=True, slots=True)
class IssuerConfig:
    """A municipality: its iss code, name, categories (None = defaults) and keys."""

    iss: str
    name: str
    categories: tuple[Category, ...] | None = None
    keys: tuple[KeyRef, ...] = ()

    @property
    def effective_categories(self) -> tuple[Category, ...]:
        return DEFAULT_CATEGORIES if self.categories is None else self.categories

    def to_json(self) -> dict[str, Any]:
        obj: dict[str, Any] = {"iss": self.iss, "name": self.name}
        if self.categories is not None:
            obj["categories"] = [c.to_obj() for c in self.categories]
        obj["keys"] = [k.to_json() for k in self.keys]
        return obj


@dataclass(frozen=True, slots=True)
class TrustConfig:
    """A loaded config. ``path`` is where it lives; relative file names resolve from there."""

    path: Path
    anchor: str
    validity_days: int = DEFAULT_LIST_VALIDITY_DAYS
    issuers: tuple[IssuerConfig, ...] = field(default=())

    def resolve(self, name: str) -> Path:
        p = Path(name)
        return p if p.is_absolute() else self.path.parent / p

    @property
    def anchor_path(self) -> Path:
        return self.resolve(self.anchor)

    def issuer(self, iss: str) -> IssuerConfig:
        for i in self.issuers:
            if i.iss == iss:
                return i
        raise ConfigError(f"{self.path}: no issuer {iss} in the config")

    def with_issuer(self, issuer: IssuerConfig) -> TrustConfig:
        """A copy with ``issuer`` replacing the one with its iss (or appended)."""
        issuers = [i for i in self.issuers if i.iss != issuer.iss]
        if len(issuers) == len(self.issuers):
            issuers.append(issuer)
        else:
            issuers = [issuer if i.iss == issuer.iss else i for i in self.issuers]
        return replace(self, issuers=tuple(issuers))

    def to_json(self) -> dict[str, Any]:
        return {
            "anchor": self.anchor,
            "validity_days": self.validity_days,
            "issuers": [i.to_json() for i in self.issuers],
        }


def _int(value: Any, where: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < 2**63:
        raise ConfigError(f"{where} must be a non-negative integer")
    return value


def _text(value: Any, where: str) -> str:
    if not isinstance(value, str) or not value:
        raise ConfigError(f"{where} must be non-empty text")
    return value


def _hex(value: Any, where: str, size: int) -> bytes:
    if not isinstance(value, str) or len(value) != 2 * size or not _HEX.fullmatch(value.lower()):
        raise ConfigError(f"{where} must be {2 * size} hex characters")
    return bytes.fromhex(value)


def _keys_of(obj: Any, allowed: frozenset[str], required: set[str], where: str) -> dict[str, Any]:
    if not isinstance(obj, dict):
        raise ConfigError(f"{where} must be a JSON object")
    unknown = set(obj) - allowed
    if unknown:
        raise ConfigError(f"{where}: unknown field(s) {', '.join(sorted(unknown))}")
    missing = required - set(obj)
    if missing:
        raise ConfigError(f"{where}: missing field(s) {', '.join(sorted(missing))}")
    return obj


def parse_config(doc: Any, path: Path) -> TrustConfig:
    """Check a decoded config document; every problem is a ConfigError naming its place."""
    top = _keys_of(doc, _TOP_KEYS, {"anchor", "issuers"}, str(path))
    anchor = _text(top["anchor"], f"{path}: anchor")
    validity_days = _int(top.get("validity_days", DEFAULT_LIST_VALIDITY_DAYS), "validity_days")
    if not 1 <= validity_days <= 366:
        raise ConfigError(f"{path}: validity_days must be 1 to 366")
    if not isinstance(top["issuers"], list):
        raise ConfigError(f"{path}: issuers must be a list")
    issuers: list[IssuerConfig] = []
    seen_iss: set[str] = set()
    seen_kids: set[bytes] = set()
    for n, raw in enumerate(top["issuers"]):
        where = f"{path}: issuers[{n}]"
        obj = _keys_of(raw, _ISSUER_KEYS, {"iss", "name", "keys"}, where)
        iss = _text(obj["iss"], f"{where}.iss")
        if not _ISS.fullmatch(iss):
            raise ConfigError(f"{where}.iss must be a CBS municipality code like GM0014")
        if iss in seen_iss:
            raise ConfigError(f"{where}: issuer {iss} is listed twice")
        seen_iss.add(iss)
        name = _text(obj["name"], f"{where}.name")
        categories: tuple[Category, ...] | None = None
        if "categories" in obj:
            if not isinstance(obj["categories"], list):
                raise ConfigError(f"{where}.categories must be a list")
            try:
                categories = tuple(Category.from_obj(c) for c in obj["categories"])
            except (VerifierError, TypeError) as exc:
                raise ConfigError(f"{where}.categories: {exc}") from None
        if not isinstance(obj["keys"], list):
            raise ConfigError(f"{where}.keys must be a list")
        keys: list[KeyRef] = []
        for m, kraw in enumerate(obj["keys"]):
            kwhere = f"{where}.keys[{m}]"
            k = _keys_of(kraw, _KEY_KEYS, {"file", "nbf", "exp"}, kwhere)
            ref = KeyRef(
                file=_text(k["file"], f"{kwhere}.file"),
                nbf=_int(k["nbf"], f"{kwhere}.nbf"),
                exp=_int(k["exp"], f"{kwhere}.exp"),
                kid=_hex(k["kid"], f"{kwhere}.kid", 8) if "kid" in k else None,
                public_key=_hex(k["pub"], f"{kwhere}.pub", PUBLIC_KEY_BYTES)
                if "pub" in k
                else None,
            )
            if ref.exp <= ref.nbf:
                raise ConfigError(f"{kwhere}: exp must be later than nbf")
            if ref.public_key is not None:
                if ref.kid is not None and ref.kid != kid_for(ref.public_key):
                    raise ConfigError(f"{kwhere}: kid does not match pub")
                ref = replace(ref, kid=kid_for(ref.public_key))
            if ref.kid is not None:
                if ref.kid in seen_kids:
                    raise ConfigError(f"{kwhere}: key {ref.kid.hex()} is listed twice")
                seen_kids.add(ref.kid)
            keys.append(ref)
        issuers.append(IssuerConfig(iss, name, categories, tuple(keys)))
    return TrustConfig(path, anchor, validity_days, tuple(issuers))


def load_config(path: str | os.PathLike[str]) -> TrustConfig:
    """Read and check a config file."""
    path = Path(path)
    try:
        data = read_bytes(path, "config", MAX_CONFIG_BYTES)
    except KeyFileError as exc:
        raise ConfigError(str(exc)) from None
    try:
        doc = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ConfigError(f"{path} is not valid JSON: {exc}") from None
    return parse_config(doc, path)


def save_config(config: TrustConfig, *, overwrite: bool = True) -> None:
    """Write the config atomically (it holds nothing secret: mode 0644)."""
    text = json.dumps(config.to_json(), indent=2, ensure_ascii=False) + "\n"
    try:
        write_atomic(config.path, text.encode(), mode=0o644, overwrite=overwrite)
    except KeyExistsError:
        raise
    except KeyFileError as exc:
        raise ConfigError(str(exc)) from None


def _as_config(config: TrustConfig | str | os.PathLike[str]) -> TrustConfig:
    return config if isinstance(config, TrustConfig) else load_config(config)


def _relative(path: Path, base: Path) -> str:
    """``path`` relative to the config's directory when it is inside it, else absolute."""
    absolute = Path(os.path.abspath(path))
    try:
        return absolute.relative_to(Path(os.path.abspath(base))).as_posix()
    except ValueError:
        return str(absolute)


# --- editing ----------------------------------------------------------------------


def init_config(
    path: str | os.PathLike[str],
    *,
    anchor: str | os.PathLike[str],
    validity_days: int = DEFAULT_LIST_VALIDITY_DAYS,
) -> TrustConfig:
    """Start a config for the anchor key file ``anchor`` (a path as seen from here).

    The anchor file must exist and be an anchor key; the config is never
    overwritten.
    """
    path = Path(path)
    info = read_public(anchor)
    if info.kind != "anchor":
        raise ConfigError(f"{anchor} is an {info.kind} key, not a trust anchor")
    config = parse_config(
        {
            "anchor": _relative(Path(anchor), path.parent),
            "validity_days": validity_days,
            "issuers": [],
        },
        path,
    )
    save_config(config, overwrite=False)
    return config


def _key_ref(config: TrustConfig, path: Path, info: PublicKeyInfo, nbf: int, exp: int) -> KeyRef:
    return KeyRef(
        file=_relative(path, config.path.parent),
        nbf=nbf,
        exp=exp,
        kid=info.kid,
        public_key=info.public_key,
    )


def _key_dir(config: TrustConfig, key_dir: str | os.PathLike[str] | None) -> Path:
    directory = Path(key_dir) if key_dir is not None else config.path.parent / "issuers"
    if not directory.exists():
        try:
            directory.mkdir(mode=0o700, parents=True)
        except OSError as exc:
            raise ConfigError(f"cannot create {directory}: {exc.strerror}") from None
    return directory


def add_issuer(
    config_path: str | os.PathLike[str],
    *,
    iss: str,
    name: str,
    now: int,
    passphrase: str | bytes | None = None,
    key_file: str | os.PathLike[str] | None = None,
    categories: Sequence[Category] | None = None,
    key_dir: str | os.PathLike[str] | None = None,
    key_lifetime_days: int = DEFAULT_KEY_LIFETIME_DAYS,
    kdf_limits: str | KdfLimits | None = None,
) -> tuple[Path, PublicKeyInfo]:
    """Add an issuer with its first key, signing from ``now`` for ``key_lifetime_days``.

    Creates a new key file ``<key_dir>/<iss>-<kid>.key`` (default key_dir:
    ``issuers/`` beside the config) with ``passphrase``, or takes the existing
    issuer key ``key_file``. Returns the key file and its public info.
    """
    config = load_config(config_path)
    if any(i.iss == iss for i in config.issuers):
        raise ConfigError(f"{config.path}: issuer {iss} is already in the config")
    if not _ISS.fullmatch(iss or ""):
        raise ConfigError("iss must be a CBS municipality code like GM0014")
    if not isinstance(name, str) or not name.strip():
        raise ConfigError("the issuer needs a name, e.g. 'Gemeente Groningen'")
    cats = None if categories is None else tuple(categories)
    try:  # check name and categories the way the trust list will, before making a key
        IssuerEntry(iss, name, b"\0" * 32, 0, 1, cats or DEFAULT_CATEGORIES)
    except VerifierError as exc:
        raise ConfigError(f"issuer {iss}: {exc}") from None
    if key_lifetime_days < 1:
        raise ConfigError("key lifetime must be at least one day")
    if key_file is not None:
        path = Path(key_file)
        info = read_public(path)
        if info.kind != "issuer" or info.iss != iss:
            raise ConfigError(f"{path} is not an issuer key of {iss}")
        if any(k.kid == info.kid for i in config.issuers for k in i.keys):
            raise ConfigError(f"key {info.kid.hex()} is already in the config")
    else:
        if passphrase is None:
            raise ConfigError("a passphrase for the new issuer key is needed")
        path, info = _new_issuer_key_file(iss, passphrase, kdf_limits, _key_dir(config, key_dir), now)
    ref = _key_ref(config, path, info, now, now + key_lifetime_days * DAY)
    save_config(config.with_issuer(IssuerConfig(iss, name.strip(), cats, (ref,))))
    return path, info


def _new_issuer_key_file(
    iss: str,
    passphrase: str | bytes,
    kdf_limits: str | KdfLimits | None,
    directory: Path,
    now: int,
) -> tuple[Path, PublicKeyInfo]:
    """A new issuer key file ``<directory>/<iss>-<kid>.key`` (for adding and rotating)."""
    return new_key_file(
        None,
        kind="issuer",
        iss=iss,
        passphrase=passphrase,
        kdf_limits=kdf_limits,
        directory=directory,
        now=now,
    )


def current_key_ref(config: TrustConfig, iss: str, now: int) -> KeyRef:
    """The key that signs for ``iss`` at ``now``: nbf <= now < exp, the latest nbf."""
    issuer = config.issuer(iss)
    live = [k for k in issuer.keys if k.nbf <= now < k.exp]
    if not live:
        raise ConfigError(
            f"{config.path}: {iss} has no key that signs at {now}; add or rotate a key"
        )
    return max(live, key=lambda k: k.nbf)


def current_key_file(config: TrustConfig | str | os.PathLike[str], iss: str, now: int) -> Path:
    """The key file the service should sign ``iss``'s passes with at time ``now``."""
    cfg = _as_config(config)
    return cfg.resolve(current_key_ref(cfg, iss, now).file)


def rotate_issuer(
    config_path: str | os.PathLike[str],
    iss: str,
    *,
    now: int,
    passphrase: str | bytes,
    key_lifetime_days: int = DEFAULT_KEY_LIFETIME_DAYS,
    key_dir: str | os.PathLike[str] | None = None,
    kdf_limits: str | KdfLimits | None = None,
) -> PublicKeyInfo:
    """Give ``iss`` a new signing key from ``now``; the current key stops signing at ``now``.

    The old key stays in the config (and so in trust lists) with ``exp = now``, so
    the passes it signed keep verifying until they expire. The new key file goes
    beside the current one (or into ``key_dir``). Returns the new key's public info.
    """
    config = load_config(config_path)
    issuer = config.issuer(iss)
    if key_lifetime_days < 1:
        raise ConfigError("key lifetime must be at least one day")
    try:
        current: KeyRef | None = current_key_ref(config, iss, now)
    except ConfigError:
        current = None
    if current is not None and current.nbf >= now:
        raise ConfigError(
            f"the current key of {iss} only starts signing at {current.nbf}; "
            "rotate after that, not in the same second"
        )
    if key_dir is None and current is not None:
        directory = config.resolve(current.file).parent
    else:
        directory = _key_dir(config, key_dir)
    path, info = _new_issuer_key_file(iss, passphrase, kdf_limits, directory, now)
    keys = [replace(k, exp=now) if k is current else k for k in issuer.keys]
    keys.append(_key_ref(config, path, info, now, now + key_lifetime_days * DAY))
    save_config(config.with_issuer(replace(issuer, keys=tuple(keys))))
    return info


def remove_key(config_path: str | os.PathLike[str], kid: bytes) -> tuple[str, KeyRef]:
    """Take the key ``kid`` out of the config (a stolen or lost key); returns its iss and entry.

    The next signed trust list no longer lists it, so every pass it signed verifies as
    UNKNOWN_ISSUER. The key file is left alone (delete it from the server yourself).
    """
    config = load_config(config_path)
    for issuer in config.issuers:
        for ref in issuer.keys:
            ref_kid = ref.kid
            if ref_kid is None:
                path = config.resolve(ref.file)
                ref_kid = read_public(path).kid if path.exists() else None
            if ref_kid == kid:
                kept = tuple(k for k in issuer.keys if k is not ref)
                save_config(config.with_issuer(replace(issuer, keys=kept)))
                return issuer.iss, ref
    raise ConfigError(f"{config.path}: no key {kid.hex()} in the config")


# --- the trust list ---------------------------------------------------------------


def _public_key_of(config: TrustConfig, issuer: IssuerConfig, ref: KeyRef) -> bytes:
    path = config.resolve(ref.file)
    if not path.exists():
        if ref.public_key is None:
            raise ConfigError(
                f"{config.path}: key file {ref.file} of {issuer.iss} is missing "
                "and the config has no pub for it"
            )
        return ref.public_key
    info = read_public(path)
    if info.kind != "issuer" or info.iss != issuer.iss:
        raise ConfigError(f"{path} is not an issuer key of {issuer.iss}")
    if ref.public_key is not None and ref.public_key != info.public_key:
        raise ConfigError(f"{path}: its public key differs from the pub in the config")
    if ref.kid is not None and ref.kid != info.kid:
        raise ConfigError(f"{path}: its kid differs from the kid in the config")
    return info.public_key


def is_retired(ref: KeyRef, now: int) -> bool:
    """Whether every pass this key can have signed has expired by ``now``."""
    return ref.exp + DEFAULT_VALIDITY_SECONDS < now


def build_trust_list(
    config: TrustConfig | str | os.PathLike[str], *, now: int, seq: int
) -> TrustList:
    """The (unsigned) trust list for ``config`` at ``now``, valid for validity_days.

    Keys whose passes have all expired (exp + 730 days in the past) are left out.
    """
    cfg = _as_config(config)
    entries: list[IssuerEntry] = []
    for issuer in cfg.issuers:
        for ref in issuer.keys:
            if is_retired(ref, now):
                continue
            try:
                entries.append(
                    IssuerEntry(
                        iss=issuer.iss,
                        name=issuer.name,
                        public_key=_public_key_of(cfg, issuer, ref),
                        nbf=ref.nbf,
                        exp=ref.exp,
                        categories=issuer.effective_categories,
                    )
                )
            except VerifierError as exc:
                raise ConfigError(f"{cfg.path}: issuer {issuer.iss}: {exc}") from None
    try:
        return TrustList(
            seq=seq, iat=now, exp=now + cfg.validity_days * DAY, issuers=tuple(entries)
        )
    except VerifierError as exc:
        raise ConfigError(f"{cfg.path}: {exc}") from None


def previous_seq(out: str | os.PathLike[str], kind: str = "trust list") -> int | None:
    """The seq of the signed list already at ``out``, or None when there is none."""
    path = Path(out)
    if not path.exists():
        return None
    try:
        data = read_bytes(path, f"previous {kind}")
    except KeyFileError as exc:
        raise SeqError(str(exc)) from None
    try:
        if kind == "trust list":
            return TrustList.open(data)[1].seq
        return RevocationList.open(data)[1].seq
    except VerifierError as exc:
        raise SeqError(
            f"cannot read the previous {kind} {path} ({exc}); move it away and "
            "give a seq higher than any published"
        ) from None


def next_seq(previous: int | None, requested: int | None, what: str) -> int:
    """``requested`` if it moves forward, else the previous seq + 1 (or 1)."""
    if requested is None:
        return 1 if previous is None else previous + 1
    if requested < 0:
        raise SeqError("seq must not be negative")
    if previous is not None and requested <= previous:
        raise SeqError(
            f"seq {requested} is not higher than the previous {what}'s seq {previous}; "
            "verifiers would refuse it as a rollback"
        )
    return requested


def sign_trust_list(
    config: TrustConfig | str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    passphrase: str | bytes,
    now: int,
    seq: int | None = None,
) -> tuple[TrustList, bytes]:
    """Build, sign with the anchor, self-check and write the trust list to ``out``.

    ``seq`` defaults to the seq of the list already at ``out`` plus one; an
    explicit ``seq`` must be higher than it.
    """
    cfg = _as_config(config)
    seq = next_seq(previous_seq(out), seq, "trust list")
    trust_list = build_trust_list(cfg, now=now, seq=seq)
    anchor = load_signing_key(cfg.anchor_path, passphrase, expect_kind="anchor")
    data = trust_list.sign(anchor)
    try:
        TrustStore.from_bytes(bytes(anchor.verify_key), data)
    except VerifierError as exc:  # pragma: no cover - a bug in this package or the verifier
        raise ConfigError(f"the signed trust list does not verify: {exc}") from None
    write_public(Path(out), data)
    return trust_list, data


def write_public(path: Path, data: bytes) -> None:
    """Atomically write a signed public list (mode 0644)."""
    write_atomic(path, data, mode=0o644, overwrite=True)


# --- revocation lists -------------------------------------------------------------


def sign_revocations(
    key_file: str | os.PathLike[str],
    out: str | os.PathLike[str],
    *,
    passphrase: str | bytes,
    iss: str,
    serials: Iterable[bytes],
    now: int,
    seq: int | None = None,
    validity_days: int = DEFAULT_REVOCATION_VALIDITY_DAYS,
) -> tuple[RevocationList, bytes]:
    """Sign ``iss``'s revocation list with its issuer key and write it to ``out``."""
    seq = next_seq(previous_seq(out, "revocation list"), seq, "revocation list")
    if validity_days < 1:
        raise ConfigError("a revocation list must be valid for at least one day")
    key: nacl.signing.SigningKey = load_signing_key(
        key_file, passphrase, expect_kind="issuer", expect_iss=iss
    )
    try:
        rl = RevocationList.build(
            iss=iss, seq=seq, iat=now, exp=now + validity_days * DAY, serials=list(serials)
        )
    except VerifierError as exc:
        raise ConfigError(f"revocation list: {exc}") from None
    data = rl.sign(key)
    write_public(Path(out), data)
    return rl, data


def parse_serials(text: str, where: str) -> list[bytes]:
    """Serials from text: 32 hex characters a line; blank lines and ``#`` comments skipped."""
    serials: list[bytes] = []
    for n, line in enumerate(text.splitlines(), 1):
        item = line.split("#", 1)[0].strip()
        if not item:
            continue
        try:
            serial = bytes.fromhex(item)
        except ValueError:
            serial = b""
        if len(serial) != 16:
            raise ConfigError(f"{where}:{n}: a serial is 32 hex characters")
        serials.append(serial)
    return serials


def open_trust_list(data: bytes, anchor_public_key: bytes) -> TrustList:
    """A signed trust list, verified against the anchor key (raw 32 bytes)."""
    try:
        return TrustStore.from_bytes(anchor_public_key, data).trust_list
    except VerifierError as exc:
        raise ListError(f"trust list: {exc.diagnostics()}") from None
