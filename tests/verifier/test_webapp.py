"""The exploitant's verifier app (verifier/webapp/): its JS verifier and the app itself.

- ``test_node_suite`` runs ``node --test tests/verifier/js/`` with Python-made
  fixtures (PAS_JS_FIXTURES): Python's verdicts on mutated passes, Python's
  accept/refuse on CBOR inputs and list scenarios. The JS verifier must agree on
  every case, and on every tests/vectors/pas1.json vector.
- The ``browser`` tests drive Debian's Chromium through Playwright: the exported
  app served under the service's CSP, a phone viewport, offline, cards held to
  Chromium's fake camera, the paste fallback, a reload while offline (service
  worker), and no network request during or after a check.

Without node or /usr/bin/chromium these tests skip locally, and fail under CI=true.
Speed numbers are printed (and written to bench/out/webapp.json); nothing is timed
as an assertion.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import http.server
import json
import os
import random
import shutil
import socket
import statistics
import subprocess
import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from pas_support import NOW, DAY, World, key, number, photo_avif, serial

from verifier import FormatError, TrustError, TrustStore, _base45, _cbor, verify
from verifier.format import QR_PREFIX, Category, IssuerEntry, Pass, RevocationList, Sign1, TrustList
from verifier.webapp import app_dir, export_app, make_config, shell_files, shell_version, stamped_sw

ROOT = Path(__file__).resolve().parents[2]
JS_TESTS = ROOT / "tests" / "verifier" / "js"
VECTORS = ROOT / "tests" / "vectors" / "pas1.json"
BENCH_OUT = ROOT / "bench" / "out" / "webapp.json"
CHROMIUM = Path("/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--no-first-run",
    "--disable-sync",
]
#: The service's Content-Security-Policy for the app (no inline script or style, no other host).
CSP = (
    "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'; style-src 'self'; "
    "img-src 'self' data: blob:; connect-src 'self'; worker-src 'self'; "
    "manifest-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'"
)
PHONE = {"width": 390, "height": 844}


def _require(what: str, ok: bool) -> None:
    if ok:
        return
    if os.environ.get("CI") == "true":
        pytest.fail(f"CI=true but {what} is missing")
    pytest.skip(f"{what} is missing (these tests run under CI=true)")


def _node() -> str:
    node = shutil.which("node")
    _require("node (Node.js ≥ 20) on PATH", node is not None)
    assert node is not None
    return node


def _report(name: str, values: dict[str, Any]) -> None:
    """Print a benchmark line and keep it in bench/out/webapp.json."""
    BENCH_OUT.parent.mkdir(parents=True, exist_ok=True)
    try:
        data = json.loads(BENCH_OUT.read_text())
    except (OSError, ValueError):
        data = {}
    data[name] = values
    BENCH_OUT.write_text(json.dumps(data, indent=2) + "\n")
    print(f"\n[webapp bench] {name}: {json.dumps(values)}")


# --- the app folder and export_app -----------------------------------------------------


def test_sw_lists_every_app_file_and_its_version_is_current() -> None:
    # A changed app file must change the service worker, or phones keep the old app.
    sw = (app_dir() / "sw.js").read_text(encoding="utf-8")
    assert sw == stamped_sw(), "run: python -m verifier.webapp stamp"
    assert f'const VERSION = "{shell_version()}";' in sw
    files = shell_files()
    assert {"index.html", "app.css", "js/app.js", "js/verify.js", "manifest.webmanifest"} <= set(files)
    assert "vendor/zxing-wasm/reader/zxing_reader.wasm" in files
    assert "sw.js" not in files


def test_vendored_files_match_vendored_md() -> None:
    import hashlib

    vendor = app_dir() / "vendor"
    text = (vendor / "VENDORED.md").read_text(encoding="utf-8")
    rows = [line for line in text.splitlines() if line.startswith("| @") or line.startswith("| zxing")]
    assert len(rows) == 6
    for row in rows:
        cells = [c.strip() for c in row.strip("|").split("|")]
        package, path, digest = cells[0], cells[2].split("`")[1], cells[3].strip("`")
        assert "@" in package[1:], package  # package@version
        assert hashlib.sha256((vendor / path).read_bytes()).hexdigest() == digest, path
    for licence in ("noble-ed25519/LICENSE", "zxing-wasm/LICENSE"):
        assert "MIT" in (vendor / licence).read_text()


def test_no_inline_script_style_or_external_host_in_the_app() -> None:
    html = (app_dir() / "index.html").read_text(encoding="utf-8")
    assert "<script>" not in html and "<style" not in html and " style=" not in html
    assert " on" not in html.replace(" one", "")  # no onclick= etc.
    for path in app_dir().rglob("*"):
        if path.suffix in (".html", ".css", ".js", ".webmanifest", ".json") and "vendor" not in path.parts:
            text = path.read_text(encoding="utf-8")
            assert "http://" not in text and "https://" not in text, path


def test_export_app_writes_a_configured_standalone_folder(tmp_path: Path) -> None:
    anchor = bytes(key("anchor").verify_key).hex()
    dest = tmp_path / "site" / "pascontrole"
    export_app(dest, anchor_hex=anchor.upper(), lists_url="https://pas.example.nl/.well-known/pas")
    config = json.loads((dest / "config.json").read_text())
    assert config == {
        "anchor_hex": anchor,
        "lists_url": "https://pas.example.nl/.well-known/pas/",
        "max_list_age_days": 7,
    }
    for name in shell_files():
        assert (dest / name).is_file(), name
    assert (dest / "sw.js").read_text() == (app_dir() / "sw.js").read_text()
    # Exporting again over an earlier export is fine; over someone else's files it is not.
    export_app(dest, anchor_hex=anchor, lists_url="../.well-known/pas/", max_list_age_days=3)
    assert json.loads((dest / "config.json").read_text())["max_list_age_days"] == 3
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not the app's"):
        export_app(dest, anchor_hex=anchor, lists_url="/x/")


@pytest.mark.parametrize(
    ("anchor", "url", "days", "message"),
    [
        ("abc", "/x/", 7, "64 hex"),
        ("00" * 31, "/x/", 7, "32 bytes"),
        ("00" * 32, "", 7, "lists_url"),
        ("00" * 32, "ftp://host/x/", 7, "https"),
        ("00" * 32, "/x/?a=1", 7, "query"),
        ("00" * 32, "/x/", -1, "between"),
        ("00" * 32, "/x/", True, "whole number"),
    ],
)
def test_make_config_refuses_bad_values(anchor: str, url: str, days: Any, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        make_config(anchor_hex=anchor, lists_url=url, max_list_age_days=days)


# --- fixtures for the Node tests: Python's own outcomes ---------------------------------


def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode()


@functools.cache
def _vectors() -> list[dict[str, Any]]:
    cases: list[dict[str, Any]] = json.loads(VECTORS.read_text(encoding="utf-8"))
    return cases


def _store_of(case: dict[str, Any]) -> TrustStore:
    return TrustStore.from_bytes(
        bytes.fromhex(case["anchor_pub_hex"]),
        base64.b64decode(case["trust_list_b64"]),
        [base64.b64decode(r) for r in case["revocations_b64"]],
    )


def _mutations(rng: random.Random) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """Mutated passes with Python's verdicts; stores shared by index."""
    bases = [
        "valid-window-pass",
        "valid-green-pass-webp",
        "valid-with-every-warning",
        "revoked",
        "expired-at-exp",
        "unknown-issuer-iss-mismatch",
        "not-yet-valid-next-week",
    ]
    by_name = {c["name"]: c for c in _vectors()}
    stores: list[dict[str, Any]] = []
    store_index: dict[tuple[str, str, tuple[str, ...]], int] = {}
    cases: list[dict[str, Any]] = []
    alphabet = _base45.ALPHABET + "abz_=é\n"
    for name in bases:
        case = by_name[name]
        ident = (case["anchor_pub_hex"], case["trust_list_b64"], tuple(case["revocations_b64"]))
        if ident not in store_index:
            store_index[ident] = len(stores)
            stores.append({k: case[k] for k in ("anchor_pub_hex", "trust_list_b64", "revocations_b64")})
        store = _store_of(case)
        cose = _base45.decode(case["qr_text"][len(QR_PREFIX) :])
        text = case["qr_text"]
        variants: list[tuple[str, str]] = []
        for _ in range(140):
            i = rng.randrange(len(cose) * 8)
            b = bytearray(cose)
            b[i >> 3] ^= 1 << (i & 7)
            variants.append((f"bit{i}", QR_PREFIX + _base45.encode(bytes(b))))
        for _ in range(40):
            i = rng.randrange(len(cose))
            b = bytearray(cose)
            b[i] = rng.randrange(256)
            variants.append((f"byte{i}", QR_PREFIX + _base45.encode(bytes(b))))
        for _ in range(25):
            i = rng.randrange(len(cose))
            variants.append((f"cut{i}", QR_PREFIX + _base45.encode(cose[:i])))
            j = rng.randrange(len(cose) + 1)
            b = bytearray(cose)
            b.insert(j, rng.randrange(256))
            variants.append((f"ins{j}", QR_PREFIX + _base45.encode(bytes(b))))
        for _ in range(40):
            i = rng.randrange(len(QR_PREFIX), len(text))
            op = rng.randrange(3)
            if op == 0:
                t = text[:i] + rng.choice(alphabet) + text[i + 1 :]
            elif op == 1:
                t = text[:i] + text[i + 1 :]
            else:
                t = text[: i - 1] + text[i] + text[i - 1] + text[i + 1 :]
            variants.append((f"text{op}-{i}", t))
        variants.append(("prefix-lower", "pas1:" + text[5:]))
        variants.append(("trailing-newline", text + "\n"))
        for label, qr_text in variants:
            v = verify(qr_text, store, case["now"])
            cases.append(
                {
                    "name": f"{name}/{label}",
                    "store": store_index[ident],
                    "qr_text": qr_text,
                    "now": case["now"],
                    "expect": v.status.value,
                    "warnings": [w.value for w in v.warnings],
                }
            )
    return stores, cases


def _random_item(rng: random.Random, depth: int = 0) -> Any:
    kind = rng.randrange(8 if depth < 4 else 4)
    if kind == 0:
        return rng.choice([0, 1, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**53, 2**64 - 1])
    if kind == 1:
        return -rng.choice([1, 24, 25, 256, 257, 65536, 65537, 2**32, 2**53 + 1, 2**64])
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 23, 24, 30])))
    if kind == 3:
        return rng.choice(["", "a", "GM0014", "ü", "\ufeffbom", "€" * 9, "\U0001f600", "x" * 24])
    if kind in (4, 5):
        return [_random_item(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [rng.choice([0, 1, 4, -8, 24, 1000, "a", "b", "pn", "cat", "aa"]) for _ in range(rng.randrange(4))]
    return {k: _random_item(rng, depth + 1) for k in keys}


def _cbor_cases(rng: random.Random) -> list[dict[str, Any]]:
    inputs: list[tuple[bytes, list[int]]] = []
    for _ in range(1200):
        inputs.append((bytes(rng.randrange(256) for _ in range(rng.randrange(1, 10))), []))
    for _ in range(600):
        data = _cbor.encode(_random_item(rng))
        tags: list[int] = []
        if rng.random() < 0.2:
            data, tags = b"\xd2" + data, [18]  # tag 18 around it
        if rng.random() < 0.5 and data:
            b = bytearray(data)
            b[rng.randrange(len(b))] = rng.randrange(256)
            data = bytes(b)
        inputs.append((data, tags))
    cose = _base45.decode(_vectors()[0]["qr_text"][len(QR_PREFIX) :])
    for _ in range(300):
        b = bytearray(cose)
        b[rng.randrange(len(b))] ^= 1 << rng.randrange(8)
        inputs.append((bytes(b), [18]))
    cases = []
    for data, tags in inputs:
        try:
            _cbor.decode(data, allow_tags=frozenset(tags))
            ok = True
        except FormatError:
            ok = False
        cases.append({"hex": data.hex(), "allow_tags": tags, "ok": ok})
    return cases


def _list_scenarios(world: World) -> list[dict[str, Any]]:
    anchor_hex = bytes(world.anchor.verify_key).hex()
    tl = world.trust_list()
    revoked_pass = world.issue("revoked")
    rev = world.revocations

    def manual_trust_list(mutate: Any) -> bytes:
        payload = _cbor.decode(TrustList.from_payload(TrustList.open(tl)[1].to_payload()).to_payload())
        mutate(payload)
        return Sign1.sign(_cbor.encode(payload), world.anchor).to_bytes()

    def wrong_kid(p: dict[str, Any]) -> None:
        p["issuers"][0]["kid"] = b"\0" * 8

    def duplicate_key(p: dict[str, Any]) -> None:
        p["issuers"].append(p["issuers"][0])

    scenarios: list[dict[str, Any]] = [
        {"name": "happy", "revocations": world.default_revocations()},
        {"name": "trust-list-signed-by-stranger", "tl": world.trust_list(signer=world.stranger)},
        {"name": "trust-list-rollback", "tl": world.trust_list(seq=3), "min_seq": 5},
        {"name": "trust-list-same-seq", "tl": world.trust_list(seq=5), "min_seq": 5},
        {"name": "trust-list-newer", "tl": world.trust_list(seq=6), "min_seq": 5},
        {"name": "trust-list-expired-still-verifies", "tl": world.trust_list(iat=NOW - 90 * DAY, exp=NOW - 60 * DAY)},
        {"name": "trust-list-truncated", "tl": tl[:-1]},
        {"name": "trust-list-is-a-revocation-list", "tl": rev()},
        {"name": "trust-list-issuer-kid-mismatch", "tl": manual_trust_list(wrong_kid)},
        {"name": "trust-list-key-listed-twice", "tl": manual_trust_list(duplicate_key)},
        {"name": "anchor-not-hex", "anchor": "zz" * 32},
        {"name": "anchor-too-short", "anchor": "00" * 31},
        {"name": "revocations-signed-by-other-issuer", "revocations": [rev(signer=world.assen)]},
        {"name": "revocations-signed-by-stranger", "revocations": [rev(signer=world.stranger)]},
        {"name": "revocations-rollback-below-floor", "revocations": [rev(seq=2)], "floors": {"GM0014": 3}},
        {"name": "revocations-at-floor", "revocations": [rev(seq=3)], "floors": {"GM0014": 3}},
        {
            "name": "revocations-two-for-one-issuer-newest-wins",
            "revocations": [rev([serial("revoked")], seq=2), rev(seq=1)],
            "check": (revoked_pass, "REVOKED"),
        },
        {
            "name": "revocations-newer-added",
            "revocations": [rev(seq=1)],
            "add": [rev([serial("revoked")], seq=2)],
            "check": (revoked_pass, "REVOKED"),
        },
        {
            "name": "revocations-rollback-when-adding",
            "revocations": [rev([serial("revoked")], seq=5)],
            "add": [rev(seq=4)],
        },
        {"name": "revocations-same-seq-added", "revocations": [rev(seq=5)], "add": [rev(seq=5)]},
        {"name": "revocations-malformed", "revocations": [rev()[:-3]]},
        {"name": "revocations-for-unlisted-issuer", "revocations": [rev(iss="GM0106", signer=world.assen)],
         "tl": world.trust_list([world.entry()])},
    ]
    out = []
    for s in scenarios:
        trust_list = s.get("tl", tl)
        revocations = s.get("revocations", [])
        anchor = s.get("anchor", anchor_hex)
        add = s.get("add")
        result: dict[str, Any] = {
            "name": s["name"],
            "anchor_pub_hex": anchor,
            "trust_list_b64": _b64(trust_list),
            "revocations_b64": [_b64(r) for r in revocations],
            "min_seq": s.get("min_seq", 0),
            "min_revocation_seqs": s.get("floors", {}),
            "add_b64": None if add is None else [_b64(r) for r in add],
            "check": None,
        }
        try:
            store = TrustStore.from_bytes(
                anchor, trust_list, revocations,
                min_seq=result["min_seq"], min_revocation_seqs=result["min_revocation_seqs"],
            )
            if add is not None:
                store = store.with_revocations(add)
        except TrustError:
            result["expect"] = "TrustError"
        except FormatError:
            result["expect"] = "FormatError"
        else:
            result["expect"] = "ok"
            result["seq"] = store.trust_list.seq
            result["revocation_seqs"] = {
                iss: (None if store.revocations(iss) is None else store.revocations(iss).seq)  # type: ignore[union-attr]
                for iss in ("GM0014", "GM0106")
            }
            if "check" in s:
                qr_text, expect = s["check"]
                assert verify(qr_text, store, NOW).status.value == expect
                result["check"] = {"qr_text": qr_text, "now": NOW, "expect": expect}
        out.append(result)
    return out


@pytest.fixture(scope="module")
def js_fixtures(tmp_path_factory: pytest.TempPathFactory) -> Path:
    rng = random.Random(20260101)
    stores, mutations = _mutations(rng)
    fixtures = {
        "stores": stores,
        "mutations": mutations,
        "cbor": _cbor_cases(rng),
        "lists": _list_scenarios(World()),
    }
    path = tmp_path_factory.mktemp("js") / "fixtures.json"
    path.write_text(json.dumps(fixtures))
    return path


def _tap_summary(output: str) -> dict[str, int]:
    summary = {}
    for line in output.splitlines():
        parts = line.split()
        if len(parts) == 3 and parts[0] == "#" and parts[2].isdigit():
            summary[parts[1]] = int(parts[2])
    return summary


def test_node_suite(js_fixtures: Path) -> None:
    """node --test tests/verifier/js/ with Python's fixtures: every case must agree."""
    node = _node()
    proc = subprocess.run(
        [node, "--test", "--test-reporter=tap", str(JS_TESTS)],
        cwd=ROOT,
        env={**os.environ, "PAS_JS_FIXTURES": str(js_fixtures), "NODE_NO_WARNINGS": "1"},
        capture_output=True,
        text=True,
        timeout=300,
    )
    summary = _tap_summary(proc.stdout)
    failed = [line for line in proc.stdout.splitlines() if line.lstrip().startswith("not ok")]
    assert proc.returncode == 0, "\n".join(failed) + "\n" + proc.stdout[-6000:] + proc.stderr[-3000:]
    assert summary.get("fail") == 0 and summary.get("pass", 0) >= 25, summary
    assert summary.get("skipped") == 0, f"node tests skipped: {summary}"


def test_js_verify_speed_against_python() -> None:
    """Report (no assertion): JS verify() under Node vs Python verify() on the same vectors."""
    node = _node()
    names = ["valid-window-pass", "revoked", "bad-signature-flipped-bit", "malformed-truncated"]
    cases = [c for c in _vectors() if c["name"] in names]
    python: dict[str, float] = {}
    for c in cases:
        store = _store_of(c)
        for _ in range(200):
            verify(c["qr_text"], store, c["now"])
        n = 2000
        t0 = time.perf_counter()
        for _ in range(n):
            verify(c["qr_text"], store, c["now"])
        python[c["name"]] = (time.perf_counter() - t0) / n * 1e6
    proc = subprocess.run(
        [node, str(JS_TESTS / "bench.mjs"), *names],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        env={**os.environ, "NODE_NO_WARNINGS": "1"},
    )
    assert proc.returncode == 0, proc.stderr
    js = json.loads(proc.stdout)
    _report(
        "verify_us_node_vs_python",
        {
            name: {
                "python_us": round(python[name], 1),
                "node_webcrypto_us": round(js[name]["webcrypto"], 1),
                "node_noble_us": round(js[name]["noble"], 1),
                "ratio_webcrypto": round(js[name]["webcrypto"] / python[name], 2),
            }
            for name in names
        },
    )
