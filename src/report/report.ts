import type { Finding } from '../model/finding.ts';
import type { Problem, Skipped } from '../model/problem.ts';
import type { RuleInfo } from '../model/detector.ts';
import { SEVERITIES, severityRank, type Severity } from '../model/severity.ts';

/** Everything a sink needs to render one run. Findings are already sorted (`compareFindings`). */
export interface Report {
  readonly tool: { readonly name: string; readonly version: string };
  readonly command: string;
  readonly roots: readonly string[];
  /** The directory every `source.path` is relative to, when there is one (a single root). */
  readonly base?: string;
  readonly startedAt: string;
  readonly finishedAt: string;
  readonly findings: readonly Finding[];
  readonly problems: readonly Problem[];
  readonly skipped: readonly Skipped[];
  readonly rules: readonly RuleInfo[];
  readonly stats: {
    readonly files: number;
    readonly bytes: number;
    readonly records: number;
    readonly archives: number;
  };
}

export function countBySeverity(findings: readonly Finding[]): Record<Severity, number> {
  const c = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>;
  for (const f of findings) c[f.severity]++;
  return c;
}

export interface RuleGroup {
  readonly rule: string;
  readonly title: string;
  readonly severity: Severity; // the highest in the group
  readonly findings: readonly Finding[];
}

/** Findings grouped by rule, the most severe group first; order inside a group is kept. */
export function groupByRule(report: Report): RuleGroup[] {
  const groups = new Map<string, Finding[]>();
  for (const f of report.findings) {
    const g = groups.get(f.rule);
    if (g) g.push(f);
    else groups.set(f.rule, [f]);
  }
  const titles = new Map(report.rules.map((r) => [r.id, r.title]));
  return [...groups]
    .map(([rule, fs]) => ({
      rule,
      title: titles.get(rule) ?? fs[0]!.title,
      severity: fs.reduce<Severity>(
        (m, f) => (severityRank(f.severity) > severityRank(m) ? f.severity : m),
        'info',
      ),
      findings: fs,
    }))
    .sort(
      (a, b) =>
        verdictFirst(a.rule, b.rule) ||
        severityRank(b.severity) - severityRank(a.severity) ||
        b.findings.length - a.findings.length ||
        (a.rule < b.rule ? -1 : 1),
    );
}

/** Skipped files summarised by reason (a 2 GB share can skip thousands of unrelated files). */
export function skippedByReason(
  skipped: readonly Skipped[],
): { reason: string; count: number; examples: string[] }[] {
  const m = new Map<string, string[]>();
  for (const s of skipped) {
    const list = m.get(s.reason);
    if (list) list.push(s.path);
    else m.set(s.reason, [s.path]);
  }
  return [...m]
    .map(([reason, paths]) => ({ reason, count: paths.length, examples: paths.slice(0, 3) }))
    .sort((a, b) => b.count - a.count);
}

export function formatBytes(n: number): string {
  const units = ['B', 'KB', 'MB', 'GB', 'TB'];
  let i = 0;
  let v = n;
  while (v >= 1000 && i < units.length - 1) {
    v /= 1000;
    i++;
  }
  return `${i === 0 ? v : v.toFixed(v < 10 ? 2 : v < 100 ? 1 : 0)} ${units[i]}`;
}

export function where(f: { source: { path: string; line?: number; offset?: number } }): string {
  const s = f.source;
  return s.line !== undefined
    ? `${s.path}:${s.line}`
    : s.offset !== undefined
      ? `${s.path}@${s.offset}`
      : s.path;
}

/** Verdicts (`….verdict`) answer "were we hit?": they lead every report. */
function verdictFirst(a: string, b: string): number {
  return Number(b.endsWith('.verdict')) - Number(a.endsWith('.verdict'));
}

/** Control and bidi characters made visible: paths, lines and messages can be attacker text. */
export function printable(s: string): string {
  return s.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
