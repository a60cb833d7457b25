// The strict subset of CBOR (RFC 8949) that PAS1 uses, mirroring verifier/_cbor.py.
//
// Accepted: unsigned and negative integers, byte and text strings, arrays, maps
// with integer or text keys, and tags where the caller allows them (only at the
// top). Every item must be in the core deterministic encoding of RFC 8949 §4.2.1:
// shortest-form heads, definite lengths, map keys in bytewise order of their
// encodings and unique. No floats, no simple values (so no true/false/null).
//
// Values in JavaScript: integers are Numbers when they are safe integers and
// BigInts otherwise; byte strings are Uint8Array (views into the input); text is
// a string; arrays are Arrays; maps are Maps (keys: number, bigint or string);
// tags are Tag instances.

import { FormatError } from './errors.js';

/**
 * Bytes as this verifier holds them: backed by an ArrayBuffer (never a
 * SharedArrayBuffer), as WebCrypto and Blob want them.
 * @typedef {Uint8Array<ArrayBuffer>} Bytes
 */
/**
 * A CBOR unsigned or negative integer: a Number when it is a safe integer, else a BigInt.
 * @typedef {number | bigint} Int
 */
/** @typedef {Int | string} MapKey */
/**
 * A decoded item.
 * @typedef {Int | Bytes | string | Value[] | Map<MapKey, Value> | Tag} Value
 */
/**
 * What encode() takes: a decoded item, or the same with plain objects for maps.
 * @typedef {Int | Uint8Array | string | Encodable[] | Map<MapKey, Encodable> | Tag | {[key: string]: Encodable}} Encodable
 */

/** Deepest nesting any PAS1 structure needs is 5 (trust list → issuers → entry → cats → cat). */
export const MAX_DEPTH = 8;

export class Tag {
  /**
   * @param {Int} number
   * @param {Value} value
   */
  constructor(number, value) {
    this.number = number;
    this.value = value;
  }
}

// fatal: invalid UTF-8 (overlongs, surrogates, > U+10FFFF) throws, like Python's
// strict decoder; ignoreBOM: keep a leading U+FEFF as Python does.
const UTF8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });
const UTF8_ENC = new TextEncoder();
const TWO32 = 2 ** 32;

/**
 * Decode exactly one item that fills `data`; tags allowed only at the top and
 * only those listed in `allowTags`. Throws FormatError for anything outside the
 * strict subset.
 */
/**
 * @param {Bytes} data
 * @param {{allowTags?: number[]}} [options]
 * @returns {Value}
 */
export function decode(data, { allowTags = [] } = {}) {
  if (!(data instanceof Uint8Array)) throw new FormatError('cbor: input is not bytes');
  const d = new Decoder(data, allowTags);
  const value = d.item(0);
  if (d.pos !== data.length) throw new FormatError('cbor: trailing bytes after the item');
  return value;
}

/**
 * @param {Bytes} data
 * @param {number} aStart
 * @param {number} aEnd
 * @param {number} bStart
 * @param {number} bEnd
 */
function lessOrEqual(data, aStart, aEnd, bStart, bEnd) {
  // Bytewise lexicographic comparison of data[aStart:aEnd] <= data[bStart:bEnd].
  const la = aEnd - aStart;
  const lb = bEnd - bStart;
  const n = la < lb ? la : lb;
  for (let i = 0; i < n; i++) {
    const x = data[aStart + i];
    const y = data[bStart + i];
    if (x !== y) return x < y;
  }
  return la <= lb;
}

class Decoder {
  /**
   * @param {Bytes} data
   * @param {number[]} allowTags
   */
  constructor(data, allowTags) {
    this.data = data;
    this.end = data.length;
    this.allowTags = allowTags;
    this.pos = 0;
  }

  /**
   * @param {number} depth
   * @returns {Value}
   */
  item(depth) {
    const data = this.data;
    const end = this.end;
    let pos = this.pos;
    if (pos >= end) throw new FormatError('cbor: truncated');
    const initial = data[pos];
    const major = initial >> 5;
    /** @type {Int} */
    let arg = initial & 0x1f;
    pos += 1;
    if (arg >= 24) {
      if (arg > 27) throw new FormatError('cbor: indefinite length or reserved value');
      const size = 1 << (arg - 24);
      if (pos + size > end) throw new FormatError('cbor: truncated');
      let small; // whether the argument would have fit a smaller head
      if (size === 1) {
        arg = data[pos];
        small = arg < 24;
      } else if (size === 2) {
        arg = (data[pos] << 8) | data[pos + 1];
        small = arg < 0x100;
      } else if (size === 4) {
        arg = ((data[pos] << 24) >>> 0) + ((data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3]);
        small = arg < 0x10000;
      } else {
        const hi = ((data[pos] << 24) >>> 0) + ((data[pos + 1] << 16) | (data[pos + 2] << 8) | data[pos + 3]);
        const lo = ((data[pos + 4] << 24) >>> 0) + ((data[pos + 5] << 16) | (data[pos + 6] << 8) | data[pos + 7]);
        small = hi === 0;
        arg = hi < 0x200000 ? hi * TWO32 + lo : (BigInt(hi) << 32n) | BigInt(lo);
      }
      if (small) throw new FormatError('cbor: non-shortest encoding');
      pos += size;
    }
    if (major === 0) {
      this.pos = pos;
      return arg;
    }
    if (major === 2 || major === 3) {
      // A BigInt length is always beyond the input (at most 4 MB is ever decoded).
      if (typeof arg === 'bigint' || arg > end - pos) throw new FormatError('cbor: string longer than the input');
      const stop = pos + arg;
      const raw = data.subarray(pos, stop);
      this.pos = stop;
      if (major === 2) return raw;
      try {
        return UTF8.decode(raw);
      } catch {
        throw new FormatError('cbor: text is not valid UTF-8');
      }
    }
    if (major === 1) {
      this.pos = pos;
      if (typeof arg === 'number' && arg < Number.MAX_SAFE_INTEGER) return -1 - arg;
      return -1n - BigInt(arg);
    }
    if (depth >= MAX_DEPTH) throw new FormatError('cbor: nested too deeply');
    depth += 1;
    if (major === 4) {
      if (typeof arg === 'bigint' || arg > end - pos) throw new FormatError('cbor: array longer than the input');
      const items = new Array(arg);
      this.pos = pos;
      for (let i = 0; i < arg; i++) items[i] = this.item(depth);
      return items;
    }
    if (major === 5) {
      if (typeof arg === 'bigint' || 2 * arg > end - pos) throw new FormatError('cbor: map longer than the input');
      const result = new Map();
      let prevStart = 0;
      let prevEnd = -1; // no previous key yet
      this.pos = pos;
      for (let i = 0; i < arg; i++) {
        const start = this.pos;
        if (start < end && data[start] >> 5 > 3) throw new FormatError('cbor: map keys must be integers or text');
        const key = this.item(depth);
        if (key instanceof Uint8Array) throw new FormatError('cbor: map keys must be integers or text');
        const stop = this.pos;
        if (prevEnd >= 0 && lessOrEqual(data, start, stop, prevStart, prevEnd)) {
          throw new FormatError('cbor: map keys duplicated or not in deterministic order');
        }
        prevStart = start;
        prevEnd = stop;
        result.set(key, this.item(depth));
      }
      return result;
    }
    if (major === 6) {
      if (depth !== 1 || typeof arg !== 'number' || !this.allowTags.includes(arg)) throw new FormatError(`cbor: tag ${arg} not allowed here`);
      this.pos = pos;
      return new Tag(arg, this.item(depth));
    }
    throw new FormatError('cbor: floats and simple values are not part of the format');
  }
}

// --- encoding (deterministic; used for Sig_structure heads and by the tests) ---

/**
 * The head of a CBOR item of major type `major` with argument `arg` (number or bigint).
 * @param {number} major
 * @param {Int} arg
 * @returns {Bytes}
 */
export function head(major, arg) {
  const m = major << 5;
  if (typeof arg === 'bigint') {
    if (arg < 0n || arg >= 1n << 64n) throw new FormatError('cbor: integer out of range');
    if (arg < BigInt(Number.MAX_SAFE_INTEGER)) return head(major, Number(arg));
    const out = new Uint8Array(9);
    out[0] = m | 27;
    new DataView(out.buffer).setBigUint64(1, arg);
    return out;
  }
  if (arg < 24) return Uint8Array.of(m | arg);
  if (arg < 0x100) return Uint8Array.of(m | 24, arg);
  if (arg < 0x10000) return Uint8Array.of(m | 25, arg >> 8, arg & 0xff);
  if (arg < TWO32) return Uint8Array.of(m | 26, arg >>> 24, (arg >> 16) & 0xff, (arg >> 8) & 0xff, arg & 0xff);
  const out = new Uint8Array(9);
  out[0] = m | 27;
  new DataView(out.buffer).setBigUint64(1, BigInt(arg));
  return out;
}

/**
 * Concatenate Uint8Arrays.
 * @param {Uint8Array[]} parts
 * @returns {Bytes}
 */
export function concat(parts) {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let o = 0;
  for (const p of parts) {
    out.set(p, o);
    o += p.length;
  }
  return out;
}

/**
 * Encode a value deterministically (maps: Map or plain object; keys sorted by their encoding).
 * @param {Encodable} value
 * @returns {Bytes}
 */
export function encode(value) {
  /** @type {Uint8Array[]} */
  const parts = [];
  encodeInto(value, parts);
  return concat(parts);
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
function compareBytes(a, b) {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) if (a[i] !== b[i]) return a[i] - b[i];
  return a.length - b.length;
}

/**
 * @param {Encodable} value
 * @param {Uint8Array[]} parts
 */
function encodeInto(value, parts) {
  if (typeof value === 'number' || typeof value === 'bigint') {
    if (typeof value === 'number' && !Number.isInteger(value)) throw new FormatError('cbor: floats are not part of the format');
    if (value >= 0) parts.push(head(0, value));
    else parts.push(head(1, typeof value === 'bigint' ? -1n - value : -1 - value));
  } else if (value instanceof Uint8Array) {
    parts.push(head(2, value.length), value);
  } else if (typeof value === 'string') {
    const raw = UTF8_ENC.encode(value);
    parts.push(head(3, raw.length), raw);
  } else if (Array.isArray(value)) {
    parts.push(head(4, value.length));
    for (const v of value) encodeInto(v, parts);
  } else if (value instanceof Tag) {
    parts.push(head(6, value.number));
    encodeInto(value.value, parts);
  } else if (value instanceof Map || (value !== null && typeof value === 'object')) {
    const entries = value instanceof Map ? [...value] : Object.entries(value);
    const pairs = entries.map(
      /** @returns {[Bytes, Encodable]} */
      ([k, v]) => {
        if (typeof k !== 'string' && typeof k !== 'number' && typeof k !== 'bigint') {
          throw new FormatError('cbor: map keys must be integers or text');
        }
        return [encode(k), v];
      },
    );
    pairs.sort((a, b) => compareBytes(a[0], b[0]));
    parts.push(head(5, pairs.length));
    for (const [k, v] of pairs) {
      parts.push(k);
      encodeInto(v, parts);
    }
  } else {
    throw new FormatError(`cbor: cannot encode ${typeof value}`);
  }
}
