// Every single-bit flip of a valid pass is rejected (never VALID), like
// tests/verifier/test_tamper.py does for Python.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as base45 from '../../../verifier/webapp/js/base45.js';
import { TrustStore } from '../../../verifier/webapp/js/trust.js';
import { verify } from '../../../verifier/webapp/js/verify.js';
import { b64, pas1 } from './_helpers.mjs';

const CASES = pas1();

for (const name of ['valid-window-pass', 'valid-green-pass-webp']) {
  test(`no single-bit flip of ${name} is VALID`, async () => {
    const c = CASES.find((x) => x.name === name);
    const store = await TrustStore.fromBytes(c.anchor_pub_hex, b64(c.trust_list_b64), c.revocations_b64.map(b64));
    assert.equal((await verify(c.qr_text, store, c.now)).status, 'VALID');
    const cose = base45.decode(c.qr_text.slice(5));
    const counts = {};
    for (let i = 0; i < cose.length * 8; i++) {
      const flipped = cose.slice();
      flipped[i >> 3] ^= 1 << (i & 7);
      const v = await verify(`PAS1:${base45.encode(flipped)}`, store, c.now);
      assert.notEqual(v.status, 'VALID', `bit ${i} flipped still VALID`);
      counts[v.status] = (counts[v.status] ?? 0) + 1;
    }
    // Flips in the signed bytes are caught by the signature; in the framing by the parser.
    assert.ok(counts.BAD_SIGNATURE > 0 && counts.MALFORMED > 0, JSON.stringify(counts));
  });
}
