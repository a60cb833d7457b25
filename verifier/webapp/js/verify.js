// Verification of a pass against a TrustStore, mirroring verifier/verify.py:
// the order of checks is the spec (docs/token-format.md), and so are the
// status and warning names.

import { PasError, errorName } from './errors.js';
import { decodeQrText, entryCategory } from './format.js';
import { photoFile } from './photo.js';

/** @import { Bytes, Int } from './cbor.js' */
/** @import { Category, Pass, Sign1 } from './format.js' */
/** @import { TrustStore } from './trust.js' */
/** @import { Policy, RegionStore } from './regions.js' */

/** A phone's clock may run a few minutes behind the service's: tolerate it for nbf only. */
export const NBF_LEEWAY_SECONDS = 300;
/** Tell the exploitant to send the worker to the spreekuur this long before expiry. */
export const EXPIRES_SOON_SECONDS = 60 * 86400;

export const Status = Object.freeze({
  VALID: 'VALID',
  MALFORMED: 'MALFORMED',
  UNKNOWN_ISSUER: 'UNKNOWN_ISSUER',
  BAD_SIGNATURE: 'BAD_SIGNATURE',
  NOT_YET_VALID: 'NOT_YET_VALID',
  EXPIRED: 'EXPIRED',
  REVOKED: 'REVOKED',
  // Genuine and current, but its issuer does not count where this app is set up
  // (verifier policy, docs/token-format.md §10.4). Not a permission to work here.
  NOT_VALID_HERE: 'NOT_VALID_HERE',
});

export const Notice = Object.freeze({
  EXPIRES_SOON: 'EXPIRES_SOON',
  TRUST_LIST_EXPIRED: 'TRUST_LIST_EXPIRED',
  REVOCATIONS_EXPIRED: 'REVOCATIONS_EXPIRED',
  REVOCATIONS_MISSING: 'REVOCATIONS_MISSING',
});

/** @typedef {typeof Status[keyof typeof Status]} StatusName */
/** @typedef {typeof Notice[keyof typeof Notice]} NoticeName */
/**
 * The pass's fields in a verdict, filled in when its signature verified.
 * @typedef {object} PassFields
 * @property {string} number
 * @property {Category} category
 * @property {string} iss
 * @property {string} issuerName
 * @property {Int} iat
 * @property {Int} nbf
 * @property {Int} exp
 * @property {Bytes} serial
 * @property {Bytes} photo
 * @property {string} photoType
 * @property {{bytes: Bytes, type: string}} photoFile  the photo as an image file for an <img>:
 *   an `av1` photo rebuilt into its AVIF file (docs/token-format.md §6.1), built only
 *   after the signature verified
 * @property {readonly NoticeName[]} warnings
 */
/**
 * The same fields when the signature did not verify (or the pass could not be read).
 * @typedef {{[K in keyof PassFields]: K extends 'warnings' ? readonly NoticeName[] : null}} NoPassFields
 */
/**
 * What verify() says about a pass: `photo` (and every other field of the pass) is
 * null unless its signature verified.
 * @typedef {Readonly<{status: StatusName, reason: string} & (PassFields | NoPassFields)>} Verdict
 */

/**
 * @param {StatusName} status
 * @param {string} reason
 * @param {PassFields} [fields]  the pass's, when its signature verified
 * @returns {Verdict}
 */
function verdict(status, reason, fields = undefined) {
  /** @type {NoPassFields} */
  const none = {
    number: null,
    category: null,
    iss: null,
    issuerName: null,
    iat: null,
    nbf: null,
    exp: null,
    serial: null,
    photo: null,
    photoType: null,
    photoFile: null,
    warnings: [],
  };
  return Object.freeze({ status, reason, ...(fields ?? none) });
}

/**
 * Check the text of a scanned QR code. Never throws for bad input.
 * `now` is Unix seconds (injected clock); it defaults to the device clock.
 * Resolves to a frozen verdict: {status, reason, number, category, iss,
 * issuerName, iat, nbf, exp, serial, photo, photoType, photoFile, warnings} (nbf is extra
 * to the Python Verdict, for the "valid from" line). The pass's claims
 * are filled in only when its signature verified. `store` is one region's lists or
 * several (RegionStore). With a `policy`, a genuine, current pass of an issuer that does
 * not count here is NOT_VALID_HERE (§10.4); without one every trusted issuer counts.
 * @param {string} qrText
 * @param {TrustStore | RegionStore} store
 * @param {number} [now]
 * @param {Policy | null} [policy]
 * @returns {Promise<Verdict>}
 */
export async function verify(qrText, store, now = Math.floor(Date.now() / 1000), policy = null) {
  /** @type {Sign1} */
  let envelope;
  /** @type {Pass} */
  let claims;
  try {
    [envelope, claims] = decodeQrText(qrText);
  } catch (err) {
    const reason = err instanceof PasError ? err.message : `undecodable (${errorName(err) ?? typeof err})`;
    return verdict(Status.MALFORMED, reason);
  }

  const candidates = store.candidates(envelope).filter(
    (c) =>
      c.entry.iss === claims.iss &&
      c.entry.nbf <= claims.iat &&
      claims.iat <= c.entry.exp &&
      entryCategory(c.entry, claims.category) !== null,
  );
  if (candidates.length === 0) {
    return verdict(Status.UNKNOWN_ISSUER, 'no trusted key for this issuer, time and category');
  }
  const tbs = envelope.toBeSigned();
  let signer = null;
  for (const c of candidates) {
    if (await store.ed.verify(c.key, envelope.signature, tbs)) {
      signer = c;
      break;
    }
  }
  if (signer === null) return verdict(Status.BAD_SIGNATURE, 'signature does not verify');

  const entry = signer.entry;
  // Never null: only keys that list the pass's category were candidates.
  const category = /** @type {Category} */ (entryCategory(entry, claims.category));
  /** @type {NoticeName[]} */
  const warnings = [];
  const trustList = store.trustListFor(claims.iss);
  if (trustList !== null && now >= trustList.exp) warnings.push(Notice.TRUST_LIST_EXPIRED);
  const revocations = store.revocations(claims.iss);
  if (revocations === null) warnings.push(Notice.REVOCATIONS_MISSING);
  else if (now >= revocations.exp) warnings.push(Notice.REVOCATIONS_EXPIRED);

  /** @type {StatusName} */
  let status;
  /** @type {string} */
  let reason;
  if (now + NBF_LEEWAY_SECONDS < claims.nbf) [status, reason] = [Status.NOT_YET_VALID, 'not valid yet'];
  else if (now >= claims.exp) [status, reason] = [Status.EXPIRED, 'expired'];
  else if (store.isRevoked(claims.iss, claims.serial)) [status, reason] = [Status.REVOKED, 'revoked by the issuer'];
  else if (policy && !(claims.iss === policy.here || policy.accept.has(claims.iss))) {
    status = Status.NOT_VALID_HERE;
    reason = `genuine pass of ${entry.name}; it does not count for work in ${policy.hereName || policy.here}`;
  } else {
    [status, reason] = [Status.VALID, ''];
    // exp - now <= 60 days, written without subtraction so BigInt claims compare too.
    if (claims.exp <= now + EXPIRES_SOON_SECONDS) warnings.unshift(Notice.EXPIRES_SOON);
  }
  return verdict(status, reason, {
    number: claims.number,
    category,
    iss: claims.iss,
    issuerName: entry.name,
    iat: claims.iat,
    nbf: claims.nbf,
    exp: claims.exp,
    serial: claims.serial,
    photo: claims.photo,
    photoType: claims.photoType,
    photoFile: photoFile(claims.photo, claims.photoType),
    warnings: Object.freeze(warnings),
  });
}

/**
 * The CLI's --json shape (`pas-verify check --json`), for comparing with Python.
 * @param {Verdict} v
 */
export function verdictToJson(v) {
  return {
    status: v.status,
    number: v.number,
    category: v.category === null ? null : { code: v.category.code, label: v.category.label, color: v.category.color },
    iss: v.iss,
    issuer_name: v.issuerName,
    exp: typeof v.exp === 'bigint' ? String(v.exp) : v.exp,
    warnings: [...v.warnings],
  };
}
