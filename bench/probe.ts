/**
 * Probe benchmark: `vigil exchange probe` against 5,000 simulated Exchange hosts on loopback
 * (a child process serves them; see probe-sims.ts), reporting hosts per second and the prober's
 * peak RSS, at the default concurrency and with the rate limit off.
 * Usage: node bench/probe.ts [HOSTS] [CONCURRENCY]
 */
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createInterface } from 'node:readline';
import { mb, measure } from './lib.ts';

const hosts = Number(process.argv[2] ?? 5000);
const concurrency = process.argv[3] ?? '64';
const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
mkdirSync(OUT, { recursive: true });
const sims = spawn(process.execPath, [join(import.meta.dirname, 'probe-sims.ts'), String(hosts)], {
  stdio: ['ignore', 'pipe', 'inherit'],
});
const line = await new Promise<string>((resolve) =>
  createInterface({ input: sims.stdout! }).once('line', resolve),
);
const targets = JSON.parse(line) as string[];
const list = join(OUT, 'probe-targets.txt');
writeFileSync(list, `${targets.join('\n')}\n`);
try {
  const m = measure(process.execPath, [
    join(ROOT, 'bin/vigil.js'),
    'exchange',
    'probe',
    '--targets',
    list,
    '--concurrency',
    concurrency,
    '--rate',
    '0',
    '--timeout',
    '10',
    '--format',
    'csv',
    '--out',
    join(OUT, 'probe.csv'),
  ]);
  const csv = (await import('node:fs'))
    .readFileSync(join(OUT, 'probe.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1);
  const counts: Record<string, number> = {};
  for (const r of csv) {
    const v = r.split(',')[1]!;
    counts[v] = (counts[v] ?? 0) + 1;
  }
  const out = [
    `probe benchmark: ${targets.length} simulated hosts on loopback, concurrency ${concurrency} (${new Date().toISOString()})`,
    `vigil exchange probe: ${m.secs.toFixed(2)} s, ${(targets.length / m.secs).toFixed(0)} hosts/s, CPU ${m.cpuSecs?.toFixed(2) ?? 'n/a'} s, peak RSS ${mb(m.rssKb)}, exit ${m.status}`,
    `verdicts: ${Object.entries(counts)
      .map(([k, n]) => `${n} ${k}`)
      .join(', ')}`,
  ];
  console.log(out.join('\n'));
  writeFileSync(join(OUT, `probe-${hosts}.txt`), `${out.join('\n')}\n`);
} finally {
  sims.kill();
}
