/**
 * IMAP URLs (RFC 5092) naming one message: `imap://USER@HOST:PORT/MAILBOX;UIDVALIDITY=V/;UID=N`.
 * The user and mailbox are percent-encoded outside RFC 5092's `achar`/`bchar` sets (so `@`
 * in a login becomes %40 and a Dovecot master login `user*master` keeps its `*`).
 */
const ACHAR = /[A-Za-z0-9\-._~!$'()*+,&=]/;
const BCHAR = /[A-Za-z0-9\-._~!$'()*+,&=:@/]/;

function encode(s: string, allowed: RegExp): string {
  let out = '';
  for (const b of Buffer.from(s, 'utf8')) {
    const c = String.fromCharCode(b);
    out += b < 0x80 && allowed.test(c) ? c : `%${b.toString(16).toUpperCase().padStart(2, '0')}`;
  }
  return out;
}

export interface ImapServer {
  readonly secure: boolean;
  readonly host: string;
  readonly port: number;
}

export function messageUrl(
  server: ImapServer,
  user: string,
  mailbox: string,
  uidValidity: bigint | string,
  uid: number,
): string {
  const scheme = server.secure ? 'imaps' : 'imap';
  const host = server.host.includes(':') ? `[${server.host}]` : server.host;
  return `${scheme}://${encode(user, ACHAR)}@${host}:${server.port}/${encode(mailbox, BCHAR)};UIDVALIDITY=${String(uidValidity)}/;UID=${uid}`;
}

/** `imap://HOST[:PORT]` or `imaps://HOST[:PORT]` (ports 143 and 993 by default); undefined if not one. */
export function parseServer(s: string): ImapServer | undefined {
  const m = /^(imaps?):\/\/(?:[^@/]*@)?(\[[0-9a-f:.]+\]|[A-Za-z0-9.-]+)(?::(\d{1,5}))?\/?$/i.exec(s.trim());
  if (!m) return undefined;
  const secure = m[1]!.toLowerCase() === 'imaps';
  const port = m[3] ? Number(m[3]) : secure ? 993 : 143;
  if (port < 1 || port > 65535) return undefined;
  return { secure, host: m[2]!.replace(/^\[|\]$/g, ''), port };
}
