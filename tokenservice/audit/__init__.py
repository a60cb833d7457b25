"""The audit trail: a hash-chained log of who did what to which pass number
(:mod:`~tokenservice.audit.log`), with signed checkpoints a witness can hold us to
(:mod:`~tokenservice.audit.checkpoints`; docs/transparency.md)."""

from tokenservice.audit.checkpoints import (
    STALE_AFTER,
    LogReport,
    WitnessReport,
    check_witness,
    checkpoint,
    checkpoint_for_witness,
    consistency,
    history_witnessed,
    latest_checkpoint,
    leaves,
    served_as_is,
    verify_log,
    witnessed_since,
)
from tokenservice.audit.log import (
    GENESIS,
    AuditError,
    ChainReport,
    append,
    day_of,
    export_log_csv,
    utc_text,
    verify_chain,
)

__all__ = [
    "GENESIS",
    "STALE_AFTER",
    "AuditError",
    "ChainReport",
    "LogReport",
    "WitnessReport",
    "append",
    "check_witness",
    "checkpoint",
    "checkpoint_for_witness",
    "consistency",
    "day_of",
    "export_log_csv",
    "history_witnessed",
    "latest_checkpoint",
    "leaves",
    "served_as_is",
    "utc_text",
    "verify_chain",
    "verify_log",
    "witnessed_since",
]
