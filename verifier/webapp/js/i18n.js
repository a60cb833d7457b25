// The app's words in Dutch and English. Plain language: the reader is an
// exploitant at a door or a handhaver at a control, not a cryptographer.

/** @typedef {'nl' | 'en'} Lang */
/** @typedef {Record<string, string | number | bigint>} Vars  values for {name} placeholders */

/** @type {Record<Lang, Record<string, string>>} */
const STRINGS = {
  nl: {
    'app.title': 'Pascontrole',
    'lang.switch': 'EN',
    'lang.switch.label': 'EN: switch to English',
    'about.open': 'Over',
    'about.open.label': 'Over deze app',
    'scan.hint': 'Houd de QR-code van de pas in het kader',
    'scan.starting': 'Camera starten…',
    'scan.no-camera': 'Geen camera beschikbaar. Gebruik “QR-tekst invoeren”.',
    'scan.denied': 'De camera is niet toegestaan. Sta de camera toe of gebruik “QR-tekst invoeren”.',
    'scan.start': 'Camera starten',
    'torch.on': 'Lamp aan',
    'torch.off': 'Lamp uit',
    'paste.open': 'QR-tekst invoeren',
    'paste.title': 'QR-tekst invoeren',
    'paste.label': 'Voor een barcodescanner aan de balie (die typt de tekst van de QR-code en Enter), of geplakte QR-tekst (begint met PAS1:). Een pasnummer alleen kan niet worden gecontroleerd.',
    'paste.check': 'Controleren',
    'paste.cancel': 'Annuleren',
    'just-now': 'zojuist',
    'lists.none': 'Nog geen lijsten. Verbind één keer met internet.',
    'lists.updating': 'Lijsten bijwerken…',
    'lists.age': 'Lijsten bijgewerkt: {age}',
    'lists.offline': 'Offline · lijsten bijgewerkt: {age}',
    'lists.failed': 'Bijwerken mislukt · lijsten bijgewerkt: {age}',
    'lists.expired': 'Lijsten verlopen · bijgewerkt: {age}. Verbind met internet.',
    'lists.stale': 'Lijsten te oud: geen groen oordeel tot ze zijn bijgewerkt.',
    'lists.clock': 'De klok van deze telefoon staat verkeerd: zet datum en tijd op automatisch.',
    'lists.rollback': 'De server gaf een oudere lijst dan deze app al had; die is geweigerd.',
    'lists.refresh': 'Lijsten nu bijwerken',
    'lists.log': 'Het auditlog van de gemeente is herschreven: meld dit aan de functionaris gegevensbescherming (zie Over). Passen controleren gaat door met de lijsten die er zijn.',
    'about.log': 'Auditlog (bewaard controlepunt)',
    'about.log.none': 'nog geen',
    'about.log.download': 'Controlepunt downloaden',
    'config.missing': 'Deze app is niet ingesteld: config.json mist de sleutel van het vertrouwensanker.',
    'verdict.valid': 'GELDIG',
    'verdict.invalid': 'NIET GELDIG',
    'verdict.unchecked': 'GEEN CONTROLE MOGELIJK',
    'verdict.not-here': 'NIET GELDIG HIER',
    'reason.NOT_VALID_HERE': 'Echte pas van {issuer}',
    'explain.NOT_VALID_HERE': 'Echte pas van {issuer}; geldt niet voor werk in {here}. De pas is niet vervalst, maar telt hier niet: niet laten werken. Verwijs naar het spreekuur van deze gemeente.',
    'lists.conflict': 'Een regio gaf een lijst met een gemeente die al bij een andere regio hoort; die lijst is geweigerd (zie Over).',
    'config.policy': 'De instelling van deze app klopt niet: {error}',
    'about.policy': 'Geldig voor werk in',
    'about.policy-line': '{here}; ook passen van: {accept}',
    'about.policy.none': 'elke gemeente uit de vertrouwde lijsten',
    'reason.EXPIRED': 'Verlopen',
    'reason.REVOKED': 'Kaart geldt niet meer',
    'reason.NUMBER_ONLY': 'Alleen een pasnummer',
    'reason.UNKNOWN_ISSUER': 'Onbekende uitgever',
    'reason.BAD_SIGNATURE': 'Vervalst of beschadigd',
    'reason.MALFORMED': 'Vervalst of beschadigd',
    'reason.NOT_YET_VALID': 'Nog niet geldig',
    'reason.STALE': 'Lijsten te oud',
    'reason.NO_LISTS': 'Nog geen lijsten',
    'reason.CLOCK': 'Klok van de telefoon staat verkeerd',
    'explain.EXPIRED': 'Deze pas is verlopen. Stuur de houder naar het spreekuur van de gemeente.',
    'explain.REVOKED': 'Deze kaart geldt niet meer. Meestal is hij vervangen door een nieuwere kaart met hetzelfde nummer (na verlengen): vraag naar de nieuwste kaart en scan die. Anders heeft de gemeente de kaart of de pas ingetrokken.',
    'explain.NUMBER_ONLY': 'Een pasnummer alleen bewijst niets: het staat leesbaar op de kaart en is na te maken. Scan de QR-code op de achterkant; daarin zitten de ondertekende foto en de geldigheid.',
    'demo.banner': 'DEMO — deze app controleert demopassen, geen echte passen',
    'demo.verdict': 'Demo-omgeving: deze pas en deze lijsten zijn niet echt. Niet geldig om te werken.',
    'explain.UNKNOWN_ISSUER': 'Deze pas komt niet van een gemeente die in de vertrouwde lijst staat.',
    'explain.BAD_SIGNATURE': 'De code is veranderd of nagemaakt. Dit is geen echte pas.',
    'explain.MALFORMED': 'Dit is geen leesbare pas. Probeer opnieuw te scannen; blijft dit zo, dan is de pas beschadigd of vals.',
    'explain.NOT_YET_VALID': 'Deze pas is nog niet ingegaan. Controleer ook of de klok van dit toestel goed staat.',
    'explain.STALE': 'De lijsten van de gemeente zijn al te lang niet bijgewerkt. Verbind met internet; daarna kunt u weer controleren.',
    'explain.NO_LISTS': 'De app heeft de lijsten van de gemeente nog niet. Verbind één keer met internet.',
    'explain.CLOCK': 'De datum of tijd van deze telefoon kan niet kloppen: vóór de datum van de lijsten van de gemeente, of jaren later. Zonder de juiste tijd kan de app niet zeggen of een pas geldig of verlopen is. Zet datum en tijd op automatisch en controleer opnieuw.',
    'photo.alt': 'Foto op de pas',
    'field.category': 'Soort pas',
    'field.issuer': 'Uitgever',
    'field.valid-until': 'Geldig tot',
    'field.expired-on': 'Verlopen op',
    'field.valid-from': 'Geldig vanaf',
    'field.number': 'Pasnummer',
    'warn.EXPIRES_SOON': 'Verloopt over {days} dagen: binnenkort verlengen bij het spreekuur.',
    'warn.EXPIRES_SOON.1': 'Verloopt binnen een dag: binnenkort verlengen bij het spreekuur.',
    'warn.TRUST_LIST_EXPIRED': 'De lijst met vertrouwde gemeenten is verlopen. Verbind met internet om bij te werken.',
    'warn.REVOCATIONS_EXPIRED': 'De lijst met ingetrokken passen is verlopen: een recente intrekking is misschien niet bekend.',
    'warn.REVOCATIONS_MISSING': 'De lijst met ingetrokken passen van deze gemeente ontbreekt: intrekkingen zijn niet bekend.',
    'next': 'Volgende pas',
    'about.title': 'Over deze app',
    'about.offline': 'Deze app controleert passen helemaal op dit toestel. Tijdens en na een controle maakt de app geen enkele netwerkverbinding.',
    'about.nohistory': 'Er wordt niets bewaard: geen geschiedenis van gescande passen, geen foto’s, geen statistieken, geen analytics. Sluit u een uitslag, dan is die weg.',
    'about.lists': 'Alleen de openbare lijsten (welke gemeenten passen uitgeven en welke passen zijn ingetrokken) worden opgehaald als er internet is. Die verzoeken zeggen niets over uw controles.',
    'about.name': 'Op de pas staat geen naam: vergelijk de foto met de persoon voor u.',
    'about.details': 'Technische gegevens',
    'about.anchor': 'Vertrouwensanker (vastgezette sleutel)',
    'about.source': 'Lijsten van',
    'about.trust-list': 'Vertrouwde lijst',
    'about.revocations': 'Intrekkingslijsten',
    'about.crypto': 'Handtekeningcontrole',
    'about.scanner': 'QR-lezer',
    'about.version': 'Versie',
    'about.close': 'Sluiten',
    'about.list-line': 'nr. {seq}, geldig tot {exp}',
    'about.none': 'geen',
  },
  en: {
    'app.title': 'Pass check',
    'lang.switch': 'NL',
    'lang.switch.label': 'NL: wissel naar Nederlands',
    'about.open': 'About',
    'about.open.label': 'About this app',
    'scan.hint': 'Hold the QR code of the pass inside the frame',
    'scan.starting': 'Starting camera…',
    'scan.no-camera': 'No camera available. Use “Enter QR text”.',
    'scan.denied': 'The camera is not allowed. Allow the camera or use “Enter QR text”.',
    'scan.start': 'Start camera',
    'torch.on': 'Light on',
    'torch.off': 'Light off',
    'paste.open': 'Enter QR text',
    'paste.title': 'Enter QR text',
    'paste.label': 'For a barcode scanner at a desk (it types the text of the QR code and Enter), or pasted QR text (starts with PAS1:). A pass number alone cannot be checked.',
    'paste.check': 'Check',
    'paste.cancel': 'Cancel',
    'just-now': 'just now',
    'lists.none': 'No lists yet. Connect to the internet once.',
    'lists.updating': 'Updating lists…',
    'lists.age': 'Lists updated: {age}',
    'lists.offline': 'Offline · lists updated: {age}',
    'lists.failed': 'Update failed · lists updated: {age}',
    'lists.expired': 'Lists expired · updated: {age}. Connect to the internet.',
    'lists.stale': 'Lists too old: no green verdict until they are updated.',
    'lists.clock': 'This phone’s clock is wrong: set date and time to automatic.',
    'lists.rollback': 'The server offered an older list than this app already had; it was refused.',
    'lists.refresh': 'Update lists now',
    'lists.log': 'The municipality’s audit log was rewritten: report this to the data protection officer (see About). Checking passes goes on with the lists this phone has.',
    'about.log': 'Audit log (kept checkpoint)',
    'about.log.none': 'none yet',
    'about.log.download': 'Download checkpoint',
    'config.missing': 'This app is not set up: config.json lacks the trust anchor key.',
    'verdict.valid': 'VALID',
    'verdict.invalid': 'NOT VALID',
    'verdict.unchecked': 'CANNOT CHECK',
    'verdict.not-here': 'NOT VALID HERE',
    'reason.NOT_VALID_HERE': 'Genuine pass of {issuer}',
    'explain.NOT_VALID_HERE': 'Genuine pass of {issuer}; not valid for work in {here}. The pass is not forged, but it does not count here: do not let the person work. Refer them to this municipality’s consultation hours.',
    'lists.conflict': 'A region sent a list with a municipality that belongs to another region; that list was refused (see About).',
    'config.policy': 'This app’s settings are wrong: {error}',
    'about.policy': 'Valid for work in',
    'about.policy-line': '{here}; also passes of: {accept}',
    'about.policy.none': 'every municipality on the trusted lists',
    'reason.EXPIRED': 'Expired',
    'reason.REVOKED': 'Card no longer valid',
    'reason.NUMBER_ONLY': 'Only a pass number',
    'reason.UNKNOWN_ISSUER': 'Unknown issuer',
    'reason.BAD_SIGNATURE': 'Forged or damaged',
    'reason.MALFORMED': 'Forged or damaged',
    'reason.NOT_YET_VALID': 'Not valid yet',
    'reason.STALE': 'Lists too old',
    'reason.NO_LISTS': 'No lists yet',
    'reason.CLOCK': 'Phone clock is wrong',
    'explain.EXPIRED': 'This pass has expired. Send the holder to the municipality’s consultation hours.',
    'explain.REVOKED': 'This card is no longer valid. Usually it was replaced by a newer card with the same number (after a renewal): ask for the newest card and scan it. Otherwise the municipality revoked the card or the pass.',
    'explain.NUMBER_ONLY': 'A pass number alone proves nothing: it is printed readably on the card and can be copied. Scan the QR code on the back; it holds the signed photo and validity.',
    'demo.banner': 'DEMO — this app checks demo passes, not real ones',
    'demo.verdict': 'Demo environment: this pass and these lists are not real. Not valid for work.',
    'explain.UNKNOWN_ISSUER': 'This pass does not come from a municipality on the trusted list.',
    'explain.BAD_SIGNATURE': 'The code was altered or forged. This is not a genuine pass.',
    'explain.MALFORMED': 'This is not a readable pass. Try scanning again; if it stays like this, the pass is damaged or fake.',
    'explain.NOT_YET_VALID': 'This pass has not started yet. Also check that this device’s clock is right.',
    'explain.STALE': 'The municipality’s lists have not been updated for too long. Connect to the internet; then you can check again.',
    'explain.NO_LISTS': 'The app does not have the municipality’s lists yet. Connect to the internet once.',
    'explain.CLOCK': 'This phone’s date or time cannot be right: before the date of the municipality’s lists, or years later. Without the right time the app cannot tell whether a pass is valid or expired. Set date and time to automatic and check again.',
    'photo.alt': 'Photo on the pass',
    'field.category': 'Type of pass',
    'field.issuer': 'Issuer',
    'field.valid-until': 'Valid until',
    'field.expired-on': 'Expired on',
    'field.valid-from': 'Valid from',
    'field.number': 'Pass number',
    'warn.EXPIRES_SOON': 'Expires in {days} days: renew soon at the consultation hours.',
    'warn.EXPIRES_SOON.1': 'Expires within a day: renew soon at the consultation hours.',
    'warn.TRUST_LIST_EXPIRED': 'The list of trusted municipalities has expired. Connect to the internet to update.',
    'warn.REVOCATIONS_EXPIRED': 'The list of revoked passes has expired: a recent revocation may be unknown.',
    'warn.REVOCATIONS_MISSING': 'The list of revoked passes of this municipality is missing: revocations are unknown.',
    'next': 'Next pass',
    'about.title': 'About this app',
    'about.offline': 'This app checks passes entirely on this device. During and after a check it makes no network connection at all.',
    'about.nohistory': 'Nothing is kept: no history of scanned passes, no photos, no statistics, no analytics. Once you close a verdict, it is gone.',
    'about.lists': 'Only the public lists (which municipalities issue passes and which passes are revoked) are fetched when there is internet. Those requests say nothing about your checks.',
    'about.name': 'A pass carries no name: compare the photo with the person in front of you.',
    'about.details': 'Technical details',
    'about.anchor': 'Trust anchor (pinned key)',
    'about.source': 'Lists from',
    'about.trust-list': 'Trusted list',
    'about.revocations': 'Revocation lists',
    'about.crypto': 'Signature check',
    'about.scanner': 'QR reader',
    'about.version': 'Version',
    'about.close': 'Close',
    'about.list-line': 'no. {seq}, valid until {exp}',
    'about.none': 'none',
  },
};

export const LANGS = Object.keys(STRINGS);
/** @type {Lang} */
let lang = 'nl';

/**
 * @param {string} value
 * @returns {value is Lang}
 */
function isLang(value) {
  return LANGS.includes(value);
}

/**
 * Switch the page to `value` ('nl' for anything the app does not speak).
 * @param {string} value
 */
export function setLang(value) {
  lang = isLang(value) ? value : 'nl';
  document.documentElement.lang = lang;
  // (`?? ''` only for the type: the selector found the attribute.)
  for (const el of document.querySelectorAll('[data-i18n]')) el.textContent = t(el.getAttribute('data-i18n') ?? '');
  for (const el of document.querySelectorAll('[data-i18n-label]')) el.setAttribute('aria-label', t(el.getAttribute('data-i18n-label') ?? ''));
  for (const el of document.querySelectorAll('[data-i18n-placeholder]')) {
    el.setAttribute('placeholder', t(el.getAttribute('data-i18n-placeholder') ?? ''));
  }
}

/** @returns {Lang} */
export function getLang() {
  return lang;
}

/**
 * The string for `key` in the current language, with {name} placeholders filled in.
 * @param {string} key
 * @param {Vars} [vars]
 * @returns {string}
 */
export function t(key, vars = {}) {
  const s = STRINGS[lang][key] ?? STRINGS.nl[key] ?? key;
  return s.replace(/\{(\w+)\}/g, (_, name) => String(vars[name] ?? ''));
}

/** @type {Record<Lang, string>} */
const LOCALES = { nl: 'nl-NL', en: 'en-GB' };

/**
 * "2 uur geleden" / "2 hours ago" for a duration in seconds before now.
 * @param {number} seconds
 * @returns {string}
 */
export function ago(seconds) {
  const rtf = new Intl.RelativeTimeFormat(LOCALES[lang], { numeric: 'auto' });
  const s = Math.max(0, Math.round(seconds));
  if (s < 60) return t('just-now');
  if (s < 3600) return rtf.format(-Math.floor(s / 60), 'minute');
  if (s < 86400) return rtf.format(-Math.floor(s / 3600), 'hour');
  return rtf.format(-Math.floor(s / 86400), 'day');
}

/**
 * A Unix time as a date (and time) on the Dutch clock.
 * @param {number | bigint} unixSeconds
 * @returns {string}
 */
export function formatDate(unixSeconds, withTime = false) {
  /** @type {Intl.DateTimeFormatOptions} */
  const opts = { dateStyle: 'long', timeZone: 'Europe/Amsterdam' };
  if (withTime) opts.timeStyle = 'short';
  const date = new Date(Number(unixSeconds) * 1000);
  if (Number.isNaN(date.getTime())) return String(unixSeconds); // beyond what a Date can hold
  return new Intl.DateTimeFormat(LOCALES[lang], opts).format(date);
}
