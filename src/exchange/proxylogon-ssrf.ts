import { defineDetector } from '../model/detector.ts';
import { makeFinding } from '../model/finding.ts';
import type { Severity } from '../model/severity.ts';

/**
 * CVE-2021-26855 (ProxyLogon SSRF) in HttpProxy logs, after Microsoft's Test-ProxyLogon with the
 * gaps it left closed: the BackEndCookie form the HAFNIUM blog gave is checked too, and the hits
 * Test-ProxyLogon drops are graded instead of hidden:
 *   probe        ServerInfo~localhost/… — the nmap/Metasploit vulnerability check
 *   attempt      only autodiscover reached — the attacker had no valid mailbox (Microsoft's reading)
 *   exploitation any other back-end path reached through the SSRF
 *   exploited    the ECP session (proxyLogon.ecp answered 241) or a DDIService SetObject went through
 */
type Stage = 'probe' | 'attempt' | 'exploitation' | 'exploited';

const ANCHOR = /^serverinfo~[^]*\/[^]*$/i;
const ANCHOR_AUTODISCOVER = /^serverinfo~[^]*\/autodiscover/i;
const ANCHOR_LOCALHOST = /^serverinfo~localhost[^]*\//i;
// `server~…/…~…` without a regex: as `/^server~[^]*\/[^]*~[^]*$/` V8 is quadratic in a cookie of slashes.
const COOKIE = {
  test(v: string): boolean {
    if (v.length < 7 || v.slice(0, 7).toLowerCase() !== 'server~') return false;
    const slash = v.indexOf('/', 7);
    return slash >= 0 && v.indexOf('~', slash + 1) >= 0;
  },
};
const PREFILTER = /server(?:info)?~/i;

const GRADE: Record<Stage, { severity: Severity; title: string }> = {
  probe: {
    severity: 'low',
    title: 'CVE-2021-26855 vulnerability probe (scanner check via ServerInfo~localhost)',
  },
  attempt: { severity: 'medium', title: 'CVE-2021-26855 SSRF attempt reached only autodiscover' },
  exploitation: { severity: 'high', title: 'CVE-2021-26855 SSRF request reached the back end' },
  exploited: {
    severity: 'critical',
    title: 'CVE-2021-26855 SSRF exploited: ECP session or configuration change through the back end',
  },
};

export function classifySsrf(anchorMailbox: string, backEndCookie: string, httpStatus: string): Stage | null {
  const viaAnchor = ANCHOR.test(anchorMailbox);
  const viaCookie = COOKIE.test(backEndCookie);
  if (!viaAnchor && !viaCookie) return null;
  const target = viaAnchor ? anchorMailbox : backEndCookie;
  if (viaAnchor && ANCHOR_LOCALHOST.test(anchorMailbox)) return 'probe';
  if (/\/ecp\/proxylogon\.ecp/i.test(target) && httpStatus === '241') return 'exploited';
  if (/DDIService\.svc\/SetObject/i.test(target)) return 'exploited';
  if (viaAnchor && ANCHOR_AUTODISCOVER.test(anchorMailbox)) return 'attempt';
  return 'exploitation';
}

export const proxyLogonSsrfDetector = defineDetector({
  id: 'exchange.proxylogon.ssrf',
  description:
    'CVE-2021-26855 SSRF in Exchange HttpProxy logs (AnchorMailbox ServerInfo~ and BackEndCookie Server~), graded probe / attempt / exploitation / exploited',
  kinds: ['exchange.httpproxy'],
  rules: [{ id: 'exchange.proxylogon.ssrf', title: 'CVE-2021-26855 SSRF (ProxyLogon)' }],
  lineFilter: PREFILTER,
  create() {
    return {
      onRecord(rec, emit) {
        // Pre-filter on the raw line, as Test-ProxyLogon does with Select-String: most lines
        // never get split into fields.
        if (!PREFILTER.test(rec.line)) return;
        const f = rec.fields;
        const anchor = f['AnchorMailbox'] ?? '';
        const cookie = f['BackEndCookie'] ?? '';
        const stage = classifySsrf(anchor, cookie, f['HttpStatus'] ?? '');
        if (!stage) return;
        const g = GRADE[stage];
        const host = f['ServerHostName'];
        emit(
          makeFinding({
            rule: 'exchange.proxylogon.ssrf',
            title: g.title,
            severity: g.severity,
            cve: ['CVE-2021-26855'],
            attack: ['T1190'],
            ...(rec.time ? { time: rec.time } : {}),
            ...(host ? { host } : {}),
            source: rec.source,
            evidence: {
              stage,
              clientIp: f['ClientIpAddress'] ?? '',
              url: f['UrlStem'] ?? '',
              anchorMailbox: anchor,
              ...(cookie ? { backEndCookie: cookie } : {}),
              httpStatus: f['HttpStatus'] ?? '',
              userAgent: f['UserAgent'] ?? '',
              authenticatedUser: f['AuthenticatedUser'] ?? '',
              routingHint: f['RoutingHint'] ?? '',
            },
            remediation:
              stage === 'probe'
                ? 'Confirm the server has the March 2021 security update (KB5000871) or later; a probe alone is not a compromise.'
                : 'Install the March 2021 security update or later, then hunt for CVE-2021-27065 / CVE-2021-26858 file writes and web shells from this client IP; patching does not remove a web shell.',
          }),
        );
      },
    };
  },
});
