"""Trust lists and revocation lists: signatures, rollback, expiry, and the store built from them."""

from __future__ import annotations

import pytest
from pas_support import DAY, NOW, World, cose_of, pub, qr, serial

from verifier import FormatError, Notice, Status, TrustError, TrustStore, _cbor, verify
from verifier.format import (
    DEFAULT_CATEGORIES,
    MAX_LIST_BYTES,
    MAX_SERIALS,
    Category,
    IssuerEntry,
    RevocationList,
    Sign1,
    TrustList,
    kid_for,
    sig_structure,
    to_json,
)
from verifier.trust import parse_anchor


def anchor(world: World) -> bytes:
    return pub(world.anchor)


# --- the trust list and its anchor ------------------------------------------------


def test_a_trust_list_signed_by_the_pinned_anchor_is_accepted(world: World) -> None:
    store = TrustStore.from_bytes(anchor(world), world.trust_list(seq=5))
    assert store.trust_list.seq == 5
    assert [e.iss for e in store.issuers] == ["GM0014", "GM0106"]
    assert store.anchor_public_key == anchor(world)


def test_a_trust_list_signed_by_any_other_key_is_refused(world: World) -> None:
    for signer in (world.stranger, world.groningen):
        with pytest.raises(TrustError, match="anchor"):
            TrustStore.from_bytes(anchor(world), world.trust_list(signer=signer))


def test_a_trust_list_is_refused_under_another_pinned_anchor(world: World) -> None:
    with pytest.raises(TrustError):
        TrustStore.from_bytes(pub(world.stranger), world.trust_list())


def test_a_trust_list_with_a_changed_byte_is_refused(world: World) -> None:
    data = world.trust_list()
    for i in range(0, len(data), 7):
        changed = bytearray(data)
        changed[i] ^= 0x04
        with pytest.raises((TrustError, FormatError)):
            TrustStore.from_bytes(anchor(world), bytes(changed))


def test_the_anchor_may_be_given_as_hex_with_whitespace(world: World) -> None:
    hex_ = pub(world.anchor).hex()
    spaced = " ".join(hex_[i : i + 8] for i in range(0, 64, 8)) + "\n"
    assert parse_anchor(spaced) == pub(world.anchor)
    assert parse_anchor(hex_.upper().encode()) == pub(world.anchor)
    store = TrustStore.from_bytes(hex_, world.trust_list())  # type: ignore[arg-type]
    assert store.anchor_public_key == pub(world.anchor)


@pytest.mark.parametrize("bad", ["", "00" * 31, "00" * 33, "zz" * 32, b"\x00" * 31])
def test_an_anchor_of_the_wrong_form_is_refused(world: World, bad: str | bytes) -> None:
    with pytest.raises(TrustError):
        TrustStore.from_bytes(bad, world.trust_list())  # type: ignore[arg-type]


@pytest.mark.parametrize("data", [b"", b"\xa0", b"\x00" * 100, "text"])
def test_garbage_as_a_trust_list_is_a_typed_error(world: World, data: bytes) -> None:
    with pytest.raises((TrustError, FormatError)):
        TrustStore.from_bytes(anchor(world), data)


def test_an_oversized_trust_list_is_refused_before_parsing(world: World) -> None:
    with pytest.raises(FormatError):
        TrustStore.from_bytes(anchor(world), b"\x00" * (MAX_LIST_BYTES + 1))


def test_a_revocation_list_is_not_a_trust_list(world: World) -> None:
    # Signed by the anchor, even: the payload shape still decides.
    rl = RevocationList.build(iss="GM0014", seq=1, iat=NOW, exp=NOW + DAY, serials=[])
    with pytest.raises(FormatError):
        TrustStore.from_bytes(anchor(world), rl.sign(world.anchor))


def test_a_trust_list_is_not_a_pass(world: World) -> None:
    text = qr(world.trust_list())
    assert verify(text, world.store(), now=NOW).status is Status.MALFORMED


# --- rollback -----------------------------------------------------------------------


def test_a_trust_list_older_than_one_seen_before_is_refused(world: World) -> None:
    with pytest.raises(TrustError, match="rollback"):
        TrustStore.from_bytes(anchor(world), world.trust_list(seq=6), min_seq=7)


def test_the_same_or_a_newer_trust_list_is_accepted(world: World) -> None:
    for seq in (7, 8, 2**40):
        store = TrustStore.from_bytes(anchor(world), world.trust_list(seq=seq), min_seq=7)
        assert store.trust_list.seq == seq


def test_a_revocation_list_older_than_one_seen_before_is_refused(world: World) -> None:
    old = world.revocations(seq=3)
    with pytest.raises(TrustError, match="rolls back"):
        TrustStore.from_bytes(
            anchor(world), world.trust_list(), [old], min_revocation_seqs={"GM0014": 4}
        )
    store = TrustStore.from_bytes(
        anchor(world), world.trust_list(), [old], min_revocation_seqs={"GM0014": 3}
    )
    assert store.revocations("GM0014") is not None


def test_with_revocations_refuses_a_rollback_and_accepts_equal_or_newer(world: World) -> None:
    store = world.store(revocations=[world.revocations(seq=5)])
    with pytest.raises(TrustError, match="rolls back"):
        store.with_revocations([world.revocations([serial("x")], seq=4)])
    same = store.with_revocations([world.revocations(seq=5)])
    assert same.revocations("GM0014").seq == 5  # type: ignore[union-attr]
    newer = store.with_revocations([world.revocations([serial("x")], seq=6)])
    assert newer.revocations("GM0014").seq == 6  # type: ignore[union-attr]
    assert newer.is_revoked("GM0014", serial("x"))


def test_with_revocations_makes_a_new_store_and_leaves_the_old_one_alone(world: World) -> None:
    text = world.issue("late-revoked")
    store = world.store()
    newer = store.with_revocations([world.revocations([serial("late-revoked")], seq=2)])
    assert verify(text, store, now=NOW).status is Status.VALID
    assert verify(text, newer, now=NOW).status is Status.REVOKED


def test_of_two_revocation_lists_for_one_issuer_the_newer_wins_in_any_order(
    world: World,
) -> None:
    older = world.revocations([serial("a")], seq=1)
    newer = world.revocations([serial("b")], seq=2)
    for order in ([older, newer], [newer, older]):
        store = world.store(revocations=order)
        assert store.revocations("GM0014").seq == 2  # type: ignore[union-attr]
        assert store.is_revoked("GM0014", serial("b"))
        assert not store.is_revoked("GM0014", serial("a"))


def test_two_different_revocation_lists_with_one_seq_are_refused_in_any_order(
    world: World,
) -> None:
    # The issuer contradicts itself: neither keeping the first nor the last is safe.
    a = world.revocations([serial("a")], seq=3)
    b = world.revocations([serial("b")], seq=3)
    for order in ([a, b], [b, a], [world.revocations(seq=4), a, b]):
        with pytest.raises(TrustError, match="equivocates"):
            world.store(revocations=order)


def test_with_revocations_refuses_another_list_under_the_held_seq(world: World) -> None:
    store = world.store(revocations=[world.revocations([serial("a")], seq=3)])
    with pytest.raises(TrustError, match="equivocates"):
        store.with_revocations([world.revocations([serial("b")], seq=3)])
    assert store.is_revoked("GM0014", serial("a"))  # the held list stays


def test_the_same_list_twice_or_from_another_key_of_the_issuer_is_not_a_contradiction(
    world: World,
) -> None:
    entries = [world.entry(world.stranger, exp=NOW - DAY), world.entry(), world.assen_entry()]
    rl = world.revocations([serial("a")], seq=3)
    payload = Sign1.from_bytes(rl).payload
    by_other_key = Sign1.sign(payload, world.stranger).to_bytes()
    store = world.store(entries=entries, revocations=[rl, rl, by_other_key])
    assert store.is_revoked("GM0014", serial("a"))
    assert store.with_revocations([by_other_key]).revocations("GM0014").seq == 3  # type: ignore[union-attr]


# --- who may sign a list --------------------------------------------------------------


def _signed_as(payload: bytes, signer: object, kid: bytes) -> bytes:
    protected = _cbor.encode({1: -8, 4: kid})
    signature = signer.sign(sig_structure(protected, payload)).signature  # type: ignore[attr-defined]
    return Sign1(protected, kid, payload, signature).to_bytes()


def test_a_trust_list_must_carry_the_anchors_kid(world: World) -> None:
    payload = Sign1.from_bytes(world.trust_list()).payload
    for kid in (world.kid(world.groningen), b"\0" * 8):
        with pytest.raises(TrustError, match="kid"):
            TrustStore.from_bytes(anchor(world), _signed_as(payload, world.anchor, kid))
    right = _signed_as(payload, world.anchor, kid_for(anchor(world)))
    assert TrustStore.from_bytes(anchor(world), right).trust_list.seq == 1


def test_a_revocation_list_must_carry_the_kid_of_the_key_that_signed_it(world: World) -> None:
    # Both keys are listed for GM0014; signed by one, labelled with the other: refused.
    entries = [world.entry(world.stranger, exp=NOW - DAY), world.entry(), world.assen_entry()]
    payload = Sign1.from_bytes(world.revocations([serial("a")])).payload
    mislabelled = _signed_as(payload, world.groningen, world.kid(world.stranger))
    with pytest.raises(TrustError, match="signature"):
        world.store(entries=entries, revocations=[mislabelled])


def test_the_serial_cap_is_reachable_under_the_byte_cap() -> None:
    serials = [i.to_bytes(16, "big") for i in range(MAX_SERIALS)]
    rl = RevocationList(
        iss="GM0014", seq=2**64 - 1, iat=2**64 - 2, exp=2**64 - 1, serials=tuple(serials)
    )
    payload = rl.to_payload()
    # envelope: tag, array, protected (14), unprotected, 5-byte payload head, signature (66)
    assert 1 + 1 + 14 + 1 + 5 + len(payload) + 66 <= MAX_LIST_BYTES
    assert RevocationList.from_payload(payload) == rl
    with pytest.raises(FormatError, match="at most"):
        RevocationList.from_payload(
            payload.replace(
                b"\x67serials\x9a\x00\x03\x0d\x40", b"\x67serials\x9a\x00\x03\x0d\x41", 1
            )
            + b"\x50"
            + (MAX_SERIALS).to_bytes(16, "big")
        )


def test_a_revocation_list_signed_by_another_issuers_key_is_refused(world: World) -> None:
    # Assen cannot revoke Groningen's passes.
    forged = world.revocations([serial("pass")], iss="GM0014", signer=world.assen)
    with pytest.raises(TrustError, match="not listed"):
        world.store(revocations=[forged])
    with pytest.raises(TrustError):
        world.store().with_revocations([forged])


def test_a_revocation_list_signed_by_an_unlisted_key_is_refused(world: World) -> None:
    for signer in (world.stranger, world.anchor):
        forged = world.revocations([serial("pass")], signer=signer)
        with pytest.raises(TrustError):
            world.store(revocations=[forged])


def test_a_revocation_list_with_a_bad_signature_is_refused(world: World) -> None:
    data = bytearray(world.revocations([serial("pass")]))
    data[-1] ^= 1
    with pytest.raises(TrustError, match="signature"):
        world.store(revocations=[bytes(data)])


def test_an_old_key_still_listed_may_sign_revocations(world: World) -> None:
    old = world.entry(world.stranger, exp=NOW - 100 * DAY)  # rotated out, still listed
    entries = [old, world.entry()]
    rl = world.revocations([serial("pass")], signer=world.stranger)
    store = world.store(entries=entries, revocations=[rl])
    assert store.is_revoked("GM0014", serial("pass"))


# --- expiry -------------------------------------------------------------------------


def test_an_expired_trust_list_is_still_accepted_and_passes_verify_with_a_warning(
    world: World,
) -> None:
    store = world.store(iat=NOW - 60 * DAY, exp=NOW - 30 * DAY)
    verdict = verify(world.issue(), store, now=NOW)
    assert verdict.status is Status.VALID
    assert Notice.TRUST_LIST_EXPIRED in verdict.warnings


def test_the_trust_list_warning_starts_exactly_at_its_exp(world: World) -> None:
    store = world.store(exp=NOW + 10)
    assert verify(world.issue(), store, now=NOW + 9).warnings == ()
    assert verify(world.issue(), store, now=NOW + 10).warnings == (Notice.TRUST_LIST_EXPIRED,)


# --- the list formats ----------------------------------------------------------------


def test_lists_round_trip_through_their_signed_bytes(world: World) -> None:
    tl = TrustList(seq=3, iat=NOW, exp=NOW + DAY, issuers=world.entries())
    envelope, decoded = TrustList.open(tl.sign(world.anchor))
    assert decoded == tl
    assert envelope.kid == world.kid(world.anchor)
    rl = RevocationList.build(
        iss="GM0014", seq=2, iat=NOW, exp=NOW + DAY, serials=[b"\x02" * 16, b"\x01" * 16]
    )
    assert RevocationList.open(rl.sign(world.groningen))[1] == rl


def test_revocation_build_sorts_and_deduplicates_serials() -> None:
    rl = RevocationList.build(
        iss="GM0014",
        seq=1,
        iat=NOW,
        exp=NOW + 1,
        serials=[b"\x09" * 16, b"\x01" * 16, b"\x09" * 16],
    )
    assert rl.serials == (b"\x01" * 16, b"\x09" * 16)


@pytest.mark.parametrize(
    "serials",
    [(b"\x02" * 16, b"\x01" * 16), (b"\x01" * 16, b"\x01" * 16), (b"\x01" * 15,)],
)
def test_revocation_serials_must_be_16_bytes_strictly_ascending(
    serials: tuple[bytes, ...],
) -> None:
    with pytest.raises(FormatError):
        RevocationList(iss="GM0014", seq=1, iat=NOW, exp=NOW + 1, serials=serials)


def test_an_issuer_entry_kid_must_match_its_key(world: World) -> None:
    with pytest.raises(FormatError, match="kid"):
        IssuerEntry(
            iss="GM0014",
            name="Gemeente Groningen",
            public_key=pub(world.groningen),
            nbf=NOW,
            exp=NOW + DAY,
            categories=DEFAULT_CATEGORIES,
            kid=world.kid(world.assen),
        )


def test_a_key_may_be_listed_only_once(world: World) -> None:
    with pytest.raises(FormatError):
        TrustList(seq=1, iat=NOW, exp=NOW + 1, issuers=(world.entry(), world.entry(iss="GM0106")))


@pytest.mark.parametrize(
    "bad",
    [
        {"code": "Raam"},
        {"code": "r" * 17},
        {"color": "#ffffff"},
        {"color": "white"},
        {"label": ""},
    ],
)
def test_category_fields_have_a_fixed_form(bad: dict[str, str]) -> None:
    fields = {"code": "raam", "label": "Wit", "color": "#FFFFFF", **bad}
    with pytest.raises(FormatError):
        Category(**fields)


def test_categories_must_be_unique_and_between_1_and_16(world: World) -> None:
    raam = DEFAULT_CATEGORIES[0]
    for categories in (
        (),
        (raam, raam),
        tuple(Category(f"c{i}", "x", "#000000") for i in range(17)),
    ):
        with pytest.raises(FormatError):
            world.entry(categories=categories)


def test_to_json_shows_keys_and_serials_as_hex(world: World) -> None:
    _, tl = TrustList.open(world.trust_list())
    view = to_json(tl)
    assert view["issuers"][0]["kid"] == world.kid(world.groningen).hex()
    assert view["issuers"][0]["pub"] == pub(world.groningen).hex()
    _, rl = RevocationList.open(world.revocations([b"\xab" * 16]))
    assert to_json(rl)["serials"] == ["ab" * 16]


def test_a_pass_cose_is_not_a_trust_list(world: World) -> None:
    with pytest.raises(FormatError):
        TrustStore.from_bytes(anchor(world), cose_of(world.issue(signer=world.anchor)))
