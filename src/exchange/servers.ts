import type { Finding } from '../model/finding.ts';
import { isIP } from 'node:net';

/**
 * Which Exchange server each finding belongs to. The logs name one server in several ways —
 * HttpProxy `ServerHostName` (`EX01`), the event log's `Computer` (`EX01.corp.example`), ECP's
 * `ServerName` (`ex01`), an inventory's Name or Fqdn, the collection's folder (`EX01/…`, `ex01-logs/…`)
 * — and a DAG's collection holds several servers' folders. One server is one key: the first label
 * of its name, lower-case. Findings that name no server (IIS logs, files) go to the server whose name
 * is a folder of their path; failing that, to the one server the collection names, if it names one;
 * failing that, to the root they came from when several roots were scanned, else to the collection.
 */

/** Names that say nothing about which server wrote a line. */
const NO_NAME = /^(?:|-|localhost|\(this collection\)|127\.0\.0\.1|::1)$/i;

/** The key of a server name: `EX01.corp.example` and `ex01` are one server; an IP is its own key. */
export function serverKey(name: string): string {
  const n = name.trim().replace(/\.$/, '');
  if (NO_NAME.test(n)) return '';
  if (isIP(n)) return n;
  return (n.split('.')[0] ?? '').toLowerCase();
}

/** How a server is shown: its short name as the logs write it, upper-case as Exchange admins write it. */
function display(names: ReadonlySet<string>): string {
  const short = [...names].filter((n) => !n.includes('.') || isIP(n));
  const pick = short.sort()[0] ?? [...names].sort()[0]!.split('.')[0]!;
  return isIP(pick) ? pick : pick.toUpperCase();
}

/** Every finding with `host` set to the server it belongs to. */
export function withServers(findings: readonly Finding[], map: ServerMap): Finding[] {
  return findings.map((f) => {
    const host = map.serverOf(f);
    return f.host === host ? f : { ...f, host };
  });
}

export interface ServerMap {
  /** Key → every name seen for it (as written). */
  readonly names: ReadonlyMap<string, ReadonlySet<string>>;
  /** The server a finding belongs to (its display name), or the scope when none can be told. */
  serverOf(f: Finding): string;
  /** The display name of a key. */
  displayOf(key: string): string;
}

/** How a scanned root prefixes the paths of its findings when several roots are scanned. */
export function rootName(root: string): string {
  return (
    root
      .replace(/[\\/]+$/, '')
      .split(/[\\/]/)
      .pop() || root
  );
}

/**
 * Learn the servers' names from the findings that name one, then place every finding.
 * `roots` are the scanned roots (their names prefix the paths when there are several).
 */
export function mapServers(
  findings: readonly Finding[],
  scope: string,
  roots: readonly string[] = [],
): ServerMap {
  const rootNames = roots.length > 1 ? roots.map(rootName) : [];
  const names = new Map<string, Set<string>>();
  const learn = (name: string | undefined) => {
    if (!name) return;
    const k = serverKey(name);
    if (!k) return;
    let s = names.get(k);
    if (!s) names.set(k, (s = new Set()));
    s.add(name.trim());
  };
  // Exchange's own evidence names servers; a stray name in an indicator match (a mail relay, a
  // DNS client) does not make a server of its own. A build read from a file header is named after
  // the collection's folder (`ex02-logs`): a name only when no log line names that server.
  const fromFolder = (f: Finding) => f.rule === 'exchange.build' && f.host === f.source.path.split('/')[0];
  const exchange = findings.filter((f) => f.rule.startsWith('exchange.') && f.host && f.host !== scope);
  for (const f of exchange) if (!fromFolder(f)) learn(f.host);
  const displays = new Map<string, string>();
  const byFolder = (path: string): string | undefined => {
    for (const seg of path.split(/!?\//)) {
      const s = seg.toLowerCase();
      if (displays.has(s)) return s;
      // `ex01-logs`, `EX01_collection`, `ex01.corp.example`
      const head = s.split(/[-_. ]/)[0]!;
      if (head.length >= 2 && displays.has(head)) return head;
    }
    return undefined;
  };
  const refresh = () => {
    for (const [k, v] of names) displays.set(k, display(v));
  };
  refresh();
  for (const f of exchange)
    if (fromFolder(f) && byFolder(f.source.path) === undefined) {
      // `ex02-logs`, `EX02_collection` → EX02
      const head = f.host!.split(/[-_ ]/)[0]!;
      learn(head.length >= 2 ? head : f.host);
    }
  refresh();
  const rootSet = new Set(rootNames);
  const only = displays.size === 1 ? [...displays.keys()][0] : undefined;
  const cache = new Map<string, string>();
  return {
    names,
    displayOf: (k) => displays.get(k) ?? k,
    serverOf(f) {
      const k = f.host ? serverKey(f.host) : '';
      if (k && displays.has(k)) return displays.get(k)!;
      // No server name, or one no Exchange log gave (an IIS s-computername alone): place it by path.
      const hit = cache.get(f.source.path);
      if (hit !== undefined) return hit;
      const folder = byFolder(f.source.path);
      const top = f.source.path.split('/')[0] ?? '';
      const server =
        folder !== undefined
          ? displays.get(folder)!
          : only !== undefined
            ? displays.get(only)!
            : rootSet.size > 1 && rootSet.has(top)
              ? top
              : scope;
      cache.set(f.source.path, server);
      return server;
    },
  };
}
