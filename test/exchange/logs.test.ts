import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readExchangeCsv, readW3c, isoTime } from '../../src/exchange/logs.ts';
import { httpProxyLog, HTTPPROXY_FIELDS } from '../../scripts/lib/formats.ts';
import type { Problem } from '../../src/model/problem.ts';
import type { LogEvent, LogHeader, VigilRecord } from '../../src/model/records.ts';

/** The log lines of a reader's output (its header records aside). */
const rows = (xs: readonly VigilRecord[]) => xs.filter((x): x is LogEvent => x.kind !== 'log.header');
import { chunked, records, DATA, needData } from '../support/paths.ts';

test('IIS W3C: the real Tunna web-shell log reads line for line, with its hand-added comment', async (t) => {
  if (needData) return t.skip(needData);
  const text = readFileSync(join(DATA, 'exchange/sbousseaden_Tunna_rdp_tunnel_IIS.log'), 'latin1');
  const expected = text
    .split('\n')
    .map((l, i) => ({ l: l.replace(/\r$/, ''), n: i + 1 }))
    .filter((x) => x.l !== '' && !x.l.startsWith('#'));
  const problems: Problem[] = [];
  const recs = rows(
    await records(
      readW3c({ path: 'tunna.log', chunks: chunked(text, 4096), problem: (p) => problems.push(p) }),
    ),
  );
  assert.equal(recs.length, expected.length);
  assert.deepEqual(
    recs.map((r) => r.source.line),
    expected.map((x) => x.n),
  );
  const first = recs[0]!;
  assert.equal(first.time, '2019-09-03T10:13:36.000Z');
  assert.equal(first.fields['cs-uri-stem'], '/erp/conn.aspx');
  assert.equal(first.fields['cs-uri-query'], 'proxy&port=3389&ip=127.0.0.1');
  assert.equal(first.fields['c-ip'], '10.0.2.17');
  assert.equal(first.fields['sc-status'], '200');
  assert.deepEqual(problems, []);
});

test('HttpProxy: the real scanner-probe line parses into its 74 named columns', async () => {
  // The raw line from exchange.md §2.3 (nmap/Metasploit CVE-2021-26855 check, Exchange 2013 CU21).
  const line =
    '2021-03-07T15:04:04.546Z,1a51fb75-2f6f-4a40-8129-ff80098494a0,15,0,1395,0,,Owa,[REDACTED],/owa/auth/x.js,,FBA,false,,,ServerInfo~localhost/ecp/default.flt?,Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/537.36 (KHTML  like Gecko) Chrome/69.0.3497.81 Safari/537.36,[REDACTED],[REDACTED],500,500,,GET,Proxy,localhost,0.00.0003.000,CrossRegion,X-AnonResource-Backend-Cookie,,,,0,85,1,,1,7,,0,,0,,0,0,,0,382,0,,,,239,4,4,3,,2,380,1,298,131,135,136,382,,,,BeginRequest=2021-03-07T15:04:04.167Z;CorrelationID=<empty>;ProxyState-Run=None;FEAuth=BEVersion-3;ProxyToDownLevel=True;NewConnection=::1&0;BeginGetResponse=2021-03-07T15:04:04.245Z;OnResponseReady=2021-03-07T15:04:04.484Z;EndGetResponse=2021-03-07T15:04:04.484Z;ProxyState-Complete=ProxyResponseData;EndRequest=[REDACTED]';
  const text = httpProxyLog([]) + line + '\r\n';
  const [rec, ...rest] = rows(
    await records(
      readExchangeCsv('exchange.httpproxy')({
        path: 'p.LOG',
        chunks: chunked(text, 333),
        problem: () => assert.fail('no problem expected'),
      }),
    ),
  );
  assert.equal(rest.length, 0);
  assert.equal(Object.keys(rec!.fields).length, HTTPPROXY_FIELDS.length);
  assert.equal(rec!.time, '2021-03-07T15:04:04.546Z');
  assert.equal(rec!.fields['AnchorMailbox'], 'ServerInfo~localhost/ecp/default.flt?');
  assert.equal(rec!.fields['HttpStatus'], '500');
  assert.equal(rec!.fields['RoutingHint'], 'X-AnonResource-Backend-Cookie');
  assert.equal(rec!.fields['TargetServer'], 'localhost');
  assert.equal(rec!.source.line, 6);
});

test('Exchange CSV: a header repeated mid-file (service restart) re-keys the columns', async () => {
  const text = [
    '#Software: Microsoft Exchange Server',
    '#Fields: DateTime,ClientIpAddress,UrlStem',
    '2021-03-03T01:00:00.000Z,10.0.0.1,/owa/',
    '#Software: Microsoft Exchange Server',
    '#Fields: DateTime,UrlStem,ClientIpAddress,AnchorMailbox',
    '2021-03-03T02:00:00.000Z,/ecp/y.js,203.0.113.5,ServerInfo~a]@x:444/mapi/emsmdb/?#',
  ].join('\n');
  const recs = rows(
    await records(
      readExchangeCsv('exchange.httpproxy')({
        path: 'p',
        chunks: chunked(text, 50),
        problem: () => undefined,
      }),
    ),
  );
  assert.deepEqual(
    recs.map((r) => [r.fields['ClientIpAddress'], r.fields['UrlStem'], r.source.line]),
    [
      ['10.0.0.1', '/owa/', 3],
      ['203.0.113.5', '/ecp/y.js', 6],
    ],
  );
});

test('data before any #Fields header is reported once, with its line', async () => {
  const problems: Problem[] = [];
  const recs = rows(
    await records(
      readW3c({
        path: 'cut.log',
        chunks: chunked(
          '2021-03-03 00:00:01 a\n2021-03-03 00:00:02 b\n#Fields: date time x\n2021-03-03 00:00:03 c\n',
          10,
        ),
        problem: (p) => problems.push(p),
      }),
    ),
  );
  assert.equal(recs.length, 1);
  assert.equal(recs[0]!.fields['x'], 'c');
  assert.equal(problems.length, 1);
  assert.deepEqual(problems[0]!.source, { path: 'cut.log', line: 1 });
});

test('times without a zone are UTC, never local', () => {
  assert.equal(isoTime('2021-03-03 06:49:42'), '2021-03-03T06:49:42.000Z');
  assert.equal(isoTime('2021-03-03T06:49:42.162Z'), '2021-03-03T06:49:42.162Z');
  assert.equal(isoTime('garbage'), undefined);
  assert.equal(isoTime('12'), undefined);
});

test('each header block is a record of its own: the #Version of an Exchange log is the server build', async () => {
  const text = httpProxyLog([{ DateTime: '2021-03-03T06:49:42.162Z' }], '2021-03-03T06:00:00.000Z');
  const all = await records(
    readExchangeCsv('exchange.httpproxy')({
      path: 'p.LOG',
      chunks: chunked(text, 64),
      problem: () => undefined,
    }),
  );
  const headers = all.filter((x): x is LogHeader => x.kind === 'log.header');
  assert.equal(headers.length, 1);
  assert.deepEqual(
    [
      headers[0]!.directives['version'],
      headers[0]!.directives['date'],
      headers[0]!.directives['log-type'],
      headers[0]!.source.line,
    ],
    ['15.01.2176.002', '2021-03-03T06:00:00.000Z', 'HttpProxy Logs', 1],
  );
});
