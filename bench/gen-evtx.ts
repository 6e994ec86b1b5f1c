/**
 * Generates an EVTX file of ordinary workstation/server activity for the Sigma benchmark: Sysmon
 * process creation (1), network (3), image load (7), file create (11), registry set (13), DNS (22),
 * Security logons (4624) and process creation (4688), PowerShell script blocks (4104), in the
 * proportions a busy Sysmon-equipped host logs them, with real-shaped field values.
 * Usage: node bench/gen-evtx.ts OUT.evtx [EVENTS]
 */
import { writeFileSync } from 'node:fs';
import { writeEvtx, type EventSpec } from '../scripts/lib/evtx-write.ts';

const out = process.argv[2];
if (!out) throw new Error('usage: gen-evtx.ts OUT.evtx [EVENTS]');
const total = Number(process.argv[3] ?? 200_000);

let seed = 42;
const rnd = () => {
  seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
  return seed / 2 ** 32;
};
const pick = <T>(xs: readonly T[]): T => xs[Math.floor(rnd() * xs.length)]!;
const hex = (n: number) =>
  Array.from({ length: n }, () => Math.floor(rnd() * 16).toString(16))
    .join('')
    .toUpperCase();
const guid = () => `{${hex(8)}-${hex(4)}-${hex(4)}-${hex(4)}-${hex(12)}}`;

const SYSMON = 'Microsoft-Windows-Sysmon/Operational';
const HOST = 'WKS-0231.corp.example.org';
const PROCS: readonly [string, string, string][] = [
  [
    'C:\\Windows\\System32\\svchost.exe',
    'C:\\Windows\\system32\\svchost.exe -k netsvcs -p -s Schedule',
    'svchost.exe',
  ],
  [
    'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
    '"C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe" --type=renderer --lang=en-US --renderer-client-id=12 --mojo-platform-channel-handle=4100 /prefetch:1',
    'chrome.exe',
  ],
  [
    'C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE',
    '"C:\\Program Files\\Microsoft Office\\root\\Office16\\OUTLOOK.EXE"',
    'Outlook.exe',
  ],
  [
    'C:\\Windows\\System32\\conhost.exe',
    '\\??\\C:\\Windows\\system32\\conhost.exe 0xffffffff -ForceV1',
    'CONHOST.EXE',
  ],
  [
    'C:\\Windows\\System32\\backgroundTaskHost.exe',
    '"C:\\Windows\\system32\\backgroundTaskHost.exe" -ServerName:BackgroundTaskHost.WebAccountProvider',
    'backgroundTaskHost.exe',
  ],
  ['C:\\Windows\\System32\\taskhostw.exe', 'taskhostw.exe Install $(Arg0)', 'taskhostw.exe'],
  [
    'C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe',
    '"C:\\Program Files (x86)\\Microsoft\\Edge\\Application\\msedge.exe" --type=utility --utility-sub-type=network.mojom.NetworkService',
    'msedge.exe',
  ],
  [
    'C:\\Windows\\System32\\SearchProtocolHost.exe',
    '"C:\\Windows\\system32\\SearchProtocolHost.exe" Global\\UsGthrFltPipeMssGthrPipe5_ Global\\UsGthrCtrlFltPipeMssGthrPipe5 1 -2147483646 "Software\\Microsoft\\Windows Search"',
    'SearchProtocolHost.exe',
  ],
  [
    'C:\\Windows\\System32\\wbem\\WmiPrvSE.exe',
    'C:\\Windows\\system32\\wbem\\wmiprvse.exe -secured -Embedding',
    'Wmiprvse.exe',
  ],
  [
    'C:\\Program Files\\Microsoft VS Code\\Code.exe',
    '"C:\\Program Files\\Microsoft VS Code\\Code.exe" --type=gpu-process',
    'Code.exe',
  ],
];
const PARENTS = [
  'C:\\Windows\\explorer.exe',
  'C:\\Windows\\System32\\services.exe',
  'C:\\Windows\\System32\\svchost.exe',
  'C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe',
];
const USERS = ['CORP\\alice.m', 'CORP\\bob.k', 'NT AUTHORITY\\SYSTEM', 'NT AUTHORITY\\LOCAL SERVICE'];
const DLLS = [
  'C:\\Windows\\System32\\ntdll.dll',
  'C:\\Windows\\System32\\kernel32.dll',
  'C:\\Windows\\System32\\combase.dll',
  'C:\\Windows\\System32\\crypt32.dll',
  'C:\\Windows\\System32\\winhttp.dll',
];
const FILES = [
  'C:\\Users\\alice.m\\AppData\\Local\\Google\\Chrome\\User Data\\Default\\Cache\\Cache_Data\\f_00a1b2',
  'C:\\Users\\bob.k\\Documents\\Q3 budget.xlsx',
  'C:\\Windows\\Prefetch\\CHROME.EXE-5A1054AF.pf',
  'C:\\ProgramData\\Microsoft\\Windows Defender\\Scans\\History\\Service\\DetectionHistory\\02\\x',
];
const KEYS = [
  'HKU\\S-1-5-21-1004336348-1177238915-682003330-1105\\Software\\Microsoft\\Windows\\CurrentVersion\\Explorer\\RecentDocs\\.xlsx',
  'HKLM\\SOFTWARE\\Microsoft\\Windows Defender\\Signature Updates\\SignaturesLastUpdated',
  'HKLM\\System\\CurrentControlSet\\Services\\bam\\State\\UserSettings\\S-1-5-21-1004336348-1177238915-682003330-1105\\\\Device\\HarddiskVolume3\\Windows\\System32\\notepad.exe',
];
const DOMAINS = [
  'www.google.com',
  'outlook.office365.com',
  'login.microsoftonline.com',
  'update.googleapis.com',
  'fileshare01.corp.example.org',
];
const SCRIPTS = [
  'Get-ChildItem -Path $env:TEMP -Filter *.log | Where-Object { $_.LastWriteTime -lt (Get-Date).AddDays(-7) } | Remove-Item',
  'Import-Module ActiveDirectory; Get-ADUser -Identity $env:USERNAME -Properties LastLogonDate',
  '$PSVersionTable.PSVersion',
];

function* events(): Generator<EventSpec> {
  const t0 = Date.UTC(2024, 4, 6, 8, 0, 0);
  for (let i = 0; i < total; i++) {
    const time = new Date(t0 + i * 250).toISOString();
    const utc = time.replace('T', ' ').replace('Z', '');
    const r = rnd();
    const [image, cmd, ofn] = pick(PROCS);
    const sys = (eventId: number, data: Record<string, string>): EventSpec => ({
      provider: 'Microsoft-Windows-Sysmon',
      eventId,
      level: 4,
      time,
      channel: SYSMON,
      computer: HOST,
      data,
    });
    if (r < 0.22) {
      yield sys(1, {
        RuleName: '-',
        UtcTime: utc,
        ProcessGuid: guid(),
        ProcessId: String(1000 + Math.floor(rnd() * 30000)),
        Image: image,
        FileVersion: '10.0.19041.1 (WinBuild.160101.0800)',
        Description: ofn.replace(/\.exe$/i, ''),
        Product: 'Microsoft® Windows® Operating System',
        Company: 'Microsoft Corporation',
        OriginalFileName: ofn,
        CommandLine: cmd,
        CurrentDirectory: 'C:\\Windows\\system32\\',
        User: pick(USERS),
        LogonGuid: guid(),
        LogonId: `0x${hex(6).toLowerCase()}`,
        TerminalSessionId: '1',
        IntegrityLevel: pick(['Medium', 'High', 'System']),
        Hashes: `SHA1=${hex(40)},MD5=${hex(32)},SHA256=${hex(64)},IMPHASH=${hex(32)}`,
        ParentProcessGuid: guid(),
        ParentProcessId: String(500 + Math.floor(rnd() * 9000)),
        ParentImage: pick(PARENTS),
        ParentCommandLine: 'C:\\Windows\\Explorer.EXE',
        ParentUser: pick(USERS),
      });
    } else if (r < 0.37) {
      yield sys(3, {
        RuleName: '-',
        UtcTime: utc,
        ProcessGuid: guid(),
        ProcessId: '4412',
        Image: image,
        User: pick(USERS),
        Protocol: 'tcp',
        Initiated: 'true',
        SourceIsIpv6: 'false',
        SourceIp: '10.20.31.17',
        SourceHostname: HOST,
        SourcePort: String(49152 + Math.floor(rnd() * 16000)),
        SourcePortName: '-',
        DestinationIsIpv6: 'false',
        DestinationIp: pick(['142.250.74.36', '52.97.146.162', '10.20.0.10']),
        DestinationHostname: pick(DOMAINS),
        DestinationPort: pick(['443', '80', '445']),
        DestinationPortName: pick(['https', 'http', 'microsoft-ds']),
      });
    } else if (r < 0.55) {
      yield sys(7, {
        RuleName: '-',
        UtcTime: utc,
        ProcessGuid: guid(),
        ProcessId: '4412',
        Image: image,
        ImageLoaded: pick(DLLS),
        FileVersion: '10.0.19041.3636',
        Description: 'Windows NT BASE API Client DLL',
        Product: 'Microsoft® Windows® Operating System',
        Company: 'Microsoft Corporation',
        OriginalFileName: 'kernel32',
        Hashes: `SHA256=${hex(64)}`,
        Signed: 'true',
        Signature: 'Microsoft Windows',
        SignatureStatus: 'Valid',
        User: pick(USERS),
      });
    } else if (r < 0.68) {
      yield sys(11, {
        RuleName: '-',
        UtcTime: utc,
        ProcessGuid: guid(),
        ProcessId: '4412',
        Image: image,
        TargetFilename: pick(FILES),
        CreationUtcTime: utc,
        User: pick(USERS),
      });
    } else if (r < 0.8) {
      yield sys(13, {
        RuleName: '-',
        EventType: 'SetValue',
        UtcTime: utc,
        ProcessGuid: guid(),
        ProcessId: '4412',
        Image: image,
        TargetObject: pick(KEYS),
        Details: pick(['DWORD (0x00000001)', 'Binary Data', 'QWORD (0x01da9f8b-0x5c6e1a00)']),
        User: pick(USERS),
      });
    } else if (r < 0.88) {
      yield sys(22, {
        RuleName: '-',
        UtcTime: utc,
        ProcessGuid: guid(),
        ProcessId: '4412',
        QueryName: pick(DOMAINS),
        QueryStatus: '0',
        QueryResults: '::ffff:142.250.74.36;',
        Image: image,
        User: pick(USERS),
      });
    } else if (r < 0.94) {
      yield {
        provider: 'Microsoft-Windows-Security-Auditing',
        eventId: 4624,
        level: 0,
        time,
        channel: 'Security',
        computer: HOST,
        data: {
          SubjectUserSid: 'S-1-5-18',
          SubjectUserName: 'WKS-0231$',
          SubjectDomainName: 'CORP',
          SubjectLogonId: '0x3e7',
          TargetUserSid: 'S-1-5-21-1004336348-1177238915-682003330-1105',
          TargetUserName: 'alice.m',
          TargetDomainName: 'CORP',
          TargetLogonId: `0x${hex(6).toLowerCase()}`,
          LogonType: pick(['2', '3', '5', '11']),
          LogonProcessName: 'User32 ',
          AuthenticationPackageName: 'Negotiate',
          WorkstationName: 'WKS-0231',
          LogonGuid: guid(),
          TransmittedServices: '-',
          LmPackageName: '-',
          KeyLength: '0',
          ProcessId: '0x2f0',
          ProcessName: 'C:\\Windows\\System32\\svchost.exe',
          IpAddress: '127.0.0.1',
          IpPort: '0',
          ImpersonationLevel: '%%1833',
          RestrictedAdminMode: '-',
          TargetOutboundUserName: '-',
          TargetOutboundDomainName: '-',
          VirtualAccount: '%%1843',
          TargetLinkedLogonId: '0x0',
          ElevatedToken: '%%1842',
        },
      };
    } else if (r < 0.98) {
      yield {
        provider: 'Microsoft-Windows-Security-Auditing',
        eventId: 4688,
        level: 0,
        time,
        channel: 'Security',
        computer: HOST,
        data: {
          SubjectUserSid: 'S-1-5-18',
          SubjectUserName: 'WKS-0231$',
          SubjectDomainName: 'CORP',
          SubjectLogonId: '0x3e7',
          NewProcessId: `0x${hex(4).toLowerCase()}`,
          NewProcessName: image,
          TokenElevationType: '%%1936',
          ProcessId: '0x2f0',
          CommandLine: cmd,
          TargetUserSid: 'S-1-0-0',
          TargetUserName: '-',
          TargetDomainName: '-',
          TargetLogonId: '0x0',
          ParentProcessName: pick(PARENTS),
          MandatoryLabel: 'S-1-16-16384',
        },
      };
    } else {
      yield {
        provider: 'Microsoft-Windows-PowerShell',
        eventId: 4104,
        level: 5,
        time,
        channel: 'Microsoft-Windows-PowerShell/Operational',
        computer: HOST,
        data: {
          MessageNumber: '1',
          MessageTotal: '1',
          ScriptBlockText: pick(SCRIPTS),
          ScriptBlockId: guid().slice(1, -1).toLowerCase(),
          Path: '',
        },
      };
    }
  }
}

writeFileSync(out, writeEvtx(events()));
console.log(`${total} events → ${out}`);
