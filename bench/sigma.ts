/**
 * EVTX + Sigma benchmark: events per second for EVTX parsing alone and for parsing plus the whole
 * SigmaHQ rule set, beside libevtx's `evtxexport` (Debian libevtx-utils) on the same file, which
 * parses and prints XML. The file is generated (gen-evtx.ts: ordinary Sysmon / Security /
 * PowerShell activity written as Windows lays it out). Usage: node bench/sigma.ts [EVENTS]
 */
import { existsSync, mkdirSync, readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawnSync } from 'node:child_process';
import { hasCommand, mb, measure } from './lib.ts';

const events = Number(process.argv[2] ?? 200_000);
const ROOT = join(import.meta.dirname, '..');
const OUT = join(ROOT, 'bench', 'out');
const SIGMA = join(ROOT, '..', 'shared', 'data', 'sigma');
mkdirSync(OUT, { recursive: true });
const file = join(OUT, `events-${events}.evtx`);
if (!existsSync(file)) {
  console.log(`generating ${events} events in ${file} …`);
  if (
    spawnSync(process.execPath, [join(ROOT, 'bench/gen-evtx.ts'), file, String(events)], { stdio: 'inherit' })
      .status !== 0
  )
    process.exit(1);
}
const rules = readdirSync(SIGMA)
  .filter((d) => d.startsWith('rules'))
  .map((d) => join(SIGMA, d));

const inproc = (args: string[]) => {
  const m = measure(process.execPath, [join(ROOT, 'bench/evtx-parse.ts'), file, ...args]);
  if (m.status !== 0) throw new Error('evtx-parse failed');
  return {
    m,
    r: JSON.parse(m.stdout.trim()) as {
      events: number;
      secs: number;
      rules: number;
      loadSecs: number;
      byLevel: Record<string, number>;
    },
  };
};

inproc([]); // warm the page cache
const lines: string[] = [
  `EVTX + Sigma benchmark: ${events.toLocaleString('en')} events in ${file} (${new Date().toISOString()})`,
];
const row = (name: string, n: number, secs: number, cpu: number | null, rss: number | null, ref?: number) =>
  lines.push(
    `${name.padEnd(52)} ${secs.toFixed(2).padStart(7)} s  ${Math.round(n / secs)
      .toLocaleString('en')
      .padStart(
        8,
      )} events/s${cpu ? `  ${Math.round(n / cpu).toLocaleString('en')} /CPU-s` : ''}  peak RSS ${mb(rss)}${ref ? `  ×${(ref / secs).toFixed(2)} evtxexport` : ''}`,
  );

let peer: number | undefined;
if (hasCommand('evtxexport') || spawnSync('evtxexport', ['-V']).status === 0) {
  const e = measure('sh', ['-c', 'evtxexport -f xml "$0" > /dev/null 2>&1', file]);
  peer = e.secs;
  row('evtxexport -f xml (libevtx, parse + print XML)', events, e.secs, e.cpuSecs, e.rssKb);
} else lines.push('evtxexport not installed (apt-get install libevtx-utils): no peer row');

const parse = inproc([]);
row('vigil EVTX → events (parse only)', parse.r.events, parse.r.secs, null, parse.m.rssKb, peer);
const all = inproc(rules);
row(`vigil EVTX → events + ${all.r.rules} Sigma rules`, all.r.events, all.r.secs, null, all.m.rssKb, peer);
lines.push(
  `  (rules loaded and compiled once in ${all.r.loadSecs.toFixed(2)} s, not in the time above; matches by level: ${JSON.stringify(all.r.byLevel)})`,
);
const cli = measure(process.execPath, [
  join(ROOT, 'bin/vigil.js'),
  'sigma',
  ...rules,
  '--quiet',
  '--format',
  'jsonl',
  '--out',
  join(OUT, 'sigma-findings.jsonl'),
  '--',
  file,
]);
row(
  'vigil sigma (CLI end to end: load, parse, match, report)',
  events,
  cli.secs,
  cli.cpuSecs,
  cli.rssKb,
  peer,
);
console.log(lines.join('\n'));
writeFileSync(join(OUT, `sigma-${events}.txt`), `${lines.join('\n')}\n`);
