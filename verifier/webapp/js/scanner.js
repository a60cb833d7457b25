// Continuous QR scanning from the camera: getUserMedia, then the browser's own
// BarcodeDetector where it reads QR codes, else zxing-cpp compiled to
// WebAssembly (vendored; its .wasm is loaded from vendor/, never from a CDN).
// Frames are read in memory and dropped; nothing is stored.

import { errorName } from './errors.js';

/**
 * A QR decoder: the text of the code in view, or null.
 * @typedef {object} Decoder
 * @property {'BarcodeDetector' | 'zxing-wasm'} name
 * @property {(video: HTMLVideoElement) => Promise<string | null>} detect
 */
/**
 * The Barcode Detection API (not in TypeScript's DOM library): what is used of it here.
 * @typedef {{
 *   new (options: {formats: string[]}): {detect(source: HTMLVideoElement): Promise<{rawValue: string}[]>},
 *   getSupportedFormats(): Promise<string[]>,
 * }} BarcodeDetectorApi
 */
/**
 * The torch, from the Image Capture spec (not in TypeScript's DOM library).
 * @typedef {{torch?: boolean}} Torch
 */

const ZXING_MODULE = new URL('../vendor/zxing-wasm/es/reader/index.js', import.meta.url).href;
const ZXING_WASM = new URL('../vendor/zxing-wasm/reader/zxing_reader.wasm', import.meta.url).href;
/** How long a code must be out of view before the same code is reported again. */
const SUPPRESS_MS = 1500;
const MIN_INTERVAL_MS = 60;

/** @type {Promise<Decoder> | null} */
let decoderPromise = null;

/** @returns {Promise<Decoder | null>} */
async function nativeDetector() {
  if (!('BarcodeDetector' in globalThis)) return null;
  const api = /** @type {typeof globalThis & {BarcodeDetector: BarcodeDetectorApi}} */ (globalThis);
  try {
    const formats = await api.BarcodeDetector.getSupportedFormats();
    if (!formats.includes('qr_code')) return null;
    const detector = new api.BarcodeDetector({ formats: ['qr_code'] });
    return {
      name: 'BarcodeDetector',
      async detect(source) {
        const codes = await detector.detect(source);
        return codes.length ? codes[0].rawValue : null;
      },
    };
  } catch {
    return null;
  }
}

/** @returns {Promise<Decoder>} */
async function zxingDetector() {
  /** @type {typeof import('zxing-wasm/reader')} the same version as the vendored copy (package.json) */
  const zxing = await import(ZXING_MODULE);
  // Load and compile the .wasm now (at start-up), from our own folder.
  await zxing.prepareZXingModule({
    overrides: {
      locateFile: (/** @type {string} */ path, /** @type {string} */ prefix) => (path.endsWith('.wasm') ? ZXING_WASM : prefix + path),
    },
    fireImmediately: true,
  });
  /** @type {import('zxing-wasm/reader').ReaderOptions} */
  const options = { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 };
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  return {
    name: 'zxing-wasm',
    async detect(video) {
      const w = video.videoWidth;
      const h = video.videoHeight;
      if (!w || !h) return null;
      if (!ctx) throw new Error('no 2D canvas');
      if (canvas.width !== w || canvas.height !== h) {
        canvas.width = w;
        canvas.height = h;
      }
      ctx.drawImage(video, 0, 0, w, h);
      const results = await zxing.readBarcodes(ctx.getImageData(0, 0, w, h), options);
      const hit = results.find((r) => r.isValid);
      return hit ? hit.text : null;
    },
  };
}

/**
 * The QR decoder, prepared once at start-up (so no file is fetched during a scan).
 * @returns {Promise<Decoder>}
 */
export function prepareDecoder() {
  if (decoderPromise === null) {
    decoderPromise = (async () => (await nativeDetector()) ?? zxingDetector())();
  }
  return decoderPromise;
}

export class Scanner {
  /**
   * @param {HTMLVideoElement} video
   * @param {(text: string) => void} onText  called with each code read, then scanning pauses
   */
  constructor(video, onText) {
    this.video = video;
    this.onText = onText;
    /** @type {MediaStream | null} */
    this.stream = null;
    /** @type {MediaStreamTrack | null} */
    this.track = null;
    /** @type {Decoder | null} set once the camera runs */
    this.decoder = null;
    this.running = false;
    /** @type {string | null} */
    this.suppressed = null;
    this.suppressedSeenAt = 0;
    this.torchOn = false;
    this._busy = false;
    this._last = 0;
  }

  /**
   * Start the camera; resolves to 'ok', 'denied' or 'unavailable'.
   * @returns {Promise<'ok' | 'denied' | 'unavailable'>}
   */
  async start() {
    if (!navigator.mediaDevices?.getUserMedia) return 'unavailable';
    try {
      this.stream = await navigator.mediaDevices.getUserMedia({
        audio: false,
        video: { facingMode: { ideal: 'environment' }, width: { ideal: 1280 }, height: { ideal: 720 } },
      });
    } catch (err) {
      const name = errorName(err);
      return name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'unavailable';
    }
    this.track = this.stream.getVideoTracks()[0] ?? null;
    this.video.srcObject = this.stream;
    try {
      await this.video.play();
    } catch {
      // autoplay of a muted inline video is allowed; ignore odd refusals
    }
    this.decoder = await prepareDecoder();
    this.resume();
    return 'ok';
  }

  get hasTorch() {
    try {
      /** @type {(MediaTrackCapabilities & Torch) | undefined} */
      const capabilities = this.track?.getCapabilities?.();
      return Boolean(capabilities?.torch);
    } catch {
      return false;
    }
  }

  /**
   * @param {boolean} on
   * @returns {Promise<boolean>} whether the torch is on now
   */
  async setTorch(on) {
    if (!this.hasTorch || !this.track) return false; // (no track has no torch)
    try {
      /** @type {MediaTrackConstraintSet & Torch} */
      const torch = { torch: on };
      await this.track.applyConstraints({ advanced: [torch] });
      this.torchOn = on;
    } catch {
      this.torchOn = false;
    }
    return this.torchOn;
  }

  /** Stop reporting codes (the camera keeps running for a quick resume). */
  pause() {
    this.running = false;
  }

  /**
   * Report codes again, except `suppress` until it has left the view.
   * @param {string | null} [suppress]
   */
  resume(suppress = null) {
    this.suppressed = suppress;
    this.suppressedSeenAt = performance.now();
    if (this.running || !this.stream) return;
    this.running = true;
    this._schedule();
  }

  stop() {
    this.running = false;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.track = null;
    this.video.srcObject = null;
  }

  _schedule() {
    if (!this.running) return;
    if (this.video.requestVideoFrameCallback) this.video.requestVideoFrameCallback(() => this._tick());
    else setTimeout(() => this._tick(), 100);
  }

  async _tick() {
    if (!this.running) return;
    const t = performance.now();
    if (this._busy || t - this._last < MIN_INTERVAL_MS || document.hidden) {
      this._schedule();
      return;
    }
    this._busy = true;
    this._last = t;
    /** @type {string | null} */
    let text;
    try {
      if (!this.decoder) throw new Error('no decoder yet');
      text = await this.decoder.detect(this.video);
    } catch {
      text = null;
    }
    this._busy = false;
    if (!this.running) return;
    const now = performance.now();
    if (text !== null && text === this.suppressed) {
      this.suppressedSeenAt = now;
    } else {
      if (this.suppressed !== null && now - this.suppressedSeenAt > SUPPRESS_MS) this.suppressed = null;
      if (text !== null) {
        this.running = false;
        this.onText(text);
        return;
      }
    }
    this._schedule();
  }
}
