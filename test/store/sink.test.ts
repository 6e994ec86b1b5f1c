import { it, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigilAsync } from '../support/cli.ts';
import { EXAMPLE } from '../support/paths.ts';
import { openStore } from '../../src/store/open.ts';
import { listOrgs } from '../../src/store/queries.ts';
import { incidentJsonl } from '../support/incident.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-sink-'));
after(() => rmSync(dir, { recursive: true, force: true }));

it('a scan run with --org and --db writes its findings to the store, once', async () => {
  const db = `sqlite:${join(dir, 'scan.db')}`;
  const r = await vigilAsync(['triage', EXAMPLE, '--org', 'Ville de Québec', '--db', db, '--no-progress']);
  assert.equal(r.code, 1, r.stderr);
  assert.match(
    r.stderr,
    /case store sqlite:.*scan\.db: \d+ findings added to Ville de Québec, 0 already there/,
  );
  const again = await vigilAsync([
    'triage',
    EXAMPLE,
    '--org',
    'Ville de Québec',
    '--db',
    db,
    '--no-progress',
  ]);
  assert.match(again.stderr, /: 0 findings added to Ville de Québec, \d+ already there/);
  const store = await openStore(db);
  try {
    const [o] = await listOrgs(store);
    assert.equal(o?.verdict, 'compromised');
    const n = Object.values(o!.findings).reduce((a, b) => a + b, 0);
    assert.equal(n, incidentJsonl().trim().split('\n').length, 'the same findings as --format jsonl');
  } finally {
    await store.close();
  }
  const bad = await vigilAsync(['triage', EXAMPLE, '--db', db]);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--db needs --org/);
});
