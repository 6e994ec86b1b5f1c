import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeMessage } from '../../src/mail/analyze.ts';
import { analyzeOptions } from '../../src/mail/detector.ts';
import { iso, lnk, message } from '../../scripts/lib/mailfix.ts';
import { DATA, hasData } from '../support/paths.ts';

/**
 * Hostile mail for a bounded time: real messages mutated byte-wise and structurally, deep MIME
 * nesting, header floods, broken encodings, truncated containers. Every message must get a
 * verdict (never a throw), and memory must not grow with the number of messages.
 */
const opts = analyzeOptions({}, undefined);

function* seeds(): Generator<Buffer> {
  const M = join(DATA, 'mail');
  if (hasData) {
    for (const dir of ['phishing_pot-subset/email', 'spamassassin-testdata/spam', 'rspamd-test-messages']) {
      try {
        for (const f of readdirSync(join(M, dir))
          .filter((x) => /\.(eml|txt)$/.test(x))
          .slice(0, 25))
          yield readFileSync(join(M, dir, f));
      } catch {
        /* optional */
      }
    }
  }
  yield message({
    headers: { From: 'a@b.example', Subject: 'x' },
    text: 'hi',
    attachments: [
      {
        filename: 'x.iso',
        contentType: 'application/octet-stream',
        data: iso([{ name: 'a.lnk', data: lnk('C:\\x.exe', '-a') }]),
      },
    ],
  });
}

test('mail fuzz: mutated, nested, flooded and truncated messages always get a verdict, memory stays flat', async () => {
  let seed = 12345;
  const rnd = (n: number) => {
    seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
    return seed % n;
  };
  const base = [...seeds()];
  const cases: Buffer[] = [];
  const nest = (depth: number): string =>
    depth === 0
      ? 'Content-Type: text/plain\r\n\r\nend'
      : `Content-Type: multipart/mixed; boundary="b${depth}"\r\n\r\n--b${depth}\r\n${nest(depth - 1)}\r\n--b${depth}--`;
  cases.push(Buffer.from(`From: a@b.c\r\nMIME-Version: 1.0\r\n${nest(300)}`));
  cases.push(Buffer.from(`${'X-Flood: a\r\n'.repeat(50000)}From: a@b.c\r\n\r\nbody`));
  cases.push(
    Buffer.from(
      'From: =?utf-8?B?////?= <x@y.z>\r\nSubject: =?x-unknown?Q?=ZZ=?=\r\nContent-Type: text/html; charset=bogus\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!!not base64!!!!<a href="http://[::1">x</a>',
    ),
  );
  cases.push(
    Buffer.from(
      `From: a@b.c\r\nContent-Type: text/html\r\n\r\n${'<a href="http://x.example/">'.repeat(20000)}`,
    ),
  );
  cases.push(iso([{ name: 'x.lnk', data: Buffer.alloc(10) }]).subarray(0, 40000));
  const deadline = Date.now() + 15000;
  let n = 0;
  const heapBefore = process.memoryUsage().heapUsed;
  // At least 200 messages whatever the machine's load (a count, not a time, decides the test);
  // more while time is left.
  while (n < 200 || (Date.now() < deadline && n < 3000)) {
    let b: Buffer;
    if (n < cases.length) b = cases[n]!;
    else {
      const src = base[rnd(base.length)]!;
      b = Buffer.from(src);
      const kind = rnd(4);
      if (kind === 0) for (let i = 0; i < 1 + rnd(20); i++) b[rnd(b.length)] = rnd(256);
      else if (kind === 1) b = b.subarray(0, rnd(b.length));
      else if (kind === 2) {
        const at = rnd(b.length);
        b = Buffer.concat([
          b.subarray(0, at),
          b.subarray(at, Math.min(b.length, at + rnd(2000))),
          b.subarray(at),
        ]);
      } else
        b = Buffer.concat([
          b.subarray(0, rnd(b.length)),
          Buffer.from('\r\n--\r\nContent-Type: multipart/mixed; boundary=""\r\n\r\n'),
          b.subarray(rnd(b.length)),
        ]);
    }
    const v = await analyzeMessage(b, opts);
    assert.ok(['no_action', 'add_header', 'quarantine', 'reject'].includes(v.action));
    assert.ok(Number.isFinite(v.score));
    n++;
  }
  assert.ok(n >= 200, `${n} messages analysed`);
  global.gc?.();
  const grown = process.memoryUsage().heapUsed - heapBefore;
  assert.ok(grown < 256 * 1024 * 1024, `heap grew by ${Math.round(grown / 1e6)} MB over ${n} messages`);
});

test('containers that loop or inflate: an ISO whose directories point back at the root, a ZIP of many large members', async () => {
  const { listIso, listZip } = await import('../../src/mail/containers.ts');
  // 60 directory records in the root, each pointing at the root itself: without a guard that is 60^5 reads.
  const img = Buffer.from(
    iso(Array.from({ length: 60 }, (_, i) => ({ name: `D${i}`, data: Buffer.alloc(1) }))),
  );
  const root = 18 * 2048;
  for (let p = root, n = 0; n < 62 && img[p]! > 0; n++) {
    img.writeUInt32LE(18, p + 2);
    img[p + 25] = 2;
    p += img[p]!;
  }
  const t = Date.now();
  assert.deepEqual(listIso(img), []);
  assert.ok(Date.now() - t < 1000, 'a looping directory tree is read once');
  const v = await analyzeMessage(
    message({
      headers: { From: 'a@b.example', Subject: 'x' },
      text: 'x',
      attachments: [{ filename: 'x.iso', contentType: 'application/octet-stream', data: img }],
    }),
    opts,
  );
  assert.ok(v.signals.some((s) => s.name === 'ATTACH_DISK_IMAGE'));

  // 40 members of 4 MiB of zeros each (deflated to a few KB): contents are kept only up to a total budget.
  const { deflateRawSync } = await import('node:zlib');
  const members = Array.from({ length: 40 }, (_, i) => ({ name: `m${i}.bin`, data: Buffer.alloc(4 << 20) }));
  const zip = zipOf(members.map((m) => ({ name: m.name, raw: m.data, deflated: deflateRawSync(m.data) })));
  const listed = listZip(zip);
  assert.equal(listed.length, 40);
  const kept = listed.reduce((n, m) => n + (m.data?.length ?? 0), 0);
  assert.ok(kept <= 64 << 20, `${kept} bytes of member contents kept`);
});

function zipOf(entries: { name: string; raw: Buffer; deflated: Buffer }[]): Buffer {
  const locals: Buffer[] = [];
  const central: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const l = Buffer.alloc(30);
    l.writeUInt32LE(0x04034b50, 0);
    l.writeUInt16LE(20, 4);
    l.writeUInt16LE(8, 8);
    l.writeUInt32LE(e.deflated.length, 18);
    l.writeUInt32LE(e.raw.length, 22);
    l.writeUInt16LE(name.length, 26);
    const c = Buffer.alloc(46);
    c.writeUInt32LE(0x02014b50, 0);
    c.writeUInt16LE(20, 4);
    c.writeUInt16LE(20, 6);
    c.writeUInt16LE(8, 10);
    c.writeUInt32LE(e.deflated.length, 20);
    c.writeUInt32LE(e.raw.length, 24);
    c.writeUInt16LE(name.length, 28);
    c.writeUInt32LE(offset, 42);
    locals.push(l, name, e.deflated);
    central.push(c, name);
    offset += 30 + name.length + e.deflated.length;
  }
  const cd = Buffer.concat(central);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(cd.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, cd, end]);
}
