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

from typing import Any

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

from tokenservice import texts
from tokenservice.issue import cardbase, flow, leaflet, photo
from tokenservice.issue.checklist import IntakeError
from tokenservice.issue.continuity import RenewalProof
from tokenservice.issue.passes import IssuanceError, PassClosed, PassStatus, UnknownPass
from tokenservice.issue.photo import PhotoError
from tokenservice.services import Services
from tokenservice.web.auth import logged_in_official as _official
from tokenservice.web.auth import login_required
from tokenservice.web.context import services
from tokenservice.web.intake_form import (
    PHOTO_MESSAGES,
    data_uri,
    default_iss,
    field_messages,
    form_context,
    form_token,
    issuers,
    new_token,
    svg_square,
)
from tokenservice.web.labels import number_typo, status_text
from tokenservice.web.uploads import install_memory_uploads
from verifier import Error as VerifierError
from verifier import FormatError, TrustError, passnumber, verify

bp = Blueprint("intake", __name__, url_prefix="/intake")


@bp.record_once
def _setup(state: Any) -> None:
    install_memory_uploads(state.app)


def _db_token(token: str, kind: str) -> str:
    return f"web:{kind}:{token}"[:64]


# --- the pages ---------------------------------------------------------------------


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
    band = cardbase.band(issued.category.color)
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
        band=svg_square(issued.category.color, 8),
        band_light=band.is_light,
        band_dark_text=band.text_rgb == (0, 0, 0),
        demo=svc.settings.demo,
        portrait=data_uri("image/jpeg", result.portrait_jpeg),
        qr=data_uri("image/png", cardbase.encode_qr(issued.qr_text)[1]),
        digital_png=data_uri("image/png", cards.digital_png),
        card_pdf=data_uri("application/pdf", cards.card_pdf),
        sheet_pdf=data_uri("application/pdf", cards.sheet_pdf),
        receipt_pdf=data_uri("application/pdf", cards.receipt_pdf),
        leaflet_pdf=data_uri("application/pdf", leaflet_pdf),
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
    token = form_token(form.get("request_token"))
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
        return _render_form(**form_context(
            svc, **keep, errors=field_messages(exc.problems), retype=True,
            photo_error=None if photo_bytes else "empty",
        ))
    except PhotoError as exc:
        return _render_form(**form_context(svc, **keep, photo_error=exc.code, retype=True))
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
    iss = request.args.get("iss") or default_iss(svc)
    if iss is None:
        return render_template("error.html", code="not_configured",
                               message=_("Er is geen gemeente ingesteld.")), 500
    if iss not in issuers(svc):
        return render_template("error.html", code="unknown_issuer",
                               message=_("Deze gemeente geeft hier geen passen uit.")), 404
    return _render_form(**form_context(svc, iss=iss, mode="new", token=new_token()))


@bp.post("/new")
@login_required("intake")
def new_post() -> Any:
    svc = services()
    iss = request.form.get("iss") or default_iss(svc)
    if iss not in issuers(svc):
        iss = default_iss(svc)
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
            verdict = verify(text.upper() if text.startswith("pas1:") else text, flow.trust_store(svc))
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
        return None, None, number_typo()


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
                    return _render_form(**form_context(
                        svc, iss=current.iss, mode="renew", token=new_token(), number=number,
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


__all__ = ["bp"]
