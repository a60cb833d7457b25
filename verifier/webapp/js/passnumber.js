// Pass numbers, mirroring verifier/passnumber.py: `PP-XXXXXXXX-C`, a 2–4 letter
// issuer prefix, 8 Crockford base32 characters and a Damm check character over GF(32).

export const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const PATTERN = /^[A-Z]{2,4}-[0-9A-HJKMNP-TV-Z]{8}-[0-9A-HJKMNP-TV-Z]$/;

/**
 * @param {number} interim
 * @param {number} digit
 */
function step(interim, digit) {
  // Damm quasigroup x∘d = 2·x + d in GF(2^5) with x^5 + x^2 + 1.
  let doubled = interim << 1;
  if (doubled & 0x20) doubled ^= 0x25;
  return doubled ^ digit;
}

/**
 * The Damm check character for a string of Crockford base32 digits.
 * @param {string} digits
 * @returns {string}
 */
export function checkCharacter(digits) {
  let interim = 0;
  for (const c of digits) interim = step(interim, ALPHABET.indexOf(c));
  return ALPHABET[step(interim, 0)];
}

/**
 * True when `number` is in canonical form and its check character matches.
 * @param {unknown} number
 * @returns {number is string}
 */
export function isValid(number) {
  if (typeof number !== 'string' || !PATTERN.test(number)) return false;
  const [, body, check] = number.split('-');
  return checkCharacter(body) === check;
}
