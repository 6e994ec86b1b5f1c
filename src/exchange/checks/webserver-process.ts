import { defineDetector } from '../../model/detector.ts';
import { makeFinding } from '../../model/finding.ts';
import type { WinEvent } from '../../model/records.ts';

/**
 * Code run or dropped by the web server, from process and file events (Sysmon 1 and 11, Security
 * 4688): a shell or recon tool started by w3wp.exe (IIS, every OWA/ECP web shell) or by
 * UMWorkerProcess.exe / UMService.exe (HAFNIUM's CVE-2021-26857 path); the same tools run under an
 * IIS application-pool identity further down the tree; a script file (.aspx, .ashx…) written by
 * those processes. These are what a web shell *did*, so they decide a server is compromised.
 */
const WEB_PARENT = /(^|\\)(w3wp|UMWorkerProcess|UMService)\.exe$/i;
// ASP.NET compiles pages with csc/vbc/cvtres and Windows reports crashes with WerFault: normal children.
const BENIGN_CHILD = /(^|\\)(csc|vbc|cvtres|conhost|WerFault|WerFaultSecure|dw20)\.exe$/i;
const SHELL =
  /(^|\\)(cmd|powershell|pwsh|net|net1|whoami|rundll32|regsvr32|certutil|bitsadmin|wscript|cscript|mshta|reg|schtasks|sc|wmic|nltest|tasklist|systeminfo|ipconfig|quser|query|procdump\d*|7z|rar|makecab|dsquery|ping|nslookup|curl|wget|tar)\.exe$/i;
const SCRIPT_FILE = /\.(aspx?|ashx|asmx|asax|config|jsp|php|cshtml)$/i;
const APPPOOL = /^IIS APPPOOL\\/i;

const base = (e: WinEvent) => ({
  ...(e.time ? { time: e.time } : {}),
  ...(e.computer ? { host: e.computer } : {}),
  source: e.source,
});
const exe = (p: string) => p.split('\\').pop() ?? p;

/** Process creation, whichever log it came from: Sysmon 1 or Security 4688 (Windows 10+ has the parent). */
function processStart(
  e: WinEvent,
): { image: string; parent: string; commandLine: string; user: string } | null {
  const d = e.data;
  if (e.eventId === 1 && /Sysmon/i.test(e.provider))
    return {
      image: d['Image'] ?? '',
      parent: d['ParentImage'] ?? '',
      commandLine: d['CommandLine'] ?? '',
      user: d['User'] ?? '',
    };
  if (e.eventId === 4688 && /Security-Auditing|^Security$/i.test(e.provider)) {
    const user =
      d['SubjectDomainName'] && d['SubjectUserName']
        ? `${d['SubjectDomainName']}\\${d['SubjectUserName']}`
        : (d['SubjectUserName'] ?? '');
    return {
      image: d['NewProcessName'] ?? '',
      parent: d['ParentProcessName'] ?? '',
      commandLine: d['CommandLine'] ?? '',
      user,
    };
  }
  return null;
}

export const webServerProcessDetector = defineDetector({
  id: 'exchange.webserver-process',
  description:
    'Shells and recon tools started by w3wp.exe / UMWorkerProcess.exe or under an IIS app-pool identity; script files written by them (Sysmon 1/11, Security 4688)',
  kinds: ['winevent'],
  rules: [
    {
      id: 'exchange.webserver-child',
      title: 'Web server process (w3wp / UMWorkerProcess) started a shell or tool',
    },
    {
      id: 'exchange.webserver-file',
      title: 'Web server process wrote a script file (a web shell being dropped)',
    },
  ],
  create() {
    return {
      onRecord(e, emit) {
        const p = processStart(e);
        if (p) {
          const byParent = WEB_PARENT.test(p.parent) && !BENIGN_CHILD.test(p.image);
          const byPool = !byParent && APPPOOL.test(p.user) && SHELL.test(p.image);
          if (!byParent && !byPool) return;
          const um = /UM(WorkerProcess|Service)\.exe$/i.test(p.parent);
          const shell = SHELL.test(p.image);
          const severity = um || shell ? 'critical' : 'high';
          emit(
            makeFinding({
              rule: 'exchange.webserver-child',
              title: byParent
                ? `${exe(p.parent)} started ${exe(p.image)}${um ? ' (CVE-2021-26857 path: Unified Messaging running code)' : ' (a web shell running commands)'}`
                : `${exe(p.image)} run as ${p.user} (a command from a web shell)`,
              severity,
              cve: um ? ['CVE-2021-26857'] : [],
              attack: ['T1505.003', ...(shell ? ['T1059.003'] : [])],
              ...base(e),
              evidence: {
                eventId: e.eventId,
                image: p.image,
                parentImage: p.parent,
                commandLine: p.commandLine.slice(0, 1500),
                user: p.user,
              },
              remediation:
                'Find the page that ran it (IIS logs at this time, .aspx files written shortly before); treat the server as compromised: rebuild or clean, reset credentials the app pool could reach.',
            }),
          );
          return;
        }
        if (e.eventId === 11 && /Sysmon/i.test(e.provider)) {
          const image = e.data['Image'] ?? '';
          const target = e.data['TargetFilename'] ?? '';
          if (!WEB_PARENT.test(image) || !SCRIPT_FILE.test(target)) return;
          // ASP.NET writes compiled copies under Temporary ASP.NET Files; those are not drops.
          if (/Temporary ASP\.NET Files/i.test(target)) return;
          emit(
            makeFinding({
              rule: 'exchange.webserver-file',
              title: `${exe(image)} wrote ${exe(target)} (a script file dropped by the web server)`,
              severity: 'critical',
              cve: [],
              attack: ['T1505.003'],
              ...base(e),
              evidence: { eventId: 11, image, targetFilename: target },
              remediation:
                'Inspect and remove the file; find the request that wrote it in the IIS and HttpProxy logs.',
            }),
          );
        }
      },
    };
  },
});
