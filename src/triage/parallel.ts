import type { EngineOptions } from '../engine/engine.ts';
import { lstatSync, readdirSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { Worker } from 'node:worker_threads';
import { availableParallelism } from 'node:os';
import type { Finding } from '../model/finding.ts';
import type { Problem, Skipped } from '../model/problem.ts';
import type { ScanSinks, ScanStats } from './scan.ts';

/**
 * Scanning on several cores: the walk is planned up front (files with their sizes), shared out
 * by size between worker threads, each running its own Scanner, and everything they find comes
 * back here. Only for detectors whose state does not span files, or whose findings the caller
 * merges afterwards (exchange hunt merges the build timeline).
 */
export interface Entry {
  readonly abs: string;
  readonly display: string;
  readonly follow?: boolean;
  readonly size: number;
}

export function planEntries(roots: readonly string[]): { entries: Entry[]; problems: Problem[] } {
  const entries: Entry[] = [];
  const problems: Problem[] = [];
  const visit = (abs: string, display: string, root: boolean) => {
    let st;
    try {
      st = root ? statSync(abs) : lstatSync(abs);
    } catch (e) {
      problems.push({ level: 'error', source: { path: display || abs }, message: (e as Error).message });
      return;
    }
    if (st.isDirectory()) {
      let names: string[];
      try {
        names = readdirSync(abs).sort();
      } catch (e) {
        problems.push({ level: 'error', source: { path: display || '.' }, message: (e as Error).message });
        return;
      }
      for (const n of names) visit(join(abs, n), display ? posix.join(display, n) : n, false);
    } else entries.push({ abs, display, ...(root ? { follow: true } : {}), size: st.isFile() ? st.size : 0 });
  };
  for (const r of roots) {
    const prefix = roots.length > 1 ? basename(r.replace(/[\\/]+$/, '')) || r : '';
    let st;
    try {
      st = statSync(r);
    } catch (e) {
      problems.push({ level: 'error', source: { path: r }, message: (e as Error).message });
      continue;
    }
    if (st.isDirectory()) visit(r, prefix, true);
    else visit(r, prefix || basename(r), true);
  }
  return { entries, problems };
}

/** Largest first, each to the least-loaded share. */
export function share(entries: readonly Entry[], n: number): Entry[][] {
  const out: Entry[][] = Array.from({ length: n }, () => []);
  const load = new Array<number>(n).fill(0);
  for (const e of [...entries].sort((a, b) => b.size - a.size)) {
    let k = 0;
    for (let i = 1; i < n; i++) if (load[i]! < load[k]!) k = i;
    out[k]!.push(e);
    load[k]! += e.size + 4096; // a small file still costs a little
  }
  return out;
}

export interface WorkerJob {
  readonly entries: readonly Entry[];
  readonly detectorIds: readonly string[];
  readonly readerKinds: readonly string[];
  /** Each worker loads its own engine from these (plain data crosses threads; indexes do not). */
  readonly engine: EngineOptions;
  /** Milliseconds a detector may spend on one record (--record-budget); the default when absent. */
  readonly recordBudgetMs?: number;
}

export type WorkerMessage =
  | { t: 'finding'; f: Finding }
  | { t: 'problem'; p: Problem }
  | { t: 'skipped'; s: Skipped }
  | { t: 'bytes'; n: number }
  | { t: 'file'; path: string }
  | { t: 'done'; stats: ScanStats }
  | { t: 'fatal'; message: string };

export function workerCount(entries: readonly Entry[]): number {
  const total = entries.reduce((s, e) => s + e.size, 0);
  // Threads pay off on large collections of several files; one big file stays on one core.
  if (entries.length < 2 || total < 64 * 1024 * 1024) return 1;
  return Math.max(1, Math.min(availableParallelism(), 4, entries.length));
}

export async function scanParallel(
  job: Omit<WorkerJob, 'entries'>,
  entries: readonly Entry[],
  n: number,
  sinks: ScanSinks,
): Promise<ScanStats> {
  const stats: ScanStats = { files: 0, archives: 0, bytes: 0, records: 0, kinds: {} };
  const shares = share(entries, n).filter((s) => s.length);
  await Promise.all(
    shares.map(
      (part) =>
        new Promise<void>((resolve, reject) => {
          const w = new Worker(new URL('./scan-worker.ts', import.meta.url), {
            workerData: { ...job, entries: part } satisfies WorkerJob,
          });
          w.on('message', (m: WorkerMessage) => {
            switch (m.t) {
              case 'finding':
                sinks.finding(m.f);
                break;
              case 'problem':
                sinks.problem(m.p);
                break;
              case 'skipped':
                sinks.skipped(m.s);
                break;
              case 'bytes':
                sinks.bytes?.(m.n);
                break;
              case 'file':
                sinks.fileDone?.(m.path);
                break;
              case 'fatal':
                reject(new Error(m.message));
                break;
              case 'done':
                stats.files += m.stats.files;
                stats.archives += m.stats.archives;
                stats.bytes += m.stats.bytes;
                stats.records += m.stats.records;
                for (const [k, v] of Object.entries(m.stats.kinds))
                  (stats.kinds as Record<string, number>)[k] =
                    ((stats.kinds as Record<string, number>)[k] ?? 0) + (v ?? 0);
                break;
            }
          });
          w.on('error', reject);
          w.on('exit', () => resolve());
        }),
    ),
  );
  return stats;
}
