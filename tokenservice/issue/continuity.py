"""Proof that the person renewing a pass is its holder (docs/adr/0011).

A renewal carries her number, record and history forward. Whoever brings only her number
to a spreekuur must not get that: not her history on /mijn-pas, not the power to kill her
card or erase her record, not a valid card under her number with another face. So a
renewal needs proof, as the municipality configures (``renewal_proof``):

- ``card``: her old card. Its QR is verified (signature, this number, her newest card) and
  the official compares the signed photo from inside it with the person in front of him —
  the one photo comparison this system can make, since no photo is stored.
- ``code``: her personal code (policy escrow), the same check as /mijn-pas.
- ``card_or_code`` (default) or ``card_and_code``.

Without proof the official can still help her: a new pass with a new number, and nothing
of the old pass is read, replaced, revoked or erased. Checking reads nothing but the
code's verifier and the pass's cards.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import sqlalchemy as sa

from tokenservice import escrow
from tokenservice.config import RENEWAL_PROOFS
from tokenservice.store.models import Card, PassRecord
from verifier import Error as VerifierError
from verifier import Status, TrustStore, verify

if TYPE_CHECKING:
    from collections.abc import Mapping

    from tokenservice.store.db import Database

#: What a municipality can ask for (``renewal_proof`` in pas.toml, ``PAS_RENEWAL_PROOF``).
REQUIREMENTS = RENEWAL_PROOFS
DEFAULT_REQUIREMENT = "card_or_code"
#: A signed card is proof even when expired (she renews because it expired) or superseded
#: is not: only her newest card counts, so an old card kept by someone else proves nothing.
_GENUINE = frozenset({Status.VALID, Status.EXPIRED, Status.NOT_YET_VALID})
_YES = frozenset({"yes", "ja", "true", "1", "on"})
QR_MAX_CHARS = 4096
CODE_MAX_CHARS = 80


@dataclass(frozen=True)
class RenewalProof:
    """What the official gathered: the old card's QR text, that its photo is the person in
    front of him, and/or her personal code. ``repr`` shows no value."""

    card_qr: str | None = field(default=None, repr=False)
    photo_confirmed: bool = False
    personal_code: str | None = field(default=None, repr=False)

    @classmethod
    def from_fields(cls, fields: Mapping[str, str]) -> RenewalProof:
        """From a form or an API request: ``old_card``, ``photo_confirmed``, ``personal_code``."""
        qr = (fields.get("old_card") or "").strip()
        code = " ".join((fields.get("personal_code") or "").split())
        return cls(
            card_qr=qr[:QR_MAX_CHARS] or None,
            photo_confirmed=(fields.get("photo_confirmed") or "").strip().lower() in _YES,
            personal_code=code[:CODE_MAX_CHARS] or None,
        )


@dataclass(frozen=True)
class Proven:
    """Which proofs held. ``code`` is her canonical code when it was proven (kept on renewal)."""

    card: bool
    code: str | None = field(default=None, repr=False)


def card_problem(qr_text: str, number: str, store: TrustStore, db: Database, now: int) -> str | None:
    """None if ``qr_text`` is a genuine card of ``number`` and its newest one; else a code."""
    text = qr_text.strip()
    try:
        verdict = verify(text.upper() if text.startswith("pas1:") else text, store, now=now)
    except VerifierError:
        return "card_not_genuine"
    if verdict.status not in _GENUINE and verdict.status is not Status.REVOKED:
        return "card_not_genuine"
    if verdict.number != number:
        return "card_other_pass"
    with db.transaction() as session:
        newest = session.scalar(
            sa.select(Card.serial).join(PassRecord).where(PassRecord.number == number)
            .order_by(Card.iat.desc(), Card.id.desc()).limit(1)
        )
    if newest is None or verdict.serial != newest:
        return "card_superseded"
    return None


def check(
    proof: RenewalProof, *, number: str, requirement: str, store: TrustStore, db: Database,
    config: escrow.EscrowConfig | None, now: int,
) -> tuple[Proven, dict[str, str]]:
    """Check ``proof`` for pass ``number`` against ``requirement``.

    Returns what was proven and the problems (field → code; empty when the proof suffices).
    ``renewal_proof: proof_needed`` names the missing proof as a whole.
    """
    problems: dict[str, str] = {}
    card = False
    if proof.card_qr:
        problem = card_problem(proof.card_qr, number, store, db, now)
        if problem:
            problems["old_card"] = problem
        elif not proof.photo_confirmed:
            problems["photo_confirmed"] = "confirm_photo"
        else:
            card = True
    code: str | None = None
    if proof.personal_code:
        canonical = escrow.normalize_code(proof.personal_code)
        with db.transaction() as session:
            ok = canonical is not None and escrow.verify_code(
                session, number=number, code=canonical, config=config)
        if ok:
            code = canonical
        else:
            problems["personal_code"] = "code_typo" if canonical is None else "code_wrong"
    enough = {
        "card_or_code": card or code is not None,
        "card": card,
        "code": code is not None,
        "card_and_code": card and code is not None,
    }[requirement]
    if not enough:
        problems.setdefault("renewal_proof", "proof_needed")
    else:
        problems = {}  # a wrong extra proof does not block a sufficient one
    return Proven(card=card, code=code), problems
