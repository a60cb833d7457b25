"""Shamir over GF(256), share texts with checksums, and sealed records (keys.shamir, keys.escrow)."""

from __future__ import annotations

import itertools
import re
import secrets

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from keys import escrow, shamir
from verifier.passnumber import ALPHABET

FIELDS = {
    "given_names": "Anna Maria", "family_name": "Kowalska", "birth_date": "1994-07-13",
    "id_document_number": "NX7Q4R2K9", "bsn": "123456782",
}


@pytest.fixture(scope="module")
def team() -> escrow.TeamKey:
    return escrow.create_team_key(2, 3)


# --- the field and the polynomial --------------------------------------------------------


def test_gf256_tables_match_aes() -> None:
    # Powers of the generator 3 in the AES field (FIPS-197): 01 03 05 0f 11 33 55 ff 1a 2e
    assert shamir._EXP[:10] == [0x01, 0x03, 0x05, 0x0F, 0x11, 0x33, 0x55, 0xFF, 0x1A, 0x2E]
    assert shamir._mul(0x57, 0x83) == 0xC1  # FIPS-197 §4.2
    for a in range(1, 256):
        assert shamir._mul(a, shamir._div(1, a)) == 1


@settings(max_examples=40, deadline=None)
@given(secret=st.binary(min_size=1, max_size=48), k=st.integers(2, 5), extra=st.integers(0, 3))
def test_any_k_shares_recover_the_secret(secret: bytes, k: int, extra: int) -> None:
    shares = shamir.split(secret, k, k + extra)
    for subset in itertools.combinations(shares, k):
        assert shamir.combine(list(subset)) == secret


def test_k_minus_one_shares_are_consistent_with_every_secret() -> None:
    # Perfect secrecy, made concrete: for 1 share of a 2-of-n split, every candidate
    # secret byte has exactly one polynomial through it.
    share = shamir.split(b"\x42", 2, 3)[0]
    candidates = set()
    for s in range(256):
        # the line through (0, s) and (x, y) is defined for every s
        slope = shamir._div(share.y[0] ^ s, share.x)
        assert shamir._mul(slope, share.x) ^ s == share.y[0]
        candidates.add(s)
    assert len(candidates) == 256


def test_combine_refuses_duplicates_and_mixed_lengths() -> None:
    a = shamir.split(b"0123456789abcdef", 2, 3)
    with pytest.raises(shamir.ShareError):
        shamir.combine([a[0], a[0]])
    with pytest.raises(shamir.ShareError):
        shamir.combine([a[0], shamir.Share(2, b"short")])
    with pytest.raises(shamir.ShareError):
        shamir.split(b"x", 1, 3)
    with pytest.raises(shamir.ShareError):
        shamir.split(b"x", 4, 3)
    assert "0123" not in repr(a[0])


# --- share texts ----------------------------------------------------------------------------


def test_share_text_round_trip_and_layout(team: escrow.TeamKey) -> None:
    for i, text in enumerate(team.shares, start=1):
        header, *lines = text.splitlines()
        assert header.startswith(f"pas escrow share {i} of 3 · 2 needed · key {team.kid.hex()}")
        assert len(lines) == 2 and all(len(line.split()) == 7 for line in lines)
        assert all(len(g) == 6 for line in lines for g in line.split())
        parsed = escrow.parse_share(text)
        assert (parsed.index, parsed.k, parsed.set_id) == (i, 2, team.set_id)


def test_k_shares_open_k_minus_one_do_not(team: escrow.TeamKey) -> None:
    for pair in itertools.combinations(team.shares, 2):
        key = escrow.recover_private_key(list(pair), expect_public=team.public_key)
        assert bytes(key.public_key) == team.public_key
    with pytest.raises(escrow.EscrowError, match="1 share"):
        escrow.recover_private_key(team.shares[:1])
    assert escrow.recover_private_key(list(team.shares)).public_key == \
        escrow.recover_private_key(team.shares[1:]).public_key


def _groups(text: str) -> list[str]:
    return [g for line in text.splitlines()[1:] for g in line.split()]


def _with_groups(text: str, groups: list[str]) -> str:
    return " ".join(groups)


@pytest.mark.parametrize("position", range(0, 84, 5))
def test_every_single_typo_is_caught_and_located(team: escrow.TeamKey, position: int) -> None:
    groups = _groups(team.shares[0])
    flat = list("".join(groups))
    original = flat[position]
    for replacement in (c for c in ALPHABET if c != original):
        typo = flat.copy()
        typo[position] = replacement
        text = " ".join("".join(typo[i : i + 6]) for i in range(0, 84, 6))
        with pytest.raises(escrow.ShareTypoError, match=f"group {position // 6 + 1} "):
            escrow.parse_share(text)


def test_swapped_neighbours_and_swapped_groups_are_caught(team: escrow.TeamKey) -> None:
    groups = _groups(team.shares[1])
    for g in range(len(groups)):
        group = groups[g]
        for i in range(5):
            if group[i] == group[i + 1]:
                continue
            swapped = group[:i] + group[i + 1] + group[i] + group[i + 2 :]
            with pytest.raises(escrow.ShareTypoError):
                escrow.parse_share(_with_groups("", [*groups[:g], swapped, *groups[g + 1:]]))
    reordered = groups.copy()
    reordered[3], reordered[4] = reordered[4], reordered[3]
    with pytest.raises(escrow.ShareTypoError):
        escrow.parse_share(" ".join(reordered))


def test_missing_group_and_foreign_characters_say_so(team: escrow.TeamKey) -> None:
    groups = _groups(team.shares[2])
    with pytest.raises(escrow.ShareTypoError, match="78 characters"):
        escrow.parse_share(" ".join(groups[:-1]))
    with pytest.raises(escrow.ShareTypoError, match="not a share character"):
        escrow.parse_share(" ".join(groups).replace(groups[0][0], "U", 1))


def test_forgiving_input(team: escrow.TeamKey) -> None:
    text = " ".join(_groups(team.shares[0]))
    sloppy = text.lower().replace(" ", "-").replace("1", "l").replace("0", "o")
    assert escrow.parse_share(sloppy).index == 1
    assert escrow.parse_share(re.sub(r"\s", "", text)).index == 1


def test_shares_of_another_split_or_key_are_refused(team: escrow.TeamKey) -> None:
    other = escrow.create_team_key(2, 3)
    with pytest.raises(escrow.EscrowError, match="different splits"):
        escrow.recover_private_key([team.shares[0], other.shares[1]])
    with pytest.raises(escrow.WrongKeyError):
        escrow.recover_private_key(other.shares[:2], expect_public=team.public_key)
    with pytest.raises(escrow.EscrowError, match="twice"):
        escrow.recover_private_key([team.shares[0], team.shares[0]])


def test_resplit_keeps_the_public_key_and_old_shares_do_not_mix(team: escrow.TeamKey) -> None:
    new = escrow.resplit(team.shares[:2], k=3, n=5, expect_public=team.public_key)
    assert new.public_key == team.public_key and (new.k, new.n) == (3, 5)
    assert new.set_id != team.set_id
    key = escrow.recover_private_key(new.shares[2:], expect_public=team.public_key)
    assert bytes(key.public_key) == team.public_key
    with pytest.raises(escrow.EscrowError):
        escrow.recover_private_key(new.shares[:2])  # now 3 are needed
    with pytest.raises(escrow.EscrowError, match="different splits"):
        escrow.recover_private_key([team.shares[0], *new.shares[:2]])


def test_split_share_texts_reads_a_stream(team: escrow.TeamKey) -> None:
    stream = "\n\n".join(team.shares) + "\n"
    assert [escrow.parse_share(t).index for t in escrow.split_share_texts(stream)] == [1, 2, 3]
    bare = "\n".join(" ".join(_groups(t)) for t in team.shares[:2])
    assert len(escrow.split_share_texts(bare)) == 1  # one block: holders separate by blank lines
    spaced = "\n\n".join(" ".join(_groups(t)) for t in team.shares[:2])
    assert [escrow.parse_share(t).index for t in escrow.split_share_texts(spaced)] == [1, 2]


def test_public_key_file(team: escrow.TeamKey, tmp_path) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "escrow.pub"
    path.write_text(escrow.format_public_file(team, created=0))
    assert escrow.read_public_file(path) == team.public_key
    path.write_text("# nothing\n")
    with pytest.raises(escrow.EscrowError):
        escrow.read_public_file(path)


# --- sealed records ------------------------------------------------------------------------


def _sealed(team: escrow.TeamKey, number: str = "DM-7K3M9QXD-4", fields=FIELDS) -> escrow.SealedEntry:  # type: ignore[no-untyped-def]
    data_key = escrow.new_data_key()
    nonce, ct = escrow.encrypt_record(data_key, number=number, recipient_kid=team.kid,
                                      fields=fields, sealed_at=123)
    return escrow.SealedEntry(number, team.kid, escrow.seal_data_key(team.public_key, data_key),
                              nonce, ct, 123)


def test_record_opens_with_the_team_key_only(team: escrow.TeamKey) -> None:
    entry = _sealed(team)
    doc = escrow.record_document(entry, request_id=1, released_at=5)
    (back,) = escrow.entries_from_document(doc)
    private = escrow.recover_private_key(team.shares[1:])
    opened = escrow.open_entry(private, back)
    assert opened.fields == FIELDS and opened.number == entry.number and opened.sealed_at == 123
    other = escrow.create_team_key(2, 3)
    with pytest.raises(escrow.WrongKeyError):
        escrow.open_entry(escrow.recover_private_key(other.shares[:2]), back)


def test_record_is_bound_to_its_number(team: escrow.TeamKey) -> None:
    a = _sealed(team, "DM-7K3M9QXD-4")
    swapped = escrow.SealedEntry("DM-00000000-0", a.recipient_kid, a.sealed_key, a.nonce,
                                 a.ciphertext, a.sealed_at)
    private = escrow.recover_private_key(team.shares[:2])
    with pytest.raises(escrow.EscrowError, match="does not open"):
        escrow.open_entry(private, swapped)
    flipped = bytearray(a.ciphertext)
    flipped[10] ^= 1
    with pytest.raises(escrow.EscrowError):
        escrow.open_entry(private, escrow.SealedEntry(a.number, a.recipient_kid, a.sealed_key,
                                                      a.nonce, bytes(flipped), a.sealed_at))


def test_padding_hides_the_length_of_names(team: escrow.TeamKey) -> None:
    short = _sealed(team, fields={"family_name": "Li"})
    long = _sealed(team, fields={**FIELDS, "given_names": "Maria " * 30})
    assert len(short.ciphertext) == len(long.ciphertext) == escrow.PAD_BLOCK + 16


def test_unknown_fields_are_refused(team: escrow.TeamKey) -> None:
    with pytest.raises(escrow.EscrowError, match="unknown identity field"):
        _sealed(team, fields={"nationality": "x"})


def test_sealed_text(team: escrow.TeamKey) -> None:
    blob = escrow.seal_text(team.public_key, "a reason naming Kowalska")
    assert b"Kowalska" not in blob
    assert escrow.open_text(escrow.recover_private_key(team.shares[:2]), blob) == "a reason naming Kowalska"


@pytest.mark.parametrize(
    ("query", "hit"),
    [
        ("kowalska", True), ("Anna Kowalska", True), ("ANNA", True), ("anna smith", False),
        ("123456782", True), ("1234.56.782", True), ("123456783", False),
        ("13-07-1994", True), ("1994-07-13", True), ("13071994", True), ("14-07-1994", False),
        ("nx7q4r2k9", True), ("", False),
    ],
)
def test_matches(query: str, hit: bool) -> None:
    record = escrow.OpenedRecord("DM-7K3M9QXD-4", 0, dict(FIELDS))
    assert escrow.matches(record, query) is hit


def test_accented_names_match_plain_queries() -> None:
    record = escrow.OpenedRecord("X", 0, {"given_names": "Élodie", "family_name": "Dùpont-Săvescu"})
    assert escrow.matches(record, "elodie savescu") and escrow.matches(record, "DUPONT")


def test_documents_refuse_garbage() -> None:
    for doc in ({}, {"format": "pas-escrow-record", "version": 1, "record": {"number": 1}},
                {"format": "other", "version": 1}, [], {"format": "pas-escrow-export", "version": 2}):
        with pytest.raises(escrow.EscrowError):
            escrow.entries_from_document(doc)
    bad = {"format": "pas-escrow-record", "version": 1, "record": {
        "number": "X", "recipient_kid": "00" * 8, "sealed_at": 1, "sealed_key": "!!",
        "nonce": "", "ciphertext": ""}}
    with pytest.raises(escrow.EscrowError):
        escrow.entries_from_document(bad)


def test_share_repr_leaks_nothing(team: escrow.TeamKey) -> None:
    parsed = escrow.parse_share(team.shares[0])
    assert parsed.share.y.hex() not in repr(parsed) and "shares" not in repr(team)
    assert secrets.compare_digest(parsed.set_id, team.set_id)
