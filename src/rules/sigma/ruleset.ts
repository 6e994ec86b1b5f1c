import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import type * as Yaml from 'yaml';
import { lazyModule } from '../../io/lazy.ts';
import type { RecordBudget } from '../../model/detector.ts';
import type { LogEvent, WinEvent } from '../../model/records.ts';
import { W3cView, WinEventView } from './events.ts';
import { CHANNEL_OF_PROVIDER } from './logsource.ts';
import { compileRule, parseRule, type CompiledTarget, type SigmaLevel, type SigmaRule } from './rule.ts';
import { SigmaError, SigmaUnsupported, type ValueOptions } from './values.ts';
import { CandidateIndex, ruleNeed, type Need } from './prefilter.ts';

const yaml = lazyModule<typeof Yaml>(import.meta.url, 'yaml');

/**
 * A loaded rule set: every rule compiled once, indexed by what it can match (channel and event
 * id for Windows events, the record kind otherwise), so an event is only offered to the rules
 * that could fire on it. Rules that cannot load are kept as problems with file and reason.
 */
export interface RuleProblem {
  readonly file: string;
  readonly id?: string;
  readonly title?: string;
  readonly reason: string;
}

export interface SigmaMatch {
  readonly rule: SigmaRule;
  readonly target: CompiledTarget;
  /** The fields the rule reads, with the event's values (truncated). */
  readonly fields: Readonly<Record<string, string>>;
}

export interface LoadOptions extends ValueOptions {
  /** Skip rules below this level. */
  readonly minLevel?: SigmaLevel;
  /** Statuses to skip (default: deprecated, unsupported). */
  readonly skipStatus?: readonly string[];
}

interface Entry {
  readonly rule: SigmaRule;
  readonly ct: CompiledTarget;
  readonly need: Need;
}
interface Bucket {
  readonly entries: readonly Entry[];
  readonly index: CandidateIndex;
}
interface ChannelIndex {
  readonly any: Entry[];
  readonly byId: Map<number, Entry[]>;
}

const LEVEL_ORDER: readonly SigmaLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];
const MAX_RULE_BYTES = 1 << 20;
const MAX_VALUE = 2000;

export class SigmaRuleSet {
  readonly rules: SigmaRule[] = [];
  /** Rules that break the specification or could not be read. */
  readonly errors: RuleProblem[] = [];
  /** Valid rules we cannot evaluate here (a log source we do not read, an unsupported feature). */
  readonly unsupported: RuleProblem[] = [];
  /** Rules left out by level or status. */
  skipped = 0;
  /** Offer every event to every rule of its log source, bypassing the candidate index (to check the index). */
  exhaustive = false;
  /** YAML documents that are not Sigma rules at all (no detection, logsource, correlation or filter). */
  notRules = 0;
  private readonly win = new Map<string, ChannelIndex>();
  private readonly web: Entry[] = [];
  /** Candidate indexes per channel and event id, built on first use after the rules change. */
  private readonly buckets = new Map<string, Bucket | null>();

  private readonly opts: LoadOptions;
  constructor(opts: LoadOptions = {}) {
    this.opts = opts;
  }

  /** Adds every `.yml`/`.yaml` under the given files and folders. */
  loadPaths(paths: readonly string[]): this {
    for (const p of paths) this.walk(p, p);
    return this;
  }

  private walk(path: string, root: string): void {
    let st;
    try {
      st = statSync(path);
    } catch (e) {
      this.errors.push({ file: path, reason: (e as Error).message });
      return;
    }
    if (st.isDirectory()) {
      for (const name of readdirSync(path).sort()) this.walk(join(path, name), root);
      return;
    }
    if (path !== root && !/\.ya?ml$/i.test(path)) return;
    if (st.size > MAX_RULE_BYTES) {
      this.errors.push({ file: path, reason: `larger than ${MAX_RULE_BYTES} bytes` });
      return;
    }
    this.addText(readFileSync(path, 'utf8'), path);
  }

  /** Adds the rules of one YAML text (one rule per document). */
  addText(text: string, file: string): this {
    let docs;
    try {
      docs = yaml().parseAllDocuments(text);
    } catch (e) {
      this.errors.push({ file, reason: (e as Error).message });
      return this;
    }
    const list = Array.isArray(docs) ? docs : [docs];
    for (const d of list) {
      if (d.errors.length) {
        this.errors.push({
          file,
          reason: `YAML line ${d.errors[0]!.linePos?.[0]?.line ?? '?'}: ${d.errors[0]!.message.split('\n')[0]}`,
        });
        continue;
      }
      const js: unknown = d.toJS({ maxAliasCount: 100 });
      if (js === null || js === undefined) continue;
      if (
        list.length > 1 &&
        typeof js === 'object' &&
        (js as Record<string, unknown>)['action'] !== undefined
      ) {
        this.unsupported.push({
          file,
          reason: 'legacy multi-document rule collection (action: global/repeat)',
        });
        break;
      }
      this.addDoc(js, file);
    }
    return this;
  }

  addDoc(doc: unknown, file: string): void {
    // A folder of rules also holds other YAML (SigmaHQ's regression info.yml, configs): not rules, not errors.
    if (
      typeof doc === 'object' &&
      doc !== null &&
      !Array.isArray(doc) &&
      !['detection', 'logsource', 'correlation', 'filter'].some((k) => k in doc)
    ) {
      this.notRules++;
      return;
    }
    let rule: SigmaRule;
    try {
      rule = parseRule(doc, file);
    } catch (e) {
      if (!(e instanceof SigmaError)) throw e;
      const m = typeof doc === 'object' && doc !== null ? (doc as Record<string, unknown>) : {};
      const problem = {
        file,
        ...(typeof m['id'] === 'string' ? { id: m['id'] } : {}),
        ...(typeof m['title'] === 'string' ? { title: m['title'] } : {}),
        reason: e.message,
      };
      (e instanceof SigmaUnsupported ? this.unsupported : this.errors).push(problem);
      return;
    }
    const skip = this.opts.skipStatus ?? ['deprecated', 'unsupported'];
    if (
      (rule.status && skip.includes(rule.status)) ||
      LEVEL_ORDER.indexOf(rule.level) < LEVEL_ORDER.indexOf(this.opts.minLevel ?? 'informational')
    ) {
      this.skipped++;
      return;
    }
    const c = compileRule(rule, this.opts);
    const ref = { file, id: rule.id, title: rule.title };
    if ('error' in c) {
      this.errors.push({ ...ref, reason: c.error });
      return;
    }
    if ('unsupported' in c) {
      this.unsupported.push({ ...ref, reason: c.unsupported });
      return;
    }
    this.rules.push(rule);
    this.buckets.clear();
    for (const ct of c.ok.targets) {
      const entry = { rule, ct, need: ruleNeed(rule, ct.target.field) };
      if (ct.target.kind === 'iis.w3c') {
        this.web.push(entry);
        continue;
      }
      for (const ch of ct.target.channels) {
        let idx = this.win.get(ch);
        if (!idx) this.win.set(ch, (idx = { any: [], byId: new Map() }));
        if (!ct.target.eventIds) {
          idx.any.push(entry);
          continue;
        }
        for (const id of ct.target.eventIds) {
          const l = idx.byId.get(id);
          if (l) l.push(entry);
          else idx.byId.set(id, [entry]);
        }
      }
    }
  }

  /** True when some loaded rule reads records of this kind. */
  reads(kind: 'winevent' | 'iis.w3c'): boolean {
    return kind === 'iis.w3c' ? this.web.length > 0 : this.win.size > 0;
  }

  /** The rules that match; with a budget, stops when it is spent (and names the rule at which). */
  matchWinEvent(e: WinEvent, budget?: RecordBudget): SigmaMatch[] {
    const channel = e.channel?.toLowerCase() ?? CHANNEL_OF_PROVIDER[e.provider.toLowerCase()];
    if (channel === undefined) return [];
    const key = `${channel}\0${e.eventId}`;
    let b = this.buckets.get(key);
    if (b === undefined) {
      const idx = this.win.get(channel);
      const entries = idx ? [...(idx.byId.get(e.eventId) ?? []), ...idx.any] : [];
      // Built once per channel and event id, on first use: set-up, not this event's time.
      const build = () => (entries.length ? bucket(entries) : null);
      b = budget ? budget.exclude(build) : build();
      this.buckets.set(key, b);
    }
    return b ? run(new WinEventView(e), b, this.exhaustive, budget) : [];
  }

  matchW3c(e: LogEvent<'iis.w3c'>, budget?: RecordBudget): SigmaMatch[] {
    if (this.web.length === 0) return [];
    let b = this.buckets.get('\0web');
    if (!b) {
      const build = () => bucket(this.web);
      this.buckets.set('\0web', (b = budget ? budget.exclude(build) : build()));
    }
    return run(new W3cView(e), b, this.exhaustive, budget);
  }

  /** Counts, and the not-evaluable rules by reason, for `--check` and the scan summary. */
  summary(): {
    loaded: number;
    errors: number;
    unsupported: number;
    skipped: number;
    unsupportedBySource: [string, number][];
  } {
    const by = new Map<string, number>();
    for (const u of this.unsupported) {
      const key = u.reason.replace(/^no reader for logsource /, '');
      by.set(key, (by.get(key) ?? 0) + 1);
    }
    return {
      loaded: this.rules.length,
      errors: this.errors.length,
      unsupported: this.unsupported.length,
      skipped: this.skipped,
      unsupportedBySource: [...by].sort((a, b) => b[1] - a[1]),
    };
  }
}

function bucket(entries: readonly Entry[]): Bucket {
  return { entries, index: new CandidateIndex(entries.map((e) => e.need)) };
}

function run(
  view: WinEventView | W3cView,
  b: Bucket,
  exhaustive: boolean,
  budget: RecordBudget | undefined,
): SigmaMatch[] {
  budget?.measureCpu();
  let out: SigmaMatch[] | undefined;
  let seen: Set<SigmaRule> | undefined;
  for (const i of exhaustive ? b.entries.keys() : b.index.candidates(view)) {
    const en = b.entries[i]!;
    if (en.ct.predicate(view) && !seen?.has(en.rule)) {
      (seen ??= new Set()).add(en.rule);
      const fields: Record<string, string> = {};
      for (const f of en.ct.fields) {
        const v = view.get(f);
        if (v !== undefined) fields[f] = v.length > MAX_VALUE ? `${v.slice(0, MAX_VALUE)}…` : v;
      }
      (out ??= []).push({ rule: en.rule, target: en.ct, fields });
    }
    // Out of time on this record: name the rule that used it up and skip the rest (triage/budget.ts).
    if (budget?.spent()) {
      budget.blame(`sigma.${en.rule.id}`);
      break;
    }
  }
  return out ?? [];
}
