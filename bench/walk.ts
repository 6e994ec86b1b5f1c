/**
 * Walk benchmark: `vigil triage` over a generated mixed evidence folder (see gen-mixed.ts),
 * beside two baselines measured in the same run on the same bytes:
 *   - bare Node: read every file in 1 MiB chunks and search for the pre-filter string (the
 *     practical ceiling for a JavaScript pass that looks at every byte);
 *   - ripgrep (`rg -uuu -z -c`), when installed (Debian package `ripgrep`).
 * Prints MB/s, peak RSS and ratios. Usage: node bench/walk.ts [GB] (default 2; folder cached
 * in bench/out/mixed-<GB>g).
 */
import { spawnSync } from 'node:child_process';
import { hasCommand, mb, measure } from './lib.ts';
import { existsSync, readdirSync, statSync, writeFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';

const gb = Number(process.argv[2] ?? 2);
const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
const dir = join(OUT, `mixed-${gb}g`);
mkdirSync(OUT, { recursive: true });
if (!existsSync(dir)) {
  console.log(`generating ${gb} GB of mixed evidence in ${dir} …`);
  const g = spawnSync(process.execPath, [join(ROOT, 'bench/gen-mixed.ts'), dir, String(gb)], {
    stdio: 'inherit',
  });
  if (g.status !== 0) process.exit(1);
}

function size(p: string): number {
  const st = statSync(p);
  if (!st.isDirectory()) return st.size;
  return readdirSync(p).reduce((s, n) => s + size(join(p, n)), 0);
}
const bytes = size(dir);
const bare = `
const fs=require('fs'),path=require('path');const needle=Buffer.from('ServerInfo~');let hits=0;
function walk(p,root){const st=root?fs.statSync(p):fs.lstatSync(p);if(st.isDirectory()){for(const n of fs.readdirSync(p))walk(path.join(p,n));return}
if(!st.isFile())return;const fd=fs.openSync(p,'r');const b=Buffer.allocUnsafe(1<<20);let n;while((n=fs.readSync(fd,b,0,b.length,null))>0){if(b.subarray(0,n).indexOf(needle)>=0)hits++}fs.closeSync(fd)}
walk(process.argv[1],true);console.log(hits);`;

// Warm the page cache so every contender reads from memory.
measure(process.execPath, ['-e', bare, dir]);

const rows: { name: string; secs: number; rssKb: number | null }[] = [];
const vigil = measure(process.execPath, [
  join(ROOT, 'bin/vigil.js'),
  'triage',
  dir,
  '--quiet',
  '--format',
  'jsonl',
  '--out',
  join(OUT, 'walk-findings.jsonl'),
]);
if (vigil.status !== 1)
  throw new Error(`vigil exited ${vigil.status}; expected 1 (the folder holds attack rows)`);
rows.push({ name: 'vigil triage (all detectors, 3 hashes per file)', ...vigil });
rows.push({ name: 'bare Node pass (read + indexOf)', ...measure(process.execPath, ['-e', bare, dir]) });
const rg = hasCommand('rg');
if (rg)
  rows.push({
    name: 'ripgrep -uuu -z -c ServerInfo~',
    ...measure('rg', ['-uuu', '-z', '-c', 'ServerInfo~', dir]),
  });

const mbps = (s: number) => bytes / 1e6 / s;
const base = rows[0]!;
const lines = [`walk benchmark: ${(bytes / 1e9).toFixed(2)} GB in ${dir} (${new Date().toISOString()})`];
for (const r of rows) {
  lines.push(
    `${r.name.padEnd(50)} ${r.secs.toFixed(2).padStart(7)} s ${mbps(r.secs).toFixed(0).padStart(6)} MB/s  peak RSS ${mb(r.rssKb)}  vigil/this: ${(mbps(base.secs) / mbps(r.secs)).toFixed(2)}`,
  );
}
if (!rg) lines.push('(ripgrep not installed: apt-get install ripgrep to compare)');
console.log(lines.join('\n'));
writeFileSync(join(OUT, `walk-${gb}g.txt`), `${lines.join('\n')}\n`);
