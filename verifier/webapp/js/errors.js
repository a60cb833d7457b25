// The verifier's own error kinds, mirroring verifier/errors.py.
// Bad input never escapes as anything else: verify() turns a FormatError into MALFORMED.

export class PasError extends Error {
  constructor(message) {
    super(message);
    this.name = new.target.name;
  }
}

/** Bytes or text that do not follow the PAS1 wire format (docs/token-format.md). */
export class FormatError extends PasError {}

/** A trust list or revocation list that cannot be accepted (bad signature, rollback, ...). */
export class TrustError extends PasError {}
