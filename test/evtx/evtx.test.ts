import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { readEvtx, streamEvtx, toJson, type EvtxWarning } from '../../src/evtx/file.ts';
import { BinXmlError, ChunkContext, parseFragment } from '../../src/evtx/binxml.ts';
import { DATA, chunked, collect, hasData, needData } from '../support/paths.ts';

const REG = join(DATA, 'sigma', 'regression_data');
const pairs = hasData
  ? readdirSync(REG, { recursive: true, encoding: 'utf8' })
      .filter((p) => p.endsWith('.evtx'))
      .sort()
      .map((p) => join(REG, p))
  : [];

/** SigmaHQ's .json renderings hold one or more concatenated `{"Event": …}` objects. */
function expected(evtx: string): Map<number, unknown> {
  const text = readFileSync(evtx.replace(/\.evtx$/, '.json'), 'utf8');
  const out = new Map<number, unknown>();
  for (const part of text.split(/^(?=\{)/m)) {
    if (!part.trim()) continue;
    const o = JSON.parse(part) as { Event: { System: { EventRecordID: number } } };
    out.set(o.Event.System.EventRecordID, o);
  }
  return out;
}

test(
  'EVTX: every SigmaHQ regression file decodes to its published JSON rendering',
  { skip: needData },
  () => {
    assert.ok(pairs.length >= 100, `found ${pairs.length} regression .evtx files`);
    let same = 0;
    let records = 0;
    const differ: string[] = [];
    for (const f of pairs) {
      const warnings: EvtxWarning[] = [];
      const want = expected(f);
      const got = [...readEvtx(readFileSync(f), (w) => warnings.push(w))];
      assert.deepEqual(warnings, [], f);
      records += got.length;
      // Match on the event's own EventRecordID: some files were re-exported, so the record
      // header's number no longer equals it.
      const mine = new Map(
        got.map((r) => {
          const ev = toJson(r.event) as { System: { EventRecordID: number } };
          return [ev.System.EventRecordID, ev] as const;
        }),
      );
      let ok = true;
      for (const [id, ev] of want) {
        assert.ok(mine.has(id), `${f}: record ${id} is present`);
        try {
          assert.deepEqual({ Event: mine.get(id) }, ev);
        } catch {
          ok = false;
        }
      }
      if (ok) same++;
      else differ.push(f);
    }
    assert.ok(records >= pairs.length, `${records} records`);
    // One rendering was edited by hand upstream ("Explorer.exe" casing, 9-digit SystemTime).
    assert.ok(same >= pairs.length - 1, `exact: ${same}/${pairs.length}; differ: ${differ.join(', ')}`);
  },
);

test(
  'EVTX: streaming in odd-sized pieces yields the same records as reading whole',
  { skip: needData },
  async () => {
    const f = pairs.find((p) => readFileSync(p).length > 3 * 65536) ?? pairs[0]!;
    const whole = [...readEvtx(readFileSync(f), () => undefined)].map((r) => [r.recordId, r.time]);
    const streamed = (await collect(streamEvtx(chunked(readFileSync(f), 7919), () => undefined)))
      .flat()
      .map((r) => [r.recordId, r.time]);
    assert.ok(whole.length > 0);
    assert.deepEqual(streamed, whole);
  },
);

test('EVTX: a damaged chunk is reported by number and the other records survive', { skip: needData }, () => {
  const f = pairs[0]!;
  const good = [...readEvtx(readFileSync(f), () => undefined)];
  const bad = Buffer.from(readFileSync(f));
  // Flip bytes inside the first chunk's record area (past the 512-byte chunk header).
  for (let i = 4096 + 600; i < 4096 + 700; i++) bad[i] = bad[i]! ^ 0xff;
  const warnings: EvtxWarning[] = [];
  const got = [...readEvtx(bad, (w) => warnings.push(w))];
  assert.ok(
    warnings.some((w) => w.chunk === 0),
    JSON.stringify(warnings),
  );
  assert.ok(got.length <= good.length);
});

test('EVTX: a file that is not EVTX is refused with a clear error', () => {
  assert.throws(() => [...readEvtx(Buffer.alloc(5000, 0x41), () => undefined)], /EVTX|ElfFile|header/i);
});

test('EVTX: a template that instantiates itself is refused, not followed forever', () => {
  // Template definition at 0 (next offset, GUID, body size), body at 24: one template instance
  // (token 0x0c, 1 byte, id, definition offset 0, no values) — i.e. itself.
  const b = Buffer.alloc(64);
  b.writeUInt32LE(14, 20);
  b.set([0x0c, 0x01, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0], 24);
  assert.throws(
    () => parseFragment(new ChunkContext(b), 24, 38, null),
    (e: unknown) => e instanceof BinXmlError && /nested more than/.test(e.message),
  );
});

test(
  'EVTX fuzz: flipped bytes in real files give warnings naming the record, never an exception',
  { skip: needData },
  () => {
    const seeds = pairs.map((p) => readFileSync(p));
    let s = 20261122;
    const r = (n: number) => {
      s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
      return s % n;
    };
    const warnings: EvtxWarning[] = [];
    let read = 0;
    for (let i = 0; i < 1000; i++) {
      const b = Buffer.from(seeds[r(seeds.length)]!);
      for (let k = 0, n = 1 + r(8); k < n; k++) b[4096 + 512 + r(b.length - 4608)] = r(256);
      for (const rec of readEvtx(b, (w) => warnings.push(w))) {
        read++;
        toJson(rec.event);
      }
    }
    assert.ok(read > 500, `${read} records still read`);
    assert.ok(warnings.length > 100);
    for (const w of warnings) assert.match(w.message, /^(record \d+: |chunk |record signature)/, w.message);
  },
);

test('EVTX: a chain of templates that each instantiate the next twice (2^40 elements) is stopped quickly', () => {
  // Name "a" at 0; template i (24-byte header, then body) is <a> holding two instances of template i+1.
  const u32 = (n: number) => {
    const b = Buffer.alloc(4);
    b.writeUInt32LE(n);
    return [...b];
  };
  const open = [0x01, 0, 0, 0, 0, 0, 0, ...u32(0)];
  const k = 40;
  const defs: number[] = [];
  for (let i = 0, off = 16; i < k; i++) {
    defs.push(off);
    off += 24 + (i === k - 1 ? 12 : 41);
  }
  const buf = Buffer.alloc(defs[k - 1]! + 24 + 12);
  buf.writeUInt16LE(1, 6);
  buf.writeUInt16LE(0x61, 8);
  for (let i = 0; i < k; i++) {
    const inst = (to: number) => [0x0c, 1, 0, 0, 0, 0, ...u32(to), 0, 0, 0, 0];
    const body = Buffer.from(
      i === k - 1 ? [...open, 0x03] : [...open, 0x02, ...inst(defs[i + 1]!), ...inst(defs[i + 1]!), 0x04],
    );
    buf.writeUInt32LE(body.length, defs[i]! + 20);
    body.copy(buf, defs[i]! + 24);
  }
  const start = defs[0]! + 24;
  assert.throws(
    () => parseFragment(new ChunkContext(buf), start, start + buf.readUInt32LE(defs[0]! + 20), null),
    (e: unknown) => e instanceof BinXmlError && /more than 100000/.test(e.message),
  );
});
