// Question 3, how to patch: per host, the build the attack met, the build now, the update to install.
import type { Finding, HostRow, Verdict } from '../api.ts';
import { VERDICTS } from '../api.ts';
import { VerdictBadge } from './Badges.tsx';

export interface PatchRow {
  host: string;
  verdict: Verdict;
  product: string;
  buildThen: string;
  buildNow: string;
  fix: string;
}

const s = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));
const verdictOf = (v: unknown): Verdict =>
  (VERDICTS as readonly string[]).includes(s(v)) ? (s(v) as Verdict) : 'unknown';

/**
 * The hosts the API lists, completed from the latest `exchange.verdict` and `exchange.build`
 * findings of each host (the API's own fields win where both exist).
 */
export function patchRows(hosts: readonly HostRow[], findings: readonly Finding[]): PatchRow[] {
  const rows = new Map<string, PatchRow>();
  const get = (host: string) => {
    let r = rows.get(host);
    if (!r)
      rows.set(host, (r = { host, verdict: 'unknown', product: '', buildThen: '', buildNow: '', fix: '' }));
    return r;
  };
  // Oldest first, so the latest scan's answer is the one left standing.
  const byTime = [...findings].sort((a, b) => s(a.time).localeCompare(s(b.time)));
  for (const f of byTime) {
    if (!f.host) continue;
    const e = f.evidence ?? {};
    if (f.rule === 'exchange.verdict') {
      const r = get(f.host);
      r.verdict = verdictOf(e['verdict']);
      r.buildThen = s(e['buildAtFirstActivity']) || r.buildThen;
      r.buildNow = s(e['buildNow']) || r.buildNow;
      const m = /Install now: (.*)$/s.exec(s(f.remediation));
      if (m?.[1]) r.fix = m[1];
    } else if (f.rule === 'exchange.build') {
      const r = get(f.host);
      r.product = [s(e['product']), s(e['cu'])].filter(Boolean).join(' ') || r.product;
      if (!r.buildNow || s(e['build']) === r.buildNow) {
        r.fix = s(e['verdict']) === 'patched' ? '' : s(e['fix']) || r.fix;
      }
      r.buildNow = r.buildNow || s(e['build']);
    }
  }
  for (const h of hosts) {
    const r = get(h.host);
    r.verdict = h.verdict ? verdictOf(h.verdict) : r.verdict;
    r.buildNow = s(h['buildNow'] ?? h.build) || r.buildNow;
    r.buildThen = s(h.buildThen ?? h['buildAtFirstActivity']) || r.buildThen;
    r.product = s(h.product) || r.product;
    r.fix = s(h.fix ?? h['patch'] ?? h['advice']) || r.fix;
  }
  const rank = (v: Verdict) => VERDICTS.indexOf(v);
  return [...rows.values()].sort((a, b) => rank(a.verdict) - rank(b.verdict) || a.host.localeCompare(b.host));
}

export function Hosts(p: { rows: PatchRow[] }) {
  if (!p.rows.length) return <p class="muted">No Exchange host imported for this organisation.</p>;
  return (
    <div class="table-wrap">
      <table class="hosts">
        <caption class="sr">Hosts, worst verdict first, with the update to install</caption>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Verdict</th>
            <th scope="col">Product</th>
            <th scope="col">Build at first attack</th>
            <th scope="col">Build now</th>
            <th scope="col">Update to install</th>
          </tr>
        </thead>
        <tbody>
          {p.rows.map((r) => (
            <tr key={r.host}>
              <th scope="row" data-label="Host">
                {r.host}
              </th>
              <td data-label="Verdict">
                <VerdictBadge verdict={r.verdict} />
              </td>
              <td data-label="Product">{r.product || '—'}</td>
              <td data-label="Build at first attack" class="mono">
                {r.buildThen || '—'}
              </td>
              <td data-label="Build now" class="mono">
                {r.buildNow || '—'}
              </td>
              <td data-label="Update to install">{r.fix || (r.buildNow ? 'Up to date' : '—')}</td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
