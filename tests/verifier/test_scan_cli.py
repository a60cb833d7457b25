"""pas-verify scan: continuous QR scanning through OpenCV, fed a video file as the camera."""

from __future__ import annotations

import io
import json
import sys
from pathlib import Path
from typing import Any

import pytest
from pas_support import DAY, NOW, key, number, photo_avif, serial

from verifier import _cli
from verifier.cache import Cache
from verifier.format import DEFAULT_CATEGORIES, IssuerEntry, Pass, RevocationList, TrustList

cv2 = pytest.importorskip("cv2")
np = pytest.importorskip("numpy")
pytest.importorskip("zxingcpp")

ISS = "GM0014"
SIZE = (720, 640)


class Material:
    def __init__(self, d: Path) -> None:
        anchor, self.issuer = key("scan/anchor"), key("scan/issuer")
        self.anchor_hex = bytes(anchor.verify_key).hex()
        entry = IssuerEntry(
            iss=ISS, name="Gemeente Groningen", public_key=bytes(self.issuer.verify_key),
            nbf=NOW - 400 * DAY, exp=NOW + 400 * DAY, categories=DEFAULT_CATEGORIES,
        )
        tl = TrustList(seq=2, iat=NOW - DAY, exp=NOW + 30 * DAY, issuers=(entry,))
        self.trust_list_bytes = tl.sign(anchor)
        self.trust_list = d / "trust.cose"
        self.trust_list.write_bytes(self.trust_list_bytes)
        self.valid = self.card("valid")
        self.revoked = self.card("revoked")
        rl = RevocationList.build(
            iss=ISS, seq=1, iat=NOW - DAY, exp=NOW + 7 * DAY, serials=[serial("scan/revoked")]
        )
        self.revocations_bytes = rl.sign(self.issuer)
        self.revocations = d / "revocations.cose"
        self.revocations.write_bytes(self.revocations_bytes)

    def card(self, label: str) -> str:
        return Pass(
            iss=ISS, number=number("GR", f"scan/{label}"), category="raam",
            serial=serial(f"scan/{label}"), iat=NOW - DAY, nbf=NOW - DAY, exp=NOW + 700 * DAY,
            photo=photo_avif(), photo_type="image/avif",
        ).sign(self.issuer)

    def flags(self) -> list[str]:
        return ["--anchor", self.anchor_hex, "--trust-list", str(self.trust_list),
                "--revocations", str(self.revocations), "--now", str(NOW)]


@pytest.fixture(scope="module")
def material(tmp_path_factory: pytest.TempPathFactory) -> Material:
    return Material(tmp_path_factory.mktemp("scan"))


def frame_of(text: str | None) -> Any:
    """A camera-like BGR frame: grey background, the QR code on a white card."""
    frame = np.full((SIZE[1], SIZE[0], 3), 120, np.uint8)
    if text is None:
        return frame
    import segno
    from PIL import Image

    buf = io.BytesIO()
    segno.make(text, error="m").save(buf, kind="png", scale=4, border=4)
    qr = np.array(Image.open(buf).convert("RGB"))[:, :, ::-1]
    h, w = qr.shape[:2]
    assert h <= SIZE[1] and w <= SIZE[0], (h, w)
    y, x = (SIZE[1] - h) // 2, (SIZE[0] - w) // 2
    frame[y : y + h, x : x + w] = qr
    return frame


def write_video(path: Path, *scenes: tuple[str | None, int]) -> Path:
    """An MJPG .avi: each scene is (QR text or None for an empty view, frame count)."""
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter_fourcc(*"MJPG"), 10, SIZE)
    assert writer.isOpened()
    for text, count in scenes:
        frame = frame_of(text)
        for _ in range(count):
            writer.write(frame)
    writer.release()
    return path


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = _cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def test_valid_once_json(
    material: Material, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = write_video(tmp_path / "card.avi", (None, 2), (material.valid, 5))
    code, out, err = run(
        ["scan", "--device", str(video), "--once", "--json", *material.flags()], capsys
    )
    assert code == 0, err
    verdict = json.loads(out)
    assert verdict["status"] == "VALID" and verdict["iss"] == ISS
    assert verdict["number"] == number("GR", "scan/valid")
    assert err == ""


def test_revoked_once_exit_1(
    material: Material, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = write_video(tmp_path / "card.avi", (material.revoked, 3))
    code, out, _ = run(["scan", "--device", str(video), "--once", "--json", *material.flags()], capsys)
    assert (code, json.loads(out)["status"]) == (1, "REVOKED")


def test_continuous_debounced(
    material: Material, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A card held in view is shown once; the next card gets its own verdict."""
    video = write_video(
        tmp_path / "two.avi",
        (material.valid, 6), (None, 2), (material.valid, 4), (material.revoked, 5),
    )
    code, out, err = run(["scan", "--device", str(video), "--json", *material.flags()], capsys)
    assert code == 0, err
    statuses = [json.loads(line)["status"] for line in out.splitlines()]
    assert statuses == ["VALID", "REVOKED"]


def test_human_output(
    material: Material, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = write_video(tmp_path / "card.avi", (material.valid, 3))
    code, out, _ = run(["scan", "--device", str(video), "--once", *material.flags()], capsys)
    assert code == 0
    assert out.startswith("GELDIG (valid)")
    assert "Gemeente Groningen (GM0014)" in out


def test_uses_the_cache(
    material: Material, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    cache = tmp_path / "cache"
    Cache(cache).write(
        anchor=bytes.fromhex(material.anchor_hex),
        trust_list=material.trust_list_bytes,
        revocations={ISS: material.revocations_bytes},
    )
    monkeypatch.setenv("PAS_VERIFY_CACHE", str(cache))
    video = write_video(tmp_path / "card.avi", (material.revoked, 3))
    code, out, _ = run(
        ["scan", "--device", str(video), "--once", "--json", "--now", str(NOW)], capsys
    )
    assert (code, json.loads(out)["status"]) == (1, "REVOKED")


def test_writes_nothing(
    material: Material, tmp_path: Path, monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No history: scanning leaves the working directory and HOME as they were."""
    video = write_video(tmp_path / "card.avi", (material.valid, 3), (material.revoked, 3))
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.delenv("PAS_VERIFY_CACHE", raising=False)
    monkeypatch.chdir(tmp_path)
    before = sorted(tmp_path.rglob("*"))
    code, out, _ = run(["scan", "--device", str(video), "--json", *material.flags()], capsys)
    assert code == 0 and len(out.splitlines()) == 2
    assert sorted(tmp_path.rglob("*")) == before


def test_no_pass_in_video(
    material: Material, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = write_video(tmp_path / "empty.avi", (None, 3))
    code, out, err = run(["scan", "--device", str(video), "--once", *material.flags()], capsys)
    assert code == 2 and out == "" and "no pass QR code" in err
    code, out, _ = run(["scan", "--device", str(video), *material.flags()], capsys)
    assert code == 0 and out == ""


def test_other_qr_is_malformed(
    material: Material, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    video = write_video(tmp_path / "url.avi", (None, 1), ("https://example.org/", 3))
    code, out, _ = run(["scan", "--device", str(video), "--once", "--json", *material.flags()], capsys)
    assert (code, json.loads(out)["status"]) == (1, "MALFORMED")


def test_without_cache_or_flags(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    code, _, err = run(["scan", "--cache-dir", str(tmp_path / "c"), "--once"], capsys)
    assert code == 2 and "run `pas-verify sync URL` first" in err


def test_device_errors(
    material: Material, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, _, err = run(["scan", "--device", str(tmp_path / "nope.avi"), *material.flags()], capsys)
    assert code == 2 and "no such file" in err
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"not a video at all")
    code, _, err = run(["scan", "--device", str(junk), *material.flags()], capsys)
    assert code == 2 and "cannot open video" in err
    code, _, err = run(["scan", "--device", "97", *material.flags()], capsys)
    assert code == 2 and "cannot open camera 97" in err


def test_without_opencv(
    material: Material, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setitem(sys.modules, "cv2", None)  # import cv2 now raises ImportError
    code, _, err = run(["scan", *material.flags()], capsys)
    assert code == 2 and "needs OpenCV" in err and "opencv-python-headless" in err
