"""The API's one error: ``{"error": {"code", "message", "fields"?}}`` with a stable code.

The body is built through :class:`.models.Error`, the schema the document publishes. A
message never repeats a submitted value.
"""

from __future__ import annotations

from flask import Response, jsonify

from tokenservice.web.api import models

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
MESSAGES = {
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


class ApiError(Exception):
    """An error answer: HTTP ``status``, stable ``code``, optional problems by field."""

    def __init__(self, status: int, code: str, message: str | None = None,
                 fields: dict[str, str] | None = None) -> None:
        super().__init__(code)
        self.status, self.code, self.fields = status, code, fields
        self.message = message or MESSAGES.get(code, code)


def error_response(exc: ApiError) -> Response:
    body = models.Error(error=models.ErrorBody(code=exc.code, message=exc.message,
                                               fields=exc.fields or {}))
    response = jsonify(body.model_dump(mode="json", exclude_defaults=True))
    response.status_code = exc.status
    if exc.status == 401:
        response.headers["WWW-Authenticate"] = 'Bearer realm="pas"'
    return response


__all__ = ["MESSAGES", "PHOTO_STATUS", "ApiError", "error_response"]
