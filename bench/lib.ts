import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const hasGnuTime = existsSync('/usr/bin/time');

export interface Measured {
  secs: number;
  cpuSecs: number | null;
  rssKb: number | null;
  status: number | null;
  stdout: string;
}

/** Run a command; wall seconds, CPU seconds and peak RSS (KB) via GNU time when present. */
export function measure(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Measured {
  const t = performance.now();
  const r = hasGnuTime
    ? spawnSync('/usr/bin/time', ['-f', '%U %S %M', cmd, ...args], {
        encoding: 'utf8',
        maxBuffer: 1 << 30,
        ...(env ? { env } : {}),
      })
    : spawnSync(cmd, args, { encoding: 'utf8', maxBuffer: 1 << 30, ...(env ? { env } : {}) });
  const secs = (performance.now() - t) / 1000;
  const last = hasGnuTime ? r.stderr.trim().split('\n').pop()!.split(' ').map(Number) : [];
  const ok = last.length === 3 && last.every(Number.isFinite);
  return {
    secs,
    cpuSecs: ok ? last[0]! + last[1]! : null,
    rssKb: ok ? last[2]! : null,
    status: r.status,
    stdout: r.stdout,
  };
}

export function hasCommand(cmd: string): boolean {
  return spawnSync(cmd, ['--version']).status === 0;
}

export const mb = (kb: number | null) => (kb === null ? 'n/a' : `${(kb / 1024).toFixed(0)} MB`);
