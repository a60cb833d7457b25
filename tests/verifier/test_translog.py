"""verifier.translog: RFC 9162 Merkle tree, proofs, and signed checkpoints.

The known answers are the certificate-transparency reference vectors (RFC 6962's
hashing is RFC 9162's): eight leaves, the roots of every prefix, two audit paths and
three consistency proofs.
"""

from __future__ import annotations

import itertools

import pytest
from pas_support import DAY, key

from verifier import translog
from verifier.errors import FormatError, TrustError
from verifier.format import DEFAULT_CATEGORIES, IssuerEntry, TrustList
from verifier.trust import TrustStore

H = bytes.fromhex
LEAVES = [H(x) for x in ("", "00", "10", "2021", "3031", "40414243", "5051525354555657",
                         "606162636465666768696a6b6c6d6e6f")]
ROOTS = [H(x) for x in (
    "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855",
    "6e340b9cffb37a989ca544e6bb780a2c78901d3fb33738768511a30617afa01d",
    "fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125",
    "aeb6bcfe274b70a14fb067a5e5578264db0fa9b51af5e0ba159158f329e06e77",
    "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7",
    "4e3bbb1f7b478dcfe71fb631631519a3bca12c9aefca1612bfce4c13a86264d4",
    "76e67dadbcdf1e10e1b74ddc608abd2f98dfb16fbce75277b5232a127f2087ef",
    "ddb89be403809e325750d3d263cd78929c2942b7942a34b77e122c9594a74c8c",
    "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328",
)]
PATHS = {
    (0, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (5, 8): ["bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 3): ["fac54203e7cc696cf0dfcb42c92a1d9dbaf70ad9e621f4bd8d98662f00e3c125"],
}
CONSISTENCY = {
    (1, 1): [],
    (1, 8): ["96a296d224f285c67bee93c30f8a309157f0daa35dc5b87e410b78630a09cfc7",
             "5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "6b47aaf29ee3c2af9af889bc1fb9254dabd31177f16232dd6aab035ca39bf6e4"],
    (6, 8): ["0ebc5d3437fbe2db158b9f126a1d118e308181031d0a949f8dededebc558ef6a",
             "ca854ea128ed050b41b35ffc1b87b8eb2bde461e9e3b5596ece6b9d5975a0ae0",
             "d37ee418976dd95753c1c73862b9398fa2a2cf9b4ff0fdfe8b30cd95209614b7"],
    (2, 5): ["5f083f0a1a33ca076a95279832580db3e0ef4584bdff1f54c8a360f50de3031e",
             "bc1a0643b12e4d2d7c77918f44e0f4f79a838b6cf9ec5b5c283e1f4d88599e6b"],
}
HASHED = [translog.leaf_hash(x) for x in LEAVES]


def test_roots_of_every_prefix() -> None:
    for n in range(len(LEAVES) + 1):
        assert translog.root(HASHED[:n]) == ROOTS[n], n
        frontier = translog.Frontier()
        for leaf in HASHED[:n]:
            frontier.append(leaf)
        assert frontier.root() == ROOTS[n] and frontier.size == n


@pytest.mark.parametrize(("index", "size"), sorted(PATHS))
def test_reference_audit_paths(index: int, size: int) -> None:
    expected = [H(x) for x in PATHS[index, size]]
    assert translog.inclusion_proof(index, HASHED[:size]) == expected
    assert translog.verify_inclusion(index, size, HASHED[index], expected, ROOTS[size])


@pytest.mark.parametrize(("first", "second"), sorted(CONSISTENCY))
def test_reference_consistency_proofs(first: int, second: int) -> None:
    expected = [H(x) for x in CONSISTENCY[first, second]]
    assert translog.consistency_proof(first, HASHED[:second]) == expected
    assert translog.verify_consistency(first, second, ROOTS[first], ROOTS[second], expected)


def test_every_proof_up_to_40_leaves_verifies_and_no_tampered_one_does() -> None:
    leaves = [translog.leaf_hash(i.to_bytes(2, "big")) for i in range(40)]
    roots = [translog.root(leaves[:n]) for n in range(41)]
    for n in range(1, 41):
        for i in range(n):
            proof = translog.inclusion_proof(i, leaves[:n])
            assert translog.verify_inclusion(i, n, leaves[i], proof, roots[n])
            assert not translog.verify_inclusion(i, n, leaves[(i + 1) % 40], proof, roots[n])
    for m, n in itertools.combinations_with_replacement(range(41), 2):
        proof = translog.consistency_proof(m, leaves[:n])
        assert translog.verify_consistency(m, n, roots[m], roots[n], proof), (m, n)
        if 0 < m < n:
            assert not translog.verify_consistency(m, n, roots[m], bytes(32), proof)
            assert not translog.verify_consistency(m, n, bytes(32), roots[n], proof)
            for j in range(len(proof)):  # any changed or missing hash fails
                bad = list(proof)
                bad[j] = bytes(32)
                assert not translog.verify_consistency(m, n, roots[m], roots[n], bad)
                assert not translog.verify_consistency(m, n, roots[m], roots[n], proof[:j] + proof[j + 1:])
            assert not translog.verify_consistency(m, n, roots[m], roots[n], [*proof, bytes(32)])
    # A rewritten log: the same size, one leaf changed, is no extension of the old head.
    rewritten = list(leaves)
    rewritten[3] = translog.leaf_hash(b"forged")
    for m in range(4, 20):
        proof = translog.consistency_proof(m, rewritten[:30])
        assert not translog.verify_consistency(m, 30, roots[m], translog.root(rewritten[:30]), proof)


def test_event_leaf_data_is_salted_and_unambiguous() -> None:
    salt = bytes(range(16))
    a = translog.event_leaf_data(salt, 1, "ab", "c", "x", None, None)
    b = translog.event_leaf_data(salt, 1, "a", "bc", "x", None, None)
    assert a != b and a.startswith(b"pas-audit-event\x00v1\x00" + salt)
    assert a != translog.event_leaf_data(bytes(16), 1, "ab", "c", "x", None, None)
    with pytest.raises(FormatError):
        translog.event_leaf_data(b"short", 1, "a", "b", "c", None, None)


# --- checkpoints ---------------------------------------------------------------------------

NOW = 1_767_225_600


def _store(*entries: tuple[str, object]) -> TrustStore:
    anchor = key("translog/anchor")
    issuers = tuple(
        IssuerEntry(iss=iss, name=f"Gemeente {iss}", public_key=bytes(signer.verify_key),  # type: ignore[attr-defined]
                    nbf=NOW - DAY, exp=NOW + DAY, categories=DEFAULT_CATEGORIES)
        for iss, signer in entries
    )
    tl = TrustList(seq=1, iat=NOW - DAY, exp=NOW + DAY, issuers=issuers)
    return TrustStore.from_bytes(bytes(anchor.verify_key), tl.sign(anchor))


def test_checkpoint_round_trip_and_trust() -> None:
    issuer, other = key("translog/issuer"), key("translog/other")
    store = _store(("GM0014", issuer), ("GM0106", other))
    cp = translog.Checkpoint(iss="GM0014", size=8, root=ROOTS[8], iat=NOW)
    data = cp.sign(issuer)
    assert translog.check_checkpoint(store, data) == cp
    with pytest.raises(TrustError, match="not listed"):  # another municipality's key
        translog.check_checkpoint(store, cp.sign(other))
    with pytest.raises(TrustError, match="not listed"):  # a key the log made up itself
        translog.check_checkpoint(store, cp.sign(key("translog/self-made")))
    forged = bytearray(data)
    forged[-1] ^= 1
    with pytest.raises(TrustError, match="bad signature"):
        translog.check_checkpoint(store, bytes(forged))
    # A revocation list or trust list is never read as a checkpoint, and back.
    with pytest.raises(FormatError):
        translog.Checkpoint.open(store.trust_list.sign(issuer))
    with pytest.raises(FormatError):
        translog.Checkpoint(iss="GM0014", size=1, root=b"short", iat=NOW)


def test_check_extension() -> None:
    def cp(n: int, r: bytes | None = None) -> translog.Checkpoint:
        return translog.Checkpoint(iss="GM0014", size=n, root=r or ROOTS[n], iat=NOW)

    translog.check_extension(cp(2), cp(5), [H(x) for x in CONSISTENCY[2, 5]])
    translog.check_extension(cp(5), cp(5), None)
    with pytest.raises(translog.LogError, match="fewer events"):
        translog.check_extension(cp(5), cp(2), None)
    with pytest.raises(translog.LogError, match="fork"):
        translog.check_extension(cp(5), cp(5, ROOTS[4]), None)
    with pytest.raises(translog.LogError, match="rewritten"):
        translog.check_extension(cp(2), cp(5, ROOTS[4]), [H(x) for x in CONSISTENCY[2, 5]])
    with pytest.raises(translog.LogError, match="rewritten"):
        translog.check_extension(cp(2), cp(5), None)


def test_proof_from_json() -> None:
    good = {"v": 1, "from": 2, "to": 5, "proof": CONSISTENCY[2, 5]}
    assert translog.proof_from_json(good, 2, 5) == [H(x) for x in CONSISTENCY[2, 5]]
    for bad in ({**good, "to": 6}, {**good, "proof": ["zz" * 32]}, {**good, "proof": "x"},
                {**good, "proof": ["00"] * 2}, {**good, "proof": ["00" * 32] * 200}, []):
        with pytest.raises(FormatError):
            translog.proof_from_json(bad, 2, 5)
