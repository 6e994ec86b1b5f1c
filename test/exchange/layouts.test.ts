import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import {
  ecpServerLog,
  httpProxyLog,
  oabGeneratorLog,
  exchangeCsvLog,
  type ExchangeCsvLayout,
  type ExchangeCsvOptions,
} from '../../scripts/lib/formats.ts';
import { sniff } from '../../src/io/sniff.ts';
import { readExchangeCsv } from '../../src/exchange/logs.ts';
import { chunkSearchers } from '../../src/io/select.ts';
import type { Problem } from '../../src/model/problem.ts';
import type { LogEvent, VigilRecord } from '../../src/model/records.ts';
import { chunked, records } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';

/**
 * Exchange's CSV logs as a server writes them: a plain CSV header line (`DateTime,RequestId,…`)
 * above the `#Software:` … `#Fields:` directives (exchange.md §2.3, "Exchange CSV header quirk"),
 * and the layouts copies end up in.
 */
const LAYOUTS: readonly ExchangeCsvLayout[] = [
  'exchange',
  'directives',
  'header-only',
  'directives-then-header',
];

/** The nmap / Metasploit CVE-2021-26855 check as an Exchange 2013 CU21 logged it (exchange.md §2.3). */
const NMAP_PROBE: Record<string, string> = {
  DateTime: '2021-03-07T15:04:04.546Z',
  RequestId: '1a51fb75-2f6f-4a40-8129-ff80098494a0',
  MajorVersion: '15',
  MinorVersion: '0',
  BuildVersion: '1395',
  RevisionVersion: '0',
  Protocol: 'Owa',
  UrlHost: 'mail.ecu.example',
  UrlStem: '/owa/auth/x.js',
  AuthenticationType: 'FBA',
  IsAuthenticated: 'false',
  AnchorMailbox: 'ServerInfo~localhost/ecp/default.flt?',
  UserAgent:
    'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/537.36 (KHTML  like Gecko) Chrome/69.0.3497.81 Safari/537.36',
  ClientIpAddress: '198.51.100.23',
  ServerHostName: 'EX03',
  HttpStatus: '500',
  BackEndStatus: '500',
  Method: 'GET',
  ProxyAction: 'Proxy',
  TargetServer: 'localhost',
  TargetServerVersion: '0.00.0003.000',
  RoutingType: 'CrossRegion',
  RoutingHint: 'X-AnonResource-Backend-Cookie',
  GenericInfo:
    'BeginRequest=2021-03-07T15:04:04.167Z;CorrelationID=<empty>;ProxyState-Run=None;FEAuth=BEVersion-3;ProxyToDownLevel=True',
};
const OWA_LOGIN: Record<string, string> = {
  DateTime: '2021-03-07T15:00:00.000Z',
  MajorVersion: '15',
  MinorVersion: '0',
  BuildVersion: '1395',
  RevisionVersion: '0',
  Protocol: 'Owa',
  UrlStem: '/owa/',
  AnchorMailbox: 'Smtp~jdoe@ecu.example',
  AuthenticatedUser: 'jdoe@ecu.example',
  ClientIpAddress: '10.1.2.3',
  ServerHostName: 'EX03',
  HttpStatus: '200',
  Method: 'GET',
};

type F = { rule: string; severity: string; host?: string; source: { path: string; line?: number } } & {
  evidence: Record<string, unknown>;
};
function hunt(files: Record<string, string>, extra: string[] = []): { fs: F[]; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-layout-'));
  for (const [p, text] of Object.entries(files)) {
    mkdirSync(join(dir, p, '..'), { recursive: true });
    writeFileSync(join(dir, p), text);
  }
  const r = vigil(['exchange', 'hunt', dir, '--format', 'jsonl', '--quiet', ...extra]);
  assert.ok(r.code === 0 || r.code === 1, r.stderr);
  const fs = r.stdout
    .trim()
    .split('\n')
    .filter(Boolean)
    .map((l) => JSON.parse(l) as F);
  return { fs, stderr: r.stderr };
}
const verdicts = (fs: F[]) =>
  fs.filter((f) => f.rule === 'exchange.verdict').map((f) => `${f.host}: ${String(f.evidence['verdict'])}`);

test('a server scanned by nmap, its HttpProxy log as Exchange writes it (CSV header line first): not clean', () => {
  const log = httpProxyLog([OWA_LOGIN, NMAP_PROBE], '2021-03-07T15:00:00.000Z', { layout: 'exchange' });
  assert.match(log, /^DateTime,RequestId,MajorVersion,[^\n]*\r\n#Software: Microsoft Exchange Server\r\n/);
  assert.equal(sniff(Buffer.from(log), 'HttpProxy_2021030715-1.LOG').kind, 'exchange.httpproxy');
  const { fs } = hunt({ 'Logging/HttpProxy/Owa/HttpProxy_2021030715-1.LOG': log });
  const probes = fs.filter((f) => f.rule === 'exchange.proxylogon.ssrf');
  assert.deepEqual(
    probes.map((f) => [f.evidence['stage'], f.host, f.source.line, f.evidence['routingHint']]),
    [['probe', 'EX03', 8, 'X-AnonResource-Backend-Cookie']],
  );
  // Exchange 2013 CU21 without the March 2021 update: exposed, and probed.
  assert.deepEqual(verdicts(fs), ['EX03: vulnerable']);
});

test('every HttpProxy protocol folder, in every layout, with a BOM or CRLF or neither: the probe is found', () => {
  const protocols = [
    'Autodiscover',
    'Ecp',
    'Eas',
    'Ews',
    'Mapi',
    'Oab',
    'Owa',
    'OwaCalendar',
    'PowerShell',
    'RpcHttp',
    'Rest',
    'RpsHttp',
  ];
  const files: Record<string, string> = {};
  const expected: string[] = [];
  protocols.forEach((p, i) => {
    const layout = LAYOUTS[i % LAYOUTS.length]!;
    const opts: ExchangeCsvOptions = { layout, bom: i % 3 === 0, eol: i % 2 ? '\n' : '\r\n' };
    const path = `Logging/HttpProxy/${p}/HttpProxy_2021030715-1.LOG`;
    files[path] = httpProxyLog([OWA_LOGIN, { ...NMAP_PROBE, Protocol: p }], undefined, opts);
    expected.push(`${path}: ${layout === 'header-only' ? 3 : layout === 'directives' ? 7 : 8}`);
  });
  const { fs, stderr } = hunt(files);
  assert.deepEqual(
    fs
      .filter((f) => f.rule === 'exchange.proxylogon.ssrf')
      .map((f) => `${f.source.path.replace(/^.*?(Logging\/)/, '$1')}: ${f.source.line}`)
      .sort(),
    expected.sort(),
  );
  assert.doesNotMatch(stderr, /data before/);
});

/** The rows a reader yields, as [line number, time, one column]. */
async function readRows(
  kind: 'exchange.httpproxy' | 'exchange.ecp' | 'exchange.oab',
  text: string,
  o: {
    chunk: number;
    select?: RegExp[];
    column: string;
  },
) {
  const problems: Problem[] = [];
  const all: VigilRecord[] = await records(
    readExchangeCsv(kind)({
      path: 'x.LOG',
      chunks: chunked(text, o.chunk),
      problem: (p) => problems.push(p),
      ...(o.select ? { select: chunkSearchers(o.select)! } : {}),
    }),
  );
  const rows = all.filter((x): x is LogEvent => x.kind !== 'log.header');
  return { rows: rows.map((r) => [r.source.line, r.time, r.field(o.column)]), problems };
}

test('reader: each layout, BOM, CRLF, chunk size and the chunk-level pre-filter give the same rows', async () => {
  const ecpRows = [
    {
      time: '2021-03-03T06:49:53.772Z',
      server: 'EX01',
      data: "S:CMD=Set-OabVirtualDirectory.ExternalUrl='http://f/<script>x</script>'.Identity='a'",
    },
    { time: '2021-03-03T06:50:00.000Z', server: 'EX01', data: 'S:CMD=Get-Mailbox' },
  ];
  for (const layout of LAYOUTS)
    for (const bom of [false, true])
      for (const eol of ['\r\n', '\n'] as const) {
        const opts = { layout, bom, eol };
        const skip = layout === 'header-only' ? 1 : layout === 'directives' ? 5 : 6;
        const http = httpProxyLog([OWA_LOGIN, NMAP_PROBE], undefined, opts);
        const ecp = ecpServerLog(ecpRows, opts);
        const oab = oabGeneratorLog(
          [
            {
              time: '2021-03-03T07:00:09.000Z',
              message:
                "Download failed and temporary file 'C:\\inetpub\\wwwroot\\aspnet_client\\a.aspx' needs to be removed",
            },
          ],
          opts,
        );
        const what = JSON.stringify(opts);
        assert.equal(sniff(Buffer.from(http), 'a.LOG').kind, 'exchange.httpproxy', what);
        assert.equal(sniff(Buffer.from(ecp), 'a.LOG').kind, 'exchange.ecp', what);
        assert.equal(sniff(Buffer.from(oab), 'a.LOG').kind, 'exchange.oab', what);
        for (const chunk of [7, 100, 1 << 20])
          for (const select of [
            undefined,
            [/server(?:info)?~/i],
            [/VirtualDirectory/i],
            [/Download failed/i],
          ]) {
            const w = `${what} chunk ${chunk} select ${String(select)}`;
            const h = await readRows('exchange.httpproxy', http, { chunk, column: 'AnchorMailbox', select });
            const wantH = [
              [skip + 1, '2021-03-07T15:00:00.000Z', 'Smtp~jdoe@ecu.example'],
              [skip + 2, '2021-03-07T15:04:04.546Z', 'ServerInfo~localhost/ecp/default.flt?'],
            ];
            assert.deepEqual(h.problems, [], w);
            assert.deepEqual(h.rows, select ? wantH.filter((r) => select[0]!.test(String(r[2]))) : wantH, w);
            const e = await readRows('exchange.ecp', ecp, { chunk, column: 'ServerName', select });
            assert.deepEqual(e.problems, [], w);
            const wantE = [
              [skip + 1, '2021-03-03T06:49:53.772Z', 'EX01'],
              [skip + 2, '2021-03-03T06:50:00.000Z', 'EX01'],
            ];
            assert.deepEqual(
              e.rows,
              select ? wantE.filter((_, i) => select[0]!.test(ecpRows[i]!.data)) : wantE,
              w,
            );
            const o = await readRows('exchange.oab', oab, { chunk, column: 'Level', select });
            assert.deepEqual(o.problems, [], w);
            const wantO = [[skip + 1, '2021-03-03T07:00:09.000Z', 'Information']];
            assert.deepEqual(o.rows, select && !select[0]!.test('Download failed') ? [] : wantO, w);
          }
      }
});

test('reader: directives and the header line repeated mid-file after a restart, columns changed', async () => {
  const cols1 = ['DateTime', 'ClientIpAddress', 'UrlStem'];
  const cols2 = ['DateTime', 'UrlStem', 'ClientIpAddress', 'AnchorMailbox'];
  const dir = [
    '#Software: Microsoft Exchange Server',
    '#Version: 15.01.2176.002',
    '#Log-type: HttpProxy Logs',
  ];
  for (const layout of LAYOUTS) {
    const text =
      exchangeCsvLog(dir, cols1, ['2021-03-03T01:00:00.000Z,10.0.0.1,/owa/'], { layout }) +
      exchangeCsvLog(
        dir,
        cols2,
        ['2021-03-03T02:00:00.000Z,/ecp/y.js,203.0.113.5,ServerInfo~a]@x:444/mapi/emsmdb/?#'],
        {
          layout,
        },
      );
    const n = layout === 'header-only' ? 1 : layout === 'directives' ? 4 : 5;
    for (const chunk of [5, 64, 4096]) {
      const { rows, problems } = await readRows('exchange.httpproxy', text, {
        chunk,
        column: 'ClientIpAddress',
      });
      assert.deepEqual(problems, [], layout);
      assert.deepEqual(
        rows,
        [
          [n + 1, '2021-03-03T01:00:00.000Z', '10.0.0.1'],
          [2 * n + 2, '2021-03-03T02:00:00.000Z', '203.0.113.5'],
        ],
        `${layout} ${chunk}`,
      );
    }
  }
});

test('sniff: the other Exchange CSV log families are named, not "text of no known format"', () => {
  const activity = exchangeCsvLog(
    ['#Software: Microsoft Exchange Server', '#Version: 15.0.0.0', '#Log-type: ECP Activity Log'],
    ['TimeStamp', 'ServerName', 'EventId', 'ActivityId', 'EventData'],
    ['2021-03-03T06:49:53.772Z,EX01,ECP.Activity,1,S:X=1'],
    { layout: 'exchange' },
  );
  const s = sniff(Buffer.from(activity), 'ECPActivity_20210303-1.LOG');
  assert.equal(s.kind, 'unknown');
  assert.equal(s.reason, 'Exchange CSV log (ECP Activity Log) of a family no Exchange check reads');
  // A generic CSV that happens to start with a time column is not taken for an Exchange log.
  assert.equal(
    sniff(Buffer.from('timestamp,qname,qtype\n2021-03-03T00:00:00Z,a.example,A\n'), 'q.csv').kind,
    'dns.csv',
  );
});

// Windows event XML as `wevtutil qe "MSExchange Management" /f:xml` writes it.
const cmdletEvent = (time: string, data: string[]) =>
  `<Event xmlns="http://schemas.microsoft.com/win/2004/08/events/event"><System><Provider Name="MSExchange CmdletLogs"/><EventID Qualifiers="16384">1</EventID><Level>4</Level><Task>1</Task><Keywords>0x80000000000000</Keywords><TimeCreated SystemTime="${time}"/><EventRecordID>77</EventRecordID><Channel>MSExchange Management</Channel><Computer>EX05.contoso.com</Computer><Security/></System><EventData>${data.map((d) => `<Data>${d}</Data>`).join('')}</EventData></Event>`;
const PATCHED_2019 = { MajorVersion: '15', MinorVersion: '2', BuildVersion: '922', RevisionVersion: '7' };
const CONTOSO_LOGIN = (server: string) => ({
  ...OWA_LOGIN,
  ...PATCHED_2019,
  DateTime: '2021-06-10T08:00:00.000Z',
  Protocol: 'Owa',
  AnchorMailbox: 'Smtp~jdoe@contoso.com',
  AuthenticatedUser: 'jdoe@contoso.com',
  ServerHostName: server,
});

test('administration on a patched Exchange 2019: the checks judge it, the CHIRP strings on the same lines are context', () => {
  const vdirs = ['Owa', 'Ecp', 'Oab', 'WebServices', 'ActiveSync', 'Mapi'];
  const url = (v: string) =>
    `https://mail.contoso.com/${v === 'WebServices' ? 'EWS' : v === 'ActiveSync' ? 'Microsoft-Server-ActiveSync' : v.toUpperCase()}`;
  const { fs } = hunt({
    'EX04/Logging/HttpProxy/Owa/HttpProxy_2021061008-1.LOG': httpProxyLog(
      [CONTOSO_LOGIN('EX04')],
      undefined,
      {
        layout: 'exchange',
      },
    ),
    'EX04/Logging/ECP/Server/ECPServer20210610-1.LOG': ecpServerLog(
      vdirs.map((v, i) => ({
        time: `2021-06-10T09:0${i}:00.000Z`,
        server: 'EX04',
        data: `S:CMD=Set-${v}VirtualDirectory.ExternalUrl='${url(v)}'.Identity='EX04\\${v} (Default Web Site)';S:BLD=15.2.922.7`,
      })),
      { layout: 'exchange' },
    ),
    'EX04/Logging/OABGeneratorLog/OABGenerator_2021061009-1.LOG': oabGeneratorLog(
      [
        {
          time: '2021-06-10T09:30:00.000Z',
          level: 'Warning',
          message:
            "Download failed and temporary file 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\Temp\\5a1b2c3d.tmp' needs to be removed",
        },
      ],
      { layout: 'exchange' },
    ),
  });
  assert.deepEqual(verdicts(fs), ['EX04: clean']);
  const bad = fs.filter((f) => f.severity !== 'info' && f.severity !== 'low');
  assert.deepEqual(
    bad.map((f) => [f.rule, f.severity, f.source.path, f.source.line]),
    [],
  );
  // The CISA CHIRP strings still matched, and say which check judged their line.
  const chirp = fs.filter((f) => f.rule === 'intel.match');
  assert.deepEqual(
    chirp
      .map((f) => [
        f.source.path.replace(/^.*?EX04\//, ''),
        f.source.line,
        f.severity,
        (f.evidence['judgedBy'] as { rule: string } | undefined)?.rule,
      ])
      .sort(),
    [
      ['Logging/ECP/Server/ECPServer20210610-1.LOG', 9, 'info', 'exchange.vdir-change'],
      ['Logging/OABGeneratorLog/OABGenerator_2021061009-1.LOG', 7, 'info', 'exchange.oab-temp'],
    ],
  );
  assert.ok(chirp.every((f) => String(f.evidence['matched'] ?? f.evidence['value'] ?? '').length > 0));
  // The check's finding carries the indicator it outranked.
  const oab = fs.find((f) => f.rule === 'exchange.oab-temp')!;
  assert.equal(oab.severity, 'info');
  assert.equal((oab.evidence['context'] as { rule: string }[])[0]!.rule, 'intel.match');
});

test("an administrator's mailbox export to a file share on a patched server: clean, the export shown as context", () => {
  const { fs } = hunt({
    'EX05/Logging/HttpProxy/Owa/HttpProxy_2021061008-1.LOG': httpProxyLog(
      [CONTOSO_LOGIN('EX05')],
      undefined,
      {
        layout: 'exchange',
      },
    ),
    'EX05/MSExchange Management.xml': [
      cmdletEvent('2021-06-10T10:00:00.000000000Z', [
        'New-ManagementRoleAssignment',
        '-Role "Mailbox Import Export" -User "CONTOSO\\exadmin"',
        'contoso.com/Users/exadmin',
        'S-1-5-21-1-2-3-1105',
        'S-1-5-21-1-2-3-1105',
        'EMS',
        '4120',
      ]),
      cmdletEvent('2021-06-10T10:05:00.000000000Z', [
        'New-MailboxExportRequest',
        '-Mailbox "jdoe@contoso.com" -FilePath "\\\\fs01.contoso.com\\pst$\\jdoe.pst"',
        'contoso.com/Users/exadmin',
        'S-1-5-21-1-2-3-1105',
        'S-1-5-21-1-2-3-1105',
        'EMS',
        '4120',
      ]),
    ].join('\r\n'),
  });
  assert.deepEqual(verdicts(fs), ['EX05: clean']);
  assert.deepEqual(
    fs
      .filter((f) => f.rule === 'exchange.cmdlet')
      .map((f) => [f.evidence['cmdlet'], f.severity])
      .sort(),
    [
      ['New-MailboxExportRequest', 'low'],
      ['New-ManagementRoleAssignment', 'low'],
    ],
  );
});
