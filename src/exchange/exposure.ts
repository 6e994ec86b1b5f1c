import { makeFinding, type Finding } from '../model/finding.ts';
import type { Severity } from '../model/severity.ts';
import type { ProbeResult } from './probe.ts';

/** One `exchange.exposure` finding per probed target (the output contract of `exchange probe`). */
const TITLE: Record<ProbeResult['verdict'], string> = {
  vulnerable: 'Exchange server exposed to ProxyLogon/ProxyShell',
  likely_vulnerable: 'Exchange server probably exposed (CU level only, security update level unknown)',
  patched: 'Exchange server has the ProxyLogon and ProxyShell fixes',
  not_exchange: 'Not an Exchange server (no OWA, no Exchange build)',
  unreachable: 'Target unreachable',
};

export function exposureFinding(r: ProbeResult): Finding {
  const confirmed = r.active?.proxyLogon === 'vulnerable' || r.active?.proxyShell === 'vulnerable';
  const severity: Severity =
    r.verdict === 'vulnerable'
      ? confirmed
        ? 'critical'
        : 'high'
      : r.verdict === 'likely_vulnerable'
        ? 'medium'
        : 'info';
  const a = r.assessment;
  const cves = r.verdict === 'vulnerable' || r.verdict === 'likely_vulnerable' ? [...(a?.cves ?? [])] : [];
  if (confirmed && r.active?.proxyLogon === 'vulnerable' && !cves.includes('CVE-2021-26855'))
    cves.unshift('CVE-2021-26855');
  if (confirmed && r.active?.proxyShell === 'vulnerable' && !cves.includes('CVE-2021-34473'))
    cves.push('CVE-2021-34473');
  const fix =
    r.verdict === 'unreachable'
      ? ''
      : r.verdict === 'not_exchange'
        ? ''
        : (a?.fix ??
          'Read the build on the server (Get-ExchangeServer | fl AdminDisplayVersion) and compare with the fixed builds.');
  return makeFinding({
    rule: 'exchange.exposure',
    title: `${TITLE[r.verdict]}${a?.product && a.product !== 'unknown' ? `: ${a.product}${a.cu ? ` ${a.cu}` : ''}` : ''}${r.build ? ` (${r.build})` : ''} — ${r.target}`,
    severity,
    cve: cves,
    attack: r.verdict === 'vulnerable' || r.verdict === 'likely_vulnerable' ? ['T1190'] : [],
    time: new Date().toISOString(),
    host: r.target,
    source: { path: r.url },
    evidence: {
      target: r.target,
      url: r.url,
      verdict: r.verdict,
      ...(r.build
        ? { build: r.build, buildSource: r.buildSource ?? '', exact: r.exact ?? false }
        : { exact: false }),
      fix,
      ...(a ? { product: a.product, cu: a.cu ?? '', reason: a.reason } : {}),
      ...(r.cert ? { cert: { ...r.cert } } : {}),
      ...(r.active ? { active: { ...r.active } } : {}),
      ...(r.error ? { error: r.error } : {}),
      requests: r.requests,
      ms: r.ms,
    },
    ...(fix ? { remediation: fix } : {}),
  });
}

const CSV_COLUMNS = [
  'target',
  'verdict',
  'build',
  'buildSource',
  'exact',
  'product',
  'cu',
  'cves',
  'fix',
  'certSubject',
  'certIssuer',
  'certValidTo',
  'activeProxyLogon',
  'activeProxyShell',
  'error',
];

export function csvHeader(): string {
  return `${CSV_COLUMNS.join(',')}\n`;
}

export function csvRow(f: Finding): string {
  const e = f.evidence as Record<string, unknown>;
  const cert = (e['cert'] ?? {}) as Record<string, string>;
  const active = (e['active'] ?? {}) as Record<string, string>;
  const vals = [
    e['target'],
    e['verdict'],
    e['build'] ?? '',
    e['buildSource'] ?? '',
    e['exact'],
    e['product'] ?? '',
    e['cu'] ?? '',
    f.cve.join(' '),
    e['fix'] ?? '',
    cert['subject'] ?? '',
    cert['issuer'] ?? '',
    cert['validTo'] ?? '',
    active['proxyLogon'] ?? '',
    active['proxyShell'] ?? '',
    e['error'] ?? '',
  ];
  return `${vals
    .map((v) => {
      const s = String(v ?? '');
      return /[",\n\r]/.test(s) || /^[=+\-@]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
    })
    .join(',')}\n`;
}
