"""Design for the stolen server: a thief who takes everything learns no one's identity.

Passes are issued under both policies (``none``; ``escrow`` without consent; ``escrow``
with consent), with marker identities and a marker photo thumbnail. Then everything
the privacy core does happens once: sealing, a renewal with new data, a handhaver's
request and a bulk export with free-text reasons naming the person, the worker on
/mijn-pas, an erasure, a signed checkpoint, a purge, a log export.

Afterwards the thief's haul is searched: every file of the instance folder (SQLite
database with its WAL and shared-memory files, keys, configuration), a ``pg_dump`` of
the PostgreSQL database, every row of every table, every file written to the temp dir
during the test, the captured logs (DEBUG) and stdout/stderr. None of it may contain a
name, BSN, birth date (in several spellings), ID document number, personal code, free
text of a reason, or any window of the photo's bytes — as UTF-8, UTF-16 (LE and BE),
base64 (every alignment, both alphabets), or hex (lower and upper case).

Finally the escrow records that left the server open with k shares and not with k-1.
"""

from __future__ import annotations

import base64
import datetime as dt
import logging
import os
import re
import secrets
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa

from keys import escrow as keys_escrow
from tokenservice import escrow
from tokenservice.escrow import retention
from tokenservice.escrow.seal import Identity
from tokenservice.issue.passes import Official
from tokenservice.store.db import Base
from tokenservice.web import mijnpas

INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")
_CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')


# --- markers ----------------------------------------------------------------------------------


def _valid_bsn() -> str:
    while True:
        digits = [secrets.randbelow(10) for _ in range(8)]
        total = sum(d * w for d, w in zip(digits, range(9, 1, -1), strict=True))
        last = total % 11
        if last < 10 and digits[0] != 0:
            return "".join(map(str, digits)) + str(last)


def _marker_identity() -> tuple[Identity, list[str]]:
    tag = secrets.token_hex(3).upper()
    given = f"Zsofiavyx{tag.lower()}"
    family = f"Brontewaithe{tag}"
    born = dt.date(1980, 1, 1) + dt.timedelta(days=secrets.randbelow(7000))
    doc = f"QX{secrets.randbelow(10**7):07d}"
    bsn = _valid_bsn()
    identity = Identity(given_names=f"{given} Marijke", family_name=family, birth_date=born,
                        id_document_number=doc, bsn=bsn)
    needles = [given, family, family.upper(), family.lower(), doc, bsn,
               f"{bsn[:4]}.{bsn[4:6]}.{bsn[6:]}",
               born.isoformat(), born.strftime("%d-%m-%Y"), born.strftime("%d/%m/%Y"),
               born.strftime("%d.%m.%Y"), born.strftime("%Y%m%d"), born.strftime("%d%m%Y"),
               born.strftime("%Y/%m/%d")]
    return identity, needles


def _b64_windows(data: bytes) -> set[bytes]:
    out: set[bytes] = set()
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + data)
        part = enc[(4 * k + 2) // 3 : ((k + len(data)) * 8) // 6]
        if len(part) >= 8:
            out |= {part, part.replace(b"+", b"-").replace(b"/", b"_")}
    return out


def _encodings(text: str) -> set[bytes]:
    raw = text.encode()
    return {raw, text.encode("utf-16-le"), text.encode("utf-16-be"), raw.hex().encode(),
            raw.hex().upper().encode()} | _b64_windows(raw)


def _byte_needles(data: bytes, window: int = 24) -> set[bytes]:
    needles: set[bytes] = set()
    for at in range(0, len(data) - window + 1, window // 2):  # any 36 bytes hold a window
        chunk = data[at : at + window]
        needles |= {chunk, chunk.hex().encode(), chunk.hex().upper().encode()} | _b64_windows(chunk)
    return needles


# --- where the thief looks --------------------------------------------------------------------


def _files(root: Path) -> Iterator[Path]:
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            yield Path(dirpath) / name


def _read_tree(root: Path) -> dict[str, bytes]:
    out = {}
    for path in _files(root):
        try:
            out[str(path)] = path.read_bytes()
        except OSError:
            continue
    return out


def _rows(app) -> bytes:  # type: ignore[no-untyped-def]
    parts: list[bytes] = []
    with app.extensions["pas"].db.transaction() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(sa.select(table)):
                for value in row:
                    parts.append(bytes(value) if isinstance(value, bytes | memoryview)
                                 else str(value).encode())
    return b"\n".join(parts)


def _pg_dump(url: str) -> bytes:
    plain = url.replace("postgresql+psycopg://", "postgresql://")
    try:
        return subprocess.run(["pg_dump", "--no-owner", plain], check=True, capture_output=True,
                              timeout=120).stdout
    except FileNotFoundError:  # pragma: no cover - pg_dump is on CI
        pytest.skip("pg_dump is not installed")


def _token(client, path: str = "/mijn-pas/?lang=en") -> str:  # type: ignore[no-untyped-def]
    match = _CSRF.search(client.get(path).get_data(as_text=True))
    assert match
    return match.group(1)


# --- the test -----------------------------------------------------------------------------------


@pytest.fixture
def private_tmp(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The process's temp dir, for this test alone, so all of it can be searched."""
    tmp = tmp_path / "systmp"
    tmp.mkdir()
    monkeypatch.setenv("TMPDIR", str(tmp))
    monkeypatch.setattr(tempfile, "tempdir", str(tmp))
    return tmp


def test_a_stolen_server_reveals_no_identity(app, client, instance, private_tmp, caplog, capfd) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    if "mijnpas" not in app.blueprints:
        app.register_blueprint(mijnpas.bp)
    svc = app.extensions["pas"]
    team = keys_escrow.create_team_key(2, 3)
    (instance.path / "keys" / "escrow.pub").write_text(keys_escrow.format_public_file(team, created=0))
    config = escrow.config_for(svc.settings)
    now = int(time.time())

    photo = b"RIFF\x00\x00\x00\x00WEBPVP8 " + secrets.token_bytes(400)
    secrets_to_find: list[str] = []
    policy_none = escrow.policy_for(svc.settings, "GM9999")
    assert policy_none == "none"

    def issue() -> str:
        return svc.passes.issue(iss="GM9999", category="raam", photo=photo,
                                photo_type="image/webp", official=INTAKE).number

    def seal(number: str, identity: Identity, *, consent: bool, policy: str, code: str | None = None):  # type: ignore[no-untyped-def]
        with svc.db.transaction() as s:
            return escrow.seal_identity(s, config, pass_number=number, identity=identity,
                                        consent=consent, policy=policy, now=now, official=INTAKE,
                                        personal_code=code)

    # 1. Groningen model: nothing kept even if someone ticks consent.
    ident, needles = _marker_identity()
    secrets_to_find += needles
    assert seal(issue(), ident, consent=True, policy=policy_none) is None
    # 2. Escrow policy, no consent.
    ident, needles = _marker_identity()
    secrets_to_find += needles
    assert seal(issue(), ident, consent=False, policy="escrow") is None
    # 3. Escrow with consent, then a renewal with new data and the same code.
    ident, needles = _marker_identity()
    secrets_to_find += needles
    kept = issue()
    code = seal(kept, ident, consent=True, policy="escrow")
    assert code is not None
    svc.passes.renew(number=kept, category=None, photo=photo, photo_type="image/webp",
                     official=INTAKE)
    renewed, needles = _marker_identity()
    secrets_to_find += needles
    assert seal(kept, renewed, consent=True, policy="escrow", code=code) == code
    secrets_to_find += [code, code.replace("-", ""), code.replace("-", "").lower()]
    # 4. Escrow with consent, then erased by the worker on /mijn-pas.
    ident, needles = _marker_identity()
    secrets_to_find += needles
    erased = issue()
    erased_code = seal(erased, ident, consent=True, policy="escrow")
    assert erased_code is not None
    secrets_to_find += [erased_code, erased_code.replace("-", "")]
    page = client.post("/mijn-pas/wissen", data={
        "csrf_token": _token(client), "number": erased, "code": erased_code, "erase": "y",
        "lang": "en"}, follow_redirects=True)
    assert mijnpas.t("en", "done_erased") in page.get_data(as_text=True)

    # A handhaver asks for the kept record and makes a bulk export; reasons name the person.
    reason = f"AVIM asks whether {renewed.family_name} born {renewed.birth_date} works here"
    bulk_reason = f"person at a control says she is {renewed.given_names}"
    secrets_to_find += [reason, bulk_reason]
    with svc.db.transaction() as s:
        release = escrow.request_record(s, config, number=kept, official=HANDHAVER,
                                        reason_code="police_request", reason=reason, now=now)
    with svc.db.transaction() as s:
        export = escrow.bulk_export(s, config, official=HANDHAVER, reason_code="inspection",
                                    reason=bulk_reason, now=now)
    # The worker looks at her page (her own response shows her data; nothing may stay).
    html = client.post("/mijn-pas/", data={"csrf_token": _token(client), "number": kept,
                                           "code": code, "lang": "en"}).get_data(as_text=True)
    assert renewed.family_name in html and "Request from the police" in html
    with svc.db.transaction() as s:
        escrow.checkpoint(s, svc.keyring, now=now)
        log_csv = escrow.export_log_csv(s)
    retention.purge(svc.db, now, 90)
    logging.getLogger("pas.test").debug("log export of %d bytes", len(log_csv))

    # --- the haul ---------------------------------------------------------------------------
    haul: dict[str, bytes] = {"rows": _rows(app), "log export": log_csv.encode()}
    haul.update(_read_tree(instance.path))  # with the WAL, before the engine closes
    if instance.database_url.startswith("postgresql"):
        haul["pg_dump"] = _pg_dump(instance.database_url)
    svc.db.dispose()
    haul.update({f"{k} (closed)": v for k, v in _read_tree(instance.path).items()})
    haul.update(_read_tree(private_tmp))
    out, err = capfd.readouterr()
    haul["stdout"], haul["stderr"] = out.encode(), err.encode()
    haul["logs"] = "\n".join(
        f"{r.name} {r.levelname} {r.getMessage()} {r.args!r}" for r in caplog.records
    ).encode()
    assert any(name.endswith("pas.db") for name in haul) or "pg_dump" in haul

    needles: dict[bytes, str] = {}
    for value in secrets_to_find:
        for enc in _encodings(value):
            needles[enc] = value
    for enc in _byte_needles(photo[16:]):
        needles[enc] = "photo bytes"
    def search(blobs: dict[str, bytes]) -> list[str]:
        return sorted({f"{needles[n]!r} in {where}" for where, blob in blobs.items()
                       for n in needles if n in blob})

    # The search itself works: planted traces in every encoding are found.
    canary = renewed.family_name or ""
    for planted in (canary.encode("utf-16-be"), base64.b64encode(b"xy" + canary.encode()),
                    canary.encode().hex().upper().encode(), photo[100:150]):
        assert search({"canary": b"..." + planted + b"..."}), planted
    found = search(haul)
    assert not found, found

    # --- and what did leave the server opens with k shares, not with k-1 ----------------------
    private = keys_escrow.recover_private_key(team.shares[1:], expect_public=team.public_key)
    (entry,) = keys_escrow.entries_from_document(release.document)
    opened = keys_escrow.open_entry(private, entry)
    assert opened.number == kept and opened.fields["family_name"] == renewed.family_name
    assert opened.fields["bsn"] == renewed.bsn
    everyone = [keys_escrow.open_entry(private, e)
                for e in keys_escrow.entries_from_document(export.document)]
    assert [r.number for r in everyone] == [kept]  # the erased record is not in it
    assert [r.number for r in everyone if keys_escrow.matches(r, renewed.family_name)] == [kept]
    with pytest.raises(keys_escrow.EscrowError):
        keys_escrow.recover_private_key(team.shares[:1])
    # and one share does not give the key by brute interpolation either
    with pytest.raises(keys_escrow.EscrowError):
        fake = keys_escrow.parse_share(team.shares[0])
        forged = keys_escrow.ParsedShare(fake.k, fake.set_id,
                                         keys_escrow.shamir.Share(2, secrets.token_bytes(32)))
        keys_escrow.recover_private_key([fake, forged], expect_public=team.public_key)


def test_the_database_holds_no_lookup_tag(app, instance) -> None:  # type: ignore[no-untyped-def]
    """No column may be a deterministic function of identity: same person, different rows."""
    svc = app.extensions["pas"]
    team = keys_escrow.create_team_key(2, 3)
    config = escrow.EscrowConfig(public_key=team.public_key)
    ident, _ = _marker_identity()
    rows = []
    for _ in range(2):
        number = svc.passes.issue(iss="GM9999", category="raam", photo=b"RIFF-x",
                                  photo_type="image/webp", official=INTAKE).number
        with svc.db.transaction() as s:
            escrow.seal_identity(s, config, pass_number=number, identity=ident, consent=True,
                                 policy="escrow", now=1)
    with svc.db.transaction() as s:
        from tokenservice.store.models import EscrowKey, EscrowRecord, PassCode

        for model in (EscrowRecord, EscrowKey, PassCode):
            rows.append([tuple(getattr(r, c.key) for c in model.__table__.columns
                               if isinstance(c.type, sa.LargeBinary))
                         for r in s.scalars(sa.select(model))])
    for table in rows:
        assert len(table) == 2
        for a, b in zip(table[0], table[1], strict=True):
            if len(a) > 8:  # not the team key's kid, which is the same for everyone by design
                assert a != b
