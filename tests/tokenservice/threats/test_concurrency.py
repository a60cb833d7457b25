"""Many officials at once: concurrent issuance, renewal and revocation on SQLite and PostgreSQL.

Threads call :class:`tokenservice.issue.passes.PassService` directly (the code under both
the web form and the API), all released together by a barrier. Afterwards the
database must hold exactly what the callers were told: no errors, no number or serial
twice, one live card per pass, every superseded or revoked card in the published list,
an intact audit chain. The revocation list's ``seq`` only grows, and no published list
ever forgets a serial an earlier one had. A revocation survives a restart of the app.
"""

from __future__ import annotations

import itertools
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import sqlalchemy as sa

from tokenservice import audit
from tokenservice.issue.passes import Issued, Official
from tokenservice.store.models import Card, PassRecord, RevokeReason
from tokenservice.web.app import create_app
from verifier import Status, TrustStore, verify
from verifier.format import RevocationList

INTAKE = Official("intake", "intake")
HANDHAVER = Official("handhaver", "handhaver")
#: A thumbnail-sized stand-in: the photo bytes do not matter to issuance.
PHOTO = bytes(range(256)) * 2
N = 50
RENEWED = N // 2


def _issue(passes) -> Issued:  # type: ignore[no-untyped-def]
    return passes.issue(iss="GM9999", category="raam", photo=PHOTO, photo_type="image/webp",
                        official=INTAKE)


def _store(client) -> TrustStore:  # type: ignore[no-untyped-def]
    anchor = client.get("/.well-known/pas/anchor.pub").data.decode().strip()
    trust_list = client.get("/.well-known/pas/trust-list.cose").data
    revocations = client.get("/.well-known/pas/revocations/GM9999.cose").data
    return TrustStore.from_bytes(bytes.fromhex(anchor), trust_list, [revocations])


def _all_at_once(fn, count: int) -> list:  # type: ignore[no-untyped-def]
    """``fn(i)`` for i in range(count), each in its own thread, released together."""
    barrier = threading.Barrier(count)

    def run(i: int):  # type: ignore[no-untyped-def]
        barrier.wait(timeout=60)
        return fn(i)

    with ThreadPoolExecutor(max_workers=count) as pool:
        return list(pool.map(run, range(count)))  # re-raises the first error


def test_fifty_concurrent_issuances_and_renewals(app, client) -> None:
    svc = app.extensions["pas"]
    passes = svc.passes
    originals = [_issue(passes) for _ in range(RENEWED)]

    def work(i: int) -> Issued:
        if i % 2 == 0:
            return _issue(passes)
        return passes.renew(number=originals[i // 2].number, category=None, photo=PHOTO,
                            photo_type="image/webp", official=INTAKE)

    started = time.monotonic()
    results = _all_at_once(work, N)
    elapsed = time.monotonic() - started
    new = [r for r in results if not r.renewal]
    renewals = [r for r in results if r.renewal]
    assert len(new) == N // 2 and len(renewals) == N // 2

    every = originals + results
    assert len({r.serial for r in every}) == len(every), "a serial was handed out twice"
    assert len({r.number for r in originals + new}) == RENEWED + N // 2
    with svc.db.transaction() as s:
        numbers = Counter(s.scalars(sa.select(PassRecord.number)).all())
        serials = Counter(s.scalars(sa.select(Card.serial)).all())
        assert max(numbers.values()) == 1 and max(serials.values()) == 1
        assert set(numbers) == {r.number for r in originals + new}
        assert set(serials) == {r.serial for r in every}
        # One live card per pass: a renewal supersedes the card before it.
        for record in s.scalars(sa.select(PassRecord)):
            live = [c for c in record.cards if c.revoked_at is None]
            assert len(live) == 1, f"{record.number} has {len(live)} live cards"
            assert all(c.revoke_reason == RevokeReason.SUPERSEDED
                       for c in record.cards if c.revoked_at is not None)
        chain = audit.verify_chain(s)
    assert chain.intact and chain.events == RENEWED + N

    # What a verifier sees: exactly the live cards are VALID; the rest REVOKED.
    store = _store(client)
    statuses = Counter(verify(r.qr_text, store).status for r in every)
    assert statuses == {Status.VALID: RENEWED + N // 2, Status.REVOKED: RENEWED}
    assert elapsed < 60


def test_concurrent_renewals_of_one_pass_leave_one_live_card(request, instance, app,
                                                             client) -> None:
    """Two stations renewing the same pass at once (a double submit with two tokens):
    the last card wins, every earlier one is superseded and published as revoked."""
    svc = app.extensions["pas"]
    passes = svc.passes
    originals = [_issue(passes) for _ in range(2)]
    results = _all_at_once(
        lambda i: passes.renew(number=originals[i % 2].number, category=None, photo=PHOTO,
                               photo_type="image/webp", official=INTAKE), 16)
    with svc.db.transaction() as s:
        for record in s.scalars(sa.select(PassRecord)):
            live = [c for c in record.cards if c.revoked_at is None]
            assert len(record.cards) == 9
            assert len(live) == 1, f"{record.number} has {len(live)} live cards"
    store = _store(client)
    statuses = Counter(verify(r.qr_text, store).status for r in originals + results)
    assert statuses == {Status.VALID: 2, Status.REVOKED: 16}


def _seq_and_serials(signed: bytes) -> tuple[int, frozenset[bytes]]:
    _, rl = RevocationList.open(signed)
    return rl.seq, frozenset(rl.serials)


def test_revocation_list_seq_only_grows_under_concurrent_revocations(app, client) -> None:
    passes = app.extensions["pas"].passes
    cards = [_issue(passes) for _ in range(30)]
    first_seq, _ = _seq_and_serials(passes.revocation_list("GM9999"))
    seen: list[tuple[int, frozenset[bytes]]] = []
    stop = threading.Event()

    def watch() -> None:  # a phone fetching the list over and over meanwhile
        while not stop.is_set():
            seen.append(_seq_and_serials(passes.revocation_list("GM9999")))

    watcher = threading.Thread(target=watch)
    watcher.start()
    try:
        _all_at_once(lambda i: passes.revoke(number=cards[i].number,
                                             reason="lost" if i % 2 else "stopped",
                                             official=HANDHAVER), len(cards))
    finally:
        stop.set()
        watcher.join(timeout=60)
    final_seq, final = _seq_and_serials(passes.revocation_list("GM9999"))
    seen.append((final_seq, final))
    assert final == {c.serial for c in cards}
    assert final_seq >= first_seq + len(cards)  # every revocation re-signed the list
    for (seq_a, set_a), (seq_b, set_b) in itertools.pairwise(seen):
        assert seq_b >= seq_a, "the revocation list's seq went back"
        assert set_b >= set_a, "a later list forgot a revoked serial"
        assert seq_b > seq_a or set_b == set_a, "two different lists with the same seq"
    assert len(seen) > 1
    store = _store(client)
    assert all(verify(c.qr_text, store).status is Status.REVOKED for c in cards)


def test_a_revocation_survives_a_restart_and_is_in_the_next_list(instance, app, client) -> None:
    passes = app.extensions["pas"].passes
    keep, gone = _issue(passes), _issue(passes)
    before, _ = _seq_and_serials(client.get("/.well-known/pas/revocations/GM9999.cose").data)
    passes.revoke(number=gone.number, reason="stolen", official=HANDHAVER)
    app.extensions["pas"].db.dispose()

    # A new process would build a new app from the same instance folder and database.
    again = create_app(instance.settings())
    try:
        fresh = again.test_client()
        signed = fresh.get("/.well-known/pas/revocations/GM9999.cose").data
        seq, serials = _seq_and_serials(signed)
        assert seq > before and gone.serial in serials and keep.serial not in serials
        store = _store(fresh)
        assert verify(gone.qr_text, store).status is Status.REVOKED
        assert verify(keep.qr_text, store).status is Status.VALID
        status = again.extensions["pas"].passes.status(gone.number)
        assert status.status == "card_revoked" and status.reason == "stolen"
    finally:
        again.extensions["pas"].db.dispose()
