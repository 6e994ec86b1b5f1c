import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
// The package's own entry, by its name (package.json `exports`), as another project imports it.
import {
  analyzeMessage,
  loadEngine,
  openScan,
  reload,
  scan,
  type Finding,
  type ScanEvent,
  type ScanSummary,
} from 'vigil';
import { spawnSync } from 'node:child_process';
import { EXAMPLE, REPO } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';

const key = (f: Finding) => JSON.stringify(f);

test('scan() over the example incident gives the findings `vigil triage --format jsonl` gives, one for one', async () => {
  const events: ScanEvent[] = [];
  const it = scan([EXAMPLE]);
  let r = await it.next();
  while (!r.done) {
    events.push(r.value);
    r = await it.next();
  }
  const summary: ScanSummary = r.value;
  const lib = events.flatMap((e) => (e.type === 'finding' ? [key(e.finding)] : [])).sort();
  const cli = vigil(['triage', EXAMPLE, '--format', 'jsonl', '--quiet']);
  assert.equal(cli.code, 1);
  const expected = cli.stdout.trim().split('\n').sort();
  assert.equal(lib.length, 31);
  assert.deepEqual(lib, expected);
  assert.equal(summary.findings, 31);
  assert.equal(summary.problems, 0);
  assert.deepEqual(summary.roots, [EXAMPLE]);
  // The per-server verdict is concluded at the end, from the Exchange findings.
  assert.equal(events.filter((e) => e.type === 'finding' && e.finding.rule === 'exchange.verdict').length, 1);
});

test('analyzeMessage gives the verdict `vigil mail explain --json` gives', async () => {
  const file = join(EXAMPLE, 'mail', '2021-05-25-special-alert.eml');
  const engine = loadEngine();
  const v = await analyzeMessage(readFileSync(file), {}, engine);
  const cli = vigil(['mail', 'explain', file, '--json']);
  assert.deepEqual(JSON.parse(JSON.stringify(v)), JSON.parse(cli.stdout));
  assert.equal(v.action, 'reject');
  assert.equal(v.score, 12);
  assert.deepEqual(
    v.signals.map((s) => s.name),
    ['ATTACH_DISK_IMAGE', 'ATTACH_NAME_IOC', 'REPLYTO_DIVERGES', 'LURE_DOCUMENTS', 'FROM_DOMAIN_NOT_ON_PATH'],
  );
});

test('a message in flight is judged with its SMTP envelope (SPF against the client IP and MAIL FROM)', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-engine-'));
  try {
    const zone = join(dir, 'zone.txt');
    writeFileSync(zone, '$ORIGIN example.org.\n@ IN TXT "v=spf1 ip4:192.0.2.10 -all"\n');
    const msg = Buffer.from(
      'From: Alice <alice@example.org>\r\nTo: bob@example.net\r\nSubject: Minutes\r\n' +
        'Message-ID: <m1@example.org>\r\nDate: Mon, 1 Apr 2024 10:00:00 +0000\r\n\r\nMinutes attached.\r\n',
    );
    const engine = loadEngine({ mail: { dns: zone, all: true } });
    const env = { helo: 'mail.example.org', mailFrom: 'alice@example.org' };
    const good = await analyzeMessage(msg, { ...env, clientIp: '192.0.2.10' }, engine);
    const bad = await analyzeMessage(msg, { ...env, clientIp: '203.0.113.9' }, engine);
    assert.equal(good.auth.spf, 'pass');
    assert.equal(bad.auth.spf, 'fail');

    // The same through a scan session: the mail.verdict finding carries the same verdict.
    const seen: ScanEvent[] = [];
    const session = openScan(engine, { profile: 'mail', onEvent: (e) => seen.push(e) });
    const found = await session.message(msg, { ...env, clientIp: '203.0.113.9', name: 'queue/4711' });
    const summary = await session.close();
    assert.deepEqual(
      found.map((f) => [f.rule, f.source.path, f.evidence['action'], f.evidence['score']]),
      [['mail.verdict', 'queue/4711', bad.action, bad.score]],
    );
    assert.deepEqual(
      found[0]!.evidence['auth'],
      JSON.parse(JSON.stringify(bad.auth)) as Finding['evidence'][string],
    );
    assert.deepEqual(
      seen.map((e) => e.type),
      ['finding'],
    );
    assert.equal(summary.findings, 1);
    await assert.rejects(session.message(msg), /closed/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('reload builds a fresh engine from the same options: a changed feed file is read again', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-engine-'));
  try {
    const feed = join(dir, 'feed.txt');
    writeFileSync(feed, 'evil.example\n');
    const first = loadEngine({ intel: [feed], builtinIntel: false });
    writeFileSync(feed, 'evil.example\nworse.example\n');
    const second = reload(first);
    assert.notEqual(second, first);
    assert.equal(first.intel.size, 1);
    assert.equal(second.intel.size, 2);
    assert.deepEqual(second.options, first.options);
    // The old engine still answers (a scan in flight finishes on it).
    assert.equal(first.intel.domain('a.worse.example').length, 0);
    assert.equal(second.intel.domain('a.worse.example').length, 1);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('a scan session read as an async iterator while paths are added', async () => {
  const session = openScan(loadEngine(), { profile: 'dns-sunburst' });
  const done = session.add(join(EXAMPLE, 'dns')).then(() => session.close());
  const rules: string[] = [];
  for await (const e of session) if (e.type === 'finding') rules.push(e.finding.rule);
  const summary = await done;
  assert.deepEqual(rules.sort(), [
    'sunburst.query',
    'sunburst.query',
    'sunburst.query',
    'sunburst.query',
    'sunburst.victim',
  ]);
  assert.equal(summary.findings, 5);
  assert.deepEqual(
    summary.rules.map((r) => r.id),
    ['sunburst.query', 'sunburst.victim'],
  );
});

test('the README example (examples/library.ts) runs and prints what it promises', () => {
  const r = spawnSync(process.execPath, ['examples/library.ts'], { cwd: REPO, encoding: 'utf8' });
  assert.equal(r.status, 0, r.stderr);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.filter((l) => l.startsWith('critical')).length, 12);
  assert.ok(
    lines.includes('critical exchange.verdict  exchange/Logging/HttpProxy/Ecp/HttpProxy_2021030306-1.LOG'),
  );
  assert.deepEqual(lines.slice(-2), [
    '31 findings in 12 files',
    'reject (score 12): ATTACH_DISK_IMAGE, ATTACH_NAME_IOC, REPLYTO_DIVERGES, LURE_DOCUMENTS, FROM_DOMAIN_NOT_ON_PATH',
  ]);
});
