/**
 * Generates a mixed evidence folder of about N GB (default 2) for the walk benchmark: Exchange
 * HttpProxy and IIS logs, DNS logs, a Maildir-like folder of small messages, zipped and gzipped
 * logs, and binary files. Lines follow the documented formats; a few attack rows are sprinkled in
 * so detectors have work. Usage: node bench/gen-mixed.ts OUTDIR [GB]
 */
import { createWriteStream, mkdirSync, writeFileSync } from 'node:fs';
import { once } from 'node:events';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';
import { gzipSync } from 'node:zlib';
import { httpProxyLog, iisLog, bindQueryLog, mailMessage } from '../scripts/lib/formats.ts';
import { makeZip } from '../scripts/lib/zip.ts';

const out = process.argv[2];
if (!out) {
  console.error('usage: node bench/gen-mixed.ts OUTDIR [GB]');
  process.exit(2);
}
const gb = Number(process.argv[3] ?? 2);
// --logs-only: just the Exchange HttpProxy and IIS logs (the exchange hunt benchmark).
const logsOnly = process.argv.includes('--logs-only');
const MB = 1024 * 1024;

let rowNo = 0;
function proxyRows(n: number, seed: number): string {
  const rows: Record<string, string>[] = [];
  for (let i = 0; i < n; i++) {
    const t = new Date(Date.UTC(2021, 2, 3, 0, 0, 0) + (seed * n + i) * 731).toISOString();
    const attack = ++rowNo % 100_000 === 0; // one SSRF row in 100,000
    rows.push({
      DateTime: t,
      RequestId: `${seed}-${i}`,
      MajorVersion: '15',
      MinorVersion: '1',
      BuildVersion: '2176',
      RevisionVersion: '2',
      Protocol: 'Owa',
      UrlHost: 'mail.example.org',
      UrlStem: attack ? '/ecp/y.js' : '/owa/service.svc',
      AuthenticationType: attack ? 'Anonymous' : 'FBA',
      IsAuthenticated: attack ? 'false' : 'true',
      AuthenticatedUser: attack ? '' : `user${i % 900}@example.org`,
      AnchorMailbox: attack ? 'ServerInfo~a]@ex01:444/mapi/emsmdb/?#' : `Smtp~user${i % 900}@example.org`,
      UserAgent:
        'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/88.0.4324.190 Safari/537.36',
      ClientIpAddress: `10.1.${i % 250}.${(i >> 8) % 250}`,
      ServerHostName: 'EX01',
      HttpStatus: '200',
      BackEndStatus: '200',
      Method: 'POST',
      ProxyAction: 'Proxy',
      TargetServer: 'ex01.example.org',
      TargetServerVersion: '15.01.2176.002',
      RoutingType: 'IntraForest',
      RoutingHint: 'Smtp-UserPrincipalName',
      GenericInfo: 'BeginRequest=2021-03-03T00:00:00.000Z;CorrelationID=<empty>;ProxyState-Run=None;',
    });
  }
  return httpProxyLog(rows).split('\r\n').slice(5).join('\r\n');
}

async function bigFile(path: string, header: string, block: () => string, bytes: number) {
  const ws = createWriteStream(path);
  ws.write(header);
  let written = header.length;
  while (written < bytes) {
    const b = block();
    if (!ws.write(b)) await once(ws, 'drain');
    written += b.length;
  }
  ws.end();
  await once(ws, 'finish');
}

mkdirSync(join(out, 'Exchange/Logging/HttpProxy/Owa'), { recursive: true });
mkdirSync(join(out, 'inetpub/logs/LogFiles/W3SVC1'), { recursive: true });
mkdirSync(join(out, 'dns'), { recursive: true });
mkdirSync(join(out, 'mail/cur'), { recursive: true });
mkdirSync(join(out, 'archives'), { recursive: true });
mkdirSync(join(out, 'bin'), { recursive: true });

const proxyHeader = httpProxyLog([]);
let seed = 0;
const proxyBlock = () => proxyRows(2000, seed++);
const nProxy = Math.max(1, Math.round(gb * (logsOnly ? 28 : 25)));
for (let i = 0; i < nProxy; i++)
  await bigFile(
    join(out, `Exchange/Logging/HttpProxy/Owa/HttpProxy_20210303${String(i).padStart(2, '0')}-1.LOG`),
    proxyHeader,
    proxyBlock,
    25 * MB,
  );
console.log(`${nProxy} HttpProxy logs`);

const iisHeader = iisLog([]);
const iisBlock = () =>
  iisLog(
    Array.from({ length: 2000 }, (_, i) => ({
      date: '2021-03-03',
      time: `0${i % 10}:00:${String(i % 60).padStart(2, '0')}`,
      's-ip': '10.0.0.5',
      'cs-method': 'GET',
      'cs-uri-stem': '/owa/',
      'cs-uri-query': '&CorrelationID=<empty>;&cafeReqId=7c1d0b0e-1b2a-4c3d-8e9f-0a1b2c3d4e5f;',
      's-port': '443',
      'cs-username': `user${i}@example.org`,
      'c-ip': `10.1.${i % 250}.7`,
      'cs(User-Agent)': 'Mozilla/5.0 (Windows NT 10.0; Win64; x64)',
      'cs(Referer)': '-',
      'sc-status': '200',
      'sc-substatus': '0',
      'sc-win32-status': '0',
      'time-taken': '15',
    })),
  )
    .split('\r\n')
    .slice(4)
    .join('\r\n');
const nIis = Math.max(1, Math.round(gb * (logsOnly ? 15 : 10)));
for (let i = 0; i < nIis; i++)
  await bigFile(
    join(out, `inetpub/logs/LogFiles/W3SVC1/u_ex2103${String(i).padStart(2, '0')}.log`),
    iisHeader,
    iisBlock,
    20 * MB,
  );
console.log(`${nIis} IIS logs`);

if (logsOnly) {
  console.log('logs only; done');
  process.exit(0);
}
let q = 0;
const dnsBlock = () =>
  bindQueryLog(
    Array.from({ length: 2000 }, () => ({
      time: '2020-06-16T00:00:00Z',
      client: '10.20.0.31',
      name:
        ++q % 100_000 === 0
          ? 'r1qshoj05ji05ac6eoip02jovt6i2v0c.appsync-api.us-east-1.avsvmcloud.com'
          : `host${q % 5000}.corp.example.org`,
    })),
  );
const nDns = Math.max(1, Math.round(gb * 2.5));
for (let i = 0; i < nDns; i++) await bigFile(join(out, `dns/queries-${i}.log`), '', dnsBlock, 40 * MB);
console.log(`${nDns} DNS logs`);

const nMail = Math.round(gb * 10_000);
for (let i = 0; i < nMail; i++) {
  writeFileSync(
    join(out, `mail/cur/${1_600_000_000 + i}.M${i}.host:2,S`),
    mailMessage({
      from: `Sender ${i} <s${i}@example.net>`,
      to: 'user@example.org',
      subject: `Report ${i}`,
      date: 'Mon, 24 May 2021 07:00:00 +0000',
      messageId: `<${i}@example.net>`,
      text: 'Lorem ipsum dolor sit amet. '.repeat(150),
    }),
  );
}
console.log(`${nMail} messages`);

const nZip = Math.max(1, Math.round(gb * 5));
for (let i = 0; i < nZip; i++) {
  const log = proxyHeader + Array.from({ length: 10 }, proxyBlock).join('');
  writeFileSync(
    join(out, `archives/collection-${i}.zip`),
    makeZip([
      { name: `HttpProxy/Ecp/HttpProxy_${i}.LOG`, data: log },
      { name: 'notes.txt', data: 'collected by the responder' },
    ]),
  );
  writeFileSync(
    join(out, `archives/u_ex${i}.log.gz`),
    gzipSync(iisHeader + Array.from({ length: 5 }, iisBlock).join('')),
  );
}
console.log(`${nZip} zip + ${nZip} gz`);

const nBin = Math.round(gb * 50);
for (let i = 0; i < nBin; i++) writeFileSync(join(out, `bin/blob-${i}.bin`), randomBytes(MB));
console.log(`${nBin} binaries; done`);
