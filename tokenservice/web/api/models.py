"""The requests and responses of /api/v1, declared once (docs/adr/0019).

Every request is read through its model (:func:`.reading.read`) and the OpenAPI document
(:mod:`.openapi`) is generated from the same classes, so a field or a constraint cannot be
in one and not the other. Each request field names its :class:`Problem`: the stable code
it reports when it fails (never the value). Unknown fields are ignored, as they always were.

Readers run before the constraints — *normalize, then check*: surrounding whitespace, an
empty field (counts as not sent), ``ja``/``nee``/``true``/``1`` for yes and no (read by the
flow that owns the field), spaces and dots in a BSN, spaces in a KVK number, whitespace runs
in names, fractions of a crop pixel, case and hyphens in a pass number. The documented
constraint is that of the canonical value. What a field *means* (the checklist's rules, her
consent, proof of holding the pass) stays with the flows in ``tokenservice.issue``; a model
only says which fields there are and what shape they take.

The choice sets come from where they are kept: languages from the texts, document types and
no-BSN reasons from the checklist, revocation and escrow reason codes from their flows, the
categories from the issuer's trust list (so the issue and renew forms are built per issuer:
:func:`intake_form`).
"""

from __future__ import annotations

import datetime as dt
import functools
from dataclasses import dataclass
from typing import TYPE_CHECKING, Annotated, Any, Literal

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, TypeAdapter, create_model
from pydantic_core import PydanticUseDefault, core_schema

from tokenservice import escrow, texts
from tokenservice.issue import flow, photo
from tokenservice.issue.checklist import ID_DOCUMENT_TYPES, NO_BSN_REASONS
from tokenservice.issue.continuity import CODE_MAX_CHARS, QR_MAX_CHARS, RenewalProof
from tokenservice.issue.passes import CHOOSABLE_REASONS
from tokenservice.store.models import RevokeReason
from verifier import FormatError, passnumber

if TYPE_CHECKING:
    from pydantic import GetCoreSchemaHandler

YES_NO = ("yes", "no")
#: The usual written form of a pass number (what ``passnumber.normalize`` returns matches it).
NUMBER_PATTERN = r"^[A-Za-z]{2,4}-?[0-9A-Za-z]{8}-?[0-9A-Za-z]$"
#: Request ids are the database's INTEGER keys: anything larger cannot exist (and must not
#: reach the database, which would overflow).
MAX_REQUEST_ID = 2**31 - 1


@dataclass(frozen=True)
class Problem:
    """The code a request field reports when it fails its declaration.

    ``missing``: the code when a required field is absent (default: ``code``); ``field``:
    the name reported, when it is not the field's own (the four crop fields report ``crop``).
    """

    code: str
    missing: str | None = None
    field: str | None = None


@dataclass(frozen=True)
class OneOf:
    """An enum whose values are kept elsewhere (texts, checklist, trust list): a str in Python."""

    values: tuple[str | None, ...]

    def __get_pydantic_core_schema__(
        self, source: Any, handler: GetCoreSchemaHandler
    ) -> core_schema.CoreSchema:
        choice = core_schema.literal_schema([v for v in self.values if v is not None])
        return core_schema.nullable_schema(choice) if None in self.values else choice


# --- readers: normalize, then check ------------------------------------------------------------


def _text(value: object) -> object:
    """Surrounding whitespace is forgiven; an empty field counts as not sent."""
    if isinstance(value, str):
        value = value.strip()
        if not value:
            raise PydanticUseDefault
    return value


def _without(*characters: str) -> Any:
    def read(value: object) -> object:
        if isinstance(value, str):
            for character in characters:
                value = value.replace(character, "")
        return _text(value)

    return read


def _collapsed(value: object) -> object:
    """Runs of whitespace count as one space (names, codes, the reason for an escrow request)."""
    return _text(" ".join(value.split()) if isinstance(value, str) else value)


def _date(value: object) -> object:
    """A date as the checklist reads it (``date.fromisoformat``)."""
    value = _text(value)
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            raise ValueError("not a date") from None
    return value


def _pixels(value: object) -> object:
    """A crop coordinate in whole pixels (a browser may send fractions)."""
    value = _text(value)
    if isinstance(value, str):
        try:
            return round(float(value))
        except (ValueError, OverflowError):
            return value  # not a number: fails as an integer
    return value


def _answer(value: object) -> object:
    """A checklist answer as the intake flow reads it (ja/nee, true/false, 1/0, on/off …)."""
    value = _text(value)
    if isinstance(value, str):
        checklist, problems = flow.checklist_from_fields({"help_offered": value}, absent_means=True)
        return value if problems else YES_NO[0 if checklist.help_offered else 1]
    return value


def _consent(value: object) -> object:
    """Her answer to the consent question, as the registration flow reads it."""
    value = _text(value)
    if isinstance(value, str):
        consent = flow.registration_from_fields({"escrow_consent": value}).consent
        return value if consent is None else YES_NO[0 if consent else 1]
    return value


def _confirmed(value: object) -> object:
    """``photo_confirmed``: yes as the renewal proof reads it, no as the intake flow reads
    it; anything else is refused (it used to count as no), never taken for a yes."""
    value = _text(value)
    if isinstance(value, str):
        if RenewalProof.from_fields({"photo_confirmed": value}).photo_confirmed:
            return YES_NO[0]
        if _answer(value) == YES_NO[1]:
            return YES_NO[1]
    return value


def _pass_number(value: object) -> object:
    """Case, hyphens and spaces forgiven, I/L/O read as 1/1/0; the check character must match."""
    if isinstance(value, str):
        try:
            return passnumber.normalize(value)
        except FormatError:
            raise ValueError("not a pass number") from None
    return value


# --- shapes of one value -----------------------------------------------------------------------

Bsn = Annotated[str, Field(pattern=r"^[0-9]{9}$")]
Kvk = Annotated[str, Field(pattern=r"^[0-9]{8}$")]
Iss = Annotated[str, Field(pattern=r"^GM[0-9]{4}$")]
RequestKey = Annotated[str, Field(pattern=r"^[A-Za-z0-9._:-]{1,128}$")]
IdentityText = Annotated[str, Field(max_length=flow.IDENTITY_MAX_CHARS)]
CodeText = Annotated[str, Field(max_length=CODE_MAX_CHARS)]
CardText = Annotated[str, Field(max_length=QR_MAX_CHARS)]
Offset = Annotated[int, Field(ge=0, le=photo.MAX_SIDE)]
Size = Annotated[int, Field(ge=1, le=photo.MAX_SIDE)]
ReasonText = Annotated[str, Field(min_length=escrow.REASON_MIN_CHARS,
                                  max_length=escrow.REASON_MAX_CHARS)]

#: A path parameter: the pass number, canonical after reading.
PassNumber = Annotated[str, Field(
    pattern=NUMBER_PATTERN,
    description="Pass number, e.g. GR-7K3M9QXD-4 (case and hyphens are forgiving). The last "
    "character is a check character: a schema-valid number with a typo gives 400 "
    "bad_pass_number.",
), BeforeValidator(_pass_number)]
#: A path parameter: an escrow request's id.
EscrowRequestId = Annotated[int, Field(ge=1, le=MAX_REQUEST_ID)]
PASS_NUMBER: TypeAdapter[str] = TypeAdapter(PassNumber)
ESCROW_REQUEST_ID: TypeAdapter[int] = TypeAdapter(EscrowRequestId)

_IDENTITY = ("Only with escrow_consent=yes under registration policy escrow (otherwise dropped, "
             "never kept): ")
_CONSENT = Annotated[str | None, OneOf(YES_NO), Field(
    description="Her answer to the consent question (asked in her language). Required under "
    "registration policy escrow: consent is never assumed (400 choose_consent). With yes her "
    "identity record is sealed for the handhaver team and her personal code is printed on the "
    "receipt PDF; with no nothing about her is kept (at renewal an earlier record is erased). "
    "Under policy none it is not asked, and nothing is kept whatever it says.",
), BeforeValidator(_consent), Problem("yes_or_no", missing="choose_consent")]
_FLAG = Annotated[str, OneOf(YES_NO), BeforeValidator(_answer), Problem("yes_or_no")]
_MUST_BE_YES = Annotated[str, OneOf(YES_NO), Field(description="Must be yes."),
                         BeforeValidator(_answer), Problem("yes_or_no")]


# --- requests ------------------------------------------------------------------------------------


class ApiRequest(BaseModel):
    """A request body. Unknown fields are ignored; errors never carry the input."""

    model_config = ConfigDict(hide_input_in_errors=True, extra="ignore")


class IntakeForm(ApiRequest):
    """The checklist, photo and registration fields of issue and renew (multipart/form-data).

    ``category`` and whether ``escrow_consent`` is required depend on the issuer: the forms
    used are built by :func:`intake_form`.
    """

    photo: Annotated[bytes, Field(
        min_length=1, repr=False,
        description="The portrait: JPEG, PNG or WebP, at most the configured upload limit "
        f"(default {photo.MAX_UPLOAD_BYTES} bytes). Processed in memory, never kept.",
        json_schema_extra={"contentMediaType": "application/octet-stream"},
    ), Problem("required")]
    language: Annotated[str, OneOf(texts.LANGUAGES), Field(
        description="Language of the worker's texts (card back, receipt).",
    ), BeforeValidator(_text), Problem("choose_language")]
    birth_date: Annotated[dt.date, Field(
        repr=False, examples=["1990-01-31"],
        description="For the age check only (400 under_min_age below the issuer's minimum "
        "age); never stored.",
    ), BeforeValidator(_date), Problem("date_required")]
    id_document_type: Annotated[str, OneOf(ID_DOCUMENT_TYPES), BeforeValidator(_text),
                                Problem("choose_document_type")]
    id_valid_until: Annotated[dt.date, Field(
        repr=False, examples=["1990-01-31"],
        description="Must lie in the future (checked by the service: 400 id_expired); never "
        "stored.",
    ), BeforeValidator(_date), Problem("date_required")]
    bsn: Annotated[Bsn | None, Field(
        repr=False,
        description="9 digits passing the elfproef (checked by the service: a schema-valid "
        "BSN may still fail with bsn_invalid); or give no_bsn_reason. Spaces and dots are "
        "forgiven. Checked, never stored.",
    ), BeforeValidator(_without(" ", ".")), Problem("bsn_invalid")] = None
    no_bsn_reason: Annotated[str | None, OneOf(NO_BSN_REASONS), BeforeValidator(_text),
                             Problem("invalid")] = None
    kvk: Annotated[Kvk, Field(
        repr=False, description="KVK number, 8 digits. Checked, never stored.",
    ), BeforeValidator(_without(" ")), Problem("kvk_invalid")]
    work_location_known: _FLAG = "yes"
    housing_known: _FLAG = "yes"
    information_given: _MUST_BE_YES = "yes"
    help_offered: _MUST_BE_YES = "yes"
    request_id: Annotated[RequestKey | None, Field(
        description="Idempotency key: the same request_id (per account and operation) returns "
        "the same card instead of a second one.",
    ), BeforeValidator(_text), Problem("invalid")] = None
    crop_x: Annotated[Offset | None, BeforeValidator(_pixels), Problem("invalid", field="crop")] = None
    crop_y: Annotated[Offset | None, BeforeValidator(_pixels), Problem("invalid", field="crop")] = None
    crop_w: Annotated[Size | None, BeforeValidator(_pixels), Problem("invalid", field="crop")] = None
    crop_h: Annotated[Size | None, BeforeValidator(_pixels), Problem("invalid", field="crop")] = None
    escrow_consent: _CONSENT = None
    given_names: Annotated[IdentityText | None, Field(
        repr=False, description=_IDENTITY + "given names as on the ID document. Sealed, never "
        "stored in the clear, never returned.",
    ), BeforeValidator(_collapsed), Problem("too_long")] = None
    family_name: Annotated[IdentityText | None, Field(
        repr=False, description=_IDENTITY + "family name. Sealed, never returned.",
    ), BeforeValidator(_collapsed), Problem("too_long")] = None
    id_document_number: Annotated[IdentityText | None, Field(
        repr=False, description=_IDENTITY + "the ID document's number. Sealed, never returned. "
        "birth_date and bsn are sealed with it.",
    ), BeforeValidator(_collapsed), Problem("too_long")] = None


class IssueForm(IntakeForm):
    """Issue a new pass: the intake's fields, the photo and, for a region instance, iss."""

    iss: Annotated[Iss | None, Field(
        description="Issuer code (CBS municipality code) for a region instance that issues for "
        "several municipalities; default: the instance's default issuer. 400 unknown_issuer "
        "when this service does not issue for it.",
    ), BeforeValidator(_text), Problem("unknown_issuer")] = None


class RenewForm(IntakeForm):
    """A new card under the same number: the intake's fields, the photo and proof that she
    holds the pass."""

    personal_code: Annotated[CodeText | None, Field(
        repr=False,
        description="Proof that she holds the pass (renewal_proof): her personal code. Right: "
        "under policy escrow with yes she keeps it. Wrong: 400 code_wrong (code_typo for a "
        "typo) unless the old card proves it on its own.",
    ), BeforeValidator(_collapsed), Problem("too_long")] = None
    old_card: Annotated[CardText | None, Field(
        repr=False,
        description="Proof that she holds the pass: the QR text of her newest card (PAS1:…). "
        "Counts only with photo_confirmed=yes: the official compared the photo signed inside "
        "it with her. 400 card_not_genuine, card_other_pass, card_superseded, confirm_photo. "
        "Without enough proof: 400 proof_needed (field renewal_proof); nothing about the pass "
        "is changed — issue a new pass.",
    ), BeforeValidator(_text), Problem("too_long")] = None
    photo_confirmed: Annotated[str, OneOf(YES_NO), Field(
        description="yes: the photo from inside old_card is the person at the desk.",
    ), BeforeValidator(_confirmed), Problem("yes_or_no")] = "no"


def _category(categories: tuple[str, ...] | None, *, renewal: bool) -> Any:
    about = "A category code of the issuer (from the trust list)."
    if renewal:
        about += " Omit to keep the pass's category."
    choice: tuple[object, ...] = (OneOf(categories),) if categories else ()
    kind = str | None if renewal else str
    return Annotated[(kind, *choice, Field(description=about), BeforeValidator(_text),
                      Problem("choose_category"))]


@functools.lru_cache(maxsize=64)
def intake_form(
    *, renewal: bool, categories: tuple[str, ...] | None = None, consent_required: bool = False
) -> type[IntakeForm]:
    """The issue or renew form for one issuer: its ``categories`` (None: any code) and, under
    registration policy escrow, ``escrow_consent`` required."""
    base: type[IntakeForm] = RenewForm if renewal else IssueForm
    fields: dict[str, Any] = {
        "category": (_category(categories, renewal=renewal), None if renewal else ...),
        "escrow_consent": (_CONSENT, ... if consent_required else None),
    }
    model: type[IntakeForm] = create_model(
        base.__name__, __base__=base, __doc__=base.__doc__, __module__=__name__, **fields)
    return model


class Revoke(ApiRequest):
    """Why the pass is revoked (JSON or form fields)."""

    reason: Annotated[str, OneOf(tuple(r.value for r in CHOOSABLE_REASONS)),
                      Problem("choose_reason")]


class EscrowReason(ApiRequest):
    """Why a handhaver asks for sealed records (JSON or form fields)."""

    reason_code: Annotated[str, OneOf(tuple(escrow.REASON_CODES)), Field(
        description="Goes into the audit log; the holder sees it.",
    ), Problem("choose_reason_code")]
    reason: Annotated[ReasonText, Field(
        repr=False,
        description=f"Why, in free text ({escrow.REASON_MIN_CHARS}-{escrow.REASON_MAX_CHARS} "
        "characters after collapsing whitespace). Sealed for the handhaver team; never logged "
        "or returned.",
    ), BeforeValidator(_collapsed), Problem("reason_length")]


# --- responses -----------------------------------------------------------------------------------


class ApiResponse(BaseModel):
    """A response body, built through its model so that it matches the document."""


class Card(ApiResponse):
    """The card, inline: the server keeps no copy. Her personal code is on the receipt only."""

    model_config = ConfigDict(extra="forbid")

    number: Annotated[str, Field(examples=["GR-7K3M9QXD-4"])]
    serial: Annotated[str, Field(pattern=r"^[0-9a-f]+$", description="The card's serial, hex.")]
    qr_text: Annotated[str, Field(pattern=r"^PAS1:",
                                  description="The signed pass, as in the QR code.")]
    expires: Annotated[dt.date, Field(description="Last day of validity (Dutch clock).")]
    card_pdf_b64: Annotated[str, Field(
        description="ID-1 card, front and back.",
        json_schema_extra={"contentEncoding": "base64", "contentMediaType": "application/pdf"})]
    card_png_b64: Annotated[str, Field(
        description="The digital pass for a phone.",
        json_schema_extra={"contentEncoding": "base64", "contentMediaType": "image/png"})]
    receipt_pdf_b64: Annotated[str, Field(
        description="Her receipt slip (A6) in her language; with her personal code when there "
        "is one.",
        json_schema_extra={"contentEncoding": "base64", "contentMediaType": "application/pdf"})]
    registration: Annotated[str, OneOf(("none", "sealed", "unchanged", "failed")), Field(
        description="none: nothing about her is kept. sealed: her identity record is sealed "
        "(her code is on receipt_pdf_b64, nowhere else). unchanged: a repeated request_id; the "
        "first receipt carried the code, which cannot be shown again. failed: the pass is valid "
        "but sealing failed (nothing new kept).",
    )]


class PassStatus(ApiResponse):
    """The status of a pass. Status only."""

    model_config = ConfigDict(extra="forbid")

    number: str
    status: Annotated[str, OneOf(("valid", "expired", "revoked", "card_revoked"))]
    reason: Annotated[str | None, OneOf((*(r.value for r in RevokeReason), None))]
    expires: dt.date | None


class SealedRecord(ApiResponse):
    """One sealed identity record: opens only with k of the handhaver team's shares."""

    number: str
    recipient_kid: Annotated[str, Field(pattern=r"^[0-9a-f]{16}$")]
    sealed_at: int
    sealed_key: Annotated[str, Field(json_schema_extra={"contentEncoding": "base64"})]
    nonce: Annotated[str, Field(json_schema_extra={"contentEncoding": "base64"})]
    ciphertext: Annotated[str, Field(json_schema_extra={"contentEncoding": "base64"})]


class EscrowRecordDocument(ApiResponse):
    """The file for `pas-keys escrow open --record FILE`."""

    format: Literal["pas-escrow-record"]
    version: Literal[1]
    request: int
    released_at: int
    record: SealedRecord


class EscrowExportDocument(ApiResponse):
    """The file for `pas-keys escrow export-open --export FILE`."""

    format: Literal["pas-escrow-export"]
    version: Literal[1]
    request: int
    released_at: int
    records: list[SealedRecord]


class EscrowPending(ApiResponse):
    """The request waits for a second handhaver (two-person rule)."""

    request: int
    status: Literal["pending"]


class EscrowDecision(ApiResponse):
    """A second handhaver's decision."""

    request: int
    status: Literal["approved", "denied"]


class EscrowRequestInfo(ApiResponse):
    """An open request (the free-text reason is sealed: not shown)."""

    request: int
    kind: Annotated[str, OneOf(("record", "export"))]
    number: str | None
    requested_by: str
    requested_at: int
    reason_code: Annotated[str, OneOf(tuple(escrow.REASON_CODES))]
    status: Annotated[str, OneOf(("pending", "approved"))]
    approved_by: str | None


class EscrowRequestList(ApiResponse):
    """Open requests, oldest first."""

    requests: list[EscrowRequestInfo]


class ErrorBody(ApiResponse):
    """A stable code and a message; never a submitted value."""

    code: str
    message: str
    fields: Annotated[dict[str, str], Field(
        default_factory=dict,
        description="Field name → problem code (e.g. bsn_invalid, under_min_age, kvk_invalid, "
        "required, choose_consent, escrow_not_configured, too_long, code_typo, code_wrong, "
        "proof_needed, card_not_genuine, card_other_pass, card_superseded, confirm_photo, "
        "choose_reason_code, reason_length).",
    )]


class Error(ApiResponse):
    """Every error of the API."""

    error: ErrorBody


#: The models whose schemas the document lists under components (requests: validation).
COMPONENTS: tuple[tuple[type[BaseModel], Literal["validation", "serialization"]], ...] = (
    (Revoke, "validation"), (EscrowReason, "validation"),
    (Card, "serialization"), (PassStatus, "serialization"), (SealedRecord, "serialization"),
    (EscrowRecordDocument, "serialization"), (EscrowExportDocument, "serialization"),
    (EscrowPending, "serialization"), (EscrowDecision, "serialization"),
    (EscrowRequestInfo, "serialization"), (EscrowRequestList, "serialization"),
    (ErrorBody, "serialization"), (Error, "serialization"),
)
