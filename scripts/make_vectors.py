#!/usr/bin/env python3
"""Write the PAS1 interoperability vectors: ``python scripts/make_vectors.py OUT.json``.

The output (checked in as tests/vectors/pas1.json) is a JSON list of cases::

    {"name", "note", "qr_text", "anchor_pub_hex", "trust_list_b64",
     "revocations_b64": [...], "now", "expect", "warnings", ["number",
     "photo_type", "photo_sha256"]}

``expect`` is the status a verifier must return; ``warnings`` the exact set of
warnings that goes with it; ``number`` (only for outcomes whose signature
verified) the pass number the verdict shows, with the media type and SHA-256 of the
photo file it shows (for ``av1``, the rebuilt AVIF of §6.1). docs/token-format.md §"Test vectors"
describes the fields. Pass ``-`` as OUT to write to stdout.

Everything is deterministic: keys come from fixed seeds, serials and pass numbers
from fixed labels, the clock is fixed, Ed25519 signatures are deterministic and the
photos are fixed bytes. Every valid structure is produced through verifier.format;
only the deliberately broken cases poke at bytes, using the verifier's own CBOR and
base45 codecs. Running the script twice gives byte-identical output, and
tests/verifier/test_vectors.py checks that the checked-in file equals it.

``--photos`` re-renders the synthetic faces and prints fresh AV1/AVIF/WebP constants.
Pillow's AVIF and WebP encoders are not guaranteed to be byte-identical across
library versions, which is why the vectors embed the bytes instead.
"""

from __future__ import annotations

import argparse
import base64
import dataclasses
import hashlib
import io
import json
import struct
import sys
from collections.abc import Sequence
from typing import Any

import nacl.signing

from verifier import _base45, _cbor, passnumber
from verifier.format import (
    DEFAULT_CATEGORIES,
    DEFAULT_VALIDITY_SECONDS,
    MAX_PHOTO_BYTES,
    MAX_QR_CHARS,
    QR_PREFIX,
    Category,
    IssuerEntry,
    Pass,
    RevocationList,
    Sign1,
    TrustList,
    kid_for,
    sig_structure,
)
from verifier.photo import av1_from_avif, photo_file

#: The order L of the Ed25519 base point (RFC 8032 §5.1).
ED25519_ORDER = 2**252 + 27742317777372353535851937790883648493
#: The fixed clock of every case: 2026-01-01T00:00:00Z.
NOW = 1_767_225_600
DAY = 86_400
#: Groningen rotated its key 200 days before NOW.
ROTATION = NOW - 200 * DAY

# A 72x96 grayscale synthetic face (see draw_face), AVIF quality 40, 4:0:0, speed 6:
# 521 bytes, the photo budget a pass carries in practice.
PHOTO_AVIF = base64.b64decode(
    """
AAAAHGZ0eXBhdmlmAAAAAGF2aWZtaWYxbWlhZgAAAOltZXRhAAAAAAAAACFoZGxyAAAAAAAAAABw
aWN0AAAAAAAAAAAAAAAAAAAAAA5waXRtAAAAAAABAAAAHmlsb2MAAAAARAAAAQABAAAAAQAAAQ0A
AAD8AAAAKGlpbmYAAAAAAAEAAAAaaW5mZQIAAAAAAQAAYXYwMUNvbG9yAAAAAGhpcHJwAAAASWlw
Y28AAAAUaXNwZQAAAAAAAABIAAAAYAAAAA5waXhpAAAAAAEIAAAADGF2MUOBABwAAAAAE2NvbHJu
Y2x4AAEADQAGgAAAABdpcG1hAAAAAAAAAAEAAQQBAoMEAAABBG1kYXQSAAoJGBmj32mAhoNQMuwB
ErF4cwwKFYDa6s9icyTGKMGkM9pqC9kVkkrrpYQ0X29OFJnWTxoV/Z2ZcE20XYOjeC0L6mscNLNf
AL2CN5+NcvOo8JEs49HFlYFr2Lp8bbqIGHqeS3Y+ROMDxzZQ78plZvH1bZ/ctwWe1P2hqlyBEmxo
iaoYTd1pu5MGsEqHYzh8gOHURBKEtSPNNfhJ7wWRSEhWa3IYZ7IZhuyXy39fDJJZcr6XEaUwW6HG
AMGIItGkpR55FLnaLYV76UxUuY5yKUGEE+OE/ZrB6G9gtxSNtvTXnfAc2s6B3nv8mq2owIdHpi4A
eh23hKjNEsA=
"""
)
# The same face as WebP quality 50, method 6: 310 bytes.
PHOTO_WEBP = base64.b64decode(
    """
UklGRi4BAABXRUJQVlA4ICIBAABQDgCdASpIAGAAPtFYnUuoLaKhtFKKMbAaCWkAAKOBl//wKs3x
8C4zDntdAb6zwH3uWs1ZOlpaWjYTkNi/R05T45tt8ZdwJPnwEExsFVd8kk2NcBHHZRLcnVYHYYaN
NAFW0jgMSASRQhoKdsgq1ATVYYpB6fm4QFwOuAAA/u85ghwEYwNKPB7Wu3EsEgx/U3McI/SLMgVK
uTK3w0kAZ+tTVCl1sk4rrP0abssCFLj/vPgKdVsXMir18kzEpVVhpuQmyqp5MI03YP1M6JjnEeRS
I9zhcrNiiM/hwfwh0YXdI72lFmbGmq3pRmAmds8WVSZME1UEIomXd7sxsWf8ntqLI+fg41sypcgo
l4CbS6wDISlLMbiuQ27BBXSlf1Q1OQAAAA==
"""
)


# The synthetic face in colour (draw_face_colour), 72x96 AV1 4:2:0 at libaom speed 2,
# the highest quality within 360 bytes (quality 46), container stripped: what issuance
# signs since ADR 0018 (pt "av1", docs/token-format.md §6.1). 337 bytes.
PHOTO_AV1 = base64.b64decode(
    """
CgkYGaPfbICGg0IywwISgeHhiHLHrrGhkCDgljX9MkRjnSs7i1WZj4G9eTbf51+KUKGmMRJ0E9Sd
2kJQgY2R60mzdDSWlQ5qzuiv2W0eqYQORI1YifdoGor5yzqjtRsQ+6OhnznxvLLmVthYeNdUqLDJ
osiya9nBGj2rpxcTl380AV8i6TInDg8JYmhfUMbhHHFWHfACwh6gnpqIBd9cSd4mjD2zIqyJp0ep
FX7XM0SahFJT3hF71zeCOtVJ9/xCik0reTNHHmyuy+N3xNC1anyiaqOUZ8ZJbszWj7VPB5ipmyID
uoD/N51NZ3Xx0Lk5zEsjXjZSJVTXYt/RO2WaCye1RU6fSCsMtFX2qPv/wbwfmaUgpP2W3+yaLQmt
sHrcgZ5kfM8l/Wb5ltcE45CSVgMR125MV0Q+uQzMxoegPG/oFhX0yn+CO754NOYFETIGaw==
"""
)
# The same, grey (4:0:0, monochrome sequence header; quality 59): 353 bytes.
PHOTO_AV1_GREY = base64.b64decode(
    """
CgkYGaPfbYCGg1Ay0wIR8Yhh55lAA+DIWawrbFoLuSiykA6SBpola+IQ7SvXCvPn6TffvpRyMxPN
f6+WpfeQMyasRYzlLz1LPqqjzHDxB6TbF1B3dMzzYgI8aFyE9Mk/skD9rWwHbwIxH5ZEEWQ4Akk2
ZYQsnEs4zWSWRglI7CxBe7EX7QtwUteI3/0QkzmTqznTJwCgZPgg0UhiClItIZg7m70fm0ndqTc6
7Z0uVCtFIZDPEwvEwJ7IaNij8OUUJNGVbwRR1I8ZLGYjAMhIEz/Us37saVj/6zEENERLXdn10hE9
ADQhSAmmTFK2NriNbFDZLDfT0XtiaZCuk57/0++webbvaMVW39D8da47XTfKoQ1X/LVqj4L+I3oN
NP1b8HjyKSBMO4ae+xZCUDR5VoTZR2+O3TebhoLQSffGDxRc+94WtmZq+4MpFkHHv9gLt1G1raRh
Xd1IjzwSfwhOpjA=
"""
)
AV1_BUDGET = 360


def draw_face_colour() -> Any:
    """The synthetic 72x96 colour face behind PHOTO_AV1 and PHOTO_AV1_GREY (no real person)."""
    from PIL import Image, ImageDraw, ImageFilter

    img = Image.new("RGB", (72, 96), (196, 214, 230))
    d = ImageDraw.Draw(img)
    d.rectangle((0, 70, 72, 96), fill=(40, 70, 120))  # shoulders
    d.ellipse((8, 60, 64, 110), fill=(50, 90, 150))
    d.rectangle((29, 52, 43, 70), fill=(170, 120, 90))  # neck
    d.ellipse((14, 6, 58, 42), fill=(60, 40, 25))  # hair
    d.ellipse((17, 14, 55, 64), fill=(185, 135, 100))  # face
    d.ellipse((25, 30, 33, 35), fill=(40, 50, 60))  # eyes
    d.ellipse((39, 30, 47, 35), fill=(40, 50, 60))
    d.line((36, 34, 34, 45), fill=(150, 100, 75), width=2)  # nose
    d.arc((27, 44, 45, 56), 20, 160, fill=(150, 60, 60), width=2)  # mouth
    return img.filter(ImageFilter.GaussianBlur(0.8))


def encode_av1_photos() -> tuple[bytes, bytes]:
    """Re-encode PHOTO_AV1 and PHOTO_AV1_GREY (only for refreshing the constants)."""
    out = []
    for grey in (False, True):
        img = draw_face_colour()
        if grey:
            img = img.convert("L")
        best = b""
        for q in range(101):
            buf = io.BytesIO()
            img.save(buf, "AVIF", quality=q, speed=2, **({"subsampling": "4:0:0"} if grey else {}))
            ph = av1_from_avif(buf.getvalue())
            if len(ph) <= AV1_BUDGET:
                best = ph
        out.append(best)
    return out[0], out[1]


# --- AV1 sequence headers, re-encoded field by field (for the malformed-av1 cases) ---


def _bits(fields: Sequence[tuple[int, int]]) -> bytes:
    """Write (value, nbits) pairs MSB first, then AV1 trailing bits (1, zeros to a byte)."""
    out, n = 0, 0
    for value, width in [*fields, (1, 1)]:
        out, n = (out << width) | value, n + width
    pad = -n % 8
    return (out << pad).to_bytes((n + pad) // 8, "big")


def seq_header(
    *,
    profile: int = 0,
    still: int = 1,
    reduced: int = 1,
    width: int = 72,
    height: int = 96,
    high_bitdepth: int = 0,
    mono: int = 0,
    colour: tuple[int, int, int] | None = (1, 13, 6),
    csp: int = 0,
    film_grain: int = 0,
    extra: bytes = b"",
) -> bytes:
    """A reduced still-picture sequence header OBU (AV1 spec 5.5) with these fields; the
    defaults give PHOTO_AV1's own header byte for byte (checked in build_cases)."""
    fields = [(profile, 3), (still, 1), (reduced, 1), (0, 5)]  # level 0
    fields += [(6, 4), (6, 4), (width - 1, 7), (height - 1, 7)]
    fields += [(0, 1), (1, 1), (1, 1), (0, 1), (1, 1), (1, 1)]  # sb128 … restoration
    fields += [(high_bitdepth, 1), (mono, 1), (colour is not None, 1)]
    if colour is not None:
        fields += [(c, 8) for c in colour]
    fields += [(1, 1)]  # color_range: full
    if not mono:
        fields += [(csp, 2), (0, 1)]  # chroma_sample_position, separate_uv_delta_q
    fields += [(film_grain, 1)]
    payload = _bits(fields) + extra
    return bytes([0x0A, len(payload)]) + payload


def av1_parts(ph: bytes) -> tuple[bytes, bytes]:
    """(sequence header OBU, frame OBU) of a well-formed av1 photo."""
    n = 2 + ph[1]  # one-byte sizes in the fixtures
    return ph[:n], ph[n:]


def draw_face() -> Any:
    """The synthetic 72x96 grayscale face behind PHOTO_AVIF and PHOTO_WEBP (no real person)."""
    from PIL import Image, ImageDraw, ImageFilter

    img = Image.new("L", (72, 96), 200)
    d = ImageDraw.Draw(img)
    d.rectangle((0, 70, 72, 96), fill=90)  # shoulders
    d.ellipse((8, 60, 64, 110), fill=110)
    d.rectangle((29, 52, 43, 70), fill=165)  # neck
    d.ellipse((14, 6, 58, 42), fill=60)  # hair
    d.ellipse((17, 14, 55, 64), fill=170)  # face
    d.ellipse((25, 30, 33, 35), fill=50)  # eyes
    d.ellipse((39, 30, 47, 35), fill=50)
    d.line((36, 34, 34, 45), fill=130, width=2)  # nose
    d.arc((27, 44, 45, 56), 20, 160, fill=90, width=2)  # mouth
    return img.filter(ImageFilter.GaussianBlur(0.8))


def encode_photos() -> tuple[bytes, bytes]:
    """Re-encode the synthetic face (only for refreshing the constants above)."""
    img = draw_face()
    avif, webp = io.BytesIO(), io.BytesIO()
    img.save(avif, "AVIF", quality=40, subsampling="4:0:0", speed=6)
    img.save(webp, "WEBP", quality=50, method=6)
    return avif.getvalue(), webp.getvalue()


# --- deterministic material -------------------------------------------------------


def key(label: str) -> nacl.signing.SigningKey:
    """An Ed25519 key whose seed is SHA-256("PAS1 vectors/key/" + label). Test use only."""
    return nacl.signing.SigningKey(hashlib.sha256(f"PAS1 vectors/key/{label}".encode()).digest())


def serial(label: str) -> bytes:
    return hashlib.sha256(f"PAS1 vectors/serial/{label}".encode()).digest()[:16]


def number(prefix: str, label: str) -> str:
    digest = hashlib.sha256(f"PAS1 vectors/pn/{label}".encode()).digest()
    body = "".join(passnumber.ALPHABET[b & 31] for b in digest[: passnumber.DIGITS])
    return f"{prefix}-{body}-{passnumber.check_character(body)}"


ANCHOR = key("anchor")
GRONINGEN_OLD = key("GM0014/2023")
GRONINGEN_NEW = key("GM0014/2025")
ASSEN = key("GM0106/2025")
STRANGER = key("not-in-any-trust-list")

ASSEN_CATEGORIES = (
    Category(code="thuis", label="Thuiswerk", color="#F2C14E"),
    Category(code="inrichting", label="Groen", color="#2E9E4F"),
)

ISSUERS = (
    # The old Groningen key: its exp was moved to the rotation time, so it still
    # vouches for passes issued before then, and for nothing issued after.
    IssuerEntry(
        iss="GM0014",
        name="Gemeente Groningen",
        public_key=bytes(GRONINGEN_OLD.verify_key),
        nbf=NOW - 3 * 365 * DAY,
        exp=ROTATION,
        categories=DEFAULT_CATEGORIES,
    ),
    IssuerEntry(
        iss="GM0014",
        name="Gemeente Groningen",
        public_key=bytes(GRONINGEN_NEW.verify_key),
        nbf=ROTATION,
        exp=NOW + 4 * 365 * DAY,
        categories=DEFAULT_CATEGORIES,
    ),
    IssuerEntry(
        iss="GM0106",
        name="Gemeente Assen",
        public_key=bytes(ASSEN.verify_key),
        nbf=NOW - 365 * DAY,
        exp=NOW + 4 * 365 * DAY,
        categories=ASSEN_CATEGORIES,
    ),
)

TRUST_LIST = TrustList(seq=42, iat=NOW - DAY, exp=NOW + 30 * DAY, issuers=ISSUERS).sign(ANCHOR)
EXPIRED_TRUST_LIST = TrustList(seq=41, iat=NOW - 60 * DAY, exp=NOW - DAY, issuers=ISSUERS).sign(
    ANCHOR
)

REVOKED_LABELS = ("revoked", "revoked-old-key", "revoked-and-expired", "revoked-not-yet-valid")
GRONINGEN_REVOCATIONS = RevocationList.build(
    iss="GM0014",
    seq=9,
    iat=NOW - 3600,
    exp=NOW + 7 * DAY,
    serials=[serial(label) for label in REVOKED_LABELS] + [serial(f"other-{i}") for i in range(3)],
).sign(GRONINGEN_NEW)
EXPIRED_GRONINGEN_REVOCATIONS = RevocationList.build(
    iss="GM0014",
    seq=8,
    iat=NOW - 10 * DAY,
    exp=NOW - 3 * DAY,
    serials=[serial(label) for label in REVOKED_LABELS],
).sign(GRONINGEN_NEW)
# Assen has revoked nothing: an empty list is still a list, and it is current.
ASSEN_REVOCATIONS = RevocationList.build(
    iss="GM0106", seq=3, iat=NOW - 3600, exp=NOW + 7 * DAY, serials=[]
).sign(ASSEN)
REVOCATIONS = (GRONINGEN_REVOCATIONS, ASSEN_REVOCATIONS)


# A second region (ADR 0020): its own anchor, trust list and revocation lists.
# Leeuwarden (GM0080) is listed only there.
ANCHOR_NORTH = key("anchor/region-north")
LEEUWARDEN = key("GM0080/2025")
NORTH_ISSUERS = (
    IssuerEntry(
        iss="GM0080",
        name="Gemeente Leeuwarden",
        public_key=bytes(LEEUWARDEN.verify_key),
        nbf=NOW - 365 * DAY,
        exp=NOW + 4 * 365 * DAY,
        categories=DEFAULT_CATEGORIES,
    ),
)
NORTH_TRUST_LIST = TrustList(seq=5, iat=NOW - DAY, exp=NOW + 30 * DAY, issuers=NORTH_ISSUERS).sign(
    ANCHOR_NORTH
)
NORTH_REVOCATIONS = RevocationList.build(
    iss="GM0080",
    seq=2,
    iat=NOW - 3600,
    exp=NOW + 7 * DAY,
    serials=[serial("north-revoked")],
).sign(LEEUWARDEN)


def region(
    anchor: nacl.signing.SigningKey = ANCHOR_NORTH,
    trust_list: bytes = NORTH_TRUST_LIST,
    revocations: Sequence[bytes] = (NORTH_REVOCATIONS,),
) -> dict[str, Any]:
    """One more pinned anchor with its lists, as a case's ``more_regions`` item."""
    return {
        "anchor_pub_hex": bytes(anchor.verify_key).hex(),
        "trust_list_b64": _b64(trust_list),
        "revocations_b64": [_b64(r) for r in revocations],
    }


def signed_as(payload: bytes, signer: nacl.signing.SigningKey, kid: bytes) -> bytes:
    """COSE_Sign1 bytes signed by ``signer`` but labelled with ``kid`` (maybe not its own)."""
    protected = _cbor.encode({1: -8, 4: kid})
    signature = signer.sign(sig_structure(protected, payload)).signature
    return Sign1(protected, kid, payload, signature).to_bytes()


def edited_payload(signed: bytes, edit: Any) -> bytes:
    """The payload of a signed list, decoded, changed in place by ``edit`` and re-encoded."""
    payload = _cbor.decode(Sign1.from_bytes(signed).payload)
    edit(payload)
    return _cbor.encode(payload)


# Lists for the acceptance rules of §9 (boundaries and refusals).
ANCHOR_KID = kid_for(bytes(ANCHOR.verify_key))
TRUST_LIST_ENDING_NOW = TrustList(seq=40, iat=NOW - 30 * DAY, exp=NOW, issuers=ISSUERS).sign(ANCHOR)
GRONINGEN_REVOCATIONS_ENDING_NOW = RevocationList.build(
    iss="GM0014",
    seq=7,
    iat=NOW - 7 * DAY,
    exp=NOW,
    serials=[serial(label) for label in REVOKED_LABELS],
).sign(GRONINGEN_NEW)
# Same iss and seq as GRONINGEN_REVOCATIONS, other contents: the issuer contradicts itself.
GRONINGEN_REVOCATIONS_EQUIVOCAL = RevocationList.build(
    iss="GM0014",
    seq=9,
    iat=NOW - 3600,
    exp=NOW + 7 * DAY,
    serials=[serial(label) for label in REVOKED_LABELS if label != "revoked"],
).sign(GRONINGEN_NEW)
# The same list (same payload) signed by Groningen's other, rotated-out key.
GRONINGEN_REVOCATIONS_BY_OLD_KEY = Sign1.sign(
    Sign1.from_bytes(GRONINGEN_REVOCATIONS).payload, GRONINGEN_OLD
).to_bytes()


def make_pass(
    label: str,
    *,
    iss: str = "GM0014",
    prefix: str = "GR",
    category: str = "raam",
    iat: int = NOW - 10 * DAY,
    nbf: int | None = None,
    exp: int | None = None,
    photo: bytes = PHOTO_AV1,
    photo_type: str = "av1",
) -> Pass:
    return Pass(
        iss=iss,
        number=number(prefix, label),
        category=category,
        serial=serial(label),
        iat=iat,
        nbf=iat if nbf is None else nbf,
        exp=iat + DEFAULT_VALIDITY_SECONDS if exp is None else exp,
        photo=photo,
        photo_type=photo_type,
    )


# --- deliberate breakage (only through the verifier's own codecs) ------------------


def qr(cose: bytes) -> str:
    return QR_PREFIX + _base45.encode(cose)


def envelope(p: Pass, signer: nacl.signing.SigningKey) -> Sign1:
    return Sign1.sign(p.to_payload(), signer)


def groningen(p: Pass) -> str:
    """QR text of a Groningen pass signed by whichever key was current at its iat."""
    return qr(envelope(p, GRONINGEN_OLD if p.iat < ROTATION else GRONINGEN_NEW).to_bytes())


def signed_claims(claims: dict[Any, Any], signer: nacl.signing.SigningKey) -> str:
    """Sign an arbitrary (possibly invalid) claims map, bypassing Pass's checks."""
    return qr(Sign1.sign(_cbor.encode(claims), signer).to_bytes())


def signed_payload(payload: bytes, signer: nacl.signing.SigningKey) -> str:
    return qr(Sign1.sign(payload, signer).to_bytes())


def claims_of(p: Pass) -> dict[Any, Any]:
    claims = _cbor.decode(p.to_payload())
    assert isinstance(claims, dict)
    return claims


def with_protected(
    header: dict[int, Any], payload: bytes, signer: nacl.signing.SigningKey, unprotected: Any = None
) -> str:
    """A correctly signed COSE_Sign1 with any protected (and unprotected) header."""
    protected = _cbor.encode(header)
    signature = signer.sign(sig_structure(protected, payload)).signature
    unprotected = {} if unprotected is None else unprotected
    return qr(_cbor.encode(_cbor.Tag(18, [protected, unprotected, payload, signature])))


def flip(data: bytes, index: int, mask: int = 1) -> bytes:
    out = bytearray(data)
    out[index] ^= mask
    return bytes(out)


def filler(n: int) -> bytes:
    """``n`` deterministic pseudo-random bytes (a stand-in photo; not an image)."""
    out = b""
    counter = 0
    while len(out) < n:
        out += hashlib.sha256(f"PAS1 vectors/filler/{counter}".encode()).digest()
        counter += 1
    return out[:n]


# --- the cases --------------------------------------------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def case(
    name: str,
    qr_text: str,
    expect: str,
    note: str,
    *,
    now: int = NOW,
    trust_list: bytes = TRUST_LIST,
    revocations: Sequence[bytes] = REVOCATIONS,
    warnings: Sequence[str] = (),
    pass_: Pass | None = None,
    min_seq: int | None = None,
    min_revocation_seqs: dict[str, int] | None = None,
    more_regions: Sequence[dict[str, Any]] | None = None,
    policy: dict[str, Any] | None = None,
) -> dict[str, Any]:
    out: dict[str, Any] = {
        "name": name,
        "note": note,
        "qr_text": qr_text,
        "anchor_pub_hex": bytes(ANCHOR.verify_key).hex(),
        "trust_list_b64": _b64(trust_list),
        "revocations_b64": [_b64(r) for r in revocations],
    }
    # The rollback floors: the highest seqs this verifier accepted before (§9).
    if min_seq is not None:
        out["min_seq"] = min_seq
    if min_revocation_seqs is not None:
        out["min_revocation_seqs"] = min_revocation_seqs
    # Several pinned anchors (§9.1) and where the pass counts (§10.4).
    if more_regions is not None:
        out["more_regions"] = list(more_regions)
    if policy is not None:
        out["policy"] = policy
    out.update({"now": now, "expect": expect, "warnings": list(warnings)})
    if pass_ is not None:
        out["number"] = pass_.number
        shown, media_type = photo_file(pass_.photo, pass_.photo_type)
        out["photo_type"] = media_type
        out["photo_sha256"] = hashlib.sha256(shown).hexdigest()
    return out


def build_cases() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = []
    add = cases.append

    # VALID --------------------------------------------------------------------
    p = make_pass("valid")
    good = envelope(p, GRONINGEN_NEW)
    good_qr = qr(good.to_bytes())
    add(
        case(
            "valid-window-pass",
            good_qr,
            "VALID",
            "white pass (raam), new Groningen key, 337-byte av1 photo (colour)",
            pass_=p,
        )
    )

    p = make_pass(
        "valid-green",
        iss="GM0106",
        prefix="AS",
        category="inrichting",
        photo=PHOTO_WEBP,
        photo_type="image/webp",
    )
    add(
        case(
            "valid-green-pass-webp",
            qr(envelope(p, ASSEN).to_bytes()),
            "VALID",
            "green pass (inrichting) from Assen, WebP photo",
            pass_=p,
        )
    )

    p = make_pass("valid-av1-grey", photo=PHOTO_AV1_GREY)
    add(
        case(
            "valid-av1-grey",
            groningen(p),
            "VALID",
            "353-byte av1 photo, monochrome (4:0:0): the rebuilt AVIF has no MA1B brand, "
            "a 1-channel pixi and av1C mono_chrome 1",
            pass_=p,
        )
    )
    p = make_pass("valid-legacy-avif-file", photo=PHOTO_AVIF, photo_type="image/avif")
    add(
        case(
            "valid-legacy-avif-file",
            groningen(p),
            "VALID",
            "pt image/avif: a whole 521-byte AVIF file, as earlier passes may carry "
            "(shown as it is, no rebuild)",
            pass_=p,
        )
    )

    p = make_pass("valid-assen-thuis", iss="GM0106", prefix="AS", category="thuis")
    add(
        case(
            "valid-issuer-specific-category",
            qr(envelope(p, ASSEN).to_bytes()),
            "VALID",
            "category 'thuis' exists only in Assen's trust-list entry",
            pass_=p,
        )
    )

    p = make_pass("valid-old-key", iat=ROTATION - 30 * DAY)
    add(
        case(
            "valid-old-key-before-rotation",
            qr(envelope(p, GRONINGEN_OLD).to_bytes()),
            "VALID",
            "signed by the rotated-out key 30 days before the rotation; the key stays listed",
            pass_=p,
        )
    )

    p = make_pass("valid-old-key-at-rotation", iat=ROTATION)
    add(
        case(
            "valid-old-key-iat-equals-key-exp",
            qr(envelope(p, GRONINGEN_OLD).to_bytes()),
            "VALID",
            "iat == exp of the old key: the key window nbf..exp is inclusive at both ends",
            pass_=p,
        )
    )

    p = make_pass("valid-new-key-at-rotation", iat=ROTATION)
    add(
        case(
            "valid-new-key-iat-equals-key-nbf",
            groningen(p),
            "VALID",
            "iat == nbf of the new key",
            pass_=p,
        )
    )

    p = make_pass("valid-leeway", iat=NOW + 300, nbf=NOW + 300)
    add(
        case(
            "valid-nbf-within-clock-leeway",
            groningen(p),
            "VALID",
            "nbf = now + 300 s: the verifier's clock may be 300 s behind",
            pass_=p,
        )
    )

    p = make_pass("valid-expires-soon", iat=NOW + 59 * DAY - DEFAULT_VALIDITY_SECONDS)
    add(
        case(
            "valid-expires-soon",
            groningen(p),
            "VALID",
            "exp = now + 59 days",
            warnings=["EXPIRES_SOON"],
            pass_=p,
        )
    )

    p = make_pass("valid-60-days", iat=NOW + 60 * DAY - DEFAULT_VALIDITY_SECONDS)
    add(
        case(
            "valid-expires-in-exactly-60-days",
            groningen(p),
            "VALID",
            "exp - now == 60 days: still warned",
            warnings=["EXPIRES_SOON"],
            pass_=p,
        )
    )

    p = make_pass("valid-60-days-1s", iat=NOW + 60 * DAY + 1 - DEFAULT_VALIDITY_SECONDS)
    add(
        case(
            "valid-expires-in-60-days-and-1-second",
            groningen(p),
            "VALID",
            "exp - now == 60 days + 1 s: no warning",
            pass_=p,
        )
    )

    p = make_pass("valid-last-second", iat=NOW + 1 - DEFAULT_VALIDITY_SECONDS)
    add(
        case(
            "valid-last-second",
            groningen(p),
            "VALID",
            "exp = now + 1: exp is exclusive",
            warnings=["EXPIRES_SOON"],
            pass_=p,
        )
    )

    p = make_pass("valid")
    add(
        case(
            "valid-trust-list-expired",
            good_qr,
            "VALID",
            "the trust list is past its exp: passes still verify, with a warning",
            trust_list=EXPIRED_TRUST_LIST,
            warnings=["TRUST_LIST_EXPIRED"],
            pass_=p,
        )
    )
    add(
        case(
            "valid-revocations-expired",
            good_qr,
            "VALID",
            "Groningen's revocation list is past its exp",
            revocations=[EXPIRED_GRONINGEN_REVOCATIONS, ASSEN_REVOCATIONS],
            warnings=["REVOCATIONS_EXPIRED"],
            pass_=p,
        )
    )
    add(
        case(
            "valid-revocations-missing",
            good_qr,
            "VALID",
            "no revocation list for Groningen was supplied",
            revocations=[ASSEN_REVOCATIONS],
            warnings=["REVOCATIONS_MISSING"],
            pass_=p,
        )
    )

    p = make_pass("valid-all-warnings", iat=NOW + 10 * DAY - DEFAULT_VALIDITY_SECONDS)
    add(
        case(
            "valid-with-every-warning",
            groningen(p),
            "VALID",
            "expires in 10 days, trust list and revocation list both expired",
            trust_list=EXPIRED_TRUST_LIST,
            revocations=[EXPIRED_GRONINGEN_REVOCATIONS],
            warnings=["EXPIRES_SOON", "TRUST_LIST_EXPIRED", "REVOCATIONS_EXPIRED"],
            pass_=p,
        )
    )

    # Filler is opaque under a file type (image/webp: never parsed before it is shown);
    # under av1 it would be MALFORMED (§6.1).
    p = make_pass(
        "valid-largest-photo", photo=filler(MAX_PHOTO_BYTES), photo_type="image/webp"
    )
    add(
        case(
            "valid-photo-of-2000-bytes",
            groningen(p),
            "VALID",
            "ph at the 2000-byte limit (filler bytes under pt image/webp, not an image)",
            pass_=p,
        )
    )

    p = make_pass("valid-longest-number", prefix="GRON")
    add(
        case(
            "valid-pass-number-4-letter-prefix",
            groningen(p),
            "VALID",
            "pn of 15 characters, the longest form (prefix of 4 letters)",
            pass_=p,
        )
    )

    # MALFORMED ------------------------------------------------------------------
    b45 = good_qr[len(QR_PREFIX) :]
    cose = good.to_bytes()
    payload = good.payload
    add(case("malformed-empty", "", "MALFORMED", "no text at all"))
    add(case("malformed-prefix-only", QR_PREFIX, "MALFORMED", "prefix without content"))
    add(case("malformed-no-prefix", b45, "MALFORMED", "base45 without the PAS1: prefix"))
    add(case("malformed-other-prefix", "HC1:" + b45, "MALFORMED", "an EU DCC style prefix"))
    add(
        case(
            "malformed-lowercase-prefix", "pas1:" + b45, "MALFORMED", "the prefix is case-sensitive"
        )
    )
    add(
        case(
            "malformed-base45-lowercase-character",
            QR_PREFIX + b45[:30] + "a" + b45[31:],
            "MALFORMED",
            "a character outside the base45 alphabet",
        )
    )
    dangling = b45 + "0" * ((1 - len(b45)) % 3)
    add(
        case(
            "malformed-base45-dangling-character",
            QR_PREFIX + dangling,
            "MALFORMED",
            "length = 1 mod 3",
        )
    )
    add(
        case(
            "malformed-base45-chunk-above-65535",
            good_qr + "GGW",
            "MALFORMED",
            "'GGW' is 65536 (RFC 9285)",
        )
    )
    add(
        case(
            "malformed-base45-pair-above-255",
            good_qr + "::",
            "MALFORMED",
            "a final pair '::' is 2024",
        )
    )
    add(case("malformed-truncated", qr(cose[:-2]), "MALFORMED", "the last two bytes are missing"))
    add(
        case(
            "malformed-trailing-byte",
            qr(cose + b"\x00"),
            "MALFORMED",
            "one byte after the COSE_Sign1",
        )
    )
    add(
        case(
            "malformed-untagged",
            qr(_cbor.encode([good.protected, {}, payload, good.signature])),
            "MALFORMED",
            "COSE_Sign1 array without tag 18",
        )
    )
    add(
        case(
            "malformed-wrong-tag",
            qr(_cbor.encode(_cbor.Tag(98, [good.protected, {}, payload, good.signature]))),
            "MALFORMED",
            "tag 98 (COSE_Sign) instead of 18",
        )
    )
    add(
        case(
            "malformed-protected-header-without-kid",
            with_protected({1: -8}, payload, GRONINGEN_NEW),
            "MALFORMED",
            "validly signed, protected header {1: -8} without a kid",
        )
    )
    add(
        case(
            "malformed-unprotected-header-not-empty",
            with_protected({1: -8, 4: good.kid}, payload, GRONINGEN_NEW, unprotected={4: good.kid}),
            "MALFORMED",
            "validly signed, the kid repeated in the unprotected header (it must be empty)",
        )
    )
    add(
        case(
            "malformed-alg-es256",
            with_protected({1: -7, 4: good.kid}, payload, GRONINGEN_NEW),
            "MALFORMED",
            "alg -7 (ES256) in the protected header",
        )
    )
    add(
        case(
            "malformed-extra-protected-header",
            with_protected({1: -8, 3: 0, 4: good.kid}, payload, GRONINGEN_NEW),
            "MALFORMED",
            "content type in the protected header: exactly {1, 4} is allowed",
        )
    )
    add(
        case(
            "malformed-kid-9-bytes",
            with_protected({1: -8, 4: good.kid + b"\x00"}, payload, GRONINGEN_NEW),
            "MALFORMED",
            "kid must be 8 bytes",
        )
    )
    add(
        case(
            "malformed-signature-63-bytes",
            qr(_cbor.encode(_cbor.Tag(18, [good.protected, {}, payload, good.signature[:63]]))),
            "MALFORMED",
            "signature must be 64 bytes",
        )
    )
    assert payload.count(b"\x06\x1a") == 1  # key 6 (iat) with a 4-byte head, once
    add(
        case(
            "malformed-payload-non-shortest-integer",
            signed_payload(
                payload.replace(b"\x06\x1a", b"\x06\x1b\x00\x00\x00\x00", 1), GRONINGEN_NEW
            ),
            "MALFORMED",
            "validly signed, iat encoded in 8 bytes instead of 4: not deterministic CBOR",
        )
    )
    duplicated = bytes([payload[0] + 1]) + payload[1:] + _cbor.encode("cat") + _cbor.encode("raam")
    add(
        case(
            "malformed-payload-duplicate-key",
            signed_payload(duplicated, GRONINGEN_NEW),
            "MALFORMED",
            "validly signed, 'cat' appears twice",
        )
    )
    claims = claims_of(p := make_pass("valid"))
    add(
        case(
            "malformed-payload-unknown-claim",
            signed_claims({**claims, "nm": "Jane Doe"}, GRONINGEN_NEW),
            "MALFORMED",
            "an extra claim (a name!): the claim set is closed",
        )
    )
    add(
        case(
            "malformed-payload-missing-claim",
            signed_claims({k: v for k, v in claims.items() if k != "pt"}, GRONINGEN_NEW),
            "MALFORMED",
            "pt is missing",
        )
    )
    bad_pn = p.number[:-1] + ("0" if p.number[-1] != "0" else "1")
    add(
        case(
            "malformed-pass-number-check-character",
            signed_claims({**claims, "pn": bad_pn}, GRONINGEN_NEW),
            "MALFORMED",
            "pn whose Damm check character does not match",
        )
    )
    add(
        case(
            "malformed-iss-not-a-cbs-code",
            signed_claims({**claims, 1: "Groningen"}, GRONINGEN_NEW),
            "MALFORMED",
            "iss must be GM followed by four digits",
        )
    )
    add(
        case(
            "malformed-exp-not-after-nbf",
            signed_claims({**claims, 4: claims[5]}, GRONINGEN_NEW),
            "MALFORMED",
            "exp == nbf",
        )
    )
    add(
        case(
            "malformed-photo-type-jpeg",
            signed_claims({**claims, "pt": "image/jpeg"}, GRONINGEN_NEW),
            "MALFORMED",
            "pt must be av1, image/avif or image/webp",
        )
    )
    add(
        case(
            "malformed-photo-too-large",
            signed_claims({**claims, "ph": filler(MAX_PHOTO_BYTES + 1)}, GRONINGEN_NEW),
            "MALFORMED",
            "ph of 2001 bytes",
        )
    )
    add(
        case(
            "malformed-serial-15-bytes",
            signed_claims({**claims, 7: claims[7][:15]}, GRONINGEN_NEW),
            "MALFORMED",
            "cti must be 16 bytes",
        )
    )
    add(
        case(
            "malformed-qr-text-too-long",
            QR_PREFIX + "0" * (MAX_QR_CHARS - len(QR_PREFIX) + 1),
            "MALFORMED",
            "4297 characters, one over the limit",
        )
    )

    # MALFORMED, one rule each (§4–§6): what a lenient decoder would let through.
    kid = good.kid
    sig = good.signature
    add(
        case(
            "malformed-trailing-line-break",
            good_qr + "\r\n",
            "MALFORMED",
            "a trailing CR LF (length still fine for base45): a reader must not trim the scanned text",
        )
    )
    add(
        case(
            "malformed-double-tag-18",
            qr(b"\xd2" + cose),
            "MALFORMED",
            "tag 18 around the tagged COSE_Sign1: tag 18 only as the outermost item",
        )
    )
    add(
        case(
            "malformed-cose-array-of-five",
            qr(_cbor.encode(_cbor.Tag(18, [good.protected, {}, payload, sig, b""]))),
            "MALFORMED",
            "an empty fifth item after the signature: exactly four items",
        )
    )
    add(
        case(
            "malformed-protected-header-not-wrapped",
            qr(_cbor.encode(_cbor.Tag(18, [{1: -8, 4: kid}, {}, payload, sig]))),
            "MALFORMED",
            "the protected header as a bare map, not a byte string (its encoding is what was signed)",
        )
    )
    add(
        case(
            "malformed-kid-7-bytes",
            with_protected({1: -8, 4: kid[:7]}, payload, GRONINGEN_NEW),
            "MALFORMED",
            "validly signed, kid of 7 bytes (a prefix of the real kid)",
        )
    )
    add(
        case(
            "malformed-kid-not-a-byte-string",
            with_protected({1: -8, 4: kid.hex()[:8]}, payload, GRONINGEN_NEW),
            "MALFORMED",
            "validly signed, kid as text of 8 characters",
        )
    )
    detached = b"\xd2\x84" + _cbor.encode(good.protected) + b"\xa0" + b"\xf6" + _cbor.encode(sig)
    add(
        case(
            "malformed-detached-payload",
            qr(detached),
            "MALFORMED",
            "payload null (COSE's detached content, a simple value): the payload must be a byte string",
        )
    )
    long_head = (
        b"\xd2\x84"
        + _cbor.encode(good.protected)
        + b"\xa0"
        + b"\x5a"
        + len(payload).to_bytes(4, "big")
        + payload
        + _cbor.encode(sig)
    )
    add(
        case(
            "malformed-payload-length-not-shortest",
            qr(long_head),
            "MALFORMED",
            "the payload's length in 4 bytes (5a 00000264) instead of 2: signature still valid",
        )
    )
    add(
        case(
            "malformed-payload-indefinite-length-map",
            signed_payload(b"\xbf" + payload[1:] + b"\xff", GRONINGEN_NEW),
            "MALFORMED",
            "validly signed, the claims map with indefinite length (bf ... ff)",
        )
    )
    photo_item = _cbor.encode(PHOTO_AV1)
    assert payload.count(photo_item) == 1
    add(
        case(
            "malformed-photo-indefinite-length",
            signed_payload(
                payload.replace(photo_item, b"\x5f" + photo_item + b"\xff"), GRONINGEN_NEW
            ),
            "MALFORMED",
            "validly signed, ph as an indefinite-length byte string of one chunk",
        )
    )
    iat_item = b"\x06" + _cbor.encode(claims[6])
    assert payload.count(iat_item) == 1
    as_float = struct.pack(">f", float(claims[6]))
    assert struct.unpack(">f", as_float)[0] == claims[6]
    add(
        case(
            "malformed-payload-float",
            signed_payload(payload.replace(iat_item, b"\x06\xfa" + as_float), GRONINGEN_NEW),
            "MALFORMED",
            "validly signed, iat as a single-precision float of exactly the same value",
        )
    )
    add(
        case(
            "malformed-payload-inner-tag",
            signed_payload(payload.replace(iat_item, b"\x06\xc1" + iat_item[1:]), GRONINGEN_NEW),
            "MALFORMED",
            "validly signed, iat wrapped in tag 1 (epoch time): no tags inside",
        )
    )
    add(
        case(
            "malformed-payload-reserved-additional-info",
            signed_payload(b"\xbc" + payload[1:], GRONINGEN_NEW),
            "MALFORMED",
            "validly signed, the claims map head bc: additional information 28 is reserved",
        )
    )
    add(
        case(
            "malformed-payload-trailing-byte",
            signed_payload(payload + b"\x00", GRONINGEN_NEW),
            "MALFORMED",
            "validly signed, one byte after the claims map",
        )
    )
    pairs = sorted((_cbor.encode(k), _cbor.encode(v)) for k, v in claims.items())
    keys = [k for k, _ in pairs]
    i, j = keys.index(_cbor.encode("pn")), keys.index(_cbor.encode("pt"))
    pairs[i], pairs[j] = pairs[j], pairs[i]
    add(
        case(
            "malformed-payload-keys-out-of-order",
            signed_payload(
                b"\xa9" + b"".join(k + v for k, v in pairs),
                GRONINGEN_NEW,
            ),
            "MALFORMED",
            "validly signed, 'pt' before 'pn': keys must be in bytewise order of their encodings",
        )
    )
    add(
        case(
            "malformed-claim-key-text-1",
            signed_claims(
                {**{k: v for k, v in claims.items() if k != 1}, "1": claims[1]}, GRONINGEN_NEW
            ),
            "MALFORMED",
            'iss under the text key "1" instead of the integer 1',
        )
    )
    pt_item = _cbor.encode("image/avif")
    avif_payload = make_pass("valid", photo=PHOTO_AVIF, photo_type="image/avif").to_payload()
    assert avif_payload.count(pt_item) == 1
    add(
        case(
            "malformed-text-overlong-utf-8",
            signed_payload(
                avif_payload.replace(pt_item, b"\x6bimage\xc0\xafavif"), GRONINGEN_NEW
            ),
            "MALFORMED",
            "validly signed, pt with '/' as the overlong UTF-8 c0 af (reads image/avif if decoded leniently)",
        )
    )
    add(
        case(
            "malformed-photo-empty",
            signed_claims({**claims, "ph": b""}, GRONINGEN_NEW),
            "MALFORMED",
            "ph of 0 bytes",
        )
    )
    # §6.1: av1 photos that are not a 72x96 profile-0 8-bit reduced still picture
    # (sequence header OBU + frame OBU), each validly signed.
    seq, frame = av1_parts(PHOTO_AV1)
    assert seq_header() == seq and seq_header(mono=1) == av1_parts(PHOTO_AV1_GREY)[0]
    frame_payload = frame[3:]  # frame OBU: header 32, two-byte leb128 size
    assert frame[0] == 0x32 and frame[1:3] == bytes([0x80 | len(frame_payload) & 0x7F, len(frame_payload) >> 7])
    bad_av1 = [
        ("temporal-delimiter", b"\x12\x00" + PHOTO_AV1,
         "a temporal delimiter OBU (12 00) before the sequence header"),
        ("frame-first", frame + seq, "the frame OBU before the sequence header"),
        ("no-frame", seq, "the sequence header alone"),
        ("third-obu", PHOTO_AV1 + b"\x7a\x01\x00", "a padding OBU after the frame"),
        ("two-frames", PHOTO_AV1 + frame, "a second frame OBU"),
        ("empty-frame", seq + b"\x32\x00", "a frame OBU of size 0"),
        ("truncated", PHOTO_AV1[:-1], "the last byte cut off: the frame's size runs past ph"),
        ("trailing-byte", PHOTO_AV1 + b"\x00", "one byte after the frame OBU"),
        ("obu-extension", seq + b"\x36\x00" + frame[1:],
         "the frame OBU with obu_extension_flag 1 (and an extension byte)"),
        ("obu-no-size-field", b"\x08" + seq[2:] + frame,
         "a sequence header OBU without obu_has_size_field"),
        ("obu-forbidden-bit", bytes([seq[0] | 0x80]) + seq[1:] + frame,
         "the OBU forbidden bit set"),
        ("obu-reserved-bit", bytes([seq[0] | 0x01]) + seq[1:] + frame,
         "the OBU header's reserved bit set"),
        ("leb128-not-shortest", seq[:1] + bytes([0x80 | seq[1], 0x00]) + seq[2:] + frame,
         "the sequence header size as a two-byte leb128 (89 00)"),
        ("leb128-too-long", seq[:1] + b"\x80" * 8 + b"\x00" + seq[2:] + frame,
         "an OBU size of nine leb128 bytes"),
        ("profile-1", seq_header(profile=1) + frame, "seq_profile 1"),
        ("not-still-picture", seq_header(still=0) + frame,
         "still_picture 0 (reduced_still_picture_header 1)"),
        ("not-reduced", seq_header(reduced=0) + frame, "reduced_still_picture_header 0"),
        ("64x80", seq_header(width=64, height=80) + frame, "a 64x80 picture"),
        ("73x96", seq_header(width=73) + frame, "a 73x96 picture"),
        ("10-bit", seq_header(high_bitdepth=1) + frame, "high_bitdepth 1"),
        ("srgb-identity", seq_header(colour=(1, 13, 0)) + frame,
         "colour description 1/13/0 (sRGB, identity matrix: 4:4:4, not profile 0)"),
        ("chroma-sample-position-3", seq_header(csp=3) + frame,
         "chroma_sample_position 3 (reserved)"),
        ("film-grain", seq_header(film_grain=1) + frame, "film_grain_params_present 1"),
        ("seq-trailing-byte", seq_header(extra=b"\x00") + frame,
         "a zero byte after the sequence header's trailing bits"),
        ("seq-truncated", b"\x0a\x04" + seq[2:6] + frame,
         "a sequence header of 4 bytes, ending inside the frame size"),
        ("webp-file", PHOTO_WEBP, "a WebP file with pt av1"),
        ("avif-file", PHOTO_AVIF, "a whole AVIF file with pt av1"),
    ]
    for label, ph, why in bad_av1:
        add(
            case(
                f"malformed-av1-{label}",
                signed_claims({**claims, "ph": ph}, GRONINGEN_NEW),
                "MALFORMED",
                f"validly signed, pt av1: {why}",
            )
        )
    add(
        case(
            "malformed-serial-text-not-bytes",
            signed_claims({**claims, 7: claims[7].hex()[:16]}, GRONINGEN_NEW),
            "MALFORMED",
            "cti as text of 16 characters instead of 16 bytes",
        )
    )
    add(
        case(
            "malformed-iat-negative",
            signed_claims({**claims, 6: -1}, GRONINGEN_NEW),
            "MALFORMED",
            "iat -1: times are unsigned integers",
        )
    )
    add(
        case(
            "malformed-category-upper-case",
            signed_claims({**claims, "cat": "Raam"}, GRONINGEN_NEW),
            "MALFORMED",
            "cat 'Raam': categories are lower case",
        )
    )
    add(
        case(
            "malformed-category-17-characters",
            signed_claims({**claims, "cat": "r" * 17}, GRONINGEN_NEW),
            "MALFORMED",
            "cat of 17 characters: at most 16",
        )
    )
    _, body, check = p.number.split("-")
    zero_body = "70K3M9QX"
    forms = [
        ("lower-case", p.number.lower(), "the valid number in lower case"),
        ("without-hyphens", p.number.replace("-", ""), "the valid number without hyphens"),
        ("prefix-5-letters", f"GRONI-{body}-{check}", "prefix of 5 letters (2 to 4)"),
        ("prefix-1-letter", f"G-{body}-{check}", "prefix of 1 letter (2 to 4)"),
        (
            "letter-o-for-zero",
            f"GR-{zero_body.replace('0', 'O')}-{passnumber.check_character(zero_body)}",
            "O typed for 0: a typing aid for people, never valid inside a pass",
        ),
    ]
    for label, pn, note in forms:
        assert not passnumber.is_valid(pn)
        add(
            case(
                f"malformed-pass-number-{label}",
                signed_claims({**claims, "pn": pn}, GRONINGEN_NEW),
                "MALFORMED",
                note + " (the check character matches the body)",
            )
        )

    # UNKNOWN_ISSUER ---------------------------------------------------------------
    p = make_pass("stranger")
    add(
        case(
            "unknown-issuer-kid-not-listed",
            qr(envelope(p, STRANGER).to_bytes()),
            "UNKNOWN_ISSUER",
            "signed by a key that is in no trust-list entry",
        )
    )
    p = make_pass("iss-mismatch", category="inrichting")
    add(
        case(
            "unknown-issuer-iss-mismatch",
            qr(envelope(p, ASSEN).to_bytes()),
            "UNKNOWN_ISSUER",
            "Assen's key signed a pass claiming iss GM0014",
        )
    )
    p = make_pass("old-key-after-rotation", iat=ROTATION + DAY)
    add(
        case(
            "unknown-issuer-iat-after-key-exp",
            qr(envelope(p, GRONINGEN_OLD).to_bytes()),
            "UNKNOWN_ISSUER",
            "the old key signed a pass a day after its exp (the rotation)",
        )
    )
    p = make_pass("new-key-before-nbf", iat=ROTATION - 1)
    add(
        case(
            "unknown-issuer-iat-before-key-nbf",
            qr(envelope(p, GRONINGEN_NEW).to_bytes()),
            "UNKNOWN_ISSUER",
            "the new key signed a pass dated one second before its nbf",
        )
    )
    p = make_pass("foreign-category", category="thuis")
    add(
        case(
            "unknown-issuer-category-not-listed",
            groningen(p),
            "UNKNOWN_ISSUER",
            "category 'thuis' is not among Groningen's categories",
        )
    )
    add(
        case(
            "unknown-issuer-before-bad-signature",
            qr(flip(envelope(make_pass("stranger"), STRANGER).to_bytes(), -1)),
            "UNKNOWN_ISSUER",
            "unknown kid and a broken signature: the kid is checked first",
        )
    )

    # BAD_SIGNATURE ----------------------------------------------------------------
    add(
        case(
            "bad-signature-flipped-bit",
            qr(flip(cose, len(cose) - 64)),
            "BAD_SIGNATURE",
            "lowest bit of the signature's first byte flipped",
        )
    )
    p = make_pass("valid")
    longer = dataclasses.replace(p, exp=p.exp + 365 * DAY)
    add(
        case(
            "bad-signature-payload-altered",
            qr(Sign1(good.protected, good.kid, longer.to_payload(), good.signature).to_bytes()),
            "BAD_SIGNATURE",
            "exp extended by a year after signing",
        )
    )
    p = make_pass("borrowed-kid")
    add(
        case(
            "bad-signature-wrong-key-behind-kid",
            with_protected(
                {1: -8, 4: kid_for(bytes(GRONINGEN_NEW.verify_key))}, p.to_payload(), STRANGER
            ),
            "BAD_SIGNATURE",
            "a stranger's signature under Groningen's current kid",
        )
    )
    add(
        case(
            "bad-signature-anchor-key",
            with_protected({1: -8, 4: good.kid}, payload, ANCHOR),
            "BAD_SIGNATURE",
            "signed by the trust anchor under Groningen's kid",
        )
    )
    s_plus_l = int.from_bytes(good.signature[32:], "little") + ED25519_ORDER
    malleated = good.signature[:32] + s_plus_l.to_bytes(32, "little")
    add(
        case(
            "bad-signature-malleated-s",
            qr(Sign1(good.protected, good.kid, payload, malleated).to_bytes()),
            "BAD_SIGNATURE",
            "S replaced by S + L: verifiers must refuse a non-canonical S (RFC 8032 §5.1.7)",
        )
    )

    # NOT_YET_VALID ----------------------------------------------------------------
    p = make_pass("not-yet-valid", iat=NOW - DAY, nbf=NOW + 301)
    add(
        case(
            "not-yet-valid-just-outside-leeway",
            groningen(p),
            "NOT_YET_VALID",
            "nbf = now + 301 s",
            pass_=p,
        )
    )
    p = make_pass("next-week", iat=NOW + 7 * DAY)
    add(
        case(
            "not-yet-valid-next-week",
            groningen(p),
            "NOT_YET_VALID",
            "issued and valid from next week",
            pass_=p,
        )
    )
    p = make_pass("revoked-not-yet-valid", iat=NOW - DAY, nbf=NOW + DAY)
    add(
        case(
            "not-yet-valid-before-revoked",
            groningen(p),
            "NOT_YET_VALID",
            "revoked too, but the time checks come first",
            pass_=p,
        )
    )

    # EXPIRED ---------------------------------------------------------------------
    p = make_pass("expired-now", iat=NOW - DEFAULT_VALIDITY_SECONDS)
    add(case("expired-at-exp", groningen(p), "EXPIRED", "now == exp: exp is exclusive", pass_=p))
    p = make_pass("expired-last-year", iat=ROTATION - DEFAULT_VALIDITY_SECONDS + 100 * DAY)
    add(
        case(
            "expired-old-key",
            qr(envelope(p, GRONINGEN_OLD).to_bytes()),
            "EXPIRED",
            "an old pass from the old key, expired 100 days ago",
            pass_=p,
        )
    )
    p = make_pass("revoked-and-expired", iat=NOW - DEFAULT_VALIDITY_SECONDS - DAY)
    add(
        case(
            "expired-before-revoked",
            groningen(p),
            "EXPIRED",
            "revoked too, but EXPIRED is checked first",
            pass_=p,
        )
    )
    p = make_pass("expired-now", iat=NOW - DEFAULT_VALIDITY_SECONDS)
    add(
        case(
            "expired-with-trust-list-expired",
            groningen(p),
            "EXPIRED",
            "list warnings accompany every verdict whose signature verified",
            trust_list=EXPIRED_TRUST_LIST,
            warnings=["TRUST_LIST_EXPIRED"],
            pass_=p,
        )
    )

    # REVOKED ---------------------------------------------------------------------
    p = make_pass("revoked")
    add(case("revoked", groningen(p), "REVOKED", "cti is in Groningen's revocation list", pass_=p))
    p = make_pass("revoked-old-key", iat=ROTATION - 5 * DAY)
    add(
        case(
            "revoked-pass-of-old-key",
            qr(envelope(p, GRONINGEN_OLD).to_bytes()),
            "REVOKED",
            "revocation is per issuer, not per key: the list signed by the new key covers it",
            pass_=p,
        )
    )
    p = make_pass("revoked")
    add(
        case(
            "revoked-by-expired-list",
            groningen(p),
            "REVOKED",
            "an expired revocation list still revokes",
            revocations=[EXPIRED_GRONINGEN_REVOCATIONS, ASSEN_REVOCATIONS],
            warnings=["REVOCATIONS_EXPIRED"],
            pass_=p,
        )
    )

    # LISTS (§9): boundaries, several lists at once, floors and refusals ----------------
    p = make_pass("valid")
    add(
        case(
            "valid-trust-list-exp-equals-now",
            good_qr,
            "VALID",
            "the trust list's exp == now: expired (exp is exclusive, as everywhere)",
            trust_list=TRUST_LIST_ENDING_NOW,
            warnings=["TRUST_LIST_EXPIRED"],
            pass_=p,
        )
    )
    add(
        case(
            "valid-revocations-exp-equals-now",
            good_qr,
            "VALID",
            "Groningen's revocation list has exp == now: expired",
            revocations=[GRONINGEN_REVOCATIONS_ENDING_NOW, ASSEN_REVOCATIONS],
            warnings=["REVOCATIONS_EXPIRED"],
            pass_=p,
        )
    )
    add(
        case(
            "valid-trust-list-seq-equal-to-floor",
            good_qr,
            "VALID",
            "trust list seq 42 with 42 accepted before: equal is not a rollback",
            min_seq=42,
            pass_=p,
        )
    )
    p = make_pass("revoked")
    add(
        case(
            "revoked-revocations-seq-equal-to-floor",
            groningen(p),
            "REVOKED",
            "Groningen's list seq 9 with 9 accepted before: equal is not a rollback",
            min_revocation_seqs={"GM0014": 9},
            pass_=p,
        )
    )
    add(
        case(
            "revoked-by-list-signed-with-retired-key",
            groningen(p),
            "REVOKED",
            "the list is signed by Groningen's old key, whose window ended: any key listed for the iss may sign",
            revocations=[GRONINGEN_REVOCATIONS_BY_OLD_KEY, ASSEN_REVOCATIONS],
            pass_=p,
        )
    )
    add(
        case(
            "revoked-same-list-from-both-keys",
            groningen(p),
            "REVOKED",
            "one seq, the same payload signed by each of Groningen's keys: not a contradiction",
            revocations=[
                GRONINGEN_REVOCATIONS,
                GRONINGEN_REVOCATIONS_BY_OLD_KEY,
                ASSEN_REVOCATIONS,
            ],
            pass_=p,
        )
    )
    p = make_pass("other-0")
    add(
        case(
            "revoked-lower-seq-in-the-same-call-is-superseded",
            groningen(p),
            "REVOKED",
            "Groningen's seq 9 then seq 8 in one call: a set, the highest seq is used, seq 8 is ignored",
            revocations=[GRONINGEN_REVOCATIONS, EXPIRED_GRONINGEN_REVOCATIONS, ASSEN_REVOCATIONS],
            pass_=p,
        )
    )

    # REFUSED: the lists must not be accepted; qr_text is a pass that would be VALID.
    # Where the pass counts (§10.4) and several regions (§9.1) ------------------------
    assen_here = {"here": "GM0106", "accept": []}
    p = make_pass("valid")
    add(
        case(
            "not-valid-here-other-issuer",
            good_qr,
            "NOT_VALID_HERE",
            "a valid Groningen pass, checked by a verifier set up for Assen that accepts only "
            "its own passes",
            policy=assen_here,
            pass_=p,
        )
    )
    add(
        case(
            "valid-here-accepted-issuer",
            good_qr,
            "VALID",
            "the same pass where Assen's policy accepts Groningen",
            policy={"here": "GM0106", "accept": ["GM0014"]},
            pass_=p,
        )
    )
    p = make_pass("valid-green", iss="GM0106", prefix="AS", category="inrichting",
                  photo=PHOTO_WEBP, photo_type="image/webp")
    add(
        case(
            "valid-here-own-issuer",
            qr(envelope(p, ASSEN).to_bytes()),
            "VALID",
            "the municipality's own passes always count, with an empty accept list",
            policy=assen_here,
            pass_=p,
        )
    )
    p = make_pass("revoked")
    add(
        case(
            "revoked-before-not-valid-here",
            groningen(p),
            "REVOKED",
            "revoked and not accepted here: REVOKED is checked first",
            policy=assen_here,
            pass_=p,
        )
    )
    p = make_pass("expired-not-here", iat=NOW - DEFAULT_VALIDITY_SECONDS - DAY)
    add(
        case(
            "expired-before-not-valid-here",
            groningen(p),
            "EXPIRED",
            "expired and not accepted here: EXPIRED is checked first",
            policy=assen_here,
            pass_=p,
        )
    )
    p = make_pass("not-here-soon", iat=NOW + 30 * DAY - DEFAULT_VALIDITY_SECONDS)
    add(
        case(
            "not-valid-here-no-expires-soon",
            groningen(p),
            "NOT_VALID_HERE",
            "exp = now + 30 days: EXPIRES_SOON is a VALID verdict's warning only",
            policy=assen_here,
            pass_=p,
        )
    )
    p = make_pass("north", iss="GM0080", prefix="LW")
    north_qr = qr(envelope(p, LEEUWARDEN).to_bytes())
    add(
        case(
            "valid-second-region",
            north_qr,
            "VALID",
            "a Leeuwarden pass under a second pinned anchor, no policy: every trusted issuer counts",
            more_regions=[region()],
            pass_=p,
        )
    )
    add(
        case(
            "not-valid-here-second-region",
            north_qr,
            "NOT_VALID_HERE",
            "the Leeuwarden pass where Assen accepts itself and Groningen only",
            more_regions=[region()],
            policy={"here": "GM0106", "accept": ["GM0014"]},
            pass_=p,
        )
    )
    add(
        case(
            "valid-here-second-region-accepted",
            north_qr,
            "VALID",
            "the Leeuwarden pass where Assen's policy accepts Leeuwarden",
            more_regions=[region()],
            policy={"here": "GM0106", "accept": ["GM0014", "GM0080"]},
            pass_=p,
        )
    )
    add(
        case(
            "unknown-issuer-region-not-pinned",
            north_qr,
            "UNKNOWN_ISSUER",
            "the Leeuwarden pass without the second anchor: not 'not valid here', unknown",
            policy=assen_here,
        )
    )
    p = make_pass("north-revoked", iss="GM0080", prefix="LW")
    add(
        case(
            "revoked-second-region",
            qr(envelope(p, LEEUWARDEN).to_bytes()),
            "REVOKED",
            "revoked on the second region's own list",
            more_regions=[region()],
            pass_=p,
        )
    )
    north_expired = TrustList(
        seq=4, iat=NOW - 60 * DAY, exp=NOW - DAY, issuers=NORTH_ISSUERS
    ).sign(ANCHOR_NORTH)
    add(
        case(
            "valid-first-region-other-region-expired",
            good_qr,
            "VALID",
            "the second region's trust list expired: a pass of the first region has no warning",
            more_regions=[region(trust_list=north_expired)],
            pass_=make_pass("valid"),
        )
    )
    p = make_pass("north", iss="GM0080", prefix="LW")
    add(
        case(
            "trust-list-expired-second-region",
            north_qr,
            "VALID",
            "the second region's trust list expired: its passes carry TRUST_LIST_EXPIRED",
            more_regions=[region(trust_list=north_expired)],
            warnings=["TRUST_LIST_EXPIRED"],
            pass_=p,
        )
    )

    def refused(name: str, note: str, **kwargs: Any) -> None:
        add(case(f"refused-{name}", good_qr, "REFUSED", note, **kwargs))

    refused(
        "issuer-under-two-anchors",
        "the second anchor's trust list also lists Groningen (GM0014): refused, whichever "
        "comes first",
        more_regions=[
            region(
                trust_list=TrustList(
                    seq=5,
                    iat=NOW - DAY,
                    exp=NOW + 30 * DAY,
                    issuers=(*NORTH_ISSUERS, ISSUERS[1]),
                ).sign(ANCHOR_NORTH)
            )
        ],
    )
    refused(
        "second-region-trust-list-by-first-anchor",
        "each region's trust list must be signed by its own pinned anchor",
        more_regions=[region(trust_list=TrustList(
            seq=5, iat=NOW - DAY, exp=NOW + 30 * DAY, issuers=NORTH_ISSUERS).sign(ANCHOR))],
    )
    refused(
        "same-anchor-twice",
        "two regions that pin one anchor",
        more_regions=[region(anchor=ANCHOR, trust_list=TRUST_LIST, revocations=())],
    )

    refused(
        "trust-list-not-signed-by-anchor",
        "the trust list carries the anchor's kid but is signed by another key",
        trust_list=signed_as(Sign1.from_bytes(TRUST_LIST).payload, STRANGER, ANCHOR_KID),
    )
    refused(
        "trust-list-kid-not-the-anchors",
        "signed by the anchor, but labelled with Groningen's kid: the kid must be the anchor's",
        trust_list=signed_as(
            Sign1.from_bytes(TRUST_LIST).payload, ANCHOR, kid_for(bytes(GRONINGEN_NEW.verify_key))
        ),
    )
    refused(
        "trust-list-rollback",
        "trust list seq 42 with 43 accepted before",
        min_seq=43,
    )

    def wrong_entry_kid(tl: dict[str, Any]) -> None:
        tl["issuers"][0]["kid"] = tl["issuers"][1]["kid"][:4] + tl["issuers"][0]["kid"][4:]

    refused(
        "trust-list-entry-kid-not-its-key",
        "validly signed, an entry whose kid is not SHA-256(pub)[:8]",
        trust_list=Sign1.sign(edited_payload(TRUST_LIST, wrong_entry_kid), ANCHOR).to_bytes(),
    )
    groningen_payload = Sign1.from_bytes(GRONINGEN_REVOCATIONS).payload
    refused(
        "revocations-rollback",
        "Groningen's list seq 9 with 10 accepted before",
        min_revocation_seqs={"GM0014": 10},
    )
    refused(
        "revocations-equivocation",
        "two lists of Groningen with seq 9 and different serials: the issuer contradicts itself",
        revocations=[GRONINGEN_REVOCATIONS, GRONINGEN_REVOCATIONS_EQUIVOCAL, ASSEN_REVOCATIONS],
    )
    refused(
        "revocations-kid-of-the-other-key",
        "signed by Groningen's current key, labelled with the kid of its old key",
        revocations=[
            signed_as(groningen_payload, GRONINGEN_NEW, kid_for(bytes(GRONINGEN_OLD.verify_key))),
            ASSEN_REVOCATIONS,
        ],
    )
    refused(
        "revocations-signed-by-another-issuer",
        "Groningen's list signed by Assen's key",
        revocations=[Sign1.sign(groningen_payload, ASSEN).to_bytes(), ASSEN_REVOCATIONS],
    )
    refused(
        "revocations-signed-by-unlisted-key",
        "Groningen's list signed by a key in no trust-list entry",
        revocations=[Sign1.sign(groningen_payload, STRANGER).to_bytes(), ASSEN_REVOCATIONS],
    )

    def descending(rl: dict[str, Any]) -> None:
        rl["serials"].reverse()

    refused(
        "revocations-serials-not-ascending",
        "validly signed, Groningen's serials in descending order",
        revocations=[
            Sign1.sign(edited_payload(GRONINGEN_REVOCATIONS, descending), GRONINGEN_NEW).to_bytes(),
            ASSEN_REVOCATIONS,
        ],
    )
    return cases


def render() -> str:
    return json.dumps(build_cases(), indent=2, ensure_ascii=False) + "\n"


def explain(qr_text: str, *, keep: int = 16) -> str:
    """An annotated hex dump of a pass's COSE bytes (docs/token-format.md shows one).

    Each line is ``OFFSET  HEX | meaning`` (offsets in hex); the photo's middle is
    elided on a line starting with ``...``. Built with the verifier's own decoder
    and encoder, so it cannot disagree with them.
    """
    import datetime

    cose = _base45.decode(qr_text[len(QR_PREFIX) :])
    env = Sign1.from_bytes(cose)
    claims = _cbor.decode(env.payload)
    assert isinstance(claims, dict)
    names = {1: "iss", 4: "exp", 5: "nbf", 6: "iat", 7: "cti"}
    lines: list[str] = []
    pos = 0

    def emit(data: bytes, meaning: str = "", indent: int = 0) -> None:
        nonlocal pos
        assert cose[pos : pos + len(data)] == data
        for i in range(0, len(data), 16):
            hex_ = " " * indent + data[i : i + 16].hex(" ")
            note = meaning if i == 0 else ""
            lines.append(f"{pos + i:04x}  {hex_:<52}{'| ' + note if note else ''}".rstrip())
        pos += len(data)

    def describe(k: Any, v: Any) -> str:
        key = f"{k} ({names[k]})" if k in names else json.dumps(k)
        if isinstance(v, int):
            when = datetime.datetime.fromtimestamp(v, datetime.UTC).strftime("%Y-%m-%dT%H:%MZ")
            return f"{key}: uint {v} = {when}"
        if isinstance(v, bytes):
            return f"{key}: bstr, {len(v)} bytes"
        return f"{key}: text {json.dumps(v)}"

    emit(b"\xd2", "tag 18: COSE_Sign1")
    emit(b"\x84", "array of 4")
    emit(_cbor.byte_string_head(len(env.protected)), "bstr, 13 bytes: protected header")
    emit(env.protected[:1], "map of 2", 2)
    emit(env.protected[1:3], "1 (alg): -8 (EdDSA)", 2)
    emit(env.protected[3:5], "4 (kid): bstr, 8 bytes", 2)
    emit(env.kid, "kid = SHA-256(issuer public key)[:8]", 4)
    emit(b"\xa0", "map of 0: unprotected header, always empty")
    emit(_cbor.byte_string_head(len(env.payload)), f"bstr, {len(env.payload)} bytes: payload")
    emit(env.payload[:1], f"map of {len(claims)}: the claims", 2)
    for k, v in claims.items():
        encoded = _cbor.encode(v)
        raw = v if isinstance(v, bytes) else v.encode() if isinstance(v, str) else b""
        head = _cbor.encode(k) + encoded[: len(encoded) - len(raw)]
        emit(head, describe(k, v), 2)
        if len(raw) > 2 * keep:
            emit(raw[:keep], "photo: first bytes", 4)
            lines.append(f"...   {len(raw) - 2 * keep} more photo bytes")
            pos += len(raw) - 2 * keep
            emit(raw[-keep:], "photo: last bytes", 4)
        elif raw:
            emit(raw, "", 4)
    emit(b"\x58\x40", "bstr, 64 bytes: Ed25519 signature (R, S)")
    emit(env.signature, "", 2)
    assert pos == len(cose)
    return "\n".join(lines) + "\n"


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("out", nargs="?", help="output file, or - for stdout")
    parser.add_argument(
        "--photos", action="store_true", help="print freshly encoded photo constants"
    )
    parser.add_argument("--explain", metavar="NAME", help="annotated hex dump of one case")
    args = parser.parse_args(argv)
    if args.photos:
        names = ("PHOTO_AVIF", "PHOTO_WEBP", "PHOTO_AV1", "PHOTO_AV1_GREY")
        for name, data in zip(names, encode_photos() + encode_av1_photos(), strict=True):
            print(f"{name} ({len(data)} bytes):\n{base64.encodebytes(data).decode()}")
        return 0
    if args.explain:
        (chosen,) = [c for c in build_cases() if c["name"] == args.explain]
        sys.stdout.write(explain(chosen["qr_text"]))
        return 0
    if not args.out:
        parser.error("OUT.json is required")
    text = render()
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w", encoding="utf-8") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
