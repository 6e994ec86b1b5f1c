/**
 * Writers for the documented native log formats (../shared/reference/exchange.md §2 and the DNS
 * server documentation), used to generate the example incident and test fixtures.
 */

/** Exchange 2016/2019 HttpProxy log columns, in order (exchange.md §2.3). */
export const HTTPPROXY_FIELDS =
  'DateTime,RequestId,MajorVersion,MinorVersion,BuildVersion,RevisionVersion,ClientRequestId,Protocol,UrlHost,UrlStem,ProtocolAction,AuthenticationType,IsAuthenticated,AuthenticatedUser,Organization,AnchorMailbox,UserAgent,ClientIpAddress,ServerHostName,HttpStatus,BackEndStatus,ErrorCode,Method,ProxyAction,TargetServer,TargetServerVersion,RoutingType,RoutingHint,BackEndCookie,ServerLocatorHost,ServerLocatorLatency,RequestBytes,ResponseBytes,TargetOutstandingRequests,AuthModulePerfContext,HttpPipelineLatency,CalculateTargetBackEndLatency,GlsLatencyBreakup,TotalGlsLatency,AccountForestLatencyBreakup,TotalAccountForestLatency,ResourceForestLatencyBreakup,TotalResourceForestLatency,ADLatency,SharedCacheLatencyBreakup,TotalSharedCacheLatency,ActivityContextLifeTime,ModuleToHandlerSwitchingLatency,ClientReqStreamLatency,BackendReqInitLatency,BackendReqStreamLatency,BackendProcessingLatency,BackendRespInitLatency,BackendRespStreamLatency,ClientRespStreamLatency,KerberosAuthHeaderLatency,HandlerCompletionLatency,RequestHandlerLatency,HandlerToModuleSwitchingLatency,ProxyTime,CoreLatency,RoutingLatency,HttpProxyOverhead,TotalRequestTime,RouteRefresherLatency,UrlQuery,BackEndGenericInfo,GenericInfo,GenericErrors,EdgeTraceId,DatabaseGuid,UserADObjectGuid,PartitionEndpointLookupLatency,RoutingStatus'.split(
    ',',
  );

function csvField(v: string): string {
  return /[",\r\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v;
}

/**
 * How an Exchange CSV log file is laid out. Exchange 2013–2019 write a plain CSV header line above
 * the `#Software:` … `#Fields:` directives (`exchange`, what a server holds); copies made by other
 * tools have the directives only (`directives`), the header line only (`header-only`, after
 * `Import-Csv | Export-Csv -NoTypeInformation`) or the header line after them.
 */
export type ExchangeCsvLayout = 'exchange' | 'directives' | 'header-only' | 'directives-then-header';

export interface ExchangeCsvOptions {
  readonly layout?: ExchangeCsvLayout;
  /** A UTF-8 byte-order mark first (Windows tools add one). */
  readonly bom?: boolean;
  readonly eol?: '\r\n' | '\n';
}

/** An Exchange CSV log: directives (without `#Fields:`), columns and data lines, in the chosen layout. */
export function exchangeCsvLog(
  directives: readonly string[],
  fields: readonly string[],
  body: readonly string[],
  o: ExchangeCsvOptions = {},
): string {
  const layout = o.layout ?? 'directives';
  const header = fields.join(',');
  const block = [...directives, `#Fields: ${header}`];
  const head =
    layout === 'exchange'
      ? [header, ...block]
      : layout === 'header-only'
        ? [header]
        : layout === 'directives-then-header'
          ? [...block, header]
          : block;
  const eol = o.eol ?? '\r\n';
  return `${o.bom ? '\uFEFF' : ''}${[...head, ...body].join(eol)}${eol}`;
}

export function httpProxyLog(
  rows: readonly Record<string, string>[],
  date = '2021-03-03T06:00:00.000Z',
  opts: ExchangeCsvOptions = {},
): string {
  // The header's #Version is the writing server's build, zero-padded as Exchange writes it.
  const r0 = rows[0];
  const version = r0?.['MajorVersion']
    ? [r0['MajorVersion'], r0['MinorVersion'], r0['BuildVersion'], r0['RevisionVersion']]
        .map((x, i) => String(x ?? '0').padStart([2, 2, 4, 3][i]!, '0'))
        .join('.')
    : '15.01.2176.002';
  const directives = [
    '#Software: Microsoft Exchange Server',
    `#Version: ${version}`,
    '#Log-type: HttpProxy Logs',
    `#Date: ${date}`,
  ];
  const body = rows.map((r) => HTTPPROXY_FIELDS.map((f) => csvField(r[f] ?? '')).join(','));
  return exchangeCsvLog(directives, HTTPPROXY_FIELDS, body, opts);
}

export const IIS_FIELDS =
  'date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken'.split(
    ' ',
  );

export function iisLog(rows: readonly Record<string, string>[], date = '2021-03-03 00:00:00'): string {
  const head = [
    '#Software: Microsoft Internet Information Services 10.0',
    '#Version: 1.0',
    `#Date: ${date}`,
    `#Fields: ${IIS_FIELDS.join(' ')}`,
  ];
  const body = rows.map((r) => IIS_FIELDS.map((f) => (r[f] ?? '-').replace(/ /g, '+') || '-').join(' '));
  return `${[...head, ...body].join('\r\n')}\r\n`;
}

export const ECP_SERVER_FIELDS = ['TimeStamp', 'ServerName', 'EventId', 'EventData'];

export function ecpServerLog(
  rows: readonly { time: string; server: string; data: string }[],
  opts: ExchangeCsvOptions = {},
): string {
  const directives = [
    '#Software: Microsoft Exchange Server',
    '#Version: 15.0.0.0',
    '#Log-type: ECP Server Log',
    `#Date: ${rows[0]?.time ?? '2021-03-03T00:00:00.000Z'}`,
  ];
  const body = rows.map((r) => [r.time, r.server, 'ECP.Request', csvField(r.data)].join(','));
  return exchangeCsvLog(directives, ECP_SERVER_FIELDS, body, opts);
}

/**
 * OAB generator log. Its columns are not publicly documented (exchange.md §2.5): these are a
 * stand-in in the shape of Exchange's other CSV logs; the checks read the message, not the columns.
 */
export const OAB_FIELDS = ['DateTime', 'ThreadId', 'Level', 'Component', 'Message'];

export function oabGeneratorLog(
  rows: readonly { time: string; level?: string; message: string }[],
  opts: ExchangeCsvOptions = {},
): string {
  const directives = [
    '#Software: Microsoft Exchange Server',
    '#Version: 15.0.0.0',
    '#Log-type: OABGenerator Log',
    `#Date: ${rows[0]?.time ?? '2021-03-03T00:00:00.000Z'}`,
  ];
  const body = rows.map((r) =>
    [r.time, '17', r.level ?? 'Information', 'OABGenerator', csvField(r.message)].join(','),
  );
  return exchangeCsvLog(directives, OAB_FIELDS, body, opts);
}

const MON = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];

/** BIND 9 query log lines (`category queries`, print-time yes). */
export function bindQueryLog(
  rows: readonly { time: string; client: string; name: string; type?: string }[],
): string {
  return (
    rows
      .map((r, i) => {
        const d = new Date(r.time);
        const stamp = `${String(d.getUTCDate()).padStart(2, '0')}-${MON[d.getUTCMonth()]}-${d.getUTCFullYear()} ${d.toISOString().slice(11, 23)}`;
        const port = 49152 + ((i * 7919) % 16000);
        return `${stamp} queries: info: client @0x7f3a5c0b${(0x1000 + i).toString(16)} ${r.client}#${port} (${r.name}): query: ${r.name} IN ${r.type ?? 'A'} +E(0)K (10.20.0.53)`;
      })
      .join('\n') + '\n'
  );
}

/** A minimal RFC 5322 message, multipart when attachments are given. */
export function mailMessage(m: {
  from: string;
  to: string;
  subject: string;
  date: string;
  messageId: string;
  headers?: readonly string[];
  text: string;
  html?: string;
  attachments?: readonly { name: string; type: string; data: Uint8Array }[];
}): string {
  const head = [
    ...(m.headers ?? []),
    `From: ${m.from}`,
    `To: ${m.to}`,
    `Subject: ${m.subject}`,
    `Date: ${m.date}`,
    `Message-ID: ${m.messageId}`,
    'MIME-Version: 1.0',
  ];
  const boundary = '----=_Part_0_vigil_example';
  if (!m.attachments?.length && !m.html)
    return `${[...head, 'Content-Type: text/plain; charset=utf-8', '', m.text].join('\r\n')}\r\n`;
  const parts = [`--${boundary}`, 'Content-Type: text/plain; charset=utf-8', '', m.text];
  if (m.html) parts.push(`--${boundary}`, 'Content-Type: text/html; charset=utf-8', '', m.html);
  for (const a of m.attachments ?? []) {
    const b64 = Buffer.from(a.data).toString('base64').replace(/.{76}/g, '$&\r\n');
    parts.push(
      `--${boundary}`,
      `Content-Type: ${a.type}; name="${a.name}"`,
      'Content-Transfer-Encoding: base64',
      `Content-Disposition: attachment; filename="${a.name}"`,
      '',
      b64,
    );
  }
  parts.push(`--${boundary}--`);
  return `${[...head, `Content-Type: multipart/mixed; boundary="${boundary}"`, '', ...parts].join('\r\n')}\r\n`;
}
