import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { startServe, type Serving } from '../../src/server/serve.ts';
import { DEFAULT_SCORING_FILE } from '../../src/mail/signals.ts';
import { DATA, hasData } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';
import { hasPostfix, startPostfix, until, type Postfix } from '../support/postfix.ts';
import { sendMail } from '../support/smtp.ts';

/**
 * Real Postfix → Vigil milter → Maildir, hold queue or rejection, on real corpus messages. The
 * verdict on each delivered copy (X-Vigil-* headers, written by the milter) must be the verdict
 * `vigil mail scan` gives that same delivered file.
 */
const PHISH = join(DATA, 'mail', 'phishing_pot-subset', 'email');
const HAM = join(DATA, 'mail', 'modern-ham-dev');
// Picked to cover every action (their verdicts are computed below, not assumed).
const FILES = [
  ...['sample-1038.eml', 'sample-1003.eml', 'sample-101.eml', 'sample-1018.eml'].map((f) => join(PHISH, f)),
  ...['sample-1.eml', 'sample-1028.eml', 'sample-1223.eml', 'sample-1343.eml'].map((f) => join(PHISH, f)),
  ...['00001.eml', '00002.eml', '00003.eml'].map((f) => join(HAM, f)),
];
const skip = !hasPostfix
  ? 'needs Debian postfix (/usr/sbin/postfix) and root'
  : !hasData || !FILES.every(existsSync)
    ? 'needs ../shared/data/mail'
    : false;

interface Scan {
  source: { path: string };
  evidence: { action: string; score: number; signals: { name: string; weight: number }[] };
}
function scan(files: string[]): Map<string, Scan> {
  const r = vigil(['mail', 'scan', ...files, '--format', 'jsonl', '--all', '--no-campaigns']);
  const out = new Map<string, Scan>();
  for (const l of r.stdout.trim().split('\n').filter(Boolean)) {
    const f = JSON.parse(l) as Scan & { rule: string };
    if (f.rule === 'mail.verdict') out.set(f.source.path, f);
  }
  return out;
}

const verdictOf = (m: Map<string, Scan>, file: string) => m.get(basename(file));

/** The X-Vigil-* headers of a delivered file (unfolded). */
function vigilHeaders(file: string): Record<string, string[]> {
  const text = readFileSync(file, 'latin1');
  const head = text.slice(0, text.search(/\r?\n\r?\n/));
  const out: Record<string, string[]> = {};
  for (const m of head.matchAll(/^(X-Vigil-[A-Za-z-]+|X-Spam-Flag):[ \t]*(.*(?:\r?\n[ \t].*)*)/gim))
    (out[m[1]!.toLowerCase()] ??= []).push(m[2]!.replace(/\r?\n[ \t]+/g, ' ').trim());
  return out;
}

const signalsText = (s: { name: string; weight: number }[]) =>
  [...s]
    .sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : 1))
    .map((x) => `${x.name}(${Math.round(x.weight * 100) / 100})`)
    .join(', ');

describe('vigil milter behind a real Postfix', { skip }, () => {
  let serving: Serving;
  let pf: Postfix;
  let work: string;
  let logFile: string;
  let scoring: string;
  const expected = new Map<string, Scan>();

  before(async () => {
    work = mkdtempSync(join(tmpdir(), 'vigil-milter-test-'));
    logFile = join(work, 'vigil.jsonl');
    scoring = join(work, 'scoring.yaml');
    copyFileSync(DEFAULT_SCORING_FILE, scoring);
    serving = await startServe({ milter: '127.0.0.1:0', log: logFile, config: scoring, notice: () => {} });
    pf = await startPostfix(`inet:${serving.addresses['milter']}`);
    for (const [k, v] of scan(FILES)) expected.set(k, v);
  });
  after(async () => {
    pf?.stop();
    await serving?.close(2000);
    rmSync(work, { recursive: true, force: true });
  });

  const logLines = () =>
    readFileSync(logFile, 'utf8')
      .trim()
      .split('\n')
      .filter(Boolean)
      .map((l) => JSON.parse(l) as Record<string, unknown>);

  it('delivers, holds and rejects corpus messages as mail scan judges the delivered copy', async () => {
    const msgs = FILES.map((f) => ({
      from: 'sender@outside.example',
      to: ['user@example.test'],
      data: readFileSync(f),
    }));
    // One SMTP session for all: several messages on one milter connection.
    const replies = await sendMail(pf.port, msgs);
    assert.equal(replies.length, FILES.length);
    const actions = FILES.map((f) => verdictOf(expected, f)?.evidence.action);
    const rejected = replies.filter((r) => r.startsWith('550'));
    for (const [i, r] of replies.entries()) {
      if (r.startsWith('550')) {
        assert.match(r, /^550 5\.7\.1 Vigil: message rejected \(score [\d.]+: [A-Z_]+(, [A-Z_]+)*\)$/);
        // The file as scanned by mail scan is rejected too (the path adds at most its 0.5).
        assert.equal(actions[i], 'reject', FILES[i]);
      } else assert.match(r, /^250 2\.0\.0 Ok: queued as [0-9A-F]+$/, `${FILES[i]}: ${r}`);
    }
    assert.ok(rejected.length >= 1, 'a corpus message was rejected');
    const accepted = replies.length - rejected.length;
    assert.ok(
      await until(
        () => pf.delivered().length + pf.queue().filter((q) => q.queue_name === 'hold').length >= accepted,
      ),
    );
    const held = pf.queue().filter((q) => q.queue_name === 'hold');
    assert.ok(held.length >= 1, 'a corpus message was held');
    assert.match(
      pf.maillog(),
      /milter-hold: END-OF-MESSAGE from localhost\[127\.0\.0\.1\]: milter triggers HOLD action/,
    );
    // Released from hold, the held copies are delivered with their verdict headers.
    pf.postsuper('-H', 'ALL');
    spawnSync('postqueue', ['-c', join(pf.dir, 'etc'), '-f']);
    assert.ok(await until(() => pf.delivered().length === accepted), 'every accepted message delivered');

    const files = pf.delivered();
    const rescan = scan(files);
    const seen = new Set<string>();
    for (const f of files) {
      const h = vigilHeaders(f);
      const s = verdictOf(rescan, f);
      assert.ok(s, `mail scan judged ${f}`);
      assert.equal(h['x-vigil-action']?.length, 1, 'one X-Vigil-Action');
      assert.equal(h['x-vigil-action']![0], s.evidence.action, f);
      assert.equal(Number(h['x-vigil-score']![0]), s.evidence.score, f);
      assert.equal(h['x-vigil-signals']![0], signalsText(s.evidence.signals) || 'none', f);
      assert.deepEqual(h['x-spam-flag'], s.evidence.action === 'no_action' ? undefined : ['YES']);
      seen.add(s.evidence.action);
    }
    assert.ok(seen.has('quarantine') && seen.has('no_action') && seen.has('add_header'), [...seen].join());
    // One JSON log line per message, with its queue id.
    const lines = logLines().filter((l) => l['door'] === 'milter' && l['action']);
    assert.equal(lines.length, FILES.length);
    for (const l of lines) {
      assert.match(String(l['queueId']), /^[0-9A-F]+$/);
      assert.equal(typeof l['ms'], 'number');
    }
  });

  it('replaces spoofed X-Vigil headers and works for non-SMTP mail (sendmail → non_smtpd_milters)', async () => {
    const before = new Set(pf.delivered());
    const spoof = Buffer.concat([
      Buffer.from('X-Vigil-Action: no_action\r\nX-Vigil-Score: -100\r\nX-Vigil-Action: no_action\r\n'),
      readFileSync(FILES[0]!),
    ]);
    const [r] = await sendMail(pf.port, [
      { from: 'a@outside.example', to: ['user@example.test'], data: spoof },
    ]);
    assert.match(r!, /^250 /);
    const sm = spawnSync(
      '/usr/sbin/sendmail',
      ['-C', join(pf.dir, 'etc'), '-f', 'local@pf.test', 'user@example.test'],
      { input: readFileSync(FILES[8]!) },
    );
    assert.equal(sm.status, 0, sm.stderr?.toString());
    assert.ok(await until(() => pf.delivered().filter((f) => !before.has(f)).length === 2));
    const fresh = pf.delivered().filter((f) => !before.has(f));
    const rescan = scan(fresh);
    for (const f of fresh) {
      const h = vigilHeaders(f);
      assert.equal(h['x-vigil-action']?.length, 1);
      assert.equal(h['x-vigil-score']?.length, 1);
      assert.equal(h['x-vigil-action']![0], verdictOf(rescan, f)!.evidence.action);
      assert.equal(Number(h['x-vigil-score']![0]), verdictOf(rescan, f)!.evidence.score);
    }
  });

  it('applies --on-error to a fault in a check, a late verdict and an oversize message', async () => {
    const noFrom = Buffer.from('To: user@example.test\r\nSubject: no sender\r\n\r\nhello\r\n');
    const big = Buffer.from(
      `From: big@outside.example\r\nTo: user@example.test\r\nSubject: big\r\nContent-Type: text/html\r\n\r\n${'<p><a href="https://x.example/a">link</a> words words words</p>\r\n'.repeat(60_000)}`,
    );
    const send = (data: Buffer) =>
      sendMail(pf.port, [{ from: 'a@outside.example', to: ['user@example.test'], data }]).then((r) => r[0]!);
    const base = serving.verdicts.policy;
    try {
      // A scoring file that lacks a signal's weight makes that check throw (a real error path).
      writeFileSync(
        scoring,
        readFileSync(DEFAULT_SCORING_FILE, 'utf8').replace(/^\s+FROM_ADDRESS_MALFORMED:.*$/m, ''),
      );
      serving.reload();
      serving.verdicts.policy = { ...base, onError: 'tempfail' };
      assert.match(await send(noFrom), /^451 4\.7\.1 Vigil: message not checked \(error\), try again later$/);
      serving.verdicts.policy = { ...base, onError: 'accept' };
      const before = new Set(pf.delivered());
      assert.match(await send(noFrom), /^250 /);
      assert.ok(await until(() => pf.delivered().some((f) => !before.has(f))));
      const got = pf.delivered().find((f) => !before.has(f))!;
      assert.deepEqual(vigilHeaders(got)['x-vigil-unscanned'], ['error']);
      copyFileSync(DEFAULT_SCORING_FILE, scoring);
      serving.reload();

      serving.verdicts.policy = { ...base, onError: 'tempfail', timeoutMs: 1 };
      assert.match(await send(big), /^451 4\.7\.1 Vigil: message not checked \(timeout\)/);
      serving.verdicts.policy = { ...base, onError: 'tempfail', maxSize: 100_000 };
      assert.match(await send(big), /^451 4\.7\.1 Vigil: message not checked \(oversize\)/);
      serving.verdicts.policy = { ...base, onError: 'accept', maxSize: 100_000 };
      assert.match(await send(big), /^250 /);
    } finally {
      copyFileSync(DEFAULT_SCORING_FILE, scoring);
      serving.reload();
      serving.verdicts.policy = base;
    }
    const errors = logLines().filter((l) => l['error']);
    assert.deepEqual(
      errors.map((l) => [l['error'], l['policy']]),
      [
        ['error', 'tempfail'],
        ['error', 'accept'],
        ['timeout', 'tempfail'],
        ['oversize', 'tempfail'],
        ['oversize', 'accept'],
      ],
    );
    for (const l of errors) assert.match(String(l['queueId']), /^[0-9A-F]+$/, 'logged with the queue id');
  });
});
