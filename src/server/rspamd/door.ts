import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import { zstdDecompressSync } from 'node:zlib';
import { Connections } from '../listen.ts';
import { hasHeader } from '../message.ts';
import type { Logger, Verdicts } from '../verdict.ts';
import { checkv2Reply } from './reply.ts';

/**
 * Rspamd's HTTP protocol: `POST /checkv2` (and the legacy `/check`, `/symbols`) with the message
 * as the body and the envelope in request headers; `GET /ping` → `pong`. Node's http server is
 * only the transport for this fixed door. Headers that would make the server read a local file
 * or shared memory (`File`, `Path`, `Shm`) are refused: a network client names no paths here.
 */
export interface RspamdDoorOptions {
  readonly idleMs?: number;
  readonly maxConnections?: number;
}

export interface RspamdDoor {
  readonly server: Server;
  readonly connections: Connections;
}

const first = (v: string | string[] | undefined) => (Array.isArray(v) ? v[0] : v)?.trim();
const addrOf = (v: string | undefined) => v?.trim().replace(/^<(.*)>$/, '$1');

function error(res: ServerResponse, status: number, message: string): void {
  const body = JSON.stringify({ error: message, error_domain: 'vigil' });
  res.writeHead(status, { 'Content-Type': 'application/json', 'Content-Length': Buffer.byteLength(body) });
  res.end(body);
}

/** Reads the body up to `max` bytes; returns the bytes and the full length seen. */
function readBody(req: IncomingMessage, max: number): Promise<{ body: Buffer; size: number }> {
  return new Promise((resolve, reject) => {
    const parts: Buffer[] = [];
    let kept = 0;
    let size = 0;
    req.on('data', (d: Buffer) => {
      size += d.length;
      if (kept + d.length <= max) {
        parts.push(d);
        kept += d.length;
      } else {
        // Over the limit: stop reading; the reply says so and the connection closes.
        req.pause();
        resolve({ body: Buffer.concat(parts), size });
      }
    });
    req.on('end', () => resolve({ body: Buffer.concat(parts), size }));
    req.on('error', reject);
  });
}

export function createRspamdDoor(verdicts: Verdicts, log: Logger, opts: RspamdDoorOptions = {}): RspamdDoor {
  const connections = new Connections(opts.maxConnections ?? 1000);
  const server = createServer(
    {
      requestTimeout: opts.idleMs ?? 120_000,
      headersTimeout: Math.min(opts.idleMs ?? 60_000, 60_000),
      maxHeaderSize: 64 * 1024,
    },
    (req, res) => {
      handle(req, res).catch((e: Error) => {
        log({ door: 'rspamd', peer: req.socket.remoteAddress, error: 'internal', detail: e.message });
        if (!res.headersSent) error(res, 500, 'internal error');
        else res.destroy();
      });
    },
  );
  server.keepAliveTimeout = 5000;
  server.on('connection', (s) => {
    if (!connections.add(s)) return;
    s.setTimeout(opts.idleMs ?? 120_000, () => s.destroy());
  });
  server.on('clientError', (_e, socket) => {
    if (socket.writable) socket.end('HTTP/1.1 400 Bad Request\r\nConnection: close\r\n\r\n');
    else socket.destroy();
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0]!;
    if (path === '/ping') {
      res.writeHead(200, { 'Content-Type': 'text/plain', 'Content-Length': 6 });
      res.end('pong\r\n');
      return;
    }
    if (!['/checkv2', '/check', '/symbols'].includes(path)) return error(res, 404, `unknown command ${path}`);
    if (req.method !== 'POST') return error(res, 405, 'POST the message');
    const h = req.headers;
    if (h['file'] || h['path'] || h['shm'])
      return error(res, 403, 'File, Path and Shm inputs are not accepted over the network');
    if (h['message-length']) return error(res, 400, 'Message-Length control blocks are not supported');
    const max = verdicts.policy.maxSize;
    const read = await readBody(req, max);
    let body = read.body;
    if (read.size <= max && first(h['compression'])?.toLowerCase() === 'zstd') {
      try {
        body = zstdDecompressSync(body, { maxOutputLength: max + 1 });
      } catch (e) {
        return error(res, 400, `bad zstd body: ${(e as Error).message}`);
      }
    }
    const size = Math.max(read.size, body.length);
    const sender = h['from'] !== undefined ? (addrOf(first(h['from'])) ?? '') : undefined;
    const rcpts = ([] as string[])
      .concat(h['rcpt'] ?? [])
      .flatMap((r) => r.split(','))
      .map((r) => addrOf(r)!)
      .filter(Boolean)
      .slice(0, 1000);
    // What the MTA knows and the message may lack: Return-Path comes from MAIL FROM at delivery.
    const raw =
      sender !== undefined && size <= max && !hasHeader(body, 'return-path')
        ? Buffer.concat([Buffer.from(`Return-Path: <${sender.replace(/[\r\n]/g, '')}>\r\n`), body])
        : body;
    const ip = first(h['ip']);
    const helo = first(h['helo']);
    const queueId = first(h['queue-id'])?.slice(0, 64);
    // While the verdict is computed the client waits: the verdict's own time limit applies.
    req.socket.setTimeout(0);
    const o = await verdicts.judge(
      raw,
      {
        ...(ip ? { ip } : {}),
        ...(helo ? { helo } : {}),
        ...(sender !== undefined ? { sender } : {}),
        recipients: rcpts,
        ...(queueId ? { queueId } : {}),
      },
      {
        door: 'rspamd',
        ...(queueId ? { queueId } : {}),
        ...(req.socket.remoteAddress ? { peer: req.socket.remoteAddress } : {}),
        size: size + (raw.length - body.length),
      },
    );
    const reply = checkv2Reply(o, verdicts.thresholds.add_header, queueId ?? 'undef');
    const legacy = path !== '/checkv2';
    const out = JSON.stringify(legacy ? legacyReply(reply) : reply);
    res.writeHead(200, {
      'Content-Type': 'application/json',
      'Content-Length': Buffer.byteLength(out),
      ...(read.size > max ? { Connection: 'close' } : {}),
    });
    res.end(out);
    req.socket.setTimeout(opts.idleMs ?? 120_000);
    if (read.size > max) req.socket.destroySoon();
  }

  return { server, connections };
}

/** The legacy /check shape: results under `default`, symbols as keys beside the totals. */
function legacyReply(r: Record<string, unknown>): Record<string, unknown> {
  const { symbols, messages, ...rest } = r as {
    symbols: Record<string, unknown>;
    messages: unknown;
  } & Record<string, unknown>;
  const action = String(rest['action']);
  return {
    default: {
      is_spam: action === 'reject' || action === 'add header',
      is_skipped: rest['is_skipped'],
      score: rest['score'],
      required_score: rest['required_score'],
      action,
      ...symbols,
    },
    messages,
    'message-id': rest['message-id'],
    vigil_action: rest['vigil_action'],
  };
}
