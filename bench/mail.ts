/**
 * Mail benchmark: Vigil, SpamAssassin (spamd -L: no network tests) and Rspamd (DNS pointed at a
 * dead resolver, no Redis) on the same messages from ../shared/data/mail — real phishing
 * (phishing_pot), spam and ham (SpamAssassin corpus) and modern list ham. Prints phishing recall,
 * spam recall and ham false-positive rate for all three, and messages per CPU-second.
 * "Flagged" is Vigil's action ≠ no_action, SpamAssassin's score ≥ its required 5.0, and Rspamd's
 * action add header / rewrite subject / soft reject / reject. Installs the Debian packages when
 * missing (root). Usage: node bench/mail.ts [EVERY_NTH]
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { analyzeMessage } from '../src/mail/analyze.ts';
import { analyzeOptions } from '../src/mail/detector.ts';
import { buildIndex } from '../src/intel/builtin.ts';

const every = Number(process.argv[2] ?? 1);
const ROOT = join(import.meta.dirname, '..');
const MAIL = join(ROOT, '..', 'shared', 'data', 'mail');
const OUT = join(ROOT, 'bench', 'out');
mkdirSync(OUT, { recursive: true });

type Label = 'phish' | 'spam' | 'ham';
const rows = readFileSync(join(MAIL, 'labels.csv'), 'utf8')
  .trim()
  .split('\n')
  .slice(1)
  .map((l) => l.split(','));
const sample: { path: string; label: Label }[] = [];
rows.forEach(([p, label], i) => {
  const l: Label | null =
    label === 'phish'
      ? 'phish'
      : label === 'spam'
        ? 'spam'
        : label === 'ham' || label === 'ham-modern'
          ? 'ham'
          : null;
  if (l && i % every === 0) sample.push({ path: join(MAIL, p!), label: l });
});

function ensure(pkgs: string[], bins: string[]): boolean {
  if (bins.every((b) => spawnSync('sh', ['-c', `command -v ${b}`]).status === 0)) return true;
  const r = spawnSync(
    'sh',
    ['-c', `DEBIAN_FRONTEND=noninteractive apt-get install -y -qq --no-install-recommends ${pkgs.join(' ')}`],
    { stdio: 'ignore' },
  );
  return r.status === 0;
}

/** CPU seconds used so far by every process whose command name matches (own time and waited-for children). */
function cpuOf(name: RegExp): number {
  let ticks = 0;
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      const comm = /\((.*)\)/.exec(stat)?.[1] ?? '';
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8');
      if (!name.test(comm) && !name.test(cmd)) continue;
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      ticks += Number(f[11]) + Number(f[12]) + Number(f[13]) + Number(f[14]);
    } catch {
      /* gone */
    }
  }
  return ticks / 100;
}

async function pool<T>(items: readonly T[], n: number, fn: (x: T) => Promise<void>): Promise<void> {
  let i = 0;
  await Promise.all(
    Array.from({ length: n }, async () => {
      while (i < items.length) await fn(items[i++]!);
    }),
  );
}

const run = (cmd: string, args: string[], input: Buffer) =>
  new Promise<{ code: number | null; out: string }>((resolve) => {
    const c = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] });
    let out = '';
    c.stdout.on('data', (d: Buffer) => {
      out += d.toString();
    });
    c.on('close', (code) => resolve({ code, out }));
    c.stdin.end(input);
  });

interface Result {
  name: string;
  flagged: Map<string, boolean>;
  secs: number;
  cpu: number;
  note: string;
}
const results: Result[] = [];

// --- Vigil (in process, one core) ---
{
  const { index } = buildIndex([], true);
  const opts = analyzeOptions({}, index);
  const flagged = new Map<string, boolean>();
  const c0 = process.cpuUsage();
  const t0 = performance.now();
  for (const m of sample)
    flagged.set(m.path, (await analyzeMessage(readFileSync(m.path), opts)).action !== 'no_action');
  const c = process.cpuUsage(c0);
  results.push({
    name: 'vigil',
    flagged,
    secs: (performance.now() - t0) / 1000,
    cpu: (c.user + c.system) / 1e6,
    note: 'offline: no DNS, built-in indicator packs',
  });
}

// --- SpamAssassin ---
if (ensure(['spamassassin', 'spamd', 'spamc'], ['spamd', 'spamc'])) {
  const port = '17830';
  const home = '/tmp/vigil-spamd';
  mkdirSync(home, { recursive: true });
  const d = spawn(
    'spamd',
    [
      '-L',
      '-p',
      port,
      '-i',
      '127.0.0.1',
      '--max-children',
      '2',
      '--max-conn-per-child',
      '100000',
      '-u',
      'nobody',
      '--helper-home-dir',
      home,
      '-s',
      'null',
    ],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100 && (await run('spamc', ['-p', port, '-K'], Buffer.alloc(0))).code !== 0; i++)
    await new Promise((r) => setTimeout(r, 300));
  const flagged = new Map<string, boolean>();
  const c0 = cpuOf(/spamd/);
  const t0 = performance.now();
  await pool(sample, 2, async (m) => {
    const r = await run('spamc', ['-p', port, '-c', '-x'], readFileSync(m.path));
    const [score, req] = r.out.trim().split('/').map(Number);
    flagged.set(m.path, score !== undefined && req !== undefined && score >= req);
  });
  results.push({
    name: 'spamassassin',
    flagged,
    secs: (performance.now() - t0) / 1000,
    cpu: cpuOf(/spamd/) - c0,
    note: 'spamd -L (no network tests), Debian rules, untrained Bayes',
  });
  d.kill();
} else console.log('SpamAssassin not installed and could not be: skipped');

// --- Rspamd ---
if (ensure(['rspamd'], ['rspamd', 'rspamc'])) {
  const conf = '/tmp/vigil-rspamd';
  rmSync(conf, { recursive: true, force: true });
  cpSync('/etc/rspamd', conf, { recursive: true });
  for (const d of ['db', 'run', 'log']) mkdirSync(join(conf, d), { recursive: true });
  writeFileSync(join(conf, 'local.d', 'worker-normal.inc'), 'bind_socket = "127.0.0.1:11533";\ncount = 2;\n');
  writeFileSync(join(conf, 'local.d', 'worker-controller.inc'), 'bind_socket = "127.0.0.1:11534";\n');
  writeFileSync(join(conf, 'local.d', 'worker-proxy.inc'), 'bind_socket = "127.0.0.1:11532";\n');
  writeFileSync(
    join(conf, 'local.d', 'options.inc'),
    'dns { nameserver = ["127.0.0.1:1"]; timeout = 0.2s; retransmits = 1; }\n',
  );
  writeFileSync(
    join(conf, 'local.d', 'logging.inc'),
    `type = "file"; filename = "${conf}/log/rspamd.log"; level = "error";\n`,
  );
  const vars = ['CONFDIR', 'LOCAL_CONFDIR']
    .map((v) => `--var=${v}=${conf}`)
    .concat([`--var=DBDIR=${conf}/db`, `--var=RUNDIR=${conf}/run`, `--var=LOGDIR=${conf}/log`]);
  const d = spawn(
    'rspamd',
    ['-f', '-i', '-u', 'root', '-g', 'root', '-c', join(conf, 'rspamd.conf'), ...vars],
    { stdio: 'ignore' },
  );
  for (let i = 0; i < 100; i++) {
    if (
      spawnSync('rspamc', ['-h', '127.0.0.1:11533', 'stat'], { stdio: 'ignore', timeout: 2000 }).status === 0
    )
      break;
    await new Promise((r) => setTimeout(r, 300));
  }
  const flagged = new Map<string, boolean>();
  const c0 = cpuOf(/rspamd/);
  const t0 = performance.now();
  await pool(sample, 2, async (m) => {
    const r = await run('rspamc', ['-h', '127.0.0.1:11533', '-j', 'symbols'], readFileSync(m.path));
    let action = '';
    try {
      action = String((JSON.parse(r.out) as { action?: string }).action ?? '');
    } catch {
      /* no answer */
    }
    flagged.set(m.path, ['add header', 'rewrite subject', 'soft reject', 'reject'].includes(action));
  });
  results.push({
    name: 'rspamd',
    flagged,
    secs: (performance.now() - t0) / 1000,
    cpu: cpuOf(/rspamd/) - c0,
    note: 'Rspamd 3.4 defaults, DNS unreachable, no Redis',
  });
  d.kill();
  try {
    execFileSync('pkill', ['-f', conf]);
  } catch {
    /* already gone */
  }
} else console.log('Rspamd not installed and could not be: skipped');

const count = (l: Label) => sample.filter((m) => m.label === l).length;
const lines = [
  `mail benchmark (${new Date().toISOString()}): ${sample.length} messages — phish ${count('phish')}, spam ${count('spam')}, ham ${count('ham')}`,
];
lines.push(
  `${'tool'.padEnd(14)} ${'phish recall'.padStart(12)} ${'spam recall'.padStart(12)} ${'ham FP'.padStart(8)} ${'msg/CPU-s'.padStart(10)} ${'wall s'.padStart(7)}  notes`,
);
const vig = results.find((r) => r.name === 'vigil');
for (const r of results) {
  const rate = (l: Label) =>
    sample.filter((m) => m.label === l && r.flagged.get(m.path)).length / Math.max(1, count(l));
  lines.push(
    `${r.name.padEnd(14)} ${(100 * rate('phish')).toFixed(1).padStart(11)}% ${(100 * rate('spam')).toFixed(1).padStart(11)}% ${(100 * rate('ham')).toFixed(2).padStart(7)}% ${(sample.length / r.cpu).toFixed(0).padStart(10)} ${r.secs.toFixed(1).padStart(7)}  ${r.note}${vig && r !== vig ? ` (vigil/this msg per CPU-s: ${(sample.length / vig.cpu / (sample.length / r.cpu)).toFixed(1)}×)` : ''}`,
  );
}
console.log(lines.join('\n'));
writeFileSync(join(OUT, `mail-${every}.txt`), `${lines.join('\n')}\n`);
if (existsSync('/tmp/vigil-spamd')) rmSync('/tmp/vigil-spamd', { recursive: true, force: true });
