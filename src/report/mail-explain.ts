import pc from 'picocolors';
import type { MailVerdict } from '../mail/analyze.ts';

/**
 * `vigil mail explain`: one message's verdict walked through as text — who sent it and how it
 * authenticated, every signal with its weight and evidence, the caps that applied, the score and
 * the action it gives, then the links (with where they lead) and the attachments (with what they
 * hold).
 */
export function renderMailExplain(v: MailVerdict, name: string, opts: { color: boolean }): string {
  const b = (s: string) => (opts.color ? pc.bold(s) : s);
  const out: string[] = [];
  out.push(`${b('Message')}  ${name}`);
  out.push(
    `  From     ${v.fromName ? `${v.fromName} ` : ''}<${v.from}>`,
    `  To       ${v.to.join(', ')}`,
    `  Subject  ${v.subject}`,
    ...(v.date ? [`  Date     ${v.date}`] : []),
    ...(v.esp ? [`  Sent through ${v.esp} (a bulk-mail service)`] : []),
  );
  out.push('', `${b('Authentication')} (${v.auth.source})  ${authLine(v.auth)}`);
  out.push('', b('Signals'));
  if (!v.signals.length) out.push('  none');
  let total = 0;
  for (const s of v.signals) {
    total += s.weight;
    const weight = (s.weight >= 0 ? '+' : '') + s.weight.toFixed(1).padStart(4);
    out.push(`  ${weight}  ${s.name.padEnd(28)} ${s.description}`);
    for (const [k, val] of Object.entries(s.evidence))
      out.push(`          ${k}: ${typeof val === 'string' ? val : JSON.stringify(val)}`);
  }
  for (const c of v.capped)
    out.push(`  (the ${c.group} signals add up to ${c.sum}; they count at most ${c.max})`);
  const before = v.capped.length ? ` (${Math.round(total * 100) / 100} before the caps)` : '';
  out.push('', `${b('Score')}    ${v.score}${before} → ${b(v.action)}`);
  if (v.links.length) {
    out.push('', b(`Links (${v.links.length})`));
    for (const l of v.links.slice(0, 20)) out.push(`  ${linkLine(l)}`);
  }
  if (v.attachments.length) {
    out.push('', b('Attachments'));
    for (const a of v.attachments) {
      out.push(`  ${a.name || '(unnamed)'}  ${a.type}, ${a.size} bytes, sha256 ${a.sha256}`);
      for (const m of a.members ?? [])
        out.push(
          `    └ ${m.name}  ${m.type ?? ''} ${m.size} bytes${m.encrypted ? ' (encrypted)' : ''}` +
            `${m.sha256 ? ` sha256 ${m.sha256}` : ''}`,
        );
    }
  }
  return `${out.join('\n')}\n`;
}

function authLine(a: MailVerdict['auth']): string {
  const dkim = `DKIM ${a.dkim}${a.dkimDomains.length ? ` (${a.dkimDomains.join(', ')})` : ''}`;
  const dmarc = `DMARC ${a.dmarc}${a.dmarcPolicy ? ` (p=${a.dmarcPolicy})` : ''}`;
  return `SPF ${a.spf} · ${dkim} · ${dmarc} · ARC ${a.arc}`;
}

function linkLine(l: MailVerdict['links'][number]): string {
  const text = l.text ? `  [${l.text.slice(0, 40)}]` : '';
  const target = l.targets.length ? `  → ${l.targets[l.targets.length - 1]!.slice(0, 100)}` : '';
  const status = l.landingStatus ? ` (${l.landingStatus})` : '';
  const landing = l.landing ? `  ⇒ lands on ${l.landing.slice(0, 100)}${status}` : '';
  return `${l.url.slice(0, 120)}${text}${target}${landing}`;
}
