import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeQuery, REGIONS, type Decoded } from '../../src/dns/sunburst/decode.ts';
import { base32Decode, substitutionDecode } from '../../src/dns/sunburst/codec.ts';
import { answerFamily } from '../../src/dns/sunburst/stage.ts';
import { VictimTracker } from '../../src/dns/sunburst/victims.ts';
import { productLabels } from '../../src/dns/sunburst/products.ts';
import { DATA, dataTest, needData } from '../support/paths.ts';
import { vigil } from '../support/cli.ts';

/** A bare label from the vectors file gets the region its own uid implies. */
function decodeLabel(label: string, region?: string): Decoded {
  if (region && region !== '(not given)') return decodeQuery(`${label}.appsync-api.${region}.avsvmcloud.com`);
  for (const r of REGIONS) {
    const d = decodeQuery(`${label}.appsync-api.${r}.avsvmcloud.com`);
    if (d.kind !== 'invalid') return d;
  }
  return decodeQuery(`${label}.appsync-api.${REGIONS[0]}.avsvmcloud.com`);
}

const vectors = new Map(
  (needData ? '' : readFileSync(join(DATA, 'sunburst/published_vectors.tsv'), 'utf8'))
    .split('\n')
    .filter((l) => l && !l.startsWith('#'))
    .map((l) => {
      const [label, region] = l.split('\t');
      return [label!, region!];
    }),
);

dataTest('all 17 published vectors decode to the published values', () => {
  assert.equal(vectors.size, 17);
  const d = (label: string) => decodeLabel(label, vectors.get(label));
  const expectData = (
    label: string,
    kind: 'ping' | 'services',
    uid: string | null,
    time: string,
    stage2: boolean,
    products?: string[],
  ) => {
    const x = d(label);
    assert.equal(x.kind, kind, label);
    if (x.kind !== 'ping' && x.kind !== 'services') return;
    if (uid) assert.equal(x.uid, uid, label);
    assert.equal(x.time, time, label);
    assert.equal(x.stage2, stage2, label);
    if (products) assert.deepEqual(productLabels(x.products ?? []), products, label);
  };
  const expectDomain = (label: string, uid: string | null, index: number, text: string, key?: number) => {
    const x = d(label);
    assert.equal(x.kind, 'domain', label);
    if (x.kind !== 'domain') return;
    if (uid) assert.equal(x.uid, uid, label);
    assert.equal(x.index, index, label);
    assert.equal(x.text, text, label);
    if (key !== undefined) assert.equal(x.key, key, label);
  };
  // Netresec, "Extracting Security Products from SUNBURST DNS Beacons".
  expectData('lt5ai41qh5d53qoti3mkmc0', 'services', 'F9A9387F7D252842', '2020-06-16T00:00:00.000Z', false, [
    'WindowsDefender_RUNNING',
    'WindowsDefender_STOPPED',
  ]);
  expectDomain('olc62cocacn7u2q22v02eu', 'F9A9387F7D252842', 35, 'on.ca', 0x86);
  expectData('q94idf4sjbem0rait7gv', 'ping', 'F9A9387F7D252842', '2020-06-17T00:00:00.000Z', false);
  expectDomain('r1qshoj05ji05ac6eoip02jovt6i2v0c', 'F9A9387F7D252842', 0, 'city.kingston.', 0xb4);
  expectDomain('e8fh1ravufms0qpt00gudir2951udivf', '76330B4D49BF7EC4', 0, 'LABELMAR');
  expectData('gp27ssesmvnpkgff7rc0eok', 'services', '76330B4D49BF7EC4', '2020-05-30T12:30:00.000Z', false, [
    'ESET_RUNNING',
    'ESET_STOPPED',
  ]);
  expectDomain('oiltaoj08jjd8h12vnr4tur5h', '76330B4D49BF7EC4', 35, 'nde5gaefm');
  // FireEye NBIs with Netresec's decoded times (all STAGE2).
  expectData('6a57jk2ba1d9keg15cbg', 'ping', 'FC07EB59E028D3EE', '2020-06-13T09:00:00.000Z', true);
  expectData('7sbvaemscs0mc925tb99', 'ping', '1D71011E992C3D68', '2020-06-11T22:30:00.000Z', true);
  expectData('gq1h856599gqh538acqn', 'ping', 'F90BDDB47E495629', '2020-06-13T08:30:00.000Z', true);
  expectData('ihvpgv9psvq02ffo77et', 'ping', 'DB7DE5B93573A3F7', '2020-06-20T02:30:00.000Z', true);
  expectData('k5kcubuassl3alrf7gm3', 'ping', '3C327147876E6EA4', '2020-07-22T17:00:00.000Z', true);
  expectData('mhdosoksaccf9sni9icp', 'ping', '3C327147876E6EA4', '2020-07-23T18:30:00.000Z', true);
  // Truesec README example (Netresec lists htwanmgmt.local); Prevasio's illustration.
  expectDomain('eo5talvjhsjtgtcs3iquvhthi0c12eu1', '6776BAB682780615', 35, 'htwanmgmt.local');
  expectDomain('fivu4vjamve5vfrtn2huov', null, 35, 'domain');
  // RedDrip7's codec assertions (chunks only).
  assert.equal(substitutionDecode('aovthro08ove0ge2h'), 'qingmei-inc.com');
  assert.equal(new TextDecoder().decode(base32Decode('9tslbqv1ftss4r01eqtobmv1')), 'qingmei-inc.com');
  assert.ok(
    vectors.has('(chunk only) aovthro08ove0ge2h') && vectors.has('(base32 only) 9tslbqv1ftss4r01eqtobmv1'),
  );
});

function trackList(lines: readonly string[]) {
  const t = new VictimTracker();
  const kinds: Record<string, number> = {};
  let stage2 = 0;
  for (const l of lines) {
    const d = decodeQuery(l);
    kinds[d.kind] = (kinds[d.kind] ?? 0) + 1;
    if (d.kind === 'domain') t.addFragment(d, { path: 'list' });
    else if (d.kind !== 'invalid') {
      t.addData(d, { path: 'list' });
      if (d.stage2) stage2++;
    }
  }
  return { kinds, stage2, victims: t.victims() };
}

dataTest('the Bambenek list: message counts, 410 hosts, and the names researchers published', () => {
  const lines = readFileSync(join(DATA, 'sunburst/bambenek_uniq-hostnames.txt'), 'utf8')
    .split('\n')
    .filter(Boolean);
  const { kinds, stage2, victims } = trackList(lines);
  assert.deepEqual(kinds, { domain: 1076, ping: 357, services: 288, invalid: 1 }); // the invalid one fails the region check
  assert.equal(stage2, 7);
  const status: Record<string, number> = {};
  for (const v of victims) status[v.status] = (status[v.status] ?? 0) + 1;
  assert.deepEqual(status, {
    complete: 66,
    single_chunk: 6,
    single_chunk_or_tail: 181,
    head_only: 65,
    none: 92,
  });
  const names = new Set(victims.map((v) => v.domain));
  for (const n of [
    'innout.corp',
    'fa.lcl',
    'bk.local',
    'htwanmgmt.local',
    'Sunkistgrowers.com',
    'BrokenArrow.Local',
    'CIMBMY.CIMBDomain.com',
    'BE.AJINOMOTO-OMNICHEM.AD',
    'city.kingston.on.ca',
    'LABELMARKET.ES',
  ]) {
    assert.ok(names.has(n), n);
  }
  const byUid = new Map(victims.map((v) => [v.uid, v]));
  assert.equal(byUid.get('1D71011E992C3D68')?.domain, 'central.pima.gov');
  assert.equal(byUid.get('77FF1196F3432627')?.domain, 'CIMBMY.CIMBDomain.com');
  assert.equal(byUid.get('77FF1196F3432627')?.encoding, 'base32');
  assert.equal(byUid.get('DB7DE5B93573A3F7')?.domain, 'coxnet.cox.com');
});

dataTest('the noisy Taillon list: every line is decoded or rejected with a reason, nothing crashes', () => {
  const lines = readFileSync(join(DATA, 'sunburst/taillon_uniq-hostnames.csv'), 'latin1')
    .split('\n')
    .map((l) => l.replace(/\r$/, '').trim())
    .filter(Boolean);
  assert.equal(lines.length, 2127);
  const decoded = lines.map((l) => decodeQuery(l));
  const invalid = decoded.filter((d) => d.kind === 'invalid');
  // The data README counts 41 misshapen names, 12 region failures, 5 bad prefixes and 1 bad data message.
  assert.equal(invalid.length, 59);
  for (const d of invalid) assert.ok(d.kind === 'invalid' && d.reason.length > 10);
  assert.ok(invalid.some((d) => d.kind === 'invalid' && /not a DGA name/.test(d.reason)));
  assert.ok(invalid.some((d) => d.kind === 'invalid' && /does not match uid/.test(d.reason)));
  // The superset holds names the Bambenek list alone cannot complete (Netresec cites this one).
  assert.ok(trackList(lines).victims.some((v) => v.domain === 'LKDataCenter.com' && v.status === 'complete'));
});

test("answers map to the implant's families (Bambenek pDNS: 751 ImpLink, 586 NetBios, 1 ext, 3 Ipx, 5 other)", (t) => {
  if (needData) return t.skip(needData);
  const raw = JSON.parse(`{${readFileSync(join(DATA, 'sunburst/bambenek_sunburst_raw.json'), 'utf8')}}`) as {
    results: { qname: string; type: string; value_ip?: string }[];
  };
  const fam: Record<string, number> = {};
  for (const r of raw.results) {
    if (r.type !== 'ip' || !r.qname.includes('.appsync-api.') || !r.value_ip || r.value_ip.includes(':'))
      continue;
    const f = answerFamily(r.value_ip);
    fam[f] = (fam[f] ?? 0) + 1;
  }
  assert.deepEqual(fam, { implink: 751, netbios: 586, netbios_ext: 1, ipx: 3, other: 5 });
  assert.equal(answerFamily('20.140.0.1'), 'implink'); // the December 2020 kill switch
  assert.equal(answerFamily('freescanonline.com'), 'cname');
  assert.equal(answerFamily('::ffff:18.130.1.1'), 'netbios_ext');
});

test('vigil dns sunburst: JSON Lines contract on the FireEye NBIs (defanged CSV with CNAME targets)', (t) => {
  if (needData) return t.skip(needData);
  const r = vigil([
    'dns',
    'sunburst',
    join(DATA, 'sunburst/fireeye_Indicator_Release_NBIs.csv'),
    '--format',
    'jsonl',
  ]);
  assert.equal(r.code, 1, r.stderr);
  const fs = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { rule: string; severity: string; evidence: Record<string, unknown> });
  const q = fs.filter((f) => f.rule === 'sunburst.query');
  assert.equal(q.length, 6);
  for (const f of q) {
    assert.equal(f.evidence['kind'], 'ping');
    assert.match(String(f.evidence['uid']), /^[0-9A-F]{16}$/);
    assert.equal(f.evidence['stage2'], true);
    assert.match(String(f.evidence['fqdn']), /\.avsvmcloud\.com$/);
  }
  const v = fs.filter((f) => f.rule === 'sunburst.victim');
  assert.deepEqual(v.map((f) => f.evidence['uid']).sort(), [
    '1D71011E992C3D68',
    '3C327147876E6EA4',
    'DB7DE5B93573A3F7',
    'F90BDDB47E495629',
    'FC07EB59E028D3EE',
  ]);
  for (const f of v) {
    assert.equal(
      f.evidence['stage'],
      'targeted',
      'STAGE2 flag plus a CNAME answer: the host was handed its C2',
    );
    assert.equal(f.severity, 'critical');
    assert.equal(f.evidence['status'], 'none');
    for (const k of ['uid', 'domain', 'status', 'firstSeen', 'lastSeen', 'products', 'stage'])
      assert.ok(k in f.evidence, k);
  }
});

dataTest('vigil dns sunburst: the passive-DNS dump gives stages from its answers', () => {
  const r = vigil([
    'dns',
    'sunburst',
    join(DATA, 'sunburst/bambenek_sunburst_raw.json'),
    '--format',
    'jsonl',
  ]);
  const fs = r.stdout
    .trim()
    .split('\n')
    .map(
      (l) => JSON.parse(l) as { rule: string; evidence: Record<string, unknown>; source: { line: number } },
    );
  const victims = fs.filter((f) => f.rule === 'sunburst.victim');
  assert.ok(victims.length > 100);
  assert.ok(victims.some((v) => v.evidence['killSwitch'] === true));
  assert.ok(
    victims.some((v) => v.evidence['stage'] === 'stage2'),
    'the one answer in an "ext" range',
  );
  // Every finding points at the line its record starts on.
  assert.ok(fs.every((f) => f.source.line >= 2));
});

test('vigil dns sunburst: the text and HTML victim reports name each host and domain', () => {
  const text = vigil(['dns', 'sunburst', 'examples/incident/dns']);
  assert.equal(text.code, 1);
  assert.match(text.stdout, /1 infected hosts \(SUNBURST user ids\), 1 distinct domains/);
  assert.match(
    text.stdout,
    /F9A9387F7D252842 +city\.kingston\.on\.ca +complete +2020-06-16 00:03 +2020-06-17 00:10 +beacon +WindowsDefender_RUNNING WindowsDefender_STOPPED/,
  );
  const html = vigil(['dns', 'sunburst', 'examples/incident/dns', '--format', 'html']).stdout;
  assert.match(
    html,
    /<h2>SUNBURST victims: 1 hosts<\/h2><table>.*<code>F9A9387F7D252842<\/code><\/td><td>city\.kingston\.on\.ca<\/td>/s,
  );
  assert.match(html, /<h2>Decoded domains: 1<\/h2>/);
});
