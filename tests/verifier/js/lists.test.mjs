// The app's list refresh (verifier/webapp/js/lists.js) follows docs/token-format.md §9
// like TrustStore does: a rollback is refused, and so is a revocation list with the seq
// of the cached one but other contents (equivocation); the same list signed by another
// key of the issuer is not a contradiction. fetch is stubbed; no IndexedDB in Node, so
// the lists live in memory.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { Lists } from '../../../verifier/webapp/js/lists.js';
import { verify } from '../../../verifier/webapp/js/verify.js';
import { b64, pas1 } from './_helpers.mjs';

const CASES = Object.fromEntries(pas1().map((c) => [c.name, c]));
const equivocation = CASES['refused-revocations-equivocation'];
const bothKeys = CASES['revoked-same-list-from-both-keys'];
const superseded = CASES['revoked-lower-seq-in-the-same-call-is-superseded'];
const revokedPass = CASES['revoked'];
const URL_BASE = 'https://lists.example/';

function serve(files) {
  globalThis.fetch = async (url) => {
    const body = files[String(url).slice(URL_BASE.length)];
    if (body === undefined) return new Response('', { status: 404 });
    return new Response(body, { status: 200 });
  };
}

async function status(lists, c) {
  return (await verify(c.qr_text, lists.store, c.now)).status;
}

test('a revocation list with the cached seq and other contents is refused; the cached one stays', async () => {
  const [groningen, equivocal] = equivocation.revocations_b64.map(b64);
  const lists = new Lists({ anchorHex: equivocation.anchor_pub_hex, listsUrl: URL_BASE });
  await lists.load();
  const tl = b64(equivocation.trust_list_b64);
  serve({ 'trust-list.cose': tl, 'revocations/GM0014.cose': groningen });
  await lists.refresh();
  assert.equal(lists.lastError, null);
  assert.equal(await status(lists, revokedPass), 'REVOKED');

  serve({ 'trust-list.cose': tl, 'revocations/GM0014.cose': equivocal });
  await lists.refresh();
  assert.equal(lists.lastError, 'failed');
  assert.equal(await status(lists, revokedPass), 'REVOKED', 'the first list is kept');

  // The same payload signed by Groningen's other key: accepted, nothing wrong.
  serve({ 'trust-list.cose': tl, 'revocations/GM0014.cose': b64(bothKeys.revocations_b64[1]) });
  await lists.refresh();
  assert.equal(lists.lastError, null);
  assert.equal(await status(lists, revokedPass), 'REVOKED');

  // A lower seq after it: a rollback, refused.
  serve({ 'trust-list.cose': tl, 'revocations/GM0014.cose': b64(superseded.revocations_b64[1]) });
  await lists.refresh();
  assert.equal(lists.lastError, 'rollback');
  assert.equal(lists.store.revocations('GM0014').seq, 9);
});
