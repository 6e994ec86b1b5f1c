import type { Command } from 'commander';
import { UsageError } from './exit.ts';

interface ServeOptions {
  api?: string;
  db?: string;
  web?: string;
}

/**
 * `vigil serve`: the servers. `--api ADDR` starts the case store's HTTP API and the dashboard.
 * (The mail-flow doors are added beside it.)
 */
export function serveCommand(program: Command): void {
  program
    .command('serve')
    .summary('run the API and dashboard server')
    .description(
      `Serve the case store: the dashboard at /, the JSON API under /api/ (every route needs
Authorization: Bearer TOKEN from vigil token create), GET /healthz without auth, and the API's
description at /api/openapi.json. Runs until interrupted (SIGINT/SIGTERM stop it cleanly).`,
    )
    .option('--api <addr>', 'serve the API on HOST:PORT (or PORT, on 127.0.0.1)')
    .option('--db <url>', 'the store: a SQLite file (default ./vigil.db), sqlite:PATH or postgres://…')
    .option('--web <dir>', 'the built dashboard to serve (default: web/dist of this installation)')
    .addHelpText(
      'after',
      `
Examples:
  $ vigil token create --role analyst --label "night shift"
  $ vigil serve --api 127.0.0.1:8080
  $ vigil serve --api 0.0.0.0:8080 --db postgres://vigil@db.internal/vigil`,
    )
    .action(async (opts: ServeOptions) => {
      if (!opts.api) throw new UsageError('serve needs --api ADDR');
      let api;
      try {
        // Loaded on use: the other commands need not load the HTTP server.
        const { startApi } = await import('../server/api/start.ts');
        api = await startApi({
          addr: opts.api,
          ...(opts.db !== undefined ? { db: opts.db } : {}),
          ...(opts.web !== undefined ? { webRoot: opts.web } : {}),
          logger: { level: 'info' },
        });
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      process.stderr.write(`vigil: API on ${api.url} (store ${api.store.where})\n`);
      await new Promise<void>((resolve) => {
        const stop = () => {
          process.off('SIGINT', stop);
          process.off('SIGTERM', stop);
          void api.close().then(resolve);
        };
        process.on('SIGINT', stop);
        process.on('SIGTERM', stop);
      });
    });
}
