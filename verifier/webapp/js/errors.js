// The verifier's own error kinds, mirroring verifier/errors.py.
// Bad input never escapes as anything else: verify() turns a FormatError into MALFORMED.

export class PasError extends Error {
  /** @param {string} message */
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bytes or text that do not follow the PAS1 wire format (docs/token-format.md). */
export class FormatError extends PasError {}

/** A trust list or revocation list that cannot be accepted (bad signature, rollback, ...). */
export class TrustError extends PasError {}

/**
 * The `name` of whatever a catch clause caught (`err?.name`), or undefined: anything
 * can be thrown, not only an Error.
 * @param {unknown} err
 * @returns {unknown}
 */
export function errorName(err) {
  if ((typeof err === 'object' && err !== null) || typeof err === 'function') return 'name' in err ? err.name : undefined;
  return undefined;
}
