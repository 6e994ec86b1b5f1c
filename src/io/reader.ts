import type { Problem } from '../model/problem.ts';
import type { VigilRecord } from '../model/records.ts';

/** What every reader gets: the file's bytes as chunks, its display path, and a place for problems. */
export interface ReadContext {
  readonly path: string;
  readonly chunks: AsyncIterable<Uint8Array>;
  readonly problem: (p: Problem) => void;
  /**
   * When set, a line for which it returns false can be dropped before it is parsed: no detector
   * that runs could find anything in it (see `DetectorInfo.lineFilter`).
   */
  readonly keep?: ((line: string) => boolean) | undefined;
  /**
   * When set, line readers may search whole chunks with these (global) expressions and build only
   * the lines they hit (and `#` directive lines): `keep` holds for no other line.
   */
  readonly select?: readonly RegExp[] | undefined;
}

/**
 * A reader turns one file's bytes into records, streaming, in batches (one per chunk of input):
 * an async step per record would cost more than most records take to check.
 */
export type Reader = (ctx: ReadContext) => AsyncIterable<readonly VigilRecord[]>;

/** Problems about over-long lines, shared by all line readers. */
export function longLineWarning(ctx: ReadContext) {
  return (line: number, limit: number) =>
    ctx.problem({
      level: 'warning',
      source: { path: ctx.path, line },
      message: `line longer than ${limit} bytes; only its first ${limit} were analysed`,
    });
}
