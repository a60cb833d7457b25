"""Benchmarks and measurements behind docs/card.md (a script, not a test).

    .venv/bin/python bench/bench_card.py              # pipeline timing (photo -> PDF + PNG)
    .venv/bin/python bench/bench_card.py --all        # also thumbnail format, QR library, QR EC

Everything stays in memory; nothing is written to disk.
"""

from __future__ import annotations

import argparse
import datetime
import io
import random
import statistics
import time
from collections.abc import Callable
from pathlib import Path

import cv2
import numpy as np
from PIL import Image, ImageFilter

from tokenservice.issue import card, photo

ROOT = Path(__file__).resolve().parent.parent
FIXTURE = ROOT / "tests" / "fixtures" / "astronaut.png"
BASE45 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def qr_text(seed: int = 1) -> str:
    rnd = random.Random(seed)
    return "PAS1:" + "".join(rnd.choice(BASE45) for _ in range(1000))


def card_data(portrait_jpeg: bytes, language: str = "nl") -> card.CardData:
    return card.CardData(
        qr_text=qr_text(),
        number="GR-4821-7730",
        valid_until=datetime.date(2027, 3, 12),
        issuer_name="Gemeente Groningen",
        category_label="B",
        category_color="#2E8B57",
        portrait_jpeg=portrait_jpeg,
        language=language,
        help_contacts=[("GGD Groningen", "050 367 4000"), ("Fier (24/7)", "088 20 80 000")],
    )


def inputs() -> dict[str, bytes]:
    """The fixture as PNG, plus a 1280x720 webcam-like JPEG and a 12 MP phone JPEG."""
    src = Image.open(FIXTURE).convert("RGB")
    out = {"astronaut 512x512 PNG": FIXTURE.read_bytes()}
    for name, size in (
        ("webcam 1280x720 JPEG", (1280, 720)),
        ("phone 4000x3000 JPEG", (4000, 3000)),
    ):
        canvas = Image.new("RGB", size, (200, 196, 190))
        face = src.resize((size[1], size[1]), Image.Resampling.BICUBIC)
        canvas.paste(face, ((size[0] - size[1]) // 2, 0))
        buf = io.BytesIO()
        canvas.save(buf, "JPEG", quality=90)
        out[name] = buf.getvalue()
    return out


def timed(fn: Callable[[], object], runs: int) -> list[float]:
    fn()  # warm-up: cascade load, font parse caches
    times = []
    for _ in range(runs):
        t = time.perf_counter()
        fn()
        times.append((time.perf_counter() - t) * 1000)
    return times


def report(label: str, times: list[float]) -> dict[str, float]:
    times = sorted(times)
    median = statistics.median(times)
    p95 = times[min(len(times) - 1, round(0.95 * (len(times) - 1)))]
    print(f"  {label:<44} median {median:6.1f} ms   p95 {p95:6.1f} ms")
    return {"median_ms": round(median, 1), "p95_ms": round(p95, 1)}


def bench_pipeline(runs: int) -> dict[str, dict[str, float]]:
    print(f"Pipeline: photo in -> card PDF + phone PNG out ({runs} runs)")
    out: dict[str, dict[str, float]] = {}
    for name, raw in inputs().items():

        def pipeline(raw: bytes = raw) -> None:
            portrait = photo.process(raw)
            card.render(card_data(portrait.print_jpeg), outputs=("card_pdf", "digital_png"))

        out["pipeline " + name] = report(name, timed(pipeline, runs))
    portrait = photo.process(FIXTURE.read_bytes())
    data = card_data(portrait.print_jpeg)
    print("Parts (astronaut):")
    parts: list[tuple[str, Callable[[], object]]] = [
        ("photo.process", lambda: photo.process(FIXTURE.read_bytes())),
        ("card_pdf (incl. QR encode)", lambda: card.card_pdf(data)),
        ("digital_pass_png (incl. QR encode)", lambda: card.digital_pass_png(data)),
        ("sheet_pdf", lambda: card.sheet_pdf(data)),
        ("receipt_pdf", lambda: card.receipt_pdf(data)),
        ("render(all four)", lambda: card.render(data)),
    ]
    for label, fn in parts:
        out[label] = report(label, timed(fn, runs))
    return out


def _ssim(a: np.ndarray, b: np.ndarray) -> float:
    a = a.astype(np.float64)
    b = b.astype(np.float64)
    c1, c2 = (0.01 * 255) ** 2, (0.03 * 255) ** 2
    k, s = (7, 7), 1.5
    mu_a, mu_b = cv2.GaussianBlur(a, k, s), cv2.GaussianBlur(b, k, s)
    saa = cv2.GaussianBlur(a * a, k, s) - mu_a**2
    sbb = cv2.GaussianBlur(b * b, k, s) - mu_b**2
    sab = cv2.GaussianBlur(a * b, k, s) - mu_a * mu_b
    m = ((2 * mu_a * mu_b + c1) * (2 * sab + c2)) / ((mu_a**2 + mu_b**2 + c1) * (saa + sbb + c2))
    return float(m.mean())


def bench_thumbnail() -> dict[str, dict[str, float]]:
    """SSIM of each format/size at the byte budget against a 144x192 reference."""
    print(
        f"Thumbnail at <= {photo.THUMBNAIL_MAX_BYTES} bytes: "
        "SSIM vs 144x192 reference (higher is better)"
    )
    src = Image.open(io.BytesIO(photo.process(FIXTURE.read_bytes()).print_jpeg)).convert("L")
    ref_size = (144, 192)
    ref = np.asarray(src.resize(ref_size, Image.Resampling.LANCZOS))
    out: dict[str, dict[str, float]] = {}
    for size in ((60, 80), (72, 96), (84, 112), (96, 128)):
        gray = src.resize(size, Image.Resampling.LANCZOS)
        for fmt in ("WEBP", "AVIF"):
            t = time.perf_counter()
            try:
                blob = photo._encode_thumbnail(gray, fmt, photo.THUMBNAIL_MAX_BYTES)
            except photo.PhotoError:
                print(f"  {fmt:<5} {size[0]}x{size[1]}: does not fit")
                out[f"{fmt} {size[0]}x{size[1]}"] = {"fits": 0}
                continue
            ms = (time.perf_counter() - t) * 1000
            dec = Image.open(io.BytesIO(blob)).convert("L")
            ssim = _ssim(ref, np.asarray(dec.resize(ref_size, Image.Resampling.BICUBIC)))
            out[f"{fmt} {size[0]}x{size[1]}"] = {"size_bytes": len(blob), "ssim": round(ssim, 3)}
            print(
                f"  {fmt:<5} {size[0]:>3}x{size[1]:<3} {len(blob):4d} bytes  "
                f"SSIM {ssim:.3f}  encode+search {ms:5.1f} ms"
            )
    return out


def bench_qr_libraries(runs: int) -> dict[str, dict[str, float]]:
    import segno

    try:
        import qrcode  # only for this comparison; not a project dependency
    except ImportError:
        qrcode = None

    text = qr_text()
    print("QR libraries, 1005 alphanumeric chars, error correction M")

    def with_segno() -> object:
        return segno.make_qr(text, error="m", mode="alphanumeric", boost_error=False).matrix

    def with_qrcode() -> object:
        qr = qrcode.QRCode(error_correction=qrcode.constants.ERROR_CORRECT_M, border=4)
        qr.add_data(qrcode.util.QRData(text, mode=qrcode.util.MODE_ALPHA_NUM))
        qr.make(fit=True)
        return qr.get_matrix()

    out = {"segno": report("segno", timed(with_segno, runs))}
    if qrcode is not None:
        out["qrcode"] = report("qrcode", timed(with_qrcode, runs))
    return out


def _camera(img: Image.Image, px: int, rnd: random.Random) -> Image.Image:
    """A rough phone capture: scale, perspective tilt, blur, noise, JPEG, a smudge."""
    g = img.convert("L").resize((px, px), Image.Resampling.BILINEAR)
    pad = px // 6
    canvas = Image.new("L", (px + 2 * pad, px + 2 * pad), 235)
    canvas.paste(g, (pad, pad))
    a = np.asarray(canvas, dtype=np.float32)
    h, w = a.shape
    j = 0.04 * w
    src = np.float32([[0, 0], [w, 0], [w, h], [0, h]])
    dst = np.float32(
        [
            [rnd.uniform(0, j), rnd.uniform(0, j)],
            [w - rnd.uniform(0, j), rnd.uniform(0, j)],
            [w - rnd.uniform(0, j), h - rnd.uniform(0, j)],
            [rnd.uniform(0, j), h - rnd.uniform(0, j)],
        ]
    )
    a = cv2.warpPerspective(a, cv2.getPerspectiveTransform(src, dst), (w, h), borderValue=235)
    # A smudge or glare patch over part of the data area.
    cx, cy, r = rnd.uniform(0.3, 0.7) * w, rnd.uniform(0.3, 0.7) * h, 0.09 * w
    yy, xx = np.ogrid[:h, :w]
    a[(xx - cx) ** 2 + (yy - cy) ** 2 < r * r] = 200
    a = cv2.GaussianBlur(a, (0, 0), 0.9) + np.random.default_rng(rnd.randrange(1 << 30)).normal(
        0, 12, a.shape
    )
    out = Image.fromarray(np.clip(a, 0, 255).astype(np.uint8)).filter(ImageFilter.SMOOTH)
    buf = io.BytesIO()
    out.save(buf, "JPEG", quality=70)
    return Image.open(io.BytesIO(buf.getvalue()))


def bench_qr_error_correction(trials: int) -> None:
    import segno
    import zxingcpp

    text = qr_text()
    print(
        f"QR error correction at {card.QR_WIDTH_MM} mm: decode rate of simulated phone captures "
        f"({trials} per cell; capture width in px for the whole QR)"
    )
    widths = (260, 300, 340, 400, 480)
    print("  EC  version  mm/module  " + "  ".join(f"{w:>4}px" for w in widths))
    for ec in ("l", "m", "q"):
        qr = segno.make_qr(text, error=ec, mode="alphanumeric", boost_error=False)
        buf = io.BytesIO()
        qr.save(buf, kind="png", scale=8, border=4)
        img = Image.open(io.BytesIO(buf.getvalue()))
        modules = qr.symbol_size(border=4)[0]
        rates = []
        for px in widths:
            rnd = random.Random(px)
            ok = 0
            for _ in range(trials):
                found = zxingcpp.read_barcodes(_camera(img, px, rnd))
                ok += any(r.text == text for r in found)
            rates.append(ok / trials)
        print(
            f"  {ec.upper():<3} {qr.version:>7}  {card.QR_WIDTH_MM / modules:9.3f}  "
            + "  ".join(f"{r:6.0%}" for r in rates)
        )


TARGET_MS = 250


def run() -> dict[str, object]:
    """For bench/run.py: pipeline timing, thumbnail formats and QR libraries (< 1 min)."""
    pipeline = bench_pipeline(runs=15)
    astronaut = pipeline["pipeline astronaut 512x512 PNG"]["median_ms"]
    webcam = pipeline["pipeline webcam 1280x720 JPEG"]["median_ms"]
    return {
        "pipeline": pipeline,
        "thumbnail": bench_thumbnail(),
        "qr_library": bench_qr_libraries(runs=15),
        "targets": {
            f"photo -> card PDF + PNG, astronaut, median <= {TARGET_MS} ms": {
                "value": astronaut,
                "limit": TARGET_MS,
                "ok": astronaut <= TARGET_MS,
            },
            f"photo -> card PDF + PNG, webcam frame, median <= {TARGET_MS} ms": {
                "value": webcam,
                "limit": TARGET_MS,
                "ok": webcam <= TARGET_MS,
            },
        },
    }


def main() -> None:
    ap = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    ap.add_argument("--runs", type=int, default=30)
    ap.add_argument("--all", action="store_true", help="also thumbnail, QR library and QR EC")
    args = ap.parse_args()
    bench_pipeline(args.runs)
    if args.all:
        bench_thumbnail()
        bench_qr_libraries(args.runs)
        bench_qr_error_correction(trials=25)


if __name__ == "__main__":
    main()
