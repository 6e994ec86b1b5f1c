import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Scanner } from '../../src/triage/scan.ts';
import { DETECTORS, READERS } from '../../src/triage/registry.ts';
import { DEFAULT_LIMITS } from '../../src/triage/limits.ts';
import { builtinIndex } from '../../src/intel/builtin.ts';
import { makeZip } from '../../scripts/lib/zip.ts';
import { EXAMPLE } from '../support/paths.ts';

/** A small deterministic PRNG, so a failure can be replayed from its seed. */
function rng(seed: number) {
  let s = seed >>> 0;
  return (n: number) => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0;
    return s % n;
  };
}

function mutate(data: Buffer, r: (n: number) => number): Buffer {
  const b = Buffer.from(data);
  const ops = 1 + r(20);
  let out = b;
  for (let i = 0; i < ops; i++) {
    switch (r(6)) {
      case 0:
        if (out.length) out[r(out.length)] = r(256);
        break; // flip a byte
      case 1:
        out = out.subarray(0, r(out.length + 1));
        break; // truncate
      case 2: {
        const at = r(out.length + 1);
        out = Buffer.concat([
          out.subarray(0, at),
          Buffer.from('\n\r"\',;#<>%\x00\xff'.repeat(1 + r(4))),
          out.subarray(at),
        ]);
        break;
      }
      case 3: {
        const at = r(out.length + 1);
        out = Buffer.concat([out.subarray(0, at), out.subarray(at, at + r(4096)), out.subarray(at)]);
        break;
      } // duplicate a run
      case 4:
        out = Buffer.concat([out, Buffer.alloc(r(70_000), 0x41)]);
        break; // a long line
      default: {
        const n = r(64);
        for (let k = 0; k < n && out.length; k++) out[r(out.length)] = 0x0a;
      }
    }
  }
  return out;
}

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' }).filter((p) =>
    statSync(join(dir, p)).isFile(),
  );
}

test(
  'fuzz: mutated logs, mail, DNS logs, zips and gzips never crash a scan, and every problem names its file',
  { timeout: 120_000 },
  async () => {
    const seeds = files(EXAMPLE).map((p) => readFileSync(join(EXAMPLE, p)));
    const r = rng(20261122);
    const dir = mkdtempSync(join(tmpdir(), 'vigil-fuzz-'));
    for (let i = 0; i < 300; i++) {
      const base = seeds[r(seeds.length)]!;
      let data = mutate(base, r);
      const wrap = r(10);
      if (wrap === 0) data = gzipSync(data);
      else if (wrap === 1) data = makeZip([{ name: `m${i}.log`, data }]);
      else if (wrap === 2) {
        const z = makeZip([{ name: `m${i}.log`, data }]);
        data = z.subarray(0, r(z.length + 1));
      }
      writeFileSync(join(dir, `f${String(i).padStart(3, '0')}.bin`), data);
    }
    const problems: { path: string; message: string }[] = [];
    let findings = 0;
    const s = new Scanner(
      { detectors: DETECTORS, readers: READERS, limits: DEFAULT_LIMITS, context: { intel: builtinIndex() } },
      {
        finding: () => {
          findings++;
        },
        problem: (p) => problems.push({ path: p.source.path, message: p.message }),
        skipped: () => undefined,
      },
    );
    const stats = await s.scan([dir]);
    assert.equal(
      stats.files >= 300,
      true,
      `all 300 inputs were read (${stats.files} files incl. archive members)`,
    );
    for (const p of problems) {
      assert.match(p.path, /^f\d{3}\.bin/, `a problem names its file: ${JSON.stringify(p)}`);
      assert.ok(p.message.length > 5);
    }
    assert.ok(findings > 0, 'mutated evidence still yields findings');
    // Hostile input may be unreadable, but a detector must never throw on it.
    assert.deepEqual(
      problems.filter((p) => /^detector /.test(p.message)),
      [],
    );
  },
);
