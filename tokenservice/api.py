"""The JSON API under /api/v1, for integrations such as a card-printing station.

Bearer tokens (``Authorization: Bearer pas_…``, see ``pas-service token create``),
bound to the account's role: ``intake`` issues and renews, ``handhaver`` revokes,
any role reads a status. The card comes back inline (base64); the server keeps no
copy. Errors are ``{"error": {"code", "message", "fields"?}}`` with stable codes
and never repeat a submitted value. The OpenAPI document (:mod:`.openapi`) is
served at ``/api/v1/openapi.json`` and must match this module exactly.
"""

from __future__ import annotations

import base64
import hashlib
import re
from collections.abc import Callable
from typing import Any

from flask import Blueprint, Response, jsonify, request

from verifier import FormatError, passnumber

from . import accounts, spreekuur
from .app import services
from .checks import IntakeError
from .issuance import CHOOSABLE_REASONS, Official, PassClosed, PassStatus, UnknownPass
from .photo import PhotoError
from .spreekuur import Result

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
}


@bp.record_once
def _memory_uploads(state: Any) -> None:
    from .intake import install_memory_uploads

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
    return spreekuur.local_date(ts).isoformat() if ts is not None else None


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
    return {
        "number": result.issued.number,
        "serial": result.issued.serial.hex(),
        "qr_text": result.issued.qr_text,
        "expires": result.valid_until.isoformat(),
        "card_pdf_b64": base64.b64encode(cards.card_pdf).decode("ascii"),
        "card_png_b64": base64.b64encode(cards.digital_png).decode("ascii"),
    }


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
    checklist, problems = spreekuur.checklist_from_fields(form, absent_means=True)
    crop, crop_problems = spreekuur.crop_from_fields(form)
    problems.update(crop_problems)
    upload = request.files.get("photo")
    photo_bytes = upload.read() if upload is not None else b""
    if not photo_bytes:
        problems["photo"] = "required"
    category = form.get("category", "").strip() or None
    if kind == "issue" and category is None:
        category = ""  # required for a new pass: reported as choose_category
    language = form.get("language", "").strip()
    token = _request_token(kind, problems)
    try:
        spreekuur.check_intake(services(), iss=check_iss, checklist=checklist, category=category,
                               language=language, problems=problems)
        result = run(
            services(), checklist=checklist, category=category, language=language,
            photo_bytes=photo_bytes, crop=crop, official=_official(), request_token=token,
            outputs=spreekuur.API_OUTPUTS, **target,
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
        del photo_bytes
    response = jsonify(_card_json(result))
    response.status_code = 201
    return response


def _official() -> Official:
    official: Official = request.environ["pas.official"]
    return official


def _default_iss() -> str:
    svc = services()
    iss = svc.settings.default_iss or next(iter(svc.settings.issuers), None)
    if iss is None:
        raise ApiError(500, "not_configured", "No issuer is configured (pas.toml).")
    return iss


# --- routes -------------------------------------------------------------------------


@bp.post("/passes")
def create_pass() -> Response:
    request.environ["pas.official"] = _authenticate("intake")
    iss = _default_iss()
    return _intake("issue", spreekuur.issue, iss, iss=iss)


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
    return _intake("renew", spreekuur.renew, current.iss, number=canonical)


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


@bp.get("/openapi.json")
def openapi_document() -> Response:
    from .openapi import document

    svc = services()
    iss = svc.settings.default_iss or next(iter(svc.settings.issuers), None)
    codes = [c.code for c in svc.keyring.categories(iss)] if iss else []
    response = jsonify(document(codes or None))
    response.headers["Cache-Control"] = "public, max-age=300"
    return response
