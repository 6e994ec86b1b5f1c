import type { Finding } from '../model/finding.ts';
import { openStore } from './open.ts';
import { importFindings, type ImportResult } from './import.ts';

/**
 * The store as a report sink: a scanning command run with `--org ORG --db URL` writes its
 * findings here, in one transaction, exactly as `vigil case import` would from its JSONL.
 */
export async function storeFindings(
  db: string | undefined,
  org: string,
  findings: readonly Finding[],
  source: string,
): Promise<ImportResult & { where: string }> {
  const store = await openStore(db);
  try {
    const r = await importFindings(store, findings, { org, source, actor: 'cli' });
    return { ...r, where: store.where };
  } finally {
    await store.close();
  }
}
