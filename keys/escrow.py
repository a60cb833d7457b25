"""The handhaver team's escrow key, its shares, and sealed identity records.

Who holds what (docs/privacy.md, docs/handhaving.md):

* The team's X25519 private key exists only in memory: made by ``pas-keys escrow
  create``, split at once k-of-n with :mod:`keys.shamir`, printed as share texts,
  forgotten. It is put together again, in memory, only on the laptop where k share
  holders type their shares to open a record (``pas-keys escrow open``).
* The server holds the public key (``instance/keys/escrow.pub``) and can only seal.

A sealed identity record is two pieces (crypto-shredding):

* the record itself, encrypted with XChaCha20-Poly1305 under a random 32-byte
  data key; the associated data binds it to its pass number and the team key's kid;
  the plaintext is padded to a multiple of :data:`PAD_BLOCK` bytes so the
  ciphertext's length says nothing about the length of a name;
* the data key, sealed (libsodium sealed box, X25519) to the team's public key.
  The server also wraps the data key under the worker's personal code
  (``tokenservice.escrow.seal``). Deleting the key row destroys every copy of the record.

A share text (what a share holder keeps on paper)::

    pas escrow share 2 of 3 · 2 needed · key 5be3a1c07d9e24f6 · set 9f04c2aa
    K3M9QX 7D2A4B ... (7 groups)
    ...               (7 groups)

14 groups of 6 Crockford base32 characters: 5 carry data, the 6th is a Damm check
over the group and its position, so a mistyped character or two swapped characters
(or two swapped groups) are pinpointed to their group. The data is version, k, the
share index, a random set id (shares of different splits never mix), the 32 share
bytes and a 4-byte BLAKE2b checksum over all of it.

Nothing in this module logs, and no message contains a share, a key or record
contents.
"""

from __future__ import annotations

import base64
import csv
import datetime as dt
import hashlib
import io
import json
import re
import secrets
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Final

import nacl.bindings
import nacl.exceptions
import nacl.public

from verifier.passnumber import ALPHABET, check_character

from . import shamir
from ._fs import read_bytes
from .errors import Error

# --- errors -----------------------------------------------------------------------


class EscrowError(Error):
    """An escrow key, share, record or export that cannot be used."""


class ShareTypoError(EscrowError):
    """A share text that does not check: a character was mistyped or left out."""


class WrongKeyError(EscrowError):
    """Shares that give a key other than the one expected (too few, or another team's)."""


# --- constants --------------------------------------------------------------------

#: The identity fields an escrow record may hold, in this order. Which of them are
#: actually kept is configured per instance (tokenservice.escrow.seal).
IDENTITY_FIELDS: Final = ("given_names", "family_name", "birth_date", "id_document_number", "bsn")
#: Labels for printing an opened record (Dutch first, as the handhavers read it).
FIELD_LABELS: Final = {
    "given_names": "Voornamen / given names",
    "family_name": "Achternaam / family name",
    "birth_date": "Geboortedatum / date of birth",
    "id_document_number": "Documentnummer / ID document number",
    "bsn": "BSN",
}
PUBLIC_KEY_BYTES: Final = 32
DATA_KEY_BYTES: Final = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_KEYBYTES
NONCE_BYTES: Final = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_NPUBBYTES
SEALED_KEY_BYTES: Final = DATA_KEY_BYTES + nacl.bindings.crypto_box_SEALBYTES
#: Plaintexts are padded to a multiple of this (ISO/IEC 7816-4 padding, sodium_pad).
PAD_BLOCK: Final = 512
RECORD_FORMAT: Final = "pas-escrow-record"
EXPORT_FORMAT: Final = "pas-escrow-export"
FORMAT_VERSION: Final = 1
_RECORD_AD: Final = b"pas-escrow-record\x00v1\x00"
MAX_DOCUMENT_BYTES: Final = 64 * 1024 * 1024

_SHARE_VERSION: Final = 1
_SET_ID_BYTES: Final = 4
_CHECKSUM_BYTES: Final = 4
_SHARE_SECRET_BYTES: Final = 32
_SHARE_PAYLOAD_BYTES: Final = 3 + _SET_ID_BYTES + _SHARE_SECRET_BYTES + _CHECKSUM_BYTES  # 43
_GROUP_DATA: Final = 5
SHARE_GROUPS: Final = -(-(_SHARE_PAYLOAD_BYTES * 8) // (5 * _GROUP_DATA))  # 14
_GROUPS_PER_LINE: Final = 7
_SHARE_HEADER: Final = re.compile(r"^\s*pas escrow share\b", re.IGNORECASE)
_ALIASES: Final = str.maketrans({"I": "1", "L": "1", "O": "0"})
_VALUE: Final = {c: i for i, c in enumerate(ALPHABET)}


def kid(public_key: bytes) -> bytes:
    """The 8-byte id of a team public key (names it in files and messages)."""
    return hashlib.sha256(b"pas-escrow-key\x00" + bytes(public_key)).digest()[:8]


# --- Crockford base32 of bytes -----------------------------------------------------


def _b32encode(data: bytes, chars: int) -> str:
    bits = int.from_bytes(data, "big") << (chars * 5 - len(data) * 8)
    return "".join(ALPHABET[(bits >> (5 * (chars - 1 - i))) & 31] for i in range(chars))


def _b32decode(text: str, size: int) -> bytes | None:
    """``size`` bytes from base32 ``text``; None if the padding bits are not zero."""
    value = 0
    for c in text:
        value = (value << 5) | _VALUE[c]
    pad = len(text) * 5 - size * 8
    if pad < 0 or value & ((1 << pad) - 1):
        return None
    return (value >> pad).to_bytes(size, "big")


# --- shares as text ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ParsedShare:
    """A share text, checked and decoded. ``repr`` shows no share material."""

    k: int
    set_id: bytes
    share: shamir.Share

    @property
    def index(self) -> int:
        return self.share.x

    def __repr__(self) -> str:
        return f"ParsedShare(index={self.index}, k={self.k}, set={self.set_id.hex()})"


def _share_checksum(body: bytes) -> bytes:
    return hashlib.blake2b(body, digest_size=_CHECKSUM_BYTES, person=b"pas-escrow-share").digest()


def format_share(share: shamir.Share, *, k: int, n: int, set_id: bytes, public_key: bytes) -> str:
    """The printable text of one share (a header line and two lines of groups)."""
    if len(share.y) != _SHARE_SECRET_BYTES:
        raise EscrowError("a share must carry 32 bytes")
    body = bytes([_SHARE_VERSION, k, share.x]) + set_id + share.y
    payload = body + _share_checksum(body)
    data = _b32encode(payload, SHARE_GROUPS * _GROUP_DATA)
    groups = []
    for i in range(SHARE_GROUPS):
        chunk = data[i * _GROUP_DATA : (i + 1) * _GROUP_DATA]
        groups.append(chunk + check_character(ALPHABET[i] + chunk))
    lines = [
        " ".join(groups[i : i + _GROUPS_PER_LINE])
        for i in range(0, SHARE_GROUPS, _GROUPS_PER_LINE)
    ]
    header = (
        f"pas escrow share {share.x} of {n} · {k} needed · key {kid(public_key).hex()}"
        f" · set {set_id.hex()}"
    )
    return "\n".join([header, *lines])


def parse_share(text: str, *, label: str = "the share") -> ParsedShare:
    """Check and decode one share text; say which group is mistyped if one is.

    Accepts lower case, any spacing or hyphens, the header line or not, and the
    letters I, L, O typed for 1, 1, 0.
    """
    lines = [ln for ln in text.splitlines() if not _SHARE_HEADER.match(ln)]
    compact = re.sub(r"[\s\-·.,]", "", "".join(lines).upper()).translate(_ALIASES)
    bad = sorted({c for c in compact if c not in _VALUE})
    if bad:
        raise ShareTypoError(
            f"{label}: {''.join(bad)!r} is not a share character "
            "(shares use 0-9 and A-Z without I, L, O and U)"
        )
    size = SHARE_GROUPS * (_GROUP_DATA + 1)
    if len(compact) != size:
        raise ShareTypoError(
            f"{label} has {len(compact)} characters; a share has {size} "
            f"({SHARE_GROUPS} groups of {_GROUP_DATA + 1}): a group is missing or doubled"
        )
    data = []
    for i in range(SHARE_GROUPS):
        group = compact[i * (_GROUP_DATA + 1) : (i + 1) * (_GROUP_DATA + 1)]
        chunk, check = group[:_GROUP_DATA], group[_GROUP_DATA]
        if check_character(ALPHABET[i] + chunk) != check:
            line, pos = divmod(i, _GROUPS_PER_LINE)
            raise ShareTypoError(
                f"{label}: group {i + 1} (line {line + 1}, group {pos + 1}: {group}) does not "
                "check: compare it with the paper, character by character"
            )
        data.append(chunk)
    payload = _b32decode("".join(data), _SHARE_PAYLOAD_BYTES)
    if payload is None:
        raise ShareTypoError(f"{label}: the last group is mistyped")
    body, checksum = payload[:-_CHECKSUM_BYTES], payload[-_CHECKSUM_BYTES:]
    if not secrets.compare_digest(_share_checksum(body), checksum):
        raise ShareTypoError(
            f"{label}: the checksum does not match: several characters are mistyped, "
            "or groups are in the wrong order"
        )
    version, k, x = body[0], body[1], body[2]
    if version != _SHARE_VERSION:
        raise EscrowError(f"{label}: unsupported share version {version}")
    if not (2 <= k <= shamir.MAX_SHARES) or not (1 <= x <= shamir.MAX_SHARES):
        raise EscrowError(f"{label}: malformed share")
    set_id = body[3 : 3 + _SET_ID_BYTES]
    return ParsedShare(k, set_id, shamir.Share(x, body[3 + _SET_ID_BYTES :]))


def split_share_texts(text: str) -> list[str]:
    """Several share texts in one stream: separated by header lines or blank lines."""
    blocks: list[list[str]] = []
    current: list[str] = []
    for line in text.splitlines():
        if _SHARE_HEADER.match(line) or not line.strip():
            if current:
                blocks.append(current)
            current = []
            continue
        if line.lstrip().startswith("#"):
            continue
        current.append(line)
    if current:
        blocks.append(current)
    # A share may have been typed across the blank line between its two group lines:
    merged: list[str] = []
    size = SHARE_GROUPS * (_GROUP_DATA + 1)
    pending = ""
    for block in blocks:
        chunk = "\n".join(block)
        pending = f"{pending}\n{chunk}" if pending else chunk
        if len(re.sub(r"[\s\-·.,]", "", pending)) >= size:
            merged.append(pending)
            pending = ""
    if pending:
        merged.append(pending)
    return merged


# --- the team key -------------------------------------------------------------------


@dataclass(frozen=True)
class TeamKey:
    """A new team key's public half and its share texts. The private half is gone."""

    public_key: bytes
    k: int
    n: int
    set_id: bytes
    shares: tuple[str, ...] = field(repr=False)

    @property
    def kid(self) -> bytes:
        return kid(self.public_key)


def _split_private(private: bytes, public: bytes, k: int, n: int) -> TeamKey:
    set_id = secrets.token_bytes(_SET_ID_BYTES)
    shares = shamir.split(private, k, n)
    texts = tuple(
        format_share(s, k=k, n=n, set_id=set_id, public_key=public) for s in shares
    )
    return TeamKey(public, k, n, set_id, texts)


def create_team_key(k: int = 2, n: int = 3) -> TeamKey:
    """Generate the team's X25519 key in memory and split it k-of-n at once."""
    if not (2 <= k <= n <= shamir.MAX_SHARES):
        raise EscrowError(f"need 2 <= k <= n <= {shamir.MAX_SHARES}, got k={k}, n={n}")
    private = nacl.public.PrivateKey.generate()
    return _split_private(bytes(private), bytes(private.public_key), k, n)


def recover_private_key(
    shares: Sequence[str | ParsedShare], *, expect_public: bytes | None = None
) -> nacl.public.PrivateKey:
    """Put the private key together from ``k`` share texts, in memory.

    Raises :class:`ShareTypoError` naming the share and group of a typo,
    :class:`EscrowError` for too few or mixed shares, and :class:`WrongKeyError`
    when the key that comes out is not ``expect_public``.
    """
    parsed = [
        s if isinstance(s, ParsedShare) else parse_share(s, label=f"share {i + 1}")
        for i, s in enumerate(shares)
    ]
    if not parsed:
        raise EscrowError("no shares given")
    sets = {p.set_id for p in parsed}
    if len(sets) > 1:
        raise EscrowError(
            "the shares come from different splits (sets "
            + ", ".join(sorted(s.hex() for s in sets))
            + "): after a resplit only the new shares work"
        )
    k = parsed[0].k
    if any(p.k != k for p in parsed):
        raise EscrowError("the shares disagree about how many are needed")
    indexes = [p.index for p in parsed]
    if len(set(indexes)) != len(indexes):
        raise EscrowError(f"share {sorted(i for i in indexes if indexes.count(i) > 1)[0]} was given twice")
    if len(parsed) < k:
        raise EscrowError(f"{len(parsed)} share(s) given; {k} are needed")
    secret = shamir.combine([p.share for p in parsed[:k]])
    private = nacl.public.PrivateKey(secret)
    public = bytes(private.public_key)
    if expect_public is not None and not secrets.compare_digest(public, bytes(expect_public)):
        raise WrongKeyError(
            f"these shares give key {kid(public).hex()}, not {kid(expect_public).hex()}: "
            "they belong to another key"
        )
    if len(parsed) > k:
        # More than k shares: every k-subset must agree, or one share is of another key.
        check = shamir.combine([p.share for p in parsed[-k:]])
        if not secrets.compare_digest(check, secret):
            raise WrongKeyError("the shares do not agree: one of them belongs to another key")
    return private


def resplit(
    shares: Sequence[str | ParsedShare], *, k: int, n: int, expect_public: bytes | None = None
) -> TeamKey:
    """New shares for the same key (a holder leaves, or k/n change). The public key stays."""
    private = recover_private_key(shares, expect_public=expect_public)
    if not (2 <= k <= n <= shamir.MAX_SHARES):
        raise EscrowError(f"need 2 <= k <= n <= {shamir.MAX_SHARES}, got k={k}, n={n}")
    return _split_private(bytes(private), bytes(private.public_key), k, n)


# --- the public key file ----------------------------------------------------------


def format_public_file(team: TeamKey, *, created: int) -> str:
    when = dt.datetime.fromtimestamp(created, dt.UTC).strftime("%Y-%m-%d")
    return (
        f"# pas escrow public key (X25519) of the handhaver team, kid {team.kid.hex()}\n"
        f"# split {team.k} of {team.n} (set {team.set_id.hex()}), made {when}.\n"
        "# The server seals identity records to it and cannot open them.\n"
        f"{team.public_key.hex()}\n"
    )


def parse_public(text: str, *, where: str = "escrow public key") -> bytes:
    """The 32-byte key from an ``escrow.pub`` text (hex; ``#`` comment lines allowed)."""
    lines = [ln.strip() for ln in text.splitlines() if ln.strip() and not ln.lstrip().startswith("#")]
    if len(lines) != 1 or not re.fullmatch(r"[0-9a-fA-F]{64}", lines[0]):
        raise EscrowError(f"{where}: expected one line of 64 hex characters")
    return bytes.fromhex(lines[0])


def read_public_file(path: str | Path) -> bytes:
    raw = read_bytes(Path(path), "escrow public key", 4096)
    try:
        return parse_public(raw.decode("utf-8"), where=str(path))
    except UnicodeDecodeError:
        raise EscrowError(f"{path} is not text") from None


# --- sealing and opening records ----------------------------------------------------


def new_data_key() -> bytes:
    return secrets.token_bytes(DATA_KEY_BYTES)


def _record_ad(number: str, recipient_kid: bytes) -> bytes:
    return _RECORD_AD + recipient_kid + number.encode("ascii")


def encrypt_record(
    data_key: bytes, *, number: str, recipient_kid: bytes, fields: Mapping[str, str], sealed_at: int
) -> tuple[bytes, bytes]:
    """``(nonce, ciphertext)`` of an identity record under ``data_key``."""
    unknown = set(fields) - set(IDENTITY_FIELDS)
    if unknown:
        raise EscrowError(f"unknown identity field(s): {', '.join(sorted(unknown))}")
    doc = {"v": FORMAT_VERSION, "number": number, "sealed_at": int(sealed_at), "fields": dict(fields)}
    plain = json.dumps(doc, ensure_ascii=False, sort_keys=True, separators=(",", ":")).encode()
    padded = nacl.bindings.sodium_pad(plain, PAD_BLOCK)
    nonce = secrets.token_bytes(NONCE_BYTES)
    ciphertext = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_encrypt(
        padded, _record_ad(number, recipient_kid), nonce, data_key
    )
    return nonce, ciphertext


def decrypt_record(
    data_key: bytes, *, number: str, recipient_kid: bytes, nonce: bytes, ciphertext: bytes
) -> dict[str, Any]:
    """The record ``{"number", "sealed_at", "fields"}``; EscrowError if it does not open."""
    try:
        padded = nacl.bindings.crypto_aead_xchacha20poly1305_ietf_decrypt(
            ciphertext, _record_ad(number, recipient_kid), nonce, data_key
        )
        doc = json.loads(nacl.bindings.sodium_unpad(padded, PAD_BLOCK))
    except (nacl.exceptions.CryptoError, ValueError, TypeError):
        raise EscrowError(f"the record of {number} does not open (altered, or another key)") from None
    if not isinstance(doc, dict) or doc.get("number") != number or not isinstance(doc.get("fields"), dict):
        raise EscrowError(f"the record of {number} is not the record of that number")
    return doc


def seal_data_key(public_key: bytes, data_key: bytes) -> bytes:
    """The data key sealed to the team (anonymous sender, ephemeral X25519)."""
    return bytes(nacl.public.SealedBox(nacl.public.PublicKey(bytes(public_key))).encrypt(data_key))


def open_data_key(private: nacl.public.PrivateKey, sealed: bytes) -> bytes:
    try:
        key = bytes(nacl.public.SealedBox(private).decrypt(sealed))
    except nacl.exceptions.CryptoError:
        raise EscrowError("the data key does not open with this team key") from None
    if len(key) != DATA_KEY_BYTES:
        raise EscrowError("malformed data key")
    return key


def seal_text(public_key: bytes, text: str) -> bytes:
    """Free text (a stated reason) sealed to the team, padded like records."""
    padded = nacl.bindings.sodium_pad(text.encode("utf-8"), 256)
    return bytes(nacl.public.SealedBox(nacl.public.PublicKey(bytes(public_key))).encrypt(padded))


def open_text(private: nacl.public.PrivateKey, sealed: bytes) -> str:
    try:
        padded = bytes(nacl.public.SealedBox(private).decrypt(sealed))
        return nacl.bindings.sodium_unpad(padded, 256).decode("utf-8")
    except (nacl.exceptions.CryptoError, ValueError, UnicodeDecodeError):
        raise EscrowError("the sealed text does not open with this team key") from None


# --- released documents (what a handhaver downloads) ----------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _unb64(value: Any, what: str) -> bytes:
    if not isinstance(value, str):
        raise EscrowError(f"malformed {what}")
    try:
        return base64.b64decode(value, validate=True)
    except ValueError:
        raise EscrowError(f"malformed {what}") from None


@dataclass(frozen=True)
class SealedEntry:
    """One sealed record as it leaves the server: nothing the server could read."""

    number: str
    recipient_kid: bytes
    sealed_key: bytes
    nonce: bytes
    ciphertext: bytes
    sealed_at: int

    def to_json(self) -> dict[str, Any]:
        return {
            "number": self.number,
            "recipient_kid": self.recipient_kid.hex(),
            "sealed_at": self.sealed_at,
            "sealed_key": _b64(self.sealed_key),
            "nonce": _b64(self.nonce),
            "ciphertext": _b64(self.ciphertext),
        }

    @classmethod
    def from_json(cls, obj: Any) -> SealedEntry:
        if not isinstance(obj, dict):
            raise EscrowError("malformed sealed record")
        number, rk, at = obj.get("number"), obj.get("recipient_kid"), obj.get("sealed_at")
        if not isinstance(number, str) or not isinstance(rk, str) or not re.fullmatch(r"[0-9a-f]{16}", rk):
            raise EscrowError("malformed sealed record")
        if isinstance(at, bool) or not isinstance(at, int):
            raise EscrowError("malformed sealed record")
        return cls(
            number=number,
            recipient_kid=bytes.fromhex(rk),
            sealed_key=_unb64(obj.get("sealed_key"), "sealed key"),
            nonce=_unb64(obj.get("nonce"), "nonce"),
            ciphertext=_unb64(obj.get("ciphertext"), "ciphertext"),
            sealed_at=at,
        )


def record_document(entry: SealedEntry, *, request_id: int, released_at: int) -> dict[str, Any]:
    return {
        "format": RECORD_FORMAT,
        "version": FORMAT_VERSION,
        "request": request_id,
        "released_at": released_at,
        "record": entry.to_json(),
    }


def export_document(
    entries: Iterable[SealedEntry], *, request_id: int, released_at: int
) -> dict[str, Any]:
    return {
        "format": EXPORT_FORMAT,
        "version": FORMAT_VERSION,
        "request": request_id,
        "released_at": released_at,
        "records": [e.to_json() for e in entries],
    }


def entries_from_document(doc: Any) -> list[SealedEntry]:
    """The sealed records of a record document or a bulk export."""
    if not isinstance(doc, dict) or doc.get("version") != FORMAT_VERSION:
        raise EscrowError("not a pas escrow record or export (or an unsupported version)")
    if doc.get("format") == RECORD_FORMAT:
        return [SealedEntry.from_json(doc.get("record"))]
    if doc.get("format") == EXPORT_FORMAT and isinstance(doc.get("records"), list):
        return [SealedEntry.from_json(r) for r in doc["records"]]
    raise EscrowError("not a pas escrow record or export")


def read_document(path: str | Path) -> list[SealedEntry]:
    raw = read_bytes(Path(path), "escrow document", MAX_DOCUMENT_BYTES)
    try:
        doc = json.loads(raw)
    except (UnicodeDecodeError, json.JSONDecodeError):
        raise EscrowError(f"{path} is not a pas escrow record or export (not JSON)") from None
    return entries_from_document(doc)


@dataclass(frozen=True)
class OpenedRecord:
    number: str
    sealed_at: int
    fields: dict[str, str] = field(repr=False)


def open_entry(private: nacl.public.PrivateKey, entry: SealedEntry) -> OpenedRecord:
    own = kid(bytes(private.public_key))
    if entry.recipient_kid != own:
        raise WrongKeyError(
            f"the record of {entry.number} is sealed to key {entry.recipient_kid.hex()}, "
            f"these shares give key {own.hex()}"
        )
    data_key = open_data_key(private, entry.sealed_key)
    doc = decrypt_record(
        data_key, number=entry.number, recipient_kid=entry.recipient_kid, nonce=entry.nonce,
        ciphertext=entry.ciphertext,
    )
    fields = {str(k): str(v) for k, v in doc["fields"].items()}
    return OpenedRecord(entry.number, int(doc.get("sealed_at", entry.sealed_at)), fields)


# --- searching a decrypted export, locally ------------------------------------------


def _fold(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    plain = "".join(c for c in decomposed if not unicodedata.combining(c))
    return re.sub(r"[^0-9a-z]+", " ", plain.casefold()).strip()


def _date_iso(text: str) -> str | None:
    t = text.strip()
    for fmt in ("%Y-%m-%d", "%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y%m%d", "%d%m%Y"):
        try:
            return dt.datetime.strptime(t, fmt).date().isoformat()
        except ValueError:
            continue
    return None


def matches(record: OpenedRecord, query: str) -> bool:
    """Whether ``query`` (a name, BSN, document number or birth date) fits the record.

    Names: every word of the query appears in the given or family names, ignoring
    case and accents. Numbers and dates: exact, ignoring spaces and separators.
    """
    f = record.fields
    iso = _date_iso(query)
    if iso is not None and f.get("birth_date") == iso:
        return True
    compact = re.sub(r"[\s.\-]", "", query).upper()
    if compact and compact in {
        re.sub(r"[\s.\-]", "", f.get(k, "")).upper() for k in ("bsn", "id_document_number")
    }:
        return True
    words = _fold(query).split()
    names = _fold(" ".join([f.get("given_names", ""), f.get("family_name", "")])).split()
    return bool(words) and all(w in names for w in words)


# --- the access log, checked offline from a CSV export --------------------------------

#: Columns of ``tokenservice.escrow.seal.export_log_csv`` (and what this checks).
LOG_COLUMNS: Final = (
    "id", "at", "time_utc", "actor", "role", "action", "pass_number", "reason_code",
    "prev_hash", "hash",
)


def _log_digest(prev: bytes, at: int, actor: str, role: str, action: str, number: str,
                reason: str) -> bytes:
    # The same digest as tokenservice.audit.log: sha256(prev || len-prefixed fields).
    h = hashlib.sha256(prev)
    for value in (str(at), actor, role, action, number, reason):
        data = value.encode()
        h.update(len(data).to_bytes(4, "big") + data)
    return h.digest()


@dataclass(frozen=True)
class LogCheck:
    events: int
    head: bytes
    first_bad_row: int | None
    problem: str | None

    @property
    def intact(self) -> bool:
        return self.first_bad_row is None


def verify_log_csv(text: str, *, head: bytes | None = None) -> LogCheck:
    """Recompute the hash chain of an exported access log; compare with a known head."""
    reader = csv.DictReader(io.StringIO(text))
    if reader.fieldnames is None or tuple(reader.fieldnames) != LOG_COLUMNS:
        raise EscrowError("not an access-log export (unexpected columns)")
    prev = bytes(32)
    count = 0
    seen_head = None
    for row_number, row in enumerate(reader, start=2):
        count += 1
        try:
            at = int(row["at"])
            prev_hash = bytes.fromhex(row["prev_hash"])
            stated = bytes.fromhex(row["hash"])
        except (TypeError, ValueError):
            return LogCheck(count, prev, row_number, "malformed row")
        expected = _log_digest(prev, at, row["actor"], row["role"], row["action"],
                               row["pass_number"], row["reason_code"])
        if prev_hash != prev or stated != expected:
            return LogCheck(count, prev, row_number, "edited, removed or reordered entry")
        prev = stated
        if head is not None and stated == head:
            seen_head = row_number
    if head is not None and seen_head is None:
        return LogCheck(count, prev, count + 1, "the known head is not in this log (entries removed?)")
    return LogCheck(count, prev, None, None)


__all__ = [
    "FIELD_LABELS",
    "IDENTITY_FIELDS",
    "EscrowError",
    "LogCheck",
    "OpenedRecord",
    "ParsedShare",
    "SealedEntry",
    "ShareTypoError",
    "TeamKey",
    "WrongKeyError",
    "create_team_key",
    "decrypt_record",
    "encrypt_record",
    "entries_from_document",
    "export_document",
    "format_public_file",
    "kid",
    "matches",
    "new_data_key",
    "open_data_key",
    "open_entry",
    "open_text",
    "parse_public",
    "parse_share",
    "read_document",
    "read_public_file",
    "record_document",
    "recover_private_key",
    "resplit",
    "seal_data_key",
    "seal_text",
    "split_share_texts",
    "verify_log_csv",
]
