/**
 * Exchange hunt benchmark: `vigil exchange hunt` with every check over generated multi-GB
 * HttpProxy and IIS logs (gen-mixed.ts --logs-only), beside a bare Node pass that only searches
 * the same bytes for the pre-filter string in 1 MiB chunks (the practical JavaScript ceiling) and
 * ripgrep. Prints MB/s, peak RSS and ratios. Usage: node bench/hunt.ts [GB]
 */
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasCommand, mb, measure } from './lib.ts';

const gb = Number(process.argv[2] ?? 2);
const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
const dir = join(OUT, `exlogs-${gb}g`);
mkdirSync(OUT, { recursive: true });
if (!existsSync(dir)) {
  console.log(`generating ${gb} GB of HttpProxy and IIS logs in ${dir} …`);
  if (
    spawnSync(process.execPath, [join(ROOT, 'bench/gen-mixed.ts'), dir, String(gb), '--logs-only'], {
      stdio: 'inherit',
    }).status !== 0
  )
    process.exit(1);
}
const size = (p: string): number => {
  const st = statSync(p);
  return st.isDirectory() ? readdirSync(p).reduce((s, n) => s + size(join(p, n)), 0) : st.size;
};
const bytes = size(dir);
const bare = `const fs=require('fs'),path=require('path');const needle=Buffer.from('ServerInfo~');let hits=0;
function walk(p){const st=fs.statSync(p);if(st.isDirectory()){for(const n of fs.readdirSync(p))walk(path.join(p,n));return}
const fd=fs.openSync(p,'r');const b=Buffer.allocUnsafe(1<<20);let n;while((n=fs.readSync(fd,b,0,b.length,null))>0){let i=-1;while((i=b.indexOf(needle,i+1))>=0&&i<n)hits++}fs.closeSync(fd)}
walk(process.argv[1]);console.log(hits);`;
measure(process.execPath, ['-e', bare, dir]); // warm the page cache

const rows: { name: string; m: ReturnType<typeof measure> }[] = [];
const v = measure(process.execPath, [
  join(ROOT, 'bin/vigil.js'),
  'exchange',
  'hunt',
  dir,
  '--quiet',
  '--format',
  'jsonl',
  '--out',
  join(OUT, 'hunt-findings.jsonl'),
]);
rows.push({ name: 'vigil exchange hunt (every check)', m: v });
rows.push({ name: 'bare Node pre-filter pass (indexOf)', m: measure(process.execPath, ['-e', bare, dir]) });
if (hasCommand('rg'))
  rows.push({ name: 'ripgrep -c ServerInfo~', m: measure('rg', ['-c', 'ServerInfo~', dir]) });
const out = [
  `exchange hunt benchmark: ${(bytes / 1e9).toFixed(2)} GB of HttpProxy + IIS logs (${new Date().toISOString()})`,
];
for (const { name, m } of rows)
  out.push(
    `${name.padEnd(40)} ${m.secs.toFixed(2).padStart(7)} s ${(bytes / 1e6 / m.secs).toFixed(0).padStart(6)} MB/s  CPU ${m.cpuSecs?.toFixed(1) ?? 'n/a'} s  peak RSS ${mb(m.rssKb)}  vigil/this speed: ${(m.secs / v.secs).toFixed(2)}`,
  );
console.log(out.join('\n'));
writeFileSync(join(OUT, `hunt-${gb}g.txt`), `${out.join('\n')}\n`);
