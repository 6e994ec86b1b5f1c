// "What has been done" at a glance: web shells, mailbox exports, mail campaigns, SUNBURST stage,
// attacker addresses — each read from the findings of the rules that name them.
import type { ComponentChildren } from 'preact';
import type { Finding } from '../api.ts';
import { num, utc } from '../format.ts';

export const WEB_SHELL_RULES = [
  'exchange.webshell.chopper',
  'exchange.webshell-access',
  'exchange.webserver-file',
];
export const EXPORT_RULES = ['exchange.cmdlet', 'exchange.proxyshell'];
export const ACTIVITY_RULES = [
  ...WEB_SHELL_RULES,
  ...EXPORT_RULES,
  'exchange.verdict',
  'exchange.build',
  'sunburst.victim',
  'mail.verdict',
] as const;

const str = (v: unknown) => (typeof v === 'string' ? v : v == null ? '' : String(v));
const ev = (f: Finding, k: string) => str(f.evidence?.[k]);

export interface Activity {
  webShells: { path: string; how: string; first: string | null; hits: number }[];
  exports: { what: string; host: string; time: string | null }[];
  campaigns: { subject: string; from: string; action: string; messages: number; first: string | null }[];
  victims: { domain: string; uid: string; stage: string; first: string; last: string }[];
  attackerIps: string[];
}

/** Distils the activity from findings (already filtered to ACTIVITY_RULES by the API). */
export function distil(findings: readonly Finding[]): Activity {
  const shells = new Map<string, Activity['webShells'][number]>();
  const exports: Activity['exports'] = [];
  const campaigns = new Map<string, Activity['campaigns'][number]>();
  const victims = new Map<string, Activity['victims'][number]>();
  const ips = new Set<string>();
  for (const f of findings) {
    switch (f.rule) {
      case 'exchange.webshell.chopper':
      case 'exchange.webshell-access':
      case 'exchange.webserver-file': {
        const path =
          f.rule === 'exchange.webshell-access'
            ? ev(f, 'url')
            : f.rule === 'exchange.webserver-file'
              ? ev(f, 'targetFilename')
              : (f.source?.path ?? ev(f, 'file'));
        if (!path) break;
        const key = path.toLowerCase().replaceAll('\\', '/').split('/').pop() ?? path;
        const s = shells.get(key) ?? { path, how: '', first: null, hits: 0 };
        if (f.rule === 'exchange.webshell-access') s.hits++;
        if (f.rule === 'exchange.webshell.chopper') s.how = `file on disk (parameter ${ev(f, 'parameter')})`;
        if (f.rule === 'exchange.webserver-file' && !s.how) s.how = 'written by the web server';
        if (f.time && (!s.first || f.time < s.first)) s.first = f.time;
        shells.set(key, s);
        break;
      }
      case 'exchange.cmdlet':
        if (/MailboxExport/i.test(ev(f, 'cmdlet'))) {
          exports.push({ what: f.title, host: f.host ?? '', time: f.time ?? null });
        }
        break;
      case 'exchange.proxyshell':
        exports.push({ what: f.title, host: f.host ?? '', time: f.time ?? null });
        break;
      case 'exchange.verdict': {
        const a = f.evidence?.['attackerIps'];
        if (Array.isArray(a)) for (const ip of a) ips.add(str(ip));
        break;
      }
      case 'sunburst.victim': {
        const uid = ev(f, 'uid');
        victims.set(uid || ev(f, 'domain'), {
          domain: ev(f, 'domain'),
          uid,
          stage: ev(f, 'stage'),
          first: ev(f, 'firstSeen'),
          last: ev(f, 'lastSeen'),
        });
        break;
      }
      case 'mail.verdict': {
        const action = ev(f, 'action');
        if (action !== 'reject' && action !== 'quarantine') break;
        const subject = ev(f, 'subject');
        const from = ev(f, 'from');
        const key = `${from}\n${subject}`;
        const c = campaigns.get(key) ?? { subject, from, action, messages: 0, first: null };
        c.messages++;
        if (action === 'reject') c.action = 'reject';
        if (f.time && (!c.first || f.time < c.first)) c.first = f.time;
        campaigns.set(key, c);
        break;
      }
    }
  }
  return {
    webShells: [...shells.values()],
    exports,
    campaigns: [...campaigns.values()].sort((a, b) => b.messages - a.messages),
    victims: [...victims.values()],
    attackerIps: [...ips].sort(),
  };
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

export function ActivityCards(p: { activity: Activity }) {
  const a = p.activity;
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
      <Card title="Malicious mail campaigns" count={a.campaigns.length} empty="None received.">
        <ul>
          {a.campaigns.map((c) => (
            <li key={`${c.from}\n${c.subject}`}>
              <q>{c.subject || '(no subject)'}</q> from <span class="mono">{c.from}</span>
              <span class="muted small">
                {' '}
                {num(c.messages)} messages · {c.action} · {utc(c.first)}
              </span>
            </li>
          ))}
        </ul>
      </Card>
      <Card title="SUNBURST" count={a.victims.length} empty="No beacon decoded.">
        <ul>
          {a.victims.map((v) => (
            <li key={v.uid || v.domain}>
              <span class="mono">{v.domain || '(domain not recovered)'}</span>{' '}
              <span class={`badge stage stage-${v.stage.replace(/[^a-z0-9]/gi, '')}`}>
                stage: {v.stage || 'unknown'}
              </span>
              <span class="muted small">
                {' '}
                host {v.uid} · {utc(v.first)} – {utc(v.last)}
              </span>
            </li>
          ))}
        </ul>
      </Card>
      <Card title="Attacker addresses" count={a.attackerIps.length} empty="None recorded.">
        <p class="mono wrap">{a.attackerIps.join(' ')}</p>
      </Card>
    </div>
  );
}
