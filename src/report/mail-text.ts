import pc from 'picocolors';
import type { Finding } from '../model/finding.ts';
import type { Severity } from '../model/severity.ts';
import { formatBytes, printable, where, type Report } from './report.ts';
import { renderText } from './text.ts';

/**
 * The text report of `vigil mail scan`, written like an analyst's note: per flagged message, who
 * sent it, what it says, the signals that decided it (weight, meaning, the evidence that matters)
 * and what to do; other findings (attachment checks) follow in the usual form.
 */
interface SignalView {
  name: string;
  weight: number;
  description: string;
  evidence: Record<string, unknown>;
}

const short = (v: unknown): string => {
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return printable(s.length > 120 ? `${s.slice(0, 120)}…` : s);
};

export function renderMailText(report: Report, opts: { color: boolean }): string {
  const c = pc.createColors(opts.color);
  const sev: Record<Severity, (s: string) => string> = {
    critical: (s) => c.bold(c.red(s)),
    high: c.red,
    medium: c.yellow,
    low: c.cyan,
    info: c.dim,
  };
  const verdicts = report.findings.filter((f) => f.rule === 'mail.verdict');
  const others = report.findings.filter((f) => f.rule !== 'mail.verdict');
  const byAction = new Map<string, number>();
  for (const f of verdicts)
    byAction.set(String(f.evidence['action']), (byAction.get(String(f.evidence['action'])) ?? 0) + 1);
  const secs = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  const out: string[] = [];
  out.push(c.bold(`Vigil ${report.command} — ${report.roots.join(', ')}`));
  out.push(
    `${report.stats.records} messages in ${report.stats.files} files (${formatBytes(report.stats.bytes)}) in ${secs.toFixed(1)} s`,
  );
  const actions = ['reject', 'quarantine', 'add_header']
    .filter((a) => byAction.get(a))
    .map((a) => `${byAction.get(a)} ${a}`);
  out.push(actions.length ? c.bold(actions.join(', ')) : c.green('No message needs action.'));
  const ordered = [...verdicts].sort((a, b) => Number(b.evidence['score']) - Number(a.evidence['score']));
  for (const f of ordered) out.push('', ...message(f, c, sev));
  if (others.length) {
    const rest = renderText({ ...report, findings: others }, opts).split('\n');
    // Keep the generic report's groups and problem lists, not its header (we wrote ours).
    const from = rest.findIndex((l, i) => i > 2 && l === '');
    out.push(...rest.slice(from < 0 ? rest.length : from));
    const text = out.join('\n');
    let e = text.length;
    while (e > 0 && text[e - 1] === '\n') e--; // a loop: `/\n+$/` is quadratic on V8
    return `${text.slice(0, e)}\n`;
  }
  if (report.problems.length) {
    out.push('', c.bold(c.yellow(`Problems (${report.problems.length}):`)));
    for (const p of report.problems.slice(0, 50))
      out.push(`  ${p.level} ${printable(`${where(p)}: ${p.message}`)}`);
  }
  return `${out.join('\n')}\n`;
}

function message(
  f: Finding,
  c: ReturnType<typeof pc.createColors>,
  sev: Record<Severity, (s: string) => string>,
): string[] {
  const e = f.evidence as Record<string, unknown>;
  const signals = (e['signals'] as SignalView[] | undefined) ?? [];
  const auth = e['auth'] as { spf: string; dkim: string; dmarc: string; source: string } | undefined;
  const lines: string[] = [];
  lines.push(
    `${sev[f.severity](String(e['action']).toUpperCase().padEnd(10))} score ${e['score']}  ${c.dim(printable(`${where(f)}${f.time ? `  ${f.time.slice(0, 10)}` : ''}`))}`,
  );
  lines.push(
    `  From     ${printable(`${e['fromName'] ? `${String(e['fromName'])} ` : ''}<${String(e['from'])}>`)}${e['esp'] ? c.dim(`  via ${String(e['esp'])}`) : ''}`,
  );
  lines.push(`  Subject  ${printable(String(e['subject'] ?? ''))}`);
  if (auth && auth.source !== 'not checked')
    lines.push(
      `  Auth     SPF ${auth.spf}, DKIM ${auth.dkim}, DMARC ${auth.dmarc} ${c.dim(`(${auth.source})`)}`,
    );
  lines.push('  Why');
  for (const s of signals.filter((x) => x.weight !== 0)) {
    const ev = Object.entries(s.evidence)
      .filter(([k]) => !['size', 'sha256', 'type'].includes(k))
      .slice(0, 3)
      .map(([k, v]) => `${k} ${short(v)}`)
      .join('; ');
    lines.push(
      `    ${(s.weight > 0 ? '+' : '') + s.weight.toFixed(1).padStart(4)}  ${s.description}${ev ? c.dim(` — ${ev}`) : ''}`,
    );
  }
  for (const cap of (e['capped'] as { group: string; sum: number; max: number }[] | undefined) ?? [])
    lines.push(c.dim(`          (${cap.group} signals capped at ${cap.max} of ${cap.sum})`));
  const atts =
    (e['attachments'] as { name: string; type: string; members?: { name: string }[] }[] | undefined) ?? [];
  if (atts.length)
    lines.push(
      `  Files    ${printable(
        atts
          .map(
            (a) =>
              `${a.name || '(unnamed)'} [${a.type}${
                a.members?.length
                  ? `: ${a.members
                      .slice(0, 4)
                      .map((m) => m.name)
                      .join(', ')}`
                  : ''
              }]`,
          )
          .join('; '),
      )}`,
    );
  if (f.remediation) lines.push(`  Do       ${f.remediation}`);
  return lines;
}
