"""How fast is verify(), how big is a pass, and what do 100,000 revocations cost?

    .venv/bin/python bench/bench_verify.py          # this module alone, prints JSON
    make bench                                      # every bench/bench_*.py, see bench/README.md

The issue's target: ``verify()`` on a valid pass costs at most 2× one raw Ed25519
verification (PyNaCl) measured in the same process. Both are timed in the same
run, interleaved (raw, verify, raw, verify, ...), so CPU frequency drift and
noisy neighbours hit both alike; the ratio uses the fastest repeat of each (the
least disturbed), and the median of per-repeat ratios is reported beside it.

Everything stays in memory; nothing is written to disk.
"""

from __future__ import annotations

import gc
import json
import os
import random
import statistics
import sys
import time
from collections.abc import Callable
from typing import Any

import nacl
import nacl.signing

from verifier import TrustStore, verify
from verifier import _base45 as base45
from verifier.format import (
    DEFAULT_CATEGORIES,
    IssuerEntry,
    Pass,
    RevocationList,
    TrustList,
    decode_qr_text,
    sig_structure,
)
from verifier.verify import Status

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86400
ISS = "GM0014"
#: The service's thumbnail budget (tokenservice/issue/photo.py, ADR 0018: an AV1
#: bitstream of at most 360 bytes, pt "av1").
PHOTO_BYTES = 360
REVOKED_SERIALS = 100_000
#: The issue's limits.
MAX_RATIO = 2.0
MAX_QR_VERSION_M = 18
#: A well-formed av1 sequence header OBU (72x96 colour, the vectors' PHOTO_AV1).
_AV1_SEQUENCE_HEADER = bytes.fromhex("0a091819a3df6c80868342")


def _rng_bytes(rng: random.Random, n: int) -> bytes:
    return rng.randbytes(n)


def _av1_photo(rng: random.Random, n: int) -> bytes:
    """An av1 photo of exactly ``n`` bytes (>= 15): a real sequence header and a frame
    OBU of random payload; compressed bytes are close to random, so the size is real."""
    payload = n - len(_AV1_SEQUENCE_HEADER) - 1
    size = payload - (1 if payload - 1 < 128 else 2)
    leb = bytes([size]) if size < 128 else bytes([0x80 | size & 0x7F, size >> 7])
    return _AV1_SEQUENCE_HEADER + b"\x32" + leb + rng.randbytes(size)


def _per_call_ns(fn: Callable[[], object], loops: int) -> float:
    start = time.perf_counter_ns()
    for _ in range(loops):
        fn()
    return (time.perf_counter_ns() - start) / loops


def _calibrate(fn: Callable[[], object], target_s: float = 0.05) -> int:
    """Loops per repeat so that one repeat takes about ``target_s``."""
    loops = 1
    while True:
        t = _per_call_ns(fn, loops) * loops / 1e9
        if t >= target_s / 4 or loops >= 1 << 20:
            return max(1, int(loops * target_s / max(t, 1e-9)))
        loops *= 4


def interleaved(
    fns: dict[str, Callable[[], object]], repeats: int, target_s: float = 0.05
) -> dict[str, list[float]]:
    """Per-call nanoseconds of each function, ``repeats`` times, interleaved."""
    loops = {name: _calibrate(fn, target_s) for name, fn in fns.items()}
    times: dict[str, list[float]] = {name: [] for name in fns}
    gc_was_enabled = gc.isenabled()
    gc.disable()
    try:
        for _ in range(repeats):
            for name, fn in fns.items():
                times[name].append(_per_call_ns(fn, loops[name]))
    finally:
        if gc_was_enabled:
            gc.enable()
    return times


def _world(photo_bytes: int = PHOTO_BYTES) -> dict[str, Any]:
    rng = random.Random(2026)
    anchor = nacl.signing.SigningKey(_rng_bytes(rng, 32))
    issuer = nacl.signing.SigningKey(_rng_bytes(rng, 32))
    entry = IssuerEntry(
        iss=ISS,
        name="Gemeente Groningen",
        public_key=bytes(issuer.verify_key),
        nbf=NOW - 400 * DAY,
        exp=NOW + 4 * 365 * DAY,
        categories=DEFAULT_CATEGORIES,
    )
    trust_list = TrustList(seq=1, iat=NOW - DAY, exp=NOW + 30 * DAY, issuers=(entry,)).sign(anchor)

    def make_pass(serial: bytes, photo: int = photo_bytes) -> str:
        return Pass(
            iss=ISS,
            number="GR-7K3M9QXD-" + _check("7K3M9QXD"),
            category="raam",
            serial=serial,
            iat=NOW - DAY,
            nbf=NOW - DAY,
            exp=NOW + 729 * DAY,
            photo=_av1_photo(random.Random(photo), photo),
            photo_type="av1",
        ).sign(issuer)

    return {
        "anchor": anchor,
        "issuer": issuer,
        "trust_list": trust_list,
        "make_pass": make_pass,
        "qr_text": make_pass(_rng_bytes(rng, 16)),
        "rng": rng,
    }


def _check(body: str) -> str:
    from verifier.passnumber import check_character

    return check_character(body)


def bench_speed(world: dict[str, Any], repeats: int) -> dict[str, Any]:
    store = TrustStore.from_bytes(bytes(world["anchor"].verify_key), world["trust_list"])
    qr_text: str = world["qr_text"]
    envelope, _ = decode_qr_text(qr_text)
    message = sig_structure(envelope.protected, envelope.payload)
    signature = envelope.signature
    vk = nacl.signing.VerifyKey(bytes(world["issuer"].verify_key))
    assert verify(qr_text, store, now=NOW).status is Status.VALID
    b45 = qr_text[5:]

    times = interleaved(
        {
            "raw": lambda: vk.verify(message, signature),
            "verify": lambda: verify(qr_text, store, now=NOW),
            "decode": lambda: decode_qr_text(qr_text),
            "base45": lambda: base45.decode(b45),
        },
        repeats,
    )
    best = {k: min(v) for k, v in times.items()}
    ratios = [v / r for v, r in zip(times["verify"], times["raw"], strict=True)]
    ratio = best["verify"] / best["raw"]
    return {
        "raw_ed25519_verify_us": round(best["raw"] / 1000, 2),
        "verify_us": round(best["verify"] / 1000, 2),
        "verify_vs_raw_ratio": round(ratio, 3),
        "verify_vs_raw_ratio_median": round(statistics.median(ratios), 3),
        "decode_only_us": round(best["decode"] / 1000, 2),
        "base45_decode_us": round(best["base45"] / 1000, 2),
        "verifies_per_second_per_core": round(1e9 / best["verify"]),
        "repeats": repeats,
        "signed_message_bytes": len(message),
    }


def _qr_version(text: str, error: str) -> int:
    import segno

    return int(segno.make(text, error=error, micro=False, boost_error=False).version)


def bench_size(world: dict[str, Any]) -> dict[str, Any]:
    qr_text: str = world["qr_text"]
    envelope, claims = decode_qr_text(qr_text)
    cose_bytes = len(base45.decode(qr_text[5:]))
    out: dict[str, Any] = {
        "photo_bytes": len(claims.photo),
        "payload_bytes": len(envelope.payload),
        "cose_bytes": cose_bytes,
        "overhead_bytes_without_photo": cose_bytes - len(claims.photo),
        "qr_text_chars": len(qr_text),
    }
    try:
        out["qr_version_M"] = _qr_version(qr_text, "m")
        out["qr_version_Q"] = _qr_version(qr_text, "q")
        # The largest photo that still fits version 18 at M (binary search over sizes).
        lo, hi = 16, 2000
        while lo < hi:
            mid = (lo + hi + 1) // 2
            if _qr_version(world["make_pass"](bytes(16), mid), "m") <= MAX_QR_VERSION_M:
                lo = mid
            else:
                hi = mid - 1
        out[f"max_photo_bytes_for_v{MAX_QR_VERSION_M}_M"] = lo
    except ImportError:
        out["qr_version"] = "skipped: segno not installed"
    return out


def bench_revocations(world: dict[str, Any], repeats: int) -> dict[str, Any]:
    rng: random.Random = world["rng"]
    serials = [_rng_bytes(rng, 16) for _ in range(REVOKED_SERIALS)]
    t0 = time.perf_counter()
    rl = RevocationList.build(iss=ISS, seq=1, iat=NOW - DAY, exp=NOW + 7 * DAY, serials=serials)
    signed = rl.sign(world["issuer"])
    build_s = time.perf_counter() - t0
    anchor = bytes(world["anchor"].verify_key)

    load_s = []
    store = None
    for _ in range(max(3, repeats // 4)):
        t0 = time.perf_counter()
        store = TrustStore.from_bytes(anchor, world["trust_list"], [signed])
        load_s.append(time.perf_counter() - t0)
    assert store is not None
    small = TrustStore.from_bytes(anchor, world["trust_list"])

    revoked_serial = serials[REVOKED_SERIALS // 2]
    fresh_serial = _rng_bytes(rng, 16)
    revoked_pass = world["make_pass"](revoked_serial)
    valid_pass = world["make_pass"](fresh_serial)
    assert verify(revoked_pass, store, now=NOW).status is Status.REVOKED
    assert verify(valid_pass, store, now=NOW).status is Status.VALID

    times = interleaved(
        {
            "lookup_hit": lambda: store.is_revoked(ISS, revoked_serial),
            "lookup_miss": lambda: store.is_revoked(ISS, fresh_serial),
            "verify_100k": lambda: verify(valid_pass, store, now=NOW),
            "verify_no_list": lambda: verify(valid_pass, small, now=NOW),
        },
        repeats,
    )
    best = {k: min(v) for k, v in times.items()}
    return {
        "revoked_serials": REVOKED_SERIALS,
        "list_bytes": len(signed),
        "list_bytes_per_serial": round(len(signed) / REVOKED_SERIALS, 2),
        "build_and_sign_s": round(build_s, 3),
        "truststore_from_bytes_s": round(min(load_s), 3),
        "lookup_hit_ns": round(best["lookup_hit"]),
        "lookup_miss_ns": round(best["lookup_miss"]),
        "verify_with_100k_list_us": round(best["verify_100k"] / 1000, 2),
        "verify_without_list_us": round(best["verify_no_list"] / 1000, 2),
    }


def run(repeats: int = 25) -> dict[str, Any]:
    """Measure everything; the dict is what bench/run.py stores and tabulates."""
    world = _world()
    speed = bench_speed(world, repeats)
    size = bench_size(world)
    revocations = bench_revocations(world, repeats)
    targets = {
        "verify <= 2x raw Ed25519 verify": {
            "value": speed["verify_vs_raw_ratio"],
            "limit": MAX_RATIO,
            "ok": speed["verify_vs_raw_ratio"] <= MAX_RATIO,
        },
    }
    if "qr_version_M" in size:
        targets[f"{PHOTO_BYTES}-byte photo fits QR version {MAX_QR_VERSION_M} at M"] = {
            "value": size["qr_version_M"],
            "limit": MAX_QR_VERSION_M,
            "ok": size["qr_version_M"] <= MAX_QR_VERSION_M,
        }
    return {
        "speed": speed,
        "size": size,
        "revocations": revocations,
        "targets": targets,
        "env": {
            "python": sys.version.split()[0],
            "pynacl": getattr(nacl, "__version__", "?"),
            "cpus": os.cpu_count(),
        },
    }


if __name__ == "__main__":
    print(json.dumps(run(), indent=2))
