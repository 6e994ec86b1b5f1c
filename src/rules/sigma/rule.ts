import { compileCondition, parseCondition, type Condition } from './condition.ts';
import { targetsFor, type LogSource, type Target } from './logsource.ts';
import {
  compileItem,
  SigmaError,
  SigmaUnsupported,
  type Predicate,
  type Scalar,
  type ValueOptions,
} from './values.ts';

/**
 * The Sigma rule model: a YAML document checked into typed fields (rule → model), then compiled
 * once per log-source target into one predicate (model → evaluation). Anything the
 * specification does not allow is a `SigmaError` naming what and where.
 */
export type SigmaLevel = 'informational' | 'low' | 'medium' | 'high' | 'critical';
const LEVELS: readonly SigmaLevel[] = ['informational', 'low', 'medium', 'high', 'critical'];

/** A detection item as written: `field|modifiers` (field null for keywords) and its values. */
export interface DetectionItem {
  readonly field: string | null;
  readonly modifiers: readonly string[];
  readonly values: readonly Scalar[];
}

/** A search identifier: OR over alternatives, each an AND of items. */
export type Search = readonly (readonly DetectionItem[])[];

export interface SigmaRule {
  readonly id: string;
  readonly title: string;
  readonly level: SigmaLevel;
  readonly status?: string;
  readonly description?: string;
  readonly author?: string;
  readonly tags: readonly string[];
  readonly falsepositives: readonly string[];
  readonly references: readonly string[];
  readonly logsource: LogSource;
  readonly searches: ReadonlyMap<string, Search>;
  readonly conditions: readonly Condition[];
  /** Where the rule came from (file path). */
  readonly file: string;
}

const isScalar = (v: unknown): v is Scalar =>
  v === null || ['string', 'number', 'boolean'].includes(typeof v);
const isMap = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const strList = (v: unknown): string[] =>
  Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : typeof v === 'string' ? [v] : [];

function parseMapSearch(name: string, m: Record<string, unknown>): DetectionItem[] {
  const items: DetectionItem[] = [];
  for (const [key, raw] of Object.entries(m)) {
    const [field = '', ...modifiers] = key.split('|');
    const values = Array.isArray(raw) ? raw : [raw];
    if (!values.every(isScalar)) throw new SigmaError(`${name}: ${key} must be a value or a list of values`);
    items.push({ field: field === '' ? null : field, modifiers: modifiers.map((x) => x.trim()), values });
  }
  if (items.length === 0) throw new SigmaError(`${name}: empty search`);
  return items;
}

function parseSearch(name: string, v: unknown): Search {
  if (isMap(v)) return [parseMapSearch(name, v)];
  if (Array.isArray(v)) {
    if (v.length === 0) throw new SigmaError(`${name}: empty list`);
    const keywords = v.filter(isScalar);
    const maps = v.filter(isMap);
    if (keywords.length + maps.length !== v.length)
      throw new SigmaError(`${name}: a list may hold values or maps, not nested lists`);
    return [
      ...maps.map((x) => parseMapSearch(name, x)),
      ...(keywords.length ? [[{ field: null, modifiers: [], values: keywords }]] : []),
    ];
  }
  if (isScalar(v) && v !== null) return [[{ field: null, modifiers: [], values: [v] }]];
  throw new SigmaError(`${name}: not a search (map, list or value)`);
}

/** Checks a parsed YAML document into a rule; throws SigmaError with the reason. */
export function parseRule(doc: unknown, file: string): SigmaRule {
  if (!isMap(doc)) throw new SigmaError('not a YAML map');
  if (doc['correlation'] !== undefined) throw new SigmaUnsupported('correlation rules are not supported yet');
  if (doc['filter'] !== undefined && doc['detection'] === undefined)
    throw new SigmaUnsupported('Sigma filters (meta rules) are not supported yet');
  const title = doc['title'];
  if (typeof title !== 'string' || !title.trim()) throw new SigmaError('no title');
  const det = doc['detection'];
  if (!isMap(det)) throw new SigmaError('no detection map');
  const ls = doc['logsource'];
  if (!isMap(ls)) throw new SigmaError('no logsource');
  const levelRaw = typeof doc['level'] === 'string' ? doc['level'].toLowerCase() : 'medium';
  if (!(LEVELS as readonly string[]).includes(levelRaw))
    throw new SigmaError(`unknown level '${String(doc['level'])}'`);
  const cond = det['condition'];
  const condTexts = typeof cond === 'string' ? [cond] : strList(cond);
  if (condTexts.length === 0) throw new SigmaError('detection has no condition');
  const searches = new Map<string, Search>();
  for (const [k, v] of Object.entries(det)) {
    if (k === 'condition' || k === 'timeframe') continue;
    searches.set(k, parseSearch(k, v));
  }
  if (det['timeframe'] !== undefined && condTexts.some((c) => c.includes('|')))
    throw new SigmaUnsupported('aggregation with timeframe is not supported: use a correlation rule');
  const lsStr = (k: string) => (typeof ls[k] === 'string' ? { [k]: ls[k] as string } : {});
  const opt = (k: string) => (typeof doc[k] === 'string' ? { [k]: doc[k] as string } : {});
  return {
    id: typeof doc['id'] === 'string' ? doc['id'] : file,
    title: title.trim(),
    level: levelRaw as SigmaLevel,
    ...opt('status'),
    ...opt('description'),
    ...opt('author'),
    tags: strList(doc['tags']),
    falsepositives: strList(doc['falsepositives']),
    references: strList(doc['references']),
    logsource: { ...lsStr('product'), ...lsStr('category'), ...lsStr('service') },
    searches,
    conditions: condTexts.map(parseCondition),
    file,
  };
}

/** A rule ready to run on one target: the predicate and the (mapped) fields it looks at. */
export interface CompiledTarget {
  readonly target: Target;
  readonly predicate: Predicate;
  /** Event field names the rule reads, for the evidence of a match. */
  readonly fields: readonly string[];
}

export interface CompiledRule {
  readonly rule: SigmaRule;
  readonly targets: readonly CompiledTarget[];
}

class FieldUnavailable extends Error {}

function compileFor(rule: SigmaRule, target: Target, opts: ValueOptions): CompiledTarget {
  const fields = new Set<string>();
  const compiled = new Map<string, Predicate>();
  for (const [name, alternatives] of rule.searches) {
    const alts = alternatives.map((items) => {
      const preds = items.map((it) => {
        let f: string | null = null;
        if (it.field !== null) {
          f = target.field(it.field);
          if (f === null) throw new FieldUnavailable(`${target.label} has no field ${it.field}`);
          fields.add(f);
        }
        // fieldref names another field: map it as well.
        if (it.modifiers.includes('fieldref')) {
          const refs = it.values.map((v) => {
            const r = target.field(String(v));
            if (r === null) throw new FieldUnavailable(`${target.label} has no field ${String(v)}`);
            fields.add(r);
            return r;
          });
          return compileItem(f, it.modifiers, refs, opts);
        }
        return compileItem(f, it.modifiers, it.values, opts);
      });
      return preds.length === 1
        ? preds[0]!
        : (ev: Parameters<Predicate>[0]) => {
            for (const p of preds) if (!p(ev)) return false;
            return true;
          };
    });
    compiled.set(
      name,
      alts.length === 1
        ? alts[0]!
        : (ev) => {
            for (const p of alts) if (p(ev)) return true;
            return false;
          },
    );
  }
  const conds = rule.conditions.map((c) => compileCondition(c, compiled));
  const cond: Predicate = conds.length === 1 ? conds[0]! : (ev) => conds.some((p) => p(ev));
  const extra = target.kind === 'winevent' ? target.extra : undefined;
  return { target, predicate: extra ? (ev) => extra(ev) && cond(ev) : cond, fields: [...fields] };
}

export type CompileResult =
  { readonly ok: CompiledRule } | { readonly unsupported: string } | { readonly error: string };

/**
 * Compiles a rule for every target its logsource maps to. A target whose events cannot carry a
 * field the rule needs is dropped; a rule left with no target is unsupported (with the reason),
 * a rule that breaks the specification is an error.
 */
export function compileRule(rule: SigmaRule, opts: ValueOptions = {}): CompileResult {
  const t = targetsFor(rule.logsource);
  if ('unsupported' in t) return { unsupported: t.unsupported };
  const targets: CompiledTarget[] = [];
  const skipped: string[] = [];
  for (const target of t.targets) {
    try {
      targets.push(compileFor(rule, target, opts));
    } catch (e) {
      if (e instanceof FieldUnavailable) {
        skipped.push(e.message);
        continue;
      }
      if (e instanceof SigmaUnsupported) return { unsupported: e.message };
      if (e instanceof SigmaError) return { error: e.message };
      throw e;
    }
  }
  if (targets.length === 0) return { unsupported: skipped.join('; ') };
  return { ok: { rule, targets } };
}
