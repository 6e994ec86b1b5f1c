/**
 * SUNBURST benchmark: `vigil dns sunburst` over a generated 10-million-line BIND query log
 * (real-shaped benign names, one beacon in 10,000 lines; see gen-dns.ts), beside a bare Node pass
 * that splits the same file into lines and ripgrep counting the beacons. Reports lines per second
 * (wall and per CPU-second) and peak RSS. Usage: node bench/sunburst.ts [LINES]
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasCommand, mb, measure } from './lib.ts';

const lines = Number(process.argv[2] ?? 10_000_000);
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

const rows: { name: string; m: ReturnType<typeof measure> }[] = [];
const v = measure(process.execPath, [
  join(ROOT, 'bin/vigil.js'),
  'dns',
  'sunburst',
  log,
  '--quiet',
  '--format',
  'jsonl',
  '--out',
  join(OUT, 'sunburst-findings.jsonl'),
]);
if (v.status !== 1) throw new Error(`vigil exited ${v.status}; expected 1 (the log holds beacons)`);
rows.push({ name: 'vigil dns sunburst (decode + reassemble)', m: v });
rows.push({ name: 'bare Node line split', m: measure(process.execPath, ['-e', bare, log]) });
if (hasCommand('rg'))
  rows.push({ name: 'ripgrep -c avsvmcloud', m: measure('rg', ['-c', 'avsvmcloud', log]) });

const out = [
  `sunburst benchmark: ${lines.toLocaleString('en')} lines in ${log} (${new Date().toISOString()})`,
];
for (const { name, m } of rows) {
  const perCore = m.cpuSecs ? `${(lines / m.cpuSecs / 1e6).toFixed(2)} M lines/CPU-s` : '';
  out.push(
    `${name.padEnd(42)} ${m.secs.toFixed(2).padStart(6)} s  ${(lines / m.secs / 1e6).toFixed(2)} M lines/s  ${perCore}  peak RSS ${mb(m.rssKb)}  vigil/this: ${(m.secs / v.secs).toFixed(2)}`,
  );
}
console.log(out.join('\n'));
writeFileSync(join(OUT, `sunburst-${lines}.txt`), `${out.join('\n')}\n`);
