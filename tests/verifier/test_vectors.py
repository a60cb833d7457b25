"""tests/vectors/pas1.json: reproducible from its script, and every case verifies as it says."""

from __future__ import annotations

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

import pytest
from pas_support import VECTORS, make_vectors

from verifier import Error, Notice, Policy, Region, RegionStore, Status, TrustStore, verify

PAS1 = VECTORS / "pas1.json"
CASES: list[dict[str, Any]] = json.loads(PAS1.read_text(encoding="utf-8"))
REQUIRED = {
    "name",
    "qr_text",
    "anchor_pub_hex",
    "trust_list_b64",
    "revocations_b64",
    "now",
    "expect",
}
OPTIONAL = {
    "note",
    "warnings",
    "number",
    "photo_type",
    "photo_sha256",
    "min_seq",
    "min_revocation_seqs",
    "more_regions",
    "policy",
}
#: Not a verdict: accepting the case's lists (with its floors) must fail.
REFUSED = "REFUSED"


def test_regenerating_the_vectors_gives_the_checked_in_file_byte_for_byte() -> None:
    assert make_vectors().render() == PAS1.read_text(encoding="utf-8"), (
        "tests/vectors/pas1.json is stale: run `make vectors` and commit the result"
    )


def test_the_script_writes_the_same_file(tmp_path: Path) -> None:
    out = tmp_path / "pas1.json"
    assert make_vectors().main([str(out)]) == 0
    assert out.read_bytes() == PAS1.read_bytes()


def test_cases_have_the_documented_fields_and_unique_names() -> None:
    names = [c["name"] for c in CASES]
    assert len(names) == len(set(names))
    for case in CASES:
        assert REQUIRED <= set(case) <= REQUIRED | OPTIONAL, case["name"]
        assert case["expect"] in {s.value for s in Status} | {REFUSED}
        if case["expect"] == REFUSED:
            assert "number" not in case and not case.get("warnings"), case["name"]
        assert set(case.get("warnings", [])) <= {n.value for n in Notice}
        assert isinstance(case["now"], int)


def test_the_vectors_cover_every_status_and_every_warning() -> None:
    assert {c["expect"] for c in CASES} == {s.value for s in Status} | {REFUSED}
    warnings = {w for c in CASES for w in c.get("warnings", [])}
    assert warnings == {n.value for n in Notice}


def store_for(case: dict[str, Any]) -> TrustStore | RegionStore:
    first = TrustStore.from_bytes(
        bytes.fromhex(case["anchor_pub_hex"]),
        base64.b64decode(case["trust_list_b64"]),
        [base64.b64decode(r) for r in case["revocations_b64"]],
        min_seq=case.get("min_seq", 0),
        min_revocation_seqs=case.get("min_revocation_seqs", {}),
    )
    if "more_regions" not in case:
        return first
    regions = [Region("region-0", first)]
    for i, more in enumerate(case["more_regions"], start=1):
        store = TrustStore.from_bytes(
            bytes.fromhex(more["anchor_pub_hex"]),
            base64.b64decode(more["trust_list_b64"]),
            [base64.b64decode(r) for r in more["revocations_b64"]],
        )
        regions.append(Region(f"region-{i}", store))
    return RegionStore(regions)


def policy_for(case: dict[str, Any]) -> Policy | None:
    if "policy" not in case:
        return None
    return Policy(case["policy"]["here"], frozenset(case["policy"]["accept"]))


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_vector(case: dict[str, Any]) -> None:
    if case["expect"] == REFUSED:
        with pytest.raises(Error):
            store_for(case)
        return
    verdict = verify(case["qr_text"], store_for(case), now=case["now"], policy=policy_for(case))
    assert verdict.status == case["expect"], verdict.reason
    if "warnings" in case:
        assert sorted(w.value for w in verdict.warnings) == sorted(case["warnings"])
    assert verdict.number == case.get("number")
    shown = verdict.photo_file()
    if "photo_sha256" in case:
        assert shown is not None
        assert shown[1] == case["photo_type"]
        assert hashlib.sha256(shown[0]).hexdigest() == case["photo_sha256"]
    else:
        assert shown is None


def test_the_worked_example_in_the_token_format_doc_matches_the_vectors() -> None:
    doc = (VECTORS.parent.parent / "docs" / "token-format.md").read_text(encoding="utf-8")
    block = doc.split("<!-- worked-example:begin -->")[1].split("<!-- worked-example:end -->")[0]
    shown = block.strip().removeprefix("```text").removesuffix("```").strip() + "\n"
    first = CASES[0]
    assert first["name"] == "valid-window-pass"
    assert shown == make_vectors().explain(first["qr_text"])
    assert first["qr_text"][:80] in doc


def test_a_refused_case_would_otherwise_give_a_verdict_a_harness_cannot_mistake() -> None:
    # qr_text of a REFUSED case is the valid pass, so a verifier that accepts the lists
    # gets VALID (or another status), never REFUSED.
    valid = CASES[0]
    for case in CASES:
        if case["expect"] == REFUSED:
            assert case["qr_text"] == valid["qr_text"], case["name"]


def test_each_new_malformed_rule_is_the_only_one_broken() -> None:
    """The MALFORMED cases fail for the reason their name gives (a sample of the reasons)."""
    reasons = {
        "malformed-payload-float": "floats",
        "malformed-payload-inner-tag": "tag 1",
        "malformed-payload-indefinite-length-map": "indefinite",
        "malformed-photo-indefinite-length": "indefinite",
        "malformed-payload-reserved-additional-info": "reserved",
        "malformed-payload-keys-out-of-order": "order",
        "malformed-text-overlong-utf-8": "UTF-8",
        "malformed-payload-length-not-shortest": "non-shortest",
        "malformed-double-tag-18": "tag 18",
        "malformed-unprotected-header-not-empty": "unprotected",
        "malformed-protected-header-without-kid": "exactly alg and kid",
        "malformed-kid-7-bytes": "kid must be 8 bytes",
        "malformed-detached-payload": "simple values",
        "malformed-payload-trailing-byte": "trailing",
    }
    by_name = {c["name"]: c for c in CASES}
    for name, reason in reasons.items():
        case = by_name[name]
        verdict = verify(case["qr_text"], store_for(case), now=case["now"])
        assert verdict.status is Status.MALFORMED and reason in verdict.reason, (name, verdict)


def test_each_malformed_av1_case_fails_on_its_photo() -> None:
    """The malformed-av1 cases are refused by the av1 check (§6.1), not by another rule."""
    cases = [c for c in CASES if c["name"].startswith("malformed-av1-")]
    assert len(cases) >= 20
    for case in cases:
        verdict = verify(case["qr_text"], store_for(case), now=case["now"])
        assert verdict.status is Status.MALFORMED, case["name"]
        assert verdict.reason.startswith("av1 photo:"), (case["name"], verdict.reason)
