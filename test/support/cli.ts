import { spawn, spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { REPO } from './paths.ts';

/** Run the real `vigil` entry point (bin/vigil.js) with this Node, and capture everything. */
export function vigil(
  args: readonly string[],
  opts: { env?: Record<string, string>; input?: string; timeout?: number } = {},
) {
  const r = spawnSync(process.execPath, [join(REPO, 'bin/vigil.js'), ...args], {
    cwd: REPO,
    encoding: 'utf8',
    env: { ...process.env, NO_COLOR: '', ...opts.env },
    input: opts.input ?? '',
    maxBuffer: 256 * 1024 * 1024,
    // A bound that only catches a hang (the child is killed): not a timing.
    ...(opts.timeout ? { timeout: opts.timeout, killSignal: 'SIGKILL' as const } : {}),
  });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr, hung: r.signal === 'SIGKILL' };
}

/** Like `vigil`, without blocking this process (for tests whose servers live in it). */
export function vigilAsync(
  args: readonly string[],
  opts: { env?: Record<string, string> } = {},
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(REPO, 'bin/vigil.js'), ...args], {
      cwd: REPO,
      env: { ...process.env, NO_COLOR: '', ...opts.env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d: Buffer) => {
      stdout += d.toString();
    });
    child.stderr.on('data', (d: Buffer) => {
      stderr += d.toString();
    });
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
