/**
 * Start-up benchmark: CPU-seconds (user + sys) of one start of each command on an empty folder,
 * three ways — `node bin/vigil.js` (what `npx vigil` runs), `node src/cli/main.ts`, and `npx vigil`
 * itself — beside a bare `node -e 0` and `npx node -e 0` (what npm's own start costs). "first" is a
 * start with an empty cache folder (after an install or an upgrade), the others are the median of
 * REPS starts with the cache warm. Usage: node bench/startup.ts [REPS]
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { measure } from './lib.ts';

const reps = Number(process.argv[2] ?? 3);
const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
mkdirSync(OUT, { recursive: true });
const scratch = mkdtempSync(join(tmpdir(), 'vigil-startup-'));
const empty = join(scratch, 'empty');
mkdirSync(empty);
const cache = join(scratch, 'cache');
// A private cache folder (so "first" is a first start); NODE_COMPILE_CACHE would override it.
const { NODE_COMPILE_CACHE: _ignored, ...inherited } = process.env;
const env = { ...inherited, VIGIL_CACHE_DIR: cache };
const node = process.execPath;
const vigil = join(ROOT, 'bin/vigil.js');
const main = join(ROOT, 'src/cli/main.ts');

const COMMANDS: string[][] = [
  ['--version'],
  ['--help'],
  ['exchange', 'hunt', empty],
  ['dns', 'sunburst', empty],
  ['intel', 'match', empty],
  ['orion', 'check', empty],
  ['mail', 'scan', empty],
  ['triage', empty],
  ['detectors'],
];

function cpu(cmd: string, args: string[]): number {
  const m = measure(cmd, args, env);
  if (m.cpuSecs === null) throw new Error('needs GNU time (/usr/bin/time) to read CPU time');
  return m.cpuSecs;
}
function median(cmd: string, args: string[]): number {
  const xs = Array.from({ length: reps }, () => cpu(cmd, args)).sort((a, b) => a - b);
  return xs[Math.floor(xs.length / 2)]!;
}

const f = (x: number) => x.toFixed(2).padStart(6);
const out = [
  `start-up benchmark: CPU-seconds per start, empty folder, median of ${reps} (${new Date().toISOString()})`,
  `bare node -e 0: ${f(median(node, ['-e', '0']))}   npx node -e 0 (npm's own start): ${f(median('npx', ['--no-install', 'node', '-e', '0']))}`,
  `${'command'.padEnd(22)} ${'first'.padStart(6)} ${'bin'.padStart(6)} ${'main.ts'.padStart(7)} ${'npx'.padStart(6)}`,
];
let worst = 0;
for (const args of COMMANDS) {
  rmSync(cache, { recursive: true, force: true });
  const first = cpu(node, [vigil, ...args]);
  const bin = median(node, [vigil, ...args]);
  const direct = median(node, [main, ...args]);
  const npx = median('npx', ['--no-install', 'vigil', ...args]);
  worst = Math.max(worst, bin);
  const name = args.map((a) => (a === empty ? 'EMPTY' : a)).join(' ');
  out.push(`${name.padEnd(22)} ${f(first)} ${f(bin)} ${f(direct).padStart(7)} ${f(npx)}`);
}
out.push(`slowest warm start through bin/vigil.js: ${worst.toFixed(2)} CPU-s (goal < 0.5)`);
console.log(out.join('\n'));
writeFileSync(join(OUT, 'startup.txt'), `${out.join('\n')}\n`);
rmSync(scratch, { recursive: true, force: true });
