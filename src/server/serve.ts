import { createWriteStream, type WriteStream } from 'node:fs';
import type { Server } from 'node:net';
import type { Server as HttpServer } from 'node:http';
import { loadEngine, type EngineConfig } from './engine.ts';
import { Connections, listenOn, parseAddress } from './listen.ts';
import { createMilterServer } from './milter/server.ts';
import { vigilMilter } from './milter/door.ts';
import { createRspamdDoor } from './rspamd/door.ts';
import { createSpamdDoor } from './spamd/door.ts';
import { DEFAULT_POLICY, Verdicts, type Logger, type OnError } from './verdict.ts';

/**
 * `vigil serve`: the mail engine loaded once, behind any subset of the three mail-flow doors
 * (milter, Rspamd HTTP, spamd). Other doors (an HTTP API) can join the same process: the CLI only
 * parses options and calls `startServe`.
 */
export interface ServeOptions extends EngineConfig {
  readonly milter?: string;
  readonly rspamd?: string;
  readonly spamd?: string;
  readonly onError?: OnError;
  readonly timeoutMs?: number;
  readonly maxSize?: number;
  /** JSON log lines go here (appended); default standard error. */
  readonly log?: string;
  /** Idle connections are closed after this long (default: 10 min for milter, 2 min otherwise). */
  readonly idleMs?: number;
  readonly maxConnections?: number;
  /** Where `vigil: <door> listening on <addr>` and notices go (default standard error). */
  readonly notice?: (line: string) => void;
}

export interface Serving {
  /** Door name → the address it listens on (with the real port when 0 was asked). */
  readonly addresses: Readonly<Record<string, string>>;
  readonly verdicts: Verdicts;
  /** Re-reads the scoring file and the intel feeds; connections stay up. */
  reload(): void;
  /** Stops accepting, lets messages in flight finish (up to `graceMs`), closes the rest. */
  close(graceMs?: number): Promise<void>;
}

export async function startServe(opts: ServeOptions): Promise<Serving> {
  const notice = opts.notice ?? ((l: string) => process.stderr.write(`${l}\n`));
  let stream: WriteStream | undefined;
  if (opts.log) stream = createWriteStream(opts.log, { flags: 'a', mode: 0o640 });
  const log: Logger = (entry) => {
    const line = `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`;
    if (stream) stream.write(line);
    else process.stderr.write(line);
  };
  const engine = loadEngine(opts);
  const verdicts = new Verdicts(
    engine,
    {
      onError: opts.onError ?? DEFAULT_POLICY.onError,
      timeoutMs: opts.timeoutMs ?? DEFAULT_POLICY.timeoutMs,
      maxSize: opts.maxSize ?? DEFAULT_POLICY.maxSize,
    },
    log,
  );
  const doors: {
    name: string;
    server: Server | HttpServer;
    connections: Connections;
    shutdown?: () => void;
  }[] = [];
  const addresses: Record<string, string> = {};
  const limits = {
    ...(opts.maxConnections ? { maxConnections: opts.maxConnections } : {}),
  };
  try {
    if (opts.milter) {
      const m = createMilterServer(vigilMilter(verdicts, log), {
        ...limits,
        ...(opts.idleMs ? { idleMs: opts.idleMs } : {}),
        // The body is kept up to the size limit; beyond it only counted (the policy applies).
        maxBody: verdicts.policy.maxSize + 1,
        onHandlerError: verdicts.policy.onError,
      });
      doors.push({ name: 'milter', server: m.server, connections: m.connections, shutdown: m.shutdown });
      addresses['milter'] = await listenOn(m.server, parseAddress(opts.milter));
    }
    if (opts.rspamd) {
      const r = createRspamdDoor(verdicts, log, {
        ...limits,
        ...(opts.idleMs ? { idleMs: opts.idleMs } : {}),
      });
      doors.push({ name: 'rspamd', server: r.server, connections: r.connections });
      addresses['rspamd'] = await listenOn(r.server, parseAddress(opts.rspamd));
    }
    if (opts.spamd) {
      const s = createSpamdDoor(verdicts, log, {
        ...limits,
        ...(opts.idleMs ? { idleMs: opts.idleMs } : {}),
      });
      doors.push({ name: 'spamd', server: s.server, connections: s.connections });
      addresses['spamd'] = await listenOn(s.server, parseAddress(opts.spamd));
    }
  } catch (e) {
    for (const d of doors) d.server.close();
    stream?.end();
    throw e;
  }
  for (const d of doors) notice(`vigil: ${d.name} listening on ${addresses[d.name]}`);

  return {
    addresses,
    verdicts,
    reload() {
      try {
        verdicts.reload();
        log({ event: 'reload', ok: true });
      } catch (e) {
        log({ event: 'reload', ok: false, detail: (e as Error).message });
        notice(`vigil: reload failed, the loaded scoring and intel stay: ${(e as Error).message}`);
      }
    },
    async close(graceMs = 30_000) {
      await Promise.all(
        doors
          .map(
            (d) =>
              new Promise<void>((resolve) => {
                d.server.close(() => resolve());
                // Milter connections idle between messages end now; one with a message in flight
                // gets its answer first.
                d.shutdown?.();
                if ('closeIdleConnections' in d.server) d.server.closeIdleConnections();
              }),
          )
          .concat(
            new Promise<void>((resolve) => {
              const deadline = Date.now() + graceMs;
              const tick = () => {
                if (verdicts.inFlight === 0 || Date.now() > deadline) {
                  for (const d of doors) for (const s of d.connections.all()) s.destroy();
                  resolve();
                } else setTimeout(tick, 20);
              };
              tick();
            }),
          ),
      );
      await new Promise<void>((r) => (stream ? stream.end(r) : r()));
    },
  };
}

/** Runs until SIGTERM/SIGINT (graceful stop, exit 0); SIGHUP reloads. */
export async function runServe(opts: ServeOptions): Promise<void> {
  const s = await startServe(opts);
  const stop = () => {
    process.off('SIGTERM', stop);
    process.off('SIGINT', stop);
    void s.close().then(() => {
      process.exitCode = 0;
      process.exit(0);
    });
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  process.on('SIGHUP', () => s.reload());
}
