import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomBytes } from 'node:crypto';
import { HashThread, localHashes } from '../../src/io/hashing.ts';

const expected = (b: Buffer) => ({
  sha256: createHash('sha256').update(b).digest('hex'),
  sha1: createHash('sha1').update(b).digest('hex'),
  md5: createHash('md5').update(b).digest('hex'),
});

test('the hashing thread gives the same digests as node:crypto, with sessions interleaved and chunks larger than a slot', async () => {
  const t = new HashThread(2, 64 * 1024); // a tiny ring, so the reader has to wait for free slots
  try {
    const a = randomBytes(3 * 1024 * 1024 + 17);
    const b = randomBytes(200_000);
    const sa = t.session();
    const sb = t.session();
    for (let off = 0; off < a.length; off += 300_000) {
      await sa.update(a.subarray(off, off + 300_000));
      if (off < b.length) await sb.update(b.subarray(off, off + 300_000));
    }
    assert.deepEqual(await sb.digest(), expected(b));
    assert.deepEqual(await sa.digest(), expected(a));
    assert.deepEqual(await t.session().digest(), expected(Buffer.alloc(0)));
  } finally {
    await t.close();
  }
});

test('local hashing agrees', async () => {
  const b = randomBytes(1000);
  const s = localHashes();
  s.update(b.subarray(0, 10));
  s.update(b.subarray(10));
  assert.deepEqual(await s.digest(), expected(b));
});
