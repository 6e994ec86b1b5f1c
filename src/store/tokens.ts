import { createHash, randomBytes } from 'node:crypto';
import type { Store } from './open.ts';
import { checkOrgName } from './org-name.ts';

/** Who a token speaks for: everything (admin), reading and triage (analyst), or one organisation. */
export type Role =
  { readonly kind: 'admin' } | { readonly kind: 'analyst' } | { readonly kind: 'org'; readonly org: string };

export interface TokenInfo {
  readonly id: number;
  readonly role: string;
  readonly org: string | null;
  readonly label: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
}

/** `admin`, `analyst` or `org:NAME` (the name as given, Unicode allowed). */
export function parseRole(s: string): Role {
  if (s === 'admin') return { kind: 'admin' };
  if (s === 'analyst') return { kind: 'analyst' };
  if (s.startsWith('org:')) {
    const org = s.slice(4);
    const bad = checkOrgName(org);
    if (bad) throw new Error(`--role org:ORG: ${bad}`);
    return { kind: 'org', org };
  }
  throw new Error(`a role is admin, analyst or org:ORG (got "${s}")`);
}

export function roleText(r: Role): string {
  return r.kind === 'org' ? `org:${r.org}` : r.kind;
}

/**
 * Tokens are 256 random bits, so a plain SHA-256 is a safe hash to store (no dictionary to try);
 * the prefix makes a leaked token easy to recognise in logs and secret scanners.
 */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export async function createToken(
  store: Store,
  role: Role,
  label = '',
): Promise<{ token: string; info: TokenInfo }> {
  const token = `vigil_${randomBytes(32).toString('base64url')}`;
  const now = new Date().toISOString();
  const row = await store.db
    .insertInto('tokens')
    .values({
      hash: hashToken(token),
      role: role.kind,
      org: role.kind === 'org' ? role.org : null,
      label: label.slice(0, 200),
      created_at: now,
      revoked_at: null,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  return {
    token,
    info: {
      id: Number(row.id),
      role: roleText(role),
      org: role.kind === 'org' ? role.org : null,
      label,
      createdAt: now,
      revokedAt: null,
    },
  };
}

export async function listTokens(store: Store): Promise<TokenInfo[]> {
  const rows = await store.db.selectFrom('tokens').selectAll().orderBy('id').execute();
  return rows.map((r) => ({
    id: Number(r.id),
    role: r.role === 'org' ? `org:${r.org}` : r.role,
    org: r.org,
    label: r.label,
    createdAt: r.created_at,
    revokedAt: r.revoked_at,
  }));
}

/** Revoke at once, for every API process (each request looks the token up). False if unknown. */
export async function revokeToken(store: Store, id: number): Promise<boolean> {
  const r = await store.db
    .updateTable('tokens')
    .set({ revoked_at: new Date().toISOString() })
    .where('id', '=', id)
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  return Number(r.numUpdatedRows) > 0;
}

/** The role of a presented token, or null when it is unknown or revoked. */
export async function authenticate(
  store: Store,
  token: string,
): Promise<{ id: number; role: Role; label: string } | null> {
  if (token.length < 10 || token.length > 200) return null;
  const r = await store.db
    .selectFrom('tokens')
    .select(['id', 'role', 'org', 'label'])
    .where('hash', '=', hashToken(token))
    .where('revoked_at', 'is', null)
    .executeTakeFirst();
  if (!r) return null;
  const role: Role =
    r.role === 'admin'
      ? { kind: 'admin' }
      : r.role === 'analyst'
        ? { kind: 'analyst' }
        : { kind: 'org', org: r.org ?? '' };
  return { id: Number(r.id), role, label: r.label };
}
