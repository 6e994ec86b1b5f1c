import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '../../store/open.ts';
import { buildApi, type ApiOptions } from './app.ts';

export interface StartApiOptions extends Omit<ApiOptions, 'store'> {
  /** `HOST:PORT`, `:PORT` or `PORT` (default host 127.0.0.1; port 0 picks a free one). */
  readonly addr: string;
  /** --db: a store URL, or an open store. */
  readonly db?: string | Store;
}

export interface RunningApi {
  readonly url: string;
  readonly app: FastifyInstance;
  readonly store: Store;
  close(): Promise<void>;
}

export function parseAddr(addr: string): { host: string; port: number } {
  const m = /^(?:\[([^\]]+)\]|([^:]*))?:?(\d{1,5})$/.exec(addr.trim());
  const port = m ? Number(m[3]) : NaN;
  if (!m || !(port >= 0 && port <= 65535)) throw new Error(`--api must be HOST:PORT or PORT (got "${addr}")`);
  return { host: m[1] ?? (m[2] || '127.0.0.1'), port };
}

/** Open the store, build the API and listen. `close()` stops both (a store passed in stays open). */
export async function startApi(opts: StartApiOptions): Promise<RunningApi> {
  const { host, port } = parseAddr(opts.addr);
  const own = typeof opts.db !== 'object';
  const store = typeof opts.db === 'object' ? opts.db : await openStore(opts.db);
  const app = await buildApi({ ...opts, store });
  try {
    await app.listen({ host, port });
  } catch (e) {
    if (own) await store.close();
    throw e;
  }
  const a = app.server.address();
  const url =
    typeof a === 'object' && a
      ? `http://${a.family === 'IPv6' ? `[${a.address}]` : a.address}:${a.port}`
      : `http://${host}:${port}`;
  return {
    url,
    app,
    store,
    async close() {
      await app.close();
      if (own) await store.close();
    },
  };
}
