import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { bindQueryLog, ecpServerLog, httpProxyLog, iisLog } from '../../scripts/lib/formats.ts';
import { exposureFinding } from '../../src/exchange/exposure.ts';
import { assessBuild } from '../../src/exchange/builds.ts';
import { serverKey } from '../../src/exchange/servers.ts';
import { vigil } from '../support/cli.ts';

/**
 * Several servers in one collection (a DAG's), one server named several ways, the same verdicts
 * from `vigil triage` as from `vigil exchange hunt`, and what runs now from `vigil exchange probe`.
 */
type F = {
  rule: string;
  severity: string;
  host?: string;
  source: { path: string; line?: number };
  evidence: Record<string, unknown>;
};
const write = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-servers-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
};
function run(args: string[]): F[] {
  const r = vigil([...args, '--format', 'jsonl', '--quiet']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as F);
}
const verdicts = (fs: F[]) =>
  fs
    .filter((f) => f.rule === 'exchange.verdict')
    .map((f) => `${f.host}: ${String(f.evidence['verdict'])}`)
    .sort();

const build = (b: string) => {
  const [MajorVersion, MinorVersion, BuildVersion, RevisionVersion] = b.split('.');
  return {
    MajorVersion: MajorVersion!,
    MinorVersion: MinorVersion!,
    BuildVersion: BuildVersion!,
    RevisionVersion: RevisionVersion!,
  };
};
const login = (server: string, b: string, time = '2021-03-01T08:00:00.000Z') => ({
  ...build(b),
  DateTime: time,
  Protocol: 'Owa',
  UrlStem: '/owa/',
  AnchorMailbox: 'Smtp~jdoe@contoso.com',
  AuthenticatedUser: 'jdoe@contoso.com',
  ClientIpAddress: '10.1.2.3',
  ServerHostName: server,
  HttpStatus: '200',
  Method: 'GET',
});
const iisRow = (time: string, stem: string, query: string, ip: string, ua: string) => ({
  date: time.slice(0, 10),
  time: time.slice(11, 19),
  's-ip': '10.0.0.5',
  'cs-method': 'POST',
  'cs-uri-stem': stem,
  'cs-uri-query': query,
  's-port': '443',
  'c-ip': ip,
  'cs(User-Agent)': ua,
  'sc-status': '200',
  'sc-substatus': '0',
  'sc-win32-status': '0',
  'time-taken': '31',
});
const mgmtEvent = (computer: string, time: string, data: string[]) =>
  `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="MSExchange CmdletLogs"/><EventID Qualifiers="16384">1</EventID><Level>4</Level><Task>1</Task><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime="${time}"/><EventRecordID>90</EventRecordID><Channel>MSExchange Management</Channel><Computer>${computer}</Computer><Security/></System><EventData>${data.map((d) => `<Data>${d}</Data>`).join('')}</EventData></Event>`;

/** A DAG of three: EX01 hit by ProxyShell (named four ways), EX02 patched and quiet, EX03 unpatched and quiet. */
const DAG = {
  // EX01: the collection's folder, HttpProxy's ServerHostName, the event log's FQDN, ECP's lower case.
  'EX01/Logging/HttpProxy/Autodiscover/HttpProxy_2021082115-1.LOG': httpProxyLog(
    [
      {
        ...login('EX01', '15.2.792.3', '2021-08-21T15:20:53.000Z'),
        Protocol: 'Autodiscover',
        UrlStem: '/autodiscover/autodiscover.json',
        UrlQuery:
          '?@evil.corp/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dzQwBBCEtlcmJlcm9z&Email=autodiscover/autodiscover.json%3F@evil.corp',
        AuthenticatedUser: '',
        AnchorMailbox: '',
        ClientIpAddress: '203.0.113.66',
        UserAgent: 'python-requests/2.26.0',
        Method: 'POST',
      },
    ],
    '2021-08-21T15:00:00.000Z',
    { layout: 'exchange' },
  ),
  'EX01/inetpub/logs/LogFiles/W3SVC1/u_ex210821.log': iisLog([
    iisRow(
      '2021-08-21 15:20:53',
      '/autodiscover/autodiscover.json',
      '@evil.corp/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dzQwBBCEtlcmJlcm9z&Email=autodiscover/autodiscover.json%3F@evil.corp&CorrelationID=<empty>;',
      '203.0.113.66',
      'python-requests/2.26.0',
    ),
    iisRow('2021-08-21 15:31:02', '/aspnet_client/xqhfc.aspx', '-', '203.0.113.66', 'Mozilla/5.0'),
  ]),
  'EX01/Logging/ECP/Server/ECPServer20210821-1.LOG': ecpServerLog(
    [{ time: '2021-08-21T09:00:00.000Z', server: 'ex01', data: 'S:CMD=Get-Mailbox;S:BLD=15.2.792.3' }],
    { layout: 'exchange' },
  ),
  'EX01/EventLogs/MSExchange Management.xml': mgmtEvent(
    'EX01.contoso.local',
    '2021-08-21T15:25:00.000000000Z',
    [
      'New-MailboxExportRequest',
      '-Mailbox "jdoe@contoso.com" -FilePath "\\\\127.0.0.1\\c$\\inetpub\\wwwroot\\aspnet_client\\xqhfc.aspx"',
      'NT AUTHORITY\\SYSTEM',
      'Remote-PowerShell-Unknown',
    ],
  ),
  // EX02: patched, only its own users.
  'ex02-logs/Logging/HttpProxy/Owa/HttpProxy_2021082108-1.LOG': httpProxyLog(
    [login('EX02', '15.2.922.7', '2021-08-21T08:00:00.000Z')],
    '2021-08-21T08:00:00.000Z',
    { layout: 'exchange' },
  ),
  // EX03: CU8 without the security updates, nobody attacked it (yet).
  'EX03.contoso.local/Logging/HttpProxy/Owa/HttpProxy_2021082108-1.LOG': httpProxyLog(
    [login('ex03.contoso.local', '15.2.792.3', '2021-08-21T08:00:00.000Z')],
    '2021-08-21T08:00:00.000Z',
    { layout: 'exchange' },
  ),
};

test('server names: short name and FQDN, any case, are one server', () => {
  assert.equal(serverKey('EX01.contoso.local'), 'ex01');
  assert.equal(serverKey('ex01'), 'ex01');
  assert.equal(serverKey('EX01.'), 'ex01');
  assert.equal(serverKey('10.0.0.5'), '10.0.0.5');
  assert.equal(serverKey('-'), '');
  assert.equal(serverKey('localhost'), '');
});

test("a DAG's collection: one verdict per server, each finding names its server, one server stays one host", () => {
  const fs = run(['exchange', 'hunt', write(DAG)]);
  assert.deepEqual(verdicts(fs), ['EX01: compromised', 'EX02: clean', 'EX03: vulnerable']);
  // Every finding says which server it belongs to, by path for the logs that name none (IIS).
  const bad = fs.filter((f) => !['EX01', 'EX02', 'EX03'].includes(f.host ?? ''));
  assert.deepEqual(
    bad.map((f) => [f.rule, f.host, f.source.path]),
    [],
  );
  for (const f of fs) {
    const folder = f.source.path.split('/')[0]!.slice(0, 4).toUpperCase();
    if (f.rule !== 'exchange.verdict') assert.equal(f.host, folder, `${f.rule} ${f.source.path}`);
  }
  const ex01 = fs.find((f) => f.rule === 'exchange.verdict' && f.host === 'EX01')!;
  assert.deepEqual(ex01.evidence['names'], ['EX01', 'EX01.contoso.local', 'ex01']);
  assert.ok(
    fs.some((f) => f.rule === 'exchange.webshell-access' && f.host === 'EX01'),
    'the IIS request to the exported shell is EX01s',
  );
});

test('vigil triage gives every server with Exchange evidence the verdict exchange hunt gives it', () => {
  const sunburstOrg = {
    'EX09/Logging/HttpProxy/Owa/HttpProxy_2021030108-1.LOG': httpProxyLog(
      [login('EX09', '15.2.922.7', '2021-07-01T08:00:00.000Z')],
      '2021-07-01T08:00:00.000Z',
      { layout: 'exchange' },
    ),
    'dns/named-queries.log': bindQueryLog([
      {
        time: '2020-04-20T09:12:44Z',
        client: '10.20.4.17',
        name: 'r1qshoj05ji05ac6eoip02jovt6i2v0c.appsync-api.us-west-2.avsvmcloud.com',
      },
    ]),
  };
  for (const [name, files] of [
    ['DAG', DAG],
    ['SUNBURST-only organisation', sunburstOrg],
  ] as const) {
    const dir = write(files);
    const hunt = verdicts(run(['exchange', 'hunt', dir]));
    const triage = verdicts(run(['triage', dir]));
    assert.ok(hunt.length > 0, name);
    assert.deepEqual(triage, hunt, name);
  }
  assert.deepEqual(verdicts(run(['triage', write(sunburstOrg)])), ['EX09: clean']);
});

test('--inventory probe.jsonl: the build a probe read is what runs now', () => {
  // A single server whose logs end on an unpatched CU8; probed later at its public name.
  const dir = write({
    'EX07/Logging/HttpProxy/Owa/HttpProxy_2021030108-1.LOG': httpProxyLog(
      [login('EX07', '15.2.792.3', '2021-03-01T08:00:00.000Z')],
      '2021-03-01T08:00:00.000Z',
      { layout: 'exchange' },
    ),
  });
  const probed = (target: string, san: string) =>
    JSON.stringify(
      exposureFinding({
        target,
        url: `https://${target}/owa/`,
        verdict: 'patched',
        build: '15.2.922.7',
        buildSource: 'x-owa-version',
        exact: true,
        assessment: assessBuild('15.2.922.7'),
        cert: {
          subject: `CN=${target}`,
          san,
          issuer: `CN=${target}`,
          validTo: '2031-01-01T00:00:00Z',
          selfSigned: true,
        },
        requests: 2,
        ms: 40,
      }),
    );
  const before = run(['exchange', 'hunt', dir]).find((f) => f.rule === 'exchange.verdict')!;
  assert.deepEqual(
    [before.host, before.evidence['verdict'], before.evidence['buildNowFrom']],
    ['EX07', 'vulnerable', 'logs'],
  );
  const probe = join(dir, '..', `${dir.split('/').pop()}-probe.jsonl`);
  // The public name alone (one server in the collection), or a certificate naming the server.
  for (const line of [
    probed('mail.contoso.com', 'DNS:mail.contoso.com, DNS:autodiscover.contoso.com'),
    probed('203.0.113.10', 'DNS:ex07.contoso.local'),
  ]) {
    writeFileSync(probe, `${line}\n`);
    const fs = run(['exchange', 'hunt', dir, '--inventory', probe]);
    const v = fs.filter((f) => f.rule === 'exchange.verdict');
    assert.deepEqual(
      v.map((f) => [f.host, f.evidence['verdict'], f.evidence['buildNow'], f.evidence['buildNowFrom']]),
      [['EX07', 'clean', '15.2.922.7', 'inventory']],
    );
  }
  writeFileSync(probe, '{not json\n');
  const bad = vigil(['exchange', 'hunt', dir, '--inventory', probe, '--quiet']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--inventory .*probe\.jsonl:1: not a JSON object/);
});
