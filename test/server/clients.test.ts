import { after, before, describe, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { startServe, type Serving } from '../../src/server/serve.ts';
import { DATA, hasData } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';

/**
 * Debian's rspamc and spamc, unchanged, against Vigil's Rspamd and spamd doors: the verdict they
 * get for each corpus message is the verdict `vigil mail scan` gives the same file.
 */
const PHISH = join(DATA, 'mail', 'phishing_pot-subset', 'email');
const HAM = join(DATA, 'mail', 'modern-ham-dev');
const FILES = [
  ...['sample-1038.eml', 'sample-101.eml', 'sample-1.eml', 'sample-1223.eml', 'sample-1343.eml'].map((f) =>
    join(PHISH, f),
  ),
  ...['00001.eml', '00002.eml'].map((f) => join(HAM, f)),
];
const RSPAMC = '/usr/bin/rspamc';
const SPAMC = '/usr/bin/spamc';
const noData = !hasData || !FILES.every(existsSync) ? 'needs ../shared/data/mail' : false;

interface Scan {
  source: { path: string };
  evidence: {
    action: string;
    score: number;
    signals: { name: string; weight: number; description: string }[];
  };
}
const RSPAMD_ACTION: Record<string, string> = {
  no_action: 'no action',
  add_header: 'add header',
  quarantine: 'add header',
  reject: 'reject',
};
const ranked = (s: Scan['evidence']['signals']) =>
  [...s].sort((a, b) => b.weight - a.weight || (a.name < b.name ? -1 : 1));

describe('rspamc and spamc against vigil serve', { skip: noData }, () => {
  let serving: Serving;
  const expected = new Map<string, Scan>();
  let rspamd = '';
  let spamdPort = '';

  before(async () => {
    serving = await startServe({
      rspamd: '127.0.0.1:0',
      spamd: '127.0.0.1:0',
      log: '/dev/null',
      notice: () => {},
    });
    rspamd = serving.addresses['rspamd']!;
    spamdPort = serving.addresses['spamd']!.split(':')[1]!;
    const r = vigil(['mail', 'scan', ...FILES, '--format', 'jsonl', '--all', '--no-campaigns']);
    for (const l of r.stdout.trim().split('\n')) {
      const f = JSON.parse(l) as Scan & { rule: string };
      if (f.rule === 'mail.verdict') expected.set(f.source.path, f);
    }
    assert.equal(expected.size, FILES.length);
  });
  after(async () => {
    await serving?.close(1000);
  });
  // spawnSync blocks this process, whose event loop serves the doors: run the clients async.
  const runAsync = (cmd: string, args: string[], file?: string) =>
    new Promise<{ code: number | null; out: string }>((resolve) => {
      const c = spawn(cmd, args, { stdio: ['pipe', 'pipe', 'ignore'] });
      let out = '';
      c.stdout.setEncoding('latin1');
      c.stdout.on('data', (d: string) => (out += d));
      c.on('close', (code) => resolve({ code, out }));
      c.stdin.on('error', () => {});
      c.stdin.end(file ? readFileSync(file) : '');
    });

  it(
    'rspamc symbols --json: the action, score and symbols of vigil mail scan',
    { skip: !existsSync(RSPAMC) && 'needs Debian rspamc (package rspamd)' },
    async () => {
      for (const f of FILES) {
        const e = expected.get(basename(f))!.evidence;
        const r = await runAsync(RSPAMC, ['-h', rspamd, '--json', 'symbols', f]);
        assert.equal(r.code, 0);
        const j = JSON.parse(r.out) as Record<string, unknown> & {
          symbols: Record<string, { name: string; score: number; description: string }>;
        };
        assert.equal(j['action'], RSPAMD_ACTION[e.action], f);
        assert.equal(j['vigil_action'], e.action, f);
        assert.equal(j['score'], e.score, f);
        assert.equal(j['required_score'], 3);
        assert.equal(j['is_skipped'], false);
        assert.deepEqual(
          Object.values(j.symbols).map((s) => [s.name, s.score, s.description]),
          ranked(e.signals).map((s) => [s.name, s.weight, s.description]),
          f,
        );
        if (e.action === 'reject')
          assert.match(
            String((j['messages'] as Record<string, string>)['smtp_message']),
            /^Vigil: message rejected \(score /,
          );
      }
    },
  );

  it(
    'rspamc symbols (text): the summary rspamc prints',
    { skip: !existsSync(RSPAMC) && 'needs Debian rspamc (package rspamd)' },
    async () => {
      const f = FILES[2]!;
      const e = expected.get(basename(f))!.evidence;
      const r = await runAsync(RSPAMC, ['-h', rspamd, 'symbols', f]);
      assert.equal(r.code, 0);
      assert.match(r.out, new RegExp(`^Action: ${RSPAMD_ACTION[e.action]}$`, 'm'));
      assert.match(r.out, new RegExp(`^Spam: ${e.action === 'no_action' ? 'false' : 'true'}$`, 'm'));
      assert.match(r.out, new RegExp(`^Score: ${e.score.toFixed(2)} / 3\\.00$`, 'm'));
      for (const s of e.signals)
        assert.match(r.out, new RegExp(`^Symbol: ${s.name} \\(${s.weight.toFixed(2)}\\)`, 'm'));
    },
  );

  it('rspamd door: /ping, refused inputs, envelope headers', async () => {
    const base = `http://${rspamd}`;
    assert.equal(await (await fetch(`${base}/ping`)).text(), 'pong\r\n');
    const file = await fetch(`${base}/checkv2`, {
      method: 'POST',
      headers: { File: '/etc/passwd' },
      body: '',
    });
    assert.equal(file.status, 403);
    assert.equal((await fetch(`${base}/nope`)).status, 404);
    // Without a Return-Path the envelope sender (From:) is what the delivered copy will carry.
    const msg = 'From: a@bank.example\r\nTo: b@example.test\r\nSubject: hi\r\n\r\nhello\r\n';
    const withFrom = (await (
      await fetch(`${base}/checkv2`, {
        method: 'POST',
        headers: { From: '<bounce@elsewhere.example>', 'Queue-Id': 'Q1' },
        body: msg,
      })
    ).json()) as { symbols: Record<string, unknown> };
    assert.ok('FROM_DOMAIN_NOT_ON_PATH' in withFrom.symbols);
    const plain = (await (await fetch(`${base}/checkv2`, { method: 'POST', body: msg })).json()) as {
      symbols: Record<string, unknown>;
    };
    assert.ok(!('FROM_DOMAIN_NOT_ON_PATH' in plain.symbols));
  });

  it(
    'spamc -c, -y, -R, --headers, -K and -x: what spamd would answer, from the vigil verdict',
    { skip: !existsSync(SPAMC) && 'needs Debian spamc' },
    async () => {
      const sp = ['-d', '127.0.0.1', '-p', spamdPort];
      for (const f of FILES) {
        const e = expected.get(basename(f))!.evidence;
        const spam = e.action !== 'no_action';
        const shown = spam ? e.score : Math.min(e.score, 2.9);
        const c = await runAsync(SPAMC, [...sp, '-c'], f);
        assert.equal(c.out, `${shown.toFixed(1)}/3.0\n`, f);
        assert.equal(c.code, spam ? 1 : 0, f);
        const y = await runAsync(SPAMC, [...sp, '-y'], f);
        assert.equal(
          y.out,
          ranked(e.signals)
            .map((s) => s.name)
            .join(','),
          f,
        );
        const R = await runAsync(SPAMC, [...sp, '-R'], f);
        assert.ok(
          R.out.startsWith(
            `${shown.toFixed(1)}/3.0\nContent analysis details:   (${shown.toFixed(1)} points, 3.0 required)`,
          ),
          f,
        );
        for (const s of e.signals)
          assert.match(R.out, new RegExp(`^ *${s.weight.toFixed(1)} ${s.name} `, 'm'));
        const h = await runAsync(SPAMC, [...sp, '--headers'], f);
        const head = h.out.slice(0, h.out.search(/\r?\n\r?\n/));
        assert.match(head, new RegExp(`^X-Vigil-Action: ${e.action}$`, 'm'));
        assert.match(
          head,
          new RegExp(
            `^X-Spam-Status: ${spam ? 'Yes' : 'No'}, score=${shown.toFixed(1)} required=3\\.0 `,
            'm',
          ),
        );
        assert.match(head, new RegExp(`^X-Spam-Score: ${shown.toFixed(1)}$`, 'm'));
        assert.equal(/^X-Spam-Flag: YES$/m.test(head), spam);
        const p = await runAsync(SPAMC, sp, f);
        assert.equal(p.out, h.out, 'PROCESS and HEADERS give the same message');
      }
      assert.deepEqual(await runAsync(SPAMC, [...sp, '-K']), { code: 0, out: 'SPAMD/1.5 0\n' });
      // TELL: Vigil does not learn; spamc -x reports the failure instead of falling back.
      const tell = await runAsync(SPAMC, [...sp, '-x', '-L', 'spam'], FILES[0]);
      assert.notEqual(tell.code, 0);
      // -x with no server: EX_UNAVAILABLE; without -x: the safe 0/0.
      assert.deepEqual(
        await runAsync(SPAMC, ['-d', '127.0.0.1', '-p', '1', '-x', '-c', '--connect-retries', '1'], FILES[0]),
        { code: 69, out: '0/0\n' },
      );
      assert.deepEqual(
        await runAsync(SPAMC, ['-d', '127.0.0.1', '-p', '1', '-c', '--connect-retries', '1'], FILES[0]),
        { code: 0, out: '0/0\n' },
      );
    },
  );
});
