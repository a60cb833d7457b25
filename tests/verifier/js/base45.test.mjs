// Base45 against the RFC 9285 vectors (tests/vectors/rfc9285.json).
import assert from 'node:assert/strict';
import path from 'node:path';
import { test } from 'node:test';

import { decode, encode } from '../../../verifier/webapp/js/base45.js';
import { FormatError } from '../../../verifier/webapp/js/errors.js';
import { VECTORS, hex, readJson, toHex } from './_helpers.mjs';

const RFC = readJson(path.join(VECTORS, 'rfc9285.json'));

test('encodes the RFC 9285 examples', () => {
  for (const v of RFC.encode) assert.equal(encode(hex(v.hex)), v.base45, v.section);
});

test('decodes the RFC 9285 examples', () => {
  for (const v of [...RFC.encode, ...RFC.decode]) assert.equal(toHex(decode(v.base45)), v.hex, v.section);
});

test('rejects what RFC 9285 forbids, with FormatError', () => {
  for (const v of RFC.invalid) assert.throws(() => decode(v.base45), FormatError, v.rule);
});

test('round-trips every length up to 64 and every byte value', () => {
  for (let n = 0; n <= 64; n++) {
    const bytes = Uint8Array.from({ length: n }, (_, i) => (i * 37 + n * 11) & 0xff);
    assert.deepEqual(decode(encode(bytes)), bytes);
  }
  const all = Uint8Array.from({ length: 256 }, (_, i) => i);
  assert.deepEqual(decode(encode(all)), all);
});

test('rejects non-text input', () => {
  assert.throws(() => decode(null), FormatError);
  assert.throws(() => decode(new Uint8Array(3)), FormatError);
});
