// Service worker: the app works fully offline after its first load.
// - App files: cache-only from the versioned shell cache (network only for a
//   file missing from it).
// - List files and config.json: network first, the last good copy when offline.
// Nothing about a check ever reaches this worker: a check makes no request.
// SHELL and VERSION are written by `python -m verifier.webapp stamp`.

const VERSION = "212903e6d4fb4440";
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
  "js/scanner.js",
  "js/trust.js",
  "js/verify.js",
  "manifest.webmanifest",
  "vendor/noble-ed25519/index.js",
  "vendor/zxing-wasm/es/reader/index.js",
  "vendor/zxing-wasm/es/share.js",
  "vendor/zxing-wasm/reader/zxing_reader.wasm",
];

const APP_CACHE = `pas-app-${VERSION}`;
const LIST_CACHE = 'pas-lists';
const SCOPE = new URL('./', self.location).href;
const LIST_FILE = /\/(trust-list\.cose|issuers\.json|anchor\.pub|revocations\/GM[0-9]{4}\.cose)$/;

self.addEventListener('install', (event) => {
  event.waitUntil(
    (async () => {
      const cache = await caches.open(APP_CACHE);
      await cache.addAll(SHELL.map((path) => new Request(new URL(path, SCOPE), { cache: 'reload' })));
      await self.skipWaiting();
    })(),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil(
    (async () => {
      for (const name of await caches.keys()) {
        if (name.startsWith('pas-app-') && name !== APP_CACHE) await caches.delete(name);
      }
      await self.clients.claim();
    })(),
  );
});

async function networkFirst(request, cacheName) {
  const cache = await caches.open(cacheName);
  try {
    const response = await fetch(request);
    if (response.ok) await cache.put(request, response.clone());
    return response;
  } catch (err) {
    const cached = await cache.match(request, { ignoreSearch: true });
    if (cached) return cached;
    throw err;
  }
}

async function fromShell(request) {
  const cache = await caches.open(APP_CACHE);
  let cached = await cache.match(request, { ignoreSearch: true });
  if (!cached && request.mode === 'navigate') cached = await cache.match(new URL('index.html', SCOPE).href);
  return cached ?? fetch(request);
}

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (LIST_FILE.test(url.pathname)) {
    event.respondWith(networkFirst(request, LIST_CACHE));
  } else if (url.href.startsWith(SCOPE)) {
    if (url.href === new URL('config.json', SCOPE).href) event.respondWith(networkFirst(request, APP_CACHE));
    else event.respondWith(fromShell(request));
  }
});
