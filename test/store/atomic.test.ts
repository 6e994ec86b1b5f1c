import { describe, it, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/open.ts';
import { findingsJsonl } from '../../scripts/lib/gen-findings.ts';
import { REPO } from '../support/paths.ts';
import { pgDatabase, pgUnavailable } from '../support/pg.ts';

/**
 * kill -9 of a real `vigil case import` of two files: the first file is committed, the second is
 * being imported when the process dies. The store must hold all of the first and nothing of the
 * second. The child is the Node binary itself (a kill of npx would orphan the real process).
 */
const NODE = join(REPO, 'node_modules', '.bin', 'node');
const SMALL = 1_000;
const BIG = 60_000;
const dir = mkdtempSync(join(tmpdir(), 'vigil-atomic-'));
const files = join(dir, 'reports');
mkdirSync(files);
writeFileSync(join(files, 'a-small.jsonl'), findingsJsonl({ count: SMALL, seed: 3, hostPrefix: 'A' }));
writeFileSync(join(files, 'b-big.jsonl'), findingsJsonl({ count: BIG, seed: 4, hostPrefix: 'B', hosts: 40 }));
after(() => rmSync(dir, { recursive: true, force: true }));
const pgSkip = await pgUnavailable();

function importChild(db: string): { child: ChildProcess; done: Promise<number | null> } {
  const child = spawn(
    NODE,
    [join(REPO, 'bin/vigil.js'), 'case', 'import', '--org', 'Big', '--db', db, '-q', files],
    {
      stdio: ['ignore', 'ignore', 'pipe'],
    },
  );
  let err = '';
  child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
  const done = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      if (code) process.stderr.write(err);
      resolve(code);
    }),
  );
  return { child, done };
}

async function count(s: Store, t: 'findings' | 'imports'): Promise<number> {
  const r = await s.db
    .selectFrom(t)
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

async function killMidway(db: string): Promise<void> {
  const watch = await openStore(db);
  try {
    const run = importChild(db);
    const end = Date.now() + 180_000;
    // The first file's commit is visible: the second file's transaction has begun.
    while ((await count(watch, 'imports')) < 1) {
      if (Date.now() > end) throw new Error('timed out waiting for the first file');
      await sleep(10);
    }
    run.child.kill('SIGKILL');
    assert.equal(await run.done, null, 'killed, not finished');
    assert.equal(await count(watch, 'imports'), 1);
    assert.equal(await count(watch, 'findings'), SMALL, 'all of the first file, none of the second');
    if (watch.dialect === 'sqlite') {
      const check = await sql<{ integrity_check: string }>`pragma integrity_check`.execute(watch.db);
      assert.equal(check.rows[0]!.integrity_check, 'ok');
    }
    const again = importChild(db);
    assert.equal(await again.done, 0);
    assert.equal(await count(watch, 'findings'), SMALL + BIG);
  } finally {
    await watch.close();
  }
}

describe('kill -9 during case import', () => {
  it('SQLite: each file all or nothing', async () => {
    await killMidway(`sqlite:${join(dir, 'kill.db')}`);
  });

  it('PostgreSQL: each file all or nothing', { skip: pgSkip ?? false }, async () => {
    const d = await pgDatabase();
    try {
      await killMidway(d.url);
    } finally {
      await d.drop();
    }
  });
});
