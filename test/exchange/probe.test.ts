import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { probe, DEFAULT_PROBE } from '../../src/exchange/probe.ts';
import { assessBuild } from '../../src/exchange/builds.ts';
import { startSim, type Behaviour, type Sim } from '../support/exchange-sim.ts';
import { vigilAsync as vigil } from '../support/cli.ts';

const sims: Sim[] = [];
after(async () => {
  await Promise.all(sims.map((s) => s.close()));
});
async function sim(b: Behaviour, tls = true) {
  const s = await startSim(b, { tls });
  sims.push(s);
  return s;
}
const opts = { ...DEFAULT_PROBE, timeoutMs: 1500, retries: 1 };

test("fixed-build tables: Microsoft's build page and CVE records", () => {
  const v = (b: string) => {
    const a = assessBuild(b);
    return [a.verdict, a.cu ?? '', a.cves.length];
  };
  assert.deepEqual(v('15.1.2176.2'), ['vulnerable', 'CU19', 7]); // CU19 RTM
  assert.deepEqual(v('15.1.2176.9'), ['vulnerable', 'CU19', 3]); // March SU: ProxyLogon fixed, ProxyShell not
  assert.deepEqual(v('15.1.2176.12'), ['vulnerable', 'CU19', 1]); // April SU: CVE-2021-31207 left
  assert.deepEqual(v('15.1.2176.14'), ['patched', 'CU19', 0]); // May SU
  assert.deepEqual(v('15.2.858.5'), ['vulnerable', 'CU9', 3]); // CU9 includes ProxyLogon fixes only
  assert.deepEqual(v('15.2.922.7'), ['patched', 'CU10', 0]);
  assert.deepEqual(v('15.1.1261.35'), ['vulnerable', '', 7]); // 2016 CU7: no fix exists
  assert.deepEqual(v('15.2.1118.7'), ['patched', '', 0]); // a later CU
  assert.deepEqual(v('15.0.1497.2'), ['vulnerable', 'CU23', 7]);
  assert.deepEqual(v('15.0.1497'), ['likely_vulnerable', 'CU23', 7]);
  assert.deepEqual(
    v('15.2.721'),
    ['vulnerable', 'CU7', 7],
    'a CU with no ProxyShell fix is vulnerable whatever its SU',
  );
  assert.deepEqual(v('14.3.496.0'), ['vulnerable', '', 1]); // Exchange 2010: CVE-2021-26857 only
  assert.deepEqual(v('14.3.513.0'), ['patched', '', 0]);
  assert.match(assessBuild('15.1.2242.4').fix, /May 2021 security update \(KB5003435\).*15\.1\.2242\.10/);
});

test('probe: exact builds from the X-OWA-Version header and the export-tool manifest, CU level from resource paths', async () => {
  const cases: [Behaviour, boolean, string, string, string, boolean][] = [
    [
      { kind: 'exchange', build: '15.1.2176.2', header: true, exporttool: false },
      true,
      'vulnerable',
      '15.1.2176.2',
      'x-owa-version',
      true,
    ],
    [
      { kind: 'exchange', build: '15.2.858.12', header: true, exporttool: true },
      true,
      'patched',
      '15.2.858.12',
      'x-owa-version',
      true,
    ],
    [
      { kind: 'exchange', build: '15.2.922.7', header: false, exporttool: true },
      true,
      'patched',
      '15.2.922.7',
      'exporttool',
      true,
    ],
    [
      { kind: 'exchange', build: '15.0.1497.2', header: false, exporttool: false },
      true,
      'likely_vulnerable',
      '15.0.1497',
      'owa-path',
      false,
    ],
    [
      { kind: 'exchange', build: '15.1.1261.35', header: true, exporttool: false },
      true,
      'vulnerable',
      '15.1.1261.35',
      'x-owa-version',
      true,
    ],
    [
      { kind: 'exchange', build: '15.2.792.3', header: true, exporttool: false },
      false,
      'vulnerable',
      '15.2.792.3',
      'x-owa-version',
      true,
    ],
  ];
  for (const [b, tls, verdict, build, source, exact] of cases) {
    const s = await sim(b, tls);
    const r = await probe(s.url, opts);
    assert.deepEqual(
      [r.verdict, r.build, r.buildSource, r.exact],
      [verdict, build, source, exact],
      JSON.stringify(b),
    );
    if (tls) {
      assert.match(r.cert?.subject ?? '', /CN=mail\.ecu\.example/);
      assert.equal(r.cert?.san, 'DNS:mail.ecu.example, DNS:autodiscover.ecu.example');
      assert.equal(r.cert?.selfSigned, true);
    }
  }
});

test('probe: hostile and broken servers end as unreachable or not Exchange, within the timeout', async () => {
  const t0 = Date.now();
  const cases: [Behaviour, string, RegExp | null][] = [
    [{ kind: 'hang' }, 'unreachable', /no answer within 1500 ms/],
    [{ kind: 'reset' }, 'unreachable', /ECONNRESET|socket hang up/],
    [{ kind: 'loop' }, 'unreachable', /redirect loop|redirects/],
    [{ kind: 'garbage' }, 'unreachable', /./],
    [{ kind: 'other' }, 'not_exchange', null],
  ];
  const results = await Promise.all(cases.map(async ([b]) => probe((await sim(b)).url, opts)));
  results.forEach((r, i) => {
    const [, verdict, err] = cases[i]!;
    assert.equal(r.verdict, verdict, JSON.stringify(cases[i]![0]));
    if (err) assert.match(r.error ?? '', err);
  });
  assert.ok(Date.now() - t0 < 12_000, 'hangs are cut by the timeout (with one retry)');
  const huge = await probe((await sim({ kind: 'huge', build: '15.1.2242.4' })).url, opts);
  assert.deepEqual(
    [huge.verdict, huge.build, huge.exact],
    ['likely_vulnerable', '15.1.2242', false],
    'a 20 MB page is cut at 1 MB and still read',
  );
  const refused = await probe('https://127.0.0.1:9', { ...opts, retries: 0 });
  assert.equal(refused.verdict, 'unreachable');
});

test('probe --active: the harmless checks confirm exposure', async () => {
  const s = await sim({
    kind: 'exchange',
    build: '15.1.2176',
    header: false,
    exporttool: false,
    vulnerableActive: true,
  });
  const r = await probe(s.url, { ...opts, active: true });
  assert.deepEqual(r.active, { proxyLogon: 'vulnerable', proxyShell: 'vulnerable' });
  assert.equal(r.verdict, 'vulnerable');
});

test('vigil exchange probe: JSON Lines contract, CSV, summary, exit code', async () => {
  const vuln = await sim({ kind: 'exchange', build: '15.1.2176.2', header: true, exporttool: false });
  const ok = await sim({ kind: 'exchange', build: '15.2.858.12', header: true, exporttool: false });
  const down = await sim({ kind: 'reset' });
  const r = await vigil([
    'exchange',
    'probe',
    vuln.url,
    ok.url,
    down.url,
    '--format',
    'jsonl',
    '--timeout',
    '2',
    '--retries',
    '0',
  ]);
  assert.equal(r.code, 1, r.stderr);
  const fs = r.stdout
    .trim()
    .split('\n')
    .map((l) => JSON.parse(l) as { rule: string; cve: string[]; evidence: Record<string, unknown> });
  const by = Object.fromEntries(fs.map((f) => [String(f.evidence['target']), f]));
  for (const f of fs) {
    assert.equal(f.rule, 'exchange.exposure');
    for (const k of ['target', 'verdict', 'exact', 'fix']) assert.ok(k in f.evidence, k);
  }
  assert.deepEqual(
    [
      by[vuln.url]!.evidence['verdict'],
      by[vuln.url]!.evidence['build'],
      by[vuln.url]!.evidence['buildSource'],
      by[vuln.url]!.cve.length,
    ],
    ['vulnerable', '15.1.2176.2', 'x-owa-version', 7],
  );
  assert.match(String(by[vuln.url]!.evidence['fix']), /KB5003435/);
  assert.deepEqual([by[ok.url]!.evidence['verdict'], by[ok.url]!.cve], ['patched', []]);
  assert.equal(by[down.url]!.evidence['verdict'], 'unreachable');
  const csv = await vigil(['exchange', 'probe', vuln.url, '--format', 'csv', '--timeout', '2']);
  assert.match(csv.stdout, /^target,verdict,build,buildSource,exact,product,cu,cves,fix,/);
  assert.match(
    csv.stdout,
    /,vulnerable,15\.1\.2176\.2,x-owa-version,true,Exchange 2016,CU19,CVE-2021-26855 /,
  );
  const text = await vigil(['exchange', 'probe', vuln.url, ok.url, '--timeout', '2']);
  assert.match(text.stdout, /Summary\n {2}vulnerable +1\n {2}likely_vulnerable +0\n {2}patched +1/);
  assert.equal(
    (await vigil(['exchange', 'probe', ok.url, '--timeout', '2'])).code,
    0,
    'only patched: exit 0',
  );
  assert.equal((await vigil(['exchange', 'probe'])).code, 2, 'no targets: usage error');
});

test('probe over IPv6 loopback, and through an HTTP CONNECT proxy named by HTTPS_PROXY', async (t) => {
  const { default: https } = await import('node:https');
  const { default: http } = await import('node:http');
  const net = await import('node:net');
  const { handler, selfSigned } = await import('../support/exchange-sim.ts');
  // IPv6: the same simulated server on [::1], when the machine has IPv6 loopback.
  const v6 = https.createServer(
    selfSigned(),
    handler({ kind: 'exchange', build: '15.2.858.12', header: true, exporttool: false }),
  );
  const ok6 = await new Promise<boolean>((resolve) => {
    v6.once('error', () => resolve(false));
    v6.listen(0, '::1', () => resolve(true));
  });
  if (ok6) {
    const r = await probe(`https://[::1]:${(v6.address() as import('node:net').AddressInfo).port}`, opts);
    assert.deepEqual([r.verdict, r.build], ['patched', '15.2.858.12']);
    v6.close();
  } else t.diagnostic('no IPv6 loopback on this machine: IPv6 part skipped');
  // A CONNECT proxy on 127.0.0.1 that records what it tunnels.
  const target = await sim({ kind: 'exchange', build: '15.1.2176.2', header: true, exporttool: false });
  const tunnels: string[] = [];
  const proxy = http.createServer((_req, res) => res.writeHead(405).end());
  proxy.on('connect', (req, client, head) => {
    tunnels.push(String(req.url));
    const [host, port] = String(req.url).split(':');
    const up = net.connect(Number(port), host, () => {
      client.write('HTTP/1.1 200 Connection Established\r\n\r\n');
      up.write(head);
      up.pipe(client);
      client.pipe(up);
    });
    up.on('error', () => client.destroy());
    client.on('error', () => up.destroy());
  });
  await new Promise<void>((r) => proxy.listen(0, '127.0.0.1', r));
  const proxyUrl = `http://127.0.0.1:${(proxy.address() as import('node:net').AddressInfo).port}`;
  const r = await vigil(['exchange', 'probe', target.url, '--format', 'jsonl', '--timeout', '3'], {
    env: { HTTPS_PROXY: proxyUrl, NO_PROXY: '' },
  });
  proxy.close();
  assert.equal(JSON.parse(r.stdout.trim().split('\n')[0]!).evidence.verdict, 'vulnerable', r.stderr);
  assert.ok(tunnels.includes(new URL(target.url).host), `the proxy tunnelled ${tunnels.join(', ')}`);
});
