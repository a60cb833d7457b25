// Several regions (verifier/webapp/js/regions.js, ADR 0020): the RegionStore refuses an
// issuer under two anchors whatever the order, and config's accept items resolve to codes.
import assert from 'node:assert/strict';
import { test } from 'node:test';

import { RegionStore, nameOf, resolveAccept } from '../../../verifier/webapp/js/regions.js';
import { TrustError, TrustStore } from '../../../verifier/webapp/js/trust.js';
import { Status, verify } from '../../../verifier/webapp/js/verify.js';
import { b64, pas1 } from './_helpers.mjs';

const CASES = pas1();
const byName = (name) => CASES.find((c) => c.name === name);

async function storeOf(anchor, tl, revs) {
  return TrustStore.fromBytes(anchor, b64(tl), revs.map(b64));
}

async function regionsOf(c) {
  const first = await storeOf(c.anchor_pub_hex, c.trust_list_b64, c.revocations_b64);
  const more = c.more_regions[0];
  const second = await storeOf(more.anchor_pub_hex, more.trust_list_b64, more.revocations_b64);
  return [{ id: 'drenthe', store: first }, { id: 'fryslan', store: second }];
}

test('an issuer under two anchors is refused in either order', async () => {
  const c = byName('refused-issuer-under-two-anchors');
  const [a, b] = await regionsOf(c);
  assert.throws(() => new RegionStore([a, b]), (e) => e instanceof TrustError && /GM0014 is listed under two anchors/.test(e.message));
  assert.throws(() => new RegionStore([b, a]), TrustError);
});

test('accept items: codes as they are, a region id as its issuers, a typo refused', async () => {
  const regions = await regionsOf(byName('not-valid-here-second-region'));
  assert.deepEqual([...resolveAccept(['fryslan', 'GM0106'], regions)].sort(), ['GM0080', 'GM0106']);
  assert.throws(() => resolveAccept(['frieslan'], regions), TrustError);
  const store = new RegionStore(regions);
  assert.equal(nameOf('GM0080', store), 'Gemeente Leeuwarden');
  assert.equal(nameOf('GM9999', store), 'GM9999');
});

test('NOT_VALID_HERE carries the verified pass, with the region resolved from config', async () => {
  const c = byName('not-valid-here-second-region');
  const regions = await regionsOf(c);
  const store = new RegionStore(regions);
  const policy = { here: 'GM0106', accept: resolveAccept(['GM0014'], regions), hereName: 'Gemeente Assen' };
  const v = await verify(c.qr_text, store, c.now, policy);
  assert.equal(v.status, Status.NOT_VALID_HERE);
  assert.equal(v.issuerName, 'Gemeente Leeuwarden');
  assert.ok(v.photo && v.photo.length > 100);
  assert.match(v.reason, /Gemeente Leeuwarden.*Gemeente Assen/);
  const accepted = { ...policy, accept: resolveAccept(['fryslan'], regions) };
  assert.equal((await verify(c.qr_text, store, c.now, accepted)).status, Status.VALID);
});
