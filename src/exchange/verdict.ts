import { compareFindings, makeFinding, type Finding } from '../model/finding.ts';
import type { Severity } from '../model/severity.ts';
import { mapServers, serverKey, type ServerMap } from './servers.ts';

/**
 * One verdict per server from everything `exchange hunt` found: compromised (code was written or
 * run: a web shell file, a shell answering, a script planted through ECP, a file written by the
 * OAB generator, remote PowerShell through ProxyShell, an SSRF that opened an ECP session or
 * changed configuration), attempted (exploitation requests that show no success), probed (only
 * scanners), or clean. Context findings (staged files) never decide on their own; the builds seen
 * in the logs (and in an inventory) say whether the server was exposed when the first attack came,
 * what to install now, and make an unattacked but unpatched server `vulnerable`.
 */
export type ServerVerdict = 'compromised' | 'attempted' | 'vulnerable' | 'probed' | 'clean';

interface BuildSeen {
  build: string;
  first: string;
  last: string;
  verdict: string;
  cves: string[];
  fix: string;
  label: string;
  inventory: boolean;
}

function buildsOf(fs: readonly Finding[]): BuildSeen[] {
  return fs.map((f) => ({
    build: String(f.evidence['build']),
    first: String(f.evidence['firstSeen'] ?? ''),
    last: String(f.evidence['lastSeen'] ?? ''),
    verdict: String(f.evidence['verdict']),
    cves: [...f.cve],
    fix: String(f.evidence['fix'] ?? ''),
    label: `${String(f.evidence['product'] ?? 'Exchange')}${f.evidence['cu'] ? ` ${String(f.evidence['cu'])}` : ''} ${String(f.evidence['build'])}`,
    inventory: f.evidence['inventory'] === true,
  }));
}

/** The build running now: an inventory says so directly; otherwise the last one the logs show. */
function current(builds: readonly BuildSeen[]): BuildSeen | undefined {
  const inv = builds.filter((b) => b.inventory).sort((a, b) => (a.last < b.last ? 1 : -1))[0];
  return (
    inv ??
    [...builds]
      .filter((b) => !b.inventory)
      .sort((a, b) => (a.last < b.last ? 1 : a.last > b.last ? -1 : 0))[0]
  );
}

/** The build in effect at a time: the last one first seen before it (or the earliest, if the logs start later). */
function atTime(builds: readonly BuildSeen[], t: string): BuildSeen | undefined {
  const logged = builds.filter((b) => !b.inventory && b.first).sort((a, b) => (a.first < b.first ? -1 : 1));
  const before = logged.filter((b) => b.first <= t);
  return before[before.length - 1] ?? logged[0];
}

const exposed = (b: BuildSeen) => b.verdict === 'vulnerable' || b.verdict === 'likely_vulnerable';

const COMPROMISE = (f: Finding) =>
  (f.rule === 'exchange.proxylogon.ssrf' && f.evidence['stage'] === 'exploited') ||
  f.rule === 'exchange.cve-2021-27065' ||
  f.rule === 'exchange.cve-2021-26858' ||
  f.rule === 'exchange.webshell.chopper' ||
  (f.rule === 'exchange.proxyshell' && f.severity === 'critical') ||
  (f.rule === 'exchange.webshell-access' && (f.severity === 'critical' || f.severity === 'high')) ||
  (f.rule === 'intel.match' && f.severity === 'critical') ||
  (f.rule === 'yara.match' && f.severity === 'critical') ||
  (f.rule === 'exchange.cmdlet' && f.severity === 'critical') ||
  f.rule === 'exchange.webserver-file' ||
  (f.rule === 'exchange.webserver-child' && f.severity === 'critical');
const ATTEMPT = (f: Finding) =>
  (f.rule === 'exchange.proxylogon.ssrf' &&
    (f.evidence['stage'] === 'exploitation' || f.evidence['stage'] === 'attempt')) ||
  (f.rule === 'exchange.proxyshell' && f.severity === 'high') ||
  f.rule === 'exchange.cve-2021-26857' ||
  (f.rule === 'exchange.cmdlet' && f.severity === 'high') ||
  (f.rule === 'exchange.webserver-child' && f.severity === 'high');
const PROBE = (f: Finding) =>
  (f.rule === 'exchange.proxylogon.ssrf' && f.evidence['stage'] === 'probe') ||
  (f.rule === 'exchange.proxyshell' && f.evidence['stage'] === 'scan') ||
  (f.rule === 'exchange.webshell-access' && f.severity === 'medium');

export function serverVerdicts(
  findings: readonly Finding[],
  scope: string,
  roots: readonly string[] = [],
  map: ServerMap = mapServers(findings, scope, roots),
): Finding[] {
  const hosts = new Map<string, Finding[]>();
  const builds = new Map<string, Finding[]>();
  for (const f of findings) {
    if (f.rule === 'exchange.verdict') continue;
    const h = map.serverOf(f);
    if (f.rule === 'exchange.build') {
      builds.set(h, [...(builds.get(h) ?? []), f]);
      if (!hosts.has(h)) hosts.set(h, []);
      continue;
    }
    hosts.set(h, [...(hosts.get(h) ?? []), f]);
  }
  if (!hosts.size) hosts.set(scope, []);
  const out: Finding[] = [];
  for (const [host, fs] of hosts) {
    // Sorted, so the verdict points at the same (earliest) evidence however the scan was split.
    const c = fs.filter(COMPROMISE).sort(compareFindings);
    const a = fs.filter(ATTEMPT).sort(compareFindings);
    const p = fs.filter(PROBE).sort(compareFindings);
    const bs = buildsOf(builds.get(host) ?? []);
    const now = current(bs);
    const verdict: ServerVerdict = c.length
      ? 'compromised'
      : a.length
        ? 'attempted'
        : now && exposed(now)
          ? 'vulnerable'
          : p.length
            ? 'probed'
            : 'clean';
    const first = (c.length ? c : a)
      .map((f) => f.time)
      .filter((t): t is string => !!t)
      .sort()[0];
    const firstAttempt = [...c, ...a, ...p]
      .map((f) => f.time)
      .filter((t): t is string => !!t)
      .sort()[0];
    const then = firstAttempt ? atTime(bs, firstAttempt) : undefined;
    const severity: Severity =
      verdict === 'compromised'
        ? 'critical'
        : verdict === 'attempted'
          ? 'high'
          : verdict === 'vulnerable'
            ? 'medium'
            : verdict === 'probed'
              ? 'low'
              : 'info';
    const patch = now
      ? exposed(now)
        ? ` Install now: ${now.fix}`
        : now.verdict === 'patched'
          ? ` It now runs ${now.label}, which has the ProxyLogon and ProxyShell fixes.`
          : ` Its build (${now.build}) could not be judged: ${now.fix}`
      : " No build was found in what was collected: read it on the server (Get-ExchangeServer | fl Name,AdminDisplayVersion, or ExSetup.exe's file version) and judge it with vigil exchange probe.";
    const atAttack =
      then && firstAttempt
        ? `; the first attack (${firstAttempt.slice(0, 16)}) met build ${then.build}, ${exposed(then) ? 'unpatched' : then.verdict === 'patched' ? 'already patched' : 'patch level unknown'}`
        : '';
    const ips = [...new Set([...c, ...a].map((f) => String(f.evidence['clientIp'] ?? '')).filter(Boolean))];
    out.push(
      makeFinding({
        rule: 'exchange.verdict',
        title:
          (verdict === 'compromised'
            ? `${host}: COMPROMISED — ${c.length} findings show code written or run${first ? `, first at ${first.slice(0, 19)}Z` : ''}`
            : verdict === 'attempted'
              ? `${host}: exploitation attempted (${a.length} requests), no sign of success`
              : verdict === 'vulnerable'
                ? `${host}: VULNERABLE — runs ${now!.label} (${now!.cves.join(', ')}), no sign of exploitation${p.length ? ` (probed ${p.length} times)` : ''}`
                : verdict === 'probed'
                  ? `${host}: probed by scanners only (${p.length})`
                  : `${host}: no evidence of exploitation in what was collected`) + atAttack,
        severity,
        cve: [...new Set([...c, ...a].flatMap((f) => f.cve))],
        attack: [...new Set([...c, ...a].flatMap((f) => f.attack))],
        ...(first ? { time: first } : {}),
        host,
        source: (c[0] ?? a[0] ?? p[0])?.source ?? { path: scope },
        evidence: {
          verdict,
          compromise: c.length,
          attempts: a.length,
          probes: p.length,
          attackerIps: ips,
          rules: [...new Set(c.map((f) => f.rule))],
          names: [...(map.names.get(serverKey(host)) ?? [host])].sort(),
          ...(firstAttempt ? { firstActivity: firstAttempt } : {}),
          ...(now
            ? {
                buildNow: now.build,
                buildNowVerdict: now.verdict,
                buildNowFrom: now.inventory ? 'inventory' : 'logs',
              }
            : {}),
          ...(then ? { buildAtFirstActivity: then.build, exposedAtFirstActivity: exposed(then) } : {}),
        },
        remediation:
          (verdict === 'compromised'
            ? 'Treat the server as compromised: isolate it, preserve evidence, remove every web shell found, reset credentials used on it, patch, and check mailboxes for exports. Patching alone does not undo this.'
            : verdict === 'attempted'
              ? 'Confirm no attempt succeeded: look for web shells in the collected web folders and for the files and processes of the attempt times.'
              : verdict === 'vulnerable'
                ? 'Patch before it is found: the attacks of 2021 are still scanned for daily.'
                : 'Keep the security updates current.') + patch,
      }),
    );
  }
  return out;
}

/** File kinds that are Exchange evidence of their own (a clean server's logs still deserve a verdict). */
const EXCHANGE_KINDS = ['exchange.httpproxy', 'exchange.ecp', 'exchange.oab', 'exchange.inventory'] as const;

/**
 * The verdicts `vigil triage` adds when a collection holds Exchange evidence: the same as
 * `exchange hunt` gives, from the findings hunt would have made (not the DNS or mail ones), for
 * every server with Exchange logs, an inventory or an Exchange finding — clean ones included.
 */
export function triageServerVerdicts(
  findings: readonly Finding[],
  roots: readonly string[],
  kinds: Partial<Record<string, number>>,
): Finding[] {
  const exchange =
    EXCHANGE_KINDS.some((k) => (kinds[k] ?? 0) > 0) || findings.some((f) => f.rule.startsWith('exchange.'));
  if (!exchange) return [];
  const huntable = findings.filter(
    (f) =>
      (f.rule.startsWith('exchange.') ||
        f.rule === 'yara.match' ||
        f.rule === 'intel.match' ||
        f.rule.startsWith('orion.') ||
        f.rule.startsWith('sigma.')) &&
      f.evidence['qname'] === undefined &&
      f.evidence['messageId'] === undefined,
  );
  return serverVerdicts(huntable, roots.join(', '), roots);
}
