import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { EvidenceValue } from '../model/finding.ts';

/**
 * Signals (Rspamd's symbols): every check raises named signals with evidence; the weights and
 * the action thresholds come from one documented file (`scoring.yaml`), so a verdict explains
 * itself and an administrator can retune it without code.
 */
export type Action = 'no_action' | 'add_header' | 'quarantine' | 'reject';
export const ACTIONS: readonly Action[] = ['no_action', 'add_header', 'quarantine', 'reject'];

export interface Signal {
  readonly name: string;
  readonly weight: number;
  readonly description: string;
  readonly evidence: { readonly [k: string]: EvidenceValue };
}

export interface Scoring {
  readonly weights: ReadonlyMap<string, number>;
  /** Groups whose signals together count at most `max` (Rspamd's group max_score): wording alone must not decide. */
  readonly groups: readonly {
    readonly name: string;
    readonly max: number;
    readonly signals: ReadonlySet<string>;
  }[];
  readonly thresholds: Readonly<Record<Exclude<Action, 'no_action'>, number>>;
  readonly descriptions: ReadonlyMap<string, string>;
}

export const DEFAULT_SCORING_FILE = new URL('./scoring.yaml', import.meta.url);

/** Loads a scoring file; unknown signal names and non-numbers are errors naming the file. */
let defaultText: string | undefined;
const defaultScoringText = () => (defaultText ??= readFileSync(DEFAULT_SCORING_FILE, 'utf8'));

export function loadScoring(file: string | URL = DEFAULT_SCORING_FILE): Scoring {
  const text = file === DEFAULT_SCORING_FILE ? defaultScoringText() : readFileSync(file, 'utf8');
  const doc = parse(text) as {
    actions?: Record<string, unknown>;
    signals?: Record<string, unknown>;
    groups?: Record<string, { max_score?: unknown; signals?: unknown }>;
  };
  const where = String(file instanceof URL ? file.pathname : file);
  if (!doc || typeof doc !== 'object' || !doc.signals || !doc.actions)
    throw new Error(`${where}: needs 'actions' and 'signals' maps`);
  const weights = new Map<string, number>();
  for (const [k, v] of Object.entries(doc.signals)) {
    if (typeof v !== 'number' || !Number.isFinite(v))
      throw new Error(`${where}: signal ${k} must have a numeric weight`);
    weights.set(k, v);
  }
  const t = (k: string) => {
    const v = doc.actions![k];
    if (typeof v !== 'number') throw new Error(`${where}: actions.${k} must be a number`);
    return v;
  };
  const thresholds = { add_header: t('add_header'), quarantine: t('quarantine'), reject: t('reject') };
  const groups = Object.entries(doc.groups ?? {}).map(([name, g]) => {
    if (typeof g?.max_score !== 'number' || !Array.isArray(g.signals))
      throw new Error(`${where}: group ${name} needs max_score and signals`);
    for (const x of g.signals)
      if (!weights.has(String(x)))
        throw new Error(`${where}: group ${name} names unknown signal ${String(x)}`);
    return { name, max: g.max_score, signals: new Set(g.signals.map(String)) };
  });
  // Descriptions are the comments beside each signal in the default file.
  const descriptions = new Map<string, string>();
  for (const line of defaultScoringText().split('\n')) {
    const m = /^\s+([A-Z0-9_]+):\s*-?[\d.]+\s*#\s*(.+)$/.exec(line);
    if (m) descriptions.set(m[1]!, m[2]!.trim());
  }
  return { weights, thresholds, descriptions, groups };
}

export function actionFor(score: number, s: Scoring): Action {
  return score >= s.thresholds.reject
    ? 'reject'
    : score >= s.thresholds.quarantine
      ? 'quarantine'
      : score >= s.thresholds.add_header
        ? 'add_header'
        : 'no_action';
}

/** Collects signals for one message; each name once (the first evidence, with a count of repeats). */
export class SignalSet {
  private readonly list: Signal[] = [];
  private readonly seen = new Map<string, { i: number; n: number }>();
  private readonly scoring: Scoring;
  constructor(scoring: Scoring) {
    this.scoring = scoring;
  }
  raise(name: string, evidence: { [k: string]: EvidenceValue } = {}): void {
    const weight = this.scoring.weights.get(name);
    if (weight === undefined) throw new Error(`signal ${name} has no weight in the scoring file`);
    const s = this.seen.get(name);
    if (s) {
      s.n++;
      return;
    }
    this.seen.set(name, { i: this.list.length, n: 1 });
    this.list.push({ name, weight, description: this.scoring.descriptions.get(name) ?? name, evidence });
  }
  has(name: string): boolean {
    return this.seen.has(name);
  }
  get signals(): Signal[] {
    return this.list.map((s) => {
      const n = this.seen.get(s.name)!.n;
      return n > 1 ? { ...s, evidence: { ...s.evidence, occurrences: n } } : s;
    });
  }
  get score(): number {
    let total = 0;
    const inGroup = new Map<string, number>();
    for (const s of this.list) {
      const g = this.scoring.groups.find((x) => x.signals.has(s.name));
      if (g && s.weight > 0) inGroup.set(g.name, (inGroup.get(g.name) ?? 0) + s.weight);
      else total += s.weight;
    }
    for (const g of this.scoring.groups) total += Math.min(g.max, inGroup.get(g.name) ?? 0);
    return Math.round(total * 100) / 100;
  }
  /** Groups whose cap applied, for the explanation. */
  get capped(): { group: string; sum: number; max: number }[] {
    return this.scoring.groups
      .map((g) => ({
        group: g.name,
        sum: this.list.filter((s) => g.signals.has(s.name) && s.weight > 0).reduce((t, s) => t + s.weight, 0),
        max: g.max,
      }))
      .filter((x) => x.sum > x.max);
  }
}
