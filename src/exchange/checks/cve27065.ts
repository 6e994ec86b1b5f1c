import { defineDetector } from '../../model/detector.ts';
import { makeFinding } from '../../model/finding.ts';

/**
 * CVE-2021-27065 in the ECP Server log: a virtual directory's URL set to server-side script (the
 * HAFNIUM China Chopper in `Set-OabVirtualDirectory -ExternalUrl`), and the `Reset-…VirtualDirectory`
 * export that writes it to a web folder. Ordinary virtual-directory changes are reported as context
 * only: administrators make them too, and Test-ProxyLogon's "any Set-*VirtualDirectory" rule
 * turns every one of them into an alarm.
 */
const CMD = /S:CMD=(Set|Reset|New|Remove)-(\w*)VirtualDirectory((?:[^;]|;(?!S:))*)/i;
const SCRIPT = /<script[^]{0,2000}?<\/script>|<%[^]{0,2000}?%>/i;
const SCRIPTY = /<script|runat\s*=|Page_Load|eval\s*\(\s*Request|<%/i;

/** ECP quoting: the CSV field is double-quoted with "" inside, parameter values single-quoted with '' inside. */
function unquote(s: string): string {
  return s.replace(/""/g, '"').replace(/''/g, "'");
}

export const cve27065Detector = defineDetector({
  id: 'exchange.cve-2021-27065',
  description:
    'CVE-2021-27065 in ECP Server logs: script planted in a virtual directory URL and exported to a web path (Set-/Reset-*VirtualDirectory)',
  kinds: ['exchange.ecp'],
  rules: [
    {
      id: 'exchange.cve-2021-27065',
      title: 'CVE-2021-27065: web shell written through a virtual directory (ECP)',
    },
    { id: 'exchange.vdir-change', title: 'Virtual directory changed through ECP (context)' },
  ],
  lineFilter: /VirtualDirectory/i,
  create() {
    return {
      onRecord(rec, emit) {
        const line = unquote(rec.line);
        const m = CMD.exec(line);
        if (!m) return;
        const [, verb, vdir, params] = m as unknown as [string, string, string, string];
        const cmdlet = `${verb}-${vdir}VirtualDirectory`;
        const identity = /\.Identity='([^']*)'/.exec(params)?.[1] ?? '';
        const host = rec.fields['ServerName'] || undefined;
        const base = { cmdlet, identity, line: rec.line.slice(0, 1000) };
        const time = rec.time;
        if (verb.toLowerCase() === 'set' && SCRIPTY.test(params)) {
          const param = /\.(\w+)='[^']*(?:<script|runat|Page_Load|<%)/i.exec(params)?.[1] ?? '';
          emit(
            makeFinding({
              rule: 'exchange.cve-2021-27065',
              title: `CVE-2021-27065: server-side script written into the ${vdir || ''} virtual directory's ${param || 'URL'}`,
              severity: 'critical',
              cve: ['CVE-2021-27065'],
              attack: ['T1190', 'T1505.003'],
              ...(time ? { time } : {}),
              ...(host ? { host } : {}),
              source: rec.source,
              evidence: { ...base, parameter: param, code: SCRIPT.exec(params)?.[0] ?? params.slice(0, 500) },
              remediation:
                'Find the file the virtual directory was exported to (Reset-…VirtualDirectory, or new .aspx files under inetpub/wwwroot/aspnet_client and FrontEnd/HttpProxy) and remove it; restore the virtual directory URLs; install the March 2021 security update or later.',
            }),
          );
          return;
        }
        if (verb.toLowerCase() === 'reset') {
          const path = /FilePathName='([^']*)'/i.exec(params)?.[1] ?? '';
          const web =
            /\.(aspx|ashx|asmx|asp)$/i.test(path) || /aspnet_client|inetpub|FrontEnd\\HttpProxy/i.test(path);
          emit(
            makeFinding({
              rule: web ? 'exchange.cve-2021-27065' : 'exchange.vdir-change',
              title: web
                ? `CVE-2021-27065: ${cmdlet} exported the configuration to a web path (${path})`
                : `${cmdlet} (configuration export)`,
              severity: web ? 'critical' : 'low',
              cve: web ? ['CVE-2021-27065'] : [],
              attack: web ? ['T1505.003'] : [],
              ...(time ? { time } : {}),
              ...(host ? { host } : {}),
              source: rec.source,
              evidence: { ...base, path },
              ...(web
                ? {
                    remediation: `Remove ${path} (a web shell carrying the planted script); then look for its use in the IIS logs.`,
                  }
                : {}),
            }),
          );
          return;
        }
        emit(
          makeFinding({
            rule: 'exchange.vdir-change',
            title: `${cmdlet} through ECP${identity ? ` (${identity})` : ''}`,
            severity: verb.toLowerCase() === 'set' ? 'info' : 'low',
            cve: [],
            attack: [],
            ...(time ? { time } : {}),
            ...(host ? { host } : {}),
            source: rec.source,
            evidence: { ...base, parameters: params.slice(0, 500) },
          }),
        );
      },
    };
  },
});
