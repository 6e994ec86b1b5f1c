import { existsSync, lstatSync, unlinkSync } from 'node:fs';
import type { Server as NetServer, Socket } from 'node:net';
import type { Server as HttpServer } from 'node:http';

/**
 * Listener addresses as administrators write them: `HOST:PORT`, `[v6]:PORT` or `unix:/path`.
 */
export type Address = { readonly host: string; readonly port: number } | { readonly path: string };

export function parseAddress(spec: string): Address {
  if (spec.startsWith('unix:')) {
    const path = spec.slice(5);
    if (!path) throw new Error(`no socket path in ${spec}`);
    return { path };
  }
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d{1,5})$/.exec(spec);
  const port = Number(m?.[3]);
  if (!m || port > 65535) throw new Error(`address must be HOST:PORT or unix:/path, not ${spec}`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

export function formatAddress(server: NetServer | HttpServer, a: Address): string {
  if ('path' in a) return `unix:${a.path}`;
  const got = server.address();
  const port = got && typeof got === 'object' ? got.port : a.port;
  return a.host.includes(':') ? `[${a.host}]:${port}` : `${a.host}:${port}`;
}

/** Listens; a stale unix socket file left by a killed process is replaced (never another file). */
export function listenOn(server: NetServer | HttpServer, a: Address): Promise<string> {
  if ('path' in a && existsSync(a.path)) {
    if (!lstatSync(a.path).isSocket()) throw new Error(`${a.path} exists and is not a socket`);
    unlinkSync(a.path);
  }
  return new Promise((resolve, reject) => {
    server.once('error', reject);
    const done = () => {
      server.off('error', reject);
      resolve(formatAddress(server, a));
    };
    if ('path' in a) server.listen(a.path, done);
    else server.listen(a.port, a.host, done);
  });
}

/** Keeps track of open connections so that a shutdown can wait for them or end them. */
export class Connections {
  private readonly open = new Set<Socket>();
  limit: number;
  constructor(limit: number) {
    this.limit = limit;
  }
  /** False (and the socket is closed) when the limit is reached. */
  add(s: Socket): boolean {
    if (this.open.size >= this.limit) {
      s.destroy();
      return false;
    }
    this.open.add(s);
    s.once('close', () => this.open.delete(s));
    return true;
  }
  get size(): number {
    return this.open.size;
  }
  all(): Socket[] {
    return [...this.open];
  }
}
