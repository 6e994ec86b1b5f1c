import pc from 'picocolors';
import type { Severity } from '../model/severity.ts';
import { atLeast } from '../model/severity.ts';
import { formatBytes, printable, where, type Report } from './report.ts';

/**
 * The text report as a timeline, one line per finding in time order (as Hayabusa and Chainsaw
 * print them): when, how bad, which host, what, where. Untimed findings (files) come last.
 */
export function renderTimeline(report: Report, opts: { color: boolean; min?: Severity }): string {
  const c = pc.createColors(opts.color);
  const paint: Record<Severity, (s: string) => string> = {
    critical: (s) => c.bold(c.red(s)),
    high: c.red,
    medium: c.yellow,
    low: c.cyan,
    info: c.dim,
  };
  const min = opts.min ?? 'info';
  const rows = report.findings.filter((f) => atLeast(f.severity, min));
  const out = [
    c.bold(`Vigil ${report.command} — ${report.roots.join(', ')} — timeline`),
    `${report.stats.files} files (${formatBytes(report.stats.bytes)}), ${rows.length} of ${report.findings.length} findings at ${min} or above`,
    '',
  ];
  const hostW = Math.min(20, Math.max(4, ...rows.map((f) => (f.host ?? '').length)));
  for (const f of rows) {
    const when = f.time ? f.time.replace('T', ' ').replace(/\.\d{3}Z$/, 'Z') : '(no time)           ';
    const sev = f.severity.toUpperCase().padEnd(8);
    const host = (f.host ?? '-').slice(0, hostW).padEnd(hostW);
    const key =
      f.evidence['clientIp'] ?? f.evidence['client'] ?? f.evidence['uid'] ?? f.evidence['from'] ?? '';
    out.push(
      `${c.dim(when)}  ${paint[f.severity](sev)} ${host}  ${printable(f.title)}${key ? c.dim(`  [${printable(String(key))}]`) : ''}  ${c.dim(printable(where(f)))}`,
    );
  }
  if (report.problems.length)
    out.push('', c.yellow(`${report.problems.length} problems: run without --timeline to list them`));
  return `${out.join('\n')}\n`;
}
