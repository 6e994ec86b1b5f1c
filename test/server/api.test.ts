import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import { openStore, type Store } from '../../src/store/open.ts';
import { importLines, textLines } from '../../src/store/import.ts';
import { createToken } from '../../src/store/tokens.ts';
import { buildApi } from '../../src/server/api/app.ts';
import { findingsJsonl } from '../../scripts/lib/gen-findings.ts';
import { incidentJsonl } from '../support/incident.ts';

const dir = mkdtempSync(join(tmpdir(), 'vigil-api-'));
const web = join(dir, 'web');
mkdirSync(join(web, 'assets'), { recursive: true });
writeFileSync(
  join(web, 'index.html'),
  '<!doctype html><title>Vigil</title><script src="/assets/app.js"></script>',
);
writeFileSync(join(web, 'assets', 'app.js'), 'console.log(1)');

const QC = 'Ville de Québec';
const enc = encodeURIComponent;

describe('API', () => {
  let store: Store;
  let app: FastifyInstance;
  let admin: string;
  let analyst: string;
  let city: string;
  let ghost: string;

  before(async () => {
    store = await openStore(`sqlite:${join(dir, 'api.db')}`);
    await importLines(store, textLines(incidentJsonl()), { org: QC, source: 'incident', actor: 't' });
    await importLines(store, textLines(findingsJsonl({ count: 260, seed: 5, hosts: 3 })), {
      org: 'ACME',
      source: 'gen',
      actor: 't',
    });
    admin = (await createToken(store, { kind: 'admin' }, 'root')).token;
    analyst = (await createToken(store, { kind: 'analyst' }, 'alice')).token;
    city = (await createToken(store, { kind: 'org', org: QC }, 'city')).token;
    ghost = (await createToken(store, { kind: 'org', org: 'Not yet imported' })).token;
    const formula = { rule: 'mail.verdict', title: '=HYPERLINK("http://x","click")', severity: 'low' };
    await importLines(
      store,
      textLines(JSON.stringify({ ...formula, source: { path: '@p' }, evidence: {} })),
      {
        org: 'CSV',
        source: 'gen',
        actor: 't',
      },
    );
    app = await buildApi({ store, webRoot: web, importLimit: 64 * 1024 });
    await app.ready();
  });
  after(async () => {
    await app.close();
    await store.close();
    rmSync(dir, { recursive: true, force: true });
  });

  const get = (url: string, token?: string) =>
    app.inject({ method: 'GET', url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  it('answers /healthz, the dashboard page and the OpenAPI document without a token', async () => {
    assert.deepEqual((await get('/healthz')).json(), { ok: true, store: 'sqlite' });
    const page = await get('/');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<title>Vigil<\/title>/);
    assert.match(page.headers['content-security-policy'] as string, /script-src 'self'/);
    assert.equal((await get('/assets/app.js')).statusCode, 200);
    assert.equal((await get('/org/anything')).statusCode, 200, 'client routes get the page');
    const doc = (await get('/api/openapi.json')).json() as { openapi: string; paths: Record<string, object> };
    assert.equal(doc.openapi, '3.1.0');
  });

  it('documents every route in the OpenAPI file, and documents no route that does not exist', async () => {
    const doc = (await get('/api/openapi.json')).json() as { paths: Record<string, Record<string, object>> };
    const documented = Object.entries(doc.paths)
      .flatMap(([p, ops]) =>
        Object.keys(ops).map((m) => `${m.toUpperCase()} ${p.replace(/\{(\w+)\}/g, ':$1')}`),
      )
      .sort();
    const served = app.vigilRoutes.filter((r) => / \/api\/|^GET \/healthz$/.test(r)).sort();
    assert.deepEqual(documented, served);
  });

  it('answers 401 without a valid bearer token', async () => {
    for (const h of [
      undefined,
      'Bearer',
      'Basic YWxhZGRpbjpvcGVu',
      'Bearer vigil_nope',
      `bearer  ${analyst}x`,
    ]) {
      const r = await app.inject({ method: 'GET', url: '/api/orgs', headers: h ? { authorization: h } : {} });
      assert.equal(r.statusCode, 401, String(h));
      assert.equal(r.headers['www-authenticate'], 'Bearer realm="vigil"');
    }
    assert.equal((await get('/api/summary')).statusCode, 401);
    assert.equal((await get(`/api/orgs/${enc(QC)}/findings`)).statusCode, 401);
  });

  it('lists organisations worst first with the documented shape', async () => {
    const r = await get('/api/orgs', analyst);
    assert.equal(r.statusCode, 200);
    const orgs = r.json() as { org: string; verdict: string; findings: Record<string, number> }[];
    assert.equal(orgs[0]!.org, QC);
    assert.deepEqual(orgs.map((o) => o.org).sort(), ['ACME', 'CSV', QC]);
    assert.deepEqual(Object.keys(orgs[0]!).sort(), [
      'findings',
      'hosts',
      'lastImport',
      'mail',
      'org',
      'sunburst',
      'verdict',
    ]);
    assert.equal(orgs[0]!.verdict, 'compromised');
    const s = (await get('/api/summary', analyst)).json() as {
      orgs: number;
      byVerdict: Record<string, number>;
    };
    assert.equal(s.orgs, 3);
    assert.equal(s.byVerdict['compromised'], orgs.filter((o) => o.verdict === 'compromised').length);
  });

  it('tags whole-store answers with the store version: 304 while nothing changed, new data after a change', async () => {
    const a = await get('/api/orgs', analyst);
    const tag = a.headers['etag'] as string;
    assert.match(tag, /^"v\d+-/);
    const same = await app.inject({
      method: 'GET',
      url: '/api/orgs',
      headers: { authorization: `Bearer ${analyst}`, 'if-none-match': tag },
    });
    assert.equal(same.statusCode, 304);
    assert.notEqual((await get('/api/orgs', city)).headers['etag'], tag, 'an org token has its own answer');
    const line = JSON.stringify({
      rule: 'x.y',
      title: 't',
      severity: 'critical',
      source: { path: 'etag' },
      evidence: {},
    });
    await importLines(store, textLines(line), { org: 'ACME', source: 'cli', actor: 't' });
    const after = await app.inject({
      method: 'GET',
      url: '/api/orgs',
      headers: { authorization: `Bearer ${analyst}`, 'if-none-match': tag },
    });
    assert.equal(after.statusCode, 200);
    const before = (a.json() as { org: string; findings: { critical: number } }[]).find(
      (o) => o.org === 'ACME',
    )!;
    const now = (after.json() as { org: string; findings: { critical: number } }[]).find(
      (o) => o.org === 'ACME',
    )!;
    assert.equal(now.findings.critical, before.findings.critical + 1);
  });

  it('keeps an org token to its own organisation: 403 elsewhere, existing or not', async () => {
    const list = (await get('/api/orgs', city)).json() as { org: string }[];
    assert.deepEqual(
      list.map((o) => o.org),
      [QC],
    );
    assert.equal((await get(`/api/orgs/${enc(QC)}`, city)).statusCode, 200);
    for (const other of ['ACME', 'No such org', 'ville de québec'])
      for (const suffix of ['', '/findings', '/timeline', '/export'])
        assert.equal(
          (await get(`/api/orgs/${enc(other)}${suffix}`, city)).statusCode,
          403,
          `${other}${suffix}`,
        );
    const s = (await get('/api/summary', city)).json() as { orgs: number };
    assert.equal(s.orgs, 1);
    assert.deepEqual((await get('/api/orgs', ghost)).json(), []);
    assert.equal((await get(`/api/orgs/${enc('Not yet imported')}`, ghost)).statusCode, 404);
    // Findings of another organisation, by id: 403 too.
    const acme = (await get(`/api/orgs/ACME/findings?limit=1`, analyst)).json() as {
      findings: { id: number }[];
    };
    assert.equal((await get(`/api/findings/${acme.findings[0]!.id}`, city)).statusCode, 403);
    assert.equal((await get(`/api/findings/999999`, city)).statusCode, 403);
    assert.equal((await get(`/api/findings/999999`, analyst)).statusCode, 404);
    // Org tokens read; they do not triage, import or manage tokens.
    const patch = await app.inject({
      method: 'PATCH',
      url: `/api/findings/${acme.findings[0]!.id}`,
      headers: { authorization: `Bearer ${city}` },
      payload: { status: 'triaged' },
    });
    assert.equal(patch.statusCode, 403);
    assert.equal((await get('/api/tokens', city)).statusCode, 403);
    assert.equal((await get('/api/tokens', analyst)).statusCode, 403);
  });

  it('pages through findings with an opaque cursor, most severe first', async () => {
    const seen = new Set<number>();
    let url = `/api/orgs/ACME/findings?limit=100`;
    let pages = 0;
    let lastRank = 5;
    const rank = ['info', 'low', 'medium', 'high', 'critical'];
    for (;;) {
      const r = (await get(url, analyst)).json() as {
        findings: { id: number; severity: string }[];
        next: string | null;
      };
      pages++;
      for (const f of r.findings) {
        assert.ok(!seen.has(f.id));
        seen.add(f.id);
        assert.ok(rank.indexOf(f.severity) <= lastRank);
        lastRank = rank.indexOf(f.severity);
      }
      if (!r.next) break;
      url = `/api/orgs/ACME/findings?limit=100&cursor=${enc(r.next)}`;
    }
    assert.equal(seen.size, 261);
    assert.equal(pages, 3);
    const crit = (
      await get('/api/orgs/ACME/findings?severity=critical,high&rule=exchange.*', analyst)
    ).json() as {
      findings: { severity: string; rule: string }[];
    };
    assert.ok(
      crit.findings.every((f) => ['critical', 'high'].includes(f.severity) && f.rule.startsWith('exchange.')),
    );
  });

  it('refuses invalid input with 400: unknown fields, wrong types, bad cursors and names', async () => {
    const h = { authorization: `Bearer ${analyst}` };
    for (const q of [
      'limit=abc',
      'limit=0',
      'limit=501',
      'severity=fatal',
      'cursor=%27%20OR%201%3D1',
      'nope=1',
      'since=yesterday',
    ])
      assert.equal((await get(`/api/orgs/ACME/findings?${q}`, analyst)).statusCode, 400, q);
    const id = (
      (await get('/api/orgs/ACME/findings?limit=1', analyst)).json() as { findings: { id: number }[] }
    ).findings[0]!.id;
    for (const payload of [{ status: 'gone' }, { status: 'triaged', extra: 1 }, { status: 1 }, {}])
      assert.equal(
        (await app.inject({ method: 'PATCH', url: `/api/findings/${id}`, headers: h, payload })).statusCode,
        400,
      );
    assert.equal((await get('/api/findings/abc', analyst)).statusCode, 400);
    assert.equal((await get('/api/findings/0', analyst)).statusCode, 400);
    assert.equal((await get(`/api/orgs/${enc(' padded ')}`, analyst)).statusCode, 400);
    assert.equal((await get(`/api/orgs/${enc('a\u0000b')}`, analyst)).statusCode, 400);
    assert.equal((await get(`/api/orgs/${'x'.repeat(201)}`, analyst)).statusCode, 400);
  });

  it('a false positive marked by an analyst leaves every count and the verdict', async () => {
    const h = { authorization: `Bearer ${analyst}` };
    const v = (await get(`/api/orgs/${enc(QC)}/findings?rule=exchange.verdict`, analyst)).json() as {
      findings: { id: number }[];
    };
    const id = v.findings[0]!.id;
    const r = await app.inject({
      method: 'PATCH',
      url: `/api/findings/${id}`,
      headers: h,
      payload: { status: 'false_positive', reason: 'lab copy of the logs' },
    });
    assert.equal(r.statusCode, 200);
    const f = r.json() as { status: string; history: { status: string; actor: string; reason: string }[] };
    assert.equal(f.status, 'false_positive');
    assert.deepEqual(
      f.history.map((x) => [x.status, x.actor, x.reason]),
      [['false_positive', 'alice', 'lab copy of the logs']],
    );
    const o = (await get(`/api/orgs/${enc(QC)}`, analyst)).json() as { verdict: string };
    assert.equal(o.verdict, 'unknown');
    await app.inject({
      method: 'PATCH',
      url: `/api/findings/${id}`,
      headers: h,
      payload: { status: 'open' },
    });
    assert.equal(
      ((await get(`/api/orgs/${enc(QC)}`, analyst)).json() as { verdict: string }).verdict,
      'compromised',
    );
  });

  it('imports JSONL over the API (admin only), reports malformed lines, refuses oversized bodies', async () => {
    const line = (i: number) =>
      JSON.stringify({
        rule: 'x.y',
        title: `t${i}`,
        severity: 'low',
        source: { path: 'p', line: i },
        evidence: {},
      });
    const body = `${line(1)}\nnot json\n${line(2)}\n`;
    const post = (token: string, payload: string, q = '') =>
      app.inject({
        method: 'POST',
        url: `/api/orgs/${enc('Städtisches Klinikum')}/import${q}`,
        headers: { authorization: `Bearer ${token}`, 'content-type': 'application/x-ndjson' },
        payload,
      });
    assert.equal((await post(analyst, body)).statusCode, 403);
    const r = await post(admin, body);
    assert.equal(r.statusCode, 201);
    const j = r.json() as { added: number; malformed: number; problems: { line: number }[] };
    assert.deepEqual([j.added, j.malformed, j.problems[0]!.line], [2, 1, 2]);
    assert.equal((await post(admin, body)).json().added, 0);
    assert.equal((await post(admin, `${line(3)}\nnot json\n`, '?strict=true')).statusCode, 400);
    const big = await post(admin, `${line(4)}\n`.repeat(2000));
    assert.equal(big.statusCode, 413);
    const o = (await get(`/api/orgs/${enc('Städtisches Klinikum')}/findings`, analyst)).json() as {
      findings: unknown[];
    };
    assert.equal(o.findings.length, 2, 'neither the strict refusal nor the oversized body left anything');
    const wrongType = await app.inject({
      method: 'POST',
      url: `/api/orgs/x/import`,
      headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
      payload: '{}',
    });
    assert.equal(wrongType.statusCode, 400);
  });

  it('exports the current view as CSV (formula cells defused) and JSONL', async () => {
    const csv = await get(`/api/orgs/${enc(QC)}/export?format=csv&severity=critical`, analyst);
    assert.equal(csv.statusCode, 200);
    assert.match(csv.headers['content-type'] as string, /^text\/csv/);
    const lines = csv.body.trim().split('\r\n');
    assert.equal(lines[0], 'id,org,time,severity,rule,host,status,title,source,evidence');
    const crit = (await get(`/api/orgs/${enc(QC)}`, analyst)).json() as { findings: { critical: number } };
    assert.equal(lines.length - 1, crit.findings.critical);
    const jl = await get(`/api/orgs/ACME/export?format=jsonl`, analyst);
    assert.equal(jl.body.trim().split('\n').length, 261);
    assert.equal((JSON.parse(jl.body.split('\n')[0]!) as { rule: string }).rule.length > 0, true);
    const f = (await get('/api/orgs/CSV/export?format=csv', analyst)).body.split('\r\n')[1]!;
    assert.match(f, /,"'=HYPERLINK\(""http:\/\/x"",""click""\)",'@p,/);
  });

  it('manages tokens over the API: created once, revoked at once', async () => {
    const h = { authorization: `Bearer ${admin}` };
    const c = await app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: h,
      payload: { role: `org:${QC}`, label: 'temp' },
    });
    assert.equal(c.statusCode, 201);
    const t = c.json() as { token: string; id: number };
    assert.equal((await get('/api/orgs', t.token)).statusCode, 200);
    const list = (await get('/api/tokens', admin)).json() as { id: number; label: string }[];
    assert.ok(list.some((x) => x.id === t.id && x.label === 'temp'));
    assert.ok(!JSON.stringify(list).includes(t.token));
    assert.equal(
      (await app.inject({ method: 'DELETE', url: `/api/tokens/${t.id}`, headers: h })).statusCode,
      204,
    );
    assert.equal((await get('/api/orgs', t.token)).statusCode, 401);
    const bad = await app.inject({
      method: 'POST',
      url: '/api/tokens',
      headers: h,
      payload: { role: 'root' },
    });
    assert.equal(bad.statusCode, 400);
  });

  it('keeps injection strings in paths and queries as data', async () => {
    for (const s of ["' OR '1'='1", '"; DROP TABLE orgs; --', '%', '_']) {
      assert.equal((await get(`/api/orgs/${enc(s)}`, analyst)).statusCode, 404);
      const r = await get(`/api/orgs/ACME/findings?host=${enc(s)}&q=${enc(s)}&rule=${enc(s)}`, analyst);
      assert.equal(r.statusCode, 200);
      assert.deepEqual(r.json(), { findings: [], next: null });
    }
    assert.equal(((await get('/api/orgs', analyst)).json() as unknown[]).length, 4);
  });
});
