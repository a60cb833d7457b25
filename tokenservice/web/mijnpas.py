"""/mijn-pas: the worker's own page. No account: her pass number and personal code.

She sees exactly what is kept about her number (pass status and dates, category,
whether an escrow record exists and, opened with her code, what it says), every
access-log entry for her number (when, which role, which reason code — never an
official's name), and can erase her escrow record and, if she wants, stop her pass.

Privacy of the page itself:

* Nothing about a visit is stored: no account, no session data beyond the CSRF
  token and the chosen language, no log line. Her record is decrypted in memory
  for the one response that shows it (``Cache-Control: no-store``, set app-wide).
* Rate limits (:mod:`tokenservice.access.limiter`, docs/adr/0008) live in the database, shared
  by every worker process and kept over a restart, under keyed hashes only (never a
  number or an address), for at most an hour. Failed codes count per *normalised* pass
  number, attempts per client address (IPv6: per /64), and all code checks against a
  global cap on Argon2id work. The limit is checked before the hash: a refused request
  costs no Argon2id. A device that opened the page for a number before carries a signed
  mark (an HMAC of the number, nothing readable) and is exempt from the number's and
  the global limit: a stranger who knows her number cannot keep her out.
* Every answer to a wrong number, a wrong code or a number without a code is the
  same message and costs the same Argon2id time.

In her language: the eight card languages (``texts.LANGUAGES``). The translations
were written carefully but not by native speakers; have them reviewed (docs/card.md).

Renewal: the intake flow proves ownership with :func:`prove_ownership`.
"""

from __future__ import annotations

import datetime as dt
import time
from dataclasses import dataclass
from typing import Any, Final

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask import session as browser_session  # the signed cookie; `session` is the database's
from flask_wtf import FlaskForm
from sqlalchemy.orm import Session
from wtforms import BooleanField, HiddenField, StringField
from wtforms.validators import Length

from tokenservice import audit, escrow, texts
from tokenservice.access import limiter
from tokenservice.escrow import retention
from tokenservice.issue.passes import IssuanceError, Official
from tokenservice.services import Services
from tokenservice.web.context import limiter as rate_limiter
from tokenservice.web.context import services
from verifier import passnumber
from verifier.errors import FormatError

bp = Blueprint("mijnpas", __name__, url_prefix="/mijn-pas")

LANGUAGES: Final = texts.LANGUAGES
#: Attempts per client address (IPv6: per /64), and failed attempts per normalised pass
#: number, per window (aligned to the full hour).
IP_LIMIT: Final = 20
NUMBER_LIMIT: Final = 5
WINDOW_SECONDS: Final = 3600
#: Argon2id checks of a code (~120 ms, 64 MiB each) by all clients together per window:
#: a flood from any number of addresses takes at most ~6 % of one core and 5 × 64 MiB.
GLOBAL_LIMIT: Final = 5
GLOBAL_WINDOW: Final = 10
#: Checks per window for a number from a device that opened its page before (exempt from
#: the number's and the global limit; this bounds someone who copied the device mark).
KNOWN_DEVICE_LIMIT: Final = 20
#: The device mark: a cookie for /mijn-pas only, valid this long after her last visit.
DEVICE_COOKIE: Final = "pas_device"
DEVICE_DAYS: Final = 180
WORKER: Final = Official("worker", "worker")


def _now() -> int:
    """The clock (tests replace it)."""
    return int(time.time())


# --- rate limiting (tokenservice.access.limiter; docs/adr/0008) -------------------------------------


@dataclass(frozen=True)
class Attempt:
    """An admitted attempt: whether to run the code check at all, and what to settle after."""

    number: str | None  # normalised; None when what she typed is no pass number
    check: bool  # False: number or code is malformed, "wrong" without any Argon2id
    ticket: limiter.Ticket
    refundable: tuple[limiter.Bucket, ...]  # failure-only buckets: given back on success


def _device_mark() -> limiter.DeviceMark:
    ext = current_app.extensions
    mark = ext.get("pas_mijnpas_device")
    if not isinstance(mark, limiter.DeviceMark):
        mark = limiter.DeviceMark(str(current_app.config["SECRET_KEY"]), "mijnpas",
                                  DEVICE_DAYS * 86400)
        ext["pas_mijnpas_device"] = mark
    return mark


def _normalised(number: str) -> str | None:
    try:
        return passnumber.normalize(number)
    except FormatError:
        return None


def _admit(number: str, code: str) -> Attempt | None:
    """Take this attempt's hits before any Argon2id work; None: refused (429)."""
    lim = rate_limiter()
    normalised = _normalised(number)
    check = normalised is not None and escrow.normalize_code(code) is not None
    known = check and _device_mark().matches(request.cookies.get(DEVICE_COOKIE), str(normalised))
    refundable: tuple[limiter.Bucket, ...] = ()
    if known:
        buckets = [lim.bucket("mijnpas-known", str(normalised), limit=KNOWN_DEVICE_LIMIT,
                              window=WINDOW_SECONDS)]
    else:
        buckets = [lim.bucket("mijnpas-address", limiter.address_prefix(_client()),
                              limit=IP_LIMIT, window=WINDOW_SECONDS)]
        if check:
            number_bucket = lim.bucket("mijnpas-number", str(normalised), limit=NUMBER_LIMIT,
                                       window=WINDOW_SECONDS)
            buckets += [number_bucket, lim.bucket("mijnpas-work", "", limit=GLOBAL_LIMIT,
                                                  window=GLOBAL_WINDOW)]
            refundable = (number_bucket,)
    ticket = lim.take(buckets, _now())
    if ticket is None:
        return None
    return Attempt(number=normalised, check=check, ticket=ticket, refundable=refundable)


def _succeeded(attempt: Attempt, response: Any) -> Any:
    """Her code was right: give back the failure hit, and mark this device for her number."""
    if attempt.refundable:
        rate_limiter().refund(attempt.ticket, attempt.refundable)
    if attempt.number is not None:
        response.set_cookie(
            DEVICE_COOKIE, _device_mark().value(attempt.number), max_age=DEVICE_DAYS * 86400,
            path=bp.url_prefix or "/mijn-pas", httponly=True, samesite="Strict",
            secure=bool(current_app.config.get("SESSION_COOKIE_SECURE")),
        )
    return response


# --- texts ------------------------------------------------------------------------------------

_T: Final[dict[str, dict[str, str]]] = {
    "nl": {
        "title": "Mijn pas",
        "skip": "Naar de inhoud",
        "intro": "Zie wat de gemeente over je pas bewaart en wie ernaar heeft gekeken, of vraag om je gegevens te wissen. Je hebt je pasnummer nodig en de persoonlijke code van je bon.",
        "no_code": "Geen persoonlijke code op je bon? Dan zijn er bij je pas geen persoonsgegevens bewaard en is hier niets te zien.",
        "number": "Pasnummer",
        "code": "Persoonlijke code",
        "show": "Bekijken",
        "wrong": "Het pasnummer of de code klopt niet. Controleer beide en probeer het opnieuw.",
        "limited": "Te veel pogingen. Probeer het over een uur opnieuw.",
        "cookies": "Je browser weigert cookies. Deze pagina heeft één cookie nodig om het formulier te beveiligen; die bewaart niets over jou. Sta cookies toe voor deze site en probeer het opnieuw.",
        "expired": "Het formulier is verlopen. Open de pagina opnieuw en probeer het nog eens.",
        "pass_heading": "Je pas",
        "status": "Status",
        "status_valid": "Geldig",
        "status_expired": "Verlopen",
        "status_revoked": "Gestopt",
        "status_card_revoked": "Kaart geblokkeerd (kwijt of gestolen); het nummer kan een nieuwe kaart krijgen",
        "valid_until": "Geldig tot",
        "created": "Voor het eerst uitgegeven op",
        "category": "Soort pas",
        "record_heading": "Je persoonsgegevens",
        "record_yes": "De gemeente bewaart deze gegevens verzegeld. De server van de gemeente kan ze niet lezen. Alleen handhavers van de gemeente kunnen ze openen, met minstens twee tegelijk, en elke keer dat dat gebeurt staat hieronder.",
        "record_no": "Bij dit pasnummer worden geen persoonsgegevens bewaard.",
        "sealed_on": "Bewaard sinds",
        "given_names": "Voornamen",
        "family_name": "Achternaam",
        "birth_date": "Geboortedatum",
        "id_document_number": "Nummer van je identiteitsbewijs",
        "bsn": "BSN (burgerservicenummer)",
        "log_heading": "Alles wat er met je pasnummer is gebeurd",
        "log_when": "Wanneer",
        "log_who": "Wie",
        "log_what": "Wat",
        "log_reason": "Reden",
        "log_empty": "Nog niets.",
        "witnessed_on": "Kopieën buiten deze server dekken deze regels sinds {date}: wissen of veranderen zou opvallen.",
        "witnessed_not_yet": "De nieuwste regels zijn nog niet gedekt door een kopie buiten deze server.",
        "role_intake": "Intakemedewerker",
        "role_handhaver": "Handhaver",
        "role_beheer": "Beheerder",
        "role_worker": "Jijzelf",
        "role_code_holder": "Iemand met je nummer en code",
        "role_system": "Automatisch",
        "act_issue": "Pas uitgegeven",
        "act_renew": "Pas verlengd",
        "act_revoke": "Kaart geblokkeerd of pas gestopt",
        "act_escrow_sealed": "Persoonsgegevens verzegeld",
        "act_escrow_request": "Gevraagd om je gegevens te openen",
        "act_escrow_lookup_empty": "Gevraagd om je gegevens te openen (er was niets verzegeld)",
        "act_escrow_approve": "Tweede handhaver gaf toestemming om te openen",
        "act_escrow_deny": "Verzoek om te openen geweigerd",
        "act_escrow_release": "Je verzegelde gegevens zijn afgegeven om te openen",
        "act_escrow_exported": "Je verzegelde gegevens zaten in een zoekactie in alle passen",
        "act_escrow_erased": "Persoonsgegevens gewist",
        "act_escrow_purged": "Persoonsgegevens verwijderd (bewaartermijn voorbij)",
        "act_worker_viewed": "Deze pagina geopend",
        "act_other": "Anders",
        "reason_inspection": "Controle",
        "reason_trafficking_signal": "Signaal van mensenhandel",
        "reason_police_request": "Verzoek van de politie",
        "reason_own_request": "Je eigen verzoek",
        "reason_revocation": "Stopzetten van een pas",
        "reason_other": "Andere reden",
        "reason_lost": "Kwijt",
        "reason_stolen": "Gestolen",
        "reason_stopped": "Gestopt",
        "reason_error": "Per vergissing uitgegeven",
        "reason_superseded": "Vervangen door een nieuwe kaart",
        "reason_no_consent": "Geen toestemming",
        "reason_replaced": "Vervangen door nieuwe gegevens",
        "reason_expired": "Pas verlopen",
        "erase_heading": "Je gegevens wissen",
        "erase_text": "Wissen verwijdert je verzegelde persoonsgegevens meteen: daarna kan niemand meer je pasnummer vinden aan de hand van je naam. Je pas blijft geldig, behalve als je hem ook stopt. Dit overzicht van gebeurtenissen blijft bestaan.",
        "erase_box": "Wis mijn persoonsgegevens",
        "revoke_box": "Stop ook mijn pas. Die kan dan niet meer gebruikt worden; voor een nieuwe pas is een nieuw intakegesprek nodig.",
        "confirm_code": "Typ je persoonlijke code nog een keer om te bevestigen",
        "confirm": "Bevestigen",
        "choose": "Kies minstens een van de twee.",
        "done_heading": "Klaar",
        "done_erased": "Je persoonsgegevens zijn gewist.",
        "done_nothing": "Er waren geen persoonsgegevens om te wissen.",
        "done_revoked": "Je pas is gestopt.",
        "done_backup": "Kopieën in de back-ups van de gemeente verdwijnen wanneer die back-ups worden verwijderd.",
        "back": "Terug",
        "language": "Taal",
        "privacy_note": "Deze pagina bewaart niets over je bezoek. Sluit het venster als je klaar bent.",
    },
    "en": {
        "title": "My pass",
        "skip": "Skip to content",
        "intro": "See what the municipality keeps about your pass and who looked at it, or ask to erase your data. You need your pass number and the personal code from your receipt.",
        "no_code": "No personal code on your receipt? Then no personal data were kept with your pass, and there is nothing to see here.",
        "number": "Pass number",
        "code": "Personal code",
        "show": "Show",
        "wrong": "The pass number or the code is not right. Check both and try again.",
        "limited": "Too many attempts. Please try again in an hour.",
        "cookies": "Your browser refuses cookies. This page needs one cookie to protect the form; it stores nothing about you. Allow cookies for this site and try again.",
        "expired": "The form has expired. Open the page again and try once more.",
        "pass_heading": "Your pass",
        "status": "Status",
        "status_valid": "Valid",
        "status_expired": "Expired",
        "status_revoked": "Stopped",
        "status_card_revoked": "Card blocked (lost or stolen); the number can get a new card",
        "valid_until": "Valid until",
        "created": "First issued on",
        "category": "Type of pass",
        "record_heading": "Your personal data",
        "record_yes": "The municipality keeps these data sealed. Its server cannot read them. Only the municipality's enforcement officers can open them, at least two of them together, and every time this happens it is listed below.",
        "record_no": "No personal data are kept with this pass number.",
        "sealed_on": "Kept since",
        "given_names": "Given names",
        "family_name": "Family name",
        "birth_date": "Date of birth",
        "id_document_number": "ID document number",
        "bsn": "BSN (citizen service number)",
        "log_heading": "Everything that happened with your pass number",
        "log_when": "When",
        "log_who": "Who",
        "log_what": "What",
        "log_reason": "Reason",
        "log_empty": "Nothing yet.",
        "witnessed_on": "Copies kept outside this server have covered these lines since {date}: deleting or changing them would show.",
        "witnessed_not_yet": "The newest lines are not yet covered by a copy kept outside this server.",
        "role_intake": "Intake official",
        "role_handhaver": "Enforcement officer",
        "role_beheer": "Administrator",
        "role_worker": "You",
        "role_code_holder": "Someone with your number and code",
        "role_system": "Automatic",
        "act_issue": "Pass issued",
        "act_renew": "Pass renewed",
        "act_revoke": "Card blocked or pass stopped",
        "act_escrow_sealed": "Personal data sealed",
        "act_escrow_request": "Asked to open your data",
        "act_escrow_lookup_empty": "Asked to open your data (nothing was sealed)",
        "act_escrow_approve": "A second officer approved opening",
        "act_escrow_deny": "Request to open refused",
        "act_escrow_release": "Your sealed data were handed out to be opened",
        "act_escrow_exported": "Your sealed data were part of a search among all passes",
        "act_escrow_erased": "Personal data erased",
        "act_escrow_purged": "Personal data deleted (retention period over)",
        "act_worker_viewed": "Opened this page",
        "act_other": "Other",
        "reason_inspection": "Inspection",
        "reason_trafficking_signal": "Signal of human trafficking",
        "reason_police_request": "Request from the police",
        "reason_own_request": "Your own request",
        "reason_revocation": "Stopping a pass",
        "reason_other": "Other reason",
        "reason_lost": "Lost",
        "reason_stolen": "Stolen",
        "reason_stopped": "Stopped",
        "reason_error": "Issued by mistake",
        "reason_superseded": "Replaced by a new card",
        "reason_no_consent": "No consent",
        "reason_replaced": "Replaced by new data",
        "reason_expired": "Pass expired",
        "erase_heading": "Erase your data",
        "erase_text": "Erasing removes your sealed personal data at once: nobody can then find your pass number from your name. Your pass stays valid unless you also stop it. This list of events stays.",
        "erase_box": "Erase my personal data",
        "revoke_box": "Also stop my pass. It can then no longer be used, and a new pass needs a new intake conversation.",
        "confirm_code": "Type your personal code again to confirm",
        "confirm": "Confirm",
        "choose": "Choose at least one of the two.",
        "done_heading": "Done",
        "done_erased": "Your personal data have been erased.",
        "done_nothing": "There were no personal data to erase.",
        "done_revoked": "Your pass has been stopped.",
        "done_backup": "Copies in the municipality's backups disappear when those backups are deleted.",
        "back": "Back",
        "language": "Language",
        "privacy_note": "This page keeps nothing about your visit. Close the window when you are done.",
    },
    "es": {
        "title": "Mi tarjeta",
        "skip": "Ir al contenido",
        "intro": "Vea qué guarda el ayuntamiento sobre su tarjeta y quién la ha consultado, o pida que se borren sus datos. Necesita su número de tarjeta y el código personal de su recibo.",
        "no_code": "¿No hay código personal en su recibo? Entonces no se guardó ningún dato personal con su tarjeta y aquí no hay nada que ver.",
        "number": "Número de tarjeta",
        "code": "Código personal",
        "show": "Ver",
        "wrong": "El número de tarjeta o el código no es correcto. Compruebe ambos e inténtelo de nuevo.",
        "limited": "Demasiados intentos. Inténtelo de nuevo dentro de una hora.",
        "cookies": "Tu navegador rechaza las cookies. Esta página necesita una cookie para proteger el formulario; no guarda nada sobre ti. Permite las cookies para este sitio e inténtalo de nuevo.",
        "expired": "El formulario ha caducado. Abre la página de nuevo e inténtalo otra vez.",
        "pass_heading": "Su tarjeta",
        "status": "Estado",
        "status_valid": "Válida",
        "status_expired": "Caducada",
        "status_revoked": "Anulada",
        "status_card_revoked": "Tarjeta bloqueada (perdida o robada); el número puede recibir una tarjeta nueva",
        "valid_until": "Válida hasta",
        "created": "Expedida por primera vez el",
        "category": "Tipo de tarjeta",
        "record_heading": "Sus datos personales",
        "record_yes": "El ayuntamiento guarda estos datos sellados. Su servidor no puede leerlos. Solo los inspectores del ayuntamiento pueden abrirlos, al menos dos a la vez, y cada vez que ocurre aparece abajo.",
        "record_no": "No se guarda ningún dato personal con este número de tarjeta.",
        "sealed_on": "Guardados desde",
        "given_names": "Nombre(s)",
        "family_name": "Apellido(s)",
        "birth_date": "Fecha de nacimiento",
        "id_document_number": "Número del documento de identidad",
        "bsn": "BSN (número de servicio al ciudadano)",
        "log_heading": "Todo lo que ha pasado con su número de tarjeta",
        "log_when": "Cuándo",
        "log_who": "Quién",
        "log_what": "Qué",
        "log_reason": "Motivo",
        "log_empty": "Nada todavía.",
        "witnessed_on": "Copias guardadas fuera de este servidor cubren estas líneas desde el {date}: borrarlas o cambiarlas se notaría.",
        "witnessed_not_yet": "Las líneas más recientes aún no están cubiertas por una copia guardada fuera de este servidor.",
        "role_intake": "Funcionario de la entrevista",
        "role_handhaver": "Inspector",
        "role_beheer": "Administrador",
        "role_worker": "Usted",
        "role_code_holder": "Alguien con tu número y código",
        "role_system": "Automático",
        "act_issue": "Tarjeta expedida",
        "act_renew": "Tarjeta renovada",
        "act_revoke": "Tarjeta bloqueada o anulada",
        "act_escrow_sealed": "Datos personales sellados",
        "act_escrow_request": "Solicitud para abrir sus datos",
        "act_escrow_lookup_empty": "Solicitud para abrir sus datos (no había nada sellado)",
        "act_escrow_approve": "Un segundo inspector aprobó la apertura",
        "act_escrow_deny": "Solicitud de apertura rechazada",
        "act_escrow_release": "Sus datos sellados se entregaron para abrirlos",
        "act_escrow_exported": "Sus datos sellados formaron parte de una búsqueda entre todas las tarjetas",
        "act_escrow_erased": "Datos personales borrados",
        "act_escrow_purged": "Datos personales eliminados (fin del plazo de conservación)",
        "act_worker_viewed": "Abrió esta página",
        "act_other": "Otro",
        "reason_inspection": "Control",
        "reason_trafficking_signal": "Indicio de trata de personas",
        "reason_police_request": "Petición de la policía",
        "reason_own_request": "Su propia petición",
        "reason_revocation": "Anulación de una tarjeta",
        "reason_other": "Otro motivo",
        "reason_lost": "Perdida",
        "reason_stolen": "Robada",
        "reason_stopped": "Anulada",
        "reason_error": "Expedida por error",
        "reason_superseded": "Sustituida por una tarjeta nueva",
        "reason_no_consent": "Sin consentimiento",
        "reason_replaced": "Sustituidos por datos nuevos",
        "reason_expired": "Tarjeta caducada",
        "erase_heading": "Borrar sus datos",
        "erase_text": "Al borrar, sus datos personales sellados se eliminan de inmediato: después nadie podrá encontrar su número de tarjeta a partir de su nombre. Su tarjeta sigue siendo válida, salvo que también la anule. Esta lista de sucesos se conserva.",
        "erase_box": "Borrar mis datos personales",
        "revoke_box": "Anular también mi tarjeta. Ya no se podrá usar; para una tarjeta nueva hará falta una nueva entrevista.",
        "confirm_code": "Escriba de nuevo su código personal para confirmar",
        "confirm": "Confirmar",
        "choose": "Elija al menos una de las dos opciones.",
        "done_heading": "Hecho",
        "done_erased": "Sus datos personales se han borrado.",
        "done_nothing": "No había datos personales que borrar.",
        "done_revoked": "Su tarjeta se ha anulado.",
        "done_backup": "Las copias que queden en las copias de seguridad del ayuntamiento desaparecen cuando se eliminan esas copias de seguridad.",
        "back": "Volver",
        "language": "Idioma",
        "privacy_note": "Esta página no guarda nada sobre su visita. Cierre la ventana cuando termine.",
    },
    "pt": {
        "title": "O meu cartão",
        "skip": "Ir para o conteúdo",
        "intro": "Veja o que o município guarda sobre o seu cartão e quem o consultou, ou peça que os seus dados sejam apagados. Precisa do número do cartão e do código pessoal do seu recibo.",
        "no_code": "Não tem código pessoal no recibo? Então não foram guardados dados pessoais com o seu cartão e aqui não há nada para ver.",
        "number": "Número do cartão",
        "code": "Código pessoal",
        "show": "Ver",
        "wrong": "O número do cartão ou o código não está correto. Verifique os dois e tente novamente.",
        "limited": "Demasiadas tentativas. Tente novamente dentro de uma hora.",
        "cookies": "O seu navegador recusa cookies. Esta página precisa de um cookie para proteger o formulário; não guarda nada sobre si. Permita cookies para este site e tente novamente.",
        "expired": "O formulário expirou. Abra a página novamente e tente outra vez.",
        "pass_heading": "O seu cartão",
        "status": "Estado",
        "status_valid": "Válido",
        "status_expired": "Expirado",
        "status_revoked": "Cancelado",
        "status_card_revoked": "Cartão bloqueado (perdido ou roubado); o número pode receber um cartão novo",
        "valid_until": "Válido até",
        "created": "Emitido pela primeira vez em",
        "category": "Tipo de cartão",
        "record_heading": "Os seus dados pessoais",
        "record_yes": "O município guarda estes dados selados. O servidor do município não os consegue ler. Só os fiscais do município os podem abrir, pelo menos dois em conjunto, e cada vez que isso acontece aparece abaixo.",
        "record_no": "Não são guardados dados pessoais com este número de cartão.",
        "sealed_on": "Guardados desde",
        "given_names": "Nome(s) próprio(s)",
        "family_name": "Apelido",
        "birth_date": "Data de nascimento",
        "id_document_number": "Número do documento de identificação",
        "bsn": "BSN (número de serviço ao cidadão)",
        "log_heading": "Tudo o que aconteceu com o seu número de cartão",
        "log_when": "Quando",
        "log_who": "Quem",
        "log_what": "O quê",
        "log_reason": "Motivo",
        "log_empty": "Ainda nada.",
        "witnessed_on": "Cópias guardadas fora deste servidor cobrem estas linhas desde {date}: apagá-las ou alterá-las seria notado.",
        "witnessed_not_yet": "As linhas mais recentes ainda não estão cobertas por uma cópia guardada fora deste servidor.",
        "role_intake": "Funcionário da entrevista",
        "role_handhaver": "Fiscal",
        "role_beheer": "Administrador",
        "role_worker": "Você",
        "role_code_holder": "Alguém com o seu número e código",
        "role_system": "Automático",
        "act_issue": "Cartão emitido",
        "act_renew": "Cartão renovado",
        "act_revoke": "Cartão bloqueado ou cancelado",
        "act_escrow_sealed": "Dados pessoais selados",
        "act_escrow_request": "Pedido para abrir os seus dados",
        "act_escrow_lookup_empty": "Pedido para abrir os seus dados (não havia nada selado)",
        "act_escrow_approve": "Um segundo fiscal aprovou a abertura",
        "act_escrow_deny": "Pedido de abertura recusado",
        "act_escrow_release": "Os seus dados selados foram entregues para serem abertos",
        "act_escrow_exported": "Os seus dados selados fizeram parte de uma pesquisa em todos os cartões",
        "act_escrow_erased": "Dados pessoais apagados",
        "act_escrow_purged": "Dados pessoais eliminados (fim do prazo de conservação)",
        "act_worker_viewed": "Abriu esta página",
        "act_other": "Outro",
        "reason_inspection": "Fiscalização",
        "reason_trafficking_signal": "Indício de tráfico de seres humanos",
        "reason_police_request": "Pedido da polícia",
        "reason_own_request": "O seu próprio pedido",
        "reason_revocation": "Cancelamento de um cartão",
        "reason_other": "Outro motivo",
        "reason_lost": "Perdido",
        "reason_stolen": "Roubado",
        "reason_stopped": "Cancelado",
        "reason_error": "Emitido por engano",
        "reason_superseded": "Substituído por um cartão novo",
        "reason_no_consent": "Sem consentimento",
        "reason_replaced": "Substituídos por dados novos",
        "reason_expired": "Cartão expirado",
        "erase_heading": "Apagar os seus dados",
        "erase_text": "Ao apagar, os seus dados pessoais selados são eliminados de imediato: depois ninguém consegue encontrar o seu número de cartão a partir do seu nome. O seu cartão continua válido, a não ser que também o cancele. Esta lista de acontecimentos mantém-se.",
        "erase_box": "Apagar os meus dados pessoais",
        "revoke_box": "Cancelar também o meu cartão. Deixa de poder ser usado; para um cartão novo é preciso uma nova entrevista.",
        "confirm_code": "Escreva novamente o seu código pessoal para confirmar",
        "confirm": "Confirmar",
        "choose": "Escolha pelo menos uma das duas opções.",
        "done_heading": "Concluído",
        "done_erased": "Os seus dados pessoais foram apagados.",
        "done_nothing": "Não havia dados pessoais para apagar.",
        "done_revoked": "O seu cartão foi cancelado.",
        "done_backup": "As cópias que restem nas cópias de segurança do município desaparecem quando essas cópias de segurança são eliminadas.",
        "back": "Voltar",
        "language": "Língua",
        "privacy_note": "Esta página não guarda nada sobre a sua visita. Feche a janela quando terminar.",
    },
    "ro": {
        "title": "Cardul meu",
        "skip": "Salt la conținut",
        "intro": "Vedeți ce păstrează primăria despre cardul dumneavoastră și cine l-a consultat, sau cereți ștergerea datelor. Aveți nevoie de numărul cardului și de codul personal de pe chitanță.",
        "no_code": "Nu aveți cod personal pe chitanță? Atunci nu s-au păstrat date personale împreună cu cardul și aici nu este nimic de văzut.",
        "number": "Numărul cardului",
        "code": "Cod personal",
        "show": "Afișează",
        "wrong": "Numărul cardului sau codul nu este corect. Verificați-le pe amândouă și încercați din nou.",
        "limited": "Prea multe încercări. Încercați din nou peste o oră.",
        "cookies": "Browserul tău refuză cookie-urile (cookies). Această pagină are nevoie de un cookie ca să protejeze formularul; nu păstrează nimic despre tine. Permite cookie-urile pentru acest site și încearcă din nou.",
        "expired": "Formularul a expirat. Deschide pagina din nou și încearcă încă o dată.",
        "pass_heading": "Cardul dumneavoastră",
        "status": "Stare",
        "status_valid": "Valabil",
        "status_expired": "Expirat",
        "status_revoked": "Anulat",
        "status_card_revoked": "Card blocat (pierdut sau furat); numărul poate primi un card nou",
        "valid_until": "Valabil până la",
        "created": "Emis prima dată la",
        "category": "Tipul cardului",
        "record_heading": "Datele dumneavoastră personale",
        "record_yes": "Primăria păstrează aceste date sigilate. Serverul primăriei nu le poate citi. Doar inspectorii primăriei le pot deschide, cel puțin doi împreună, și de fiecare dată când se întâmplă acest lucru apare mai jos.",
        "record_no": "Cu acest număr de card nu se păstrează date personale.",
        "sealed_on": "Păstrate din",
        "given_names": "Prenume",
        "family_name": "Nume de familie",
        "birth_date": "Data nașterii",
        "id_document_number": "Numărul actului de identitate",
        "bsn": "BSN (număr de serviciu pentru cetățeni)",
        "log_heading": "Tot ce s-a întâmplat cu numărul cardului dumneavoastră",
        "log_when": "Când",
        "log_who": "Cine",
        "log_what": "Ce",
        "log_reason": "Motiv",
        "log_empty": "Nimic deocamdată.",
        "witnessed_on": "Copii păstrate în afara acestui server acoperă aceste rânduri din {date}: ștergerea sau schimbarea lor s-ar observa.",
        "witnessed_not_yet": "Cele mai noi rânduri nu sunt încă acoperite de o copie păstrată în afara acestui server.",
        "role_intake": "Funcționar la discuția de informare",
        "role_handhaver": "Inspector",
        "role_beheer": "Administrator",
        "role_worker": "Dumneavoastră",
        "role_code_holder": "Cineva cu numărul și codul tău",
        "role_system": "Automat",
        "act_issue": "Card emis",
        "act_renew": "Card reînnoit",
        "act_revoke": "Card blocat sau anulat",
        "act_escrow_sealed": "Date personale sigilate",
        "act_escrow_request": "Cerere de deschidere a datelor",
        "act_escrow_lookup_empty": "Cerere de deschidere a datelor (nu era nimic sigilat)",
        "act_escrow_approve": "Un al doilea inspector a aprobat deschiderea",
        "act_escrow_deny": "Cererea de deschidere a fost respinsă",
        "act_escrow_release": "Datele sigilate au fost predate pentru a fi deschise",
        "act_escrow_exported": "Datele sigilate au făcut parte dintr-o căutare în toate cardurile",
        "act_escrow_erased": "Date personale șterse",
        "act_escrow_purged": "Date personale eliminate (termenul de păstrare a expirat)",
        "act_worker_viewed": "A deschis această pagină",
        "act_other": "Altceva",
        "reason_inspection": "Control",
        "reason_trafficking_signal": "Semnal de trafic de persoane",
        "reason_police_request": "Cererea poliției",
        "reason_own_request": "La cererea dumneavoastră",
        "reason_revocation": "Anularea unui card",
        "reason_other": "Alt motiv",
        "reason_lost": "Pierdut",
        "reason_stolen": "Furat",
        "reason_stopped": "Anulat",
        "reason_error": "Emis din greșeală",
        "reason_superseded": "Înlocuit cu un card nou",
        "reason_no_consent": "Fără consimțământ",
        "reason_replaced": "Înlocuite cu date noi",
        "reason_expired": "Card expirat",
        "erase_heading": "Ștergeți datele",
        "erase_text": "Ștergerea elimină imediat datele personale sigilate: după aceea nimeni nu mai poate găsi numărul cardului pornind de la numele dumneavoastră. Cardul rămâne valabil, dacă nu îl anulați și pe acesta. Această listă de evenimente rămâne.",
        "erase_box": "Șterge datele mele personale",
        "revoke_box": "Anulează și cardul meu. Nu va mai putea fi folosit; pentru un card nou este nevoie de o nouă discuție de informare.",
        "confirm_code": "Introduceți din nou codul personal pentru confirmare",
        "confirm": "Confirmă",
        "choose": "Alegeți cel puțin una dintre cele două opțiuni.",
        "done_heading": "Gata",
        "done_erased": "Datele dumneavoastră personale au fost șterse.",
        "done_nothing": "Nu existau date personale de șters.",
        "done_revoked": "Cardul dumneavoastră a fost anulat.",
        "done_backup": "Copiile rămase în copiile de siguranță ale primăriei dispar atunci când aceste copii de siguranță sunt șterse.",
        "back": "Înapoi",
        "language": "Limba",
        "privacy_note": "Această pagină nu păstrează nimic despre vizita dumneavoastră. Închideți fereastra când ați terminat.",
    },
    "bg": {
        "title": "Моята карта",
        "skip": "Към съдържанието",
        "intro": "Вижте какво пази общината за Вашата карта и кой я е преглеждал, или поискайте данните Ви да бъдат изтрити. Трябват Ви номерът на картата и личният код от Вашата разписка.",
        "no_code": "Нямате личен код на разписката? Тогава с картата Ви не са запазени лични данни и тук няма какво да видите.",
        "number": "Номер на картата",
        "code": "Личен код",
        "show": "Покажи",
        "wrong": "Номерът на картата или кодът не е верен. Проверете ги и опитайте отново.",
        "limited": "Твърде много опити. Опитайте отново след един час.",
        "cookies": "Браузърът ви отказва бисквитки (cookies). Тази страница се нуждае от една бисквитка, за да защити формуляра; тя не пази нищо за вас. Разрешете бисквитките за този сайт и опитайте отново.",
        "expired": "Формулярът е изтекъл. Отворете страницата отново и опитайте пак.",
        "pass_heading": "Вашата карта",
        "status": "Състояние",
        "status_valid": "Валидна",
        "status_expired": "Изтекла",
        "status_revoked": "Прекратена",
        "status_card_revoked": "Картата е блокирана (загубена или открадната); номерът може да получи нова карта",
        "valid_until": "Валидна до",
        "created": "Издадена за първи път на",
        "category": "Вид карта",
        "record_heading": "Вашите лични данни",
        "record_yes": "Общината пази тези данни запечатани. Сървърът на общината не може да ги прочете. Само инспекторите на общината могат да ги отворят, най-малко двама заедно, и всеки път, когато това се случи, то е посочено по-долу.",
        "record_no": "С този номер на карта не се пазят лични данни.",
        "sealed_on": "Пазят се от",
        "given_names": "Собствено име (имена)",
        "family_name": "Фамилия",
        "birth_date": "Дата на раждане",
        "id_document_number": "Номер на документа за самоличност",
        "bsn": "BSN (граждански обслужващ номер)",
        "log_heading": "Всичко, което се е случило с номера на Вашата карта",
        "log_when": "Кога",
        "log_who": "Кой",
        "log_what": "Какво",
        "log_reason": "Причина",
        "log_empty": "Все още нищо.",
        "witnessed_on": "Копия, пазени извън този сървър, покриват тези редове от {date}: изтриването или промяната им би се забелязала.",
        "witnessed_not_yet": "Най-новите редове все още не са покрити от копие, пазено извън този сървър.",
        "role_intake": "Служител по информационния разговор",
        "role_handhaver": "Инспектор",
        "role_beheer": "Администратор",
        "role_worker": "Вие",
        "role_code_holder": "Някой с вашия номер и код",
        "role_system": "Автоматично",
        "act_issue": "Картата е издадена",
        "act_renew": "Картата е подновена",
        "act_revoke": "Картата е блокирана или прекратена",
        "act_escrow_sealed": "Личните данни са запечатани",
        "act_escrow_request": "Искане за отваряне на данните",
        "act_escrow_lookup_empty": "Искане за отваряне на данните (нямаше нищо запечатано)",
        "act_escrow_approve": "Втори инспектор одобри отварянето",
        "act_escrow_deny": "Искането за отваряне е отказано",
        "act_escrow_release": "Запечатаните данни са предадени за отваряне",
        "act_escrow_exported": "Запечатаните данни са били част от търсене сред всички карти",
        "act_escrow_erased": "Личните данни са изтрити",
        "act_escrow_purged": "Личните данни са премахнати (срокът за съхранение е изтекъл)",
        "act_worker_viewed": "Отвори тази страница",
        "act_other": "Друго",
        "reason_inspection": "Проверка",
        "reason_trafficking_signal": "Сигнал за трафик на хора",
        "reason_police_request": "Искане от полицията",
        "reason_own_request": "По Ваше искане",
        "reason_revocation": "Прекратяване на карта",
        "reason_other": "Друга причина",
        "reason_lost": "Загубена",
        "reason_stolen": "Открадната",
        "reason_stopped": "Прекратена",
        "reason_error": "Издадена по грешка",
        "reason_superseded": "Заменена с нова карта",
        "reason_no_consent": "Без съгласие",
        "reason_replaced": "Заменени с нови данни",
        "reason_expired": "Картата е изтекла",
        "erase_heading": "Изтриване на данните",
        "erase_text": "Изтриването премахва веднага запечатаните Ви лични данни: след това никой не може да намери номера на картата Ви по Вашето име. Картата Ви остава валидна, освен ако не прекратите и нея. Този списък на събитията остава.",
        "erase_box": "Изтрийте личните ми данни",
        "revoke_box": "Прекратете и картата ми. Тя вече няма да може да се използва; за нова карта е нужен нов информационен разговор.",
        "confirm_code": "Въведете отново личния си код за потвърждение",
        "confirm": "Потвърждавам",
        "choose": "Изберете поне една от двете възможности.",
        "done_heading": "Готово",
        "done_erased": "Личните Ви данни са изтрити.",
        "done_nothing": "Нямаше лични данни за изтриване.",
        "done_revoked": "Картата Ви е прекратена.",
        "done_backup": "Копията, останали в резервните копия на общината, изчезват, когато тези резервни копия бъдат изтрити.",
        "back": "Назад",
        "language": "Език",
        "privacy_note": "Тази страница не пази нищо за посещението Ви. Затворете прозореца, когато приключите.",
    },
    "hu": {
        "title": "Az én kártyám",
        "skip": "Ugrás a tartalomra",
        "intro": "Itt megnézheti, mit őriz az önkormányzat a kártyájáról és ki nézte meg, vagy kérheti adatai törlését. Szüksége van a kártyaszámra és a nyugtán szereplő személyes kódra.",
        "no_code": "Nincs személyes kód a nyugtáján? Akkor a kártyájával nem őriztek meg személyes adatokat, és itt nincs mit megnézni.",
        "number": "Kártyaszám",
        "code": "Személyes kód",
        "show": "Megtekintés",
        "wrong": "A kártyaszám vagy a kód nem helyes. Ellenőrizze mindkettőt, és próbálja újra.",
        "limited": "Túl sok próbálkozás. Próbálja újra egy óra múlva.",
        "cookies": "A böngésződ elutasítja a sütiket (cookies). Az oldalnak egy sütire van szüksége az űrlap védelméhez; semmit nem tárol rólad. Engedélyezd a sütiket ennél az oldalnál, és próbáld újra.",
        "expired": "Az űrlap lejárt. Nyisd meg újra az oldalt, és próbáld újra.",
        "pass_heading": "Az Ön kártyája",
        "status": "Állapot",
        "status_valid": "Érvényes",
        "status_expired": "Lejárt",
        "status_revoked": "Megszüntetve",
        "status_card_revoked": "A kártya letiltva (elveszett vagy ellopták); a számhoz új kártya adható",
        "valid_until": "Érvényesség vége",
        "created": "Először kiállítva",
        "category": "Kártya típusa",
        "record_heading": "Az Ön személyes adatai",
        "record_yes": "Az önkormányzat ezeket az adatokat lepecsételve őrzi. Az önkormányzat szervere nem tudja elolvasni őket. Csak az önkormányzat ellenőrei nyithatják meg, legalább ketten együtt, és minden ilyen alkalom lent látható.",
        "record_no": "Ehhez a kártyaszámhoz nem őriznek személyes adatokat.",
        "sealed_on": "Megőrzés kezdete",
        "given_names": "Utónév (utónevek)",
        "family_name": "Családi név",
        "birth_date": "Születési dátum",
        "id_document_number": "A személyazonosító okmány száma",
        "bsn": "BSN (állampolgári szolgáltatási szám)",
        "log_heading": "Minden, ami a kártyaszámával történt",
        "log_when": "Mikor",
        "log_who": "Ki",
        "log_what": "Mi",
        "log_reason": "Ok",
        "log_empty": "Még semmi.",
        "witnessed_on": "A szerveren kívül őrzött másolatok {date} óta lefedik ezeket a sorokat: törlésük vagy módosításuk kiderülne.",
        "witnessed_not_yet": "A legújabb sorokat még nem fedi le a szerveren kívül őrzött másolat.",
        "role_intake": "Tájékoztató beszélgetést végző ügyintéző",
        "role_handhaver": "Ellenőr",
        "role_beheer": "Rendszergazda",
        "role_worker": "Ön",
        "role_code_holder": "Valaki a számoddal és a kódoddal",
        "role_system": "Automatikus",
        "act_issue": "Kártya kiállítva",
        "act_renew": "Kártya megújítva",
        "act_revoke": "Kártya letiltva vagy megszüntetve",
        "act_escrow_sealed": "Személyes adatok lepecsételve",
        "act_escrow_request": "Kérés az adatai megnyitására",
        "act_escrow_lookup_empty": "Kérés az adatai megnyitására (nem volt lepecsételt adat)",
        "act_escrow_approve": "Egy második ellenőr jóváhagyta a megnyitást",
        "act_escrow_deny": "A megnyitási kérést elutasították",
        "act_escrow_release": "A lepecsételt adatait kiadták megnyitásra",
        "act_escrow_exported": "A lepecsételt adatai részei voltak egy minden kártyára kiterjedő keresésnek",
        "act_escrow_erased": "Személyes adatok törölve",
        "act_escrow_purged": "Személyes adatok törölve (lejárt a megőrzési idő)",
        "act_worker_viewed": "Megnyitotta ezt az oldalt",
        "act_other": "Egyéb",
        "reason_inspection": "Ellenőrzés",
        "reason_trafficking_signal": "Emberkereskedelemre utaló jelzés",
        "reason_police_request": "Rendőrségi megkeresés",
        "reason_own_request": "Saját kérése",
        "reason_revocation": "Kártya megszüntetése",
        "reason_other": "Egyéb ok",
        "reason_lost": "Elveszett",
        "reason_stolen": "Ellopták",
        "reason_stopped": "Megszüntetve",
        "reason_error": "Tévedésből kiállítva",
        "reason_superseded": "Új kártyára cserélve",
        "reason_no_consent": "Nincs hozzájárulás",
        "reason_replaced": "Új adatokra cserélve",
        "reason_expired": "A kártya lejárt",
        "erase_heading": "Adatai törlése",
        "erase_text": "A törlés azonnal eltávolítja lepecsételt személyes adatait: ezután senki sem találhatja meg a kártyaszámát a neve alapján. A kártyája érvényes marad, hacsak azt is meg nem szünteti. Az események listája megmarad.",
        "erase_box": "Személyes adataim törlése",
        "revoke_box": "A kártyám megszüntetése is. Ezután nem használható; új kártyához új tájékoztató beszélgetés szükséges.",
        "confirm_code": "A megerősítéshez írja be újra a személyes kódját",
        "confirm": "Megerősítés",
        "choose": "Válassza ki legalább az egyiket.",
        "done_heading": "Kész",
        "done_erased": "Személyes adatait töröltük.",
        "done_nothing": "Nem volt törlendő személyes adat.",
        "done_revoked": "Kártyáját megszüntettük.",
        "done_backup": "Az önkormányzat biztonsági mentéseiben maradt másolatok akkor tűnnek el, amikor ezeket a mentéseket törlik.",
        "back": "Vissza",
        "language": "Nyelv",
        "privacy_note": "Ez az oldal semmit sem őriz meg a látogatásáról. Ha végzett, zárja be az ablakot.",
    },
    "pl": {
        "title": "Moja karta",
        "skip": "Przejdź do treści",
        "intro": "Zobacz, co urząd gminy przechowuje o twojej karcie i kto ją sprawdzał, albo poproś o usunięcie swoich danych. Potrzebujesz numeru karty i kodu osobistego z pokwitowania.",
        "no_code": "Nie ma kodu osobistego na pokwitowaniu? W takim razie przy twojej karcie nie przechowuje się żadnych danych osobowych i nie ma tu nic do zobaczenia.",
        "number": "Numer karty",
        "code": "Kod osobisty",
        "show": "Pokaż",
        "wrong": "Numer karty lub kod jest nieprawidłowy. Sprawdź oba i spróbuj ponownie.",
        "limited": "Zbyt wiele prób. Spróbuj ponownie za godzinę.",
        "cookies": "Twoja przeglądarka odrzuca pliki cookie (cookies). Ta strona potrzebuje jednego pliku cookie, aby chronić formularz; nie zapisuje niczego o Tobie. Zezwól na pliki cookie dla tej strony i spróbuj ponownie.",
        "expired": "Formularz wygasł. Otwórz stronę ponownie i spróbuj jeszcze raz.",
        "pass_heading": "Twoja karta",
        "status": "Stan",
        "status_valid": "Ważna",
        "status_expired": "Wygasła",
        "status_revoked": "Unieważniona",
        "status_card_revoked": "Karta zablokowana (zgubiona lub skradziona); numer może dostać nową kartę",
        "valid_until": "Ważna do",
        "created": "Pierwszy raz wydana",
        "category": "Rodzaj karty",
        "record_heading": "Twoje dane osobowe",
        "record_yes": "Urząd gminy przechowuje te dane w zapieczętowanej formie. Serwer urzędu nie może ich odczytać. Mogą je otworzyć tylko kontrolerzy z gminy, co najmniej dwie osoby razem, a każde takie otwarcie jest widoczne poniżej.",
        "record_no": "Przy tym numerze karty nie przechowuje się żadnych danych osobowych.",
        "sealed_on": "Przechowywane od",
        "given_names": "Imiona",
        "family_name": "Nazwisko",
        "birth_date": "Data urodzenia",
        "id_document_number": "Numer dokumentu tożsamości",
        "bsn": "BSN (holenderski numer obywatelski)",
        "log_heading": "Wszystko, co działo się z numerem twojej karty",
        "log_when": "Kiedy",
        "log_who": "Kto",
        "log_what": "Co",
        "log_reason": "Powód",
        "log_empty": "Jeszcze nic.",
        "witnessed_on": "Kopie przechowywane poza tym serwerem obejmują te wiersze od {date}: ich usunięcie lub zmiana byłyby widoczne.",
        "witnessed_not_yet": "Najnowsze wiersze nie są jeszcze objęte kopią przechowywaną poza tym serwerem.",
        "role_intake": "Urzędnik prowadzący rozmowę",
        "role_handhaver": "Kontroler",
        "role_beheer": "Administrator",
        "role_worker": "Ty",
        "role_code_holder": "Ktoś z Twoim numerem i kodem",
        "role_system": "Automatycznie",
        "act_issue": "Wydanie karty",
        "act_renew": "Odnowienie karty",
        "act_revoke": "Zablokowanie lub unieważnienie karty",
        "act_escrow_sealed": "Zapieczętowanie danych osobowych",
        "act_escrow_request": "Prośba o otwarcie twoich danych",
        "act_escrow_lookup_empty": "Prośba o otwarcie twoich danych (nic nie było zapieczętowane)",
        "act_escrow_approve": "Zgoda drugiego kontrolera na otwarcie",
        "act_escrow_deny": "Odmowa otwarcia",
        "act_escrow_release": "Wydanie zapieczętowanych danych do otwarcia",
        "act_escrow_exported": "Twoje zapieczętowane dane były częścią wyszukiwania we wszystkich kartach",
        "act_escrow_erased": "Usunięcie danych osobowych",
        "act_escrow_purged": "Usunięcie danych osobowych (koniec okresu przechowywania)",
        "act_worker_viewed": "Otworzył(a) tę stronę",
        "act_other": "Inne",
        "reason_inspection": "Kontrola",
        "reason_trafficking_signal": "Sygnał handlu ludźmi",
        "reason_police_request": "Prośba policji",
        "reason_own_request": "Twoja własna prośba",
        "reason_revocation": "Unieważnienie karty",
        "reason_other": "Inny powód",
        "reason_lost": "Zgubiona",
        "reason_stolen": "Skradziona",
        "reason_stopped": "Unieważniona",
        "reason_error": "Wydana przez pomyłkę",
        "reason_superseded": "Zastąpiona nową kartą",
        "reason_no_consent": "Brak zgody",
        "reason_replaced": "Zastąpione nowymi danymi",
        "reason_expired": "Karta wygasła",
        "erase_heading": "Usuń swoje dane",
        "erase_text": "Usunięcie od razu kasuje twoje zapieczętowane dane osobowe: potem nikt nie znajdzie numeru twojej karty na podstawie twojego nazwiska. Karta pozostaje ważna, chyba że ją też unieważnisz. Ta lista zdarzeń pozostaje.",
        "erase_box": "Usuń moje dane osobowe",
        "revoke_box": "Unieważnij też moją kartę. Nie będzie można jej już używać; nowa karta wymaga nowej rozmowy.",
        "confirm_code": "Wpisz ponownie swój kod osobisty, aby potwierdzić",
        "confirm": "Potwierdź",
        "choose": "Wybierz co najmniej jedną z dwóch opcji.",
        "done_heading": "Gotowe",
        "done_erased": "Twoje dane osobowe zostały usunięte.",
        "done_nothing": "Nie było danych osobowych do usunięcia.",
        "done_revoked": "Twoja karta została unieważniona.",
        "done_backup": "Kopie, które zostały w kopiach zapasowych urzędu, znikają, gdy te kopie zapasowe zostaną usunięte.",
        "back": "Wstecz",
        "language": "Język",
        "privacy_note": "Ta strona nie przechowuje nic o twojej wizycie. Zamknij okno, gdy skończysz.",
    },
}


def t(lang: str, key: str) -> str:
    """A text of this page; a missing key or language is a bug (tests check all)."""
    return _T[lang][key]


def text_keys() -> list[str]:
    return list(_T["nl"])


def _label(lang: str, prefix: str, value: str | None) -> str:
    if not value:
        return ""
    key = f"{prefix}_{value}"
    return _T[lang].get(key) or (_T[lang]["act_other"] if prefix == "act" else value)


# --- helpers ---------------------------------------------------------------------------------


def _zone() -> dt.tzinfo:
    try:
        from zoneinfo import ZoneInfo

        return ZoneInfo("Europe/Amsterdam")
    except Exception:  # pragma: no cover - no tz database
        return dt.UTC


_TZ = _zone()


def _date(ts: int | None, lang: str) -> str:
    if ts is None:
        return ""
    return texts.date_long(dt.datetime.fromtimestamp(ts, _TZ).date(), lang)


def _lang() -> str:
    chosen = request.values.get("lang", "")
    if chosen in LANGUAGES:
        return chosen
    return request.accept_languages.best_match(LANGUAGES) or "nl"


def _svc() -> Services:
    return services()


def _config() -> escrow.EscrowConfig:
    return escrow.config_for(_svc().settings)


def _client() -> str:
    return request.remote_addr or "unknown"


class LookupForm(FlaskForm):
    number = StringField(validators=[Length(max=40)])
    code = StringField(validators=[Length(max=80)])
    lang = HiddenField()


class EraseForm(FlaskForm):
    number = HiddenField(validators=[Length(max=40)])
    code = StringField(validators=[Length(max=80)])
    erase = BooleanField()
    revoke = BooleanField()
    lang = HiddenField()


def _page(template: str, lang: str, http_status: int = 200, **context: Any) -> Any:
    return render_template(
        template, lang=lang, t=lambda key: t(lang, key), languages=LANGUAGES,
        language_names=texts.LANGUAGE_NAMES, **context,
    ), http_status


# --- the public function for the renewal flow ---------------------------------------------------


def prove_ownership(session: Session, number: str, code: str) -> bool:
    """True if ``code`` is the personal code of pass ``number`` (call it at renewal)."""
    return escrow.verify_code(session, number=number, code=code)


# --- views ---------------------------------------------------------------------------------------


def _view_context(view: escrow.WorkerView, lang: str) -> dict[str, Any]:
    svc = _svc()
    category = next((c for c in svc.keyring.categories(view.iss) if c.code == view.category), None)
    fields = [
        (t(lang, name), view.record_fields[name])
        for name in escrow.IDENTITY_FIELDS
        if view.record_fields and name in view.record_fields
    ]
    if view.record_fields and "birth_date" in view.record_fields:
        try:
            day = dt.date.fromisoformat(view.record_fields["birth_date"])
            fields = [
                (label, texts.date_long(day, lang) if label == t(lang, "birth_date") else value)
                for label, value in fields
            ]
        except ValueError:
            pass
    entries = [
        {
            "when": _date(e.at, lang),  # day precision: enough for her, no appointment match
            "who": _label(lang, "role", e.role),
            "what": _label(lang, "act", e.action),
            "why": _label(lang, "reason", e.reason_code),
        }
        for e in view.entries
    ]
    return {
        "number": view.number,
        "pass_status": t(lang, f"status_{view.status.status}"),
        "valid_until": _date(view.status.exp, lang),
        "created": _date(view.created_at, lang),
        "category": category.label if category else view.category,
        # The colour of her card beside its (municipality's, often Dutch) name.
        "category_color": category.color if category else None,
        "record_exists": view.record_exists,
        "sealed_on": _date(view.record_sealed_at, lang),
        "fields": fields,
        "entries": entries,
    }


def form_refused(*, no_cookie: bool) -> Any:
    """A refused form (CSRF), in her language: a browser without cookies is told so."""
    lang = _lang()
    return _page("mijnpas/index.html", lang, 400, form=LookupForm(lang=lang),
                 error=t(lang, "cookies" if no_cookie else "expired"))


@bp.get("/")
def index() -> Any:
    lang = _lang()
    return _page("mijnpas/index.html", lang, form=LookupForm(lang=lang))


@bp.post("/")
def show() -> Any:
    lang = _lang()
    form = LookupForm()
    if not form.validate_on_submit():
        abort(400)
    number, code = form.number.data or "", form.code.data or ""
    attempt = _admit(number, code)
    if attempt is None:
        return _page("mijnpas/index.html", lang, 429, form=LookupForm(lang=lang),
                     error=t(lang, "limited"))
    view = None
    if attempt.check:
        # It only reads: the Argon2id check must not hold SQLite's write lock (issuing a
        # pass would wait behind every check).
        with _svc().db.read() as connection, Session(bind=connection) as session:
            view = escrow.worker_view(session, number=number, code=code, now=_now(),
                                      config=_config())
            # When a tree head covering her newest line was first served to a witness.
            witnessed = audit.history_witnessed(session, view.number) if view is not None else None
    if view is None:
        return _page("mijnpas/index.html", lang, 200, form=LookupForm(lang=lang),
                     error=t(lang, "wrong"))
    erase_form = EraseForm(number=view.number, lang=lang)
    # Every opening is on her log, the one she sees: if someone else used her code (an
    # official who kept it, a partner who took it), the next time she looks she knows.
    with _svc().db.transaction() as session:
        # "Someone with your number and code": it may be her, or whoever has her receipt.
        audit.append(session, at=_now(), actor="worker", role="code_holder",
                     action="worker_viewed", pass_number=view.number)
    page = make_response(_page("mijnpas/view.html", lang, form=erase_form,
                               witnessed_on=_date(witnessed, lang) if witnessed else None,
                               **_view_context(view, lang)))
    return _succeeded(attempt, page)


@bp.post("/wissen")
def erase() -> Any:
    lang = _lang()
    form = EraseForm()
    if not form.validate_on_submit():
        abort(400)
    number, code = form.number.data or "", form.code.data or ""
    if not form.erase.data and not form.revoke.data:
        return _page("mijnpas/index.html", lang, 200, form=LookupForm(lang=lang),
                     error=t(lang, "choose"))
    attempt = _admit(number, code)
    if attempt is None:
        return _page("mijnpas/index.html", lang, 429, form=LookupForm(lang=lang),
                     error=t(lang, "limited"))
    svc = _svc()
    now = _now()
    erased = revoked = False
    wrong = not attempt.check
    if attempt.check:
        with svc.db.transaction() as session:
            try:
                if form.erase.data:
                    erased = escrow.erase(session, number, code, now, config=_config())
                elif not escrow.verify_code(session, number=number, code=code, config=_config()):
                    raise escrow.WrongCode("number or code is not right")
            except escrow.WrongCode:
                wrong = True
    if wrong:
        return _page("mijnpas/index.html", lang, 200, form=LookupForm(lang=lang),
                     error=t(lang, "wrong"))
    if attempt.refundable:
        rate_limiter().refund(attempt.ticket, attempt.refundable)
    if form.revoke.data:
        try:
            svc.passes.revoke(number=number, reason="stopped", official=WORKER)
            revoked = True
        except IssuanceError:
            revoked = False
        # Stopping ends the number for good: escrow record and code go now, not at expiry.
        retention.purge(svc.db, now, _config().grace_days, number=number)
    # Post/redirect/get: Back or reload on the outcome must not offer to send the form again.
    # The outcome travels in the signed session, not in the URL (her browser history).
    browser_session["mijnpas_done"] = {"erase_requested": bool(form.erase.data), "erased": erased,
                               "revoked": revoked}
    return redirect(url_for("mijnpas.done", lang=lang), code=303)


@bp.get("/klaar")
def done() -> Any:
    lang = _lang()
    outcome = browser_session.pop("mijnpas_done", None)
    if not isinstance(outcome, dict):
        return redirect(url_for("mijnpas.index", lang=lang))
    return _page("mijnpas/done.html", lang, erase_requested=bool(outcome.get("erase_requested")),
                 erased=bool(outcome.get("erased")), revoked=bool(outcome.get("revoked")))


__all__ = ["bp", "prove_ownership", "t", "text_keys"]
