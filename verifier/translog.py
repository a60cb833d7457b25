"""The transparency log of a service's audit events: a Merkle tree (RFC 9162 §2.1).

Pure functions, no I/O: the service builds tree heads and proofs with them
(tokenservice/audit/log.py), and every witness — ``pas-verify sync`` on an exploitant's
phone or PC, ``pas-service audit verify --witness`` — checks them with the same code.
docs/transparency.md describes the format; docs/adr/0015 why it exists.

Hashing is RFC 9162's: ``leaf = SHA-256(0x00 || leaf data)``, ``node = SHA-256(0x01 ||
left || right)``, the tree of ``n`` leaves split at the largest power of two below
``n``; the empty tree's hash is ``SHA-256()``. A leaf's data is
:func:`event_leaf_data`: the fields the audit chain covers, behind a random 16-byte
salt, so that no published hash (a consistency proof can contain single leaves) can
be tested against a guess such as "pass X, escrow_release, on day D".

A **checkpoint** is a signed tree head: a COSE_Sign1 (token-format.md §5) signed by
a key the trust anchor lists for ``iss``, over the CBOR map ``{"v": 1, "typ":
"pas-log", "iss": text, "size": uint, "root": bstr(32), "iat": uint}``. A witness
trusts the key only through the anchor-signed trust list, never because the log
served it.
"""

from __future__ import annotations

import hashlib
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

import nacl.signing

from . import _cbor
from .errors import Error, FormatError, TrustError
from .format import _ISS, MAX_LIST_BYTES, Sign1, _bytes, _map, _text, _uint

HASH_BYTES = 32
SALT_BYTES = 16
EMPTY_ROOT = hashlib.sha256(b"").digest()
CHECKPOINT_VERSION = 1
CHECKPOINT_TYPE = "pas-log"
#: A consistency proof has at most about 2·log2(size) hashes; 128 covers 2^63 leaves.
MAX_PROOF_HASHES = 128
MAX_TREE_SIZE = 2**63 - 1
_LEAF_DOMAIN = b"pas-audit-event\x00v1\x00"


class LogError(TrustError):
    """A log that is not an append-only extension of what a witness saw before."""


# --- hashing -----------------------------------------------------------------------------


def leaf_hash(data: bytes) -> bytes:
    return hashlib.sha256(b"\x00" + data).digest()


def node_hash(left: bytes, right: bytes) -> bytes:
    return hashlib.sha256(b"\x01" + left + right).digest()


def event_leaf_data(
    salt: bytes, at: int, actor: str, role: str, action: str, number: str | None,
    reason: str | None,
) -> bytes:
    """The canonical leaf data of one audit event.

    ``pas-audit-event\\0v1\\0 || salt(16) || field, field, ...`` where each field is a
    4-byte big-endian length and UTF-8 text: ``at`` in decimal, actor, role, action,
    pass number (empty if none), reason code (empty if none) — the fields the hash
    chain covers, in its order.
    """
    if len(salt) != SALT_BYTES:
        raise FormatError(f"an event salt must be {SALT_BYTES} bytes")
    parts = [_LEAF_DOMAIN, salt]
    for field in (str(at), actor, role, action, number or "", reason or ""):
        raw = field.encode()
        parts.append(len(raw).to_bytes(4, "big") + raw)
    return b"".join(parts)


def _split(n: int) -> int:
    """The largest power of two smaller than ``n`` (n ≥ 2)."""
    return 1 << ((n - 1).bit_length() - 1)


def root(leaves: Sequence[bytes]) -> bytes:
    """MTH over leaf hashes (already ``leaf_hash``-ed)."""
    n = len(leaves)
    if n == 0:
        return EMPTY_ROOT
    if n == 1:
        return leaves[0]
    k = _split(n)
    return node_hash(root(leaves[:k]), root(leaves[k:]))


class Frontier:
    """The right edge of a growing tree: the roots of its perfect subtrees.

    Appending is O(1) amortised and :meth:`root` O(log n), so a verifier walking a
    log once can check the tree head at every checkpoint size on the way.
    """

    def __init__(self) -> None:
        self.size = 0
        self._stack: list[tuple[int, bytes]] = []  # (height, hash), left to right

    def append(self, leaf: bytes) -> None:
        height, node = 0, leaf
        while self._stack and self._stack[-1][0] == height:
            _, left = self._stack.pop()
            node = node_hash(left, node)
            height += 1
        self._stack.append((height, node))
        self.size += 1

    def root(self) -> bytes:
        if not self._stack:
            return EMPTY_ROOT
        result = self._stack[-1][1]
        for _, left in reversed(self._stack[:-1]):
            result = node_hash(left, result)
        return result


# --- proofs (RFC 9162 §2.1.3.1 and §2.1.4.1) ---------------------------------------------


def inclusion_proof(index: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PATH(index, D[n]): the audit path of leaf ``index`` in the tree of ``leaves``."""
    n = len(leaves)
    if not 0 <= index < n:
        raise ValueError("leaf index out of range")
    if n == 1:
        return []
    k = _split(n)
    if index < k:
        return [*inclusion_proof(index, leaves[:k]), root(leaves[k:])]
    return [*inclusion_proof(index - k, leaves[k:]), root(leaves[:k])]


def consistency_proof(first: int, leaves: Sequence[bytes]) -> list[bytes]:
    """PROOF(first, D[n]): that the first ``first`` leaves are a prefix of ``leaves``."""
    n = len(leaves)
    if not 0 <= first <= n:
        raise ValueError("first size out of range")
    if first in (0, n):
        return []
    return _subproof(first, leaves, True)


def _subproof(m: int, leaves: Sequence[bytes], whole: bool) -> list[bytes]:
    n = len(leaves)
    if m == n:
        return [] if whole else [root(leaves)]
    k = _split(n)
    if m <= k:
        return [*_subproof(m, leaves[:k], whole), root(leaves[k:])]
    return [*_subproof(m - k, leaves[k:], False), root(leaves[:k])]


# --- verification (RFC 9162 §2.1.3.2 and §2.1.4.2) ---------------------------------------


def verify_inclusion(
    index: int, size: int, leaf: bytes, proof: Sequence[bytes], expected_root: bytes
) -> bool:
    """Whether ``leaf`` (a leaf hash) is leaf ``index`` of the tree of ``size`` with this root."""
    if not 0 <= index < size:
        return False
    fn, sn, r = index, size - 1, leaf
    for p in proof:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            r = node_hash(p, r)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            r = node_hash(r, p)
        fn >>= 1
        sn >>= 1
    return sn == 0 and r == expected_root


def verify_consistency(
    first: int, second: int, first_root: bytes, second_root: bytes, proof: Sequence[bytes]
) -> bool:
    """Whether the tree of ``second`` leaves extends the tree of ``first`` leaves."""
    if not 0 <= first <= second:
        return False
    if first == second:
        return not proof and first_root == second_root
    if first == 0:
        return not proof and first_root == EMPTY_ROOT
    if not proof:
        return False
    path = list(proof)
    if first & (first - 1) == 0:  # an exact power of two: the old root is a node of the new tree
        path.insert(0, first_root)
    fn, sn = first - 1, second - 1
    while fn & 1:
        fn >>= 1
        sn >>= 1
    fr = sr = path[0]
    for c in path[1:]:
        if sn == 0:
            return False
        if fn & 1 or fn == sn:
            fr = node_hash(c, fr)
            sr = node_hash(c, sr)
            if not fn & 1:
                while fn and not fn & 1:
                    fn >>= 1
                    sn >>= 1
        else:
            sr = node_hash(sr, c)
        fn >>= 1
        sn >>= 1
    return fr == first_root and sr == second_root and sn == 0


# --- checkpoints: signed tree heads ------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Checkpoint:
    """A signed tree head: "the log of ``iss`` had ``size`` events with this root at ``iat``"."""

    iss: str
    size: int
    root: bytes
    iat: int

    _KEYS: ClassVar[frozenset[str]] = frozenset({"v", "typ", "iss", "size", "root", "iat"})

    def __post_init__(self) -> None:
        _text(self.iss, "iss", _ISS)
        _uint(self.size, "size")
        if self.size > MAX_TREE_SIZE:
            raise FormatError("size is too large")
        _bytes(self.root, "root", HASH_BYTES)
        _uint(self.iat, "iat")

    def to_payload(self) -> bytes:
        return _cbor.encode({
            "v": CHECKPOINT_VERSION, "typ": CHECKPOINT_TYPE, "iss": self.iss, "size": self.size,
            "root": self.root, "iat": self.iat,
        })

    @classmethod
    def from_payload(cls, payload: bytes) -> Checkpoint:
        m = _map(_cbor.decode(payload), "checkpoint", cls._KEYS)
        if m["v"] != CHECKPOINT_VERSION or m["typ"] != CHECKPOINT_TYPE:
            raise FormatError("not a version 1 log checkpoint")
        try:
            return cls(iss=m["iss"], size=m["size"], root=m["root"], iat=m["iat"])
        except TypeError as exc:
            raise FormatError("checkpoint has a value of the wrong type") from exc

    def sign(self, signing_key: nacl.signing.SigningKey) -> bytes:
        return Sign1.sign(self.to_payload(), signing_key).to_bytes()

    @staticmethod
    def open(data: bytes) -> tuple[Sign1, Checkpoint]:
        """Decode a signed checkpoint. Signature NOT verified: see :func:`check_checkpoint`."""
        if not isinstance(data, bytes | bytearray) or len(data) > MAX_LIST_BYTES:
            raise FormatError("a checkpoint must be bytes")
        envelope = Sign1.from_bytes(bytes(data))
        return envelope, Checkpoint.from_payload(envelope.payload)

    def to_json(self) -> dict[str, Any]:
        return {"v": CHECKPOINT_VERSION, "typ": CHECKPOINT_TYPE, "iss": self.iss,
                "size": self.size, "root": self.root.hex(), "iat": self.iat}


def check_checkpoint(store: Any, data: bytes) -> Checkpoint:
    """Decode and verify a signed checkpoint against a verified :class:`TrustStore`.

    The signer must be a key the anchor's trust list lists for the checkpoint's
    ``iss`` (any of them, as for revocation lists). Raises TrustError or FormatError.
    """
    envelope, cp = Checkpoint.open(data)
    signers = [i for i in store.candidates(envelope) if i.entry.iss == cp.iss]
    if not signers:
        raise TrustError(f"the log checkpoint of {cp.iss} is signed by a key not listed for it")
    if not any(envelope.verify_with(s.verify_key) for s in signers):
        raise TrustError(f"the log checkpoint of {cp.iss} has a bad signature")
    return cp


def check_extension(old: Checkpoint, new: Checkpoint, proof: Sequence[bytes] | None) -> None:
    """Raise :class:`LogError` unless ``new`` is an append-only extension of ``old``.

    ``proof`` is the consistency proof from ``old.size`` to ``new.size`` (unused when
    the sizes are equal). Both checkpoints must already be verified.
    """
    if old.iss != new.iss:
        raise LogError(f"the checkpoints are of different logs ({old.iss}, {new.iss})")
    if new.size < old.size:
        raise LogError(
            f"the log of {new.iss} now has fewer events ({new.size}) than a checkpoint seen "
            f"before ({old.size}): events were removed (rollback)"
        )
    if new.size == old.size:
        if new.root != old.root:
            raise LogError(
                f"the log of {new.iss} has {new.size} events but a different root than the "
                "checkpoint seen before: it was rewritten (fork)"
            )
        return
    if proof is None or not verify_consistency(old.size, new.size, old.root, new.root, proof):
        raise LogError(
            f"the log of {new.iss} at {new.size} events is not an append-only extension of the "
            f"checkpoint seen before ({old.size} events): it was rewritten (fork)"
        )


def proof_from_json(obj: Any, first: int, second: int) -> list[bytes]:
    """The hashes of a published consistency proof (docs/transparency.md), checked for form."""
    if not isinstance(obj, dict) or obj.get("from") != first or obj.get("to") != second:
        raise FormatError("the consistency proof is not for the sizes asked")
    hashes = obj.get("proof")
    if not isinstance(hashes, list) or len(hashes) > MAX_PROOF_HASHES:
        raise FormatError("the consistency proof must be a list of hashes")
    result = []
    for h in hashes:
        if not isinstance(h, str) or len(h) != 2 * HASH_BYTES:
            raise FormatError("a proof hash must be 64 hex characters")
        try:
            result.append(bytes.fromhex(h))
        except ValueError:
            raise FormatError("a proof hash must be 64 hex characters") from None
    return result


__all__ = [
    "EMPTY_ROOT",
    "Checkpoint",
    "Error",
    "Frontier",
    "LogError",
    "check_checkpoint",
    "check_extension",
    "consistency_proof",
    "event_leaf_data",
    "inclusion_proof",
    "leaf_hash",
    "node_hash",
    "proof_from_json",
    "root",
    "verify_consistency",
    "verify_inclusion",
]
