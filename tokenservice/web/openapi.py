"""The hand-written OpenAPI 3.1 document of /api/v1 (served at /api/v1/openapi.json).

It must match :mod:`tokenservice.web.api` exactly; tests check the examples against the
running API, and schemathesis may run against it. Field codes and error codes
listed here are stable.
"""

from __future__ import annotations

from typing import Any

from tokenservice import escrow, texts
from tokenservice.issue import photo
from tokenservice.issue.checklist import ID_DOCUMENT_TYPES, NO_BSN_REASONS
from tokenservice.issue.flow import CODE_MAX_CHARS, IDENTITY_MAX_CHARS
from tokenservice.issue.passes import CHOOSABLE_REASONS

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


_IDENTITY = "Only with escrow_consent=yes under registration policy escrow (ignored otherwise): "


def _registration_fields(*, renewal: bool) -> dict[str, Any]:
    props: dict[str, Any] = {
        "escrow_consent": {
            "type": "string", "enum": ["yes", "no"],
            "description": "Her answer to the consent question (asked in her language). "
            "Required under registration policy escrow: consent is never assumed "
            "(400 choose_consent). With yes her identity record is sealed for the handhaver "
            "team and her personal code is printed on the receipt PDF; with no nothing about her is "
            "kept (at renewal an earlier record is erased). Ignored under policy none.",
        },
        "given_names": {"type": "string", "maxLength": IDENTITY_MAX_CHARS,
                        "description": _IDENTITY + "given names as on the ID document. Sealed, "
                        "never stored in the clear, never returned."},
        "family_name": {"type": "string", "maxLength": IDENTITY_MAX_CHARS,
                        "description": _IDENTITY + "family name. Sealed, never returned."},
        "id_document_number": {"type": "string", "maxLength": IDENTITY_MAX_CHARS,
                               "description": _IDENTITY + "the ID document's number. Sealed, "
                               "never returned. birth_date and bsn are sealed with it."},
    }
    if renewal:
        props["personal_code"] = {
            "type": "string", "maxLength": CODE_MAX_CHARS,
            "description": "Proof that she holds the pass (renewal_proof): her personal "
            "code. Right: under policy escrow with yes she keeps it. Wrong: 400 code_wrong "
            "(code_typo for a typo) unless the old card proves it on its own.",
        }
        props["old_card"] = {
            "type": "string", "maxLength": 4096,
            "description": "Proof that she holds the pass: the QR text of her newest card "
            "(PAS1:…). Counts only with photo_confirmed=yes: the official compared the photo "
            "signed inside it with her. 400 card_not_genuine, card_other_pass, "
            "card_superseded, confirm_photo. Without enough proof: 400 proof_needed "
            "(field renewal_proof); nothing about the pass is changed — issue a new pass.",
        }
        props["photo_confirmed"] = {
            "type": "string", "enum": ["yes", "no"],
            "description": "yes: the photo from inside old_card is the person at the desk.",
        }
    return props


def _intake_fields(
    *, category_required: bool, categories: list[str] | None, escrow_policy: bool = False
) -> dict[str, Any]:
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
        **_registration_fields(renewal=not category_required),
    }
    if category_required:
        props["iss"] = {
            "type": "string", "pattern": "^GM[0-9]{4}$",
            "description": "Issuer code (CBS municipality code) for a region instance that "
            "issues for several municipalities; default: the instance's default issuer. "
            "400 unknown_issuer when this service does not issue for it.",
        }
    required = ["photo", "language", "birth_date", "id_document_type", "id_valid_until", "kvk"]
    if category_required:
        required.insert(1, "category")
    if escrow_policy:
        required.append("escrow_consent")
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

_HANDHAVER_ERRORS = {
    "401": _error("No or an invalid bearer token.", ["unauthorized"]),
    "403": _error("The token's role is not handhaver, or the second handhaver is the requester.",
                  ["forbidden"]),
    "503": _error("The handhaver team's public key is missing (keys/escrow.pub).",
                  ["escrow_not_configured"]),
}
_REASON_BODY = {
    "required": True,
    "content": {
        "application/json": {"schema": {"$ref": "#/components/schemas/EscrowReason"}},
        "application/x-www-form-urlencoded": {
            "schema": {"$ref": "#/components/schemas/EscrowReason"}
        },
    },
}
_PENDING = {
    "description": "Two-person rule: the request waits for a second handhaver's approval; "
    "collect it afterwards.",
    "content": {"application/json": {"schema": {"$ref": "#/components/schemas/EscrowPending"}}},
}
_REQUEST_ID_PARAM = {
    "name": "request_id", "in": "path", "required": True,
    "schema": {"type": "integer", "minimum": 1, "maximum": 2**31 - 1},
}


def _released(schema: str, what: str) -> dict[str, Any]:
    return {
        "description": f"{what} Logged in the audit log before it was sent. Save the body as "
        "the file for `pas-keys escrow open --record FILE` (or `export-open --export FILE`); "
        "the Content-Disposition header names it.",
        "content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{schema}"}}},
    }


_CARD_RESPONSES = {
    "400": _error("Validation failed (see fields), a bad pass number, an empty photo, or "
                  "an unreadable [escrow] section in pas.toml.",
                  ["validation_failed", "bad_pass_number", "empty", "escrow_not_configured"]),
    "401": _error("No or an invalid bearer token.", ["unauthorized"]),
    "403": _error("The token's role is not intake.", ["forbidden"]),
    "413": _error("The upload is too large.", ["too_large"]),
    "415": _error("Not multipart/form-data, or the photo is not an image.",
                  ["unsupported_media_type", "not_an_image"]),
    "422": _error("The photo cannot become a portrait; for no_face and several_faces send "
                  "a crop box.", ["truncated", "too_many_pixels", "too_small", "bad_crop",
                                  "no_face", "several_faces"]),
}


def document(categories: list[str] | None = None, policy: str = "none") -> dict[str, Any]:
    """The document; ``categories`` (the default issuer's codes) become an enum, and under
    the default issuer's registration ``policy`` "escrow" ``escrow_consent`` is required."""
    escrow_policy = policy == "escrow"
    card = {"$ref": "#/components/schemas/Card"}
    status = {"$ref": "#/components/schemas/PassStatus"}
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Pas-service API",
            "version": "1.0.0",
            "description": "Issue, renew and revoke passes from an integration (e.g. a "
            "card-printing station), and for handhavers: request sealed escrow records. The "
            "checklist values are checked and dropped: they are never stored, logged or "
            "returned, and errors never repeat them. Under registration policy escrow, and "
            "only with her consent, her identity is sealed for the handhaver team (the server "
            "cannot read it) and her personal code is returned once. The card is returned "
            "inline; the server keeps no copy.",
        },
        "servers": [{"url": "/api/v1"}],
        "security": [{"bearer": []}],
        "paths": {
            "/passes": {
                "post": {
                    "operationId": "issuePass",
                    "summary": "Issue a new pass (role intake)",
                    "requestBody": _intake_fields(category_required=True, categories=categories,
                                                  escrow_policy=escrow_policy),
                    "responses": {
                        "201": {"description": "Issued.",
                                "content": {"application/json": {"schema": card}}},
                        **_CARD_RESPONSES,
                        "400": _error(
                            "Validation failed (see fields), an iss this service does not "
                            "issue for, an empty photo, or an unreadable [escrow] section.",
                            ["validation_failed", "unknown_issuer", "bad_pass_number", "empty",
                             "escrow_not_configured"]),
                    },
                }
            },
            "/passes/{number}/renew": {
                "post": {
                    "operationId": "renewPass",
                    "summary": "A new card under the same number after a new intake (role intake)",
                    "parameters": [_NUMBER_PARAM],
                    "requestBody": _intake_fields(category_required=False, categories=categories,
                                                  escrow_policy=escrow_policy),
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
            "/passes/{number}/escrow": {
                "post": {
                    "operationId": "requestEscrowRecord",
                    "summary": "The sealed identity record of one pass (role handhaver)",
                    "description": "Number → person. The request (account, reason code) goes "
                    "into the audit log first; the holder sees it on /mijn-pas. The free-text "
                    "reason is sealed for the handhaver team. The record opens only on a "
                    "handhaver's machine with k shares (`pas-keys escrow open`).",
                    "parameters": [_NUMBER_PARAM],
                    "requestBody": _REASON_BODY,
                    "responses": {
                        "200": _released("EscrowRecordDocument", "The sealed record."),
                        "202": _PENDING,
                        "400": _error("Bad reason code, reason or pass number.",
                                      ["validation_failed", "bad_pass_number"]),
                        **_HANDHAVER_ERRORS,
                        "404": _error("No such pass, or nothing sealed for it.",
                                      ["unknown_pass", "no_escrow_record"]),
                    },
                }
            },
            "/escrow/export": {
                "post": {
                    "operationId": "exportEscrowRecords",
                    "summary": "All sealed records, for a person → number search (role handhaver)",
                    "description": "Logged as one bulk search plus one entry per pass number in "
                    "it (each holder sees it). The search happens on the handhaver's machine "
                    "after decryption (`pas-keys escrow export-open --search`).",
                    "requestBody": _REASON_BODY,
                    "responses": {
                        "200": _released("EscrowExportDocument", "Every sealed record."),
                        "202": _PENDING,
                        "400": _error("Bad reason code or reason.", ["validation_failed"]),
                        **_HANDHAVER_ERRORS,
                    },
                }
            },
            "/escrow/requests": {
                "get": {
                    "operationId": "listEscrowRequests",
                    "summary": "Open requests: waiting for approval, or approved and not "
                    "collected (role handhaver)",
                    "responses": {
                        "200": {"description": "The open requests, oldest first.",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/EscrowRequestList"}}}},
                        "401": _HANDHAVER_ERRORS["401"],
                        "403": _HANDHAVER_ERRORS["403"],
                    },
                }
            },
            "/escrow/requests/{request_id}/approve": {
                "post": {
                    "operationId": "approveEscrowRequest",
                    "summary": "A second handhaver (not the requester) approves (role handhaver)",
                    "parameters": [_REQUEST_ID_PARAM],
                    "responses": {
                        "200": {"description": "Approved; the requester can collect it.",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/EscrowDecision"}}}},
                        **_HANDHAVER_ERRORS,
                        "404": _error("No such request.", ["unknown_request"]),
                        "409": _error("Not pending, or expired.", ["request_not_open"]),
                    },
                }
            },
            "/escrow/requests/{request_id}/deny": {
                "post": {
                    "operationId": "denyEscrowRequest",
                    "summary": "A second handhaver refuses (role handhaver)",
                    "parameters": [_REQUEST_ID_PARAM],
                    "responses": {
                        "200": {"description": "Denied.",
                                "content": {"application/json": {"schema": {
                                    "$ref": "#/components/schemas/EscrowDecision"}}}},
                        **_HANDHAVER_ERRORS,
                        "404": _error("No such request.", ["unknown_request"]),
                        "409": _error("Already decided.", ["request_not_open"]),
                    },
                }
            },
            "/escrow/requests/{request_id}/collect": {
                "post": {
                    "operationId": "collectEscrowRequest",
                    "summary": "The requester fetches an approved request, once (role handhaver)",
                    "parameters": [_REQUEST_ID_PARAM],
                    "responses": {
                        "200": {
                            "description": "The sealed record or export; logged before it was "
                            "sent.",
                            "content": {"application/json": {"schema": {"oneOf": [
                                {"$ref": "#/components/schemas/EscrowRecordDocument"},
                                {"$ref": "#/components/schemas/EscrowExportDocument"},
                            ]}}},
                        },
                        **_HANDHAVER_ERRORS,
                        "404": _error("No such request, or nothing sealed any more.",
                                      ["unknown_request", "no_escrow_record"]),
                        "409": _error("Not approved, already collected, or expired.",
                                      ["request_not_open"]),
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
                                 "card_png_b64", "receipt_pdf_b64", "registration"],
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
                        "receipt_pdf_b64": {"type": "string", "contentEncoding": "base64",
                                            "contentMediaType": "application/pdf",
                                            "description": "Her receipt slip (A6) in her "
                                            "language; with her personal code when there is one."},
                        "registration": {
                            "type": "string", "enum": ["none", "sealed", "unchanged", "failed"],
                            "description": "none: nothing about her is kept. sealed: her "
                            "identity record is sealed (her code is on receipt_pdf_b64, nowhere "
                            "else). unchanged: a repeated request_id; the first receipt carried "
                            "the code, which cannot be shown again. failed: the pass is valid but sealing "
                            "failed (nothing new kept).",
                        },
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
                "EscrowReason": {
                    "type": "object",
                    "required": ["reason_code", "reason"],
                    "properties": {
                        "reason_code": {"type": "string", "enum": list(escrow.REASON_CODES),
                                        "description": "Goes into the audit log; the holder "
                                        "sees it."},
                        "reason": {"type": "string", "minLength": escrow.REASON_MIN_CHARS,
                                   "maxLength": escrow.REASON_MAX_CHARS,
                                   "description": "Why, in free text "
                                   f"({escrow.REASON_MIN_CHARS}-{escrow.REASON_MAX_CHARS} "
                                   "characters after collapsing whitespace). Sealed for the "
                                   "handhaver team; never logged or returned."},
                    },
                },
                "SealedRecord": {
                    "type": "object",
                    "required": ["number", "recipient_kid", "sealed_at", "sealed_key", "nonce",
                                 "ciphertext"],
                    "properties": {
                        "number": {"type": "string"},
                        "recipient_kid": {"type": "string", "pattern": "^[0-9a-f]{16}$"},
                        "sealed_at": {"type": "integer"},
                        "sealed_key": {"type": "string", "contentEncoding": "base64"},
                        "nonce": {"type": "string", "contentEncoding": "base64"},
                        "ciphertext": {"type": "string", "contentEncoding": "base64"},
                    },
                },
                "EscrowRecordDocument": {
                    "type": "object",
                    "required": ["format", "version", "request", "released_at", "record"],
                    "properties": {
                        "format": {"const": "pas-escrow-record"},
                        "version": {"const": 1},
                        "request": {"type": "integer"},
                        "released_at": {"type": "integer"},
                        "record": {"$ref": "#/components/schemas/SealedRecord"},
                    },
                },
                "EscrowExportDocument": {
                    "type": "object",
                    "required": ["format", "version", "request", "released_at", "records"],
                    "properties": {
                        "format": {"const": "pas-escrow-export"},
                        "version": {"const": 1},
                        "request": {"type": "integer"},
                        "released_at": {"type": "integer"},
                        "records": {"type": "array",
                                    "items": {"$ref": "#/components/schemas/SealedRecord"}},
                    },
                },
                "EscrowPending": {
                    "type": "object",
                    "required": ["request", "status"],
                    "properties": {"request": {"type": "integer"},
                                   "status": {"const": "pending"}},
                },
                "EscrowDecision": {
                    "type": "object",
                    "required": ["request", "status"],
                    "properties": {"request": {"type": "integer"},
                                   "status": {"type": "string", "enum": ["approved", "denied"]}},
                },
                "EscrowRequestList": {
                    "type": "object",
                    "required": ["requests"],
                    "properties": {"requests": {"type": "array", "items": {
                        "type": "object",
                        "required": ["request", "kind", "number", "requested_by",
                                     "requested_at", "reason_code", "status", "approved_by"],
                        "properties": {
                            "request": {"type": "integer"},
                            "kind": {"type": "string", "enum": ["record", "export"]},
                            "number": {"type": ["string", "null"]},
                            "requested_by": {"type": "string"},
                            "requested_at": {"type": "integer"},
                            "reason_code": {"type": "string", "enum": list(escrow.REASON_CODES)},
                            "status": {"type": "string", "enum": ["pending", "approved"]},
                            "approved_by": {"type": ["string", "null"]},
                        },
                    }}},
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
                                    "(e.g. bsn_invalid, under_min_age, kvk_invalid, required, "
                                    "choose_consent, escrow_not_configured, too_long, "
                                    "code_typo, code_wrong, proof_needed, card_not_genuine, card_other_pass, "
                                    "card_superseded, confirm_photo, choose_reason_code, reason_length).",
                                },
                            },
                        }
                    },
                },
            },
        },
    }
