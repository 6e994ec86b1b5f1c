/**
 * A real `vigil serve --api` on 127.0.0.1 (ephemeral port) over a fresh SQLite store in a private
 * temporary folder, filled from the case files of case-data.ts through `vigil case import` and
 * the API's import route, with an admin token from `vigil token create` and an analyst token made
 * over the API. Used by the dashboard's tests, `npm run screenshots` and `npm run dev:web`.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeCaseFiles, type CaseFile } from './case-data.ts';

const REPO = join(import.meta.dirname, '..', '..');
const BIN = join(REPO, 'bin', 'vigil.js');
const WEB = join(REPO, 'web');

export function vigilSync(args: readonly string[]): { code: number | null; stdout: string; stderr: string } {
  const r = spawnSync(process.execPath, [BIN, ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '1' },
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function newest(dir: string): number {
  let t = 0;
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name);
    t = Math.max(t, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }
  return t;
}

/**
 * Builds web/dist with Vite when it is missing or older than a source (a clean clone in CI has no
 * dist: `npm test` builds it here, once).
 */
export function ensureWebBuilt(): void {
  const out = join(WEB, 'dist', 'index.html');
  const sources = Math.max(
    newest(join(WEB, 'src')),
    newest(join(WEB, 'public')),
    statSync(join(WEB, 'index.html')).mtimeMs,
    statSync(join(WEB, 'vite.config.ts')).mtimeMs,
  );
  if (existsSync(out) && statSync(out).mtimeMs >= sources) return;
  const r = spawnSync(
    process.execPath,
    [join(REPO, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--config', join(WEB, 'vite.config.ts')],
    { cwd: REPO, encoding: 'utf8' },
  );
  if (r.status !== 0) throw new Error(`vite build failed:\n${r.stdout}\n${r.stderr}`);
}

export interface DashboardServer {
  url: string;
  token: string;
  db: string;
  dir: string;
  orgs: CaseFile[];
  /** Runs a vigil command against this store (`--db` added). */
  vigil(args: readonly string[]): { code: number | null; stdout: string; stderr: string };
  /** An API request with the admin token; the answer's JSON (null for 204). */
  admin(method: string, path: string, body?: string, type?: string): Promise<Record<string, unknown> | null>;
  stop(): Promise<void>;
}

export async function startDashboardServer(
  opts: { hostileAttempts?: number; port?: number } = {},
): Promise<DashboardServer> {
  ensureWebBuilt();
  const dir = mkdtempSync(join(tmpdir(), 'vigil-dashboard-'));
  const db = join(dir, 'case.db');
  const withDb = (args: readonly string[]) => vigilSync([...args, '--db', db]);
  const orgs = writeCaseFiles(join(dir, 'cases'), opts);
  // The two organisations with scanned evidence go in through `vigil case import`, the generated
  // ones through the API's import route (POST /api/orgs/:org/import, admin token): both doors.
  const [viaCli, viaApi] = [orgs.slice(0, 2), orgs.slice(2)];
  for (const c of viaCli) {
    const r = withDb(['case', 'import', '--org', c.org, '--quiet', c.file]);
    if (r.code !== 0) throw new Error(`vigil case import ${c.org}: ${r.code}\n${r.stderr}`);
  }
  const t = withDb(['token', 'create', '--role', 'admin', '--label', 'test admin']);
  if (t.code !== 0) throw new Error(`vigil token create: ${t.stderr}`);
  const admin = t.stdout.trim();

  const child: ChildProcess = spawn(
    process.execPath,
    [BIN, 'serve', '--api', `127.0.0.1:${opts.port ?? 0}`, '--db', db, '--web', join(WEB, 'dist')],
    { cwd: REPO, env: { ...process.env, NO_COLOR: '1' }, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`vigil serve did not start:\n${stderr}`)), 30_000);
    const onData = (d: Buffer) => {
      stderr += d.toString();
      const m = /API on (http:\/\/127\.0\.0\.1:\d+)/.exec(stderr);
      if (m?.[1]) {
        clearTimeout(timer);
        child.stderr!.off('data', onData);
        resolve(m[1]);
      }
    };
    child.stderr!.on('data', onData);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`vigil serve exited (${code}):\n${stderr}`));
    });
  });
  // Keep draining stderr (request logs) so the pipe never fills and blocks the server.
  child.stderr!.resume();
  const call = async (method: string, path: string, body?: string, type = 'application/json') => {
    const res = await fetch(`${url}${path}`, {
      method,
      headers: { authorization: `Bearer ${admin}`, ...(body !== undefined ? { 'content-type': type } : {}) },
      body: body ?? null,
    });
    if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`);
    return res.status === 204 ? null : ((await res.json()) as Record<string, unknown>);
  };
  for (const c of viaApi) {
    const body = readFileSync(c.file, 'utf8');
    await call('POST', `/api/orgs/${encodeURIComponent(c.org)}/import`, body, 'application/x-ndjson');
  }
  const made = await call(
    'POST',
    '/api/tokens',
    JSON.stringify({ role: 'analyst', label: 'test analyst' }),
    'application/json',
  );
  const token = String(made?.['token']);
  return {
    url,
    token,
    db,
    dir,
    orgs,
    vigil: withDb,
    admin: call,
    async stop() {
      if (child.exitCode == null) {
        const exited = new Promise((r) => child.once('exit', r));
        child.kill('SIGTERM');
        await exited;
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
