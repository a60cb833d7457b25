"""Several regions (pinned anchors) in one verifier, and where a pass counts (ADR 0020).

The library (RegionStore, Policy, verify's NOT_VALID_HERE) and ``pas-verify region`` /
``policy`` / ``sync`` against three static list servers whose files the test controls:
one region's failure or rollback leaves the others alone, an issuer under two anchors is
refused, a removed region's lists are gone.
"""

from __future__ import annotations

import contextlib
import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import nacl.signing
import pytest
from pas_support import DAY, NOW, World, key, number, photo_avif, pub, serial

from tests.support.static import snapshot, static_server
from verifier import (
    Error,
    Policy,
    Region,
    RegionStore,
    Status,
    TrustError,
    TrustStore,
    _cli,
    verify,
)
from verifier.format import DEFAULT_CATEGORIES, IssuerEntry, Pass, RevocationList, TrustList
from verifier.regions import resolve_accept

# --- the library ------------------------------------------------------------------------


@dataclass
class Muni:
    iss: str
    name: str
    prefix: str
    signer: nacl.signing.SigningKey

    def entry(self) -> IssuerEntry:
        return IssuerEntry(iss=self.iss, name=self.name, public_key=pub(self.signer),
                           nbf=NOW - 3 * 365 * DAY, exp=NOW + 4 * 365 * DAY,
                           categories=DEFAULT_CATEGORIES)

    def card(self, label: str, *, now: int = NOW) -> str:
        return Pass(
            iss=self.iss, number=number(self.prefix, label), category="raam",
            serial=serial(f"{self.iss}/{label}"), iat=now - DAY, nbf=now - DAY,
            exp=now + 700 * DAY, photo=photo_avif(), photo_type="image/avif",
        ).sign(self.signer)


ASSEN = Muni("GM0106", "Gemeente Assen", "AS", key("regions/GM0106"))
AA_EN_HUNZE = Muni("GM1680", "Gemeente Aa en Hunze", "AH", key("regions/GM1680"))
GRONINGEN = Muni("GM0014", "Gemeente Groningen", "GR", key("regions/GM0014"))
LEEUWARDEN = Muni("GM0080", "Gemeente Leeuwarden", "LW", key("regions/GM0080"))


def region_store(anchor: nacl.signing.SigningKey, *munis: Muni, exp: int = NOW + 30 * DAY,
                 revoked: dict[str, list[bytes]] | None = None) -> TrustStore:
    tl = TrustList(seq=1, iat=min(NOW, exp) - DAY, exp=exp, issuers=tuple(m.entry() for m in munis))
    lists = [
        RevocationList.build(iss=m.iss, seq=1, iat=NOW - 3600, exp=NOW + 7 * DAY,
                             serials=(revoked or {}).get(m.iss, [])).sign(m.signer)
        for m in munis
    ]
    return TrustStore.from_bytes(pub(anchor), tl.sign(anchor), lists)


DRENTHE = key("regions/anchor-drenthe")
GRONINGEN_REGION = key("regions/anchor-groningen")
FRYSLAN = key("regions/anchor-fryslan")


def three_regions(**kw: Any) -> RegionStore:
    return RegionStore([
        Region("drenthe", region_store(DRENTHE, ASSEN, AA_EN_HUNZE), "Drenthe"),
        Region("groningen", region_store(GRONINGEN_REGION, GRONINGEN, **kw), "Groningen"),
        Region("fryslan", region_store(FRYSLAN, LEEUWARDEN), "Fryslân"),
    ])


ASSEN_POLICY = Policy("GM0106", frozenset({"GM1680", "GM0014"}), "Gemeente Assen")


def test_a_pass_of_each_region_verifies_under_its_own_anchor() -> None:
    store = three_regions()
    for muni in (ASSEN, AA_EN_HUNZE, GRONINGEN, LEEUWARDEN):
        v = verify(muni.card("a"), store, now=NOW)
        assert v.status is Status.VALID and v.issuer_name == muni.name and v.warnings == ()


def test_policy_accepts_its_own_and_its_list_and_names_the_rest_genuine_but_not_here() -> None:
    store = three_regions()
    for muni in (ASSEN, AA_EN_HUNZE, GRONINGEN):
        assert verify(muni.card("a"), store, now=NOW, policy=ASSEN_POLICY).status is Status.VALID
    v = verify(LEEUWARDEN.card("a"), store, now=NOW, policy=ASSEN_POLICY)
    assert v.status is Status.NOT_VALID_HERE and not v.ok
    # Genuine: everything a signed verdict shows, photo included.
    assert v.photo == photo_avif() and v.number == number("LW", "a")
    assert v.issuer_name == "Gemeente Leeuwarden" and v.iss == "GM0080"
    assert "Gemeente Leeuwarden" in v.reason and "Gemeente Assen" in v.reason


def test_revoked_and_expired_come_before_not_valid_here() -> None:
    revoked_card = LEEUWARDEN.card("gone")
    rl_serial = serial("GM0080/gone")
    store = RegionStore([
        Region("drenthe", region_store(DRENTHE, ASSEN)),
        Region("fryslan", region_store(FRYSLAN, LEEUWARDEN, revoked={"GM0080": [rl_serial]})),
    ])
    assert verify(revoked_card, store, now=NOW, policy=ASSEN_POLICY).status is Status.REVOKED
    old = LEEUWARDEN.card("old", now=NOW - 800 * DAY)
    assert verify(old, store, now=NOW, policy=ASSEN_POLICY).status is Status.EXPIRED


def test_an_issuer_under_two_anchors_is_refused_whatever_the_order() -> None:
    a = region_store(DRENTHE, ASSEN)
    b = region_store(GRONINGEN_REGION, GRONINGEN, ASSEN)
    for regions in ([Region("drenthe", a), Region("groningen", b)],
                    [Region("groningen", b), Region("drenthe", a)]):
        with pytest.raises(TrustError, match="GM0106 is listed under two anchors"):
            RegionStore(regions)


def test_one_anchor_or_one_id_twice_is_refused() -> None:
    a = region_store(DRENTHE, ASSEN)
    with pytest.raises(TrustError, match="same anchor"):
        RegionStore([Region("x", a), Region("y", region_store(DRENTHE, GRONINGEN))])
    with pytest.raises(TrustError, match="two regions"):
        RegionStore([Region("x", a), Region("x", region_store(FRYSLAN, GRONINGEN))])
    with pytest.raises(TrustError, match="region id"):
        RegionStore([Region("Not An Id", a)])


def test_warnings_come_from_the_pass_s_own_region() -> None:
    store = three_regions(exp=NOW - DAY)  # Groningen's trust list expired
    assert verify(GRONINGEN.card("a"), store, now=NOW).warnings == ("TRUST_LIST_EXPIRED",)
    assert verify(ASSEN.card("a"), store, now=NOW).warnings == ()


def test_accept_items_resolve_region_ids_to_their_issuers() -> None:
    store = three_regions()
    assert resolve_accept(["drenthe", "GM0014"], store) == {"GM0106", "GM1680", "GM0014"}
    with pytest.raises(TrustError, match="neither"):
        resolve_accept(["drente"], store)  # a typo accepts nothing silently? no: an error
    with pytest.raises(TrustError, match="municipality code"):
        Policy("Assen")


def test_a_single_store_and_no_policy_behave_as_before(world: World) -> None:
    assert verify(world.issue(), world.store(), now=NOW).status is Status.VALID
    assert verify(world.issue(), RegionStore.single(world.store()), now=NOW).status is Status.VALID


# --- pas-verify: three regions, three static list servers ---------------------------------


@dataclass
class Site:
    """One region's published lists (a static folder) and its anchor."""

    root: Path
    anchor: nacl.signing.SigningKey
    munis: list[Muni]
    now: int
    seq: int = 0
    rev_seq: dict[str, int] = field(default_factory=dict)

    def publish(self, *, seq: int | None = None, munis: list[Muni] | None = None,
                revoked: dict[str, list[bytes]] | None = None) -> None:
        self.seq = self.seq + 1 if seq is None else seq
        munis = self.munis if munis is None else munis
        folder = self.root / ".well-known" / "pas"
        (folder / "revocations").mkdir(parents=True, exist_ok=True)
        tl = TrustList(seq=self.seq, iat=self.now - DAY, exp=self.now + 30 * DAY,
                       issuers=tuple(m.entry() for m in munis))
        (folder / "trust-list.cose").write_bytes(tl.sign(self.anchor))
        for m in munis:
            self.rev_seq[m.iss] = self.rev_seq.get(m.iss, 0) + 1
            rl = RevocationList.build(iss=m.iss, seq=self.rev_seq[m.iss], iat=self.now - DAY,
                                      exp=self.now + 7 * DAY,
                                      serials=sorted((revoked or {}).get(m.iss, [])))
            (folder / "revocations" / f"{m.iss}.cose").write_bytes(rl.sign(m.signer))


@dataclass
class Sites:
    drenthe: Site
    groningen: Site
    fryslan: Site
    urls: dict[str, str]


@pytest.fixture
def sites(tmp_path: Path) -> Iterator[Sites]:
    import time

    now = int(time.time())
    made = Sites(
        Site(tmp_path / "drenthe", DRENTHE, [ASSEN, AA_EN_HUNZE], now),
        Site(tmp_path / "groningen", GRONINGEN_REGION, [GRONINGEN], now),
        Site(tmp_path / "fryslan", FRYSLAN, [LEEUWARDEN], now),
        {},
    )
    with contextlib.ExitStack() as stack:
        for name in ("drenthe", "groningen", "fryslan"):
            site: Site = getattr(made, name)
            site.publish()
            made.urls[name] = stack.enter_context(static_server(site.root))
        yield made


def run(argv: list[str], capsys: pytest.CaptureFixture[str]) -> tuple[int, str, str]:
    code = _cli.main(argv)
    captured = capsys.readouterr()
    return code, captured.out, captured.err


def add_all(cache: Path, sites: Sites, capsys: pytest.CaptureFixture[str]) -> None:
    for name in ("drenthe", "groningen", "fryslan"):
        site: Site = getattr(sites, name)
        code, out, err = run(["region", "add", name, sites.urls[name], "--anchor",
                              pub(site.anchor).hex(), "--name", name.title(),
                              "--cache-dir", str(cache), "--json"], capsys)
        assert code == 0, err
        assert json.loads(out)["region"] == name


def check(cache: Path, text: str, capsys: pytest.CaptureFixture[str]) -> tuple[int, dict[str, Any], str]:
    code, out, err = run(["check", "--cache-dir", str(cache), "--json", "--text", text], capsys)
    assert code in (0, 1), err
    return code, json.loads(out), err


def test_assen_accepting_groningen_checks_all_three_regions_offline(
    sites: Sites, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    add_all(cache, sites, capsys)
    code, out, err = run(["policy", "set", "GM0106", "--accept", "drenthe", "groningen",
                          "--name", "Gemeente Assen", "--cache-dir", str(cache)], capsys)
    assert code == 0, err
    now = sites.drenthe.now
    # Offline from here: nothing is fetched by check.
    for muni in (ASSEN, AA_EN_HUNZE, GRONINGEN):
        code, verdict, _ = check(cache, muni.card("x", now=now), capsys)
        assert (code, verdict["status"]) == (0, "VALID"), muni
    text = LEEUWARDEN.card("x", now=now)
    code, verdict, _ = check(cache, text, capsys)
    assert (code, verdict["status"], verdict["issuer_name"]) == (1, "NOT_VALID_HERE", "Gemeente Leeuwarden")
    code, out, _ = run(["check", "--cache-dir", str(cache), "--text", text], capsys)
    assert code == 1
    assert ("NIET GELDIG HIER: echte pas van Gemeente Leeuwarden; geldt niet voor werk in "
            "Gemeente Assen") in out
    assert "not valid for work in Gemeente Assen" in out and "Pasnummer" in out
    # With the policy a sync fetches only the revocation lists of issuers that count here.
    assert (cache / "regions" / "fryslan" / "revocations" / "GM0080.cose").exists()
    code, out, err = run(["sync", "--cache-dir", str(cache), "--json"], capsys)
    assert code == 0, err
    assert not (cache / "regions" / "fryslan" / "revocations" / "GM0080.cose").exists()
    assert (cache / "regions" / "groningen" / "revocations" / "GM0014.cose").exists()
    code, verdict, _ = check(cache, text, capsys)
    assert (code, verdict["status"]) == (1, "NOT_VALID_HERE")
    assert verdict["warnings"] == ["REVOCATIONS_MISSING"]
    # Without a policy every trusted issuer counts.
    run(["policy", "clear", "--cache-dir", str(cache)], capsys)
    assert check(cache, text, capsys)[1]["status"] == "VALID"


def test_a_region_that_fails_or_rolls_back_leaves_the_others_updated(
    sites: Sites, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    add_all(cache, sites, capsys)
    before = snapshot(cache / "regions" / "groningen")
    sites.groningen.publish(seq=0)  # a rollback: seq 0 after seq 1
    revoked = serial("GM0106/stolen")
    sites.drenthe.publish(revoked={"GM0106": [revoked]})
    sites.fryslan.publish()
    code, out, err = run(["sync", "--cache-dir", str(cache), "--json"], capsys)
    assert code == 2
    result = json.loads(out)["regions"]
    assert "rollback" in result["groningen"]["error"]
    assert result["drenthe"]["trust_list"]["seq"] == 2 and result["fryslan"]["trust_list"]["seq"] == 2
    assert snapshot(cache / "regions" / "groningen") == before
    # Drenthe's new revocation reached the cache; Groningen still verifies from its old lists.
    assert check(cache, Pass(
        iss="GM0106", number=number("AS", "stolen"), category="raam", serial=revoked,
        iat=sites.drenthe.now - DAY, nbf=sites.drenthe.now - DAY, exp=sites.drenthe.now + DAY * 700,
        photo=photo_avif(), photo_type="image/avif").sign(ASSEN.signer), capsys)[1]["status"] == "REVOKED"
    assert check(cache, GRONINGEN.card("y", now=sites.groningen.now), capsys)[1]["status"] == "VALID"

    # A server that is down: same story, and `region sync ID` names it.
    for f in (sites.fryslan.root / ".well-known" / "pas").rglob("*.cose"):
        f.unlink()
    code, _, err = run(["region", "sync", "fryslan", "--cache-dir", str(cache)], capsys)
    assert code == 2 and "fryslan" in err
    assert check(cache, LEEUWARDEN.card("z", now=sites.fryslan.now), capsys)[1]["status"] == "VALID"


def test_an_issuer_under_two_anchors_is_refused_with_a_clear_error(
    sites: Sites, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    add_all(cache, sites, capsys)
    # A fourth region whose list claims Groningen: refused, and no trace of it left.
    other = Site(tmp_path / "other", key("regions/anchor-other"), [GRONINGEN], sites.drenthe.now)
    other.publish()
    with static_server(other.root) as url:
        code, _, err = run(["region", "add", "other", url, "--anchor", pub(other.anchor).hex(),
                            "--cache-dir", str(cache)], capsys)
    assert code == 2
    assert "issuer GM0014 is listed under two anchors (regions 'groningen' and 'other')" in err
    assert not (cache / "regions" / "other").exists()
    # An added region whose new list takes over another region's issuer: that sync is
    # refused, its old lists stay.
    before = snapshot(cache / "regions" / "fryslan")
    sites.fryslan.publish(munis=[LEEUWARDEN, ASSEN])
    code, _, err = run(["region", "sync", "fryslan", "--cache-dir", str(cache)], capsys)
    assert code == 2 and "GM0106 is listed under two anchors" in err
    assert snapshot(cache / "regions" / "fryslan") == before


def test_removing_a_region_drops_its_lists_and_its_policy_item(
    sites: Sites, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    add_all(cache, sites, capsys)
    run(["policy", "set", "GM0106", "--accept", "fryslan", "--cache-dir", str(cache)], capsys)
    text = LEEUWARDEN.card("x", now=sites.fryslan.now)
    assert check(cache, text, capsys)[1]["status"] == "VALID"
    code, out, err = run(["region", "remove", "fryslan", "--cache-dir", str(cache), "--json"], capsys)
    assert code == 0, err
    assert json.loads(out) == {"removed": "fryslan", "policy_dropped": ["fryslan"]}
    assert not (cache / "regions" / "fryslan").exists()
    assert check(cache, text, capsys)[1]["status"] == "UNKNOWN_ISSUER"
    code, out, _ = run(["region", "list", "--cache-dir", str(cache), "--json"], capsys)
    assert [r["id"] for r in json.loads(out)["regions"]] == ["drenthe", "groningen"]


def test_policy_refuses_unknown_items_and_bad_codes(
    sites: Sites, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    add_all(cache, sites, capsys)
    code, _, err = run(["policy", "set", "GM0106", "--accept", "drente", "--cache-dir", str(cache)], capsys)
    assert code == 2 and "drente" in err
    code, _, err = run(["policy", "set", "Assen", "--cache-dir", str(cache)], capsys)
    assert code == 2 and "municipality code" in err


def test_the_default_region_of_sync_url_and_added_regions_side_by_side(
    sites: Sites, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    cache = tmp_path / "cache"
    code, _, err = run(["sync", sites.urls["drenthe"], "--anchor", pub(DRENTHE).hex(),
                        "--cache-dir", str(cache)], capsys)
    assert code == 0, err
    code, _, err = run(["region", "add", "groningen", sites.urls["groningen"], "--anchor",
                        pub(GRONINGEN_REGION).hex(), "--cache-dir", str(cache)], capsys)
    assert code == 0, err
    assert check(cache, ASSEN.card("x", now=sites.drenthe.now), capsys)[1]["status"] == "VALID"
    assert check(cache, GRONINGEN.card("x", now=sites.drenthe.now), capsys)[1]["status"] == "VALID"
    # The default region cannot take an issuer of an added one either.
    sites.drenthe.publish(munis=[ASSEN, GRONINGEN])
    code, _, err = run(["sync", sites.urls["drenthe"], "--cache-dir", str(cache)], capsys)
    assert code == 2 and "GM0014 is listed under two anchors" in err
    with pytest.raises(Error):
        RegionStore([Region("default", region_store(DRENTHE, ASSEN, GRONINGEN)),
                     Region("groningen", region_store(GRONINGEN_REGION, GRONINGEN))])
