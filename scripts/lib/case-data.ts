/**
 * Case files for the dashboard's tests and screenshots: JSONL findings written by the real
 * `vigil triage`, one file per organisation.
 * - the example incident (examples/incident: ProxyLogon → web shell, SUNBURST, a NOBELIUM lure);
 * - a hostile incident: HttpProxy and IIS logs (written in their native formats) whose
 *   User-Agents and URLs carry script payloads, scanned by vigil like any other evidence;
 * - generated organisations, one per remaining verdict, made from the example's findings with
 *   their host, build and verdict changed (the shape stays the one vigil writes).
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { httpProxyLog, iisLog } from './formats.ts';

const REPO = join(import.meta.dirname, '..', '..');

/** Payloads a browser would run if the dashboard ever put evidence into HTML. */
export const XSS = {
  userAgent: `<img src=x onerror="document.documentElement.dataset.xss='ua';alert('ua')">`,
  url: `/ecp/x.js"><script>document.documentElement.dataset.xss='url';alert('url')</script>`,
  iisUserAgent: `<svg/onload=document.documentElement.dataset.xss='iis';alert('iis')>`,
};

export interface CaseFile {
  org: string;
  file: string;
}

function triage(dir: string): string {
  const r = spawnSync(
    process.execPath,
    [join(REPO, 'bin/vigil.js'), 'triage', dir, '--format', 'jsonl', '--quiet', '--no-progress'],
    { cwd: REPO, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
  if (r.status !== 0 && r.status !== 1) throw new Error(`vigil triage ${dir} failed: ${r.stderr}`);
  return r.stdout;
}

function hostileLogs(dir: string, attempts: number): void {
  const put = (rel: string, text: string) => {
    mkdirSync(dirname(join(dir, rel)), { recursive: true });
    writeFileSync(join(dir, rel), text);
  };
  const rows = [];
  for (let i = 0; i < attempts; i++) {
    const t = new Date(Date.UTC(2021, 2, 4, 2, 0, 0) + i * 97_000).toISOString();
    rows.push({
      DateTime: t,
      RequestId: `7a1c${String(i).padStart(4, '0')}-2f6f-4a40-8129-ff80098494a0`,
      MajorVersion: '15',
      MinorVersion: '2',
      BuildVersion: '721',
      RevisionVersion: '2',
      Protocol: 'Ecp',
      UrlHost: 'mail.harbour.example',
      UrlStem: i % 2 ? XSS.url : '/ecp/y.js',
      AuthenticationType: 'Anonymous',
      IsAuthenticated: 'false',
      AnchorMailbox: `ServerInfo~a]@mx02.harbour.example:444/autodiscover/autodiscover.xml?#`,
      UserAgent: i % 2 ? 'python-requests/2.25.1' : XSS.userAgent,
      ClientIpAddress: `198.51.100.${10 + (i % 7)}`,
      ServerHostName: 'MX02',
      HttpStatus: '200',
      BackEndStatus: '200',
      Method: 'POST',
      ProxyAction: 'Proxy',
      TargetServer: 'mx02.harbour.example',
      RoutingType: 'IntraForest',
      RoutingHint: 'X-BEResource-Cookie',
    });
  }
  put('Logging/HttpProxy/Ecp/HttpProxy_2021030402-1.LOG', httpProxyLog(rows, '2021-03-04T02:00:00.000Z'));
  put(
    'inetpub/logs/LogFiles/W3SVC1/u_ex210304.log',
    iisLog(
      [
        {
          date: '2021-03-04',
          time: '04:10:00',
          's-ip': '10.9.0.5',
          'cs-method': 'POST',
          'cs-uri-stem': '/aspnet_client/system_web/help.aspx',
          'cs-uri-query': '-',
          's-port': '443',
          'cs-username': '-',
          'c-ip': '198.51.100.10',
          'cs(User-Agent)': XSS.iisUserAgent,
          'cs(Referer)': '-',
          'sc-status': '200',
          'sc-substatus': '0',
          'sc-win32-status': '0',
          'time-taken': '31',
        },
      ],
      '2021-03-04 04:00:00',
    ),
  );
}

type Json = Record<string, unknown>;
const lines = (jsonl: string): Json[] =>
  jsonl
    .split('\n')
    .filter((l) => l.trim())
    .map((l) => JSON.parse(l) as Json);
const jsonl = (fs: Json[]) => fs.map((f) => `${JSON.stringify(f)}\n`).join('');

const BUILDS: Record<string, { build: string; verdict: string; fix: string }> = {
  vulnerable: {
    build: '15.1.2176.2',
    verdict: 'vulnerable',
    fix: 'Install the May 2021 security update (KB5003435) or later for Exchange 2016 CU19 (build 15.1.2176.14).',
  },
  patched: { build: '15.1.2176.14', verdict: 'patched', fix: '' },
};

/** An organisation whose one Exchange host got `verdict`, made from the example's findings. */
function generated(example: Json[], host: string, verdict: string, day: number): Json[] {
  const at = (h: number) => new Date(Date.UTC(2021, 2, day, h, 0, 0)).toISOString();
  const out: Json[] = [];
  const build = example.find((f) => f['rule'] === 'exchange.build');
  const verdictF = example.find((f) => f['rule'] === 'exchange.verdict');
  const probe = example.find(
    (f) => f['rule'] === 'exchange.proxylogon.ssrf' && (f['evidence'] as Json)['stage'] === 'probe',
  );
  const attempt = example.find(
    (f) => f['rule'] === 'exchange.proxylogon.ssrf' && (f['evidence'] as Json)['stage'] === 'attempt',
  );
  const b = verdict === 'clean' ? BUILDS['patched']! : BUILDS['vulnerable']!;
  if (build) {
    out.push({
      ...build,
      host,
      time: at(1),
      title: `${host} ran Exchange 2016 CU19 ${b.build}`,
      severity: b.verdict === 'patched' ? 'info' : 'medium',
      evidence: { ...(build['evidence'] as Json), build: b.build, verdict: b.verdict, fix: b.fix },
      ...(b.fix ? { remediation: b.fix } : { remediation: undefined }),
    });
  }
  if ((verdict === 'probed' || verdict === 'attempted') && probe) {
    out.push({ ...probe, host, time: at(3) });
  }
  if (verdict === 'attempted' && attempt) {
    out.push({ ...attempt, host, time: at(4) }, { ...attempt, host, time: at(5) });
  }
  if (verdictF) {
    const sev = { attempted: 'high', vulnerable: 'medium', probed: 'low', clean: 'info' }[verdict] ?? 'info';
    out.push({
      ...verdictF,
      host,
      time: at(6),
      severity: sev,
      title: `${host}: ${verdict.toUpperCase()}`,
      evidence: {
        ...(verdictF['evidence'] as Json),
        verdict,
        compromise: 0,
        attempts: verdict === 'attempted' ? 2 : 0,
        probes: verdict === 'probed' || verdict === 'attempted' ? 1 : 0,
        buildNow: b.build,
        buildNowVerdict: b.verdict,
        buildAtFirstActivity: b.build,
      },
      remediation: b.fix ? `Patch. Install now: ${b.fix}` : 'Nothing to install.',
    });
  }
  return out;
}

/** Writes one JSONL file per organisation into `dir`; returns them with their organisation. */
export function writeCaseFiles(dir: string, opts: { hostileAttempts?: number } = {}): CaseFile[] {
  mkdirSync(dir, { recursive: true });
  const example = triage(join(REPO, 'examples', 'incident'));
  const hostileDir = join(dir, 'hostile-evidence');
  hostileLogs(hostileDir, opts.hostileAttempts ?? 40);
  const hostile = triage(hostileDir);
  const ex = lines(example);
  const sunburstOnly = ex.filter((f) => String(f['rule']).startsWith('sunburst.'));
  const files: [string, string][] = [
    ['Eastside Credit Union', example],
    ['Harbour Authority', hostile],
    ['Nordby kommune', jsonl(generated(ex, 'MAIL01', 'attempted', 5))],
    ['Städtische Werke Lindau', jsonl(generated(ex, 'EXCH-A', 'vulnerable', 8))],
    ['Port & Rail / Ops', jsonl(generated(ex, 'EX-PR1', 'probed', 9))],
    ['Clearwater Clinic', jsonl(generated(ex, 'CWEX', 'clean', 12))],
    ['City of Kingston', jsonl(sunburstOnly)],
  ];
  return files.map(([org, text], i) => {
    const file = join(dir, `org-${i}.jsonl`);
    writeFileSync(file, text);
    return { org, file };
  });
}
