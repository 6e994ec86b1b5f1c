import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { Finding } from '../model/finding.ts';
import type { Problem } from '../model/problem.ts';
import { readInventory } from './inventory.ts';
import { buildFindings } from './checks/build-timeline.ts';
import { mapServers, serverKey } from './servers.ts';

/**
 * `exchange hunt --inventory FILE`: what each server runs now, from outside the collection — the
 * JSON Lines of `vigil exchange probe` (its `exchange.exposure` findings: the build read from
 * OWA/ECP) or a `Get-ExchangeServer | Export-Csv`. A probe knows a server by the name it was
 * probed at (`mail.contoso.com`) and its certificate's names; the logs know it as `EX01`: the entry
 * goes to the server one of those names is, else to the one server the collection holds.
 */
export interface InventoryEntry {
  /** Every name the entry is known by, the probed target first. */
  readonly names: readonly string[];
  readonly build: string;
  readonly via: string;
  readonly source: { path: string; line: number };
}

/** The host part of a probe target (`https://mail.example.org:443/owa` → `mail.example.org`). */
function targetHost(t: string): string {
  const s = t.trim();
  try {
    return new URL(/^[a-z][a-z0-9+.-]*:\/\//i.test(s) ? s : `https://${s}`).hostname.replace(/^\[|\]$/g, '');
  } catch {
    return s;
  }
}

async function* once(b: Uint8Array): AsyncGenerator<Uint8Array> {
  yield b;
}

export async function readInventoryFile(
  path: string,
  problem: (p: Problem) => void,
): Promise<InventoryEntry[]> {
  const bytes = readFileSync(path);
  const text = bytes.toString('utf8').replace(/^\uFEFF/, '');
  const first = text.trimStart()[0];
  const out: InventoryEntry[] = [];
  if (first === '{') {
    text.split('\n').forEach((l, i) => {
      if (!l.trim()) return;
      let f: Partial<Finding>;
      try {
        f = JSON.parse(l) as Partial<Finding>;
      } catch {
        problem({ level: 'error', source: { path, line: i + 1 }, message: 'not a JSON object' });
        return;
      }
      if (f.rule !== 'exchange.exposure') return;
      const e = f.evidence ?? {};
      const build = typeof e['build'] === 'string' ? e['build'] : '';
      const target = typeof e['target'] === 'string' ? e['target'] : String(f.host ?? '');
      if (!build) {
        problem({
          level: 'warning',
          source: { path, line: i + 1 },
          message: `probe of ${target.slice(0, 80)} found no build (${String(e['verdict'] ?? '?')}); not used`,
        });
        return;
      }
      const cert = (e['cert'] ?? {}) as Record<string, unknown>;
      const certNames = [
        ...String(cert['san'] ?? '')
          .split(/,\s*/)
          .map((x) => x.replace(/^DNS:/i, '').trim()),
        /CN=([^,/]+)/.exec(String(cert['subject'] ?? ''))?.[1]?.trim() ?? '',
      ].filter((x) => x && !x.includes('*'));
      out.push({
        names: [...new Set([targetHost(target), ...certNames])],
        build,
        via: `exchange probe${e['buildSource'] ? ` (${String(e['buildSource'])})` : ''}${e['exact'] === false ? ', CU level only' : ''}`,
        source: { path, line: i + 1 },
      });
    });
    if (!out.length && !text.includes('"exchange.exposure"'))
      problem({
        level: 'error',
        source: { path },
        message: 'no exchange.exposure findings (vigil exchange probe --format jsonl)',
      });
    return out;
  }
  for await (const batch of readInventory({ path, chunks: once(bytes), problem }))
    for (const s of batch)
      out.push({ names: [s.server], build: s.build, via: s.via, source: { path, line: s.source.line ?? 0 } });
  return out;
}

/**
 * The inventory's build findings, each under the name of the server it is in the collection's
 * findings (so the verdict says what that server runs now).
 */
export function inventoryBuildFindings(
  entries: readonly InventoryEntry[],
  findings: readonly Finding[],
  scope: string,
  roots: readonly string[],
): Finding[] {
  const map = mapServers(findings, scope, roots);
  const servers = [...map.names.keys()];
  const unmatched = entries.filter((e) => !e.names.some((n) => map.names.has(serverKey(n))));
  return buildFindings(
    entries.map((e) => {
      const known = e.names.find((n) => map.names.has(serverKey(n)));
      const host = known
        ? map.displayOf(serverKey(known))
        : servers.length === 1 && unmatched.length === 1
          ? map.displayOf(servers[0]!)
          : isIP(e.names[0]!)
            ? e.names[0]!
            : e.names[0]!.split('.')[0]!.toUpperCase();
      return { first: '', last: '', host, build: e.build, source: e.source, rows: 1, inventory: e.via };
    }),
  );
}
