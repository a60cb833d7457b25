// What a verifier trusts: a pinned anchor key, a trust list and revocation
// lists. Mirrors verifier/trust.py: a TrustStore never holds anything unverified.

import { backend } from './ed25519.js';
import { FormatError, TrustError } from './errors.js';
import {
  PUBLIC_KEY_BYTES,
  bytesEqual,
  fromHex,
  kidFor,
  openRevocationList,
  openTrustList,
  toHex,
} from './format.js';

/** @import { Bytes, Int } from './cbor.js' */
/** @import { Backend, PublicKey } from './ed25519.js' */
/** @import { IssuerEntry, RevocationList, Sign1, TrustList } from './format.js' */

/**
 * An issuer key of the trust list, ready to verify with.
 * @typedef {object} Issuer
 * @property {IssuerEntry} entry
 * @property {PublicKey} key
 */
/**
 * The verified parts a TrustStore is made of.
 * @typedef {object} TrustStoreParts
 * @property {Bytes} anchorPublicKey
 * @property {TrustList} trustList
 * @property {Issuer[]} issuers
 * @property {Backend} ed
 * @property {RevocationList[]} [revocations]
 */

/**
 * A 32-byte anchor key from raw bytes or 64 hex characters (whitespace allowed).
 * @param {Bytes | string} value
 * @returns {Bytes}
 */
export function parseAnchor(value) {
  if (value instanceof Uint8Array && value.length === PUBLIC_KEY_BYTES) return value;
  const textValue = value instanceof Uint8Array ? new TextDecoder().decode(value) : String(value);
  let raw;
  try {
    raw = fromHex(textValue.replace(/\s+/g, ''));
  } catch {
    throw new TrustError('anchor key must be 64 hex characters');
  }
  if (raw.length !== PUBLIC_KEY_BYTES) throw new TrustError('anchor key must be 32 bytes (64 hex characters)');
  return raw;
}

/**
 * @param {Backend} ed
 * @param {PublicKey} key
 * @param {Sign1} envelope
 */
async function verifyEnvelope(ed, key, envelope) {
  return ed.verify(key, envelope.signature, envelope.toBeSigned());
}

/**
 * Whether two decoded revocation lists have the same contents (for one iss and seq:
 * the same payload, since the encoding is deterministic and the schema closed).
 * @param {RevocationList} a
 * @param {RevocationList} b
 */
export function sameRevocationList(a, b) {
  if (a.iss !== b.iss || a.seq !== b.seq || a.iat !== b.iat || a.exp !== b.exp) return false;
  if (a.serials.length !== b.serials.length) return false;
  for (let i = 0; i < a.serials.length; i++) if (!bytesEqual(a.serials[i], b.serials[i])) return false;
  return true;
}

export class TrustStore {
  /**
   * Use TrustStore.fromBytes; the constructor takes already verified parts.
   * @param {TrustStoreParts} parts
   */
  constructor({ anchorPublicKey, trustList, issuers, ed, revocations = [] }) {
    this.anchorPublicKey = anchorPublicKey;
    this.trustList = trustList;
    this.ed = ed;
    this._issuers = issuers;
    /** @type {Map<string, Issuer[]>} hex kid -> the issuer keys with that kid */
    this._byKid = new Map();
    for (const issuer of issuers) {
      const kid = toHex(issuer.entry.kid);
      const same = this._byKid.get(kid);
      if (same === undefined) this._byKid.set(kid, [issuer]);
      else same.push(issuer);
    }
    /** @type {Map<string, {list: RevocationList, serials: Set<string>}>} iss -> its list and revoked serials (hex) */
    this._revocations = new Map();
    // The lists form a set: order does not matter, the highest seq per iss is used and
    // lower ones are superseded. Two different lists under one (iss, seq) are the issuer
    // contradicting itself: refuse rather than pick one (docs/token-format.md §9).
    /** @type {Map<string, RevocationList>} `${iss}/${seq}` -> list */
    const seen = new Map();
    for (const rl of revocations) {
      const id = `${rl.iss}/${rl.seq}`;
      const other = seen.get(id);
      if (other === undefined) seen.set(id, rl);
      else if (!sameRevocationList(other, rl)) {
        throw new TrustError(`two different revocation lists of ${rl.iss} with seq ${rl.seq} (the issuer equivocates)`);
      }
      const known = this._revocations.get(rl.iss);
      if (known !== undefined && known.list.seq >= rl.seq) continue;
      this._revocations.set(rl.iss, { list: rl, serials: new Set(rl.serials.map(toHex)) });
    }
  }

  /**
   * Verify a signed trust list and revocation lists into a store.
   * `minSeq` and `minRevocationSeqs` ({iss: seq}) are the highest seqs accepted
   * before; anything lower is a rollback. The revocation lists are a set: the highest
   * seq per iss is used, and two different lists with one iss and seq are refused.
   * Throws TrustError or FormatError.
   * @param {Bytes | string} anchorPub
   * @param {Bytes} trustList
   * @param {Bytes[]} [revocations]
   * @param {{minSeq?: Int, minRevocationSeqs?: Record<string, Int>}} [floors]
   * @returns {Promise<TrustStore>}
   */
  static async fromBytes(anchorPub, trustList, revocations = [], { minSeq = 0, minRevocationSeqs = {} } = {}) {
    const anchor = parseAnchor(anchorPub);
    const ed = await backend();
    const [envelope, tl] = await openTrustList(trustList);
    if (!(await verifyEnvelope(ed, await ed.importKey(anchor), envelope))) {
      throw new TrustError('trust list is not signed by the pinned trust anchor');
    }
    if (!bytesEqual(envelope.kid, await kidFor(anchor))) {
      // Harmless in itself, but the kid names the signer in every PAS1 envelope (§9).
      throw new TrustError('trust list is signed by the trust anchor but labelled with another kid');
    }
    if (tl.seq < minSeq) throw new TrustError(`trust list seq ${tl.seq} is lower than ${minSeq} seen before (rollback)`);
    /** @type {Issuer[]} */
    const issuers = [];
    for (const entry of tl.issuers) issuers.push({ entry, key: await ed.importKey(entry.publicKey) });
    const store = new TrustStore({ anchorPublicKey: anchor, trustList: tl, issuers, ed });
    const lists = [];
    for (const data of revocations) lists.push(await store.checkRevocationList(data));
    for (const rl of lists) {
      const floor = minRevocationSeqs[rl.iss] ?? 0;
      if (rl.seq < floor) throw new TrustError(`revocation list of ${rl.iss} rolls back to seq ${rl.seq}`);
    }
    return new TrustStore({ anchorPublicKey: anchor, trustList: tl, issuers, ed, revocations: lists });
  }

  /**
   * Verify a signed revocation list against this store's issuer keys; returns the list.
   * The kid must be that of a key listed for the list's iss (any of them, whatever its
   * nbf/exp) and the signature must verify under that very key.
   * @param {Bytes} data
   * @returns {Promise<RevocationList>}
   */
  async checkRevocationList(data) {
    const [envelope, rl] = openRevocationList(data);
    const signers = (this._byKid.get(toHex(envelope.kid)) ?? []).filter((i) => i.entry.iss === rl.iss);
    if (signers.length === 0) throw new TrustError(`revocation list for ${rl.iss} is signed by a key not listed for it`);
    for (const s of signers) {
      if (await verifyEnvelope(this.ed, s.key, envelope)) return rl;
    }
    throw new TrustError(`revocation list for ${rl.iss} has a bad signature`);
  }

  /**
   * A new store with newer revocation lists added. A list with a lower seq than the one
   * held for its iss is refused (rollback), and so is one with the same seq but other
   * contents than the held one (equivocation).
   * @param {Bytes[]} revocations
   * @returns {Promise<TrustStore>}
   */
  async withRevocations(revocations) {
    const lists = [];
    for (const data of revocations) {
      const rl = await this.checkRevocationList(data);
      const current = this._revocations.get(rl.iss);
      if (current !== undefined && rl.seq < current.list.seq) {
        throw new TrustError(`revocation list of ${rl.iss} rolls back to seq ${rl.seq}`);
      }
      lists.push(rl);
    }
    const merged = [...[...this._revocations.values()].map((r) => r.list), ...lists];
    return new TrustStore({
      anchorPublicKey: this.anchorPublicKey,
      trustList: this.trustList,
      issuers: this._issuers,
      ed: this.ed,
      revocations: merged,
    });
  }

  /**
   * Issuer keys ({entry, key}) listed under the envelope's kid.
   * @param {Sign1} envelope
   * @returns {Issuer[]}
   */
  candidates(envelope) {
    return this._byKid.get(toHex(envelope.kid)) ?? [];
  }

  /**
   * The trust list that vouches for `iss` (one store: its only one, if it lists iss).
   * @param {string} iss
   * @returns {TrustList | null}
   */
  trustListFor(iss) {
    return this.trustList.issuers.some((e) => e.iss === iss) ? this.trustList : null;
  }

  /**
   * The revocation list held for `iss`, or null.
   * @param {string} iss
   * @returns {RevocationList | null}
   */
  revocations(iss) {
    return this._revocations.get(iss)?.list ?? null;
  }

  /**
   * @param {string} iss
   * @param {Uint8Array} serial
   */
  isRevoked(iss, serial) {
    const r = this._revocations.get(iss);
    return r !== undefined && r.serials.has(toHex(serial));
  }

  /** @returns {IssuerEntry[]} */
  get issuers() {
    return this.trustList.issuers;
  }
}

export { FormatError, TrustError };
