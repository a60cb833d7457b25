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
import functools
import json
import os
import random
import shutil
import statistics
import subprocess
import time
from pathlib import Path
from typing import Any

import pytest
from pas_support import (
    DAY,
    NOW,
    Site,
    World,
    key,
    make_vectors,
    serial,
)

from tests.support.webapp import (
    open_phone,
    paste,
    playwright,
    require,
    verdict,
    wait_ready,
    write_qr_y4m,
)
from verifier import FormatError, TrustError, TrustStore, _base45, _cbor, verify
from verifier.format import QR_PREFIX, Sign1, TrustList
from verifier.webapp import (
    ExportError,
    add_export_app,
    app_dir,
    export_app,
    make_config,
    shell_files,
    shell_version,
    stamped_sw,
)

ROOT = Path(__file__).resolve().parents[2]
JS_TESTS = ROOT / "tests" / "verifier" / "js"
VECTORS = ROOT / "tests" / "vectors" / "pas1.json"
BENCH_OUT = ROOT / "bench" / "out" / "webapp.json"



def _node() -> str:
    node = shutil.which("node")
    require("node (Node.js ≥ 20) on PATH", node is not None)
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
    assert {"index.html", "app.css", "js/app.js", "js/verify.js", "manifest.webmanifest"} <= set(
        files
    )
    assert "vendor/zxing-wasm/reader/zxing_reader.wasm" in files
    assert "sw.js" not in files


def test_vendored_files_match_vendored_md() -> None:
    import hashlib

    vendor = app_dir() / "vendor"
    text = (vendor / "VENDORED.md").read_text(encoding="utf-8")
    rows = [
        line for line in text.splitlines() if line.startswith("| @") or line.startswith("| zxing")
    ]
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
        if (
            path.suffix in (".html", ".css", ".js", ".webmanifest", ".json")
            and "vendor" not in path.parts
        ):
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
        "max_list_age_days": 30,
    }
    for name in shell_files():
        assert (dest / name).is_file(), name
    assert (dest / "sw.js").read_text() == (app_dir() / "sw.js").read_text()
    for name in ("vendor/VENDORED.md", "vendor/noble-ed25519/LICENSE", "vendor/zxing-wasm/LICENSE"):
        assert (dest / name).is_file(), name  # the licences travel with the app
    # Exporting again over an earlier export is fine; over someone else's files it is not.
    export_app(dest, anchor_hex=anchor, lists_url="../.well-known/pas/", max_list_age_days=3)
    assert json.loads((dest / "config.json").read_text())["max_list_age_days"] == 3
    (dest / "notes.txt").write_text("mine")
    with pytest.raises(ValueError, match="not the app's"):
        export_app(dest, anchor_hex=anchor, lists_url="/x/")


def _export_app_cli(argv: list[str]) -> tuple[int, str]:
    """Run `export-app` as pas-verify registers it (verifier._cli's _COMMANDS)."""
    import argparse
    import io

    parser = argparse.ArgumentParser(prog="pas-verify")
    add_export_app(parser.add_subparsers(dest="command", required=True))
    args = parser.parse_args(argv)
    out = io.StringIO()
    code: int = args.run(args, out, io.StringIO(), io.StringIO())
    return code, out.getvalue()


def test_export_app_command(tmp_path: Path) -> None:
    anchor = bytes(key("anchor").verify_key)
    (tmp_path / "anchor.pub").write_text(anchor.hex() + "\n")
    (tmp_path / "anchor.raw").write_bytes(anchor)
    for i, source in enumerate(
        [anchor.hex(), str(tmp_path / "anchor.pub"), str(tmp_path / "anchor.raw")]
    ):
        dest = tmp_path / f"app{i}"
        code, out = _export_app_cli(
            [
                "export-app",
                str(dest),
                "--anchor",
                source,
                "--lists-url",
                "https://x.nl/.well-known/pas/",
            ]
        )
        assert code == 0 and str(dest) in out
        assert json.loads((dest / "config.json").read_text())["anchor_hex"] == anchor.hex()
    with pytest.raises(ExportError, match="64 hex"):
        _export_app_cli(
            ["export-app", str(tmp_path / "bad"), "--anchor", "nope", "--lists-url", "/x/"]
        )
    with pytest.raises(ExportError, match="between"):
        _export_app_cli(
            [
                "export-app",
                str(tmp_path / "bad"),
                "--anchor",
                anchor.hex(),
                "--lists-url",
                "/x/",
                "--max-list-age-days",
                "999",
            ]
        )


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
            stores.append(
                {k: case[k] for k in ("anchor_pub_hex", "trust_list_b64", "revocations_b64")}
            )
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
        return rng.choice(
            [0, 1, 23, 24, 255, 256, 65535, 65536, 2**32 - 1, 2**32, 2**53, 2**64 - 1]
        )
    if kind == 1:
        return -rng.choice([1, 24, 25, 256, 257, 65536, 65537, 2**32, 2**53 + 1, 2**64])
    if kind == 2:
        return bytes(rng.randrange(256) for _ in range(rng.choice([0, 1, 23, 24, 30])))
    if kind == 3:
        return rng.choice(["", "a", "GM0014", "ü", "\ufeffbom", "€" * 9, "\U0001f600", "x" * 24])
    if kind in (4, 5):
        return [_random_item(rng, depth + 1) for _ in range(rng.randrange(4))]
    keys = [
        rng.choice([0, 1, 4, -8, 24, 1000, "a", "b", "pn", "cat", "aa"])
        for _ in range(rng.randrange(4))
    ]
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
        payload = _cbor.decode(
            TrustList.from_payload(TrustList.open(tl)[1].to_payload()).to_payload()
        )
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
        {
            "name": "trust-list-expired-still-verifies",
            "tl": world.trust_list(iat=NOW - 90 * DAY, exp=NOW - 60 * DAY),
        },
        {"name": "trust-list-truncated", "tl": tl[:-1]},
        {"name": "trust-list-is-a-revocation-list", "tl": rev()},
        {"name": "trust-list-issuer-kid-mismatch", "tl": manual_trust_list(wrong_kid)},
        {"name": "trust-list-key-listed-twice", "tl": manual_trust_list(duplicate_key)},
        {"name": "anchor-not-hex", "anchor": "zz" * 32},
        {"name": "anchor-too-short", "anchor": "00" * 31},
        {"name": "revocations-signed-by-other-issuer", "revocations": [rev(signer=world.assen)]},
        {"name": "revocations-signed-by-stranger", "revocations": [rev(signer=world.stranger)]},
        {
            "name": "revocations-rollback-below-floor",
            "revocations": [rev(seq=2)],
            "floors": {"GM0014": 3},
        },
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
        {
            "name": "revocations-for-unlisted-issuer",
            "revocations": [rev(iss="GM0106", signer=world.assen)],
            "tl": world.trust_list([world.entry()]),
        },
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
                anchor,
                trust_list,
                revocations,
                min_seq=result["min_seq"],
                min_revocation_seqs=result["min_revocation_seqs"],
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
        "translog": _translog_fixtures(World()),
        "av1": _av1_fixtures(rng),
    }
    path = tmp_path_factory.mktemp("js") / "fixtures.json"
    path.write_text(json.dumps(fixtures))
    return path


def _av1_fixtures(rng: random.Random) -> list[dict[str, Any]]:
    """av1 photos and what Python makes of them (docs/token-format.md §6.1): libavif's
    own encodes of the test photos (colour and grey, several qualities and speeds) and
    random mutations of the vectors' photo. js/photo.js must refuse exactly what
    verifier/photo.py refuses and rebuild every other one to the same bytes."""
    import io

    from PIL import Image

    from verifier.photo import av1_from_avif, avif_from_av1

    photos: list[bytes] = []
    for name in ("astronaut.png", "chelsea.png", "coffee.png"):
        src = Image.open(ROOT / "tests" / "fixtures" / name)
        for mode in ("RGB", "L"):
            thumb = src.convert(mode).resize((72, 96))
            thumb = Image.frombytes(mode, thumb.size, thumb.tobytes())
            for quality, speed in ((10, 6), (50, 2), (90, 6)):
                buf = io.BytesIO()
                extra = {"subsampling": "4:0:0"} if mode == "L" else {}
                thumb.save(buf, "AVIF", quality=quality, speed=speed, **extra)
                photos.append(av1_from_avif(buf.getvalue()))
    mv = make_vectors()
    for _ in range(1500):
        data = bytearray(rng.choice((mv.PHOTO_AV1, mv.PHOTO_AV1_GREY)))
        for _ in range(rng.randint(1, 2)):
            pos = rng.randrange(min(len(data), 24))  # mostly the headers
            if rng.random() < 0.7:
                data[pos] ^= 1 << rng.randrange(8)
            elif rng.random() < 0.5:
                del data[pos]
            else:
                data.insert(pos, rng.randrange(256))
        photos.append(bytes(data))
    out = []
    for ph in photos:
        try:
            out.append({"ph": _b64(ph), "avif": _b64(avif_from_av1(ph))})
        except FormatError:
            out.append({"ph": _b64(ph), "avif": None})
    return out


def _translog_fixtures(world: World) -> dict[str, Any]:
    """RFC 9162 trees of 0–8 leaves with every consistency proof, and signed checkpoints
    (good, grown, forked, rolled back, signed by a stranger or another issuer's key), so
    the app's witness (js/translog.js, js/lists.js) agrees with verifier/translog.py."""
    from verifier import translog

    leaves = [translog.leaf_hash(bytes([i]) * (i + 1)) for i in range(8)]
    roots = [translog.root(leaves[:n]) for n in range(9)]
    proofs = [
        {"m": m, "n": n, "proof": [h.hex() for h in translog.consistency_proof(m, leaves[:n])]}
        for n in range(1, 9) for m in range(1, n + 1)
    ]

    def cp(size: int, root: bytes, signer: Any = None, iss: str = "GM0014") -> str:
        signed = translog.Checkpoint(iss=iss, size=size, root=root, iat=NOW).sign(
            world.groningen if signer is None else signer)
        return _b64(signed)

    return {
        "anchor_hex": bytes(world.anchor.verify_key).hex(),
        "trust_list_b64": _b64(world.trust_list()),
        "roots": [r.hex() for r in roots],
        "consistency": proofs,
        "checkpoints": {
            "five": cp(5, roots[5]),
            "eight": cp(8, roots[8]),
            "five-forked": cp(5, roots[4]),
            "three": cp(3, roots[3]),
            "stranger": cp(8, roots[8], world.stranger),
            "other-issuers-key": cp(8, roots[8], world.assen),
        },
    }


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
    assert proc.returncode == 0, (
        "\n".join(failed) + "\n" + proc.stdout[-6000:] + proc.stderr[-3000:]
    )
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


# --- the app in Chromium ---------------------------------------------------------------

SCREENS = ROOT / "bench" / "out" / "webapp"


class Watch:
    """Every request a context and its pages make, and anything the page complains about.

    ``requests`` holds every URL Playwright reports except ``blob:`` URLs: the photo
    is shown through a blob: URL made from the bytes inside the QR code, an
    in-memory object that never touches the network; those go to ``blobs``.
    """

    def __init__(self, context: Any) -> None:
        self.requests: list[str] = []
        self.blobs: list[str] = []
        self.errors: list[str] = []
        context.on("request", self._request)

    def _request(self, request: Any) -> None:
        (self.blobs if request.url.startswith("blob:") else self.requests).append(request.url)

    def page(self, page: Any) -> Any:
        page.on("pageerror", lambda e: self.errors.append(f"pageerror: {e}"))
        page.on(
            "console",
            lambda m: (
                self.errors.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        return page


def _next(page: Any) -> None:
    page.click("#next")
    page.wait_for_selector("#verdict", state="hidden")


# Status → what the exploitant reads (Dutch), and whether the photo is shown.
EXPECTED = {
    "valid": ("VALID", "GELDIG", True),
    "expires-soon": ("VALID", "GELDIG", True),
    "green": ("VALID", "GELDIG", True),
    "assen": ("VALID", "GELDIG", True),
    "expired": ("EXPIRED", "Verlopen", True),
    "revoked": ("REVOKED", "Kaart geldt niet meer", True),
    "tampered": ("BAD_SIGNATURE", "Vervalst of beschadigd", False),
    "unknown-issuer": ("UNKNOWN_ISSUER", "Onbekende uitgever", False),
    "not-yet-valid": ("NOT_YET_VALID", "Nog niet geldig", True),
    "malformed": ("MALFORMED", "Vervalst of beschadigd", False),
}


def _assert_screen(page: Any, name: str) -> None:
    status, words, photo = EXPECTED[name]
    assert page.get_attribute("#verdict", "data-status") == status, name
    head = page.inner_text(".verdict-head")
    assert words in head, (name, head)
    if photo:
        assert page.evaluate("() => document.getElementById('verdict-photo').naturalWidth") > 0, (
            name
        )
        assert page.evaluate("() => document.getElementById('verdict-photo').src").startswith(
            "blob:"
        )
        assert page.is_visible("#verdict-category"), name
    else:
        assert not page.is_visible("#verdict-card"), name


@pytest.mark.browser
def test_app_in_chromium_paste_lists_and_speed(site: Site, tmp_path: Path) -> None:
    """Online load, lists fetched and verified, every status by paste, NL/EN, list age rules,
    rollback refused, the vectors in Chromium, and the speed numbers."""
    sync_playwright = playwright()
    SCREENS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as p:
        context = open_phone(p, tmp_path / "profile")
        watch = Watch(context)
        page = watch.page(context.pages[0] if context.pages else context.new_page())
        page.goto(site.url)
        wait_ready(page)
        page.wait_for_function(
            "() => document.getElementById('lists-status').dataset.state === 'ok'"
            " && /bijgewerkt/.test(document.getElementById('lists-status').textContent)",
            timeout=45_000,
        )
        assert page.inner_text("#lists-status") == "Lijsten bijgewerkt: zojuist"
        page.screenshot(path=str(SCREENS / "scan.png"))

        # Every status through the paste fallback, in Dutch, with a screenshot each.
        for name in EXPECTED:
            paste(page, site.passes[name])
            _assert_screen(page, name)
            page.screenshot(path=str(SCREENS / f"verdict-{name}.png"))
            _next(page)
            # Nothing of the pass stays behind once the verdict is closed.
            leftovers = page.evaluate(
                """() => ['verdict-title', 'verdict-reason', 'verdict-explain', 'category-label',
                          'field-issuer', 'field-date', 'field-number', 'verdict-warnings']
                    .map((id) => document.getElementById(id).textContent).join('')"""
            )
            assert leftovers == "", leftovers
            assert page.get_attribute("#verdict-photo", "src") is None
        paste(page, site.passes["expires-soon"])
        assert "binnenkort verlengen bij het spreekuur" in page.inner_text("#verdict-warnings")
        _next(page)

        # English.
        page.click("#lang")
        paste(page, site.passes["expired"])
        assert "NOT VALID" in page.inner_text(".verdict-head") and "Expired" in page.inner_text(
            ".verdict-head"
        )
        page.screenshot(path=str(SCREENS / "verdict-expired-en.png"))
        _next(page)
        paste(page, site.passes["valid"])
        assert "VALID" in page.inner_text(".verdict-head")
        _next(page)
        page.click("#lang")
        assert page.inner_text("#paste-open") == "QR-tekst invoeren"

        # The about panel says what the app does not do.
        page.click("#about-open")
        about = page.inner_text("#about")
        assert "geen enkele netwerkverbinding" in about and "geen geschiedenis" in about
        assert "nr. 5" in about and "webcrypto" in about
        page.screenshot(path=str(SCREENS / "about.png"))
        page.click("#about button[type=submit]")

        # A lower seq from the server is refused; the cached list stays.
        good = (site.lists / "trust-list.cose").read_bytes()
        (site.lists / "trust-list.cose").write_bytes(site.trust_list(seq=4))
        try:
            page.click("#lists-status")
            page.wait_for_function(
                "() => /oudere lijst/.test(document.getElementById('lists-status').textContent)"
            )
        finally:
            (site.lists / "trust-list.cose").write_bytes(good)
        assert paste(page, site.passes["valid"]) == "VALID"
        _next(page)
        page.click("#about-open")
        assert "nr. 5" in page.inner_text("#about-trust-list")
        page.click("#about button[type=submit]")

        # The JS verifier inside Chromium gives Python's verdict on every vector (the
        # REFUSED ones, lists that must not be accepted, run under Node: test_node_suite).
        vectors = [c for c in _vectors() if c["expect"] != "REFUSED"]
        results = page.evaluate(
            """async (cases) => {
                const { TrustStore } = await import('./js/trust.js');
                const { RegionStore } = await import('./js/regions.js');
                const { verify } = await import('./js/verify.js');
                const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
                const out = [];
                for (const c of cases) {
                  let store = await TrustStore.fromBytes(c.anchor_pub_hex, b64(c.trust_list_b64), c.revocations_b64.map(b64));
                  if (c.more_regions) {
                    const regions = [{ id: 'region-0', store }];
                    for (const [i, r] of c.more_regions.entries()) {
                      regions.push({ id: `region-${i + 1}`, store: await TrustStore.fromBytes(r.anchor_pub_hex, b64(r.trust_list_b64), r.revocations_b64.map(b64)) });
                    }
                    store = new RegionStore(regions);
                  }
                  const policy = c.policy ? { here: c.policy.here, accept: new Set(c.policy.accept) } : null;
                  const v = await verify(c.qr_text, store, c.now, policy);
                  out.push([v.status, [...v.warnings], v.number]);
                }
                return out;
            }""",
            vectors,
        )
        for case, (status, warnings, num) in zip(vectors, results, strict=True):
            assert (status, warnings, num) == (
                case["expect"],
                case["warnings"],
                case.get("number"),
            ), case["name"]

        # Speed: decoded text → verdict on screen, and verify() alone, in Chromium.
        timings = page.evaluate(
            """async (text) => {
                const $ = (id) => document.getElementById(id);
                const dom = [], frame = [];
                for (let i = 0; i < 55; i++) {
                  $('paste-open').click();
                  $('paste-text').value = text;
                  const shown = new Promise((resolve) => {
                    const obs = new MutationObserver(() => { if (!$('verdict').hidden) { obs.disconnect(); resolve(); } });
                    obs.observe($('verdict'), { attributes: true, attributeFilter: ['hidden'] });
                  });
                  const t0 = performance.now();
                  $('paste-check').click();
                  await shown;
                  const t1 = performance.now();
                  await new Promise((r) => requestAnimationFrame(() => r()));
                  const t2 = performance.now();
                  if (i >= 5) { dom.push(t1 - t0); frame.push(t2 - t0); }
                  $('next').click();
                }
                return { dom, frame };
            }""",
            site.passes["valid"],
        )
        names = ["valid-window-pass", "revoked", "bad-signature-flipped-bit", "malformed-truncated"]
        chromium_us = page.evaluate(
            """async (cases) => {
                const { TrustStore } = await import('./js/trust.js');
                const { verify } = await import('./js/verify.js');
                const b64 = (s) => Uint8Array.from(atob(s), (c) => c.charCodeAt(0));
                const out = {};
                for (const c of cases) {
                  const store = await TrustStore.fromBytes(c.anchor_pub_hex, b64(c.trust_list_b64), c.revocations_b64.map(b64));
                  for (let i = 0; i < 100; i++) await verify(c.qr_text, store, c.now);
                  const n = 1000, t0 = performance.now();
                  for (let i = 0; i < n; i++) await verify(c.qr_text, store, c.now);
                  out[c.name] = (performance.now() - t0) / n * 1000;
                }
                return out;
            }""",
            [c for c in vectors if c["name"] in names],
        )
        python_us = {}
        for c in vectors:
            if c["name"] in names:
                store = _store_of(c)
                n = 2000
                t0 = time.perf_counter()
                for _ in range(n):
                    verify(c["qr_text"], store, c["now"])
                python_us[c["name"]] = (time.perf_counter() - t0) / n * 1e6
        _report(
            "chromium",
            {
                "paste_to_verdict_dom_ms_median": round(statistics.median(timings["dom"]), 2),
                "paste_to_verdict_next_frame_ms_median": round(
                    statistics.median(timings["frame"]), 2
                ),
                "samples": len(timings["dom"]),
                "verify_us": {
                    n: {
                        "chromium": round(chromium_us[n], 1),
                        "python": round(python_us[n], 1),
                        "ratio": round(chromium_us[n] / python_us[n], 2),
                    }
                    for n in names
                },
            },
        )

        # Past the lists' exp: a warning; max_list_age_days past it: no green verdict.
        page.clock.set_fixed_time(site.t + 3 * DAY)  # revocation lists expired a day ago
        assert paste(page, site.passes["valid"]) == "VALID"
        assert "REVOCATIONS_EXPIRED" in page.eval_on_selector_all(
            "#verdict-warnings li", "els => els.map(e => e.dataset.warning)"
        )
        page.screenshot(path=str(SCREENS / "verdict-valid-lists-expired.png"))
        _next(page)
        page.clock.set_fixed_time(site.t + 33 * DAY)  # 31 days past their exp (the default 30)
        assert paste(page, site.passes["valid"]) == "STALE"
        assert "GEEN CONTROLE MOGELIJK" in page.inner_text(".verdict-head")
        assert not page.is_visible("#verdict-card")
        page.screenshot(path=str(SCREENS / "verdict-stale.png"))
        _next(page)
        assert paste(page, site.passes["expired"]) == "EXPIRED"  # red stays red
        _next(page)

        assert not [
            e for e in watch.errors if "Content Security Policy" in e or "pageerror" in e
        ], watch.errors
        assert not any(u.startswith("http") and "127.0.0.1" not in u for u in watch.requests), (
            watch.requests
        )
        context.close()


CAMERA_CARDS = ["valid", "expired", "revoked", "tampered", "unknown-issuer"]


@pytest.mark.browser
def test_app_in_chromium_camera_offline_no_requests(site: Site, tmp_path: Path) -> None:
    """Cards held to the (fake) camera, offline, give the right verdict with the photo;
    the page makes no request during or after a check; a reload offline still works."""
    sync_playwright = playwright()
    profile = tmp_path / "profile"
    clips = {}
    for name in CAMERA_CARDS:
        clips[name] = tmp_path / f"{name}.y4m"
        # ~1 s of an empty view first, so the check happens well inside the watched window.
        write_qr_y4m(clips[name], site.passes[name], blank=10, frames=20)
    with sync_playwright() as p:
        # First visit, online: the app, its service worker and the lists are stored.
        context = open_phone(p, profile)
        watch = Watch(context)
        page = watch.page(context.pages[0] if context.pages else context.new_page())
        page.goto(site.url)
        wait_ready(page)
        page.wait_for_function(
            "() => document.getElementById('lists-status').dataset.state === 'ok'", timeout=45_000
        )
        page.wait_for_function("() => navigator.serviceWorker.controller !== null", timeout=45_000)
        page.wait_for_function(
            "async () => (await caches.keys()).some((k) => k.startsWith('pas-app-'))",
            timeout=45_000,
        )
        page.wait_for_function(  # Chromium's fake camera, allowed by --use-fake-ui-for-media-stream
            "() => document.getElementById('scan').dataset.camera === 'ok'", timeout=45_000
        )
        page.screenshot(path=str(SCREENS / "scan-camera.png"))
        context.close()

        timings = []
        site.unreachable = True
        try:
            _camera_checks(p, site, profile, clips, timings)
        finally:
            site.unreachable = False
        _report("chromium_camera", {"ready_to_verdict_s": [round(t, 2) for t in timings]})


def _page_hits(site: Site, since: int) -> list[str]:
    """Requests that reached the server since `since`, except two the opening makes in
    the background, carrying nothing about scans: the browser's own service worker update
    check (a GET of sw.js on Chromium's schedule after a navigation), and the service
    worker's refresh of config.json (sw.js answers from its cache at once and refreshes
    behind it; Playwright's offline switch does not cover a service worker's fetches, and
    on a loaded machine that refresh arrived after the check had begun)."""
    return [h for h in site.hits[since:] if h not in ("/verify/sw.js", "/verify/config.json")]


def _camera_checks(
    p: Any, site: Site, profile: Path, clips: dict[str, Path], timings: list[float]
) -> None:
    for name in CAMERA_CARDS:
        context = open_phone(p, profile, camera=clips[name])
        context.set_offline(True)
        watch = Watch(context)
        page = watch.page(context.pages[0] if context.pages else context.new_page())
        page.goto(site.url)  # from the service worker: the network is off
        wait_ready(page)
        watched_from = len(watch.requests)
        hits_before = len(site.hits)
        t0 = time.perf_counter()
        status = verdict(page, timeout=60_000)
        timings.append(time.perf_counter() - t0)
        _assert_screen(page, name)
        assert page.get_attribute("#scan", "data-camera") == "ok"
        page.wait_for_timeout(700)  # and after the check: still nothing
        during = watch.requests[watched_from:]
        assert during == [], f"{name}: requests during/after the check: {during}"
        assert _page_hits(site, hits_before) == [], f"{name}: the server was contacted"
        page.screenshot(path=str(SCREENS / f"camera-{name}.png"))

        if name == "valid":
            # Reload while offline: the service worker serves the app, IndexedDB the lists.
            page.reload()
            wait_ready(page)
            watched_from = len(watch.requests)
            hits_before = len(site.hits)
            assert verdict(page, timeout=60_000) == status  # the card is still in view
            _next(page)
            assert paste(page, site.passes["revoked"]) == "REVOKED"
            assert watch.requests[watched_from:] == []
            assert _page_hits(site, hits_before) == []
            assert "Offline" in page.inner_text("#lists-status")
        assert not [
            e for e in watch.errors if "Content Security Policy" in e or "pageerror" in e
        ], watch.errors
        context.close()


def test_a_typed_pass_number_and_a_demo_anchor_are_said_for_what_they_are(site: Site, tmp_path: Path) -> None:
    """Issue 15: a printed number typed into the QR field is not "forged" (nothing about it
    can be checked offline), a replaced card does not read as wrongdoing, and lists from a
    demo anchor are unmistakable: a banner and DEMO on every verdict."""
    sync_playwright = playwright()
    demo = site.root / "verify-demo"
    if not demo.exists():
        shutil.copytree(site.root / "verify", demo)
        config = json.loads((demo / "config.json").read_text())
        (demo / "config.json").write_text(json.dumps({**config, "demo": True}))
    with sync_playwright() as p:
        ctx = open_phone(p, tmp_path / "profile")
        try:
            page = ctx.new_page()
            page.goto(site.url)
            wait_ready(page)
            assert not page.is_visible("#demo-banner")
            assert paste(page, " dm-7k3m9qxd-4 ") == "NUMBER_ONLY"
            assert "Alleen een pasnummer" in page.inner_text("#verdict")
            assert page.get_attribute("#verdict", "data-tone") == "unchecked"
            _next(page)
            assert paste(page, site.passes["revoked"]) == "REVOKED"
            assert "nieuwere kaart" in page.inner_text("#verdict-explain")
            _next(page)
            page.goto(site.url.replace("/verify/", "/verify-demo/"))
            wait_ready(page)
            assert page.is_visible("#demo-banner")
            assert paste(page, site.passes["valid"]) == "VALID"
            assert page.inner_text("#verdict-title").endswith("DEMO")
            assert "niet echt" in page.inner_text("#verdict-warnings")
            page.screenshot(path=str(tmp_path / "demo-verdict.png"))
        finally:
            ctx.close()
