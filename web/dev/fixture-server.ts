/**
 * DEVELOPMENT ONLY (`npm run dev:web:fixture`): serves web/dist and an in-memory imitation of the
 * API contract of issue #15, from the case files of scripts/lib/case-data.ts, for working on the
 * front end without a store. Tests never use it: they drive the real `vigil serve --api`.
 * Token: `dev`. Binds 127.0.0.1 on an ephemeral port (printed).
 */
import { createServer } from 'node:http';
import { readFileSync } from 'node:fs';
import { extname, join, normalize } from 'node:path';
import { tmpdir } from 'node:os';
import { writeCaseFiles } from '../../scripts/lib/case-data.ts';

export const CSP =
  "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; " +
  "font-src 'self'; manifest-src 'self'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'; " +
  "require-trusted-types-for 'script'; trusted-types 'none'";

const DIST = join(import.meta.dirname, '..', 'dist');
const SEV = ['critical', 'high', 'medium', 'low', 'info'];
const VERDICTS = ['compromised', 'attempted', 'vulnerable', 'probed', 'clean', 'unknown'];
type F = Record<string, unknown> & { id: number; org: string; severity: string; rule: string };

const findings: F[] = [];
for (const { org, file } of writeCaseFiles(join(tmpdir(), `vigil-dev-${process.pid}`))) {
  for (const l of readFileSync(file, 'utf8').split('\n')) {
    if (l.trim()) findings.push({ ...(JSON.parse(l) as F), org, id: findings.length + 1 });
  }
}
const status = new Map<number, Record<string, unknown>>();
const live = (f: F) => status.get(f.id)?.['status'] !== 'false_positive';

function orgRow(org: string) {
  const fs = findings.filter((f) => f.org === org);
  const hosts = new Map<string, string>();
  for (const f of fs)
    if (f.rule === 'exchange.verdict' && live(f))
      hosts.set(String(f['host']), String((f['evidence'] as Record<string, unknown>)['verdict']));
  const verdict = VERDICTS.find((v) => [...hosts.values()].includes(v)) ?? 'unknown';
  const counts = Object.fromEntries(
    SEV.map((s) => [s, fs.filter((f) => f.severity === s && live(f)).length]),
  );
  return {
    org,
    verdict,
    hosts: hosts.size,
    findings: counts,
    sunburst: { victims: fs.filter((f) => f.rule === 'sunburst.victim' && live(f)).length },
    mail: { campaigns: fs.some((f) => f.rule === 'mail.verdict') ? 1 : 0, malicious: 0 },
    lastImport: '2026-12-04T12:00:00.000Z',
  };
}

const server = createServer((req, res) => {
  const url = new URL(req.url ?? '/', 'http://x');
  const send = (code: number, body: unknown) => {
    res.writeHead(code, { 'content-type': 'application/json', 'content-security-policy': CSP });
    res.end(JSON.stringify(body));
  };
  if (url.pathname.startsWith('/api/')) {
    if (req.headers.authorization !== 'Bearer dev') return send(401, { message: 'unauthorized' });
    const orgs = [...new Set(findings.map((f) => f.org))];
    const parts = url.pathname.split('/').slice(2).map(decodeURIComponent);
    if (parts[0] === 'summary') {
      const rows = orgs.map(orgRow);
      return send(200, {
        orgs: rows.length,
        byVerdict: Object.fromEntries(VERDICTS.map((v) => [v, rows.filter((r) => r.verdict === v).length])),
        sunburstVictims: rows.reduce((s, r) => s + r.sunburst.victims, 0),
        maliciousCampaigns: 1,
      });
    }
    if (parts[0] === 'orgs' && parts.length === 1) return send(200, orgs.map(orgRow));
    if (parts[0] === 'orgs' && parts[1] && orgs.includes(parts[1])) {
      if (parts.length === 2)
        return send(200, { ...orgRow(parts[1]), hosts: [], campaigns: [], victims: [] });
      const q = url.searchParams;
      const limit = Math.min(500, Number(q.get('limit') ?? 50));
      const from = Number(q.get('cursor') ?? 0);
      const all = findings
        .filter(
          (f) =>
            f.org === parts[1] &&
            (!q.get('severity') || f.severity === q.get('severity')) &&
            (!q.get('rule') || f.rule === q.get('rule')) &&
            (!q.get('host') || f['host'] === q.get('host')),
        )
        .sort(
          (a, b) =>
            SEV.indexOf(a.severity) - SEV.indexOf(b.severity) ||
            String(b['time'] ?? '').localeCompare(String(a['time'] ?? '')),
        )
        .map(({ org: _o, ...f }) => ({ ...f, status: status.get(f.id) ?? null }));
      const page = all.slice(from, from + limit);
      return send(200, { findings: page, next: from + limit < all.length ? String(from + limit) : null });
    }
    if (parts[0] === 'findings' && req.method === 'PATCH') {
      let body = '';
      req.on('data', (d: Buffer) => (body += d.toString()));
      req.on('end', () => {
        const b = JSON.parse(body) as Record<string, unknown>;
        status.set(Number(parts[1]), { ...b, by: 'dev', at: new Date().toISOString() });
        send(200, { ok: true });
      });
      return;
    }
    return send(404, { message: 'not found' });
  }
  const rel = normalize(url.pathname === '/' ? '/index.html' : url.pathname);
  try {
    const body = readFileSync(join(DIST, rel));
    const type =
      { '.html': 'text/html', '.js': 'text/javascript', '.css': 'text/css', '.svg': 'image/svg+xml' }[
        extname(rel)
      ] ?? 'application/octet-stream';
    res.writeHead(200, { 'content-type': type, 'content-security-policy': CSP });
    res.end(body);
  } catch {
    res.writeHead(404).end();
  }
});
server.listen(Number(process.env['PORT'] ?? 0), '127.0.0.1', () => {
  const a = server.address();
  if (a && typeof a === 'object') console.log(`http://127.0.0.1:${a.port}/  (token: dev)`);
});
