"""The words the officials' pages use for a pass: its status, why it was revoked, and the
verdict on a scanned card (Dutch source strings; English through the officials' catalogue).

Shared by the intake (renewal) and handhaving pages, so a status reads the same on both.
"""

from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenservice.issue.passes import PassStatus
from verifier import Status

__all__ = ["REASON_LABELS", "STATUS_LABELS", "VERDICT_LABELS", "number_typo", "status_text"]

STATUS_LABELS = {
    "valid": _l("Geldig"),
    "expired": _l("Verlopen"),
    "revoked": _l("Ingetrokken"),
    "card_revoked": _l("Kaart ingetrokken (nummer kan verlengd worden)"),
}
REASON_LABELS = {
    "lost": _l("Kwijt"),
    "stolen": _l("Gestolen"),
    "stopped": _l("Gestopt met het werk"),
    "error": _l("Ten onrechte uitgegeven"),
    "superseded": _l("Vervangen door een nieuwe kaart"),
}
VERDICT_LABELS = {
    Status.VALID: _l("Echt en geldig"),
    Status.MALFORMED: _l("Geen leesbare pas"),
    Status.UNKNOWN_ISSUER: _l("Niet uitgegeven door een bekende gemeente"),
    Status.BAD_SIGNATURE: _l("Vervalst of beschadigd: de handtekening klopt niet"),
    Status.NOT_YET_VALID: _l("Nog niet geldig"),
    Status.EXPIRED: _l("Verlopen"),
    Status.REVOKED: _l("Ingetrokken"),
}


def status_text(status: PassStatus) -> str:
    """The status of a pass in a few words, with the reason of a revocation."""
    label = str(STATUS_LABELS.get(status.status, status.status))
    if status.reason and status.status in ("revoked", "card_revoked"):
        label += f" — {REASON_LABELS.get(status.reason, status.reason)}"
    return label


def number_typo() -> str:
    """What a typed pass number that fails its check character gets."""
    return str(_(
        "Dit pasnummer klopt niet: waarschijnlijk een tikfout. Een pasnummer ziet eruit "
        "als %(example)s.", example="GR-7K3M9QXD-4",
    ))
