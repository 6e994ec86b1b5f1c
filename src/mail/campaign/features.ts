import type { Email } from 'postal-mime';
import { getDomain } from 'tldts';
import type { MailVerdict } from '../analyze.ts';
import { shingles, signature } from './minhash.ts';

/**
 * What ties copies of one campaign together, taken from one message (and its verdict): the ESP
 * account and campaign ids in its headers, the sending infrastructure, its links as templates
 * (after unwrapping trackers and rewriters, with per-recipient values dropped), its attachments'
 * hashes, and its subject and body as templates with recipient-specific parts removed. Plain
 * data, so worker threads can send it back.
 */
export interface CampaignFeatures {
  /** MinHash signature of the text template's shingles, link templates, attachments and sender domain. */
  readonly sig: readonly number[];
  /** Exact ties: two messages sharing one are the same campaign (ESP campaign ids, non-image attachments). */
  readonly keys: readonly string[];
  /** Everything that may be shared, `kind:value`, for the campaign's `shared` evidence. */
  readonly traits: readonly string[];
  readonly sender: string;
  readonly subject: string;
  readonly recipients: readonly string[];
  /** The first recipient's registered domain: the organisation when none is given. */
  readonly recipientOrg: string;
  /** ISO 8601 (the Date header, else the time the caller gives, e.g. IMAP INTERNALDATE). */
  readonly time?: string;
}

const MAX_BODY = 100_000;
const MAX_LINKS = 40;
const lc = (s: string | undefined | null) => (s ?? '').toLowerCase();
const reg = (host: string) => getDomain(host, { allowPrivateDomains: false }) ?? host;

/** Header names (lower case) whose value names an ESP campaign: an exact tie (with the sender's domain). */
const CAMPAIGN_HEADERS: Readonly<Record<string, string>> = {
  'x-roving-campaignid': 'ctct',
  'x-campaign-activity-id': 'ctct-activity',
  'x-campaignid': 'mailchimp',
  'x-mailchimp-campaign': 'mailchimp',
  'x-campaign': 'campaign',
  'feedback-id': 'feedback',
  'x-feedback-id': 'feedback',
};
/** Header names whose value names the sending account or list (shared by every mailing of it). */
const ACCOUNT_HEADERS: Readonly<Record<string, (v: string) => string>> = {
  'x-roving-id': (v) => `ctct:${v.split('.')[0]}`,
  'x-mc-user': (v) => `mailchimp:${v}`,
  'x-csa-complaints': (v) => `csa:${v}`,
  'list-id': (v) => `list:${angleBracketed(v) ?? v.slice(0, 200)}`,
};

/** The text between the first `<` and the `>` after it (at most 200 characters), without a regex. */
function angleBracketed(v: string): string | undefined {
  const a = v.indexOf('<');
  if (a < 0) return undefined;
  const b = v.indexOf('>', a + 1);
  if (b < 0 || b - a - 1 > 200 || b === a + 1) return undefined;
  return v.slice(a + 1, b);
}

/** A link as a template: host (digits folded), path with token-like segments folded, parameter names only. */
export function linkTemplate(url: string): string | undefined {
  let u: URL;
  try {
    u = new URL(url);
  } catch {
    return undefined;
  }
  const host = lc(u.hostname).replace(/\d+/g, '#');
  const path = u.pathname
    .split('/')
    .slice(0, 8)
    .map((seg) =>
      seg.length > 24 || (/\d/.test(seg) && /[a-z]/i.test(seg) && seg.length > 8) || /^\d+$/.test(seg)
        ? '*'
        : lc(seg).slice(0, 40),
    )
    .join('/');
  const params = [...new Set([...u.searchParams.keys()].map(lc))].sort().slice(0, 12).join('&');
  return `${host}${path}${params ? `?${params}` : ''}`;
}

/** Lower case, recipient names and addresses removed, URLs and e-mail addresses out, digits folded. */
export function templateWords(text: string, personal: readonly string[]): string[] {
  // Tokens holding an address are dropped whole (a split on whitespace stays linear, where an
  // address regex scanned from every position is not).
  const t = lc(text.slice(0, MAX_BODY))
    .replace(/\bhttps?:\/\/\S+/g, ' ')
    .split(/\s+/)
    .filter((w) => !w.includes('@'))
    .join(' ');
  const words = t
    .replace(/\d+/g, '#')
    .split(/[^\p{L}\p{N}#]+/u)
    .filter(Boolean);
  const drop = new Set(personal.filter((p) => p.length >= 2));
  return words.filter((w) => !drop.has(w));
}

function htmlText(html: string): string {
  return stripTags(dropElements(html.slice(0, MAX_BODY * 4), ['script', 'style']))
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&#?[a-z0-9]{1,8};/gi, ' ');
}

/** Removes `<name …>…</name>` elements by scanning forward once (no backtracking on hostile HTML). */
function dropElements(html: string, names: readonly string[]): string {
  const lower = html.toLowerCase();
  let out = '';
  let at = 0;
  for (;;) {
    let start = -1;
    let name = '';
    for (const n of names) {
      const i = lower.indexOf(`<${n}`, at);
      if (i >= 0 && (start < 0 || i < start)) [start, name] = [i, n];
    }
    if (start < 0) break;
    const end = lower.indexOf(`</${name}`, start + name.length + 1);
    out += html.slice(at, start) + ' ';
    if (end < 0) return out;
    const close = lower.indexOf('>', end);
    at = close < 0 ? html.length : close + 1;
  }
  return out + html.slice(at);
}

/** Every tag replaced by a space; an unclosed `<` and what follows it is dropped. */
function stripTags(html: string): string {
  let out = '';
  let at = 0;
  for (;;) {
    const open = html.indexOf('<', at);
    if (open < 0) return out + html.slice(at);
    out += html.slice(at, open) + ' ';
    const close = html.indexOf('>', open + 1);
    if (close < 0) return out;
    at = close + 1;
  }
}

/** The first Received hop's connecting IP: the sending infrastructure as the recipient's MX saw it. */
function sendingIp(email: Email | null): string | undefined {
  const rec = (email?.headers ?? []).find((h) => h.key === 'received')?.value ?? '';
  return /\[((?:\d{1,3}\.){3}\d{1,3}|[0-9a-f:]{3,39})\]/i.exec(rec)?.[1];
}

export function campaignFeatures(
  email: Email | null,
  v: MailVerdict,
  fallbackTime?: string,
): CampaignFeatures {
  const headers = email?.headers ?? [];
  const senderDomain = v.from.includes('@') ? lc(v.from.slice(v.from.lastIndexOf('@') + 1)) : '';
  const senderReg = senderDomain ? reg(senderDomain) : '';
  const keys = new Set<string>();
  const traits = new Set<string>();
  for (const h of headers.slice(0, 500)) {
    const val = h.value.trim().slice(0, 300);
    if (!val) continue;
    const c = CAMPAIGN_HEADERS[h.key];
    if (c) {
      keys.add(`esp-campaign:${c}:${val}|${senderReg}`);
      traits.add(`esp-campaign:${c}:${val}`);
    }
    const a = ACCOUNT_HEADERS[h.key];
    if (a) traits.add(`esp-account:${a(val)}`);
  }
  if (v.esp) traits.add(`esp:${v.esp}`);
  const ip = sendingIp(email);
  if (ip) traits.add(`infra:ip:${ip}`);
  const rp = returnPathDomain(headers.find((h) => h.key === 'return-path')?.value ?? '');
  if (rp) traits.add(`infra:return-path:${reg(lc(rp))}`);
  for (const h of headers.filter((x) => x.key === 'dkim-signature').slice(0, 5)) {
    const d = /\bd=\s*([^;\s]+)/i.exec(h.value)?.[1];
    if (d) traits.add(`infra:dkim:${lc(d)}`);
  }
  if (senderReg) traits.add(`sender-domain:${senderReg}`);

  const tokens = new Set<string>();
  for (const l of v.links.slice(0, MAX_LINKS)) {
    const t = linkTemplate(l.targets.length ? l.targets[l.targets.length - 1]! : l.url);
    if (!t) continue;
    traits.add(`link:${t}`);
    tokens.add(`L:${t}`);
  }
  for (const a of v.attachments.slice(0, 20)) {
    traits.add(`attachment:${a.sha256}`);
    tokens.add(`A:${a.sha256}`);
    // An image may be a logo every mailing of the agency carries (and a forger copies): no exact tie.
    if (!/^image\//i.test(a.mimeType) && !['png', 'jpeg', 'gif'].includes(a.type))
      keys.add(`attachment:${a.sha256}`);
  }
  if (senderReg) tokens.add(`S:${senderReg}`);

  // Recipient-specific words: the local parts and display names of the recipients.
  const personal: string[] = [];
  for (const r of v.to.slice(0, 20)) personal.push(...lc(r.split('@')[0]).split(/[^\p{L}\p{N}]+/u));
  for (const a of (email?.to ?? []).slice(0, 20))
    if ('name' in a && a.name) personal.push(...lc(a.name).split(/[^\p{L}\p{N}]+/u));
  const subjectWords = templateWords(v.subject, personal);
  const body = email ? `${email.text ?? ''} ${email.text ? '' : htmlText(email.html ?? '')}` : '';
  const bodyWords = templateWords(body, personal);
  const subjectTemplate = subjectWords.join(' ').slice(0, 200);
  if (subjectTemplate) traits.add(`subject:${subjectTemplate}`);
  if (bodyWords.length >= 5) traits.add(`body:${bodyWords.slice(0, 30).join(' ').slice(0, 160)}`);
  for (const w of subjectWords) tokens.add(`T:${w}`);
  shingles(bodyWords, tokens);

  const time = v.date && !Number.isNaN(Date.parse(v.date)) ? new Date(v.date).toISOString() : fallbackTime;
  const first = v.to[0] ?? '';
  return {
    sig: [...signature(tokens)],
    keys: [...keys],
    traits: [...traits].slice(0, 80),
    sender: v.from,
    subject: v.subject.slice(0, 200),
    recipients: v.to.slice(0, 50),
    recipientOrg: first.includes('@') ? reg(lc(first.slice(first.lastIndexOf('@') + 1))) : '',
    ...(time ? { time } : {}),
  };
}

/** The domain of a Return-Path value (`<user@example.org>`), read without a regex. */
function returnPathDomain(value: string): string | undefined {
  const v = value.trim().replace(/>$/, '');
  const at = v.lastIndexOf('@');
  if (at < 0) return undefined;
  const d = v.slice(at + 1);
  return d && !/[\s>]/.test(d) ? d : undefined;
}
