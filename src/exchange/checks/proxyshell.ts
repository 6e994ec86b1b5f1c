import { defineDetector } from '../../model/detector.ts';
import { makeFinding } from '../../model/finding.ts';
import type { Severity } from '../../model/severity.ts';
import { webRequest } from './web-request.ts';

/**
 * ProxyShell (CVE-2021-34473 path confusion, CVE-2021-34523 PowerShell elevation) in IIS and
 * HttpProxy logs: requests to `autodiscover.json` that carry `@` and a back-end path. Graded:
 * the scanners' check (`Email=autodiscover/autodiscover.json%3F@…` against /owa/ or /mapi/nspi/),
 * an attempt against another back end, and remote PowerShell reached (`/powershell` with
 * `X-Rps-CAT`, the step that runs New-MailboxExportRequest and friends).
 */
// `autodiscover.json` followed somewhere by `@` (a literal search, not `/autodiscover\.json[^]*?@/`,
// which V8 retries from every repetition of the name in a URL without `@`).
const PATH = {
  test(v: string): boolean {
    const at = v.search(/autodiscover\.json/i);
    return at >= 0 && v.indexOf('@', at + 17) >= 0;
  },
};

/** The path after the `@` of the Email parameter: from the first `/` that comes before any `?`. */
function targetPath(v: string): string {
  for (let at = v.indexOf('@'); at >= 0;) {
    let j = at + 1;
    while (j < v.length && v[j] !== '/' && v[j] !== '?') j++;
    if (v[j] === '/') {
      let k = j;
      while (k < v.length && v[k] !== '?' && v[k] !== '&') k++;
      return v.slice(j, k);
    }
    at = v.indexOf('@', j); // every `@` before j reaches the same `?` (or the end)
  }
  return '';
}

export const proxyShellDetector = defineDetector({
  id: 'exchange.proxyshell',
  description:
    'ProxyShell (CVE-2021-34473 / CVE-2021-34523) requests in IIS and HttpProxy logs: autodiscover.json path confusion, graded scan / attempt / remote PowerShell',
  kinds: ['iis.w3c', 'exchange.httpproxy'],
  rules: [{ id: 'exchange.proxyshell', title: 'ProxyShell request (CVE-2021-34473 / CVE-2021-34523)' }],
  lineFilter: /autodiscover\.json/i,
  create() {
    return {
      onRecord(rec, emit) {
        const r = webRequest(rec);
        if (!r) return;
        const url = r.query ? `${r.stem}?${r.query.replace(/^\?/, '')}` : r.stem;
        const decoded = safeDecode(url);
        if (!PATH.test(decoded)) return;
        const ok = /^2\d\d$/.test(r.status);
        let stage: 'scan' | 'attempt' | 'powershell';
        if (/\/powershell/i.test(decoded)) stage = 'powershell';
        else if (
          /Email=autodiscover\/autodiscover\.json\?@/i.test(decoded) &&
          /\/(owa|mapi\/nspi)\//i.test(decoded)
        )
          stage = 'scan';
        else stage = 'attempt';
        const severity: Severity =
          stage === 'powershell'
            ? ok || /X-Rps-CAT/i.test(decoded)
              ? 'critical'
              : 'high'
            : stage === 'attempt'
              ? 'high'
              : 'medium';
        const target = targetPath(decoded);
        emit(
          makeFinding({
            rule: 'exchange.proxyshell',
            title:
              stage === 'powershell'
                ? `ProxyShell: remote PowerShell reached through autodiscover.json (${r.status || '?'})`
                : stage === 'attempt'
                  ? `ProxyShell: back end ${target} reached through autodiscover.json (${r.status || '?'})`
                  : `ProxyShell vulnerability scan (${r.status || '?'})`,
            severity,
            cve: stage === 'powershell' ? ['CVE-2021-34473', 'CVE-2021-34523'] : ['CVE-2021-34473'],
            attack: ['T1190'],
            ...(rec.time ? { time: rec.time } : {}),
            ...(r.host ? { host: r.host } : {}),
            source: rec.source,
            evidence: {
              stage,
              clientIp: r.clientIp,
              method: r.method,
              url: url.slice(0, 2000),
              status: r.status,
              userAgent: r.userAgent,
              backend: target,
              ...(/X-Rps-CAT=([^&]{0,400})/i.exec(decoded)
                ? { rpsCat: /X-Rps-CAT=([^&]{0,400})/i.exec(decoded)![1]! }
                : {}),
            },
            remediation:
              stage === 'scan'
                ? 'Check the build: a server without the May 2021 security update (KB5003435) answered a ProxyShell scan.'
                : 'Install the May 2021 security update or later; look in the MSExchange Management log for New-MailboxExportRequest / New-ManagementRoleAssignment and for .aspx files written by mailbox exports (PST magic bytes) in web folders.',
          }),
        );
      },
    };
  },
});

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    return s;
  }
}
