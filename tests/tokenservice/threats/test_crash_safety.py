"""kill -9 in the middle of issuing: nothing told to a client is lost, nothing is doubled.

The real server (``pas-service serve``: gunicorn; SQLite file with 1 worker, PostgreSQL
with 2) takes bursts of API issuance and revocation from several threads while a
"phone" keeps fetching the revocation list. Mid-burst the whole process group (master
and workers) gets SIGKILL; the server is started again on the same instance, twice.
Then:

- the database is consistent (SQLite ``PRAGMA integrity_check`` and
  ``foreign_key_check``; on both: no pass number or serial twice);
- every pass the API answered 201 for exists, with that serial, and every 200 to a
  revocation is in the published list;
- requests that never got an answer, sent again with the same ``request_id`` after the
  restart, give one pass each, not two (the idempotency key survives the crash);
- the revocation list's ``seq`` never went back, across all three server lives;
- ``pas-service audit verify`` passes.
"""

from __future__ import annotations

import datetime as dt
import http.client
import io
import itertools
import json
import os
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

import sqlalchemy as sa
from PIL import Image
from werkzeug.datastructures import FileStorage
from werkzeug.test import encode_multipart

from tests.support.browser import live_process
from tests.support.paths import FIXTURES
from tokenservice.access import accounts
from tokenservice.store.models import Card, PassRecord
from verifier.format import RevocationList

ROUNDS = 2  # kills
ISSUERS = 4  # threads issuing
BURST_AFTER = 3  # kill once this many passes were issued in the round ...
KILL_DELAY_S = (0.05, 0.3)  # ... plus a moment, so requests are in flight


def _small_photo() -> bytes:
    img = Image.open(FIXTURES / "astronaut.png").convert("RGB")
    img.thumbnail((320, 320))
    buf = io.BytesIO()
    img.save(buf, "JPEG", quality=90)
    return buf.getvalue()


PHOTO = _small_photo()


def _fields(request_id: str) -> dict[str, object]:
    today = dt.date.today()
    return {
        "category": "raam", "language": "nl", "request_id": request_id,
        "birth_date": today.replace(year=today.year - 30, day=1).isoformat(),
        "id_document_type": "passport",
        "id_valid_until": (today + dt.timedelta(days=400)).isoformat(),
        "bsn": "111222333", "kvk": "12345678",
        "photo": FileStorage(io.BytesIO(PHOTO), filename="photo.jpg", content_type="image/jpeg"),
    }


class Client:
    """One keep-alive connection with a bearer token."""

    def __init__(self, base: str, token: str) -> None:
        parts = urlsplit(base)
        assert parts.hostname == "127.0.0.1"
        self.conn = http.client.HTTPConnection(parts.hostname, parts.port, timeout=30)
        self.token = token

    def request(self, method: str, path: str, body: bytes | None = None,
                content_type: str | None = None) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {self.token}"}
        if content_type:
            headers["Content-Type"] = content_type
        self.conn.request(method, path, body=body, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def issue(self, request_id: str) -> tuple[int, bytes]:
        boundary, body = encode_multipart(_fields(request_id))
        return self.request("POST", "/api/v1/passes", body,
                            f"multipart/form-data; boundary={boundary}")

    def close(self) -> None:
        self.conn.close()


def _seq(body: bytes) -> tuple[int, frozenset[bytes]]:
    _, rl = RevocationList.open(body)
    return rl.seq, frozenset(rl.serials)


class Ledger:
    """What clients were told, across server lives."""

    def __init__(self) -> None:
        self.lock = threading.Lock()
        self.issued: dict[str, dict[str, str]] = {}  # request_id -> 201 body
        self.unanswered: set[str] = set()  # request_ids sent without a response
        self.revoked: dict[str, str] = {}  # number -> revoked serial set by a 200
        self.seqs: list[int] = []
        self.other: list[str] = []  # anything unexpected (4xx/5xx)
        self.next_id = 0

    def new_id(self) -> str:
        with self.lock:
            self.next_id += 1
            return f"crash-{self.next_id:04d}"


def _burst(base: str, intake: str, handhaver: str, ledger: Ledger, round_no: int,
           proc: subprocess.Popen[bytes]) -> None:
    """Issue, revoke and fetch lists until the server is killed under our feet."""
    dead = threading.Event()
    killing = threading.Event()
    issued_this_round = [0]

    def issuer() -> None:
        client = Client(base, intake)
        try:
            while not dead.is_set():
                rid = ledger.new_id()
                with ledger.lock:
                    ledger.unanswered.add(rid)
                try:
                    status, body = client.issue(rid)
                except (OSError, http.client.HTTPException) as exc:
                    if not killing.is_set():  # not our kill: say so instead of failing silently
                        with ledger.lock:
                            ledger.other.append(f"issue before the kill: {type(exc).__name__}: {exc}")
                    return  # killed mid-request: stays unanswered
                with ledger.lock:
                    ledger.unanswered.discard(rid)
                    if status == 201:
                        ledger.issued[rid] = json.loads(body)
                        issued_this_round[0] += 1
                    else:
                        ledger.other.append(f"issue {status} {body[:200]!r}")
                        return
        finally:
            client.close()

    def revoker() -> None:
        client = Client(base, handhaver)
        try:
            while not dead.is_set():
                with ledger.lock:
                    todo = [b for b in ledger.issued.values() if b["number"] not in ledger.revoked]
                if not todo:
                    time.sleep(0.02)
                    continue
                target = todo[0]
                try:
                    status, body = client.request(
                        "POST", f"/api/v1/passes/{target['number']}/revoke",
                        json.dumps({"reason": "lost"}).encode(), "application/json")
                except (OSError, http.client.HTTPException):
                    return
                with ledger.lock:
                    if status == 200:
                        ledger.revoked[target["number"]] = target["serial"]
                    else:
                        ledger.other.append(f"revoke {status} {body[:200]!r}")
                        return
        finally:
            client.close()

    def phone() -> None:
        client = Client(base, intake)
        try:
            while not dead.is_set():
                try:
                    status, body = client.request("GET", "/.well-known/pas/revocations/GM9999.cose")
                except (OSError, http.client.HTTPException):
                    return
                if status == 200:
                    with ledger.lock:
                        ledger.seqs.append(_seq(body)[0])
                time.sleep(0.01)
        finally:
            client.close()

    threads = [threading.Thread(target=issuer) for _ in range(ISSUERS)]
    threads += [threading.Thread(target=revoker), threading.Thread(target=phone)]
    for t in threads:
        t.start()
    deadline = time.monotonic() + 30
    while (issued_this_round[0] < BURST_AFTER and time.monotonic() < deadline
           and not ledger.other):
        time.sleep(0.01)
    lo, hi = KILL_DELAY_S
    time.sleep(lo + (hi - lo) * (round_no % 3) / 2)
    killing.set()
    os.killpg(proc.pid, signal.SIGKILL)  # master and workers, no chance to clean up
    proc.wait(timeout=10)
    dead.set()
    for t in threads:
        t.join(timeout=40)
    assert not any(t.is_alive() for t in threads)
    assert issued_this_round[0] >= BURST_AFTER, (
        f"the server issued too little before the kill: {ledger.other[:5]}")


def _pas_service() -> list[str]:
    script = Path(sys.executable).parent / "pas-service"
    return [str(script)] if script.exists() else [sys.executable, "-m", "tokenservice._cli"]


def test_kill_9_mid_burst_loses_nothing_and_doubles_nothing(instance) -> None:
    sqlite = instance.database_url.startswith("sqlite")
    env = {} if sqlite else {"PAS_DATABASE_URL": instance.database_url}
    args = ["--workers", "1" if sqlite else "2"]
    settings = instance.settings()
    engine = sa.create_engine(settings.database_url)
    now = int(time.time())
    from tokenservice.store.db import Database

    db = Database(settings.database_url)
    with db.transaction() as s:
        intake = accounts.create_token(s, "intake", now)
        handhaver = accounts.create_token(s, "handhaver", now)
    db.dispose()

    ledger = Ledger()
    for round_no in range(ROUNDS):
        with live_process(instance.path, env=env, extra_args=args) as (proc, base):
            _burst(base, intake, handhaver, ledger, round_no, proc)
        if sqlite:  # after the crash, before anyone opens it again: still a sound file
            with engine.connect() as conn:
                assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"

    with live_process(instance.path, env=env, extra_args=args) as (_proc, base):
        client = Client(base, intake)
        # Requests that never got an answer are sent again with their request_id.
        retried: dict[str, dict[str, str]] = {}
        for rid in sorted(ledger.unanswered):
            status, body = client.issue(rid)
            assert status == 201, body[:300]
            retried[rid] = json.loads(body)
        # Every pass a client was told about exists, with its serial.
        for i, (rid, told) in enumerate(sorted(ledger.issued.items())):
            status, body = client.request("GET", f"/api/v1/passes/{told['number']}")
            assert status == 200, (rid, body[:200])
            if i < 3:  # and its request_id still maps to it (a replay re-renders: costly)
                again_status, again = client.issue(rid)
                assert again_status == 201
                assert (json.loads(again)["number"], json.loads(again)["serial"]) == (
                    told["number"], told["serial"])
        status, body = client.request("GET", "/.well-known/pas/revocations/GM9999.cose")
        assert status == 200
        final_seq, final_serials = _seq(body)
        client.close()

    assert not ledger.other, ledger.other[:5]
    assert len(ledger.issued) >= ROUNDS * BURST_AFTER
    for number, serial in ledger.revoked.items():
        assert bytes.fromhex(serial) in final_serials, f"revocation of {number} was lost"
    seqs = [*ledger.seqs, final_seq]
    assert all(b >= a for a, b in itertools.pairwise(seqs)), "seq went back"

    told = {**ledger.issued, **retried}
    with engine.connect() as conn:
        if sqlite:
            assert conn.exec_driver_sql("PRAGMA integrity_check").scalar() == "ok"
            assert conn.exec_driver_sql("PRAGMA foreign_key_check").fetchall() == []
        numbers = conn.execute(sa.select(PassRecord.number)).scalars().all()
        serials = conn.execute(sa.select(Card.serial)).scalars().all()
    engine.dispose()
    assert len(numbers) == len(set(numbers)) and len(serials) == len(set(serials))
    # One pass per request_id, whether it was answered before the kill or only on retry.
    assert len(numbers) == len(told)
    assert {b["number"] for b in told.values()} == set(numbers)
    assert {bytes.fromhex(b["serial"]) for b in told.values()} == set(serials)

    audit = subprocess.run(
        [*_pas_service(), "--instance", str(instance.path), "audit", "verify"],
        capture_output=True, text=True, timeout=60, env={**os.environ, **env},
    )
    assert audit.returncode == 0, audit.stdout + audit.stderr
    assert "audit log intact" in audit.stdout
