import pc from 'picocolors';
import type { Severity } from '../model/severity.ts';
import type { EvidenceValue } from '../model/finding.ts';
import {
  countBySeverity,
  formatBytes,
  groupByRule,
  printable,
  skippedByReason,
  where,
  type Report,
} from './report.ts';

/** The terminal report: grouped by rule, most severe first, evidence under each finding. */
export function renderText(report: Report, opts: { color: boolean }): string {
  const c = pc.createColors(opts.color);
  const sev: Record<Severity, (s: string) => string> = {
    critical: (s) => c.bold(c.red(s)),
    high: c.red,
    medium: c.yellow,
    low: c.cyan,
    info: c.dim,
  };
  const out: string[] = [];
  const counts = countBySeverity(report.findings);
  const secs = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  out.push(c.bold(`Vigil ${report.command} — ${report.roots.join(', ')}`));
  out.push(
    `${report.stats.files} files (${formatBytes(report.stats.bytes)}${report.stats.archives ? `, ${report.stats.archives} archives` : ''}), ${report.stats.records} records in ${secs.toFixed(1)} s`,
  );
  const parts = (['critical', 'high', 'medium', 'low', 'info'] as const)
    .filter((s) => counts[s] > 0)
    .map((s) => sev[s](`${counts[s]} ${s}`));
  out.push(
    report.findings.length
      ? `${c.bold(`${report.findings.length} findings`)}: ${parts.join(', ')}`
      : c.green('No findings.'),
  );

  for (const g of groupByRule(report)) {
    out.push('');
    out.push(
      `${sev[g.severity](g.severity.toUpperCase().padEnd(8))} ${c.bold(g.rule)} — ${g.title} (${g.findings.length})`,
    );
    // One fix line per group when every finding in it shares the fix (the usual case).
    const fixes = new Set(g.findings.map((f) => f.remediation ?? ''));
    const sharedFix = fixes.size === 1 ? [...fixes][0] : undefined;
    for (const f of g.findings) {
      const meta = printable(
        [f.time ? f.time.replace('.000Z', 'Z') : null, f.host ?? null, where(f)].filter(Boolean).join('  '),
      );
      out.push(`  ${sev[f.severity]('●')} ${printable(f.title)}`);
      out.push(`    ${c.dim(meta)}`);
      const tags = [...f.cve, ...f.attack];
      if (tags.length) out.push(`    ${c.dim(tags.join(' '))}`);
      for (const [k, v] of Object.entries(f.evidence)) {
        if (v === '' || v === null) continue;
        out.push(`    ${c.dim(`${k}:`)} ${oneLine(v)}`);
      }
      if (f.remediation && sharedFix === undefined) out.push(`    ${c.dim('fix:')} ${f.remediation}`);
    }
    if (sharedFix) out.push(`  ${c.bold('fix:')} ${sharedFix}`);
  }

  if (report.problems.length) {
    out.push('');
    out.push(
      c.bold(c.yellow(`Problems (${report.problems.length}) — these inputs were not fully analysed:`)),
    );
    for (const p of report.problems.slice(0, 50))
      out.push(
        `  ${p.level === 'error' ? c.red('error') : c.yellow('warning')} ${printable(`${where(p)}: ${p.message}`)}`,
      );
    if (report.problems.length > 50)
      out.push(`  … and ${report.problems.length - 50} more (all are in the JSON, SARIF and HTML reports)`);
  }
  if (report.skipped.length) {
    out.push('');
    out.push(c.bold(`Not parsed (${report.skipped.length}) — no reader for their content:`));
    for (const r of skippedByReason(report.skipped).slice(0, 12)) {
      out.push(`  ${r.count} × ${r.reason}${c.dim(`  e.g. ${printable(r.examples.join(', '))}`)}`);
    }
  }
  return `${out.join('\n')}\n`;
}

/** Evidence on one line, with control characters made visible: log lines are attacker text. */
function oneLine(v: EvidenceValue): string {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  const clipped = s.length > 400 ? `${s.slice(0, 400)}… (${s.length} chars)` : s;
  return clipped.replace(
    // eslint-disable-next-line no-control-regex
    /[\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g,
    (ch) => `\\u${ch.charCodeAt(0).toString(16).padStart(4, '0')}`,
  );
}
