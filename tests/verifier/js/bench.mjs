// Speed of the JS verify() under Node for named pas1.json vectors, both Ed25519
// backends: prints {name: {webcrypto: µs, noble: µs}}. Run by
// tests/verifier/test_webapp.py::test_js_verify_speed_against_python (a report,
// not a timed assertion). Not a test file itself.
import { useBackend } from '../../../verifier/webapp/js/ed25519.js';
import { TrustStore } from '../../../verifier/webapp/js/trust.js';
import { verify } from '../../../verifier/webapp/js/verify.js';
import { b64, pas1 } from './_helpers.mjs';

const names = process.argv.slice(2);
const cases = pas1().filter((c) => names.includes(c.name));
const out = {};
for (const backendName of ['webcrypto', 'noble']) {
  await useBackend(backendName);
  for (const c of cases) {
    const store = await TrustStore.fromBytes(c.anchor_pub_hex, b64(c.trust_list_b64), c.revocations_b64.map(b64));
    const n = backendName === 'noble' ? 100 : 2000;
    for (let i = 0; i < n / 10; i++) await verify(c.qr_text, store, c.now);
    const t0 = performance.now();
    for (let i = 0; i < n; i++) await verify(c.qr_text, store, c.now);
    out[c.name] ??= {};
    out[c.name][backendName] = ((performance.now() - t0) / n) * 1000;
  }
}
process.stdout.write(JSON.stringify(out));
