"""pas-keys escrow and pas-keys audit, end to end in process."""

from __future__ import annotations

import io
import json
import re
from pathlib import Path

import pytest

from keys import escrow
from keys._cli import main

FIELDS = {
    "given_names": "Anna Maria", "family_name": "Kowalska", "birth_date": "1994-07-13",
    "id_document_number": "NX7Q4R2K9", "bsn": "123456782",
}


def _run(capsys: pytest.CaptureFixture[str], *argv: str | Path, code: int = 0) -> tuple[str, str]:
    rc = main([str(a) for a in argv])
    out, err = capsys.readouterr()
    assert rc == code, (argv, out, err)
    return out, err


def _shares(out: str) -> list[str]:
    return escrow.split_share_texts("\n".join(
        line for line in out.splitlines()
        if line.startswith("pas escrow share") or re.fullmatch(r"(\w{6} ){6}\w{6}", line)
    ))


@pytest.fixture
def created(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> tuple[Path, list[Path]]:
    pub = tmp_path / "escrow.pub"
    out, _ = _run(capsys, "escrow", "create", "--k", "2", "--n", "3", "--out-pub", pub)
    shares = _shares(out)
    assert len(shares) == 3
    files = []
    for i, text in enumerate(shares, start=1):
        path = tmp_path / f"share{i}.txt"
        path.write_text(text + "\n")
        files.append(path)
    # the private key was never written: the only files are the public key and what we saved
    assert sorted(p.name for p in tmp_path.iterdir()) == ["escrow.pub", "share1.txt", "share2.txt", "share3.txt"]
    return pub, files


def _record_file(tmp_path: Path, pub: Path, number: str = "DM-7K3M9QXD-4", fields=FIELDS) -> Path:  # type: ignore[no-untyped-def]
    public = escrow.read_public_file(pub)
    kid = escrow.kid(public)
    key = escrow.new_data_key()
    nonce, ct = escrow.encrypt_record(key, number=number, recipient_kid=kid, fields=fields, sealed_at=0)
    entry = escrow.SealedEntry(number, kid, escrow.seal_data_key(public, key), nonce, ct, 0)
    path = tmp_path / f"record-{number}.json"
    path.write_text(json.dumps(escrow.record_document(entry, request_id=1, released_at=1)))
    return path


def test_create_open_with_two_share_files(tmp_path, created, capsys) -> None:  # type: ignore[no-untyped-def]
    pub, files = created
    record = _record_file(tmp_path, pub)
    out, err = _run(capsys, "escrow", "open", "--record", record, "--share-file", files[0],
                    "--share-file", files[2], "--pub", pub)
    assert "Kowalska" in out and "123456782" in out and "DM-7K3M9QXD-4" in out
    assert "special-category" in err
    out, _ = _run(capsys, "escrow", "open", "--record", record, "--share-file", files[1],
                  "--share-file", files[2], "--json")
    assert json.loads(out)[0]["bsn"] == "123456782"


def test_one_share_does_not_open(tmp_path, created, capsys) -> None:  # type: ignore[no-untyped-def]
    pub, files = created
    record = _record_file(tmp_path, pub)
    out, err = _run(capsys, "escrow", "open", "--record", record, "--share-file", files[0], code=2)
    assert "1 share(s) given; 2 are needed" in err and "Kowalska" not in out + err


def test_shares_from_stdin(tmp_path, created, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pub, files = created
    record = _record_file(tmp_path, pub)
    monkeypatch.setattr("sys.stdin", io.StringIO(files[2].read_text() + "\n" + files[0].read_text()))
    out, _ = _run(capsys, "escrow", "open", "--record", record)
    assert "Kowalska" in out


def test_typed_shares_with_a_typo_are_asked_again(tmp_path, created, capsys, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    pub, files = created
    record = _record_file(tmp_path, pub)
    good = [" ".join(f.read_text().splitlines()) for f in files]
    typo = good[0][:3] + ("X" if good[0][3] != "X" else "Y") + good[0][4:]
    answers = iter([typo, good[0], good[0], good[1]])

    class Tty(io.StringIO):
        def isatty(self) -> bool:
            return True

    monkeypatch.setattr("sys.stdin", Tty())
    monkeypatch.setattr("getpass.getpass", lambda prompt="": next(answers))
    out, err = _run(capsys, "escrow", "open", "--record", record)
    assert "group 1 (line 1, group 1" in err and "was given already" in err
    assert "Kowalska" in out


def test_mistyped_share_file_names_the_group(tmp_path, created, capsys) -> None:  # type: ignore[no-untyped-def]
    pub, files = created
    record = _record_file(tmp_path, pub)
    lines = files[1].read_text().splitlines()
    groups = lines[1].split()
    groups[4] = groups[4][:2] + ("0" if groups[4][2] != "0" else "1") + groups[4][3:]
    files[1].write_text("\n".join([lines[0], " ".join(groups)]) + "\n")
    _, err = _run(capsys, "escrow", "open", "--record", record, "--share-file", files[0],
                  "--share-file", files[1], code=2)
    assert "share 2: group 12 (line 2, group 5" in err


def test_resplit_keeps_the_public_key(tmp_path, created, capsys) -> None:  # type: ignore[no-untyped-def]
    pub, files = created
    record = _record_file(tmp_path, pub)
    new_pub = tmp_path / "escrow-new.pub"
    out, _ = _run(capsys, "escrow", "resplit", "--k", "3", "--n", "4", "--share-file", files[0],
                  "--share-file", files[1], "--pub", pub, "--out-pub", new_pub)
    assert escrow.read_public_file(new_pub) == escrow.read_public_file(pub)
    new = _shares(out)
    assert len(new) == 4
    stream = tmp_path / "new-shares.txt"
    stream.write_text("\n\n".join(new[1:]))
    out, _ = _run(capsys, "escrow", "open", "--record", record, "--share-file", stream)
    assert "Kowalska" in out
    two = tmp_path / "two.txt"
    two.write_text("\n\n".join(new[:2]))
    _, err = _run(capsys, "escrow", "open", "--record", record, "--share-file", two, code=2)
    assert "3 are needed" in err
    mixed = tmp_path / "mixed.txt"
    mixed.write_text("\n\n".join([files[0].read_text(), *new[:2]]))
    _, err = _run(capsys, "escrow", "open", "--record", record, "--share-file", mixed, code=2)
    assert "different splits" in err


def test_wrong_team_is_refused(tmp_path, created, capsys) -> None:  # type: ignore[no-untyped-def]
    _pub, files = created
    other_pub = tmp_path / "other.pub"
    _run(capsys, "escrow", "create", "--out-pub", other_pub)
    record = _record_file(tmp_path, other_pub)
    _, err = _run(capsys, "escrow", "open", "--record", record, "--share-file", files[0],
                  "--share-file", files[1], code=2)
    assert "sealed to key" in err
    _, err = _run(capsys, "escrow", "open", "--record", record, "--share-file", files[0],
                  "--share-file", files[1], "--pub", other_pub, code=2)
    assert "belong to another key" in err


def test_export_open_searches_locally(tmp_path, created, capsys) -> None:  # type: ignore[no-untyped-def]
    pub, files = created
    public = escrow.read_public_file(pub)
    kid = escrow.kid(public)
    entries = []
    for number, fields in [("DM-7K3M9QXD-4", FIELDS),
                           ("DM-00000000-0", {"given_names": "Élodie", "family_name": "Dupont",
                                              "bsn": "111222333"})]:
        key = escrow.new_data_key()
        nonce, ct = escrow.encrypt_record(key, number=number, recipient_kid=kid, fields=fields, sealed_at=0)
        entries.append(escrow.SealedEntry(number, kid, escrow.seal_data_key(public, key), nonce, ct, 0))
    export = tmp_path / "export.json"
    export.write_text(json.dumps(escrow.export_document(entries, request_id=3, released_at=3)))
    shares = ["--share-file", files[0], "--share-file", files[1]]
    out, _ = _run(capsys, "escrow", "export-open", "--export", export, "--search", "elodie", *shares)
    assert "2 record(s) opened, 1 match(es)" in out and "DM-00000000-0" in out
    assert "Kowalska" not in out
    out, _ = _run(capsys, "escrow", "export-open", "--export", export, "--search", "999999990",
                  *shares, code=1)
    assert "0 match(es)" in out
    _run(capsys, "escrow", "export-open", "--export", export, *shares, code=2)


def test_check_share(created, capsys) -> None:  # type: ignore[no-untyped-def]
    pub, files = created
    out, _ = _run(capsys, "escrow", "check-share", "--share-file", files[2])
    assert "share 3 checks: 2 needed" in out
    out, _ = _run(capsys, "escrow", "check-share", "--share-file", files[0], "--share-file",
                  files[2], "--pub", pub)
    assert "together they give key" in out


def test_create_refuses_to_overwrite_and_bad_k(tmp_path, created, capsys) -> None:  # type: ignore[no-untyped-def]
    pub, _ = created
    before = pub.read_text()
    _run(capsys, "escrow", "create", "--out-pub", pub, code=2)
    assert pub.read_text() == before
    _, err = _run(capsys, "escrow", "create", "--k", "4", "--n", "3", "--out-pub", tmp_path / "x.pub",
                  code=2)
    assert "k=4" in err


def _log_csv() -> str:
    rows = [("1", "100", "intake", "intake", "issue", "DM-7K3M9QXD-4", ""),
            ("2", "200", "handhaver", "handhaver", "escrow_release", "DM-7K3M9QXD-4", "inspection"),
            ("3", "300", "system", "system", "escrow_purged", "DM-7K3M9QXD-4", "expired")]
    prev = bytes(32)
    lines = [",".join(escrow.LOG_COLUMNS)]
    for rid, at, actor, role, action, number, reason in rows:
        h = escrow._log_digest(prev, int(at), actor, role, action, number, reason)
        lines.append(",".join([rid, at, "t", actor, role, action, number, reason, prev.hex(), h.hex()]))
        prev = h
    return "\n".join(lines) + "\n"


def test_audit_verify_offline(tmp_path, capsys) -> None:  # type: ignore[no-untyped-def]
    log = tmp_path / "log.csv"
    text = _log_csv()
    log.write_text(text)
    out, _ = _run(capsys, "audit", "verify", log)
    head = re.search(r"head ([0-9a-f]{64})", out).group(1)  # type: ignore[union-attr]
    _run(capsys, "audit", "verify", log, "--head", head)
    log.write_text(text.replace("inspection", "own_request"))
    out, _ = _run(capsys, "audit", "verify", log, code=1)
    assert "BROKEN at row 3" in out
    lines = text.splitlines()
    log.write_text("\n".join(lines[:-1]) + "\n")
    out, _ = _run(capsys, "audit", "verify", log, "--head", head, code=1)
    assert "entries removed" in out
    log.write_text("\n".join([lines[0], lines[2], lines[1], lines[3]]) + "\n")
    _run(capsys, "audit", "verify", log, code=1)
