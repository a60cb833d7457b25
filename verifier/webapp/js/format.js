// The PAS1 wire format, decoding side, mirroring verifier/format.py
// (normative text: docs/token-format.md). Pure: bytes in, values out.

import * as base45 from './base45.js';
import * as cbor from './cbor.js';
import { sha256 } from './ed25519.js';
import { FormatError } from './errors.js';
import * as passnumber from './passnumber.js';
import { PHOTO_TYPE_AV1, checkAv1 } from './photo.js';

/** @import { Bytes, Int, MapKey, Value } from './cbor.js' */

/**
 * A category an issuer lists (its code, the label and colour on the card).
 * @typedef {object} Category
 * @property {string} code
 * @property {string} label
 * @property {string} color  `#RRGGBB`
 */
/**
 * One issuer key in the trust list.
 * @typedef {object} IssuerEntry
 * @property {string} iss  `GMnnnn`
 * @property {string} name
 * @property {Bytes} publicKey
 * @property {Int} nbf
 * @property {Int} exp
 * @property {Bytes} kid
 * @property {Category[]} categories
 */
/**
 * @typedef {object} TrustList
 * @property {Int} seq
 * @property {Int} iat
 * @property {Int} exp
 * @property {IssuerEntry[]} issuers
 */
/**
 * @typedef {object} RevocationList
 * @property {string} iss
 * @property {Int} seq
 * @property {Int} iat
 * @property {Int} exp
 * @property {Bytes[]} serials  strictly ascending
 */
/**
 * The claims of a pass (times in Unix seconds).
 * @typedef {object} Pass
 * @property {string} iss
 * @property {string} number  the pass number, `PP-XXXXXXXX-C`
 * @property {string} category  a category code of the issuer
 * @property {Bytes} serial
 * @property {Int} iat
 * @property {Int} nbf
 * @property {Int} exp
 * @property {Bytes} photo
 * @property {string} photoType  one of PHOTO_TYPES
 */

// Hard limits against hostile input.
export const MAX_QR_CHARS = 4296;
export const MAX_PAYLOAD_BYTES = 3000;
export const MAX_PHOTO_BYTES = 2000;
export const MAX_LIST_BYTES = 4_000_000;
export const MAX_ISSUERS = 2000;
export const MAX_CATEGORIES = 16;
/** 17 bytes a serial: 200,000 fit under MAX_LIST_BYTES with room for the envelope. */
export const MAX_SERIALS = 200_000;

export const QR_PREFIX = 'PAS1:';
export const COSE_SIGN1_TAG = 18;
export const ALG_EDDSA = -8;
export const KID_BYTES = 8;
export const SERIAL_BYTES = 16;
export const SIGNATURE_BYTES = 64;
export const PUBLIC_KEY_BYTES = 32;
/** `av1`: a bare AV1 bitstream (§6.1, ADR 0018); the two file types are older passes'. */
export const PHOTO_TYPES = ['av1', 'image/avif', 'image/webp'];
export const LIST_VERSION = 1;

const ISS = /^GM[0-9]{4}$/;
const CATEGORY_CODE = /^[a-z][a-z0-9-]{0,15}$/;
const COLOR = /^#[0-9A-F]{6}$/;
const UINT_MAX = 2n ** 64n - 1n;

const PASS_KEYS = [1, 4, 5, 6, 7, 'pn', 'cat', 'ph', 'pt'];

/**
 * @param {Uint8Array} data
 * @returns {string}
 */
export function toHex(data) {
  let s = '';
  for (let i = 0; i < data.length; i++) s += (data[i] < 16 ? '0' : '') + data[i].toString(16);
  return s;
}

/**
 * @param {string} hex
 * @returns {Bytes}
 */
export function fromHex(hex) {
  if (typeof hex !== 'string' || hex.length % 2 || /[^0-9a-fA-F]/.test(hex)) throw new FormatError('not hex');
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

/**
 * @param {Uint8Array} a
 * @param {Uint8Array} b
 */
export function bytesEqual(a, b) {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
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
 * The key id: the first 8 bytes of SHA-256 over the raw 32-byte Ed25519 key.
 * @param {Bytes} publicKey
 * @returns {Promise<Bytes>}
 */
export async function kidFor(publicKey) {
  return (await sha256(publicKey)).subarray(0, KID_BYTES);
}

// --- field checks (same rules as the Python _uint/_text/_bytes/_map/_list) ---

/**
 * @param {unknown} v
 * @returns {v is Int}
 */
function isInt(v) {
  return typeof v === 'number' || typeof v === 'bigint';
}

/**
 * @param {Value | undefined} value
 * @param {string} name
 * @returns {Int}
 */
function uint(value, name) {
  if (!isInt(value) || value < 0 || (typeof value === 'bigint' && value > UINT_MAX)) {
    throw new FormatError(`${name} must be an unsigned integer`);
  }
  return value;
}

/** @param {string} s */
function codePoints(s) {
  let n = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    // A lone surrogate cannot come out of the strict UTF-8 decoder; a pair is one code point.
    if (c < 0xd800 || c > 0xdbff) n++;
  }
  return n;
}

/**
 * @param {Value | undefined} value
 * @param {string} name
 * @param {RegExp | null} [pattern]
 * @returns {string}
 */
function text(value, name, pattern = null, limit = 64) {
  if (typeof value !== 'string' || value.length === 0 || codePoints(value) > limit) {
    throw new FormatError(`${name} must be text of 1 to ${limit} characters`);
  }
  if (pattern !== null && !pattern.test(value)) throw new FormatError(`${name} has the wrong form`);
  return value;
}

/**
 * @param {Value | undefined} value
 * @param {string} name
 * @param {number} size
 * @returns {Bytes}
 */
function bytes(value, name, size) {
  if (!(value instanceof Uint8Array) || value.length !== size) throw new FormatError(`${name} must be ${size} bytes`);
  return value;
}

/**
 * @param {Value} value
 * @param {string} name
 * @param {MapKey[]} keys
 * @returns {Map<MapKey, Value>}
 */
function map(value, name, keys) {
  if (!(value instanceof Map)) throw new FormatError(`${name} must be a map`);
  if (value.size !== keys.length || !keys.every((k) => value.has(k))) {
    throw new FormatError(`${name} must hold exactly the keys ${keys.map(String).sort().join(', ')}`);
  }
  return value;
}

/**
 * @param {Value | undefined} value
 * @param {string} name
 * @param {number} limit
 * @returns {Value[]}
 */
function list(value, name, limit) {
  if (!Array.isArray(value) || value.length > limit) throw new FormatError(`${name} must be a list of at most ${limit}`);
  return value;
}

/**
 * @param {Int} nbf
 * @param {Int} exp
 * @param {string} name
 */
function window(nbf, exp, name) {
  if (exp <= nbf) throw new FormatError(`${name}: exp must be later than its start`);
}

// --- COSE_Sign1 ---

/**
 * The COSE Sig_structure for Signature1 with empty external AAD (RFC 9052 §4.4).
 * @param {Uint8Array} protectedBytes
 * @param {Uint8Array} payload
 * @returns {Bytes}
 */
export function sigStructure(protectedBytes, payload) {
  return cbor.concat([
    Uint8Array.of(0x84, 0x6a, 0x53, 0x69, 0x67, 0x6e, 0x61, 0x74, 0x75, 0x72, 0x65, 0x31), // array(4), "Signature1"
    cbor.head(2, protectedBytes.length),
    protectedBytes,
    Uint8Array.of(0x40),
    cbor.head(2, payload.length),
    payload,
  ]);
}

/** A decoded COSE_Sign1 whose protected header has been checked. Signature NOT verified. */
export class Sign1 {
  /**
   * @param {Bytes} protectedBytes
   * @param {Bytes} kid
   * @param {Bytes} payload
   * @param {Bytes} signature
   */
  constructor(protectedBytes, kid, payload, signature) {
    this.protected = protectedBytes;
    this.kid = kid;
    this.payload = payload;
    this.signature = signature;
  }

  toBeSigned() {
    return sigStructure(this.protected, this.payload);
  }

  /**
   * Decode a PAS1 COSE_Sign1; throws FormatError for any deviation.
   * @param {Bytes} data
   * @returns {Sign1}
   */
  static fromBytes(data) {
    const item = cbor.decode(data, { allowTags: [COSE_SIGN1_TAG] });
    if (!(item instanceof cbor.Tag) || item.number !== COSE_SIGN1_TAG) throw new FormatError('cose: not a tagged COSE_Sign1');
    const parts = item.value;
    if (!Array.isArray(parts) || parts.length !== 4) throw new FormatError('cose: COSE_Sign1 must be an array of four');
    const [protectedBytes, unprotected, payload, signature] = parts;
    if (!(protectedBytes instanceof Uint8Array) || !(payload instanceof Uint8Array)) {
      throw new FormatError('cose: protected header and payload must be byte strings');
    }
    if (!(unprotected instanceof Map) || unprotected.size !== 0) throw new FormatError('cose: the unprotected header must be empty');
    if (!(signature instanceof Uint8Array) || signature.length !== SIGNATURE_BYTES) {
      throw new FormatError('cose: signature must be 64 bytes');
    }
    const header = cbor.decode(protectedBytes);
    if (!(header instanceof Map) || header.size !== 2 || !header.has(1) || !header.has(4)) {
      throw new FormatError('cose: protected header must hold exactly alg and kid');
    }
    if (header.get(1) !== ALG_EDDSA) throw new FormatError('cose: alg must be EdDSA (-8)');
    const kid = header.get(4);
    if (!(kid instanceof Uint8Array) || kid.length !== KID_BYTES) throw new FormatError('cose: kid must be 8 bytes');
    return new Sign1(protectedBytes, kid, payload, signature);
  }
}

// --- the pass ---

/**
 * The claims inside a pass, checked like the Python Pass.__post_init__.
 * @param {Bytes} payload
 * @returns {Pass}
 */
export function passFromPayload(payload) {
  if (payload.length > MAX_PAYLOAD_BYTES) throw new FormatError(`payload over ${MAX_PAYLOAD_BYTES} bytes`);
  const claims = map(cbor.decode(payload), 'pass payload', PASS_KEYS);
  const iss = text(claims.get(1), 'iss', ISS);
  const number = claims.get('pn');
  if (!passnumber.isValid(number)) throw new FormatError('pn is not a valid pass number');
  const category = text(claims.get('cat'), 'cat', CATEGORY_CODE);
  const serial = bytes(claims.get(7), 'cti', SERIAL_BYTES);
  const iat = uint(claims.get(6), 'iat');
  const nbf = uint(claims.get(5), 'nbf');
  const exp = uint(claims.get(4), 'exp');
  window(nbf, exp, 'pass');
  const photo = claims.get('ph');
  if (!(photo instanceof Uint8Array) || photo.length === 0 || photo.length > MAX_PHOTO_BYTES) {
    throw new FormatError(`ph must be 1 to ${MAX_PHOTO_BYTES} bytes`);
  }
  const photoType = claims.get('pt');
  if (typeof photoType !== 'string' || !PHOTO_TYPES.includes(photoType)) throw new FormatError('pt must be av1, image/avif or image/webp');
  if (photoType === PHOTO_TYPE_AV1) checkAv1(photo);
  return { iss, number, category, serial, iat, nbf, exp, photo, photoType };
}

/**
 * Split QR text into its checked envelope and claims. Signature NOT verified.
 * @param {string} qrText
 * @returns {[Sign1, Pass]}
 */
export function decodeQrText(qrText) {
  if (typeof qrText !== 'string') throw new FormatError('QR content is not text');
  if (qrText.length > MAX_QR_CHARS) throw new FormatError(`QR text longer than ${MAX_QR_CHARS} characters`);
  if (!qrText.startsWith(QR_PREFIX)) throw new FormatError(`QR text does not start with ${QR_PREFIX}`);
  const envelope = Sign1.fromBytes(base45.decode(qrText.slice(QR_PREFIX.length)));
  return [envelope, passFromPayload(envelope.payload)];
}

// --- trust list ---

/**
 * @param {Value} obj
 * @returns {Category}
 */
function categoryFromObj(obj) {
  const m = map(obj, 'category', ['code', 'label', 'color']);
  return {
    code: text(m.get('code'), 'category code', CATEGORY_CODE),
    label: text(m.get('label'), 'category label', null, 64),
    color: text(m.get('color'), 'category color', COLOR),
  };
}

const ISSUER_KEYS = ['iss', 'name', 'kid', 'pub', 'nbf', 'exp', 'cats'];

/**
 * @param {Value} obj
 * @returns {Promise<IssuerEntry>}
 */
async function issuerFromObj(obj) {
  const m = map(obj, 'issuer entry', ISSUER_KEYS);
  const cats = list(m.get('cats'), 'cats', MAX_CATEGORIES);
  const kid = bytes(m.get('kid'), 'kid', KID_BYTES);
  const iss = text(m.get('iss'), 'iss', ISS);
  /** @type {IssuerEntry} */
  const entry = {
    iss,
    name: text(m.get('name'), 'issuer name', null, 128),
    publicKey: bytes(m.get('pub'), 'pub', PUBLIC_KEY_BYTES),
    nbf: uint(m.get('nbf'), 'nbf'),
    exp: uint(m.get('exp'), 'exp'),
    kid,
    categories: [], // read once the key is known to match its kid
  };
  window(entry.nbf, entry.exp, `issuer key of ${iss}`);
  if (!bytesEqual(await kidFor(entry.publicKey), kid)) throw new FormatError('issuer kid does not match its public key');
  entry.categories = cats.map(categoryFromObj);
  if (entry.categories.length === 0) throw new FormatError('an issuer needs 1 to 16 categories');
  if (new Set(entry.categories.map((c) => c.code)).size !== entry.categories.length) {
    throw new FormatError('category codes must be unique per issuer');
  }
  return entry;
}

/**
 * The category of an issuer entry with this code, or null.
 * @param {IssuerEntry} entry
 * @param {string} code
 * @returns {Category | null}
 */
export function entryCategory(entry, code) {
  for (const c of entry.categories) if (c.code === code) return c;
  return null;
}

/**
 * @param {Bytes} data
 * @param {string} name
 * @returns {Sign1}
 */
function openList(data, name) {
  if (!(data instanceof Uint8Array) || data.length > MAX_LIST_BYTES) {
    throw new FormatError(`${name} must be bytes of at most ${MAX_LIST_BYTES}`);
  }
  return Sign1.fromBytes(data);
}

/**
 * Decode a trust list payload.
 * @param {Bytes} payload
 * @returns {Promise<TrustList>}
 */
export async function trustListFromPayload(payload) {
  const m = map(cbor.decode(payload), 'trust list', ['v', 'seq', 'iat', 'exp', 'issuers']);
  if (m.get('v') !== LIST_VERSION) throw new FormatError('unsupported trust list version');
  const raw = list(m.get('issuers'), 'issuers', MAX_ISSUERS);
  const issuers = [];
  for (const e of raw) issuers.push(await issuerFromObj(e));
  const tl = {
    seq: uint(m.get('seq'), 'seq'),
    iat: uint(m.get('iat'), 'iat'),
    exp: uint(m.get('exp'), 'exp'),
    issuers,
  };
  window(tl.iat, tl.exp, 'trust list');
  if (new Set(issuers.map((e) => toHex(e.kid))).size !== issuers.length) throw new FormatError('a key may be listed only once');
  return tl;
}

/**
 * Decode a signed trust list: [envelope, trustList]. Signature NOT verified: see TrustStore.
 * @param {Bytes} data
 * @returns {Promise<[Sign1, TrustList]>}
 */
export async function openTrustList(data) {
  const envelope = openList(data, 'trust list');
  return [envelope, await trustListFromPayload(envelope.payload)];
}

/**
 * Decode a revocation list payload.
 * @param {Bytes} payload
 * @returns {RevocationList}
 */
export function revocationListFromPayload(payload) {
  const m = map(cbor.decode(payload), 'revocation list', ['v', 'iss', 'seq', 'iat', 'exp', 'serials']);
  if (m.get('v') !== LIST_VERSION) throw new FormatError('unsupported revocation list version');
  const raw = list(m.get('serials'), 'serials', MAX_SERIALS);
  const iss = text(m.get('iss'), 'iss', ISS);
  const seq = uint(m.get('seq'), 'seq');
  const iat = uint(m.get('iat'), 'iat');
  const exp = uint(m.get('exp'), 'exp');
  window(iat, exp, 'revocation list');
  const serials = [];
  let previous = new Uint8Array(0);
  for (const item of raw) {
    const serial = bytes(item, 'serial', SERIAL_BYTES);
    if (compareBytes(serial, previous) <= 0) throw new FormatError('revoked serials must be strictly ascending');
    serials.push(serial);
    previous = serial;
  }
  return { iss, seq, iat, exp, serials };
}

/**
 * Decode a signed revocation list: [envelope, revocationList]. Signature NOT verified.
 * @param {Bytes} data
 * @returns {[Sign1, RevocationList]}
 */
export function openRevocationList(data) {
  const envelope = openList(data, 'revocation list');
  return [envelope, revocationListFromPayload(envelope.payload)];
}
