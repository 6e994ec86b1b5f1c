/**
 * The message as it will be delivered. An MTA hides part of it from a filter: Postfix drops
 * Return-Path (and Bcc, Content-Length) before milters run and never shows its own Received line,
 * yet both are in the copy the mailbox gets and checks such as FROM_DOMAIN_NOT_ON_PATH read them
 * (scored without them, 21 of 228 corpus messages got another verdict). So the milter rebuilds
 * them from the envelope and the connection macros, the way Postfix's smtpd and local/virtual
 * delivery write them.
 */
export interface Envelope {
  /** MAIL FROM without angle brackets ('' for the null sender). */
  readonly sender?: string;
  readonly recipients: readonly string[];
  readonly helo?: string;
  /** Client name as Postfix resolved it ('unknown' when it could not). */
  readonly clientName?: string;
  readonly clientAddr?: string;
  /** Client port; 0 for mail submitted locally (the sendmail command). */
  readonly clientPort?: number;
  /** `j`: the MTA's own host name. */
  readonly myHostname?: string;
  readonly queueId?: string;
  readonly tls?: { readonly version: string; readonly cipher?: string; readonly bits?: string };
  readonly authenticated?: boolean;
  readonly date?: Date;
}

const DAYS = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec'];
const p2 = (n: number) => String(n).padStart(2, '0');

/** RFC 5322 date in the local zone, as Postfix writes it (`Fri,  4 Dec 2026 16:35:34 +0000 (UTC)` less the comment). */
export function rfc5322Date(d: Date): string {
  const off = -d.getTimezoneOffset();
  const sign = off >= 0 ? '+' : '-';
  const zone = `${sign}${p2(Math.floor(Math.abs(off) / 60))}${p2(Math.abs(off) % 60)}`;
  return `${DAYS[d.getDay()]}, ${d.getDate()} ${MONTHS[d.getMonth()]} ${d.getFullYear()} ${p2(d.getHours())}:${p2(d.getMinutes())}:${p2(d.getSeconds())} ${zone}`;
}

/** Header values come from the wire: keep them on one logical line, printable, bounded. */
const clean = (s: string, max = 255) => s.replace(/[\r\n\0]+/g, ' ').slice(0, max);

/** Postfix's own Received line (smtpd.c), or pickup's for locally submitted mail. */
export function receivedLine(env: Envelope): string {
  const date = rfc5322Date(env.date ?? new Date());
  const host = clean(env.myHostname ?? 'localhost');
  const id = env.queueId ? ` id ${clean(env.queueId, 64)}` : '';
  const one = env.recipients.length === 1 ? `\r\n\tfor <${clean(env.recipients[0]!)}>` : '';
  if (env.clientPort === 0) return `Received: by ${host} (Postfix)${id}${one ? `${one};` : ';'} ${date}`;
  const helo = clean(env.helo || env.clientName || 'unknown');
  const name = clean(env.clientName ?? 'unknown');
  const addr = clean(env.clientAddr ?? '');
  const tls = env.tls
    ? `\r\n\t(using ${clean(env.tls.version, 40)}${env.tls.cipher ? ` with cipher ${clean(env.tls.cipher, 80)}` : ''}${env.tls.bits ? ` (${clean(env.tls.bits, 20)} bits)` : ''})`
    : '';
  const proto = `ESMTP${env.tls ? 'S' : ''}${env.authenticated ? 'A' : ''}`;
  return `Received: from ${helo} (${name} [${addr}])${tls}\r\n\tby ${host} (Postfix) with ${proto}${id}${one};\r\n\t${date}`;
}

/**
 * Prepends what delivery adds: Return-Path from the envelope sender, Delivered-To for each
 * recipient (local and virtual delivery write one per copy), and the MTA's Received line.
 * `header` and `body` are the message as the filter received it (CRLF line ends).
 */
export function deliveredView(header: Uint8Array, body: Uint8Array, env: Envelope): Buffer {
  const pre: string[] = [];
  if (env.sender !== undefined) pre.push(`Return-Path: <${clean(env.sender)}>`);
  for (const r of env.recipients.slice(0, 50)) pre.push(`Delivered-To: ${clean(r)}`);
  pre.push(receivedLine(env));
  return Buffer.concat([Buffer.from(`${pre.join('\r\n')}\r\n`, 'latin1'), header, Buffer.from('\r\n'), body]);
}

/** True when the header block (up to the first blank line) has this header. */
export function hasHeader(raw: Uint8Array, name: string): boolean {
  const b = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const end = b.indexOf('\n\n') >= 0 || b.indexOf('\r\n\r\n') >= 0 ? headerEnd(b) : b.length;
  const re = new RegExp(`^${name}:`, 'im');
  return re.test(b.subarray(0, Math.min(end, 1024 * 1024)).toString('latin1'));
}

/** Offset of the blank line ending the header block (or the length when there is none). */
export function headerEnd(b: Buffer): number {
  const crlf = b.indexOf('\r\n\r\n');
  const lf = b.indexOf('\n\n');
  if (crlf < 0 && lf < 0) return b.length;
  if (crlf < 0) return lf;
  if (lf < 0) return crlf;
  return Math.min(crlf, lf);
}
