import { createReadStream } from 'node:fs';
import { CompiledQuery, type Transaction } from 'kysely';
import type { Dialect } from './migrations.ts';
import type { Store } from './open.ts';
import type { DB } from './schema.ts';
import { lineBatches } from '../io/lines.ts';
import { checkFinding, MAX_FINDING_BYTES, parseFindingLine, type StoredFinding } from './finding-line.ts';
import { addSeverityCounts, bumpVersion, lockOrg, refreshHosts, refreshOrg } from './derive.ts';
import type { Finding } from '../model/finding.ts';
import { checkOrgName } from './org-name.ts';

export { checkOrgName };

export interface ImportOptions {
  readonly org: string;
  /** What was imported (a file name, `api`, `vigil triage …`), kept in the imports table. */
  readonly source: string;
  /** Who imported it (`cli`, a token label). */
  readonly actor: string;
  /** Refuse the whole input at the first malformed line. */
  readonly strict?: boolean;
}

export interface ImportProblem {
  readonly line: number;
  readonly message: string;
}

export interface ImportResult {
  readonly org: string;
  readonly source: string;
  readonly importId: number;
  readonly lines: number;
  readonly added: number;
  readonly duplicates: number;
  readonly malformed: number;
  /** The first malformed lines (at most MAX_PROBLEMS), with their line numbers. */
  readonly problems: readonly ImportProblem[];
}

/** With --strict, the input is refused whole; nothing of it is stored. */
export class StrictImportError extends Error {
  readonly line: number;
  constructor(source: string, p: ImportProblem) {
    super(`${source}:${p.line}: ${p.message} (--strict: nothing imported from this file)`);
    this.line = p.line;
  }
}

const MAX_PROBLEMS = 100;
const BATCH = 500;

/** A numbered input line; `tooLong` when it was cut at the size limit (reported, never parsed). */
export type Line = { readonly number: number; readonly text: string; readonly tooLong?: boolean };

/**
 * Import findings into one organisation in ONE transaction: killed at any instant, the store
 * holds all of the input or none of it. Findings already stored (same fingerprint) are counted
 * as duplicates and left untouched.
 */
export async function importLines(
  store: Store,
  lines: AsyncIterable<readonly Line[]>,
  opts: ImportOptions,
): Promise<ImportResult> {
  const bad = checkOrgName(opts.org);
  if (bad) throw new Error(bad);
  return store.db.transaction().execute((trx) => importLinesIn(trx, store, lines, opts));
}

/** importLines inside a transaction the caller holds (several organisations at once, in bulk loads). */
export async function importLinesIn(
  trx: Transaction<DB>,
  store: Store,
  lines: AsyncIterable<readonly Line[]> | Iterable<readonly Line[]>,
  opts: ImportOptions,
): Promise<ImportResult> {
  const w = await ImportWriter.begin(trx, store, opts);
  for await (const batch of lines)
    for (const l of batch) {
      if (!l.tooLong && !l.text.trim()) continue;
      const p = l.tooLong ? { error: `longer than ${MAX_FINDING_BYTES} bytes` } : parseFindingLine(l.text);
      if ('error' in p) w.malformed({ line: l.number, message: p.error });
      else await w.add(p, l.number);
    }
  return w.finish();
}

/** Import one JSONL file (see importLines). */
export function importFile(store: Store, path: string, opts: ImportOptions): Promise<ImportResult> {
  return importLines(store, fileLines(path), opts);
}

/** Findings from a scan written straight into the store (`--org ORG --db URL` on scanning commands). */
export async function importFindings(
  store: Store,
  findings: Iterable<Finding>,
  opts: ImportOptions,
): Promise<ImportResult> {
  const bad = checkOrgName(opts.org);
  if (bad) throw new Error(bad);
  return store.db.transaction().execute(async (trx) => {
    const w = await ImportWriter.begin(trx, store, opts);
    let n = 0;
    for (const f of findings) {
      n++;
      const p = checkFinding(JSON.parse(JSON.stringify(f)));
      if ('error' in p) w.malformed({ line: n, message: p.error });
      else await w.add(p, n);
    }
    return w.finish();
  });
}

export async function* fileLines(path: string): AsyncGenerator<Line[]> {
  const stream = createReadStream(path, { highWaterMark: 1024 * 1024 });
  // A line over the limit comes cut to limit + 1 bytes: longer than the limit means cut.
  for await (const b of lineBatches(stream, { maxLineBytes: MAX_FINDING_BYTES + 1 }))
    yield b.lines.map((text, i) =>
      text.length * 3 > MAX_FINDING_BYTES && Buffer.byteLength(text) > MAX_FINDING_BYTES
        ? { number: b.firstLine + i, text: '', tooLong: true }
        : { number: b.firstLine + i, text },
    );
}

/** Lines of a body held in memory (the API's import). */
export async function* textLines(body: string): AsyncGenerator<Line[]> {
  const all = body.split('\n');
  for (let i = 0; i < all.length; i += 10_000)
    yield all.slice(i, i + 10_000).map((t, j) => ({ number: i + j + 1, text: t.replace(/\r$/, '') }));
}

const COLUMNS = 'org_id, import_id, fingerprint, rule, severity, sev_rank, host, time, title, outcome, data';
const sqliteInsert = new Map<number, string>();

/**
 * The one hot statement, written by hand (the same parameterised SQL Kysely would build, without
 * building it again for every batch): PostgreSQL gets one array per column through unnest, so the
 * statement text is the same whatever the batch size; SQLite a multi-row VALUES (prepared once
 * per batch size and cached). Rows already stored are skipped; RETURNING names the new ones.
 */
async function insertFindings(
  trx: Transaction<DB>,
  dialect: Dialect,
  orgId: number,
  importId: number,
  batch: readonly StoredFinding[],
): Promise<{ id: number; fingerprint: string }[]> {
  let q: CompiledQuery;
  if (dialect === 'postgres') {
    const col = <T>(f: (x: StoredFinding) => T) => batch.map(f);
    q = CompiledQuery.raw(
      `insert into findings (${COLUMNS})
       select $1::int, $2::int, * from unnest($3::text[], $4::text[], $5::text[], $6::int[], $7::text[],
         $8::text[], $9::text[], $10::text[], $11::text[])
       on conflict (org_id, fingerprint) do nothing returning id, fingerprint`,
      [
        orgId,
        importId,
        col((f) => f.fingerprint),
        col((f) => f.rule),
        col((f) => f.severity),
        col((f) => f.sevRank),
        col((f) => f.host),
        col((f) => f.time),
        col((f) => f.title),
        col((f) => f.outcome),
        col((f) => f.data),
      ],
    );
  } else {
    let text = sqliteInsert.get(batch.length);
    if (!text) {
      text = `insert into findings (${COLUMNS}) values ${Array(batch.length).fill('(?,?,?,?,?,?,?,?,?,?,?)').join(',')}
        on conflict (org_id, fingerprint) do nothing returning id, fingerprint`;
      if (sqliteInsert.size < 16) sqliteInsert.set(batch.length, text);
    }
    const params: unknown[] = [];
    for (const f of batch)
      params.push(
        orgId,
        importId,
        f.fingerprint,
        f.rule,
        f.severity,
        f.sevRank,
        f.host,
        f.time,
        f.title,
        f.outcome,
        f.data,
      );
    q = CompiledQuery.raw(text, params);
  }
  const r = await trx.executeQuery<{ id: number; fingerprint: string }>(q);
  return r.rows;
}

class ImportWriter {
  private pending: StoredFinding[] = [];
  private readonly hosts = new Set<string>();
  private readonly sev = [0, 0, 0, 0, 0];
  private lines = 0;
  private added = 0;
  private duplicates = 0;
  private malformedCount = 0;
  private readonly problems: ImportProblem[] = [];
  private readonly trx: Transaction<DB>;
  private readonly orgId: number;
  private readonly importId: number;
  private readonly opts: ImportOptions;
  private readonly dialect: Dialect;

  private constructor(
    trx: Transaction<DB>,
    dialect: Dialect,
    orgId: number,
    importId: number,
    opts: ImportOptions,
  ) {
    this.trx = trx;
    this.dialect = dialect;
    this.orgId = orgId;
    this.importId = importId;
    this.opts = opts;
  }

  static async begin(trx: Transaction<DB>, store: Store, opts: ImportOptions): Promise<ImportWriter> {
    const now = new Date().toISOString();
    const orgId = await lockOrg(trx, store.dialect, opts.org, now);
    const row = await trx
      .insertInto('imports')
      .values({
        org_id: orgId,
        source: opts.source.slice(0, 1000),
        actor: opts.actor.slice(0, 200),
        started_at: now,
        finished_at: now,
        lines: 0,
        added: 0,
        duplicates: 0,
        malformed: 0,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    return new ImportWriter(trx, store.dialect, orgId, Number(row.id), opts);
  }

  malformed(p: ImportProblem): void {
    this.lines = Math.max(this.lines, p.line);
    if (this.opts.strict) throw new StrictImportError(this.opts.source, p);
    this.malformedCount++;
    if (this.problems.length < MAX_PROBLEMS) this.problems.push(p);
  }

  async add(f: StoredFinding, line: number): Promise<void> {
    this.lines = Math.max(this.lines, line);
    this.pending.push(f);
    if (this.pending.length >= BATCH) await this.flush();
  }

  private async flush(): Promise<void> {
    if (!this.pending.length) return;
    // The same finding twice in one input: keep the first (ON CONFLICT would see only stored rows).
    const seen = new Map<string, StoredFinding>();
    for (const f of this.pending) if (!seen.has(f.fingerprint)) seen.set(f.fingerprint, f);
    const batch = [...seen.values()];
    this.duplicates += this.pending.length - batch.length;
    this.pending = [];
    const inserted = await insertFindings(this.trx, this.dialect, this.orgId, this.importId, batch);
    this.added += inserted.length;
    this.duplicates += batch.length - inserted.length;
    const victims = [];
    const campaigns = [];
    for (const r of inserted) {
      const f = seen.get(r.fingerprint)!;
      this.sev[f.sevRank]!++;
      if (f.host) this.hosts.add(f.host);
      const e = f.finding.evidence as Record<string, unknown>;
      const s = (k: string) => (typeof e[k] === 'string' ? (e[k] as string).slice(0, 1000) : '');
      const n = (k: string) =>
        typeof e[k] === 'number' && Number.isSafeInteger(e[k]) ? (e[k] as number) : 0;
      const list = (k: string) => JSON.stringify(Array.isArray(e[k]) ? (e[k] as unknown[]).slice(0, 20) : []);
      if (f.rule === 'sunburst.victim')
        victims.push({
          finding_id: Number(r.id),
          org_id: this.orgId,
          uid: s('uid') || s('domain'),
          domain: s('domain'),
          stage: s('stage'),
          first_seen: s('firstSeen') || f.time,
          last_seen: s('lastSeen') || f.time,
        });
      else if (f.rule === 'mail.campaign')
        campaigns.push({
          finding_id: Number(r.id),
          org_id: this.orgId,
          campaign: s('campaign') || f.fingerprint,
          action: s('action') || 'no_action',
          size: n('size'),
          orgs: Array.isArray(e['orgs']) ? (e['orgs'] as unknown[]).length : n('orgs'),
          first_seen: s('firstSeen') || f.time,
          last_seen: s('lastSeen') || f.time,
          subjects: list('subjects'),
          senders: list('senders'),
        });
    }
    if (victims.length) await this.trx.insertInto('sunburst_victims').values(victims).execute();
    if (campaigns.length) await this.trx.insertInto('campaigns').values(campaigns).execute();
  }

  async finish(): Promise<ImportResult> {
    await this.flush();
    const now = new Date().toISOString();
    await addSeverityCounts(this.trx, this.orgId, this.sev);
    await refreshHosts(this.trx, this.orgId, this.hosts);
    await refreshOrg(this.trx, this.orgId, now);
    await this.trx
      .updateTable('imports')
      .set({
        finished_at: now,
        lines: this.lines,
        added: this.added,
        duplicates: this.duplicates,
        malformed: this.malformedCount,
      })
      .where('id', '=', this.importId)
      .execute();
    await bumpVersion(this.trx);
    return {
      org: this.opts.org,
      source: this.opts.source,
      importId: this.importId,
      lines: this.lines,
      added: this.added,
      duplicates: this.duplicates,
      malformed: this.malformedCount,
      problems: this.problems,
    };
  }
}
