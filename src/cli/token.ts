import type { Command } from 'commander';
import type { Store } from '../store/open.ts';
import { printable } from '../report/report.ts';
import { UsageError } from './exit.ts';

/** The store modules are loaded on use, so that other commands start without the database drivers. */
async function withStore<T>(db: string | undefined, f: (s: Store) => Promise<T>): Promise<T> {
  const { openStore } = await import('../store/open.ts');
  let store;
  try {
    store = await openStore(db);
  } catch (e) {
    throw new UsageError((e as Error).message);
  }
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

const DB_HELP = 'the store: a SQLite file (default ./vigil.db), sqlite:PATH or postgres://…';

export function tokenCommand(program: Command): void {
  const t = program.command('token').summary('API tokens for vigil serve --api (only their hash is stored)');
  t.command('create')
    .summary('create a token and print it (once: it cannot be shown again)')
    .description(
      `Create an API token. admin: everything, including tokens and imports over the API;
analyst: reads every organisation and may change finding status; org:NAME: reads that one
organisation only (others answer 403). The token is printed once; the store keeps its hash.`,
    )
    .requiredOption('--role <role>', 'admin, analyst or org:ORG')
    .option('--label <text>', 'who or what the token is for (shown in token list and status history)')
    .option('--db <url>', DB_HELP)
    .action(async (opts: { role: string; label?: string; db?: string }) => {
      const { createToken, parseRole } = await import('../store/tokens.ts');
      let role: ReturnType<typeof parseRole>;
      try {
        role = parseRole(opts.role);
      } catch (e) {
        throw new UsageError((e as Error).message);
      }
      const r = await withStore(opts.db, (s) => createToken(s, role, opts.label ?? ''));
      process.stdout.write(`${r.token}\n`);
      process.stderr.write(
        `vigil: token ${r.info.id} (${printable(r.info.role)}) created; it is shown this once\n`,
      );
    });
  t.command('list')
    .summary('list tokens: id, role, label, created, revoked')
    .option('--db <url>', DB_HELP)
    .option('--json', 'as JSON')
    .action(async (opts: { db?: string; json?: boolean }) => {
      const { listTokens } = await import('../store/tokens.ts');
      const rows = await withStore(opts.db, listTokens);
      if (opts.json) process.stdout.write(`${JSON.stringify(rows, null, 2)}\n`);
      else
        for (const r of rows)
          process.stdout.write(
            `${r.id}\t${printable(r.role)}\t${printable(r.label) || '-'}\t${r.createdAt}\t${r.revokedAt ? `revoked ${r.revokedAt}` : 'active'}\n`,
          );
    });
  t.command('revoke')
    .summary('revoke a token by its id (at once, for every API process)')
    .argument('<id>', 'the id shown by token list')
    .option('--db <url>', DB_HELP)
    .action(async (id: string, opts: { db?: string }) => {
      if (!/^[1-9]\d{0,14}$/.test(id)) throw new UsageError(`a token id is a number (got "${id}")`);
      const { revokeToken } = await import('../store/tokens.ts');
      const ok = await withStore(opts.db, (s) => revokeToken(s, Number(id)));
      if (!ok) throw new UsageError(`no active token ${id}`);
      process.stderr.write(`vigil: token ${id} revoked\n`);
    });
}
