"""Property tests: hostile input never raises, never verifies unless it is exactly what was signed.

Default profile: fast (see conftest.py). ``make fuzz`` runs this file with the
``long`` profile.
"""

from __future__ import annotations

from typing import Any

from hypothesis import given
from hypothesis import strategies as st
from pas_support import NOW, World, claims_of, cose_of, qr

from verifier import Error, Status, TrustStore, Verdict, _cbor, verify
from verifier.format import QR_PREFIX, Pass, RevocationList, Sign1, TrustList

WORLD = World()
STORE = WORLD.store()
PASS_A = WORLD.issue("a")
PASS_B = WORLD.issue("b", category="inrichting")
PASS_ASSEN = WORLD.issue("c", signer=WORLD.assen, iss="GM0106", category="thuis")
GENUINE = {cose_of(t) for t in (PASS_A, PASS_B, PASS_ASSEN)}
TRUST_LIST = WORLD.trust_list()
REVOCATIONS = WORLD.revocations([b"\x01" * 16, b"\x02" * 16])
ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


def checked(text: Any, store: TrustStore = STORE) -> Verdict:
    """verify() must return a Verdict for anything, at several clocks."""
    verdict = verify(text, store, now=NOW)
    assert isinstance(verdict, Verdict)
    assert isinstance(verdict.status, Status)
    if verdict.status in (Status.MALFORMED, Status.UNKNOWN_ISSUER, Status.BAD_SIGNATURE):
        assert verdict.number is None and verdict.photo is None and verdict.warnings == ()
    return verdict


def assert_valid_only_if_genuine(cose: bytes) -> None:
    verdict = checked(qr(cose))
    if verdict.status is Status.VALID:
        assert cose in GENUINE


# --- random input ----------------------------------------------------------------


@given(st.text(max_size=300))
def test_random_text_is_never_valid(text: str) -> None:
    assert checked(text).status is Status.MALFORMED


@given(st.text(alphabet=ALPHABET, max_size=1200))
def test_random_base45_after_the_prefix_is_never_valid(body: str) -> None:
    assert checked(QR_PREFIX + body).status is not Status.VALID


@given(st.binary(max_size=1200))
def test_random_bytes_as_a_pass_are_never_valid(data: bytes) -> None:
    assert checked(qr(data)).status is not Status.VALID


@given(st.binary(max_size=200))
def test_random_bytes_behind_the_envelope_prefix_are_never_valid(tail: bytes) -> None:
    # Starts like a real PAS1 envelope, so the decoder's fast path is exercised.
    head = cose_of(PASS_A)[:17]
    assert checked(qr(head + tail)).status is not Status.VALID


@given(st.one_of(st.none(), st.integers(), st.binary(), st.lists(st.text(), max_size=3)))
def test_non_text_input_is_malformed(value: Any) -> None:
    assert checked(value).status is Status.MALFORMED


# --- mutated genuine passes --------------------------------------------------------


@st.composite
def mutated(draw: st.DrawFn) -> bytes:
    cose = bytearray(draw(st.sampled_from(sorted(GENUINE))))
    for _ in range(draw(st.integers(1, 4))):
        op = draw(st.sampled_from(["flip", "set", "truncate", "insert", "delete", "splice"]))
        if not cose:
            break
        i = draw(st.integers(0, len(cose) - 1))
        if op == "flip":
            cose[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "set":
            cose[i] = draw(st.integers(0, 255))
        elif op == "truncate":
            del cose[i:]
        elif op == "insert":
            cose[i:i] = draw(st.binary(min_size=1, max_size=8))
        elif op == "delete":
            del cose[i : i + draw(st.integers(1, 8))]
        else:  # splice: this pass up to i, another pass from j
            other = draw(st.sampled_from(sorted(GENUINE)))
            j = draw(st.integers(0, len(other)))
            cose = cose[:i] + bytearray(other[j:])
    return bytes(cose)


@given(mutated())
def test_mutated_passes_never_verify_unless_they_are_a_genuine_pass(cose: bytes) -> None:
    assert_valid_only_if_genuine(cose)


@given(st.sampled_from(sorted(GENUINE)), st.data())
def test_a_splice_of_two_genuine_passes_never_verifies(first: bytes, data: st.DataObject) -> None:
    second = data.draw(st.sampled_from(sorted(GENUINE)))
    i = data.draw(st.integers(0, len(first)))
    j = data.draw(st.integers(0, len(second)))
    assert_valid_only_if_genuine(first[:i] + second[j:])


@given(mutated())
def test_the_envelope_decoder_accepts_only_canonical_bytes(cose: bytes) -> None:
    try:
        envelope = Sign1.from_bytes(cose)
    except Error:
        return
    assert envelope.to_bytes() == cose


# --- correctly signed hostile claims ------------------------------------------------

_scalars = st.one_of(
    st.integers(-(2**64), 2**64 - 1),
    st.binary(max_size=40),
    st.text(max_size=20),
    st.sampled_from(["GM0014", "raam", "thuis", "image/avif", "GR-7K3M9QXD-4", ""]),
)
_values = st.recursive(
    _scalars,
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=4), c, max_size=3),
    max_leaves=6,
)
_claim_keys = st.sampled_from([1, 4, 5, 6, 7, "pn", "cat", "ph", "pt", 2, 3, "x", -1])


@given(st.dictionaries(_claim_keys, _values, max_size=10), st.data())
def test_any_signed_claims_never_raise_and_verify_only_if_well_formed(
    random_claims: dict[Any, Any], data: st.DataObject
) -> None:
    base = claims_of(WORLD.make_pass("hostile"))
    claims = {**base, **random_claims} if data.draw(st.booleans()) else random_claims
    payload = _cbor.encode(claims)
    text = qr(Sign1.sign(payload, WORLD.groningen).to_bytes())
    verdict = checked(text)
    if verdict.status is Status.VALID:
        parsed = Pass.from_payload(payload)  # must not raise
        assert parsed.to_payload() == payload


@given(st.binary(max_size=3100))
def test_pass_payload_decoder_raises_only_format_errors(payload: bytes) -> None:
    try:
        parsed = Pass.from_payload(payload)
    except Error:
        return
    assert parsed.to_payload() == payload


# --- lists ----------------------------------------------------------------------------


def _mutate_list(data: bytes, draw: st.DrawFn) -> bytes:
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        if not out:
            break
        i = draw(st.integers(0, len(out) - 1))
        op = draw(st.sampled_from(["flip", "truncate", "insert"]))
        if op == "flip":
            out[i] ^= 1 << draw(st.integers(0, 7))
        elif op == "truncate":
            del out[i:]
        else:
            out[i:i] = draw(st.binary(min_size=1, max_size=4))
    return bytes(out)


@given(st.data())
def test_mutated_trust_lists_are_refused_with_typed_errors(data: st.DataObject) -> None:
    mutated_list = _mutate_list(TRUST_LIST, data.draw)
    try:
        store = TrustStore.from_bytes(WORLD.anchor.verify_key.encode(), mutated_list)
    except Error:
        return
    assert mutated_list == TRUST_LIST  # only the signed bytes are accepted
    assert store.trust_list.seq == 1


@given(st.data())
def test_mutated_revocation_lists_are_refused_with_typed_errors(data: st.DataObject) -> None:
    mutated_list = _mutate_list(REVOCATIONS, data.draw)
    try:
        STORE.check_revocation_list(mutated_list)
    except Error:
        return
    assert mutated_list == REVOCATIONS


@given(st.binary(max_size=400), st.binary(max_size=400))
def test_random_bytes_as_lists_raise_only_typed_errors(trust: bytes, revocation: bytes) -> None:
    for call in (
        lambda: TrustStore.from_bytes(WORLD.anchor.verify_key.encode(), trust),
        lambda: TrustStore.from_bytes(WORLD.anchor.verify_key.encode(), TRUST_LIST, [revocation]),
        lambda: TrustList.open(trust),
        lambda: RevocationList.open(revocation),
    ):
        try:
            call()
        except Error:
            pass
