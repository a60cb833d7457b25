// The shared interop vectors (tests/vectors/pas1.json, made by scripts/make_vectors.py):
// the JS verifier must give exactly Python's verdict for every case, under both
// Ed25519 backends. Plus the cose-wg eddsa-sig-01 example and RFC 8032 test 1.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import path from 'node:path';
import { test } from 'node:test';

import * as cbor from '../../../verifier/webapp/js/cbor.js';
import { useBackend } from '../../../verifier/webapp/js/ed25519.js';
import { FormatError } from '../../../verifier/webapp/js/errors.js';
import { Sign1, sigStructure } from '../../../verifier/webapp/js/format.js';
import { RegionStore } from '../../../verifier/webapp/js/regions.js';
import { TrustError, TrustStore } from '../../../verifier/webapp/js/trust.js';
import { Status, verify } from '../../../verifier/webapp/js/verify.js';
import { VECTORS, b64, hex, pas1, readJson, toHex } from './_helpers.mjs';

const CASES = pas1();
/** Not a verdict: accepting the case's lists (with its floors) must fail. */
const REFUSED = 'REFUSED';

async function storeOf(c) {
  const first = await TrustStore.fromBytes(c.anchor_pub_hex, b64(c.trust_list_b64), c.revocations_b64.map(b64), {
    minSeq: c.min_seq ?? 0,
    minRevocationSeqs: c.min_revocation_seqs ?? {},
  });
  if (!c.more_regions) return first;
  // Several pinned anchors (§9.1): one store per region, side by side.
  const regions = [{ id: 'region-0', store: first }];
  for (const [i, r] of c.more_regions.entries()) {
    const store = await TrustStore.fromBytes(r.anchor_pub_hex, b64(r.trust_list_b64), r.revocations_b64.map(b64));
    regions.push({ id: `region-${i + 1}`, store });
  }
  return new RegionStore(regions);
}

/** Where the pass counts (§10.4), or null: every trusted issuer counts. */
function policyOf(c) {
  return c.policy ? { here: c.policy.here, accept: new Set(c.policy.accept) } : null;
}

async function runAll() {
  const failures = [];
  for (const c of CASES) {
    if (c.expect === REFUSED) {
      try {
        await storeOf(c);
        failures.push({ name: c.name, got: 'accepted', want: REFUSED });
      } catch (err) {
        if (!(err instanceof TrustError || err instanceof FormatError)) failures.push({ name: c.name, got: String(err) });
      }
      continue;
    }
    const store = await storeOf(c);
    const v = await verify(c.qr_text, store, c.now, policyOf(c));
    const photo = v.photoFile && { type: v.photoFile.type, sha256: createHash('sha256').update(v.photoFile.bytes).digest('hex') };
    const got = { status: v.status, warnings: [...v.warnings], number: v.number, photo };
    const want = {
      status: c.expect, warnings: c.warnings, number: c.number ?? null,
      photo: c.photo_sha256 ? { type: c.photo_type, sha256: c.photo_sha256 } : null,
    };
    if (JSON.stringify(got) !== JSON.stringify(want)) failures.push({ name: c.name, got, want, reason: v.reason });
  }
  return failures;
}

test('the vectors cover every status, and list refusals', () => {
  const seen = new Set(CASES.map((c) => c.expect));
  assert.deepEqual([...seen].sort(), [...Object.values(Status), REFUSED].sort());
});

for (const name of ['webcrypto', 'noble']) {
  test(`every pas1.json vector gives Python's verdict (${name})`, async () => {
    await useBackend(name);
    try {
      assert.deepEqual(await runAll(), []);
    } finally {
      await useBackend('webcrypto');
    }
  });
}

test('a VALID verdict carries the verified claims', async () => {
  const c = CASES.find((x) => x.name === 'valid-window-pass');
  const store = await TrustStore.fromBytes(c.anchor_pub_hex, b64(c.trust_list_b64), c.revocations_b64.map(b64));
  const v = await verify(c.qr_text, store, c.now);
  assert.equal(v.status, 'VALID');
  assert.equal(v.iss, 'GM0014');
  assert.equal(v.issuerName, 'Gemeente Groningen');
  assert.deepEqual(v.category, { code: 'raam', label: 'Wit', color: '#FFFFFF' });
  assert.equal(v.photoType, 'av1');
  assert.equal(v.photoFile.type, 'image/avif');
  assert.equal(v.photoFile.bytes.length, v.photo.length + 277);
  assert.ok(v.photo.length > 100 && v.photo.length <= 2000);
  assert.ok(v.exp > c.now);
  assert.throws(() => { v.status = 'VALID'; }, TypeError, 'verdicts are frozen');
});

test('verdicts of failed checks show nothing unverified', async () => {
  for (const c of CASES.filter((x) => ['MALFORMED', 'UNKNOWN_ISSUER', 'BAD_SIGNATURE'].includes(x.expect))) {
    const v = await verify(c.qr_text, await storeOf(c), c.now, policyOf(c));
    assert.equal(v.photo, null, c.name);
    assert.equal(v.number, null, c.name);
    assert.equal(v.issuerName, null, c.name);
  }
});

test('verify never throws, whatever it is given', async () => {
  const c = CASES[0];
  const store = await TrustStore.fromBytes(c.anchor_pub_hex, b64(c.trust_list_b64), c.revocations_b64.map(b64));
  for (const input of [undefined, null, 42, {}, [], new Uint8Array(4), 'PAS1:', 'PAS1:' + 'A'.repeat(5000), '\u{1F600}']) {
    assert.equal((await verify(input, store, c.now)).status, 'MALFORMED');
  }
});

const COSE_WG = readJson(path.join(VECTORS, 'cose-wg/eddsa-sig-01.json'));
const RFC8032 = readJson(path.join(VECTORS, 'cose-wg/rfc8032-test1.json'));

test('cose-wg eddsa-sig-01: our Sig_structure and Ed25519 verify the published message', async () => {
  const message = hex(COSE_WG.output.cbor);
  const item = cbor.decode(message, { allowTags: [18] });
  assert.ok(item instanceof cbor.Tag && item.number === 18);
  const [protectedBytes, unprotected, payload, signature] = item.value;
  assert.deepEqual([...cbor.decode(protectedBytes)], [[1, -8], [3, 0]]);
  assert.deepEqual([...unprotected.keys()], [4]);
  assert.deepEqual(cbor.encode(item), message, 'our encoder reproduces it byte for byte');
  const tbs = sigStructure(protectedBytes, payload);
  assert.equal(toHex(tbs), COSE_WG.intermediates.ToBeSign_hex.toLowerCase());
  for (const name of ['webcrypto', 'noble']) {
    const ed = await useBackend(name);
    const key = await ed.importKey(hex(COSE_WG.input.sign0.key.x_hex));
    assert.equal(await ed.verify(key, signature, tbs), true, name);
    const changed = tbs.slice();
    changed[changed.length - 1] ^= 1;
    assert.equal(await ed.verify(key, signature, changed), false, name);
  }
  await useBackend('webcrypto');
  // It is a valid COSE_Sign1 but not a PAS1 envelope (kid unprotected, extra header).
  assert.throws(() => Sign1.fromBytes(message), FormatError);
});

test('RFC 8032 test 1 verifies under both backends', async () => {
  const { public_key_hex: pubHex, signature_hex: sigHex, message_hex: msgHex } = RFC8032;
  for (const name of ['webcrypto', 'noble']) {
    const ed = await useBackend(name);
    assert.equal(await ed.verify(await ed.importKey(hex(pubHex)), hex(sigHex), hex(msgHex)), true, name);
  }
  await useBackend('webcrypto');
});
