// Ed25519 verification: WebCrypto where the browser has it (Chromium ≥ 137,
// Firefox ≥ 129, Safari ≥ 17, Node ≥ 20), else the vendored pure-JS
// @noble/ed25519 in its strict RFC 8032 mode (zip215: false).
//
// The backend is chosen once, by verifying RFC 8032 test 1, when the trust
// store is built — never while a pass is being checked, so the fallback module
// is loaded (if at all) before any scan.

/** @import { Bytes } from './cbor.js' */

/**
 * A public key ready for verify(): WebCrypto's CryptoKey (null: a key WebCrypto
 * refused, under which nothing verifies), or the raw 32 bytes for noble.
 * @typedef {CryptoKey | Uint8Array | null} PublicKey
 */
/**
 * An Ed25519 verifier.
 * @typedef {object} Backend
 * @property {'webcrypto' | 'noble'} name
 * @property {(raw: Bytes) => Promise<PublicKey>} importKey  the key of 32 raw bytes
 * @property {(key: PublicKey, signature: Bytes, message: Bytes) => Promise<boolean>} verify  never throws
 */

/** Where the fallback comes from (a URL, not a module name: the file is ours, vendored). */
const NOBLE_MODULE = new URL('../vendor/noble-ed25519/index.js', import.meta.url).href;
const SUBTLE = globalThis.crypto?.subtle;
const ALG = { name: 'Ed25519' };

/**
 * @param {string} hex
 * @returns {Bytes}
 */
function fromHex(hex) {
  const out = new Uint8Array(hex.length / 2);
  for (let i = 0; i < out.length; i++) out[i] = parseInt(hex.substr(2 * i, 2), 16);
  return out;
}

// RFC 8032 §7.1 TEST 1: the empty message.
const TEST_PUB = fromHex('d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a');
const TEST_SIG = fromHex(
  'e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46bd25bf5f0595bbe24655141438e7a100b',
);

/** @type {Backend} */
const webcrypto = {
  name: 'webcrypto',
  async importKey(raw) {
    try {
      return await SUBTLE.importKey('raw', raw, ALG, false, ['verify']);
    } catch {
      return null; // not a usable key: nothing verifies under it
    }
  },
  async verify(key, signature, message) {
    // Raw bytes are noble's keys: SUBTLE.verify would refuse them as it refuses a missing key.
    if (key === null || key instanceof Uint8Array) return false;
    try {
      return await SUBTLE.verify(ALG, key, signature, message);
    } catch {
      return false;
    }
  },
};

/** @returns {Promise<Backend>} */
async function nobleBackend() {
  /** @type {typeof import('@noble/ed25519')} the same version as the vendored copy (package.json) */
  const ed = await import(NOBLE_MODULE);
  return {
    name: 'noble',
    async importKey(raw) {
      return raw;
    },
    async verify(raw, signature, message) {
      // A CryptoKey or a missing key: noble would throw on it, which means "does not verify".
      if (!(raw instanceof Uint8Array)) return false;
      try {
        return await ed.verifyAsync(signature, message, raw, { zip215: false });
      } catch {
        return false;
      }
    },
  };
}

async function webcryptoWorks() {
  if (!SUBTLE) return false;
  try {
    const key = await SUBTLE.importKey('raw', TEST_PUB, ALG, false, ['verify']);
    return await SUBTLE.verify(ALG, key, TEST_SIG, new Uint8Array(0));
  } catch {
    return false;
  }
}

/** @type {Promise<Backend> | null} */
let chosen = null;

/**
 * The Ed25519 backend: {name, importKey(raw32) -> handle, verify(handle, sig, msg) -> bool}.
 * @returns {Promise<Backend>}
 */
export function backend() {
  if (chosen === null) {
    chosen = (async () => ((await webcryptoWorks()) ? webcrypto : nobleBackend()))();
  }
  return chosen;
}

/**
 * Force a backend ('webcrypto' or 'noble'); for tests and diagnostics.
 * @param {string} name
 * @returns {Promise<Backend>}
 */
export function useBackend(name) {
  chosen = name === 'noble' ? nobleBackend() : Promise.resolve(webcrypto);
  return chosen;
}

/**
 * SHA-256 through WebCrypto (both backends have it: noble itself needs SHA-512 from it).
 * @param {Bytes} bytes
 * @returns {Promise<Bytes>}
 */
export async function sha256(bytes) {
  return new Uint8Array(await SUBTLE.digest('SHA-256', bytes));
}
