"""Key rotation at the format level.

An issuer rotates by publishing a trust list with two entries for the same iss:
the old key's exp moved to the rotation time (it signs nothing after that, but its
passes keep verifying until they expire) and the new key with nbf = rotation time.
"""

from __future__ import annotations

import pytest
from pas_support import DAY, NOW, YEAR, World, cose_of, key, pub, serial

from verifier import Status, TrustStore, verify
from verifier.format import DEFAULT_VALIDITY_SECONDS, Sign1, kid_for

ROTATION = NOW - 100 * DAY
OLD = key("rotation/old")
NEW = key("rotation/new")


@pytest.fixture(scope="module")
def rotated(world: World) -> TrustStore:
    entries = [
        world.entry(OLD, nbf=NOW - 3 * YEAR, exp=ROTATION),
        world.entry(NEW, nbf=ROTATION, exp=NOW + 5 * YEAR),
        world.assen_entry(),
    ]
    revocations = [
        world.revocations([serial("old-revoked")], seq=2, signer=NEW),
        world.revocations(iss="GM0106"),
    ]
    return world.store(entries=entries, revocations=revocations, seq=2)


def test_passes_signed_by_the_old_key_before_rotation_still_verify(
    world: World, rotated: TrustStore
) -> None:
    for iat in (NOW - 2 * YEAR + DAY, ROTATION - DAY, ROTATION):
        text = world.issue(signer=OLD, iat=iat)
        assert verify(text, rotated, now=NOW).status is Status.VALID, iat


def test_a_pass_signed_by_the_old_key_after_its_exp_is_an_unknown_issuer(
    world: World, rotated: TrustStore
) -> None:
    # A stolen or forgotten old key cannot issue anything new.
    for iat in (ROTATION + 1, ROTATION + DAY, NOW):
        text = world.issue(signer=OLD, iat=iat)
        assert verify(text, rotated, now=NOW).status is Status.UNKNOWN_ISSUER, iat


def test_new_passes_carry_the_new_kid_and_verify(world: World, rotated: TrustStore) -> None:
    text = world.issue(signer=NEW, iat=NOW)
    envelope = Sign1.from_bytes(cose_of(text))
    assert envelope.kid == kid_for(pub(NEW)) != kid_for(pub(OLD))
    verdict = verify(text, rotated, now=NOW)
    assert verdict.status is Status.VALID
    assert verdict.issuer_name == "Gemeente Groningen"


def test_the_new_key_cannot_backdate_before_its_nbf(world: World, rotated: TrustStore) -> None:
    text = world.issue(signer=NEW, iat=ROTATION - 1)
    assert verify(text, rotated, now=NOW).status is Status.UNKNOWN_ISSUER


def test_the_new_keys_revocation_list_covers_passes_of_the_old_key(
    world: World, rotated: TrustStore
) -> None:
    text = world.issue("old-revoked", signer=OLD, iat=ROTATION - 10 * DAY)
    assert verify(text, rotated, now=NOW).status is Status.REVOKED


def test_old_passes_expire_on_their_own_schedule(world: World, rotated: TrustStore) -> None:
    text = world.issue(signer=OLD, iat=ROTATION - DAY)
    exp = ROTATION - DAY + DEFAULT_VALIDITY_SECONDS
    assert verify(text, rotated, now=exp - 1).status is Status.VALID
    assert verify(text, rotated, now=exp).status is Status.EXPIRED


def test_before_the_rotation_list_arrives_new_passes_are_unknown(world: World) -> None:
    # A verifier still holding the previous trust list cannot know the new key yet.
    before = world.store(entries=[world.entry(OLD, nbf=NOW - 3 * YEAR, exp=NOW + YEAR)])
    assert verify(world.issue(signer=NEW, iat=NOW), before, now=NOW).status is (
        Status.UNKNOWN_ISSUER
    )
    assert verify(world.issue(signer=OLD, iat=NOW - DAY), before, now=NOW).status is Status.VALID


def test_the_rotation_list_is_accepted_as_newer_than_the_one_before(
    world: World, rotated: TrustStore
) -> None:
    data = world.trust_list(list(rotated.issuers), seq=2)
    store = TrustStore.from_bytes(pub(world.anchor), data, min_seq=1)
    assert [e.kid for e in store.issuers if e.iss == "GM0014"] == [
        kid_for(pub(OLD)),
        kid_for(pub(NEW)),
    ]
