"""The privacy core on the server: sealed identity escrow, the worker's code, the access log.

Pure functions over a SQLAlchemy session (the caller's transaction) and a clock
value; no Flask. docs/privacy.md explains the design for a privacy officer,
docs/handhaving.md the opening procedure.

What the server can and cannot do:

* It **seals** an identity record at intake, only under registration policy
  ``escrow`` and only with the worker's consent (:func:`seal_identity`, in
  :mod:`~tokenservice.escrow.seal`). The record is encrypted under a random per-record
  data key; that key is sealed to the handhaver team's X25519 public key
  (``instance/keys/escrow.pub``), whose private key exists only as k-of-n paper shares,
  and wrapped a second time under a key that Argon2id derives from the worker's personal
  code (:mod:`~tokenservice.escrow.code`). The server keeps neither private key nor
  code: it **cannot open** a record.
* It **hands out** sealed records to handhavers, after writing the request to the
  hash-chained audit log (:func:`request_record`, :func:`bulk_export`), optionally
  only after a second handhaver approved (:func:`approve`, :func:`collect`; all in
  :mod:`~tokenservice.escrow.opening`). Opening happens on the handhaver's laptop
  (``pas-keys escrow open``).
* It lets the worker, with her number and code, see what is kept and who looked
  (:func:`worker_view`), erase her record (:func:`erase`; both in
  :mod:`~tokenservice.escrow.worker`) and prove ownership at renewal (:func:`verify_code`).

No identity attribute is ever stored in the clear, hashed, keyed-hashed or used as
a lookup tag: finding "the pass of this person" is only possible by decrypting all
records on the handhaver's laptop (:func:`bulk_export`). Nothing here logs, and no
exception message carries an identity value, a code or a key.

The modules: :mod:`~tokenservice.escrow.errors`, :mod:`~tokenservice.escrow.settings`
(``[escrow]`` and the team key), :mod:`~tokenservice.escrow.records` (the look-ups the
others share), ``seal``, ``code``, ``worker``, ``opening``, and
:mod:`~tokenservice.escrow.retention` (what goes when).
"""

from tokenservice.audit import LogReport, checkpoint, export_log_csv, verify_log
from tokenservice.clock import DAY
from tokenservice.escrow.code import (
    CODE_GROUP,
    CODE_RANDOM_CHARS,
    SALT_BYTES,
    format_code,
    new_code,
    normalize_code,
    verify_code,
)
from tokenservice.escrow.errors import (
    BadRequest,
    EscrowError,
    EscrowNotConfigured,
    Forbidden,
    NoRecord,
    WrongCode,
)
from tokenservice.escrow.opening import (
    REASON_CODES,
    REASON_MAX_CHARS,
    REASON_MIN_CHARS,
    Release,
    RequestInfo,
    approve,
    bulk_export,
    collect,
    deny,
    list_requests,
    request_record,
)
from tokenservice.escrow.records import count_records, has_record
from tokenservice.escrow.seal import Identity, seal_identity
from tokenservice.escrow.settings import (
    DEFAULT_APPROVAL_HOURS,
    DEFAULT_GRACE_DAYS,
    DEFAULT_REASON_DAYS,
    ESCROW_PUB,
    IDENTITY_FIELDS,
    EscrowConfig,
    config_for,
    config_from,
    load_config,
    policy_for,
)
from tokenservice.escrow.worker import LogEntry, WorkerView, access_log, erase, worker_view

__all__ = [
    "CODE_GROUP",
    "CODE_RANDOM_CHARS",
    "DAY",
    "DEFAULT_APPROVAL_HOURS",
    "DEFAULT_GRACE_DAYS",
    "DEFAULT_REASON_DAYS",
    "ESCROW_PUB",
    "IDENTITY_FIELDS",
    "REASON_CODES",
    "REASON_MAX_CHARS",
    "REASON_MIN_CHARS",
    "SALT_BYTES",
    "BadRequest",
    "EscrowConfig",
    "EscrowError",
    "EscrowNotConfigured",
    "Forbidden",
    "Identity",
    "LogEntry",
    "LogReport",
    "NoRecord",
    "Release",
    "RequestInfo",
    "WorkerView",
    "WrongCode",
    "access_log",
    "approve",
    "bulk_export",
    "checkpoint",
    "collect",
    "config_for",
    "config_from",
    "count_records",
    "deny",
    "erase",
    "export_log_csv",
    "format_code",
    "has_record",
    "list_requests",
    "load_config",
    "new_code",
    "normalize_code",
    "policy_for",
    "request_record",
    "seal_identity",
    "verify_code",
    "verify_log",
    "worker_view",
]
