import type { RecordBudget } from '../model/detector.ts';
import type { VigilRecord } from '../model/records.ts';

/**
 * The time a detector may spend on one record. JavaScript cannot interrupt a synchronous call, so
 * the budget is enforced in two ways, and neither replaces linear-time matching
 * (rules/safe-regex.ts), which is what bounds any single pattern on any single record:
 *  - after the fact: the dispatcher times each detector's call on each record (wall clock) and
 *    reports a call that took longer than the budget;
 *  - cooperatively: a detector that runs many rules per record (Sigma) asks `spent()` between
 *    rules, stops as soon as the budget is used up and names the rule it was at (`blame`); the
 *    rest of its rules are skipped for that record, and the scan goes on.
 * Records that carry whole files or messages get the budget per 256 KiB of content as well.
 */
export const DEFAULT_RECORD_BUDGET_MS = 50;

const PER_BYTES = 256 * 1024;
export const CPU_KINDS: ReadonlySet<string> = new Set<string>([
  'file',
  'mail',
  'winevent',
  'exchange.server',
]);

export class Budget implements RecordBudget {
  readonly ms: number;
  private start = 0;
  private limit = Infinity;
  private rule: string | undefined;
  /** CPU time of this thread at `begin`, when the detector asked for it (`measureCpu`). */
  private cpu0: NodeJS.CpuUsage | null = null;
  private excluded = 0;

  /** `ms` 0 or less: no budget (nothing is timed). */
  constructor(ms: number) {
    this.ms = ms > 0 ? ms : 0;
  }

  /**
   * Starts the clock for one detector's call on one record. `first`: the detector's first record
   * of this kind, which also pays for its lazy set-up and V8's compiling of its code: 20 times the
   * budget then (an overrun beyond that is still reported).
   */
  begin(rec: VigilRecord, first = false): void {
    if (!this.ms) return;
    this.limit = this.limitFor(rec, first);
    this.rule = undefined;
    // Records that cost milliseconds anyway (files, messages, events) are judged by CPU time, so a
    // busy machine does not make them look slow; a log line costs too little for a system call.
    this.cpu0 = CPU_KINDS.has(rec.kind) ? process.threadCpuUsage() : null;
    this.excluded = 0;
    this.start = performance.now();
  }

  /**
   * Judge this record by the thread's CPU time rather than the wall clock, so a machine busy with
   * other work does not stop a rule engine early (a system call per record: affordable where a
   * record costs tens of microseconds anyway, as in Sigma).
   */
  measureCpu(): void {
    if (this.ms) this.cpu0 = process.threadCpuUsage();
  }

  /** Milliseconds the current call has used: wall time, or CPU time when measured and lower. */
  private used(): number {
    const wall = performance.now() - this.start;
    if (!this.cpu0 || wall <= this.limit) return wall;
    const c = process.threadCpuUsage(this.cpu0);
    return Math.min(wall, (c.user + c.system) / 1000 - this.excluded);
  }

  /** The milliseconds a call on `rec` may take (Infinity without a budget). */
  limitFor(rec: VigilRecord, first = false): number {
    if (!this.ms) return Infinity;
    const bytes = rec.kind === 'file' ? rec.size : rec.kind === 'mail' ? rec.raw.length : 0;
    return this.ms * (1 + Math.floor(bytes / PER_BYTES)) * (first ? 20 : 1);
  }

  exclude<T>(setup: () => T): T {
    if (!this.ms) return setup();
    const t = performance.now();
    try {
      return setup();
    } finally {
      const d = performance.now() - t;
      this.start += d;
      this.excluded += d;
    }
  }

  spent(): boolean {
    return this.ms > 0 && this.used() > this.limit;
  }

  blame(rule: string): void {
    this.rule = rule;
  }

  /** After the call: null when it kept to its budget, else what to report. */
  end(): { ms: number; limit: number; rule: string | undefined } | null {
    if (!this.ms) return null;
    const took = this.used();
    if (took <= this.limit && this.rule === undefined) return null;
    return { ms: took, limit: this.limit, rule: this.rule };
  }
}

/** A call that went over its budget: how long it took, its limit, and the rule a detector named. */
export interface Overrun {
  readonly ms: number;
  readonly limit: number;
  readonly rule: string | undefined;
}

/**
 * One piece of engine work on one record under a budget, for doors that handle items one at a
 * time (`vigil serve`: a message that overruns takes the `--on-error` policy). Give `budget` to
 * the detectors' context so rule engines stop early. The time is wall time from the call until
 * its promise settles, awaits included.
 */
export async function withRecordBudget<T>(
  ms: number,
  rec: VigilRecord,
  work: (budget: RecordBudget) => T | Promise<T>,
): Promise<{ value: T; overrun: Overrun | null }> {
  const b = new Budget(ms);
  b.begin(rec);
  const value = await work(b);
  return { value, overrun: b.end() };
}
