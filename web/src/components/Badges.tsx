// Verdict, severity and status shown as words with a colour (never colour alone).
import type { Severity, Status, Verdict } from '../api.ts';
import { SEVERITY_LABEL, STATUS_LABEL, VERDICT_HELP, VERDICT_LABEL } from '../format.ts';

export const VerdictBadge = (p: { verdict: Verdict }) => (
  <span class={`badge v-${p.verdict}`} title={VERDICT_HELP[p.verdict] ?? ''}>
    {VERDICT_LABEL[p.verdict] ?? String(p.verdict)}
  </span>
);

export const SeverityBadge = (p: { severity: Severity }) => (
  <span class={`badge sev sev-${p.severity}`}>{SEVERITY_LABEL[p.severity] ?? String(p.severity)}</span>
);

export const StatusBadge = (p: { status: Status }) =>
  p.status === 'open' ? null : (
    <span class={`badge st st-${p.status}`}>{STATUS_LABEL[p.status] ?? String(p.status)}</span>
  );
