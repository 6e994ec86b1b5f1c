import { createServer, type Server } from 'node:net';
import { Connections } from '../listen.ts';
import { MilterSession, type MilterHandler, type SessionOptions } from './session.ts';

/**
 * A milter server: one session per MTA connection (Postfix opens one per SMTP session and closes
 * it after QUIT), many at once. Idle connections are dropped after `idleMs` — longer than the
 * MTA's own SMTP timeout, since the MTA keeps the milter connection while its client is slow.
 */
export interface MilterServerOptions extends Partial<SessionOptions> {
  readonly idleMs?: number;
  readonly maxConnections?: number;
}

export interface MilterServer {
  readonly server: Server;
  readonly connections: Connections;
  /** Sessions computing an end-of-message decision now. */
  busy(): number;
  /** Ends idle sessions now and busy ones after their answer. */
  shutdown(): void;
}

export function createMilterServer(handler: MilterHandler, opts: MilterServerOptions = {}): MilterServer {
  const sessionOpts: SessionOptions = {
    maxPacket: opts.maxPacket ?? 1024 * 1024,
    maxBody: opts.maxBody ?? 25 * 1024 * 1024,
    maxHeaders: opts.maxHeaders ?? 2000,
    onHandlerError: opts.onHandlerError ?? 'accept',
  };
  const connections = new Connections(opts.maxConnections ?? 1000);
  const sessions = new Set<MilterSession>();
  const server = createServer((socket) => {
    if (!connections.add(socket)) return;
    socket.setNoDelay(true);
    socket.on('error', () => {});
    const s = new MilterSession(socket, handler, sessionOpts);
    // Idle means the peer is silent; while we compute an answer, the silence is ours.
    socket.setTimeout(opts.idleMs ?? 600_000, () => {
      if (!s.busy) socket.destroy();
    });
    sessions.add(s);
    socket.once('close', () => sessions.delete(s));
  });
  return {
    server,
    connections,
    busy: () => [...sessions].filter((s) => s.busy).length,
    shutdown: () => {
      for (const s of sessions) s.shutdown();
    },
  };
}
