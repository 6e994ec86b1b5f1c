/** Where the case store lives: a SQLite file (the default, `./vigil.db`) or a PostgreSQL server. */
export type StoreLocation =
  { readonly kind: 'sqlite'; readonly path: string } | { readonly kind: 'postgres'; readonly url: string };

export const DEFAULT_DB = './vigil.db';

/** `--db`: `sqlite:PATH`, `postgres://…` / `postgresql://…`, or a plain path (SQLite). */
export function parseDbUrl(value: string | undefined): StoreLocation {
  const v = value ?? DEFAULT_DB;
  if (/^postgres(ql)?:\/\//i.test(v)) return { kind: 'postgres', url: v };
  if (/^sqlite:/i.test(v)) {
    const path = v.slice('sqlite:'.length).replace(/^\/\/(?=\/|\.)/, '');
    if (!path) throw new Error('--db sqlite: needs a file path (sqlite:./vigil.db)');
    return { kind: 'sqlite', path };
  }
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(v)) throw new Error(`--db: unsupported store URL scheme in "${v}"`);
  return { kind: 'sqlite', path: v };
}

/** The URL without a password, for messages and logs. */
export function redactDbUrl(loc: StoreLocation): string {
  if (loc.kind === 'sqlite') return `sqlite:${loc.path}`;
  try {
    const u = new URL(loc.url);
    if (u.password) u.password = '***';
    return u.toString();
  } catch {
    return 'postgres://…';
  }
}
