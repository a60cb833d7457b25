"""Pass numbers: the Damm check catches every single typo and every swap of neighbours."""

from __future__ import annotations

import random

import pytest

from verifier import FormatError
from verifier import passnumber as pn

ALPHABET = pn.ALPHABET


def random_numbers(count: int, seed: int = 32) -> list[str]:
    rng = random.Random(seed)
    out = []
    for _ in range(count):
        prefix = "".join(rng.choice("ABCDEFGHIJKLMNOPQRSTUVWXYZ") for _ in range(rng.randint(2, 4)))
        body = "".join(rng.choice(ALPHABET) for _ in range(pn.DIGITS))
        out.append(f"{prefix}-{body}-{pn.check_character(body)}")
    return out


def test_the_example_from_the_issue_is_valid() -> None:
    assert pn.check_character("7K3M9QXD") == "4"
    assert pn.is_valid("GR-7K3M9QXD-4")
    assert not pn.is_valid("GR-7K3M9QXD-5")


def test_the_damm_step_is_doubling_in_gf32_with_x5_x2_1() -> None:
    # x∘d = 2x + d over GF(2^5) modulo x^5 + x^2 + 1 (0b100101).
    def gf_double(x: int) -> int:
        x <<= 1
        return x ^ 0b100101 if x & 0b100000 else x

    for x in range(32):
        for d in range(32):
            assert pn._step(x, d) == gf_double(x) ^ d


def test_the_quasigroup_is_totally_anti_symmetric() -> None:
    # (c∘a)∘b = (c∘b)∘a only if a = b: this is what makes every adjacent swap detectable.
    step = pn._step
    for c in range(32):
        for a in range(32):
            for b in range(a + 1, 32):
                assert step(step(c, a), b) != step(step(c, b), a)
    # And every row and column is a permutation (a Latin square): single typos change the result.
    for x in range(32):
        assert len({step(x, d) for d in range(32)}) == 32
        assert len({step(d, x) for d in range(32)}) == 32


def test_every_single_substitution_is_detected() -> None:
    for number in random_numbers(300):
        prefix, body, check = number.split("-")
        chars = body + check
        for i in range(len(chars)):
            for c in ALPHABET:
                if c == chars[i]:
                    continue
                typo = chars[:i] + c + chars[i + 1 :]
                assert not pn.is_valid(f"{prefix}-{typo[:-1]}-{typo[-1]}"), (number, i, c)


def test_every_adjacent_transposition_is_detected_including_with_the_check_character() -> None:
    tested = 0
    for number in random_numbers(300):
        prefix, body, check = number.split("-")
        chars = body + check
        for i in range(len(chars) - 1):
            if chars[i] == chars[i + 1]:
                continue
            swapped = chars[:i] + chars[i + 1] + chars[i] + chars[i + 2 :]
            assert not pn.is_valid(f"{prefix}-{swapped[:-1]}-{swapped[-1]}"), (number, i)
            tested += 1
    assert tested > 2000


def test_new_numbers_are_random_well_formed_and_valid() -> None:
    numbers = [pn.new("GR") for _ in range(2000)]
    assert len(set(numbers)) == len(numbers)
    for number in numbers:
        assert pn.PATTERN.fullmatch(number) and pn.is_valid(number)
        assert number.startswith("GR-")
    # Every alphabet character shows up in every body position: nothing is derived or sequential.
    for i in range(pn.DIGITS):
        assert {n[3 + i] for n in numbers} == set(ALPHABET)


@pytest.mark.parametrize("prefix", ["", "G", "GRONI", "gr", "G1", "GR-"])
def test_a_prefix_must_be_two_to_four_capital_letters(prefix: str) -> None:
    with pytest.raises(FormatError):
        pn.new(prefix)


def test_the_alphabet_is_crockford_base32_without_look_alikes() -> None:
    assert ALPHABET == "0123456789ABCDEFGHJKMNPQRSTVWXYZ"
    assert not set("ILOU") & set(ALPHABET)


@pytest.mark.parametrize(
    "typed",
    [
        "GR-7K3M9QXD-4",
        "gr-7k3m9qxd-4",
        "GR7K3M9QXD4",
        "gr 7k3m 9qxd 4",
        "  GR - 7K3M9QXD - 4 ",
        "GR--7K3M-9QXD--4",
        "Gr-7K3M9QXD-4\t",
    ],
)
def test_normalize_accepts_how_people_type_it(typed: str) -> None:
    assert pn.normalize(typed) == "GR-7K3M9QXD-4"


def test_normalize_reads_i_l_o_as_1_1_0() -> None:
    body = "10A0B1C1"
    number = f"AS-{body}-{pn.check_character(body)}"
    for typed in ("AS-I0A0B1C1", "AS-lOAOBiCL", "as-iOaObLcI"):
        assert pn.normalize(f"{typed}-{number[-1]}") == number


@pytest.mark.parametrize(
    "typed",
    [
        "GR-7K3M9QXD-5",  # wrong check character
        "GR-7K3M9QXE-4",  # one wrong character
        "GR-K73M9QXD-4",  # neighbours swapped
        "GR-7K3M9QX-4",  # one character short
        "GR-7K3M9QXDD-4",  # one too many
        "GR-7K3M9QXU-4",  # U is not in the alphabet
        "7K3M9QXD-4",  # no prefix
        "GRONI-7K3M9QXD-4",  # prefix too long
        "GR-7K3M9QXD-4" + " " * 30,  # absurdly long
        "",
        "GR_7K3M9QXD_4",
    ],
)
def test_normalize_refuses_typos_and_other_forms(typed: str) -> None:
    with pytest.raises(FormatError):
        pn.normalize(typed)


def test_normalize_refuses_non_text() -> None:
    for value in (None, 12345678, b"GR-7K3M9QXD-4"):
        with pytest.raises(FormatError):
            pn.normalize(value)  # type: ignore[arg-type]


def test_only_the_canonical_form_is_valid_inside_a_pass() -> None:
    # A pass carries the canonical form; typing aids are for people, not for signed data.
    for form in ("gr-7k3m9qxd-4", "GR7K3M9QXD4", "GR-7K3M9QXD-4 ", "GR-7K3M9QXO-4"):
        assert not pn.is_valid(form)
    assert not pn.is_valid(None)  # type: ignore[arg-type]
