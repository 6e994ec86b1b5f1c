import { lineBatches } from '../io/lines.ts';
import { splitCsvLine } from '../io/csvline.ts';
import { longLineWarning, type ReadContext } from '../io/reader.ts';
import type { ExchangeServer } from '../model/records.ts';

/**
 * `Get-ExchangeServer | Export-Csv`: one row per server with its AdminDisplayVersion
 * (`Version 15.1 (Build 2176.2)`), the build it runs now — what the patch verdict needs when the
 * logs end long before the collection.
 */
export function parseAdminDisplayVersion(v: string): string | undefined {
  const m = /Version\s+(\d{1,2})\.(\d{1,2})\s*\(Build\s+(\d{1,5})\.(\d{1,5})\)/i.exec(v);
  if (m) return m.slice(1).map(Number).join('.');
  const d = /^(\d{1,2})\.(\d{1,2})\.(\d{1,5})\.(\d{1,5})$/.exec(v.trim());
  return d ? d.slice(1).map(Number).join('.') : undefined;
}

export async function* readInventory(ctx: ReadContext): AsyncGenerator<ExchangeServer[]> {
  let cols: { name: number; version: number } | null = null;
  for await (const batch of lineBatches(ctx.chunks, { onLongLine: longLineWarning(ctx) })) {
    const out: ExchangeServer[] = [];
    for (let i = 0; i < batch.lines.length; i++) {
      const line = batch.lines[i]!;
      if (!line.trim() || line.startsWith('#TYPE')) continue;
      const v = splitCsvLine(line).map((x) => x.trim());
      if (!cols) {
        const head = v.map((h) => h.replace(/^\uFEFF/, '').toLowerCase());
        const name = ['name', 'identity', 'fqdn'].map((n) => head.indexOf(n)).find((k) => k >= 0) ?? -1;
        cols = { name, version: head.indexOf('admindisplayversion') };
        if (cols.name < 0 || cols.version < 0) {
          ctx.problem({
            level: 'error',
            source: { path: ctx.path, line: batch.firstLine + i },
            message: 'inventory header lacks Name and AdminDisplayVersion',
          });
          return;
        }
        continue;
      }
      const server = v[cols.name];
      const build = parseAdminDisplayVersion(v[cols.version] ?? '');
      if (!server) continue;
      if (!build) {
        ctx.problem({
          level: 'warning',
          source: { path: ctx.path, line: batch.firstLine + i },
          message: `no build in AdminDisplayVersion "${(v[cols.version] ?? '').slice(0, 60)}"`,
        });
        continue;
      }
      out.push({
        kind: 'exchange.server',
        source: { path: ctx.path, line: batch.firstLine + i },
        server,
        build,
        via: 'Get-ExchangeServer',
      });
    }
    if (out.length) yield out;
  }
}
