"""Today's pass format and the chosen one, side by side in one run (issue 14's table).

    .venv/bin/python bench/bench_pass_format.py            # full run (~35 min on 2 cores)
    .venv/bin/python bench/bench_pass_format.py --quick    # a smoke run (~6 min)
    make bench                                             # every bench/bench_*.py

"Today" is the pass as issued before ADR 0018: a grey 72×96 WebP file of ≤ 550 bytes
from the portrait's own crop, QR 22-M, read by the app's decode loop as of
bench_app_decode.BASELINE_REV. "Chosen" is the pass issued now: a colour AV1 bitstream of
≤ 360 bytes from the 0.85× crop (``tokenservice.issue.photo``), QR 18-M, read by the
working tree's decode loop. Each row is measured for both in this one run, on the same
photos, the same simulated phone photos (same seeds) and the same filmed scenes:

- **token and QR**: both thumbnails made by ``photo.process`` of every face sample of
  bench/faces (5 photos × as taken, mirrored, rotated 8°, 1.5 EV darker), each signed in
  a pass as the service signs it (category ``raam``): token bytes, QR characters,
  version at M, module size at the card's 46 mm (min–median–max);
- **decode rate per setting and reader**: ``bench_scan.scan_card`` for each format's
  printed card (zxing-cpp, pas-verify's reader, OpenCV, OpenCV ArUco);
- **time to verdict in the app**: ``bench_app_decode`` with both cards in the same
  clips' scenes (desk, arm's length, dim; 1080p; 4× CPU throttle), old and new decode
  loop, interleaved;
- **recognisability**: ``bench_face.py`` restricted to the chosen setting (it always
  includes today's thumbnail for the paired column), in a child process: dlib distance to
  the print portrait, SSIM, paired difference to today.

Writes ``bench/out/pass_format/summary.json`` and ``summary.md`` (the table pasted into
README.md and docs/card.md). Nothing else is written outside bench/out/.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import statistics
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
OUT = HERE / "out" / "pass_format"
FORMATS = ("webp", "av1")  # today first, as in the table
LABEL = {"webp": "today: WebP grey ≤ 550 B file", "av1": "chosen: av1 colour ≤ 360 B"}
FACE_SETTING = "avif-colour speed 2 crop tight"  # the chosen thumbnail, at every budget
FACE_ONLY = "speed 2 crop tight"  # bench_face --only: the chosen setting and its grey twin
FACE_TODAY = "today: webp-grey, file <= 550"
FACE_BUDGETS = (350, 370)  # the issued 360-byte budget lies between two measured points


def _spread(values: list[float], nd: int = 0) -> str:
    f = (lambda v: f"{v:.{nd}f}") if nd else (lambda v: f"{round(v)}")
    return f"{f(min(values))}–{f(statistics.median(values))}–{f(max(values))}"


def tokens(quick: bool = False) -> dict[str, Any]:
    """Token bytes, QR characters, version and module size per format over the face samples."""
    import nacl.signing
    from bench_face import Box as FaceBox
    from bench_face import _png, corpus, load_photo, portrait_box, variant
    from bench_scan import PHOTO_FORMATS

    from tokenservice.issue import card, photo
    from tokenservice.issue.cardbase import encode_qr
    from verifier import passnumber
    from verifier.format import Pass, decode_qr_text

    photos, notes = corpus()
    key = nacl.signing.SigningKey(bytes(32))
    now = 1_767_225_600
    body = "7K3M9QXD"[: passnumber.DIGITS].ljust(passnumber.DIGITS, "7")
    number = f"GR-{body}-{passnumber.check_character(body)}"
    rows: dict[str, list[dict[str, Any]]] = {f: [] for f in FORMATS}
    variants = ("orig",) if quick else ("orig", "mirror", "rot8", "dim")
    for i, p in enumerate(x for x in photos if x.face):
        img = load_photo(p)
        found = photo.detect_faces(img)
        if not found:
            notes.append(f"{p.id}: no face found; left out")
            continue
        face = FaceBox(*found[0].as_tuple())
        for v in variants:
            vimg, vface = variant(img, face, v if v != "rot8" else ("rot8" if i % 2 == 0 else "rot-8"), 1000 + i)
            data = _png(vimg)
            # As at the desk: the automatic crop, or the official's box where it refuses.
            crop = None
            try:
                photo.suggest_crop(data)
            except photo.PhotoError as exc:
                b = portrait_box(vface, vimg.width, vimg.height)
                crop = photo.CropBox(b.x, b.y, b.w, b.h)
                notes.append(f"{p.id}/{v}: {exc.code}, cropped by hand")
            for fmt in FORMATS:
                made = photo.process(data, crop=crop, **PHOTO_FORMATS[fmt])
                qr_text = Pass(
                    iss="GM0014", number=number, category="raam", serial=bytes(16), iat=now,
                    nbf=now, exp=now + 730 * 86400, photo=made.thumbnail,
                    photo_type=made.thumbnail_type,
                ).sign(key)
                token = len(decode_qr_text(qr_text)[0].to_bytes())  # the COSE_Sign1 bytes
                qr = encode_qr(qr_text)[0]
                modules = int(qr.version) * 4 + 17 + 2 * card.QR_BORDER
                rows[fmt].append({
                    "sample": f"{p.id}/{v}", "photo_bytes": len(made.thumbnail),
                    "token_bytes": token, "qr_chars": len(qr_text), "qr_version": int(qr.version),
                    "mm_per_module": round(card.QR_WIDTH_MM / modules, 3),
                })
    out: dict[str, Any] = {"notes": notes}
    for fmt, rs in rows.items():
        out[fmt] = {
            "samples": len(rs),
            "photo_bytes": _spread([r["photo_bytes"] for r in rs]),
            "token_bytes": _spread([r["token_bytes"] for r in rs]),
            "qr_chars": _spread([r["qr_chars"] for r in rs]),
            "qr_versions": sorted({f"{r['qr_version']}-M" for r in rs}),
            "mm_per_module": _spread([r["mm_per_module"] for r in rs], 3),
            "rows": rs,
        }
    return out


def scans(quick: bool) -> dict[str, Any]:
    from bench_scan import scan_card

    return {fmt: scan_card(fmt, quick) for fmt in FORMATS}


def error_correction(quick: bool) -> dict[str, Any]:
    """The chosen pass's QR at each error-correction level, drawn at the card's 46 mm and
    300 dpi (bench_scan.qr_region_back), read by zxing-cpp on the same simulated phone
    photos as the cards: what a bigger module (L) or more redundancy (Q) would buy."""
    import cv2
    import numpy as np
    import segno
    from bench_scan import phone_photo, qr_region_back, read_zxing, sample_pass, worn

    from tokenservice.issue import card

    n = {"realistic": 100, "far": 100, "harsh": 60, "worn realistic": 100, "worn far": 100}
    if quick:
        n = {k: 10 for k in n}
    qr_text, _ = sample_pass(fmt="av1")
    out: dict[str, Any] = {}
    for ec in ("l", "m", "q"):
        qr = segno.make_qr(qr_text, error=ec, mode="alphanumeric", boost_error=False)
        modules = qr.symbol_size(border=card.QR_BORDER)[0]
        img = qr_region_back(qr_text, error=ec)
        cell: dict[str, Any] = {"version": int(qr.version),
                                "mm_per_module": round(card.QR_WIDTH_MM / modules, 3)}
        for setting, count in n.items():
            hits = 0
            for i in range(count):
                # "worn ...": the card after two years in a wallet (bench_scan.worn), then
                # the same phone photos.
                card_img = worn(img, i) if setting.startswith("worn ") else img
                jpeg = phone_photo(card_img, setting.removeprefix("worn "), 20_000 + i)
                bgr = cv2.imdecode(np.frombuffer(jpeg, np.uint8), cv2.IMREAD_COLOR)
                hits += qr_text in read_zxing(bgr)
            cell[setting] = {"photos": count, "zxing_decode_rate": round(hits / count, 3)}
        out[ec.upper()] = cell
        print(f"    EC {ec.upper()}: {json.dumps(cell)}", file=sys.stderr, flush=True)
    return out


def app(quick: bool, runs: int | None) -> dict[str, Any]:
    import bench_app_decode

    try:
        return bench_app_decode.run(quick=quick, runs=runs, modes=["1080p"],
                                    formats=("av1", "webp"))
    except ImportError as exc:  # no Chromium: the rest of the table still stands
        return {"skipped": str(exc)}


def faces(quick: bool, out: Path) -> dict[str, Any]:
    """bench_face.py on the chosen setting, in a child process (it runs its own pool)."""
    args = [sys.executable, str(HERE / "bench_face.py"), "--only", FACE_ONLY,
            "--no-detectors", "--out", str(out / "face")]
    if quick:
        args.append("--quick")
    subprocess.run(args, check=True, cwd=ROOT, env={**os.environ, "PYTHONPATH": str(ROOT)})
    doc = json.loads((out / "face" / "summary.json").read_text())
    cells = {(c["setting"], c["budget"]): c for c in doc["summary"]["cells"]}
    keep = ("dist_median", "dist_p90", "share_same", "ssim_median", "vs_today_median",
            "at_least_today", "fits", "n")
    result: dict[str, Any] = {
        "samples": doc["corpus"]["samples"], "people": doc["corpus"]["people"],
        "reproduces_service_thumbnail": doc["reproduces_service_thumbnail"],
        "webp": {k: cells[FACE_TODAY, 550].get(k) for k in keep},
    }
    for b in FACE_BUDGETS:
        if (FACE_SETTING, b) in cells:
            result[f"av1 @{b}"] = {k: cells[FACE_SETTING, b].get(k) for k in keep}
    curves: dict[str, dict[int, Any]] = {}
    for (name, budget), c in sorted(cells.items()):
        if FACE_ONLY in name:
            curves.setdefault(name, {})[budget] = {k: c.get(k) for k in keep}
    result["curves"] = curves
    return result


def _rate(scan: dict[str, Any], setting: str, reader: str) -> str:
    cell = scan.get(setting, {}).get(reader)
    if not cell or not cell["photos"]:
        return "–"
    return f"{cell['decode_rate'] * 100:.1f} % ({cell['photos']})"


def _verdict(cell: dict[str, Any] | None) -> str:
    if not cell:
        return "–"
    median = "miss" if cell["median_s"] is None else f"{cell['median_s']:.2f} s"
    return f"{median}; {cell['within_3s'] * 100:.0f} % ≤ 3 s ({cell['runs']})"


def _face(cell: dict[str, Any] | None) -> str:
    if not cell:
        return "–"
    vs = cell.get("vs_today_median")
    paired = "" if vs is None else f"; vs today {vs:+.3f}"
    return (f"{cell['dist_median']:.3f} (p90 {cell['dist_p90']:.3f}; "
            f"{cell['share_same'] * 100:.0f} % < 0.6{paired})")


def markdown(doc: dict[str, Any]) -> str:
    t, s, a, f = doc["tokens"], doc["scan"], doc["app"], doc["face"]
    head = f"| | {LABEL['webp']} | {LABEL['av1']} |\n| --- | --- | --- |\n"
    rows = []

    def row(name: str, webp: str, av1: str) -> None:
        rows.append(f"| {name} | {webp} | {av1} |")

    row(f"photo bytes (min–median–max, {t['av1']['samples']} samples)",
        t["webp"]["photo_bytes"] + " (file)", t["av1"]["photo_bytes"] + " (bitstream)")
    row("token bytes", t["webp"]["token_bytes"], t["av1"]["token_bytes"])
    row("QR characters", t["webp"]["qr_chars"], t["av1"]["qr_chars"])
    row("QR version (ECC M)", ", ".join(t["webp"]["qr_versions"]), ", ".join(t["av1"]["qr_versions"]))
    row("module at 46 mm", t["webp"]["mm_per_module"] + " mm", t["av1"]["mm_per_module"] + " mm")
    for reader, name in (("zxing", "zxing-cpp, one call"), ("pas_verify", "pas-verify's reader"),
                         ("opencv", "OpenCV"), ("opencv_aruco", "OpenCV ArUco")):
        for setting in ("realistic", "far", "harsh"):
            row(f"decode: {name}, {setting}", _rate(s["webp"], setting, reader),
                _rate(s["av1"], setting, reader))
    if "cells" in a:
        for scene in ("desk", "arm", "dim"):
            c = a["cells"].get(scene, {}).get("1080p", {})
            row(f"app, {scene}, 1080p: old loop", _verdict(c.get("baseline webp")),
                _verdict(c.get("baseline av1")))
            row(f"app, {scene}, 1080p: new loop", _verdict(c.get("candidate webp")),
                _verdict(c.get("candidate av1")))
    else:
        row("app time to verdict", a.get("skipped", "–"), "")
    row("dlib distance to the print portrait (median; p90; share < 0.6)", _face(f.get("webp")),
        " · ".join(f"@{b}: {_face(f.get(f'av1 @{b}'))}" for b in FACE_BUDGETS))
    row("SSIM, face box (own crop)", str(f.get("webp", {}).get("ssim_median")),
        " · ".join(f"@{b}: {f.get(f'av1 @{b}', {}).get('ssim_median')}" for b in FACE_BUDGETS))
    ec = doc.get("error_correction", {})
    ec_md = ""
    if ec:
        settings = ("realistic", "far", "harsh", "worn realistic", "worn far")
        ec_md = ("\n| EC | version | mm/module | " + " | ".join(settings) + " |\n"
                 "| --- | --- | --- | " + " | ".join("---" for _ in settings) + " |\n")
        for level, cell in ec.items():
            rates = " | ".join(f"{cell[x]['zxing_decode_rate'] * 100:.0f} % ({cell[x]['photos']})"
                               if x in cell else "–" for x in settings)
            ec_md += f"| {level} | {cell['version']} | {cell['mm_per_module']} | {rates} |\n"
    curves = f.get("curves", {})
    curve_md = ""
    if curves:
        budgets = sorted({b for c in curves.values() for b in c})
        curve_md = ("\n| dlib distance, median (share < 0.6; paired vs today) | "
                    + " | ".join(f"{b} B" for b in budgets) + " |\n| --- | "
                    + " | ".join("---" for _ in budgets) + " |\n")
        for name, c in curves.items():
            cols = []
            for b in budgets:
                x = c.get(b)
                cols.append("–" if not x or x["dist_median"] is None else
                            f"{x['dist_median']:.3f} ({x['share_same'] * 100:.0f} %; "
                            f"{x['vs_today_median']:+.3f})")
            curve_md += f"| {name} | " + " | ".join(cols) + " |\n"
        w = f.get("webp", {})
        if w:
            curve_md += (f"| {FACE_TODAY} (the one point) | {w['dist_median']:.3f} "
                         f"({w['share_same'] * 100:.0f} %) |" + " |" * (len(budgets) - 1) + "\n")
    return head + "\n".join(rows) + "\n" + ec_md + curve_md


def run(quick: bool = False, runs: int | None = None, out: Path = OUT) -> dict[str, Any]:
    t0 = time.perf_counter()
    out.mkdir(parents=True, exist_ok=True)
    doc: dict[str, Any] = {"quick": quick}
    print("  pass format: tokens", file=sys.stderr, flush=True)
    doc["tokens"] = tokens(quick)
    print("  pass format: recognisability", file=sys.stderr, flush=True)
    doc["face"] = faces(quick, out)
    print("  pass format: scans", file=sys.stderr, flush=True)
    doc["scan"] = scans(quick)
    print("  pass format: error correction", file=sys.stderr, flush=True)
    doc["error_correction"] = error_correction(quick)
    print("  pass format: the app", file=sys.stderr, flush=True)
    doc["app"] = app(quick, runs)
    doc["seconds"] = round(time.perf_counter() - t0)
    (out / "summary.json").write_text(json.dumps(doc, indent=1, default=str) + "\n")
    (out / "summary.md").write_text(markdown(doc))
    return doc


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--runs", type=int, help="app episodes per cell (default 20, --quick 4)")
    ap.add_argument("--out", type=Path, default=OUT)
    args = ap.parse_args()
    doc = run(args.quick, args.runs, args.out)
    buf = io.StringIO()
    buf.write(markdown(doc))
    print(buf.getvalue())


if __name__ == "__main__":
    main()
