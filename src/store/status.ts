import type { Store } from './open.ts';
import { addSeverityCounts, bumpVersion, lockOrgId, refreshHost, refreshOrg } from './derive.ts';
import type { FindingStatus } from './verdicts.ts';

export interface StatusChange {
  readonly id: number;
  readonly status: FindingStatus;
  readonly actor: string;
  readonly reason: string;
}

/**
 * Record a status change beside the finding (the finding itself is never rewritten) and keep the
 * counts right: a false positive counts nowhere, in the organisation's numbers or its verdict.
 * Returns the finding's organisation id, or null when there is no such finding.
 */
export async function setStatus(
  store: Store,
  c: StatusChange,
): Promise<{ orgId: number; previous: string } | null> {
  return store.db.transaction().execute(async (trx) => {
    const probe = await trx.selectFrom('findings').select('org_id').where('id', '=', c.id).executeTakeFirst();
    if (!probe) return null;
    const orgId = Number(probe.org_id);
    await lockOrgId(trx, store.dialect, orgId);
    const f = await trx
      .selectFrom('findings')
      .select(['status', 'sev_rank', 'rule', 'host'])
      .where('id', '=', c.id)
      .executeTakeFirstOrThrow();
    await trx
      .insertInto('finding_status')
      .values({
        finding_id: c.id,
        status: c.status,
        actor: c.actor,
        reason: c.reason,
        at: new Date().toISOString(),
      })
      .execute();
    await trx.updateTable('findings').set({ status: c.status }).where('id', '=', c.id).execute();
    const wasFp = f.status === 'false_positive';
    const isFp = c.status === 'false_positive';
    if (wasFp !== isFp) {
      const delta = [0, 0, 0, 0, 0];
      delta[Number(f.sev_rank)] = isFp ? -1 : 1;
      await addSeverityCounts(trx, orgId, delta);
      if (f.host && f.rule.startsWith('exchange.')) await refreshHost(trx, orgId, f.host);
      await refreshOrg(trx, orgId);
    }
    await bumpVersion(trx);
    return { orgId, previous: f.status };
  });
}
