import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigil } from '../support/cli.ts';
import { DATA, needData } from '../support/paths.ts';

interface Out {
  rule: string;
  severity: string;
  time?: string;
  host?: string;
  title: string;
  cve: string[];
  source: { path: string; offset?: number; line?: number };
  evidence: Record<string, unknown>;
}
const parse = (s: string) =>
  s
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as Out);

test(
  'real Sysmon EVTX (w3wp.exe web shell running "net user"): the shell and its children, and a compromised verdict',
  { skip: needData },
  () => {
    const r = vigil([
      'triage',
      join(DATA, 'exchange', 'sbousseaden_LM_typical_IIS_webshell_sysmon_1_10_traces.evtx'),
      '--format',
      'jsonl',
      '--quiet',
    ]);
    assert.equal(r.code, 1, r.stderr);
    const fs = parse(r.stdout);
    assert.deepEqual(
      fs
        .filter((f) => f.rule === 'exchange.webserver-child')
        .map((f) => [
          f.severity,
          f.time,
          f.host,
          f.evidence['image'],
          f.evidence['parentImage'],
          f.evidence['commandLine'],
        ]),
      [
        [
          'critical',
          '2019-05-24T01:33:53.112Z',
          'IEWIN7',
          'C:\\Windows\\System32\\cmd.exe',
          'C:\\Windows\\System32\\inetsrv\\w3wp.exe',
          '"c:\\windows\\system32\\cmd.exe" /c net user',
        ],
        [
          'critical',
          '2019-05-24T01:33:53.182Z',
          'IEWIN7',
          'C:\\Windows\\System32\\net.exe',
          'C:\\Windows\\System32\\cmd.exe',
          'net  user',
        ],
        [
          'critical',
          '2019-05-24T01:33:53.192Z',
          'IEWIN7',
          'C:\\Windows\\System32\\net1.exe',
          'C:\\Windows\\System32\\net.exe',
          'C:\\Windows\\system32\\net1  user',
        ],
      ],
    );
    // The records are located by byte offset in the EVTX file.
    assert.ok(fs.every((f) => typeof f.source.offset === 'number' && f.source.offset >= 4096));
    assert.deepEqual(
      fs.filter((f) => f.rule === 'exchange.verdict').map((f) => [f.host, f.evidence['verdict']]),
      [['IEWIN7', 'compromised']],
    );
    assert.equal(fs.length, 4);
  },
);

// Event XML with named EventData, as `wevtutil qe … /f:xml` writes Sysmon and Security events.
const ev = (o: { provider: string; id: number; time: string; data: Record<string, string> }) =>
  `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="${o.provider}"/><EventID>${o.id}</EventID><Level>4</Level><TimeCreated SystemTime="${o.time}"/><EventRecordID>1</EventRecordID><Channel>x</Channel><Computer>EX01.ecu.example</Computer></System><EventData>${Object.entries(
    o.data,
  )
    .map(([k, v]) => `<Data Name="${k}">${v}</Data>`)
    .join('')}</EventData></Event>`;
const SYSMON = 'Microsoft-Windows-Sysmon';

test('UMWorkerProcess children (4688), script files written by w3wp (Sysmon 11); ASP.NET compiles and temp copies stay quiet', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-wsp-'));
  writeFileSync(
    join(dir, 'events.xml'),
    [
      ev({
        provider: 'Microsoft-Windows-Security-Auditing',
        id: 4688,
        time: '2021-03-03T06:45:00.000Z',
        data: {
          SubjectUserName: 'EX01$',
          SubjectDomainName: 'ECU',
          NewProcessName: 'C:\\Windows\\System32\\cmd.exe',
          CommandLine: 'cmd /c whoami',
          ParentProcessName: 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\UMWorkerProcess.exe',
        },
      }),
      ev({
        provider: SYSMON,
        id: 11,
        time: '2021-03-03T06:46:00.000Z',
        data: {
          Image: 'c:\\windows\\system32\\inetsrv\\w3wp.exe',
          TargetFilename: 'C:\\inetpub\\wwwroot\\aspnet_client\\system_web\\xx.aspx',
        },
      }),
      // Normal: ASP.NET compiling a page, and its shadow copies.
      ev({
        provider: SYSMON,
        id: 1,
        time: '2021-03-03T06:47:00.000Z',
        data: {
          Image: 'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\csc.exe',
          ParentImage: 'c:\\windows\\system32\\inetsrv\\w3wp.exe',
          CommandLine: 'csc.exe /noconfig',
          User: 'NT AUTHORITY\\SYSTEM',
        },
      }),
      ev({
        provider: SYSMON,
        id: 11,
        time: '2021-03-03T06:48:00.000Z',
        data: {
          Image: 'c:\\windows\\system32\\inetsrv\\w3wp.exe',
          TargetFilename:
            'C:\\Windows\\Microsoft.NET\\Framework64\\v4.0.30319\\Temporary ASP.NET Files\\owa\\a.aspx',
        },
      }),
      // An administrator's cmd.exe, not under a web process or an app pool.
      ev({
        provider: SYSMON,
        id: 1,
        time: '2021-03-03T06:49:00.000Z',
        data: {
          Image: 'C:\\Windows\\System32\\cmd.exe',
          ParentImage: 'C:\\Windows\\explorer.exe',
          CommandLine: 'cmd',
          User: 'ECU\\admin',
        },
      }),
    ].join('\r\n'),
  );
  const fs = parse(vigil(['exchange', 'hunt', dir, '--format', 'jsonl', '--quiet']).stdout);
  assert.deepEqual(
    fs
      .filter((f) => f.rule !== 'exchange.verdict')
      .map((f) => `${f.severity} ${f.rule} ${f.source.line} ${f.cve.join(',')} ${f.title}`),
    [
      'critical exchange.webserver-child 1 CVE-2021-26857 UMWorkerProcess.exe started cmd.exe (CVE-2021-26857 path: Unified Messaging running code)',
      'critical exchange.webserver-file 2  w3wp.exe wrote xx.aspx (a script file dropped by the web server)',
    ],
  );
  assert.deepEqual(
    fs.filter((f) => f.rule === 'exchange.verdict').map((f) => f.evidence['verdict']),
    ['compromised'],
  );
});
