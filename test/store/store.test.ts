import { describe, it, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { openStore, type Store } from '../../src/store/open.ts';
import { migrations } from '../../src/store/migrations.ts';
import { importFile, importLines, StrictImportError, textLines } from '../../src/store/import.ts';
import {
  findingsPage,
  listOrgs,
  orgDetail,
  orgId,
  summary,
  timeline,
  getFinding,
} from '../../src/store/queries.ts';
import { setStatus } from '../../src/store/status.ts';
import { authenticate, createToken, listTokens, revokeToken, hashToken } from '../../src/store/tokens.ts';
import { findingsJsonl } from '../../scripts/lib/gen-findings.ts';
import { incidentJsonl } from '../support/incident.ts';
import { pgDatabase, pgUnavailable } from '../support/pg.ts';
import { SEVERITIES } from '../../src/model/severity.ts';

const pgSkip = await pgUnavailable();
const dir = mkdtempSync(join(tmpdir(), 'vigil-store-'));
after(() => rmSync(dir, { recursive: true, force: true }));

const imp = (store: Store, org: string, body: string, strict = false) =>
  importLines(store, textLines(body), { org, source: 'test', actor: 'test', strict });

function countBySeverity(jsonl: string) {
  const c: Record<string, number> = { critical: 0, high: 0, medium: 0, low: 0, info: 0 };
  for (const l of jsonl.split('\n').filter(Boolean)) c[(JSON.parse(l) as { severity: string }).severity]!++;
  return c;
}

/** The same suite on both databases: one schema, one query layer. */
for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`case store on ${backend}`, { skip: backend === 'postgres' ? (pgSkip ?? false) : false }, () => {
    let store: Store;
    let drop: (() => Promise<void>) | undefined;
    let url = `sqlite:${join(dir, 'store.db')}`;

    before(async () => {
      if (backend === 'postgres') {
        const d = await pgDatabase();
        drop = d.drop;
        url = d.url;
      }
      store = await openStore(url);
    });
    after(async () => {
      await store?.close();
      await drop?.();
    });

    it('opens an existing store again without migrating twice', async () => {
      const again = await openStore(url);
      const r = await sql<{ n: number }>`select count(*) as n from kysely_migration`.execute(again.db);
      assert.equal(Number(r.rows[0]!.n), Object.keys(migrations(backend)).length);
      await again.close();
    });

    it("imports vigil's findings for examples/incident and answers the three questions", async () => {
      const jsonl = incidentJsonl();
      const n = jsonl.split('\n').filter(Boolean).length;
      const file = join(dir, 'incident.jsonl');
      writeFileSync(file, jsonl);
      const r = await importFile(store, file, { org: 'Ville de Québec', source: file, actor: 'test' });
      assert.deepEqual([r.added, r.duplicates, r.malformed, r.lines], [n, 0, 0, n]);
      const [o] = await listOrgs(store, 'Ville de Québec');
      assert.ok(o);
      assert.equal(o.verdict, 'compromised');
      assert.equal(o.hosts, 1);
      assert.deepEqual(o.findings, countBySeverity(jsonl));
      assert.equal(o.sunburst.victims, 1);
      assert.equal(o.mail.malicious, 1);
      assert.ok(o.lastImport);
      const d = await orgDetail(store, 'Ville de Québec');
      assert.equal(d!.hosts.length, 1);
      const h = d!.hosts[0]!;
      assert.equal(h.name, 'EX01');
      assert.equal(h.verdict, 'compromised');
      assert.equal(h.build.now, '15.1.2176.2');
      assert.equal(h.build.atFirstActivity, '15.1.2176.2');
      assert.equal(h.build.exposedAtFirstActivity, true);
      assert.match(h.fix ?? '', /KB5003435.*15\.1\.2176\.14/);
      assert.deepEqual(
        d!.victims.map((v) => v.domain),
        ['city.kingston.on.ca'],
      );
      assert.ok(d!.rules.some((x) => x.rule === 'exchange.webshell.chopper' && x.worst === 'critical'));
    });

    it('re-importing the same findings (in any key order) adds nothing', async () => {
      const jsonl = incidentJsonl();
      const n = jsonl.split('\n').filter(Boolean).length;
      const before = await listOrgs(store, 'Ville de Québec');
      const r = await imp(store, 'Ville de Québec', jsonl);
      assert.deepEqual([r.added, r.duplicates], [0, n]);
      // Keys reordered and the prose changed: the same finding all the same.
      const shuffled = jsonl
        .split('\n')
        .filter(Boolean)
        .map((l) => {
          const f = JSON.parse(l) as Record<string, unknown>;
          const out: Record<string, unknown> = {};
          for (const k of Object.keys(f).reverse()) out[k] = f[k];
          out['title'] = `${String(f['title'])} (reworded)`;
          return JSON.stringify(out);
        })
        .join('\n');
      const r2 = await imp(store, 'Ville de Québec', shuffled);
      assert.deepEqual([r2.added, r2.duplicates], [0, n]);
      const { lastImport: _a, ...rest } = (await listOrgs(store, 'Ville de Québec'))[0]!;
      const { lastImport: _b, ...was } = before[0]!;
      assert.deepEqual(rest, was, 'only the time of the last import moved');
      // The same findings in another organisation are that organisation's own.
      const r3 = await imp(store, 'Other org', jsonl);
      assert.equal(r3.added, n);
    });

    it('reports malformed lines with their numbers and imports the rest; --strict refuses the file', async () => {
      const good = (i: number) =>
        JSON.stringify({
          rule: 'exchange.proxylogon.ssrf',
          title: 't',
          severity: 'high',
          cve: [],
          attack: [],
          time: `2021-03-0${i}T00:00:00Z`,
          host: 'EX9',
          source: { path: 'a.log', line: i },
          evidence: { i },
        });
      const body = [
        good(1),
        '{"rule": "x", "title": ',
        JSON.stringify({ rule: 'a.b', title: 't', severity: 'fatal', source: { path: 'p' }, evidence: {} }),
        '',
        '[1,2,3]',
        good(2),
        JSON.stringify({
          rule: 'a.b',
          title: 't',
          severity: 'low',
          source: { path: 'p' },
          evidence: {},
          time: 'yesterday',
        }),
        good(3),
      ].join('\r\n');
      const r = await imp(store, 'Malformed', body);
      assert.equal(r.added, 3);
      assert.deepEqual(
        r.problems.map((p) => p.line),
        [2, 3, 5, 7],
      );
      assert.match(r.problems[0]!.message, /not JSON/);
      assert.match(r.problems[1]!.message, /severity/);
      assert.match(r.problems[3]!.message, /time/);
      await assert.rejects(imp(store, 'Strict org', body, true), (e: unknown) => {
        assert.ok(e instanceof StrictImportError);
        assert.equal(e.line, 2);
        return true;
      });
      assert.equal(
        await orgId(store, 'Strict org'),
        null,
        'nothing of a refused file is kept, not even its org',
      );
    });

    it("a host's verdict is its latest exchange.verdict; the org's is the worst of its hosts'", async () => {
      const v = (host: string, verdict: string, line: number) =>
        JSON.stringify({
          rule: 'exchange.verdict',
          title: `${host}: ${verdict}`,
          severity: verdict === 'clean' ? 'info' : 'critical',
          host,
          source: { path: 'scan', line },
          evidence: { verdict },
        });
      await imp(store, 'Remediated', `${v('A', 'compromised', 1)}\n${v('B', 'probed', 1)}`);
      assert.equal((await listOrgs(store, 'Remediated'))[0]!.verdict, 'compromised');
      await imp(store, 'Remediated', v('A', 'clean', 2));
      assert.equal((await listOrgs(store, 'Remediated'))[0]!.verdict, 'probed');
      const d = await orgDetail(store, 'Remediated');
      assert.deepEqual(
        d!.hosts.map((h) => [h.name, h.verdict]),
        [
          ['B', 'probed'],
          ['A', 'clean'],
        ],
      );
      // Re-importing the earlier scan changes nothing: it is already stored.
      await imp(store, 'Remediated', v('A', 'compromised', 1));
      assert.equal((await listOrgs(store, 'Remediated'))[0]!.verdict, 'probed');
      await imp(
        store,
        'No hosts',
        JSON.stringify({ rule: 'x.y', title: 't', severity: 'low', source: { path: 'p' }, evidence: {} }),
      );
      assert.equal((await listOrgs(store, 'No hosts'))[0]!.verdict, 'unknown');
    });

    it('a false positive counts nowhere; status changes are kept with who, when and why', async () => {
      const id = await orgId(store, 'Ville de Québec');
      const page = await findingsPage(
        store,
        { id: id!, name: 'Ville de Québec' },
        { rule: 'exchange.verdict' },
        10,
        null,
      );
      assert.equal(page.findings.length, 1);
      const fid = page.findings[0]!.id;
      const before = (await listOrgs(store, 'Ville de Québec'))[0]!;
      await setStatus(store, { id: fid, status: 'triaged', actor: 'alice', reason: 'looking' });
      assert.deepEqual((await listOrgs(store, 'Ville de Québec'))[0], before);
      await setStatus(store, { id: fid, status: 'false_positive', actor: 'bob', reason: 'lab server' });
      const fp = (await listOrgs(store, 'Ville de Québec'))[0]!;
      assert.equal(fp.verdict, 'unknown');
      assert.equal(fp.findings.critical, before.findings.critical - 1);
      const s = await summary(store);
      assert.equal(
        s.byVerdict.compromised,
        (await listOrgs(store)).filter((o) => o.verdict === 'compromised').length,
      );
      await setStatus(store, { id: fid, status: 'open', actor: 'bob', reason: 'not a lab server after all' });
      assert.deepEqual((await listOrgs(store, 'Ville de Québec'))[0], before);
      const f = await getFinding(store, fid);
      assert.deepEqual(
        f!.history.map((h) => [h.status, h.actor, h.reason]),
        [
          ['triaged', 'alice', 'looking'],
          ['false_positive', 'bob', 'lab server'],
          ['open', 'bob', 'not a lab server after all'],
        ],
      );
      assert.equal(await setStatus(store, { id: 99_999_999, status: 'open', actor: 'x', reason: '' }), null);
    });

    it('pages through findings most severe first, then newest, with an opaque cursor', async () => {
      const jsonl = findingsJsonl({ count: 1234, seed: 7, hosts: 5 });
      const r = await imp(store, 'Paged', jsonl);
      assert.equal(r.added, 1234);
      const org = { id: (await orgId(store, 'Paged'))!, name: 'Paged' };
      const seen: { id: number; severity: string; time: string | null }[] = [];
      let cursor = null;
      let pages = 0;
      do {
        const p = await findingsPage(store, org, {}, 100, cursor);
        seen.push(...p.findings);
        pages++;
        cursor = p.next ? JSON.parse(Buffer.from(p.next, 'base64url').toString()) : null;
        assert.equal(typeof (p.next ?? ''), 'string');
      } while (cursor);
      assert.equal(pages, 13);
      assert.equal(seen.length, 1234);
      assert.equal(new Set(seen.map((f) => f.id)).size, 1234);
      for (let i = 1; i < seen.length; i++) {
        const a = seen[i - 1]!;
        const b = seen[i]!;
        const ra = SEVERITIES.indexOf(a.severity as 'info');
        const rb = SEVERITIES.indexOf(b.severity as 'info');
        assert.ok(
          ra > rb ||
            (ra === rb && (a.time ?? '') > (b.time ?? '')) ||
            (ra === rb && a.time === b.time && a.id > b.id),
        );
      }
      const crit = await findingsPage(store, org, { severity: ['critical'] }, 500, null);
      assert.ok(crit.findings.length > 0 && crit.findings.every((f) => f.severity === 'critical'));
      const byRule = await findingsPage(store, org, { rule: 'exchange.*', host: 'EX02' }, 500, null);
      assert.ok(byRule.findings.length > 0);
      assert.ok(byRule.findings.every((f) => f.rule.startsWith('exchange.') && f.host === 'EX02'));
      const days = await timeline(store, org.id, {});
      const total = days.reduce((n, d) => n + d.critical + d.high + d.medium + d.low + d.info, 0);
      assert.equal(total, 1234);
    });

    it('stores and finds injection strings in every field as plain data', async () => {
      const evil = [
        "'; DROP TABLE findings; --",
        '" OR 1=1 --',
        "x') ON CONFLICT DO NOTHING; --",
        '%_\\',
        '\u0000'.slice(1) + 'ünï😀',
      ];
      for (const [i, s] of evil.entries()) {
        const org = `org ${s}`;
        const line = JSON.stringify({
          rule: 'test.inject',
          title: s,
          severity: 'high',
          host: s,
          time: '2021-03-03T00:00:00Z',
          source: { path: s, line: i + 1 },
          evidence: { [s]: s, url: s },
          remediation: s,
        });
        const r = await imp(store, org, line);
        assert.equal(r.added, 1);
        const id = await orgId(store, org);
        assert.ok(id);
        const p = await findingsPage(
          store,
          { id, name: org },
          { host: s, rule: 'test.inject', q: s },
          10,
          null,
        );
        assert.equal(p.findings.length, 1);
        assert.equal(p.findings[0]!.title, s);
        assert.deepEqual((p.findings[0]!.finding as { evidence: unknown }).evidence, { [s]: s, url: s });
        const none = await findingsPage(store, { id, name: org }, { host: `${s}' OR '1'='1` }, 10, null);
        assert.equal(none.findings.length, 0);
      }
      const t = await sql<{ n: number }>`select count(*) as n from findings`.execute(store.db);
      assert.ok(Number(t.rows[0]!.n) > 1000, 'the findings table is still there');
    });

    it('keeps tokens as hashes; a revoked token stops working', async () => {
      const a = await createToken(store, { kind: 'org', org: 'Ville de Québec' }, 'city CERT');
      assert.match(a.token, /^vigil_[A-Za-z0-9_-]{43}$/);
      const who = await authenticate(store, a.token);
      assert.deepEqual(who?.role, { kind: 'org', org: 'Ville de Québec' });
      const rows = await store.db.selectFrom('tokens').select('hash').execute();
      assert.ok(rows.some((r) => r.hash === hashToken(a.token)));
      assert.ok(rows.every((r) => !r.hash.includes(a.token.slice(6))));
      const listed = await listTokens(store);
      assert.equal(listed.find((t) => t.id === a.info.id)?.role, 'org:Ville de Québec');
      assert.equal(await revokeToken(store, a.info.id), true);
      assert.equal(await authenticate(store, a.token), null);
      assert.equal(await revokeToken(store, a.info.id), false);
      assert.equal(await authenticate(store, `${a.token}x`), null);
    });
  });
}
