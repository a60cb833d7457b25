"""The routes of /api/v1: thin views over the flows, every request read through its model."""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Callable
from dataclasses import dataclass, field, replace
from typing import Any

from flask import Blueprint, Response, jsonify, request

from tokenservice import escrow
from tokenservice.access import accounts
from tokenservice.issue import flow
from tokenservice.issue.checklist import Checklist, IntakeError
from tokenservice.issue.continuity import RenewalProof
from tokenservice.issue.flow import Registration, Result
from tokenservice.issue.passes import Official, PassClosed, PassStatus, UnknownPass
from tokenservice.issue.photo import CropBox, PhotoError
from tokenservice.services import Services
from tokenservice.store.models import EscrowRequest
from tokenservice.web.api import models, openapi
from tokenservice.web.api.errors import PHOTO_STATUS, ApiError, error_response
from tokenservice.web.api.reading import Reading, read
from tokenservice.web.context import services

bp = Blueprint("api", __name__, url_prefix="/api/v1")
bp.register_error_handler(ApiError, error_response)


@bp.record_once
def _memory_uploads(state: Any) -> None:
    from tokenservice.web.uploads import install_memory_uploads

    install_memory_uploads(state.app)


def _authenticate(*roles: str) -> Official:
    header = request.headers.get("Authorization", "")
    scheme, _, token = header.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        raise ApiError(401, "unauthorized")
    with services().db.transaction() as session:
        account = accounts.account_for_token(session, token.strip())
        if account is None:
            raise ApiError(401, "unauthorized")
        official = Official(username=account.username, role=account.role)
        account_id = account.id
    if roles and official.role not in roles:
        raise ApiError(403, "forbidden")
    request.environ["pas.account_id"] = account_id
    return official


def _number(raw: str) -> str:
    try:
        return models.PASS_NUMBER.validate_python(raw)
    except ValueError:  # pydantic's ValidationError is one
        raise ApiError(400, "bad_pass_number", fields={"number": "bad_pass_number"}) from None


def _json(body: models.ApiResponse, status: int = 200) -> Response:
    response = jsonify(body.model_dump(mode="json"))
    response.status_code = status
    return response


def _status_json(status: PassStatus) -> Response:
    expires = flow.local_date(status.exp) if status.exp is not None else None
    return _json(models.PassStatus(number=status.number, status=status.status,
                                   reason=status.reason, expires=expires))


def _card_json(result: Result) -> Response:
    cards = result.cards
    assert cards.card_pdf is not None and cards.digital_png is not None
    assert cards.receipt_pdf is not None
    # Her personal code is printed on her receipt and nowhere else: not in this JSON,
    # which desk software may log or keep (docs/privacy.md, "Her code is hers").
    return _json(models.Card(
        number=result.issued.number,
        serial=result.issued.serial.hex(),
        qr_text=result.issued.qr_text,
        expires=result.valid_until,
        card_pdf_b64=base64.b64encode(cards.card_pdf).decode("ascii"),
        card_png_b64=base64.b64encode(cards.digital_png).decode("ascii"),
        receipt_pdf_b64=base64.b64encode(cards.receipt_pdf).decode("ascii"),
        registration=result.registration,
    ), 201)


def _request_token(kind: str, raw: str | None) -> str | None:
    """The client's ``request_id``, namespaced per account and operation (≤ 64 chars)."""
    if not raw:
        return None
    account_id = request.environ["pas.account_id"]
    digest = hashlib.sha256(f"{account_id}\0{kind}\0{raw}".encode()).hexdigest()
    return f"api:{digest[:56]}"


def _categories(svc: Services, iss: str) -> tuple[str, ...] | None:
    return tuple(c.code for c in svc.keyring.categories(iss)) or None


@dataclass(frozen=True)
class _Intake:
    """An issue or renew request, read: the flow's values and every problem so far."""

    checklist: Checklist = field(repr=False)
    registration: Registration = field(repr=False)
    crop: CropBox | None
    category: str | None
    language: str
    photo: bytes = field(repr=False)
    request_id: str | None
    proof: RenewalProof | None = field(repr=False)
    problems: dict[str, str]


def _read_intake(svc: Services, iss: str, *, renewal: bool) -> _Intake:
    """The form through the issuer's model; the flow's readers give the values their meaning."""
    model = models.intake_form(renewal=renewal, categories=_categories(svc, iss),
                               consent_required=flow.policy(svc, iss) == "escrow")
    data: dict[str, object] = dict(request.form.items())
    upload = request.files.get("photo")
    data["photo"] = upload.read() if upload is not None else b""
    reading: Reading = read(model, data)
    del data
    form = reading.text()
    checklist, _ = flow.checklist_from_fields(form, absent_means=True)
    crop, crop_problems = flow.crop_from_fields(form)
    registration = flow.registration_from_fields(form)
    # The model's problems with her answers count as the registration's own (they win
    # over "choose_consent" and "required", as the flow's reading problems do).
    registration = replace(registration, problems={
        **registration.problems,
        **{k: v for k, v in reading.problems.items() if k in flow.REGISTRATION_FIELDS}})
    category = reading.values.get("category")
    return _Intake(
        checklist=checklist, registration=registration, crop=crop,
        category="" if category is None and not renewal else category,  # "": choose_category
        language=reading.values.get("language", ""), photo=reading.values.get("photo", b""),
        request_id=reading.values.get("request_id"),
        proof=RenewalProof.from_fields(form) if renewal else None,
        problems={**crop_problems, **reading.problems},
    )


def _intake(kind: str, run: Callable[..., Result], check_iss: str, **target: Any) -> Response:
    """Shared body of issue and renew: read fields, check, then run."""
    if not (request.mimetype or "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type")
    svc = services()
    renewal = kind == "renew"
    intake = _read_intake(svc, check_iss, renewal=renewal)
    token = _request_token(kind, intake.request_id)
    if renewal:
        target["proof"] = intake.proof
    try:
        flow.check_intake(svc, iss=check_iss, checklist=intake.checklist,
                          category=intake.category, language=intake.language,
                          problems=intake.problems, registration=intake.registration,
                          renewal=renewal)
        result = run(
            svc, checklist=intake.checklist, category=intake.category, language=intake.language,
            photo_bytes=intake.photo, crop=intake.crop, official=_official(),
            request_token=token, outputs=flow.API_OUTPUTS, registration=intake.registration,
            **target,
        )
    except IntakeError as exc:
        raise ApiError(400, "validation_failed", fields=exc.problems) from None
    except PhotoError as exc:
        raise ApiError(PHOTO_STATUS.get(exc.code, 422), exc.code, str(exc),
                       fields={"photo": exc.code}) from None
    except PassClosed:
        raise ApiError(409, "pass_revoked") from None
    except UnknownPass:
        raise ApiError(404, "unknown_pass") from None
    finally:
        del intake, target
    return _card_json(result)


def _official() -> Official:
    official: Official = request.environ["pas.official"]
    return official


def _default_iss() -> str:
    """The optional ``iss`` field (a region instance issues for several municipalities)."""
    svc = services()
    requested = request.form.get("iss")
    if requested:
        if requested not in svc.settings.issuers or requested not in svc.keyring.issuers:
            raise ApiError(400, "unknown_issuer", "This service does not issue for that iss.")
        return requested
    iss = svc.settings.default_iss or next(iter(svc.settings.issuers), None)
    if iss is None:
        raise ApiError(500, "not_configured", "No issuer is configured (pas.toml).")
    return iss


def _body() -> dict[str, Any]:
    """A JSON object or form fields; anything else counts as empty."""
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return dict(request.form.items())


def _checked(model: type[models.ApiRequest]) -> dict[str, Any]:
    """The body read through ``model``; 400 validation_failed naming every failed field."""
    reading = read(model, _body())
    if reading.problems:
        raise ApiError(400, "validation_failed", fields=reading.problems)
    return reading.values


# --- passes ---------------------------------------------------------------------------------


@bp.post("/passes")
def create_pass() -> Response:
    request.environ["pas.official"] = _authenticate("intake")
    iss = _default_iss()
    return _intake("issue", flow.issue, iss, iss=iss)


@bp.post("/passes/<number>/renew")
def renew_pass(number: str) -> Response:
    request.environ["pas.official"] = _authenticate("intake")
    canonical = _number(number)
    try:
        current = services().passes.status(canonical)
    except UnknownPass:
        raise ApiError(404, "unknown_pass") from None
    if current.status == "revoked":
        raise ApiError(409, "pass_revoked")
    return _intake("renew", flow.renew, current.iss, number=canonical)


@bp.post("/passes/<number>/revoke")
def revoke_pass(number: str) -> Response:
    official = _authenticate("handhaver")
    canonical = _number(number)
    reason = _checked(models.Revoke)["reason"]
    try:
        status = services().passes.revoke(number=canonical, reason=reason, official=official)
    except UnknownPass:
        raise ApiError(404, "unknown_pass") from None
    return _status_json(status)


@bp.get("/passes/<number>")
def pass_status(number: str) -> Response:
    _authenticate()
    canonical = _number(number)
    try:
        status = services().passes.status(canonical)
    except UnknownPass:
        raise ApiError(404, "unknown_pass") from None
    return _status_json(status)


# --- escrow: sealed records for handhavers ------------------------------------------------


def _reason() -> tuple[str, str]:
    """``reason_code`` and ``reason`` from the body, checked; the reason is never echoed."""
    values = _checked(models.EscrowReason)
    return values["reason_code"], values["reason"]


def _escrow_call(action: Callable[..., escrow.Release | None], **kwargs: Any) -> escrow.Release | None:
    """Run one escrow action in its own transaction; map its errors to API errors.

    The transaction (with the audit-log entry) commits before anything is returned.
    """
    svc = services()
    missing = False
    try:
        config = escrow.config_for(svc.settings)
        with svc.db.transaction() as session:
            try:
                return action(session, config, now=svc.passes.now(), **kwargs)
            except escrow.NoRecord:
                missing = True  # commit: the empty look-up is in the access log too
    except escrow.Forbidden:
        raise ApiError(403, "forbidden") from None
    except UnknownPass:
        raise ApiError(404, "unknown_pass") from None
    except escrow.EscrowNotConfigured:
        raise ApiError(503, "escrow_not_configured") from None
    except escrow.BadRequest as exc:
        raise ApiError(409, "request_not_open", str(exc)) from None
    assert missing
    raise ApiError(404, "no_escrow_record")


def _known_request(request_id: int) -> None:
    try:
        models.ESCROW_REQUEST_ID.validate_python(request_id)
    except ValueError:  # beyond the database's keys: cannot exist
        raise ApiError(404, "unknown_request") from None
    with services().db.transaction() as session:
        if session.get(EscrowRequest, request_id) is None:
            raise ApiError(404, "unknown_request")


def _act_on_request(
    action: Callable[..., escrow.Release | None], request_id: int
) -> escrow.Release | None:
    """A handhaver's step on a request (approve, deny, collect): who, which, then the step."""
    official = _authenticate("handhaver")
    _known_request(request_id)
    return _escrow_call(action, request_id=request_id, official=official)


def _release_response(release: escrow.Release) -> Response:
    """200 with the sealed document itself (save it as the file for ``pas-keys``), or 202."""
    if release.status == "released":
        response = jsonify(release.document)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{_document_name(release.document)}"'
        )
        return response
    return _json(models.EscrowPending(request=release.request_id, status="pending"), 202)


def _document_name(document: dict[str, Any] | None) -> str:
    """``record-<number>.json`` or ``export-<request>.json`` (what docs/handhaving.md calls them)."""
    document = document or {}
    if document.get("format") == "pas-escrow-record":
        return f"record-{document['record']['number']}.json"
    return f"export-{document.get('request', 0)}.json"


@bp.post("/passes/<number>/escrow")
def request_escrow_record(number: str) -> Response:
    official = _authenticate("handhaver")
    canonical = _number(number)
    code, text = _reason()
    release = _escrow_call(escrow.request_record, number=canonical, official=official,
                           reason_code=code, reason=text)
    del text
    assert release is not None
    return _release_response(release)


@bp.post("/escrow/export")
def escrow_export() -> Response:
    official = _authenticate("handhaver")
    code, text = _reason()
    release = _escrow_call(escrow.bulk_export, official=official, reason_code=code, reason=text)
    del text
    assert release is not None
    return _release_response(release)


@bp.get("/escrow/requests")
def escrow_requests() -> Response:
    """Open requests (pending approval, or approved and not collected yet)."""
    _authenticate("handhaver")
    with services().db.transaction() as session:
        rows = [r for status in ("pending", "approved")
                for r in escrow.list_requests(session, status=status)]
    return _json(models.EscrowRequestList(requests=[
        models.EscrowRequestInfo(
            request=r.id, kind=r.kind, number=r.number,
            requested_by=r.requested_by, requested_at=r.requested_at,
            reason_code=r.reason_code, status=r.status,
            approved_by=r.approved_by,
        ) for r in sorted(rows, key=lambda r: r.id)
    ]))


@bp.post("/escrow/requests/<int:request_id>/approve")
def approve_escrow_request(request_id: int) -> Response:
    release = _act_on_request(escrow.approve, request_id)
    assert release is not None
    return _json(models.EscrowDecision(request=release.request_id, status="approved"))


@bp.post("/escrow/requests/<int:request_id>/deny")
def deny_escrow_request(request_id: int) -> Response:
    _act_on_request(escrow.deny, request_id)
    return _json(models.EscrowDecision(request=request_id, status="denied"))


@bp.post("/escrow/requests/<int:request_id>/collect")
def collect_escrow_request(request_id: int) -> Response:
    release = _act_on_request(escrow.collect, request_id)
    assert release is not None
    return _release_response(release)


@bp.get("/openapi.json")
def openapi_document() -> Response:
    svc = services()
    iss = svc.settings.default_iss or next(iter(svc.settings.issuers), None)
    categories = list(_categories(svc, iss) or ()) if iss else []
    policy = escrow.policy_for(svc.settings, iss) if iss else "none"
    response = jsonify(openapi.document(categories or None, policy))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
