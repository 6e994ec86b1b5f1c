import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { vigilAsync } from '../support/cli.ts';
import { REPO } from '../support/paths.ts';
import { pgDatabase, pgUnavailable } from '../support/pg.ts';
import { incidentJsonl } from '../support/incident.ts';

/** The real commands: case import and token create from the CLI, two `vigil serve` on one PostgreSQL. */
const NODE = join(REPO, 'node_modules', '.bin', 'node');
const pgSkip = await pgUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'vigil-procs-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function serve(db: string): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(NODE, [join(REPO, 'bin/vigil.js'), 'serve', '--api', '127.0.0.1:0', '--db', db], {
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let err = '';
    child.stderr!.on('data', (d: Buffer) => {
      err += d.toString();
      const m = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(err);
      if (m) resolve({ url: m[1]!, child });
    });
    child.on('close', (code) => reject(new Error(`vigil serve ended (${code}): ${err}`)));
  });
}

const QC = 'Ville de Québec';

describe('vigil case import, token and serve, as processes', { skip: pgSkip ?? false }, () => {
  let db: string;
  let drop: () => Promise<void>;
  const servers: ChildProcess[] = [];
  before(async () => {
    const d = await pgDatabase();
    db = d.url;
    drop = d.drop;
  });
  after(async () => {
    for (const s of servers) s.kill('SIGTERM');
    await Promise.all(
      servers.map((s) => new Promise((r) => (s.exitCode !== null ? r(null) : s.on('close', r)))),
    );
    await drop?.();
  });

  it('case import reports malformed lines by number, exits 2, and imports the rest', async () => {
    const file = join(dir, 'incident.jsonl');
    const lines = incidentJsonl().trim().split('\n');
    writeFileSync(file, [...lines.slice(0, 3), '{broken', ...lines.slice(3)].join('\n'));
    const r = await vigilAsync(['case', 'import', '--org', QC, '--db', db, file]);
    assert.equal(r.code, 2);
    assert.match(r.stderr, new RegExp(`incident\\.jsonl:4: skipped: not JSON`));
    assert.match(
      r.stdout,
      new RegExp(`: ${lines.length} added, 0 already stored, 1 malformed lines skipped`),
    );
    const strict = await vigilAsync(['case', 'import', '--org', 'Strict', '--db', db, '--strict', file]);
    assert.equal(strict.code, 2);
    assert.match(strict.stderr, /incident\.jsonl:4: not JSON.*--strict: nothing imported/);
    const again = await vigilAsync(['case', 'import', '--org', QC, '--db', db, '-q', join(dir)]);
    assert.equal(again.code, 2, 'the malformed line is still there');
  });

  it('two API processes on one PostgreSQL give the same answers, at once', async () => {
    const t = await vigilAsync(['token', 'create', '--role', 'admin', '--label', 'ops', '--db', db]);
    assert.equal(t.code, 0);
    const admin = t.stdout.trim();
    assert.match(admin, /^vigil_\S+$/);
    const [a, b] = await Promise.all([serve(db), serve(db)]);
    servers.push(a.child, b.child);
    const call = async (base: string, method: string, path: string, body?: unknown, token = admin) => {
      const r = await fetch(`${base}${path}`, {
        method,
        headers: {
          authorization: `Bearer ${token}`,
          ...(body !== undefined
            ? { 'content-type': typeof body === 'string' ? 'application/x-ndjson' : 'application/json' }
            : {}),
        },
        ...(body !== undefined ? { body: typeof body === 'string' ? body : JSON.stringify(body) } : {}),
      });
      return { status: r.status, json: r.status === 204 ? null : ((await r.json()) as unknown) };
    };
    const orgs = async (base: string) => (await call(base, 'GET', '/api/orgs')).json;
    assert.deepEqual(await orgs(a.url), await orgs(b.url));
    // A status change through A is seen through B.
    const page = (
      await call(a.url, 'GET', `/api/orgs/${encodeURIComponent(QC)}/findings?rule=exchange.verdict`)
    ).json as {
      findings: { id: number }[];
    };
    const id = page.findings[0]!.id;
    assert.equal(
      (await call(a.url, 'PATCH', `/api/findings/${id}`, { status: 'false_positive', reason: 'x' })).status,
      200,
    );
    const viaB = (await call(b.url, 'GET', `/api/orgs/${encodeURIComponent(QC)}`)).json as {
      verdict: string;
    };
    assert.equal(viaB.verdict, 'unknown');
    assert.deepEqual(await orgs(a.url), await orgs(b.url));
    // An import through B is seen through A.
    const line = JSON.stringify({
      rule: 'x.y',
      title: 't',
      severity: 'high',
      source: { path: 'p' },
      evidence: {},
    });
    assert.equal((await call(b.url, 'POST', `/api/orgs/B-only/import`, `${line}\n`)).status, 201);
    assert.equal(((await orgs(a.url)) as { org: string }[]).filter((o) => o.org === 'B-only').length, 1);
    // A token created through A works on B; revoked through B, it fails on A at once.
    const made = (await call(a.url, 'POST', '/api/tokens', { role: 'analyst' })).json as {
      token: string;
      id: number;
    };
    assert.equal((await call(b.url, 'GET', '/api/summary', undefined, made.token)).status, 200);
    assert.equal((await call(b.url, 'DELETE', `/api/tokens/${made.id}`)).status, 204);
    assert.equal((await call(a.url, 'GET', '/api/summary', undefined, made.token)).status, 401);
    const summaries = await Promise.all([a.url, b.url].map((u) => call(u, 'GET', '/api/summary')));
    assert.deepEqual(summaries[0], summaries[1]);
  });
});
