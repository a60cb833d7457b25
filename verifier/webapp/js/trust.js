// What a verifier trusts: a pinned anchor key, a trust list and revocation
// lists. Mirrors verifier/trust.py: a TrustStore never holds anything unverified.

import { backend } from './ed25519.js';
import { FormatError, TrustError } from './errors.js';
import { PUBLIC_KEY_BYTES, fromHex, openRevocationList, openTrustList, toHex } from './format.js';

/** A 32-byte anchor key from raw bytes or 64 hex characters (whitespace allowed). */
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

async function verifyEnvelope(ed, key, envelope) {
  return ed.verify(key, envelope.signature, envelope.toBeSigned());
}

export class TrustStore {
  /** Use TrustStore.fromBytes; the constructor takes already verified parts. */
  constructor({ anchorPublicKey, trustList, issuers, ed, revocations = [] }) {
    this.anchorPublicKey = anchorPublicKey;
    this.trustList = trustList;
    this.ed = ed;
    this._issuers = issuers; // [{entry, key}]
    this._byKid = new Map();
    for (const issuer of issuers) {
      const kid = toHex(issuer.entry.kid);
      if (!this._byKid.has(kid)) this._byKid.set(kid, []);
      this._byKid.get(kid).push(issuer);
    }
    this._revocations = new Map(); // iss -> {list, serials: Set(hex)}
    for (const rl of revocations) {
      const known = this._revocations.get(rl.iss);
      if (known !== undefined && known.list.seq >= rl.seq) continue;
      this._revocations.set(rl.iss, { list: rl, serials: new Set(rl.serials.map(toHex)) });
    }
  }

  /**
   * Verify a signed trust list and revocation lists into a store.
   * `minSeq` and `minRevocationSeqs` ({iss: seq}) are the highest seqs accepted
   * before; anything lower is a rollback. Throws TrustError or FormatError.
   */
  static async fromBytes(anchorPub, trustList, revocations = [], { minSeq = 0, minRevocationSeqs = {} } = {}) {
    const anchor = parseAnchor(anchorPub);
    const ed = await backend();
    const [envelope, tl] = await openTrustList(trustList);
    if (!(await verifyEnvelope(ed, await ed.importKey(anchor), envelope))) {
      throw new TrustError('trust list is not signed by the pinned trust anchor');
    }
    if (tl.seq < minSeq) throw new TrustError(`trust list seq ${tl.seq} is lower than ${minSeq} seen before (rollback)`);
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

  /** Verify a signed revocation list against this store's issuer keys; returns the list. */
  async checkRevocationList(data) {
    const [envelope, rl] = openRevocationList(data);
    const signers = (this._byKid.get(toHex(envelope.kid)) ?? []).filter((i) => i.entry.iss === rl.iss);
    if (signers.length === 0) throw new TrustError(`revocation list for ${rl.iss} is signed by a key not listed for it`);
    for (const s of signers) {
      if (await verifyEnvelope(this.ed, s.key, envelope)) return rl;
    }
    throw new TrustError(`revocation list for ${rl.iss} has a bad signature`);
  }

  /** A new store with newer revocation lists added; lower seqs are refused. */
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

  /** Issuer keys ({entry, key}) listed under the envelope's kid. */
  candidates(envelope) {
    return this._byKid.get(toHex(envelope.kid)) ?? [];
  }

  revocations(iss) {
    return this._revocations.get(iss)?.list ?? null;
  }

  isRevoked(iss, serial) {
    const r = this._revocations.get(iss);
    return r !== undefined && r.serials.has(toHex(serial));
  }

  get issuers() {
    return this.trustList.issuers;
  }
}

export { FormatError, TrustError };
