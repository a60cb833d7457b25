"""Signed tree heads over the audit log, so that a rewrite cannot go unseen.

The events of the log (:mod:`tokenservice.audit.log`) are the leaves of a Merkle tree
(RFC 9162, :mod:`verifier.translog`) whose signed tree heads — checkpoints — are
published at ``/.well-known/pas/log/checkpoint`` and kept by witnesses outside the
server (every ``pas-verify sync``). A log that is not an append-only extension of a
checkpoint a witness holds fails ``pas-service audit verify --witness`` and makes the
next sync refuse. docs/transparency.md, docs/adr/0015.
"""

from __future__ import annotations

import struct
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Final, NamedTuple

import nacl.exceptions
import nacl.signing
import sqlalchemy as sa
from sqlalchemy.orm import Session

from tokenservice.audit.log import GENESIS, AuditError, linked, lock, utc_text
from tokenservice.errors import Error
from tokenservice.store.models import AuditCheckpoint, AuditEvent, LogCheckpoint
from verifier import Error as VerifierError
from verifier import translog

#: A fetch of the published checkpoint signs a new one when the log grew and the newest
#: is older than this (seconds): events can be dropped unseen for at most this long after
#: a witness last looked. Coarse on purpose: heads reveal how many events happened when.
STALE_AFTER: Final = 900


def _leaf(salt: bytes, at: int, actor: str, role: str, action: str, number: str | None,
          reason: str | None) -> bytes:
    return translog.leaf_hash(translog.event_leaf_data(salt, at, actor, role, action, number, reason))


def leaves(session: Session, limit: int | None = None) -> list[bytes]:
    """The leaf hashes of the log in order (the first ``limit`` events)."""
    query = sa.select(AuditEvent.salt, AuditEvent.at, AuditEvent.actor, AuditEvent.role,
                      AuditEvent.action, AuditEvent.pass_number,
                      AuditEvent.reason_code).order_by(AuditEvent.id)
    if limit is not None:
        query = query.limit(limit)
    return [_leaf(*row) for row in session.execute(query)]


def _count(session: Session) -> int:
    return int(session.scalar(sa.select(sa.func.count()).select_from(AuditEvent)) or 0)


def consistency(session: Session, first: int, second: int) -> list[bytes]:
    """The consistency proof between the log's first ``first`` and ``second`` events.

    Raises ValueError unless ``0 <= first <= second <=`` the current size.
    """
    if not 0 <= first <= second:
        raise ValueError("need 0 <= from <= to")
    found = leaves(session, second)
    if len(found) < second:
        raise ValueError("the log is not that long")
    return translog.consistency_proof(first, found)


def latest_checkpoint(session: Session) -> LogCheckpoint | None:
    return session.scalar(
        sa.select(LogCheckpoint).order_by(LogCheckpoint.size.desc(), LogCheckpoint.id.desc()).limit(1)
    )


def _signer(keyring: Any, iss: str | None, now: int, session: Session) -> Any:
    """The issuer key that signs: ``iss``, else the one that signed before (a stable
    origin for witnesses), else the first issuer with a usable key."""
    candidates = [iss] if iss is not None else []
    if iss is None:
        previous = latest_checkpoint(session)
        if previous is not None:
            candidates.append(previous.iss)
        candidates += sorted(keyring.issuers)
    for candidate in candidates:
        try:
            return keyring.signing(candidate, now)
        except Error:
            continue
    raise AuditError("no issuer key to sign an audit checkpoint with")


def checkpoint(session: Session, keyring: Any, *, now: int, iss: str | None = None) -> LogCheckpoint | None:
    """Sign the tree head of the whole log with an issuer key; None if the log is empty.

    Idempotent: when the newest checkpoint already covers the log, it is returned.
    Refuses (:class:`AuditError`) to sign a log that is not an extension of its own
    newest checkpoint: that would bless a rewrite. ``keyring`` is the service's
    :class:`tokenservice.issue.keyring.Keyring`.
    """
    lock(session)
    found = leaves(session)
    if not found:
        return None
    head = translog.root(found)
    latest = latest_checkpoint(session)
    if latest is not None:
        if latest.size > len(found) or translog.root(found[: latest.size]) != latest.root:
            raise AuditError(
                f"the log no longer matches its newest checkpoint ({latest.size} events): "
                "it was rewritten; not signing (run `pas-service audit verify`)"
            )
        if latest.size == len(found):
            return latest
    identity = _signer(keyring, iss, now, session)
    head_cp = translog.Checkpoint(iss=identity.entry.iss, size=len(found), root=head, iat=now)
    cp = LogCheckpoint(at=now, size=len(found), root=head, iss=identity.entry.iss,
                       kid=identity.entry.kid, signed=head_cp.sign(identity.key))
    session.add(cp)
    session.flush()
    return cp


def served_as_is(session: Session, *, now: int) -> LogCheckpoint | None:
    """The newest checkpoint if a fetch needs no write (fresh enough, already witnessed)."""
    latest = latest_checkpoint(session)
    if latest is None or latest.witnessed_at is None:
        return None
    if latest.at + STALE_AFTER <= now and _count(session) > latest.size:
        return None
    return latest


def checkpoint_for_witness(session: Session, keyring: Any, *, now: int) -> LogCheckpoint | None:
    """The checkpoint to publish: a fresh one if the log grew and the newest is stale.

    Records when a checkpoint was first served (``witnessed_at``: the time only,
    nothing about who fetched it). Without a usable key the newest existing one is
    served; a log that no longer matches its checkpoints is not signed again.
    """
    latest = latest_checkpoint(session)
    if latest is None or (latest.at + STALE_AFTER <= now and _count(session) > latest.size):
        try:
            latest = checkpoint(session, keyring, now=now) or latest
        except Error:
            pass
    if latest is not None and latest.witnessed_at is None:
        latest.witnessed_at = now
        session.flush()
    return latest


def witnessed_since(session: Session, event_id: int) -> int | None:
    """When a checkpoint covering event ``event_id`` was first served to a witness."""
    position = int(session.scalar(
        sa.select(sa.func.count()).select_from(AuditEvent).where(AuditEvent.id <= event_id)
    ) or 0)
    found = session.scalar(
        sa.select(sa.func.min(LogCheckpoint.witnessed_at))
        .where(LogCheckpoint.size >= position, LogCheckpoint.witnessed_at.is_not(None))
    )
    return int(found) if found is not None else None


def history_witnessed(session: Session, number: str) -> int | None:
    """When her whole history (every event about ``number``) was first in a tree head
    served to a witness; None if not yet (or there is none)."""
    newest = session.scalar(sa.select(sa.func.max(AuditEvent.id)).where(AuditEvent.pass_number == number))
    return witnessed_since(session, int(newest)) if newest is not None else None


# --- verification: the chain, the checkpoints, a witness's checkpoint ------------------------

_CHECKPOINT_DOMAIN: Final = b"pas-audit-checkpoint\x00v1\x00"


def _checkpoint_message(event_id: int, events: int, head: bytes, at: int, iss: str, kid: bytes) -> bytes:
    """What the chain-head checkpoints before the Merkle tree (audit_checkpoints) signed."""
    return (
        _CHECKPOINT_DOMAIN + struct.pack(">QQQ", event_id, events, at) + head
        + iss.encode("ascii") + b"\x00" + kid
    )


@dataclass(frozen=True)
class LogReport:
    """The result of :func:`verify_log`."""

    events: int
    first_bad_id: int | None
    checkpoints: int
    bad_checkpoint: int | None
    problem: str | None
    uncovered: int  # events after the newest valid checkpoint
    head: bytes
    root: bytes = translog.EMPTY_ROOT

    @property
    def intact(self) -> bool:
        return self.first_bad_id is None and self.bad_checkpoint is None


@dataclass
class _Walk:
    """One pass over the log: the chain checked, the tree built."""

    frontier: translog.Frontier
    roots: dict[int, bytes]  # tree size → root, for the sizes a tree head names
    position: dict[int, tuple[int, bytes]]  # event id → (events up to it, its hash)
    first_bad: int | None
    head: bytes


class _Finding(NamedTuple):
    """What checking a kind of checkpoint found: the first bad one, why, and how far the good ones reach."""

    bad: int | None
    problem: str | None
    covered: int


def _walk(session: Session, wanted: set[int]) -> _Walk:
    """Walk the hash chain and grow the Merkle tree; keep the roots at the ``wanted`` sizes."""
    walk = _Walk(translog.Frontier(), {0: translog.EMPTY_ROOT} if 0 in wanted else {}, {}, None, GENESIS)
    for event in session.scalars(sa.select(AuditEvent).order_by(AuditEvent.id)):
        if walk.first_bad is None and not linked(walk.head, event):
            walk.first_bad = event.id
        walk.frontier.append(_leaf(event.salt, event.at, event.actor, event.role, event.action,
                                   event.pass_number, event.reason_code))
        if walk.frontier.size in wanted:
            walk.roots[walk.frontier.size] = walk.frontier.root()
        walk.position[event.id] = (walk.frontier.size, event.hash)
        walk.head = event.hash
    return walk


def _check_chain_heads(chain_cps: Iterable[AuditCheckpoint], store: Any, walk: _Walk) -> _Finding:
    """The chain-head checkpoints of before the tree (migration 0006 keeps them)."""
    keys_by_kid: dict[bytes, tuple[str, bytes]] = {}
    if store is not None:
        for entry in store.issuers:
            keys_by_kid[entry.kid] = (entry.iss, entry.public_key)
    last_events = covered = 0
    for old in chain_cps:
        message = _checkpoint_message(old.event_id, old.events, old.head_hash, old.at, old.iss, old.kid)
        if store is not None:
            known = keys_by_kid.get(old.kid)
            if known is None or known[0] != old.iss:
                return _Finding(old.id, "signed with a key that is not in the trust list", covered)
            try:
                nacl.signing.VerifyKey(known[1]).verify(message, old.signature)
            except nacl.exceptions.BadSignatureError:
                return _Finding(old.id, "the checkpoint's signature does not verify", covered)
        where = walk.position.get(old.event_id)
        if where is None or where[0] != old.events or where[1] != old.head_hash:
            return _Finding(old.id, (
                f"the log no longer matches checkpoint {old.id} ({old.events} events up to "
                f"event {old.event_id}): entries were removed, edited or reordered"
            ), covered)
        if old.events < last_events:
            return _Finding(old.id, "checkpoints go backwards", covered)
        last_events = old.events
        covered = max(covered, old.events)
    return _Finding(None, None, covered)


def _check_tree_heads(tree_cps: Iterable[LogCheckpoint], store: Any, walk: _Walk) -> _Finding:
    """The signed tree heads: each signature, its columns, and its root over the log as it is."""
    covered = 0
    for cp in tree_cps:
        try:
            signed = (translog.check_checkpoint(store, cp.signed) if store is not None
                      else translog.Checkpoint.open(cp.signed)[1])
        except VerifierError as exc:
            return _Finding(cp.id, f"tree head {cp.id}: {exc}", covered)
        if (signed.size, signed.root, signed.iss, signed.iat) != (cp.size, cp.root, cp.iss, cp.at):
            return _Finding(cp.id, f"tree head {cp.id}: its columns differ from what was signed", covered)
        if cp.size > walk.frontier.size or walk.roots.get(cp.size) != cp.root:
            return _Finding(cp.id, (
                f"the log no longer matches tree head {cp.id} ({cp.size} events): entries were "
                "removed, edited or reordered"
            ), covered)
        covered = max(covered, cp.size)
    return _Finding(None, None, covered)


def verify_log(session: Session, keyring: Any | None = None) -> LogReport:
    """Walk the hash chain and the Merkle tree; check every checkpoint the database holds.

    Detects an edited, removed or reordered entry anywhere (the chain), and entries
    removed, or a rewritten chain, up to the newest checkpoint still in the database
    (signatures checked with the trust list in ``keyring``; without a keyring only
    heads). It cannot detect a rewrite that also removed those checkpoints: that takes
    a checkpoint kept outside the server (:func:`check_witness`).
    """
    tree_cps = list(session.scalars(sa.select(LogCheckpoint).order_by(LogCheckpoint.id)))
    chain_cps = list(session.scalars(sa.select(AuditCheckpoint).order_by(AuditCheckpoint.id)))
    walk = _walk(session, {cp.size for cp in tree_cps})
    store = keyring.store if keyring is not None else None
    finding = _check_chain_heads(chain_cps, store, walk)
    if finding.bad is None:
        trees = _check_tree_heads(tree_cps, store, walk)
        finding = _Finding(trees.bad, trees.problem, max(finding.covered, trees.covered))
    problem = finding.problem
    if walk.first_bad is not None and problem is None:
        problem = f"the hash chain breaks at event {walk.first_bad}: an entry was edited, removed or reordered"
    count = walk.frontier.size
    return LogReport(
        events=count, first_bad_id=walk.first_bad, checkpoints=len(chain_cps) + len(tree_cps),
        bad_checkpoint=finding.bad, problem=problem, uncovered=count - finding.covered,
        head=walk.head, root=walk.frontier.root(),
    )


@dataclass(frozen=True)
class WitnessReport:
    """The result of :func:`check_witness`: is the log an extension of what a witness saw?"""

    checkpoint: translog.Checkpoint
    events: int
    problem: str | None

    @property
    def ok(self) -> bool:
        return self.problem is None


def check_witness(session: Session, store: Any, data: bytes) -> WitnessReport:
    """Compare the log with a checkpoint a witness kept (``pas-verify sync`` stores them).

    ``store`` is the instance's verified TrustStore: the checkpoint counts only if a
    key the anchor lists for its iss signed it. Raises :class:`AuditError` for a
    checkpoint that is not one (bad form or signature).
    """
    try:
        cp = translog.check_checkpoint(store, data)
    except VerifierError as exc:
        raise AuditError(f"the witness's checkpoint cannot be used: {exc}") from None
    found = leaves(session)
    problem: str | None = None
    if len(found) < cp.size:
        problem = (
            f"the log has fewer events ({len(found)}) than the witness's checkpoint ({cp.size}, "
            f"signed by {cp.iss} at {utc_text(cp.iat)}): the log is not an append-only extension of "
            "it; events were removed"
        )
    elif translog.root(found[: cp.size]) != cp.root:
        problem = (
            f"the first {cp.size} events are not those of the witness's checkpoint (signed by "
            f"{cp.iss} at {utc_text(cp.iat)}): the log is not an append-only extension of it; "
            "events were removed, edited or reordered and the chain recomputed"
        )
    return WitnessReport(cp, len(found), problem)


__all__ = [
    "STALE_AFTER",
    "LogReport",
    "WitnessReport",
    "check_witness",
    "checkpoint",
    "checkpoint_for_witness",
    "consistency",
    "history_witnessed",
    "latest_checkpoint",
    "leaves",
    "served_as_is",
    "verify_log",
    "witnessed_since",
]
