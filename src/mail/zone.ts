import { readFileSync } from 'node:fs';

/**
 * An offline DNS for mail authentication (tests, air-gapped analysis, and retro-hunts where today's
 * DNS says nothing about last year's keys): a zone file in the usual master-file syntax (subset:
 * `$ORIGIN`, `$TTL`, owner / `@` / blank owner, optional TTL and class, TXT with several quoted
 * strings, A, AAAA, MX, CNAME, PTR, NS) or mailauth's JSON DNS cache. The resolver behaves like
 * `dns.promises.resolve`: TXT as arrays of strings, `ENOTFOUND` / `ENODATA` for missing data.
 */
export type Resolver = (name: string, type: string) => Promise<unknown[]>;

type Rec = { type: string; value: unknown };

function tokens(line: string): string[] {
  const out: string[] = [];
  const re = /"((?:[^"\\]|\\.)*)"|(\S+)/g;
  for (let m = re.exec(line); m; m = re.exec(line))
    out.push(m[1] !== undefined ? `"${m[1].replace(/\\(.)/g, '$1')}` : m[2]!);
  return out;
}

export function parseZone(text: string, file = 'zone'): Map<string, Rec[]> {
  const zone = new Map<string, Rec[]>();
  let origin = '';
  let last = '';
  // Parentheses continue a record over several lines.
  const joined = text
    .replace(/;[^\n"]*$/gm, '')
    .replace(/\(([^)]*)\)/g, (_, body: string) => body.replace(/\n/g, ' '));
  joined.split('\n').forEach((raw, i) => {
    if (!raw.trim()) return;
    const t = tokens(raw);
    if (t[0] === '$ORIGIN') {
      origin = (t[1] ?? '').replace(/\.$/, '').toLowerCase();
      return;
    }
    if (t[0]?.startsWith('$')) return;
    let owner: string;
    if (/^\s/.test(raw)) owner = last;
    else {
      owner = t.shift()!;
    }
    if (owner === '@') owner = origin;
    else if (!owner.endsWith('.') && origin && owner !== last) owner = `${owner}.${origin}`;
    owner = owner.replace(/\.$/, '').toLowerCase();
    last = owner;
    while (t.length && (/^\d+$/.test(t[0]!) || /^(IN|CH|HS)$/i.test(t[0]!))) t.shift();
    const type = t.shift()?.toUpperCase();
    if (!type) throw new Error(`${file}:${i + 1}: no record type`);
    let value: unknown;
    switch (type) {
      case 'TXT':
        value = t.map((x) => (x.startsWith('"') ? x.slice(1) : x));
        break;
      case 'MX':
        value = { priority: Number(t[0]), exchange: (t[1] ?? '').replace(/\.$/, '') };
        break;
      case 'A':
      case 'AAAA':
      case 'CNAME':
      case 'PTR':
      case 'NS':
        value = (t[0] ?? '').replace(/\.$/, '');
        break;
      default:
        throw new Error(`${file}:${i + 1}: record type ${type} is not supported in an offline zone`);
    }
    const l = zone.get(owner) ?? [];
    l.push({ type, value });
    zone.set(owner, l);
  });
  return zone;
}

/** A resolver from a zone file or a mailauth JSON DNS cache (`{ "name": { "TXT": [[…]] } }`). */
export function zoneResolver(file: string): Resolver {
  const text = readFileSync(file, 'utf8');
  let zone: Map<string, Rec[]>;
  if (text.trimStart().startsWith('{')) {
    zone = new Map();
    for (const [name, types] of Object.entries(
      JSON.parse(text) as Record<string, Record<string, unknown[]>>,
    )) {
      zone.set(
        name.toLowerCase().replace(/\.$/, ''),
        Object.entries(types).flatMap(([type, values]) =>
          values.map((value) => ({ type: type.toUpperCase(), value })),
        ),
      );
    }
  } else zone = parseZone(text, file);
  return resolverFor(zone);
}

export function resolverFor(zone: Map<string, Rec[]>): Resolver {
  return async (name, type) => {
    const n = name.toLowerCase().replace(/\.$/, '');
    const recs = zone.get(n);
    const err = (code: string) => Object.assign(new Error(`${code} ${name} ${type}`), { code });
    if (!recs) throw err('ENOTFOUND');
    const t = type.toUpperCase();
    const got = recs.filter((r) => r.type === t).map((r) => r.value);
    if (!got.length) {
      const cname = recs.find((r) => r.type === 'CNAME');
      if (cname && t !== 'CNAME') return resolverFor(zone)(String(cname.value), type);
      throw err('ENODATA');
    }
    return got;
  };
}

/** The resolver for `--dns none`: every lookup fails as "no such name" (authentication can only say none). */
export const noDns: Resolver = async (name, type) => {
  throw Object.assign(new Error(`ENOTFOUND ${name} ${type}`), { code: 'ENOTFOUND' });
};
