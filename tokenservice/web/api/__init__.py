"""The JSON API under /api/v1, for integrations such as a card-printing station.

Bearer tokens (``Authorization: Bearer pas_…``, see ``pas-service token create``),
bound to the account's role: ``intake`` issues and renews, ``handhaver`` revokes and
requests sealed escrow records, any role reads a status. The card comes back inline
(base64); the server keeps no copy. Errors are ``{"error": {"code", "message",
"fields"?}}`` with stable codes and never repeat a submitted value.

One declaration per request and response (:mod:`.models`, pydantic): the routes
(:mod:`.routes`) read every request through its model (:mod:`.reading`) and build every
response through one, and the OpenAPI document served at ``/api/v1/openapi.json`` is
generated from the same models (:mod:`.openapi`), so a field cannot be added to one and
not the other (docs/adr/0019).

Under registration policy ``escrow`` issue and renew take ``escrow_consent`` (yes/no,
required: consent is never assumed) and, with a yes, ``given_names``,
``family_name``, ``id_document_number``; renewal needs proof that she holds the pass
(``old_card`` + ``photo_confirmed``, and/or ``personal_code``). Her personal code is
printed on the receipt PDF and nowhere else. A handhaver asks for one sealed record
(``POST /passes/<number>/escrow``) or all of them (``POST /escrow/export``) with a reason
code and a reason; the access is in the audit log before the document leaves. With
``two_person = true`` the request waits for a second handhaver (``/escrow/requests``).
"""

from tokenservice.web.api.routes import bp

__all__ = ["bp"]
