/**
 * SUNBURST benchmark: `vigil dns sunburst` over a generated 10-million-line BIND query log
 * (real-shaped benign names, one beacon in 10,000 lines; see gen-dns.ts), beside a bare Node pass
 * that splits the same file into lines and ripgrep counting the beacons. Reports lines per second
 * (wall and per CPU-second) and peak RSS, and the ratio that matters on a shared machine: Vigil's
 * lines per CPU-second over the bare split's, measured in the same run (best of RUNS alternating
 * runs of each, so a busy neighbour does not decide it). Asserts the findings: one
 * sunburst.query per avsvmcloud query line (same line number, same name) and the victims.
 * Usage: node bench/sunburst.ts [LINES] [RUNS]
 */
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasCommand, mb, measure } from './lib.ts';

const lines = Number(process.argv[2] ?? 10_000_000);
const runs = Number(process.argv[3] ?? 2);
const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
mkdirSync(OUT, { recursive: true });
const log = join(OUT, `dns-${lines}.log`);
if (!existsSync(log)) {
  console.log(`generating ${lines} lines in ${log} …`);
  if (
    spawnSync(process.execPath, [join(ROOT, 'bench/gen-dns.ts'), log, String(lines)], { stdio: 'inherit' })
      .status !== 0
  )
    process.exit(1);
}
const bare = `const fs=require('fs');let n=0;const s=fs.createReadStream(process.argv[1],{highWaterMark:1<<20});s.on('data',c=>{n+=c.toString('latin1').split('\\n').length-1});s.on('end',()=>console.log(n));`;
measure(process.execPath, ['-e', bare, log]); // warm the page cache

type M = ReturnType<typeof measure>;
const best = (a: M | undefined, b: M) => (!a || (b.cpuSecs ?? b.secs) < (a.cpuSecs ?? a.secs) ? b : a);
const findingsFile = join(OUT, 'sunburst-findings.jsonl');
let v: M | undefined;
let b: M | undefined;
for (let i = 0; i < runs; i++) {
  const m = measure(process.execPath, [
    join(ROOT, 'bin/vigil.js'),
    'dns',
    'sunburst',
    log,
    '--quiet',
    '--format',
    'jsonl',
    '--out',
    findingsFile,
  ]);
  if (m.status !== 1) throw new Error(`vigil exited ${m.status}; expected 1 (the log holds beacons)`);
  v = best(v, m);
  b = best(b, measure(process.execPath, ['-e', bare, log]));
}
checkFindings();
const rows: { name: string; m: M }[] = [];
rows.push({ name: 'vigil dns sunburst (decode + reassemble)', m: v! });
rows.push({ name: 'bare Node line split', m: b! });
if (hasCommand('rg'))
  rows.push({ name: 'ripgrep -c avsvmcloud', m: measure('rg', ['-c', 'avsvmcloud', log]) });
const out = [
  `sunburst benchmark: ${lines.toLocaleString('en')} lines in ${log} (${new Date().toISOString()})`,
];
for (const { name, m } of rows) {
  const perCore = m.cpuSecs ? `${(lines / m.cpuSecs / 1e6).toFixed(2)} M lines/CPU-s` : '';
  const ratio = m.cpuSecs && v!.cpuSecs ? (m.cpuSecs / v!.cpuSecs).toFixed(2) : 'n/a';
  out.push(
    `${name.padEnd(42)} ${m.secs.toFixed(2).padStart(6)} s  ${(lines / m.secs / 1e6).toFixed(2)} M lines/s  ${perCore}  peak RSS ${mb(m.rssKb)}  vigil/this per CPU-s: ${ratio}`,
  );
}
out.push(
  `ratio per CPU-second, vigil / bare split: ${v!.cpuSecs && b!.cpuSecs ? (b!.cpuSecs / v!.cpuSecs).toFixed(2) : 'n/a'} (goal ≥ 0.5); findings checked`,
);
console.log(out.join('\n'));
writeFileSync(join(OUT, `sunburst-${lines}.txt`), `${out.join('\n')}\n`);

/** Every avsvmcloud query line gave one sunburst.query finding at its line with its name; victims were found. */
function checkFindings(): void {
  const want = new Map<number, string>();
  // Read in pieces: a 10-million-line log is longer than the longest string V8 makes.
  const fd = openSync(log, 'r');
  const buf = Buffer.allocUnsafe(16 << 20);
  let carry = '';
  let n = 1;
  const line = (l: string) => {
    if (/avsvmcloud/i.test(l)) want.set(n, / query: (\S+) IN /.exec(l)?.[1]?.toLowerCase() ?? '');
    n++;
  };
  for (let got = readSync(fd, buf); got > 0; got = readSync(fd, buf)) {
    const parts = (carry + buf.toString('latin1', 0, got)).split('\n');
    carry = parts.pop()!;
    parts.forEach(line);
  }
  closeSync(fd);
  if (carry) line(carry);
  const got = readFileSync(findingsFile, 'utf8')
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { rule: string; source: { line?: number }; evidence: { fqdn?: string } });
  const queries = got.filter((f) => f.rule === 'sunburst.query');
  const bad = queries.filter((f) => want.get(f.source.line ?? -1) !== f.evidence.fqdn);
  if (queries.length !== want.size || bad.length || !got.some((f) => f.rule === 'sunburst.victim'))
    throw new Error(
      `findings differ: ${queries.length} sunburst.query findings for ${want.size} avsvmcloud lines, ${bad.length} at the wrong line`,
    );
}
