import type { Finding } from './finding.ts';
import type { RecordKind, RecordOf, VigilRecord } from './records.ts';

export type Emit = (finding: Finding) => void;

/** One run of a detector over one scan. State (windows, counters) lives here, never in module scope. */
export interface DetectorRun<K extends RecordKind = RecordKind> {
  /** Called for each record of the declared kinds. May return a promise (e.g. MIME parsing). */
  onRecord(record: RecordOf<K>, emit: Emit): void | Promise<void>;
  /** Called once after the last record, for detectors that correlate across records. */
  finish?(emit: Emit): void | Promise<void>;
  /** A line pre-filter known only once the run exists (e.g. built from the loaded indicators), per record kind. */
  lineFilterFor?(kind: RecordKind): RegExp | undefined;
}

export interface DetectorInfo<K extends RecordKind = RecordKind> {
  /** Stable id; the prefix of the rule ids it emits (e.g. `intel.file-hash`). */
  readonly id: string;
  readonly description: string;
  readonly kinds: readonly K[];
  /** Rule ids this detector can emit, with their titles (for SARIF `rules` and `--help`). */
  readonly rules: readonly RuleInfo[];
  /**
   * For line-based records: the detector can only find something in a line this matches. When
   * every detector of a record kind has one, readers skip the other lines before parsing them:
   * the pre-filter Test-ProxyLogon does with Select-String, for every log.
   */
  readonly lineFilter?: RegExp;
  /** The context entries this detector reads (declared where it is defined, with their types). */
  readonly options?: readonly ContextKey<unknown>[];
}

export interface RuleInfo {
  readonly id: string;
  readonly title: string;
  readonly help?: string;
}

/**
 * The time a detector may spend on the current record (see triage/budget.ts). A detector that
 * evaluates many rules per record asks `spent()` between rules and, when it is, stops and names
 * the rule it was at with `blame()`; the dispatcher reports it and the scan goes on.
 */
export interface RecordBudget {
  /** Milliseconds per record and detector; 0 means no budget. */
  readonly ms: number;
  spent(): boolean;
  blame(rule: string): void;
  /** Runs one-off set-up (building an index on first use): its time is not charged to the record. */
  exclude<T>(setup: () => T): T;
  /** Judge the current record by CPU time, not wall time (costs a system call per record). */
  measureCpu(): void;
}

/**
 * What a scan gives every detector it creates: named entries (options, shared indexes), each
 * declared by the code that reads it with `contextKey`. The model knows none of them; the engine
 * fills them in (see src/engine/engine.ts).
 */
export interface DetectorContext {
  readonly [name: string]: unknown;
  /** The per-record time budget, set by the dispatcher (absent when nothing is timed). */
  readonly budget?: RecordBudget;
}

/** A typed name for one context entry: `MAIL_OPTIONS.get(ctx)` is a `MailConfig` or undefined. */
export interface ContextKey<T> {
  readonly name: string;
  readonly description: string;
  get(ctx: DetectorContext): T | undefined;
}

export function contextKey<T>(name: string, description: string): ContextKey<T> {
  return { name, description, get: (ctx) => ctx[name] as T | undefined };
}

export interface Detector<K extends RecordKind = RecordKind> extends DetectorInfo<K> {
  create(ctx: DetectorContext): DetectorRun<K>;
}

/** Erases the record kind after checking it statically, so detectors of any kinds fit one list. */
export type AnyDetector = DetectorInfo & {
  create(ctx: DetectorContext): {
    onRecord(record: VigilRecord, emit: Emit): void | Promise<void>;
    finish?(emit: Emit): void | Promise<void>;
    lineFilterFor?(kind: RecordKind): RegExp | undefined;
  };
};

export function defineDetector<K extends RecordKind>(d: Detector<K>): AnyDetector {
  return d as unknown as AnyDetector;
}
