// "What has been done" at a glance: web shells, mailbox exports, mail campaigns received,
// SUNBURST victims and their stage, attacker addresses. Campaigns, victims and addresses are the
// store's own rows (GET /api/orgs/:org); web shells and exports are read from the findings of the
// rules that name them.
import type { ComponentChildren } from 'preact';
import type { Finding, OrgDetail } from '../api.ts';
import { num, utc } from '../format.ts';

/** Rule filters (the API takes a prefix ending in `*`) whose findings name shells and exports. */
export const ACTIVITY_RULES = [
  'exchange.webshell*',
  'exchange.webserver-file',
  'exchange.cmdlet',
  'exchange.proxyshell',
];

const str = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));
const ev = (f: Finding, k: string) => str(f.evidence?.[k]);

export interface Activity {
  webShells: { path: string; how: string; first: string | null; hits: number }[];
  exports: { what: string; host: string; time: string | null }[];
}

/** Web shells (one per file name) and mailbox exports, from the findings of ACTIVITY_RULES. */
export function distil(findings: readonly Finding[]): Activity {
  const shells = new Map<string, Activity['webShells'][number]>();
  const exports: Activity['exports'] = [];
  for (const f of findings) {
    if (f.status === 'false_positive') continue;
    if (f.rule.startsWith('exchange.webshell') || f.rule === 'exchange.webserver-file') {
      const path =
        f.rule === 'exchange.webshell-access'
          ? ev(f, 'url')
          : f.rule === 'exchange.webserver-file'
            ? ev(f, 'targetFilename')
            : f.source?.path || ev(f, 'file');
      if (!path) continue;
      const key = path.toLowerCase().replaceAll('\\', '/').split('/').pop() || path;
      const s = shells.get(key) ?? { path, how: '', first: null, hits: 0 };
      if (f.rule === 'exchange.webshell-access') s.hits++;
      else if (f.rule === 'exchange.webserver-file') s.how ||= 'written by the web server';
      else {
        s.how = ev(f, 'parameter') ? `on disk, runs parameter “${ev(f, 'parameter')}”` : 'on disk';
        s.path = path;
      }
      if (f.time && (!s.first || f.time < s.first)) s.first = f.time;
      shells.set(key, s);
    } else if (
      f.rule === 'exchange.proxyshell' ||
      (f.rule === 'exchange.cmdlet' && /MailboxExport/i.test(ev(f, 'cmdlet')))
    ) {
      exports.push({ what: f.title, host: f.host ?? '', time: f.time ?? null });
    }
  }
  return { webShells: [...shells.values()], exports };
}

function Card(p: { title: string; count: number; children: ComponentChildren; empty: string }) {
  return (
    <section class={`card ${p.count ? 'hit' : ''}`} aria-label={p.title}>
      <h3>
        {p.title} <span class="count">{num(p.count)}</span>
      </h3>
      {p.count ? p.children : <p class="muted small">{p.empty}</p>}
    </section>
  );
}

export function ActivityCards(p: { activity: Activity; detail: OrgDetail | undefined }) {
  const a = p.activity;
  const campaigns = (p.detail?.campaigns ?? []).filter((c) => c.status !== 'false_positive');
  const victims = (p.detail?.victims ?? []).filter((v) => v.status !== 'false_positive');
  const ips = [...new Set((p.detail?.hosts ?? []).flatMap((h) => h.attackerIps))].sort();
  return (
    <div class="cards">
      <Card title="Web shells" count={a.webShells.length} empty="None found.">
        <ul>
          {a.webShells.map((s) => (
            <li key={s.path}>
              <span class="mono">{s.path}</span>
              <span class="muted small">
                {' '}
                {[s.how, s.hits ? `${num(s.hits)} requests` : '', s.first ? `first ${utc(s.first)}` : '']
                  .filter(Boolean)
                  .join(' · ')}
              </span>
            </li>
          ))}
        </ul>
      </Card>
      <Card title="Mailbox exports" count={a.exports.length} empty="None found.">
        <ul>
          {a.exports.map((x, i) => (
            <li key={i}>
              {x.what}
              <span class="muted small">
                {' '}
                {x.host} {utc(x.time)}
              </span>
            </li>
          ))}
        </ul>
      </Card>
      <Card title="Mail campaigns received" count={campaigns.length} empty="None recorded.">
        <ul>
          {campaigns.map((c) => (
            <li key={c.findingId}>
              <q>{c.subjects[0] ?? c.campaign}</q>
              {c.senders[0] && (
                <>
                  {' '}
                  from <span class="mono">{c.senders[0]}</span>
                </>
              )}
              <span class="muted small">
                {' '}
                {num(c.size)} messages · {c.action}
                {c.orgs > 1 ? ` · seen at ${num(c.orgs)} organisations` : ''} · {utc(c.firstSeen)}
              </span>
            </li>
          ))}
        </ul>
      </Card>
      <Card title="SUNBURST" count={victims.length} empty="No beacon decoded.">
        <ul>
          {victims.map((v) => (
            <li key={v.findingId}>
              <span class="mono">{v.domain || '(domain not recovered)'}</span>{' '}
              <span class="badge stage">stage: {v.stage || 'unknown'}</span>
              <span class="muted small">
                {' '}
                host {v.uid} · {utc(v.firstSeen)} – {utc(v.lastSeen)}
              </span>
            </li>
          ))}
        </ul>
      </Card>
      <Card title="Attacker addresses" count={ips.length} empty="None recorded.">
        <p class="mono wrap">{ips.join(' ')}</p>
      </Card>
    </div>
  );
}
