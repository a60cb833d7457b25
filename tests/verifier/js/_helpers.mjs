// Shared helpers for the Node tests of the JS verifier (verifier/webapp/js/).
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
export const APP_JS = path.join(ROOT, 'verifier/webapp/js');
export const VECTORS = path.join(ROOT, 'tests/vectors');

export function readJson(p) {
  return JSON.parse(fs.readFileSync(p, 'utf8'));
}

export function b64(s) {
  return new Uint8Array(Buffer.from(s, 'base64'));
}

export function hex(s) {
  return new Uint8Array(Buffer.from(s, 'hex'));
}

export function toHex(bytes) {
  return Buffer.from(bytes).toString('hex');
}

/** The shared interop vectors (tests/vectors/pas1.json). */
export function pas1() {
  return readJson(path.join(VECTORS, 'pas1.json'));
}

/**
 * Fixtures written by tests/verifier/test_webapp.py (PAS_JS_FIXTURES): Python's
 * verdicts on mutated passes and Python's outcomes for list scenarios. Null when
 * the Node tests run on their own.
 */
export function pythonFixtures() {
  const p = process.env.PAS_JS_FIXTURES;
  return p ? readJson(p) : null;
}

export const NO_FIXTURES = 'PAS_JS_FIXTURES not set (pytest tests/verifier/test_webapp.py sets it)';
