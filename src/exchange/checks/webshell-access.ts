import { defineDetector } from '../../model/detector.ts';
import { makeFinding } from '../../model/finding.ts';
import type { Severity } from '../../model/severity.ts';
import { webRequest } from './web-request.ts';

/**
 * Web-shell use in IIS and HttpProxy logs: requests for server pages where Exchange ships none
 * (anything under /aspnet_client/, /owa/auth/ pages other than the stock ones, /ecp/auth/ other
 * than TimeoutLogoff.aspx), and POSTs to static resources (the HAFNIUM pattern). Successful
 * answers mean a shell is there and used; 302/404 mean someone is probing for one.
 */
const STOCK_OWA_AUTH = new Set([
  'logon.aspx',
  'logoff.aspx',
  'errorfe.aspx',
  'expiredpassword.aspx',
  'frowny.aspx',
  'outlookcn.aspx',
  'redirsuiteserviceproxy.aspx',
  'signout.aspx',
  'getidtoken.htm',
  'timeoutlogout.aspx',
  'owaauth.dll',
]);
const PAGE = /\.(aspx|ashx|asmx|asp|php|jsp)$/i;
const STATIC_POST =
  /^\/(?:owa\/auth\/Current\/themes\/resources\/|ecp\/).+\.(?:css|gif|js|ttf|eot|flt|png|svg)$/i;

export function shellLocation(stem: string): string | null {
  const s = stem.toLowerCase();
  if (!PAGE.test(s)) return null;
  if (s.startsWith('/aspnet_client/')) return 'aspnet_client';
  const owa = /^\/owa\/auth\/(?:current\/|[\d.]+\/)?(?:themes\/|scripts\/)?([^/]+)$/.exec(s);
  if (owa && !STOCK_OWA_AUTH.has(owa[1]!)) return 'owa/auth';
  if (/^\/owa\/auth\/.+\//.test(s) && !STOCK_OWA_AUTH.has(s.split('/').pop()!)) return 'owa/auth';
  const ecp = /^\/ecp\/auth\/([^/]+)$/.exec(s);
  if (ecp && ecp[1] !== 'timeoutlogoff.aspx') return 'ecp/auth';
  if (/^\/oab\/[^/]+\.aspx$/.test(s)) return 'oab';
  return null;
}

export const webShellAccessDetector = defineDetector({
  id: 'exchange.webshell-access',
  description:
    'Requests for server pages in Exchange web folders that ship none (aspnet_client, owa/auth, ecp/auth, OAB) and POSTs to static resources: web shells used or probed',
  kinds: ['iis.w3c', 'exchange.httpproxy'],
  rules: [{ id: 'exchange.webshell-access', title: 'Web shell request in an Exchange web folder' }],
  lineFilter: /aspnet_client|\/owa\/auth\/|\/ecp\/|\/oab\//i,
  create() {
    return {
      onRecord(rec, emit) {
        const r = webRequest(rec);
        if (!r || !r.stem) return;
        const where = shellLocation(r.stem);
        // In HttpProxy logs these POSTs are the SSRF requests themselves, graded by the SSRF check.
        const staticPost =
          rec.kind === 'iis.w3c' &&
          r.method.toUpperCase() === 'POST' &&
          STATIC_POST.test(r.stem) &&
          /^2\d\d$/.test(r.status);
        if (!where && !staticPost) return;
        const ok = /^2\d\d$/.test(r.status);
        const severity: Severity = staticPost
          ? 'high'
          : ok
            ? r.method.toUpperCase() === 'POST'
              ? 'critical'
              : 'high'
            : 'medium';
        const name = r.stem.split('/').pop() ?? r.stem;
        emit(
          makeFinding({
            rule: 'exchange.webshell-access',
            title: staticPost
              ? `POST to static resource ${r.stem} answered ${r.status}: web shell or exploit traffic`
              : ok
                ? `Web shell ${name} in ${where} answered ${r.status} to ${r.method}`
                : `Probe for a web shell ${name} in ${where} (${r.status})`,
            severity,
            cve: [],
            attack: ['T1505.003'],
            ...(rec.time ? { time: rec.time } : {}),
            ...(r.host ? { host: r.host } : {}),
            source: rec.source,
            evidence: {
              url: r.stem,
              query: r.query.slice(0, 500),
              method: r.method,
              status: r.status,
              clientIp: r.clientIp,
              userAgent: r.userAgent,
              location: where ?? 'static resource',
            },
            remediation: ok
              ? `Preserve and remove the file behind ${r.stem}; block ${r.clientIp}; find how it was written (CVE-2021-27065, CVE-2021-26858, ProxyShell).`
              : 'No page answered: someone is looking for shells left by others. Check that none exists.',
          }),
        );
      },
    };
  },
});
