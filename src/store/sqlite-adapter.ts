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
  return {
    close: () => db.close(),
    prepare(sql: string): SqliteStatement {
      const stmt = db.prepare(/^begin$/i.test(sql.trim()) ? 'begin immediate' : sql);
      type P = Parameters<typeof stmt.all>;
      const args = (p: ReadonlyArray<unknown>) => p as unknown as P;
      return {
        reader: stmt.columns().length > 0,
        all: (p) => stmt.all(...args(p)),
        run: (p) => stmt.run(...args(p)),
        iterate: (p) => stmt.iterate(...args(p)),
      };
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
  return db;
}
