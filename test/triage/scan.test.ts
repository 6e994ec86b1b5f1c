import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, readdirSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative } from 'node:path';
import { gzipSync } from 'node:zlib';
import { Scanner } from '../../src/triage/scan.ts';
import { DETECTORS, READERS } from '../../src/triage/registry.ts';
import { DEFAULT_LIMITS, type Limits } from '../../src/triage/limits.ts';
import { defineDetector, type AnyDetector } from '../../src/model/detector.ts';
import type { Finding } from '../../src/model/finding.ts';
import type { Problem, Skipped } from '../../src/model/problem.ts';
import { bindQueryLog, httpProxyLog, mailMessage } from '../../scripts/lib/formats.ts';
import { makeZip } from '../../scripts/lib/zip.ts';
import { EXAMPLE, REPO } from '../support/paths.ts';
import { builtinIndex } from '../../src/intel/builtin.ts';

async function scan(
  roots: string[],
  opts: { limits?: Partial<Limits>; detectors?: readonly AnyDetector[] } = {},
) {
  const findings: Finding[] = [];
  const problems: Problem[] = [];
  const skipped: Skipped[] = [];
  const s = new Scanner(
    {
      detectors: opts.detectors ?? DETECTORS,
      readers: READERS,
      limits: { ...DEFAULT_LIMITS, ...opts.limits },
      context: { intel: builtinIndex() },
    },
    {
      finding: (f) => findings.push(f),
      problem: (p) => problems.push(p),
      skipped: (x) => skipped.push(x),
    },
  );
  const stats = await s.scan(roots);
  return { findings, problems, skipped, stats };
}

const brief = (f: Finding) =>
  `${f.severity} ${f.rule} ${f.source.path}${f.source.line !== undefined ? `:${f.source.line}` : ''}`;

function files(dir: string): string[] {
  return readdirSync(dir, { recursive: true, encoding: 'utf8' })
    .filter((p) => statSync(join(dir, p)).isFile())
    .sort();
}

test('the committed example is exactly what scripts/make-example.ts generates', () => {
  const out = mkdtempSync(join(tmpdir(), 'vigil-example-'));
  execFileSync(process.execPath, [join(REPO, 'scripts/make-example.ts'), out], { stdio: 'pipe' });
  assert.deepEqual(files(out), files(EXAMPLE));
  for (const f of files(out))
    assert.ok(
      readFileSync(join(out, f)).equals(readFileSync(join(EXAMPLE, f))),
      `${f} differs: run npm run example`,
    );
});

test('triage of the example incident finds the whole story, and nothing else', async () => {
  const { findings, problems, skipped, stats } = await scan([EXAMPLE]);
  assert.deepEqual(problems, []);
  assert.deepEqual(
    skipped.map((s) => s.path),
    ['README.md'],
  );
  const proxy = 'exchange/Logging/HttpProxy';
  assert.deepEqual(
    findings.map(brief).sort(),
    [
      'critical exchange.proxylogon.ssrf exchange/Logging/HttpProxy/Ecp/HttpProxy_2021030306-1.LOG:11',
      'critical exchange.proxylogon.ssrf exchange/Logging/HttpProxy/Ecp/HttpProxy_2021030306-1.LOG:13',
      'critical exchange.proxylogon.ssrf exchange/Logging/HttpProxy/Ecp/HttpProxy_2021030306-1.LOG:14',
      'critical exchange.webshell.chopper exchange/inetpub/wwwroot/aspnet_client/system_web/ecu.aspx',
      'critical yara.match exchange/inetpub/wwwroot/aspnet_client/system_web/ecu.aspx', // vigil_aspx_eval_request
      'critical yara.match exchange/inetpub/wwwroot/aspnet_client/system_web/ecu.aspx', // vigil_oab_export_webshell
      'critical exchange.cve-2021-27065 exchange/Logging/ECP/Server/ECPServer20210303-1.LOG:8', // script planted in ExternalUrl
      'critical exchange.cve-2021-27065 exchange/Logging/ECP/Server/ECPServer20210303-1.LOG:9', // Reset-OABVirtualDirectory to aspnet_client
      'critical exchange.webshell-access exchange/collected/W3SVC1-u_ex210303.zip!/W3SVC1/u_ex210303.log:6',
      'critical exchange.webshell-access exchange/collected/W3SVC1-u_ex210303.zip!/W3SVC1/u_ex210303.log:7',
      'medium exchange.build exchange/Logging/HttpProxy/Owa/HttpProxy_2021030215-1.LOG:2', // 2016 CU19 before the March update (#Version header)
      'high intel.match exchange/inetpub/wwwroot/aspnet_client/system_web/ecu.aspx', // signature-base web-shell location
      'low intel.match exchange/Logging/ECP/Server/ECPServer20210303-1.LOG:8', // CISA CHIRP: Set-OabVirtualDirectory.ExternalUrl=', under the CVE-2021-27065 finding
      'info exchange.oab-temp exchange/Logging/OABGeneratorLog/OABGenerator_2021030301-1.LOG:7', // a routine OAB download cleanup
      'info intel.match exchange/Logging/OABGeneratorLog/OABGenerator_2021030301-1.LOG:7', // CISA CHIRP: Download failed and temporary file
      'low intel.match exchange/collected/W3SVC1-u_ex210303.zip!/W3SVC1/u_ex210303.log:6', // CISA CHIRP user agent antSword
      'low intel.match exchange/collected/W3SVC1-u_ex210303.zip!/W3SVC1/u_ex210303.log:7',
      `high exchange.proxylogon.ssrf ${proxy}/Ecp/HttpProxy_2021030306-1.LOG:12`,
      `high exchange.proxylogon.ssrf ${proxy}/Ecp/HttpProxy_2021030306-1.LOG:10`,
      'high sunburst.query dns/named-queries.log:2',
      'high sunburst.query dns/named-queries.log:4',
      'high sunburst.query dns/named-queries.log:5',
      'high sunburst.query dns/named-queries.log:7',
      'high sunburst.victim dns/named-queries.log:2',
      'high mail.attachment.disk-image mail/2021-05-25-special-alert.eml:1',
      'critical mail.verdict mail/2021-05-25-special-alert.eml:1', // ESP + high-value sender, ISO with LNK and DLL
      'medium intel.match mail/2021-05-25-special-alert.eml:1', // NOBELIUM file name ICA-declass.iso
      `low exchange.proxylogon.ssrf ${proxy}/Owa/HttpProxy_2021030215-1.LOG:7`,
      `medium exchange.proxylogon.ssrf ${proxy}/Ecp/HttpProxy_2021030306-1.LOG:9`,
      `medium exchange.proxylogon.ssrf ${proxy}/Owa/HttpProxy_2021030215-1.LOG:8`,
    ].sort(),
  );
  assert.equal(stats.archives, 1);
  assert.equal(stats.files, 12); // 11 files on disk + 1 zip member
  const victim = findings.find((f) => f.rule === 'sunburst.victim')!;
  assert.equal(victim.evidence['domain'], 'city.kingston.on.ca');
  assert.equal(victim.evidence['status'], 'complete');
  const shell = findings.find((f) => f.rule === 'exchange.webshell.chopper')!;
  assert.equal(shell.evidence['parameter'], 'ecu_k7');
});

test('hostile and broken inputs: each is named, the run goes on, nothing found is lost', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'vigil-hostile-'));
  const beaconLog = bindQueryLog(
    Array.from({ length: 3000 }, (_, i) => ({
      time: '2020-06-16T00:03:40Z',
      client: '10.0.0.1',
      name: i === 5 ? 'lt5ai41qh5d53qoti3mkmc0.appsync-api.us-west-2.avsvmcloud.com' : `host${i}.example.net`,
    })),
  );
  const gz = gzipSync(beaconLog);
  writeFileSync(join(dir, 'a-truncated.log.gz'), gz.subarray(0, Math.floor(gz.length * 0.6)));
  const zip = makeZip([{ name: 'x.log', data: beaconLog }]);
  writeFileSync(join(dir, 'b-broken.zip'), zip.subarray(0, zip.length - 30));
  const lure = mailMessage({
    from: 'a@example.org',
    to: 'b@example.org',
    subject: 'docs',
    date: 'Tue, 25 May 2021 14:02:09 +0000',
    messageId: '<m@example.org>',
    text: 'see attached',
    attachments: [{ name: 'docs.img', type: 'application/octet-stream', data: Buffer.alloc(1024) }],
  });
  writeFileSync(
    join(dir, 'c-nested.zip'),
    makeZip([{ name: 'outer/inner.zip', data: makeZip([{ name: 'm.eml', data: lure }]) }]),
  );
  writeFileSync(
    join(dir, 'd-bomb.zip'),
    makeZip([{ name: 'zeros.log', data: Buffer.alloc(4 * 1024 * 1024) }]),
  );
  writeFileSync(join(dir, 'e-junk.bin'), Buffer.from([0, 1, 2, 3, 0, 255]));
  symlinkSync('/etc/passwd', join(dir, 'f-link'));
  writeFileSync(
    join(dir, 'g-proxy.LOG'),
    httpProxyLog([
      {
        DateTime: '2021-03-03T06:49:43.699Z',
        AnchorMailbox: 'ServerInfo~a]@ex01:444/mapi/emsmdb/?#',
        HttpStatus: '200',
        ClientIpAddress: '203.0.113.50',
      },
    ]),
  );
  writeFileSync(
    join(dir, 'h-long.log'),
    `${'#Fields: date time cs-uri-stem\n'}2021-03-03 00:00:01 /${'a'.repeat(2 * 1024 * 1024)}\n2021-03-03 00:00:02 /after\n`,
  );

  const { findings, problems, skipped } = await scan([dir], { limits: { maxCompressionRatio: 100 } });
  assert.deepEqual(
    findings.map(brief).sort(),
    [
      'high exchange.proxylogon.ssrf g-proxy.LOG:6',
      'high sunburst.query a-truncated.log.gz!/a-truncated.log:6', // found before the cut, kept
      'high sunburst.victim a-truncated.log.gz!/a-truncated.log:6',
      'high mail.attachment.disk-image c-nested.zip!/outer/inner.zip!/m.eml:1',
      'high mail.verdict c-nested.zip!/outer/inner.zip!/m.eml:1', // a disk image, found inside two zips
      'medium exchange.build g-proxy.LOG:1', // the #Version header: 2016 CU19 RTM
    ].sort(),
  );
  const byPath = (p: string) =>
    problems.filter((x) => x.source.path === p).map((x) => `${x.level}: ${x.message}`);
  assert.match(
    byPath('a-truncated.log.gz!/a-truncated.log').join(),
    /^error: after line \d+: unexpected end of file.*not analysed/,
  );
  assert.match(byPath('b-broken.zip').join(), /^error: .*central directory/i);
  assert.deepEqual(byPath('h-long.log'), [
    'warning: line longer than 1048576 bytes; only its first 1048576 were analysed',
  ]);
  assert.equal(problems.length, 3);
  const reasons = Object.fromEntries(skipped.map((s) => [s.path, s.reason]));
  assert.match(reasons['d-bomb.zip!/zeros.log'] ?? '', /compression ratio over 100:1/);
  assert.match(reasons['e-junk.bin'] ?? '', /binary content/);
  assert.equal(reasons['f-link'], 'symbolic link (not followed)');
});

test('a detector that throws is reported against the record, and the others still run', async () => {
  const broken = defineDetector({
    id: 'test.broken',
    description: 'always throws',
    kinds: ['exchange.httpproxy'],
    rules: [],
    create: () => ({
      onRecord() {
        throw new Error('boom');
      },
    }),
  });
  const { findings, problems } = await scan([join(EXAMPLE, 'exchange/Logging/HttpProxy/Owa')], {
    detectors: [broken, ...DETECTORS],
  });
  assert.equal(findings.length, 3); // two SSRF rows and the build timeline
  assert.equal(problems.length, 3);
  assert.deepEqual(problems[0], {
    level: 'error',
    source: { path: 'HttpProxy_2021030215-1.LOG', line: 7 },
    message: 'detector test.broken could not analyse this exchange.httpproxy record: boom',
  });
});

test('several roots: paths are prefixed with the root name', async () => {
  const { findings } = await scan([join(EXAMPLE, 'dns'), join(EXAMPLE, 'mail')]);
  assert.deepEqual([...new Set(findings.map((f) => f.source.path))].sort(), [
    'dns/named-queries.log',
    'mail/2021-05-25-special-alert.eml',
  ]);
  assert.equal(relative(EXAMPLE, join(EXAMPLE, 'dns')), 'dns');
});
