"""pas-verify sync: fetch, verify and cache the lists; check and scan fall back to the cache.

Against a real service (demo instance, gunicorn on loopback) for the happy path and
a revocation; against a tiny local static server whose files the test controls for
rollbacks, pinning, forged lists and limits.
"""

from __future__ import annotations

import http.server
import json
import os
import stat
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from pas_support import DAY, key, number, photo_avif, serial

from tests.support.static import snapshot, static_server
from verifier import _cli
from verifier.cache import Cache, CacheError, default_dir, lists_url
from verifier.format import DEFAULT_CATEGORIES, IssuerEntry, Pass, RevocationList, TrustList

ISS = "GM0014"
OTHER = "GM0106"


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = _cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def check_json(cache: Path, text: str, capsys: pytest.CaptureFixture[str], *extra: str) -> tuple[int, dict[str, Any]]:
    code, out, err = run(["check", "--cache-dir", str(cache), "--json", "--text", text, *extra], capsys)
    assert code in (0, 1), err
    return code, json.loads(out)


def sync_json(
    cache: Path, url: str, capsys: pytest.CaptureFixture[str], *extra: str
) -> tuple[int, dict[str, Any] | None, str]:
    code, out, err = run(["sync", url, "--cache-dir", str(cache), "--json", *extra], capsys)
    return code, (json.loads(out) if code == 0 else None), err


def modes(cache: Path) -> dict[str, int]:
    return {
        str(p.relative_to(cache)): stat.S_IMODE(p.stat().st_mode)
        for p in [cache, *cache.rglob("*")]
    }


# --- against the real service --------------------------------------------------------------


@pytest.fixture(scope="module")
def service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Any]]:
    from tests.support.browser import live_service
    from tokenservice import config
    from tokenservice.issue.keyring import Keyring
    from tokenservice.issue.passes import Official, PassService
    from tokenservice.ops.instance import DEMO_ISS, init_instance
    from tokenservice.store.db import Database

    instance = tmp_path_factory.mktemp("sync-service") / "instance"
    init_instance(instance, demo=True)
    settings = config.load(env={}, instance_dir=instance)
    db = Database(settings.database_url)
    passes = PassService(db, Keyring(settings.keys_dir, settings.key_passphrase), settings)
    issued = passes.issue(
        iss=DEMO_ISS, category="raam", photo=photo_avif(), photo_type="image/avif",
        official=Official("intake", "intake"),
    )
    # Out of band, as a municipality hands it to exploitanten: read from the instance's
    # keys folder, not fetched from the server.
    anchor = (settings.keys_dir / "anchor.pub").read_text().strip()
    try:
        with live_service(instance) as base:
            yield {"base": base, "passes": passes, "issued": issued, "anchor": anchor}
    finally:
        db.dispose()


def test_sync_check_revoke_resync(
    service: dict[str, Any], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from tokenservice.issue.passes import Official

    cache = tmp_path / "cache"
    issued = service["issued"]
    code, summary, err = sync_json(cache, service["base"] + "/", capsys, "--anchor", service["anchor"])
    assert code == 0, err
    assert summary is not None
    assert summary["newly_pinned"] and summary["anchor"] == service["anchor"]
    assert summary["lists_url"] == service["base"] + "/.well-known/pas/"
    assert [i["iss"] for i in summary["issuers"]] == ["GM9999"]
    first_rl = summary["issuers"][0]["revocations"]
    assert first_rl is not None and first_rl["revoked"] == 0
    assert summary["warnings"] == []

    # Only the pinned anchor and the public lists, private to the user.
    # The service's audit-log checkpoint too: every sync is a witness (docs/transparency.md).
    assert sorted(modes(cache)) == [".", "anchor.hex", "log", "log/GM9999.cose", "revocations",
                                    "revocations/GM9999.cose", "trust-list.cose"]
    assert summary["log"]["iss"] == "GM9999" and summary["log"]["previous_size"] is None
    for name, mode in modes(cache).items():
        assert mode == (0o700 if (cache / name).is_dir() else 0o600), name
    assert (cache / "anchor.hex").read_text() == service["anchor"] + "\n"

    code, verdict = check_json(cache, issued.qr_text, capsys)
    assert (code, verdict["status"], verdict["number"]) == (0, "VALID", issued.number)
    assert verdict["warnings"] == []

    service["passes"].revoke(
        number=issued.number, reason="stolen", official=Official("handhaver", "handhaver")
    )
    # Before a re-sync the cache still says VALID: it is offline by design.
    assert check_json(cache, issued.qr_text, capsys)[1]["status"] == "VALID"

    # The second sync needs no --anchor: it is pinned. The folder URL works too.
    code, summary, err = sync_json(cache, service["base"] + "/.well-known/pas/", capsys)
    assert code == 0, err
    assert summary is not None and not summary["newly_pinned"]
    assert summary["log"]["previous_size"] is not None  # checked against the kept checkpoint
    rl = summary["issuers"][0]["revocations"]
    assert rl["revoked"] == 1 and rl["seq"] > rl["previous_seq"] == first_rl["seq"]
    assert summary["trust_list"]["previous_seq"] == summary["trust_list"]["seq"]

    code, verdict = check_json(cache, issued.qr_text, capsys)
    assert (code, verdict["status"]) == (1, "REVOKED")


def test_human_output_and_entry_point(
    service: dict[str, Any], tmp_path: Path
) -> None:
    """The installed way: the console script, the cache named by PAS_VERIFY_CACHE."""
    env = {**os.environ, "PAS_VERIFY_CACHE": str(tmp_path / "c"), "NO_COLOR": "1"}
    cmd = [sys.executable, "-m", "verifier._cli"]
    out = subprocess.run(
        [*cmd, "sync", service["base"], "--anchor", service["anchor"]],
        env=env, capture_output=True, text=True, check=False, timeout=60,
    )
    assert out.returncode == 0, out.stderr
    assert "Lijsten bijgewerkt (lists updated):" in out.stdout
    assert "Vertrouwde lijst (trust list): seq" in out.stdout
    assert "GM9999 Demogemeente:" in out.stdout and "zojuist (just now)" in out.stdout
    assert service["anchor"] in out.stdout and "newly pinned" in out.stdout
    out = subprocess.run(
        [*cmd, "check", "--json", "--text", "-"], input=service["issued"].qr_text,
        env=env, capture_output=True, text=True, check=False, timeout=60,
    )
    assert out.returncode in (0, 1), out.stderr
    assert json.loads(out.stdout)["number"] == service["issued"].number


# --- against files the test controls -----------------------------------------------------


class Lists:
    """A signed world whose published files the test rewrites at will."""

    def __init__(self, root: Path, now: int) -> None:
        self.root, self.now = root, now
        self.folder = root / ".well-known" / "pas"
        (self.folder / "revocations").mkdir(parents=True)
        self.anchor, self.issuer, self.other = key("sync/anchor"), key("sync/issuer"), key("sync/other")
        self.anchor_hex = bytes(self.anchor.verify_key).hex()

    def entry(self, iss: str, signer: nacl.signing.SigningKey) -> IssuerEntry:
        return IssuerEntry(
            iss=iss, name=f"Gemeente {iss}", public_key=bytes(signer.verify_key),
            nbf=self.now - 400 * DAY, exp=self.now + 400 * DAY, categories=DEFAULT_CATEGORIES,
        )

    def publish_trust_list(
        self, seq: int, *, signer: nacl.signing.SigningKey | None = None, with_other: bool = False
    ) -> bytes:
        issuers = [self.entry(ISS, self.issuer)]
        if with_other:
            issuers.append(self.entry(OTHER, self.other))
        tl = TrustList(seq=seq, iat=self.now - DAY, exp=self.now + 30 * DAY, issuers=tuple(issuers))
        data = tl.sign(signer or self.anchor)
        (self.folder / "trust-list.cose").write_bytes(data)
        return data

    def publish_revocations(
        self, seq: int, serials: list[bytes], *, iss: str = ISS,
        signer: nacl.signing.SigningKey | None = None,
    ) -> bytes:
        rl = RevocationList.build(
            iss=iss, seq=seq, iat=self.now - DAY, exp=self.now + 7 * DAY, serials=serials
        )
        data = rl.sign(signer or (self.issuer if iss == ISS else self.other))
        (self.folder / "revocations" / f"{iss}.cose").write_bytes(data)
        return data

    def card(self, label: str) -> tuple[str, bytes]:
        s = serial(label)
        text = Pass(
            iss=ISS, number=number("GR", label), category="raam", serial=s,
            iat=self.now - DAY, nbf=self.now - DAY, exp=self.now + 700 * DAY,
            photo=photo_avif(), photo_type="image/avif",
        ).sign(self.issuer)
        return text, s


@pytest.fixture
def lists(tmp_path: Path) -> Iterator[tuple[Lists, str]]:
    import time

    world = Lists(tmp_path / "www", int(time.time()))
    with static_server(world.root) as url:
        yield world, url


def test_trust_list_rollback_refused(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, url = lists
    cache = tmp_path / "cache"
    world.publish_trust_list(5)
    world.publish_revocations(1, [])
    code, summary, err = sync_json(cache, url, capsys, "--anchor", world.anchor_hex)
    assert code == 0, err
    assert summary is not None and summary["trust_list"]["seq"] == 5
    before = snapshot(cache)

    world.publish_trust_list(4)  # validly signed, but older: a replay
    code, _, err = sync_json(cache, url, capsys)
    assert code == 2
    assert "rollback" in err and "lower than 5" in err and "unchanged" in err
    assert snapshot(cache) == before

    world.publish_trust_list(5)  # the same seq again is fine; newer is fine
    assert sync_json(cache, url, capsys)[0] == 0
    world.publish_trust_list(6)
    code, summary, _ = sync_json(cache, url, capsys)
    assert code == 0 and summary is not None
    assert (summary["trust_list"]["seq"], summary["trust_list"]["previous_seq"]) == (6, 5)


def test_an_equivocating_revocation_list_is_refused_and_the_cache_kept(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """token-format.md §9: the same seq with other contents is the issuer contradicting
    itself. The sync used to keep the newest silently (the revocation disappeared)."""
    world, url = lists
    cache = tmp_path / "cache"
    revoked, revoked_serial = world.card("revoked")
    world.publish_trust_list(1)
    world.publish_revocations(3, [revoked_serial])
    assert sync_json(cache, url, capsys, "--anchor", world.anchor_hex)[0] == 0
    before = snapshot(cache)
    world.publish_revocations(3, [])  # seq 3 again, without the revocation
    code, _, err = sync_json(cache, url, capsys)
    assert code == 2 and "equivocates" in err
    assert snapshot(cache) == before
    code, verdict = check_json(cache, revoked, capsys)
    assert (code, verdict["status"]) == (1, "REVOKED")
    world.publish_revocations(4, [revoked_serial])  # a newer list is taken as always
    assert sync_json(cache, url, capsys)[0] == 0


def test_revocation_rollback_refused_and_nothing_written(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, url = lists
    cache = tmp_path / "cache"
    revoked, revoked_serial = world.card("revoked")
    world.publish_trust_list(1)
    world.publish_revocations(3, [revoked_serial])
    assert sync_json(cache, url, capsys, "--anchor", world.anchor_hex)[0] == 0
    before = snapshot(cache)

    # An older list from before the revocation, together with a newer trust list:
    # the whole sync is refused, the newer trust list is not taken either.
    world.publish_revocations(2, [])
    world.publish_trust_list(2)
    code, _, err = sync_json(cache, url, capsys)
    assert code == 2 and f"revocation list of {ISS} rolls back to seq 2" in err
    assert snapshot(cache) == before
    code, verdict = check_json(cache, revoked, capsys)
    assert (code, verdict["status"]) == (1, "REVOKED")


def _publish_log(world: Lists, leaves: list[bytes], *, since: int | None = None,
                 signer: nacl.signing.SigningKey | None = None) -> None:
    """The service's audit-log head over ``leaves``, and the proof from ``since`` events."""
    from verifier import translog

    folder = world.folder / "log"
    folder.mkdir(exist_ok=True)
    head = translog.Checkpoint(iss=ISS, size=len(leaves), root=translog.root(leaves), iat=world.now)
    (folder / "checkpoint").write_bytes(head.sign(signer or world.issuer))
    if since is not None:  # a static server ignores ?from=&to=: one proof at a time
        proof = translog.consistency_proof(since, leaves)
        body = {"v": 1, "from": since, "to": len(leaves), "proof": [h.hex() for h in proof]}
        (folder / "consistency").write_text(json.dumps(body))


def test_sync_is_a_witness_of_the_audit_log(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    from verifier import translog

    world, url = lists
    cache = tmp_path / "cache"
    world.publish_trust_list(1)
    world.publish_revocations(1, [])
    leaves = [translog.leaf_hash(bytes([i])) for i in range(9)]
    _publish_log(world, leaves[:4])
    code, summary, err = sync_json(cache, url, capsys, "--anchor", world.anchor_hex)
    assert code == 0, err
    assert summary is not None and summary["log"]["size"] == 4 and summary["log"]["previous_size"] is None
    assert stat.S_IMODE((cache / "log" / f"{ISS}.cose").stat().st_mode) == 0o600

    _publish_log(world, leaves[:7], since=4)  # it grew: the proof says it only grew
    code, out, err = run(["sync", url, "--cache-dir", str(cache)], capsys)
    assert code == 0, err
    assert "Auditlog (audit log)" in out and "7 gebeurtenissen" in out and "since 4" in out
    good = snapshot(cache)

    rewritten = list(leaves)
    rewritten[2] = translog.leaf_hash(b"the release event, replaced")
    _publish_log(world, rewritten[:9], since=7)  # a valid proof, of another history
    code, _, err = sync_json(cache, url, capsys)
    assert code == 2 and "REFUSED" in err and "rewritten" in err and "fork" in err
    assert "last good checkpoint (7 events" in err and "privacy officer" in err
    assert snapshot(cache) == good

    _publish_log(world, leaves[:5])  # events dropped from the end
    code, _, err = sync_json(cache, url, capsys)
    assert code == 2 and "rollback" in err and "fewer events (5)" in err
    assert snapshot(cache) == good

    (world.folder / "log" / "consistency").unlink()
    _publish_log(world, leaves[:9])  # no proof given: nothing shows it only grew
    assert sync_json(cache, url, capsys)[0] == 2
    # Signed by a key the log serves itself, not one the anchor lists: refused.
    _publish_log(world, leaves[:9], since=7, signer=key("sync/self-made"))
    code, _, err = sync_json(cache, url, capsys)
    assert code == 2 and "not listed" in err
    assert snapshot(cache) == good

    _publish_log(world, leaves[:9], since=7)  # honest again: accepted
    code, summary, err = sync_json(cache, url, capsys)
    assert code == 0 and summary is not None and summary["log"]["previous_size"] == 7


def test_first_sync_needs_an_anchor(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, url = lists
    world.publish_trust_list(1)
    cache = tmp_path / "cache"
    code, _, err = sync_json(cache, url, capsys)
    assert code == 2 and "--anchor" in err and "not one fetched from the server" in err
    assert not cache.exists()
    code, _, err = run(["sync", url, "--cache-dir", str(cache), "--repin"], capsys)
    assert code == 2 and "--repin needs" in err


def test_other_anchor_needs_repin(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, url = lists
    cache = tmp_path / "cache"
    world.publish_trust_list(7)
    world.publish_revocations(1, [])
    assert sync_json(cache, url, capsys, "--anchor", world.anchor_hex)[0] == 0
    # Giving the same anchor again is fine.
    assert sync_json(cache, url, capsys, "--anchor", world.anchor_hex)[0] == 0

    new_anchor = key("sync/new-anchor")
    new_hex = bytes(new_anchor.verify_key).hex()
    world.publish_trust_list(1, signer=new_anchor)  # a new anchor counts from 1 again
    before = snapshot(cache)
    code, _, err = sync_json(cache, url, capsys, "--anchor", new_hex)
    assert code == 2 and "different anchor" in err and "--repin" in err
    assert snapshot(cache) == before
    # Without --anchor the pinned one is used, and the new list does not verify under it.
    code, _, err = sync_json(cache, url, capsys)
    assert code == 2 and "not signed by the pinned trust anchor" in err
    assert snapshot(cache) == before

    anchor_file = tmp_path / "new-anchor.txt"
    anchor_file.write_text(new_hex + "\n")
    code, summary, err = sync_json(cache, url, capsys, "--anchor", str(anchor_file), "--repin")
    assert code == 0, err
    assert summary is not None and summary["newly_pinned"] and summary["trust_list"]["seq"] == 1
    assert (cache / "anchor.hex").read_text() == new_hex + "\n"
    text, _ = world.card("after-repin")
    assert check_json(cache, text, capsys)[1]["status"] == "VALID"


def test_forged_lists_refused(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, url = lists
    cache = tmp_path / "cache"
    world.publish_trust_list(1, signer=key("sync/stranger"))
    code, _, err = sync_json(cache, url, capsys, "--anchor", world.anchor_hex)
    assert code == 2 and "not signed by the pinned trust anchor" in err
    assert not (cache / "anchor.hex").exists()  # nothing pinned from a failed first sync

    world.publish_trust_list(1)
    world.publish_revocations(1, [], signer=key("sync/stranger"))
    code, _, err = sync_json(cache, url, capsys, "--anchor", world.anchor_hex)
    assert code == 2 and "revocation list" in err
    assert not (cache / "trust-list.cose").exists()

    # A valid list of one issuer served at another issuer's address.
    world.publish_trust_list(2, with_other=True)
    other_data = world.publish_revocations(1, [], iss=OTHER)
    (world.folder / "revocations" / f"{ISS}.cose").write_bytes(other_data)
    code, _, err = sync_json(cache, url, capsys, "--anchor", world.anchor_hex)
    assert code == 2 and f"revocation list of {OTHER} as {ISS}" in err


def test_missing_revocation_list_and_dropped_issuer(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, url = lists
    cache = tmp_path / "cache"
    world.publish_trust_list(1, with_other=True)
    world.publish_revocations(1, [])  # OTHER publishes nothing here: 404
    code, summary, err = sync_json(cache, url, capsys, "--anchor", world.anchor_hex)
    assert code == 0, err
    assert summary is not None
    assert [(i["iss"], i["revocations"] is None) for i in summary["issuers"]] == [
        (ISS, False), (OTHER, True),
    ]
    assert summary["warnings"] == [f"revocations_missing:{OTHER}"]

    world.publish_revocations(4, [], iss=OTHER)
    assert sync_json(cache, url, capsys)[0] == 0
    assert (cache / "revocations" / f"{OTHER}.cose").exists()
    # OTHER's list disappears from the server: the cached one is kept while it verifies.
    (world.folder / "revocations" / f"{OTHER}.cose").unlink()
    code, summary, _ = sync_json(cache, url, capsys)
    assert code == 0 and summary is not None
    assert summary["issuers"][1]["revocations"]["kept_from_cache"] is True
    # OTHER leaves the trust list: its cached revocation list goes too.
    world.publish_trust_list(2)
    code, summary, _ = sync_json(cache, url, capsys)
    assert code == 0 and summary is not None and summary["dropped"] == [OTHER]
    assert sorted(p.name for p in (cache / "revocations").iterdir()) == [f"{ISS}.cose"]


def test_check_uses_the_cache_and_flags_override(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, url = lists
    cache = tmp_path / "cache"
    text, card_serial = world.card("flags")
    code, _, err = run(["check", "--cache-dir", str(cache), "--text", text], capsys)
    assert code == 2 and "run `pas-verify sync URL` first" in err
    assert not cache.exists()

    world.publish_trust_list(1)
    world.publish_revocations(1, [])
    assert sync_json(cache, url, capsys, "--anchor", world.anchor_hex)[0] == 0
    assert check_json(cache, text, capsys)[1]["status"] == "VALID"
    # The default location, from the environment.
    env_cache = default_dir({"PAS_VERIFY_CACHE": str(cache)})
    assert env_cache == cache

    # Extra revocation files are added to the cached lists.
    newer = tmp_path / "newer.cose"
    newer.write_bytes(world.publish_revocations(2, [card_serial]))
    code, verdict = check_json(cache, text, capsys, "--revocations", str(newer))
    assert (code, verdict["status"]) == (1, "REVOKED")
    # Explicit --anchor and --trust-list: the cache is not used (no revocations then).
    tl = tmp_path / "tl.cose"
    tl.write_bytes((world.folder / "trust-list.cose").read_bytes())
    code, verdict = check_json(cache, text, capsys, "--anchor", world.anchor_hex, "--trust-list", str(tl))
    assert (code, verdict["status"]) == (0, "VALID")
    assert verdict["warnings"] == ["REVOCATIONS_MISSING"]
    # A wrong --anchor with the cached trust list is refused.
    code, _, err = run(
        ["check", "--cache-dir", str(cache), "--anchor", "ab" * 32, "--text", text], capsys
    )
    assert code == 2 and "cannot be used" in err


def test_tampered_cache_is_refused(
    lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    world, url = lists
    cache = tmp_path / "cache"
    world.publish_trust_list(1)
    world.publish_revocations(1, [])
    assert sync_json(cache, url, capsys, "--anchor", world.anchor_hex)[0] == 0
    text, _ = world.card("tampered")
    (cache / "trust-list.cose").write_bytes(world.publish_trust_list(2, signer=key("sync/x")))
    code, _, err = run(["check", "--cache-dir", str(cache), "--text", text], capsys)
    assert code == 2 and "not signed by the pinned trust anchor" in err

    os.chmod(cache, 0o777)
    code, _, err = run(["check", "--cache-dir", str(cache), "--text", text], capsys)
    assert code == 2 and "writable by you only" in err


def test_size_limit(lists: tuple[Lists, str], tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    from verifier.format import MAX_LIST_BYTES

    world, url = lists
    (world.folder / "trust-list.cose").write_bytes(b"\0" * (MAX_LIST_BYTES + 1))
    code, _, err = sync_json(tmp_path / "cache", url, capsys, "--anchor", world.anchor_hex)
    assert code == 2 and "larger than" in err


def test_redirect_to_plain_http_refused(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    class Redirect(http.server.BaseHTTPRequestHandler):
        def do_GET(self) -> None:
            self.send_response(302)
            self.send_header("Location", "http://pas.example.invalid/.well-known/pas/trust-list.cose")
            self.end_headers()

        def log_message(self, format: str, *args: Any) -> None:
            pass

    with static_server(tmp_path, Redirect) as url:
        code, _, err = sync_json(tmp_path / "cache", url, capsys, "--anchor", "ab" * 32)
    assert code == 2 and "refusing plain http to pas.example.invalid" in err


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://pas.groningen.nl", "https://pas.groningen.nl/.well-known/pas/"),
        ("https://pas.groningen.nl/", "https://pas.groningen.nl/.well-known/pas/"),
        ("https://x.nl/pas/.well-known/pas", "https://x.nl/pas/.well-known/pas/"),
        ("https://x.nl/.well-known/pas/trust-list.cose", "https://x.nl/.well-known/pas/"),
        ("http://localhost:8000/", "http://localhost:8000/.well-known/pas/"),
        ("http://[::1]:8000", "http://[::1]:8000/.well-known/pas/"),
    ],
)
def test_lists_url(url: str, expected: str) -> None:
    assert lists_url(url) == expected


@pytest.mark.parametrize(
    "url", ["http://pas.groningen.nl/", "ftp://x.nl/", "file:///etc/passwd", "pas.groningen.nl", "https://u:p@x.nl/"]
)
def test_refused_urls(url: str, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    with pytest.raises(CacheError):
        lists_url(url)
    code, _, err = sync_json(tmp_path / "cache", url, capsys, "--anchor", "ab" * 32)
    assert code == 2 and err.startswith("pas-verify: error:")
    assert not (tmp_path / "cache").exists()


def test_insecure_http_allowed_when_asked() -> None:
    assert lists_url("http://pas.groningen.nl/", insecure_http=True).startswith("http://")


def test_default_dir(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("HOME", str(tmp_path))
    assert default_dir({}) == tmp_path / ".cache" / "pas-verify"
    assert default_dir({"XDG_CACHE_HOME": "/x/cache"}) == Path("/x/cache/pas-verify")
    assert default_dir({"XDG_CACHE_HOME": "relative"}) == tmp_path / ".cache" / "pas-verify"
    assert default_dir({"PAS_VERIFY_CACHE": "/y", "XDG_CACHE_HOME": "/x"}) == Path("/y")
    with pytest.raises(CacheError, match="sync URL"):
        Cache(tmp_path / "none").store()
    assert not (tmp_path / "none").exists()
