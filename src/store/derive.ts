import { sql, type Transaction } from 'kysely';
import type { DB } from './schema.ts';
import type { Dialect } from './migrations.ts';
import { MALICIOUS_ACTIONS, verdictOfRank, verdictRank } from './verdicts.ts';

/**
 * The first-class rows drawn from findings (hosts with their verdict and build, the organisation's
 * counts and verdict). They are recomputed from the findings inside the transaction that changed
 * them, so every API process reads the same answer from the database alone.
 */
type Tx = Transaction<DB>;

const FP = 'false_positive';
const SEV_COLUMNS = ['n_info', 'n_low', 'n_medium', 'n_high', 'n_critical'] as const;

/** Create the organisation if new and lock its row until the transaction ends (PostgreSQL). */
export async function lockOrg(trx: Tx, dialect: Dialect, name: string, now: string): Promise<number> {
  await trx
    .insertInto('orgs')
    .values({ name, created_at: now })
    .onConflict((oc) => oc.column('name').doNothing())
    .execute();
  let q = trx.selectFrom('orgs').select('id').where('name', '=', name);
  if (dialect === 'postgres') q = q.forUpdate();
  const row = await q.executeTakeFirstOrThrow();
  return Number(row.id);
}

/** Lock an existing organisation row by id (PostgreSQL; SQLite's write lock already serialises). */
export async function lockOrgId(trx: Tx, dialect: Dialect, orgId: number): Promise<void> {
  if (dialect === 'postgres')
    await trx.selectFrom('orgs').select('id').where('id', '=', orgId).forUpdate().execute();
}

/** Add to the organisation's per-severity counters (index = severity rank). */
export async function addSeverityCounts(trx: Tx, orgId: number, delta: readonly number[]): Promise<void> {
  const set: Record<string, unknown> = {};
  delta.forEach((n, rank) => {
    const col = SEV_COLUMNS[rank]!;
    if (n) set[col] = sql`${sql.ref(col)} + ${n}`;
  });
  if (Object.keys(set).length) await trx.updateTable('orgs').set(set).where('id', '=', orgId).execute();
}

interface BuildSeen {
  build: string;
  lastSeen: string;
  inventory: boolean;
  fix: string;
  label: string;
  verdict: string;
}

function parseJson(s: string): Record<string, unknown> {
  try {
    const v: unknown = JSON.parse(s);
    return v && typeof v === 'object' ? (v as Record<string, unknown>) : {};
  } catch {
    return {};
  }
}

const str = (v: unknown): string | null => (typeof v === 'string' && v ? v : null);

/** Make sure these hosts have rows, then recompute each one's verdict and builds. */
export async function refreshHosts(trx: Tx, orgId: number, names: Iterable<string>): Promise<void> {
  for (const name of names) {
    await trx
      .insertInto('hosts')
      .values({ org_id: orgId, name, verdict: null })
      .onConflict((oc) => oc.columns(['org_id', 'name']).doNothing())
      .execute();
    await refreshHost(trx, orgId, name);
  }
}

/**
 * A host's verdict is its latest `exchange.verdict` (the last imported: a scan after remediation
 * replaces the earlier one); false positives are ignored. The build now and the exact update come
 * from the verdict's evidence and the `exchange.build` findings for that build.
 */
export async function refreshHost(trx: Tx, orgId: number, name: string): Promise<void> {
  const v = await trx
    .selectFrom('findings')
    .select(['id', 'time', 'data'])
    .where('org_id', '=', orgId)
    .where('rule', '=', 'exchange.verdict')
    .where('host', '=', name)
    .where('status', '<>', FP)
    .orderBy('id', 'desc')
    .limit(1)
    .executeTakeFirst();
  const builds = (
    await trx
      .selectFrom('findings')
      .select('data')
      .where('org_id', '=', orgId)
      .where('rule', '=', 'exchange.build')
      .where('host', '=', name)
      .where('status', '<>', FP)
      .orderBy('id', 'desc')
      .limit(200)
      .execute()
  ).map((r): BuildSeen => {
    const e = (parseJson(r.data)['evidence'] ?? {}) as Record<string, unknown>;
    return {
      build: String(e['build'] ?? ''),
      lastSeen: String(e['lastSeen'] ?? ''),
      inventory: e['inventory'] === true,
      fix: String(e['fix'] ?? ''),
      label: [e['product'] ?? 'Exchange', e['cu'], e['build']].filter(Boolean).map(String).join(' '),
      verdict: String(e['verdict'] ?? ''),
    };
  });
  const f = v ? parseJson(v.data) : {};
  const e = (f['evidence'] ?? {}) as Record<string, unknown>;
  const latestBuild =
    builds.filter((b) => b.inventory).sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1))[0] ??
    [...builds].sort((a, b) => (a.lastSeen < b.lastSeen ? 1 : -1))[0];
  const buildNow = str(e['buildNow']) ?? latestBuild?.build ?? null;
  const seen = builds.find((b) => b.build === buildNow);
  const remediation = str(f['remediation']);
  const installNow = remediation ? /Install now: (.*)$/s.exec(remediation)?.[1] : undefined;
  const verdict = v ? str(e['verdict']) : null;
  const ips = Array.isArray(e['attackerIps']) ? e['attackerIps'].filter((x) => typeof x === 'string') : [];
  await trx
    .updateTable('hosts')
    .set({
      verdict,
      verdict_rank: verdict ? verdictRank(verdict) : 0,
      verdict_finding_id: v ? Number(v.id) : null,
      verdict_time: v ? v.time || null : null,
      first_activity: str(e['firstActivity']),
      build_now: buildNow,
      build_now_verdict: str(e['buildNowVerdict']) ?? seen?.verdict ?? null,
      build_label: seen?.label ?? buildNow,
      build_then: str(e['buildAtFirstActivity']),
      exposed_then:
        typeof e['exposedAtFirstActivity'] === 'boolean' ? (e['exposedAtFirstActivity'] ? 1 : 0) : null,
      fix: (seen?.fix || installNow) ?? null,
      attacker_ips: ips.length ? JSON.stringify(ips.slice(0, 100)) : null,
    })
    .where('org_id', '=', orgId)
    .where('name', '=', name)
    .execute();
}

/** Recompute the organisation's verdict and its host, victim, campaign and mail counts. */
export async function refreshOrg(trx: Tx, orgId: number, lastImport?: string): Promise<void> {
  const hosts = await trx
    .selectFrom('hosts')
    .select([(eb) => eb.fn.countAll<number>().as('n'), (eb) => eb.fn.max('verdict_rank').as('worst')])
    .where('org_id', '=', orgId)
    .executeTakeFirstOrThrow();
  const victims = await trx
    .selectFrom('sunburst_victims as v')
    .innerJoin('findings as f', 'f.id', 'v.finding_id')
    .select((eb) => eb.fn.count<number>('v.uid').distinct().as('n'))
    .where('v.org_id', '=', orgId)
    .where('f.status', '<>', FP)
    .executeTakeFirstOrThrow();
  const campaigns = await trx
    .selectFrom('campaigns as c')
    .innerJoin('findings as f', 'f.id', 'c.finding_id')
    .select([
      (eb) => eb.fn.count<number>('c.campaign').distinct().as('n'),
      (eb) =>
        eb.fn
          .count<number>(
            eb
              .case()
              .when('c.action', 'in', [...MALICIOUS_ACTIONS])
              .then(eb.ref('c.campaign'))
              .end(),
          )
          .distinct()
          .as('bad'),
    ])
    .where('c.org_id', '=', orgId)
    .where('f.status', '<>', FP)
    .executeTakeFirstOrThrow();
  const mail = await trx
    .selectFrom('findings')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('org_id', '=', orgId)
    .where('rule', '=', 'mail.verdict')
    .where('outcome', 'in', [...MALICIOUS_ACTIONS])
    .where('status', '<>', FP)
    .executeTakeFirstOrThrow();
  const rank = Number(hosts.worst ?? 0);
  await trx
    .updateTable('orgs')
    .set({
      hosts: Number(hosts.n),
      verdict_rank: rank,
      verdict: verdictOfRank(rank),
      victims: Number(victims.n),
      campaigns: Number(campaigns.n),
      malicious_campaigns: Number(campaigns.bad),
      malicious: Number(mail.n),
      ...(lastImport ? { last_import: lastImport } : {}),
    })
    .where('id', '=', orgId)
    .execute();
}

/**
 * Raise the store's version (last statement of every write transaction): readers compare it to
 * the version of an answer they hold. The row lock is held only from here to the commit.
 */
export async function bumpVersion(trx: Tx): Promise<void> {
  await trx
    .updateTable('store_version')
    .set({ version: sql`version + 1` })
    .where('id', '=', 1)
    .execute();
}
