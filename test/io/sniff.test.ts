import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { sniff } from '../../src/io/sniff.ts';
import { httpProxyLog, iisLog, bindQueryLog, ecpServerLog } from '../../scripts/lib/formats.ts';
import { makeZip } from '../../scripts/lib/zip.ts';
import { gzipSync } from 'node:zlib';
import { DATA, dataTest } from '../support/paths.ts';

const head = (p: string) => readFileSync(join(DATA, p)).subarray(0, 65536);

dataTest('every real message in the mail corpora is recognised as mail (labels.csv)', () => {
  const rows = readFileSync(join(DATA, 'mail/labels.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const messageLabels = new Set(['ham', 'ham-modern', 'phish', 'ham-mbox', 'auth-fixture']);
  let checked = 0;
  const missed: string[] = [];
  for (const [path, label] of rows) {
    if (!messageLabels.has(label!)) continue;
    checked++;
    const k = sniff(head(`mail/${path}`), path!).kind;
    if (k !== 'mail.message' && k !== 'mail.mbox') missed.push(`${path}: ${k}`);
  }
  assert.ok(checked > 5000, `checked ${checked}`);
  assert.deepEqual(missed, []);
});

dataTest('spam and test fixtures: all but the SMTP transcripts and feeds are mail', () => {
  const rows = readFileSync(join(DATA, 'mail/labels.csv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((l) => l.split(','));
  const notMail = rows
    .filter(
      ([p, label]) =>
        (label === 'spam' || label === 'test-fixture') &&
        !sniff(head(`mail/${p}`), p!).kind.startsWith('mail.'),
    )
    .map(([p]) => p);
  // bsmtp/bsmtpnull are SMTP transactions (HELO, MAIL FROM, DATA), not messages.
  assert.deepEqual(notMail.sort(), [
    'spamassassin-testdata/spam/bsmtp',
    'spamassassin-testdata/spam/bsmtpnull',
  ]);
});

dataTest('logs and lists from the research data', () => {
  assert.equal(sniff(head('exchange/sbousseaden_Tunna_rdp_tunnel_IIS.log'), 'x.log').kind, 'iis.w3c');
  assert.equal(sniff(head('sunburst/bambenek_uniq-hostnames.txt'), 'x.txt').kind, 'dns.list');
  assert.equal(
    sniff(head('sunburst/taillon_uniq-hostnames.csv'), 'x.csv').kind,
    'dns.list',
    'a noisy list is still a list',
  );
  assert.equal(
    sniff(head('exchange/sbousseaden_LM_typical_IIS_webshell_sysmon_1_10_traces.evtx'), 'x.evtx').kind,
    'winevent.evtx',
  );
  assert.equal(sniff(head('exchange/ms_exchange_build_numbers_2021-07.csv'), 'x.csv').kind, 'unknown');
  // Documents that quote log messages are not logs.
  assert.notEqual(sniff(head('exchange/cisa_chirp_AA21062A.yaml'), 'x.yaml').kind, 'exchange.oab');
  assert.notEqual(sniff(head('exchange/README.txt'), 'README.txt').kind, 'exchange.oab');
});

test('generated native formats, whatever the file is called', () => {
  assert.equal(
    sniff(Buffer.from(httpProxyLog([{ DateTime: '2021-03-03T06:49:42.162Z' }])), 'notes.txt').kind,
    'exchange.httpproxy',
  );
  assert.equal(
    sniff(
      Buffer.from(
        ecpServerLog([{ time: '2021-03-03T06:49:42.162Z', server: 'EX01', data: 'S:CMD=Get-Mailbox' }]),
      ),
      'a',
    ).kind,
    'exchange.ecp',
  );
  assert.equal(sniff(Buffer.from(iisLog([{ date: '2021-03-03', time: '00:00:01' }])), 'a').kind, 'iis.w3c');
  assert.equal(
    sniff(
      Buffer.from(bindQueryLog([{ time: '2020-06-16T00:01:12Z', client: '10.0.0.1', name: 'example.com' }])),
      'a',
    ).kind,
    'dns.bind',
  );
  assert.equal(
    sniff(Buffer.from('#separator \\x09\n#path\tdns\n#fields\tts\tquery\n'), 'a').kind,
    'dns.zeek',
  );
  assert.equal(
    sniff(Buffer.from('{"ts":1591920000.1,"uid":"C1","query":"example.com","qtype_name":"A"}\n'), 'a').kind,
    'dns.zeek',
  );
  assert.equal(
    sniff(
      Buffer.from(
        '6/16/2020 12:03:40 AM 0E5C PACKET  000000D1D8F2B0F0 UDP Rcv 10.20.0.31      a1b2   Q [0001   D   NOERROR] A      (7)example(3)com(0)\n',
      ),
      'a',
    ).kind,
    'dns.windows',
  );
  assert.equal(sniff(makeZip([{ name: 'a.txt', data: 'x' }]), 'a.bin').kind, 'archive.zip');
  assert.equal(sniff(gzipSync('hello'), 'a').kind, 'archive.gzip');
  assert.equal(sniff(Buffer.from('<%@ Page Language="C#" %><html></html>'), 'a.txt').kind, 'web.page');
  assert.equal(sniff(Buffer.alloc(0), 'a').kind, 'unknown');
});

test('YAML rule files with header-like lines (Sigma: title, id, date…) are not mail', () => {
  const rule =
    'title: Suspicious Process By Web Server Process\nid: 8202070f-edeb-4d31-a010-a26c72ac5600\nstatus: test\ndescription: Detects processes spawned by a web server\nreferences:\n    - https://example.org/x\nauthor: Someone\ndate: 2019-01-16\ntags:\n    - attack.persistence\nlogsource:\n    category: process_creation\n\ndetection:\n    selection:\n        ParentImage|endswith: \\w3wp.exe\n    condition: selection\n';
  assert.equal(sniff(Buffer.from(rule), 'rule.yml').kind, 'unknown');
  assert.equal(
    sniff(Buffer.from('id: 1\ndate: 2026-04-17\nauthor: x\n\nbody\n'), 'info.yml').kind,
    'unknown',
  );
  assert.equal(sniff(Buffer.from('From: a@example.org\nSubject: hi\n\nbody\n'), 'x').kind, 'mail.message');
  assert.equal(
    sniff(Buffer.from('Date: Mon, 1 Apr 2024 10:00:00 +0000\n\nbody\n'), 'x').kind,
    'mail.message',
    'a minimal message closed by a blank line',
  );
});
