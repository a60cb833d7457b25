// Differential tests against Python: tests/verifier/test_webapp.py writes
// Python's own outcomes (PAS_JS_FIXTURES) for
//   - mutated passes (bit flips, byte edits, truncations, text edits) → verdicts,
//   - CBOR byte strings (hand-made and random) → accepted or refused,
//   - trust-list / revocation-list scenarios (rollback, wrong signer, ...) → outcome,
// and the JS verifier must agree on every one.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import * as cbor from '../../../verifier/webapp/js/cbor.js';
import { FormatError, TrustError } from '../../../verifier/webapp/js/errors.js';
import { TrustStore } from '../../../verifier/webapp/js/trust.js';
import { verify } from '../../../verifier/webapp/js/verify.js';
import { NO_FIXTURES, b64, hex, pythonFixtures, toHex } from './_helpers.mjs';

const FIX = pythonFixtures();
const skip = FIX === null ? NO_FIXTURES : false;

test('mutated passes get exactly the Python verdict', { skip }, async () => {
  const stores = [];
  for (const s of FIX.stores) {
    stores.push(await TrustStore.fromBytes(s.anchor_pub_hex, b64(s.trust_list_b64), s.revocations_b64.map(b64)));
  }
  const failures = [];
  for (const c of FIX.mutations) {
    const v = await verify(c.qr_text, stores[c.store], c.now);
    const got = `${v.status} ${v.warnings.join(',')}`;
    const want = `${c.expect} ${c.warnings.join(',')}`;
    if (got !== want) failures.push({ name: c.name, got, want, reason: v.reason });
  }
  assert.ok(FIX.mutations.length > 1000);
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${FIX.mutations.length} differ`);
});

test('the CBOR decoder accepts and refuses exactly what Python does', { skip }, () => {
  const failures = [];
  for (const c of FIX.cbor) {
    let ok;
    let reencoded = null;
    try {
      const value = cbor.decode(hex(c.hex), { allowTags: c.allow_tags });
      ok = true;
      reencoded = toHex(cbor.encode(value));
    } catch (err) {
      if (!(err instanceof FormatError)) throw err;
      ok = false;
    }
    if (ok !== c.ok) failures.push({ hex: c.hex, js: ok, python: c.ok });
    // Deterministic encoding: whatever is accepted re-encodes to the same bytes.
    else if (ok && reencoded !== c.hex) failures.push({ hex: c.hex, reencoded });
  }
  assert.ok(FIX.cbor.length > 1000);
  assert.deepEqual(failures.slice(0, 10), [], `${failures.length} of ${FIX.cbor.length} differ`);
});

test('trust and revocation lists: the same outcome as Python, rollback refused', { skip }, async () => {
  for (const c of FIX.lists) {
    let outcome;
    let store = null;
    try {
      store = await TrustStore.fromBytes(c.anchor_pub_hex, b64(c.trust_list_b64), c.revocations_b64.map(b64), {
        minSeq: c.min_seq,
        minRevocationSeqs: c.min_revocation_seqs,
      });
      if (c.add_b64 !== null) store = await store.withRevocations(c.add_b64.map(b64));
      outcome = 'ok';
    } catch (err) {
      if (err instanceof TrustError) outcome = 'TrustError';
      else if (err instanceof FormatError) outcome = 'FormatError';
      else throw err;
    }
    assert.equal(outcome, c.expect, `${c.name}: JS ${outcome}, Python ${c.expect}`);
    if (outcome === 'ok') {
      assert.equal(store.trustList.seq, c.seq, c.name);
      const seqs = {};
      for (const iss of Object.keys(c.revocation_seqs)) seqs[iss] = store.revocations(iss)?.seq ?? null;
      assert.deepEqual(seqs, c.revocation_seqs, c.name);
      if (c.check) {
        const v = await verify(c.check.qr_text, store, c.check.now);
        assert.equal(v.status, c.check.expect, `${c.name}: pass after the lists`);
      }
    }
  }
  assert.ok(FIX.lists.some((c) => /rollback/.test(c.name) && c.expect === 'TrustError'));
});
