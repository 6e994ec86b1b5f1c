import { chunkSearchers } from '../io/select.ts';
import { createReadStream, lstatSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, posix } from 'node:path';
import { Readable, Transform } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { ChunkSource } from '../io/chunks.ts';
import { HashThread, localHashes } from '../io/hashing.ts';
import { sniff, SNIFF_BYTES } from '../io/sniff.ts';
import type { Reader } from '../io/reader.ts';
import type { AnyDetector, DetectorContext, Emit } from '../model/detector.ts';
import type { Finding } from '../model/finding.ts';
import { combineLineFindings } from '../exchange/line-judgement.ts';
import type { Problem, Skipped } from '../model/problem.ts';
import {
  HEAD_BYTES,
  type FileKind,
  type FileRecord,
  type RecordKind,
  type VigilRecord,
} from '../model/records.ts';
import { DEFAULT_RECORD_BUDGET_MS, Budget } from './budget.ts';
import type { Limits } from './limits.ts';
import { OBSERVERS } from '../intel/context.ts';
import { OBSERVER_TABLE } from './registry.ts';
import { openEntry, openZip, openZipBuffer, zipEntries, type ZipFile } from './zip.ts';

/**
 * The triage engine: walk paths (folders, zip archives, gzip files), recognise each file by
 * content, stream it through its reader, and hand every record to the detectors that asked for
 * its kind. A bad file becomes a Problem naming its path (and line), and the walk goes on.
 */
export interface ScanSinks {
  finding(f: Finding): void;
  problem(p: Problem): void;
  skipped(s: Skipped): void;
  /** A file on disk was fully processed (archive members are not counted). */
  fileDone?(path: string): void;
  /** Bytes read from disk, as they are read (for progress). */
  bytes?(n: number): void;
}

export interface ScanConfig {
  readonly detectors: readonly AnyDetector[];
  readonly context: DetectorContext;
  readonly readers: Partial<Record<FileKind, Reader>>;
  readonly limits: Limits;
}

export interface ScanStats {
  files: number;
  archives: number;
  bytes: number;
  records: number;
  /** Records per kind. */
  readonly kinds: Partial<Record<FileKind, number>>;
}

type Run = {
  id: string;
  run: ReturnType<AnyDetector['create']>;
  lineFilter: RegExp | undefined;
  /** Records of its kind it has been given (the first is allowed its set-up time, see budget.ts). */
  seen: number;
};

/** Runs of one record kind, each with its pre-filter for that kind. */

/** The record kind a file kind's reader yields. */
function recordKindOf(kind: FileKind): RecordKind | null {
  if (kind.startsWith('dns.')) return 'dns.query';
  if (kind === 'listing.csv') return 'file.entry';
  if (kind === 'exchange.inventory') return 'exchange.server';
  if (kind === 'winevent.xml' || kind === 'winevent.csv' || kind === 'winevent.evtx') return 'winevent';
  if (kind === 'mail.message' || kind === 'mail.mbox') return 'mail';
  if (
    kind === 'exchange.httpproxy' ||
    kind === 'exchange.ecp' ||
    kind === 'exchange.oab' ||
    kind === 'iis.w3c'
  )
    return kind;
  return null;
}

export class Scanner {
  readonly stats: ScanStats = { files: 0, archives: 0, bytes: 0, records: 0, kinds: {} };
  private readonly runs = new Map<RecordKind, Run[]>();
  private readonly all: Run[] = [];
  private readonly emit: Emit;
  /** True while the detectors see one log line: its findings are held in `held`. */
  private holding = false;
  private held: Finding[] = [];
  private readonly config: ScanConfig;
  readonly sinks: ScanSinks;
  private readonly hasher = new HashThread();
  private readonly budget: Budget;
  /** Budget overruns per detector and rule: the first is reported, the rest counted. */
  private readonly overruns = new Map<string, { count: number; first: VigilRecord['source'] }>();

  constructor(config: ScanConfig, sinks: ScanSinks) {
    this.config = config;
    this.sinks = sinks;
    // Findings of one log line are held until every detector has seen it, then combined (a check's
    // judgement outranks a generic indicator string on the same line: see combineLineFindings).
    this.emit = (f) => {
      if (this.holding) this.held.push(f);
      else sinks.finding(f);
    };
    this.budget = new Budget(config.limits.recordBudgetMs ?? DEFAULT_RECORD_BUDGET_MS);
    // The registered sources' observers, unless the caller hands others: a context with only the
    // indicator index (tests, tools) still gets every record kind matched.
    const base = { [OBSERVERS.name]: OBSERVER_TABLE, ...config.context };
    const context = this.budget.ms ? { ...base, budget: this.budget } : base;
    for (const d of config.detectors) {
      const run = d.create(context);
      this.all.push({ id: d.id, run, lineFilter: d.lineFilter, seen: 0 });
      for (const k of d.kinds) {
        const list = this.runs.get(k) ?? [];
        list.push({ id: d.id, run, lineFilter: run.lineFilterFor?.(k) ?? d.lineFilter, seen: 0 });
        this.runs.set(k, list);
      }
    }
  }

  /** Scan each root; a root's findings are reported with paths relative to it. */
  async scan(roots: readonly string[]): Promise<ScanStats> {
    await this.walk(roots);
    return this.finish();
  }

  /**
   * Scan each root without finishing: detectors that correlate across records keep their state
   * until `finish()` (a scan session adds paths and messages, then closes).
   */
  async walk(roots: readonly string[]): Promise<void> {
    for (const root of roots) {
      const prefix = roots.length > 1 ? basename(root.replace(/[\\/]+$/, '')) || root : '';
      // A root the user named is followed even when it is a link; links found inside are not.
      let st;
      try {
        st = statSync(root);
      } catch (e) {
        this.sinks.problem({ level: 'error', source: { path: root }, message: errText(e) });
        continue;
      }
      if (st.isDirectory()) await this.walkDir(root, prefix);
      else await this.walkPath(root, prefix || basename(root), true);
    }
  }

  /** Hand one record (e.g. a message from a mail flow) to its detectors, as a reader would. */
  async scanRecord(rec: VigilRecord): Promise<void> {
    await this.dispatch(rec);
  }

  /** Scan given entries (a share of a walk planned elsewhere, e.g. by the parallel scanner). */
  async scanEntries(
    entries: readonly { abs: string; display: string; follow?: boolean }[],
  ): Promise<ScanStats> {
    for (const e of entries) await this.walkPath(e.abs, e.display, e.follow ?? false);
    return this.finish();
  }

  /** Let correlating detectors conclude (once, after the last record). */
  async finish(): Promise<ScanStats> {
    await this.hasher.close();
    for (const [key, o] of this.overruns) {
      if (o.count < 2) continue;
      const [id, rule] = key.split('\0');
      this.sinks.problem({
        level: 'warning',
        source: o.first,
        message: `detector ${id}${rule ? ` (rule ${rule})` : ''} went over its time budget on ${o.count} records in all; only the first is reported`,
      });
    }
    this.overruns.clear();
    for (const r of this.all) {
      try {
        await r.run.finish?.(this.emit);
      } catch (e) {
        this.sinks.problem({
          level: 'error',
          source: { path: '' },
          message: `detector ${r.id} failed while finishing: ${errText(e)}`,
        });
      }
    }
    return this.stats;
  }

  private async walkDir(abs: string, display: string): Promise<void> {
    let names: string[];
    try {
      names = readdirSync(abs);
    } catch (e) {
      this.sinks.problem({ level: 'error', source: { path: display || '.' }, message: errText(e) });
      return;
    }
    names.sort(); // deterministic order, so two runs report alike
    for (const n of names) await this.walkPath(join(abs, n), display ? posix.join(display, n) : n);
  }

  private async walkPath(abs: string, display: string, follow = false): Promise<void> {
    // Synchronous metadata and small reads: a collection is mostly small files, and a thread-pool
    // round trip per call costs more than the call (measured: 3x on 4,000 Sigma rules).
    let st;
    try {
      st = follow ? statSync(abs) : lstatSync(abs);
    } catch (e) {
      this.sinks.problem({ level: 'error', source: { path: display }, message: errText(e) });
      return;
    }
    if (st.isSymbolicLink()) this.sinks.skipped({ path: display, reason: 'symbolic link (not followed)' });
    else if (st.isDirectory()) await this.walkDir(abs, display);
    else if (!st.isFile()) this.sinks.skipped({ path: display, reason: 'not a regular file' });
    else {
      // Small files (most of a collection) in one read; large ones streamed in 1 MiB chunks.
      const small = st.size <= SMALL_FILE;
      const stream = small ? readWhole(abs) : createReadStream(abs, { highWaterMark: 1024 * 1024 });
      await this.scanStream(stream, display, basename(abs), 0, abs, small);
    }
  }

  /** Sniff, read and hash one byte stream (a file, an archive member, a decompressed stream). */
  private async scanStream(
    stream: AsyncIterable<Uint8Array> & { destroy?: () => void },
    display: string,
    name: string,
    depth: number,
    diskPath?: string,
    small = false,
  ): Promise<void> {
    // Small files are hashed here; large streams on the hashing thread, beside the parsing.
    // Hashes only when a detector looks at file records (`dns sunburst` needs none).
    const hashes = !this.runs.has('file') ? null : small ? localHashes() : this.hasher.session();
    const src = new ChunkSource(stream, {
      hashes,
      ...(diskPath
        ? {
            onBytes: (n: number) => {
              this.stats.bytes += n;
              this.sinks.bytes?.(n);
            },
          }
        : {}),
    });
    let kind: FileKind;
    let head: Buffer;
    let lastLine: number | undefined;
    try {
      head = await src.head(SNIFF_BYTES);
      const sn = sniff(head, name);
      kind = sn.kind;
      // Nobody looks up a multi-megabyte log by its hash: hash logs only when they are small.
      if (!small && LOG_KINDS.has(kind)) await src.dropHashes();
      if (kind === 'archive.zip') await this.scanZip(src, display, depth, diskPath);
      else if (kind === 'archive.gzip') await this.scanGzip(src, display, name, depth);
      else {
        const reader = this.config.readers[kind];
        if (reader) {
          const problem = (p: Problem) => this.sinks.problem(p);
          for await (const batch of reader({
            path: display,
            chunks: src,
            problem,
            keep: this.keepFor(kind),
            select: this.selectFor(kind),
          })) {
            for (const rec of batch) {
              lastLine = rec.source.line;
              const p = this.dispatch(rec);
              if (p) await p; // only detectors that return promises make the loop wait
            }
          }
          this.stats.kinds[kind] = (this.stats.kinds[kind] ?? 0) + 1;
        } else if (kind === 'unknown') {
          this.sinks.skipped({ path: display, reason: `${sn.reason} (hashes checked only)` });
        }
      }
      await src.drain();
    } catch (e) {
      const where = lastLine !== undefined ? `after line ${lastLine}: ` : '';
      this.sinks.problem({
        level: 'error',
        source: { path: display, ...(lastLine !== undefined ? { line: lastLine } : {}) },
        message: `${where}${errText(e)}; the rest of this file was not analysed`,
      });
      stream.destroy?.();
      return; // hashes of a partly read file would be wrong: no file record
    }
    this.stats.files++;
    if (src.hashing) {
      const d = await src.digests();
      const rec: FileRecord = {
        kind: 'file',
        source: { path: display },
        name,
        size: src.bytes,
        ...d,
        fileKind: kind,
        head: head.subarray(0, HEAD_BYTES),
        ...(diskPath ? { diskPath } : {}),
      };
      await this.dispatch(rec);
    }
    if (diskPath) this.sinks.fileDone?.(display); // progress counts files on disk, not archive members
  }

  private async scanZip(src: ChunkSource, display: string, depth: number, diskPath?: string): Promise<void> {
    const { limits } = this.config;
    if (depth >= limits.maxArchiveDepth) {
      this.sinks.skipped({
        path: display,
        reason: `archive nested deeper than ${limits.maxArchiveDepth} levels (hashes checked only)`,
      });
      return;
    }
    let zip: ZipFile;
    if (diskPath) {
      await src.drain(); // hash the archive itself, then read it by random access
      zip = await openZip(diskPath);
    } else {
      const parts: Uint8Array[] = [];
      let size = 0;
      for await (const c of src) {
        size += c.length;
        if (size > limits.maxNestedArchiveBytes) {
          this.sinks.skipped({
            path: display,
            reason: `nested archive larger than ${limits.maxNestedArchiveBytes} bytes (hashes checked only)`,
          });
          return;
        }
        parts.push(c);
      }
      zip = await openZipBuffer(Buffer.concat(parts, size));
    }
    this.stats.archives++;
    let count = 0;
    let total = 0;
    try {
      for await (const entry of zipEntries(zip)) {
        if (entry.fileName.endsWith('/')) continue;
        const member = `${display}!/${entry.fileName}`;
        if (++count > limits.maxArchiveEntries) {
          this.sinks.skipped({
            path: display,
            reason: `more than ${limits.maxArchiveEntries} members; the rest were not read`,
          });
          break;
        }
        if (entry.generalPurposeBitFlag & 1) {
          this.sinks.skipped({ path: member, reason: 'encrypted archive member' });
          continue;
        }
        if (entry.uncompressedSize > limits.maxExpandedBytes) {
          this.sinks.skipped({
            path: member,
            reason: `member of ${entry.uncompressedSize} bytes is over the ${limits.maxExpandedBytes}-byte limit`,
          });
          continue;
        }
        if (
          entry.uncompressedSize > 1024 * 1024 &&
          entry.uncompressedSize / Math.max(1, entry.compressedSize) > limits.maxCompressionRatio
        ) {
          this.sinks.skipped({
            path: member,
            reason: `compression ratio over ${limits.maxCompressionRatio}:1 (zip bomb?)`,
          });
          continue;
        }
        total += entry.uncompressedSize;
        if (total > limits.maxArchiveTotalBytes) {
          this.sinks.skipped({
            path: display,
            reason: `members add up to more than ${limits.maxArchiveTotalBytes} bytes; the rest were not read`,
          });
          break;
        }
        let stream: Readable;
        try {
          stream = await openEntry(zip, entry);
        } catch (e) {
          this.sinks.problem({ level: 'error', source: { path: member }, message: errText(e) });
          continue;
        }
        await this.scanStream(stream, member, posix.basename(entry.fileName), depth + 1);
      }
    } finally {
      zip.close();
    }
  }

  private async scanGzip(src: ChunkSource, display: string, name: string, depth: number): Promise<void> {
    const { limits } = this.config;
    if (depth >= limits.maxArchiveDepth) {
      this.sinks.skipped({
        path: display,
        reason: `compressed stream nested deeper than ${limits.maxArchiveDepth} levels (hashes checked only)`,
      });
      return;
    }
    const inner = name.replace(/\.(?:gz|tgz)$/i, '') || 'content';
    let out = 0;
    const cap = new Transform({
      transform(chunk: Buffer, _enc, cb) {
        out += chunk.length;
        if (out > limits.maxExpandedBytes)
          cb(new Error(`decompressed size over the ${limits.maxExpandedBytes}-byte limit`));
        else cb(null, chunk);
      },
    });
    const gunzip = Readable.from(src)
      .pipe(createGunzip())
      .on('error', (e) => cap.destroy(e))
      .pipe(cap);
    await this.scanStream(gunzip, `${display}!/${inner}`, inner, depth + 1);
  }

  private readonly keepCache = new Map<FileKind, ((line: string) => boolean) | undefined>();

  /** The line pre-filter for a file kind: only when every detector of its records has one. */
  private keepFor(kind: FileKind): ((line: string) => boolean) | undefined {
    if (this.keepCache.has(kind)) return this.keepCache.get(kind);
    const rk = recordKindOf(kind);
    let keep: ((line: string) => boolean) | undefined;
    if (rk) {
      const runs = this.runs.get(rk) ?? [];
      const filters = runs.map((r) => r.lineFilter);
      if (filters.every((f): f is RegExp => f !== undefined)) {
        keep =
          filters.length === 0
            ? () => false
            : filters.length === 1
              ? (line) => filters[0]!.test(line)
              : (line) => filters.some((f) => f.test(line));
      }
    }
    this.keepCache.set(kind, keep);
    return keep;
  }

  private readonly selectCache = new Map<FileKind, RegExp[] | undefined>();

  /** Chunk-level searchers for a file kind: when every detector of its records has a pre-filter that can run over a whole chunk. */
  private selectFor(kind: FileKind): RegExp[] | undefined {
    if (this.selectCache.has(kind)) return this.selectCache.get(kind);
    const rk = recordKindOf(kind);
    let sel: RegExp[] | undefined;
    if (rk && this.keepFor(kind)) {
      const filters = (this.runs.get(rk) ?? []).map((r) => r.lineFilter!);
      sel = chunkSearchers(filters) ?? undefined;
    }
    this.selectCache.set(kind, sel);
    return sel;
  }

  /** Hand a record to its detectors; returns a promise only when one of them is asynchronous. */
  private dispatch(rec: VigilRecord): Promise<void> | undefined {
    this.stats.records++;
    const runs = this.runs.get(rec.kind);
    if (!runs) return undefined;
    const line = 'line' in rec ? rec.line : undefined;
    if (line !== undefined) this.holding = true; // no allocation per line: `held` is reused
    for (let i = 0; i < runs.length; i++) {
      const r = runs[i]!;
      // A detector's own pre-filter: it cannot find anything in a line that does not match.
      if (line !== undefined && r.lineFilter && !r.lineFilter.test(line)) continue;
      try {
        this.budget.begin(rec, r.seen++ === 0);
        const p = r.run.onRecord(rec, this.emit);
        this.checkBudget(r.id, rec);
        if (p) return this.finishAsync(rec, runs, i, p);
      } catch (e) {
        this.detectorFailed(r.id, rec, e);
      }
    }
    this.flushLine();
    return undefined;
  }

  /** Hand on the findings held for one log line, combined. */
  private flushLine(): void {
    this.holding = false;
    if (this.held.length === 0) return;
    const held = this.held;
    this.held = [];
    for (const f of held.length === 1 ? held : combineLineFindings(held)) this.sinks.finding(f);
  }

  /**
   * After a detector's (synchronous) call on a record: report it when it went over its budget or
   * gave up on the record part-way (see budget.ts). Once per detector and rule; later ones counted.
   */
  private checkBudget(id: string, rec: VigilRecord): void {
    const over = this.budget.end();
    if (!over) return;
    const key = `${id}\0${over.rule ?? ''}`;
    const seen = this.overruns.get(key);
    if (seen) {
      seen.count++;
      return;
    }
    this.overruns.set(key, { count: 1, first: rec.source });
    const took = `${over.ms.toFixed(1)} ms (budget ${over.limit} ms${over.rule ? '' : ', see --record-budget'})`;
    this.sinks.problem({
      // Stopped part-way: not fully analysed (an error, as for unreadable input). Only slow: a warning.
      level: over.rule ? 'error' : 'warning',
      source: rec.source,
      message: over.rule
        ? `detector ${id} stopped on this ${rec.kind} record after ${took} at rule ${over.rule}: its remaining rules were not run on it (--record-budget)`
        : `detector ${id} took ${took} on this ${rec.kind} record: analysed, but over its budget`,
    });
  }

  private async finishAsync(
    rec: VigilRecord,
    runs: readonly Run[],
    from: number,
    pending: Promise<void>,
  ): Promise<void> {
    try {
      await pending;
    } catch (e) {
      this.detectorFailed(runs[from]!.id, rec, e);
    }
    const line = 'line' in rec ? rec.line : undefined;
    for (let i = from + 1; i < runs.length; i++) {
      const r = runs[i]!;
      if (line !== undefined && r.lineFilter && !r.lineFilter.test(line)) continue;
      try {
        this.budget.begin(rec, r.seen++ === 0);
        const p = r.run.onRecord(rec, this.emit);
        this.checkBudget(r.id, rec);
        await p;
      } catch (e) {
        this.detectorFailed(r.id, rec, e);
      }
    }
    this.flushLine();
  }

  private detectorFailed(id: string, rec: VigilRecord, e: unknown): void {
    this.sinks.problem({
      level: 'error',
      source: rec.source,
      message: `detector ${id} could not analyse this ${rec.kind} record: ${errText(e)}`,
    });
  }
}

const SMALL_FILE = 1024 * 1024;
const LOG_KINDS = new Set<FileKind>([
  'exchange.httpproxy',
  'exchange.ecp',
  'exchange.oab',
  'iis.w3c',
  'dns.bind',
  'dns.windows',
  'dns.zeek',
  'dns.list',
  'dns.dnsmasq',
  'dns.csv',
  'dns.pdns',
  'winevent.xml',
  'winevent.csv',
  'listing.csv',
]);

async function* readWhole(path: string): AsyncGenerator<Uint8Array> {
  const data = readFileSync(path);
  if (data.length) yield data;
}

export function errText(e: unknown): string {
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code;
    return code && !e.message.includes(code) ? `${e.message} (${code})` : e.message;
  }
  return String(e);
}
