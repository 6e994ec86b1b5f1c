// Small display helpers shared by the views.
import type { Severity, Status, Verdict } from './api.ts';

export const VERDICT_LABEL: Record<Verdict, string> = {
  compromised: 'Compromised',
  attempted: 'Attempted',
  vulnerable: 'Vulnerable',
  probed: 'Probed',
  clean: 'Clean',
  unknown: 'Unknown',
};

/** What each verdict means for the analyst reading the list (shown as a tooltip and in the legend). */
export const VERDICT_HELP: Record<Verdict, string> = {
  compromised: 'code was written or run on a server',
  attempted: 'exploitation was tried against a vulnerable server',
  vulnerable: 'the build is exposed, no attack seen',
  probed: 'scanned, no exploitation',
  clean: 'patched, nothing seen',
  unknown: 'no Exchange verdict imported',
};

export const STATUS_LABEL: Record<Status, string> = {
  open: 'Open',
  triaged: 'Triaged',
  false_positive: 'False positive',
  remediated: 'Remediated',
};

export const SEVERITY_LABEL: Record<Severity, string> = {
  critical: 'Critical',
  high: 'High',
  medium: 'Medium',
  low: 'Low',
  info: 'Info',
};

const nf = new Intl.NumberFormat('en');
export const num = (n: number | null | undefined) => nf.format(n ?? 0);

/** ISO time as `2021-03-03 06:49:46Z`: UTC always, as the logs are. */
export function utc(t: string | null | undefined): string {
  if (!t) return '—';
  const d = new Date(t);
  if (Number.isNaN(d.getTime())) return t;
  return `${d.toISOString().slice(0, 19).replace('T', ' ')}Z`;
}

export const sourceText = (s: { path: string; line?: number; offset?: number } | null | undefined) =>
  s ? `${s.path}${s.line != null ? `:${s.line}` : s.offset != null ? `@${s.offset}` : ''}` : '';
