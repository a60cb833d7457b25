"""verify(): every status, every warning, and what a verdict may show."""

from __future__ import annotations

import time
from typing import Any

import pytest
from pas_support import DAY, NOW, YEAR, World, claims_of, cose_of, qr, serial, sign_claims

from verifier import Notice, Policy, Status, Verdict, verify
from verifier.format import DEFAULT_VALIDITY_SECONDS, MAX_PHOTO_BYTES, QR_PREFIX, Sign1
from verifier.verify import EXPIRES_SOON_SECONDS, NBF_LEEWAY_SECONDS

CLAIM_FIELDS = (
    "number",
    "category",
    "iss",
    "issuer_name",
    "iat",
    "exp",
    "serial",
    "photo",
    "photo_type",
)


def check(world: World, qr_text: str, now: int = NOW, **store: Any) -> Verdict:
    return verify(qr_text, world.store(**store), now=now)


# --- VALID --------------------------------------------------------------------------


def test_a_fresh_pass_is_valid_and_shows_what_the_exploitant_needs(world: World) -> None:
    p = world.make_pass()
    verdict = check(world, p.sign(world.groningen))
    assert verdict.status is Status.VALID
    assert verdict.ok
    assert verdict.warnings == ()
    assert verdict.number == p.number
    assert verdict.category is not None
    assert (verdict.category.code, verdict.category.label, verdict.category.color) == (
        "raam",
        "Wit",
        "#FFFFFF",
    )
    assert verdict.iss == "GM0014"
    assert verdict.issuer_name == "Gemeente Groningen"
    assert (verdict.iat, verdict.exp) == (p.iat, p.exp)
    assert verdict.serial == p.serial
    assert verdict.photo == p.photo and verdict.photo_type == "image/avif"


def test_the_category_label_and_colour_come_from_the_trust_list(world: World) -> None:
    text = world.issue(signer=world.assen, iss="GM0106", number="AS-00000000-0", category="thuis")
    verdict = check(world, text)
    assert verdict.status is Status.VALID
    assert verdict.category is not None
    assert (verdict.category.label, verdict.category.color) == ("Thuiswerk", "#F2C14E")
    assert verdict.issuer_name == "Gemeente Assen"


def test_verdict_has_no_truth_value(world: World) -> None:
    verdict = check(world, world.issue())
    with pytest.raises(TypeError):
        bool(verdict)
    with pytest.raises(TypeError):
        if verdict:  # the mistake this guards against
            pass
    bad = check(world, "nonsense")
    with pytest.raises(TypeError):
        bool(bad)
    assert not bad.ok


def test_to_json_has_the_cli_shape(world: World) -> None:
    verdict = check(world, world.issue())
    data = verdict.to_json()
    assert set(data) == {"status", "number", "category", "iss", "issuer_name", "exp", "warnings"}
    assert data["status"] == "VALID"
    assert data["category"] == {"code": "raam", "label": "Wit", "color": "#FFFFFF"}
    assert data["warnings"] == []
    assert check(world, "x").to_json()["category"] is None


def test_status_values_are_the_names_of_the_spec() -> None:
    assert {s.value for s in Status} == {
        "VALID",
        "MALFORMED",
        "UNKNOWN_ISSUER",
        "BAD_SIGNATURE",
        "NOT_YET_VALID",
        "EXPIRED",
        "REVOKED",
        "NOT_VALID_HERE",
    }
    assert Status("VALID") is Status.VALID and Status.VALID == "VALID"


def test_without_now_the_system_clock_is_used(
    world: World, monkeypatch: pytest.MonkeyPatch
) -> None:
    text = world.issue()
    store = world.store()
    monkeypatch.setattr(time, "time", lambda: float(NOW))
    assert verify(text, store).status is Status.VALID
    monkeypatch.setattr(time, "time", lambda: float(NOW + 3 * YEAR))
    assert verify(text, store).status is Status.EXPIRED


# --- MALFORMED ------------------------------------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "",
        "PAS1:",
        "PAS1",
        "pas1:BB8",
        "HC1:BB8",
        "PAS1:BB8",
        "PAS1:bb8",
        "PAS1:A",
        "PAS1:GGW",
        "ümlaut",
    ],
)
def test_text_that_is_not_a_pass_is_malformed(world: World, text: str) -> None:
    verdict = check(world, text)
    assert verdict.status is Status.MALFORMED
    assert verdict.reason


@pytest.mark.parametrize("value", [None, b"PAS1:BB8", 42, ["PAS1:"]])
def test_a_non_text_scan_is_malformed_not_a_crash(world: World, value: Any) -> None:
    assert verify(value, world.store(), now=NOW).status is Status.MALFORMED


def test_a_validly_signed_payload_with_an_extra_claim_is_malformed(world: World) -> None:
    claims = claims_of(world.make_pass())
    verdict = check(world, sign_claims({**claims, "name": "Jane Doe"}, world.groningen))
    assert verdict.status is Status.MALFORMED


@pytest.mark.parametrize(
    "change",
    [
        {1: "Groningen"},
        {1: 14},
        {"pn": "GR-7K3M9QXD-5"},
        {"pn": "gr-7k3m9qxd-4"},
        {"cat": "Raam"},
        {"cat": ""},
        {7: b"\x00" * 15},
        {6: -1},
        {4: "2027-01-01"},
        {"ph": b""},
        {"ph": b"\x00" * (MAX_PHOTO_BYTES + 1)},
        {"pt": "image/jpeg"},
        {"pt": b"image/avif"},
    ],
    ids=repr,
)
def test_validly_signed_claims_of_the_wrong_form_are_malformed(
    world: World, change: dict[Any, Any]
) -> None:
    claims = {**claims_of(world.make_pass()), **change}
    assert check(world, sign_claims(claims, world.groningen)).status is Status.MALFORMED


def test_a_validly_signed_pass_missing_a_claim_is_malformed(world: World) -> None:
    claims = claims_of(world.make_pass())
    for missing in list(claims):
        partial = {k: v for k, v in claims.items() if k != missing}
        assert check(world, sign_claims(partial, world.groningen)).status is Status.MALFORMED


def test_malformed_beats_unknown_issuer(world: World) -> None:
    claims = {**claims_of(world.make_pass()), "pt": "image/png"}
    assert check(world, sign_claims(claims, world.stranger)).status is Status.MALFORMED


# --- UNKNOWN_ISSUER -------------------------------------------------------------------


def test_a_kid_not_in_the_trust_list_is_an_unknown_issuer(world: World) -> None:
    assert check(world, world.issue(signer=world.stranger)).status is Status.UNKNOWN_ISSUER


def test_an_issuer_missing_from_the_trust_list_is_unknown(world: World) -> None:
    text = world.issue()
    verdict = check(world, text, entries=[world.assen_entry()])
    assert verdict.status is Status.UNKNOWN_ISSUER


def test_an_iss_that_differs_from_the_keys_entry_is_an_unknown_issuer(world: World) -> None:
    # Assen's key cannot issue Groningen's passes, even in a category Assen has.
    text = world.issue(signer=world.assen, category="inrichting")
    assert check(world, text).status is Status.UNKNOWN_ISSUER


def test_iat_before_the_keys_nbf_is_an_unknown_issuer(world: World) -> None:
    entry = world.entry(nbf=NOW - 30 * DAY)
    text = world.issue(iat=NOW - 30 * DAY - 1)
    assert check(world, text, entries=[entry]).status is Status.UNKNOWN_ISSUER
    text = world.issue(iat=NOW - 30 * DAY)
    assert check(world, text, entries=[entry]).status is Status.VALID


def test_iat_after_the_keys_exp_is_an_unknown_issuer(world: World) -> None:
    entry = world.entry(exp=NOW - 20 * DAY)
    text = world.issue(iat=NOW - 20 * DAY + 1)
    assert check(world, text, entries=[entry]).status is Status.UNKNOWN_ISSUER
    text = world.issue(iat=NOW - 20 * DAY)  # the key window is inclusive
    assert check(world, text, entries=[entry]).status is Status.VALID


def test_a_category_missing_from_the_issuers_entry_is_an_unknown_issuer(world: World) -> None:
    text = world.issue(category="thuis")  # Assen has "thuis"; Groningen does not
    assert check(world, text).status is Status.UNKNOWN_ISSUER


def test_the_trust_anchor_key_cannot_sign_passes(world: World) -> None:
    assert check(world, world.issue(signer=world.anchor)).status is Status.UNKNOWN_ISSUER


def test_unknown_issuer_is_decided_before_the_signature(world: World) -> None:
    cose = bytearray(cose_of(world.issue(signer=world.stranger)))
    cose[-1] ^= 1
    assert check(world, qr(bytes(cose))).status is Status.UNKNOWN_ISSUER


# --- BAD_SIGNATURE --------------------------------------------------------------------


def test_a_changed_signature_is_a_bad_signature(world: World) -> None:
    cose = bytearray(cose_of(world.issue()))
    cose[-64] ^= 1
    assert check(world, qr(bytes(cose))).status is Status.BAD_SIGNATURE


def test_changed_claims_under_the_old_signature_are_a_bad_signature(world: World) -> None:
    p = world.make_pass()
    good = Sign1.from_bytes(cose_of(p.sign(world.groningen)))
    for forged in (
        world.make_pass(exp=p.exp + YEAR),
        world.make_pass(category="inrichting"),
        world.make_pass(number="GR-7K3M9QXD-4"),
        world.make_pass(photo=b"someone else"),
        world.make_pass(serial=b"\x00" * 16),
    ):
        envelope = Sign1(good.protected, good.kid, forged.to_payload(), good.signature)
        assert check(world, qr(envelope.to_bytes())).status is Status.BAD_SIGNATURE


def test_a_strangers_signature_under_a_listed_kid_is_a_bad_signature(world: World) -> None:
    p = world.make_pass()
    theirs = Sign1.sign(p.to_payload(), world.stranger)
    borrowed = Sign1(
        protected=Sign1.sign(b"", world.groningen).protected,
        kid=world.kid(world.groningen),
        payload=theirs.payload,
        signature=theirs.signature,
    )
    assert check(world, qr(borrowed.to_bytes())).status is Status.BAD_SIGNATURE


def test_a_malleated_signature_is_a_bad_signature(world: World) -> None:
    # Ed25519 S + L verifies in lax implementations; libsodium (and we) refuse it.
    order = 2**252 + 27742317777372353535851937790883648493
    cose = cose_of(world.issue())
    r, s = cose[-64:-32], int.from_bytes(cose[-32:], "little")
    malleated = cose[:-64] + r + (s + order).to_bytes(32, "little")
    assert check(world, qr(malleated)).status is Status.BAD_SIGNATURE


# --- NOT_YET_VALID / EXPIRED ----------------------------------------------------------


def test_nbf_in_the_future_beyond_the_leeway_is_not_yet_valid(world: World) -> None:
    assert NBF_LEEWAY_SECONDS == 300
    text = world.issue(iat=NOW, nbf=NOW + 301)
    assert check(world, text).status is Status.NOT_YET_VALID
    assert check(world, text, now=NOW + 1).status is Status.VALID


def test_nbf_within_the_leeway_is_valid(world: World) -> None:
    text = world.issue(iat=NOW, nbf=NOW + 300)
    assert check(world, text).status is Status.VALID
    assert check(world, text, now=NOW - 1).status is Status.NOT_YET_VALID


def test_exp_is_exclusive(world: World) -> None:
    text = world.issue(iat=NOW - DEFAULT_VALIDITY_SECONDS)
    assert check(world, text).status is Status.EXPIRED
    assert check(world, text, now=NOW - 1).status is Status.VALID


def test_an_expired_pass_still_shows_its_claims(world: World) -> None:
    p = world.make_pass(iat=NOW - 3 * YEAR)
    verdict = check(world, p.sign(world.groningen))
    assert verdict.status is Status.EXPIRED
    assert verdict.number == p.number and verdict.exp == p.exp and verdict.photo == p.photo


def test_a_pass_expiring_within_60_days_warns(world: World) -> None:
    assert EXPIRES_SOON_SECONDS == 60 * DAY
    for days_left, warned in ((1, True), (59, True), (60, True), (61, False), (400, False)):
        text = world.issue(iat=NOW + days_left * DAY - DEFAULT_VALIDITY_SECONDS)
        verdict = check(world, text)
        assert verdict.status is Status.VALID
        assert (Notice.EXPIRES_SOON in verdict.warnings) is warned, days_left


def test_expires_soon_is_only_said_of_valid_passes(world: World) -> None:
    text = world.issue(iat=NOW - DEFAULT_VALIDITY_SECONDS)
    assert check(world, text).warnings == ()
    revoked = world.issue("revoked", iat=NOW + DAY - DEFAULT_VALIDITY_SECONDS)
    assert check(world, revoked).warnings == ()


# --- REVOKED --------------------------------------------------------------------------


def test_a_serial_in_the_issuers_revocation_list_is_revoked(world: World) -> None:
    p = world.make_pass("revoked")
    assert p.serial == serial("revoked")
    verdict = check(world, p.sign(world.groningen))
    assert verdict.status is Status.REVOKED
    assert verdict.number == p.number  # an official needs to see which pass it was


def test_revocation_is_per_issuer(world: World) -> None:
    # Assen's pass with a serial that Groningen revoked is not touched by Groningen's list.
    text = world.issue("revoked", signer=world.assen, iss="GM0106", category="inrichting")
    assert check(world, text).status is Status.VALID


def test_time_checks_come_before_revocation(world: World) -> None:
    expired = world.issue("revoked", iat=NOW - 3 * YEAR)
    assert check(world, expired).status is Status.EXPIRED
    early = world.issue("revoked", iat=NOW, nbf=NOW + DAY)
    assert check(world, early).status is Status.NOT_YET_VALID


# --- list warnings -------------------------------------------------------------------


def test_a_missing_revocation_list_warns(world: World) -> None:
    verdict = check(world, world.issue(), revocations=[world.revocations(iss="GM0106")])
    assert verdict.status is Status.VALID
    assert verdict.warnings == (Notice.REVOCATIONS_MISSING,)


def test_an_expired_revocation_list_warns_and_still_revokes(world: World) -> None:
    old = world.revocations([serial("revoked")], iat=NOW - 9 * DAY, exp=NOW - DAY)
    fresh = check(world, world.issue(), revocations=[old])
    assert fresh.status is Status.VALID
    assert fresh.warnings == (Notice.REVOCATIONS_EXPIRED,)
    revoked = check(world, world.issue("revoked"), revocations=[old])
    assert revoked.status is Status.REVOKED
    assert revoked.warnings == (Notice.REVOCATIONS_EXPIRED,)
    at_exp = check(world, world.issue(), now=NOW - DAY, revocations=[old])
    assert at_exp.warnings == (Notice.REVOCATIONS_EXPIRED,)  # exp is exclusive here too


def test_an_expired_trust_list_warns_but_passes_still_verify(world: World) -> None:
    verdict = check(world, world.issue(), iat=NOW - 40 * DAY, exp=NOW - DAY)
    assert verdict.status is Status.VALID
    assert verdict.warnings == (Notice.TRUST_LIST_EXPIRED,)


def test_all_warnings_together(world: World) -> None:
    verdict = check(
        world,
        world.issue(iat=NOW + 5 * DAY - DEFAULT_VALIDITY_SECONDS),
        iat=NOW - 40 * DAY,
        exp=NOW,
        revocations=[world.revocations(iat=NOW - 9 * DAY, exp=NOW - DAY)],
    )
    assert verdict.status is Status.VALID
    assert set(verdict.warnings) == set(Notice) - {Notice.REVOCATIONS_MISSING}


# --- nothing unverified is ever shown -------------------------------------------------


def unsigned_outcomes(world: World) -> dict[str, str]:
    cose = bytearray(cose_of(world.issue()))
    cose[-1] ^= 0x80
    return {
        "MALFORMED": QR_PREFIX + "BB8",
        "UNKNOWN_ISSUER": world.issue(signer=world.stranger),
        "BAD_SIGNATURE": qr(bytes(cose)),
    }


@pytest.mark.parametrize("status", ["MALFORMED", "UNKNOWN_ISSUER", "BAD_SIGNATURE"])
def test_a_verdict_without_a_verified_signature_carries_no_claims(
    world: World, status: str
) -> None:
    verdict = check(world, unsigned_outcomes(world)[status], iat=NOW - 40 * DAY, exp=NOW - DAY)
    assert verdict.status == status
    for name in CLAIM_FIELDS:
        assert getattr(verdict, name) is None, name
    assert verdict.warnings == ()  # not even list warnings: nothing was checked
    assert verdict.to_json()["number"] is None


def test_every_status_is_reachable(world: World) -> None:
    seen = {
        check(world, text).status
        for text in [
            world.issue(),
            *unsigned_outcomes(world).values(),
            world.issue(iat=NOW, nbf=NOW + DAY),
            world.issue(iat=NOW - 3 * YEAR),
            world.issue("revoked"),
        ]
    }
    # Verifier policy (§10.4): a genuine Groningen pass where only Assen's count.
    seen.add(verify(world.issue(), world.store(), now=NOW, policy=Policy("GM0106")).status)
    assert seen == set(Status)
