import { defineDetector } from '../../model/detector.ts';
import { makeFinding } from '../../model/finding.ts';
import type { WinEvent } from '../../model/records.ts';

/**
 * Exchange evidence in Windows event exports: CVE-2021-26857 (Unified Messaging error events with
 * System.InvalidCastException, Test-ProxyLogon's check) and, in the MSExchange Management log
 * (MSExchange CmdletLogs), the ProxyShell / HAFNIUM post-exploitation cmdlets: mailbox exports to
 * web folders, the Mailbox Import Export role granted, virtual directories given script.
 */
const WEB_PATH = /\\(inetpub|aspnet_client|FrontEnd\\HttpProxy|ClientAccess)\\|\.aspx?\b|\.ashx\b/i;

const PROXYSHELL_CALLER = /Remote-PowerShell-Unknown|NT AUTHORITY\\SYSTEM/i;

function allText(e: WinEvent): string {
  return [e.message ?? '', ...Object.values(e.data)].join('\n');
}

export const eventsDetector = defineDetector({
  id: 'exchange.events',
  description:
    'Exchange evidence in Windows event exports: CVE-2021-26857 UM InvalidCastException events; ProxyShell/HAFNIUM cmdlets in the MSExchange Management log',
  kinds: ['winevent'],
  rules: [
    { id: 'exchange.cve-2021-26857', title: 'CVE-2021-26857: Unified Messaging deserialisation error event' },
    {
      id: 'exchange.cmdlet',
      title: 'Exchange cmdlet used in ProxyShell / HAFNIUM post-exploitation (MSExchange Management log)',
    },
  ],
  create() {
    return {
      onRecord(e, emit) {
        const host = e.computer;
        const base = { ...(e.time ? { time: e.time } : {}), ...(host ? { host } : {}), source: e.source };
        if (
          /MSExchange Unified Messaging/i.test(e.provider) &&
          (e.level === undefined || e.level === 2) &&
          /System\.InvalidCastException/.test(allText(e))
        ) {
          emit(
            makeFinding({
              rule: 'exchange.cve-2021-26857',
              title:
                'CVE-2021-26857: Unified Messaging error with System.InvalidCastException (deserialisation exploit attempt)',
              severity: 'high',
              cve: ['CVE-2021-26857'],
              attack: ['T1190'],
              ...base,
              evidence: {
                provider: e.provider,
                eventId: e.eventId,
                message: (e.message ?? allText(e)).slice(0, 1500),
              },
              remediation:
                'Install the March 2021 security update or later; check UMWorkerProcess.exe child processes and files written at that time.',
            }),
          );
          return;
        }
        if (!/MSExchange CmdletLogs|MSExchange Management/i.test(`${e.provider} ${e.channel ?? ''}`)) return;
        const t = allText(e);
        const cmdlet =
          /\b(New-MailboxExportRequest|New-ManagementRoleAssignment|Set-\w*VirtualDirectory|Remove-MailboxExportRequest|New-ExchangeCertificate|Add-MailboxPermission)\b/i.exec(
            t,
          )?.[1];
        if (!cmdlet) return;
        const ok = e.eventId !== 6; // 1 = success, 6 = failure
        const lower = cmdlet.toLowerCase();
        let severity: 'critical' | 'high' | 'medium' | 'low' | 'info';
        let title: string;
        // ProxyShell's remote PowerShell shows as this client application; its cmdlets run as SYSTEM.
        const proxyShell = PROXYSHELL_CALLER.test(t);
        if (lower === 'new-mailboxexportrequest') {
          const web = WEB_PATH.test(t);
          const path = /FilePath\W{0,3}[= ]\W{0,2}([^"'},\r\n]{1,400})/i.exec(t)?.[1]?.trim();
          severity = web ? 'critical' : proxyShell ? 'high' : 'low';
          title = web
            ? 'Mailbox exported to a web folder (ProxyShell web shell via New-MailboxExportRequest)'
            : proxyShell
              ? 'Mailbox exported through remote PowerShell as SYSTEM (the ProxyShell caller)'
              : `Mailbox exported${path ? ` to ${path}` : ''}, not to a web folder (an administrator's export: verify)`;
        } else if (lower === 'new-managementroleassignment') {
          const importExport = /Mailbox Import Export/i.test(t);
          severity = importExport && proxyShell ? 'high' : 'low';
          title = !importExport
            ? 'Management role assigned'
            : proxyShell
              ? 'Mailbox Import Export role granted through remote PowerShell (the ProxyShell step before exporting a mailbox)'
              : 'Mailbox Import Export role granted (administrators grant it to export mailboxes; ProxyShell does too)';
        } else if (lower.startsWith('set-') && /<script|runat|Page_Load|eval\s*\(/i.test(t)) {
          severity = 'critical';
          title = `${cmdlet} set a URL to server-side script (CVE-2021-27065 through PowerShell)`;
        } else {
          severity = lower === 'remove-mailboxexportrequest' ? 'low' : 'info';
          title = `${cmdlet} run${lower === 'remove-mailboxexportrequest' ? ' (a cleanup after exports?)' : ''}`;
        }
        emit(
          makeFinding({
            rule: 'exchange.cmdlet',
            title: `${title}${ok ? '' : ' — failed'}`,
            severity: ok
              ? severity
              : severity === 'critical'
                ? 'high'
                : severity === 'high'
                  ? 'medium'
                  : 'low',
            cve: severity === 'critical' && lower === 'new-mailboxexportrequest' ? ['CVE-2021-31207'] : [],
            attack: severity === 'critical' ? ['T1505.003'] : [],
            ...base,
            evidence: { cmdlet, eventId: e.eventId, succeeded: ok, text: t.slice(0, 1500) },
            ...(severity === 'critical'
              ? {
                  remediation:
                    'Find and remove the file the export or URL wrote (an .aspx in a web folder); remove the role assignment; install the May 2021 security update or later.',
                }
              : {}),
          }),
        );
      },
    };
  },
});
