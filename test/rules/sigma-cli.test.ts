import { test } from 'node:test';
import assert from 'node:assert/strict';
import { copyFileSync, mkdtempSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../../src/model/finding.ts';
import { DATA, needData } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';

const SIGMA = join(DATA, 'sigma');
const WEBSHELL_EVTX = join(DATA, 'exchange', 'sbousseaden_LM_typical_IIS_webshell_sysmon_1_10_traces.evtx');
const PROXYSHELL_RULES = join(SIGMA, 'rules-emerging-threats', '2021', 'Exploits', 'ProxyShell-Exploit');

/** An IIS W3C log as IIS writes it: a ProxyShell request refused (401), one that succeeded, an ordinary OWA login page. */
function iisLog(dir: string): string {
  const p = join(dir, 'u_ex210810.log');
  writeFileSync(
    p,
    [
      '#Software: Microsoft Internet Information Services 10.0',
      '#Version: 1.0',
      '#Date: 2021-08-10 01:02:03',
      '#Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken',
      '2021-08-10 01:02:02 10.0.0.5 POST /autodiscover/autodiscover.json @evil.corp/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dz&Email=autodiscover/autodiscover.json%3F@evil.corp 443 - 203.0.113.7 python-requests/2.26.0 - 401 0 0 31',
      '2021-08-10 01:02:03 10.0.0.5 POST /autodiscover/autodiscover.json @evil.corp/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@evil.corp 443 - 203.0.113.7 python-requests/2.26.0 - 200 0 0 120',
      '2021-08-10 01:02:04 10.0.0.5 GET /owa/auth/logon.aspx replaceCurrent=1 443 - 198.51.100.2 Mozilla/5.0+(Windows+NT+10.0;+Win64;+x64) - 200 0 0 15',
      '',
    ].join('\r\n'),
  );
  return p;
}

const jsonl = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Finding);
const brief = (fs: Finding[]) =>
  fs.map((f) => `${f.severity} ${f.title} @${f.source.line ?? f.source.offset}`).sort();

test(
  'vigil sigma RULES -- EVTX: SigmaHQ rules on a real web-shell trace, with the fields they matched',
  { skip: needData },
  () => {
    const r = vigil([
      'sigma',
      join(SIGMA, 'rules'),
      join(SIGMA, 'rules-emerging-threats'),
      '--format',
      'jsonl',
      '--quiet',
      '--',
      WEBSHELL_EVTX,
    ]);
    assert.equal(r.code, 1, r.stderr);
    const fs = jsonl(r.stdout);
    assert.deepEqual(brief(fs), [
      'high Suspicious Process By Web Server Process @4608',
      'low Local Accounts Discovery @12832',
      'low Local Accounts Discovery @14280',
    ]);
    const shell = fs.find((f) => f.severity === 'high')!;
    assert.equal(shell.rule, 'sigma.8202070f-edeb-4d31-a010-a26c72ac5600');
    assert.deepEqual(shell.attack, ['T1505.003', 'T1190']);
    assert.equal(shell.host, 'IEWIN7');
    const matched = shell.evidence as Record<string, unknown>;
    assert.equal(matched['ParentImage'], 'C:\\Windows\\System32\\inetsrv\\w3wp.exe');
    assert.equal(matched['Image'], 'C:\\Windows\\System32\\cmd.exe');
    assert.equal(shell.evidence['level'], 'high');
    assert.equal(shell.evidence['logsource'], 'Sysmon 1');
  },
);

test(
  'vigil sigma on IIS logs: SigmaHQ ProxyShell web rules fire on the exploit request only',
  { skip: needData },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-'));
    iisLog(dir);
    const r = vigil(['sigma', PROXYSHELL_RULES, '--format', 'jsonl', '--quiet', '--', dir]);
    assert.equal(r.code, 1, r.stderr);
    const fs = jsonl(r.stdout);
    assert.deepEqual(
      fs.map((f) => `${f.source.line} ${f.severity} ${f.title}`),
      ['5 high Exchange ProxyShell Pattern', '6 critical Successful Exchange ProxyShell Attack'],
    );
    assert.match(
      fs[1]!.evidence['cs-uri'] as string,
      /^\/autodiscover\/autodiscover\.json\?@evil\.corp\/mapi\/nspi/,
    );
    assert.equal(fs[0]!.evidence['sc-status'], '401');
  },
);

test('invalid rules are reported with file and reason, the valid ones still run; --check lists what cannot run', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-'));
  const rules = join(dir, 'rules');
  mkdirSync(rules);
  writeFileSync(
    join(rules, 'good.yml'),
    'title: Web shell child\nid: good-1\nlevel: high\ntags: [attack.t1505.003]\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    ParentImage|endswith: \\w3wp.exe\n  condition: sel\n',
  );
  writeFileSync(
    join(rules, 'broken.yml'),
    'title: Broken\nlogsource:\n  product: windows\n  category: process_creation\ndetection:\n  sel:\n    Image|endswith: x\n  condition: sel and missing\n',
  );
  writeFileSync(
    join(rules, 'cloud.yml'),
    'title: Cloud\nlogsource:\n  product: aws\n  service: cloudtrail\ndetection:\n  sel:\n    eventName: x\n  condition: sel\n',
  );
  const ev = join(dir, 'ev');
  mkdirSync(ev);
  const xml =
    '<Events><Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="Microsoft-Windows-Security-Auditing"/><EventID>4688</EventID><Level>0</Level><TimeCreated SystemTime="2021-03-03T04:05:06.000Z"/><Channel>Security</Channel><Computer>EX01.corp.local</Computer></System><EventData><Data Name="SubjectUserName">EX01$</Data><Data Name="NewProcessName">C:\\Windows\\System32\\cmd.exe</Data><Data Name="CommandLine">cmd /c whoami</Data><Data Name="ParentProcessName">c:\\windows\\system32\\inetsrv\\w3wp.exe</Data></EventData></Event></Events>';
  writeFileSync(join(ev, 'security.xml'), xml);
  const r = vigil(['sigma', rules, '--format', 'jsonl', '--', ev]);
  assert.equal(r.code, 1, r.stderr);
  const fs = jsonl(r.stdout);
  assert.deepEqual(
    fs.map((f) => [f.rule, f.host, f.evidence['logsource']]),
    [['sigma.good-1', 'EX01.corp.local', 'Security 4688']],
  );
  assert.match(r.stderr, /sigma: 1 rules loaded, 1 not evaluable on these log kinds, 1 invalid/);

  const check = vigil(['sigma', rules, '--check']);
  assert.equal(check.code, 2, 'an invalid rule makes --check exit 2');
  assert.match(check.stdout, /broken\.yml: condition uses 'missing', which the detection does not define/);
  assert.match(check.stdout, /cloud\.yml: no reader for logsource product: aws, service: cloudtrail/);

  const noDash = vigil(['sigma', rules, ev]);
  assert.equal(noDash.code, 2);
  assert.match(noDash.stderr, /vigil sigma RULES… -- PATH…/);
});

test(
  '--sigma on triage and exchange hunt (two worker threads): Sigma findings beside the built-in checks',
  { skip: needData },
  () => {
    const dir = mkdtempSync(join(tmpdir(), 'vigil-sigma-'));
    iisLog(dir);
    copyFileSync(WEBSHELL_EVTX, join(dir, 'sysmon.evtx'));
    const t = vigil([
      'triage',
      dir,
      '--sigma',
      PROXYSHELL_RULES,
      join(
        SIGMA,
        'rules',
        'windows',
        'process_creation',
        'proc_creation_win_webshell_susp_process_spawned_from_webserver.yml',
      ),
      '--format',
      'jsonl',
      '--quiet',
    ]);
    const tf = jsonl(t.stdout);
    const sigma = (fs: Finding[]) =>
      fs
        .filter((f) => f.rule.startsWith('sigma.'))
        .map((f) => `${f.source.path} ${f.title}`)
        .sort();
    const want = [
      'sysmon.evtx Suspicious Process By Web Server Process',
      'u_ex210810.log Exchange ProxyShell Pattern',
      'u_ex210810.log Successful Exchange ProxyShell Attack',
    ];
    assert.deepEqual(sigma(tf), want);
    assert.ok(
      tf.some((f) => f.rule === 'exchange.webserver-child'),
      'the built-in check still runs',
    );
    assert.ok(
      tf.some((f) => f.rule.startsWith('exchange.proxyshell')),
      'and the ProxyShell check',
    );

    const h = vigil([
      'exchange',
      'hunt',
      dir,
      '-j',
      '2',
      '--sigma',
      PROXYSHELL_RULES,
      join(
        SIGMA,
        'rules',
        'windows',
        'process_creation',
        'proc_creation_win_webshell_susp_process_spawned_from_webserver.yml',
      ),
      '--format',
      'jsonl',
      '--quiet',
    ]);
    assert.deepEqual(sigma(jsonl(h.stdout)), want);
  },
);
