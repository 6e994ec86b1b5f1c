/**
 * Retro-hunt benchmark, ratios measured in one run.
 *
 * 1. IMAP: messages fetched AND judged per second by the hunt (imapflow FETCH BODY.PEEK[],
 *    the mail verdict, campaign features, clustering) from a private Dovecot on loopback, against
 *    a bare imapflow FETCH of the same messages (the limit). Goal: ≥ 0.5× the bare fetch.
 * 2. Clustering: cost per message (MinHash signature + LSH store) at 10,000 and 100,000 synthetic
 *    messages (and 1,000,000 with --million), with the heap after each: flat or not, printed.
 *
 * Messages: real corpus mail from ../shared/data/mail (modern ham, phishing_pot) when present,
 * generated campaigns otherwise. Usage: node bench/mailhunt.ts [--messages N] [--million]
 * (needs root and /usr/sbin/dovecot for part 1; part 2 runs anywhere).
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ImapFlow } from 'imapflow';
import { Dovecot, hasDovecot } from '../test/support/dovecot.ts';
import { newsletterCopy, nobeliumCopy, recipients } from '../scripts/lib/campaigns.ts';
import { buildIndex } from '../src/intel/builtin.ts';
import { analyzeOptions } from '../src/mail/detector.ts';
import { hunt } from '../src/mail/hunt/run.ts';
import { ClusterStore } from '../src/mail/campaign/store.ts';
import { shingles, signature } from '../src/mail/campaign/minhash.ts';

const args = process.argv.slice(2);
const nArg = args.indexOf('--messages');
const N = nArg >= 0 ? Number(args[nArg + 1]) : 1000;
const MILLION = args.includes('--million');
const DATA = join(import.meta.dirname, '..', '..', 'shared', 'data', 'mail');

function corpus(n: number): Buffer[] {
  const files: string[] = [];
  for (const dir of ['modern-ham-dev', 'phishing_pot-subset/email']) {
    try {
      for (const f of readdirSync(join(DATA, dir))) files.push(join(DATA, dir, f));
    } catch {
      /* no shared data: generated mail only */
    }
  }
  const gen = recipients(Math.max(1, n), 50);
  return Array.from({ length: n }, (_, i) =>
    files.length && i % 4 !== 0
      ? readFileSync(files[i % files.length]!)
      : i % 8 === 0
        ? nobeliumCopy(gen[i]!, i)
        : newsletterCopy(gen[i]!, i),
  );
}

async function imapPart(): Promise<void> {
  if (!hasDovecot) {
    console.log('mailhunt IMAP: skipped (needs root and /usr/sbin/dovecot)');
    return;
  }
  const dove = new Dovecot();
  try {
    dove.addUser('bench@org.example', 'benchpw');
    const msgs = corpus(N);
    dove.deliver(
      'bench@org.example',
      'INBOX',
      msgs.map((raw) => ({ raw })),
    );
    const bytes = msgs.reduce((t, m) => t + m.length, 0);
    await dove.start();
    const server = { secure: false, host: '127.0.0.1', port: dove.port };
    const bare = async () => {
      const c = new ImapFlow({
        ...server,
        auth: { user: 'bench@org.example', pass: 'benchpw' },
        logger: false,
        disableAutoIdle: true,
      });
      const t = performance.now();
      await c.connect();
      await c.mailboxOpen('INBOX', { readOnly: true });
      let n = 0;
      for await (const m of c.fetch('1:*', { uid: true, source: true }, { uid: true })) if (m.source) n++;
      await c.logout();
      return { n, secs: (performance.now() - t) / 1000 };
    };
    await bare(); // Dovecot builds its index on the first read: not part of either measurement
    const b = await bare();
    const { index } = buildIndex([], true);
    const analyze = analyzeOptions({}, index);
    const t = performance.now();
    const r = await hunt({
      paths: [],
      servers: [server],
      accounts: [{ org: 'org', user: 'bench@org.example', password: 'benchpw', line: 2 }],
      analyze,
      intel: index,
      scoring: analyze.scoring,
      concurrency: 1,
      maxMessageBytes: 64 * 1024 * 1024,
    });
    const hs = (performance.now() - t) / 1000;
    const bareRate = b.n / b.secs;
    const huntRate = r.stats.messages / hs;
    console.log(
      `mailhunt IMAP: ${N} messages (${(bytes / 1048576).toFixed(1)} MB) from Dovecot on loopback\n` +
        `  bare imapflow FETCH BODY.PEEK[]: ${b.n} in ${b.secs.toFixed(2)} s = ${bareRate.toFixed(0)} msg/s\n` +
        `  vigil mail hunt (fetch + verdict + campaigns): ${r.stats.messages} in ${hs.toFixed(2)} s = ${huntRate.toFixed(0)} msg/s, ${r.campaigns.length} campaigns\n` +
        `  ratio hunt / bare fetch: ${(huntRate / bareRate).toFixed(2)}× (goal ≥ 0.5×)`,
    );
  } finally {
    await dove.dispose();
  }
}

/** Synthetic messages: 40% copies of 2,000 campaign templates (with per-recipient words), 60% unique. */
function synthetic(i: number): string[] {
  const x = (i * 2654435761) >>> 0;
  if (x % 10 < 4) {
    const c = x % 2000;
    const words = Array.from({ length: 60 }, (_, k) => `c${c}w${(k * 7 + c) % 97}`);
    words[3] = `name${i}`; // the recipient's name in the greeting
    return words;
  }
  return Array.from({ length: 60 }, (_, k) => `u${i}w${k}`);
}

function clusterPart(): void {
  const sizes = [10_000, 100_000, ...(MILLION ? [1_000_000] : [])];
  console.log('mailhunt clustering (MinHash 32 + LSH 8×4, bounded store):');
  for (const n of sizes) {
    globalThis.gc?.();
    const store = new ClusterStore();
    const t = performance.now();
    for (let i = 0; i < n; i++) store.add({ sig: signature(shingles(synthetic(i))), keys: [] });
    const groups = store.clusters(2);
    const secs = (performance.now() - t) / 1000;
    const s = store.stats();
    console.log(
      `  ${String(n).padStart(9)} messages: ${((secs / n) * 1e6).toFixed(1)} µs/message, ${secs.toFixed(1)} s, ` +
        `${groups.length} campaigns, heap ${(process.memoryUsage().heapUsed / 1048576).toFixed(0)} MB, ` +
        `open ${s.open}, buckets ${s.buckets}, retired ${s.retired}`,
    );
  }
}

await imapPart();
clusterPart();
