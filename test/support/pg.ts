import { randomBytes } from 'node:crypto';
import pg from 'pg';

/** The project's PostgreSQL (a service on 127.0.0.1:5432, trust, user postgres). */
const ADMIN = process.env['VIGIL_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

/** Why PostgreSQL tests cannot run here, or null when the server answers. */
export async function pgUnavailable(): Promise<string | null> {
  const c = new pg.Client({ connectionString: ADMIN, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query('select 1');
    return null;
  } catch (e) {
    return `PostgreSQL at ${ADMIN} is unreachable (${(e as Error).message}); start it (see .ci/run)`;
  } finally {
    await c.end().catch(() => {});
  }
}

/** A new, uniquely named database for one test run; `drop()` removes it. */
export async function pgDatabase(): Promise<{ url: string; drop: () => Promise<void> }> {
  const name = `vigil_test_${process.pid}_${randomBytes(4).toString('hex')}`;
  const c = new pg.Client({ connectionString: ADMIN });
  await c.connect();
  await c.query(`create database ${name}`);
  await c.end();
  const u = new URL(ADMIN);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    async drop() {
      const d = new pg.Client({ connectionString: ADMIN });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    },
  };
}
