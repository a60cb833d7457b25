"""pas-verify check: verdicts, exit codes, JSON, images and photos of cards."""

from __future__ import annotations

import io
import json
import os
import random
import shutil
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path

import nacl.signing
import pytest

from verifier import _cli
from verifier.format import (
    DEFAULT_CATEGORIES,
    IssuerEntry,
    Pass,
    RevocationList,
    TrustList,
)
from verifier.verify import Status

NOW = 1_767_225_600  # 2026-01-01T00:00:00Z
DAY = 86400
ISS = "GM0014"
JSON_KEYS = {"status", "number", "category", "iss", "issuer_name", "exp", "warnings"}


def _key(seed: int) -> nacl.signing.SigningKey:
    return nacl.signing.SigningKey(bytes([seed]) * 32)


def _photo() -> bytes:
    """A real 72×96 grayscale WebP, like the ones the service embeds (~500 bytes)."""
    from PIL import Image

    rng = random.Random(5)
    img = Image.new("L", (72, 96))
    img.putdata(
        [min(255, 90 + (x * y) % 120 + rng.randrange(20)) for y in range(96) for x in range(72)]
    )
    for quality in (40, 25, 10, 0):
        buf = io.BytesIO()
        img.save(buf, "WEBP", quality=quality)
        if len(buf.getvalue()) <= 600:
            break
    return buf.getvalue()


@dataclass(frozen=True)
class World:
    dir: Path
    anchor_hex: str
    anchor_file: Path
    trust_list: Path
    revocations: Path
    bad_trust_list: Path
    photo: bytes
    valid: str
    revoked: str
    number: str

    def args(self, *extra: str, revocations: bool = False) -> list[str]:
        base = ["check", "--anchor", self.anchor_hex, "--trust-list", str(self.trust_list)]
        if revocations:
            base += ["--revocations", str(self.revocations)]
        return [*base, "--now", str(NOW), *extra]


@pytest.fixture(scope="module")
def world(tmp_path_factory: pytest.TempPathFactory) -> World:
    d = tmp_path_factory.mktemp("cli")
    anchor, issuer, stranger = _key(1), _key(2), _key(3)
    entry = IssuerEntry(
        iss=ISS,
        name="Gemeente Groningen",
        public_key=bytes(issuer.verify_key),
        nbf=NOW - 400 * DAY,
        exp=NOW + 400 * DAY,
        categories=DEFAULT_CATEGORIES,
    )
    tl = TrustList(seq=3, iat=NOW - DAY, exp=NOW + 30 * DAY, issuers=(entry,))
    (d / "trust.cose").write_bytes(tl.sign(anchor))
    (d / "forged-trust.cose").write_bytes(tl.sign(stranger))
    anchor_hex = bytes(anchor.verify_key).hex()
    (d / "anchor.hex").write_text(anchor_hex + "\n")

    photo = _photo()

    def make(serial: bytes, number: str) -> str:
        return Pass(
            iss=ISS,
            number=number,
            category="raam",
            serial=serial,
            iat=NOW - 10 * DAY,
            nbf=NOW - 10 * DAY,
            exp=NOW + 720 * DAY,
            photo=photo,
            photo_type="image/webp",
        ).sign(issuer)

    number = "GR-7K3M9QXD-" + _check("7K3M9QXD")
    valid = make(b"\x01" * 16, number)
    revoked = make(b"\x02" * 16, "GR-00000000-" + _check("00000000"))
    rl = RevocationList.build(
        iss=ISS, seq=1, iat=NOW - DAY, exp=NOW + 7 * DAY, serials=[b"\x02" * 16, b"\x09" * 16]
    )
    (d / "revoked.cose").write_bytes(rl.sign(issuer))
    return World(
        dir=d,
        anchor_hex=anchor_hex,
        anchor_file=d / "anchor.hex",
        trust_list=d / "trust.cose",
        revocations=d / "revoked.cose",
        bad_trust_list=d / "forged-trust.cose",
        photo=photo,
        valid=valid,
        revoked=revoked,
        number=number,
    )


def _check(body: str) -> str:
    from verifier.passnumber import check_character

    return check_character(body)


def _qr_png(text: str, path: Path) -> Path:
    import segno

    segno.make(text, error="m").save(str(path), scale=4, border=4)
    return path


def run(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = _cli.main(args)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def run_json(args: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, object]]:
    code, out, err = run([*args, "--json"], capsys)
    assert err == ""
    data = json.loads(out)
    assert set(data) == JSON_KEYS
    return code, data


# --- verdicts ----------------------------------------------------------------------


def test_valid_from_text(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(world.args("--text", world.valid), capsys)
    assert code == 0
    assert data == {
        "status": "VALID",
        "number": world.number,
        "category": {"code": "raam", "label": "Wit", "color": "#FFFFFF"},
        "iss": ISS,
        "issuer_name": "Gemeente Groningen",
        "exp": NOW + 720 * DAY,
        "warnings": ["REVOCATIONS_MISSING"],
    }


def test_valid_from_png(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    png = _qr_png(world.valid, tmp_path / "card.png")
    code, data = run_json([*world.args(revocations=True), str(png)], capsys)
    assert code == 0
    assert data["status"] == "VALID"
    assert data["number"] == world.number
    assert data["warnings"] == []


def test_image_before_options(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = _qr_png(world.valid, tmp_path / "card.png")
    args = world.args(revocations=True)
    code, data = run_json([args[0], str(png), *args[1:]], capsys)
    assert (code, data["status"]) == (0, "VALID")


def test_human_output(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(world.args("--text", world.valid, revocations=True), capsys)
    assert code == 0 and err == ""
    assert "GELDIG" in out and "NIET GELDIG" not in out
    assert world.number in out
    assert "Wit" in out and "Gemeente Groningen" in out
    assert "2027-12-22" in out  # NOW + 720 days, the valid-until date
    assert "\x1b[" not in out  # no colour codes when not on a terminal


def test_revoked(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(world.args("--text", world.revoked, revocations=True), capsys)
    assert (code, data["status"]) == (1, "REVOKED")
    # Without the revocation list the same pass is valid, with a warning that says so.
    code, data = run_json(world.args("--text", world.revoked), capsys)
    assert (code, data["status"]) == (0, "VALID")
    assert data["warnings"] == ["REVOCATIONS_MISSING"]


def test_expired_with_now(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    args = world.args("--text", world.valid, revocations=True)
    args[args.index("--now") + 1] = str(NOW + 721 * DAY)
    code, data = run_json(args, capsys)
    assert (code, data["status"]) == (1, "EXPIRED")
    assert data["number"] == world.number
    code, out, _ = run(args, capsys)
    assert code == 1 and "verlopen" in out and "EXPIRED" in out


def test_expires_soon_warning(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    args = world.args("--text", world.valid, revocations=True)
    args[args.index("--now") + 1] = str(NOW + 700 * DAY)
    code, data = run_json(args, capsys)
    assert code == 0
    assert "EXPIRES_SOON" in data["warnings"]  # type: ignore[operator]


@pytest.mark.parametrize("garbage", ["hello", "PAS1:", "PAS1:!!!!", "PAS1:" + "0" * 5000, ""])
def test_malformed(world: World, garbage: str, capsys: pytest.CaptureFixture[str]) -> None:
    code, data = run_json(world.args("--text", garbage), capsys)
    assert (code, data["status"]) == (1, "MALFORMED")
    assert data["number"] is None and data["category"] is None


def test_tampered_is_not_valid(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    i = len(world.valid) // 2
    swapped = "A" if world.valid[i] != "A" else "B"
    tampered = world.valid[:i] + swapped + world.valid[i + 1 :]
    code, data = run_json(world.args("--text", tampered), capsys)
    assert code == 1
    assert data["status"] in {"MALFORMED", "BAD_SIGNATURE"}


def test_text_from_stdin(
    world: World, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    monkeypatch.setattr(sys, "stdin", io.StringIO(world.valid + "\n"))
    code, data = run_json(world.args("--text", "-"), capsys)
    assert (code, data["status"]) == (0, "VALID")


def test_anchor_from_file(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    args = world.args("--text", world.valid)
    args[args.index("--anchor") + 1] = str(world.anchor_file)
    code, data = run_json(args, capsys)
    assert (code, data["status"]) == (0, "VALID")


def test_base64_trust_list(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    import base64

    b64 = tmp_path / "trust.b64"
    b64.write_text(base64.b64encode(world.trust_list.read_bytes()).decode() + "\n")
    args = world.args("--text", world.valid)
    args[args.index("--trust-list") + 1] = str(b64)
    code, data = run_json(args, capsys)
    assert (code, data["status"]) == (0, "VALID")


# --- photo -------------------------------------------------------------------------


def test_photo_out(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "face.webp"
    code, _, err = run(world.args("--text", world.valid, "--photo-out", str(out)), capsys)
    assert code == 0 and err == ""
    assert out.read_bytes() == world.photo
    assert out.stat().st_mode & 0o077 == 0  # a face: readable by the user only


def test_photo_out_of_an_av1_pass_is_its_rebuilt_avif(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """An av1 photo is written as the AVIF file of docs/token-format.md §6.1."""
    from pas_support import make_vectors
    from PIL import Image

    from verifier.photo import avif_from_av1

    ph = make_vectors().PHOTO_AV1
    text = Pass(
        iss=ISS, number=world.number, category="raam", serial=b"\x05" * 16,
        iat=NOW - DAY, nbf=NOW - DAY, exp=NOW + 700 * DAY, photo=ph, photo_type="av1",
    ).sign(_key(2))
    out = tmp_path / "face.avif"
    code, _, err = run(world.args("--text", text, "--photo-out", str(out)), capsys)
    assert code == 0 and err == ""
    assert out.read_bytes() == avif_from_av1(ph)
    assert out.stat().st_mode & 0o077 == 0
    with Image.open(out) as img:
        assert (img.format, img.size, img.mode) == ("AVIF", (72, 96), "RGB")


def test_photo_out_not_written_for_unverified(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    out = tmp_path / "face.webp"
    code, _, err = run(world.args("--text", "PAS1:garbage", "--photo-out", str(out)), capsys)
    assert code == 1
    assert not out.exists()
    assert "no photo written" in err


def test_writes_nothing_else(
    world: World,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """No cache, no scan log: a check leaves the working directory and HOME untouched."""
    png = _qr_png(world.valid, tmp_path / "card.png")
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("HOME", str(home))
    monkeypatch.setenv("XDG_CACHE_HOME", str(home / ".cache"))
    monkeypatch.chdir(tmp_path)
    before = sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*"))
    code, _, _ = run([*world.args(revocations=True), str(png)], capsys)
    assert code == 0
    assert sorted(p.relative_to(tmp_path) for p in tmp_path.rglob("*")) == before


# --- usage and I/O errors: exit 2 ----------------------------------------------------


def test_missing_image_file(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    code, out, err = run([*world.args(), str(tmp_path / "nope.png")], capsys)
    assert code == 2 and out == ""
    assert "nope.png" in err and err.startswith("pas-verify: error:")


def test_image_without_qr(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from PIL import Image

    blank = tmp_path / "blank.png"
    Image.new("RGB", (300, 200), "white").save(blank)
    code, out, err = run([*world.args(), str(blank)], capsys)
    assert code == 2 and out == ""
    assert "no QR code" in err


def test_not_an_image(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG this is not really a png")
    code, _, err = run([*world.args(), str(junk)], capsys)
    assert code == 2 and "not a readable image" in err


def test_other_qr_is_malformed(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = _qr_png("https://example.org/", tmp_path / "other.png")
    code, data = run_json([*world.args(), str(png)], capsys)
    assert (code, data["status"]) == (1, "MALFORMED")


def test_two_passes_in_one_image(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from PIL import Image

    a = Image.open(_qr_png(world.valid, tmp_path / "a.png"))
    b = Image.open(_qr_png(world.revoked, tmp_path / "b.png"))
    both = Image.new("RGB", (a.width + b.width, max(a.height, b.height)), "white")
    both.paste(a, (0, 0))
    both.paste(b, (a.width, 0))
    both.save(tmp_path / "both.png")
    code, out, err = run([*world.args(revocations=True), str(tmp_path / "both.png")], capsys)
    assert code == 2 and out == ""
    assert "one card at a time" in err


def test_trust_list_not_signed_by_anchor(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    args = world.args("--text", world.valid)
    args[args.index("--trust-list") + 1] = str(world.bad_trust_list)
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert "anchor" in err


@pytest.mark.parametrize(
    "anchor",
    ["abcd", "zz" * 32, "/no/such/anchor/file"],
)
def test_bad_anchor(world: World, anchor: str, capsys: pytest.CaptureFixture[str]) -> None:
    args = world.args("--text", world.valid)
    args[args.index("--anchor") + 1] = anchor
    code, out, err = run(args, capsys)
    assert code == 2 and out == ""
    assert "anchor" in err


def test_wrong_anchor(world: World, capsys: pytest.CaptureFixture[str]) -> None:
    args = world.args("--text", world.valid)
    args[args.index("--anchor") + 1] = bytes(_key(9).verify_key).hex()
    code, _, err = run(args, capsys)
    assert code == 2 and "not signed by the pinned trust anchor" in err


def test_garbage_trust_list(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    bad = tmp_path / "bad.cose"
    bad.write_bytes(b"\xd2\x84garbage")
    args = world.args("--text", world.valid)
    args[args.index("--trust-list") + 1] = str(bad)
    code, _, err = run(args, capsys)
    assert code == 2 and err.startswith("pas-verify: error:")


def test_revocation_list_from_stranger(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    rl = RevocationList.build(iss=ISS, seq=9, iat=NOW - DAY, exp=NOW + DAY, serials=[])
    forged = tmp_path / "forged-rl.cose"
    forged.write_bytes(rl.sign(_key(3)))
    code, _, err = run([*world.args("--text", world.valid), "--revocations", str(forged)], capsys)
    assert code == 2 and "revocation list" in err


@pytest.mark.parametrize(
    "argv",
    [
        [],
        ["check"],
        ["frobnicate"],
        ["check", "--anchor", "00" * 32, "--trust-list", "x"],  # neither --text nor IMAGE
        ["check", "--anchor", "00" * 32, "--trust-list", "x", "--text", "a", "img.png"],
        ["check", "--anchor", "00" * 32, "--trust-list", "x", "--now", "yesterday", "--text", "a"],
    ],
)
def test_usage_errors(argv: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = run(argv, capsys)
    assert code == 2
    assert out == "" and err


def test_greedy_revocations_explained(
    world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    png = _qr_png(world.valid, tmp_path / "card.png")
    code, _, err = run([*world.args(), "--revocations", str(world.revocations), str(png)], capsys)
    assert code == 2 and "--revocations" in err
    code, _, _ = run(
        [*world.args(), "--revocations", str(world.revocations), "--", str(png)], capsys
    )
    assert code == 0


def test_help(capsys: pytest.CaptureFixture[str]) -> None:
    assert _cli.main(["check", "--help"]) == 0
    assert "--trust-list" in capsys.readouterr().out


# --- a photo of a card ---------------------------------------------------------------


def test_photo_of_a_card(world: World, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    """Rotated 7°, slightly blurred, noisy, JPEG-compressed: still VALID."""
    from PIL import Image, ImageFilter

    img = Image.open(_qr_png(world.valid, tmp_path / "card.png")).convert("L")
    img = img.rotate(7, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(1.0))
    rng = random.Random(7)
    noise = Image.frombytes("L", img.size, rng.randbytes(img.width * img.height))
    img = Image.blend(img, noise, 0.2)
    photo = tmp_path / "card-photo.jpg"
    img.convert("RGB").save(photo, "JPEG", quality=55)
    code, data = run_json([*world.args(revocations=True), str(photo)], capsys)
    assert (code, data["status"]) == (0, "VALID")
    assert data["number"] == world.number


def test_hard_photo_needs_the_rescue_variants(world: World, tmp_path: Path) -> None:
    """A smaller, blurrier, low-contrast shot that zxing-cpp misses as-is but scan.py reads."""
    import zxingcpp
    from PIL import Image, ImageEnhance, ImageFilter

    from verifier import scan

    img = Image.open(_qr_png(world.valid, tmp_path / "card.png")).convert("L")
    img = img.rotate(7, resample=Image.Resampling.BICUBIC, expand=True, fillcolor=255)
    img = img.filter(ImageFilter.GaussianBlur(1.2))
    img = ImageEnhance.Contrast(img).enhance(0.4)
    noise = Image.frombytes("L", img.size, random.Random(7).randbytes(img.width * img.height))
    img = Image.blend(img, noise, 0.2)
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=50)
    data = buf.getvalue()
    assert not zxingcpp.read_barcodes(Image.open(io.BytesIO(data)))
    assert scan.pass_text_from_image(data) == world.valid


# --- the installed console script ----------------------------------------------------


def _script() -> str:
    candidate = Path(sys.executable).with_name("pas-verify")
    if candidate.exists():
        return str(candidate)
    found = shutil.which("pas-verify")
    if not found:
        pytest.skip("pas-verify console script is not installed")
    return found


def test_console_script(world: World, tmp_path: Path) -> None:
    png = _qr_png(world.valid, tmp_path / "card.png")
    env = {**os.environ, "NO_COLOR": "1"}
    done = subprocess.run(
        [_script(), *world.args("--json", revocations=True), str(png)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["status"] == Status.VALID.value
    done = subprocess.run(
        [_script(), *world.args("--text", world.revoked, revocations=True)],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 1
    assert "ingetrokken" in done.stdout
    done = subprocess.run(
        [_script(), *world.args(), str(tmp_path / "missing.png")],
        capture_output=True,
        text=True,
        env=env,
        timeout=60,
        check=False,
    )
    assert done.returncode == 2 and done.stdout == ""


# --- optional dependencies -----------------------------------------------------------


@pytest.mark.parametrize("module", ["zxingcpp", "PIL"])
def test_missing_image_dependency(
    world: World,
    tmp_path: Path,
    module: str,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    png = _qr_png(world.valid, tmp_path / "card.png")
    monkeypatch.setitem(sys.modules, module, None)  # makes `import module` fail
    code, out, err = run([*world.args(), str(png)], capsys)
    assert code == 2 and out == ""
    assert "pas[verifier]" in err
    # --text needs neither.
    code, data = run_json(world.args("--text", world.valid), capsys)
    assert (code, data["status"]) == (0, "VALID")


def test_cli_import_is_light() -> None:
    """`pas-verify check --text` must work on a machine without the image extras."""
    code = (
        "import sys, verifier._cli; "
        "heavy = {'zxingcpp', 'PIL', 'segno', 'cv2', 'numpy'} & set(sys.modules); "
        "assert not heavy, heavy"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
