import type { EvidenceValue, Finding } from '../model/finding.ts';
import { severityRank as rank } from '../model/severity.ts';

/**
 * The findings of one log line, combined. When a specialised Exchange check has judged a line
 * (benign or not), a generic log-string indicator on the same line (the CISA CHIRP strings
 * `S:CMD=Set-OabVirtualDirectory.ExternalUrl='`, `Download failed and temporary file`) cannot
 * outrank it: the check read the parameters, the path and the server's build; the string only
 * says the line deserved a look. The indicator stays, as context (info when the check found the
 * line benign, low otherwise), naming the check that judged the line, and the check's finding lists
 * the indicator it outranked. Indicators of other kinds (an attacker's IP, a hash) are evidence
 * of their own and keep their severity.
 */
const GENERIC = (f: Finding) =>
  f.rule === 'intel.match' && (f.evidence['type'] === 'log-string' || f.evidence['type'] === 'log-regex');
const CHECK = (f: Finding) =>
  f.rule.startsWith('exchange.') && f.rule !== 'exchange.build' && f.rule !== 'exchange.verdict';

export function combineLineFindings(fs: readonly Finding[]): Finding[] {
  const checks = fs.filter(CHECK);
  if (!checks.length || !fs.some(GENERIC)) return [...fs];
  // The check whose judgement is the line's: the gravest one.
  const judge = checks.reduce((a, b) => (rank(b.severity) > rank(a.severity) ? b : a));
  const benign = rank(judge.severity) <= rank('low');
  const context: EvidenceValue[] = [];
  const out: Finding[] = [];
  for (const f of fs) {
    if (!GENERIC(f)) continue;
    const cap = benign ? 'info' : 'low';
    context.push({
      rule: f.rule,
      feed: f.evidence['feed'] ?? null,
      indicator: f.evidence['indicator'] ?? null,
      matched: f.evidence['matched'] ?? null,
      severity: f.severity,
    });
    out.push({
      ...f,
      severity: rank(f.severity) > rank(cap) ? cap : f.severity,
      evidence: {
        ...f.evidence,
        ...(f.severity !== cap ? { feedSeverity: f.severity } : {}),
        judgedBy: { rule: judge.rule, severity: judge.severity, title: judge.title },
      },
    });
  }
  const result: Finding[] = [];
  for (const f of fs) {
    if (GENERIC(f)) continue;
    result.push(
      f === judge
        ? {
            ...f,
            evidence: {
              ...f.evidence,
              context: [...((f.evidence['context'] as EvidenceValue[] | undefined) ?? []), ...context],
            },
          }
        : f,
    );
  }
  return [...result, ...out];
}
