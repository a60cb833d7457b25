"""The verifier app's own decode loop on camera-like videos of the printed card (issue 14).

    .venv/bin/python bench/bench_app_decode.py                 # prints JSON (about 25 min)
    .venv/bin/python bench/bench_app_decode.py --quick         # 4 runs per cell (a smoke run)
    .venv/bin/python bench/bench_app_decode.py --save DIR      # also keep the clips and a PNG per scene
    make bench                                                 # every bench/bench_*.py

**The videos.** Passes are issued by a demo instance (``pas-service``'s own
``PassService``, the fixture's real thumbnail: the ≤ 360-byte av1 bitstream issued since
ADR 0018, QR 18-M; with ``--format webp`` also the ≤ 550-byte WebP of the passes before
it, QR 22-M, each format its own clips of the same scenes), and each card is rendered by the service's renderer
(``tokenservice.issue.card.card_pdf``, back page rasterised at 300 dpi by
``pdftoppm``, as bench/bench_scan.py does). The card is then filmed, in
simulation, at 1920×1080: a pinhole view of the card held at a small tilt with its
QR code near the middle of the picture (where the app's guide frame is), on a
textured counter, lit from one side, with a hand's tremor from frame to frame
(position, roll, tilt and distance drift smoothly; the motion between two frames
becomes motion blur), defocus and per-frame sensor noise. The same scene at
1280×720 is the 1080p frame area-downscaled before the noise (a lower camera mode
sees the same scene with fewer pixels). Scenes (``SCENES``):

- ``desk``: the card 45 % of the frame's width, in focus, normal light;
- ``arm``: arm's length, the card 25 % of the width, slightly out of focus;
- ``dim``: the card 30 % of the width in a dim club: a third of the light, the
  camera's gain (noise) up, a longer exposure (more motion blur).

A clip is EPISODES episodes, each 1 s of the empty counter and then 4 s of a card
(a different pass each episode, so the app's "same code again" suppression never
applies), at 10 frames a second, as a 4:2:0 Y4M. Every frame carries its index in
eight black/white blocks in its top-left corner (outside what the app shows and
crops), so the page knows, even when it misses frames, when the card came into view.
Seeds are fixed: the clips are the same on every run and machine (same OpenCV).

**The measurement.** Chromium (Debian's, headless) with
``--use-file-for-fake-video-capture`` playing the clip, a 390×844 phone viewport,
``Emulation.setCPUThrottlingRate`` 4 on the page (the decode loop runs on the page's
main thread, so it is throttled too), the app served by ``pas-service serve`` and
offline after its first load. In the page, each presented frame's index gives the
moment its episode's first card frame was presented; the verdict time is the first
animation frame after the verdict is shown; then *Volgende pas* is tapped. An
episode with no verdict while its card is in view (4 s) is a miss. Per cell
(scene × camera mode × app): RUNS episodes; median and p95 (nearest rank) of the
time to verdict (a miss counts as infinite), and the share of episodes with a
verdict within 3 s.

**Baseline and candidate in one run.** Two servers on the same instance: one serves
the app with ``js/scanner.js`` as of BASELINE_REV (a copy of the working tree's app
with that one file replaced, through ``PAS_VERIFY_APP_DIR``), the other the working
tree's app. Cells run interleaved (baseline, candidate, baseline, ...), so load on a
shared machine hits both alike; compare the two, not the absolute times.

Targets (issue 14): desk median ≤ 0.5 s; arm and dim a verdict within 3 s in ≥ 95 %
of runs (the candidate on the 1080p clips: a phone camera offers 1080p; the 720p
clips show a camera that offers no more).
"""

from __future__ import annotations

import argparse
import contextlib
import json
import math
import shutil
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

import cv2
import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE), str(ROOT / "tests" / "verifier")):
    if _p not in sys.path:
        sys.path.insert(0, _p)

#: The last commit whose js/scanner.js is the decode loop before issue 14 (the baseline).
BASELINE_REV = "b545132"
SCANNER = "verifier/webapp/js/scanner.js"

FPS = 10
BLANK_FRAMES = 10  # 1 s of the empty counter
CARD_FRAMES = 40  # then 4 s of the card
EPISODES = 4
WITHIN_S = 3.0
RUNS = 20
THROTTLE = 4
PHONE = {"width": 390, "height": 844}
BASE_SIZE = (1920, 1080)  # the scene is rendered at this size
MODES = {"1080p": (1920, 1080), "720p": (1280, 720)}
#: Card formats (bench_scan.PHOTO_FORMATS): "av1" as issued now, "webp" as before ADR 0018.
FORMATS = ("av1", "webp")
CARD_MM = (85.60, 53.98)
MARK_BLOCKS = 8  # frame index bits in the top-left corner, each a square of width/80


@dataclass(frozen=True)
class Scene:
    """One way of holding the card to the phone. Lengths in pixels of the 1080p frame."""

    name: str
    seed: int
    fill: float  # card width / frame width
    blur_sigma: float  # defocus, Gaussian sigma
    light: float  # overall light: 1 = a lit desk
    noise_sigma: float  # sensor noise, 8-bit levels, at 1080p
    exposure: float  # fraction of the frame interval the shutter is open (motion blur)
    tilt_deg: float  # out-of-plane tilt, up to this
    roll_deg: float  # in-plane rotation, ± this
    tremor_px: float  # hand tremor amplitude (position drift)
    offset: float  # QR centre off the frame centre, up to this fraction of the frame height


SCENES: dict[str, Scene] = {
    "desk": Scene("desk", 11, fill=0.45, blur_sigma=0.6, light=1.0, noise_sigma=2.5,
                  exposure=0.25, tilt_deg=12, roll_deg=8, tremor_px=6, offset=0.06),
    "arm": Scene("arm", 22, fill=0.25, blur_sigma=1.0, light=1.0, noise_sigma=3.0,
                 exposure=0.3, tilt_deg=12, roll_deg=8, tremor_px=5, offset=0.06),
    "dim": Scene("dim", 33, fill=0.30, blur_sigma=0.9, light=0.33, noise_sigma=6.0,
                 exposure=0.8, tilt_deg=12, roll_deg=8, tremor_px=5, offset=0.06),
}


# --- the cards ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Card:
    qr_text: str
    back: np.ndarray  # BGR, 300 dpi
    qr_centre: tuple[float, float]  # in back pixels
    qr_version: int


def render_card(qr_text: str, portrait_jpeg: bytes, number: str) -> Card:
    """The back of the card as the service renders it, at 300 dpi."""
    import zxingcpp
    from bench_scan import card_back, card_data, rasterize_back

    from tokenservice.issue import card

    pdf = card.card_pdf(card_data(qr_text, portrait_jpeg, number=number))
    back = rasterize_back(pdf)
    if back is None:  # no poppler: the QR region at the card's geometry
        back, _how = card_back(qr_text, portrait_jpeg)
    found = zxingcpp.read_barcodes(back, formats=zxingcpp.BarcodeFormat.QRCode)
    assert found and found[0].text == qr_text, "the rendered card does not decode"
    pos = found[0].position
    pts = [pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left]
    centre = (sum(p.x for p in pts) / 4, sum(p.y for p in pts) / 4)
    from tokenservice.issue.cardbase import encode_qr

    return Card(qr_text, back, centre, int(encode_qr(qr_text)[0].version))


# --- the simulated camera ------------------------------------------------------------------


def _rot(axis: np.ndarray, angle: float) -> np.ndarray:
    r, _ = cv2.Rodrigues((axis / np.linalg.norm(axis) * angle).reshape(3, 1))
    return np.asarray(r)


class _Smooth:
    """A smooth random wobble in [-1, 1]: two sines of random frequency and phase."""

    def __init__(self, rng: np.random.Generator) -> None:
        self.f = rng.uniform(0.3, 1.6, 2)
        self.p = rng.uniform(0, 2 * math.pi, 2)
        self.w = rng.uniform(0.4, 1.0, 2)

    def __call__(self, t: float) -> float:
        v = sum(w * math.sin(2 * math.pi * f * t + p) for f, p, w in zip(self.f, self.p, self.w, strict=True))
        return float(v / self.w.sum())


@lru_cache(maxsize=1)
def _noise_bank() -> np.ndarray:
    w, h = BASE_SIZE
    return np.random.default_rng(4242).standard_normal((h + 128, w + 128), dtype=np.float32)


def _background(rng: np.random.Generator) -> np.ndarray:
    """A counter top: a colour, some grain and a few darker streaks."""
    w, h = BASE_SIZE
    base = rng.uniform(60, 170, 3).astype(np.float32)
    tex = rng.standard_normal((h // 6 + 1, w // 6 + 1), dtype=np.float32)
    tex = cv2.resize(cv2.GaussianBlur(tex, (0, 0), 1.2), (w, h), interpolation=cv2.INTER_CUBIC)
    bg = np.empty((h, w, 3), np.float32)
    for ch in range(3):
        bg[:, :, ch] = tex * np.float32(14) + base[ch]
    for _ in range(4):
        y = int(rng.integers(0, h))
        cv2.line(bg, (0, y), (w, y + int(rng.integers(-200, 200))), tuple(float(c) * 0.7 for c in base),
                 int(rng.integers(3, 12)))
    return cv2.GaussianBlur(bg, (0, 0), 1.0)


class Episode:
    """One card held to the camera: the pose at time t, and the frames."""

    def __init__(self, scene: Scene, card: Card, index: int) -> None:
        self.scene = scene
        self.card = card
        rng = np.random.default_rng([scene.seed, index])
        self.rng = rng
        self.background = _background(rng)
        w, h = BASE_SIZE
        self.theta = rng.uniform(0, 2 * math.pi)
        self.tilt0 = rng.uniform(0.3, 1.0) * scene.tilt_deg
        self.roll0 = rng.uniform(-1, 1) * scene.roll_deg
        self.centre0 = np.array([w / 2, h / 2]) + rng.uniform(-1, 1, 2) * scene.offset * h
        self.wobble = [_Smooth(rng) for _ in range(5)]
        phi = rng.uniform(0, 2 * math.pi)
        xs = np.arange(w, dtype=np.float32)[None, :]
        ys = np.arange(h, dtype=np.float32)[:, None]
        ramp = xs * np.float32(math.cos(phi)) + ys * np.float32(math.sin(phi))
        ramp = (ramp - ramp.min()) / float(ramp.max() - ramp.min())
        self.lamp = (np.float32(1) - np.float32(rng.uniform(0.1, 0.3)) * ramp) * np.float32(scene.light)
        self._empty: np.ndarray | None = None

    def homography(self, t: float) -> np.ndarray:
        """Card back pixels → 1080p frame pixels at time t (seconds)."""
        s, wob = self.scene, self.wobble
        hb, wb = self.card.back.shape[:2]
        mm_per_px = CARD_MM[0] / wb
        tilt = math.radians(self.tilt0 + 2.0 * wob[0](t))
        roll = math.radians(self.roll0 + 1.5 * wob[1](t))
        r = _rot(np.array([0, 0, 1.0]), roll) @ _rot(
            np.array([math.cos(self.theta), math.sin(self.theta), 0.0]), tilt)
        distance = 300.0  # mm; the focal length sets the size, the distance only the perspective
        width_px = s.fill * BASE_SIZE[0] * (1 + 0.02 * wob[2](t))
        focal = width_px * distance / CARD_MM[0]
        corners = np.array([[0, 0], [wb, 0], [wb, hb], [0, hb]], float)
        pts = np.array([*corners, self.card.qr_centre], float)
        p3 = np.zeros((5, 3))
        p3[:, 0] = (pts[:, 0] - wb / 2) * mm_per_px
        p3[:, 1] = (pts[:, 1] - hb / 2) * mm_per_px
        p3 = p3 @ r.T
        z = p3[:, 2] + distance
        proj = np.stack([focal * p3[:, 0] / z, focal * p3[:, 1] / z], axis=1)
        centre = self.centre0 + s.tremor_px * np.array([wob[3](t), wob[4](t)])
        proj += centre - proj[4]  # the QR's centre goes where the hand aims it
        return cv2.getPerspectiveTransform(corners.astype(np.float32), proj[:4].astype(np.float32))

    def _lit(self, img: np.ndarray, lamp: np.ndarray) -> np.ndarray:
        # Paper is not a perfect reflector nor ink a perfect absorber; a black level; defocus.
        img = img * (lamp[:, :, None] * np.float32(0.9)) + np.float32(8)
        return cv2.GaussianBlur(img, (0, 0), self.scene.blur_sigma)

    def frame(self, k: int | None) -> np.ndarray:
        """Frame k of the card part (None: the empty counter), 1080p float BGR, before noise."""
        if self._empty is None:
            self._empty = self._lit(self.background, self.lamp)
        if k is None:
            return self._empty
        w, h = BASE_SIZE
        t = k / FPS
        hom = self.homography(t)
        back = self.card.back
        hb, wb = back.shape[:2]
        corners = cv2.perspectiveTransform(
            np.array([[[0, 0], [wb, 0], [wb, hb], [0, hb]]], np.float32), hom)[0]
        # Motion blur: how far the QR's centre moves while the shutter is open.
        c = np.array([[self.card.qr_centre]], np.float32)
        a = cv2.perspectiveTransform(c, self.homography(t - 1 / FPS))[0, 0]
        move = (cv2.perspectiveTransform(c, hom)[0, 0] - a) * self.scene.exposure
        length = float(np.hypot(*move))
        # Only the card's neighbourhood changes from frame to frame: work there.
        margin = int(4 * self.scene.blur_sigma + length + 8)
        x0 = max(0, int(corners[:, 0].min()) - margin)
        y0 = max(0, int(corners[:, 1].min()) - margin)
        x1 = min(w, int(corners[:, 0].max()) + margin + 1)
        y1 = min(h, int(corners[:, 1].max()) + margin + 1)
        shift = np.array([[1, 0, -x0], [0, 1, -y0], [0, 0, 1]], float) @ hom
        size = (x1 - x0, y1 - y0)
        warped = cv2.warpPerspective(back, shift, size, flags=cv2.INTER_AREA).astype(np.float32)
        mask = cv2.warpPerspective(np.ones((hb, wb), np.float32), shift, size, flags=cv2.INTER_LINEAR)
        roi = cv2.blendLinear(warped, self.background[y0:y1, x0:x1], mask, np.float32(1) - mask)
        if length >= 1:
            k_size = math.ceil(length) * 2 + 1
            kernel = np.zeros((k_size, k_size), np.float32)
            for u in np.linspace(-0.5, 0.5, 4 * k_size).tolist():
                kernel[round(k_size // 2 + u * move[1]), round(k_size // 2 + u * move[0])] += 1
            roi = cv2.filter2D(roi, -1, kernel / kernel.sum(), borderType=cv2.BORDER_REPLICATE)
        img = self._empty.copy()
        img[y0:y1, x0:x1] = self._lit(roi, self.lamp[y0:y1, x0:x1])
        return img


def _to_mode(img: np.ndarray, scene: Scene, size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """The 1080p scene as the camera delivers it in a mode of `size`: noise, 8 bits."""
    w, h = BASE_SIZE
    bank = _noise_bank()
    oy, ox = int(rng.integers(0, 128)), int(rng.integers(0, 128))
    noise = bank[oy : oy + h, ox : ox + w] * np.float32(scene.noise_sigma)
    out = img + noise[:, :, None]
    if size != BASE_SIZE:
        out = cv2.resize(out, size, interpolation=cv2.INTER_AREA)
    return np.clip(out, 0, 255).astype(np.uint8)


def _mark(y: np.ndarray, index: int) -> None:
    """The frame index in black/white blocks along the top-left edge of the luma plane."""
    bs = y.shape[1] // 80
    for bit in range(MARK_BLOCKS):
        y[0:bs, bit * bs : (bit + 1) * bs] = 235 if (index >> bit) & 1 else 16


def _y4m_frame(bgr: np.ndarray, index: int) -> bytes:
    ycrcb = cv2.cvtColor(bgr, cv2.COLOR_BGR2YCrCb)
    y = np.ascontiguousarray(ycrcb[:, :, 0])
    _mark(y, index)
    h, w = y.shape
    cr = cv2.resize(ycrcb[:, :, 1], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    cb = cv2.resize(ycrcb[:, :, 2], (w // 2, h // 2), interpolation=cv2.INTER_AREA)
    return b"FRAME\n" + y.tobytes() + cb.tobytes() + cr.tobytes()


def write_clips(
    scene: Scene, cards: list[Card], out: dict[str, Path], *, episodes: int = EPISODES,
    blank: int = BLANK_FRAMES, card_frames: int = CARD_FRAMES, save_png: Path | None = None,
) -> None:
    """One clip per camera mode in `out` ({"1080p": path, ...}) of the same scenes."""
    files = {}
    try:
        for mode, path in out.items():
            w, h = MODES[mode]
            files[mode] = path.open("wb")
            files[mode].write(f"YUV4MPEG2 W{w} H{h} F{FPS}:1 Ip A1:1 C420jpeg\n".encode())
        index = 0
        for e in range(episodes):
            episode = Episode(scene, cards[e % len(cards)], e)
            noise_rng = np.random.default_rng([scene.seed, e, 7])
            for k in range(-blank, card_frames):
                img = episode.frame(None if k < 0 else k)
                for mode, f in files.items():
                    bgr = _to_mode(img, scene, MODES[mode], noise_rng)
                    if save_png is not None and e == 0 and k == card_frames // 2:
                        cv2.imwrite(str(save_png / f"{scene.name}-{mode}.png"), bgr)
                    f.write(_y4m_frame(bgr, index))
                index += 1
    finally:
        for f in files.values():
            f.close()


def read_y4m(path: Path) -> Iterator[np.ndarray]:
    """The luma planes of a clip written by write_clips (for offline checks)."""
    with path.open("rb") as f:
        header = f.readline().split()
        w = int(next(p for p in header if p.startswith(b"W"))[1:])
        h = int(next(p for p in header if p.startswith(b"H"))[1:])
        size = w * h * 3 // 2
        while f.readline():
            frame = f.read(size)
            if len(frame) < size:
                return
            yield np.frombuffer(frame[: w * h], np.uint8).reshape(h, w)


# --- the instance, the passes, the two apps ----------------------------------------------------


def _instance(tmp: Path, n: int, formats: tuple[str, ...] = ("av1",)
              ) -> tuple[Path, dict[str, list[tuple[str, str]]]]:
    """A demo instance and `n` valid passes per thumbnail format with the fixture's real
    thumbnail: {format: [(qr, number)]}. "av1" is the pass as issued since ADR 0018,
    "webp" the one issued before (the ≤ 550-byte grey WebP file, QR 22-M)."""
    from bench_scan import FIXTURE, PHOTO_FORMATS

    from tokenservice import config
    from tokenservice.issue import photo
    from tokenservice.issue.keyring import Keyring
    from tokenservice.issue.passes import Official, PassService
    from tokenservice.ops.instance import DEMO_ISS, init_instance
    from tokenservice.store.db import Database

    path = tmp / "instance"
    init_instance(path, demo=True)
    settings = config.load(env={}, instance_dir=path)
    db = Database(settings.database_url)
    out: dict[str, list[tuple[str, str]]] = {}
    try:
        passes = PassService(db, Keyring(settings.keys_dir, settings.key_passphrase), settings)
        for fmt in formats:
            portrait = photo.process(FIXTURE.read_bytes(), **PHOTO_FORMATS[fmt])
            out[fmt] = []
            for _ in range(n):
                issued = passes.issue(iss=DEMO_ISS, category="raam", photo=portrait.thumbnail,
                                      photo_type=portrait.thumbnail_type,
                                      official=Official("intake", "intake"))
                out[fmt].append((str(issued.qr_text), issued.number))
    finally:
        db.dispose()
    return path, out


#: What app.js imports from scanner.js since issue 14 and the old scanner.js lacks: a
#: stand-in that does nothing (the keyboard wedge plays no part in camera scans).
_WEDGE_STUB = b"""
export class KeyboardWedge {
  constructor() {}
}
"""


def baseline_app(dest: Path, rev: str = BASELINE_REV) -> Path:
    """The working tree's app with js/scanner.js as of `rev` (nothing else differs)."""
    shutil.copytree(ROOT / "verifier" / "webapp", dest)
    old = subprocess.run(["git", "show", f"{rev}:{SCANNER}"], cwd=ROOT, capture_output=True,
                         check=True).stdout
    if b"class KeyboardWedge" not in old:
        old += _WEDGE_STUB
    (dest / "js" / "scanner.js").write_bytes(old)
    return dest


def _same_scanner(rev: str) -> bool:
    old = subprocess.run(["git", "show", f"{rev}:{SCANNER}"], cwd=ROOT, capture_output=True,
                         check=True).stdout
    return old == (ROOT / SCANNER).read_bytes()


# --- in the page ---------------------------------------------------------------------------------

# Times each episode: card in view (from the frame index in the corner) → verdict on screen.
_MEASURE = """(cfg) => new Promise((resolve) => {
  const { fps, blank, card, episodes, runs, blocks, timeoutMs } = cfg;
  const per = blank + card;
  const video = document.getElementById('video');
  const verdict = document.getElementById('verdict');
  const canvas = document.createElement('canvas');
  canvas.width = blocks; canvas.height = 1;
  const ctx = canvas.getContext('2d', { willReadFrequently: true });
  ctx.imageSmoothingEnabled = false;
  const out = [];
  let loop = 0, last = -1, cur = null, done = false;
  const occ = new Map();  // occurrence id -> {start, result}
  let longTasks = 0, longMax = 0, rafMax = 0, rafPrev = null;
  const began = performance.now();
  const gaps = [];
  try {
    new PerformanceObserver((l) => {
      for (const e of l.getEntries()) { longTasks += e.duration; longMax = Math.max(longMax, e.duration); }
    }).observe({ type: 'longtask', buffered: false });
  } catch {}
  const raf = (t) => {
    if (rafPrev !== null) { gaps.push(t - rafPrev); rafMax = Math.max(rafMax, t - rafPrev); }
    rafPrev = t;
    if (!done) requestAnimationFrame(raf);
  };
  requestAnimationFrame(raf);
  const finish = () => {
    if (done) return;
    done = true;
    gaps.sort((a, b) => a - b);
    resolve({ episodes: out, width: video.videoWidth, height: video.videoHeight,
              elapsedMs: performance.now() - began,
              longTaskMs: longTasks, longTaskMaxMs: longMax,
              frameGapP95Ms: gaps.length ? gaps[Math.ceil(0.95 * gaps.length) - 1] : null,
              frameGapMaxMs: rafMax, barcodeDetector: 'BarcodeDetector' in globalThis });
  };
  const record = (id, r) => {
    const o = occ.get(id);
    if (!o || o.result) return;
    o.result = r;
    out.push(r);
    if (out.length >= runs) finish();
  };
  const onFrame = (now, meta) => {
    if (done) return;
    const w = video.videoWidth;
    if (w) {
      const bs = w / 80;
      ctx.drawImage(video, 0, 0, blocks * bs, bs, 0, 0, blocks, 1);
      const d = ctx.getImageData(0, 0, blocks, 1).data;
      let i = 0, ok = true;
      for (let k = 0; k < blocks; k++) {
        const v = d[4 * k];
        if (v > 60 && v < 190) ok = false;
        if (v >= 190) i |= 1 << k;
      }
      if (ok) {
        if (i < last) loop++;
        last = i;
        const e = Math.floor(i / per), k = i % per;
        const id = loop * episodes + e;
        const at = meta.captureTime ?? meta.presentationTime ?? now;
        if (k >= blank) {
          if (!occ.has(id)) {
            // seen from its first card frames on (else a partial episode: not counted)
            occ.set(id, { start: at - (k - blank) * 1000 / fps, result: k - blank <= 2 ? null : 'partial' });
            for (const [j, o] of occ) if (j < id && !o.result) record(j, { ms: null, status: null });
            cur = id;
          }
        }
      }
    }
    video.requestVideoFrameCallback(onFrame);
  };
  video.requestVideoFrameCallback(onFrame);
  new MutationObserver(() => {
    if (verdict.hidden) return;
    requestAnimationFrame(() => {
      const t = performance.now();
      if (cur !== null) {
        const o = occ.get(cur);
        record(cur, { ms: t - o.start, status: verdict.dataset.status });
      }
      document.getElementById('next').click();
    });
  }).observe(verdict, { attributes: true, attributeFilter: ['hidden'] });
  setTimeout(finish, timeoutMs);
  if (!verdict.hidden) document.getElementById('next').click();  // read while loading
})"""


def _launch(p: Any, profile: Path, camera: Path) -> Any:
    from tests.support.browser import BASE_ARGS, CHROMIUM

    args = [*BASE_ARGS, "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera}"]
    return p.chromium.launch_persistent_context(
        str(profile), executable_path=CHROMIUM, args=args, headless=True, viewport=PHONE,
        device_scale_factor=2, is_mobile=True, has_touch=True, locale="nl-NL",
        timezone_id="Europe/Amsterdam", permissions=["camera"], service_workers="allow")


def _cell(p: Any, url: str, clip: Path, profile: Path, runs: int) -> dict[str, Any]:
    context = _launch(p, profile, clip)
    try:
        page = context.pages[0] if context.pages else context.new_page()
        page.goto(url)
        page.wait_for_function("() => document.documentElement.dataset.ready === 'true'",
                               timeout=90_000)
        page.wait_for_function("() => document.getElementById('lists-status').dataset.state === 'ok'",
                               timeout=90_000)
        page.wait_for_function("() => document.getElementById('scan').dataset.camera === 'ok'",
                               timeout=90_000)
        context.set_offline(True)
        context.new_cdp_session(page).send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
        per_s = (BLANK_FRAMES + CARD_FRAMES) / FPS
        timeout_ms = int((runs + EPISODES + 2) * per_s * 1000 * 1.5)
        page.set_default_timeout(timeout_ms + 30_000)
        raw: dict[str, Any] = page.evaluate(_MEASURE, {
            "fps": FPS, "blank": BLANK_FRAMES, "card": CARD_FRAMES, "episodes": EPISODES,
            "runs": runs, "blocks": MARK_BLOCKS, "timeoutMs": timeout_ms})
    finally:
        context.close()
    return raw


def _stats(episodes: list[dict[str, Any]]) -> dict[str, Any]:
    times = sorted(math.inf if e["ms"] is None else e["ms"] / 1000 for e in episodes)
    n = len(times)
    if not n:
        return {"runs": 0}
    p95 = times[max(0, math.ceil(0.95 * n) - 1)]

    def r(v: float) -> float | None:
        return None if math.isinf(v) else round(v, 3)

    return {
        "runs": n,
        "median_s": r(times[max(0, math.ceil(0.5 * n) - 1)]),
        "p95_s": r(p95),
        "within_3s": round(sum(t <= WITHIN_S for t in times) / n, 3),
        "misses": sum(math.isinf(t) for t in times),
        "statuses": sorted({e["status"] for e in episodes if e["status"]}),
    }


def _offline(scene: Scene, cards: list[Card], every: int = 4) -> dict[str, Any]:
    """What the frames hold, independent of the app: pixels per module, and the share of
    card frames one zxing-cpp call on the whole frame reads (a desktop decoder's view)."""
    import zxingcpp

    out: dict[str, Any] = {}
    episode = Episode(scene, cards[0], 0)
    version = cards[0].qr_version
    modules = 17 + 4 * version
    for mode, size in MODES.items():
        rng = np.random.default_rng([scene.seed, 99])
        hits = n = 0
        for e in range(EPISODES):
            ep = Episode(scene, cards[e % len(cards)], e)
            for k in range(0, CARD_FRAMES, every):
                bgr = _to_mode(ep.frame(k), scene, size, rng)
                found = zxingcpp.read_barcodes(bgr, formats=zxingcpp.BarcodeFormat.QRCode)
                hits += bool(found and found[0].text == ep.card.qr_text)
                n += 1
        # The symbol's width in this mode (mid-episode pose of episode 0).
        hom = episode.homography(CARD_FRAMES / 2 / FPS)
        qr_px = _symbol_width_px(cards[0], hom) * size[0] / BASE_SIZE[0]
        out[mode] = {"px_per_module": round(qr_px / modules, 2),
                     "zxing_cpp_full_frame": round(hits / n, 3)}
    return out


def _symbol_width_px(card: Card, hom: np.ndarray) -> float:
    import zxingcpp

    found = zxingcpp.read_barcodes(card.back, formats=zxingcpp.BarcodeFormat.QRCode)[0]
    pos = found.position
    pts = np.array([[[p.x, p.y] for p in (pos.top_left, pos.top_right, pos.bottom_right, pos.bottom_left)]],
                   np.float32)
    q = cv2.perspectiveTransform(pts, hom)[0]
    sides = [float(np.hypot(*(q[i] - q[(i + 1) % 4]))) for i in range(4)]
    return sum(sides) / 4


@contextlib.contextmanager
def _servers(instance: Path, baseline_dir: Path) -> Iterator[dict[str, str]]:
    from tests.support.browser import live_process

    with live_process(instance, env={"PAS_VERIFY_APP_DIR": str(baseline_dir)}) as (_a, base_old), \
            live_process(instance) as (_b, base_new):
        yield {"baseline": base_old + "/verify/", "candidate": base_new + "/verify/"}


def _prepare(work: Path, scenes: list[str], modes: list[str], save: Path | None,
             result: dict[str, Any], formats: tuple[str, ...] = ("av1",),
             ) -> tuple[Path, dict[tuple[str, str, str], Path]]:
    """The instance, its passes, the cards and the clips in `work` (kept ones are reused):
    clips[scene, mode, format]."""
    from bench_scan import _portrait

    t0 = time.perf_counter()
    issued_file = work / "issued.json"
    issued: dict[str, list[tuple[str, str]]] = {}
    if issued_file.exists():
        issued = {k: [(q, n) for q, n in v] for k, v in json.loads(issued_file.read_text()).items()}
        instance = work / "instance"
    if set(issued) != set(formats):
        shutil.rmtree(work / "instance", ignore_errors=True)
        instance, issued = _instance(work, EPISODES, formats)
        issued_file.write_text(json.dumps(issued))
    clips: dict[tuple[str, str, str], Path] = {}
    for fmt in formats:
        cards = [render_card(qr, _portrait().print_jpeg, number) for qr, number in issued[fmt]]
        setup = result["setup"] if len(formats) == 1 else result["setup"].setdefault(fmt, {})
        setup["qr_version"] = cards[0].qr_version
        setup["qr_chars"] = len(cards[0].qr_text)
        for scene in scenes:
            paths = {mode: work / f"{scene}-{mode}-{fmt}.y4m" for mode in modes}
            missing = {m: p for m, p in paths.items() if not p.exists()}
            if missing or save is not None:
                write_clips(SCENES[scene], cards, paths, save_png=save)
            clips.update({(scene, mode, fmt): path for mode, path in paths.items()})
            frames = result.setdefault("frames", {})
            if len(formats) == 1:
                frames[scene] = _offline(SCENES[scene], cards)
            else:
                frames.setdefault(fmt, {})[scene] = _offline(SCENES[scene], cards)
    result["setup"]["clips_s"] = round(time.perf_counter() - t0, 1)
    return instance, clips


def run(quick: bool = False, runs: int | None = None, scenes: list[str] | None = None,
        modes: list[str] | None = None, apps: list[str] | None = None, save: Path | None = None,
        workdir: Path | None = None, baseline_rev: str = BASELINE_REV,
        formats: tuple[str, ...] = ("av1",)) -> dict[str, Any]:
    """For bench/run.py. With several ``formats`` a cell is keyed "<app> <format>" (e.g.
    "candidate webp") and every scene runs each format's card in turn, interleaved."""
    from tests.support.browser import CHROMIUM

    if not Path(CHROMIUM).exists():
        raise ImportError(f"{CHROMIUM} is not installed")
    from playwright.sync_api import sync_playwright

    runs = runs or (4 if quick else RUNS)
    scenes = scenes or list(SCENES)
    modes = modes or list(MODES)
    apps = apps or ["baseline", "candidate"]
    if _same_scanner(baseline_rev):
        apps = ["candidate"]  # nothing to compare: the working tree's scanner is the baseline
    result: dict[str, Any] = {
        "setup": {"cpu_throttling": THROTTLE, "viewport": f"{PHONE['width']}x{PHONE['height']}",
                  "runs_per_cell": runs, "fps": FPS, "card_in_view_s": CARD_FRAMES / FPS,
                  "baseline": f"{SCANNER} at {baseline_rev}", "candidate": "the working tree"},
    }
    cells: dict[str, Any] = {}
    with contextlib.ExitStack() as stack:
        if workdir is None:
            work = Path(stack.enter_context(tempfile.TemporaryDirectory(prefix="bench-app-decode-")))
        else:
            work = workdir
            work.mkdir(parents=True, exist_ok=True)
        instance, clips = _prepare(work, scenes, modes, save, result, formats)
        shutil.rmtree(work / "baseline-app", ignore_errors=True)
        base_dir = baseline_app(work / "baseline-app", baseline_rev)
        p = stack.enter_context(sync_playwright())
        urls = stack.enter_context(_servers(instance, base_dir))
        for scene in scenes:
            for mode in modes:
                for fmt in formats:
                    for app in apps:
                        key = app if len(formats) == 1 else f"{app} {fmt}"
                        print(f"  {scene} {mode} {key} ...", file=sys.stderr, flush=True)
                        profile = work / f"profile-{scene}-{mode}-{app}-{fmt}"
                        shutil.rmtree(profile, ignore_errors=True)
                        raw = _cell(p, urls[app], clips[scene, mode, fmt], profile, runs)
                        shutil.rmtree(profile, ignore_errors=True)
                        cell = {**_stats(raw["episodes"]), "video": f"{raw['width']}x{raw['height']}",
                                "busy_share": round(raw["longTaskMs"] / raw["elapsedMs"], 2),
                                "long_task_max_ms": round(raw["longTaskMaxMs"] or 0),
                                "frame_gap_p95_ms": round(raw["frameGapP95Ms"] or 0),
                                "frame_gap_max_ms": round(raw["frameGapMaxMs"] or 0)}
                        cells.setdefault(scene, {}).setdefault(mode, {})[key] = cell
                        print(f"    {json.dumps(cell)}", file=sys.stderr, flush=True)
    result["cells"] = cells
    targets: dict[str, Any] = {}
    chosen = "candidate" if len(formats) == 1 else f"candidate {formats[0]}"
    cand = {s: cells[s].get("1080p", {}).get(chosen) for s in cells}
    if cand.get("desk"):
        v = cand["desk"]["median_s"]
        targets["desk 1080p: median <= 0.5 s"] = {"value": v, "limit": 0.5, "ok": v is not None and v <= 0.5}
    for s in ("arm", "dim"):
        if cand.get(s):
            v = cand[s]["within_3s"]
            targets[f"{s} 1080p: verdict within 3 s in >= 95 % of runs"] = {
                "value": v, "limit": 0.95, "ok": v >= 0.95}
    result["targets"] = targets
    return result


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int)
    ap.add_argument("--scene", action="append", choices=list(SCENES))
    ap.add_argument("--mode", action="append", choices=list(MODES))
    ap.add_argument("--app", action="append", choices=["baseline", "candidate"])
    ap.add_argument("--baseline-rev", default=BASELINE_REV)
    ap.add_argument("--format", action="append", choices=list(FORMATS),
                    help="card format(s), the first is the one the targets are for (default av1)")
    ap.add_argument("--save", type=Path, help="write a PNG of each scene here")
    ap.add_argument("--workdir", type=Path,
                    help="keep the instance and the clips here, and reuse them next time")
    args = ap.parse_args()
    if args.save:
        args.save.mkdir(parents=True, exist_ok=True)
    print(json.dumps(run(quick=args.quick, runs=args.runs, scenes=args.scene, modes=args.mode,
                         apps=args.app, save=args.save, workdir=args.workdir,
                         baseline_rev=args.baseline_rev,
                         formats=tuple(args.format or ["av1"])), indent=2))


if __name__ == "__main__":
    main()
