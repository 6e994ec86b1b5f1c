import { DatabaseSync } from 'node:sqlite';
import type { SqliteDatabase, SqliteStatement } from 'kysely';

/**
 * Kysely's SqliteDialect speaks better-sqlite3; node:sqlite differs in two ways that fail
 * silently (ecosystem-node24.md §2): statements have no `reader` flag (every SELECT would return
 * nothing) and parameters must be spread, not passed as one array. This wraps one connection.
 * `begin` becomes `begin immediate`: a write transaction takes the write lock at once (waiting
 * up to the busy timeout) instead of failing later when a read turns into a write.
 */
export function sqliteDatabase(db: DatabaseSync): SqliteDatabase {
  // Prepared statements are kept per SQL text: an import runs the same insert thousands of times.
  const cache = new Map<string, SqliteStatement>();
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const hit = cache.get(sql);
      if (hit) return hit;
      const stmt = db.prepare(/^begin$/i.test(sql.trim()) ? 'begin immediate' : sql);
      type P = Parameters<typeof stmt.all>;
      const args = (p: ReadonlyArray<unknown>) => p as unknown as P;
      const s: SqliteStatement = {
        reader: stmt.columns().length > 0,
        all: (p) => stmt.all(...args(p)),
        run: (p) => stmt.run(...args(p)),
        iterate: (p) => stmt.iterate(...args(p)),
      };
      if (cache.size >= 200) cache.delete(cache.keys().next().value!);
      cache.set(sql, s);
      return s;
    },
  };
}

/** A SQLite file set up for a store: WAL (readers never block the writer), a busy timeout. */
export function openSqliteFile(path: string): DatabaseSync {
  const db = new DatabaseSync(path, { timeout: 10_000 });
  db.exec('PRAGMA journal_mode = WAL');
  // NORMAL in WAL mode survives a killed process; only a power cut may lose the last commits.
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  // A large page cache: an import's transaction rewrites index pages many times; without it
  // they spill to the WAL again and again (64 MiB; the cache is freed when the store closes).
  db.exec('PRAGMA cache_size = -65536');
  return db;
}
