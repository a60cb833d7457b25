// The av1 photo (docs/token-format.md §6.1): js/photo.js checks it and rebuilds its AVIF
// file exactly as verifier/photo.py does. On the vectors (whose photo_sha256 is the
// SHA-256 of Python's rebuild) and, with PAS_JS_FIXTURES, on libavif's own encodes and
// on mutated photos, where Python's refusals and rebuilt bytes are given.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';

import { FormatError } from '../../../verifier/webapp/js/errors.js';
import { decodeQrText } from '../../../verifier/webapp/js/format.js';
import { avifFromAv1, checkAv1, photoFile } from '../../../verifier/webapp/js/photo.js';
import { TrustStore } from '../../../verifier/webapp/js/trust.js';
import { verify } from '../../../verifier/webapp/js/verify.js';
import { NO_FIXTURES, b64, pas1, pythonFixtures, toHex } from './_helpers.mjs';

const CASES = pas1();
const FIX = pythonFixtures();
const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex');

test('every signed vector shows the photo file Python shows, byte for byte', async () => {
  const signed = CASES.filter((c) => c.photo_sha256 !== undefined && !c.more_regions);
  assert.ok(signed.some((c) => c.photo_type === 'image/avif' && c.name === 'valid-av1-grey'));
  for (const c of signed) {
    const store = await TrustStore.fromBytes(c.anchor_pub_hex, b64(c.trust_list_b64), c.revocations_b64.map(b64), {
      minSeq: c.min_seq ?? 0,
      minRevocationSeqs: c.min_revocation_seqs ?? {},
    });
    const v = await verify(c.qr_text, store, c.now, c.policy ? { here: c.policy.here, accept: new Set(c.policy.accept) } : null);
    assert.ok(v.photoFile, c.name);
    assert.equal(v.photoFile.type, c.photo_type, c.name);
    assert.equal(sha256(v.photoFile.bytes), c.photo_sha256, c.name);
  }
});

test('the first vector rebuilds to the 614-byte file of §6.1', () => {
  const [, claims] = decodeQrText(CASES[0].qr_text);
  assert.equal(claims.photoType, 'av1');
  const file = avifFromAv1(claims.photo);
  assert.equal(file.length, claims.photo.length + 277);
  assert.equal(toHex(file.subarray(0, 32)), '00000020667479706176696600000000617669666d6966316d6961664d413142');
  assert.equal(toHex(file.subarray(275, 277)), '1200');
  const s = checkAv1(claims.photo);
  assert.deepEqual([s.width, s.height, s.mono, s.colorPrimaries, s.transfer, s.matrix, s.fullRange], [72, 96, false, 1, 13, 6, true]);
});

test('every malformed-av1 vector is refused by the photo check', () => {
  const bad = CASES.filter((c) => c.name.startsWith('malformed-av1-'));
  assert.ok(bad.length >= 20);
  for (const c of bad) {
    assert.throws(() => decodeQrText(c.qr_text), (err) => err instanceof FormatError && err.message.startsWith('av1 photo:'), c.name);
  }
});

test('anything thrown at the rebuild is a FormatError or a file', () => {
  for (const input of [undefined, null, 'av1', new Uint8Array(0), new Uint8Array([0x0a]), new Uint8Array([0x0a, 0x80]),
    new Uint8Array([0x0a, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0x7f])]) {
    assert.throws(() => avifFromAv1(input), FormatError);
  }
  assert.throws(() => photoFile(new Uint8Array([1]), 'image/jpeg'), FormatError);
  const webp = new Uint8Array([1, 2, 3]);
  assert.deepEqual(photoFile(webp, 'image/webp'), { bytes: webp, type: 'image/webp' });
});

test('libavif encodes and mutated photos: the same refusals and the same bytes as Python', { skip: FIX === null ? NO_FIXTURES : false }, () => {
  const failures = [];
  let rebuilt = 0;
  for (const [i, c] of FIX.av1.entries()) {
    let got = null;
    try {
      got = Buffer.from(avifFromAv1(b64(c.ph))).toString('base64');
    } catch (err) {
      if (!(err instanceof FormatError)) failures.push({ i, err: String(err) });
    }
    if (got !== c.avif) failures.push({ i, got: got?.slice(0, 40) ?? null, want: c.avif?.slice(0, 40) ?? null });
    if (got !== null) rebuilt++;
  }
  assert.ok(FIX.av1.length > 1000 && rebuilt >= 18, `${rebuilt} rebuilt`);
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${FIX.av1.length} differ`);
});
