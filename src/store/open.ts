import { Kysely, PostgresDialect, SqliteDialect } from 'kysely';
import { Migrator } from 'kysely/migration';
import pg from 'pg';
import type { DatabaseSync } from 'node:sqlite';
import type { DB } from './schema.ts';
import { migrationProvider, type Dialect } from './migrations.ts';
import { openSqliteFile, sqliteDatabase } from './sqlite-adapter.ts';
import { parseDbUrl, redactDbUrl, type StoreLocation } from './url.ts';

/** An open case store: one Kysely query layer over either database. */
export interface Store {
  readonly dialect: Dialect;
  readonly db: Kysely<DB>;
  /** For messages: the location without secrets. */
  readonly where: string;
  close(): Promise<void>;
}

/** PostgreSQL returns int8 (bigserial ids, count(*)) as strings; every number here fits a double. */
const PG_TYPES = {
  getTypeParser: ((oid: number, format?: string) =>
    oid === 20 ? (v: string) => Number(v) : pg.types.getTypeParser(oid, format as 'text')) as never,
};

/** Open (creating if needed) the store at `--db` and bring its schema up to date. */
export async function openStore(dbUrl: string | StoreLocation | undefined): Promise<Store> {
  const loc = typeof dbUrl === 'object' ? dbUrl : parseDbUrl(dbUrl);
  let db: Kysely<DB>;
  let raw: DatabaseSync | undefined;
  if (loc.kind === 'sqlite') {
    try {
      raw = openSqliteFile(loc.path);
    } catch (e) {
      throw new Error(`cannot open the store ${loc.path}: ${(e as Error).message}`, { cause: e });
    }
    db = new Kysely<DB>({ dialect: new SqliteDialect({ database: sqliteDatabase(raw) }) });
  } else {
    const pool = new pg.Pool({ connectionString: loc.url, max: 10, types: PG_TYPES });
    // An idle client losing its server must not crash the process; the next query reports it.
    pool.on('error', () => {});
    db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  }
  const store: Store = {
    dialect: loc.kind,
    db,
    where: redactDbUrl(loc),
    close: () => db.destroy(),
  };
  try {
    await migrate(store);
  } catch (e) {
    await db.destroy().catch(() => {});
    throw new Error(`cannot open the store ${store.where}: ${(e as Error).message}`, { cause: e });
  }
  return store;
}

async function migrate(store: Store): Promise<void> {
  const migrator = new Migrator({ db: store.db, provider: migrationProvider(store.dialect) });
  const { error, results } = await migrator.migrateToLatest();
  if (error) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new Error(`migration ${failed ?? ''} failed: ${(error as Error).message ?? String(error)}`);
  }
}
