import { createServer, type Server, type Socket } from 'node:net';
import { inflateSync } from 'node:zlib';
import { Connections } from '../listen.ts';
import type { Logger, Verdicts } from '../verdict.ts';
import { EX, facts, report, rewrittenHeader, spamLine } from './reply.ts';

/**
 * The SPAMC/SPAMD 1.5 protocol, so that Exim, amavis and anything that runs spamc can use Vigil in
 * SpamAssassin's place. A request is a request line, headers, a blank line and (for scans) the
 * message; `Content-length` says how long it is. Vigil does not learn: TELL is answered with
 * EX_UNAVAILABLE and a text that says so.
 */
export interface SpamdDoorOptions {
  readonly idleMs?: number;
  readonly maxConnections?: number;
}

export interface SpamdDoor {
  readonly server: Server;
  readonly connections: Connections;
}

const METHODS = new Set([
  'CHECK',
  'SYMBOLS',
  'REPORT',
  'REPORT_IFSPAM',
  'PROCESS',
  'HEADERS',
  'PING',
  'SKIP',
  'TELL',
]);
const MAX_HEAD = 16 * 1024;
const MAX_HEADER_LINES = 256;

export function createSpamdDoor(verdicts: Verdicts, log: Logger, opts: SpamdDoorOptions = {}): SpamdDoor {
  const connections = new Connections(opts.maxConnections ?? 1000);
  const server = createServer({ allowHalfOpen: true }, (socket) => {
    if (!connections.add(socket)) return;
    socket.setTimeout(opts.idleMs ?? 120_000, () => socket.destroy());
    socket.on('error', () => {});
    serve(socket).catch((e: Error) => {
      log({ door: 'spamd', peer: socket.remoteAddress ?? 'unix', error: 'internal', detail: e.message });
      fail(socket, EX.SOFTWARE, 'internal error');
    });
  });

  function fail(socket: Socket, code: number, text: string): void {
    if (socket.writable) socket.end(`SPAMD/1.0 ${code} ${text.replace(/[\r\n]/g, ' ')}\r\n`);
    else socket.destroy();
  }

  async function serve(socket: Socket): Promise<void> {
    const max = verdicts.policy.maxSize;
    let buf: Buffer = Buffer.alloc(0);
    let ended = false;
    let wake: (() => void) | undefined;
    socket.on('data', (d: Buffer) => {
      buf = buf.length ? Buffer.concat([buf, d]) : d;
      // Holding more than the message limit (plus the request head) is never needed.
      if (buf.length > max + MAX_HEAD) socket.pause();
      wake?.();
    });
    socket.on('end', () => {
      ended = true;
      wake?.();
    });
    socket.on('close', () => {
      ended = true;
      wake?.();
    });
    const more = () =>
      new Promise<void>((r) => {
        wake = () => {
          wake = undefined;
          r();
        };
      });

    // The request head: up to the blank line (a bare PING line of old clients ends it too).
    let headEnd: number;
    let headText: string;
    for (;;) {
      headEnd = buf.indexOf('\r\n\r\n');
      if (headEnd >= 0) {
        headText = buf.toString('latin1', 0, headEnd);
        break;
      }
      const firstLine = buf.indexOf('\r\n');
      if (firstLine >= 0 && /^PING /.test(buf.toString('latin1', 0, firstLine))) {
        headText = buf.toString('latin1', 0, firstLine);
        break;
      }
      if (buf.length > MAX_HEAD) return fail(socket, EX.PROTOCOL, 'Bad header line: request head too long');
      if (ended) {
        if (buf.length) fail(socket, EX.PROTOCOL, 'Bad header line: truncated request');
        else socket.destroy();
        return;
      }
      await more();
    }
    const lines = headText.split('\r\n');
    const request = lines[0] ?? '';
    const m = /^([A-Z_]+) SPAMC\/(\d+)\.(\d+)$/.exec(request);
    if (!m || !METHODS.has(m[1]!))
      return fail(socket, EX.PROTOCOL, `Bad header line: ${request.slice(0, 100)}`);
    const method = m[1]!;
    if (lines.length - 1 > MAX_HEADER_LINES) return fail(socket, EX.PROTOCOL, 'Bad header line: too many');
    const headers = new Map<string, string>();
    for (const l of lines.slice(1)) {
      // Name and value split at the first colon (a regex with \s* on both sides of it backtracks).
      const colon = l.indexOf(':');
      const name = colon > 0 ? l.slice(0, colon).trimEnd() : '';
      if (!/^[A-Za-z][A-Za-z0-9-]*$/.test(name))
        return fail(socket, EX.PROTOCOL, `Bad header line: ${l.slice(0, 100)}`);
      headers.set(name.toLowerCase(), l.slice(colon + 1).trim());
    }
    if (method === 'PING') {
      socket.end('SPAMD/1.5 0 PONG\r\n');
      return;
    }
    if (method === 'SKIP') {
      socket.end();
      return;
    }
    if (method === 'TELL') {
      socket.end(`SPAMD/1.0 ${EX.UNAVAILABLE} TELL is not supported: Vigil does not learn from messages\r\n`);
      return;
    }
    const start = headEnd + 4;
    const lenText = headers.get('content-length');
    if (lenText !== undefined && !/^\d{1,12}$/.test(lenText))
      return fail(socket, EX.PROTOCOL, 'Bad header line: Content-length');
    const declared = lenText === undefined ? undefined : Number(lenText);
    const compressed = (headers.get('compress') ?? '').toLowerCase() === 'zlib';
    if (compressed && declared === undefined)
      return fail(socket, EX.PROTOCOL, 'Compress requires Content-length header');
    const oversize = declared !== undefined && declared > max;
    // Read the message: exactly Content-length bytes, or (old clients) up to the end of input.
    while (!oversize) {
      const have = buf.length - start;
      if (declared !== undefined ? have >= declared : ended) break;
      if (declared === undefined && have > max) break;
      if (ended) return fail(socket, EX.PROTOCOL, `Content-length ${declared} but ${have} bytes came`);
      await more();
    }
    let body = oversize ? Buffer.alloc(0) : buf.subarray(start, start + (declared ?? max + 1));
    if (compressed && !oversize) {
      try {
        body = inflateSync(body, { maxOutputLength: max + 1 });
      } catch (e) {
        return fail(socket, EX.DATAERR, `bad zlib body: ${(e as Error).message}`);
      }
    }
    const size = oversize ? declared : body.length;
    socket.setTimeout(0); // the verdict's own time limit applies, not the idle one
    const o = await verdicts.judge(
      body,
      {},
      {
        door: 'spamd',
        peer: socket.remoteAddress ?? 'unix',
        size,
      },
    );
    if (o.kind === 'unscanned' && o.policy === 'tempfail')
      return fail(socket, EX.TEMPFAIL, `Vigil: message not checked (${o.reason}), try again later`);
    const f = facts(o, verdicts.thresholds.add_header);
    let out: Buffer | undefined;
    let yesNo = false;
    switch (method) {
      case 'CHECK':
        break;
      case 'SYMBOLS':
        out = Buffer.from(f.names.join(','));
        break;
      case 'REPORT':
        out = Buffer.from(report(o, f));
        break;
      case 'REPORT_IFSPAM':
        yesNo = true;
        out = Buffer.from(f.spam ? report(o, f) : '');
        break;
      case 'PROCESS':
      case 'HEADERS': {
        // An oversize message was not kept: nothing to rewrite, so the client keeps its copy.
        if (oversize) break;
        const { header, rest, eol } = rewrittenHeader(body, o, f);
        out =
          method === 'PROCESS' ? Buffer.concat([header, rest]) : Buffer.concat([header, Buffer.from(eol)]);
        break;
      }
    }
    const head = [`SPAMD/1.1 ${EX.OK} EX_OK`];
    if (out) head.push(`Content-length: ${out.length}`);
    head.push(spamLine(f, yesNo), '', '');
    socket.end(out ? Buffer.concat([Buffer.from(head.join('\r\n')), out]) : head.join('\r\n'));
  }

  return { server, connections };
}
