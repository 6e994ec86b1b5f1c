import { compareFindings, makeFinding, type Finding } from '../model/finding.ts';
import type { Severity } from '../model/severity.ts';

/**
 * One verdict per server from everything `exchange hunt` found: compromised (code was written or
 * run: a web shell file, a shell answering, a script planted through ECP, a file written by the
 * OAB generator, remote PowerShell through ProxyShell, an SSRF that opened an ECP session or
 * changed configuration), attempted (exploitation requests that show no success), probed (only
 * scanners), or no evidence. Context findings (staged files, builds) never decide on their own.
 */
export type ServerVerdict = 'compromised' | 'attempted' | 'probed' | 'no_evidence';

const COMPROMISE = (f: Finding) =>
  (f.rule === 'exchange.proxylogon.ssrf' && f.evidence['stage'] === 'exploited')
  || f.rule === 'exchange.cve-2021-27065' || f.rule === 'exchange.cve-2021-26858' || f.rule === 'exchange.webshell.chopper'
  || (f.rule === 'exchange.proxyshell' && f.severity === 'critical')
  || (f.rule === 'exchange.webshell-access' && (f.severity === 'critical' || f.severity === 'high'))
  || (f.rule === 'intel.match' && f.severity === 'critical')
  || (f.rule === 'yara.match' && f.severity === 'critical')
  || (f.rule === 'exchange.cmdlet' && f.severity === 'critical')
  || f.rule === 'exchange.webserver-file' || (f.rule === 'exchange.webserver-child' && f.severity === 'critical');
const ATTEMPT = (f: Finding) =>
  (f.rule === 'exchange.proxylogon.ssrf' && (f.evidence['stage'] === 'exploitation' || f.evidence['stage'] === 'attempt'))
  || (f.rule === 'exchange.proxyshell' && f.severity === 'high')
  || f.rule === 'exchange.cve-2021-26857' || (f.rule === 'exchange.cmdlet' && f.severity === 'high')
  || (f.rule === 'exchange.webserver-child' && f.severity === 'high');
const PROBE = (f: Finding) =>
  (f.rule === 'exchange.proxylogon.ssrf' && f.evidence['stage'] === 'probe') || (f.rule === 'exchange.proxyshell' && f.evidence['stage'] === 'scan')
  || (f.rule === 'exchange.webshell-access' && f.severity === 'medium');

export function serverVerdicts(findings: readonly Finding[], scope: string): Finding[] {
  const hosts = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.rule === 'exchange.build' || f.rule === 'exchange.verdict') continue;
    const h = f.host ?? scope;
    hosts.set(h, [...(hosts.get(h) ?? []), f]);
  }
  // Logs without a server name (IIS, files) belong to the one server the collection names, if one.
  const named = [...hosts.keys()].filter((h) => h !== scope);
  if (named.length === 1 && hosts.has(scope)) {
    hosts.set(named[0]!, [...hosts.get(named[0]!)!, ...hosts.get(scope)!]);
    hosts.delete(scope);
  }
  if (!hosts.size) hosts.set(scope, []);
  const out: Finding[] = [];
  for (const [host, fs] of hosts) {
    // Sorted, so the verdict points at the same (earliest) evidence however the scan was split.
    const c = fs.filter(COMPROMISE).sort(compareFindings);
    const a = fs.filter(ATTEMPT).sort(compareFindings);
    const p = fs.filter(PROBE).sort(compareFindings);
    const verdict: ServerVerdict = c.length ? 'compromised' : a.length ? 'attempted' : p.length ? 'probed' : 'no_evidence';
    const first = (c.length ? c : a).map((f) => f.time).filter((t): t is string => !!t).sort()[0];
    const firstAttempt = [...c, ...a, ...p].map((f) => f.time).filter((t): t is string => !!t).sort()[0];
    const severity: Severity = verdict === 'compromised' ? 'critical' : verdict === 'attempted' ? 'high' : verdict === 'probed' ? 'low' : 'info';
    const ips = [...new Set([...c, ...a].map((f) => String(f.evidence['clientIp'] ?? '')).filter(Boolean))];
    out.push(makeFinding({
      rule: 'exchange.verdict',
      title: verdict === 'compromised' ? `${host}: COMPROMISED — ${c.length} findings show code written or run${first ? `, first at ${first.slice(0, 19)}Z` : ''}`
        : verdict === 'attempted' ? `${host}: exploitation attempted (${a.length} requests), no sign of success` : verdict === 'probed' ? `${host}: probed by scanners only (${p.length})` : `${host}: no evidence of exploitation in what was collected`,
      severity, cve: [...new Set([...c, ...a].flatMap((f) => f.cve))], attack: [...new Set([...c, ...a].flatMap((f) => f.attack))],
      ...(first ? { time: first } : {}), host, source: (c[0] ?? a[0] ?? p[0])?.source ?? { path: scope },
      evidence: { verdict, compromise: c.length, attempts: a.length, probes: p.length, attackerIps: ips, rules: [...new Set(c.map((f) => f.rule))], ...(firstAttempt ? { firstActivity: firstAttempt } : {}) },
      remediation: verdict === 'compromised' ? 'Treat the server as compromised: isolate it, preserve evidence, remove every web shell found, reset credentials used on it, patch, and check mailboxes for exports. Patching alone does not undo this.'
        : verdict === 'attempted' ? 'Confirm the server was patched before the first attempt (see exchange.build); look for web shells in the collected web folders.' : 'Keep the security updates current.',
    }));
  }
  return out;
}
