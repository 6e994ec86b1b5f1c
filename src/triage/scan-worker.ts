/** One share of a parallel scan (see parallel.ts): a Scanner in a worker thread, reporting back. */
import { parentPort, workerData } from 'node:worker_threads';
import { Scanner } from './scan.ts';
import { ALL_DETECTORS, READERS } from './registry.ts';
import { DEFAULT_LIMITS } from './limits.ts';
import { loadEngine } from '../engine/engine.ts';
import type { WorkerJob, WorkerMessage } from './parallel.ts';
import type { FileKind } from '../model/records.ts';

const job = workerData as WorkerJob;
const post = (m: WorkerMessage) => parentPort!.postMessage(m);
try {
  const detectors = job.detectorIds.map((id) => {
    const d = ALL_DETECTORS.find((x) => x.id === id);
    if (!d) throw new Error(`unknown detector ${id}`);
    return d;
  });
  const readers = Object.fromEntries(
    Object.entries(READERS).filter(([k]) => job.readerKinds.includes(k)),
  ) as typeof READERS;
  const engine = loadEngine(job.engine);
  const scanner = new Scanner(
    {
      detectors,
      readers,
      limits:
        job.recordBudgetMs === undefined
          ? DEFAULT_LIMITS
          : { ...DEFAULT_LIMITS, recordBudgetMs: job.recordBudgetMs },
      context: engine.context,
    },
    {
      finding: (f) => post({ t: 'finding', f }),
      problem: (p) => post({ t: 'problem', p }),
      skipped: (s) => post({ t: 'skipped', s }),
      bytes: (n) => post({ t: 'bytes', n }),
      fileDone: (path) => post({ t: 'file', path }),
    },
  );
  const stats = await scanner.scanEntries(job.entries);
  post({ t: 'done', stats: { ...stats, kinds: { ...stats.kinds } as Partial<Record<FileKind, number>> } });
} catch (e) {
  post({ t: 'fatal', message: (e as Error).stack ?? String(e) });
}
