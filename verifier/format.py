"""The PAS1 wire format: passes, trust lists and revocation lists.

This is the one module that encodes and decodes the format (docs/token-format.md
is its normative description). Everything here is pure: bytes and values in,
bytes and values out; the only secret it touches is a signing key a caller hands
to a ``sign`` method.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from typing import Any, ClassVar

import nacl.exceptions
import nacl.signing

from . import _base45, _cbor, passnumber, photo
from .errors import FormatError

# Hard limits against hostile input (named once, checked once).
#: Largest QR code (version 40, alphanumeric, level L) holds 4,296 characters.
MAX_QR_CHARS = 4296
MAX_PAYLOAD_BYTES = 3000
MAX_PHOTO_BYTES = 2000
#: Trust lists and revocation lists travel over the network, not in a QR.
MAX_LIST_BYTES = 4_000_000
MAX_ISSUERS = 2000
MAX_CATEGORIES = 16
#: 17 bytes a serial in the list: 200,000 of them (3.4 MB) fit under MAX_LIST_BYTES with
#: room for the envelope; the ~235,000 that would just fit is not a round number to keep.
MAX_SERIALS = 200_000

QR_PREFIX = "PAS1:"
COSE_SIGN1_TAG = 18
ALG_EDDSA = -8
KID_BYTES = 8
SERIAL_BYTES = 16
SIGNATURE_BYTES = 64
PUBLIC_KEY_BYTES = 32
#: Default validity of a pass: two years, as in Groningen's model.
DEFAULT_VALIDITY_SECONDS = 730 * 86400
#: ``av1`` is a bare AV1 bitstream (ADR 0018, issued since issue 14); the two file types
#: are what earlier passes carry and stay valid for their two years.
PHOTO_TYPES = ("av1", "image/avif", "image/webp")
LIST_VERSION = 1

_ISS = re.compile(r"GM[0-9]{4}")
_CATEGORY_CODE = re.compile(r"[a-z][a-z0-9-]{0,15}")
_COLOR = re.compile(r"#[0-9A-F]{6}")
_UINT_MAX = 2**64 - 1

# CWT claim keys (RFC 8392) and our private text keys.
_ISS_KEY, _EXP_KEY, _NBF_KEY, _IAT_KEY, _CTI_KEY = 1, 4, 5, 6, 7
_PASS_KEYS = frozenset({1, 4, 5, 6, 7, "pn", "cat", "ph", "pt"})


def kid_for(public_key: bytes) -> bytes:
    """The key id: the first 8 bytes of SHA-256 over the raw 32-byte Ed25519 key."""
    return hashlib.sha256(public_key).digest()[:KID_BYTES]


# tag 18, array(4), bstr(13), map(2), 1: -8, 4: bstr(8)
_FAST_PREFIX = b"\xd2\x84\x4d\xa2\x01\x27\x04\x48"

# --- COSE_Sign1 -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Sign1:
    """A decoded COSE_Sign1 message whose protected header has been checked."""

    protected: bytes
    kid: bytes
    payload: bytes
    signature: bytes

    def to_be_signed(self) -> bytes:
        return sig_structure(self.protected, self.payload)

    def verify_with(self, verify_key: nacl.signing.VerifyKey) -> bool:
        """Whether the signature verifies under ``verify_key`` (the caller must act on it)."""
        try:
            verify_key.verify(self.to_be_signed(), self.signature)
        except nacl.exceptions.BadSignatureError:
            return False
        return True

    def to_bytes(self) -> bytes:
        return _cbor.encode(
            _cbor.Tag(COSE_SIGN1_TAG, [self.protected, {}, self.payload, self.signature])
        )

    @classmethod
    def from_bytes(cls, data: bytes) -> Sign1:
        """Decode a PAS1 COSE_Sign1; raise FormatError for any deviation."""
        # Deterministic encoding makes a valid envelope's framing unique, so the
        # common case is recognised by its fixed bytes; anything else takes the
        # general strict path below, which also words the error.
        n = len(data)
        if (
            n >= 84
            and data[:8] == _FAST_PREFIX
            and data[16] == 0xA0
            and data[-66:-64] == b"\x58\x40"
        ):
            head = data[17]
            if head == 0x59:
                size, start = int.from_bytes(data[18:20], "big"), 20
                if size < 256:
                    size = -1
            elif head == 0x58:
                size, start = data[18], 19
                if size < 24:
                    size = -1
            elif 0x40 <= head < 0x58:
                size, start = head - 0x40, 18
            else:
                size = -1
            if size >= 0 and start + size == n - 66:
                return cls(
                    protected=data[3:16],
                    kid=data[8:16],
                    payload=data[start : n - 66],
                    signature=data[n - 64 :],
                )
        item = _cbor.decode(data, allow_tags=frozenset({COSE_SIGN1_TAG}))
        if not isinstance(item, _cbor.Tag) or item.number != COSE_SIGN1_TAG:
            raise FormatError("cose: not a tagged COSE_Sign1")
        parts = item.value
        if not isinstance(parts, list) or len(parts) != 4:
            raise FormatError("cose: COSE_Sign1 must be an array of four")
        protected, unprotected, payload, signature = parts
        if not isinstance(protected, bytes) or not isinstance(payload, bytes):
            raise FormatError("cose: protected header and payload must be byte strings")
        if unprotected != {}:
            raise FormatError("cose: the unprotected header must be empty")
        if not isinstance(signature, bytes) or len(signature) != SIGNATURE_BYTES:
            raise FormatError("cose: signature must be 64 bytes")
        header = _cbor.decode(protected)
        if not isinstance(header, dict) or set(header) != {1, 4}:
            raise FormatError("cose: protected header must hold exactly alg and kid")
        if header[1] != ALG_EDDSA:
            raise FormatError("cose: alg must be EdDSA (-8)")
        kid = header[4]
        if not isinstance(kid, bytes) or len(kid) != KID_BYTES:
            raise FormatError("cose: kid must be 8 bytes")
        return cls(protected=protected, kid=kid, payload=payload, signature=signature)

    @classmethod
    def sign(cls, payload: bytes, signing_key: nacl.signing.SigningKey) -> Sign1:
        """Sign ``payload`` with an Ed25519 key, putting alg and kid in the protected header."""
        kid = kid_for(bytes(signing_key.verify_key))
        protected = _cbor.encode({1: ALG_EDDSA, 4: kid})
        signature = signing_key.sign(sig_structure(protected, payload)).signature
        return cls(protected=protected, kid=kid, payload=payload, signature=signature)


def sig_structure(protected: bytes, payload: bytes) -> bytes:
    """The COSE Sig_structure for Signature1 with empty external AAD (RFC 9052 §4.4).

    Equal to ``cbor.encode(["Signature1", protected, b"", payload])``, built by
    concatenation because it runs once per verification.
    """
    return b"".join(
        (
            b"\x84",
            _cbor.encode("Signature1"),
            _cbor.byte_string_head(len(protected)),
            protected,
            b"\x40",
            _cbor.byte_string_head(len(payload)),
            payload,
        )
    )


# --- field checks -----------------------------------------------------------------


def _uint(value: Any, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= _UINT_MAX:
        raise FormatError(f"{name} must be an unsigned integer")
    return value


def _text(value: Any, name: str, pattern: re.Pattern[str] | None = None, limit: int = 64) -> str:
    if not isinstance(value, str) or not value or len(value) > limit:
        raise FormatError(f"{name} must be text of 1 to {limit} characters")
    if pattern is not None and not pattern.fullmatch(value):
        raise FormatError(f"{name} has the wrong form")
    return value


def _bytes(value: Any, name: str, size: int) -> bytes:
    if not isinstance(value, bytes) or len(value) != size:
        raise FormatError(f"{name} must be {size} bytes")
    return value


def _map(value: Any, name: str, keys: frozenset[Any] | set[Any]) -> dict[Any, Any]:
    if not isinstance(value, dict):
        raise FormatError(f"{name} must be a map")
    if set(value) != keys:
        raise FormatError(f"{name} must hold exactly the keys {sorted(map(str, keys))}")
    return value


def _list(value: Any, name: str, limit: int) -> list[Any]:
    if not isinstance(value, list) or len(value) > limit:
        raise FormatError(f"{name} must be a list of at most {limit}")
    return value


def _window(nbf: int, exp: int, name: str) -> None:
    if exp <= nbf:
        raise FormatError(f"{name}: exp must be later than its start")


# --- the pass ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Pass:
    """The claims inside a pass. Nothing about the person beyond the photo."""

    iss: str
    number: str
    category: str
    serial: bytes
    iat: int
    nbf: int
    exp: int
    photo: bytes
    photo_type: str

    def __post_init__(self) -> None:
        _text(self.iss, "iss", _ISS)
        if not passnumber.is_valid(self.number):
            raise FormatError("pn is not a valid pass number")
        _text(self.category, "cat", _CATEGORY_CODE)
        _bytes(self.serial, "cti", SERIAL_BYTES)
        for name in ("iat", "nbf", "exp"):
            _uint(getattr(self, name), name)
        _window(self.nbf, self.exp, "pass")
        if not isinstance(self.photo, bytes) or not 0 < len(self.photo) <= MAX_PHOTO_BYTES:
            raise FormatError(f"ph must be 1 to {MAX_PHOTO_BYTES} bytes")
        if self.photo_type not in PHOTO_TYPES:
            raise FormatError("pt must be av1, image/avif or image/webp")
        if self.photo_type == photo.PHOTO_TYPE_AV1:
            photo.check_av1(self.photo)

    def to_payload(self) -> bytes:
        payload = _cbor.encode(
            {
                _ISS_KEY: self.iss,
                _EXP_KEY: self.exp,
                _NBF_KEY: self.nbf,
                _IAT_KEY: self.iat,
                _CTI_KEY: self.serial,
                "pn": self.number,
                "cat": self.category,
                "ph": self.photo,
                "pt": self.photo_type,
            }
        )
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise FormatError(f"payload over {MAX_PAYLOAD_BYTES} bytes")
        return payload

    @classmethod
    def from_payload(cls, payload: bytes) -> Pass:
        if len(payload) > MAX_PAYLOAD_BYTES:
            raise FormatError(f"payload over {MAX_PAYLOAD_BYTES} bytes")
        claims = _map(_cbor.decode(payload), "pass payload", _PASS_KEYS)
        try:
            return cls(
                iss=claims[_ISS_KEY],
                number=claims["pn"],
                category=claims["cat"],
                serial=claims[_CTI_KEY],
                iat=claims[_IAT_KEY],
                nbf=claims[_NBF_KEY],
                exp=claims[_EXP_KEY],
                photo=claims["ph"],
                photo_type=claims["pt"],
            )
        except TypeError as exc:  # unhashable or odd values reaching a regex
            raise FormatError("pass payload has a value of the wrong type") from exc

    def sign(self, signing_key: nacl.signing.SigningKey) -> str:
        """Sign and return the QR text ``PAS1:`` + base45(COSE_Sign1)."""
        text = QR_PREFIX + _base45.encode(Sign1.sign(self.to_payload(), signing_key).to_bytes())
        if len(text) > MAX_QR_CHARS:
            raise FormatError("signed pass does not fit in a QR code")
        return text


def decode_qr_text(qr_text: str) -> tuple[Sign1, Pass]:
    """Split QR text into its checked envelope and claims. Signature NOT verified."""
    if not isinstance(qr_text, str):
        raise FormatError("QR content is not text")
    if len(qr_text) > MAX_QR_CHARS:
        raise FormatError(f"QR text longer than {MAX_QR_CHARS} characters")
    if not qr_text.startswith(QR_PREFIX):
        raise FormatError(f"QR text does not start with {QR_PREFIX}")
    envelope = Sign1.from_bytes(_base45.decode(qr_text[len(QR_PREFIX) :]))
    return envelope, Pass.from_payload(envelope.payload)


# --- trust list -------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Category:
    """A pass category: a code in the pass, a label and a colour for people."""

    code: str
    label: str
    color: str

    def __post_init__(self) -> None:
        _text(self.code, "category code", _CATEGORY_CODE)
        _text(self.label, "category label", limit=64)
        _text(self.color, "category color", _COLOR)

    def to_obj(self) -> dict[str, str]:
        return {"code": self.code, "label": self.label, "color": self.color}

    @classmethod
    def from_obj(cls, obj: Any) -> Category:
        m = _map(obj, "category", {"code", "label", "color"})
        return cls(code=m["code"], label=m["label"], color=m["color"])


#: Defaults from the Groningen model; each issuer may configure its own.
DEFAULT_CATEGORIES = (
    Category(code="raam", label="Wit", color="#FFFFFF"),
    Category(code="inrichting", label="Groen", color="#2E9E4F"),
)


@dataclass(frozen=True, slots=True)
class IssuerEntry:
    """One issuer key in a trust list, valid for signing passes issued in nbf..exp."""

    iss: str
    name: str
    public_key: bytes
    nbf: int
    exp: int
    categories: tuple[Category, ...]
    kid: bytes = field(default=b"")

    _KEYS: ClassVar[frozenset[str]] = frozenset({"iss", "name", "kid", "pub", "nbf", "exp", "cats"})

    def __post_init__(self) -> None:
        _text(self.iss, "iss", _ISS)
        _text(self.name, "issuer name", limit=128)
        _bytes(self.public_key, "pub", PUBLIC_KEY_BYTES)
        _uint(self.nbf, "nbf")
        _uint(self.exp, "exp")
        _window(self.nbf, self.exp, f"issuer key of {self.iss}")
        expected = kid_for(self.public_key)
        if not self.kid:
            object.__setattr__(self, "kid", expected)
        elif self.kid != expected:
            raise FormatError("issuer kid does not match its public key")
        if not 0 < len(self.categories) <= MAX_CATEGORIES:
            raise FormatError("an issuer needs 1 to 16 categories")
        if len({c.code for c in self.categories}) != len(self.categories):
            raise FormatError("category codes must be unique per issuer")

    def category(self, code: str) -> Category | None:
        for c in self.categories:
            if c.code == code:
                return c
        return None

    def to_obj(self) -> dict[str, Any]:
        return {
            "iss": self.iss,
            "name": self.name,
            "kid": self.kid,
            "pub": self.public_key,
            "nbf": self.nbf,
            "exp": self.exp,
            "cats": [c.to_obj() for c in self.categories],
        }

    @classmethod
    def from_obj(cls, obj: Any) -> IssuerEntry:
        m = _map(obj, "issuer entry", cls._KEYS)
        cats = _list(m["cats"], "cats", MAX_CATEGORIES)
        kid = _bytes(m["kid"], "kid", KID_BYTES)
        return cls(
            iss=m["iss"],
            name=m["name"],
            public_key=m["pub"],
            nbf=m["nbf"],
            exp=m["exp"],
            categories=tuple(Category.from_obj(c) for c in cats),
            kid=kid,
        )


class _SignedList:
    """Shared envelope handling of the two signed lists."""

    def to_payload(self) -> bytes:
        raise NotImplementedError

    def sign(self, signing_key: nacl.signing.SigningKey) -> bytes:
        """The COSE_Sign1 bytes of this list, signed with ``signing_key``."""
        return Sign1.sign(self.to_payload(), signing_key).to_bytes()


def _open_list(data: bytes, name: str) -> Sign1:
    if not isinstance(data, bytes | bytearray) or len(data) > MAX_LIST_BYTES:
        raise FormatError(f"{name} must be bytes of at most {MAX_LIST_BYTES}")
    return Sign1.from_bytes(bytes(data))


@dataclass(frozen=True, slots=True)
class TrustList(_SignedList):
    """The issuers a trust anchor vouches for. ``seq`` only ever grows."""

    seq: int
    iat: int
    exp: int
    issuers: tuple[IssuerEntry, ...]

    _KEYS: ClassVar[frozenset[str]] = frozenset({"v", "seq", "iat", "exp", "issuers"})

    def __post_init__(self) -> None:
        _uint(self.seq, "seq")
        _uint(self.iat, "iat")
        _uint(self.exp, "exp")
        _window(self.iat, self.exp, "trust list")
        if len(self.issuers) > MAX_ISSUERS:
            raise FormatError("too many issuer entries")
        if len({e.kid for e in self.issuers}) != len(self.issuers):
            raise FormatError("a key may be listed only once")

    def to_payload(self) -> bytes:
        return _cbor.encode(
            {
                "v": LIST_VERSION,
                "seq": self.seq,
                "iat": self.iat,
                "exp": self.exp,
                "issuers": [e.to_obj() for e in self.issuers],
            }
        )

    @classmethod
    def from_payload(cls, payload: bytes) -> TrustList:
        m = _map(_cbor.decode(payload), "trust list", cls._KEYS)
        if m["v"] != LIST_VERSION:
            raise FormatError("unsupported trust list version")
        issuers = _list(m["issuers"], "issuers", MAX_ISSUERS)
        try:
            return cls(
                seq=m["seq"],
                iat=m["iat"],
                exp=m["exp"],
                issuers=tuple(IssuerEntry.from_obj(e) for e in issuers),
            )
        except TypeError as exc:
            raise FormatError("trust list has a value of the wrong type") from exc

    @staticmethod
    def open(data: bytes) -> tuple[Sign1, TrustList]:
        """Decode a signed trust list. Signature NOT verified: see TrustStore."""
        envelope = _open_list(data, "trust list")
        return envelope, TrustList.from_payload(envelope.payload)


@dataclass(frozen=True, slots=True)
class RevocationList(_SignedList):
    """Serials one issuer has revoked, strictly ascending. ``seq`` only ever grows."""

    iss: str
    seq: int
    iat: int
    exp: int
    serials: tuple[bytes, ...]

    _KEYS: ClassVar[frozenset[str]] = frozenset({"v", "iss", "seq", "iat", "exp", "serials"})

    def __post_init__(self) -> None:
        _text(self.iss, "iss", _ISS)
        _uint(self.seq, "seq")
        _uint(self.iat, "iat")
        _uint(self.exp, "exp")
        _window(self.iat, self.exp, "revocation list")
        if len(self.serials) > MAX_SERIALS:
            raise FormatError("too many revoked serials")
        previous = b""
        for serial in self.serials:
            _bytes(serial, "serial", SERIAL_BYTES)
            if serial <= previous:
                raise FormatError("revoked serials must be strictly ascending")
            previous = serial

    @classmethod
    def build(
        cls, *, iss: str, seq: int, iat: int, exp: int, serials: Sequence[bytes]
    ) -> RevocationList:
        """A list from serials in any order (duplicates removed)."""
        return cls(iss=iss, seq=seq, iat=iat, exp=exp, serials=tuple(sorted(set(serials))))

    def to_payload(self) -> bytes:
        return _cbor.encode(
            {
                "v": LIST_VERSION,
                "iss": self.iss,
                "seq": self.seq,
                "iat": self.iat,
                "exp": self.exp,
                "serials": list(self.serials),
            }
        )

    @classmethod
    def from_payload(cls, payload: bytes) -> RevocationList:
        m = _map(_cbor.decode(payload), "revocation list", cls._KEYS)
        if m["v"] != LIST_VERSION:
            raise FormatError("unsupported revocation list version")
        serials = _list(m["serials"], "serials", MAX_SERIALS)
        try:
            return cls(
                iss=m["iss"], seq=m["seq"], iat=m["iat"], exp=m["exp"], serials=tuple(serials)
            )
        except TypeError as exc:
            raise FormatError("revocation list has a value of the wrong type") from exc

    @staticmethod
    def open(data: bytes) -> tuple[Sign1, RevocationList]:
        """Decode a signed revocation list. Signature NOT verified: see TrustStore."""
        envelope = _open_list(data, "revocation list")
        return envelope, RevocationList.from_payload(envelope.payload)


def to_json(obj: TrustList | RevocationList) -> Mapping[str, Any]:
    """A human-readable JSON view of a list (hex for bytes)."""
    if isinstance(obj, TrustList):
        return {
            "v": LIST_VERSION,
            "seq": obj.seq,
            "iat": obj.iat,
            "exp": obj.exp,
            "issuers": [
                {**e.to_obj(), "kid": e.kid.hex(), "pub": e.public_key.hex()} for e in obj.issuers
            ],
        }
    return {
        "v": LIST_VERSION,
        "iss": obj.iss,
        "seq": obj.seq,
        "iat": obj.iat,
        "exp": obj.exp,
        "serials": [s.hex() for s in obj.serials],
    }
