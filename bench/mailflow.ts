/**
 * `vigil serve` under load, against Rspamd on the same machine, same messages, same concurrency:
 *   1. Postfix + Vigil milter vs Postfix + Rspamd's milter (proxy worker, self-scan, DNS pointed at a
 *      dead resolver): messages per second through the whole MTA.
 *   2. rspamc against Vigil's Rspamd door vs against Rspamd: messages per CPU-second of the server.
 *   3. Overload: Postfix + Vigil at twice the concurrency: every message accounted for, p99 latency.
 *   4. Memory: Vigil's RSS over many messages through the Rspamd door.
 * Short by default; BENCH_MAILFLOW_N (messages, default 120), BENCH_MAILFLOW_C (concurrency,
 * default 4) and BENCH_MAILFLOW_RSS (messages for the memory run, default 3000) make it longer.
 * Needs root, Debian postfix and rspamd; parts whose peer is missing are skipped with a reason.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import {
  chownSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { freePort, hasPostfix, startPostfix, until, type Postfix } from '../test/support/postfix.ts';
import { sendMail } from '../test/support/smtp.ts';

const REPO = join(import.meta.dirname, '..');
const DATA = join(REPO, '..', 'shared', 'data', 'mail');
const N = Number(process.env['BENCH_MAILFLOW_N'] ?? 120);
const C = Number(process.env['BENCH_MAILFLOW_C'] ?? 4);
const RSS_N = Number(process.env['BENCH_MAILFLOW_RSS'] ?? 3000);
const say = (s: string) => process.stdout.write(`${s}\n`);

if (!existsSync(DATA)) {
  say('mailflow: skipped (needs ../shared/data/mail)');
  process.exit(0);
}
// A mix: phishing, modern ham, old ham and spam.
function corpus(): string[] {
  const pick = (dir: string, n: number) =>
    existsSync(dir)
      ? readdirSync(dir)
          .filter((f) => /\.(eml|txt)$/.test(f))
          .sort()
          .slice(0, n)
          .map((f) => join(dir, f))
      : [];
  const q = Math.ceil(N / 4);
  const files = [
    ...pick(join(DATA, 'phishing_pot-subset', 'email'), q),
    ...pick(join(DATA, 'modern-ham-dev'), q),
    ...pick(join(DATA, 'spamassassin-public-corpus', 'easy-ham-1'), q),
    ...pick(join(DATA, 'spamassassin-public-corpus', 'spam-1'), q),
  ];
  return files.slice(0, N);
}
const FILES = corpus();
const MESSAGES = FILES.map((f) => readFileSync(f));

/** CPU seconds of a process and its children (rspamd's workers), from /proc. */
function cpuOf(pid: number): number {
  const tick = 100;
  let total = 0;
  const stat = (p: number) => {
    try {
      const f = readFileSync(`/proc/${p}/stat`, 'utf8');
      const r = f.slice(f.lastIndexOf(')') + 2).split(' ');
      return { ppid: Number(r[1]), cpu: (Number(r[11]) + Number(r[12])) / tick };
    } catch {
      return undefined;
    }
  };
  for (const d of readdirSync('/proc').filter((x) => /^\d+$/.test(x))) {
    const s = stat(Number(d));
    if (s && (Number(d) === pid || s.ppid === pid)) total += s.cpu;
  }
  return total;
}
function rssOf(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return m ? Number(m[1]) / 1024 : 0;
}

async function startVigil(): Promise<{ child: ChildProcess; milter: string; rspamd: string }> {
  const [m, r] = [await freePort(), await freePort()];
  const child = spawn(
    process.execPath,
    [
      join(REPO, 'bin/vigil.js'),
      'serve',
      '--milter',
      `127.0.0.1:${m}`,
      '--rspamd',
      `127.0.0.1:${r}`,
      '--log',
      '/dev/null',
    ],
    { stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let err = '';
  await new Promise<void>((resolve, reject) => {
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      if ((err.match(/listening on/g) ?? []).length === 2) resolve();
    });
    child.on('exit', (code) => reject(new Error(`vigil serve exited ${code}: ${err}`)));
  });
  return { child, milter: `127.0.0.1:${m}`, rspamd: `127.0.0.1:${r}` };
}

/** Debian's rspamd on private ports and directories; the hyperscan cache is kept between runs. */
async function startRspamd(): Promise<
  { pid: number; milter: string; normal: string; stop: () => void } | string
> {
  if (!existsSync('/usr/bin/rspamd')) return 'needs Debian rspamd';
  const dir = mkdtempSync(join(tmpdir(), 'vigil-bench-rspamd-'));
  spawnSync('chmod', ['755', dir]);
  const cache = join(tmpdir(), 'vigil-bench-rspamd-cache');
  for (const d of ['local/override.d', 'run', 'log']) mkdirSync(join(dir, d), { recursive: true });
  mkdirSync(cache, { recursive: true });
  const uid = Number(spawnSync('id', ['-u', '_rspamd'], { encoding: 'utf8' }).stdout.trim());
  for (const d of [cache, join(dir, 'run'), join(dir, 'log')]) chownSync(d, uid, -1);
  const [pm, pn, pc, pf] = [await freePort(), await freePort(), await freePort(), await freePort()];
  const o = join(dir, 'local', 'override.d');
  writeFileSync(join(o, 'worker-normal.inc'), `bind_socket = "127.0.0.1:${pn}";\ncount = 1;\n`);
  writeFileSync(join(o, 'worker-controller.inc'), `bind_socket = "127.0.0.1:${pc}";\ncount = 1;\n`);
  writeFileSync(join(o, 'worker-fuzzy.inc'), `bind_socket = "127.0.0.1:${pf}";\ncount = 1;\n`);
  writeFileSync(
    join(o, 'worker-proxy.inc'),
    `bind_socket = "127.0.0.1:${pm}";\nmilter = yes;\nself_scan = yes;\ncount = 1;\ntimeout = 120s;\n`,
  );
  // A dead resolver: no network lookups, as for Vigil (which makes none by default).
  writeFileSync(
    join(o, 'options.inc'),
    'dns { nameserver = ["127.0.0.1:1"]; timeout = 0.2s; retransmits = 1; }\n',
  );
  writeFileSync(
    join(o, 'logging.inc'),
    `type = "file"; filename = "${join(dir, 'log', 'rspamd.log')}"; level = "error";\n`,
  );
  const child = spawn(
    '/usr/bin/rspamd',
    [
      '-f',
      '-u',
      '_rspamd',
      '-g',
      '_rspamd',
      '-c',
      '/etc/rspamd/rspamd.conf',
      '--var',
      `LOCAL_CONFDIR=${join(dir, 'local')}`,
      '--var',
      `DBDIR=${cache}`,
      '--var',
      `RUNDIR=${join(dir, 'run')}`,
      '--var',
      `LOGDIR=${join(dir, 'log')}`,
    ],
    { stdio: 'ignore', cwd: dir },
  );
  const stop = () => {
    child.kill('SIGTERM');
    spawnSync('sleep', ['1']);
    rmSync(dir, { recursive: true, force: true });
  };
  // Rspamd compiles its regular expressions at the first start: that can take minutes.
  let up = false;
  for (const end = Date.now() + 600_000; !up && Date.now() < end;) {
    up = await fetch(`http://127.0.0.1:${pn}/ping`)
      .then((r) => r.ok)
      .catch(() => false);
    if (!up) await new Promise((r) => setTimeout(r, 500));
  }
  if (!up) {
    stop();
    return 'rspamd did not start within 10 minutes';
  }
  return { pid: child.pid!, milter: `127.0.0.1:${pm}`, normal: `127.0.0.1:${pn}`, stop };
}

/** Sends every message in its own SMTP session, `c` at a time; returns replies and latencies. */
async function pump(pf: Postfix, c: number): Promise<{ secs: number; replies: string[]; ms: number[] }> {
  const t0 = performance.now();
  const replies: string[] = new Array(MESSAGES.length);
  const ms: number[] = new Array(MESSAGES.length);
  let next = 0;
  await Promise.all(
    Array.from({ length: c }, async () => {
      for (let i = next++; i < MESSAGES.length; i = next++) {
        const t = performance.now();
        try {
          const [reply] = await sendMail(pf.port, [
            { from: 'bench@outside.example', to: ['user@example.test'], data: MESSAGES[i]! },
          ]);
          replies[i] = reply ?? 'none';
        } catch (e) {
          replies[i] = `ERR ${(e as Error).message}`;
        }
        ms[i] = performance.now() - t;
      }
    }),
  );
  return { secs: (performance.now() - t0) / 1000, replies, ms };
}

const p99 = (xs: number[]) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.ceil(xs.length * 0.99) - 1)]!;
const tally = (rs: string[]) => {
  const t: Record<string, number> = {};
  for (const r of rs) {
    const k = r.startsWith('250') ? 'accepted' : r.slice(0, 3);
    t[k] = (t[k] ?? 0) + 1;
  }
  return t;
};

say(`mailflow: ${MESSAGES.length} corpus messages, concurrency ${C}`);
const vigil = await startVigil();
const rspamd = await startRspamd();
if (typeof rspamd === 'string') say(`mailflow: Rspamd comparison skipped (${rspamd})`);
const results: Record<string, number> = {};
try {
  // 1. Through Postfix.
  if (!hasPostfix) say('mailflow: Postfix runs skipped (needs Debian postfix and root)');
  else {
    for (const [name, milter] of [
      ['vigil', vigil.milter],
      ...(typeof rspamd === 'string' ? [] : [['rspamd', rspamd.milter]]),
    ] as [string, string][]) {
      const pf = await startPostfix(`inet:${milter}`, { milter_default_action: 'accept' });
      try {
        await pump(pf, 1); // warm-up pass: caches, first compilations
        const before = pf.delivered().length;
        const r = await pump(pf, C);
        const t = tally(r.replies);
        await until(
          () =>
            pf.delivered().length + pf.queue().filter((q) => q.queue_name === 'hold').length >=
            before + (t['accepted'] ?? 0),
          120_000,
        );
        results[`postfix_${name}`] = MESSAGES.length / r.secs;
        say(
          `  Postfix + ${name} milter: ${(MESSAGES.length / r.secs).toFixed(1)} msg/s, p99 ${p99(r.ms).toFixed(0)} ms, replies ${JSON.stringify(t)}`,
        );
      } finally {
        pf.stop();
      }
    }
    if (results['postfix_rspamd'])
      say(
        `  ratio Vigil/Rspamd through Postfix: ${(results['postfix_vigil']! / results['postfix_rspamd']).toFixed(2)}`,
      );
    // 3. Overload at twice the concurrency.
    const pf = await startPostfix(`inet:${vigil.milter}`, { milter_default_action: 'accept' });
    try {
      const r = await pump(pf, 2 * C);
      const t = tally(r.replies);
      const accepted = t['accepted'] ?? 0;
      await until(
        () => pf.delivered().length + pf.queue().filter((q) => q.queue_name === 'hold').length >= accepted,
        120_000,
      );
      const landed = pf.delivered().length + pf.queue().filter((q) => q.queue_name === 'hold').length;
      const lost = accepted - landed;
      say(
        `  overload (concurrency ${2 * C}): ${JSON.stringify(t)}; accepted ${accepted} = delivered+held ${landed}; lost ${lost}; p99 ${p99(r.ms).toFixed(0)} ms`,
      );
    } finally {
      pf.stop();
    }
  }

  // 2. rspamc, messages per CPU-second of the server.
  const rspamc = async (host: string, pid: number) => {
    const cpu0 = cpuOf(pid);
    const t0 = performance.now();
    const r = await new Promise<number | null>((resolve) => {
      const c = spawn('rspamc', ['-h', host, '-n', String(C), '-t', '60', 'symbols', ...FILES], {
        stdio: 'ignore',
      });
      c.on('close', resolve);
    });
    const cpu = cpuOf(pid) - cpu0;
    return { status: r, secs: (performance.now() - t0) / 1000, cpu };
  };
  if (existsSync('/usr/bin/rspamc')) {
    await rspamc(vigil.rspamd, vigil.child.pid!); // warm-up
    const v = await rspamc(vigil.rspamd, vigil.child.pid!);
    say(
      `  rspamc → Vigil: ${(FILES.length / v.cpu).toFixed(1)} msg per CPU-second (${v.cpu.toFixed(2)} CPU-s, ${(FILES.length / v.secs).toFixed(1)} msg/s)`,
    );
    if (typeof rspamd !== 'string') {
      await rspamc(rspamd.normal, rspamd.pid);
      const r = await rspamc(rspamd.normal, rspamd.pid);
      say(
        `  rspamc → Rspamd: ${(FILES.length / r.cpu).toFixed(1)} msg per CPU-second (${r.cpu.toFixed(2)} CPU-s, ${(FILES.length / r.secs).toFixed(1)} msg/s)`,
      );
      say(`  ratio Vigil/Rspamd per CPU-second: ${(r.cpu / v.cpu).toFixed(2)}`);
    }
  }

  // 4. Memory over many messages.
  const rss: number[] = [rssOf(vigil.child.pid!)];
  let sent = 0;
  while (sent < RSS_N) {
    await Promise.all(
      Array.from({ length: C }, async (_, k) => {
        for (let i = k; i < 100; i += C)
          await fetch(`http://${vigil.rspamd}/checkv2`, {
            method: 'POST',
            body: MESSAGES[(sent + i) % MESSAGES.length],
          }).then((r) => r.arrayBuffer());
      }),
    );
    sent += 100;
    if (sent % Math.max(100, Math.floor(RSS_N / 6 / 100) * 100) === 0) rss.push(rssOf(vigil.child.pid!));
  }
  rss.push(rssOf(vigil.child.pid!));
  say(`  Vigil RSS over ${sent} messages (MB): ${rss.map((x) => x.toFixed(0)).join(' → ')}`);
} finally {
  vigil.child.kill('SIGTERM');
  if (typeof rspamd !== 'string') rspamd.stop();
}
