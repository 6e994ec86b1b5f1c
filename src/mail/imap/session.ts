import { isIP } from 'node:net';
import { ImapFlow } from 'imapflow';
import type { ImapServer } from './url.ts';

/**
 * One IMAP session with the options a hunt needs: no logger (imapflow would log through pino),
 * no automatic IDLE, timeouts so a silent server cannot hold the hunt, TLS certificates checked
 * unless the responder says `--insecure`.
 */
export interface SessionOptions {
  readonly insecure?: boolean;
  /** Milliseconds without data before the connection is dropped (default 60 s). */
  readonly socketTimeout?: number;
}

export async function openSession(
  server: ImapServer,
  user: string,
  pass: string,
  o: SessionOptions = {},
): Promise<ImapFlow> {
  const client = new ImapFlow({
    host: server.host,
    port: server.port,
    secure: server.secure,
    auth: { user, pass },
    logger: false,
    disableAutoIdle: true,
    connectionTimeout: 20_000,
    greetingTimeout: 20_000,
    socketTimeout: o.socketTimeout ?? 60_000,
    tls: { rejectUnauthorized: !o.insecure, ...(isIP(server.host) ? {} : { servername: server.host }) },
    clientInfo: { name: 'vigil' },
  });
  // A dropped connection also surfaces as an error event; the command in flight rejects with it.
  client.on('error', () => {});
  await client.connect();
  return client;
}

/** Why a session failed, in words (imapflow's errors carry the server's response text and code). */
export function sessionError(e: unknown): string {
  const err = e as {
    message?: string;
    responseText?: string;
    serverResponseCode?: string;
    authenticationFailed?: boolean;
    code?: string;
  };
  if (err.serverResponseCode === 'LIMIT') return `connection limit reached: ${err.responseText ?? ''}`.trim();
  if (err.authenticationFailed) return `login failed${err.responseText ? `: ${err.responseText}` : ''}`;
  const text = err.responseText ? `${err.message ?? ''}: ${err.responseText}` : (err.message ?? String(e));
  return err.code && !text.includes(err.code) ? `${text} (${err.code})` : text;
}

/** LOGOUT when the connection still works (never CLOSE: that would expunge), else drop it. */
export async function closeSession(client: ImapFlow | undefined): Promise<void> {
  if (!client) return;
  if (client.usable) await client.logout().catch(() => client.close());
  else client.close();
}
