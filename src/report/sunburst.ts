import pc from 'picocolors';
import type { Finding } from '../model/finding.ts';
import { formatBytes, where, type Report } from './report.ts';
import { esc, type HtmlSection } from './html.ts';

/**
 * The SUNBURST victim report as text: per host id the decoded domain, status, first/last seen,
 * products and stage; per domain the host ids; then the names that were not beacons, with why.
 */
export function renderSunburstText(report: Report, color: boolean): string {
  const c = pc.createColors(color);
  const queries = report.findings.filter((f) => f.rule === 'sunburst.query');
  const victims = report.findings.filter((f) => f.rule === 'sunburst.victim');
  const count = (k: string) => queries.filter((q) => q.evidence['kind'] === k).length;
  const out: string[] = [];
  out.push(c.bold(`Vigil dns sunburst — ${report.roots.join(', ')}`));
  out.push(`${report.stats.files} files (${formatBytes(report.stats.bytes)})`);
  out.push(
    `${queries.length} names under avsvmcloud.com: ${count('domain')} domain fragments, ${count('ping')} pings, ${count('services')} product reports, ${count('invalid')} not beacons`,
  );
  if (!victims.length) {
    out.push(c.green('No SUNBURST beacons.'));
  } else {
    const domains = new Set(victims.map((v) => String(v.evidence['domain'])).filter((d) => d !== ''));
    out.push(
      c.bold(c.red(`${victims.length} infected hosts (SUNBURST user ids), ${domains.size} distinct domains`)),
    );
    out.push('');
    const rows = victims.map((v) => {
      const e = v.evidence;
      const products = (e['products'] as string[]).join(' ');
      return [
        String(e['uid']),
        String(e['domain']) || '(not seen)',
        String(e['status']),
        short(e['firstSeen']),
        short(e['lastSeen']),
        `${String(e['stage'])}${e['killSwitch'] ? '+kill' : ''}`,
        products,
      ];
    });
    const head = [
      'HOST ID',
      'DOMAIN',
      'STATUS',
      'FIRST SEEN',
      'LAST SEEN',
      'STAGE',
      'PRODUCTS (running/stopped)',
    ];
    const width = head.map((h, i) => Math.min(40, Math.max(h.length, ...rows.map((r) => r[i]!.length))));
    const fmt = (r: string[]) =>
      r.map((x, i) => (i === r.length - 1 ? x : clip(x, width[i]!).padEnd(width[i]!))).join('  ');
    out.push(c.bold(fmt(head)));
    for (const r of rows) out.push(fmt(r));
    const byDomain = new Map<string, string[]>();
    for (const v of victims) {
      const d = String(v.evidence['domain']);
      if (!d || d.startsWith('…')) continue;
      const key = d.toLowerCase();
      byDomain.set(key, [...(byDomain.get(key) ?? []), String(v.evidence['uid'])]);
    }
    const shared = [...byDomain].filter(([, ids]) => ids.length > 1);
    if (shared.length) {
      out.push('', c.bold('Domains seen from several hosts:'));
      for (const [d, ids] of shared) out.push(`  ${d}: ${ids.join(', ')}`);
    }
    out.push(
      '',
      'Status: complete = every chunk seen; single_chunk = a whole short base32 name; single_chunk_or_tail = one last chunk (a short name, or the tail of a longer one);',
    );
    out.push(
      'head_only / tail_only / gapped = part of the name ("…" marks what is missing); products: running = process seen, stopped = SUNBURST tried to disable it.',
    );
  }
  const invalid = queries.filter((q) => q.evidence['kind'] === 'invalid');
  if (invalid.length) {
    out.push('', c.bold(`Names under avsvmcloud.com that are not beacons (${invalid.length}):`));
    for (const q of invalid.slice(0, 20))
      out.push(`  ${where(q)}  ${String(q.evidence['fqdn'])}: ${String(q.evidence['reason'])}`);
    if (invalid.length > 20) out.push(`  … and ${invalid.length - 20} more (every one is in --format jsonl)`);
  }
  if (report.problems.length) {
    out.push('', c.yellow(`Problems (${report.problems.length}):`));
    for (const p of report.problems.slice(0, 20)) out.push(`  ${where(p)}: ${p.message}`);
  }
  const notDns = report.skipped.length;
  if (notDns) out.push('', c.dim(`${notDns} files were not DNS logs (run vigil triage for everything).`));
  return `${out.join('\n')}\n`;
}

function short(v: Finding['evidence'][string] | undefined): string {
  return typeof v === 'string' ? v.slice(0, 16).replace('T', ' ') : '-';
}

function clip(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}

/** The victim tables for the HTML report: per host, and per domain with its hosts. */
export function sunburstHtmlSections(report: Report): HtmlSection[] {
  const victims = report.findings.filter((f) => f.rule === 'sunburst.victim');
  if (!victims.length) return [{ title: 'SUNBURST victims', html: '<p>No SUNBURST beacons.</p>' }];
  const rows = victims
    .map((v) => {
      const e = v.evidence;
      return `<tr><td><code>${esc(String(e['uid']))}</code></td><td>${esc(String(e['domain']) || '(not seen)')}</td><td>${esc(String(e['status']))}</td><td>${esc(short(e['firstSeen']))}</td><td>${esc(short(e['lastSeen']))}</td><td>${esc(String(e['stage']))}${e['killSwitch'] ? ' (kill switch)' : ''}</td><td>${esc((e['products'] as string[]).join(', '))}</td><td>${esc(String(e['queries']))}</td></tr>`;
    })
    .join('');
  const byDomain = new Map<string, string[]>();
  for (const v of victims) {
    const d = String(v.evidence['domain']);
    if (d && !d.startsWith('…'))
      byDomain.set(d.toLowerCase(), [...(byDomain.get(d.toLowerCase()) ?? []), String(v.evidence['uid'])]);
  }
  const domains = [...byDomain]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(
      ([d, ids]) =>
        `<tr><td>${esc(d)}</td><td>${ids.map((i) => `<code>${esc(i)}</code>`).join(' ')}</td></tr>`,
    )
    .join('');
  return [
    {
      title: `SUNBURST victims: ${victims.length} hosts`,
      html: `<table><tr><th>Host id</th><th>Domain</th><th>Status</th><th>First seen</th><th>Last seen</th><th>Stage</th><th>Products</th><th>Queries</th></tr>${rows}</table>`,
    },
    {
      title: `Decoded domains: ${byDomain.size}`,
      html: `<table><tr><th>Domain</th><th>Host ids</th></tr>${domains}</table>`,
    },
  ];
}
