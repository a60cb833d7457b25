// Several regions in one verifier, and where a pass counts (docs/token-format.md §9.1,
// §10.4; ADR 0020). Mirrors verifier/regions.py.
//
// A region is one pinned trust anchor with its own lists and rollback floors. A
// RegionStore puts the verified stores of several regions side by side for verify(); it
// refuses an issuer (iss) that two anchors both list, whatever the order. A Policy says
// which issuers' passes count for work in the municipality this app is set up for.

import { TrustError } from './errors.js';
import { bytesEqual, toHex } from './format.js';

/** @import { Backend } from './ed25519.js' */
/** @import { IssuerEntry, RevocationList, Sign1, TrustList } from './format.js' */
/** @import { Issuer, TrustStore } from './trust.js' */

/** A region's id in config.json: 1-32 lower-case letters, digits or hyphens. */
export const REGION_ID = /^[a-z0-9][a-z0-9-]{0,31}$/;
const ISS = /^GM[0-9]{4}$/;

/**
 * One pinned anchor's verified lists, under the id config.json gives it.
 * @typedef {object} Region
 * @property {string} id
 * @property {TrustStore} store
 * @property {string} [name]
 */

/**
 * Where a pass counts: this municipality (its own passes always count) and the issuers
 * whose passes count for work here.
 * @typedef {object} Policy
 * @property {string} here  the municipality's code, e.g. GM0106
 * @property {Set<string>} accept  issuer codes that count here besides `here`
 * @property {string} [hereName]  how the verdict names this municipality
 */

/**
 * @param {string} iss
 * @param {string} first
 * @param {string} second
 */
export function conflictMessage(iss, first, second) {
  return `issuer ${iss} is listed under two anchors (regions '${first}' and '${second}'); a municipality belongs to one anchor`;
}

/**
 * The issuer codes of a store's trust list.
 * @param {TrustStore} store
 * @returns {Set<string>}
 */
export function issuerCodes(store) {
  return new Set(store.issuers.map((e) => e.iss));
}

export class RegionStore {
  /**
   * Throws TrustError for two regions with one id or one anchor, or an issuer listed
   * under two anchors (the whole set is refused: order must not decide).
   * @param {Region[]} regions
   */
  constructor(regions) {
    /** @type {readonly Region[]} */
    this.regions = Object.freeze([...regions]);
    /** @type {Map<string, Region>} iss -> the region that lists it */
    this._byIss = new Map();
    /** @type {Map<string, Issuer[]>} hex kid -> the issuer keys of every region with that kid */
    this._byKid = new Map();
    /** @type {Set<string>} */
    const ids = new Set();
    for (const region of this.regions) {
      if (!REGION_ID.test(region.id)) throw new TrustError(`region id must be lower-case letters, digits or hyphens: ${region.id}`);
      if (ids.has(region.id)) throw new TrustError(`two regions with the id '${region.id}'`);
      ids.add(region.id);
      for (const other of this.regions) {
        if (other === region) break;
        if (bytesEqual(other.store.anchorPublicKey, region.store.anchorPublicKey)) {
          throw new TrustError(`regions '${other.id}' and '${region.id}' pin the same anchor`);
        }
      }
      for (const iss of [...issuerCodes(region.store)].sort()) {
        const held = this._byIss.get(iss);
        if (held !== undefined && held !== region) throw new TrustError(conflictMessage(iss, held.id, region.id));
        this._byIss.set(iss, region);
      }
      // One lookup per pass, however many regions.
      for (const [kid, issuers] of region.store._byKid) this._byKid.set(kid, [...(this._byKid.get(kid) ?? []), ...issuers]);
    }
  }

  /** @returns {Backend} the Ed25519 backend (one per app) */
  get ed() {
    if (this.regions.length === 0) throw new TrustError('no regions');
    return this.regions[0].store.ed;
  }

  /**
   * @param {string} iss
   * @returns {Region | null}
   */
  regionOf(iss) {
    return this._byIss.get(iss) ?? null;
  }

  /**
   * Issuer keys listed under the envelope's kid, in every region.
   * @param {Sign1} envelope
   * @returns {Issuer[]}
   */
  candidates(envelope) {
    return this._byKid.get(toHex(envelope.kid)) ?? [];
  }

  /**
   * @param {string} iss
   * @returns {TrustList | null}
   */
  trustListFor(iss) {
    return this._byIss.get(iss)?.store.trustList ?? null;
  }

  /**
   * @param {string} iss
   * @returns {RevocationList | null}
   */
  revocations(iss) {
    return this._byIss.get(iss)?.store.revocations(iss) ?? null;
  }

  /**
   * @param {string} iss
   * @param {Uint8Array} serial
   */
  isRevoked(iss, serial) {
    return this._byIss.get(iss)?.store.isRevoked(iss, serial) ?? false;
  }

  /** @returns {IssuerEntry[]} */
  get issuers() {
    return this.regions.flatMap((r) => r.store.issuers);
  }
}

/**
 * config.json's accept list → issuer codes: `GMxxxx` as is, a region id as every issuer
 * its anchor's current, verified trust list lists. An unknown item is an error: a typo
 * must not silently accept nothing (or everything).
 * @param {readonly string[]} items
 * @param {readonly Region[]} regions
 * @returns {Set<string>}
 */
export function resolveAccept(items, regions) {
  /** @type {Set<string>} */
  const out = new Set();
  for (const item of items) {
    if (ISS.test(item)) {
      out.add(item);
      continue;
    }
    const region = regions.find((r) => r.id === item);
    if (!region) throw new TrustError(`accept: '${item}' is neither a municipality code nor a region id`);
    for (const iss of issuerCodes(region.store)) out.add(iss);
  }
  return out;
}

/**
 * The issuer's name from the trust lists (`Gemeente Assen`), else the code.
 * @param {string} iss
 * @param {{issuers: IssuerEntry[]}} store
 */
export function nameOf(iss, store) {
  return store.issuers.find((e) => e.iss === iss)?.name ?? iss;
}
