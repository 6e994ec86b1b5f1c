import { DEFAULT_RECORD_BUDGET_MS } from './budget.ts';

/** Bounds that keep a hostile archive or stream from exhausting memory or time. */
export interface Limits {
  /** Archive nesting (a zip in a zip in a folder is depth 2). */
  readonly maxArchiveDepth: number;
  readonly maxArchiveEntries: number;
  /** Uncompressed bytes of one archive member or one gzip stream. */
  readonly maxExpandedBytes: number;
  /** Uncompressed bytes of all members of one archive together. */
  readonly maxArchiveTotalBytes: number;
  /** A zip nested inside another is read into memory up to this size; larger ones are skipped. */
  readonly maxNestedArchiveBytes: number;
  /** Compression ratio above which an archive member is treated as a bomb. */
  readonly maxCompressionRatio: number;
  /** Milliseconds a detector may spend on one record (triage/budget.ts); 0 turns the budget off. */
  readonly recordBudgetMs?: number;
}

export const DEFAULT_LIMITS: Limits = {
  maxArchiveDepth: 3,
  maxArchiveEntries: 100_000,
  maxExpandedBytes: 4 * 1024 ** 3,
  maxArchiveTotalBytes: 16 * 1024 ** 3,
  maxNestedArchiveBytes: 256 * 1024 ** 2,
  maxCompressionRatio: 1000,
  recordBudgetMs: DEFAULT_RECORD_BUDGET_MS,
};
