/**
 * Case store benchmark.
 * 1. Import: generated findings (JSONL file) into a fresh SQLite file and a fresh PostgreSQL
 *    database with `importFile` (one transaction), beside the floor: reading and JSON.parse of the
 *    same file alone. Goal: ≥ 50,000 findings/s into SQLite, ≥ half that into PostgreSQL.
 * 2. GET /api/orgs over HTTP (a real Fastify server on 127.0.0.1, an analyst token) for many
 *    organisations, beside GET /healthz as the baseline. Goal: p95 < 200 ms at 30,000
 *    organisations and 10 million findings (`--full`; the default is smaller so that it runs in
 *    a few minutes on a quiet machine: 5,000 organisations, 50,000 findings).
 * Usage: node bench/store.ts [--full] [--import N] [--orgs N] [--findings N] [--no-pg]
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openStore, type Store } from '../src/store/open.ts';
import { importFile, importLinesIn, type Line } from '../src/store/import.ts';
import { createToken } from '../src/store/tokens.ts';
import { startApi } from '../src/server/api/start.ts';
import { findingsJsonl, generateFindings } from '../scripts/lib/gen-findings.ts';

const { values: o } = parseArgs({
  options: {
    full: { type: 'boolean', default: false },
    import: { type: 'string' },
    orgs: { type: 'string' },
    findings: { type: 'string' },
    'no-pg': { type: 'boolean', default: false },
    requests: { type: 'string', default: '40' },
  },
});
const IMPORT = Number(o.import ?? 50_000);
const ORGS = Number(o.orgs ?? (o.full ? 30_000 : 5_000));
const FINDINGS = Number(o.findings ?? (o.full ? 10_000_000 : 50_000));
const REQUESTS = Number(o.requests);
const OUT = join(import.meta.dirname, 'out', 'store');
rmSync(OUT, { recursive: true, force: true });
mkdirSync(OUT, { recursive: true });
const PG_ADMIN = process.env['VIGIL_TEST_PG'] ?? 'postgres://postgres@127.0.0.1:5432/postgres';

async function pgDb(): Promise<{ url: string; drop: () => Promise<void> } | null> {
  if (o['no-pg']) return null;
  const name = `vigil_bench_${process.pid}`;
  const c = new pg.Client({ connectionString: PG_ADMIN, connectionTimeoutMillis: 3000 });
  try {
    await c.connect();
    await c.query(`create database ${name}`);
  } catch (e) {
    console.log(`  PostgreSQL skipped: ${(e as Error).message}`);
    return null;
  } finally {
    await c.end().catch(() => {});
  }
  const u = new URL(PG_ADMIN);
  u.pathname = `/${name}`;
  return {
    url: u.toString(),
    drop: async () => {
      const d = new pg.Client({ connectionString: PG_ADMIN });
      await d.connect();
      await d.query(`drop database if exists ${name} with (force)`);
      await d.end();
    },
  };
}

const rate = (n: number, ms: number) => `${Math.round((n / ms) * 1000).toLocaleString('en')}/s`;
const cpu = (c: NodeJS.CpuUsage) => (c.user + c.system) / 1000;

// 1. Import.
const file = join(OUT, 'import.jsonl');
writeFileSync(file, findingsJsonl({ count: IMPORT, seed: 11, hosts: Math.ceil(IMPORT / 500) }));
let floorMs = 0;
console.log(`store import: ${IMPORT.toLocaleString('en')} generated findings, one file, one transaction`);
{
  const c0 = process.cpuUsage();
  const t = performance.now();
  let n = 0;
  for (const l of readFileSync(file, 'utf8').split('\n')) if (l) n += JSON.parse(l) ? 1 : 0;
  const ms = performance.now() - t;
  console.log(
    `  floor (read + JSON.parse)  ${ms.toFixed(0)} ms  ${rate(n, ms)}  cpu ${cpu(process.cpuUsage(c0)).toFixed(0)} ms`,
  );
  floorMs = ms;
}
async function timeImport(label: string, store: Store): Promise<void> {
  const c0 = process.cpuUsage();
  const t = performance.now();
  const r = await importFile(store, file, { org: 'bench', source: file, actor: 'bench' });
  const ms = performance.now() - t;
  const c = cpu(process.cpuUsage(c0));
  if (r.added !== IMPORT) throw new Error(`${label}: ${r.added} added of ${IMPORT}`);
  const t2 = performance.now();
  const again = await importFile(store, file, { org: 'bench', source: file, actor: 'bench' });
  const ms2 = performance.now() - t2;
  console.log(
    `  ${label.padEnd(26)} ${ms.toFixed(0)} ms  ${rate(IMPORT, ms)}  (${(ms / floorMs).toFixed(1)}× the floor; ` +
      `this process's cpu ${c.toFixed(0)} ms = ${rate(IMPORT, c)} per core)  re-import ${ms2.toFixed(0)} ms, ${again.added} added`,
  );
}
{
  const s = await openStore(`sqlite:${join(OUT, 'import.db')}`);
  await timeImport('SQLite', s);
  await s.close();
  const p = await pgDb();
  if (p) {
    const ps = await openStore(p.url);
    await timeImport('PostgreSQL', ps);
    await ps.close();
    await p.drop();
  }
}

// 2. GET /api/orgs.
async function fill(store: Store): Promise<number> {
  const per = Math.max(1, Math.floor(FINDINGS / ORGS));
  const t = performance.now();
  let total = 0;
  const ORGS_PER_TX = 500;
  for (let i = 0; i < ORGS; i += ORGS_PER_TX) {
    await store.db.transaction().execute(async (trx) => {
      for (let j = i; j < Math.min(ORGS, i + ORGS_PER_TX); j++) {
        const lines: Line[] = [];
        let n = 0;
        for (const f of generateFindings({
          count: per,
          seed: j + 1,
          hosts: Math.max(1, Math.ceil(per / 300)),
        }))
          lines.push({ number: ++n, text: JSON.stringify(f) });
        const r = await importLinesIn(trx, store, [lines], {
          org: `Organisation ${j} ${['Québec', 'Zürich', 'København', 'Kraków', 'Łódź'][j % 5]}`,
          source: 'bench',
          actor: 'bench',
        });
        total += r.added;
      }
    });
    if ((i / ORGS_PER_TX) % 10 === 0) process.stdout.write(`\r  filling: ${i + ORGS_PER_TX} organisations…`);
  }
  process.stdout.write(
    `\r  filled ${ORGS.toLocaleString('en')} organisations, ${total.toLocaleString('en')} findings in ${((performance.now() - t) / 1000).toFixed(0)} s\n`,
  );
  return total;
}

async function latency(
  url: string,
  token: string,
  path: string,
): Promise<{ p50: number; p95: number; bytes: number }> {
  const times: number[] = [];
  let bytes = 0;
  for (let i = 0; i < REQUESTS + 3; i++) {
    const t = performance.now();
    const r = await fetch(`${url}${path}`, { headers: { authorization: `Bearer ${token}` } });
    const b = await r.arrayBuffer();
    if (r.status !== 200) throw new Error(`${path}: ${r.status}`);
    if (i >= 3) times.push(performance.now() - t);
    bytes = b.byteLength;
  }
  times.sort((a, b) => a - b);
  return {
    p50: times[Math.floor(times.length * 0.5)]!,
    p95: times[Math.ceil(times.length * 0.95) - 1]!,
    bytes,
  };
}

async function apiBench(label: string, db: string): Promise<void> {
  const store = await openStore(db);
  await fill(store);
  const token = (await createToken(store, { kind: 'analyst' }, 'bench')).token;
  const api = await startApi({ addr: '127.0.0.1:0', db: store });
  const base = await latency(api.url, token, '/api/me');
  // Cold: the store changed just before (an import), so the list is computed afresh.
  const cold: number[] = [];
  for (let i = 0; i < 5; i++) {
    const line = JSON.stringify({
      rule: 'x.y',
      title: 't',
      severity: 'low',
      source: { path: `c${i}` },
      evidence: {},
    });
    await store.db.transaction().execute((trx) =>
      importLinesIn(trx, store, [[{ number: 1, text: line }]], {
        org: 'cold',
        source: 'bench',
        actor: 'bench',
      }),
    );
    const t = performance.now();
    const r = await fetch(`${api.url}/api/orgs`, { headers: { authorization: `Bearer ${token}` } });
    await r.arrayBuffer();
    cold.push(performance.now() - t);
  }
  cold.sort((a, b) => a - b);
  const orgs = await latency(api.url, token, '/api/orgs');
  const summary = await latency(api.url, token, '/api/summary');
  console.log(
    `  ${label}: GET /api/me (baseline: auth + a tiny answer) p50 ${base.p50.toFixed(1)} ms, p95 ${base.p95.toFixed(1)} ms`,
  );
  console.log(
    `  ${label}: GET /api/orgs just after a change (computed afresh): median ${cold[2]!.toFixed(0)} ms, worst of 5 ${cold[4]!.toFixed(0)} ms`,
  );
  console.log(
    `  ${label}: GET /api/orgs unchanged store p50 ${orgs.p50.toFixed(0)} ms, p95 ${orgs.p95.toFixed(0)} ms (${(orgs.bytes / 1e6).toFixed(1)} MB, ` +
      `${(orgs.p95 / base.p95).toFixed(0)}× the baseline)${orgs.p95 < 200 ? '' : '  — over the 200 ms goal'}`,
  );
  console.log(
    `  ${label}: GET /api/summary p50 ${summary.p50.toFixed(1)} ms, p95 ${summary.p95.toFixed(1)} ms`,
  );
  await api.close();
  await store.close();
}

console.log(
  `store API: ${ORGS.toLocaleString('en')} organisations, about ${FINDINGS.toLocaleString('en')} findings, ${REQUESTS} requests each`,
);
await apiBench('SQLite', `sqlite:${join(OUT, 'api.db')}`);
const p = await pgDb();
if (p) {
  try {
    await apiBench('PostgreSQL', p.url);
  } finally {
    await p.drop();
  }
}
rmSync(OUT, { recursive: true, force: true });
