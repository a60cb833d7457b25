"""The JSON API under /api/v1, for integrations such as a card-printing station.

Bearer tokens (``Authorization: Bearer pas_…``, see ``pas-service token create``),
bound to the account's role: ``intake`` issues and renews, ``handhaver`` revokes and
requests sealed escrow records, any role reads a status. The card comes back inline
(base64); the server keeps no copy. Errors are ``{"error": {"code", "message",
"fields"?}}`` with stable codes and never repeat a submitted value. The OpenAPI
document (:mod:`.openapi`) is served at ``/api/v1/openapi.json`` and must match this
module exactly.

Under registration policy ``escrow`` issue and renew take ``escrow_consent`` (yes/no,
required: consent is never assumed) and, with a yes, ``given_names``,
``family_name``, ``id_document_number``; renewal needs proof that she holds the pass
(``old_card`` + ``photo_confirmed``, and/or ``personal_code``). Her personal code is
printed on the receipt PDF and nowhere else. A handhaver asks for one sealed record (``POST /passes/<number>/escrow``)
or all of them (``POST /escrow/export``) with a reason code and a reason; the access
is in the audit log before the document leaves. With ``two_person = true`` the
request waits for a second handhaver (``/escrow/requests``).
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from tokenservice import escrow
from tokenservice.access import accounts
from tokenservice.issue import flow
from tokenservice.issue.checklist import IntakeError
from tokenservice.issue.continuity import RenewalProof
from tokenservice.issue.flow import Result
from tokenservice.issue.passes import (
    CHOOSABLE_REASONS,
    Official,
    PassClosed,
    PassStatus,
    UnknownPass,
)
from tokenservice.issue.photo import PhotoError
from tokenservice.store.models import EscrowRequest
from tokenservice.web.context import services
from verifier import FormatError, passnumber

bp = Blueprint("api", __name__, url_prefix="/api/v1")

#: Photo error code → HTTP status.
PHOTO_STATUS = {
    "empty": 400,
    "too_large": 413,
    "not_an_image": 415,
    "truncated": 422,
    "too_many_pixels": 422,
    "too_small": 422,
    "bad_crop": 422,
    "no_face": 422,
    "several_faces": 422,
}
_REQUEST_ID = re.compile(r"[A-Za-z0-9._:-]{1,128}")
_MESSAGES = {
    "validation_failed": "Some fields are missing or invalid; see 'fields'.",
    "unauthorized": "Send a valid API token as 'Authorization: Bearer <token>'.",
    "forbidden": "This token's role may not do this.",
    "unknown_pass": "There is no pass with this number.",
    "bad_pass_number": "This is not a valid pass number (check character mismatch or wrong form).",
    "pass_revoked": "This pass was revoked for good; a new intake issues a new pass.",
    "unsupported_media_type": "Send multipart/form-data.",
    "no_escrow_record": "Nothing is sealed for this pass number (no consent, erased or expired).",
    "escrow_not_configured": "The handhaver team's public key (keys/escrow.pub) is missing.",
    "unknown_request": "There is no escrow request with this id.",
    "request_not_open": "This request cannot be acted on now (see message).",
}


@bp.record_once
def _memory_uploads(state: Any) -> None:
    from tokenservice.web.uploads import install_memory_uploads

    install_memory_uploads(state.app)


class ApiError(Exception):
    def __init__(self, status: int, code: str, message: str | None = None,
                 fields: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.fields = status, code, fields
        self.message = message or _MESSAGES.get(code, code)


@bp.errorhandler(ApiError)
def _api_error(exc: ApiError) -> tuple[Response, int] | Response:
    body: dict[str, Any] = {"code": exc.code, "message": exc.message}
    if exc.fields:
        body["fields"] = exc.fields
    response = jsonify({"error": body})
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pas"'
    return response


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
        return passnumber.normalize(raw)
    except FormatError:
        raise ApiError(400, "bad_pass_number", fields={"number": "bad_pass_number"}) from None


def _iso(ts: int | None) -> str | None:
    return flow.local_date(ts).isoformat() if ts is not None else None


def _status_json(status: PassStatus) -> dict[str, Any]:
    return {
        "number": status.number,
        "status": status.status,
        "reason": status.reason,
        "expires": _iso(status.exp),
    }


def _card_json(result: Result) -> dict[str, Any]:
    cards = result.cards
    assert cards.card_pdf is not None and cards.digital_png is not None
    assert cards.receipt_pdf is not None
    body: dict[str, Any] = {
        "number": result.issued.number,
        "serial": result.issued.serial.hex(),
        "qr_text": result.issued.qr_text,
        "expires": result.valid_until.isoformat(),
        "card_pdf_b64": base64.b64encode(cards.card_pdf).decode("ascii"),
        "card_png_b64": base64.b64encode(cards.digital_png).decode("ascii"),
        "receipt_pdf_b64": base64.b64encode(cards.receipt_pdf).decode("ascii"),
        "registration": result.registration,
    }
    # Her personal code is printed on her receipt and nowhere else: not in this JSON,
    # which desk software may log or keep (docs/privacy.md, "Her code is hers").
    return body


def _request_token(kind: str, problems: dict[str, str]) -> str | None:
    """The client's ``request_id``, namespaced per account and operation (≤ 64 chars)."""
    raw = request.form.get("request_id", "").strip()
    if not raw:
        return None
    if not _REQUEST_ID.fullmatch(raw):
        problems["request_id"] = "invalid"
        return None
    account_id = request.environ["pas.account_id"]
    digest = hashlib.sha256(f"{account_id}\0{kind}\0{raw}".encode()).hexdigest()
    return f"api:{digest[:56]}"


def _intake(kind: str, run: Callable[..., Result], check_iss: str, **target: Any) -> Response:
    """Shared body of issue and renew: read fields, check, then run."""
    if not (request.mimetype or "").startswith("multipart/form-data"):
        raise ApiError(415, "unsupported_media_type")
    form = request.form
    checklist, problems = flow.checklist_from_fields(form, absent_means=True)
    crop, crop_problems = flow.crop_from_fields(form)
    problems.update(crop_problems)
    upload = request.files.get("photo")
    photo_bytes = upload.read() if upload is not None else b""
    if not photo_bytes:
        problems["photo"] = "required"
    category = form.get("category", "").strip() or None
    if kind == "issue" and category is None:
        category = ""  # required for a new pass: reported as choose_category
    language = form.get("language", "").strip()
    registration = flow.registration_from_fields(form)
    token = _request_token(kind, problems)
    try:
        flow.check_intake(services(), iss=check_iss, checklist=checklist, category=category,
                               language=language, problems=problems, registration=registration,
                               renewal=kind == "renew")
        result = run(
            services(), checklist=checklist, category=category, language=language,
            photo_bytes=photo_bytes, crop=crop, official=_official(), request_token=token,
            outputs=flow.API_OUTPUTS, registration=registration, **target,
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
        del photo_bytes, checklist, registration
    response = jsonify(_card_json(result))
    response.status_code = 201
    return response


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


# --- routes -------------------------------------------------------------------------


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
    return _intake("renew", flow.renew, current.iss, number=canonical,
                   proof=RenewalProof.from_fields(request.form))


@bp.post("/passes/<number>/revoke")
def revoke_pass(number: str) -> Response:
    official = _authenticate("handhaver")
    canonical = _number(number)
    body = request.get_json(silent=True) if request.is_json else None
    reason = (body or {}).get("reason") if isinstance(body, dict) else request.form.get("reason")
    if not isinstance(reason, str) or reason not in {r.value for r in CHOOSABLE_REASONS}:
        raise ApiError(400, "validation_failed", fields={"reason": "choose_reason"})
    try:
        status = services().passes.revoke(number=canonical, reason=reason, official=official)
    except UnknownPass:
        raise ApiError(404, "unknown_pass") from None
    return jsonify(_status_json(status))


@bp.get("/passes/<number>")
def pass_status(number: str) -> Response:
    _authenticate()
    canonical = _number(number)
    try:
        status = services().passes.status(canonical)
    except UnknownPass:
        raise ApiError(404, "unknown_pass") from None
    return jsonify(_status_json(status))


# --- escrow: sealed records for handhavers ------------------------------------------------


def _body() -> dict[str, Any]:
    """A JSON object or form fields; anything else counts as empty."""
    if request.is_json:
        body = request.get_json(silent=True)
        return body if isinstance(body, dict) else {}
    return dict(request.form)


def _reason() -> tuple[str, str]:
    """``reason_code`` and ``reason`` from the body, checked; the reason is never echoed."""
    body = _body()
    code, text = body.get("reason_code"), body.get("reason")
    problems: dict[str, str] = {}
    if not isinstance(code, str) or code not in escrow.REASON_CODES:
        problems["reason_code"] = "choose_reason_code"
    length = len(" ".join(text.split())) if isinstance(text, str) else 0
    if not escrow.REASON_MIN_CHARS <= length <= escrow.REASON_MAX_CHARS:
        problems["reason"] = "reason_length"
    if problems:
        raise ApiError(400, "validation_failed", fields=problems)
    assert isinstance(code, str) and isinstance(text, str)
    return code, text


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


#: Request ids are the database's INTEGER keys: anything larger cannot exist (and must not
#: reach the database, which would overflow).
MAX_REQUEST_ID = 2**31 - 1


def _known_request(request_id: int) -> None:
    if not 1 <= request_id <= MAX_REQUEST_ID:
        raise ApiError(404, "unknown_request")
    with services().db.transaction() as session:
        if session.get(EscrowRequest, request_id) is None:
            raise ApiError(404, "unknown_request")


def _release_response(release: escrow.Release) -> Response:
    """200 with the sealed document itself (save it as the file for ``pas-keys``), or 202."""
    if release.status == "released":
        response = jsonify(release.document)
        response.headers["Content-Disposition"] = (
            f'attachment; filename="{_document_name(release.document)}"'
        )
        return response
    response = jsonify({"request": release.request_id, "status": release.status})
    response.status_code = 202
    return response


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


def _request_json(info: escrow.RequestInfo) -> dict[str, Any]:
    return {
        "request": info.id, "kind": info.kind, "number": info.number,
        "requested_by": info.requested_by, "requested_at": info.requested_at,
        "reason_code": info.reason_code, "status": info.status, "approved_by": info.approved_by,
    }


@bp.get("/escrow/requests")
def escrow_requests() -> Response:
    """Open requests (pending approval, or approved and not collected yet)."""
    _authenticate("handhaver")
    with services().db.transaction() as session:
        rows = [r for status in ("pending", "approved")
                for r in escrow.list_requests(session, status=status)]
    return jsonify({"requests": [_request_json(r) for r in sorted(rows, key=lambda r: r.id)]})


@bp.post("/escrow/requests/<int:request_id>/approve")
def approve_escrow_request(request_id: int) -> Response:
    official = _authenticate("handhaver")
    _known_request(request_id)
    release = _escrow_call(escrow.approve, request_id=request_id, official=official)
    assert release is not None
    return jsonify({"request": release.request_id, "status": "approved"})


@bp.post("/escrow/requests/<int:request_id>/deny")
def deny_escrow_request(request_id: int) -> Response:
    official = _authenticate("handhaver")
    _known_request(request_id)
    _escrow_call(escrow.deny, request_id=request_id, official=official)
    return jsonify({"request": request_id, "status": "denied"})


@bp.post("/escrow/requests/<int:request_id>/collect")
def collect_escrow_request(request_id: int) -> Response:
    official = _authenticate("handhaver")
    _known_request(request_id)
    release = _escrow_call(escrow.collect, request_id=request_id, official=official)
    assert release is not None
    return _release_response(release)


@bp.get("/openapi.json")
def openapi_document() -> Response:
    from tokenservice.web.openapi import document

    svc = services()
    iss = svc.settings.default_iss or next(iter(svc.settings.issuers), None)
    codes = [c.code for c in svc.keyring.categories(iss)] if iss else []
    policy = escrow.policy_for(svc.settings, iss) if iss else "none"
    response = jsonify(document(codes or None, policy))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
