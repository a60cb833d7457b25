// The lists of every region config.json names, side by side (ADR 0020).
//
// One Lists per pinned anchor: its own source, cache keys and rollback floors, refreshed
// on its own — a region whose server fails or rolls back leaves the others as they are.
// A trust list that lists an issuer another region already claims is refused before it
// is stored. Lists of an anchor no longer in config.json are removed from the cache.

import { Lists, forgetOtherRegions, regionPrefix } from './lists.js';
import { RegionStore, conflictMessage, issuerCodes, nameOf, resolveAccept } from './regions.js';

/** @import { SyncError, LogProblem } from './lists.js' */
/** @import { Policy, Region } from './regions.js' */
/** @import { Bytes, Int } from './cbor.js' */

/**
 * One region as config.json gives it (the top-level anchor_hex is the region 'default').
 * @typedef {object} RegionConfig
 * @property {string} id
 * @property {string} name
 * @property {string} anchorHex
 * @property {string} listsUrl  absolute, ends with '/'
 * @property {boolean} primary  the anchor of config.json's anchor_hex (keeps the old cache keys)
 */
/**
 * Where a pass counts, as config.json says it.
 * @typedef {object} PolicyConfig
 * @property {string} here  GMxxxx
 * @property {string} hereName  '' when config.json gives none (the trust list's name is used)
 * @property {string[]} accept  issuer codes and region ids
 */

/** Which error of several regions to show first. */
/** @type {SyncError[]} */
const ERROR_ORDER = ['log', 'conflict', 'rollback', 'failed', 'offline'];

export class RegionLists {
  /**
   * @param {RegionConfig[]} regions
   * @param {{maxListAgeDays: number, policy: PolicyConfig | null}} options
   */
  constructor(regions, { maxListAgeDays, policy }) {
    /** @type {Lists[]} */
    this.regions = regions.map(
      (r) => new Lists({ anchorHex: r.anchorHex, listsUrl: r.listsUrl, maxListAgeDays, prefix: regionPrefix(r.anchorHex, r.primary), id: r.id, name: r.name }),
    );
    this.policyConfig = policy;
    /** @type {RegionStore | null} */
    this.store = null;
    /** @type {Policy | null} */
    this.policy = null;
    /** @type {string | null} why the policy or the regions cannot be used as configured */
    this.configError = null;
    /** @type {string[]} regions left out of the store (an issuer under two anchors) */
    this.conflicts = [];
    /** @type {Map<string, Set<string>>} region id -> the issuers its newest trust list claims */
    this.claims = new Map();
    /** @type {Set<(lists: RegionLists) => void>} */
    this.listeners = new Set();
    for (const lists of this.regions) {
      // Revocation lists only of the issuers that count here (bench/bench_national.py: the
      // daily re-sync of a region's phone stays under 50 kB; all 342 lists would not).
      if (policy) {
        const whole = policy.accept.includes(lists.id);
        lists.wanted = (iss) => whole || iss === policy.here || policy.accept.includes(iss);
      }
      lists.check = (store) => {
        const mine = issuerCodes(store);
        for (const [id, theirs] of this.claims) {
          if (id === lists.id) continue;
          const shared = [...mine].find((iss) => theirs.has(iss));
          if (shared !== undefined) return conflictMessage(shared, id, lists.id);
        }
        this.claims.set(lists.id, mine); // synchronously: a region refreshed at the same time sees it
        return null;
      };
      lists.onChange(() => {
        this._combine();
        this._changed();
      });
    }
  }

  /** @param {(lists: RegionLists) => void} fn */
  onChange(fn) {
    this.listeners.add(fn);
  }

  _changed() {
    for (const fn of this.listeners) fn(this);
  }

  /** Open the cache, forget the lists of removed anchors, load every region's lists. */
  async load() {
    await forgetOtherRegions(new Set(this.regions.map((l) => l.prefix)));
    for (const lists of this.regions) await lists.load();
    this._combine();
    this._changed();
  }

  /** Rebuild the combined store (config order; a region whose issuer an earlier one lists is left out). */
  _combine() {
    /** @type {Region[]} */
    const kept = [];
    this.conflicts = [];
    this.claims = new Map();
    for (const lists of this.regions) {
      if (!lists.store) continue;
      const mine = issuerCodes(lists.store);
      const clash = kept.find((r) => [...issuerCodes(r.store)].some((iss) => mine.has(iss)));
      if (clash) {
        const iss = [...mine].find((i) => issuerCodes(clash.store).has(i)) ?? '';
        this.conflicts.push(conflictMessage(iss, clash.id, lists.id));
        continue;
      }
      kept.push({ id: lists.id, store: lists.store, name: lists.name });
      this.claims.set(lists.id, mine);
    }
    this.store = kept.length ? new RegionStore(kept) : null;
    this.policy = null;
    this.configError = null;
    const p = this.policyConfig;
    if (p && this.store) {
      try {
        const accept = resolveAccept(p.accept, kept);
        this.policy = { here: p.here, accept, hereName: p.hereName || nameOf(p.here, this.store) };
      } catch (err) {
        this.configError = err instanceof Error ? err.message : String(err);
      }
    }
  }

  /** @returns {Promise<void> | null} the syncs under way, if any */
  get busy() {
    const running = this.regions.map((l) => l.busy).filter((b) => b !== null);
    return running.length ? Promise.all(running).then(() => {}) : null;
  }

  /**
   * Refresh every region from its own source, independently. Never throws.
   * @returns {Promise<void>}
   */
  refresh() {
    return Promise.all(this.regions.map((l) => l.refresh())).then(() => {});
  }

  /** @returns {SyncError | null} the most serious error of the last syncs */
  get lastError() {
    const errors = this.regions.map((l) => l.lastError);
    return ERROR_ORDER.find((e) => errors.includes(e)) ?? null;
  }

  /** @returns {LogProblem | null} */
  get logProblem() {
    return this.regions.map((l) => l.logProblem).find((p) => p !== null) ?? null;
  }

  /**
   * The Lists of the region that lists `iss` (null: none).
   * @param {string} iss
   */
  _regionOf(iss) {
    const id = this.store?.regionOf(iss)?.id;
    return this.regions.find((l) => l.id === id) ?? null;
  }

  /** Seconds since the least recently confirmed region was confirmed, or null. */
  age(now = Math.floor(Date.now() / 1000)) {
    const ages = this.regions.map((l) => l.age(now)).filter((a) => a !== null);
    return ages.length ? Math.max(...ages) : null;
  }

  /**
   * @param {number} [now]
   * @param {string | null} [iss]  the pass's issuer: only its region's lists count
   */
  expired(now, iss = null) {
    if (iss !== null) return this._regionOf(iss)?.expired(now, iss) ?? false;
    return this.regions.some((l) => l.store !== null && l.expired(now));
  }

  /**
   * @param {number} [now]
   * @param {string | null} [iss]
   */
  stale(now, iss = null) {
    if (iss !== null) return this._regionOf(iss)?.stale(now, iss) ?? true;
    return this.regions.some((l) => l.store !== null && l.stale(now));
  }

  /**
   * 'behind' when any region's lists were signed after this phone's time; 'ahead' when
   * every region's were signed more than a year before it.
   * @param {number} [now]
   * @returns {'behind' | 'ahead' | null}
   */
  clock(now) {
    const seen = this.regions.filter((l) => l.store !== null).map((l) => l.clock(now));
    if (seen.includes('behind')) return 'behind';
    if (seen.length && seen.every((c) => c === 'ahead')) return 'ahead';
    return null;
  }

  /** @returns {{iss: string, seq: Int, iat: Int, exp: Int, count: number}[]} */
  revocationSummary() {
    return this.regions.flatMap((l) => l.revocationSummary());
  }

  /** @returns {string | null} */
  keptCheckpoint() {
    const kept = this.regions.map((l) => l.keptCheckpoint()).filter((k) => k !== null);
    return kept.length ? kept.join(' · ') : null;
  }

  /** @returns {Bytes | null} the first region's kept checkpoint */
  keptCheckpointBytes() {
    return this.regions.map((l) => l.keptCheckpointBytes()).find((b) => b !== null) ?? null;
  }
}
