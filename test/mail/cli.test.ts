import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { message } from '../../scripts/lib/mailfix.ts';
import { vigil } from '../support/cli.ts';

const phish = message({
  headers: {
    From: '"PayPal Security" <service@paypa1-secure.com>',
    To: 'jo@corp.example',
    Subject: 'Your account has been suspended',
    'Message-ID': '<1@paypa1-secure.com>',
    Date: 'Mon, 1 Apr 2024 10:00:00 +0000',
  },
  html: '<p>Your account has been suspended. Verify your account immediately.</p><a href="http://203.0.113.7:8080/paypal/login">https://www.paypal.com/signin</a>',
});
const ham = (n: number) =>
  message({
    headers: {
      From: `Dev ${n} <dev${n}@lists.example.org>`,
      To: 'team@lists.example.org',
      Subject: `Re: release notes ${n}`,
      'List-Id': '<team.lists.example.org>',
      'Message-ID': `<${n}@lists.example.org>`,
      Date: 'Mon, 1 Apr 2024 10:00:00 +0000',
    },
    text: `Looks good to me, ship it.\r\n`,
  });

test('vigil mail scan: .eml, mbox, Maildir and stdin; one JSONL verdict per message; text report and exit codes', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-mail-'));
  writeFileSync(join(dir, 'phish.eml'), phish);
  const mbox = [ham(1), ham(2), phish]
    .map(
      (m, i) =>
        `From MAILER-DAEMON Mon Apr  1 10:0${i}:00 2024\n${m
          .toString('latin1')
          .replace(/\r\n/g, '\n')
          .replace(/^From /gm, '>From ')}\n`,
    )
    .join('');
  writeFileSync(join(dir, 'inbox.mbox'), mbox);
  for (const sub of ['cur', 'new', 'tmp']) mkdirSync(join(dir, 'Maildir', sub), { recursive: true });
  writeFileSync(join(dir, 'Maildir', 'cur', '1711965600.M1P1.host:2,S'), ham(3));
  writeFileSync(join(dir, 'Maildir', 'new', '1711965601.M2P1.host'), phish);

  const j = vigil(['mail', 'scan', dir, '--format', 'jsonl', '--quiet']);
  assert.equal(j.code, 1, j.stderr);
  const verdicts = j.stdout
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as {
          rule: string;
          source: { path: string; line?: number };
          evidence: { action: string; signals: { name: string }[] };
        },
    )
    .filter((f) => f.rule === 'mail.verdict');
  assert.deepEqual(verdicts.map((f) => `${f.source.path}:${f.source.line} ${f.evidence.action}`).sort(), [
    'Maildir/cur/1711965600.M1P1.host:2,S:1 no_action',
    'Maildir/new/1711965601.M2P1.host:1 reject',
    'inbox.mbox:1 no_action',
    'inbox.mbox:19 no_action',
    'inbox.mbox:37 reject',
    'phish.eml:1 reject',
  ]);
  const p = verdicts.find((f) => f.source.path === 'phish.eml')!;
  for (const s of [
    'FROM_BRAND_MISMATCH',
    'FROM_LOOKALIKE_DOMAIN',
    'URL_IP_LITERAL',
    'URL_UNCOMMON_PORT',
    'URL_ANCHOR_MISMATCH',
    'LURE_CREDENTIALS',
    'LURE_URGENCY',
  ])
    assert.ok(
      p.evidence.signals.some((x) => x.name === s),
      s,
    );

  const t = vigil(['mail', 'scan', dir, '--quiet']);
  assert.equal(t.code, 1);
  assert.match(t.stdout, /^REJECT +score [\d.]+ +phish\.eml:1/m);
  assert.match(
    t.stdout,
    /^ +\+ 5\.0 +From domain is a look-alike of a protected domain .* resembles paypal\.com/m,
  );
  assert.match(t.stdout, /^6 messages in 4 files .*\n3 reject\n/m);
  assert.doesNotMatch(t.stdout, /no_action/, 'the text report leaves clean mail out unless --all');

  const s = vigil(['mail', 'scan', '-', '--format', 'jsonl', '--quiet'], {
    input: ham(9).toString('latin1'),
  });
  assert.equal(s.code, 0);
  assert.equal(JSON.parse(s.stdout.trim()).evidence.action, 'no_action');

  writeFileSync(join(dir, 'one.eml'), phish);
  const e = vigil(['mail', 'explain', join(dir, 'one.eml')]);
  assert.equal(e.code, 1);
  assert.match(e.stdout, /^Message {2}/);
  assert.match(
    e.stdout,
    /\+ 5\.0 {2}FROM_LOOKALIKE_DOMAIN +From domain is a look-alike of a protected domain/,
  );
  assert.match(e.stdout, /resembles: paypal\.com/);
  assert.match(e.stdout, /Score {4}[\d.]+ \([\d.]+ before the caps\) → reject/);
  assert.match(e.stdout, /the lure signals add up to 2.5; they count at most 2/);

  // A folder is a usage error with one clear line, not a stack trace.
  const d = vigil(['mail', 'explain', dir]);
  assert.equal(d.code, 2);
  assert.match(d.stderr, /is a folder: explain takes one message/);
  assert.doesNotMatch(d.stderr, /EISDIR|\n\s+at /);
});
