"""The intake form: its fields' names and messages, and what its template is given.

One page holds the whole conversation's checklist, the category, the worker's language,
the photo, and (registration policy ``escrow``) the consent question; at a renewal also
the proof that the pass is hers. The pages are in :mod:`tokenservice.web.intake`. What
this module puts in the page is labels, choices, the messages for fields with an error
(by field name, never the typed value: the official types it again), the signed photo
from her old card, and a fresh one-time request token.
"""

from __future__ import annotations

import base64
import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask_babel import lazy_gettext as _l

from tokenservice import texts
from tokenservice.errors import Error
from tokenservice.issue import flow
from tokenservice.issue.checklist import ID_DOCUMENT_TYPES, NO_BSN_REASONS
from tokenservice.issue.passes import PassStatus
from tokenservice.services import Services
from tokenservice.web.labels import VERDICT_LABELS, status_text
from verifier import verify

__all__ = [
    "CROP_CODES",
    "DOCUMENT_TYPES",
    "ESCROW_FIELDS",
    "FIELD_LABELS",
    "FIELD_MESSAGES",
    "IDENTITY_LABELS",
    "NO_BSN_REASON_LABELS",
    "PHOTO_MESSAGES",
    "PROOF_RULES",
    "categories",
    "data_uri",
    "default_iss",
    "error_summary",
    "field_messages",
    "field_targets",
    "form_context",
    "form_token",
    "issuers",
    "new_token",
    "svg_square",
]

# --- labels and messages (Dutch source strings) -------------------------------------

DOCUMENT_TYPES = {
    "passport": _l("Paspoort"),
    "id_card": _l("Identiteitskaart"),
    "residence_permit": _l("Verblijfsdocument"),
    "driving_licence": _l("Rijbewijs"),
}
NO_BSN_REASON_LABELS = {
    "rni_pending": _l("Inschrijving in de RNI loopt nog"),
    "not_yet_registered": _l("Nog niet ingeschreven"),
    "other": _l("Andere reden"),
}
assert set(DOCUMENT_TYPES) == set(ID_DOCUMENT_TYPES)
assert set(NO_BSN_REASON_LABELS) == set(NO_BSN_REASONS)

FIELD_MESSAGES = {
    "date_required": _l("Vul een datum in."),
    "date_implausible": _l("Deze datum kan niet kloppen."),
    "under_min_age": _l("Jonger dan de minimumleeftijd: een pas kan niet worden uitgegeven."),
    "choose_document_type": _l("Kies het soort identiteitsbewijs."),
    "id_expired": _l("Het identiteitsbewijs is verlopen."),
    "bsn_invalid": _l("Dit BSN klopt niet (elfproef). Controleer de cijfers."),
    "bsn_or_reason_required": _l("Vul een BSN in of kies waarom er geen BSN is."),
    "kvk_invalid": _l("Een KVK-nummer heeft precies 8 cijfers."),
    "must_be_confirmed": _l("Vink dit aan als het gedaan is."),
    "choose_category": _l("Kies een categorie."),
    "choose_language": _l("Kies een taal."),
    "yes_or_no": _l("Kies ja of nee."),
    "required": _l("Dit is verplicht."),
    "invalid": _l("Deze waarde klopt niet."),
    "choose_consent": _l("Stel haar de vraag en kies ja of nee. Nee is net zo goed: dan "
                         "wordt niets bewaard."),
    "escrow_not_configured": _l("Verzegelen kan nu niet: de sleutel van het handhaversteam "
                                "(keys/escrow.pub) ontbreekt. Kies nee, of vraag de beheerder."),
    "too_long": _l("Dit is te lang."),
    "code_typo": _l("Deze code bevat een tikfout. Typ hem opnieuw."),
    "code_wrong": _l("Deze code hoort niet bij deze pas."),
    "proof_needed": _l("Verlengen kan alleen als ze laat zien dat de pas van haar is: scan haar "
                       "oude kaart en vergelijk de foto, of laat haar haar persoonlijke code "
                       "typen. Kan dat niet, geef dan een nieuwe pas uit (een nieuw nummer)."),
    "card_not_genuine": _l("Deze QR-code is geen echte pas van een bekende gemeente."),
    "card_other_pass": _l("Deze kaart hoort bij een ander pasnummer."),
    "card_superseded": _l("Dit is niet haar nieuwste kaart: die is al vervangen. Scan de "
                          "nieuwste kaart, of gebruik haar code."),
    "confirm_photo": _l("Vergelijk de foto uit de oude kaart met de persoon en vink aan dat "
                        "zij het is."),
}
IDENTITY_LABELS = {
    "given_names": _l("Voornamen"),
    "family_name": _l("Achternaam"),
    "id_document_number": _l("Documentnummer van het identiteitsbewijs"),
    "birth_date": _l("Geboortedatum"),
    "bsn": _l("BSN"),
}
PHOTO_MESSAGES = {
    "empty": _l("Maak of kies eerst een foto."),
    "too_large": _l("De foto is te groot."),
    "not_an_image": _l("Dit is geen foto. Gebruik een JPEG-, PNG- of WebP-bestand."),
    "truncated": _l("Het fotobestand is beschadigd of onvolledig."),
    "too_many_pixels": _l("De foto heeft onmogelijke afmetingen."),
    "too_small": _l("De foto of het gekozen kader is te klein voor een herkenbaar gezicht."),
    "bad_crop": _l("Het kader valt buiten de foto."),
    "no_face": _l("Er is geen gezicht gevonden. Zet het kader zelf om het gezicht en geef "
                  "de pas opnieuw uit."),
    "several_faces": _l("Er zijn meerdere gezichten gevonden. Zet het kader om het juiste "
                        "gezicht en geef de pas opnieuw uit."),
}
CROP_CODES = frozenset({"no_face", "several_faces", "bad_crop", "too_small"})
#: The fields of the form in the order they appear, with the name the error summary gives
#: them (GOV.UK error-summary pattern: one box at the top, a link to each field).
FIELD_LABELS = {
    "renewal_proof": _l("Is de pas van haar?"),
    "old_card": _l("Oude kaart"),
    "photo_confirmed": _l("Foto uit de oude kaart"),
    "personal_code": _l("Persoonlijke code"),
    "id_document_type": _l("Identiteitsbewijs"),
    "id_valid_until": _l("Identiteitsbewijs geldig tot"),
    "bsn": _l("BSN"),
    "no_bsn_reason": _l("Of: geen BSN, want"),
    "kvk": _l("KVK-nummer"),
    "birth_date": _l("Geboortedatum"),
    "work_location_known": _l("Werkplek bekend"),
    "housing_known": _l("Woon- en slaapplek bekend"),
    "information_given": _l("Voorlichting gegeven (GGD, zorg, regels)"),
    "help_offered": _l("Hulp aangeboden"),
    "category": _l("Categorie"),
    "language": _l("Taal voor haar teksten"),
    "escrow_consent": _l("Gegevens bewaren? Alleen met haar toestemming"),
    "given_names": IDENTITY_LABELS["given_names"],
    "family_name": IDENTITY_LABELS["family_name"],
    "id_document_number": IDENTITY_LABELS["id_document_number"],
    "photo": _l("Foto"),
}
_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def field_messages(problems: Mapping[str, str]) -> dict[str, str]:
    return {f: str(FIELD_MESSAGES.get(code, FIELD_MESSAGES["invalid"])) for f, code in problems.items()}


# --- the issuer, the categories and the one-time token ----------------------------


def svg_square(color: str, size: int, *, outline: str = "") -> str:
    """A square of ``color`` as a data: URI (the category swatches and the result's band)."""
    stroke = f" stroke='{outline}' stroke-width='1'" if outline else ""
    svg = (
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{size}' height='{size}' "
        f"preserveAspectRatio='none'><rect width='{size}' height='{size}' fill='{color}'"
        f"{stroke}/></svg>"
    )
    return "data:image/svg+xml," + quote(svg)


def issuers(svc: Services) -> list[str]:
    """The issuers this instance issues for (configured and in the trust list)."""
    known = svc.keyring.issuers
    return [iss for iss in svc.settings.issuers if iss in known]


def default_iss(svc: Services) -> str | None:
    """The issuer a new intake starts with: the configured default, else the first."""
    known = issuers(svc)
    if svc.settings.default_iss in known:
        return svc.settings.default_iss
    return known[0] if known else None


def categories(svc: Services, iss: str) -> list[dict[str, str]]:
    return [
        {"code": c.code, "label": c.label, "color": c.color,
         "swatch": svg_square(c.color, 12, outline="#555")}
        for c in svc.keyring.categories(iss)
    ]


def new_token() -> str:
    return secrets.token_urlsafe(24)


def form_token(raw: str | None) -> str:
    """The one-time request token from the form (a fresh one if it is missing or odd)."""
    raw = (raw or "").strip()
    return raw if _TOKEN.fullmatch(raw) else new_token()


def data_uri(media_type: str, data: bytes | None) -> str:
    if not data:
        return ""
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


# --- the form's context ---------------------------------------------------------------


def form_context(
    svc: Services, *, iss: str, mode: str, token: str, category: str | None = None,
    language: str | None = None, errors: Mapping[str, str] | None = None,
    photo_error: str | None = None, number: str | None = None,
    current: PassStatus | None = None, verdict: Any = None, retype: bool = False,
    consent: str | None = None, old_card: str | None = None,
) -> dict[str, Any]:
    issuer = svc.settings.issuers.get(iss)
    policy = flow.policy(svc, iss)
    return {
        **(_proof_context(svc, policy, old_card) if mode == "renew" else {}),
        **_registration_context(svc, policy, consent),
        "mode": mode,
        "iss": iss,
        "issuer_name": svc.keyring.issuers[iss].name if iss in svc.keyring.issuers else iss,
        "issuers": issuers(svc),
        "issuer_names": {i: svc.keyring.issuers[i].name for i in issuers(svc)},
        "categories": categories(svc, iss),
        "category": category,
        "languages": texts.LANGUAGE_NAMES,
        # No default: nothing stores her language (not the pass, not the old card's QR),
        # so the official asks her every time, also at a renewal.
        "language": language or None,
        "document_types": DOCUMENT_TYPES,
        "no_bsn_reasons": NO_BSN_REASON_LABELS,
        "min_age": issuer.min_age if issuer else None,
        "request_token": token,
        "errors": dict(errors or {}),
        "photo_error": photo_error,
        "photo_message": str(PHOTO_MESSAGES.get(photo_error, "")) if photo_error else "",
        "crop_needed": photo_error in CROP_CODES,
        "retype": retype,
        "number": number,
        "current": current,
        "current_text": status_text(current) if current else "",
        "verdict_text": str(VERDICT_LABELS.get(verdict.status, "")) if verdict is not None else "",
        "max_upload_mb": svc.settings.max_upload_bytes // (1024 * 1024),
        "field_texts": {code: str(msg) for code, msg in FIELD_MESSAGES.items()},
        "photo_empty_text": str(PHOTO_MESSAGES["empty"]),
        "field_labels": {name: str(label) for name, label in FIELD_LABELS.items()
                         if policy == "escrow" or name not in ESCROW_FIELDS},
        "field_targets": (targets := field_targets(mode, old_card)),
        "summary": error_summary(errors or {}, photo_message=(
            str(PHOTO_MESSAGES.get(photo_error, "")) if photo_error else ""), targets=targets),
    }


#: Fields that exist only under registration policy escrow (absent from the page otherwise).
ESCROW_FIELDS = frozenset({"escrow_consent", "personal_code", *flow.IDENTITY_FORM_FIELDS})


def field_targets(mode: str, old_card: str | None) -> dict[str, str]:
    """Which element a summary link for a field goes to (the field itself, or the first
    of its radios/checkboxes; for the renewal proof the first thing to do)."""
    targets = {name: name for name in FIELD_LABELS if name not in ESCROW_FIELDS}
    if mode == "renew":
        first = "photo_confirmed" if old_card else "renewal-proof"
        targets["renewal_proof"] = first
        targets["old_card"] = "renewal-proof"
    return targets


def error_summary(
    errors: Mapping[str, str], *, photo_message: str = "",
    targets: Mapping[str, str] | None = None,
) -> list[tuple[str, str]]:
    """(anchor, text) for each field with an error, in the form's order."""
    problems = dict(errors)
    if photo_message:
        problems["photo"] = photo_message
    order = list(FIELD_LABELS)
    items = []
    for name in sorted(problems, key=lambda n: order.index(n) if n in order else len(order)):
        label = FIELD_LABELS.get(name)
        text = f"{label}: {problems[name]}" if label else problems[name]
        items.append(((targets or {}).get(name, name), text))
    return items


PROOF_RULES = {
    "card_or_code": _l("Verlengen kan met haar oude kaart (u vergelijkt de foto uit de QR-code) "
                       "of met haar persoonlijke code."),
    "card": _l("Verlengen kan alleen met haar oude kaart: u vergelijkt de foto uit de QR-code."),
    "code": _l("Verlengen kan alleen met haar persoonlijke code."),
    "card_and_code": _l("Verlengen kan alleen met haar oude kaart én haar persoonlijke code."),
}


def _proof_context(svc: Services, policy: str, old_card: str | None) -> dict[str, Any]:
    """The renewal's proof block: the signed photo from her old card, and the code field."""
    photo_uri = ""
    if old_card:
        verdict = verify(old_card, flow.trust_store(svc))
        shown = verdict.photo_file()  # an av1 photo as its rebuilt AVIF (token-format §6.1)
        if shown is not None:
            photo_uri = data_uri(shown[1], shown[0])
        else:
            old_card = None  # not a readable card: ask for a scan again
    return {
        "old_card": old_card,
        "old_photo": photo_uri,
        "code_possible": policy == "escrow",
        "proof_rule": str(PROOF_RULES[svc.settings.renewal_proof]),
    }


def _registration_context(svc: Services, policy: str, consent: str | None) -> dict[str, Any]:
    """What the consent block needs (nothing under policy ``none``)."""
    if policy != "escrow":
        return {"policy": policy}
    try:
        config = flow.escrow_config(svc)
        fields, ready = config.fields, config.ready
    except Error:
        fields, ready = (), False
    return {
        "policy": policy,
        "consent": consent if consent in ("yes", "no") else None,
        "escrow_ready": ready,
        "identity_fields": [
            (name, IDENTITY_LABELS[name]) for name in flow.IDENTITY_FORM_FIELDS
            if name in fields
        ],
        "checklist_sealed": [str(IDENTITY_LABELS[name]) for name in ("birth_date", "bsn")
                             if name in fields],
        "consent_official": {"question": texts.text("nl", "consent_question"),
                             "explain": texts.text("nl", "consent_explain")},
        "consent_texts": {
            code: {"question": texts.text(code, "consent_question"),
                   "explain": texts.text(code, "consent_explain")}
            for code in texts.LANGUAGES if code != "nl"
        },
    }
