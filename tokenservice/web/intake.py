"""The intake at the spreekuur: the web pages for issuing and renewing a pass.

One page holds the whole conversation's checklist, the category, the worker's
language and the photo; :mod:`tokenservice.issue.flow` does the work. The privacy
rule for these pages: the checklist values (birth date, BSN, KVK, ID document and
its validity, the yes/no items) are used for the checks and dropped. A page with
errors names the fields but never repeats what was typed; the official types it
again. The photo is never kept on the server: a crop step happens in the browser
(static/js/intake.js), which re-posts the same file with the chosen box. The
result page carries the card inline as data: URIs; nothing of it stays here.

Under registration policy ``escrow`` the form also asks her consent (the question in
her language and in Dutch; yes or no, no default) and, only with a yes, her names
and ID document number. Those follow the checklist's rule: sealed, dropped, never
sent back. Her personal code is on the result page once and on the receipt, nowhere
else. Under policy ``none`` none of this appears.
"""

from __future__ import annotations

import base64
import io
import re
import secrets
from collections.abc import Mapping
from typing import Any
from urllib.parse import quote

from flask import (
    Blueprint,
    Response,
    jsonify,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tokenservice import texts
from tokenservice.errors import Error
from tokenservice.issue import card, flow, leaflet, photo
from tokenservice.issue.checklist import ID_DOCUMENT_TYPES, NO_BSN_REASONS, IntakeError
from tokenservice.issue.continuity import RenewalProof
from tokenservice.issue.passes import IssuanceError, Official, PassClosed, PassStatus, UnknownPass
from tokenservice.issue.photo import PhotoError
from tokenservice.services import Services
from tokenservice.web.auth import current_official, login_required
from tokenservice.web.context import services
from tokenservice.web.uploads import install_memory_uploads
from verifier import Error as VerifierError
from verifier import FormatError, Status, TrustError, TrustStore, passnumber, verify

bp = Blueprint("intake", __name__, url_prefix="/intake")


@bp.record_once
def _setup(state: Any) -> None:
    install_memory_uploads(state.app)


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
STATUS_LABELS = {
    "valid": _l("Geldig"),
    "expired": _l("Verlopen"),
    "revoked": _l("Ingetrokken"),
    "card_revoked": _l("Kaart ingetrokken (nummer kan verlengd worden)"),
}
REASON_LABELS = {
    "lost": _l("Kwijt"),
    "stolen": _l("Gestolen"),
    "stopped": _l("Gestopt met het werk"),
    "error": _l("Ten onrechte uitgegeven"),
    "superseded": _l("Vervangen door een nieuwe kaart"),
}
VERDICT_LABELS = {
    Status.VALID: _l("Echt en geldig"),
    Status.MALFORMED: _l("Geen leesbare pas"),
    Status.UNKNOWN_ISSUER: _l("Niet uitgegeven door een bekende gemeente"),
    Status.BAD_SIGNATURE: _l("Vervalst of beschadigd: de handtekening klopt niet"),
    Status.NOT_YET_VALID: _l("Nog niet geldig"),
    Status.EXPIRED: _l("Verlopen"),
    Status.REVOKED: _l("Ingetrokken"),
}

_TOKEN = re.compile(r"[A-Za-z0-9_-]{16,64}")


def field_messages(problems: Mapping[str, str]) -> dict[str, str]:
    return {f: str(FIELD_MESSAGES.get(code, FIELD_MESSAGES["invalid"])) for f, code in problems.items()}


def status_text(status: PassStatus) -> str:
    label = str(STATUS_LABELS.get(status.status, status.status))
    if status.reason and status.status in ("revoked", "card_revoked"):
        label += f" — {REASON_LABELS.get(status.reason, status.reason)}"
    return label


# --- shared helpers (also used by handhaving) ---------------------------------------


def _svg_swatch(color: str) -> str:
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='12' height='12' "
        f"preserveAspectRatio='none'><rect width='12' height='12' fill='{color}' "
        "stroke='#555' stroke-width='1'/></svg>"
    )
    return "data:image/svg+xml," + quote(svg)


def _svg_fill(color: str) -> str:
    svg = (
        "<svg xmlns='http://www.w3.org/2000/svg' width='8' height='8' preserveAspectRatio='none'>"
        f"<rect width='8' height='8' fill='{color}'/></svg>"
    )
    return "data:image/svg+xml," + quote(svg)


def _luminance(color: str) -> float:
    r, g, b = (int(color[i : i + 2], 16) for i in (1, 3, 5))
    return 0.2126 * r + 0.7152 * g + 0.0722 * b


def _issuers(svc: Services) -> list[str]:
    known = svc.keyring.issuers
    return [iss for iss in svc.settings.issuers if iss in known]


def _default_iss(svc: Services) -> str | None:
    issuers = _issuers(svc)
    if svc.settings.default_iss in issuers:
        return svc.settings.default_iss
    return issuers[0] if issuers else None


def _categories(svc: Services, iss: str) -> list[dict[str, str]]:
    return [
        {"code": c.code, "label": c.label, "color": c.color, "swatch": _svg_swatch(c.color)}
        for c in svc.keyring.categories(iss)
    ]


def _new_token() -> str:
    return secrets.token_urlsafe(24)


def _form_token(raw: str | None) -> str:
    """The one-time request token from the form (a fresh one if it is missing or odd)."""
    raw = (raw or "").strip()
    return raw if _TOKEN.fullmatch(raw) else _new_token()


def _db_token(token: str, kind: str) -> str:
    return f"web:{kind}:{token}"[:64]


def _official() -> Official:
    official = current_official()
    assert official is not None  # login_required ran
    return official


def trust_store(svc: Services) -> TrustStore:
    """The published trust list and this instance's current revocation lists."""
    return flow.trust_store(svc)


def _data_uri(media_type: str, data: bytes | None) -> str:
    if not data:
        return ""
    return f"data:{media_type};base64,{base64.b64encode(data).decode('ascii')}"


def _qr_png(qr_text: str) -> bytes:
    import segno

    qr = segno.make_qr(qr_text, error=card.QR_ERROR, mode="alphanumeric", boost_error=False)
    buf = io.BytesIO()
    qr.save(buf, kind="png", scale=1, border=card.QR_BORDER)
    return buf.getvalue()


# --- the form -----------------------------------------------------------------------


def _form_context(
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
        "issuers": _issuers(svc),
        "issuer_names": {i: svc.keyring.issuers[i].name for i in _issuers(svc)},
        "categories": _categories(svc, iss),
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
        "field_targets": (targets := _field_targets(mode, old_card)),
        "summary": error_summary(errors or {}, photo_message=(
            str(PHOTO_MESSAGES.get(photo_error, "")) if photo_error else ""), targets=targets),
    }


#: Fields that exist only under registration policy escrow (absent from the page otherwise).
ESCROW_FIELDS = frozenset({"escrow_consent", "personal_code", *flow.IDENTITY_FORM_FIELDS})


def _field_targets(mode: str, old_card: str | None) -> dict[str, str]:
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
        verdict = verify(old_card, trust_store(svc))
        if verdict.photo is not None:
            photo_uri = _data_uri(verdict.photo_type or "image/webp", verdict.photo)
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


def _render_form(status: int = 200, **context: Any) -> tuple[str, int]:
    return render_template("intake/form.html", **context), status


def _result_page(result: flow.Result, *, mode: str) -> str:
    issued = result.issued
    cards = result.cards
    number = issued.number
    svc = services()
    issuer = svc.settings.issuers.get(issued.iss)
    lang = result.language
    policy = flow.policy(svc, issued.iss)
    # Her leaflet in her language, made here like the other downloads: nothing is stored.
    leaflet_pdf = leaflet.pdf(
        lang, issuer_name=issued.issuer_name,
        help_contacts=issuer.help_contacts if issuer else (), escrow=policy == "escrow",
        mijnpas_url=svc.settings.mijnpas_url, validity_days=svc.settings.validity_days,
    )
    return render_template(
        "intake/result.html",
        mode=mode,
        number=number,
        valid_until=texts.date_short(result.valid_until),
        issuer_name=issued.issuer_name,
        category=issued.category,
        band=_svg_fill(issued.category.color),
        band_light=_luminance(issued.category.color) > 235,
        band_dark_text=_luminance(issued.category.color) > 150,
        demo=svc.settings.demo,
        portrait=_data_uri("image/jpeg", result.portrait_jpeg),
        qr=_data_uri("image/png", _qr_png(issued.qr_text)),
        digital_png=_data_uri("image/png", cards.digital_png),
        card_pdf=_data_uri("application/pdf", cards.card_pdf),
        sheet_pdf=_data_uri("application/pdf", cards.sheet_pdf),
        receipt_pdf=_data_uri("application/pdf", cards.receipt_pdf),
        leaflet_pdf=_data_uri("application/pdf", leaflet_pdf),
        leaflet_name=leaflet.filename(lang),
        file_stem=f"pas-{number}",
        back_not_id=texts.text(lang, "back_not_id"),
        back_help=texts.text(lang, "back_help"),
        help_contacts=issuer.help_contacts if issuer else (),
        front_valid_until=texts.FRONT_VALID_UNTIL,
        watermark=texts.DEMO_WATERMARK,
        language_name=texts.LANGUAGE_NAMES.get(lang, lang),
        face_found=result.face_found,
        policy=policy,
        registration=result.registration,
        # Her code is printed on her receipt; on this screen only if the municipality chose so.
        code_groups=result.personal_code.split("-")
        if result.personal_code and svc.settings.show_code_on_screen else [],
        code_on_receipt=bool(result.personal_code),
        code_kept=result.code_kept,
        code_rejected=result.code_rejected,
        mijnpas_url=svc.settings.mijnpas_url or url_for("mijnpas.index", _external=True),
    )


def _run(
    svc: Services, *, mode: str, iss: str, number: str | None = None,
    current: PassStatus | None = None,
) -> Response | tuple[str, int] | str:
    """POST of the intake form (new or renewal): check, photo, issue, result."""
    form = request.form
    token = _form_token(form.get("request_token"))
    category = (form.get("category") or "").strip() or None
    language = (form.get("language") or "").strip()
    checklist, problems = flow.checklist_from_fields(form, absent_means=False)
    registration = flow.registration_from_fields(form)
    proof = RenewalProof.from_fields(form) if mode != "new" else None
    crop, crop_problems = flow.crop_from_fields(form)
    upload = request.files.get("photo")
    photo_bytes = upload.read() if upload is not None else b""
    shown_category = category or (current.category if current is not None else None)
    consent = None if registration.consent is None else ("yes" if registration.consent else "no")
    keep: dict[str, Any] = {"iss": iss, "mode": mode, "token": token, "category": shown_category,
            "language": language, "number": number, "current": current, "consent": consent,
            "old_card": proof.card_qr if proof else None}
    try:
        flow.check_intake(
            svc, iss=iss, checklist=checklist,
            category=(category or "") if mode == "new" else category,
            language=language, problems=problems, registration=registration,
            renewal=mode != "new",
        )
        if crop_problems:
            raise PhotoError("bad_crop")
        if mode == "new":
            result = flow.issue(
                svc, iss=iss, checklist=checklist, category=category or "", language=language,
                photo_bytes=photo_bytes, crop=crop, official=_official(),
                request_token=_db_token(token, "issue"), registration=registration,
            )
        else:
            assert number is not None
            result = flow.renew(
                svc, number=number, checklist=checklist, category=category, language=language,
                photo_bytes=photo_bytes, crop=crop, official=_official(),
                request_token=_db_token(token, "renew"), registration=registration,
                proof=proof,
            )
    except IntakeError as exc:
        # Name the fields, never repeat the values: the official types them again.
        # A missing photo is named too, so the summary lists everything at once.
        return _render_form(**_form_context(
            svc, **keep, errors=field_messages(exc.problems), retype=True,
            photo_error=None if photo_bytes else "empty",
        ))
    except PhotoError as exc:
        return _render_form(**_form_context(svc, **keep, photo_error=exc.code, retype=True))
    finally:
        del photo_bytes, checklist, registration, proof
    return _result_page(result, mode=mode)


# --- routes -------------------------------------------------------------------------


@bp.get("/")
@login_required("intake")
def index() -> Any:
    return redirect(url_for("intake.new"))


@bp.get("/new")
@login_required("intake")
def new() -> tuple[str, int] | str:
    svc = services()
    iss = request.args.get("iss") or _default_iss(svc)
    if iss is None:
        return render_template("error.html", code="not_configured",
                               message=_("Er is geen gemeente ingesteld.")), 500
    if iss not in _issuers(svc):
        return render_template("error.html", code="unknown_issuer",
                               message=_("Deze gemeente geeft hier geen passen uit.")), 404
    return _render_form(**_form_context(svc, iss=iss, mode="new", token=_new_token()))


@bp.post("/new")
@login_required("intake")
def new_post() -> Any:
    svc = services()
    iss = request.form.get("iss") or _default_iss(svc)
    if iss not in _issuers(svc):
        iss = _default_iss(svc)
    assert iss is not None
    return _run(svc, mode="new", iss=iss)


@bp.post("/photo-check")
@login_required("intake")
def photo_check() -> Response:
    """The crop the issue would choose, for the browser's preview. Nothing is kept."""
    upload = request.files.get("photo")
    data = upload.read() if upload is not None else b""
    try:
        image = photo.load(data, max_bytes=services().settings.max_upload_bytes)
        width, height = image.size
        del image
        try:
            box = photo.suggest_crop(data, max_bytes=services().settings.max_upload_bytes)
            return jsonify({"ok": True, "width": width, "height": height,
                            "box": {"x": box.x, "y": box.y, "w": box.w, "h": box.h}})
        except PhotoError as exc:
            return jsonify({"ok": False, "code": exc.code, "width": width, "height": height,
                            "message": str(PHOTO_MESSAGES[exc.code])})
    except PhotoError as exc:
        response = jsonify({"ok": False, "code": exc.code,
                            "message": str(PHOTO_MESSAGES[exc.code])})
        response.status_code = 415 if exc.code == "not_an_image" else 422
        return response
    finally:
        del data


# --- renewal ------------------------------------------------------------------------


def _lookup(svc: Services, text: str) -> tuple[str | None, Any, str | None]:
    """A typed number or pasted QR text → (number, verdict, error message)."""
    text = text.strip()
    if text.upper().startswith("PAS1:"):
        try:
            verdict = verify(text.upper() if text.startswith("pas1:") else text, trust_store(svc))
        except (TrustError, VerifierError):
            return None, None, _("De vertrouwenslijst kon niet worden gelezen; zie de beheerder.")
        if verdict.number is None:
            return None, verdict, _("Dit is geen echte pas van een bekende gemeente.")
        return verdict.number, verdict, None
    if not text:
        return None, None, _("Typ het pasnummer of plak de tekst van de QR-code.")
    try:
        return passnumber.normalize(text), None, None
    except FormatError:
        return None, None, _(
            "Dit pasnummer klopt niet: waarschijnlijk een tikfout. Een pasnummer ziet eruit "
            "als %(example)s.", example="GR-7K3M9QXD-4",
        )


@bp.route("/renew", methods=["GET", "POST"])
@login_required("intake")
def renew() -> Any:
    svc = services()
    if request.method == "GET" or request.form.get("step") != "renew":
        error = None
        if request.method == "POST":
            number, verdict, error = _lookup(svc, request.form.get("pass", ""))
            if error is None and number is not None:
                try:
                    current = svc.passes.status(number)
                except UnknownPass:
                    error = _("Deze pas is niet door deze gemeente uitgegeven of bestaat niet.")
                else:
                    if current.status == "revoked":
                        error = _("Deze pas is definitief ingetrokken. Geef een nieuwe pas uit.")
                    scanned = request.form.get("pass", "").strip() if verdict is not None else None
                    return _render_form(**_form_context(
                        svc, iss=current.iss, mode="renew", token=_new_token(), number=number,
                        current=current, category=current.category, verdict=verdict,
                        old_card=scanned,
                    )) if error is None else (render_template(
                        "intake/renew_lookup.html", error=error, current=current,
                        current_text=status_text(current)), 200)
        return render_template("intake/renew_lookup.html", error=error, current=None)
    # Second step: the renewal form itself.
    try:
        number = passnumber.normalize(request.form.get("number", ""))
        current = svc.passes.status(number)
    except (FormatError, UnknownPass):
        return render_template(
            "intake/renew_lookup.html", current=None,
            error=_("Deze pas is niet door deze gemeente uitgegeven of bestaat niet."),
        ), 200
    if current.status == "revoked":
        return render_template(
            "intake/renew_lookup.html", current=current, current_text=status_text(current),
            error=_("Deze pas is definitief ingetrokken. Geef een nieuwe pas uit."),
        ), 200
    try:
        return _run(svc, mode="renew", iss=current.iss, number=number, current=current)
    except PassClosed:
        return render_template(
            "intake/renew_lookup.html", current=None,
            error=_("Deze pas is definitief ingetrokken. Geef een nieuwe pas uit."),
        ), 200


@bp.errorhandler(IssuanceError)
def _issuance_error(exc: IssuanceError) -> tuple[str, int]:
    return render_template("error.html", code=exc.code, message=exc.diagnostics()), 409


__all__ = ["bp", "trust_store"]
