import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { classifySsrf, proxyLogonSsrfDetector } from '../../src/exchange/proxylogon-ssrf.ts';
import { splitCsvLine } from '../../src/io/csvline.ts';
import type { Finding } from '../../src/model/finding.ts';
import type { VigilRecord } from '../../src/model/records.ts';
import { DATA, dataTest } from '../support/paths.ts';
import { IntelIndex } from '../../src/intel/index.ts';

/** HelseCERT's real Test-ProxyLogon output for a compromised server (anonymised upstream). */
function helsecertRows() {
  const lines = readFileSync(join(DATA, 'exchange/helsecert_testproxylogon_cve26855_hits.csv'), 'utf8')
    .split(/\r?\n/)
    .filter((l) => l && !l.startsWith('#'));
  const header = splitCsvLine(lines[0]!);
  return lines.slice(1).map((l) => Object.fromEntries(splitCsvLine(l).map((v, i) => [header[i]!, v])));
}

dataTest('the real ProxyLogon chain is graded stage by stage', () => {
  const stages = helsecertRows().map((r) => classifySsrf(r['AnchorMailbox']!, '', r['HttpStatus']!));
  assert.deepEqual(stages, [
    'attempt',
    'exploitation',
    'exploited',
    'exploitation', // first pass: autodiscover, mapi, ECP session (241), GetObject
    'attempt',
    'exploitation',
    'exploited',
    'exploitation', // second pass
    'exploited',
    'exploited',
    'exploited', // SetObject OAB vdir (shell in ExternalUrl), ResetOABVirtualDirectory (the write), restore
  ]);
});

test('probes, the BackEndCookie form, and benign routing', () => {
  assert.equal(classifySsrf('ServerInfo~localhost/ecp/default.flt?', '', '500'), 'probe');
  assert.equal(classifySsrf('', 'Server~ex01.corp.local/ecp/proxyLogon.ecp?~1942062522', '241'), 'exploited');
  assert.equal(classifySsrf('', 'Server~ex01.corp.local/mapi/emsmdb?~1942062522', '200'), 'exploitation');
  assert.equal(classifySsrf('Sid~S-1-5-21-123456789-9876543211-123456798-1142', '', '200'), null);
  assert.equal(classifySsrf('Smtp~jdoe@example.com', '', '200'), null);
  assert.equal(classifySsrf('ServerVersion~Version 15.0 (Build 0.0)', '', '200'), null);
  assert.equal(
    classifySsrf('ServerInfo~nohostpath', '', '200'),
    null,
    'ServerInfo~ without a path is not the SSRF shape',
  );
});

dataTest('the detector emits one finding per SSRF row with the evidence a responder needs', () => {
  const run = proxyLogonSsrfDetector.create({ intel: new IntelIndex() });
  const found: Finding[] = [];
  helsecertRows().forEach((fields, i) => {
    const rec = {
      kind: 'exchange.httpproxy',
      source: { path: 'HttpProxy/Ecp/x.LOG', line: i + 6 },
      line: Object.values(fields).join(','),
      time: fields['DateTime'],
      fields,
    } as VigilRecord;
    void run.onRecord(rec, (f) => found.push(f));
  });
  assert.equal(found.length, 11);
  assert.deepEqual(
    found.map((f) => f.severity),
    [
      'medium',
      'high',
      'critical',
      'high',
      'medium',
      'high',
      'critical',
      'high',
      'critical',
      'critical',
      'critical',
    ],
  );
  const f = found[2]!;
  assert.equal(f.rule, 'exchange.proxylogon.ssrf');
  assert.deepEqual(f.cve, ['CVE-2021-26855']);
  assert.deepEqual(f.attack, ['T1190']);
  assert.equal(f.time, '2021-03-03T06:49:46.210Z');
  assert.deepEqual(f.source, { path: 'HttpProxy/Ecp/x.LOG', line: 8 });
  assert.equal(f.evidence['clientIp'], '130.255.189.21');
  assert.equal(f.evidence['anchorMailbox'], 'ServerInfo~a]@servernavn.xxx.local:444/ecp/proxyLogon.ecp?#');
  assert.equal(f.evidence['httpStatus'], '241');
  assert.equal(f.evidence['stage'], 'exploited');
});
