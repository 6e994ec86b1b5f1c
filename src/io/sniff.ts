import type { FileKind } from '../model/records.ts';
import { isListingHeader } from './listing.ts';
import { csvHeaderLine } from './csv-header.ts';

/**
 * Decide what a file is from its first bytes. Names are never trusted on their own: an attacker
 * names a web shell `.log` and a log `.txt`. The returned reason is shown for skipped files.
 */
export interface Sniffed {
  readonly kind: FileKind;
  /** Why, in words a user can check. */
  readonly reason: string;
}

export const SNIFF_BYTES = 64 * 1024;

// RFC 5322 field name (printable ASCII but ':'); obsolete syntax allows blanks before the colon.
const HEADER_LINE = /^[!-9;-~]+[ \t]*:/;
const STRONG_MAIL_FIELDS =
  /^(from|received|return-path|message-id|subject|delivered-to|dkim-signature|x-mailer|mime-version)$/i;
const MAIL_FIELDS =
  /^(from|to|cc|subject|date|received|message-id|mime-version|return-path|delivered-to|reply-to|content-type|x-mailer|dkim-signature|authentication-results|x-original-to|sender)$/i;
const BIND_QUERY =
  /client (?:@0x[0-9a-f]+ )?[0-9a-f.:%]+#\d+(?: \([^()]*\))?: (?:view \S+: )?query: \S+ IN \S+/i;
const WINDOWS_DNS = /\b(?:UDP|TCP) (?:Rcv|Snd) [0-9a-f.:]+\s+[0-9a-f]{4} [ R] Q \[/i;
const DNSMASQ_LINE = /dnsmasq(?:\[\d+\])?: (?:\d+ [0-9a-f.:]+\/\d+ )?query\[\w+\] \S+ from /;
// Only unambiguous question columns: a CSV with a generic "name" column is not a DNS log.
const DNS_CSV_COLUMNS = new Set([
  'qname',
  'query',
  'query_name',
  'queryname',
  'dns.question.name',
  'fqdn',
  'rrname',
]);
const HOSTNAME = /^(?=.{1,253}$)(?:[a-z0-9_](?:[a-z0-9_-]{0,61}[a-z0-9_])?\.)+[a-z0-9-]{1,63}\.?$/i;
const SERVER_PAGE =
  /<%@\s*(?:page|webhandler|control|master|application)\b|runat\s*=\s*["']?server|<%@?\s*language\s*=|<\?php\b|<jsp:/i;

export function sniff(head: Uint8Array, name: string): Sniffed {
  if (head.length === 0) return { kind: 'unknown', reason: 'empty file' };
  const b = Buffer.from(head.buffer, head.byteOffset, head.byteLength);
  if (
    b[0] === 0x50 &&
    b[1] === 0x4b &&
    (b[2] === 0x03 || b[2] === 0x05) &&
    (b[3] === 0x04 || b[3] === 0x06)
  ) {
    return { kind: 'archive.zip', reason: 'ZIP signature' };
  }
  if (b[0] === 0x1f && b[1] === 0x8b) return { kind: 'archive.gzip', reason: 'gzip signature' };
  if (b.length >= 8 && b.toString('latin1', 0, 8) === 'ElfFile\0')
    return { kind: 'winevent.evtx', reason: 'Windows event log (EVTX, ElfFile signature)' };

  // Text from here on. A NUL in the first 8 KiB means binary (UTF-16 logs are rare on these paths).
  const probe = b.subarray(0, Math.min(b.length, 8192));
  if (probe.includes(0)) return { kind: 'unknown', reason: 'binary content of no known kind' };

  const text = b.toString('latin1').replace(/^\uFEFF|^\xEF\xBB\xBF/, '');
  const lines = text.split('\n', 400).map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));

  const w3c = sniffW3cFamily(lines);
  if (w3c) return w3c;
  if (
    /<Event\s+xmlns=['"]http:\/\/schemas\.microsoft\.com\/win\/2004\/08\/events\/event['"]/.test(
      text.slice(0, 65536),
    )
  ) {
    return { kind: 'winevent.xml', reason: 'Windows events exported as XML (wevtutil qe /f:xml)' };
  }
  const csvHead = lines.find((l) => l.trim() !== '' && !l.startsWith('#TYPE')) ?? '';
  if (
    /(^|,)"?TimeCreated"?(,|$)/.test(csvHead) &&
    /(^|,)"?ProviderName"?(,|$)/.test(csvHead) &&
    /(^|,)"?Id"?(,|$)/.test(csvHead)
  ) {
    return { kind: 'winevent.csv', reason: 'Windows events exported as CSV (Get-WinEvent | Export-Csv)' };
  }
  // Only log lines (a timestamp first) that carry the generator's messages: documents that merely
  // quote them (CISA's CHIRP file, READMEs) are not logs.
  if (
    /^\d{4}-\d\d-\d\d[T ]\d\d:\d\d:\d\d[^\n]{0,300}(OABGenerator|Download failed and temporary file ')/im.test(
      text.slice(0, 65536),
    )
  ) {
    return { kind: 'exchange.oab', reason: 'Exchange OAB generator log (OABGenerator messages)' };
  }
  const header = lines.find((l) => l.trim() !== '' && !l.startsWith('#TYPE'));
  if (
    header &&
    /(^|,)"?AdminDisplayVersion"?(,|$)/i.test(header) &&
    /(^|,)"?(Name|Identity|Fqdn)"?(,|$)/i.test(header)
  ) {
    return {
      kind: 'exchange.inventory',
      reason: 'Exchange server inventory (Get-ExchangeServer | Export-Csv)',
    };
  }
  if (header && header.includes(',') && isListingHeader(header.replace(/^\uFEFF/, '').split(','))) {
    return { kind: 'listing.csv', reason: 'file listing (CSV with path and hash columns)' };
  }
  const mail = sniffMail(lines);
  if (mail) return mail;
  const dns = sniffDns(lines);
  if (dns) return dns;
  if (SERVER_PAGE.test(text))
    return { kind: 'web.page', reason: 'server-side page markup (<%@ …%>, runat=server, <?php)' };
  if (
    /<html[\s>]/i.test(text.slice(0, 4096)) ||
    (/\.(?:html?|aspx?|ashx|asmx|jsp|php)$/i.test(name) && /<\w+[\s>]/.test(text))
  ) {
    return { kind: 'web.page', reason: 'HTML markup' };
  }
  return { kind: 'unknown', reason: 'text of no known log, mail or page format' };
}

function sniffW3cFamily(lines: readonly string[]): Sniffed | null {
  let software = '';
  let logType = '';
  let fields = '';
  // Exchange 2013–2019 put a plain CSV header line (`DateTime,RequestId,…`) above the directives;
  // copies may have it after them, or alone. It is skipped here wherever it is among the first lines.
  let csvHeader = '';
  for (const l of lines.slice(0, 30)) {
    if (l.trim() === '') continue;
    if (!l.startsWith('#')) {
      if (!csvHeader && csvHeaderLine(l)) {
        csvHeader = l;
        continue;
      }
      break;
    }
    const m = /^#([A-Za-z-]+):(.*)$/.exec(l); // `:\s*(.*)$` backtracks quadratically
    if (!m) continue;
    const key = m[1]!.toLowerCase();
    if (key === 'software') software = m[2]!.trimStart();
    else if (key === 'log-type') logType = m[2]!.trimStart();
    else if (key === 'fields') fields = m[2]!.trimStart();
  }
  if (!fields && csvHeader) fields = csvHeader.replace(/^\uFEFF/, '');
  if (!fields) return null;
  const lt = logType.toLowerCase();
  const csv = fields.split(',').map((f) => f.trim().toLowerCase());
  if (lt.includes('httpproxy') || (csv.includes('anchormailbox') && csv.includes('urlstem'))) {
    return { kind: 'exchange.httpproxy', reason: `Exchange HttpProxy log header (${logType || '#Fields'})` };
  }
  if (lt.includes('ecp server') || (csv.length === 4 && csv[0] === 'timestamp' && csv[3] === 'eventdata')) {
    return { kind: 'exchange.ecp', reason: `Exchange ECP Server log header (${logType || '#Fields'})` };
  }
  if (lt.includes('oab'))
    return { kind: 'exchange.oab', reason: `Exchange OAB generator log header (${logType})` };
  if (/microsoft exchange/i.test(software))
    // The same layout, a family no check reads (EWS, Autodiscover, ECP Activity, cmdlet logs, …).
    return {
      kind: 'unknown',
      reason: `Exchange CSV log${logType ? ` (${logType})` : ''} of a family no Exchange check reads`,
    };
  const spaced = fields.split(/\s+/).map((f) => f.toLowerCase());
  if (
    /internet information services/i.test(software) ||
    spaced.includes('cs-uri-stem') ||
    (spaced.includes('date') &&
      spaced.includes('time') &&
      spaced.some((f) => f.startsWith('cs') || f.startsWith('sc')))
  ) {
    return { kind: 'iis.w3c', reason: 'W3C extended log header (#Fields)' };
  }
  if (
    /zeek|bro/i.test(lines.find((l) => l.startsWith('#path')) ?? '') ||
    lines.some((l) => /^#path\s+dns\b/.test(l))
  ) {
    return { kind: 'dns.zeek', reason: 'Zeek dns.log header' };
  }
  return null;
}

function sniffDns(lines: readonly string[]): Sniffed | null {
  if (lines.some((l) => /^#path\s+dns\b/.test(l)))
    return { kind: 'dns.zeek', reason: 'Zeek dns.log header (#path dns)' };
  const body = lines.filter((l) => l.trim() !== '');
  if (body.slice(0, 50).some((l) => BIND_QUERY.test(l)))
    return { kind: 'dns.bind', reason: 'BIND query log lines (client … query: … IN …)' };
  if (
    body.slice(0, 5).some((l) => /DNS Server log file creation/i.test(l)) ||
    body.slice(0, 200).some((l) => WINDOWS_DNS.test(l))
  ) {
    return { kind: 'dns.windows', reason: 'Windows DNS Server debug log (PACKET … UDP Rcv … Q [ … ])' };
  }
  if (body.slice(0, 50).some((l) => DNSMASQ_LINE.test(l)))
    return { kind: 'dns.dnsmasq', reason: 'dnsmasq query log (dnsmasq[pid]: query[A] … from …)' };
  const first = body[0]?.replace(/^\uFEFF/, '') ?? '';
  if (/,/.test(first) && !first.startsWith('#') && !first.startsWith('{')) {
    const head = first.split(',').map((h) => h.trim().replace(/^"|"$/g, '').toLowerCase());
    if (head.some((h) => DNS_CSV_COLUMNS.has(h)))
      return {
        kind: 'dns.csv',
        reason: `CSV with a DNS question column (${head.find((h) => DNS_CSV_COLUMNS.has(h))})`,
      };
  }
  const start = body.slice(0, 3).join(' ').trimStart();
  if (
    (start.startsWith('"results"') || start.startsWith('{') || start.startsWith('[')) &&
    /"(?:qname|rrname)"\s*:/.test(lines.join('\n'))
  ) {
    return { kind: 'dns.pdns', reason: 'passive-DNS JSON (qname/rrname records)' };
  }
  const zeekJson = body
    .slice(0, 20)
    .filter((l) => l.startsWith('{') && /"query"\s*:/.test(l) && /"(?:qtype_name|qtype|uid)"\s*:/.test(l));
  if (zeekJson.length > 0 && zeekJson.length === Math.min(body.length, 20))
    return { kind: 'dns.zeek', reason: 'Zeek dns.log in JSON (query, qtype_name)' };
  // A plain list of names: every sampled non-comment line is a DNS name and most contain a dot.
  const sample = body.filter((l) => !l.startsWith('#')).slice(0, 200);
  // Public lists are noisy (junk lines, truncated names): nine in ten names is enough; the reader
  // passes every line on and the decoders say why a line is not a name.
  const names = sample.filter((l) => HOSTNAME.test(l.trim()) && l.includes('.')).length;
  if (sample.length >= 1 && names >= Math.max(1, sample.length * 0.9)) {
    return { kind: 'dns.list', reason: 'a plain list of DNS names, one per line' };
  }
  return null;
}

function sniffMail(lines: readonly string[]): Sniffed | null {
  let i = 0;
  let mbox = false;
  while (i < lines.length && lines[i]!.trim() === '') i++;
  if (lines[i]?.startsWith('From ')) {
    mbox = true;
    i++;
  }
  let known = 0;
  let strong = 0;
  let empty = 0;
  let headerLines = 0;
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    if (l === '') break;
    if (l.startsWith(' ') || l.startsWith('\t')) continue; // folded continuation
    if (!HEADER_LINE.test(l)) {
      // Spam breaks its own headers; once the block is clearly mail, a bad line just ends it.
      if (known >= 2) break;
      // A field name alone with the colon on the folded next line (seen in real phishing).
      if (/^[!-9;-~]+$/.test(l) && /^[ \t]+:/.test(lines[i + 1] ?? '')) {
        i++;
        headerLines++;
        continue;
      }
      return null;
    }
    headerLines++;
    const name = l.slice(0, l.indexOf(':')).trim();
    if (MAIL_FIELDS.test(name)) known++;
    if (STRONG_MAIL_FIELDS.test(name)) strong++;
    // `key:` with nothing after it opens a block in YAML; mail headers carry a value.
    if (/:\s*$/.test(l)) empty++;
  }
  const ended = i < lines.length; // a blank line closed the header block
  // Two standard fields, or one closed by a blank line (a bare MIME entity, a minimal test message).
  if (headerLines === 0 || known < 1 || (known < 2 && !ended)) return null;
  // YAML, INI-like configs and rule files (Sigma: title/id/date/…) look like headers; mail has From,
  // Received, Subject or Message-ID, and few fields without a value.
  if (strong === 0 && !(known >= 1 && ended && headerLines === known)) return null;
  if (empty > 2 && empty * 3 > headerLines) return null;
  if (mbox) return { kind: 'mail.mbox', reason: 'mbox ("From " line, then message headers)' };
  return { kind: 'mail.message', reason: `RFC 5322 message (${known} standard header fields)` };
}
