import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../src/model/finding.ts';
import { compile, RegexError, necessaryLiterals, whyNot } from '../../src/rules/safe-regex.ts';
import { vigil } from '../support/cli.ts';

/**
 * Issue 19: a regex from outside (a rule's, a feed's, a placeholder's) against a string the
 * attacker wrote must not stall a scan. Each case runs the real CLI on a worst-case string for
 * V8's backtracking engine — minutes to years there — with a bound that only catches a hang
 * (the child is killed after HANG ms; a linear-time engine needs a few seconds, most of it
 * loading, even on a loaded machine), and
 * checks that the same pattern still matches an ordinary string.
 */
const HANG = 60_000;

const jsonl = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Finding);

const tmp = () => mkdtempSync(join(tmpdir(), 'vigil-redos-'));

/** Security 4688 events (as wevtutil writes them), one per command line, on lines 1, 2, … */
function events4688(dir: string, commandLines: readonly string[]): string {
  const p = join(dir, 'security.xml');
  const ev = (cmd: string, i: number) =>
    `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4688</EventID><Level>0</Level><TimeCreated SystemTime="2021-03-03T04:05:0${i}.000Z"/><Channel>Security</Channel><Computer>EX01.corp.local</Computer></System><EventData><Data Name="NewProcessName">C:\\Windows\\System32\\cmd.exe</Data><Data Name="CommandLine">${cmd}</Data></EventData></Event>`;
  writeFileSync(p, `<Events>\n${commandLines.map(ev).join('\n')}\n</Events>\n`);
  return p;
}

function sigmaRule(dir: string, detection: string): string {
  const p = join(dir, 'rule.yml');
  writeFileSync(
    p,
    `title: Hostile regex
id: 0b5e7d4c-19aa-4a19-9c19-000000000019
level: high
logsource:
  product: windows
  category: process_creation
detection:
${detection}
  condition: sel
`,
  );
  return p;
}

test('issue 19: Sigma CommandLine|re ^(a+)+$ against 34 a and ! finishes, and still matches aaaa', () => {
  const dir = tmp();
  const rule = sigmaRule(dir, "  sel:\n    CommandLine|re: '^(a+)+$'");
  const ev = events4688(dir, [`${'a'.repeat(34)}!`, 'aaaa']);
  const r = vigil(['sigma', rule, '--format', 'jsonl', '--quiet', '--', ev], { timeout: HANG });
  assert.equal(r.hung, false, 'vigil sigma hung');
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    jsonl(r.stdout).map((f) => [f.rule, f.evidence['CommandLine'], f.source.line]),
    [['sigma.0b5e7d4c-19aa-4a19-9c19-000000000019', 'aaaa', 3]],
  );
});

test('Sigma |re|i: the case-insensitive form (which V8 cannot rescue) finishes too', () => {
  const dir = tmp();
  const rule = sigmaRule(dir, "  sel:\n    CommandLine|re|i: '^(a|aa)+$'");
  const ev = events4688(dir, [`${'A'.repeat(40)}!`, 'AaA']);
  const r = vigil(['sigma', rule, '--format', 'jsonl', '--quiet', '--', ev], { timeout: HANG });
  assert.equal(r.hung, false, 'vigil sigma hung');
  assert.deepEqual(
    jsonl(r.stdout).map((f) => f.evidence['CommandLine']),
    ['AaA'],
  );
});

test('a --sigma-placeholder value with wildcards: linear matching, ordinary values still match', () => {
  const dir = tmp();
  const rule = sigmaRule(dir, '  sel:\n    CommandLine|expand: "%evil%"');
  // As a backtracking regex `^[\s\S]*a[\s\S]*a…[\s\S]b$` this is polynomial of degree 12.
  const value = `${'*a'.repeat(12)}?b`;
  const ev = events4688(dir, ['a'.repeat(3000), `${'a'.repeat(12)}xb`]);
  const r = vigil(
    ['sigma', rule, '--sigma-placeholder', `evil=${value}`, '--format', 'jsonl', '--quiet', '--', ev],
    { timeout: HANG },
  );
  assert.equal(r.hung, false, 'vigil sigma hung');
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    jsonl(r.stdout).map((f) => f.source.line),
    [3],
  );
});

test('a signature-base regex line (a+)+b;80 and a file named with 30 a: intel match finishes', () => {
  const dir = tmp();
  const feed = join(dir, 'filename-iocs.txt');
  writeFileSync(feed, '# hostile\n(a+)+b;80\n');
  const ev = join(dir, 'evidence');
  mkdirSync(ev);
  writeFileSync(join(ev, 'a'.repeat(30)), 'x');
  writeFileSync(join(ev, 'aab.txt'), 'x');
  const r = vigil(
    ['intel', 'match', ev, '--intel', feed, '--no-builtin-intel', '--format', 'jsonl', '--quiet'],
    { timeout: HANG },
  );
  assert.equal(r.hung, false, 'vigil intel match hung');
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    jsonl(r.stdout).map((f) => [f.source.path, f.evidence['indicator']]),
    [['aab.txt', '(a+)+b']],
  );
});

test('a CHIRP log regex over an IIS log line of 30 a: finishes, and matches the ordinary line', () => {
  const dir = tmp();
  const feed = join(dir, 'chirp.yaml');
  writeFileSync(
    feed,
    `---
name: "hostile"
confidence: 7
ioc_type: "yara"
indicator:
  files: "C:\\\\inetpub\\\\logs\\\\LogFiles\\\\W3SVC*\\\\*.log"
  rule: |
    rule hostile
    {
      strings:
        $re1= /GET \\/(a+)+b/
      condition:
        any of them
    }
`,
  );
  const log = join(dir, 'u_ex210303.log');
  writeFileSync(
    log,
    [
      '#Software: Microsoft Internet Information Services 10.0',
      '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status',
      `2021-03-03 01:02:03 10.0.0.5 GET /${'a'.repeat(30)} - 443 - 203.0.113.7 curl/7.68 404`,
      '2021-03-03 01:02:04 10.0.0.5 GET /aab - 443 - 203.0.113.7 curl/7.68 404',
      '',
    ].join('\r\n'),
  );
  const r = vigil(
    [
      'intel',
      'match',
      log,
      '--intel',
      feed,
      '--no-builtin-intel',
      '--fail-on',
      'medium',
      '--format',
      'jsonl',
      '--quiet',
    ],
    { timeout: HANG },
  );
  assert.equal(r.hung, false, 'vigil intel match hung');
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    jsonl(r.stdout).map((f) => f.source.line),
    [4],
  );
});

test('a STIX MATCHES pattern on file:name and a file named with 30 a: finishes, matches aab', () => {
  const dir = tmp();
  const feed = join(dir, 'bundle.json');
  writeFileSync(
    feed,
    JSON.stringify({
      type: 'bundle',
      id: 'bundle--00000000-0000-4000-8000-000000000019',
      objects: [
        {
          type: 'indicator',
          spec_version: '2.1',
          id: 'indicator--00000000-0000-4000-8000-000000000019',
          created: '2021-03-02T00:00:00.000Z',
          modified: '2021-03-02T00:00:00.000Z',
          name: 'hostile',
          pattern: "[file:name MATCHES '^(a+)+b']",
          pattern_type: 'stix',
          valid_from: '2021-03-02T00:00:00Z',
        },
      ],
    }),
  );
  const ev = join(dir, 'evidence');
  mkdirSync(ev);
  writeFileSync(join(ev, 'a'.repeat(30)), 'x');
  writeFileSync(join(ev, 'aab.txt'), 'x');
  const r = vigil(
    ['intel', 'match', ev, '--intel', feed, '--no-builtin-intel', '--format', 'jsonl', '--quiet'],
    { timeout: HANG },
  );
  assert.equal(r.hung, false, 'vigil intel match hung');
  assert.equal(r.code, 1, r.stderr);
  assert.deepEqual(
    jsonl(r.stdout).map((f) => f.source.path),
    ['aab.txt'],
  );
});

test('a mail message built against our own HTML, address and subject patterns: mail scan finishes', () => {
  const dir = tmp();
  const n = 100_000;
  const html =
    '<a href="x'.repeat(n / 10) +
    '<'.repeat(n) +
    '<div style="display:none'.repeat(n / 24) +
    '<style'.repeat(n / 6) +
    `http-equiv=refresh content="${'url'.repeat(n / 3)}` +
    '<a href="https://login.example.net/signin">Sign in</a>';
  const msg = [
    `From: ${'@'.repeat(20_000)} <${'@'.repeat(20_000)}>`,
    'To: victim@corp.example',
    `Subject: Aa1${'b'.repeat(n)}`,
    `Message-ID: <${'@x'.repeat(20_000)} >`,
    'MIME-Version: 1.0',
    'Content-Type: multipart/alternative; boundary="b"',
    '',
    '--b',
    'Content-Type: text/plain',
    '',
    `pwd${' '.repeat(n)}`,
    '.'.repeat(n),
    '--b',
    'Content-Type: text/html',
    '',
    html,
    '--b--',
    '',
  ].join('\r\n');
  writeFileSync(join(dir, 'hostile.eml'), msg);
  const r = vigil(['mail', 'scan', dir, '--format', 'jsonl', '--quiet'], { timeout: 2 * HANG });
  assert.equal(r.hung, false, 'vigil mail scan hung');
  const v = jsonl(r.stdout).find((f) => f.rule === 'mail.verdict');
  assert.ok(v, r.stderr);
  const links = JSON.stringify(v.evidence);
  assert.match(links, /login\.example\.net/, 'the one real link is still found');
});

test('--record-budget: a record that uses up the budget is reported with its position, the scan goes on', () => {
  const dir = tmp();
  // 30 low-level rules whose regexes each read the whole of a 300 KB command line, and one for `hostname`.
  const rule = (i: number, re: string) => `title: Long ${i}
id: 0b5e7d4c-19aa-4a19-9c19-1000000000${String(i).padStart(2, '0')}
level: low
logsource:
  product: windows
  category: process_creation
detection:
  sel:
    CommandLine|re: '${re}'
  condition: sel
`;
  // `hostname` first: on a record the budget cuts short, the rules before the cut have run.
  const rules = [
    rule(30, '^hostname$'),
    ...Array.from({ length: 30 }, (_, i) => rule(i, `^[a-z]{${10 + i}}[^!]*$`)),
  ];
  writeFileSync(join(dir, 'rules.yml'), rules.join('---\n'));
  const ev = events4688(dir, ['whoami', 'a'.repeat(300_000), 'hostname']);
  const args = ['sigma', join(dir, 'rules.yml'), '--format', 'jsonl', '--no-progress'];
  const r = vigil([...args, '--record-budget', '1', '--', ev], { timeout: HANG });
  assert.equal(r.hung, false);
  assert.equal(r.code, 2, 'a record not fully analysed: exit 2');
  assert.match(
    r.stderr,
    /security\.xml:3: detector sigma stopped on this winevent record after [\d.]+ ms \(budget 1 ms\) at rule sigma\.0b5e7d4c-19aa-4a19-9c19-10000000\d{4}: its remaining rules were not run on it/,
  );
  const found = jsonl(r.stdout);
  assert.ok(
    found.filter((f) => f.source.line === 3).length < 30,
    'the rules left did not run on that record',
  );
  assert.ok(
    found.some((f) => f.source.line === 4),
    'the scan went on to the next record',
  );
  const off = vigil([...args, '--quiet', '--record-budget', '0', '--', ev], { timeout: HANG });
  assert.equal(off.code, 0, off.stderr);
  assert.equal(jsonl(off.stdout).length, 31, 'without a budget every rule runs on every record');
  const bad = vigil([...args, '--record-budget', 'soon', '--', ev]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--record-budget must be a whole number of milliseconds/);
});

test('what a linear engine cannot run is refused with the reason by sigma --check and intel import', () => {
  const dir = tmp();
  const rule = sigmaRule(dir, "  sel:\n    CommandLine|re: '(\\w+) \\1'");
  const c = vigil(['sigma', rule, '--check']);
  assert.equal(c.code, 0, c.stderr);
  assert.match(c.stdout, /0 rules loaded, 1 not evaluable here, 0 invalid/);
  assert.match(
    c.stdout,
    /rule\.yml: CommandLine\|re: backreference \\1 needs a backtracking engine \(not run\)/,
  );

  const feed = join(dir, 'filename-iocs.txt');
  writeFileSync(feed, '\\\\evil(?=\\.aspx);80\n\\\\shell\\.aspx$;60\n');
  const i = vigil(['intel', 'import', feed]);
  assert.equal(i.code, 2);
  assert.match(i.stdout, /1 indicators loaded/);
  assert.match(i.stdout, /lookahead \(\?= \/ \(\?! needs a backtracking engine \(not run\)/);
});

test('safe-regex: JavaScript and PCRE spellings, flags, and refusals', () => {
  assert.equal(compile('(?i)^CMD\\.EXE$').test('cmd.exe'), true);
  assert.equal(compile('^cmd\\.exe$', 'i').test('CMD.EXE'), true);
  assert.equal(compile('^a.b$', 's').test('a\nb'), true);
  assert.equal(compile('^a.b$').test('a\nb'), false);
  assert.equal(compile('^b$', 'm').test('a\nb\nc'), true);
  assert.equal(compile('(?<user>\\w+)@example\\.com').test('alice@example.com'), true);
  assert.equal(compile('\\u0041\\x42').test('AB'), true);
  assert.equal(compile('a\\/b').test('a/b'), true);
  assert.equal(compile('(?<=\\\\)evil\\.aspx').test('C:\\evil.aspx'), true);
  assert.equal(compile('(?<=\\\\)evil\\.aspx').test('C:/evil.aspx'), false);
  assert.equal(compile('end\\Z').test('the end\n'), true);
  assert.equal(compile('[^]').test('x'), true);
  for (const [p, why] of [
    ['(a)\\1', /backreference/],
    ['(?<n>a)\\k<n>', /named backreference/],
    ['a(?!b)', /lookahead/],
    ['(?>a+)b', /atomic group/],
    ['(?x) a b', /extended mode/],
  ] as const) {
    assert.throws(
      () => compile(p),
      (e) => e instanceof RegexError && e.unsupported && why.test(e.message),
    );
  }
  assert.match(whyNot('(unclosed') ?? '', /^invalid regular expression: /);
  assert.equal(whyNot('fine'), null);
});

test('necessaryLiterals: what every match must hold, for the literal pre-filters', () => {
  assert.deepEqual(necessaryLiterals('POST \\/ecp\\/\\b\\w{1}\\b.js'), ['POST /ecp/']);
  assert.deepEqual(necessaryLiterals('(a+)+b'), ['b']);
  assert.deepEqual(necessaryLiterals('abc?d'), ['ab']);
  assert.deepEqual(necessaryLiterals('ab+cd'), ['ab']);
  assert.deepEqual(necessaryLiterals('foo|bar\\d'), ['foo', 'bar']);
  assert.deepEqual(necessaryLiterals('x*|abc'), null);
  assert.deepEqual(necessaryLiterals('[a-z]+\\d'), null);
});
