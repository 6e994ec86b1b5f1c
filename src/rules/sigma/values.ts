import { BlockList, isIP } from 'node:net';
import { compile as compileRegex, RegexError, type SafeRegex } from '../safe-regex.ts';
import { anyOf, compileString, parseSigmaString, type Placement, type StringTest } from './pattern.ts';

/**
 * One detection item — `Field|mod1|mod2: value(s)` or a keyword list — compiled into a predicate
 * over an event. Value modifiers follow the Sigma specification (v2): transformations (windash,
 * wide/utf16*, base64, base64offset, expand) produce variants of each value, then one match type
 * (plain or wildcard string, re, cidr, exists, fieldref, gt/gte/lt/lte) decides how a variant is
 * compared, and `all` / `cased` / regex flags adjust it.
 */

/** What a compiled rule sees of an event. Field names are the rule's, already mapped to the record. */
export interface EventView {
  /** The field's text as logged, or undefined when the event has no such field. */
  get(field: string): string | undefined;
  /** The same, lower-cased once per event. */
  lower(field: string): string | undefined;
  /** Every value of the event joined by spaces (as a rendered message reads), for keyword searches (lower-cased unless `cased`). */
  haystack(cased: boolean): string;
}

export type Predicate = (ev: EventView) => boolean;

export class SigmaError extends Error {}
/** A valid rule this engine cannot evaluate as configured (a placeholder without a value, an aggregation). */
export class SigmaUnsupported extends SigmaError {}

export type Scalar = string | number | boolean | null;

const KNOWN = new Set([
  'contains',
  'startswith',
  'endswith',
  'all',
  'base64',
  'base64offset',
  'wide',
  'utf16le',
  'utf16be',
  'utf16',
  'windash',
  're',
  'i',
  'ignorecase',
  'm',
  'multiline',
  's',
  'dotall',
  'cidr',
  'exists',
  'fieldref',
  'expand',
  'gt',
  'gte',
  'lt',
  'lte',
  'cased',
]);

export interface ValueOptions {
  /** Values for `%name%` placeholders used with `|expand` (name without percent signs). */
  readonly placeholders?: Readonly<Record<string, readonly string[]>>;
}

const DASHES = ['-', '/', '\u2013', '\u2014', '\u2015'];

/** Command-line flags written with any dash Windows accepts: `-x`, `/x`, en dash, em dash, horizontal bar. */
function windash(s: string): string[] {
  const at = /\B[-/]\b/g;
  if (!at.test(s)) return [s];
  return DASHES.map((d) => s.replace(/\B[-/]\b/g, d));
}

function utf16(s: string, order: 'le' | 'be', bom: boolean): Uint8Array {
  const out = new Uint8Array((s.length + (bom ? 1 : 0)) * 2);
  let o = 0;
  const put = (u: number) => {
    if (order === 'le') {
      out[o++] = u & 0xff;
      out[o++] = u >> 8;
    } else {
      out[o++] = u >> 8;
      out[o++] = u & 0xff;
    }
  };
  if (bom) put(0xfeff);
  for (let i = 0; i < s.length; i++) put(s.charCodeAt(i));
  return out;
}

const b64 = (b: Uint8Array) => Buffer.from(b).toString('base64');

/** The three spellings a value has inside a longer base64 text, one per byte offset (trimmed of the unstable edges). */
function base64Offsets(b: Uint8Array): string[] {
  const out: string[] = [];
  for (let i = 0; i < 3; i++) {
    const padded = new Uint8Array(i + b.length);
    padded.set(b, i);
    const enc = b64(padded);
    const start = [0, 2, 3][i]!;
    const endTrim = [0, 3, 2][(b.length + i) % 3]!;
    out.push(enc.slice(start, enc.length - endTrim));
  }
  return out.filter((v) => v.length > 0);
}

function expand(s: string, placeholders: Readonly<Record<string, readonly string[]>>): string[] {
  let variants = [''];
  const re = /%([A-Za-z0-9_.-]+)%/g;
  let last = 0;
  for (let m = re.exec(s); m; m = re.exec(s)) {
    const vals = placeholders[m[1]!];
    if (!vals?.length)
      throw new SigmaUnsupported(
        `placeholder %${m[1]}% has no value (give one with --sigma-placeholder ${m[1]}=VALUE)`,
      );
    const lit = s.slice(last, m.index);
    variants = variants.flatMap((v) => vals.map((x) => v + lit + x));
    last = m.index + m[0].length;
  }
  return variants.map((v) => v + s.slice(last));
}

const scalarText = (v: Scalar): string => (v === null ? '' : typeof v === 'string' ? v : String(v));

/** Compiles `field|modifiers: values`; `field === null` is a keyword search over the whole event. */
export function compileItem(
  field: string | null,
  modifiers: readonly string[],
  values: readonly Scalar[],
  opts: ValueOptions = {},
): Predicate {
  for (const m of modifiers) if (!KNOWN.has(m)) throw new SigmaError(`unknown value modifier '${m}'`);
  const has = (m: string) => modifiers.includes(m);
  if (values.length === 0) throw new SigmaError(`${field ?? 'keywords'}: empty value list`);
  const all = has('all');
  const combine = (tests: Predicate[]): Predicate => {
    if (tests.length === 1) return tests[0]!;
    return all ? (ev) => tests.every((t) => t(ev)) : (ev) => tests.some((t) => t(ev));
  };

  if (has('exists')) {
    if (field === null) throw new SigmaError('exists needs a field');
    const want = values[0] === true || values[0] === 'true' || values[0] === 'yes';
    return (ev) => (ev.get(field) !== undefined) === want;
  }

  if (has('fieldref')) {
    if (field === null) throw new SigmaError('fieldref needs a field');
    const placement: Placement = has('contains')
      ? 'contains'
      : has('startswith')
        ? 'startswith'
        : has('endswith')
          ? 'endswith'
          : 'exact';
    const cased = has('cased');
    return combine(
      values.map((ref) => {
        const other = scalarText(ref);
        return (ev) => {
          const a = cased ? ev.get(field) : ev.lower(field);
          const b = cased ? ev.get(other) : ev.lower(other);
          if (a === undefined || b === undefined) return false;
          return placement === 'exact'
            ? a === b
            : placement === 'contains'
              ? a.includes(b)
              : placement === 'startswith'
                ? a.startsWith(b)
                : a.endsWith(b);
        };
      }),
    );
  }

  const cmp = (['gt', 'gte', 'lt', 'lte'] as const).find(has);
  if (cmp) {
    if (field === null) throw new SigmaError(`${cmp} needs a field`);
    return combine(
      values.map((v) => {
        const n = Number(v);
        if (typeof v === 'boolean' || v === null || !Number.isFinite(n))
          throw new SigmaError(`${field}|${cmp}: '${String(v)}' is not a number`);
        return (ev) => {
          const s = ev.get(field);
          if (s === undefined || s.trim() === '') return false;
          const x = /^0x[0-9a-f]+$/i.test(s.trim()) ? parseInt(s.trim(), 16) : Number(s);
          if (!Number.isFinite(x)) return false;
          return cmp === 'gt' ? x > n : cmp === 'gte' ? x >= n : cmp === 'lt' ? x < n : x <= n;
        };
      }),
    );
  }

  if (has('cidr')) {
    if (field === null) throw new SigmaError('cidr needs a field');
    const list = new BlockList();
    for (const v of values) {
      const [addr, bits] = scalarText(v).trim().split('/');
      const type = isIP(addr ?? '');
      if (!type) throw new SigmaError(`${field}|cidr: '${scalarText(v)}' is not a network`);
      const prefix = bits === undefined ? (type === 4 ? 32 : 128) : Number(bits);
      if (!Number.isInteger(prefix) || prefix < 0 || prefix > (type === 4 ? 32 : 128))
        throw new SigmaError(`${field}|cidr: bad prefix in '${scalarText(v)}'`);
      list.addSubnet(addr!, prefix, type === 4 ? 'ipv4' : 'ipv6');
    }
    return (ev) => {
      const s = ev.get(field)?.trim();
      if (!s) return false;
      const ip = s.startsWith('::ffff:') && isIP(s.slice(7)) === 4 ? s.slice(7) : s;
      const t = isIP(ip);
      return t !== 0 && list.check(ip, t === 4 ? 'ipv4' : 'ipv6');
    };
  }

  if (has('re')) {
    let flags = '';
    if (has('i') || has('ignorecase')) flags += 'i';
    if (has('m') || has('multiline')) flags += 'm';
    if (has('s') || has('dotall')) flags += 's';
    return combine(
      values.map((v) => {
        // Linear-time engine: the rule's regex reads text the attacker wrote (see rules/safe-regex.ts).
        // PCRE's inline flags such as a leading `(?i)` are RE2 syntax too.
        let re: SafeRegex;
        try {
          re = compileRegex(scalarText(v), flags);
        } catch (e) {
          const why = `${field ?? 'keywords'}|re: ${(e as Error).message}`;
          if (e instanceof RegexError && e.unsupported) throw new SigmaUnsupported(why);
          throw new SigmaError(why);
        }
        if (field === null) return (ev) => re.test(ev.haystack(true));
        return (ev) => {
          const s = ev.get(field);
          return s !== undefined && re.test(s);
        };
      }),
    );
  }

  const placement: Placement =
    field === null || has('contains')
      ? 'contains'
      : has('startswith')
        ? 'startswith'
        : has('endswith')
          ? 'endswith'
          : 'exact';
  const encoded = has('base64') || has('base64offset');
  const cased = has('cased') || encoded;
  let wantsNull = false;
  const perValue = values.flatMap((v): StringTest[][] => {
    if (v === null) {
      if (field === null) throw new SigmaError('null is not a keyword');
      wantsNull = true;
      return [];
    }
    let variants = [scalarText(v)];
    // Transformations apply in the order the rule writes them.
    let bytes: Uint8Array[] | null = null;
    for (const m of modifiers) {
      if (m === 'expand') variants = variants.flatMap((s) => expand(s, opts.placeholders ?? {}));
      else if (m === 'windash') variants = variants.flatMap(windash);
      else if (m === 'wide' || m === 'utf16le') bytes = variants.map((s) => utf16(s, 'le', false));
      else if (m === 'utf16be') bytes = variants.map((s) => utf16(s, 'be', false));
      else if (m === 'utf16') bytes = variants.map((s) => utf16(s, 'le', true));
      else if (m === 'base64') {
        variants = (bytes ?? variants.map((s) => Buffer.from(s, 'utf8'))).map(b64);
        bytes = null;
      } else if (m === 'base64offset') {
        variants = (bytes ?? variants.map((s) => Buffer.from(s, 'utf8'))).flatMap(base64Offsets);
        bytes = null;
      }
    }
    if (bytes) variants = bytes.map((b) => Buffer.from(b).toString('latin1'));
    return [variants.map((s) => compileString(encoded ? [s] : parseSigmaString(s), placement, cased))];
  });
  // A value matches when one of its variants does; `all` needs every value, otherwise any will do.
  const groups = perValue.map(anyOf);
  const match: (s: string) => boolean =
    all && groups.length > 1
      ? (s) => {
          for (let i = 0; i < groups.length; i++) if (!groups[i]!(s)) return false;
          return true;
        }
      : perValue.length
        ? anyOf(perValue.flat())
        : () => false;
  if (field === null) return (ev) => match(ev.haystack(cased));
  const read = cased ? (ev: EventView) => ev.get(field) : (ev: EventView) => ev.lower(field);
  if (wantsNull) {
    if (all && perValue.length)
      throw new SigmaError(`${field}: null cannot be combined with other values under |all`);
    return (ev) => {
      const s = read(ev);
      return s === undefined || s === '' || match(s);
    };
  }
  return (ev) => {
    const s = read(ev);
    return s !== undefined && match(s);
  };
}
