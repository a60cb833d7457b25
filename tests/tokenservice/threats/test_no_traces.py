"""Issuing leaves no trace of the person: not on disk, not in a temp file, not in a log.

A photo with a unique marker (a PNG text chunk and a marker pixel block) and a checklist
with unique values (BSN, birth date, KVK, ID validity) go through the web intake, the
renewal and the JSON API — under registration policy ``none``, and under ``escrow``
with her consent and a marker identity (given names, family name, ID document number),
which is sealed: its values, and her personal code, must not be found either (the
code may only be in the response that shows it to her). Afterwards the instance folder (SQLite database, WAL and
shared-memory files, keys, configuration), the database's rows (both SQLite and
PostgreSQL), every file created or changed in the system temp dir during the test, the
captured logs (DEBUG) and stdout/stderr are searched for:

- each marker string in UTF-8, UTF-16 (LE/BE), base64 (every alignment, standard and URL
  alphabet) and hex;
- windows of the original photo's bytes, the signed thumbnail's bytes and the print
  portrait JPEG's bytes, raw, base64 and hex.

Every Python-level file opened for writing during the requests is recorded as well
(``os.open``/``open`` with a write mode): uploads must be parsed in memory (Werkzeug
would otherwise spill uploads over 500 KB to an unnamed temp file, invisible to a scan).
"""

from __future__ import annotations

import base64
import builtins
import datetime as dt
import html
import io
import logging
import os
import re
import secrets
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from PIL import Image, PngImagePlugin
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.support.paths import FIXTURES
from tests.support.service import session_login
from tokenservice import escrow
from tokenservice.access import accounts
from tokenservice.issue import photo
from tokenservice.ops.instance import init_instance
from tokenservice.store.db import Base
from verifier.format import decode_qr_text

_CSRF = re.compile(r'name="csrf_token"[^>]*?value="([^"]+)"')
_TOKEN = re.compile(r'name="request_token" value="([^"]+)"')
_PNG_URI = re.compile(r"data:image/png;base64,([A-Za-z0-9+/=]+)")
_JPEG_URI = re.compile(r"data:image/jpeg;base64,([A-Za-z0-9+/=]+)")
_RECEIPT = re.compile(r'download="pas-[^"]+-bon\.pdf" href="data:application/pdf;base64,([^"]+)"')
_CODE = re.compile(r'<p id="personal-code"[^>]*>(.*?)</p>', re.S)
WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_APPEND | os.O_TRUNC


# --- markers and the encodings to look for ---------------------------------------------


def _receipt_code(pdf: bytes) -> str:
    """Her personal code as printed on her receipt."""
    import shutil
    import subprocess

    if shutil.which("pdftotext") is None:
        pytest.skip("poppler-utils not installed (CI installs it)")
    text = subprocess.run(["pdftotext", "-", "-"], input=pdf, capture_output=True,
                          check=True).stdout.decode()
    found = re.search(r"\b[0-9A-Z]{4}(?:-[0-9A-Z]{4}){6}\b", text)
    assert found, "no personal code on the receipt"
    return found.group(0)


def _valid_bsn() -> str:
    while True:
        head = "".join(secrets.choice("0123456789") for _ in range(8))
        check = sum(int(d) * w for d, w in zip(head, range(9, 1, -1), strict=True)) % 11
        if check < 10 and head[0] != "0":
            return head + str(check)


def _b64_windows(data: bytes) -> set[bytes]:
    """The base64 text of ``data`` at each of the three byte alignments (both alphabets)."""
    out: set[bytes] = set()
    for k in range(3):
        enc = base64.b64encode(b"\0" * k + data)
        part = enc[(4 * k + 2) // 3 : ((k + len(data)) * 8) // 6]
        if len(part) >= 8:
            out.add(part)
            out.add(part.replace(b"+", b"-").replace(b"/", b"_"))
    return out


def _encodings(text: str) -> set[bytes]:
    raw = text.encode()
    found = {raw, text.encode("utf-16-le"), text.encode("utf-16-be"), raw.hex().encode(),
             raw.hex().upper().encode()}
    return found | _b64_windows(raw)


def _byte_needles(data: bytes, window: int = 48) -> set[bytes]:
    """Windows from the start, middle and end of ``data``, raw, base64 and hex."""
    spots = {0, max(0, len(data) // 2 - window // 2), max(0, len(data) - window)}
    needles: set[bytes] = set()
    for at in spots:
        chunk = data[at : at + window]
        needles |= {chunk, chunk.hex().encode()} | _b64_windows(chunk)
    return needles


def _marker_photo(marker: str) -> bytes:
    """The astronaut with a marker text chunk and a block of marker pixels (> 500 KB)."""
    img = Image.open(FIXTURES / "astronaut.png").convert("RGB")
    seed = int.from_bytes(marker.encode()[-6:], "big")
    for i in range(64):  # an 8x8 block in a corner, pixel values from the marker
        value = (seed >> (i % 40)) & 0xFFFFFF
        img.putpixel((i % 8, i // 8), (value >> 16 & 255, value >> 8 & 255, value & 255))
    info = PngImagePlugin.PngInfo()
    info.add_text("Comment", marker)
    info.add_text("Description", f"portrait {marker}")
    buf = io.BytesIO()
    img.save(buf, "PNG", pnginfo=info, compress_level=0)
    data = buf.getvalue()
    assert len(data) > 500 * 1024  # big enough that Werkzeug's default would spill to disk
    return data


# --- where to look -------------------------------------------------------------------------


def _files(root: Path) -> Iterator[Path]:
    for dirpath, _dirs, names in os.walk(root):
        for name in names:
            yield Path(dirpath) / name


def _temp_snapshot() -> dict[Path, tuple[float, int]]:
    snap: dict[Path, tuple[float, int]] = {}
    for path in _files(Path(tempfile.gettempdir())):
        try:
            st = path.stat()
        except OSError:
            continue
        snap[path] = (st.st_mtime, st.st_size)
    return snap


def _read(path: Path, limit: int = 64 * 1024 * 1024) -> bytes:
    try:
        if not path.is_file() or path.stat().st_size > limit:
            return b""
        return path.read_bytes()
    except OSError:
        return b""


def _db_dump(app) -> bytes:
    """Every row of every table, as bytes (logical check, both databases)."""
    parts: list[bytes] = []
    with app.extensions["pas"].db.transaction() as s:
        for table in Base.metadata.sorted_tables:
            for row in s.execute(sa.select(table)):
                for value in row:
                    if isinstance(value, bytes | bytearray | memoryview):
                        parts.append(bytes(value))
                    else:
                        parts.append(str(value).encode())
    return b"\n".join(parts)


class WriteWatch:
    """Records Python-level files opened for writing (the route temp files take)."""

    def __init__(self, monkeypatch: pytest.MonkeyPatch) -> None:
        self.paths: list[str] = []
        self.active = False
        real_os_open, real_open = os.open, builtins.open

        def os_open(path, flags, *args, **kwargs):  # type: ignore[no-untyped-def]
            if self.active and flags & WRITE_FLAGS:
                self.paths.append(f"os.open {path}")
            return real_os_open(path, flags, *args, **kwargs)

        def open_(file, mode="r", *args, **kwargs):  # type: ignore[no-untyped-def]
            if self.active and isinstance(file, str | bytes | os.PathLike) and set(mode) & set("wax+"):
                self.paths.append(f"open {file} {mode}")
            return real_open(file, mode, *args, **kwargs)

        monkeypatch.setattr(os, "open", os_open)
        monkeypatch.setattr(builtins, "open", open_)
        monkeypatch.setattr(io, "open", open_)


# --- both policies ---------------------------------------------------------------------------


@pytest.fixture(params=["none", "escrow"])
def policy(request: pytest.FixtureRequest, instance) -> str:  # type: ignore[no-untyped-def]
    """``escrow``: the demo of `pas-service init --demo` (policy escrow, a demo team key)."""
    if request.param == "escrow":
        init_instance(instance.path, demo=True, database_url=instance.database_url,
                      migrate_db=False, demo_escrow=True)
    return str(request.param)


@pytest.fixture
def app(instance, policy):  # type: ignore[no-untyped-def]
    from tokenservice.web.app import create_app

    flask_app = create_app(instance.settings())
    flask_app.config.update(TESTING=True)
    yield flask_app
    flask_app.extensions["pas"].db.dispose()


# --- the test ------------------------------------------------------------------------------


def post_multipart(client, path: str, fields: dict[str, object], **kwargs: object):
    """Encode the body in memory first: the test client itself would spool a body over
    500 KB to a temp file, which is the client's doing, not the service's."""
    boundary, body = encode_multipart(fields)
    return client.post(path, data=body, content_type=f"multipart/form-data; boundary={boundary}",
                       **kwargs)


def test_issuing_leaves_no_trace(app, client, instance, policy, caplog, capfd, monkeypatch) -> None:  # type: ignore[no-untyped-def]
    caplog.set_level(logging.DEBUG)
    app.logger.setLevel(logging.DEBUG)
    marker = f"PASMARK{secrets.token_hex(8).upper()}"
    photo_bytes = _marker_photo(marker)
    bsn, kvk = _valid_bsn(), "".join(secrets.choice("0123456789") for _ in range(8))
    birth = dt.date(1970, 1, 1) + dt.timedelta(days=secrets.randbelow(365 * 25))
    id_valid = dt.date.today() + dt.timedelta(days=30 + secrets.randbelow(3000))
    tag = secrets.token_hex(3).upper()
    given, family = f"Zsofiavyx{tag.lower()} Marijke", f"Brontewaithe{tag}"
    document = f"QX{secrets.randbelow(10**7):07d}{tag}"
    checklist = {
        "id_document_type": "residence_permit", "id_valid_until": id_valid.isoformat(),
        "bsn": bsn, "kvk": kvk, "birth_date": birth.isoformat(),
        "information_given": "yes", "help_offered": "yes", "category": "raam", "language": "pt",
    }
    if policy == "escrow":  # her consent, and what the official typed from her ID document
        checklist.update(escrow_consent="yes", given_names=given, family_name=family,
                         id_document_number=document)
    portrait = photo.process(photo_bytes)  # deterministic: the bytes the service makes too

    session_login(app, client, "intake")
    with app.extensions["pas"].db.transaction() as s:
        api_token = accounts.create_token(s, "intake", int(time.time()))
    page = client.get("/intake/new").get_data(as_text=True)
    csrf = _CSRF.search(page).group(1)
    request_token = _TOKEN.search(page).group(1)

    before = _temp_snapshot()
    watch = WriteWatch(monkeypatch)
    watch.active = True
    # 1. The web intake.
    web = post_multipart(client, "/intake/new", {
        "csrf_token": csrf, "request_token": request_token, **checklist,
        "photo": FileStorage(io.BytesIO(photo_bytes), "marker.png", content_type="image/png"),
    })
    # 2. The JSON API.
    bearer = {"Authorization": f"Bearer {api_token}"}
    api = post_multipart(client, "/api/v1/passes",
                         {**checklist, "photo": FileStorage(io.BytesIO(photo_bytes), "marker.png", content_type="image/png")},
                         headers=bearer)
    # 3. A renewal through the API with the same person (who keeps her code, if any).
    number = api.get_json()["number"]
    # Proof that she holds it: her card (photo compared) and, under escrow, her code from her receipt.
    kept: dict[str, str] = {"old_card": api.get_json()["qr_text"], "photo_confirmed": "yes"}
    if policy == "escrow":
        kept["personal_code"] = _receipt_code(base64.b64decode(api.get_json()["receipt_pdf_b64"]))
    renew = post_multipart(client, f"/api/v1/passes/{number}/renew",
                           {**checklist, **kept, "photo": FileStorage(io.BytesIO(photo_bytes), "marker.png", content_type="image/png")},
                           headers=bearer)
    # 4. A failed intake (bad KVK) with the same values.
    failed = post_multipart(client, "/intake/new", {
        "csrf_token": csrf, "request_token": request_token + "x", **checklist, "kvk": kvk[:7],
        "photo": FileStorage(io.BytesIO(photo_bytes), "marker.png", content_type="image/png"),
    })
    watch.active = False
    assert web.status_code == 200 and "intake-result" in web.get_data(as_text=True)
    assert api.status_code == 201 and renew.status_code == 201
    assert failed.status_code == 200 and "8 cijfers" in failed.get_data(as_text=True)

    # The service made exactly the portrait and thumbnail we computed.
    _, claims = decode_qr_text(api.get_json()["qr_text"])
    assert claims.photo == portrait.thumbnail
    web_page = web.get_data(as_text=True)
    assert base64.b64decode(_JPEG_URI.search(web_page).group(1)) == portrait.print_jpeg

    identity = (given, given.split()[0], family, family.upper(), document)
    text_needles = {enc for value in (marker, bsn, kvk, birth.isoformat(), id_valid.isoformat(),
                                      *identity)
                    for enc in _encodings(value)}
    # Her personal codes: in the response that shows it to her, nowhere else.
    codes: list[str] = []
    if policy == "escrow":
        assert _CODE.search(web_page) is None  # on her receipt only, not on the screen
        web_code = _receipt_code(base64.b64decode(html.unescape(_RECEIPT.search(web_page).group(1))))
        codes = [web_code, kept["personal_code"]]
        assert "personal_code" not in api.get_json() and "personal_code" not in renew.get_json()
        assert _receipt_code(base64.b64decode(renew.get_json()["receipt_pdf_b64"])) == codes[1]
        assert all(escrow.normalize_code(c) for c in codes)
        with app.extensions["pas"].db.transaction() as s:
            assert escrow.count_records(s) == 2
    else:
        assert _CODE.search(web_page) is None and "personal_code" not in api.get_json()
    code_needles = {enc for code in codes for form in (code, code.replace("-", ""))
                    for enc in _encodings(form)}
    # The birth date also in the forms a date might be printed in.
    text_needles |= {birth.strftime(f).encode() for f in ("%d-%m-%Y", "%d/%m/%Y", "%Y%m%d")}
    byte_needles = (_byte_needles(photo_bytes) | _byte_needles(portrait.thumbnail)
                    | _byte_needles(portrait.print_jpeg))

    def hits(blob: bytes, needles: set[bytes]) -> list[bytes]:
        return [n[:24] for n in needles if n and n in blob]

    # Nothing was opened for writing by Python code during the requests.
    assert watch.paths == []

    # The responses: no checklist value, no photo metadata (the marker is only in the upload).
    for response in (web, api, renew, failed):
        assert hits(response.get_data(), text_needles) == []
    assert hits(failed.get_data(), byte_needles) == []  # a failed intake sends no image back

    stored = text_needles | byte_needles | code_needles
    # The database, both as rows and (SQLite) as files including the WAL.
    assert hits(_db_dump(app), stored) == []
    for path in _files(instance.path):
        assert hits(_read(path), stored) == [], path
    app.extensions["pas"].db.dispose()  # a checkpoint moves the WAL into the main file
    for path in _files(instance.path):
        assert hits(_read(path), stored) == [], path

    # Files created or changed in the temp dir while the requests ran.
    after = _temp_snapshot()
    changed = [p for p, stamp in after.items() if before.get(p) != stamp]
    for path in changed:
        assert hits(_read(path), stored) == [], path

    # Logs (DEBUG and up, every logger) and the process's stdout/stderr.
    log_blob = "\n".join(
        f"{r.name} {r.getMessage()} {r.args!r} {r.exc_text or ''}" for r in caplog.records
    ).encode() + caplog.text.encode()
    out, err = capfd.readouterr()
    for blob in (log_blob, out.encode(), err.encode()):
        assert hits(blob, stored) == []

    # The search itself works: the needles are found where they must be.
    assert hits(photo_bytes, {marker.encode()})
    assert hits(base64.b64encode(b"..." + bsn.encode() + b"..."), text_needles)
    assert hits(web.get_data(), _byte_needles(portrait.print_jpeg))  # the card, inline
    if codes:  # printed on her receipt, not on the official's screen
        visible = re.sub(r'data:[^"]+', "", web_page)
        assert not any(group in visible for group in codes[0].split("-"))
