import type { SourceRef } from './finding.ts';

/**
 * Something that stopped Vigil from reading part of the input. A problem never aborts a run:
 * it is reported (with path and line) and the run goes on.
 *  - `error`: input was unreadable or corrupt; part of it was not analysed (exit code 2 if nothing worse).
 *  - `warning`: input was odd but analysed (e.g. an over-long line was cut).
 */
export interface Problem {
  readonly level: 'error' | 'warning';
  readonly source: SourceRef;
  readonly message: string;
}

/** A file that was looked at and deliberately not analysed (unknown kind, over a limit, …). */
export interface Skipped {
  readonly path: string;
  readonly reason: string;
}
