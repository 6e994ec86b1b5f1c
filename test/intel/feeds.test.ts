import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { IntelIndex } from '../../src/intel/index.ts';
import { loadFeed, loadFeedText } from '../../src/intel/load/index.ts';
import { normalize, refang } from '../../src/intel/indicator.ts';
import { DATA, dataTest, needData } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';

const csvRows = (p: string) =>
  readFileSync(join(DATA, p), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l.trim() && !l.startsWith('#'))
    .slice(1);
const cells = (row: string) =>
  row.match(/("([^"]|"")*"|[^,]*)(,|$)/g)!.map((c) => c.replace(/,$/, '').replace(/^"|"$/g, ''));

dataTest('MSTIC Exchange feed: all 61 rows load (14 sha256, 47 file paths)', () => {
  const index = new IntelIndex();
  const r = loadFeed(join(DATA, 'exchange/mstic_iocs_exchange_march2021.csv'), index);
  assert.equal(csvRows('exchange/mstic_iocs_exchange_march2021.csv').length, 61);
  assert.deepEqual(
    [r.format, r.loaded, r.byType, r.rejected, r.unsupported],
    ['csv', 61, { sha256: 14, path: 47 }, [], []],
  );
});

dataTest('FireEye SUNBURST hashes and NBIs: every hash, domain and IP cell loads', () => {
  const hashes = csvRows('sunburst/fireeye_Indicator_Release_Hashes.csv').map(cells);
  const expected = hashes.reduce((n, r) => n + [r[0], r[1], r[2]].filter((x) => x && x.trim()).length, 0);
  const index = new IntelIndex();
  const r1 = loadFeed(join(DATA, 'sunburst/fireeye_Indicator_Release_Hashes.csv'), index);
  assert.equal(r1.loaded, expected);
  assert.deepEqual(r1.rejected, []);
  const nbis = csvRows('sunburst/fireeye_Indicator_Release_NBIs.csv').map(cells);
  const expectedNbi = nbis.reduce((n, r) => n + [r[2], r[3], r[4]].filter((x) => x && x.trim()).length, 0);
  const r2 = loadFeed(join(DATA, 'sunburst/fireeye_Indicator_Release_NBIs.csv'), index);
  assert.equal(r2.loaded, expectedNbi);
  assert.deepEqual(r2.rejected, []);
  assert.ok(
    index.domain('6a57jk2ba1d9keg15cbg.appsync-api.eu-west-1.avsvmcloud.com').length > 0,
    'defanged FQDNs are refanged',
  );
  assert.ok(index.ip('54.193.127.66').length > 0);
});

test('CISA CHIRP AA21-062A: 15 IPs, every log string of the log-scoped rules, the rest named as not evaluable', (t) => {
  if (needData) return t.skip(needData);
  const text = readFileSync(join(DATA, 'exchange/cisa_chirp_AA21062A.yaml'), 'utf8');
  const index = new IntelIndex();
  const r = loadFeed(join(DATA, 'exchange/cisa_chirp_AA21062A.yaml'), index);
  const docs = text.split(/^---$/m).slice(1);
  const logDocs = docs.filter((d) => /files:.*(W3SVC|ECP\\\\Server|OABGeneratorLog)/.test(d));
  const strings = logDocs.reduce((n, d) => n + (d.match(/^\s*\$\w*\s*=\s*["/]/gm) ?? []).length, 0);
  assert.equal(r.byType['ipv4'], 15);
  assert.equal((r.byType['log-string'] ?? 0) + (r.byType['log-regex'] ?? 0), strings);
  assert.equal(
    r.unsupported.length,
    docs.length - 1 - logDocs.length,
    'events documents and file-YARA rules',
  );
  assert.deepEqual(r.rejected, []);
  assert.equal(
    index.logLine(
      'exchange.ecp',
      "2021-03-03T06:49:53.772Z,EX01,ECP.Request,'S:CMD=Set-OabVirtualDirectory.ExternalUrl=''http://f/<script>''",
    ).length,
    1,
  );
  assert.equal(
    index.logLine(
      'iis.w3c',
      '2021-03-03 06:49:46 10.0.0.5 POST /ecp/y.js &CorrelationID=<empty>; 443 - 1.2.3.4 python-requests/2.25.1 - 241 0 0 120',
    ).length,
    2,
    '/ecp/<1 char>.js and python-requests/2.25.1, and no other',
  );
});

test('signature-base hash and filename IOCs: every line loads; filename regexes match Windows paths', (t) => {
  if (needData) return t.skip(needData);
  const index = new IntelIndex();
  const h = loadFeed(join(DATA, 'exchange/signature-base_hash-iocs_hafnium_excerpt.txt'), index);
  assert.deepEqual([h.loaded, h.byType], [8, { sha256: 8 }]);
  const lines = readFileSync(join(DATA, 'exchange/signature-base_filename-iocs_hafnium_excerpt.txt'), 'utf8')
    .split('\n')
    .filter((l) => l.trim() && !l.startsWith('#'));
  const f = loadFeed(join(DATA, 'exchange/signature-base_filename-iocs_hafnium_excerpt.txt'), index);
  assert.deepEqual([f.loaded, f.byType, f.rejected], [lines.length, { 'path-regex': lines.length }, []]);
  assert.ok(index.path('collection/C/inetpub/wwwroot/aspnet_client/system_web/supp0rt.aspx').length > 0);
  assert.deepEqual(index.path('collection/C/inetpub/wwwroot/default.htm'), []);
});

test('MISP: events, objects, composite types and to_ids', () => {
  const event = {
    Event: {
      info: 'HAFNIUM test event',
      date: '2021-03-03',
      Attribute: [
        { uuid: 'a1', type: 'ip-dst', value: '203.0.113.7', to_ids: true },
        { uuid: 'a2', type: 'domain', value: 'evil[.]example', to_ids: true, comment: 'C2' },
        {
          uuid: 'a3',
          type: 'filename|sha256',
          value: 'x.aspx|b75f163ca9b9240bf4b37ad92bc7556b40a17e27c2b8ed5c8991385fe07d17d0',
          to_ids: true,
        },
        { uuid: 'a4', type: 'ip-dst|port', value: '198.51.100.9|443', to_ids: true },
        { uuid: 'a5', type: 'text', value: 'just a note', to_ids: false },
        { uuid: 'a6', type: 'md5', value: 'not-a-hash', to_ids: true },
        { uuid: 'a7', type: 'AS', value: '64496', to_ids: true },
      ],
      Object: [
        { name: 'file', Attribute: [{ uuid: 'o1', type: 'sha1', value: 'A'.repeat(40), to_ids: true }] },
      ],
    },
  };
  const index = new IntelIndex();
  const r = loadFeedText(JSON.stringify(event), 'event.json', index, 'misp-test');
  assert.equal(r.format, 'misp');
  assert.deepEqual(r.byType, { ipv4: 2, domain: 1, sha256: 1, sha1: 1 });
  assert.deepEqual(
    r.rejected.map((x) => [x.where, x.reason]),
    [['Event[0].Attribute[5]', 'not a md5 (32 hex digits)']],
  );
  assert.deepEqual(
    r.unsupported.map((x) => x.where),
    ['Event[0].Attribute[4]', 'Event[0].Attribute[6]'],
  );
  assert.equal(index.domain('cdn.evil.example')[0]?.indicator.id, 'a2');
  // A feed manifest loads the event files beside it.
  const dir = mkdtempSync(join(tmpdir(), 'vigil-misp-'));
  writeFileSync(join(dir, '5f1c0000-0000-4000-8000-000000000001.json'), JSON.stringify(event));
  writeFileSync(
    join(dir, 'manifest.json'),
    JSON.stringify({
      '5f1c0000-0000-4000-8000-000000000001': {
        info: 'HAFNIUM test event',
        timestamp: '1614729600',
        Orgc: { name: 'x' },
      },
      '5f1c0000-0000-4000-8000-000000000002': { info: 'missing', timestamp: '1' },
    }),
  );
  const m = loadFeed(join(dir, 'manifest.json'), new IntelIndex());
  assert.equal(m.format, 'misp-manifest');
  assert.equal(m.loaded, 5);
  assert.match(m.unsupported.at(-1)!.reason, /000000000002\.json is not beside the manifest/);
});

test('plain lists: types inferred, defanged values refanged, junk rejected with its line', () => {
  const index = new IntelIndex();
  const r = loadFeedText(
    [
      '# C2 from report X',
      'hxxps://evil[.]example/path?a=1',
      '203.0.113[.]9',
      '10.1.0.0/16',
      'B75F163CA9B9240BF4B37AD92BC7556B40A17E27C2B8ED5C8991385FE07D17D0',
      'user[@]bad.example',
      'аpple.com',
      'this is not an indicator',
      'C:\\Windows\\Temp\\xx.bat',
    ].join('\n'),
    'list.txt',
    index,
    'list',
  );
  assert.deepEqual(r.byType, { url: 1, ipv4: 1, cidr: 1, sha256: 1, email: 1, domain: 1, path: 1 });
  assert.deepEqual(
    r.rejected.map((x) => [x.where, x.value]),
    [['list.txt:8', 'this is not an indicator']],
  );
  assert.equal(index.url('https://EVIL.example/path?a=1')[0]?.indicator.note, 'C2 from report X');
  assert.equal(
    index.url('https://evil.example/path?a=1&b=2')[0]?.indicator.type,
    'url',
    'URL prefix under the same host',
  );
  assert.equal(index.ip('10.1.200.3')[0]?.indicator.type, 'cidr');
  assert.deepEqual(index.ip('10.2.0.1'), []);
  const idn = index.domain('login.xn--pple-43d.com');
  assert.deepEqual(
    idn.map((m) => [m.indicator.value, m.depth]),
    [['xn--pple-43d.com', 1]],
    'Cyrillic а: IDN indicator matches its punycode form',
  );
  assert.equal(index.domain('login.аpple.com').length, 1, 'and the Unicode form');
  assert.equal(index.path('ex01/C/Windows/Temp/xx.bat').length, 1);
  assert.equal(refang('hxxp://a[.]b(.)c[:]80'), 'http://a.b.c:80');
  assert.deepEqual(normalize('sha1', 'xyz'), { error: 'not a sha1 (40 hex digits)' });
});

dataTest('vigil intel import reports per feed and exits 2 on rejected indicators', () => {
  const ok = vigil(['intel', 'import', join(DATA, 'exchange/mstic_iocs_exchange_march2021.csv')]);
  assert.equal(ok.code, 0);
  assert.match(ok.stdout, /csv, 61 indicators loaded \(14 sha256, 47 path\)/);
  const dir = mkdtempSync(join(tmpdir(), 'vigil-intel-'));
  writeFileSync(join(dir, 'bad.txt'), 'evil.example\nnot an indicator\n');
  const bad = vigil(['intel', 'import', join(dir, 'bad.txt')]);
  assert.equal(bad.code, 2);
  assert.match(bad.stdout, /rejected bad\.txt:2: type could not be inferred/);
});

test('--intel adds a feed to a scan; intel match runs only the indicator matcher', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-intel-'));
  writeFileSync(join(dir, 'mine.txt'), '10.20.0.31\n');
  const r = vigil([
    'intel',
    'match',
    'examples/incident/dns',
    '--intel',
    join(dir, 'mine.txt'),
    '--format',
    'jsonl',
    '--quiet',
  ]);
  const f = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { rule: string; evidence: Record<string, unknown> });
  assert.equal(f.length, 6, 'every query from 10.20.0.31, beacons included');
  assert.ok(
    f.every(
      (x) =>
        x.rule === 'intel.match' && x.evidence['field'] === 'client' && x.evidence['feed'] === 'mine.txt',
    ),
  );
});

test('DNS logs still meet every indicator when log lines are pre-filtered (built-in NOBELIUM domain)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-intel-'));
  writeFileSync(
    join(dir, 'named.log'),
    '26-May-2021 09:14:02.120 queries: info: client @0x7f3a5c0b1000 10.20.1.15#53211 (static.theyardservice.com): query: static.theyardservice.com IN A +E(0)K (10.20.0.53)\n',
  );
  const r = vigil(['triage', dir, '--format', 'jsonl', '--quiet']);
  const f = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { rule: string; evidence: Record<string, unknown> })
    .filter((x) => x.rule === 'intel.match');
  assert.deepEqual(
    f.map((x) => [x.evidence['feed'], x.evidence['matched'], x.evidence['depth']]),
    [['nobelium', 'theyardservice.com', 1]],
  );
});
