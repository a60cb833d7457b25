"""The pass photo: checking an AV1 thumbnail and rebuilding the AVIF file around it.

A pass of photo type ``av1`` carries only the coded picture — the AV1 sequence header
OBU followed by the frame OBU — not an AVIF file: at 72×96 and ~360 bytes the AVIF
container (~277 bytes of boxes) would be most of the photo (ADR 0018). This module

- checks such a bitstream on its bytes (:func:`check_av1`, called by
  :class:`verifier.format.Pass` while decoding, so a malformed one makes the pass
  MALFORMED before anything else looks at it), and
- rebuilds the AVIF file, byte for byte what libavif 1.x writes for that one image
  (:func:`avif_from_av1`), every box field taken from the sequence header
  (docs/token-format.md §6.1).

:func:`photo_file` turns a verified pass's ``ph``/``pt`` into the file and media type a
platform decoder (a browser, Pillow) is given. Nothing here decodes pixels, and no
caller should decode a photo before the pass's signature verified. Pure and
dependency-free; every failure is a :class:`~verifier.errors.FormatError`.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass
from typing import Final

from .errors import FormatError

__all__ = [
    "AV1_HEIGHT",
    "AV1_WIDTH",
    "PHOTO_TYPE_AV1",
    "AV1Sequence",
    "av1_from_avif",
    "avif_from_av1",
    "check_av1",
    "photo_file",
]

#: The ``pt`` of a bare AV1 thumbnail (ADR 0018).
PHOTO_TYPE_AV1: Final = "av1"
#: The only picture size an ``av1`` photo may have.
AV1_WIDTH: Final = 72
AV1_HEIGHT: Final = 96

OBU_SEQUENCE_HEADER: Final = 1
OBU_TEMPORAL_DELIMITER: Final = 2
OBU_FRAME: Final = 6
#: A temporal delimiter OBU (type 2, has_size_field, size 0): the first two bytes of the
#: AVIF item, not carried in the pass.
TEMPORAL_DELIMITER: Final = b"\x12\x00"
_LEB128_MAX_BYTES: Final = 8


@dataclass(frozen=True, slots=True)
class AV1Sequence:
    """The fields of an AV1 sequence header an AVIF file repeats."""

    profile: int
    level: int
    width: int
    height: int
    bit_depth: int
    mono: bool
    subsampling_x: int
    subsampling_y: int
    chroma_sample_position: int
    color_primaries: int
    transfer: int
    matrix: int
    full_range: bool


class _Bits:
    """MSB-first bit reader over one OBU payload (AV1 spec 4.10.2 f(n))."""

    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def f(self, n: int) -> int:
        if self.pos + n > 8 * len(self.data):
            raise FormatError("av1 photo: sequence header is truncated")
        v = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            v = (v << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return v


def _leb128(data: bytes, pos: int) -> tuple[int, int]:
    """(value, position after it); minimal encoding, at most 8 bytes (AV1 spec 4.10.5)."""
    value = 0
    for i in range(_LEB128_MAX_BYTES):
        if pos + i >= len(data):
            raise FormatError("av1 photo: OBU size is truncated")
        b = data[pos + i]
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            if i > 0 and b == 0:
                raise FormatError("av1 photo: OBU size is not in its shortest leb128 form")
            return value, pos + i + 1
    raise FormatError("av1 photo: OBU size is longer than 8 bytes")


def _obus(data: bytes) -> list[tuple[int, bytes]]:
    """Split ``ph`` into (obu_type, payload) pairs, checking every OBU header."""
    out: list[tuple[int, bytes]] = []
    pos = 0
    while pos < len(data):
        header = data[pos]
        obu_type = (header >> 3) & 0xF
        if header & 0x80:
            raise FormatError("av1 photo: OBU forbidden bit is set")
        if header & 0x04:
            raise FormatError("av1 photo: OBU extension headers are not allowed")
        if not header & 0x02:
            raise FormatError("av1 photo: OBU without a size field")
        if header & 0x01:
            raise FormatError("av1 photo: OBU reserved bit is set")
        size, body = _leb128(data, pos + 1)
        if size > len(data) - body:
            raise FormatError("av1 photo: OBU is truncated (its size runs past the photo)")
        out.append((obu_type, data[body : body + size]))
        pos = body + size
    return out


def _sequence_header(payload: bytes) -> AV1Sequence:
    """AV1 spec 5.5 for a reduced still-picture header; everything else is refused."""
    r = _Bits(payload)
    profile = r.f(3)
    if profile != 0:
        raise FormatError(f"av1 photo: seq_profile {profile} is not supported (only 0)")
    still, reduced = r.f(1), r.f(1)
    if not (still and reduced):
        raise FormatError("av1 photo: not a reduced still-picture sequence header")
    level = r.f(5)
    wbits, hbits = r.f(4) + 1, r.f(4) + 1
    width, height = r.f(wbits) + 1, r.f(hbits) + 1
    if (width, height) != (AV1_WIDTH, AV1_HEIGHT):
        raise FormatError(f"av1 photo: {width}×{height}, must be {AV1_WIDTH}×{AV1_HEIGHT}")
    r.f(6)  # use_128x128_superblock … enable_restoration: the decoder's business
    # color_config() (5.5.2), profile 0
    if r.f(1):  # high_bitdepth
        raise FormatError("av1 photo: only 8-bit is supported")
    mono = bool(r.f(1))
    cp, tc, mc = 2, 2, 2  # "unspecified" when no colour description is present
    if r.f(1):  # color_description_present_flag
        cp, tc, mc = r.f(8), r.f(8), r.f(8)
    csp = 0
    if mono:
        full = bool(r.f(1))
        ssx = ssy = 1
    elif cp == 1 and tc == 13 and mc == 0:
        # sRGB/identity means 4:4:4, which profile 0 cannot carry.
        raise FormatError("av1 photo: 4:4:4 (sRGB identity) needs a profile other than 0")
    else:
        full = bool(r.f(1))
        ssx = ssy = 1  # profile 0 is 4:2:0
        csp = r.f(2)
        if csp == 3:
            raise FormatError("av1 photo: chroma_sample_position 3 is reserved")
        r.f(1)  # separate_uv_delta_q
    if r.f(1):  # film_grain_params_present
        raise FormatError("av1 photo: film grain is not allowed")
    # trailing_bits(): a one bit, then zero bits up to the end of the OBU, which must
    # end in the byte that holds that one bit.
    if r.f(1) != 1:
        raise FormatError("av1 photo: sequence header has no trailing one bit")
    while r.pos & 7:
        if r.f(1):
            raise FormatError("av1 photo: sequence header trailing bits are not zero")
    if r.pos != 8 * len(payload):
        raise FormatError("av1 photo: sequence header has bytes after its trailing bits")
    return AV1Sequence(profile, level, width, height, 8, mono, ssx, ssy, csp, cp, tc, mc, full)


def check_av1(ph: bytes) -> AV1Sequence:
    """Check an ``av1`` photo on its bytes and return its sequence header.

    ``ph`` must be exactly two OBUs, a sequence header then a frame, each with
    ``obu_has_size_field`` 1 and no extension; the header a reduced still-picture,
    profile 0, 8-bit, 72×96 one (docs/token-format.md §6.1). The frame OBU is not
    parsed: only the platform decoder reads it, after the signature verified.
    Raises :class:`FormatError` with a one-line reason.
    """
    if not isinstance(ph, bytes | bytearray) or not ph:
        raise FormatError("av1 photo: empty")
    parts = _obus(bytes(ph))
    types = [t for t, _ in parts]
    if not types or types[0] != OBU_SEQUENCE_HEADER:
        raise FormatError("av1 photo: must start with a sequence header OBU")
    if len(types) != 2 or types[1] != OBU_FRAME:
        raise FormatError("av1 photo: must be exactly a sequence header OBU and a frame OBU")
    if not parts[1][1]:
        raise FormatError("av1 photo: the frame OBU is empty")
    return _sequence_header(parts[0][1])


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return _box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def avif_from_av1(ph: bytes) -> bytes:
    """The AVIF file around an ``av1`` photo (docs/token-format.md §6.1), byte for byte
    what libavif 1.x writes for that image. Raises :class:`FormatError` like
    :func:`check_av1`."""
    s = check_av1(ph)
    brands = b"avif" + b"mif1" + b"miaf" + (b"" if s.mono else b"MA1B")
    ftyp = _box(b"ftyp", b"avif" + b"\x00\x00\x00\x00" + brands)
    hdlr = _full(b"hdlr", 0, 0, b"\x00" * 4 + b"pict" + b"\x00" * 12 + b"\x00")
    pitm = _full(b"pitm", 0, 0, b"\x00\x01")
    infe = _full(b"infe", 2, 0, b"\x00\x01" + b"\x00\x00" + b"av01" + b"Color\x00")
    iinf = _full(b"iinf", 0, 0, b"\x00\x01" + infe)
    ispe = _full(b"ispe", 0, 0, struct.pack(">II", s.width, s.height))
    channels = 1 if s.mono else 3
    pixi = _full(b"pixi", 0, 0, bytes([channels]) + bytes([s.bit_depth]) * channels)
    av1c = _box(
        b"av1C",
        bytes(
            [
                0x81,  # marker 1, version 1
                (s.profile << 5) | s.level,
                (s.mono << 4)  # seq_tier 0, high_bitdepth 0, twelve_bit 0
                | (s.subsampling_x << 3)
                | (s.subsampling_y << 2)
                | s.chroma_sample_position,
                0,  # no initial_presentation_delay, no configOBUs
            ]
        ),
    )
    colr = _box(
        b"colr",
        b"nclx"
        + struct.pack(">HHH", s.color_primaries, s.transfer, s.matrix)
        + bytes([0x80 if s.full_range else 0]),
    )
    ipco = _box(b"ipco", ispe + pixi + av1c + colr)
    # item 1: ispe (1), pixi (2), av1C (3, essential), colr (4)
    ipma = _full(b"ipma", 0, 0, b"\x00\x00\x00\x01" + b"\x00\x01" + b"\x04" + b"\x01\x02\x83\x04")
    iprp = _box(b"iprp", ipco + ipma)
    item = TEMPORAL_DELIMITER + bytes(ph)

    def meta(offset: int) -> bytes:
        iloc = _full(
            b"iloc",
            0,
            0,
            b"\x44\x00"  # offset_size 4, length_size 4, base_offset_size 0
            + b"\x00\x01"  # item_count
            + b"\x00\x01"  # item_ID
            + b"\x00\x00"  # data_reference_index
            + b"\x00\x01"  # extent_count
            + struct.pack(">II", offset, len(item)),
        )
        return _full(b"meta", 0, 0, hdlr + pitm + iloc + iinf + iprp)

    head = len(ftyp) + len(meta(0)) + 8  # the mdat payload starts after its 8-byte header
    return ftyp + meta(head) + _box(b"mdat", item)


def av1_from_avif(data: bytes) -> bytes:
    """The ``av1`` photo inside an AVIF file written by libavif for one image: the mdat
    item without its temporal delimiter. The inverse of :func:`avif_from_av1`; raises
    :class:`FormatError` unless the file is exactly what that function rebuilds."""
    pos, mdat = 0, None
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size < 8 or pos + size > len(data):
            raise FormatError("avif: bad box size")
        if data[pos + 4 : pos + 8] == b"mdat":
            mdat = data[pos + 8 : pos + size]
        pos += size
    if pos != len(data) or mdat is None or not mdat.startswith(TEMPORAL_DELIMITER):
        raise FormatError("avif: not a single-image AVIF with a temporal delimiter")
    ph = mdat[len(TEMPORAL_DELIMITER) :]
    if avif_from_av1(ph) != data:
        raise FormatError("avif: the file is not the one its bitstream rebuilds")
    return ph


def photo_file(ph: bytes, pt: str) -> tuple[bytes, str]:
    """The file and media type to hand a platform decoder for a pass's ``ph``/``pt``.

    ``av1`` becomes a rebuilt AVIF (``image/avif``); the older types are files already
    and are returned as they are. Call it only for a pass whose signature verified.
    """
    if pt == PHOTO_TYPE_AV1:
        return avif_from_av1(ph), "image/avif"
    if pt in ("image/avif", "image/webp"):
        return bytes(ph), pt
    raise FormatError("unknown photo type")
