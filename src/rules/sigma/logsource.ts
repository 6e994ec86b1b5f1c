import type { Predicate } from './values.ts';

/**
 * Which of our records a rule's `logsource` means, and under what field names. Windows services
 * map to event-log channels and generic categories to Sysmon event ids (as SigmaHQ's own
 * pipelines do); `process_creation` also reads Security 4688 through a field mapping, but only
 * for rules whose fields 4688 actually carries — a rule that needs Hashes or OriginalFileName
 * must not be judged on an event that cannot have them. `webserver` is IIS W3C logs.
 */
export interface LogSource {
  readonly product?: string;
  readonly category?: string;
  readonly service?: string;
}

export interface WinTarget {
  readonly kind: 'winevent';
  /** Lower-case channel names this target reads. */
  readonly channels: readonly string[];
  /** Event ids, when the category is narrower than the channel. */
  readonly eventIds?: readonly number[];
  /** Rule field → event field; `null` means the event cannot have that field. */
  readonly field: (name: string) => string | null;
  /** An extra condition the category implies (e.g. Sysmon 12's EventType for registry_add). */
  readonly extra?: Predicate;
  readonly label: string;
}

export interface WebTarget {
  readonly kind: 'iis.w3c';
  readonly field: (name: string) => string | null;
  readonly label: string;
}

export type Target = WinTarget | WebTarget;

export type TargetsOrReason = { readonly targets: readonly Target[] } | { readonly unsupported: string };

const SYSMON = 'microsoft-windows-sysmon/operational';

const SYSMON_IDS: Readonly<Record<string, readonly number[]>> = {
  process_creation: [1],
  file_change: [2],
  network_connection: [3],
  sysmon_status: [4, 16],
  process_termination: [5],
  driver_load: [6],
  image_load: [7],
  create_remote_thread: [8],
  raw_access_thread: [9],
  process_access: [10],
  file_event: [11],
  registry_add: [12],
  registry_delete: [12],
  registry_set: [13],
  registry_rename: [14],
  registry_event: [12, 13, 14],
  create_stream_hash: [15],
  pipe_created: [17, 18],
  wmi_event: [19, 20, 21],
  dns_query: [22],
  file_delete: [23, 26],
  clipboard_capture: [24],
  process_tampering: [25],
  file_delete_detected: [26],
  file_block_executable: [27],
  file_block_shredding: [28],
  file_executable_detected: [29],
  sysmon_error: [255],
};

const PS = ['microsoft-windows-powershell/operational', 'powershellcore/operational'];
const POWERSHELL_CATEGORIES: Readonly<
  Record<string, { channels: readonly string[]; ids: readonly number[] }>
> = {
  ps_module: { channels: PS, ids: [4103] },
  ps_script: { channels: PS, ids: [4104] },
  ps_classic_start: { channels: ['windows powershell'], ids: [400] },
  ps_classic_provider_start: { channels: ['windows powershell'], ids: [600] },
  ps_classic_script: { channels: ['windows powershell'], ids: [800] },
};

/** Sigma `service` → Windows event-log channel(s), as logged in System/Channel. */
const SERVICES: Readonly<Record<string, readonly string[]>> = {
  security: ['Security'],
  application: ['Application'],
  system: ['System'],
  sysmon: [SYSMON],
  powershell: PS,
  'powershell-classic': ['Windows PowerShell'],
  taskscheduler: ['Microsoft-Windows-TaskScheduler/Operational'],
  wmi: ['Microsoft-Windows-WMI-Activity/Operational'],
  'dns-server': ['DNS Server'],
  'dns-server-audit': ['Microsoft-Windows-DNS-Server/Audit'],
  'dns-server-analytic': ['Microsoft-Windows-DNS-Server/Analytical'],
  'driver-framework': ['Microsoft-Windows-DriverFrameworks-UserMode/Operational'],
  dhcp: ['Microsoft-Windows-DHCP-Server/Operational'],
  ntlm: ['Microsoft-Windows-NTLM/Operational'],
  windefend: ['Microsoft-Windows-Windows Defender/Operational'],
  'printservice-admin': ['Microsoft-Windows-PrintService/Admin'],
  'printservice-operational': ['Microsoft-Windows-PrintService/Operational'],
  'smbclient-security': ['Microsoft-Windows-SmbClient/Security'],
  'smbclient-connectivity': ['Microsoft-Windows-SmbClient/Connectivity'],
  applocker: [
    'Microsoft-Windows-AppLocker/MSI and Script',
    'Microsoft-Windows-AppLocker/EXE and DLL',
    'Microsoft-Windows-AppLocker/Packaged app-Deployment',
    'Microsoft-Windows-AppLocker/Packaged app-Execution',
  ],
  'msexchange-management': ['MSExchange Management'],
  'microsoft-servicebus-client': ['Microsoft-ServiceBus-Client'],
  ldap_debug: ['Microsoft-Windows-LDAP-Client/Debug'],
  'codeintegrity-operational': ['Microsoft-Windows-CodeIntegrity/Operational'],
  'firewall-as': ['Microsoft-Windows-Windows Firewall With Advanced Security/Firewall'],
  'bits-client': ['Microsoft-Windows-Bits-Client/Operational'],
  'security-mitigations': [
    'Microsoft-Windows-Security-Mitigations/Kernel Mode',
    'Microsoft-Windows-Security-Mitigations/User Mode',
  ],
  'terminalservices-localsessionmanager': [
    'Microsoft-Windows-TerminalServices-LocalSessionManager/Operational',
  ],
  'diagnosis-scripted': ['Microsoft-Windows-Diagnosis-Scripted/Operational'],
  'shell-core': ['Microsoft-Windows-Shell-Core/Operational'],
  openssh: ['OpenSSH/Operational'],
  bitlocker: ['Microsoft-Windows-BitLocker/BitLocker Management'],
  vhdmp: ['Microsoft-Windows-VHDMP-Operational'],
  'appxdeployment-server': ['Microsoft-Windows-AppXDeploymentServer/Operational'],
  'lsa-server': ['Microsoft-Windows-LSA/Operational'],
  'appxpackaging-om': ['Microsoft-Windows-AppxPackaging/Operational'],
  'dns-client': ['Microsoft-Windows-DNS Client Events/Operational'],
  'appmodel-runtime': ['Microsoft-Windows-AppModel-Runtime/Admin'],
  capi2: ['Microsoft-Windows-CAPI2/Operational'],
  'certificateservicesclient-lifecycle-system': [
    'Microsoft-Windows-CertificateServicesClient-Lifecycle-System/Operational',
  ],
  'kernel-shimengine': [
    'Microsoft-Windows-Kernel-ShimEngine/Operational',
    'Microsoft-Windows-Kernel-ShimEngine/Diagnostic',
  ],
  'iis-configuration': ['Microsoft-IIS-Configuration/Operational'],
  'hyper-v-worker': ['Microsoft-Windows-Hyper-V-Worker-Admin'],
  'kernel-event-tracing': ['Microsoft-Windows-Kernel-EventTracing/Admin'],
  'sysmon-status': [SYSMON],
};

/** System fields every Windows event has, by their Sigma names. */
export const SYSTEM_FIELDS = new Set(['EventID', 'Provider_Name', 'Channel', 'Computer', 'Level']);

const identity = (name: string) => name;

/** Security 4688 under Sysmon 1's names; fields with other semantics (User, IntegrityLevel) are not mapped. */
const FROM_4688: Readonly<Record<string, string>> = {
  Image: 'NewProcessName',
  ParentImage: 'ParentProcessName',
  CommandLine: 'CommandLine',
  LogonId: 'SubjectLogonId',
};
const NATIVE_4688 = new Set([
  'SubjectUserSid',
  'SubjectUserName',
  'SubjectDomainName',
  'SubjectLogonId',
  'NewProcessId',
  'NewProcessName',
  'TokenElevationType',
  'ProcessId',
  'CommandLine',
  'TargetUserSid',
  'TargetUserName',
  'TargetDomainName',
  'TargetLogonId',
  'ParentProcessName',
  'MandatoryLabel',
]);
const field4688 = (name: string) =>
  FROM_4688[name] ?? (SYSTEM_FIELDS.has(name) || NATIVE_4688.has(name) ? name : null);

const registryEventType = (types: readonly string[]): Predicate => {
  const want = types.map((t) => t.toLowerCase());
  return (ev) => {
    const t = ev.lower('EventType');
    return t === undefined || want.includes(t);
  };
};

const lower = (xs: readonly string[]) => xs.map((x) => x.toLowerCase());

/**
 * W3C names in IIS logs for the Sigma webserver taxonomy (`cs-user-agent` is logged as
 * `cs(User-Agent)`). SigmaHQ's web rules put path patterns in `cs-uri-query` (`/autodiscover.json`,
 * `/../`): their taxonomy means the requested URL there, which IIS splits into stem and query, so
 * it reads the whole `cs-uri` (stem?query).
 */
const WEB_FIELDS: Readonly<Record<string, string>> = {
  'cs-user-agent': 'cs(User-Agent)',
  'cs-referer': 'cs(Referer)',
  'cs-cookie': 'cs(Cookie)',
  'cs-uri-query': 'cs-uri',
};

export function targetsFor(ls: LogSource): TargetsOrReason {
  const product = ls.product?.toLowerCase();
  const category = ls.category?.toLowerCase();
  const service = ls.service?.toLowerCase();
  if (category === 'webserver' && (!service || service === 'iis')) {
    return { targets: [{ kind: 'iis.w3c', label: 'IIS W3C', field: (n) => WEB_FIELDS[n] ?? n }] };
  }
  if (product !== 'windows') return { unsupported: `no reader for logsource ${describe(ls)}` };
  if (category) {
    const ps = POWERSHELL_CATEGORIES[category];
    if (ps)
      return {
        targets: [
          {
            kind: 'winevent',
            label: `${category} (${ps.ids.join(', ')})`,
            channels: ps.channels,
            eventIds: ps.ids,
            field: identity,
          },
        ],
      };
    const ids = SYSMON_IDS[category];
    if (!ids) return { unsupported: `no Windows event source for category ${category}` };
    const extra =
      category === 'registry_add'
        ? registryEventType(['CreateKey'])
        : category === 'registry_delete'
          ? registryEventType(['DeleteKey', 'DeleteValue'])
          : undefined;
    const sysmon: WinTarget = {
      kind: 'winevent',
      label: `Sysmon ${ids.join(', ')}`,
      channels: [SYSMON],
      eventIds: ids,
      field: identity,
      ...(extra ? { extra } : {}),
    };
    if (category === 'process_creation')
      return {
        targets: [
          sysmon,
          {
            kind: 'winevent',
            label: 'Security 4688',
            channels: ['security'],
            eventIds: [4688],
            field: field4688,
          },
        ],
      };
    return { targets: [sysmon] };
  }
  if (service) {
    const channels = SERVICES[service];
    if (!channels) return { unsupported: `no channel known for service ${service}` };
    return {
      targets: [{ kind: 'winevent', label: channels.join(', '), channels: lower(channels), field: identity }],
    };
  }
  return { unsupported: 'logsource product windows without service or category' };
}

export function describe(ls: LogSource): string {
  return (
    ['product', 'category', 'service']
      .flatMap((k) => (ls[k as keyof LogSource] ? [`${k}: ${ls[k as keyof LogSource]}`] : []))
      .join(', ') || '(empty)'
  );
}

/** Providers whose events may lack a Channel (some exports drop it): the channel they always log to. */
export const CHANNEL_OF_PROVIDER: Readonly<Record<string, string>> = {
  'microsoft-windows-sysmon': SYSMON,
  'microsoft-windows-security-auditing': 'security',
  'microsoft-windows-powershell': PS[0]!,
  'msexchange cmdletlogs': 'msexchange management',
};
