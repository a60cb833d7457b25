// The trust list and revocation lists: fetched when online, verified, cached in
// IndexedDB with their seq, never rolled back. Only list files are ever fetched
// here, and only when the app starts, comes back online or is asked to — never
// because of a check.

import { TrustError } from './errors.js';
import { openRevocationList } from './format.js';
import { LogRewritten, checkCheckpoint, checkExtension, describe, openCheckpoint, proofFromJson } from './translog.js';
import { TrustStore, sameRevocationList } from './trust.js';

/** @import { Bytes, Int } from './cbor.js' */
/** @import { RevocationList } from './format.js' */

/**
 * A verified list file as cached (under TRUST_KEY, and REV_PREFIX + iss).
 * @typedef {object} ListRecord
 * @property {Bytes} bytes  the signed list, verified again whenever it is loaded
 * @property {number} seq
 * @property {number} exp
 * @property {number} checkedAt  when the server last gave it, Unix seconds
 */
/**
 * The rollback floors (under FLOORS_KEY): the highest seqs ever accepted.
 * @typedef {object} Floors
 * @property {number} tl  of the trust list
 * @property {Record<string, number>} rev  of each issuer's revocation list
 */
/**
 * The audit-log checkpoint this phone keeps as a witness (under LOG_KEY).
 * @typedef {object} LogRecord
 * @property {Bytes} bytes  the signed checkpoint
 * @property {string} iss
 * @property {number} size
 * @property {number} iat
 */
/** @typedef {ListRecord | Floors | LogRecord} CacheRecord */
/**
 * Why the last sync did not bring new lists ('conflict': the trust list lists an issuer
 * another region's anchor lists; ADR 0020).
 * @typedef {'offline' | 'failed' | 'rollback' | 'log' | 'conflict'} SyncError
 */
/**
 * A rewritten audit log, as shown in the about panel.
 * @typedef {object} LogProblem
 * @property {string} message
 * @property {string | null} kept  the checkpoint kept here, described
 * @property {string | null} offered  the one the service offered, described
 */
/**
 * What Lists needs from config.json.
 * @typedef {object} ListsConfig
 * @property {string} anchorHex  the pinned trust anchor key
 * @property {string} listsUrl  where the lists are published: absolute, ends with '/'
 * @property {number} [maxListAgeDays]
 * @property {string} [prefix]  this region's keys in the shared cache ('' for the anchor of
 *   config.json's anchor_hex, as before several regions; REGION_PREFIX + anchor for the others)
 * @property {string} [id]  the region's id in config.json
 * @property {string} [name]
 */

const DB_NAME = 'pas-verifier';
const DB_STORE = 'lists';
const TRUST_KEY = 'trust-list';
const FLOORS_KEY = 'floors';
const REV_PREFIX = 'rev:';
/** The last audit-log checkpoint this phone accepted (docs/transparency.md): its evidence. */
const LOG_KEY = 'log-checkpoint';
const ISS = /^GM[0-9]{4}$/;
/** Keys of the regions of config.json's `regions` start with this, then the anchor (hex), then ':'. */
export const REGION_PREFIX = 'region:';

/**
 * The cache key prefix of a region's lists: '' for config.json's own anchor_hex (the keys
 * phones have held since before several regions), else REGION_PREFIX + anchor + ':'.
 * @param {string} anchorHex
 * @param {boolean} primary
 */
export function regionPrefix(anchorHex, primary) {
  return primary ? '' : `${REGION_PREFIX}${anchorHex}:`;
}

/**
 * Remove from the cache the lists of every anchor not in `prefixes` — a region the
 * municipality removed from config.json (its lists and floors go with it). The unprefixed
 * keys go when '' is not among them.
 * @param {Set<string>} prefixes
 * @returns {Promise<void>}
 */
export async function forgetOtherRegions(prefixes) {
  let db;
  try {
    db = await openDb();
  } catch {
    return;
  }
  try {
    const keys = [...(await readAll(db)).keys()];
    const drop = keys.filter((k) => {
      if (k.startsWith(REGION_PREFIX)) return ![...prefixes].some((p) => p !== '' && k.startsWith(p));
      return !prefixes.has('');
    });
    if (drop.length) await tx(db, 'readwrite', (s) => drop.forEach((k) => s.delete(k)));
  } finally {
    db.close();
  }
}
const DAY = 86400;
/** A list fetch that hangs (a dead network that looks alive) must not hold up a verdict for long. */
const FETCH_TIMEOUT_MS = 15000;
/** Revocation lists fetched at once. All 342 of a national trust list at once queue behind
 * the browser's six connections a host, and on a slow network (2 s a request) most of them
 * hit FETCH_TIMEOUT_MS before they are even sent (bench/bench_app_sync.py); a few at a time,
 * each fetch's timeout counts from when it is really under way. */
const FETCH_CONCURRENCY = 6;
/** A clock this far before the newest list's signing time (or the last sync) is wrong, not slow. */
const CLOCK_BEHIND_SECONDS = 3600;
/** A clock this far after the newest list's signing time is wrong (or the phone has been offline
 * for a year, when the lists are long too old anyway). */
const CLOCK_AHEAD_SECONDS = 365 * DAY;

/** @returns {Promise<IDBDatabase>} */
function openDb() {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB_NAME, 1);
    req.onupgradeneeded = () => req.result.createObjectStore(DB_STORE);
    req.onsuccess = () => resolve(req.result);
    req.onerror = () => reject(req.error);
  });
}

/**
 * Run `fn` on the store in one transaction; resolves once it is committed.
 * @param {IDBDatabase} db
 * @param {IDBTransactionMode} mode
 * @param {(store: IDBObjectStore) => void} fn
 * @returns {Promise<void>}
 */
function tx(db, mode, fn) {
  return new Promise((resolve, reject) => {
    const t = db.transaction(DB_STORE, mode);
    const store = t.objectStore(DB_STORE);
    fn(store);
    t.oncomplete = () => resolve();
    t.onerror = () => reject(t.error);
    t.onabort = () => reject(t.error);
  });
}

/**
 * @param {IDBDatabase} db
 * @returns {Promise<Map<string, CacheRecord>>}
 */
async function readAll(db) {
  /** @type {Map<string, CacheRecord>} */
  const out = new Map();
  await new Promise((resolve, reject) => {
    const t = db.transaction(DB_STORE, 'readonly');
    const req = t.objectStore(DB_STORE).openCursor();
    req.onsuccess = () => {
      const cursor = req.result;
      if (cursor) {
        out.set(/** @type {string} every key is one _put wrote */ (cursor.key), cursor.value);
        cursor.continue();
      }
    };
    t.oncomplete = resolve;
    t.onerror = () => reject(t.error);
  });
  return out;
}

function nowSeconds() {
  return Math.floor(Date.now() / 1000);
}

/** A list file the server answered with an HTTP error status (404: not published). */
class HttpError extends Error {
  /**
   * @param {string} message
   * @param {number} status
   */
  constructor(message, status) {
    super(message);
    this.status = status;
  }
}

/**
 * `task` for every item, at most `limit` at a time; the results in the items' order.
 * @template T, R
 * @param {T[]} items
 * @param {number} limit
 * @param {(item: T) => Promise<R>} task
 * @returns {Promise<R[]>}
 */
async function inTurn(items, limit, task) {
  /** @type {R[]} */
  const results = new Array(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      results[i] = await task(items[i]);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return results;
}

/**
 * @param {URL} url
 * @returns {Promise<Bytes>}
 */
async function fetchBytes(url) {
  const response = await fetch(url, {
    cache: 'no-cache',
    credentials: 'omit',
    redirect: 'follow',
    signal: AbortSignal.timeout?.(FETCH_TIMEOUT_MS),
  });
  if (!response.ok) {
    throw new HttpError(`${response.status} for ${url}`, response.status);
  }
  return new Uint8Array(await response.arrayBuffer());
}

/**
 * The verifier's lists. `store` is the current TrustStore (or null before any
 * list was accepted); `state` says how fresh the lists are.
 */
export class Lists {
  /** @param {ListsConfig} config */
  constructor({ anchorHex, listsUrl, maxListAgeDays = 30, prefix = '', id = 'default', name = '' }) {
    this.anchorHex = anchorHex;
    this.prefix = prefix;
    this.id = id;
    this.name = name;
    /**
     * Refuses a verified trust list before anything is stored (several regions: an issuer
     * another anchor lists), returning why; null lets it through.
     * @type {((store: TrustStore) => string | null) | null}
     */
    this.check = null;
    /** @type {string | null} why the last trust list was refused by `check` */
    this.conflict = null;
    /**
     * Which issuers' revocation lists to fetch (null: all). With a policy only those whose
     * passes count here are needed: another issuer's pass is NOT_VALID_HERE anyway (§10.4).
     * @type {((iss: string) => boolean) | null}
     */
    this.wanted = null;
    this.listsUrl = listsUrl; // absolute, ends with '/'
    this.maxListAgeDays = maxListAgeDays;
    /** @type {TrustStore | null} */
    this.store = null;
    /** @type {number | null} when the trust list was last confirmed from the server */
    this.checkedAt = null;
    /** @type {SyncError | null} */
    this.lastError = null;
    /** @type {LogProblem | null} set when the service's audit log was rewritten */
    this.logProblem = null;
    /** @type {IDBDatabase | null} */
    this.db = null;
    /** @type {Map<string, CacheRecord>} the cache's contents, by key */
    this.records = new Map();
    /** @type {Set<(lists: Lists) => void>} */
    this.listeners = new Set();
    /** @type {Promise<void> | null} the sync under way */
    this.busy = null;
  }

  /** @param {(lists: Lists) => void} fn */
  onChange(fn) {
    this.listeners.add(fn);
  }

  _changed() {
    for (const fn of this.listeners) fn(this);
  }

  /** Open the cache and build the store from what it holds (re-verifying everything). */
  async load() {
    try {
      this.db = await openDb();
      /** @type {Map<string, CacheRecord>} */
      const mine = new Map();
      for (const [key, value] of await readAll(this.db)) {
        // This region's keys only, without the prefix.
        if (this.prefix === '' ? !key.startsWith(REGION_PREFIX) : key.startsWith(this.prefix)) {
          mine.set(key.slice(this.prefix.length), value);
        }
      }
      this.records = mine;
    } catch {
      this.db = null; // private mode without IndexedDB: lists live in memory only
      this.records = new Map();
    }
    await this._rebuild();
    this._changed();
  }

  /** @returns {Floors} */
  _floors() {
    return /** @type {Floors | undefined} */ (this.records.get(FLOORS_KEY)) ?? { tl: 0, rev: {} };
  }

  /**
   * The cached list under `key` (TRUST_KEY or REV_PREFIX + iss), if any.
   * @param {string} key
   * @returns {ListRecord | undefined}
   */
  _list(key) {
    return /** @type {ListRecord | undefined} */ (this.records.get(key));
  }

  /** @returns {LogRecord | undefined} */
  _log() {
    return /** @type {LogRecord | undefined} */ (this.records.get(LOG_KEY));
  }

  async _rebuild() {
    const tl = this._list(TRUST_KEY);
    if (!tl) {
      this.store = null;
      return;
    }
    const floors = this._floors();
    let store;
    try {
      store = await TrustStore.fromBytes(this.anchorHex, tl.bytes, [], { minSeq: floors.tl });
    } catch {
      this.store = null; // a cached list that no longer verifies (e.g. the anchor changed)
      return;
    }
    // All cached lists in one store: one signature check each. (Adding them one at a time
    // rebuilt the store per list: bench_national's 342 lists took 3-7 s in Node, 0.2-0.5 s
    // together.)
    /** @type {Bytes[]} */
    const held = [];
    for (const key of this.records.keys()) {
      if (!key.startsWith(REV_PREFIX)) continue;
      const rec = /** @type {ListRecord} */ (this._list(key));
      try {
        const rl = openRevocationList(rec.bytes)[1]; // its signature is checked just below
        if (rl.seq < (floors.rev[rl.iss] ?? 0)) continue;
        held.push(rec.bytes);
      } catch {
        // unreadable: ignore it
      }
    }
    try {
      store = await store.withRevocations(held);
    } catch {
      // One of them no longer verifies (signed by a key the trust list no longer holds):
      // take them one by one and leave that one out.
      for (const bytes of held) {
        try {
          store = await store.withRevocations([bytes]);
        } catch {
          // ignore it
        }
      }
    }
    this.store = store;
    this.checkedAt = tl.checkedAt ?? null;
  }

  /** @param {[string, CacheRecord][]} entries */
  async _put(entries) {
    for (const [key, value] of entries) this.records.set(key, value);
    if (!this.db) return;
    try {
      await tx(this.db, 'readwrite', (s) => {
        for (const [key, value] of entries) s.put(value, this.prefix + key);
      });
    } catch {
      // quota or private mode: the in-memory copy still works for this session
    }
  }

  /**
   * Fetch, verify and cache the lists. Never throws; sets lastError instead.
   * @returns {Promise<void>}
   */
  refresh() {
    if (!this.busy) {
      this.busy = this._refresh().finally(() => {
        this.busy = null;
        this._changed();
      });
      this._changed();
    }
    return this.busy;
  }

  async _refresh() {
    if (globalThis.navigator && navigator.onLine === false) {
      this.lastError = 'offline';
      return;
    }
    const floors = structuredClone(this._floors());
    let tlBytes;
    try {
      tlBytes = await fetchBytes(new URL('trust-list.cose', this.listsUrl));
    } catch {
      this.lastError = navigator.onLine === false ? 'offline' : 'failed';
      return;
    }
    let store;
    try {
      store = await TrustStore.fromBytes(this.anchorHex, tlBytes, [], { minSeq: floors.tl });
    } catch (err) {
      this.lastError = err instanceof TrustError && /rollback/.test(err.message) ? 'rollback' : 'failed';
      return;
    }
    const refusal = this.check?.(store) ?? null;
    this.conflict = refusal;
    if (refusal !== null) {
      this.lastError = 'conflict';
      return;
    }
    const checkedAt = nowSeconds();
    const tl = store.trustList;
    floors.tl = Math.max(floors.tl, Number(tl.seq));
    /** @type {[string, CacheRecord][]} */
    const entries = [[TRUST_KEY, { bytes: tlBytes, seq: Number(tl.seq), exp: Number(tl.exp), checkedAt }]];

    const listed = new Set(tl.issuers.map((e) => e.iss));
    let codes = [...listed];
    try {
      /** @type {unknown} */
      const published = JSON.parse(new TextDecoder().decode(await fetchBytes(new URL('issuers.json', this.listsUrl))));
      if (Array.isArray(published)) {
        codes = published.filter((c) => typeof c === 'string').filter((c) => ISS.test(c) && listed.has(c));
      }
    } catch {
      // no index: try every issuer in the trust list
    }
    const wanted = this.wanted;
    if (wanted) codes = codes.filter((iss) => wanted(iss));
    /** @type {SyncError | null} */
    let error = null;
    const fetched = await inTurn(
      codes,
      FETCH_CONCURRENCY,
      /** @returns {Promise<[string, Bytes | null]>} */
      async (iss) => {
        try {
          return [iss, await fetchBytes(new URL(`revocations/${iss}.cose`, this.listsUrl))];
        } catch (err) {
          if (!(err instanceof HttpError && err.status === 404)) error = 'failed';
          return [iss, null];
        }
      },
    );
    for (const [iss, bytes] of fetched) {
      if (bytes === null) continue;
      try {
        const rl = await store.checkRevocationList(bytes);
        if (rl.iss !== iss) throw new TrustError('revocation list for another issuer');
        if (rl.seq < (floors.rev[iss] ?? 0)) {
          error = 'rollback';
          continue;
        }
        if (this._contradicts(rl)) {
          // Same seq as the cached list, other contents: the issuer equivocates. Keep
          // the cached one, as TrustStore.withRevocations would (token-format.md §9).
          error = error ?? 'failed';
          continue;
        }
        floors.rev[iss] = Math.max(floors.rev[iss] ?? 0, Number(rl.seq));
        entries.push([REV_PREFIX + iss, { bytes, seq: Number(rl.seq), exp: Number(rl.exp), checkedAt }]);
      } catch {
        error = error ?? 'failed';
      }
    }
    // This phone is a witness of the service's audit log: a log that does not extend the
    // checkpoint kept here refuses this whole update (as pas-verify sync) and keeps the old.
    try {
      const log = await this._witness(store);
      if (log) entries.push([LOG_KEY, log]);
      this.logProblem = null;
    } catch (err) {
      if (!(err instanceof TrustError)) throw err;
      const offered = err instanceof LogRewritten ? err.offered : undefined;
      this.logProblem = { message: err.message, kept: this.keptCheckpoint(), offered: offered ?? null };
      this.lastError = 'log';
      return;
    }
    entries.push([FLOORS_KEY, floors]);
    await this._put(entries);
    await this._rebuild();
    this.lastError = error;
  }

  /**
   * Fetch the service's signed log checkpoint, verify it against the trust list just
   * verified, and check it extends the one kept here. Returns the record to keep, or null
   * (no log published, or offline). Throws TrustError (LogRewritten) for a rewritten log.
   * @param {TrustStore} store
   * @returns {Promise<LogRecord | null>}
   */
  async _witness(store) {
    let bytes;
    try {
      bytes = await fetchBytes(new URL('log/checkpoint', this.listsUrl));
    } catch {
      return null; // 404: no log yet; a network error: skip the log, keep the lists
    }
    const next = await checkCheckpoint(store, bytes);
    const kept = this._log();
    if (kept) {
      const old = openCheckpoint(kept.bytes)[1]; // verified when it was kept
      /** @type {Bytes[] | null} */
      let proof = null;
      if (next.size > old.size) {
        try {
          const url = new URL(`log/consistency?from=${old.size}&to=${next.size}`, this.listsUrl);
          const json = JSON.parse(new TextDecoder().decode(await fetchBytes(url)));
          proof = proofFromJson(json, old.size, next.size);
        } catch (err) {
          if (err instanceof TrustError) throw err;
          proof = null; // no proof to be had is a rewritten log, not a pass
        }
      }
      try {
        await checkExtension(old, next, proof);
      } catch (err) {
        if (err instanceof LogRewritten) err.offered = describe(next);
        throw err;
      }
    }
    return { bytes, iss: next.iss, size: next.size, iat: next.iat };
  }

  /**
   * The kept checkpoint, described for people (iss · size · time · root), or null.
   * @returns {string | null}
   */
  keptCheckpoint() {
    const kept = this._log();
    if (!kept) return null;
    try {
      return describe(openCheckpoint(kept.bytes)[1]);
    } catch {
      return null;
    }
  }

  /**
   * The raw bytes of the kept checkpoint, for `pas-service audit verify --witness FILE`.
   * @returns {Bytes | null}
   */
  keptCheckpointBytes() {
    return this._log()?.bytes ?? null;
  }

  /**
   * Whether the cached revocation list of rl.iss has rl's seq but other contents.
   * @param {RevocationList} rl
   */
  _contradicts(rl) {
    const rec = this._list(REV_PREFIX + rl.iss);
    if (!rec) return false;
    let cached;
    try {
      cached = openRevocationList(rec.bytes)[1];
    } catch {
      return false; // an unreadable cache entry is replaced, not compared
    }
    return cached.seq === rl.seq && !sameRevocationList(cached, rl);
  }

  /**
   * Seconds since the lists were last confirmed from the server, or null.
   * @returns {number | null}
   */
  age(now = nowSeconds()) {
    return this.checkedAt === null ? null : now - this.checkedAt;
  }

  /**
   * Whether the trust list, or the revocation list of `iss`, is past its own exp.
   * @param {number} [now]
   * @param {string | null} [iss]
   */
  expired(now = nowSeconds(), iss = null) {
    if (!this.store) return false;
    if (now >= this.store.trustList.exp) return true;
    const rl = iss === null ? null : this.store.revocations(iss);
    return rl !== null && now >= rl.exp;
  }

  /**
   * Whether the lists are so far past their exp (max_list_age_days) that the
   * app must refuse a green verdict: the trust list, or the revocation list of
   * the pass's issuer (only the trust list when `iss` is null).
   * @param {number} [now]
   * @param {string | null} [iss]
   */
  stale(now = nowSeconds(), iss = null) {
    if (!this.store) return true;
    const grace = this.maxListAgeDays * DAY;
    if (now > Number(this.store.trustList.exp) + grace) return true;
    const rl = iss === null ? null : this.store.revocations(iss);
    return rl !== null && now > Number(rl.exp) + grace;
  }

  /**
   * Whether this phone's clock is plainly wrong: 'behind' (before the newest list was
   * signed, or before the last sync), 'ahead' (more than a year after the newest list
   * was signed), else null. Verdicts that depend on the time cannot be trusted then.
   * @returns {'behind' | 'ahead' | null}
   */
  clock(now = nowSeconds()) {
    if (!this.store) return null;
    let signed = Number(this.store.trustList.iat);
    for (const r of this.revocationSummary()) signed = Math.max(signed, Number(r.iat));
    if (now < Math.max(signed, this.checkedAt ?? 0) - CLOCK_BEHIND_SECONDS) return 'behind';
    if (now > signed + CLOCK_AHEAD_SECONDS) return 'ahead';
    return null;
  }

  /**
   * Summary for the about panel: [{iss, seq, iat, exp}] of the cached revocation lists.
   * @returns {{iss: string, seq: Int, iat: Int, exp: Int, count: number}[]}
   */
  revocationSummary() {
    if (!this.store) return [];
    /** @type {Set<string>} */
    const seen = new Set();
    const out = [];
    for (const e of this.store.issuers) {
      if (seen.has(e.iss)) continue;
      seen.add(e.iss);
      const rl = this.store.revocations(e.iss);
      if (rl) out.push({ iss: e.iss, seq: rl.seq, iat: rl.iat, exp: rl.exp, count: rl.serials.length });
    }
    return out;
  }
}
