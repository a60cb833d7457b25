// The exploitant's verifier app: scan (or paste) → verify offline → verdict.
//
// Privacy by construction: a check reads nothing from and sends nothing to the
// network, and keeps nothing — the verdict lives in the DOM until "Next pass"
// clears it. The only network traffic is loading the app and the public lists.

import { backend } from './ed25519.js';
import { ago, formatDate, getLang, setLang, t } from './i18n.js';
import { RegionLists } from './regionlists.js';
import { REGION_ID } from './regions.js';
import { KeyboardWedge, Scanner, prepareDecoder } from './scanner.js';
import { Notice, Status, verify } from './verify.js';

/** @import { StatusName, Verdict } from './verify.js' */
/** @import { Vars } from './i18n.js' */
/** @import { PolicyConfig, RegionConfig } from './regionlists.js' */

/**
 * What the verdict screen shows: the verifier's status, or the app's own refusal to
 * judge — CLOCK (the phone's clock is plainly wrong), STALE (lists too long past their
 * exp), NO_LISTS, CONFIG (no trust anchor) or NUMBER_ONLY (a pass number typed in).
 * @typedef {StatusName | 'CLOCK' | 'STALE' | 'NO_LISTS' | 'CONFIG' | 'NUMBER_ONLY'} Display
 */
/**
 * A verdict on screen.
 * @typedef {object} Shown
 * @property {Display} display
 * @property {Verdict | null} verdict  null when the app refused to judge
 * @property {number} now  the time it was judged at, Unix seconds
 */
/**
 * config.json as the app uses it.
 * @typedef {object} Config
 * @property {string | null} anchorHex  the pinned trust anchor of anchor_hex (region 'default'), if any
 * @property {string | null} listsUrl  absolute, ends with '/'; null when config.json could not be read
 * @property {number} maxListAgeDays
 * @property {boolean} [demo]
 * @property {RegionConfig[]} [regions]  every pinned anchor (anchor_hex's first); none: the app is not set up
 * @property {PolicyConfig | null} [policy]  where a pass counts (municipality, accept); null: every trusted issuer
 */
/** @typedef {'starting' | 'ok' | 'paused' | 'denied' | 'unavailable'} CameraState */
/**
 * Everything the app holds. Nothing about a check outlives its verdict: `current`,
 * `photoUrl` and `lastText` go when it is closed.
 * @typedef {object} State
 * @property {Config | null} config
 * @property {RegionLists | null} lists
 * @property {Scanner | null} scanner
 * @property {Shown | null} current  the verdict on screen (drawn again when the language changes)
 * @property {string | null} photoUrl  the object URL of its photo
 * @property {string | null} lastText  the QR text checked last: not reported again while it stays in view
 * @property {boolean} checking
 * @property {Promise<void> | null} started  resolves once the config and the cached lists are loaded and a sync has begun
 * @property {boolean} reloadPending
 * @property {Promise<ServiceWorkerRegistration | null>} registration  the app's service worker
 * @property {CameraState} cameraState
 */
/**
 * The elements of index.html used as more than an HTMLElement, by id.
 * @typedef {{
 *   video: HTMLVideoElement,
 *   'verdict-photo': HTMLImageElement,
 *   'paste-dialog': HTMLDialogElement,
 *   'paste-text': HTMLTextAreaElement,
 *   about: HTMLDialogElement,
 *   'about-log-download': HTMLAnchorElement,
 * }} Elements
 */

/**
 * The element of index.html with this id (every id used here is there).
 * @template {string} K
 * @param {K} id
 * @returns {K extends keyof Elements ? Elements[K] : HTMLElement}
 */
const $ = (id) => /** @type {K extends keyof Elements ? Elements[K] : HTMLElement} */ (document.getElementById(id));
const LANG_KEY = 'pas-verifier-lang';
const REFRESH_EVERY_MS = 30 * 60 * 1000;
/** How long an opening waits for the server to say whether there is a new version ... */
const UPDATE_CHECK_MS = 3000;
/** ... and for a new version to install (the app's files, ~1 MB with the decoder). */
const UPDATE_INSTALL_MS = 10000;
/** With lists at hand, a verdict waits at most this long for a sync under way. */
const SYNC_WAIT_MS = 3000;
/** Days past a list's exp before green is refused, if config.json does not say (as verifier/webapp.py). */
const DEFAULT_MAX_LIST_AGE_DAYS = 30;
const ISS = /^GM[0-9]{4}$/;
/** @type {Set<Display>} The verdicts that depend on the phone's clock (a wrong clock turns them into 'CLOCK'). */
const CLOCK_BOUND = new Set([Status.VALID, Status.EXPIRED, Status.NOT_YET_VALID]);
const nowSeconds = () => Math.floor(Date.now() / 1000);
const delay = (/** @type {number} */ ms) => new Promise((resolve) => setTimeout(resolve, ms));

/** @type {State} */
const state = {
  config: null,
  lists: null,
  scanner: null,
  current: null,
  photoUrl: null,
  lastText: null,
  checking: false,
  started: null,
  reloadPending: false,
  registration: Promise.resolve(null),
  cameraState: 'starting',
};

// --- start-up ----------------------------------------------------------------------

/** @returns {Promise<Config>} */
async function loadConfig() {
  const response = await fetch('config.json', { cache: 'no-cache', credentials: 'omit' });
  if (!response.ok) throw new Error(`config.json: ${response.status}`);
  /** @type {{anchor_hex?: unknown, max_list_age_days?: unknown, lists_url?: unknown, demo?: unknown}} */
  const raw = await response.json();
  const anchorHex = typeof raw.anchor_hex === 'string' ? raw.anchor_hex.trim().toLowerCase() : '';
  const maxAge = raw.max_list_age_days;
  const days = typeof maxAge === 'number' && Number.isInteger(maxAge) && maxAge >= 0 ? maxAge : DEFAULT_MAX_LIST_AGE_DAYS;
  const base = response.url || document.baseURI;
  /** @param {unknown} url */
  const absolute = (url) => {
    let u = String(url || '../.well-known/pas/');
    if (!u.endsWith('/')) u += '/';
    return new URL(u, base).href;
  };
  const listsUrl = absolute(raw.lists_url);
  const primary = /^[0-9a-f]{64}$/.test(anchorHex) ? anchorHex : null;
  /** @type {RegionConfig[]} */
  const regions = primary ? [{ id: 'default', name: '', anchorHex: primary, listsUrl, primary: true }] : [];
  // More regions (ADR 0020): each one pinned anchor with its own source; added by the
  // municipality's configuration, never by a server the app syncs from.
  const more = /** @type {{regions?: unknown}} */ (raw).regions;
  if (Array.isArray(more)) {
    for (const item of more) {
      const r = /** @type {{id?: unknown, name?: unknown, anchor_hex?: unknown, lists_url?: unknown}} */ (item ?? {});
      const hex = typeof r.anchor_hex === 'string' ? r.anchor_hex.trim().toLowerCase() : '';
      if (typeof r.id !== 'string' || !REGION_ID.test(r.id) || !/^[0-9a-f]{64}$/.test(hex) || typeof r.lists_url !== 'string') continue;
      if (regions.some((x) => x.id === r.id || x.anchorHex === hex)) continue;
      regions.push({ id: r.id, name: typeof r.name === 'string' ? r.name : r.id, anchorHex: hex, listsUrl: absolute(r.lists_url), primary: false });
    }
  }
  /** @type {PolicyConfig | null} */
  let policy = null;
  const { municipality, accept } = /** @type {{municipality?: unknown, accept?: unknown}} */ (raw);
  const m = /** @type {{code?: unknown, name?: unknown}} */ (typeof municipality === 'string' ? { code: municipality } : (municipality ?? {}));
  if (typeof m.code === 'string' && ISS.test(m.code)) {
    policy = {
      here: m.code,
      hereName: typeof m.name === 'string' ? m.name : '',
      accept: Array.isArray(accept) ? accept.filter((a) => typeof a === 'string') : [],
    };
  }
  return { anchorHex: primary, listsUrl, maxListAgeDays: days, demo: raw.demo === true, regions, policy };
}

function initialLang() {
  try {
    return localStorage.getItem(LANG_KEY) || 'nl';
  } catch {
    return 'nl';
  }
}

function switchLang() {
  const next = getLang() === 'nl' ? 'en' : 'nl';
  try {
    localStorage.setItem(LANG_KEY, next);
  } catch {
    // no storage: the switch lasts for this session
  }
  setLang(next);
  renderScanState();
  renderListsStatus();
  if (state.current) renderVerdict(state.current);
}

async function main() {
  setLang(initialLang());
  $('lang').addEventListener('click', switchLang);
  $('about-open').addEventListener('click', openAbout);
  $('refresh').addEventListener('click', () => state.lists?.refresh());
  $('lists-status').addEventListener('click', () => state.lists?.refresh());
  $('paste-open').addEventListener('click', openPaste);
  $('paste-form').addEventListener('submit', onPasteSubmit);
  $('paste-dialog').addEventListener('close', onPasteClose);
  $('next').addEventListener('click', dismissVerdict);
  $('camera-start').addEventListener('click', startCamera);
  $('torch').addEventListener('click', toggleTorch);
  // A desk scanner that types the QR text and Enter (keyboard wedge): on the scan screen,
  // and over a verdict (the next card's verdict replaces it).
  new KeyboardWedge(check, () => !$('paste-dialog').open && !$('about').open && !state.checking);
  document.addEventListener('keydown', (e) => {
    if ((e.key === 'Escape' || e.key === 'Enter') && !$('verdict').hidden) {
      e.preventDefault();
      dismissVerdict();
    }
  });

  if ('serviceWorker' in navigator) {
    // A new version took over from the one this page runs (an update, not the first
    // install): reload into it once nothing is on screen, so this visit runs it.
    const updating = navigator.serviceWorker.controller !== null;
    navigator.serviceWorker.addEventListener('controllerchange', () => {
      state.reloadPending = updating;
      reloadIfPending();
    });
    state.registration = navigator.serviceWorker.register('sw.js').catch(() => null);
  }
  // Ask the browser not to evict the cached app and lists (granted silently or not at all).
  navigator.storage?.persist?.().catch(() => {});
  // The camera runs only while the app is on screen.
  document.addEventListener('visibilitychange', () => {
    if (document.hidden) {
      if (state.cameraState === 'ok') {
        state.scanner?.stop();
        state.cameraState = 'paused';
      }
    } else if (state.cameraState === 'paused') {
      checkForUpdate().then(startCamera);
    }
  });
  // Load the QR decoder (and its .wasm) now, never during a scan.
  prepareDecoder().catch(() => {});

  state.started = loadLists();
  await state.started;
  renderListsStatus();
  setInterval(renderListsStatus, 30 * 1000);
  document.documentElement.dataset.ready = 'true';
  await checkForUpdate();
  startCamera();
}

/**
 * Ask the server for a new version of the app, and let it install, before the camera
 * starts (on opening, and when the app comes back on screen): bounded, and skipped
 * offline. The browser's own check on navigation is not enough: while the decode loop
 * runs, Chromium was seen not to finish an update at all (the app kept its old version
 * for as long as it scanned), though the page's own fetches and IndexedDB were unaffected.
 * A new version takes over and the page reloads into it (controllerchange above).
 */
async function checkForUpdate() {
  const registration = await state.registration;
  if (!registration || !navigator.onLine) return;
  try {
    await within(UPDATE_CHECK_MS, registration.update());
    const installing = registration.installing;
    if (!installing) return;
    await within(UPDATE_INSTALL_MS, new Promise((resolve) => {
      installing.addEventListener('statechange', () => {
        if (installing.state !== 'installing') resolve(undefined);
      });
    }));
  } catch {
    // no network, a server error, a failed install: this version keeps working
  }
}

/**
 * @template T
 * @param {number} ms
 * @param {Promise<T>} promise
 * @returns {Promise<T | undefined>} the promise's value, or undefined after `ms`
 */
function within(ms, promise) {
  return Promise.race([promise, new Promise((resolve) => { setTimeout(resolve, ms); })]);
}

async function loadLists() {
  try {
    state.config = await loadConfig();
    $('demo-banner').hidden = !state.config.demo;
  } catch {
    state.config = { anchorHex: null, listsUrl: null, maxListAgeDays: DEFAULT_MAX_LIST_AGE_DAYS };
  }
  const { regions, maxListAgeDays, policy } = state.config;
  if (!regions?.length) return;
  const lists = new RegionLists(regions, { maxListAgeDays, policy: policy ?? null });
  state.lists = lists;
  lists.onChange(renderListsStatus);
  await backend(); // choose WebCrypto or the fallback before any scan
  await lists.load();
  lists.refresh();
  window.addEventListener('online', () => lists.refresh());
  setInterval(() => {
    if (!document.hidden && navigator.onLine && $('verdict').hidden) lists.refresh();
  }, REFRESH_EVERY_MS);
}

function reloadIfPending() {
  if (state.reloadPending && !state.checking && $('verdict').hidden && !$('paste-dialog').open && !$('about').open) {
    location.reload();
  }
}

// --- camera ------------------------------------------------------------------------

async function startCamera() {
  $('camera-start').hidden = true;
  state.cameraState = 'starting';
  renderScanState();
  if (!state.scanner) state.scanner = new Scanner($('video'), onScanned);
  state.cameraState = await state.scanner.start();
  // Started behind a verdict or a dialog: scan only once that is closed.
  if (!$('verdict').hidden || $('paste-dialog').open || $('about').open) state.scanner.pause();
  renderScanState();
}

function renderScanState() {
  const hint = $('scan-hint');
  const key = {
    starting: 'scan.starting',
    paused: 'scan.starting',
    ok: 'scan.hint',
    denied: 'scan.denied',
    unavailable: 'scan.no-camera',
  }[state.cameraState];
  hint.dataset.i18n = key;
  hint.textContent = t(key);
  $('scan').dataset.camera = state.cameraState;
  $('camera-start').hidden = state.cameraState !== 'denied';
  const torch = $('torch');
  torch.hidden = !(state.cameraState === 'ok' && state.scanner?.hasTorch);
  const torchKey = state.scanner?.torchOn ? 'torch.off' : 'torch.on';
  torch.dataset.i18n = torchKey;
  torch.textContent = t(torchKey);
  torch.setAttribute('aria-pressed', String(Boolean(state.scanner?.torchOn)));
}

async function toggleTorch() {
  await state.scanner?.setTorch(!state.scanner.torchOn);
  renderScanState();
}

/** @param {string} text */
function onScanned(text) {
  check(text);
}

// --- paste fallback ----------------------------------------------------------------

function openPaste() {
  state.scanner?.pause();
  $('paste-text').value = '';
  $('paste-dialog').showModal();
  $('paste-text').focus();
}

/** @param {SubmitEvent} event */
function onPasteSubmit(event) {
  // Handle the submit here rather than in the dialog's (later, queued) close event,
  // so the verdict follows the tap at once.
  event.preventDefault();
  const checkIt = event.submitter instanceof HTMLButtonElement && event.submitter.value === 'check';
  // Keep spaces (they are base45 characters); drop line breaks and tabs a paste may add.
  const text = $('paste-text').value.replace(/^[\r\n\t]+|[\r\n\t]+$/g, '');
  $('paste-text').value = '';
  $('paste-dialog').close();
  if (checkIt && text) check(text);
  else state.scanner?.resume(state.lastText);
}

function onPasteClose() {
  // Closed with Escape or the back gesture: scan again.
  if (!state.checking && $('verdict').hidden) state.scanner?.resume(state.lastText);
  reloadIfPending();
}

// --- checking ----------------------------------------------------------------------

/**
 * Check QR text (or a typed pass number) and show the verdict.
 * @param {string} text
 */
async function check(text) {
  if (state.checking) return;
  state.checking = true;
  state.scanner?.pause();
  state.lastText = text;
  try {
    // A card read while the app starts or syncs is judged with the lists on their way,
    // not without them (on a first visit that would be "no lists" for a good pass).
    await state.started;
    const lists = state.lists;
    const sync = lists?.busy;
    if (lists && sync) await (lists.store ? Promise.race([sync, delay(SYNC_WAIT_MS)]) : sync);
    const now = nowSeconds();
    /** @type {Shown} */
    let shown;
    if (!state.config?.regions?.length || lists?.configError) {
      shown = { display: 'CONFIG', verdict: null, now };
    } else if (looksLikePassNumber(text)) {
      // Typed off the card: nothing about it can be checked, and "forged" would be wrong.
      shown = { display: 'NUMBER_ONLY', verdict: null, now };
    } else if (!lists?.store) {
      shown = { display: 'NO_LISTS', verdict: null, now };
    } else {
      const verdict = await verify(text, lists.store, now, lists.policy);
      /** @type {Display} */
      let display = verdict.status;
      if (CLOCK_BOUND.has(display) && lists.clock(now)) display = 'CLOCK';
      else if (display === Status.VALID && lists.stale(now, verdict.iss)) display = 'STALE';
      shown = { display, verdict, now };
    }
    await showVerdict(shown);
  } finally {
    state.checking = false;
  }
}

/**
 * A pass number as printed (loosely typed: lower case, spaces, no hyphens).
 * @param {string} text
 */
function looksLikePassNumber(text) {
  const compact = String(text).replace(/\s+/g, '').toUpperCase();
  return !compact.startsWith('PAS1:') && /^[A-Z]{2,4}-?[0-9A-Z]{8}-?[0-9A-Z]$/.test(compact);
}

/**
 * @param {Display} display
 * @returns {'valid' | 'unchecked' | 'invalid'}
 */
function tone(display) {
  if (display === Status.VALID) return 'valid';
  if (['CLOCK', 'STALE', 'NO_LISTS', 'CONFIG', 'NUMBER_ONLY'].includes(display)) return 'unchecked';
  return 'invalid';
}

/** @param {string} hex  `#RRGGBB` */
function luminance(hex) {
  const c = [1, 3, 5].map((i) => parseInt(hex.substr(i, 2), 16) / 255).map((v) => (v <= 0.03928 ? v / 12.92 : ((v + 0.055) / 1.055) ** 2.4));
  return 0.2126 * c[0] + 0.7152 * c[1] + 0.0722 * c[2];
}

/** @param {Shown} shown */
async function showVerdict(shown) {
  clearVerdict();
  state.current = shown;
  const v = shown.verdict;
  if (v?.photoFile && tone(shown.display) !== 'unchecked') {
    // An av1 photo is shown as its rebuilt AVIF file (docs/token-format.md §6.1).
    state.photoUrl = URL.createObjectURL(new Blob([v.photoFile.bytes], { type: v.photoFile.type }));
    const img = $('verdict-photo');
    img.src = state.photoUrl;
    try {
      await img.decode(); // show the verdict and its photo together
    } catch {
      // an undecodable image still leaves the verdict readable
    }
  }
  renderVerdict(shown);
  const section = $('verdict');
  section.hidden = false;
  $('scan').inert = true;
  section.focus({ preventScroll: true }); // screen readers start here; Enter/Escape/tap close it
}

/** @param {Shown} shown */
function renderVerdict(shown) {
  const { display, verdict: v } = shown;
  const section = $('verdict');
  const kind = tone(display);
  section.dataset.tone = kind;
  section.dataset.status = display;
  $('verdict-title').textContent = t(
    { valid: 'verdict.valid', invalid: 'verdict.invalid', unchecked: 'verdict.unchecked' }[kind],
  );
  const reasonKey = display === 'CONFIG' ? null : `reason.${display}`;
  // A genuine pass of a municipality whose passes do not count here (§10.4): name both.
  /** @type {Vars} */
  const here = { issuer: v?.issuerName ?? '', here: state.lists?.policy?.hereName ?? '' };
  if (display === Status.NOT_VALID_HERE) $('verdict-title').textContent = t('verdict.not-here');
  $('verdict-reason').textContent = reasonKey && display !== Status.VALID ? t(reasonKey, here) : '';
  const configError = state.lists?.configError;
  $('verdict-explain').textContent =
    display === 'CONFIG'
      ? configError ? t('config.policy', { error: configError }) : t('config.missing')
      : display === Status.VALID ? '' : t(`explain.${display}`, here);

  const showPass = v !== null && v.photo !== null && kind !== 'unchecked';
  $('verdict-card').hidden = !showPass;
  $('verdict-fields').hidden = !showPass;
  if (showPass) {
    $('verdict-photo').alt = t('photo.alt');
    const cat = $('verdict-category');
    cat.style.setProperty('--cat', v.category.color);
    cat.dataset.ink = luminance(v.category.color) > 0.35 ? 'dark' : 'light';
    $('category-label').textContent = `${t('field.category')}: ${v.category.label}`;
    $('field-issuer').textContent = v.issuerName;
    let dateLabel = 'field.valid-until';
    let date = v.exp;
    if (display === Status.EXPIRED) dateLabel = 'field.expired-on';
    if (display === Status.NOT_YET_VALID) [dateLabel, date] = ['field.valid-from', v.nbf];
    $('field-date-label').textContent = t(dateLabel);
    // The time of day matters only near the moment itself.
    $('field-date').textContent = formatDate(date, Math.abs(Number(date) - shown.now) < 2 * 86400);
    $('field-number').textContent = v.number;
  }

  const warnings = $('verdict-warnings');
  warnings.replaceChildren();
  if (v && kind !== 'unchecked') {
    for (const w of [...v.warnings]) {
      // Not counted here: its revocation list is not fetched, and the answer is no anyway.
      if (display === Status.NOT_VALID_HERE && w === Notice.REVOCATIONS_MISSING) continue;
      const li = document.createElement('li');
      li.dataset.warning = w;
      if (w === Notice.EXPIRES_SOON) {
        const days = Math.ceil((Number(v.exp) - shown.now) / 86400);
        li.textContent = days > 1 ? t('warn.EXPIRES_SOON', { days }) : t('warn.EXPIRES_SOON.1');
      } else {
        li.textContent = t(`warn.${w}`);
      }
      warnings.append(li);
    }
  }
  if (state.config?.demo) {
    // Lists from a demo anchor: never a plain GELDIG that could pass for a real one.
    $('verdict-title').textContent += ' · DEMO';
    const li = document.createElement('li');
    li.dataset.warning = 'DEMO';
    li.textContent = t('demo.verdict');
    warnings.prepend(li);
  }
  warnings.hidden = warnings.childElementCount === 0;
}

function clearVerdict() {
  state.current = null;
  if (state.photoUrl) URL.revokeObjectURL(state.photoUrl);
  state.photoUrl = null;
  const img = $('verdict-photo');
  img.removeAttribute('src');
  for (const id of ['verdict-title', 'verdict-reason', 'verdict-explain', 'category-label', 'field-issuer', 'field-date', 'field-number']) {
    $(id).textContent = '';
  }
  $('verdict-warnings').replaceChildren();
  $('verdict-category').style.removeProperty('--cat');
  $('verdict').dataset.tone = 'none';
  delete $('verdict').dataset.status;
}

function dismissVerdict() {
  if ($('verdict').hidden) return;
  $('verdict').hidden = true;
  clearVerdict(); // nothing about the pass stays behind
  $('scan').inert = false;
  state.scanner?.resume(state.lastText);
  state.lastText = null;
  reloadIfPending();
}

// --- lists status ------------------------------------------------------------------

function renderListsStatus() {
  const el = $('lists-status');
  const lists = state.lists;
  /** @type {string} */
  let key;
  /** @type {Vars} */
  let vars = {};
  let level = 'ok';
  if (!state.config?.regions?.length) {
    [key, level] = ['config.missing', 'bad'];
  } else if (lists?.configError) {
    [key, level] = ['config.policy', 'bad'];
    vars = { error: lists.configError };
  } else if (!lists || !lists.store) {
    [key, level] = [lists?.busy ? 'lists.updating' : 'lists.none', 'bad'];
  } else if (lists.busy) {
    key = 'lists.updating';
  } else {
    const now = nowSeconds();
    vars = { age: ago(lists.age(now) ?? 0) };
    if (lists.clock(now)) [key, level] = ['lists.clock', 'bad'];
    else if (lists.stale(now)) [key, level] = ['lists.stale', 'bad'];
    else if (lists.expired(now)) [key, level] = ['lists.expired', 'warn'];
    else if (lists.lastError === 'log') [key, level] = ['lists.log', 'bad'];
    else if (lists.lastError === 'conflict' || lists.conflicts.length) [key, level] = ['lists.conflict', 'bad'];
    else if (lists.lastError === 'rollback') [key, level] = ['lists.rollback', 'warn'];
    else if (lists.lastError === 'offline') key = 'lists.offline';
    else if (lists.lastError === 'failed') [key, level] = ['lists.failed', 'warn'];
    else key = 'lists.age';
  }
  el.textContent = t(key, vars);
  el.dataset.state = level;
}

// --- about -------------------------------------------------------------------------

async function openAbout() {
  const cfg = state.config;
  const lists = state.lists;
  const regions = cfg?.regions ?? [];
  const several = regions.length > 1;
  /** @param {RegionConfig} r */
  const label = (r) => (several ? `${r.name || r.id}: ` : '');
  $('about-anchor').textContent = regions.length ? regions.map((r) => `${label(r)}${r.anchorHex.slice(0, 16)}…`).join('; ') : t('about.none');
  $('about-source').textContent = regions.length ? regions.map((r) => `${label(r)}${r.listsUrl}`).join('; ') : t('about.none');
  const tls = (lists?.regions ?? []).filter((l) => l.store !== null);
  $('about-trust-list').textContent = tls.length
    ? tls.map((l) => {
        const tl = /** @type {import('./trust.js').TrustStore} */ (l.store).trustList;
        return `${several ? `${l.name || l.id}: ` : ''}${t('about.list-line', { seq: tl.seq, exp: formatDate(tl.exp) })}`;
      }).join('; ')
    : t('about.none');
  const policy = lists?.policy;
  $('about-policy').textContent = policy
    ? t('about.policy-line', { here: policy.hereName || policy.here, accept: [...policy.accept].sort().join(', ') || '—' })
    : t('about.policy.none');
  const revs = lists?.revocationSummary() ?? [];
  $('about-revocations').textContent = revs.length
    ? revs.map((r) => `${r.iss}: ${t('about.list-line', { seq: r.seq, exp: formatDate(r.exp) })}`).join('; ')
    : t('about.none');
  // The audit-log checkpoint this phone keeps as a witness, and (after a rewrite) the evidence.
  $('about-log').textContent = lists?.keptCheckpoint() ?? t('about.log.none');
  const kept = lists?.keptCheckpointBytes();
  const download = $('about-log-download');
  if (download.href) URL.revokeObjectURL(download.href);
  download.hidden = !kept;
  if (kept) download.href = URL.createObjectURL(new Blob([kept], { type: 'application/cose' }));
  const problem = lists?.logProblem;
  $('about-log-problem').hidden = !problem;
  $('about-log-problem').textContent = problem ? `${problem.message} — ${problem.offered ?? ''}` : '';
  $('about-crypto').textContent = `Ed25519 · ${(await backend()).name}`;
  $('about-scanner').textContent = state.scanner?.decoder?.name ?? '—';
  const cacheNames = (await globalThis.caches?.keys().catch(() => [])) ?? [];
  $('about-version').textContent = cacheNames.find((k) => k.startsWith('pas-app-'))?.slice(8) ?? 'dev';
  state.scanner?.pause();
  $('about').showModal();
  $('about').addEventListener(
    'close',
    () => {
      if ($('verdict').hidden) state.scanner?.resume(state.lastText);
      reloadIfPending();
    },
    { once: true },
  );
}

main();
