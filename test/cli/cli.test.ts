import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigil } from '../support/cli.ts';
import { REPO } from '../support/paths.ts';
import { makeZip } from '../../scripts/lib/zip.ts';

const pkg = JSON.parse(readFileSync(join(REPO, 'package.json'), 'utf8')) as { version: string };

test('--version and --help on every command exit 0', () => {
  assert.equal(vigil(['--version']).stdout.trim(), pkg.version);
  const help = vigil(['--help']);
  assert.equal(help.code, 0);
  assert.match(help.stdout, /triage \[options\] <path\.\.\.>/);
  for (const cmd of ['triage', 'detectors']) {
    const r = vigil([cmd, '--help']);
    assert.equal(r.code, 0, cmd);
    assert.match(r.stdout, new RegExp(`Usage: vigil ${cmd}`));
  }
  assert.match(vigil(['triage', '--help']).stdout, /--fail-on <severity>[\s\S]*Exit codes/);
});

test('usage errors exit 2 with one clear line', () => {
  const cases: [string[], RegExp][] = [
    [['frobnicate'], /unknown command 'frobnicate'/],
    [['triage'], /missing required argument 'path'/],
    [['triage', 'examples/incident', '--bogus'], /unknown option '--bogus'/],
    [['triage', 'no/such/place'], /no such file or folder: no\/such\/place/],
    [
      ['triage', 'examples/incident', '--fail-on', 'severe'],
      /--fail-on must be one of info, low, medium, high, critical/,
    ],
    [['triage', 'examples/incident', '--format', 'pdf'], /--format must be one of text, jsonl, sarif, html/],
    [['triage', 'examples/incident', '--out', '/nonexistent-dir/x.html'], /cannot write --out/],
  ];
  for (const [args, msg] of cases) {
    const r = vigil(args);
    assert.equal(r.code, 2, args.join(' '));
    assert.match(r.stderr, msg, args.join(' '));
    assert.equal(r.stdout, '', args.join(' '));
  }
});

test('exit codes follow --fail-on: 1 at or above it, 0 below it', () => {
  assert.equal(vigil(['triage', 'examples/incident', '-q']).code, 1);
  assert.equal(
    vigil(['triage', 'examples/incident/dns', '--fail-on', 'critical', '-q']).code,
    0,
    'only high findings in dns/',
  );
  assert.equal(vigil(['triage', 'examples/incident/mail', '--fail-on', 'high', '-q']).code, 1);
  const clean = vigil(['triage', 'examples/incident/README.md']);
  assert.equal(clean.code, 0);
  assert.match(clean.stdout, /No findings\./);
});

test('an input that cannot be read exits 2 and names the file; the rest is still reported', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  const zip = makeZip([{ name: 'a.txt', data: 'hello' }]);
  writeFileSync(join(dir, 'cut.zip'), zip.subarray(0, zip.length - 10));
  writeFileSync(join(dir, 'notes.txt'), 'nothing to see');
  const r = vigil(['triage', dir]);
  assert.equal(r.code, 2);
  assert.match(r.stderr, /^vigil: cut\.zip: .*central directory/im);
  assert.match(r.stdout, /Problems \(1\)[\s\S]*cut\.zip/);
  assert.match(r.stdout, /Not parsed \(1\)[\s\S]*notes\.txt/);
});

test('JSON Lines: one Finding per line, in the DESIGN.md shape', () => {
  const r = vigil(['triage', 'examples/incident', '--format', 'jsonl']);
  const lines = r.stdout.trim().split('\n');
  assert.equal(lines.length, 31);
  for (const l of lines) {
    const f = JSON.parse(l) as Record<string, unknown>;
    for (const k of ['rule', 'title', 'severity', 'cve', 'attack', 'source', 'evidence'])
      assert.ok(k in f, `${k} in ${l}`);
    assert.ok(Array.isArray(f['cve']) && Array.isArray(f['attack']));
    assert.match(String(f['severity']), /^(info|low|medium|high|critical)$/);
    if ('time' in f) assert.match(String(f['time']), /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  }
});

test('--out picks the format from the extension', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-cli-'));
  for (const [name, check] of [
    ['r.html', /^<!doctype html>/],
    ['r.sarif', /"version": "2\.1\.0"/],
    ['r.jsonl', /^\{"rule":/],
    ['r.txt', /^Vigil triage/],
  ] as const) {
    const r = vigil(['triage', 'examples/incident', '--out', join(dir, name)]);
    assert.equal(r.stdout, '');
    assert.match(readFileSync(join(dir, name), 'utf8'), check, name);
  }
});

// `script` runs the command on a pseudo-terminal: the only honest way to test TTY behaviour.
const hasScript = existsSync('/usr/bin/script');
function onTty(cmd: string, env: Record<string, string> = {}) {
  const r = spawnSync('/usr/bin/script', ['-qec', cmd, '/dev/null'], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', TERM: 'xterm', ...env },
  });
  return r.stdout;
}

// eslint-disable-next-line no-control-regex -- the test is about terminal escapes
const SGR = /\x1b\[[0-9;]*m/;
const ESC = String.fromCharCode(27);

test(
  'colour and progress only on a terminal, and never with NO_COLOR',
  { skip: !hasScript && 'no script(1)' },
  () => {
    const cmd = `${JSON.stringify(process.execPath)} bin/vigil.js triage examples/incident`;
    const tty = onTty(cmd);
    assert.match(tty, SGR, 'colour on a terminal');
    assert.match(tty, /\d+(\/\d+)? files · /, 'progress on a terminal');
    const noColor = onTty(cmd, { NO_COLOR: '1' });
    assert.doesNotMatch(noColor, SGR, 'NO_COLOR is honoured');
    const piped = vigil(['triage', 'examples/incident']);
    assert.ok(!(piped.stdout + piped.stderr).includes(ESC), 'nothing but text when piped');
  },
);

test('--timeline prints one line per finding in time order, untimed ones last', () => {
  const r = vigil(['triage', 'examples/incident', '--timeline']);
  assert.equal(r.code, 1);
  const lines = r.stdout.split('\n').filter((l) => /^(\d{4}-\d\d-\d\d \d\d:\d\d:\d\dZ|\(no time\))/.test(l));
  assert.equal(lines.length, 31);
  const times = lines.map((l) => l.slice(0, 20)).filter((t) => !t.startsWith('(no time)'));
  assert.deepEqual(times, [...times].sort());
  assert.ok(lines.slice(times.length).every((l) => l.startsWith('(no time)')));
  assert.match(
    r.stdout,
    /2021-03-03 06:49:46Z {2}CRITICAL EX01 {2}CVE-2021-26855 SSRF exploited: ECP session or configuration change through the back end {2}\[203\.0\.113\.50\] {2}exchange\/Logging\/HttpProxy\/Ecp\/HttpProxy_2021030306-1\.LOG:11/,
  );
});
