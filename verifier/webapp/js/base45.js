// Base45 (RFC 9285), mirroring verifier/_base45.py: no padding, no whitespace,
// a dangling single character, a triplet above 65535 and a final pair above 255
// are all errors.

import { FormatError } from './errors.js';

/** @import { Bytes } from './cbor.js' */

export const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:';
const INVALID = 0xff;
const TABLE = new Uint8Array(128).fill(INVALID);
for (let i = 0; i < ALPHABET.length; i++) TABLE[ALPHABET.charCodeAt(i)] = i;

/**
 * Decode base45 text into bytes; throws FormatError for anything RFC 9285 does not allow.
 * @param {string} text
 * @returns {Bytes}
 */
export function decode(text) {
  if (typeof text !== 'string') throw new FormatError('base45: input is not text');
  const n = text.length;
  for (let i = 0; i < n; i++) {
    if (text.charCodeAt(i) > 0x7f) throw new FormatError('base45: non-ASCII character');
  }
  if (n % 3 === 1) throw new FormatError('base45: length leaves a single dangling character');
  for (let i = 0; i < n; i++) {
    if (TABLE[text.charCodeAt(i)] === INVALID) throw new FormatError('base45: character outside the alphabet');
  }
  const full = n - (n % 3);
  const out = new Uint8Array((2 * full) / 3 + (n % 3 === 2 ? 1 : 0));
  let o = 0;
  for (let i = 0; i < full; i += 3) {
    const v = TABLE[text.charCodeAt(i)] + 45 * TABLE[text.charCodeAt(i + 1)] + 2025 * TABLE[text.charCodeAt(i + 2)];
    if (v > 0xffff) throw new FormatError('base45: chunk value above 65535');
    out[o++] = v >> 8;
    out[o++] = v & 0xff;
  }
  if (n % 3 === 2) {
    const v = TABLE[text.charCodeAt(full)] + 45 * TABLE[text.charCodeAt(full + 1)];
    if (v > 255) throw new FormatError('base45: final pair above 255');
    out[o] = v;
  }
  return out;
}

/**
 * Encode bytes as base45 text.
 * @param {Uint8Array} bytes
 * @returns {string}
 */
export function encode(bytes) {
  let out = '';
  const n = bytes.length;
  for (let i = 0; i + 1 < n; i += 2) {
    let v = (bytes[i] << 8) | bytes[i + 1];
    const c = v % 45;
    v = (v - c) / 45;
    const d = v % 45;
    out += ALPHABET[c] + ALPHABET[d] + ALPHABET[(v - d) / 45];
  }
  if (n % 2) {
    const v = bytes[n - 1];
    out += ALPHABET[v % 45] + ALPHABET[Math.floor(v / 45)];
  }
  return out;
}
