import PostalMime, { type Email } from 'postal-mime';
import type { MailRecord } from '../model/records.ts';
import { compile as compileRegex } from '../rules/safe-regex.ts';

/** MIME limits: mail is attacker-written (nesting bombs, header floods). */
export const PARSE_LIMITS = {
  maxNestingDepth: 32,
  maxHeadersSize: 1024 * 1024,
  maxRfc822NestingDepth: 4,
} as const;

// One parse per message, however many detectors look at it.
const cache = new WeakMap<MailRecord, Promise<Email>>();

export function parseMail(rec: MailRecord): Promise<Email> {
  let p = cache.get(rec);
  if (!p) {
    p = PostalMime.parse(rec.raw, PARSE_LIMITS);
    cache.set(rec, p);
  }
  return p;
}

export function mailTime(email: Email): string | undefined {
  return email.date && !Number.isNaN(Date.parse(email.date)) ? new Date(email.date).toISOString() : undefined;
}

/** A header's value (first occurrence), or undefined. */
export function header(email: Email, name: string): string | undefined {
  const n = name.toLowerCase();
  return email.headers.find((h) => h.key === n)?.value;
}

// On the linear-time engine: as V8 regexes both are quadratic in a header of `@`s (the sender writes it).
const ANGLE_ADDRESS = compileRegex('<([^<>\\s]+@[^<>\\s]+)>');
const BARE_ADDRESS = compileRegex('([^\\s<>"\']+@[^\\s<>"\']+)');

/** The address inside `Name <addr@x>` or a bare address. */
export function address(v: string | undefined): string | undefined {
  if (!v) return undefined;
  const m = ANGLE_ADDRESS.exec(v) ?? BARE_ADDRESS.exec(v);
  return m?.[1]?.toLowerCase();
}
