import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { readBind, readNameList, readWindowsDns, readZeek, wireLabels } from '../../src/dns/logs.ts';
import { bindQueryLog } from '../../scripts/lib/formats.ts';
import { chunked, records, DATA, needData } from '../support/paths.ts';

const ctx = (text: string) => ({ path: 'dns.log', chunks: chunked(text, 97), problem: () => undefined });

test('BIND query log: name, type, client and UTC time from each query line; other categories ignored', async () => {
  const text = `${bindQueryLog([
    {
      time: '2020-06-16T00:03:40.125Z',
      client: '10.20.0.31',
      name: 'R1QSHOJ05JI05AC6EOIP02JOVT6I2V0C.appsync-api.us-east-1.avsvmcloud.com.',
      type: 'A',
    },
    { time: '2020-06-16T00:05:02Z', client: '2001:db8::15', name: 'outlook.office365.com', type: 'AAAA' },
  ])}16-Jun-2020 00:06:00.000 general: info: zone example.com/IN: loaded serial 7\n`;
  const q = await records(readBind(ctx(text)));
  assert.deepEqual(
    q.map((x) => [x.qname, x.qtype, x.client, x.time, x.source.line]),
    [
      [
        'r1qshoj05ji05ac6eoip02jovt6i2v0c.appsync-api.us-east-1.avsvmcloud.com',
        'A',
        '10.20.0.31',
        '2020-06-16T00:03:40.125Z',
        1,
      ],
      ['outlook.office365.com', 'AAAA', '2001:db8::15', '2020-06-16T00:05:02.000Z', 2],
    ],
  );
});

test('Windows DNS debug log: received questions only, wire-format names decoded, 12-hour clock', async () => {
  const text = [
    'DNS Server log file creation at 6/16/2020 12:00:00 AM',
    '6/16/2020 12:03:40 AM 0E5C PACKET  000000D1D8F2B0F0 UDP Rcv 10.20.0.31      a1b2   Q [0001   D   NOERROR] A      (20)6a57jk2ba1d9keg15cbg(10)appsync-api(9)eu-west-1(10)avsvmcloud(3)com(0)',
    '6/16/2020 12:03:40 AM 0E5C PACKET  000000D1D8F2B0F0 UDP Snd 10.20.0.31      a1b2 R Q [8081   DR  NOERROR] A      (20)6a57jk2ba1d9keg15cbg(10)appsync-api(9)eu-west-1(10)avsvmcloud(3)com(0)',
    '6/16/2020 1:15:07 PM 0E5C PACKET  000000D1D8F2B0F0 UDP Rcv 10.20.1.15      00c4   Q [0001   D   NOERROR] AAAA   (7)outlook(9)office365(3)com(0)',
  ].join('\r\n');
  const q = await records(readWindowsDns(ctx(text)));
  assert.deepEqual(
    q.map((x) => [x.qname, x.qtype, x.client, x.time]),
    [
      [
        '6a57jk2ba1d9keg15cbg.appsync-api.eu-west-1.avsvmcloud.com',
        'A',
        '10.20.0.31',
        '2020-06-16T00:03:40.000Z',
      ],
      ['outlook.office365.com', 'AAAA', '10.20.1.15', '2020-06-16T13:15:07.000Z'],
    ],
  );
  assert.equal(wireLabels('(3)www(7)example(3)com(0)'), 'www.example.com');
});

test('Zeek dns.log in TSV and JSON, with answers', async () => {
  const tsv = [
    '#separator \\x09',
    '#set_separator\t,',
    '#path\tdns',
    '#fields\tts\tuid\tid.orig_h\tid.orig_p\tid.resp_h\tid.resp_p\tproto\ttrans_id\tquery\tqtype_name\trcode_name\tanswers',
    '1592265820.125\tCx1\t10.20.0.31\t53211\t10.20.0.53\t53\tudp\t4242\tq94idf4sjbem0rait7gv.appsync-api.us-east-1.avsvmcloud.com\tCNAME\tNOERROR\tfreescanonline.com,54.193.127.66',
    '1592265821.000\tCx2\t10.20.0.31\t53212\t10.20.0.53\t53\tudp\t4243\t-\t-\t-\t-',
  ].join('\n');
  const a = await records(readZeek(ctx(tsv)));
  assert.deepEqual(
    a.map((x) => [x.qname, x.qtype, x.client, x.answers, x.time]),
    [
      [
        'q94idf4sjbem0rait7gv.appsync-api.us-east-1.avsvmcloud.com',
        'CNAME',
        '10.20.0.31',
        ['freescanonline.com', '54.193.127.66'],
        '2020-06-16T00:03:40.125Z',
      ],
    ],
  );
  const json =
    '{"ts":1592265820.125,"uid":"Cx1","id.orig_h":"10.20.0.31","query":"Example.COM","qtype_name":"A","answers":["93.184.216.34"]}\n{not json\n';
  const problems: string[] = [];
  const b = await records(
    readZeek({
      path: 'dns.json',
      chunks: chunked(json, 13),
      problem: (p) => problems.push(`${p.source.path}:${p.source.line}`),
    }),
  );
  assert.deepEqual(
    b.map((x) => [x.qname, x.answers]),
    [['example.com', ['93.184.216.34']]],
  );
  assert.deepEqual(problems, ['dns.json:2']);
});

test('a plain list: every non-comment line becomes a query, noise included (the decoder judges it)', async (t) => {
  if (needData) return t.skip(needData);
  const text = readFileSync(join(DATA, 'sunburst/bambenek_uniq-hostnames.txt'), 'utf8');
  const expected = text
    .split('\n')
    .map((l) => l.trim())
    .filter((l) => l && !l.startsWith('#'));
  const q = await records(readNameList(ctx(text)));
  assert.equal(q.length, expected.length);
  assert.equal(q[0]!.qname, expected[0]!.toLowerCase());
});
