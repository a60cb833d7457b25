// The pass photo, mirroring verifier/photo.py (normative text: docs/token-format.md §6.1).
// A pass of photo type `av1` carries only the AV1 sequence header OBU and frame OBU;
// checkAv1() checks them on their bytes while the pass is decoded (a malformed one makes
// the pass MALFORMED), and avifFromAv1() rebuilds the AVIF file around them, byte for
// byte what libavif writes, for the browser's decoder. Pure: no decoding of pixels here,
// and nothing calls it for a pass whose signature did not verify.

import { FormatError } from './errors.js';

/** @import { Bytes } from './cbor.js' */

/**
 * The fields of an AV1 sequence header that an AVIF file repeats.
 * @typedef {object} AV1Sequence
 * @property {number} level  seq_level_idx[0]
 * @property {number} width
 * @property {number} height
 * @property {boolean} mono
 * @property {number} chromaSamplePosition
 * @property {number} colorPrimaries
 * @property {number} transfer
 * @property {number} matrix
 * @property {boolean} fullRange
 */

/** The `pt` of a bare AV1 thumbnail (ADR 0018). */
export const PHOTO_TYPE_AV1 = 'av1';
export const AV1_WIDTH = 72;
export const AV1_HEIGHT = 96;

const OBU_SEQUENCE_HEADER = 1;
const OBU_FRAME = 6;
const LEB128_MAX_BYTES = 8;

/** MSB-first bit reader over one OBU payload (AV1 spec f(n)). */
class Bits {
  /** @param {Bytes} data */
  constructor(data) {
    this.data = data;
    this.pos = 0;
  }

  /**
   * @param {number} n  at most 24 bits at a time
   * @returns {number}
   */
  f(n) {
    if (this.pos + n > 8 * this.data.length) throw new FormatError('av1 photo: sequence header is truncated');
    let v = 0;
    for (let i = 0; i < n; i++) {
      const byte = this.data[this.pos >> 3] ?? 0;
      v = (v << 1) | ((byte >> (7 - (this.pos & 7))) & 1);
      this.pos++;
    }
    return v;
  }
}

/**
 * A leb128 value at `pos`: [value, position after it]. Shortest form, at most 8 bytes.
 * @param {Bytes} data
 * @param {number} pos
 * @returns {[number, number]}
 */
function leb128(data, pos) {
  let value = 0;
  for (let i = 0; i < LEB128_MAX_BYTES; i++) {
    const b = data[pos + i];
    if (b === undefined) throw new FormatError('av1 photo: OBU size is truncated');
    value += (b & 0x7f) * 2 ** (7 * i);
    if (!(b & 0x80)) {
      if (i > 0 && b === 0) throw new FormatError('av1 photo: OBU size is not in its shortest leb128 form');
      return [value, pos + i + 1];
    }
  }
  throw new FormatError('av1 photo: OBU size is longer than 8 bytes');
}

/**
 * Split `ph` into [obu_type, payload] pairs, checking every OBU header.
 * @param {Bytes} data
 * @returns {Array<[number, Bytes]>}
 */
function obus(data) {
  /** @type {Array<[number, Bytes]>} */
  const out = [];
  let pos = 0;
  while (pos < data.length) {
    const header = data[pos] ?? 0;
    if (header & 0x80) throw new FormatError('av1 photo: OBU forbidden bit is set');
    if (header & 0x04) throw new FormatError('av1 photo: OBU extension headers are not allowed');
    if (!(header & 0x02)) throw new FormatError('av1 photo: OBU without a size field');
    if (header & 0x01) throw new FormatError('av1 photo: OBU reserved bit is set');
    const [size, body] = leb128(data, pos + 1);
    if (size > data.length - body) throw new FormatError('av1 photo: OBU is truncated (its size runs past the photo)');
    out.push([(header >> 3) & 0xf, data.subarray(body, body + size)]);
    pos = body + size;
  }
  return out;
}

/**
 * AV1 spec 5.5 for a reduced still-picture, profile 0, 8-bit, 72×96 header.
 * @param {Bytes} payload
 * @returns {AV1Sequence}
 */
function sequenceHeader(payload) {
  const r = new Bits(payload);
  const profile = r.f(3);
  if (profile !== 0) throw new FormatError(`av1 photo: seq_profile ${profile} is not supported (only 0)`);
  const still = r.f(1);
  const reduced = r.f(1);
  if (!(still && reduced)) throw new FormatError('av1 photo: not a reduced still-picture sequence header');
  const level = r.f(5);
  const wbits = r.f(4) + 1;
  const hbits = r.f(4) + 1;
  const width = r.f(wbits) + 1;
  const height = r.f(hbits) + 1;
  if (width !== AV1_WIDTH || height !== AV1_HEIGHT) {
    throw new FormatError(`av1 photo: ${width}×${height}, must be ${AV1_WIDTH}×${AV1_HEIGHT}`);
  }
  r.f(6); // use_128x128_superblock … enable_restoration: the decoder's business
  if (r.f(1)) throw new FormatError('av1 photo: only 8-bit is supported');
  const mono = r.f(1) === 1;
  let cp = 2;
  let tc = 2;
  let mc = 2;
  if (r.f(1)) {
    cp = r.f(8);
    tc = r.f(8);
    mc = r.f(8);
  }
  let csp = 0;
  let fullRange;
  if (mono) {
    fullRange = r.f(1) === 1;
  } else if (cp === 1 && tc === 13 && mc === 0) {
    throw new FormatError('av1 photo: 4:4:4 (sRGB identity) needs a profile other than 0');
  } else {
    fullRange = r.f(1) === 1;
    csp = r.f(2);
    if (csp === 3) throw new FormatError('av1 photo: chroma_sample_position 3 is reserved');
    r.f(1); // separate_uv_delta_q
  }
  if (r.f(1)) throw new FormatError('av1 photo: film grain is not allowed');
  if (r.f(1) !== 1) throw new FormatError('av1 photo: sequence header has no trailing one bit');
  while (r.pos & 7) {
    if (r.f(1)) throw new FormatError('av1 photo: sequence header trailing bits are not zero');
  }
  if (r.pos !== 8 * payload.length) throw new FormatError('av1 photo: sequence header has bytes after its trailing bits');
  return {
    level, width, height, mono, chromaSamplePosition: csp,
    colorPrimaries: cp, transfer: tc, matrix: mc, fullRange,
  };
}

/**
 * Check an `av1` photo on its bytes (docs/token-format.md §6.1) and return its sequence
 * header. Throws FormatError with a one-line reason.
 * @param {unknown} ph
 * @returns {AV1Sequence}
 */
export function checkAv1(ph) {
  if (!(ph instanceof Uint8Array) || ph.length === 0) throw new FormatError('av1 photo: empty');
  const parts = obus(/** @type {Bytes} */ (ph));
  if (parts[0]?.[0] !== OBU_SEQUENCE_HEADER) throw new FormatError('av1 photo: must start with a sequence header OBU');
  const frame = parts[1];
  if (parts.length !== 2 || frame === undefined || frame[0] !== OBU_FRAME) {
    throw new FormatError('av1 photo: must be exactly a sequence header OBU and a frame OBU');
  }
  if (frame[1].length === 0) throw new FormatError('av1 photo: the frame OBU is empty');
  return sequenceHeader(parts[0][1]);
}

const ascii = (/** @type {string} */ s) => Array.from(s, (c) => c.charCodeAt(0));
const u16 = (/** @type {number} */ n) => [(n >>> 8) & 0xff, n & 0xff];
const u32 = (/** @type {number} */ n) => [(n >>> 24) & 0xff, (n >>> 16) & 0xff, (n >>> 8) & 0xff, n & 0xff];

/**
 * An ISOBMFF box: size, type, body.
 * @param {string} kind
 * @param {number[]} body
 * @returns {number[]}
 */
function box(kind, body) {
  return [...u32(8 + body.length), ...ascii(kind), ...body];
}

/**
 * A full box: version and 24-bit flags (always 0 here) before the body.
 * @param {string} kind
 * @param {number} version
 * @param {number[]} body
 * @returns {number[]}
 */
function full(kind, version, body) {
  return box(kind, [version, 0, 0, 0, ...body]);
}

/**
 * The AVIF file around an `av1` photo (docs/token-format.md §6.1), byte for byte what
 * libavif 1.x writes. Throws FormatError like checkAv1.
 * @param {Bytes} ph
 * @returns {Bytes}
 */
export function avifFromAv1(ph) {
  const s = checkAv1(ph);
  const ftyp = box('ftyp', [...ascii('avif'), 0, 0, 0, 0, ...ascii(s.mono ? 'avifmif1miaf' : 'avifmif1miafMA1B')]);
  const hdlr = full('hdlr', 0, [0, 0, 0, 0, ...ascii('pict'), ...new Array(12).fill(0), 0]);
  const pitm = full('pitm', 0, u16(1));
  const infe = full('infe', 2, [...u16(1), ...u16(0), ...ascii('av01'), ...ascii('Color'), 0]);
  const iinf = full('iinf', 0, [...u16(1), ...infe]);
  const ispe = full('ispe', 0, [...u32(s.width), ...u32(s.height)]);
  const pixi = full('pixi', 0, s.mono ? [1, 8] : [3, 8, 8, 8]);
  const av1c = box('av1C', [0x81, s.level, ((s.mono ? 1 : 0) << 4) | (1 << 3) | (1 << 2) | s.chromaSamplePosition, 0]);
  const colr = box('colr', [
    ...ascii('nclx'), ...u16(s.colorPrimaries), ...u16(s.transfer), ...u16(s.matrix), s.fullRange ? 0x80 : 0,
  ]);
  const ipco = box('ipco', [...ispe, ...pixi, ...av1c, ...colr]);
  const ipma = full('ipma', 0, [...u32(1), ...u16(1), 4, 0x01, 0x02, 0x83, 0x04]);
  const iprp = box('iprp', [...ipco, ...ipma]);
  const itemLength = 2 + ph.length; // temporal delimiter + ph
  const meta = (/** @type {number} */ offset) => full('meta', 0, [
    ...hdlr, ...pitm,
    ...full('iloc', 0, [0x44, 0x00, ...u16(1), ...u16(1), ...u16(0), ...u16(1), ...u32(offset), ...u32(itemLength)]),
    ...iinf, ...iprp,
  ]);
  const head = ftyp.length + meta(0).length + 8;
  const top = [...ftyp, ...meta(head), ...u32(8 + itemLength), ...ascii('mdat'), 0x12, 0x00];
  const out = new Uint8Array(top.length + ph.length);
  out.set(top, 0);
  out.set(ph, top.length);
  return out;
}

/**
 * The file and media type to hand the browser for a verified pass's photo: `av1` is
 * rebuilt into its AVIF file, the older types are files already.
 * @param {Bytes} ph
 * @param {string} pt
 * @returns {{ bytes: Bytes, type: string }}
 */
export function photoFile(ph, pt) {
  if (pt === PHOTO_TYPE_AV1) return { bytes: avifFromAv1(ph), type: 'image/avif' };
  if (pt === 'image/avif' || pt === 'image/webp') return { bytes: ph, type: pt };
  throw new FormatError('unknown photo type');
}
