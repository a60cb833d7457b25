"""Tampering: every single-bit flip of a real pass, and single-character edits of its QR text."""

from __future__ import annotations

import random
from collections import Counter

import pytest
from pas_support import World, cose_of, qr

from verifier import Status, TrustStore, verify
from verifier.format import QR_PREFIX, Sign1

ALPHABET = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ $%*+-./:"


@pytest.fixture(scope="module")
def genuine(world: World) -> str:
    text = world.issue()
    assert verify(text, world.store()).status is Status.VALID
    return text


@pytest.fixture(scope="module")
def store(world: World) -> TrustStore:
    return world.store()


def test_every_single_bit_flip_of_the_cose_bytes_is_rejected(
    genuine: str, store: TrustStore
) -> None:
    cose = cose_of(genuine)
    envelope = Sign1.from_bytes(cose)
    assert len(cose) * 8 > 5000  # a realistic pass with its photo
    signature_start = len(cose) - 64
    kid_range = range(8, 16)
    statuses: Counter[Status] = Counter()
    for i in range(len(cose)):
        for bit in range(8):
            flipped = bytearray(cose)
            flipped[i] ^= 1 << bit
            status = verify(qr(bytes(flipped)), store).status
            assert status is not Status.VALID, (i, bit)
            statuses[status] += 1
            if i >= signature_start:
                assert status is Status.BAD_SIGNATURE, (i, bit)
            elif i in kid_range:
                assert status is Status.UNKNOWN_ISSUER, (i, bit)
    # The photo dominates the payload: most flips reach the signature check and fail there.
    assert statuses[Status.BAD_SIGNATURE] > len(envelope.payload) * 8 // 2
    assert statuses[Status.MALFORMED] > 0


def test_every_byte_value_at_each_framing_position_is_rejected(
    genuine: str, store: TrustStore
) -> None:
    # The envelope's fixed bytes (tag, array, headers, payload head) with all 255 other values.
    cose = cose_of(genuine)
    for i in range(20):
        for value in range(256):
            if value == cose[i]:
                continue
            changed = cose[:i] + bytes([value]) + cose[i + 1 :]
            assert verify(qr(changed), store).status is not Status.VALID, (i, value)


def test_single_character_changes_of_the_qr_text_are_rejected(
    genuine: str, store: TrustStore
) -> None:
    rng = random.Random(2045)
    body = range(len(QR_PREFIX), len(genuine))
    positions = [
        *range(len(QR_PREFIX) + 12),  # prefix and envelope header
        *rng.sample(body, 40),
        *range(len(genuine) - 100, len(genuine)),  # the signature
    ]
    replacements = [*ALPHABET, "a", "z", "_", "=", "\n", "é", "\x00"]
    checked = 0
    for pos in positions:
        for ch in replacements:
            if genuine[pos] == ch:
                continue
            changed = genuine[:pos] + ch + genuine[pos + 1 :]
            assert verify(changed, store).status is not Status.VALID, (pos, ch)
            checked += 1
    assert checked > 5000


def test_deleting_or_inserting_a_character_is_rejected(genuine: str, store: TrustStore) -> None:
    rng = random.Random(7)
    for pos in [0, 4, 5, 6, *rng.sample(range(len(genuine)), 60), len(genuine) - 1]:
        assert verify(genuine[:pos] + genuine[pos + 1 :], store).status is not Status.VALID
        for ch in "0A:":
            inserted = genuine[:pos] + ch + genuine[pos:]
            assert verify(inserted, store).status is not Status.VALID


def test_surrounding_whitespace_or_case_changes_are_rejected(
    genuine: str, store: TrustStore
) -> None:
    for variant in (
        genuine + "\n",
        " " + genuine,
        genuine.lower(),
        genuine.replace("PAS1:", "PAS1: ", 1),
        genuine + genuine[len(QR_PREFIX) :],
    ):
        assert verify(variant, store).status is not Status.VALID
