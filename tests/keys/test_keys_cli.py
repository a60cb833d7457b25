"""The pas-keys CLI end to end, in process (main([...])) and once as a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest
from keys_support import DAY, ISSUER_PASSPHRASE, PASSPHRASE, T0, make_pass

from keys._cli import main
from keys.keyfile import load_signing_key, read_public
from verifier import Status, TrustStore, verify
from verifier.format import RevocationList, TrustList, decode_qr_text

SECRET = "Geheime-Zin-Voor-De-Test-0014"


class Run:
    """Runs pas-keys in process and keeps everything it printed."""

    def __init__(self, capsys: pytest.CaptureFixture[str]) -> None:
        self.capsys = capsys
        self.printed: list[str] = []

    def __call__(self, *argv: str | Path | int, code: int = 0) -> tuple[str, str]:
        rc = main([str(a) for a in argv])
        out, err = self.capsys.readouterr()
        self.printed += [out, err]
        assert rc == code, (argv, out, err)
        return out, err


@pytest.fixture
def run(capsys: pytest.CaptureFixture[str]) -> Run:
    return Run(capsys)


def test_end_to_end(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAS_KEY_PASSPHRASE", SECRET)

    out, _ = run("anchor", "create", "anchor.key")
    anchor = read_public("anchor.key")
    assert anchor.public_key.hex() in out and anchor.kid.hex() in out
    assert (tmp_path / "anchor.key").stat().st_mode & 0o777 == 0o600

    run("init-config", "--anchor", "anchor.key", "trust.json")
    out, _ = run(
        "issuer",
        "add",
        "--config",
        "trust.json",
        "--iss",
        "GM0014",
        "--name",
        "Gemeente Groningen",
        "--now",
        T0,
    )
    (first,) = (tmp_path / "issuers").iterdir()
    assert read_public(first).kid.hex() in out and first.name in out

    out, _ = run(
        "trust-list", "sign", "--config", "trust.json", "--out", "tl.cose", "--now", T0 + 10
    )
    assert "seq 1" in out and "GM0014" in out and "Gemeente Groningen" in out
    assert "2026-06-27" in out  # expires 30 days after 2026-05-28
    store = TrustStore.from_bytes(anchor.public_key, (tmp_path / "tl.cose").read_bytes())
    old_pass = make_pass(load_signing_key(first, SECRET), iat=T0 + 20)
    assert verify(old_pass, store, now=T0 + 30).status is Status.VALID

    out, _ = run(
        "show", "--trust-list", "tl.cose", "--anchor", anchor.public_key.hex(), "--now", T0 + 30
    )
    assert "seq 1" in out and read_public(first).kid.hex() in out and '"Wit"' in out
    out, _ = run("show", "--trust-list", "tl.cose", "--anchor", "anchor.key", "--json")
    shown = json.loads(out)
    assert shown["seq"] == 1 and shown["issuers"][0]["kid"] == read_public(first).kid.hex()

    rotate_at = T0 + 100 * DAY
    out, _ = run(
        "issuer", "rotate", "--config", "trust.json", "--iss", "GM0014", "--now", rotate_at
    )
    out, _ = run(
        "issuer", "current", "--config", "trust.json", "--iss", "GM0014", "--now", rotate_at + 1
    )
    second = Path(out.strip())
    assert second != first and read_public(second).kid.hex() in second.name

    run("trust-list", "sign", "--config", "trust.json", "--out", "tl.cose", "--now", rotate_at + 5)
    _, err = run(
        "trust-list",
        "sign",
        "--config",
        "trust.json",
        "--out",
        "tl.cose",
        "--seq",
        "1",
        "--now",
        rotate_at + 5,
        code=2,
    )
    assert "rollback" in err
    data = (tmp_path / "tl.cose").read_bytes()
    assert TrustList.open(data)[1].seq == 2
    store = TrustStore.from_bytes(anchor.public_key, data)
    new_pass = make_pass(load_signing_key(second, SECRET), iat=rotate_at + 10)
    assert decode_qr_text(new_pass)[0].kid == read_public(second).kid
    assert verify(new_pass, store, now=rotate_at + 20).status is Status.VALID
    assert verify(old_pass, store, now=rotate_at + 20).status is Status.VALID
    late_old = make_pass(load_signing_key(first, SECRET), iat=rotate_at + 10)
    assert verify(late_old, store, now=rotate_at + 20).status is Status.UNKNOWN_ISSUER

    serial = decode_qr_text(new_pass)[1].serial
    (tmp_path / "serials.txt").write_text(f"# lost card\n{serial.hex()}\n")
    out, _ = run(
        "revocations",
        "sign",
        "--key",
        second,
        "--iss",
        "GM0014",
        "--seq",
        "3",
        "--serials-file",
        "serials.txt",
        "--out",
        "GM0014.rev",
        "--now",
        rotate_at + 30,
    )
    assert "seq 3" in out and "serials     1" in out
    rev = (tmp_path / "GM0014.rev").read_bytes()
    assert RevocationList.open(rev)[1].seq == 3
    store = TrustStore.from_bytes(anchor.public_key, data, [rev])
    assert verify(new_pass, store, now=rotate_at + 40).status is Status.REVOKED

    out, _ = run("show", "anchor.key", first, second)
    for f in ("anchor.key", first, second):
        assert read_public(f).public_key.hex() in out
    out, _ = run("show", "--json", first)
    assert json.loads(out)["keys"][0]["iss"] == "GM0014"

    out, _ = run("issuer", "create", "--iss", "GM0106", "assen.key")
    assert read_public(tmp_path / "assen.key").iss == "GM0106"
    run(
        "issuer",
        "add",
        "--config",
        "trust.json",
        "--iss",
        "GM0106",
        "--name",
        "Gemeente Assen",
        "--key",
        "assen.key",
        "--now",
        rotate_at,
    )

    everything = "\n".join(run.printed)
    assert SECRET not in everything
    for key in (tmp_path / "anchor.key", first, second, tmp_path / "assen.key"):
        seed = bytes(load_signing_key(key, SECRET))
        assert seed.hex() not in everything


def test_passphrase_file(run: Run, tmp_path: Path) -> None:
    pw = tmp_path / "pw.txt"
    pw.write_text(PASSPHRASE + "\n")
    key = tmp_path / "a.key"
    run("anchor", "create", "--passphrase-file", pw, key)
    load_signing_key(key, PASSPHRASE)  # the newline is not part of it
    pw.write_text("not-the-right-one\n")
    run("init-config", "--anchor", key, tmp_path / "c.json")
    _, err = run(
        "trust-list",
        "sign",
        "--config",
        tmp_path / "c.json",
        "--out",
        tmp_path / "tl",
        "--passphrase-file",
        pw,
        code=2,
    )
    assert err.startswith("pas-keys: wrong passphrase")
    assert "not-the-right-one" not in err
    assert not (tmp_path / "tl").exists()


def test_wrong_passphrase_message_has_no_passphrase(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("PAS_KEY_PASSPHRASE", SECRET)
    run("issuer", "create", "--iss", "GM0014", tmp_path / "k.key")
    wrong = SECRET + "-typo"
    monkeypatch.setenv("PAS_KEY_PASSPHRASE", wrong)
    (tmp_path / "s").write_text("")
    out, err = run(
        "revocations",
        "sign",
        "--key",
        tmp_path / "k.key",
        "--iss",
        "GM0014",
        "--serials-file",
        tmp_path / "s",
        "--out",
        tmp_path / "r",
        code=2,
    )
    assert "wrong passphrase" in err
    assert SECRET not in out + err and wrong not in out + err


def test_no_passphrase_without_a_terminal(run: Run, tmp_path: Path) -> None:
    _, err = run("anchor", "create", tmp_path / "a.key", code=2)
    assert "--passphrase-file" in err and "PAS_KEY_PASSPHRASE" in err
    assert not (tmp_path / "a.key").exists()


def test_interactive_passphrase(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(sys.stdin, "isatty", lambda: True)
    answers = iter([PASSPHRASE, PASSPHRASE + "x", PASSPHRASE, PASSPHRASE])
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    _, err = run("anchor", "create", tmp_path / "a.key", code=2)
    assert "differ" in err and not (tmp_path / "a.key").exists()
    run("anchor", "create", tmp_path / "a.key")
    load_signing_key(tmp_path / "a.key", PASSPHRASE)


def test_refuses_to_overwrite(run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAS_KEY_PASSPHRASE", PASSPHRASE)
    run("anchor", "create", tmp_path / "a.key")
    before = (tmp_path / "a.key").read_bytes()
    _, err = run("anchor", "create", tmp_path / "a.key", code=2)
    assert "already exists" in err
    assert (tmp_path / "a.key").read_bytes() == before


@pytest.mark.parametrize(
    "argv",
    [
        ["show"],
        ["show", "--trust-list", "tl.cose"],
        ["show", "missing.key"],
        ["show", "--trust-list", "missing.cose", "--anchor", "00" * 32],
        ["show", "--trust-list", "trust.json", "--anchor", "zz"],
        ["issuer", "current", "--config", "missing.json", "--iss", "GM0014"],
        ["issuer", "create", "--iss", "Groningen", "x.key"],
    ],
)
def test_errors_exit_2(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, argv: list[str]
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAS_KEY_PASSPHRASE", PASSPHRASE)
    (tmp_path / "trust.json").write_text("{}")
    _, err = run(*argv, code=2)
    assert err.startswith("pas-keys: ") and err.count("\n") == 1  # one line, no traceback


def test_trust_list_from_another_anchor_refused(
    run: Run, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("PAS_KEY_PASSPHRASE", PASSPHRASE)
    run("anchor", "create", "a.key")
    run("anchor", "create", "b.key")
    run("init-config", "--anchor", "a.key", "c.json")
    run("trust-list", "sign", "--config", "c.json", "--out", "tl", "--now", T0)
    _, err = run("show", "--trust-list", "tl", "--anchor", "b.key", code=2)
    assert "not signed by the pinned trust anchor" in err


@pytest.mark.parametrize(
    "group", [[], ["anchor"], ["issuer"], ["trust-list"], ["revocations"], ["show"]]
)
def test_help(group: list[str], capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(SystemExit) as exc:
        main([*group, "--help"])
    assert exc.value.code == 0
    assert "usage: pas-keys" in capsys.readouterr().out


def test_subprocess(tmp_path: Path) -> None:
    env = {**os.environ, "PAS_KDF_LIMITS": "interactive", "PAS_KEY_PASSPHRASE": ISSUER_PASSPHRASE}
    script = Path(sys.executable).parent / "pas-keys"
    cmd = [str(script)] if script.exists() else [sys.executable, "-m", "keys._cli"]
    done = subprocess.run(
        [*cmd, "issuer", "create", "--iss", "GM0014", str(tmp_path / "k.key")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 0, done.stderr
    assert read_public(tmp_path / "k.key").public_key.hex() in done.stdout
    assert ISSUER_PASSPHRASE not in done.stdout + done.stderr
    done = subprocess.run(
        [*cmd, "show", str(tmp_path / "nope.key")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        stdin=subprocess.DEVNULL,
    )
    assert done.returncode == 2 and "does not exist" in done.stderr
    assert "Traceback" not in done.stderr
