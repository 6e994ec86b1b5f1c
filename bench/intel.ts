/**
 * Intel benchmark: load 1 million generated indicators (CSV: sha256, domains, IPv4, URLs, CIDRs)
 * into the index, then run 10 million lookups (hashes, subdomains, IPs; about half hits), beside a
 * bare JavaScript Set of the same strings as the floor. Reports time, rate and memory.
 * Usage: node bench/intel.ts [INDICATORS] [LOOKUPS]
 */
import { createHash } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { IntelIndex } from '../src/intel/index.ts';
import { loadFeed } from '../src/intel/load/index.ts';

const N = Number(process.argv[2] ?? 1_000_000);
const L = Number(process.argv[3] ?? 10_000_000);
const OUT = join(import.meta.dirname, 'out');
mkdirSync(OUT, { recursive: true });
const feed = join(OUT, `intel-${N}.csv`);

const sha = (i: number) => createHash('sha256').update(String(i)).digest('hex');
const dom = (i: number) => `h${i.toString(36)}.example${i % 97}.net`;
const ip = (i: number) => `${((i >>> 16) & 255) | 1}.${(i >>> 8) & 255}.${i & 255}.${(i * 7) & 255}`;
const lines = ['type,value'];
for (let i = 0; i < N; i++) {
  const k = i % 20;
  if (k < 8) lines.push(`sha256,${sha(i)}`);
  else if (k < 14) lines.push(`domain,${dom(i)}`);
  else if (k < 18) lines.push(`ipv4,${ip(i)}`);
  else if (k < 19) lines.push(`url,https://${dom(i)}/p/${i}`);
  else lines.push(`cidr,${((i >>> 8) & 255) | 1}.${i & 255}.${(i >>> 4) & 255}.0/24`);
}
writeFileSync(feed, `${lines.join('\n')}\n`);

const mem = () => {
  (globalThis as { gc?: () => void }).gc?.();
  return process.memoryUsage();
};
const before = mem();
let t = performance.now();
const index = new IntelIndex();
const r = loadFeed(feed, index, 'bench');
const loadSecs = (performance.now() - t) / 1000;
const after = mem();

// Queries: about half hits (existing values, subdomains of indicator domains), half misses.
const q: { kind: 0 | 1 | 2; v: string }[] = [];
for (let i = 0; i < 100_000; i++) {
  const j = (i * 7919) % N;
  const hit = i % 2 === 0;
  const k = i % 3;
  if (k === 0) q.push({ kind: 0, v: hit ? sha(j - (j % 20)) : sha(N + i) });
  else if (k === 1) q.push({ kind: 1, v: hit ? `www.${dom(j - (j % 20) + 8)}` : `www.miss${i}.example.org` });
  else q.push({ kind: 2, v: hit ? ip(j - (j % 20) + 14) : `203.0.${i & 255}.${(i >> 8) & 255}` });
}
let hits = 0;
t = performance.now();
for (let n = 0; n < L; n++) {
  const x = q[n % q.length]!;
  const m =
    x.kind === 0 ? index.hash(x.v).length : x.kind === 1 ? index.domain(x.v).length : index.ip(x.v).length;
  if (m) hits++;
}
const lookupSecs = (performance.now() - t) / 1000;

// The floor: a Set of the same normalised strings, exact lookups only (no subdomains, no CIDR).
const set = new Set<string>();
for (const line of lines.slice(1)) set.add(line.slice(line.indexOf(',') + 1));
t = performance.now();
let setHits = 0;
for (let n = 0; n < L; n++) if (set.has(q[n % q.length]!.v)) setHits++;
const setSecs = (performance.now() - t) / 1000;

const out = [
  `intel benchmark: ${N.toLocaleString('en')} indicators, ${L.toLocaleString('en')} lookups (${new Date().toISOString()})`,
  `load: ${loadSecs.toFixed(2)} s (${(N / loadSecs / 1e3).toFixed(0)} k indicators/s), ${r.loaded} loaded, ${r.rejected.length} rejected; heap +${((after.heapUsed - before.heapUsed) / 1048576).toFixed(0)} MB, RSS ${(after.rss / 1048576).toFixed(0)} MB`,
  `lookups: ${lookupSecs.toFixed(2)} s (${(L / lookupSecs / 1e6).toFixed(2)} M/s, ${((lookupSecs / L) * 1e9).toFixed(0)} ns each; hashes, subdomain walks, IP + CIDR), ${hits.toLocaleString('en')} hits`,
  `bare Set.has (exact strings only): ${setSecs.toFixed(2)} s (${(L / setSecs / 1e6).toFixed(2)} M/s), ${setHits.toLocaleString('en')} hits; index/Set time ratio ${(lookupSecs / setSecs).toFixed(1)}`,
];
console.log(out.join('\n'));
writeFileSync(join(OUT, `intel-${N}.txt`), `${out.join('\n')}\n`);
