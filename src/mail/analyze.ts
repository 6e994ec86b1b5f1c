import { createHash } from 'node:crypto';
import { domainToUnicode } from 'node:url';
import PostalMime, { type Email } from 'postal-mime';
import { getDomain, parse as parseHost } from 'tldts';
import type { EvidenceValue } from '../model/finding.ts';
import type { IntelIndex } from '../intel/index.ts';
import { PARSE_LIMITS } from './parse.ts';
import { actionFor, SignalSet, type Action, type Scoring, type Signal } from './signals.ts';
import {
  ESPS,
  FREE_HOSTING,
  FREEMAIL,
  PROTECTED,
  REDIRECTORS,
  SHORTENERS,
  THROWAWAY_HOSTING,
  type Esp,
  type Protected,
} from './lists.ts';
import {
  listFat,
  listIso,
  listZip,
  newBudget,
  oleHasMacros,
  readLnk,
  trueType,
  type Budget,
  type Member,
  type TrueType,
} from './containers.ts';
import { unwrap } from './urls.ts';
import { authenticateMessage, type AuthOptions, type AuthSummary } from './auth.ts';
import { resolveLink, type ResolveOptions } from './resolve.ts';
import { compile as compileRegex } from '../rules/safe-regex.ts';

/**
 * One message → one verdict: every check raises named signals with their evidence, the weights
 * in the scoring file add up to a score, the score picks an action. The message is parsed with
 * postal-mime under limits; if it breaks MIME, what can be read is still analysed and
 * MIME_MALFORMED says so.
 */
export interface LinkFact {
  readonly url: string;
  readonly host: string;
  readonly domain: string;
  readonly text?: string;
  readonly targets: readonly string[];
  landing?: string;
  landingStatus?: number;
}
export interface AttachmentFact {
  readonly name: string;
  readonly mimeType: string;
  readonly size: number;
  readonly type: TrueType;
  readonly sha256: string;
  readonly members?: readonly {
    name: string;
    size: number;
    type?: TrueType;
    sha256?: string;
    encrypted?: boolean;
  }[];
  readonly lnk?: Record<string, string>;
}

export interface MailVerdict {
  readonly messageId: string;
  readonly from: string;
  readonly fromName: string;
  readonly to: readonly string[];
  readonly subject: string;
  readonly date?: string;
  readonly score: number;
  readonly action: Action;
  /** Signal groups whose cap applied (their signals' weights add up to more than the group may count). */
  readonly capped: readonly { group: string; sum: number; max: number }[];
  readonly signals: readonly Signal[];
  readonly auth: AuthSummary;
  readonly esp?: string;
  readonly links: readonly LinkFact[];
  readonly attachments: readonly AttachmentFact[];
}

export interface AnalyzeOptions {
  readonly scoring: Scoring;
  readonly intel?: IntelIndex;
  readonly auth?: AuthOptions;
  /** Extra protected names (an organisation's own partners). */
  readonly protected?: readonly Protected[];
  /** Follow links online to where they land (`--resolve-links`); off by default. */
  readonly resolveLinks?: ResolveOptions & { readonly maxLinks?: number };
  /** YARA over attachments and container members: returns rule names that matched. */
  readonly yara?: (data: Uint8Array) => string[];
}

const MAX_LINKS = 200;
const MAX_TEXT = 512 * 1024;

const lc = (s: string | undefined | null) => (s ?? '').toLowerCase();
const regDomain = (host: string) => getDomain(host, { allowPrivateDomains: false }) ?? host;
const domainOf = (addr: string) => trimTail(lc(addr.slice(addr.lastIndexOf('@') + 1)), TAIL_ANGLE_SPACE);
const squash = (s: string) =>
  lc(s)
    .normalize('NFKD')
    .replace(/[^a-z0-9]/g, '');
/**
 * `s` without the characters `drop` accepts at its end. A loop, not `/[…]+$/`: V8 tries that
 * regex from every position of a long run that is not at the end, quadratic in the run
 * (our ReDoS audit, test/rules/regex-audit.test.ts).
 */
function trimTail(s: string, drop: (c: string) => boolean): string {
  let e = s.length;
  while (e > 0 && drop(s[e - 1]!)) e--;
  return e === s.length ? s : s.slice(0, e);
}
const TAIL_ANGLE_SPACE = (c: string) => c === '>' || c.trim() === '';
const TAIL_PUNCT = (c: string) => '.,;:!?'.includes(c);
const esc = (s: string) => s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');

// Short or common-word names match a display name only as the whole name or with a service word.
const AMBIGUOUS = new Set([
  'target',
  'orange',
  'chase',
  'visa',
  'otto',
  'dm',
  'ing',
  'steam',
  'meta',
  'teams',
  'outlook',
  'apple',
  'ledger',
  'ripple',
  'uber',
  'hermes',
  'who',
  'imf',
  'citi',
  'caixa',
  'irs',
  'fbi',
  'ups',
  'dpd',
  'amex',
  'aol',
  'zoom',
  'norton',
  'target',
  'costco',
  'ameli',
  'impots',
  'google',
  'amazon',
  'azure',
  'teams',
  'nato',
  'aws',
]);
const SERVICE_WORDS =
  '(?:team|support|service|services|security|account|accounts|customer(?: service| care| support)?|notification|notifications|alert|alerts|billing|help|helpdesk|admin|online|mail|no-?reply|rewards?|premium|prime|club|member(?:ship)?|store|pay|wallet|bank|kundenservice|suporte|atendimento|serviço|sécurité)';

function brandPatterns(
  list: readonly Protected[],
): { p: Protected; name: string; re: RegExp; token: string }[] {
  return list.flatMap((p) =>
    p.names.map((name) => {
      const e = esc(name).replace(/\s+/g, '\\s+');
      const re = AMBIGUOUS.has(name.toLowerCase())
        ? new RegExp(`^\\W*(?:${SERVICE_WORDS}\\s+)?${e}(?:\\s+${SERVICE_WORDS})*\\W*$|^\\W*${e}\\W*$`, 'iu')
        : new RegExp(`(?:^|[^\\p{L}\\p{N}])${e}(?:$|[^\\p{L}\\p{N}])`, 'iu');
      return { p, name, re, token: squash(name) };
    }),
  );
}

const CONFUSABLE: Record<string, string> = {
  '0': 'o',
  '1': 'l',
  '3': 'e',
  '5': 's',
  '7': 't',
  '@': 'a',
  $: 's',
  а: 'a',
  е: 'e',
  о: 'o',
  р: 'p',
  с: 'c',
  у: 'y',
  х: 'x',
  і: 'i',
  ј: 'j',
  ԁ: 'd',
  ɡ: 'g',
  ո: 'n',
  ս: 'u',
  ı: 'i',
  ł: 'l',
};
function skeleton(label: string): string {
  let s = label
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase();
  s = [...s].map((c) => CONFUSABLE[c] ?? c).join('');
  return s
    .replace(/rn/g, 'm')
    .replace(/vv/g, 'w')
    .replace(/cl/g, 'd')
    .replace(/[il]/g, 'l')
    .replace(/[^a-z0-9]/g, '');
}

function editDistance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    let best = i;
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
      best = Math.min(best, cur[j]!);
    }
    if (best > max) return max + 1;
    prev = cur;
  }
  return prev[b.length]!;
}

function decodeIdn(host: string): string {
  // node:url's domainToUnicode undoes punycode label by label.
  return host
    .split('.')
    .map((l) => (l.startsWith('xn--') ? domainToUnicodeLabel(l) : l))
    .join('.');
}
const domainToUnicodeLabel = (l: string) => domainToUnicode(l) || l;

function headerValues(email: Email | null, raw: string, name: string): string[] {
  if (email) return email.headers.filter((h) => h.key === name).map((h) => h.value);
  const re = new RegExp(`^${esc(name)}:[ \\t]*(.*(?:\\r?\\n[ \\t].*)*)`, 'gim');
  return [...raw.matchAll(re)].map((m) => m[1]!.replace(/\r?\n[ \t]+/g, ' ').trim());
}

// Linear-time engine (rules/safe-regex.ts): on V8 this is quadratic in a run of dots (header values are the sender's).
const ADDRESS = compileRegex("[A-Za-z0-9._%+'=-]+@[A-Za-z0-9.-]+\\.[A-Za-z]{2,}");
function addressesIn(v: string): string[] {
  return [...ADDRESS.matchAll(v)].map((m) => m[0].toLowerCase());
}

/** `html` without its script and style blocks: literal searches, linear however the blocks nest or fail to close. */
function dropScripts(html: string): string {
  const open = /<(script|style)/gi;
  let out = '';
  let from = 0;
  for (let m = open.exec(html); m; m = open.exec(html)) {
    const close = new RegExp(`</${m[1]}>`, 'gi');
    close.lastIndex = m.index + m[0].length;
    const c = close.exec(html);
    if (!c) break; // no later block closes either
    out += `${html.slice(from, m.index)} `;
    from = open.lastIndex = c.index + c[0].length;
  }
  return from === 0 ? html : out + html.slice(from);
}

function htmlToText(html: string): string {
  // `<[^<>]+>`, not `<[^>]+>`: the latter reads to the end from every `<` of a text without `>`.
  return dropScripts(html)
    .replace(/<[^<>]+>/g, ' ')
    .replace(/&nbsp;/gi, ' ')
    .replace(/&amp;/gi, '&')
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d) & 0xffff))
    .replace(/\s+/g, ' ');
}

const URL_TEXT = /\b(?:https?|hxxps?):\/\/[^\s"'<>()\\\]]{1,2048}|\bhttps?\[:\]\/\/[^\s"'<>]{1,2048}/gi;
const refang = (u: string) =>
  u
    .replace(/^hxxp/i, 'http')
    .replace(/\[:\]/g, ':')
    .replace(/\[\.\]|\(\.\)|\{\.\}/g, '.');

function decodeEntities(s: string): string {
  return s
    .replace(/&amp;/gi, '&')
    .replace(/&#x([0-9a-f]+);/gi, (_, h: string) => String.fromCharCode(parseInt(h, 16) & 0xffff))
    .replace(/&#(\d+);/g, (_, d: string) => String.fromCharCode(Number(d) & 0xffff))
    .replace(/&quot;/gi, '"');
}

/**
 * Anchors and meta refreshes tag by tag: `<a\b[^<>]*>` ends at the next `<`, so each part of the
 * HTML is read once, and the attribute patterns run on one tag. (As one V8 regex, as this was, a
 * tag that never closes made the search polynomial; on RE2JS, with its capture groups, 86 KB of
 * ordinary newsletter took 0.8 s.)
 */
function* anchors(html: string): Generator<{ href: string; text: string }> {
  for (const m of html.matchAll(/<a\b[^<>]*>/gi)) {
    const h = /\bhref\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/i.exec(m[0]);
    if (!h) continue;
    const from = m.index + m[0].length;
    // The text up to the nearest `</a>` within 2,000 characters (searched in that window only).
    const close = /<\/a\s*>/i.exec(html.slice(from, from + 2100));
    if (!close || close.index > 2000) continue;
    yield { href: h[1] ?? h[2] ?? h[3] ?? '', text: html.slice(from, from + close.index) };
  }
}

function* refreshTargets(html: string): Generator<string> {
  for (const m of html.matchAll(/http-equiv\s*=\s*["']?refresh["']?[^<>]*/gi)) {
    const u = /content\s*=\s*["'][^"']*url\s*=\s*([^"'>\s]+)/i.exec(m[0]);
    if (u) yield u[1]!;
  }
}

/** Hidden text: a div/span/p/td/font styled invisible, then 40+ characters before the next tag. */
function hiddenBlocks(html: string, max: number): { index: number; text: string }[] {
  const out: { index: number; text: string }[] = [];
  for (const m of html.matchAll(/<(?:div|span|p|td|font)\b[^<>]*>/gi)) {
    if (
      !/style\s*=\s*["'][^"']*(?:display\s*:\s*none|visibility\s*:\s*hidden|font-size\s*:\s*0(?:px|pt)?\s*[;"'])[^"']*["']/i.test(
        m[0],
      )
    )
      continue;
    const from = m.index + m[0].length;
    const end = html.indexOf('<', from);
    const text = html.slice(from, end < 0 ? html.length : end);
    if (text.length >= 40 && out.push({ index: m.index, text }) >= max) break;
  }
  return out;
}

/** Every link: anchors with their text, other href/src/action/meta-refresh/CSS url() targets, and URLs written in the text (defanged too). */
function collectLinks(text: string, html: string, htmlText: string): { url: string; text?: string }[] {
  const out = new Map<string, { url: string; text?: string }>();
  const full = () => out.size >= MAX_LINKS;
  const add = (u: string, t?: string) => {
    if (full()) return;
    const url = trimTail(refang(decodeEntities(u.trim())), TAIL_PUNCT);
    if (!/^(?:https?:|javascript:|data:)/i.test(url)) return;
    const prev = out.get(url);
    if (!prev) out.set(url, t ? { url, text: t } : { url });
    else if (t && !prev.text) out.set(url, { url, text: t });
  };
  for (const a of anchors(html))
    if (full()) break;
    else add(a.href, htmlToText(a.text).trim().slice(0, 300));
  for (const m of html.matchAll(
    /\b(?:href|src|action|background|data-href)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s>]+))/gi,
  ))
    if (full()) break;
    else add(m[1] ?? m[2] ?? m[3] ?? '');
  for (const u of refreshTargets(html)) add(u);
  for (const m of html.matchAll(/url\(\s*["']?(https?:[^"')\s]+)/gi)) add(m[1]!);
  for (const src of [text, htmlText])
    for (const m of src.matchAll(URL_TEXT))
      if (full()) break;
      else add(m[0]);
  return [...out.values()];
}

const CTA =
  /^\W*(?:verify|confirm|log ?in|sign ?in|update|unlock|validate|reactivate|restore|review|claim|redeem|access|open|view|download|get started|check|continue|pay now|secure|click here|here|jetzt|anmelden|bestätigen|aktualisieren|verificar|confirmar|acessar|entrar|vérifier|confirmer|connexion|accéder)\b/i;
// Patterns over text the sender wrote, rewritten where V8 would backtrack polynomially (the
// ReDoS audit in test/rules/regex-audit.test.ts): loops over tokens, or the linear-time engine.

/** The domain of a Message-ID: after the first `@` of its last run without `>` or space (`<x@host>`). */
function messageIdDomain(v: string): string | undefined {
  let s = v.trimEnd();
  if (s.endsWith('>')) s = s.slice(0, -1);
  let i = s.length;
  while (i > 0 && s[i - 1] !== '>' && s[i - 1]!.trim() !== '') i--;
  const run = s.slice(i);
  const at = run.indexOf('@');
  return at >= 0 && at < run.length - 1 ? run.slice(at + 1) : undefined;
}

/** A run of 3+ letters mixing Latin with Cyrillic or Greek (Wallеt Suspеnded), as an exec result. */
function mixedScriptWord(text: string): RegExpExecArray | null {
  for (const m of text.matchAll(/\p{L}{3,}/gu))
    if (/\p{Script=Latin}/u.test(m[0]) && /[\p{Script=Cyrillic}\p{Script=Greek}]/u.test(m[0])) return m;
  return null;
}

const GLUED = compileRegex('\\b[A-Za-z0-9.]+__[A-Za-z0-9.]+__[A-Za-z0-9.]+');

/** A token of 10+ letters and digits with lower case, upper case and a digit, after a space, `:`, `#` or `-`. */
function hasRandomToken(text: string): boolean {
  for (const m of text.matchAll(/[A-Za-z0-9]{10,}/g)) {
    const before = m.index === 0 ? '' : text[m.index - 1]!;
    const after = text[m.index + m[0].length];
    if (before !== '' && !/[\s:#-]/.test(before)) continue;
    if (after !== undefined && /\w/.test(after)) continue;
    if (/[a-z]/.test(m[0]) && /[A-Z]/.test(m[0]) && /\d/.test(m[0])) return true;
  }
  return false;
}

const PASSWORD_IN_TEXT = compileRegex(
  '\\b(?:password|passwort|kennwort|senha|mot de passe|contraseña|pwd|pass)\\b\\s*[:=-]?\\s*\\S{3,32}',
  'i',
);

const LURE = {
  credentials:
    /\b(?:verify your (?:account|identity|email)|confirm your (?:account|identity|email|password)|unusual (?:sign-?in|activity|login)|password (?:expires?|expired|reset)|account (?:has been |will be )?(?:suspended|locked|disabled|limited|closed)|mailbox (?:is )?(?:full|quota)|storage (?:is )?full|security alert|sign-?in attempt|re-?activate|suspicious (?:login|sign-?in|access)|acesso suspeito|acceso sospechoso|accès suspect|verdächtige anmeldung|konto (?:gesperrt|eingeschränkt)|passwort|conta (?:bloqueada|suspensa)|senha|mot de passe|compte (?:suspendu|bloqué)|contraseña|cuenta (?:bloqueada|suspendida))\b/iu,
  reward:
    /\b(?:congratulations|you(?:'ve| have) (?:won|been selected)|reward|prize|gift ?card|free gift|claim your|winner|voucher|bonus|cashback|gewinnen|gewinnspiel|gutschein|geschenk|prêmio|premio|brinde|parabéns|cadeau|gagnant|félicitations|regalo)\b/iu,
  delivery:
    /\b(?:parcel|package|shipment|delivery (?:failed|attempt|pending)|customs fee|invoice|payment (?:due|failed|declined|overdue)|overdue|refund|outstanding balance|paket|sendung|zahlung|rechnung|pedido|encomenda|fatura|boleto|colis|facture|livraison|remboursement|paquete|factura)\b/iu,
  crypto:
    /\b(?:bitcoin|btc|crypto(?:currency)?|airdrop|wallet (?:suspended|verification|connect)|seed phrase|recovery phrase|usdt|ethereum|eth tokens?|claim (?:your )?tokens?|mining balance)\b/iu,
  documents:
    /\b(?:view (?:the )?documents?|download (?:the )?(?:documents?|files?|report)|(?:shared|sent you) (?:a )?(?:file|document)|secure (?:document|message)|documents? (?:is |are )?(?:attached|available|published)|declassified|dokument(?:e)? (?:ansehen|herunterladen)|ver documentos?|voir (?:le|les) documents?)\b/iu,
  subscription:
    /\b(?:subscription (?:has )?(?:expired|ended|will expire)|renew (?:your|now)|auto-?renewal|abonnement (?:ist )?(?:abgelaufen|läuft ab)|verlängern sie|erneuern sie|assinatura (?:expirou|vencida)|votre abonnement|survey|umfrage|pesquisa|enquête|your opinion|ihre meinung)\b/iu,
  urgency:
    /\b(?:urgent|immediately|final (?:notice|reminder|warning)|last (?:notice|reminder|chance)|within 24 hours|expires? (?:today|soon)|action required|act now|letzte (?:erinnerung|mahnung)|sofort|dringend|último aviso|urgente|dernier rappel|immédiatement)\b/iu,
};

/** Protected names whose owners are known, by name. */
function ownedBy(p: Protected, domain: string): boolean {
  if (p.domains.includes(domain)) return true;
  const label = squash(domain.split('.')[0] ?? '');
  return p.names.some((n) => squash(n).length >= 4 && label.includes(squash(n)));
}

/** `parsed`: the message already parsed by another detector of the scan (one MIME parse per message). */
export async function analyzeMessage(
  raw: Uint8Array,
  opts: AnalyzeOptions,
  parsed?: Promise<Email>,
): Promise<MailVerdict> {
  const s = new SignalSet(opts.scoring);
  const rawText = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  let email: Email | null = null;
  try {
    email = await (parsed ?? PostalMime.parse(raw, PARSE_LIMITS));
  } catch (e) {
    s.raise('MIME_MALFORMED', { reason: String((e as Error).message).slice(0, 200) });
  }
  const header = (n: string) => headerValues(email, rawText, n);
  const fromHeader = header('from')[0] ?? '';
  const from =
    email?.from && 'address' in email.from && email.from.address
      ? lc(email.from.address)
      : (addressesIn(fromHeader)[0] ?? '');
  const fromName = (
    email?.from && 'name' in email.from
      ? email.from.name
      : fromHeader.replace(/<[^<>]*>/, '').replace(/"/g, '')
  ).trim();
  const fromDomain = from.includes('@') ? domainOf(from) : '';
  const fromReg = fromDomain ? regDomain(fromDomain) : '';
  // Recipients as written (honeypots and internal mail use addresses without a dot-TLD).
  const listed = (a: Email['to']) =>
    (a ?? [])
      .flatMap((x) => ('group' in x && x.group ? x.group : [x]))
      .map((x) => lc((x as { address?: string }).address))
      .filter((x) => x.includes('@'));
  const to = [
    ...new Set(
      [
        ...listed(email?.to),
        ...listed(email?.cc),
        ...header('delivered-to').map(lc),
        ...(email ? [] : [...header('to'), ...header('cc')].flatMap(addressesIn)),
      ].filter(Boolean),
    ),
  ];
  const isList =
    header('list-id').length > 0 ||
    header('list-post').length > 0 ||
    header('mailing-list').length > 0 ||
    /^list$|^bulk$/i.test(header('precedence')[0] ?? '');
  const subject = email?.subject ?? header('subject')[0] ?? '';
  const html = (email?.html ?? '').slice(0, MAX_TEXT);
  const text = (email?.text ?? (email ? '' : rawText.slice(rawText.search(/\r?\n\r?\n/) + 1))).slice(
    0,
    MAX_TEXT,
  );
  const htmlText = htmlToText(html);
  const plain = `${text} ${htmlText}`.slice(0, MAX_TEXT);
  const ev = (o: Record<string, EvidenceValue>) => o;
  const protectedList = [...PROTECTED, ...(opts.protected ?? [])];

  if (email && !email.from) s.raise('MIME_MALFORMED', { reason: 'no From header' });
  if (!from || !/^[a-z0-9.-]+\.[a-z]{2,}$/i.test(fromDomain))
    s.raise('FROM_ADDRESS_MALFORMED', ev({ from: fromHeader.slice(0, 200) }));

  // --- Sender identity -------------------------------------------------------------------------
  const brands = brandPatterns(protectedList);
  const worn = fromName ? brands.filter((b) => b.re.test(fromName)) : [];
  const free = FREEMAIL.has(fromReg);
  for (const b of worn) {
    if (b.p.domains.length === 0) {
      // A generic role ("IT Helpdesk", "Mail Administrator"): a mismatch only from outside the recipient's organisation.
      if (fromReg && !to.some((t) => regDomain(domainOf(t)) === fromReg))
        s.raise('FROM_BRAND_MISMATCH', ev({ displayName: fromName, wears: b.name, fromDomain }));
      continue;
    }
    if (fromReg && ownedBy(b.p, fromReg)) continue;
    // A bulk-mail service writing in its customer's name from its own domain (usaid@public.govdelivery.com).
    if (ESPS.some((e) => e.domains.some((d) => fromReg === d || fromReg.endsWith(`.${d}`)))) continue;
    s.raise(
      'FROM_BRAND_MISMATCH',
      ev({ displayName: fromName, wears: b.name, fromDomain, brandDomains: [...b.p.domains] }),
    );
    if (free) s.raise('FROM_BRAND_FREEMAIL', ev({ fromDomain }));
    break;
  }
  if (fromReg) {
    const label = fromReg.split('.')[0] ?? '';
    const uni = decodeIdn(fromDomain);
    if (fromDomain.includes('xn--')) s.raise('FROM_PUNYCODE', ev({ fromDomain, unicode: uni }));
    const sk = skeleton(decodeIdn(label));
    for (const p of protectedList) {
      if (ownedBy(p, fromReg)) continue;
      const hit = p.domains.find((d) => {
        const dl = d.split('.')[0] ?? '';
        if (dl.length < 4) return false;
        const ds = skeleton(dl);
        const parts = decodeIdn(label)
          .split('-')
          .filter((x) => x.length >= 4)
          .map(skeleton);
        return (
          (sk === ds && label !== dl) ||
          (dl.length >= 6 && editDistance(label, dl, 1) === 1) ||
          (dl.length >= 10 && editDistance(label, dl, 2) <= 2) ||
          (dl.length >= 5 && parts.length > 1 && parts.includes(ds))
        );
      });
      if (hit) {
        s.raise('FROM_LOOKALIKE_DOMAIN', ev({ fromDomain, resembles: hit }));
        break;
      }
    }
  }
  if (fromDomain && ABUSED_TLD.test(fromDomain)) s.raise('FROM_ABUSED_TLD', ev({ fromDomain }));
  if (/\.onmicrosoft\.com$|\.azurewebsites\.net$|\.mail\.onmicrosoft\.com$/.test(fromDomain))
    s.raise('FROM_TENANT_DOMAIN', ev({ fromDomain }));
  const local = from.split('@')[0] ?? '';
  const firstLabel = fromDomain.split('.').slice(-2)[0] ?? '';
  if (randomLooking(local, 4) || randomLooking(firstLabel)) s.raise('FROM_RANDOM_LOOKING', ev({ from }));
  const nameAddr = addressesIn(fromName).find((a) => a !== from);
  if (nameAddr && regDomain(domainOf(nameAddr)) !== fromReg)
    s.raise('FROM_NAME_HAS_ADDRESS', ev({ displayName: fromName, from }));
  const replyTo = addressesIn(header('reply-to')[0] ?? '')[0];
  if (replyTo && fromReg && !isList) {
    const rreg = regDomain(domainOf(replyTo));
    if (rreg !== fromReg) {
      // Lists and ESPs answer through their own domains; a free mailbox for replies is the tell.
      if (FREEMAIL.has(rreg) && !free) {
        s.raise('REPLYTO_DIVERGES', ev({ replyTo, from }));
        s.raise('REPLYTO_FREEMAIL', ev({ replyTo }));
      } else if (worn.length) s.raise('REPLYTO_DIVERGES', ev({ replyTo, from }));
    }
  }

  if (opts.intel && from) {
    const m = opts.intel.email(from);
    if (m.length)
      s.raise('FROM_IOC', ev({ from, indicator: m[0]!.indicator.raw, feed: m[0]!.indicator.feed }));
  }

  // --- Bulk-mail service -----------------------------------------------------------------------
  const returnPath = addressesIn(header('return-path')[0] ?? '')[0] ?? '';
  const dkimDomains = header('dkim-signature')
    .map((v) => lc(/\bd=\s*([^;\s]+)/i.exec(v)?.[1]))
    .filter(Boolean);
  const msgIdDomain = lc(messageIdDomain(header('message-id')[0] ?? ''));
  const esp = detectEsp(email, rawText, [domainOf(returnPath), msgIdDomain, ...dkimDomains]);

  // The From organisation nowhere on the path: not in Return-Path, Message-ID, DKIM or any Received host.
  if (fromReg && !free) {
    const hops = header('received').flatMap((r) =>
      [...r.matchAll(/\b(?:from|by)\s+([a-z0-9.-]+\.[a-z]{2,})/gi)].map((m) => lc(m[1])),
    );
    const path = [domainOf(returnPath), msgIdDomain, ...dkimDomains, ...hops].filter(Boolean).map(regDomain);
    if (path.length && !path.includes(fromReg) && !esp)
      s.raise(
        'FROM_DOMAIN_NOT_ON_PATH',
        ev({ fromDomain: fromReg, returnPath, messageIdDomain: msgIdDomain, dkimDomains }),
      );
  }
  // Words broken with invisible characters or written in mathematical letters, to slip past filters.
  const obf =
    /[\p{L}\p{N}][\u200b-\u200d\u2060-\u2064\u00ad\ufeff]+[\p{L}\p{N}]|[\u{1d400}-\u{1d7ff}]{3}/u.exec(
      subject,
    ) ??
    /[\p{L}][\u200b-\u200d\u2060-\u2064\ufeff]+[\p{L}].{0,40}[\p{L}][\u200b-\u200d\u2060-\u2064\ufeff]+[\p{L}]/u.exec(
      plain.slice(0, 5000),
    );
  // Latin words with Cyrillic or Greek letters inside (Wallеt Suspеnded), or words__glued__by__underscores.
  const mixed = mixedScriptWord(subject) ?? GLUED.exec(subject);
  if (obf || mixed)
    s.raise(
      'TEXT_OBFUSCATED',
      ev({
        sample: JSON.stringify((obf ?? mixed)![0])
          .slice(1, -1)
          .slice(0, 80),
      }),
    );
  if (hasRandomToken(subject)) s.raise('SUBJECT_RANDOM_TOKEN', ev({ subject: subject.slice(0, 120) }));

  // --- Authentication ----------------------------------------------------------------------------
  const auth = await authenticateMessage(raw, header('authentication-results'), opts.auth ?? {});
  if (auth.dmarc === 'fail')
    s.raise(
      'AUTH_DMARC_FAIL',
      ev({ source: auth.source, ...(auth.dmarcPolicy ? { policy: auth.dmarcPolicy } : {}) }),
    );
  if (auth.dkim === 'fail') s.raise('AUTH_DKIM_FAIL', ev({ source: auth.source }));
  if (auth.spf === 'fail') s.raise('AUTH_SPF_FAIL', ev({ source: auth.source }));
  else if (auth.spf === 'softfail') s.raise('AUTH_SPF_SOFTFAIL', ev({ source: auth.source }));
  if (auth.dkim === 'pass' || auth.spf === 'pass' || auth.dmarc === 'pass')
    s.raise(
      'AUTH_PASS',
      ev({
        spf: auth.spf,
        dkim: auth.dkim,
        dmarc: auth.dmarc,
        source: auth.source,
        note: "recorded, not trusted: NOBELIUM's mail passed SPF and DKIM",
      }),
    );

  const highValue =
    fromReg &&
    (protectedList.some(
      (p) => p.highValue && p.domains.some((d) => fromReg === d || fromDomain.endsWith(`.${d}`)),
    ) ||
      /\.(gov|mil|int)$|\.gov\.[a-z]{2}$|\.gouv\.fr$|europa\.eu$/.test(fromDomain));
  if (esp && highValue) {
    const aligned =
      dkimDomains.some((d) => d === fromReg || d.endsWith(`.${fromReg}`)) && auth.dkim !== 'fail';
    if (!aligned || auth.dmarc === 'fail')
      s.raise(
        'ESP_HIGH_VALUE_SENDER',
        ev({ from, esp: esp.name, dkimDomains, returnPath, dmarc: auth.dmarc }),
      );
  }

  // --- Links -----------------------------------------------------------------------------------
  const links: LinkFact[] = [];
  const recipients = to.filter((t) => t.length >= 6);
  const recipientB64 = recipients.flatMap((r) => [
    trimTail(Buffer.from(r).toString('base64'), (c) => c === '='),
    Buffer.from(r).toString('base64url'),
  ]);
  // The sender's own infrastructure: its domain, its ESP, and the domains its unsubscribe links, bounces and signatures use.
  const infra = new Set(
    [
      fromReg,
      regDomain(domainOf(returnPath)),
      ...dkimDomains.map(regDomain),
      ...header('list-unsubscribe').flatMap((v) =>
        [...v.matchAll(/<https?:\/\/([^/>:]+)/gi)].map((m) => regDomain(lc(m[1]))),
      ),
    ].filter(Boolean),
  );
  const related = (reg: string) =>
    infra.has(reg) || (!!esp && esp.domains.some((d) => reg === d || reg.endsWith(`.${d}`)));
  for (const l of collectLinks(text, html, htmlText)) {
    if (/^(?:javascript|data):/i.test(l.url)) {
      s.raise('URL_SCRIPT_SCHEME', ev({ url: l.url.slice(0, 200) }));
      continue;
    }
    let u: URL;
    try {
      u = new URL(l.url);
    } catch {
      continue;
    }
    const host = lc(u.hostname).replace(/^\[|\]$/g, '');
    const info = parseHost(host);
    const reg = info.domain ?? host;
    const targets = unwrap(l.url).slice(1);
    links.push({
      url: l.url.slice(0, 2048),
      host,
      domain: reg,
      ...(l.text ? { text: l.text } : {}),
      targets,
    });
    const lower = lc(decodeURIComponentSafe(l.url));
    if (info.isIp) s.raise('URL_IP_LITERAL', ev({ url: l.url.slice(0, 300) }));
    if (u.port && !['80', '443'].includes(u.port))
      s.raise('URL_UNCOMMON_PORT', ev({ url: l.url.slice(0, 300) }));
    if (SHORTENERS.has(host) || SHORTENERS.has(reg))
      s.raise('URL_SHORTENER', ev({ url: l.url.slice(0, 300) }));
    const onHost = (f: string) =>
      host === f || host.endsWith(`.${f}`) || `${host}${u.pathname}`.startsWith(f);
    if (THROWAWAY_HOSTING.some(onHost))
      s.raise('URL_THROWAWAY_HOSTING', ev({ url: l.url.slice(0, 300), host }));
    else if (FREE_HOSTING.some(onHost)) s.raise('URL_FREE_HOSTING', ev({ url: l.url.slice(0, 300), host }));
    // Unsubscribe and preference links carry the address legitimately.
    if (
      !/unsub|opt-?out|remove|preferences|manage|abmelden|desinscri|descadastr/i.test(lower) &&
      (recipients.some((r) => lower.includes(r)) ||
        recipientB64.some((b) => b.length >= 8 && l.url.includes(b)))
    )
      s.raise('URL_RECIPIENT_IN_URL', ev({ url: l.url.slice(0, 300) }));
    if (ABUSED_TLD.test(host)) s.raise('URL_ABUSED_TLD', ev({ host }));
    // Per-victim tokens on an unrelated site (an ESP's own tracker is related and excluded).
    if (
      !related(reg) &&
      !REDIRECTORS.has(host) &&
      !REDIRECTORS.has(reg) &&
      /\/[A-Za-z0-9_-]{30,}/.test(u.pathname) &&
      /[a-z]/.test(u.pathname) &&
      /[A-Z]/.test(u.pathname) &&
      /\d/.test(u.pathname)
    )
      s.raise('URL_TOKEN_PATH', ev({ url: l.url.slice(0, 300) }));
    const wrapper =
      /safelinks\.protection\.outlook\.com$|urldefense(\.proofpoint)?\.com$|mimecast\.com$/.test(host);
    for (const t of targets) {
      let th: string;
      try {
        th = lc(new URL(t).hostname);
      } catch {
        continue;
      }
      if (!wrapper && regDomain(th) !== reg && !related(reg))
        s.raise('URL_OPEN_REDIRECT', ev({ url: l.url.slice(0, 300), target: t.slice(0, 300) }));
    }
    // A protected name in the host name of a site that is not theirs.
    const hostSquash = squash(info.subdomain ?? '') + ' ' + squash(info.domainWithoutSuffix ?? '');
    for (const b of brands) {
      if (b.token.length < 5 || AMBIGUOUS.has(b.name.toLowerCase()) || b.p.domains.length === 0) continue;
      if (hostSquash.includes(b.token) && !ownedBy(b.p, reg)) {
        s.raise('URL_BRAND_ON_FOREIGN_DOMAIN', ev({ url: l.url.slice(0, 300), brand: b.name, domain: reg }));
        break;
      }
    }
    const finalReg = targets.length ? regDomain(lc(safeHost(targets[targets.length - 1]!))) : reg;
    if (l.text) {
      const shown = /^(?:https?:\/\/)?((?:[a-z0-9-]+\.)+[a-z]{2,})(?:[/:?#]\S*)?$/i.exec(l.text.trim());
      const tracked = REDIRECTORS.has(host) || REDIRECTORS.has(reg) || related(reg);
      if (shown && !tracked && regDomain(lc(shown[1]!)) !== finalReg && regDomain(lc(shown[1]!)) !== reg)
        s.raise('URL_ANCHOR_MISMATCH', ev({ text: l.text.slice(0, 200), href: l.url.slice(0, 300) }));
      if (CTA.test(l.text) && fromReg && !related(reg) && !related(finalReg) && !REDIRECTORS.has(host))
        s.raise(
          'URL_FOREIGN_CTA',
          ev({ text: l.text.slice(0, 100), href: l.url.slice(0, 300), fromDomain: fromReg }),
        );
    }
    if (opts.intel) {
      for (const target of [l.url, ...targets]) {
        const m = opts.intel.url(target);
        if (m.length) {
          s.raise(
            'URL_IOC',
            ev({ url: target.slice(0, 300), indicator: m[0]!.indicator.raw, feed: m[0]!.indicator.feed }),
          );
          break;
        }
      }
    }
  }
  // A body that is a picture and a link: nothing for a filter (or a reader) to weigh but the click.
  if (
    html &&
    links.length > 0 &&
    htmlText.replace(/\s+/g, '').length < 60 &&
    /<img\b/i.test(html) &&
    !text.trim()
  )
    s.raise('BODY_IMAGE_ONLY', ev({ links: links.length }));
  // Online, when asked: where tracked and shortened links (then the others) really land.
  if (opts.resolveLinks && links.length) {
    const ranked = [...links].sort(
      (a, b) =>
        Number(!(REDIRECTORS.has(a.host) || REDIRECTORS.has(a.domain) || SHORTENERS.has(a.host))) -
        Number(!(REDIRECTORS.has(b.host) || REDIRECTORS.has(b.domain) || SHORTENERS.has(b.host))),
    );
    for (const l of ranked.slice(0, opts.resolveLinks.maxLinks ?? 5)) {
      const r = await resolveLink(l.url, opts.resolveLinks);
      if (r.url === l.url) continue;
      l.landing = r.url;
      if (r.status !== undefined) l.landingStatus = r.status;
      let lu: URL;
      try {
        lu = new URL(r.url);
      } catch {
        continue;
      }
      const lh = lc(lu.hostname);
      const linfo = parseHost(lh);
      const lreg = linfo.domain ?? lh;
      const e = ev({ link: l.url.slice(0, 300), landing: r.url.slice(0, 300), hops: r.chain.length - 1 });
      if (opts.intel) {
        const m = opts.intel.url(r.url);
        if (m.length)
          s.raise('URL_IOC', { ...e, indicator: m[0]!.indicator.raw, feed: m[0]!.indicator.feed });
      }
      if (linfo.isIp) s.raise('URL_IP_LITERAL', e);
      if (THROWAWAY_HOSTING.some((f) => lh === f || lh.endsWith(`.${f}`)))
        s.raise('URL_THROWAWAY_HOSTING', e);
      if (recipients.some((x) => lc(decodeURIComponentSafe(r.url)).includes(x)))
        s.raise('URL_RECIPIENT_IN_URL', e);
      const lsq = `${squash(linfo.subdomain ?? '')} ${squash(linfo.domainWithoutSuffix ?? '')}`;
      const worn2 = brands.find(
        (b) =>
          b.token.length >= 5 &&
          !AMBIGUOUS.has(b.name.toLowerCase()) &&
          b.p.domains.length &&
          lsq.includes(b.token) &&
          !ownedBy(b.p, lreg),
      );
      if (worn2) s.raise('URL_BRAND_ON_FOREIGN_DOMAIN', { ...e, brand: worn2.name });
      if (
        /x-iso9660|x-cd-image|x-raw-disk-image|vhd/i.test(r.contentType ?? '') ||
        /\.(?:iso|img|vhdx?)(?:$|\?)/i.test(lu.pathname)
      )
        s.raise('URL_SERVES_DISK_IMAGE', { ...e, contentType: r.contentType ?? '' });
    }
  }
  // `[^<>]`, not `[^>]`: each try then stops at the next tag instead of reading to the end.
  if (/<form\b/i.test(html) && /<input\b[^<>]*type\s*=\s*["']?password/i.test(html))
    s.raise(
      'HTML_FORM_PASSWORD',
      ev({ action: /<form\b[^<>]*\baction\s*=\s*["']?([^"'\s<>]+)/i.exec(html)?.[1]?.slice(0, 300) ?? '' }),
    );
  else if (/<form\b/i.test(html))
    s.raise(
      'HTML_FORM',
      ev({ action: /<form\b[^<>]*\baction\s*=\s*["']?([^"'\s<>]+)/i.exec(html)?.[1]?.slice(0, 300) ?? '' }),
    );
  // Hidden text — except one block at the top: the "preheader" every newsletter hides there for the inbox preview.
  const hiddenAll = hiddenBlocks(html, 20);
  const bodyStart = Math.max(0, html.search(/<body\b/i));
  const hidden = hiddenAll.length > 1 ? hiddenAll[1] : hiddenAll.find((m) => m.index - bodyStart > 3000);
  if (hidden)
    s.raise('HTML_HIDDEN_TEXT', ev({ text: hidden.text.trim().slice(0, 120), blocks: hiddenAll.length }));

  // --- The lure --------------------------------------------------------------------------------
  const lureText = `${subject}\n${plain.slice(0, 20000)}`;
  for (const [k, re] of Object.entries(LURE)) {
    const m = re.exec(lureText);
    if (m)
      s.raise(
        {
          credentials: 'LURE_CREDENTIALS',
          reward: 'LURE_REWARD',
          delivery: 'LURE_DELIVERY_PAYMENT',
          urgency: 'LURE_URGENCY',
          subscription: 'LURE_SUBSCRIPTION_SURVEY',
          documents: 'LURE_DOCUMENTS',
          crypto: 'LURE_CRYPTO',
        }[k]!,
        ev({ words: m[0] }),
      );
  }
  if (recipients.some((r) => lc(subject).includes(r)))
    s.raise('SUBJECT_HAS_RECIPIENT', ev({ subject: subject.slice(0, 200) }));

  // --- Attachments -----------------------------------------------------------------------------
  const attachments: AttachmentFact[] = [];
  const budget = newBudget();
  for (const a of email?.attachments ?? []) {
    const content =
      typeof a.content === 'string' ? Buffer.from(a.content, 'utf8') : new Uint8Array(a.content);
    attachments.push(analyzeAttachment(a.filename ?? '', a.mimeType, content, plain, s, opts, 0, budget));
  }

  const score = s.score;
  const verdict: MailVerdict = {
    messageId: email?.messageId ?? header('message-id')[0] ?? '',
    from,
    fromName,
    to,
    subject,
    ...(email?.date ? { date: email.date } : {}),
    score,
    action: actionFor(score, opts.scoring),
    capped: s.capped,
    signals: s.signals.sort((a, b) => b.weight - a.weight),
    auth,
    ...(esp ? { esp: esp.name } : {}),
    links: links.slice(0, 50),
    attachments,
  };
  return verdict;
}

// The top-level domains most abused for phishing and spam (Spamhaus, Interisle reports), all of them new gTLDs.
const ABUSED_TLD =
  /\.(?:top|xyz|click|cfd|sbs|icu|buzz|rest|monster|quest|cyou|bond|beauty|hair|makeup|skin|lol|mom|zip|mov|pw|tk|ml|ga|cf|gq|cam|loan|men|bid|win|date|racing|review|stream|download|accountant|science|party|trade|webcam|country|kim|gdn)$/i;

/** A machine-made name: letters and digits alternating three times or more (eqbfet2k81, lrnpd0axu1), or six consonants in a row. */
function randomLooking(s: string, minTransitions = 3): boolean {
  const x = s.toLowerCase();
  if (x.length < 6 || !/^[a-z0-9]+$/.test(x)) return false;
  let t = 0;
  for (let i = 1; i < x.length; i++) if (/\d/.test(x[i]!) !== /\d/.test(x[i - 1]!)) t++;
  return t >= minTransitions || /[bcdfghjklmnpqrstvwxz]{6,}/.test(x);
}

function safeHost(u: string): string {
  try {
    return new URL(u).hostname;
  } catch {
    return '';
  }
}
function decodeURIComponentSafe(u: string): string {
  try {
    return decodeURIComponent(u);
  } catch {
    return u;
  }
}

function detectEsp(email: Email | null, raw: string, domains: readonly string[]): Esp | undefined {
  const names = new Set((email?.headers ?? []).map((h) => h.key));
  if (!email)
    for (const m of raw.slice(0, 65536).matchAll(/^([A-Za-z0-9-]+):/gm)) names.add(m[1]!.toLowerCase());
  return ESPS.find(
    (e) =>
      e.headers.some((h) => names.has(h)) ||
      domains.some((d) => d && e.domains.some((x) => d === x || d.endsWith(`.${x}`))),
  );
}

const SCRIPT_EXT = /\.(?:js|jse|vbs|vbe|wsf|wsh|hta|ps1|bat|cmd|scr|pif|com|msi|jar|cpl|reg|vb)$/i;
const DOUBLE_EXT =
  /\.(?:pdf|docx?|xlsx?|pptx?|jpe?g|png|gif|txt|rtf|html?|zip)\.(?:exe|scr|lnk|js|vbs|hta|bat|cmd|iso|img|com|pif|msi|jar)$/i;
const DISK_EXT = /\.(?:iso|img|vhdx?|udf)$/i;
const NAME_TYPE: Record<string, TrueType[]> = {
  pdf: ['pdf'],
  doc: ['ole'],
  xls: ['ole'],
  ppt: ['ole'],
  docx: ['zip'],
  xlsx: ['zip'],
  pptx: ['zip'],
  jpg: ['jpeg'],
  jpeg: ['jpeg'],
  png: ['png'],
  gif: ['gif'],
  txt: ['text'],
  zip: ['zip'],
  rtf: ['rtf'],
};

function analyzeAttachment(
  name: string,
  mimeType: string,
  content: Uint8Array,
  body: string,
  s: SignalSet,
  opts: AnalyzeOptions,
  depth: number,
  budget: Budget,
): AttachmentFact {
  const type = trueType(content);
  const sha256 = createHash('sha256').update(content).digest('hex');
  const ev = { attachment: name, type, size: content.length, sha256 };
  const ext = lc(/\.([A-Za-z0-9]{1,5})$/.exec(name)?.[1]);
  const base = name.split('!/').pop()!.split('/').pop()!;
  if (opts.intel && base) {
    const m = opts.intel.value('filename', base);
    if (m.length) s.raise('ATTACH_NAME_IOC', { ...ev, indicator: m[0]!.raw, feed: m[0]!.feed });
  }
  if (opts.intel)
    for (const alg of ['sha256', 'md5', 'sha1'] as const) {
      const h = alg === 'sha256' ? sha256 : createHash(alg).update(content).digest('hex');
      const m = opts.intel.hash(h);
      if (m.length) {
        s.raise('ATTACH_IOC', { ...ev, indicator: m[0]!.raw, feed: m[0]!.feed });
        break;
      }
    }
  if (
    type === 'iso' ||
    type === 'udf' ||
    type === 'fat' ||
    type === 'vhd' ||
    type === 'vhdx' ||
    DISK_EXT.test(name) ||
    /iso9660|x-cd-image|raw-disk-image|vhd/i.test(mimeType)
  )
    s.raise('ATTACH_DISK_IMAGE', ev);
  if (type === 'lnk' || /\.lnk$/i.test(name))
    s.raise('ATTACH_LNK', { ...ev, ...(type === 'lnk' ? readLnk(content) : {}) });
  if (type === 'pe' || type === 'elf' || SCRIPT_EXT.test(name)) s.raise('ATTACH_EXECUTABLE', ev);
  if (DOUBLE_EXT.test(name)) s.raise('ATTACH_DOUBLE_EXTENSION', ev);
  const expected = NAME_TYPE[ext];
  if (
    expected &&
    !expected.includes(type) &&
    ['pe', 'lnk', 'iso', 'fat', 'vhd', 'vhdx', 'udf', 'zip', 'rar', '7z', 'html', 'ole', 'elf'].includes(
      type,
    ) &&
    !(ext === 'txt' && type === 'html')
  )
    s.raise('ATTACH_TYPE_MISMATCH', { ...ev, named: ext });
  if (type === 'html' || /\.(?:html?|shtml|svg|xhtml)$/i.test(name)) {
    const h = Buffer.from(content.buffer, content.byteOffset, content.byteLength)
      .toString('latin1')
      .slice(0, 4 * 1024 * 1024);
    s.raise('ATTACH_HTML', ev);
    const builds = /new\s+Blob\s*\(|Uint8Array|atob\s*\(|\.charCodeAt\(0\)\s*\^\s*\d/i.test(h);
    const saves =
      /msSaveOrOpenBlob|saveAs\s*\(|\.download\s*=|\bdownload\s*=\s*["']|createObjectURL|application\/x-cd-image|application\/octet-stream/i.test(
        h,
      );
    if (builds && saves)
      s.raise('ATTACH_HTML_SMUGGLING', {
        ...ev,
        markers: [
          ...new Set(
            (
              h.match(
                /msSaveOrOpenBlob|saveAs\s*\(|createObjectURL|new\s+Blob|application\/x-cd-image|\.download\s*=/gi,
              ) ?? []
            ).map((x) => x.replace(/\s+/g, '')),
          ),
        ].slice(0, 6),
      });
    if (/<form\b/i.test(h) && /type\s*=\s*["']?password/i.test(h)) s.raise('ATTACH_HTML_CREDENTIAL_FORM', ev);
  }
  if (type === 'ole' && oleHasMacros(content)) s.raise('ATTACH_MACRO', ev);
  let members: Member[] = [];
  if (type === 'iso') members = listIso(content);
  else if (type === 'fat') members = listFat(content);
  else if (type === 'zip') members = listZip(content, budget);
  if (type === 'zip' && members.some((m) => /(^|\/)vbaProject\.bin$/i.test(m.name)))
    s.raise('ATTACH_MACRO', { ...ev, member: 'vbaProject.bin' });
  if (members.some((m) => m.encrypted)) {
    s.raise('ATTACH_ENCRYPTED_ARCHIVE', ev);
    if (PASSWORD_IN_TEXT.test(body)) s.raise('ATTACH_PASSWORD_IN_BODY', ev);
  }
  const inner: NonNullable<AttachmentFact['members']>[number][] = [];
  for (const m of members.slice(0, 200)) {
    const mt = m.data ? trueType(m.data) : undefined;
    const mh = m.data ? createHash('sha256').update(m.data).digest('hex') : undefined;
    inner.push({
      name: m.name,
      size: m.size,
      ...(mt ? { type: mt } : {}),
      ...(mh ? { sha256: mh } : {}),
      ...(m.encrypted ? { encrypted: true } : {}),
    });
    if (m.data && depth < 2 && !/\/$/.test(m.name) && budget.members-- > 0) {
      if (mt === 'zip' || mt === 'iso' || mt === 'fat' || mt === 'rar' || mt === '7z')
        s.raise('ATTACH_NESTED_ARCHIVE', { ...ev, member: m.name });
      // Members are judged like attachments (a LNK or DLL in an ISO is the NOBELIUM shape).
      analyzeAttachment(`${name}!/${m.name}`, '', m.data, body, s, opts, depth + 1, budget);
    } else if (
      !m.data &&
      (/\.lnk$/i.test(m.name) || SCRIPT_EXT.test(m.name) || /\.(?:exe|dll)$/i.test(m.name))
    ) {
      s.raise(/\.lnk$/i.test(m.name) ? 'ATTACH_LNK' : 'ATTACH_EXECUTABLE', { ...ev, member: m.name });
    }
  }
  if (opts.yara && depth === 0) {
    for (const r of opts.yara(content)) s.raise('YARA_MATCH', { ...ev, rule: r });
  }
  return {
    name,
    mimeType,
    size: content.length,
    type,
    sha256,
    ...(inner.length ? { members: inner } : {}),
    ...(type === 'lnk' ? { lnk: readLnk(content) as Record<string, string> } : {}),
  };
}
