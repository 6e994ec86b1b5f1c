import type { EvidenceValue, Finding } from '../model/finding.ts';
import { SEVERITIES, type Severity } from '../model/severity.ts';
import { countBySeverity, formatBytes, groupByRule, skippedByReason, where, type Report } from './report.ts';

/**
 * One self-contained HTML file: inline CSS and JS, an inline SVG timeline, no request to any
 * network (a Content-Security-Policy forbids it). Every string from the input is escaped: the
 * evidence is attacker text.
 */
const COLOR: Record<Severity, string> = {
  critical: '#8b0000',
  high: '#d32f2f',
  medium: '#ef8f00',
  low: '#1e88e5',
  info: '#78909c',
};

export function esc(s: string): string {
  return s.replace(
    /[&<>"']/g,
    (ch) => ({ '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' })[ch]!,
  );
}

/** A section a command adds above the findings (already escaped HTML). */
export interface HtmlSection {
  readonly title: string;
  readonly html: string;
}

export function renderHtml(report: Report, sections: readonly HtmlSection[] = []): string {
  const counts = countBySeverity(report.findings);
  const secs = (Date.parse(report.finishedAt) - Date.parse(report.startedAt)) / 1000;
  const cards = [...SEVERITIES]
    .reverse()
    .map(
      (s) =>
        `<label class="card" style="border-color:${COLOR[s]}"><input type="checkbox" class="sev" value="${s}" checked><b style="color:${COLOR[s]}">${counts[s]}</b> ${s}</label>`,
    )
    .join('');
  const groups = groupByRule(report)
    .map(
      (g) => `
<section class="group" data-sev="${g.severity}">
  <h3><span class="badge" style="background:${COLOR[g.severity]}">${g.severity}</span> <code>${esc(g.rule)}</code> — ${esc(g.title)} <small>(${g.findings.length})</small></h3>
  ${g.findings.map(findingHtml).join('\n')}
</section>`,
    )
    .join('\n');

  const problems = report.problems.length
    ? `<section><h2>Problems (${report.problems.length})</h2><p>These inputs were not fully analysed.</p><ul>${report.problems.map((p) => `<li><b>${p.level}</b> <code>${esc(where(p))}</code>: ${esc(p.message)}</li>`).join('')}</ul></section>`
    : '';
  const skipped = report.skipped.length
    ? `<section><h2>Not parsed (${report.skipped.length})</h2><p>No reader for their content; their hashes were still checked.</p><table><tr><th>Files</th><th>Reason</th><th>Examples</th></tr>${skippedByReason(
        report.skipped,
      )
        .map(
          (r) =>
            `<tr><td>${r.count}</td><td>${esc(r.reason)}</td><td>${r.examples.map((e) => `<code>${esc(e)}</code>`).join(' ')}</td></tr>`,
        )
        .join('')}</table></section>`
    : '';

  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; script-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Vigil ${esc(report.command)} report — ${esc(report.roots.join(', '))}</title>
<style>
body{font:14px/1.45 system-ui,-apple-system,Segoe UI,Roboto,sans-serif;margin:0;color:#1b1f24;background:#f6f7f9}
header{background:#14213d;color:#fff;padding:16px 24px}header h1{margin:0;font-size:20px}header p{margin:4px 0 0;opacity:.85}
main{padding:16px 24px;max-width:1400px}
.cards{display:flex;gap:8px;flex-wrap:wrap;margin:8px 0 16px}.card{background:#fff;border-left:5px solid;padding:8px 14px;border-radius:4px;cursor:pointer;user-select:none}
.card b{font-size:20px;margin:0 4px}
#search{padding:6px 10px;width:320px;max-width:100%;border:1px solid #c6ccd4;border-radius:4px}
.group{background:#fff;border-radius:6px;padding:8px 16px;margin:12px 0;box-shadow:0 1px 2px #0001}
.group h3{font-size:15px;margin:8px 0}.badge{color:#fff;border-radius:3px;padding:1px 6px;font-size:12px;text-transform:uppercase}
details{border-top:1px solid #eceff3;padding:6px 0}summary{cursor:pointer}summary .meta{color:#5c6773;font-size:12px;margin-left:8px}
table{border-collapse:collapse;margin:6px 0}td,th{border:1px solid #e1e5ea;padding:3px 8px;text-align:left;vertical-align:top}
td.v{font-family:ui-monospace,Menlo,Consolas,monospace;white-space:pre-wrap;word-break:break-all;max-width:900px}
.tags code{background:#eef1f5;border-radius:3px;padding:0 4px;margin-right:4px}.fix{background:#f0f7ee;padding:6px 10px;border-radius:4px}
svg text{font-size:11px;fill:#5c6773}.hidden{display:none}
</style></head>
<body>
<header><h1>Vigil ${esc(report.command)} — ${esc(report.roots.join(', '))}</h1>
<p>${report.findings.length} findings · ${report.stats.files} files (${formatBytes(report.stats.bytes)}) · ${report.stats.records} records · ${secs.toFixed(1)} s · generated ${esc(report.finishedAt)} by ${esc(report.tool.name)} ${esc(report.tool.version)}</p></header>
<main>
<section><h2>Summary</h2><div class="cards">${cards}</div>
<input id="search" type="search" placeholder="Filter findings (rule, host, IP, path, …)"></section>
${sections.map((x) => `<section><h2>${esc(x.title)}</h2>${x.html}</section>`).join('\n')}
<section><h2>Timeline</h2>${timeline(report.findings)}</section>
<section id="findings"><h2>Findings</h2>${groups || '<p>No findings.</p>'}</section>
${problems}
${skipped}
</main>
<script>
(function(){
  var boxes=[].slice.call(document.querySelectorAll('input.sev'));var q=document.getElementById('search');
  function apply(){var on={};boxes.forEach(function(b){on[b.value]=b.checked});var t=q.value.toLowerCase();
    [].forEach.call(document.querySelectorAll('details.finding'),function(d){
      var show=on[d.getAttribute('data-sev')]&&(!t||d.textContent.toLowerCase().indexOf(t)>=0);d.classList.toggle('hidden',!show)});
    [].forEach.call(document.querySelectorAll('section.group'),function(s){
      s.classList.toggle('hidden',!s.querySelector('details.finding:not(.hidden)'))});}
  boxes.forEach(function(b){b.addEventListener('change',apply)});q.addEventListener('input',apply);
})();
</script>
</body></html>
`;
}

function findingHtml(f: Finding): string {
  const meta = [f.time ?? '', f.host ?? '', where(f)].filter(Boolean).map(esc).join(' · ');
  const ev = Object.entries(f.evidence)
    .map(([k, v]) => `<tr><th>${esc(k)}</th><td class="v">${esc(show(v))}</td></tr>`)
    .join('');
  const tags = [...f.cve, ...f.attack].map((t) => `<code>${esc(t)}</code>`).join('');
  return `<details class="finding" data-sev="${f.severity}"><summary><span class="badge" style="background:${COLOR[f.severity]}">${f.severity}</span> ${esc(f.title)}<span class="meta">${meta}</span></summary>
<div class="tags">${tags}</div><table>${ev}</table>${f.remediation ? `<p class="fix"><b>Fix:</b> ${esc(f.remediation)}</p>` : ''}</details>`;
}

function show(v: EvidenceValue): string {
  return typeof v === 'string' ? v : JSON.stringify(v, null, 1);
}

/** Findings over time as stacked bars, most severe on top; inline SVG so it needs no script. */
export function timeline(findings: readonly Finding[]): string {
  const timed = findings.filter((f) => f.time).map((f) => ({ t: Date.parse(f.time!), s: f.severity }));
  if (timed.length === 0) return '<p>No finding carries a time.</p>';
  let min = Infinity;
  let max = -Infinity;
  for (const x of timed) {
    if (x.t < min) min = x.t;
    if (x.t > max) max = x.t;
  }
  const buckets = 60;
  const span = Math.max(1, max - min);
  const bins = Array.from(
    { length: buckets },
    () => Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Record<Severity, number>,
  );
  for (const x of timed) bins[Math.min(buckets - 1, Math.floor(((x.t - min) / span) * buckets))]![x.s]++;
  const peak = bins.reduce(
    (m, b) =>
      Math.max(
        m,
        SEVERITIES.reduce((n, s) => n + b[s], 0),
      ),
    0,
  );
  const W = 900,
    H = 140,
    pad = 24,
    bw = (W - 2 * pad) / buckets;
  const bars: string[] = [];
  bins.forEach((b, i) => {
    let y = H - pad;
    for (const s of SEVERITIES) {
      if (!b[s]) continue;
      const h = (b[s] / peak) * (H - 2 * pad);
      y -= h;
      const from = new Date(min + (i * span) / buckets).toISOString();
      bars.push(
        `<rect x="${(pad + i * bw).toFixed(1)}" y="${y.toFixed(1)}" width="${Math.max(1, bw - 1).toFixed(1)}" height="${h.toFixed(1)}" fill="${COLOR[s]}"><title>${b[s]} ${s} from ${from}</title></rect>`,
      );
    }
  });
  return `<svg role="img" aria-label="Findings over time" viewBox="0 0 ${W} ${H}" width="100%" style="max-width:${W}px;background:#fff;border-radius:6px">
${bars.join('\n')}
<line x1="${pad}" y1="${H - pad}" x2="${W - pad}" y2="${H - pad}" stroke="#c6ccd4"/>
<text x="${pad}" y="${H - 6}">${esc(new Date(min).toISOString())}</text><text x="${W - pad}" y="${H - 6}" text-anchor="end">${esc(new Date(max).toISOString())}</text>
<text x="${pad}" y="14">peak ${peak} per ${humanSpan(span / buckets)}</text></svg>`;
}

function humanSpan(ms: number): string {
  if (ms < 60_000) return `${Math.max(1, Math.round(ms / 1000))} s`;
  if (ms < 3_600_000) return `${Math.round(ms / 60_000)} min`;
  if (ms < 86_400_000) return `${(ms / 3_600_000).toFixed(1)} h`;
  return `${(ms / 86_400_000).toFixed(1)} d`;
}
