// Continuous QR scanning from the camera: getUserMedia, then the browser's own
// BarcodeDetector where it reads QR codes, else zxing-cpp compiled to
// WebAssembly (vendored; its .wasm is loaded from vendor/, never from a CDN).
// Frames are read in memory and dropped; nothing is stored.
//
// The decode loop (issue 14; measured by bench/bench_app_decode.py):
// - the camera is asked for 1920×1080 (a 720p stream leaves a card at arm's length
//   ~1.4 pixels per module: unreadable by any decoder), the back camera, continuous focus;
// - each new frame gets a *fast pass*: every other frame the guide frame (with a margin)
//   at full resolution, else in turn the part of the picture the user sees (the middle
//   of a wide camera picture on a phone held upright) or the whole picture (a code held
//   closer than the preview shows), scaled down to at most FAST_SIDE pixels; zxing
//   without its slow modes, a few milliseconds;
// - when that fails, on every other frame, one *hard pass*: the guide region scaled up
//   (zxing's sampler needs several pixels per module) and, if the picture is clean for
//   its contrast, sharpened first (a small, slightly soft code); if it is noisy (dim
//   light) not, as sharpening would raise the noise; every third time the other way
//   round, in case the guess was wrong; every seventh time instead the whole picture at
//   full resolution with all of zxing's modes (the only pass before issue 14) or the
//   guide region with the global-histogram binariser;
// - it runs on the page's main thread (a worker would escape the bench's CPU throttling
//   and so not be measured honestly), yielding between the two passes; after a hard
//   pass the next frame gets its fast pass at once (a card that came into view meanwhile
//   is read without waiting), then the loop rests REST × the time it worked, so taps and
//   drawing are not starved.
//
// The keyboard wedge (KeyboardWedge below): USB and Bluetooth desk scanners "type" the
// QR text and press Enter.

import { errorName } from './errors.js';

/**
 * A QR decoder: the text of the code in `image`, or null. `mode` says how hard to try
 * (zxing's options; the platform's detector has one mode).
 * @typedef {object} Decoder
 * @property {'BarcodeDetector' | 'zxing-wasm'} name
 * @property {(image: HTMLCanvasElement, mode: ReadMode) => Promise<string | null>} read
 */
/** @typedef {'fast' | 'hard' | 'histogram' | 'all'} ReadMode */
/**
 * The Barcode Detection API (not in TypeScript's DOM library): what is used of it here.
 * @typedef {{
 *   new (options: {formats: string[]}): {detect(source: HTMLCanvasElement): Promise<{rawValue: string}[]>},
 *   getSupportedFormats(): Promise<string[]>,
 * }} BarcodeDetectorApi
 */
/**
 * Torch and focus, from the Image Capture spec (not in TypeScript's DOM library).
 * @typedef {{torch?: boolean, focusMode?: string | string[]}} CameraExtras
 */
/** @typedef {{x: number, y: number, w: number, h: number}} Rect */

const ZXING_MODULE = new URL('../vendor/zxing-wasm/es/reader/index.js', import.meta.url).href;
const ZXING_WASM = new URL('../vendor/zxing-wasm/reader/zxing_reader.wasm', import.meta.url).href;
/** How long a code must be out of view before the same code is reported again. */
const SUPPRESS_MS = 1500;
/** The camera resolution asked for (an ideal: the camera gives what it has nearest). */
const IDEAL_SIZE = { width: 1920, height: 1080 };
/** The fast pass over the visible area or the whole picture: scaled down to at most this many pixels a side. */
const FAST_SIDE = 720;
/** The guide region in the fast pass: the guide frame plus this share of its side each way. */
const FAST_MARGIN = 0.25;
/** Hard passes: the guide frame plus this share of its side each way ... */
const HARD_MARGIN = 0.1;
/** ... scaled up to about this many pixels a side, by at least 1.5× and at most 3×. */
const HARD_SIDE = 1300;
/** After a frame with a hard pass and the frame after it, rest this share of the time they took. */
const REST = 0.5;
/**
 * The hard passes in turn. `best` and `other`: the guide region scaled up, sharpened
 * first when the picture is clean (a small, slightly soft code) and not when it is noisy
 * for its contrast (dim light: sharpening would raise the noise) — `other` does the
 * opposite, in case the guess was wrong. Every seventh pass one of the broad nets: the
 * whole picture with all of zxing's modes, or the guide region with the global-histogram
 * binariser and inverted codes.
 * @type {readonly ('best' | 'other' | 'all' | 'histogram')[]}
 */
const HARD_TURNS = ['best', 'best', 'other', 'best', 'best', 'other', 'all', 'best', 'best', 'other', 'best', 'best', 'other', 'histogram'];
/** Above this noisiness() a picture is not sharpened (except by the `other` turns). */
const NOISY = 0.14;

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
      async read(image) {
        const codes = await detector.detect(image);
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
  /** @type {Record<ReadMode, import('zxing-wasm/reader').ReaderOptions>} */
  const options = {
    // No rotations (a QR code is found at any angle anyway), no inverted codes, no
    // tryHarder: a few milliseconds on a phone.
    fast: { formats: ['QRCode'], tryHarder: false, tryRotate: false, tryInvert: false, tryDownscale: true, maxNumberOfSymbols: 1 },
    // The image was scaled up on purpose: do not let zxing scale it down again. (tryHarder
    // read no more of the bench's frames here, at twice the time.)
    hard: { formats: ['QRCode'], tryHarder: false, tryRotate: false, tryInvert: false, tryDownscale: false, maxNumberOfSymbols: 1 },
    histogram: { formats: ['QRCode'], tryHarder: true, tryRotate: false, tryInvert: true, tryDownscale: false, binarizer: 'GlobalHistogram', maxNumberOfSymbols: 1 },
    // Everything zxing has (the loop's only pass before issue 14).
    all: { formats: ['QRCode'], tryHarder: true, maxNumberOfSymbols: 1 },
  };
  return {
    name: 'zxing-wasm',
    async read(image, mode) {
      const ctx = image.getContext('2d', { willReadFrequently: true });
      if (!ctx) throw new Error('no 2D canvas');
      const results = await zxing.readBarcodes(ctx.getImageData(0, 0, image.width, image.height), options[mode]);
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

/** @returns {[HTMLCanvasElement, CanvasRenderingContext2D]} */
function scratchCanvas() {
  const canvas = document.createElement('canvas');
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  if (!ctx) throw new Error('no 2D canvas');
  return [canvas, ctx];
}

/**
 * Size a canvas (only when it changes: resizing clears and reallocates).
 * @param {HTMLCanvasElement} canvas
 * @param {number} w
 * @param {number} h
 */
function resize(canvas, w, h) {
  if (canvas.width !== w || canvas.height !== h) {
    canvas.width = w;
    canvas.height = h;
  }
}

/**
 * The grey levels of an RGBA picture.
 * @param {ImageData} image
 * @returns {Uint8Array}
 */
function lumaOf(image) {
  const px = image.data;
  const luma = new Uint8Array(image.width * image.height);
  for (let i = 0, j = 0; j < luma.length; i += 4, j++) luma[j] = (px[i] * 77 + px[i + 1] * 150 + px[i + 2] * 29) >> 8;
  return luma;
}

/**
 * How noisy a grey picture is for its contrast: the median of Immerkær's noise operator
 * (|[1 −2 1; −2 4 −2; 1 −2 1] ∗ I|, blind to edges and gradients of first order) over
 * the spread of the grey levels (5th to 95th percentile), on every other row and
 * column. On the bench's clips a dim card scores 0.2–0.4, a lit one (desk, arm's
 * length, soft or not) under 0.09.
 * @param {Uint8Array} luma
 * @param {number} w
 * @param {number} h
 * @returns {number}
 */
function noisiness(luma, w, h) {
  const levels = new Uint32Array(256);
  const responses = new Uint32Array(1021);
  let n = 0;
  for (let y = 1; y < h - 1; y += 2) {
    for (let x = 1; x < w - 1; x += 2) {
      const i = y * w + x;
      const r = 4 * luma[i] - 2 * (luma[i - 1] + luma[i + 1] + luma[i - w] + luma[i + w]) + luma[i - w - 1] + luma[i - w + 1] + luma[i + w - 1] + luma[i + w + 1];
      responses[r < 0 ? -r : r]++;
      levels[luma[i]]++;
      n++;
    }
  }
  if (!n) return 0;
  /** @type {(hist: Uint32Array, share: number) => number} */
  const quantile = (hist, share) => {
    let seen = 0;
    for (let v = 0; v < hist.length; v++) {
      seen += hist[v];
      if (seen >= share * n) return v;
    }
    return hist.length - 1;
  };
  return quantile(responses, 0.5) / Math.max(1, quantile(levels, 0.95) - quantile(levels, 0.05));
}

/**
 * Sharpen a grey picture into `image` (its RGBA pixels): the 3×3 kernel
 * [0 −1 0; −1 5 −1; 0 −1 0]. Undoes a little of the blur of a code held a bit too far
 * for the focus, before it is scaled up.
 * @param {ImageData} image
 * @param {Uint8Array} luma  its grey levels
 */
function sharpen(image, luma) {
  const { width: w, height: h, data: px } = image;
  for (let y = 0; y < h; y++) {
    const row = y * w;
    const up = y > 0 ? row - w : row;
    const down = y < h - 1 ? row + w : row;
    for (let x = 0; x < w; x++) {
      const c = luma[row + x];
      const v = 5 * c - luma[up + x] - luma[down + x] - luma[row + (x > 0 ? x - 1 : x)] - luma[row + (x < w - 1 ? x + 1 : x)];
      const i = (row + x) * 4;
      px[i] = px[i + 1] = px[i + 2] = v; // (a Uint8ClampedArray clamps to 0..255)
    }
  }
}

export class Scanner {
  /**
   * @param {HTMLVideoElement} video
   * @param {(text: string) => void} onText  called with each code read, then scanning pauses
   * @param {Element | null} [guide]  the frame drawn over the video that the user aims
   *   the code into (default: the `.frame > span` in the video's `.viewfinder`)
   */
  constructor(video, onText, guide) {
    this.video = video;
    this.onText = onText;
    this.guide = guide ?? video.closest('.viewfinder')?.querySelector('.frame > span') ?? null;
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
    this._fastTurn = 0;
    this._hardTurn = 0;
    /** whether the next frame may get a hard pass (every other frame does) */
    this._hardNext = true;
    /** milliseconds worked since the last rest */
    this._worked = 0;
    this._restUntil = 0;
    this._timer = 0;
    /** @type {[HTMLCanvasElement, CanvasRenderingContext2D] | null} frames are drawn here */
    this._a = null;
    /** @type {[HTMLCanvasElement, CanvasRenderingContext2D] | null} and scaled up here */
    this._b = null;
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
        video: { facingMode: { ideal: 'environment' }, width: { ideal: IDEAL_SIZE.width }, height: { ideal: IDEAL_SIZE.height } },
      });
    } catch (err) {
      const name = errorName(err);
      return name === 'NotAllowedError' || name === 'SecurityError' ? 'denied' : 'unavailable';
    }
    this.track = this.stream.getVideoTracks()[0] ?? null;
    await this._focus();
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

  /** @returns {(MediaTrackCapabilities & CameraExtras) | null} */
  _capabilities() {
    try {
      return this.track?.getCapabilities?.() ?? null;
    } catch {
      return null;
    }
  }

  /** Continuous autofocus where the camera offers a choice (most phones do it anyway). */
  async _focus() {
    const modes = this._capabilities()?.focusMode;
    if (!this.track || !Array.isArray(modes) || !modes.includes('continuous')) return;
    /** @type {MediaTrackConstraintSet & CameraExtras} */
    const focus = { focusMode: 'continuous' };
    await this.track.applyConstraints({ advanced: [focus] }).catch(() => {});
  }

  get hasTorch() {
    return Boolean(this._capabilities()?.torch);
  }

  /**
   * @param {boolean} on
   * @returns {Promise<boolean>} whether the torch is on now
   */
  async setTorch(on) {
    if (!this.hasTorch || !this.track) return false; // (no track has no torch)
    try {
      /** @type {MediaTrackConstraintSet & CameraExtras} */
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
    this.torchOn = false;
    for (const track of this.stream?.getTracks() ?? []) track.stop();
    this.stream = null;
    this.track = null;
    this.video.srcObject = null;
  }

  _schedule() {
    if (!this.running || this._busy || this._timer) return;
    const wait = this._restUntil - performance.now();
    if (wait > 0) {
      this._timer = setTimeout(() => {
        this._timer = 0;
        this._schedule();
      }, wait);
    } else if (this.video.requestVideoFrameCallback) {
      this.video.requestVideoFrameCallback(() => this._tick());
    } else {
      this._timer = setTimeout(() => {
        this._timer = 0;
        this._tick();
      }, 100);
    }
  }

  async _tick() {
    if (!this.running || this._busy) return;
    if (document.hidden || !this.decoder || !this.video.videoWidth) {
      this._schedule();
      return;
    }
    this._busy = true;
    const started = performance.now();
    /** @type {string | null} */
    let text;
    try {
      text = await this._decodeFrame(this.decoder);
    } catch {
      text = null;
    }
    this._busy = false;
    // Work and rest: a frame with a hard pass is followed at once by a frame with only
    // the fast pass (a card that came into view during the hard pass is read without
    // waiting), then a rest of REST × the time both took.
    this._worked += performance.now() - started;
    if (this._hardNext) {
      this._restUntil = performance.now() + REST * this._worked;
      this._worked = 0;
    }
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

  /**
   * One frame's work: the fast pass, and if it finds nothing, one hard pass.
   * @param {Decoder} decoder
   * @returns {Promise<string | null>}
   */
  async _decodeFrame(decoder) {
    const { visible, guide } = this._regions();
    const vw = this.video.videoWidth;
    const vh = this.video.videoHeight;
    const whole = { x: 0, y: 0, w: vw, h: vh };
    const wide = [null, visible, null, whole][this._fastTurn++ % 4];
    const fast = wide ? this._draw(wide, Math.min(1, FAST_SIDE / Math.max(wide.w, wide.h))) : this._draw(grow(guide, FAST_MARGIN, this.video), 1);
    const text = await decoder.read(fast, 'fast');
    const hard = this._hardNext;
    this._hardNext = !hard;
    if (text !== null || !this.running || !hard) return text;
    await nextTask(); // let input and drawing in between the two passes
    if (!this.running) return null;
    const turn = HARD_TURNS[this._hardTurn++ % HARD_TURNS.length];
    if (turn === 'all') return decoder.read(this._draw(whole, 1), 'all');
    const region = grow(guide, HARD_MARGIN, this.video);
    const scale = Math.min(3, Math.max(1.5, HARD_SIDE / Math.max(region.w, region.h)));
    const native = this._draw(region, 1);
    if (turn === 'histogram') return decoder.read(this._scaleUp(native, scale), 'histogram');
    // Sharpen or not: whichever suits the picture two times in three (sharpening a noisy
    // picture raises the noise; a clean, soft one needs it), the other the third time.
    const ctx = /** @type {CanvasRenderingContext2D} */ (native.getContext('2d', { willReadFrequently: true }));
    const image = ctx.getImageData(0, 0, native.width, native.height);
    const luma = lumaOf(image);
    const noisy = noisiness(luma, image.width, image.height) > NOISY;
    if (noisy === (turn === 'other')) {
      sharpen(image, luma);
      ctx.putImageData(image, 0, 0);
    }
    return decoder.read(this._scaleUp(native, scale), 'hard');
  }

  /**
   * Where the video is seen and where the guide frame is, in video pixels. The video
   * fills its box like CSS `object-fit: cover`: only the middle of a wide camera
   * picture shows on a phone held upright, and a code outside it cannot be aimed at.
   * @returns {{visible: Rect, guide: Rect}}
   */
  _regions() {
    const vw = this.video.videoWidth;
    const vh = this.video.videoHeight;
    const box = this.video.getBoundingClientRect();
    const whole = { x: 0, y: 0, w: vw, h: vh };
    if (!box.width || !box.height) {
      const side = Math.min(vw, vh) * 0.6;
      return { visible: whole, guide: { x: (vw - side) / 2, y: (vh - side) / 2, w: side, h: side } };
    }
    const scale = Math.max(box.width / vw, box.height / vh);
    const offX = (box.width - vw * scale) / 2;
    const offY = (box.height - vh * scale) / 2;
    /** @type {(r: {left: number, top: number, width: number, height: number}) => Rect} */
    const toVideo = (r) => clip({ x: (r.left - box.left - offX) / scale, y: (r.top - box.top - offY) / scale, w: r.width / scale, h: r.height / scale }, this.video);
    const visible = toVideo(box);
    const g = this.guide?.getBoundingClientRect();
    if (!g || !g.width || !g.height) {
      const side = Math.min(visible.w, visible.h) * 0.7;
      return { visible, guide: { x: visible.x + (visible.w - side) / 2, y: visible.y + (visible.h - side) / 2, w: side, h: side } };
    }
    return { visible, guide: toVideo(g) };
  }

  /**
   * Draw a region of the current video frame into the scratch canvas, scaled.
   * @param {Rect} r
   * @param {number} scale
   * @returns {HTMLCanvasElement}
   */
  _draw(r, scale) {
    this._a ??= scratchCanvas();
    const [canvas, ctx] = this._a;
    resize(canvas, Math.max(1, Math.round(r.w * scale)), Math.max(1, Math.round(r.h * scale)));
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = scale < 1 ? 'medium' : 'low';
    ctx.drawImage(this.video, r.x, r.y, r.w, r.h, 0, 0, canvas.width, canvas.height);
    return canvas;
  }

  /**
   * @param {HTMLCanvasElement} source
   * @param {number} scale
   * @returns {HTMLCanvasElement}
   */
  _scaleUp(source, scale) {
    this._b ??= scratchCanvas();
    const [canvas, ctx] = this._b;
    resize(canvas, Math.round(source.width * scale), Math.round(source.height * scale));
    ctx.imageSmoothingEnabled = true;
    ctx.imageSmoothingQuality = 'low'; // bilinear: enough, and what the bench measured
    ctx.drawImage(source, 0, 0, canvas.width, canvas.height);
    return canvas;
  }
}

/**
 * @param {Rect} r
 * @param {HTMLVideoElement} video
 * @returns {Rect} r inside the video frame, in whole pixels
 */
function clip(r, video) {
  const x = Math.max(0, Math.floor(r.x));
  const y = Math.max(0, Math.floor(r.y));
  const w = Math.min(video.videoWidth, Math.ceil(r.x + r.w)) - x;
  const h = Math.min(video.videoHeight, Math.ceil(r.y + r.h)) - y;
  return { x, y, w: Math.max(1, w), h: Math.max(1, h) };
}

/**
 * @param {Rect} r
 * @param {number} share  of the side, added on each side
 * @param {HTMLVideoElement} video
 * @returns {Rect}
 */
function grow(r, share, video) {
  const dx = r.w * share;
  const dy = r.h * share;
  return clip({ x: r.x - dx, y: r.y - dy, w: r.w + 2 * dx, h: r.h + 2 * dy }, video);
}

/** @returns {Promise<void>} after the tasks already queued (input, drawing) */
function nextTask() {
  return new Promise((resolve) => {
    setTimeout(resolve, 0);
  });
}

/** The QR text's alphabet after `PAS1:` (base45, docs/token-format.md); note the space. */
const BASE45 = /^[0-9A-Z $%*+\-./:]$/;
const PREFIX = 'PAS1:';
/** A wedge types fast; a pause this long (ms) drops what was typed so far. */
const WEDGE_GAP_MS = 3000;

/**
 * A keyboard-wedge scanner (USB or Bluetooth: it types the code's text, then Enter).
 * While `active()` says so (the app: its scan screen or a verdict, no dialog, no check
 * under way) and no text field has focus, keystrokes that spell `PAS1:` + base45
 * characters + Enter are handed to `onText`, and that Enter goes no further.
 * Anything else is left alone: a keystroke that does not continue a pass text starts
 * over (a `P` may start a new one) and goes on to the page as usual. Lower case is read
 * as upper case (a scanner typing with Caps Lock on). The text is held only until Enter
 * or a pause of WEDGE_GAP_MS.
 */
export class KeyboardWedge {
  /**
   * @param {(text: string) => void} onText
   * @param {() => boolean} active
   * @param {Document} [doc]
   */
  constructor(onText, active, doc = document) {
    this.onText = onText;
    this.active = active;
    this.text = '';
    this.last = 0;
    this._onKey = (/** @type {KeyboardEvent} */ e) => this.key(e);
    doc.addEventListener('keydown', this._onKey, true);
    this.doc = doc;
  }

  detach() {
    this.doc.removeEventListener('keydown', this._onKey, true);
    this.text = '';
  }

  /** @param {KeyboardEvent} e */
  key(e) {
    if (e.ctrlKey || e.altKey || e.metaKey || e.isComposing || !this.active() || typing(this.doc.activeElement)) {
      this.text = '';
      return;
    }
    const now = performance.now();
    if (now - this.last > WEDGE_GAP_MS) this.text = '';
    this.last = now;
    if (e.key === 'Enter') {
      if (this.text.length > PREFIX.length) {
        const text = this.text;
        this.text = '';
        e.preventDefault(); // not also a click on a focused button
        e.stopImmediatePropagation();
        this.onText(text);
      }
      this.text = '';
      return;
    }
    if (e.key.length !== 1) return; // Shift, arrows, ...
    const ch = e.key.toUpperCase();
    const next = this.text + ch;
    const fits = next.length <= PREFIX.length ? PREFIX.startsWith(next) : BASE45.test(ch);
    if (fits) {
      this.text = next;
      e.preventDefault(); // a space must not press a focused button
    } else {
      this.text = ch === PREFIX[0] ? ch : '';
    }
  }
}

/**
 * @param {Element | null} el
 * @returns {boolean} whether keystrokes go into a text field
 */
function typing(el) {
  if (!el) return false;
  if (el instanceof HTMLTextAreaElement || el instanceof HTMLSelectElement) return true;
  if (el instanceof HTMLInputElement) return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(el.type);
  return el instanceof HTMLElement && el.isContentEditable;
}
