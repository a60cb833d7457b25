// The service's audit log, witnessed (docs/transparency.md §4–5), mirroring
// verifier/translog.py. Every phone that syncs keeps the last signed tree head
// (checkpoint) it accepted and, at the next sync, checks that the log only grew:
// an insider who deletes an event or all checkpoints cannot hide it from the phones.

import * as cbor from './cbor.js';
import { FormatError, TrustError } from './errors.js';
import { MAX_LIST_BYTES, Sign1, bytesEqual, fromHex, toHex } from './format.js';

export const HASH_BYTES = 32;
export const MAX_PROOF_HASHES = 128;
const ISS = /^GM[0-9]{4}$/;
const KEYS = ['iat', 'iss', 'root', 'size', 'typ', 'v'];

/** @import { Bytes, Value } from './cbor.js' */
/** @import { TrustStore } from './trust.js' */

/**
 * A signed tree head of the service's audit log, decoded (sizes and times are safe integers).
 * @typedef {object} Checkpoint
 * @property {string} iss
 * @property {number} size  the number of events in the log
 * @property {Bytes} root  the Merkle tree hash over them
 * @property {number} iat  when it was signed, Unix seconds
 */

/** A log that is not an append-only extension of the checkpoint this phone kept. */
export class LogRewritten extends TrustError {
  /**
   * What the service offered instead, described for people (set by Lists when it
   * refuses a sync), or undefined.
   * @type {string | undefined}
   */
  offered;
}

/**
 * @param {...Uint8Array} parts
 * @returns {Promise<Bytes>}
 */
async function sha256(...parts) {
  const total = parts.reduce((n, p) => n + p.length, 0);
  const data = new Uint8Array(total);
  let at = 0;
  for (const p of parts) {
    data.set(p, at);
    at += p.length;
  }
  return new Uint8Array(await crypto.subtle.digest('SHA-256', data));
}

/**
 * @param {Uint8Array} left
 * @param {Uint8Array} right
 */
export function nodeHash(left, right) {
  return sha256(Uint8Array.of(1), left, right);
}

/** @param {Uint8Array} data */
export function leafHash(data) {
  return sha256(Uint8Array.of(0), data);
}

export const EMPTY_ROOT = fromHex('e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');

/**
 * Whether the tree of `second` leaves extends the tree of `first` leaves (RFC 9162 §2.1.4.2).
 * @param {number} first
 * @param {number} second
 * @param {Uint8Array} firstRoot
 * @param {Uint8Array} secondRoot
 * @param {Uint8Array[]} proof
 * @returns {Promise<boolean>}
 */
export async function verifyConsistency(first, second, firstRoot, secondRoot, proof) {
  if (!(Number.isSafeInteger(first) && Number.isSafeInteger(second)) || first < 0 || first > second) return false;
  if (first === second) return proof.length === 0 && bytesEqual(firstRoot, secondRoot);
  if (first === 0) return proof.length === 0 && bytesEqual(firstRoot, EMPTY_ROOT);
  if (proof.length === 0) return false;
  const path = [...proof];
  // An exact power of two: the old root is a node of the new tree.
  if (Number.isInteger(Math.log2(first))) path.unshift(firstRoot);
  // BigInt for the index walk: sizes may pass 2^31, where JS bit operators wrap.
  let fn = BigInt(first - 1);
  let sn = BigInt(second - 1);
  while (fn & 1n) {
    fn >>= 1n;
    sn >>= 1n;
  }
  let fr = path[0];
  let sr = path[0];
  for (const c of path.slice(1)) {
    if (sn === 0n) return false;
    if (fn & 1n || fn === sn) {
      fr = await nodeHash(c, fr);
      sr = await nodeHash(c, sr);
      if (!(fn & 1n)) {
        while (fn && !(fn & 1n)) {
          fn >>= 1n;
          sn >>= 1n;
        }
      }
    } else {
      sr = await nodeHash(sr, c);
    }
    fn >>= 1n;
    sn >>= 1n;
  }
  return bytesEqual(fr, firstRoot) && bytesEqual(sr, secondRoot) && sn === 0n;
}

/**
 * @param {Value | undefined} value
 * @param {string} name
 * @returns {number}
 */
function uint(value, name) {
  const n = typeof value === 'bigint' ? value : typeof value === 'number' && Number.isInteger(value) ? BigInt(value) : null;
  if (n === null || n < 0n || n > BigInt(Number.MAX_SAFE_INTEGER)) throw new FormatError(`checkpoint: ${name} must be an unsigned integer`);
  return Number(n);
}

/**
 * Decode a signed checkpoint strictly. Signature NOT verified: see checkCheckpoint.
 * @param {Bytes} bytes
 * @returns {[Sign1, Checkpoint]}
 */
export function openCheckpoint(bytes) {
  if (!(bytes instanceof Uint8Array) || bytes.length > MAX_LIST_BYTES) throw new FormatError('checkpoint: must be bytes');
  const envelope = Sign1.fromBytes(bytes);
  const m = cbor.decode(envelope.payload);
  if (!(m instanceof Map) || m.size !== KEYS.length || !KEYS.every((k) => m.has(k))) {
    throw new FormatError(`checkpoint must hold exactly the keys ${KEYS.join(', ')}`);
  }
  if (uint(m.get('v'), 'v') !== 1 || m.get('typ') !== 'pas-log') throw new FormatError('not a version 1 log checkpoint');
  const iss = m.get('iss');
  if (typeof iss !== 'string' || !ISS.test(iss)) throw new FormatError('checkpoint: bad iss');
  const root = m.get('root');
  if (!(root instanceof Uint8Array) || root.length !== HASH_BYTES) throw new FormatError('checkpoint: root must be 32 bytes');
  return [envelope, { iss, size: uint(m.get('size'), 'size'), root, iat: uint(m.get('iat'), 'iat') }];
}

/**
 * Decode and verify a checkpoint against an anchor-verified TrustStore: the signer must be
 * a key the trust list lists for the checkpoint's iss — never a key served beside the log.
 * @param {TrustStore} store
 * @param {Bytes} bytes
 * @returns {Promise<Checkpoint>}
 */
export async function checkCheckpoint(store, bytes) {
  const [envelope, cp] = openCheckpoint(bytes);
  const signers = store.candidates(envelope).filter((i) => i.entry.iss === cp.iss);
  if (signers.length === 0) throw new TrustError(`the log checkpoint of ${cp.iss} is signed by a key not listed for it`);
  for (const s of signers) {
    if (await store.ed.verify(s.key, envelope.signature, envelope.toBeSigned())) return cp;
  }
  throw new TrustError(`the log checkpoint of ${cp.iss} has a bad signature`);
}

/**
 * The hashes of a published consistency proof, checked for form.
 * @param {{from?: unknown, to?: unknown, proof?: unknown} | null | undefined} obj  the parsed JSON
 * @param {number} first
 * @param {number} second
 * @returns {Bytes[]}
 */
export function proofFromJson(obj, first, second) {
  if (!obj || obj.from !== first || obj.to !== second) throw new FormatError('the consistency proof is not for the sizes asked');
  if (!Array.isArray(obj.proof) || obj.proof.length > MAX_PROOF_HASHES) throw new FormatError('the consistency proof must be a list of hashes');
  return obj.proof.map((h) => {
    if (typeof h !== 'string' || !/^[0-9a-f]{64}$/.test(h)) throw new FormatError('a proof hash must be 64 hex characters');
    return fromHex(h);
  });
}

/**
 * Throw LogRewritten unless `next` is an append-only extension of `old` (both verified).
 * @param {Checkpoint} old
 * @param {Checkpoint} next
 * @param {Uint8Array[] | null} proof
 * @returns {Promise<void>}
 */
export async function checkExtension(old, next, proof) {
  if (old.iss !== next.iss) throw new LogRewritten(`the checkpoints are of different logs (${old.iss}, ${next.iss})`);
  if (next.size < old.size) {
    throw new LogRewritten(`the log of ${next.iss} now has fewer events (${next.size}) than seen before (${old.size}): rollback`);
  }
  if (next.size === old.size) {
    if (!bytesEqual(next.root, old.root)) throw new LogRewritten(`the log of ${next.iss} was rewritten (fork at ${next.size} events)`);
    return;
  }
  if (proof === null || !(await verifyConsistency(old.size, next.size, old.root, next.root, proof))) {
    throw new LogRewritten(`the log of ${next.iss} at ${next.size} events does not extend the ${old.size} seen before: rewritten`);
  }
}

/**
 * A checkpoint for people: iss, size, signing time and root, to hand to the privacy officer.
 * @param {Checkpoint} cp
 * @returns {string}
 */
export function describe(cp) {
  return `${cp.iss} · ${cp.size} · ${new Date(cp.iat * 1000).toISOString()} · ${toHex(cp.root)}`;
}
