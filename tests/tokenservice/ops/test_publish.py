"""Static publication of the signed lists (tokenservice/ops/publish.py), without nginx.

Atomic files that are left untouched when unchanged; never an older list over a newer one,
also with two processes publishing at once; a failed write leaves the previous file and no
temporary one; a bad folder is refused at start, never mid-request; every change to a list
(revoke, renew) is written once committed, and a failure to write does not fail the revoke.
The nginx side, in the production topology: test_publish_nginx.py.
"""

from __future__ import annotations

import errno
import json
import multiprocessing
import os
from pathlib import Path

import nacl.signing
import pytest

from tokenservice import _cli
from tokenservice.config import ConfigError
from tokenservice.issue.passes import Official
from tokenservice.ops import preflight, publish
from tokenservice.web.app import create_app
from verifier.format import RevocationList

PHOTO = b"RIFF\x1a\x00\x00\x00WEBPVP8 fake-thumbnail-bytes"
INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")
KEY = nacl.signing.SigningKey(bytes(range(32)))
RL = Path(".well-known/pas/revocations")


def signed_list(seq: int, iss: str = "GM9999", serials: int = 3) -> bytes:
    rl = RevocationList.build(iss=iss, seq=seq, iat=1_700_000_000 + seq, exp=1_800_000_000,
                              serials=[bytes([seq % 256, n]) * 8 for n in range(serials)])
    return rl.sign(KEY)


def seq_of(path: Path) -> int:
    return RevocationList.open(path.read_bytes())[1].seq


def leftovers(root: Path) -> list[Path]:
    return [p for p in root.rglob(".*") if p.name != publish.LOCK_NAME and p.is_file()]


# --- the folder -------------------------------------------------------------------------------


def test_written_atomically_public_and_untouched_when_unchanged(tmp_path: Path) -> None:
    folder = publish.Folder(tmp_path)
    old = os.umask(0o077)  # as under systemd: the files must still be readable by nginx
    try:
        done = folder.revocations("GM9999", signed_list(1))
    finally:
        os.umask(old)
    cose, js = tmp_path / RL / "GM9999.cose", tmp_path / RL / "GM9999.json"
    assert sorted(done.written) == [str(RL / "GM9999.cose"), str(RL / "GM9999.json")]
    assert cose.read_bytes() == signed_list(1)
    assert json.loads(js.read_text())["seq"] == 1
    assert set(json.loads(js.read_text())) == {"v", "iss", "seq", "iat", "exp", "serials"}
    for path in (cose, js):
        assert path.stat().st_mode & 0o777 == 0o644
    for path in (tmp_path / ".well-known", tmp_path / ".well-known/pas", tmp_path / RL):
        assert path.stat().st_mode & 0o777 == 0o755
    before = {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (cose, js)}

    again = folder.revocations("GM9999", signed_list(1))
    assert again.written == [] and len(again.unchanged) == 2
    assert {p: (p.stat().st_ino, p.stat().st_mtime_ns) for p in (cose, js)} == before
    assert leftovers(tmp_path) == []


def test_an_older_list_never_replaces_a_newer_one(tmp_path: Path) -> None:
    folder = publish.Folder(tmp_path)
    folder.revocations("GM9999", signed_list(5))
    done = folder.revocations("GM9999", signed_list(4))
    assert done.kept_newer == [str(RL / "GM9999.cose")]
    assert seq_of(tmp_path / RL / "GM9999.cose") == 5
    assert json.loads((tmp_path / RL / "GM9999.json").read_text())["seq"] == 5
    # Equal seq, other contents: the first one stays (a second would look like equivocation).
    other = RevocationList.build(iss="GM9999", seq=5, iat=1, exp=1_800_000_000, serials=[]).sign(KEY)
    folder.revocations("GM9999", other)
    assert (tmp_path / RL / "GM9999.cose").read_bytes() == signed_list(5)
    folder.revocations("GM9999", signed_list(6))
    assert seq_of(tmp_path / RL / "GM9999.cose") == 6
    with pytest.raises(publish.PublishError):
        folder.revocations("GM0014", signed_list(7))  # GM9999's list handed over as GM0014's


def _publish_many(root: str, seqs: list[int], ready: object, go: object) -> None:
    folder = publish.Folder(Path(root))
    ready.set()  # type: ignore[attr-defined]
    go.wait()  # type: ignore[attr-defined]
    for seq in seqs:
        folder.revocations("GM9999", signed_list(seq))


def test_two_processes_publishing_old_and_new_never_leave_the_older(tmp_path: Path) -> None:
    """One process publishes seq 1..60 upwards, the other 60..1 downwards, at the same time;
    a reader meanwhile never sees the seq go back, and the end is the newest list."""
    ctx = multiprocessing.get_context("fork")
    go = ctx.Event()
    readies = [ctx.Event(), ctx.Event()]
    orders = [list(range(1, 61)), list(range(60, 0, -1))]
    procs = [ctx.Process(target=_publish_many, args=(str(tmp_path), order, ready, go))
             for order, ready in zip(orders, readies, strict=True)]
    for proc in procs:
        proc.start()
    for ready in readies:
        assert ready.wait(60)
    go.set()
    seen = []
    cose = tmp_path / RL / "GM9999.cose"
    while any(p.is_alive() for p in procs):
        if cose.exists():
            seen.append(seq_of(cose))  # never a partial file: it always parses
    for proc in procs:
        proc.join(60)
        assert proc.exitcode == 0
    seen.append(seq_of(cose))
    assert seen == sorted(seen)
    assert seen[-1] == 60
    assert json.loads((tmp_path / RL / "GM9999.json").read_text())["seq"] == 60
    assert leftovers(tmp_path) == []


@pytest.mark.parametrize("fault", ["write", "fsync", "replace"])
def test_a_failed_write_leaves_the_previous_file_intact(tmp_path: Path, monkeypatch, fault) -> None:
    folder = publish.Folder(tmp_path)
    folder.revocations("GM9999", signed_list(1))
    cose = tmp_path / RL / "GM9999.cose"
    before = cose.read_bytes()

    def disk_full(*_a: object, **_k: object) -> None:
        raise OSError(errno.ENOSPC, "No space left on device")

    monkeypatch.setattr(publish.os, fault, disk_full)
    with pytest.raises(publish.PublishError, match="No space left"):
        folder.revocations("GM9999", signed_list(2))
    monkeypatch.undo()
    assert cose.read_bytes() == before
    assert json.loads((tmp_path / RL / "GM9999.json").read_text())["seq"] == 1
    assert leftovers(tmp_path) == []
    folder.revocations("GM9999", signed_list(2))  # and the next try goes through
    assert seq_of(cose) == 2


def test_a_bad_folder_is_refused_before_the_start(tmp_path: Path, instance) -> None:
    missing = tmp_path / "nowhere"
    with pytest.raises(ConfigError, match="does not exist"):
        publish.check_folder(missing)
    settings = instance.settings(public_dir=missing)
    with pytest.raises(ConfigError, match="public_dir"):
        preflight.enforce(settings, workers=1, host="127.0.0.1")
    # A folder the lists cannot go into (here: a file where the revocations folder belongs).
    blocked = tmp_path / "blocked"
    (blocked / ".well-known" / "pas").mkdir(parents=True)
    (blocked / RL).write_text("not a folder")
    with pytest.raises(ConfigError, match="cannot write into"):
        publish.check_folder(blocked)
    assert sorted(p.name for p in (blocked / ".well-known" / "pas").iterdir()) == ["revocations"]
    assert _cli.main(["--instance", str(instance.path), "publish"]) == 2  # public_dir not set


# --- the service --------------------------------------------------------------------------------


def test_every_list_change_is_published_once_committed(instance, tmp_path: Path) -> None:
    public = tmp_path / "public"
    public.mkdir()
    app = create_app(instance.settings(public_dir=public))
    try:
        svc = app.extensions["pas"]
        client = app.test_client()
        root = public / ".well-known" / "pas"
        # At start: everything the endpoints serve, byte for byte.
        for rel in ("trust-list.cose", "trust-list.json", "anchor.pub", "issuers.json",
                    "revocations/GM9999.cose", "revocations/GM9999.json"):
            assert (root / rel).read_bytes() == client.get(f"/.well-known/pas/{rel}").data, rel
        assert client.get("/.well-known/pas/issuers.json").headers.get("ETag")

        issued = svc.passes.issue(iss="GM9999", category="raam", photo=PHOTO,
                                  photo_type="image/webp", official=INTAKE)
        svc.passes.revoke(number=issued.number, reason="stolen", official=HANDHAVER)
        _, rl = RevocationList.open((root / "revocations/GM9999.cose").read_bytes())
        assert issued.serial in rl.serials
        assert (root / "revocations/GM9999.cose").read_bytes() == svc.passes.revocation_list("GM9999")

        renewed = svc.passes.issue(iss="GM9999", category="raam", photo=PHOTO,
                                   photo_type="image/webp", official=INTAKE)
        svc.passes.renew(number=renewed.number, category=None, photo=PHOTO,
                         photo_type="image/webp", official=INTAKE)
        _, rl = RevocationList.open((root / "revocations/GM9999.cose").read_bytes())
        assert renewed.serial in rl.serials  # the superseded card
        # The lists name serials and issuer codes only.
        listed = json.loads((root / "revocations/GM9999.json").read_text())
        assert renewed.number not in json.dumps(listed) and issued.number not in json.dumps(listed)
    finally:
        app.extensions["pas"].db.dispose()


def test_a_failed_publication_does_not_fail_the_revocation(instance, tmp_path: Path, monkeypatch,
                                                           caplog) -> None:
    public = tmp_path / "public"
    public.mkdir()
    app = create_app(instance.settings(public_dir=public))
    try:
        svc = app.extensions["pas"]
        cose = public / ".well-known/pas/revocations/GM9999.cose"
        before = cose.read_bytes()
        issued = svc.passes.issue(iss="GM9999", category="raam", photo=PHOTO,
                                  photo_type="image/webp", official=INTAKE)

        def disk_full(*_a: object, **_k: object) -> None:
            raise OSError(errno.ENOSPC, "No space left on device")

        monkeypatch.setattr(publish.os, "fsync", disk_full)
        status = svc.passes.revoke(number=issued.number, reason="lost", official=HANDHAVER)
        assert status.status == "card_revoked"
        assert "could not publish the revocation list of GM9999" in caplog.text
        # The file there is stale now (it does not hold the pass just revoked): withdrawn, so
        # nginx falls back to the service, which serves the committed list.
        assert before and not cose.exists() and not cose.with_suffix(".json").exists()
        assert leftovers(public) == []
        _, served = RevocationList.open(app.test_client().get(
            "/.well-known/pas/revocations/GM9999.cose").data)
        assert issued.serial in served.serials
        monkeypatch.undo()
        # The timer's run (or the next change) catches up.
        done = publish.publish_all(public, svc.keyring, svc.passes)
        assert str(Path(".well-known/pas/revocations/GM9999.cose")) in done.written
        _, rl = RevocationList.open(cose.read_bytes())
        assert issued.serial in rl.serials
    finally:
        app.extensions["pas"].db.dispose()


def test_publish_command(instance, tmp_path: Path, monkeypatch, capsys) -> None:
    public = tmp_path / "public"
    public.mkdir()
    monkeypatch.setenv("PAS_PUBLIC_DIR", str(public))
    monkeypatch.setenv("PAS_DATABASE_URL", instance.database_url)
    assert _cli.main(["--instance", str(instance.path), "publish"]) == 0
    out = capsys.readouterr().out
    assert "published into" in out, out
    files = sorted(str(p.relative_to(public)) for p in public.rglob("*") if p.is_file())
    assert files == [publish.LOCK_NAME, *(f".well-known/pas/{n}" for n in (
        "anchor.pub", "issuers.json", "revocations/GM9999.cose", "revocations/GM9999.json",
        "trust-list.cose", "trust-list.json"))]
    assert _cli.main(["--instance", str(instance.path), "publish"]) == 0
    assert "0 file(s) written, 6 unchanged" in capsys.readouterr().out
    # `pas-service init` (also after an update: it migrates) writes them once too.
    assert _cli.main(["--instance", str(instance.path), "init"]) == 0
    assert "0 file(s) written, 6 unchanged" in capsys.readouterr().out
    monkeypatch.setenv("PAS_PUBLIC_DIR", str(tmp_path / "missing"))
    assert _cli.main(["--instance", str(instance.path), "publish"]) == 2
    assert "does not exist" in capsys.readouterr().err
