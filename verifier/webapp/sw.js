// Service worker: after its first load the app opens and works with no network,
// on the tenth opening as on the first.
// - App files: from the versioned shell cache (network only for a file missing
//   from it). A navigation gets index.html from it as a plain 200 response.
// - config.json: the cached copy at once, refreshed in the background, so an
//   opening never waits for a slow or dead network.
// - List files: not handled here. The app keeps the verified lists and their
//   rollback floors in IndexedDB; a copy cached here could only make an old list
//   look freshly fetched.
// Only a plain 200 from our own origin is ever cached: never a redirect (a cached
// redirect breaks every later opening: browsers refuse it for a navigation), an
// error or an opaque response.
// Nothing about a check ever reaches this worker: a check makes no request.
// SHELL and VERSION are written by `python -m verifier.webapp stamp`.

const VERSION = "69334dd562b771e8";
const SHELL = [
  "app.css",
  "config.json",
  "icons/icon-192.png",
  "icons/icon-512.png",
  "icons/icon-maskable-512.png",
  "icons/icon.svg",
  "index.html",
  "js/app.js",
  "js/base45.js",
  "js/cbor.js",
  "js/ed25519.js",
  "js/errors.js",
  "js/format.js",
  "js/i18n.js",
  "js/lists.js",
  "js/passnumber.js",
  "js/photo.js",
  "js/regionlists.js",
  "js/regions.js",
  "js/scanner.js",
  "js/translog.js",
  "js/trust.js",
  "js/verify.js",
  "manifest.webmanifest",
  "vendor/noble-ed25519/index.js",
  "vendor/zxing-wasm/es/reader/index.js",
  "vendor/zxing-wasm/es/share.js",
  "vendor/zxing-wasm/reader/zxing_reader.wasm",
];

/** This worker's global scope (`self`), typed as what it is: a service worker's. */
const sw = /** @type {ServiceWorkerGlobalScope} */ (/** @type {unknown} */ (self));
const APP_CACHE = `pas-app-${VERSION}`;
const SCOPE = new URL('./', sw.location.href).href;
const INDEX = new URL('index.html', SCOPE).href;
const CONFIG = new URL('config.json', SCOPE).href;
const LIST_FILE = /\/(trust-list\.cose|issuers\.json|anchor\.pub|revocations\/GM[0-9]{4}\.cose)$/;

const cacheable = (/** @type {Response} */ response) =>
  response.status === 200 && !response.redirected && response.type === 'basic';

sw.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(APP_CACHE);
      await Promise.all(
        SHELL.map(async (path) => {
          const request = new Request(new URL(path, SCOPE), { cache: 'reload' });
          const response = await fetch(request);
          // A failed install keeps the previous version working; a bad cache entry would not.
          if (!cacheable(response)) throw new Error(`${path}: ${response.status} ${response.type}`);
          await cache.put(request, response);
        }),
      );
      await sw.skipWaiting();
    })(),
  );
});

sw.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        // Older app versions, and the list cache of versions before the lists lived only in IndexedDB.
        if ((name.startsWith('pas-app-') && name !== APP_CACHE) || name === 'pas-lists') await caches.delete(name);
      }
      await sw.clients.claim();
    })(),
  );
});

/**
 * A response a navigation accepts: a cached one that was redirected is copied into a fresh one.
 * @param {Response | undefined} response
 * @returns {Promise<Response | undefined>}
 */
async function plain(response) {
  if (!response?.redirected) return response;
  const { status, statusText, headers } = response;
  return new Response(await response.blob(), { status, statusText, headers });
}

/**
 * @param {Request} request
 * @returns {Promise<Response>}
 */
async function fromShell(request) {
  const cache = await caches.open(APP_CACHE);
  let cached = await cache.match(request, { ignoreSearch: true });
  if (!cached && request.mode === 'navigate') cached = await cache.match(INDEX);
  return (await plain(cached)) ?? fetch(request);
}

/**
 * @param {FetchEvent} event
 * @returns {Promise<Response>}
 */
async function config(event) {
  const cache = await caches.open(APP_CACHE);
  const fresh = fetch(event.request).then(async (response) => {
    if (cacheable(response)) await cache.put(CONFIG, response.clone());
    return response;
  });
  const cached = await cache.match(CONFIG);
  if (!cached) return fresh;
  event.waitUntil(fresh.catch(() => {}));
  return cached;
}

sw.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (!url.href.startsWith(SCOPE) || LIST_FILE.test(url.pathname)) return;
  event.respondWith(url.href.split('?')[0] === CONFIG ? config(event) : fromShell(request));
});
