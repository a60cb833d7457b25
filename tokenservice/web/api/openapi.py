"""The OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json), generated.

Every schema in it comes from :mod:`.models`, the classes that read the requests and build
the responses (docs/adr/0019); this module adds only what a model cannot say: paths,
operations, which error codes each can answer, and the words around them. pydantic's JSON
Schema is the 2020-12 dialect that OpenAPI 3.1 uses, so a model's schema goes in as it is,
less titles and with the adjustments of :class:`ApiSchema`. Field codes and error codes
listed here are stable; schemathesis runs against the document
(tests/tokenservice/web/test_schemathesis.py).
"""

from __future__ import annotations

import copy
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, Literal

from pydantic import BaseModel, TypeAdapter
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue, models_json_schema
from pydantic_core import core_schema

from tokenservice.web.api import models

REF = "#/components/schemas/{model}"
Mode = Literal["validation", "serialization"]


class ApiSchema(GenerateJsonSchema):
    """pydantic's JSON Schema as this document writes it.

    No titles (the names are the components' keys). In a request a field that may be left
    out is documented as its value, not as "or null": a form cannot send null, and an empty
    field counts as not sent. A response's null is real and stays. Bytes (the photo) are a
    string whose ``contentMediaType`` the field states, not ``format: binary``.
    """

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def model_schema(self, schema: core_schema.ModelSchema) -> JsonSchemaValue:
        json_schema = super().model_schema(schema)
        json_schema.pop("title", None)
        return json_schema

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        if self.mode == "validation":
            return self.generate_inner(schema["schema"])
        return super().nullable_schema(schema)

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        json_schema = super().default_schema(schema)
        if self.mode == "validation" and "default" in json_schema and json_schema["default"] is None:
            del json_schema["default"]
        return json_schema

    def bytes_schema(self, schema: core_schema.BytesSchema) -> JsonSchemaValue:
        json_schema = super().bytes_schema(schema)
        json_schema.pop("format", None)
        return json_schema


def schema_of(model: type[BaseModel], mode: Mode = "validation") -> dict[str, Any]:
    """One model's schema as the document carries it (references to components)."""
    return model.model_json_schema(mode=mode, schema_generator=ApiSchema, ref_template=REF)


def components() -> dict[str, Any]:
    """The schemas of :data:`.models.COMPONENTS` (and what they reference), by name."""
    _, defs = models_json_schema(models.COMPONENTS, ref_template=REF, schema_generator=ApiSchema)
    return dict(defs["$defs"])


def _ref(model: type[BaseModel]) -> dict[str, str]:
    return {"$ref": REF.format(model=model.__name__)}


def _parameter(name: str, adapter: TypeAdapter[Any]) -> dict[str, Any]:
    schema = adapter.json_schema(schema_generator=ApiSchema)
    description = schema.pop("description", None)
    return {"name": name, "in": "path", "required": True,
            **({"description": description} if description else {}), "schema": schema}


PARAMETERS: dict[str, TypeAdapter[Any]] = {
    "number": models.PASS_NUMBER, "request_id": models.ESCROW_REQUEST_ID,
}


# --- responses ------------------------------------------------------------------------------


def _error(description: str, codes: list[str]) -> dict[str, Any]:
    """An error response answering one of ``codes``."""
    return {
        "description": description,
        "content": {"application/json": {"schema": {
            "allOf": [_ref(models.Error)],
            "properties": {"error": {"properties": {"code": {"enum": codes}}}},
        }}},
    }


def _ok(description: str, schema: Mapping[str, Any]) -> dict[str, Any]:
    return {"description": description, "content": {"application/json": {"schema": schema}}}


def _released(model: type[BaseModel], what: str) -> dict[str, Any]:
    return _ok(f"{what} Logged in the audit log before it was sent. Save the body as the file "
               "for `pas-keys escrow open --record FILE` (or `export-open --export FILE`); the "
               "Content-Disposition header names it.", _ref(model))


_UNAUTHORIZED = _error("No or an invalid bearer token.", ["unauthorized"])
_HANDHAVER_ERRORS = {
    "401": _UNAUTHORIZED,
    "403": _error("The token's role is not handhaver, or the second handhaver is the requester.",
                  ["forbidden"]),
    "503": _error("The handhaver team's public key is missing (keys/escrow.pub).",
                  ["escrow_not_configured"]),
}
_PENDING = _ok("Two-person rule: the request waits for a second handhaver's approval; collect "
               "it afterwards.", _ref(models.EscrowPending))
_CARD_ERRORS = {
    "400": _error("Validation failed (see fields), a bad pass number, an empty photo, or an "
                  "unreadable [escrow] section in pas.toml.",
                  ["validation_failed", "bad_pass_number", "empty", "escrow_not_configured"]),
    "401": _UNAUTHORIZED,
    "403": _error("The token's role is not intake.", ["forbidden"]),
    "413": _error("The upload is too large.", ["too_large"]),
    "415": _error("Not multipart/form-data, or the photo is not an image.",
                  ["unsupported_media_type", "not_an_image"]),
    "422": _error("The photo cannot become a portrait; for no_face and several_faces send a "
                  "crop box.", ["truncated", "too_many_pixels", "too_small", "bad_crop",
                                "no_face", "several_faces"]),
}


# --- operations -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Operation:
    """One path and method. ``body``: "issue" or "renew" (the issuer's multipart form), or
    a request model taken as JSON or form fields."""

    path: str
    method: str
    operation_id: str
    summary: str
    responses: Mapping[str, Mapping[str, Any]]
    description: str | None = None
    parameter: str | None = None
    body: str | type[models.ApiRequest] | None = None
    public: bool = False


OPERATIONS: tuple[Operation, ...] = (
    Operation(
        "/passes", "post", "issuePass", "Issue a new pass (role intake)", body="issue",
        responses={
            "201": _ok("Issued.", _ref(models.Card)), **_CARD_ERRORS,
            "400": _error("Validation failed (see fields), an iss this service does not issue "
                          "for, an empty photo, or an unreadable [escrow] section.",
                          ["validation_failed", "unknown_issuer", "bad_pass_number", "empty",
                           "escrow_not_configured"]),
        }),
    Operation(
        "/passes/{number}/renew", "post", "renewPass",
        "A new card under the same number after a new intake (role intake)",
        parameter="number", body="renew",
        responses={
            "201": _ok("Renewed; the previous card is revoked.", _ref(models.Card)),
            **_CARD_ERRORS,
            "404": _error("No such pass.", ["unknown_pass"]),
            "409": _error("The pass was revoked for good.", ["pass_revoked"]),
        }),
    Operation(
        "/passes/{number}/revoke", "post", "revokePass", "Revoke a pass (role handhaver)",
        parameter="number", body=models.Revoke,
        responses={
            "200": _ok("Revoked; the revocation list is re-signed.", _ref(models.PassStatus)),
            "400": _error("Bad reason or pass number.", ["validation_failed", "bad_pass_number"]),
            "401": _UNAUTHORIZED,
            "403": _error("The token's role is not handhaver.", ["forbidden"]),
            "404": _error("No such pass.", ["unknown_pass"]),
        }),
    Operation(
        "/passes/{number}", "get", "passStatus", "The status of a pass (any role). Status only.",
        parameter="number",
        responses={
            "200": _ok("The status.", _ref(models.PassStatus)),
            "400": _error("Bad pass number.", ["bad_pass_number"]),
            "401": _UNAUTHORIZED,
            "404": _error("No such pass.", ["unknown_pass"]),
        }),
    Operation(
        "/passes/{number}/escrow", "post", "requestEscrowRecord",
        "The sealed identity record of one pass (role handhaver)",
        description="Number → person. The request (account, reason code) goes into the audit "
        "log first; the holder sees it on /mijn-pas. The free-text reason is sealed for the "
        "handhaver team. The record opens only on a handhaver's machine with k shares "
        "(`pas-keys escrow open`).",
        parameter="number", body=models.EscrowReason,
        responses={
            "200": _released(models.EscrowRecordDocument, "The sealed record."),
            "202": _PENDING,
            "400": _error("Bad reason code, reason or pass number.",
                          ["validation_failed", "bad_pass_number"]),
            **_HANDHAVER_ERRORS,
            "404": _error("No such pass, or nothing sealed for it.",
                          ["unknown_pass", "no_escrow_record"]),
        }),
    Operation(
        "/escrow/export", "post", "exportEscrowRecords",
        "All sealed records, for a person → number search (role handhaver)",
        description="Logged as one bulk search plus one entry per pass number in it (each "
        "holder sees it). The search happens on the handhaver's machine after decryption "
        "(`pas-keys escrow export-open --search`).",
        body=models.EscrowReason,
        responses={
            "200": _released(models.EscrowExportDocument, "Every sealed record."),
            "202": _PENDING,
            "400": _error("Bad reason code or reason.", ["validation_failed"]),
            **_HANDHAVER_ERRORS,
        }),
    Operation(
        "/escrow/requests", "get", "listEscrowRequests",
        "Open requests: waiting for approval, or approved and not collected (role handhaver)",
        responses={
            "200": _ok("The open requests, oldest first.", _ref(models.EscrowRequestList)),
            "401": _HANDHAVER_ERRORS["401"], "403": _HANDHAVER_ERRORS["403"],
        }),
    Operation(
        "/escrow/requests/{request_id}/approve", "post", "approveEscrowRequest",
        "A second handhaver (not the requester) approves (role handhaver)",
        parameter="request_id",
        responses={
            "200": _ok("Approved; the requester can collect it.", _ref(models.EscrowDecision)),
            **_HANDHAVER_ERRORS,
            "404": _error("No such request.", ["unknown_request"]),
            "409": _error("Not pending, or expired.", ["request_not_open"]),
        }),
    Operation(
        "/escrow/requests/{request_id}/deny", "post", "denyEscrowRequest",
        "A second handhaver refuses (role handhaver)", parameter="request_id",
        responses={
            "200": _ok("Denied.", _ref(models.EscrowDecision)),
            **_HANDHAVER_ERRORS,
            "404": _error("No such request.", ["unknown_request"]),
            "409": _error("Already decided.", ["request_not_open"]),
        }),
    Operation(
        "/escrow/requests/{request_id}/collect", "post", "collectEscrowRequest",
        "The requester fetches an approved request, once (role handhaver)",
        parameter="request_id",
        responses={
            "200": _ok("The sealed record or export; logged before it was sent.", {"oneOf": [
                _ref(models.EscrowRecordDocument), _ref(models.EscrowExportDocument)]}),
            **_HANDHAVER_ERRORS,
            "404": _error("No such request, or nothing sealed any more.",
                          ["unknown_request", "no_escrow_record"]),
            "409": _error("Not approved, already collected, or expired.", ["request_not_open"]),
        }),
    Operation(
        "/openapi.json", "get", "openapi", "This document", public=True,
        responses={"200": _ok("OpenAPI 3.1", {"type": "object"})}),
)

INFO = {
    "title": "Pas-service API",
    "version": "1.0.0",
    "description": "Issue, renew and revoke passes from an integration (e.g. a card-printing "
    "station), and for handhavers: request sealed escrow records. The checklist values are "
    "checked and dropped: they are never stored, logged or returned, and errors never repeat "
    "them. Under registration policy escrow, and only with her consent, her identity is sealed "
    "for the handhaver team (the server cannot read it) and her personal code is printed on her "
    "receipt, nowhere else. The card is returned inline; the server keeps no copy.",
}
SECURITY_SCHEMES = {
    "bearer": {"type": "http", "scheme": "bearer",
               "description": "An API token from `pas-service token create`."},
}


def intake_body(form: type[models.IntakeForm]) -> dict[str, Any]:
    """The multipart request body of issue or renew."""
    return {
        "required": True,
        "content": {"multipart/form-data": {
            "schema": schema_of(form),
            "encoding": {"photo": {"contentType": "image/jpeg, image/png, image/webp"}},
        }},
    }


def _body(body: str | type[models.ApiRequest], forms: Mapping[str, type[models.IntakeForm]]
          ) -> dict[str, Any]:
    if isinstance(body, str):
        return intake_body(forms[body])
    return {"required": True, "content": {
        media: {"schema": _ref(body)}
        for media in ("application/json", "application/x-www-form-urlencoded")
    }}


def _operation(op: Operation, forms: Mapping[str, type[models.IntakeForm]]) -> dict[str, Any]:
    item: dict[str, Any] = {"operationId": op.operation_id, "summary": op.summary}
    if op.description:
        item["description"] = op.description
    if op.public:
        item["security"] = []
    if op.parameter:
        item["parameters"] = [_parameter(op.parameter, PARAMETERS[op.parameter])]
    if op.body is not None:
        item["requestBody"] = _body(op.body, forms)
    item["responses"] = {code: dict(answer) for code, answer in op.responses.items()}
    return item


def document(categories: list[str] | None = None, policy: str = "none") -> dict[str, Any]:
    """The document; ``categories`` (the default issuer's codes) become an enum, and under
    the default issuer's registration ``policy`` "escrow" ``escrow_consent`` is required."""
    choice = tuple(categories) if categories else None
    forms = {
        kind: models.intake_form(renewal=kind == "renew", categories=choice,
                                 consent_required=policy == "escrow")
        for kind in ("issue", "renew")
    }
    paths: dict[str, dict[str, Any]] = {}
    for op in OPERATIONS:
        paths.setdefault(op.path, {})[op.method] = _operation(op, forms)
    return copy.deepcopy({
        "openapi": "3.1.0",
        "info": INFO,
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": paths,
        "components": {"securitySchemes": SECURITY_SCHEMES, "schemas": components()},
    })


__all__ = ["OPERATIONS", "REF", "ApiSchema", "Operation", "components", "document",
           "intake_body", "schema_of"]
