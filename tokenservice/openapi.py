"""The hand-written OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json).

It must match :mod:`tokenservice.api` exactly; tests check the examples against the
running API, and schemathesis may run against it. Field codes and error codes
listed here are stable.
"""

from __future__ import annotations

from typing import Any

from . import photo, texts
from .checks import ID_DOCUMENT_TYPES, NO_BSN_REASONS
from .issuance import CHOOSABLE_REASONS

_YES_NO = {"type": "string", "enum": ["yes", "no"], "default": "yes"}
_DATE = {"type": "string", "format": "date", "examples": ["1990-01-31"]}
NUMBER_PATTERN = r"^[A-Za-z]{2,4}-?[0-9A-Za-z]{8}-?[0-9A-Za-z]$"


def _error(description: str, codes: list[str]) -> dict[str, Any]:
    return {
        "description": description,
        "content": {
            "application/json": {
                "schema": {
                    "allOf": [{"$ref": "#/components/schemas/Error"}],
                    "properties": {
                        "error": {"properties": {"code": {"enum": codes}}},
                    },
                }
            }
        },
    }


def _intake_fields(*, category_required: bool, categories: list[str] | None) -> dict[str, Any]:
    category: dict[str, Any] = {
        "type": "string",
        "description": "A category code of the issuer (from the trust list)."
        + ("" if category_required else " Omit to keep the pass's category."),
    }
    if categories:
        category["enum"] = categories
    props: dict[str, Any] = {
        "photo": {
            "type": "string",
            "minLength": 1,
            "contentMediaType": "application/octet-stream",
            "description": "The portrait: JPEG, PNG or WebP, at most the configured upload "
            f"limit (default {photo.MAX_UPLOAD_BYTES} bytes). Processed in memory, never kept.",
        },
        "category": category,
        "language": {"type": "string", "enum": list(texts.LANGUAGES),
                     "description": "Language of the worker's texts (card back, receipt)."},
        "birth_date": {**_DATE, "description": "For the age check only (400 under_min_age "
                       "below the issuer's minimum age); never stored."},
        "id_document_type": {"type": "string", "enum": list(ID_DOCUMENT_TYPES)},
        "id_valid_until": {**_DATE, "description": "Must lie in the future (checked by the "
                           "service: 400 id_expired); never stored."},
        "bsn": {"type": "string", "pattern": "^[0-9]{9}$",
                "description": "9 digits passing the elfproef (checked by the service: a "
                "schema-valid BSN may still fail with bsn_invalid); or give no_bsn_reason. "
                "Checked, never stored."},
        "no_bsn_reason": {"type": "string", "enum": list(NO_BSN_REASONS)},
        "kvk": {"type": "string", "pattern": "^[0-9]{8}$",
                "description": "KVK number, 8 digits. Checked, never stored."},
        "work_location_known": _YES_NO,
        "housing_known": _YES_NO,
        "information_given": {**_YES_NO, "description": "Must be yes."},
        "help_offered": {**_YES_NO, "description": "Must be yes."},
        "request_id": {
            "type": "string", "pattern": r"^[A-Za-z0-9._:-]{1,128}$",
            "description": "Idempotency key: the same request_id (per account and "
            "operation) returns the same card instead of a second one.",
        },
        "crop_x": {"type": "integer", "minimum": 0},
        "crop_y": {"type": "integer", "minimum": 0},
        "crop_w": {"type": "integer", "minimum": 1},
        "crop_h": {"type": "integer", "minimum": 1},
    }
    required = ["photo", "language", "birth_date", "id_document_type", "id_valid_until", "kvk"]
    if category_required:
        required.insert(1, "category")
    return {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {"type": "object", "properties": props, "required": required},
                "encoding": {"photo": {"contentType": "image/jpeg, image/png, image/webp"}},
            }
        },
    }


_NUMBER_PARAM = {
    "name": "number", "in": "path", "required": True,
    "description": "Pass number, e.g. GR-7K3M9QXD-4 (case and hyphens are forgiving). The "
    "last character is a check character: a schema-valid number with a typo gives 400 "
    "bad_pass_number.",
    "schema": {"type": "string", "pattern": NUMBER_PATTERN},
}

_CARD_RESPONSES = {
    "400": _error("Validation failed (see fields), a bad pass number, or an empty photo.",
                  ["validation_failed", "bad_pass_number", "empty"]),
    "401": _error("No or an invalid bearer token.", ["unauthorized"]),
    "403": _error("The token's role is not intake.", ["forbidden"]),
    "413": _error("The upload is too large.", ["too_large"]),
    "415": _error("Not multipart/form-data, or the photo is not an image.",
                  ["unsupported_media_type", "not_an_image"]),
    "422": _error("The photo cannot become a portrait; for no_face and several_faces send "
                  "a crop box.", ["truncated", "too_many_pixels", "too_small", "bad_crop",
                                  "no_face", "several_faces"]),
}


def document(categories: list[str] | None = None) -> dict[str, Any]:
    """The document; ``categories`` (the default issuer's codes) become an enum."""
    card = {"$ref": "#/components/schemas/Card"}
    status = {"$ref": "#/components/schemas/PassStatus"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pas-service API",
            "version": "1.0.0",
            "description": "Issue, renew and revoke passes from an integration (e.g. a "
            "card-printing station). The checklist values are checked and dropped: they are "
            "never stored, logged or returned, and errors never repeat them. The card is "
            "returned inline; the server keeps no copy.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/passes": {
                "post": {
                    "operationId": "issuePass",
                    "summary": "Issue a new pass (role intake)",
                    "requestBody": _intake_fields(category_required=True, categories=categories),
                    "responses": {
                        "201": {"description": "Issued.",
                                "content": {"application/json": {"schema": card}}},
                        **_CARD_RESPONSES,
                    },
                }
            },
            "/passes/{number}/renew": {
                "post": {
                    "operationId": "renewPass",
                    "summary": "A new card under the same number after a new intake (role intake)",
                    "parameters": [_NUMBER_PARAM],
                    "requestBody": _intake_fields(category_required=False, categories=categories),
                    "responses": {
                        "201": {"description": "Renewed; the previous card is revoked.",
                                "content": {"application/json": {"schema": card}}},
                        **_CARD_RESPONSES,
                        "404": _error("No such pass.", ["unknown_pass"]),
                        "409": _error("The pass was revoked for good.", ["pass_revoked"]),
                    },
                }
            },
            "/passes/{number}/revoke": {
                "post": {
                    "operationId": "revokePass",
                    "summary": "Revoke a pass (role handhaver)",
                    "parameters": [_NUMBER_PARAM],
                    "requestBody": {
                        "required": True,
                        "content": {
                            "application/json": {"schema": {"$ref": "#/components/schemas/Revoke"}},
                            "application/x-www-form-urlencoded": {
                                "schema": {"$ref": "#/components/schemas/Revoke"}
                            },
                        },
                    },
                    "responses": {
                        "200": {"description": "Revoked; the revocation list is re-signed.",
                                "content": {"application/json": {"schema": status}}},
                        "400": _error("Bad reason or pass number.",
                                      ["validation_failed", "bad_pass_number"]),
                        "401": _error("No or an invalid bearer token.", ["unauthorized"]),
                        "403": _error("The token's role is not handhaver.", ["forbidden"]),
                        "404": _error("No such pass.", ["unknown_pass"]),
                    },
                }
            },
            "/passes/{number}": {
                "get": {
                    "operationId": "passStatus",
                    "summary": "The status of a pass (any role). Status only.",
                    "parameters": [_NUMBER_PARAM],
                    "responses": {
                        "200": {"description": "The status.",
                                "content": {"application/json": {"schema": status}}},
                        "400": _error("Bad pass number.", ["bad_pass_number"]),
                        "401": _error("No or an invalid bearer token.", ["unauthorized"]),
                        "404": _error("No such pass.", ["unknown_pass"]),
                    },
                }
            },
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "summary": "This document",
                    "security": [],
                    "responses": {"200": {"description": "OpenAPI 3.1",
                                          "content": {"application/json": {"schema": {"type": "object"}}}}},
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {"type": "http", "scheme": "bearer",
                           "description": "An API token from `pas-service token create`."}
            },
            "schemas": {
                "Card": {
                    "type": "object",
                    "required": ["number", "serial", "qr_text", "expires", "card_pdf_b64",
                                 "card_png_b64"],
                    "additionalProperties": False,
                    "properties": {
                        "number": {"type": "string", "examples": ["GR-7K3M9QXD-4"]},
                        "serial": {"type": "string", "pattern": "^[0-9a-f]+$",
                                   "description": "The card's serial, hex."},
                        "qr_text": {"type": "string", "pattern": "^PAS1:",
                                    "description": "The signed pass, as in the QR code."},
                        "expires": {"type": "string", "format": "date",
                                    "description": "Last day of validity (Dutch clock)."},
                        "card_pdf_b64": {"type": "string", "contentEncoding": "base64",
                                         "contentMediaType": "application/pdf",
                                         "description": "ID-1 card, front and back."},
                        "card_png_b64": {"type": "string", "contentEncoding": "base64",
                                         "contentMediaType": "image/png",
                                         "description": "The digital pass for a phone."},
                    },
                },
                "PassStatus": {
                    "type": "object",
                    "required": ["number", "status", "reason", "expires"],
                    "additionalProperties": False,
                    "properties": {
                        "number": {"type": "string"},
                        "status": {"type": "string",
                                   "enum": ["valid", "expired", "revoked", "card_revoked"]},
                        "reason": {"type": ["string", "null"],
                                   "enum": ["lost", "stolen", "stopped", "error", "superseded",
                                            None]},
                        "expires": {"type": ["string", "null"], "format": "date"},
                    },
                },
                "Revoke": {
                    "type": "object",
                    "required": ["reason"],
                    "properties": {
                        "reason": {"type": "string",
                                   "enum": [r.value for r in CHOOSABLE_REASONS]},
                    },
                },
                "Error": {
                    "type": "object",
                    "required": ["error"],
                    "properties": {
                        "error": {
                            "type": "object",
                            "required": ["code", "message"],
                            "properties": {
                                "code": {"type": "string"},
                                "message": {"type": "string"},
                                "fields": {
                                    "type": "object",
                                    "additionalProperties": {"type": "string"},
                                    "description": "Field name → problem code "
                                    "(e.g. bsn_invalid, under_min_age, kvk_invalid, required).",
                                },
                            },
                        }
                    },
                },
            },
        },
    }
