"""Which thumbnail codec, size and byte budget keep the face recognisable? (issue 14)

    .venv/bin/python bench/bench_face.py            # full run (~5 min on 2 cores)
    .venv/bin/python bench/bench_face.py --quick    # originals only, fewer settings
    .venv/bin/python bench/run.py face              # through the bench runner
    make bench                                      # installs bench/requirements.txt first
    .venv/bin/python bench/bench_face.py --only "colour speed 2 crop tight" --no-detectors \
        --thumbnail-crop 0.65 --out bench/out/try   # the service's constants, patched for a run

Writes ``bench/out/face/``: ``rows.csv`` (one row per photo × setting × budget),
``summary.json`` and ``summary.md`` (the tables pasted into bench/README.md and
docs/adr/0018-thumbnail-codec-and-budget.md). Nothing is written anywhere else.

**Photos** (bench/faces/manifest.json, SOURCES.md): the repository's astronaut fixture
and four public-domain White House photos from the ``face_recognition`` sdist, fetched
once into ``bench/out/faces/`` with ``pip download`` and checked by SHA-256. Each photo
is widened into variants (as taken, mirrored, rotated 8°, dim: −1.5 EV with sensor
noise). Variants are not new people: there are 3 people in 5 photos.

**Pipeline.** The crop is the service's own (``photo.suggest_crop``: face box, dlib's
HOG since ADR 0018 point 6 was built, the Haar cascade before → 3:4 passport crop), the 600×800 print portrait is made as ``photo.process`` makes it,
and the thumbnail source as well (LANCZOS to the thumbnail size, ``autocontrast(cutoff=1)``
— on luma only for colour). ``webp-grey`` at a 550-byte *file* is today's thumbnail,
byte for byte (checked against ``photo.process`` at start-up).

**Budgets** are the coded bitstream only (``bench/facecodec.py``): the VP8 chunk of a
WebP (the file is 20–21 bytes more), the sequence header + frame OBUs of an AVIF (the
file is ~270 bytes more). The encoder's quality is binary-searched, as the service does,
to the largest value whose bitstream fits. Every AVIF and WebP is split and rebuilt; the
rebuilt file must equal the encoder's byte for byte and decode to the same pixels.

**Recognisability.** dlib's ResNet face descriptor (``face_recognition_models``, no
download): the reference is the print portrait (colour, 600×800); the thumbnail is
decoded, upscaled (bicubic) to 288 px high as the verifier shows it, and described with
the same face box scaled. Distance < 0.6 is dlib's "same person". SSIM is computed on
luma in the face box against the print portrait's luma at the same display size.

**Detectors**: the service's detector (dlib HOG, turned ±30°, upsampled ×2) vs the Haar
cascade it replaced, OpenCV's default cascade, dlib HOG in one pass, dlib MMOD CNN and
MediaPipe BlazeFace (short/full range), on the photos rotated by up to 45°,
dimmed, and small in the frame, plus two photos without a face.
"""

from __future__ import annotations

import argparse
import csv
import hashlib
import io
import json
import math
import multiprocessing as mp
import os
import statistics
import subprocess
import sys
import tarfile
import tempfile
import time
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import cv2
import numpy as np
from PIL import Image, ImageOps

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
for _p in (str(ROOT), str(HERE)):
    if _p not in sys.path:
        sys.path.insert(0, _p)

import facecodec  # noqa: E402

try:
    from tokenservice.issue import photo
except ImportError:  # before the tokenservice/issue/ move
    from tokenservice import photo  # type: ignore[no-redef]

cv2.setNumThreads(1)  # the bench runs its own worker processes

# The service's face-box mapping and thumbnail crop, tried without editing the service
# (issue 14): --hog-scale/--hog-raise/--thumbnail-crop put them in these environment
# variables; this module patches ``photo`` from them when it is imported, in the main
# process and again in every spawned worker (they inherit the environment).
SERVICE_PATCH_ENV = {
    "BENCH_FACE_HOG_SCALE": "_HOG_TO_FACE_SCALE",
    "BENCH_FACE_HOG_RAISE": "_HOG_TO_FACE_RAISE",
    "BENCH_FACE_THUMBNAIL_CROP": "THUMBNAIL_CROP",
}


def _patch_service() -> dict[str, float]:
    """Set photo's constants from the environment; the values in force, patched or not."""
    for env, attr in SERVICE_PATCH_ENV.items():
        if os.environ.get(env):
            setattr(photo, attr, float(os.environ[env]))
    return service_constants()


def service_constants() -> dict[str, Any]:
    """The constants in force in this process, and which of them the environment set."""
    return {
        **{attr: getattr(photo, attr) for attr in SERVICE_PATCH_ENV.values()},
        "patched": sorted(a for e, a in SERVICE_PATCH_ENV.items() if os.environ.get(e)),
    }


_patch_service()

FACES = HERE / "faces"
CACHE = HERE / "out" / "faces"
OUT = HERE / "out" / "face"

BUDGETS = (250, 300, 350, 400, 450, 520)  # bitstream bytes
SIDE_BUDGETS = (300, 350, 400, 450)
QR_BUDGETS = (
    250,
    300,
    316,
    350,
    370,
    400,
    450,
    520,
)  # 316: v17-M, 370: v18-M (pt "av1")  # for the size/crop/pre-processing/tuning sweeps
TODAY_FILE_BUDGET = 550  # photo.THUMBNAIL_MAX_BYTES when this bench was written
SAME = 0.6  # dlib: below this, the same person
DISPLAY_H = 288  # px: the verifier shows the photo up to 300-400 CSS px high
FIXED_KEY = "fixed bytes besides the photo (pt 'av1')"
QR_WIDTH_MM = 46.0  # card.QR_WIDTH_MM, quiet zone (4 modules each side) included


# --- corpus -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Photo:
    id: str
    subject: str
    skin: str
    face: bool
    path: str
    licence: str


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def corpus(fetch: bool = True) -> tuple[list[Photo], list[str]]:
    """The manifest's photos, fetching archives into bench/out/faces/ once."""
    manifest = json.loads((FACES / "manifest.json").read_text())
    notes: list[str] = []
    out: list[Photo] = []
    CACHE.mkdir(parents=True, exist_ok=True)
    for entry in manifest["photos"]:
        if "file" in entry:
            path = ROOT / entry["file"]
        else:
            path = CACHE / (entry["id"] + Path(entry["member"]).suffix)
            if not path.exists() and fetch:
                _extract(manifest["archives"][entry["archive"]], entry["archive"], notes)
            if not path.exists():
                notes.append(f"{entry['id']}: not available ({entry['archive']} not fetched)")
                continue
        if _sha256(path) != entry["sha256"]:
            notes.append(f"{entry['id']}: checksum mismatch, left out")
            continue
        out.append(
            Photo(
                entry["id"],
                entry["subject"],
                entry["skin"],
                entry["face"],
                str(path),
                entry["licence"],
            )
        )
    return out, notes


def _extract(archive: dict[str, Any], name: str, notes: list[str]) -> None:
    manifest = json.loads((FACES / "manifest.json").read_text())
    members = {e["member"]: e for e in manifest["photos"] if e.get("archive") == name}
    with tempfile.TemporaryDirectory() as tmp:
        cmd = [sys.executable, "-m", *archive["fetch"], "-d", tmp, "-q"]
        print("fetching once:", " ".join(archive["fetch"]), file=sys.stderr)
        try:
            subprocess.run(cmd, check=True, timeout=300, capture_output=True)
        except (subprocess.SubprocessError, OSError) as exc:
            notes.append(f"{name}: fetch failed ({type(exc).__name__})")
            return
        got = Path(tmp) / name
        if not got.exists() or _sha256(got) != archive["sha256"]:
            notes.append(f"{name}: archive missing or checksum mismatch")
            return
        with tarfile.open(got) as tar:
            for member, entry in members.items():
                data = tar.extractfile(member)
                if data is None:
                    continue
                blob = data.read()
                if hashlib.sha256(blob).hexdigest() == entry["sha256"]:
                    (CACHE / (entry["id"] + Path(member).suffix)).write_bytes(blob)


def _png(img: Image.Image) -> bytes:
    buf = io.BytesIO()
    img.save(buf, "PNG")
    return buf.getvalue()


def load_photo(p: Photo) -> Image.Image:
    """Upright RGB without metadata, as the service decodes an upload."""
    return photo.load(Path(p.path).read_bytes())


# --- variants and crops -----------------------------------------------------------------


@dataclass(frozen=True)
class Box:
    x: float
    y: float
    w: float
    h: float

    @property
    def cx(self) -> float:
        return self.x + self.w / 2

    @property
    def cy(self) -> float:
        return self.y + self.h / 2


def _exposure(img: Image.Image, ev: float, noise: float, seed: int) -> Image.Image:
    a = np.asarray(img, dtype=np.float32) / 255.0
    lin = np.power(a, 2.2) * (2.0**ev)
    out = np.power(np.clip(lin, 0, 1), 1 / 2.2) * 255.0
    out += np.random.default_rng(seed).normal(0, noise, out.shape)
    return Image.fromarray(np.clip(out, 0, 255).astype(np.uint8))


def _rotate(img: Image.Image, deg: float, cx: float, cy: float) -> Image.Image:
    a = np.asarray(img)
    m = cv2.getRotationMatrix2D((cx, cy), deg, 1.0)
    r = cv2.warpAffine(
        a, m, (a.shape[1], a.shape[0]), flags=cv2.INTER_CUBIC, borderMode=cv2.BORDER_REPLICATE
    )
    return Image.fromarray(r)


def variant(img: Image.Image, face: Box, name: str, seed: int) -> tuple[Image.Image, Box]:
    """A photo variant and where the face is in it (same size and centre for rotations)."""
    if name == "orig":
        return img, face
    if name == "mirror":
        return ImageOps.mirror(img), replace(face, x=img.width - face.x - face.w)
    if name.startswith("rot"):
        return _rotate(img, float(name[3:]), face.cx, face.cy), face
    if name == "dim":
        return _exposure(img, -1.5, 3.0, seed), face
    raise ValueError(name)


def portrait_box(
    face: Box, width: int, height: int, scale: float = 1.0, aspect: float = 3 / 4
) -> Box:
    """photo._portrait_box (crop 2.3 face heights, face top 0.28 of it down), with the
    crop scaled around the face (tight < 1 < loose) and other aspect ratios (4:5)."""
    crop_h = face.h * 2.3 * scale
    crop_w = crop_h * aspect
    if crop_w > width or crop_h > height:  # face fills the frame: take what there is
        fit = min(width / crop_w, height / crop_h)
        crop_w, crop_h = crop_w * fit, crop_h * fit
    # The face centre stays where the service puts it: 0.28 + 0.5/2.3 of the way down.
    top = face.cy - (0.28 + 0.5 / 2.3) * crop_h
    left = face.cx - crop_w / 2
    left = min(max(0.0, left), width - crop_w)
    top = min(max(0.0, top), height - crop_h)
    return Box(round(left), round(top), round(crop_w), round(crop_h))


def print_portrait(img: Image.Image, box: Box, size: tuple[int, int]) -> Image.Image:
    """The card's portrait as photo.process makes it (crop, LANCZOS, no metadata)."""
    cut = img.crop((int(box.x), int(box.y), int(box.x + box.w), int(box.y + box.h)))
    out = cut.resize(size, Image.Resampling.LANCZOS, reducing_gap=3.0)
    return Image.frombytes(out.mode, out.size, out.tobytes())


# --- thumbnail settings -----------------------------------------------------------------


@dataclass(frozen=True)
class Setting:
    name: str
    codec: str  # "webp" (Pillow, as the service), "webpx" (libwebp config), "avif"
    colour: bool = False
    size: tuple[int, int] = (72, 96)
    crop: float = 1.0
    pre: str = ""  # "", "clahe", "denoise"
    speed: int = 6
    webp: tuple[tuple[str, int], ...] = ()
    avif: tuple[tuple[str, str], ...] = ()
    group: str = "codec"
    budgets: tuple[int, ...] = BUDGETS
    container: bool = False  # True: the budget is the whole file (today's rule)

    @property
    def aspect(self) -> float:
        return self.size[0] / self.size[1]

    @property
    def source_key(self) -> tuple[Any, ...]:
        return (self.colour, self.size, self.crop, self.pre)


def settings(quick: bool = False) -> list[Setting]:
    g, c = Setting("webp-grey", "webp"), Setting("avif-grey", "avif")
    wc, ac = (
        Setting("webp-colour", "webp", colour=True),
        Setting("avif-colour", "avif", colour=True),
    )
    side = (350, 450) if quick else SIDE_BUDGETS
    out = [
        replace(
            g,
            name="today: webp-grey, file <= 550",
            budgets=(TODAY_FILE_BUDGET,),
            container=True,
            group="today",
        ),
        replace(
            c,
            name="avif-grey, file <= 550",
            budgets=(TODAY_FILE_BUDGET,),
            container=True,
            group="today",
        ),
        g,
        wc,
        c,
        ac,
    ]
    if quick:
        return [*out, replace(c, name="avif-grey 64x80", size=(64, 80), group="size", budgets=side)]
    out += [
        replace(c, name="avif-grey speed 2", speed=2),
        replace(ac, name="avif-colour speed 2", speed=2, budgets=SIDE_BUDGETS),
        replace(c, name="avif-grey tune=ssim", avif=(("tune", "ssim"),)),
        # The two settings that helped most, together (tight crop measured below).
        # ... also at the largest photos QR versions 17-M and 18-M hold (316, 370 bytes).
        # "crop tight" here is the service's thumbnail crop (photo.THUMBNAIL_CROP, 0.85 when
        # these rows were first measured).
        replace(
            c,
            name="avif-grey speed 2 crop tight",
            speed=2,
            crop=photo.THUMBNAIL_CROP,
            budgets=QR_BUDGETS,
        ),
        replace(
            ac,
            name="avif-colour speed 2 crop tight",
            speed=2,
            crop=photo.THUMBNAIL_CROP,
            budgets=QR_BUDGETS,
        ),
    ]
    wx = replace(g, codec="webpx", group="webp-tuning", budgets=side)
    out += [
        replace(wx, name="webp-grey sns=0", webp=(("sns_strength", 0),)),
        replace(wx, name="webp-grey filter=0", webp=(("filter_strength", 0),)),
        replace(wx, name="webp-grey segments=1", webp=(("segments", 1),)),
    ]
    for base in (g, c, ac):
        for size in ((64, 80), (80, 100)):
            out.append(
                replace(
                    base,
                    name=f"{base.name} {size[0]}x{size[1]}",
                    size=size,
                    group="size",
                    budgets=side,
                )
            )
    for base, label, scale in ((c, "tight", 0.85), (ac, "tight", 0.85), (c, "loose", 1.2)):
        out.append(
            replace(base, name=f"{base.name} crop {label}", crop=scale, group="crop", budgets=side)
        )
    for base in (g, c, ac):
        for pre in ("clahe", "denoise"):
            out.append(
                replace(base, name=f"{base.name} +{pre}", pre=pre, group="pre", budgets=side)
            )
    return out


def _autocontrast_luma(img: Image.Image) -> Image.Image:
    y, cb, cr = img.convert("YCbCr").split()
    y = ImageOps.autocontrast(y, cutoff=1)
    return Image.merge("YCbCr", (y, cb, cr)).convert("RGB")


def _clahe(img: Image.Image) -> Image.Image:
    clahe = cv2.createCLAHE(clipLimit=2.0, tileGridSize=(4, 4))
    if img.mode == "L":
        return Image.fromarray(clahe.apply(np.asarray(img)))
    y, cb, cr = img.convert("YCbCr").split()
    y = Image.fromarray(clahe.apply(np.asarray(y)))
    return Image.merge("YCbCr", (y, cb, cr)).convert("RGB")


def _denoise(img: Image.Image) -> Image.Image:
    a = np.asarray(img)
    if img.mode == "L":
        return Image.fromarray(cv2.fastNlMeansDenoising(a, None, 6, 5, 11))
    return Image.fromarray(cv2.fastNlMeansDenoisingColored(a, None, 5, 5, 5, 11))


def thumb_source(print_img: Image.Image, s: Setting) -> Image.Image:
    """What the encoder gets: the service's steps, plus the setting's pre-processing."""
    x = print_img if s.colour else print_img.convert("L")
    if s.pre == "clahe":
        x = _clahe(x)
    x = x.resize(s.size, Image.Resampling.LANCZOS)
    x = _autocontrast_luma(x) if s.colour else ImageOps.autocontrast(x, cutoff=1)
    if s.pre == "denoise":
        x = _denoise(x)
    return x


def encode(img: Image.Image, s: Setting, q: int) -> bytes:
    buf = io.BytesIO()
    if s.codec == "webp":
        img.save(buf, "WEBP", quality=q, method=6)
        return buf.getvalue()
    if s.codec == "webpx":
        import webp  # bench/requirements.txt

        cfg = webp.WebPConfig.new(quality=q, method=6)
        for k, v in s.webp:
            setattr(cfg.ptr, k, v)
        rgb = img.convert("RGB")
        return bytes(webp.WebPPicture.from_pil(rgb).encode(cfg).buffer())
    sub = "4:2:0" if s.colour else "4:0:0"
    img.save(buf, "AVIF", quality=q, subsampling=sub, speed=s.speed, advanced=dict(s.avif) or None)
    return buf.getvalue()


def bitstream(data: bytes, codec: str) -> bytes:
    return facecodec.avif_bitstream(data) if codec == "avif" else facecodec.webp_bitstream(data)


def rebuild(raw: bytes, codec: str) -> bytes:
    return facecodec.avif_rebuild(raw) if codec == "avif" else facecodec.webp_rebuild(raw)


def fit(img: Image.Image, s: Setting, budget: int, lo: int = 0) -> tuple[int, bytes] | None:
    """Highest integer quality whose bitstream (or file, for today's rule) fits."""

    def size(data: bytes) -> int:
        return len(data) if s.container else len(bitstream(data, s.codec))

    best = encode(img, s, lo)
    if size(best) > budget:
        if lo == 0:
            return None
        return fit(img, s, budget, 0)
    hi = 100
    while lo < hi:
        mid = (lo + hi + 1) // 2
        out = encode(img, s, mid)
        if size(out) <= budget:
            lo, best = mid, out
        else:
            hi = mid - 1
    return lo, best


# --- metrics ----------------------------------------------------------------------------


def ssim_map(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """Gaussian-window SSIM (as bench_card.py), per pixel."""
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    k, sd = (7, 7), 1.5
    mu_a, mu_b = cv2.GaussianBlur(a, k, sd), cv2.GaussianBlur(b, k, sd)
    saa = cv2.GaussianBlur(a * a, k, sd) - mu_a**2
    sbb = cv2.GaussianBlur(b * b, k, sd) - mu_b**2
    sab = cv2.GaussianBlur(a * b, k, sd) - mu_a * mu_b
    return ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (saa + sbb + c2))


class Models:
    def __init__(self) -> None:
        import dlib  # bench/requirements.txt: dlib-bin
        import face_recognition_models

        d = Path(face_recognition_models.__file__).parent / "models"
        self.dlib = dlib
        self.hog = dlib.get_frontal_face_detector()
        self.sp = dlib.shape_predictor(str(d / "shape_predictor_5_face_landmarks.dat"))
        self.rec = dlib.face_recognition_model_v1(
            str(d / "dlib_face_recognition_resnet_model_v1.dat")
        )
        self.cnn_path = str(d / "mmod_human_face_detector.dat")
        self._cnn = None

    @property
    def cnn(self) -> Any:
        if self._cnn is None:
            self._cnn = self.dlib.cnn_face_detection_model_v1(self.cnn_path)
        return self._cnn

    def rect(self, box: Box) -> Any:
        return self.dlib.rectangle(
            round(box.x), round(box.y), round(box.x + box.w), round(box.y + box.h)
        )

    def describe(self, img: Image.Image, box: Box) -> np.ndarray:
        a = np.ascontiguousarray(np.asarray(img.convert("RGB")))
        shape = self.sp(a, self.rect(box))
        return np.asarray(self.rec.compute_face_descriptor(a, shape))

    def face_in(self, img: Image.Image, hint: Box) -> Box:
        """dlib's own face box in a (print-size) portrait; the hint if HOG finds none."""
        a = np.asarray(img.convert("RGB"))
        found = [
            r
            for r in self.hog(a, 0)
            if abs((r.left() + r.right()) / 2 - hint.cx) < hint.w * 0.5
            and abs((r.top() + r.bottom()) / 2 - hint.cy) < hint.h * 0.5
        ]
        if found:
            r = max(found, key=lambda r: r.area())
            return Box(r.left(), r.top(), r.width(), r.height())
        side = hint.w / 1.19  # dlib's box is ~1/1.19 of the Haar box, same centre
        return Box(hint.cx - side / 2, hint.cy - side / 2, side, side)


# --- one sample: every setting × budget -------------------------------------------------


@dataclass
class Sample:
    photo: Photo
    variant: str
    face: Box  # Haar face box in the source photo (service's detector, on the original)


_MODELS: Models | None = None


def _worker_init() -> None:
    global _MODELS
    cv2.setNumThreads(1)
    _MODELS = Models()


def evaluate(args: tuple[Sample, list[Setting], int]) -> list[dict[str, Any]]:
    sample, sets, seed = args
    m = _MODELS or Models()
    src = load_photo(sample.photo)
    img, face = variant(src, sample.face, sample.variant, seed)
    rows: list[dict[str, Any]] = []
    prints: dict[tuple[float, float], tuple[Image.Image, Box, Box, np.ndarray]] = {}
    lossless: dict[tuple[Any, ...], dict[str, Any]] = {}

    def reference(crop: float, aspect: float) -> tuple[Image.Image, Box, Box, np.ndarray]:
        key = (crop, aspect)
        if key not in prints:
            box = portrait_box(face, img.width, img.height, crop, aspect)
            size = (600, 800) if aspect == 0.75 else (640, 800)
            pimg = print_portrait(img, box, size)
            k = size[0] / box.w
            hint = Box((face.x - box.x) * k, (face.y - box.y) * k, face.w * k, face.h * k)
            fbox = m.face_in(pimg, hint)
            prints[key] = (pimg, box, fbox, m.describe(pimg, fbox))
        return prints[key]

    def measure(
        dec: Image.Image, pimg: Image.Image, fbox: Box, ref: np.ndarray, ref_print: np.ndarray
    ) -> tuple[float, float, float]:
        """dlib distance to the reference of the thumbnail's own crop, SSIM, and dlib
        distance to the printed portrait's (the passport crop: the same for every crop)."""
        k = DISPLAY_H / pimg.height
        disp = (round(pimg.width * k), DISPLAY_H)
        up = dec.convert("RGB").resize(disp, Image.Resampling.BICUBIC)
        sbox = Box(fbox.x * k, fbox.y * k, fbox.w * k, fbox.h * k)
        desc = m.describe(up, sbox)
        dist = float(np.linalg.norm(desc - ref))
        dist_print = float(np.linalg.norm(desc - ref_print))
        refl = ImageOps.autocontrast(pimg.convert("L"), cutoff=1).resize(
            disp, Image.Resampling.LANCZOS
        )
        smap = ssim_map(np.asarray(refl), np.asarray(up.convert("L")))
        x0, y0 = max(0, int(sbox.x)), max(0, int(sbox.y))
        x1, y1 = min(disp[0], int(sbox.x + sbox.w)), min(disp[1], int(sbox.y + sbox.h))
        return dist, float(smap[y0:y1, x0:x1].mean()), dist_print

    base = {
        "photo": sample.photo.id,
        "subject": sample.photo.subject,
        "skin": sample.photo.skin,
        "variant": sample.variant,
    }
    for s in sets:
        pimg, _box, fbox, ref = reference(s.crop, s.aspect)
        ref_print = reference(1.0, s.aspect)[3]
        src_t = thumb_source(pimg, s)
        if s.source_key not in lossless:
            dist, ss, dist_print = measure(src_t, pimg, fbox, ref, ref_print)
            lossless[s.source_key] = {"dist": dist, "ssim": ss}
            rows.append(
                {
                    **base,
                    "setting": f"lossless {'colour' if s.colour else 'grey'} "
                    f"{s.size[0]}x{s.size[1]} crop {s.crop} {s.pre}".strip(),
                    "group": "lossless",
                    "codec": "none",
                    "budget": 0,
                    "fits": True,
                    "quality": "",
                    "file_bytes": "",
                    "bitstream_bytes": "",
                    "rebuilt_identical": "",
                    "dist": round(dist, 4),
                    "ssim": round(ss, 4),
                    "dist_print": round(dist_print, 4),
                }
            )
        q_lo = 0
        for budget in s.budgets:
            t0 = time.perf_counter()
            got = fit(src_t, s, budget, q_lo)
            enc_ms = (time.perf_counter() - t0) * 1000
            row = {
                **base,
                "setting": s.name,
                "group": s.group,
                "codec": s.codec,
                "budget": budget,
                "fits": got is not None,
            }
            if got is None:
                rows.append(
                    {
                        **row,
                        "quality": "",
                        "file_bytes": "",
                        "bitstream_bytes": "",
                        "rebuilt_identical": "",
                        "dist": "",
                        "ssim": "",
                        "dist_print": "",
                        "encode_ms": round(enc_ms, 1),
                    }
                )
                continue
            q_lo, data = got
            raw = bitstream(data, "avif" if s.codec == "avif" else "webp")
            rebuilt = rebuild(raw, "avif" if s.codec == "avif" else "webp")
            dec = Image.open(io.BytesIO(data))
            dec.load()
            dec_r = Image.open(io.BytesIO(rebuilt))
            dec_r.load()
            identical = rebuilt == data and np.array_equal(np.asarray(dec), np.asarray(dec_r))
            dist, ss, dist_print = measure(dec, pimg, fbox, ref, ref_print)
            rows.append(
                {
                    **row,
                    "quality": q_lo,
                    "file_bytes": len(data),
                    "bitstream_bytes": len(raw),
                    "rebuilt_identical": identical,
                    "dist": round(dist, 4),
                    "ssim": round(ss, 4),
                    "dist_print": round(dist_print, 4),
                    "dist_lossless": round(lossless[s.source_key]["dist"], 4),
                    "encode_ms": round(enc_ms, 1),
                }
            )
    return rows


# --- detectors --------------------------------------------------------------------------


def _mediapipe(model: int) -> Any:
    try:
        import mediapipe as mpipe  # bench/requirements.txt (0.10.21: models in the wheel)
    except ImportError:
        return None
    fd = mpipe.solutions.face_detection.FaceDetection(
        model_selection=model, min_detection_confidence=0.5
    )

    def detect(img: Image.Image) -> list[Box]:
        a = np.asarray(img.convert("RGB"))
        res = fd.process(a)
        out = []
        for d in res.detections or []:
            b = d.location_data.relative_bounding_box
            out.append(
                Box(
                    b.xmin * img.width,
                    b.ymin * img.height,
                    b.width * img.width,
                    b.height * img.height,
                )
            )
        return out

    return detect


# The service's detector until issue 14 (photo.detect_faces before dlib), kept to compare.
_HAAR_ALT2: dict[str, Any] = {}


def haar_alt2_before(img: Image.Image) -> list[Box]:
    """OpenCV's Haar cascade alt2 exactly as the service ran it before ADR 0018 point 6."""
    clf = _HAAR_ALT2.get("clf")
    if clf is None:
        path = cv2.data.haarcascades + "haarcascade_frontalface_alt2.xml"
        clf = _HAAR_ALT2["clf"] = cv2.CascadeClassifier(path)
    scale = min(1.0, 480 / max(img.size))
    small = (
        img
        if scale == 1.0
        else img.resize(
            (max(1, round(img.width * scale)), max(1, round(img.height * scale))),
            Image.Resampling.BILINEAR,
        )
    )
    gray = cv2.equalizeHist(cv2.cvtColor(np.asarray(small.convert("RGB")), cv2.COLOR_RGB2GRAY))
    side = max(24, round(min(gray.shape) * 0.1))
    found = clf.detectMultiScale(gray, scaleFactor=1.15, minNeighbors=5, minSize=(side, side))
    return [
        Box(x / scale, y / scale, w / scale, h / scale)
        for (x, y, w, h) in (found if len(found) else [])
    ]


def detectors(m: Models) -> dict[str, Any]:
    def service(img: Image.Image) -> list[Box]:  # the service's detector, as it is
        return [Box(*b.as_tuple()) for b in photo.detect_faces(img)]

    default = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")

    def haar_default(img: Image.Image) -> list[Box]:
        scale = min(1.0, 480 / max(img.size))
        small = img.resize((round(img.width * scale), round(img.height * scale)))
        gray = cv2.equalizeHist(cv2.cvtColor(np.asarray(small.convert("RGB")), cv2.COLOR_RGB2GRAY))
        side = max(24, round(min(gray.shape) * 0.1))
        found = default.detectMultiScale(
            gray, scaleFactor=1.15, minNeighbors=5, minSize=(side, side)
        )
        return [
            Box(x / scale, y / scale, w / scale, h / scale)
            for (x, y, w, h) in (found if len(found) else [])
        ]

    def dlib_with(fn: Any, upsample: int, cnn: bool) -> Any:
        def detect(img: Image.Image) -> list[Box]:
            scale = min(1.0, 480 / max(img.size))
            small = img.resize((round(img.width * scale), round(img.height * scale)))
            a = np.asarray(small.convert("RGB"))
            rects = [d.rect for d in fn(a, upsample)] if cnn else list(fn(a, upsample))
            return [
                Box(r.left() / scale, r.top() / scale, r.width() / scale, r.height() / scale)
                for r in rects
            ]

        return detect

    out: dict[str, Any] = {
        "haar alt2 (the service before)": haar_alt2_before,
        "service: dlib HOG + turned ±30° + upsampled ×2": service,
        "haar default": haar_default,
        "dlib HOG": dlib_with(m.hog, 1, False),
        "dlib MMOD CNN": dlib_with(m.cnn, 0, True),
    }
    for name, model in (("mediapipe short", 0), ("mediapipe full", 1)):
        fn = _mediapipe(model)
        if fn is not None:
            out[name] = fn
    return out


def _largest_filter(boxes: list[Box]) -> list[Box]:
    """The service's rule: faces under half the largest one's width are dropped."""
    boxes = sorted(boxes, key=lambda b: b.w * b.h, reverse=True)
    return [b for b in boxes if b.w >= boxes[0].w * 0.5] if boxes else []


DETECT_CASES = (
    "upright",
    "rot-15",
    "rot+15",
    "rot-30",
    "rot+30",
    "rot-45",
    "rot+45",
    "dim -2 EV",
    "dim -3 EV",
    "small",
)


def detect_case(
    img: Image.Image, face: Box | None, case: str, seed: int
) -> tuple[Image.Image, Box | None]:
    if case == "upright":
        return img, face
    if case.startswith("rot"):
        deg = float(case[3:])
        cx, cy = img.width / 2, img.height / 2
        out = _rotate(img, deg, cx, cy)
        if face is None:
            return out, None
        t = math.radians(deg)  # cv2 angle: counter-clockwise in image coordinates
        dx, dy = face.cx - cx, face.cy - cy
        nx = cx + dx * math.cos(t) + dy * math.sin(t)
        ny = cy - dx * math.sin(t) + dy * math.cos(t)
        return out, Box(nx - face.w / 2, ny - face.h / 2, face.w, face.h)
    if case.startswith("dim"):
        return _exposure(img, float(case.split()[1]), 3.0, seed), face
    if case == "small":  # the face ~8 % of the frame's width: far from the camera
        if face is None:
            k = 0.5
        else:
            k = min(1.0, 0.08 * img.width / face.w)
        canvas = Image.new("RGB", img.size, (128, 128, 128))
        small = img.resize((round(img.width * k), round(img.height * k)), Image.Resampling.LANCZOS)
        ox, oy = (img.width - small.width) // 2, (img.height - small.height) // 2
        canvas.paste(small, (ox, oy))
        if face is None:
            return canvas, None
        return canvas, Box(ox + face.x * k, oy + face.y * k, face.w * k, face.h * k)
    raise ValueError(case)


def run_detectors(photos: list[Photo], faces: dict[str, Box], quick: bool) -> dict[str, Any]:
    m = _MODELS or Models()
    dets = detectors(m)
    cases = DETECT_CASES[:3] + DETECT_CASES[7:8] if quick else DETECT_CASES
    tally: dict[str, dict[str, list[int]]] = {d: {} for d in dets}
    times: dict[str, list[float]] = {d: [] for d in dets}
    for i, p in enumerate(photos):
        src = load_photo(p)
        for j, case in enumerate(cases):
            img, face = detect_case(src, faces.get(p.id), case, 100 * i + j)
            groups = [
                "all",
                case.split()[0]
                if not case.startswith("rot")
                else ("rot 15" if "15" in case else "rot 30" if "30" in case else "rot 45"),
            ]
            groups.append(f"skin {p.skin}" if p.face else "no face")
            for name, fn in dets.items():
                t = time.perf_counter()
                boxes = _largest_filter(fn(img))
                times[name].append(time.perf_counter() - t)
                if face is None:
                    ok = not boxes
                else:
                    hits = [
                        b
                        for b in boxes
                        if abs(b.cx - face.cx) < 0.6 * face.w and abs(b.cy - face.cy) < 0.6 * face.h
                    ]
                    ok = len(boxes) == 1 and len(hits) == 1
                for g in groups:
                    tally[name].setdefault(g, [0, 0])
                    tally[name][g][0] += ok
                    tally[name][g][1] += 1
    return {
        name: {
            **{g: f"{a}/{n}" for g, (a, n) in sorted(t.items())},
            "median_ms": round(statistics.median(times[name]) * 1000, 1),
        }
        for name, t in tally.items()
    }


# --- the token and its QR ---------------------------------------------------------------


def token_table(photo_sizes: dict[str, int]) -> dict[str, Any]:
    """COSE size, QR characters and version at M for a pass with each photo size."""
    import nacl.signing
    import segno

    from verifier import _base45, _cbor
    from verifier.format import Pass, Sign1

    key = nacl.signing.SigningKey(bytes(range(32)))
    now = 1_766_361_600

    def claims(ph: bytes, pt: str) -> dict[Any, Any]:
        return {
            1: "GM0014",
            4: now + 730 * 86400,
            5: now,
            6: now,
            7: bytes(16),
            "pn": "GR-Y33PXZ3R-R",
            "cat": "raam",
            "ph": ph,
            "pt": pt,
        }

    # Today's typical pass, built and checked by the real format code.
    today = Pass(
        iss="GM0014",
        number="GR-Y33PXZ3R-R",
        category="raam",
        serial=bytes(16),
        iat=now,
        nbf=now,
        exp=now + 730 * 86400,
        photo=bytes(TODAY_FILE_BUDGET - 2),
        photo_type="image/webp",
    )
    today_text = today.sign(key)

    def row(ph_len: int, pt: str) -> dict[str, Any]:
        cose = Sign1.sign(_cbor.encode(claims(bytes(ph_len), pt)), key).to_bytes()
        text = "PAS1:" + _base45.encode(cose)
        ver = segno.make_qr(text, error="m", mode="alphanumeric", boost_error=False).version
        modules = 4 * ver + 17
        return {
            "photo_bytes": ph_len,
            "pt": pt,
            "cose_bytes": len(cose),
            "qr_chars": len(text),
            "qr_version_M": ver,
            "module_mm_at_46mm": round(QR_WIDTH_MM / (modules + 8), 3),
        }

    out: dict[str, Any] = {
        "today (548-byte WebP file, pt image/webp)": row(548, "image/webp"),
        "today (532-byte WebP file: the issue's typical 709-byte token)": row(532, "image/webp"),
    }
    assert row(548, "image/webp")["qr_chars"] == len(today_text)
    for label, n in photo_sizes.items():
        out[label] = row(n, "av1")
    # Largest bitstream per QR version at M with a 3-character pt (binary search).
    limits = {}
    for ver in (15, 16, 17, 18, 19, 20, 21, 22):
        lo, hi = 1, 1500
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if row(mid, "av1")["qr_version_M"] <= ver:
                lo = mid
            else:
                hi = mid - 1
        limits[f"v{ver}-M"] = lo
    out["largest photo per version (pt 'av1')"] = limits
    out[FIXED_KEY] = row(400, "av1")["cose_bytes"] - 400
    return out


# --- summary ----------------------------------------------------------------------------


def _pct(values: list[float], p: float) -> float:
    v = sorted(values)
    if not v:
        return float("nan")
    k = (len(v) - 1) * p
    f = math.floor(k)
    c = min(len(v) - 1, f + 1)
    return v[f] + (v[c] - v[f]) * (k - f)


def summarise(rows: list[dict[str, Any]]) -> dict[str, Any]:
    cells: dict[tuple[str, int], list[dict[str, Any]]] = {}
    for r in rows:
        cells.setdefault((r["setting"], r["budget"]), []).append(r)
    today = {
        (r["photo"], r["variant"]): r["dist"]
        for r in rows
        if r["setting"].startswith("today") and r["fits"]
    }
    table = []
    for (name, budget), rs in cells.items():
        fitting = [r for r in rs if r["fits"]]
        d = [r["dist"] for r in fitting]
        s = [r["ssim"] for r in fitting]
        paired = [
            r["dist"] - today[(r["photo"], r["variant"])]
            for r in fitting
            if (r["photo"], r["variant"]) in today
        ]
        table.append(
            {
                "setting": name,
                "group": rs[0]["group"],
                "budget": budget,
                "n": len(rs),
                "fits": len(fitting),
                "dist_median": round(statistics.median(d), 3) if d else None,
                "dist_p90": round(_pct(d, 0.9), 3) if d else None,
                "share_same": round(sum(x < SAME for x in d) / len(rs), 3),
                "ssim_median": round(statistics.median(s), 3) if s else None,
                "vs_today_median": round(statistics.median(paired), 3) if paired else None,
                "at_least_today": round(sum(x <= 0 for x in paired) / len(paired), 2)
                if paired
                else None,
                "bitstream_median": statistics.median([r["bitstream_bytes"] for r in fitting])
                if fitting and fitting[0]["bitstream_bytes"] != ""
                else None,
                "file_median": statistics.median([r["file_bytes"] for r in fitting])
                if fitting and fitting[0]["file_bytes"] != ""
                else None,
            }
        )
    order = {
        "today": 0,
        "codec": 1,
        "lossless": 2,
        "webp-tuning": 3,
        "size": 4,
        "crop": 5,
        "pre": 6,
    }
    table.sort(key=lambda t: (order.get(t["group"], 9), t["setting"], t["budget"]))
    coded = [r for r in rows if r["codec"] != "none" and r["fits"]]
    overhead: dict[str, Any] = {}
    for codec, label in (("avif", "AVIF"), ("webp", "WebP")):
        for colour in ("grey", "colour"):
            rs = [
                r
                for r in coded
                if (r["codec"] == "avif") == (codec == "avif") and colour in r["setting"]
            ]
            if rs:
                ov = [r["file_bytes"] - r["bitstream_bytes"] for r in rs]
                overhead[f"{label} {colour}"] = {
                    "min": min(ov),
                    "max": max(ov),
                    "median": statistics.median(ov),
                    "n": len(rs),
                }
    rebuilt = [r["rebuilt_identical"] for r in coded]
    return {
        "cells": table,
        "container_overhead_bytes": overhead,
        "rebuild": {"files": len(rebuilt), "identical_bytes_and_pixels": sum(rebuilt)},
    }


def _md_table(cells: list[dict[str, Any]], groups: tuple[str, ...]) -> str:
    lines = [
        "| setting | budget | fits | dist median | dist p90 | < 0.6 | vs today (median Δ) | ≤ today | SSIM median | bitstream | file |",
        "| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: | ---: |",
    ]
    for c in cells:
        if c["group"] not in groups:
            continue
        b = "—" if c["budget"] == 0 else str(c["budget"])
        lines.append(
            f"| {c['setting']} | {b} | {c['fits']}/{c['n']} | {c['dist_median']} | {c['dist_p90']} | "
            f"{c['share_same']:.0%} | {c['vs_today_median'] if c['vs_today_median'] is not None else ''} | "
            f"{'' if c['at_least_today'] is None else format(c['at_least_today'], '.0%')} | "
            f"{c['ssim_median']} | {c['bitstream_median'] or ''} | {c['file_median'] or ''} |"
        )
    return "\n".join(lines)


def markdown(doc: dict[str, Any]) -> str:
    s = doc["summary"]
    parts = [
        f"Corpus: {doc['corpus']['photos']} photos of {doc['corpus']['people']} people, "
        f"{doc['corpus']['samples']} samples (variants: {', '.join(doc['corpus']['variants'])}). "
        f"Same-person baseline (dlib distance between two *different* photos of one "
        f"person): {doc['baselines']['same_person_other_photo']}; different people: "
        f"{doc['baselines']['different_people']}.",
        "",
        "Service constants: "
        + ", ".join(f"{k} {v}" for k, v in doc["service_constants"].items() if k != "patched")
        + (
            f" (patched by the bench: {', '.join(doc['service_constants']['patched'])})"
            if doc["service_constants"]["patched"]
            else " (the service's own)"
        )
        + f"; the service's thumbnails reproduced: {doc['reproduces_service_thumbnail']}.",
        "",
        "### Codec × budget (72×96; budget = coded bitstream bytes)",
        "",
        _md_table(s["cells"], ("today", "codec")),
        "",
        "### Without coding loss (the size/colour/crop ceiling)",
        "",
        _md_table(s["cells"], ("lossless",)),
        "",
        "### WebP encoder tuning, size, crop, pre-processing",
        "",
        _md_table(s["cells"], ("webp-tuning", "size", "crop", "pre")),
        "",
        "### Container overhead (file − bitstream, bytes)",
        "",
        "| codec | min | median | max | files |",
        "| --- | ---: | ---: | ---: | ---: |",
    ]
    for k, v in s["container_overhead_bytes"].items():
        parts.append(f"| {k} | {v['min']} | {v['median']} | {v['max']} | {v['n']} |")
    parts += [
        "",
        f"Rebuilt from the bitstream alone: {s['rebuild']['identical_bytes_and_pixels']} "
        f"of {s['rebuild']['files']} files identical to the encoder's, byte for byte "
        f"and decoded pixel for pixel.",
        "",
        "### Face detectors",
        "",
        "| detector | " + " | ".join(doc["detector_groups"]) + " | median ms |",
        "| --- | " + " | ".join("---:" for _ in doc["detector_groups"]) + " | ---: |",
    ]
    for name, t in doc["detectors"].items():
        parts.append(
            f"| {name} | "
            + " | ".join(t.get(g, "") for g in doc["detector_groups"])
            + f" | {t['median_ms']} |"
        )
    parts += [
        "",
        "### Token and QR (46 mm symbol incl. quiet zone, ECC M, alphanumeric)",
        "",
        "| photo | pt | COSE bytes | QR chars | version M | mm/module |",
        "| --- | --- | ---: | ---: | ---: | ---: |",
    ]
    for label, r in doc["token"].items():
        if isinstance(r, dict) and "cose_bytes" in r:
            parts.append(
                f"| {label} | `{r['pt']}` | {r['cose_bytes']} | {r['qr_chars']} | "
                f"{r['qr_version_M']} | {r['module_mm_at_46mm']} |"
            )
    limits = doc["token"]["largest photo per version (pt 'av1')"]
    parts += [
        "",
        "Largest photo per QR version at M: "
        + ", ".join(f"{k} {v} B" for k, v in limits.items())
        + f"; fixed bytes besides the photo: {doc['token'][FIXED_KEY]}.",
    ]
    return "\n".join(parts) + "\n"


# --- main -------------------------------------------------------------------------------


def check_today(src: Image.Image, face: Box) -> bool:
    """Our reproductions equal photo.process's thumbnails, byte for byte: the WebP that
    passes carried before ADR 0018 ("today" in the tables) and the av1 issued since."""
    box = photo._to_portrait_aspect(photo.suggest_crop(_png(src)))
    made = photo.process(
        _png(src), crop=box, thumbnail_format="WEBP", thumbnail_max_bytes=TODAY_FILE_BUDGET
    )
    # The box process used: trimming to 3:4 can take one more pixel off (178x237 -> 177x237
    # -> 177x236), which the dlib face box happens to hit on the astronaut.
    real, box = made.thumbnail, made.box
    b = Box(box.x, box.y, box.w, box.h)
    pimg = print_portrait(src, b, photo.PRINT_SIZE)
    s = Setting("today", "webp", budgets=(TODAY_FILE_BUDGET,), container=True)
    got = fit(thumb_source(pimg, s), s, TODAY_FILE_BUDGET)
    if got is None or got[1] != real:
        return False
    issued = photo.process(_png(src), crop=box).thumbnail
    t = photo._tight_box(box, src.width, src.height)
    timg = print_portrait(src, Box(t.x, t.y, t.w, t.h), photo.PRINT_SIZE)
    s = Setting(
        "issued", "avif", colour=True, speed=photo.THUMBNAIL_SPEED, crop=photo.THUMBNAIL_CROP
    )
    got = fit(thumb_source(timg, s), s, photo.THUMBNAIL_MAX_BYTES)
    return got is not None and bitstream(got[1], "avif") == issued


def measure_all(
    quick: bool = False,
    jobs: int = 2,
    only: str = "",
    with_detectors: bool = True,
    out: Path = OUT,
) -> dict[str, Any]:
    t0 = time.perf_counter()
    photos, notes = corpus()
    faces_only = [p for p in photos if p.face]
    faces: dict[str, Box] = {}
    for p in faces_only:
        found = photo.detect_faces(load_photo(p))
        if not found:
            notes.append(f"{p.id}: the service's detector finds no face; left out")
            continue
        faces[p.id] = Box(*found[0].as_tuple())
    faces_only = [p for p in faces_only if p.id in faces]
    same_as_service = check_today(load_photo(faces_only[0]), faces[faces_only[0].id])
    variants = ("orig",) if quick else ("orig", "mirror", "rot", "dim")
    samples = []
    for i, p in enumerate(faces_only):
        for v in variants:
            name = v if v != "rot" else ("rot8" if i % 2 == 0 else "rot-8")
            samples.append(Sample(p, name, faces[p.id]))
    sets = settings(quick)
    if only:  # a subset of settings, plus today's thumbnail for the paired columns
        sets = [s for s in sets if only in s.name or s.group == "today"]
    tasks = [(s, sets, 1000 + i) for i, s in enumerate(samples)]
    rows: list[dict[str, Any]] = []
    # spawn, not fork: a child forked after OpenCV/libaom started threads can hang.
    ctx = mp.get_context("spawn")
    constants = service_constants()
    with ctx.Pool(jobs, initializer=_worker_init) as pool:
        # The workers import this module afresh: they must run with the same constants.
        for _ in range(jobs):
            theirs = pool.apply(service_constants)
            if theirs != constants:
                raise RuntimeError(f"worker constants {theirs} != {constants}")
        det = pool.apply_async(_detectors_task, (photos, faces, quick)) if with_detectors else None
        for part in pool.imap_unordered(evaluate, tasks):
            rows.extend(part)
            print(
                f"  sample {part[0]['photo']}/{part[0]['variant']} done "
                f"({time.perf_counter() - t0:.0f} s)",
                file=sys.stderr,
                flush=True,
            )
        det_result = det.get() if det is not None else {}
    # Same person, other photo; different people (source portraits, dlib reference).
    m = Models()
    refs = {}
    for p in faces_only:
        img = load_photo(p)
        box = portrait_box(faces[p.id], img.width, img.height)
        pimg = print_portrait(img, box, (600, 800))
        k = 600 / box.w
        f = faces[p.id]
        hint = Box((f.x - box.x) * k, (f.y - box.y) * k, f.w * k, f.h * k)
        refs[p.id] = (p.subject, m.describe(pimg, m.face_in(pimg, hint)))
    same, diff = [], []
    ids = sorted(refs)
    for i, a in enumerate(ids):
        for b in ids[i + 1 :]:
            d = float(np.linalg.norm(refs[a][1] - refs[b][1]))
            (same if refs[a][0] == refs[b][0] else diff).append(round(d, 3))
    summary = summarise(rows)
    best = {c["setting"]: c for c in summary["cells"] if c["group"] in ("codec",)}
    photo_sizes = {f"{b}-byte bitstream": b for b in QR_BUDGETS}
    doc = {
        "corpus": {
            "photos": len(faces_only),
            "people": len({p.subject for p in faces_only}),
            "samples": len(samples),
            "variants": list(variants),
            "negatives": [p.id for p in photos if not p.face],
            "notes": notes,
        },
        "reproduces_service_thumbnail": same_as_service,
        "service_constants": constants,
        "baselines": {"same_person_other_photo": sorted(same), "different_people": sorted(diff)},
        "summary": summary,
        "detectors": det_result,
        "detector_groups": [
            "all",
            "upright",
            "rot 15",
            "rot 30",
            "rot 45",
            "dim",
            "small",
            "skin darker",
            "skin lighter",
            "no face",
        ],
        "token": token_table(photo_sizes),
        "seconds": round(time.perf_counter() - t0, 1),
    }
    del best
    out.mkdir(parents=True, exist_ok=True)
    keys = sorted({k for r in rows for k in r})
    with (out / "rows.csv").open("w", newline="") as fh:
        w = csv.DictWriter(fh, fieldnames=keys)
        w.writeheader()
        w.writerows(rows)
    (out / "summary.json").write_text(json.dumps(doc, indent=1, default=str) + "\n")
    (out / "summary.md").write_text(markdown(doc))
    return doc


def _detectors_task(photos: list[Photo], faces: dict[str, Box], quick: bool) -> dict[str, Any]:
    return run_detectors(photos, faces, quick)


def run() -> dict[str, Any]:
    """For bench/run.py: the headline numbers; the tables are in bench/out/face/."""
    try:
        import dlib  # noqa: F401
    except ImportError as exc:
        raise ImportError(f"{exc}: pip install --no-deps -r bench/requirements.txt") from exc
    doc = measure_all(quick=os.environ.get("BENCH_FACE_QUICK") == "1")
    cells = {(c["setting"], c["budget"]): c for c in doc["summary"]["cells"]}
    head: dict[str, Any] = {}
    for name in (
        "today: webp-grey, file <= 550",
        "webp-grey",
        "webp-colour",
        "avif-grey",
        "avif-colour",
    ):
        for (n, b), c in cells.items():
            if n == name:
                head[f"{name} @{b}"] = {
                    "dist_median": c["dist_median"],
                    "share_same": c["share_same"],
                    "ssim_median": c["ssim_median"],
                }
    return {
        "corpus": {k: v for k, v in doc["corpus"].items() if k != "notes"},
        "reproduces_service_thumbnail": doc["reproduces_service_thumbnail"],
        "recognisability": head,
        "container_overhead_bytes": doc["summary"]["container_overhead_bytes"],
        "rebuild": doc["summary"]["rebuild"],
        "detectors": {k: v.get("all") for k, v in doc["detectors"].items()},
        "tables": str(OUT.relative_to(ROOT) / "summary.md"),
        "targets": {
            "rebuilt containers identical": {
                "value": doc["summary"]["rebuild"]["identical_bytes_and_pixels"],
                "limit": doc["summary"]["rebuild"]["files"],
                "ok": doc["summary"]["rebuild"]["identical_bytes_and_pixels"]
                == doc["summary"]["rebuild"]["files"],
            },
        },
    }


def detectors_only(out: Path = OUT) -> int:
    """The detector table alone (~2 min): the faces located by the service's detector on
    the originals, as in measure_all."""
    photos, notes = corpus()
    faces = {}
    for p in photos:
        if p.face and (found := photo.detect_faces(load_photo(p))):
            faces[p.id] = Box(*found[0].as_tuple())
    result = run_detectors(photos, faces, quick=False)
    groups = ["all", "upright", "rot 15", "rot 30", "rot 45", "dim", "small"]
    groups += ["skin darker", "skin lighter", "no face"]
    lines = [
        "| detector | " + " | ".join(groups) + " | median ms |",
        "| --- | " + " | ".join("---:" for _ in groups) + " | ---: |",
    ]
    for name, t in result.items():
        cells = " | ".join(t.get(g, "") for g in groups)
        lines.append(f"| {name} | {cells} | {t['median_ms']} |")
    print("\n".join(lines))
    if notes:
        print("notes:", "; ".join(notes))
    out.mkdir(parents=True, exist_ok=True)
    (out / "detectors.json").write_text(json.dumps(result, indent=1) + "\n")
    return 0


def main() -> int:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--quick", action="store_true", help="originals only, fewer settings")
    ap.add_argument("--jobs", type=int, default=2)
    ap.add_argument("--fetch-only", action="store_true", help="fetch the photos and stop")
    ap.add_argument("--only", default="", help="only settings whose name contains this")
    ap.add_argument("--no-detectors", action="store_true", help="skip the detector comparison")
    ap.add_argument("--out", type=Path, default=OUT, help="where to write (bench/out/face)")
    for flag, env, what in (
        ("--hog-scale", "BENCH_FACE_HOG_SCALE", "photo._HOG_TO_FACE_SCALE"),
        ("--hog-raise", "BENCH_FACE_HOG_RAISE", "photo._HOG_TO_FACE_RAISE"),
        ("--thumbnail-crop", "BENCH_FACE_THUMBNAIL_CROP", "photo.THUMBNAIL_CROP"),
    ):
        ap.add_argument(flag, type=float, help=f"run with {what} set to this (environment: {env})")
    ap.add_argument(
        "--detectors-only",
        action="store_true",
        help="only the detector comparison; print its table, write detectors.json",
    )
    args = ap.parse_args()
    for value, env in (
        (args.hog_scale, "BENCH_FACE_HOG_SCALE"),
        (args.hog_raise, "BENCH_FACE_HOG_RAISE"),
        (args.thumbnail_crop, "BENCH_FACE_THUMBNAIL_CROP"),
    ):
        if value is not None:
            os.environ[env] = repr(value)  # inherited by the spawned workers
    _patch_service()
    if args.detectors_only:
        return detectors_only(args.out)
    if args.fetch_only:
        photos, notes = corpus()
        print(json.dumps({"photos": [p.id for p in photos], "notes": notes}, indent=1))
        return 0
    doc = measure_all(
        quick=args.quick,
        jobs=args.jobs,
        only=args.only,
        with_detectors=not args.no_detectors,
        out=args.out,
    )
    print((args.out / "summary.md").read_text())
    print(f"wrote {args.out}/ in {doc['seconds']} s", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
