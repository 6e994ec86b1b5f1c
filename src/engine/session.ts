import type { Finding } from '../model/finding.ts';
import type { RuleInfo } from '../model/detector.ts';
import type { Problem, Skipped } from '../model/problem.ts';
import type { Envelope, MailRecord } from '../model/records.ts';
import { Scanner, type ScanSinks, type ScanStats } from '../triage/scan.ts';
import { DEFAULT_LIMITS, type Limits } from '../triage/limits.ts';
import { planEntries, scanParallel, workerCount } from '../triage/parallel.ts';
import { mergeBuildFindings } from '../exchange/checks/build-timeline.ts';
import { engineOf, type Engine, type EngineOptions } from './engine.ts';
import { profileFor, type ConcludeInput, type Profile, type ProfileName } from './profiles.ts';
import type { InventoryEntry } from '../exchange/inventory-input.ts';

/** What a scan hands back, in the order it happens. */
export type ScanEvent =
  | { readonly type: 'finding'; readonly finding: Finding }
  | { readonly type: 'problem'; readonly problem: Problem }
  | { readonly type: 'skipped'; readonly skipped: Skipped };

/** A message in flight: its SMTP envelope, and the name its findings carry as `source.path`. */
export interface MessageContext extends Envelope {
  /** Shown as the findings' `source.path` (a queue id, a mailbox path); default `message`. */
  readonly name?: string;
}

export interface ScanOptions {
  /** Which readers and detectors run, and what is concluded at the end (default `triage`). */
  readonly profile?: ProfileName;
  /** Detector ids to run instead of the profile's own (see `vigil detectors`). */
  readonly detectors?: readonly string[];
  /**
   * Worker threads for `add()` when the profile allows sharing files between threads (default: one
   * per core, up to 4, on collections of 64 MB or more; 1 = never).
   */
  readonly jobs?: number;
  readonly limits?: Limits;
  /**
   * Milliseconds a detector may spend on one record before it is reported (and, for Sigma, stopped
   * for that record); 0 = no budget. Overrides `limits.recordBudgetMs`; worker threads get it too.
   */
  readonly recordBudgetMs?: number;
  /** Exchange servers' builds as probed (`exchange` profile): the verdicts say what runs now. */
  readonly inventory?: readonly InventoryEntry[];
  /**
   * Receive every event as it happens. Without it, events are buffered for the session's async
   * iterator: read it (`for await (const e of session)`) while adding, or the buffer grows.
   */
  readonly onEvent?: (event: ScanEvent) => void;
  /** Progress: bytes read from disk, and each file on disk done. */
  readonly onBytes?: (n: number) => void;
  readonly onFileDone?: (path: string) => void;
}

export interface ScanSummary {
  readonly stats: ScanStats;
  /** Every path given to `add()`, in order. */
  readonly roots: readonly string[];
  /** The rule ids the profile's detectors can emit, with titles (for SARIF and help). */
  readonly rules: readonly RuleInfo[];
  readonly findings: number;
  readonly problems: number;
}

/**
 * One scan: feed it files, folders, archives and single messages; read findings, problems and
 * skipped files as they come (async iterator or `onEvent`); `close()` lets correlating detectors
 * conclude (SUNBURST victims, per-server Exchange verdicts) and ends the stream. Calls are queued:
 * one `add()` or `message()` runs at a time, in the order made.
 */
export interface ScanSession extends AsyncIterable<ScanEvent> {
  readonly engine: Engine;
  readonly profile: Profile;
  /** Scan files, folders and archives (paths in findings are relative to each root). */
  add(paths: string | readonly string[]): Promise<void>;
  /**
   * One RFC 5322 message (raw bytes) with its envelope: every detector of the profile that reads
   * mail sees it (with the `mail` profile: the `mail.verdict` finding and the attachment checks).
   * Resolves with the findings it raised (also sent to the stream).
   */
  message(bytes: Uint8Array, context?: MessageContext): Promise<Finding[]>;
  /** Conclude, end the stream and say what was done. Further calls throw. */
  close(): Promise<ScanSummary>;
}

/**
 * Open a scan on a loaded engine (or on options, from which an engine is loaded).
 *
 * @example
 * const session = openScan(loadEngine(), { profile: 'exchange' });
 * const done = session.add('/cases/ex01').then(() => session.close());
 * for await (const e of session) if (e.type === 'finding') console.log(e.finding.rule);
 * await done;
 */
export function openScan(engine?: Engine | EngineOptions, options: ScanOptions = {}): ScanSession {
  const e = engineOf(engine);
  const profile = profileFor(options.profile, options.detectors);
  const base = options.limits ?? DEFAULT_LIMITS;
  const limits =
    options.recordBudgetMs === undefined ? base : { ...base, recordBudgetMs: options.recordBudgetMs };
  // A profile that completes its findings at the end (each told its server) sends them only then.
  const holdAll = profile.conclude?.complete !== undefined;
  const buffer: ScanEvent[] = [];
  let wake: (() => void) | null = null;
  let ended = false;
  let closed = false;
  let capture: Finding[] | null = null;
  const kept: Finding[] = [];
  const roots: string[] = [];
  let findings = 0;
  let problems = 0;
  const stats: ScanStats = { files: 0, archives: 0, bytes: 0, records: 0, kinds: {} };

  const push = (ev: ScanEvent) => {
    if (options.onEvent) options.onEvent(ev);
    else {
      buffer.push(ev);
      wake?.();
    }
  };
  const sinks: ScanSinks = {
    finding(f) {
      findings++;
      capture?.push(f);
      const keep = profile.conclude?.keep(f) ?? false;
      if (keep) kept.push(f);
      if (!holdAll && !(keep && profile.conclude?.hold)) push({ type: 'finding', finding: f });
    },
    problem(p) {
      problems++;
      push({ type: 'problem', problem: p });
    },
    skipped(s) {
      push({ type: 'skipped', skipped: s });
    },
    ...(options.onBytes ? { bytes: options.onBytes } : {}),
    ...(options.onFileDone ? { fileDone: options.onFileDone } : {}),
  };
  const scanner = new Scanner(
    { detectors: profile.detectors, readers: profile.readers, limits, context: e.context },
    sinks,
  );

  let queue: Promise<unknown> = Promise.resolve();
  const enqueue = <T>(job: () => Promise<T>): Promise<T> => {
    if (closed) return Promise.reject(new Error('this scan is closed'));
    const p = queue.then(job);
    queue = p.catch(() => undefined);
    return p;
  };
  const addStats = (s: ScanStats) => {
    stats.files += s.files;
    stats.archives += s.archives;
    stats.bytes += s.bytes;
    stats.records += s.records;
    for (const [k, v] of Object.entries(s.kinds))
      (stats.kinds as Record<string, number>)[k] =
        ((stats.kinds as Record<string, number>)[k] ?? 0) + (v ?? 0);
  };

  const addPaths = async (paths: readonly string[]) => {
    roots.push(...paths);
    const plan = profile.parallel && options.jobs !== 1 ? planEntries(paths) : null;
    const workers = plan
      ? Math.min(options.jobs ?? workerCount(plan.entries), Math.max(1, plan.entries.length))
      : 1;
    if (!plan || workers <= 1) {
      await scanner.walk(paths);
      return;
    }
    // Build timelines come from every share: hold them back and merge them into one per server.
    const held: Finding[] = [];
    for (const p of plan.problems) sinks.problem(p);
    addStats(
      await scanParallel(
        {
          detectorIds: profile.detectors.map((d) => d.id),
          readerKinds: Object.keys(profile.readers),
          engine: e.options,
          ...(limits.recordBudgetMs !== undefined ? { recordBudgetMs: limits.recordBudgetMs } : {}),
        },
        plan.entries,
        workers,
        {
          ...sinks,
          finding: (f) => {
            if (f.rule === 'exchange.build') held.push(f);
            else sinks.finding(f);
          },
        },
      ),
    );
    for (const f of mergeBuildFindings(held)) sinks.finding(f);
  };

  let n = 0;
  const session: ScanSession = {
    engine: e,
    profile,
    add: (paths) => enqueue(() => addPaths(typeof paths === 'string' ? [paths] : [...paths])),
    message: (bytes, context = {}) =>
      enqueue(async () => {
        const { name, ...envelope } = context;
        n++;
        const rec: MailRecord = {
          kind: 'mail',
          source: { path: name ?? (n === 1 ? 'message' : `message-${n}`) },
          raw: bytes,
          ...(Object.keys(envelope).length ? { envelope } : {}),
        };
        const mine: Finding[] = [];
        capture = mine;
        try {
          await scanner.scanRecord(rec);
        } finally {
          capture = null;
        }
        return mine;
      }),
    close: async () => {
      const done = enqueue(async () => {
        addStats(await scanner.finish());
        const c = profile.conclude;
        if (!c) return;
        const input: ConcludeInput = {
          stats,
          context: e.context,
          ...(options.inventory ? { inventory: options.inventory } : {}),
        };
        let completed = kept;
        if (c.complete) {
          completed = c.complete(kept, roots, input);
          findings += completed.length - kept.length;
          for (const f of completed) push({ type: 'finding', finding: f });
        }
        for (const f of c.run(completed, roots, input)) {
          findings++;
          push({ type: 'finding', finding: f });
        }
      });
      closed = true;
      try {
        await done;
      } finally {
        ended = true;
        wake?.();
      }
      return { stats, roots, rules: profile.detectors.flatMap((d) => d.rules), findings, problems };
    },
    async *[Symbol.asyncIterator]() {
      for (;;) {
        while (buffer.length) yield buffer.shift()!;
        if (ended) return;
        await new Promise<void>((r) => (wake = r));
        wake = null;
      }
    },
  };
  return session;
}

/**
 * Scan paths and stream what is found: the simplest use of `openScan`.
 *
 * @example
 * for await (const e of scan(['examples/incident'])) if (e.type === 'finding') console.log(e.finding.title);
 */
export async function* scan(
  paths: string | readonly string[],
  options: EngineOptions & ScanOptions = {},
  engine?: Engine,
): AsyncGenerator<ScanEvent, ScanSummary> {
  const session = openScan(engine ?? options, options);
  let failure: unknown;
  const done = session
    .add(paths)
    .catch((e: unknown) => {
      failure = e;
    })
    .then(() => session.close());
  yield* session;
  const summary = await done;
  if (failure) throw failure;
  return summary;
}
