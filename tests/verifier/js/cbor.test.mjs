// The strict CBOR subset: the same accept/reject rules as verifier/_cbor.py.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { MAX_DEPTH, Tag, decode, encode } from '../../../verifier/webapp/js/cbor.js';
import { FormatError } from '../../../verifier/webapp/js/errors.js';
import { hex } from './_helpers.mjs';

const rejects = (h, why, opts) => assert.throws(() => decode(hex(h), opts), FormatError, `${h}: ${why}`);

test('decodes the items PAS1 uses', () => {
  assert.equal(decode(hex('00')), 0);
  assert.equal(decode(hex('17')), 23);
  assert.equal(decode(hex('1818')), 24);
  assert.equal(decode(hex('1903e8')), 1000);
  assert.equal(decode(hex('1a000f4240')), 1000000);
  assert.equal(decode(hex('1b000000e8d4a51000')), 1000000000000);
  assert.equal(decode(hex('1b001fffffffffffff')), Number.MAX_SAFE_INTEGER);
  assert.equal(decode(hex('1bffffffffffffffff')), 2n ** 64n - 1n);
  assert.equal(decode(hex('20')), -1);
  assert.equal(decode(hex('27')), -8);
  assert.equal(decode(hex('3903e7')), -1000);
  assert.equal(decode(hex('3bffffffffffffffff')), -(2n ** 64n));
  assert.deepEqual(decode(hex('4401020304')), Uint8Array.of(1, 2, 3, 4));
  assert.equal(decode(hex('6449455446')), 'IETF');
  assert.equal(decode(hex('62c3bc')), 'ü');
  assert.equal(decode(hex('64f0908591')), '\u{10151}');
  assert.deepEqual(decode(hex('83010203')), [1, 2, 3]);
  const m = decode(hex('a201020303'));
  assert.ok(m instanceof Map);
  assert.deepEqual([...m], [[1, 2], [3, 3]]);
});

test('keeps a leading byte order mark in text, as Python does', () => {
  assert.equal(decode(hex('63efbbbf')), '\ufeff');
});

test('rejects non-shortest heads', () => {
  rejects('1805', 'uint 5 in one extra byte');
  rejects('190017', '23 in two bytes');
  rejects('1900ff', '255 in two bytes');
  rejects('1a0000ffff', '65535 in four bytes');
  rejects('1b00000000ffffffff', '2^32-1 in eight bytes');
  rejects('3817', 'negative in one extra byte');
  rejects('5800', 'empty byte string with a one-byte length');
  rejects('780161', 'text length in an extra byte');
  rejects('9801' + '00', 'array length in an extra byte');
  rejects('b801' + '0000', 'map length in an extra byte');
});

test('rejects indefinite lengths and reserved values', () => {
  for (const h of ['5f4101ff', '7f6161ff', '9f01ff', 'bf0101ff', '1c', '1d', '1e', '3f']) rejects(h, 'indefinite/reserved');
});

test('rejects floats and simple values', () => {
  for (const h of ['f4', 'f5', 'f6', 'f7', 'f93c00', 'fa3f800000', 'fb3ff0000000000000', 'f820']) rejects(h, 'float/simple');
});

test('rejects tags except those allowed, and only at the top', () => {
  rejects('d201', 'tag 18 when none is allowed');
  assert.ok(decode(hex('d201'), { allowTags: [18] }) instanceof Tag);
  rejects('c11a514b67b0', 'tag 1 (epoch time)', { allowTags: [18] });
  rejects('81d201', 'tag 18 nested in an array', { allowTags: [18] });
  rejects('d2d201', 'tag 18 inside tag 18', { allowTags: [18] });
  rejects('d818' + '01', 'tag 24', { allowTags: [18] });
});

test('rejects maps with keys out of order, duplicated or of the wrong type', () => {
  rejects('a203010102', 'keys 3, 1 not sorted');
  rejects('a201010102', 'duplicate key 1');
  rejects('a2616201616101', 'text keys "b", "a" not sorted');
  rejects('a2616101616101', 'duplicate text key');
  rejects('a220000100', 'key -1 (0x20) before key 1 (0x01)');
  rejects('a1410101', 'byte-string key');
  rejects('a1810101', 'array key');
  rejects('a1a00101', 'map key');
  // Deterministic order is by encoded bytes: 10 (0x0a) < 100 (0x1864) < -1 (0x20) < "a" (0x6161).
  const m = decode(hex('a40a011864022003616104'));
  assert.deepEqual([...m.keys()], [10, 100, -1, 'a']);
});

test('rejects invalid UTF-8', () => {
  rejects('62c328', 'bad continuation');
  rejects('62c0af', 'overlong');
  rejects('63eda080', 'UTF-16 surrogate');
  rejects('64f4908080', 'above U+10FFFF');
  rejects('61ff', 'invalid byte');
});

test('rejects truncated input and trailing bytes', () => {
  for (const h of ['', '18', '19ff', '1aff', '1bffffffff', '4201', '6261', '8201', 'a101', 'a1']) rejects(h, 'truncated');
  rejects('0000', 'trailing byte');
  rejects('5bffffffffffffffff00', 'byte string of 2^64-1 bytes');
  rejects('9bffffffffffffffff', 'array of 2^64-1 items');
  rejects('bb00000000ffffffff', 'map of 2^32-1 pairs');
  rejects('9a00010000' + '00'.repeat(10), 'array longer than the input');
});

test(`limits nesting to depth ${MAX_DEPTH}`, () => {
  assert.deepEqual(decode(hex('81'.repeat(MAX_DEPTH) + '00')).flat(Infinity), [0]);
  rejects('81'.repeat(MAX_DEPTH + 1) + '00', 'too deep');
  rejects('a101'.repeat(MAX_DEPTH + 1) + '00', 'maps too deep');
});

test('rejects non-bytes input', () => {
  assert.throws(() => decode('00'), FormatError);
  assert.throws(() => decode([0]), FormatError);
});

test('encodes deterministically and round-trips', () => {
  const value = new Map([
    ['pn', 'GR-0000000-0'],
    [1, 'GM0014'],
    [-8, new Uint8Array([1, 2])],
    [4, 2n ** 63n],
  ]);
  const bytes = encode(value);
  const back = decode(bytes);
  assert.deepEqual([...back.keys()], [1, 4, -8, 'pn']);
  assert.deepEqual(encode(back), bytes);
  assert.deepEqual(encode(new Tag(18, [1])), hex('d28101'));
});
