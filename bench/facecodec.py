"""Prototype: carry only the coded bitstream of the QR thumbnail, rebuild the file.

A 72×96 AVIF from libavif is ~270 bytes of ISOBMFF boxes (ftyp, meta: hdlr, pitm,
iloc, iinf, iprp/ipco/ispe/pixi/av1C/colr, ipma; mdat header) around the AV1 OBUs; a
WebP is 20 bytes of RIFF around the VP8 bitstream. At a 300–500-byte budget that box
overhead is most of an AVIF. Issue 14 proposes signing only the bitstream and letting
the verifier rebuild the container, byte for byte, before the platform decoder sees it.

This module is what bench/bench_face.py measures that with, and the reference for
whoever specifies it in docs/token-format.md:

    raw = webp_bitstream(webp_file)          # the VP8 chunk payload
    webp_file == webp_rebuild(raw)           # always: RIFF size and pad come from len(raw)

    raw = avif_bitstream(avif_file)          # sequence header OBU + frame OBU
    avif_file == avif_rebuild(raw)           # for libavif 1.x single-image output:
                                             # every box field comes from the AV1
                                             # sequence header (size, depth, mono,
                                             # subsampling, colour description)

The specified, strict version — 72×96, profile 0, 8-bit only, every refusal a
FormatError, and the JS twin — is ``verifier/photo.py`` (docs/token-format.md §6.1,
ADR 0018); this prototype stays for the bench because it also rebuilds the other sizes,
depths and 4:4:4 files the bench explores (tests/verifier/test_photo.py checks the
library against libavif directly). Nothing here decodes pixels; the rebuilt file goes to the platform decoder (Pillow
here, the browser in the app). Only reduced still-picture sequence headers (what
libavif writes for a single image) are accepted: anything else raises ValueError.
"""

from __future__ import annotations

import struct
from dataclasses import dataclass

__all__ = [
    "AV1Sequence",
    "avif_bitstream",
    "avif_rebuild",
    "parse_av1_sequence_header",
    "webp_bitstream",
    "webp_rebuild",
]

# --- WebP ------------------------------------------------------------------------------

WEBP_HEADER_BYTES = 20  # "RIFF" size "WEBP" "VP8 " size


def webp_bitstream(data: bytes) -> bytes:
    """The VP8 bitstream of a simple lossy WebP (RIFF/WEBP/'VP8 ' and nothing else)."""
    if data[:4] != b"RIFF" or data[8:16] != b"WEBPVP8 ":
        raise ValueError("not a simple lossy WebP (VP8X/VP8L/ALPH are not accepted)")
    size = int.from_bytes(data[16:20], "little")
    if int.from_bytes(data[4:8], "little") != len(data) - 8:
        raise ValueError("RIFF size does not match the file")
    if len(data) != WEBP_HEADER_BYTES + size + (size & 1):
        raise ValueError("the VP8 chunk is not the only chunk")
    vp8 = data[20 : 20 + size]
    if vp8[3:6] != b"\x9d\x01\x2a" or vp8[0] & 1:
        raise ValueError("not a VP8 key frame")
    return vp8


def webp_rebuild(vp8: bytes) -> bytes:
    """The WebP file around a VP8 key frame: 20 header bytes and a pad byte if odd."""
    pad = b"\x00" if len(vp8) & 1 else b""
    body = b"WEBP" + b"VP8 " + len(vp8).to_bytes(4, "little") + vp8 + pad
    return b"RIFF" + len(body).to_bytes(4, "little") + body


def vp8_size(vp8: bytes) -> tuple[int, int]:
    """Width and height from a VP8 key frame header (the 7 bytes a fixed-size profile
    could also drop: start code 9d 01 2a and two 14-bit sizes with 2-bit scales)."""
    w = int.from_bytes(vp8[6:8], "little") & 0x3FFF
    h = int.from_bytes(vp8[8:10], "little") & 0x3FFF
    return w, h


# --- AV1 / AVIF ------------------------------------------------------------------------

OBU_SEQUENCE_HEADER = 1
OBU_TEMPORAL_DELIMITER = 2
OBU_FRAME = 6
TEMPORAL_DELIMITER = b"\x12\x00"  # type 2, has_size_field, size 0


@dataclass(frozen=True)
class AV1Sequence:
    """What an AVIF container repeats from the AV1 sequence header."""

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
    def __init__(self, data: bytes) -> None:
        self.data, self.pos = data, 0

    def f(self, n: int) -> int:
        v = 0
        for _ in range(n):
            byte = self.data[self.pos >> 3]
            v = (v << 1) | ((byte >> (7 - (self.pos & 7))) & 1)
            self.pos += 1
        return v


def _leb128(data: bytes, pos: int) -> tuple[int, int]:
    value = 0
    for i in range(8):
        b = data[pos + i]
        value |= (b & 0x7F) << (7 * i)
        if not b & 0x80:
            return value, pos + i + 1
    raise ValueError("leb128 longer than 8 bytes")


def obus(data: bytes) -> list[tuple[int, bytes]]:
    """Split a low-overhead OBU stream into (type, whole OBU bytes)."""
    out, pos = [], 0
    while pos < len(data):
        header = data[pos]
        if header & 0x80 or not header & 0x02 or header & 0x04:
            raise ValueError("OBU without size field, with extension, or forbidden bit set")
        size, body = _leb128(data, pos + 1)
        if body + size > len(data):
            raise ValueError("truncated OBU")
        out.append(((header >> 3) & 0xF, data[pos : body + size]))
        pos = body + size
    return out


def parse_av1_sequence_header(obu: bytes) -> AV1Sequence:
    """AV1 spec 5.5 for the reduced still-picture header libavif writes for one image."""
    if (obu[0] >> 3) & 0xF != OBU_SEQUENCE_HEADER:
        raise ValueError("not a sequence header OBU")
    _, start = _leb128(obu, 1)
    r = _Bits(obu[start:])
    profile = r.f(3)
    still, reduced = r.f(1), r.f(1)
    if not (still and reduced):
        raise ValueError("only reduced still-picture sequence headers are accepted")
    level = r.f(5)
    wbits, hbits = r.f(4) + 1, r.f(4) + 1
    width, height = r.f(wbits) + 1, r.f(hbits) + 1
    r.f(1)  # use_128x128_superblock
    r.f(1)  # enable_filter_intra
    r.f(1)  # enable_intra_edge_filter
    r.f(1)  # enable_superres
    r.f(1)  # enable_cdef
    r.f(1)  # enable_restoration
    # color_config()
    high = r.f(1)
    bit_depth = 8
    if profile == 2 and high:
        bit_depth = 12 if r.f(1) else 10
    elif high:
        bit_depth = 10
    mono = bool(r.f(1)) if profile != 1 else False
    cp, tc, mc = 2, 2, 2
    if r.f(1):  # color_description_present_flag
        cp, tc, mc = r.f(8), r.f(8), r.f(8)
    csp = 0
    if mono:
        full = bool(r.f(1))
        ssx = ssy = 1
    elif cp == 1 and tc == 13 and mc == 0:
        full, ssx, ssy = True, 0, 0
    else:
        full = bool(r.f(1))
        if profile == 0:
            ssx = ssy = 1
        elif profile == 1:
            ssx = ssy = 0
        elif bit_depth == 12:
            ssx = r.f(1)
            ssy = r.f(1) if ssx else 0
        else:
            ssx, ssy = 1, 0
        if ssx and ssy:
            csp = r.f(2)
    return AV1Sequence(
        profile, level, width, height, bit_depth, mono, ssx, ssy, csp, cp, tc, mc, full
    )


def _box(kind: bytes, payload: bytes) -> bytes:
    return struct.pack(">I", 8 + len(payload)) + kind + payload


def _full(kind: bytes, version: int, flags: int, payload: bytes) -> bytes:
    return _box(kind, bytes([version]) + flags.to_bytes(3, "big") + payload)


def avif_rebuild(raw: bytes) -> bytes:
    """The AVIF file libavif 1.x writes around these OBUs (sequence header + frame).

    Every field comes from the sequence header; there is nothing else to carry.
    """
    parts = obus(raw)
    if [t for t, _ in parts] != [OBU_SEQUENCE_HEADER, OBU_FRAME]:
        raise ValueError("expected exactly a sequence header OBU and a frame OBU")
    s = parse_av1_sequence_header(parts[0][1])
    brands = [b"avif", b"mif1", b"miaf"]
    # libavif adds the AVIF Baseline (4:2:0, profile 0) or Advanced (4:4:4, profile 1)
    # profile brand for colour images, neither for monochrome ones.
    if not s.mono and s.bit_depth <= 10:
        brands.append({0: b"MA1B", 1: b"MA1A"}.get(s.profile, b""))
    ftyp = _box(b"ftyp", b"avif" + b"\x00\x00\x00\x00" + b"".join(brands))
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
                0x81,
                (s.profile << 5) | s.level,
                ((s.bit_depth > 8) << 6)
                | ((s.bit_depth == 12) << 5)
                | (s.mono << 4)
                | (s.subsampling_x << 3)
                | (s.subsampling_y << 2)
                | s.chroma_sample_position,
                0,
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
    ipma = _full(b"ipma", 0, 0, b"\x00\x00\x00\x01" + b"\x00\x01" + b"\x04" + b"\x01\x02\x83\x04")
    iprp = _box(b"iprp", ipco + ipma)
    item = TEMPORAL_DELIMITER + raw

    def meta_with(offset: int) -> bytes:
        iloc = _full(
            b"iloc",
            0,
            0,
            b"\x44\x00"
            + b"\x00\x01"
            + b"\x00\x01"
            + b"\x00\x00"
            + b"\x00\x01"
            + struct.pack(">II", offset, len(item)),
        )
        return _full(b"meta", 0, 0, hdlr + pitm + iloc + iinf + iprp)

    head = len(ftyp) + len(meta_with(0)) + 8
    return ftyp + meta_with(head) + _box(b"mdat", item)


def _top_boxes(data: bytes) -> dict[bytes, tuple[int, int]]:
    boxes, pos = {}, 0
    while pos + 8 <= len(data):
        size = int.from_bytes(data[pos : pos + 4], "big")
        if size < 8 or pos + size > len(data):
            raise ValueError("bad box size")
        boxes[data[pos + 4 : pos + 8]] = (pos, size)
        pos += size
    if pos != len(data):
        raise ValueError("trailing bytes after the last box")
    return boxes


def avif_bitstream(data: bytes) -> bytes:
    """Sequence header OBU + frame OBU of a single-image AVIF (the mdat item without
    its temporal delimiter). Raises ValueError for anything else."""
    boxes = _top_boxes(data)
    if b"mdat" not in boxes or b"ftyp" not in boxes:
        raise ValueError("no ftyp/mdat")
    pos, size = boxes[b"mdat"]
    item = data[pos + 8 : pos + size]
    if not item.startswith(TEMPORAL_DELIMITER):
        raise ValueError("item does not start with a temporal delimiter")
    raw = item[len(TEMPORAL_DELIMITER) :]
    if [t for t, _ in obus(raw)] != [OBU_SEQUENCE_HEADER, OBU_FRAME]:
        raise ValueError("item is not sequence header + frame")
    return raw


def avif_sequence_header_bytes(raw: bytes) -> int:
    """Length of the sequence header OBU (what a fixed profile could also leave out)."""
    return len(obus(raw)[0][1])
