// The app as a witness of the service's audit log (js/translog.js, docs/transparency.md):
// the same RFC 9162 consistency verification as verifier/translog.py on every proof of
// trees up to 8 leaves (and tampered ones), and the same checkpoint rules.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { TrustStore } from '../../../verifier/webapp/js/trust.js';
import {
  LogRewritten,
  checkCheckpoint,
  checkExtension,
  proofFromJson,
  verifyConsistency,
} from '../../../verifier/webapp/js/translog.js';
import { NO_FIXTURES, b64, hex, pythonFixtures } from './_helpers.mjs';

const FIX = pythonFixtures()?.translog ?? null;
const skip = FIX === null ? NO_FIXTURES : false;

test('every consistency proof of Python verifies, and none verifies once tampered', { skip }, async () => {
  const roots = FIX.roots.map(hex);
  for (const { m, n, proof } of FIX.consistency) {
    const hashes = proof.map(hex);
    assert.equal(await verifyConsistency(m, n, roots[m], roots[n], hashes), true, `${m}→${n}`);
    if (m < n) {
      assert.equal(await verifyConsistency(m, n, roots[m - 1] ?? roots[0], roots[n], hashes), false, `${m}→${n} old root`);
      assert.equal(await verifyConsistency(m, n, roots[m], roots[n - 1], hashes), false, `${m}→${n} new root`);
      for (let i = 0; i < hashes.length; i += 1) {
        const bad = hashes.map((h) => h.slice());
        bad[i][0] ^= 1;
        assert.equal(await verifyConsistency(m, n, roots[m], roots[n], bad), false, `${m}→${n} hash ${i}`);
      }
      assert.equal(await verifyConsistency(m, n, roots[m], roots[n], hashes.slice(1)), false, `${m}→${n} short`);
    }
  }
});

test('a checkpoint counts only when signed by a key the trust list holds for its iss', { skip }, async () => {
  const store = await TrustStore.fromBytes(FIX.anchor_hex, b64(FIX.trust_list_b64));
  const cps = Object.fromEntries(Object.entries(FIX.checkpoints).map(([k, v]) => [k, b64(v)]));
  const five = await checkCheckpoint(store, cps.five);
  assert.equal(five.size, 5);
  await assert.rejects(checkCheckpoint(store, cps.stranger), /not listed/);
  await assert.rejects(checkCheckpoint(store, cps['other-issuers-key']), /not listed|bad signature/);
  const tampered = cps.five.slice();
  tampered[tampered.length - 1] ^= 1;
  await assert.rejects(checkCheckpoint(store, tampered));
});

test('growth with a proof passes; rollback, fork and a missing proof are a rewritten log', { skip }, async () => {
  const store = await TrustStore.fromBytes(FIX.anchor_hex, b64(FIX.trust_list_b64));
  const cp = async (name) => checkCheckpoint(store, b64(FIX.checkpoints[name]));
  const [five, eight, forked, three] = [await cp('five'), await cp('eight'), await cp('five-forked'), await cp('three')];
  const json = FIX.consistency.find((c) => c.m === 5 && c.n === 8);
  await checkExtension(five, eight, proofFromJson({ v: 1, from: 5, to: 8, proof: json.proof }, 5, 8));
  await checkExtension(five, five, null);
  await assert.rejects(checkExtension(five, three, null), LogRewritten);
  await assert.rejects(checkExtension(five, forked, null), LogRewritten);
  await assert.rejects(checkExtension(five, eight, null), LogRewritten);
  await assert.rejects(checkExtension(five, eight, json.proof.slice(1).map(hex)), LogRewritten);
  assert.throws(() => proofFromJson({ v: 1, from: 5, to: 7, proof: json.proof }, 5, 8));
});
