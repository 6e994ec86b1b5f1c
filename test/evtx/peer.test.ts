import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { XMLParser } from 'fast-xml-parser';
import { readEvtx } from '../../src/evtx/file.ts';
import { toWinEvent } from '../../src/evtx/reader.ts';
import { DATA, hasData, needData } from '../support/paths.ts';

/**
 * Record for record against libevtx's `evtxexport` (Debian libevtx-utils; `.ci/run` installs it):
 * every EVTX file in the shared data, every record's System fields and every EventData / UserData
 * value. Formatting that differs by convention only (GUID braces and case, hex zero padding, sub-millisecond
 * time digits) is normalised; nothing else is.
 */
const hasPeer = spawnSync('evtxexport', ['-V'], { encoding: 'utf8' }).status === 0;
const files = hasData
  ? readdirSync(DATA, { recursive: true, encoding: 'utf8' })
      .filter((p) => p.endsWith('.evtx'))
      .sort()
      .map((p) => join(DATA, p))
  : [];

const xml = new XMLParser({
  ignoreAttributes: false,
  attributeNamePrefix: '@',
  parseTagValue: false,
  parseAttributeValue: false,
  trimValues: false,
  isArray: (n) => n === 'Data',
});
type Node = Record<string, unknown>;
const textOf = (v: unknown): string =>
  v === undefined || v === null ? '' : typeof v === 'object' ? String((v as Node)['#text'] ?? '') : String(v);
const norm = (s: string) =>
  s
    .replace(/^\{([0-9A-Fa-f-]{36})\}$/, '$1')
    .replace(/^[0-9A-Fa-f-]{36}$/, (g) => g.toUpperCase())
    .replace(/^0x[0-9A-Fa-f]+$/, (h) => `0x${BigInt(h).toString(16)}`)
    .replace(/\r\n/g, '\n')
    .trim();

function leaves(n: unknown, out: Record<string, string>): void {
  if (typeof n !== 'object' || n === null) return;
  for (const [k, v] of Object.entries(n as Node)) {
    if (k.startsWith('@') || k === '#text') continue;
    if (k === 'Data') {
      let i = 0;
      for (const d of v as unknown[]) {
        const name = typeof d === 'object' && d !== null ? (d as Node)['@Name'] : undefined;
        out[typeof name === 'string' && name ? name : `Data${++i}`] = norm(textOf(d));
      }
    } else if (
      typeof v === 'object' &&
      v !== null &&
      Object.keys(v).some((x) => !x.startsWith('@') && x !== '#text')
    ) {
      leaves(v, out);
    } else {
      out[k] = norm(textOf(v));
    }
  }
}

interface Flat {
  id: number;
  eventId: number;
  provider: string;
  channel: string;
  computer: string;
  time: string;
  data: Record<string, string>;
}

function peer(file: string): Flat[] {
  const out = execFileSync('evtxexport', ['-f', 'xml', file], { encoding: 'utf8', maxBuffer: 1 << 28 });
  return [...out.matchAll(/<Event [\s\S]*?<\/Event>/g)].map((m) => {
    const e = (xml.parse(m[0]) as { Event: Node }).Event;
    const sys = e['System'] as Node;
    const data: Record<string, string> = {};
    leaves(e['EventData'], data);
    leaves(e['UserData'], data);
    return {
      id: Number(textOf(sys['EventRecordID'])),
      eventId: Number(textOf(sys['EventID'])),
      provider: String((sys['Provider'] as Node)['@Name'] ?? ''),
      channel: textOf(sys['Channel']),
      computer: textOf(sys['Computer']),
      time: String((sys['TimeCreated'] as Node)['@SystemTime'] ?? '').slice(0, 23),
      data,
    };
  });
}

function mine(file: string): Flat[] {
  return [...readEvtx(readFileSync(file), () => undefined)].map((r) => {
    const e = toWinEvent(r.event, { path: file, offset: r.offset });
    const data: Record<string, string> = {};
    // Our keys for nested UserData are dotted paths; evtxexport's XML gives the leaf element.
    for (const [k, v] of Object.entries(e.data)) data[k.slice(k.lastIndexOf('.') + 1)] = norm(v);
    return {
      id: r.recordId,
      eventId: e.eventId,
      provider: e.provider,
      channel: e.channel ?? '',
      computer: e.computer ?? '',
      time: (e.time ?? '').slice(0, 23),
      data,
    };
  });
}

test(
  'EVTX: every file in the shared data matches evtxexport (libevtx) record for record',
  {
    skip: needData || (!hasPeer ? 'needs evtxexport (apt-get install libevtx-utils)' : false),
  },
  () => {
    assert.ok(files.length >= 100, `found ${files.length} EVTX files`);
    let records = 0;
    for (const f of files) {
      const want = peer(f);
      const got = mine(f);
      assert.equal(got.length, want.length, `${f}: record count`);
      for (let i = 0; i < want.length; i++) {
        const w = want[i]!;
        const g = got[i]!;
        assert.deepEqual({ ...g, id: 0 }, { ...w, id: 0 }, `${f}: record ${i} (EventRecordID ${w.id})`);
      }
      records += want.length;
    }
    assert.ok(records > files.length, `${records} records compared`);
  },
);
