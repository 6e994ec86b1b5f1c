import { defineDetector } from '../../model/detector.ts';
import { makeFinding, type Finding, type SourceRef } from '../../model/finding.ts';
import { assessBuild } from '../builds.ts';
import { isoTime } from '../logs.ts';

/** Without a server name in the line, the collection's first folder is the best name we have. */
function hostFromPath(path: string): string {
  const first = path.split('/')[0] ?? '';
  return path.includes('/') &&
    /^[A-Za-z0-9][\w.-]{0,63}$/.test(first) &&
    !/^(Logging|HttpProxy|inetpub|Exchange|Logs?|W3SVC\d*|collected)$/i.test(first)
    ? first
    : UNNAMED;
}

const UNNAMED = '(this collection)';

/**
 * The build each server ran, and when, read from the logs it wrote (HttpProxy rows carry the
 * build of the server writing them; ECP rows carry S:BLD): a patch timeline that says whether the
 * server was still vulnerable when the attacks came, judged by the same tables as `exchange probe`.
 */
const ECP_BUILD = /S:BLD=(\d{2}\.\d{1,2}\.\d{1,5}\.\d{1,5})/;
/** `#Version: 15.01.2176.002` → `15.1.2176.2`. */
function headerBuild(v: string | undefined): string | undefined {
  const m = v ? /^(\d{1,2})\.(\d{1,2})\.(\d{1,5})\.(\d{1,5})$/.exec(v.trim()) : null;
  return m ? m.slice(1).map(Number).join('.') : undefined;
}

/** `first`/`last` are empty for an inventory, which says what runs now, not since when. */
interface Seen {
  first: string;
  last: string;
  host: string;
  build: string;
  source: SourceRef;
  rows: number;
  inventory?: string;
}

export const buildTimelineDetector = defineDetector({
  id: 'exchange.build',
  description:
    'The Exchange build each server ran over time (from HttpProxy and ECP rows), judged against the ProxyLogon/ProxyShell fixed builds',
  kinds: ['log.header', 'exchange.ecp', 'exchange.server', 'file.entry'],
  rules: [{ id: 'exchange.build', title: 'Exchange build seen in the logs (patch timeline)' }],
  // ECP rows carry S:BLD; HttpProxy files say their build in the #Version header, once per file.
  lineFilter: /S:BLD=/,
  create() {
    const seen = new Map<string, Seen>();
    return {
      onRecord(rec) {
        if (rec.kind === 'exchange.server' || rec.kind === 'file.entry') {
          // An inventory, or a listing's ExSetup.exe file version: the build installed when it was taken.
          const inv =
            rec.kind === 'exchange.server'
              ? { host: rec.server.split('.')[0]!, build: rec.build, via: rec.via }
              : /^exsetup\.exe$/i.test(rec.name) && rec.version
                ? {
                    host: hostFromPath(rec.source.path),
                    build: headerBuild(rec.version.split(/\s/)[0]),
                    via: 'ExSetup.exe file version',
                  }
                : null;
          if (!inv?.build) return;
          const key = `${inv.host}\0${inv.build}\0inv`;
          if (!seen.has(key))
            seen.set(key, {
              first: '',
              last: '',
              host: inv.host,
              build: inv.build,
              source: rec.source,
              rows: 1,
              inventory: inv.via,
            });
          return;
        }
        let build: string | undefined;
        let time: string | undefined;
        let host: string;
        if (rec.kind === 'log.header') {
          // Only Exchange's own logs: IIS writes its own version (10.0) there.
          if (rec.log !== 'exchange.httpproxy') return;
          build = headerBuild(rec.directives['version']);
          time = isoTime(rec.directives['date']);
          host = hostFromPath(rec.source.path);
        } else {
          build = ECP_BUILD.exec(rec.line)?.[1];
          time = rec.time;
          host = rec.field('ServerName') || hostFromPath(rec.source.path);
        }
        if (!build || !time) return;
        const key = `${host}\0${build}`;
        const s = seen.get(key);
        if (!s) seen.set(key, { first: time, last: time, host, build, source: rec.source, rows: 1 });
        else {
          s.rows++;
          if (time < s.first) {
            s.first = time;
            s.source = rec.source;
          }
          if (time > s.last) s.last = time;
        }
      },
      finish(emit) {
        for (const f of buildFindings([...seen.values()])) emit(f);
      },
    };
  },
});

/** One finding per server and build; unnamed header builds go to the one named server, if one. */
export function buildFindings(list: readonly Seen[]): Finding[] {
  const seen = new Map<string, Seen>();
  for (const s of list) {
    const key = `${s.host}\0${s.build}\0${s.inventory ?? ''}`;
    const t = seen.get(key);
    if (!t) seen.set(key, { ...s });
    else {
      t.rows += s.rows;
      if (s.first < t.first) {
        t.first = s.first;
        t.source = s.source;
      }
      if (s.last > t.last) t.last = s.last;
    }
  }
  const named = new Set([...seen.values()].map((s) => s.host).filter((h) => h !== UNNAMED));
  if (named.size === 1) {
    const host = [...named][0]!;
    for (const [k, s] of [...seen]) {
      if (s.host !== UNNAMED) continue;
      seen.delete(k);
      const key = `${host}\0${s.build}\0${s.inventory ?? ''}`;
      const t = seen.get(key);
      if (!t) seen.set(key, { ...s, host });
      else {
        t.rows += s.rows;
        if (s.first < t.first) {
          t.first = s.first;
          t.source = s.source;
        }
        if (s.last > t.last) t.last = s.last;
      }
    }
  }
  return [...seen.values()].map((s) => {
    const a = assessBuild(s.build);
    const judged =
      a.verdict === 'patched'
        ? 'ProxyLogon and ProxyShell fixed'
        : a.cves.length
          ? `exposed to ${a.cves.join(', ')}`
          : a.verdict;
    return makeFinding({
      rule: 'exchange.build',
      title: s.inventory
        ? `${s.host} runs ${a.product}${a.cu ? ` ${a.cu}` : ''} ${s.build} (${s.inventory}): ${judged}`
        : `${s.host} ran ${a.product}${a.cu ? ` ${a.cu}` : ''} ${s.build} from ${s.first.slice(0, 16)} to ${s.last.slice(0, 16)}: ${judged}`,
      severity: a.verdict === 'patched' ? 'info' : 'medium',
      cve: a.verdict === 'patched' ? [] : [...a.cves],
      attack: [],
      ...(s.first ? { time: s.first } : {}),
      host: s.host,
      source: s.source,
      evidence: {
        build: s.build,
        product: a.product,
        cu: a.cu ?? '',
        verdict: a.verdict,
        firstSeen: s.first,
        lastSeen: s.last,
        rows: s.rows,
        fix: a.fix,
        reason: a.reason,
        ...(s.inventory ? { inventory: true, via: s.inventory } : {}),
      },
      ...(a.verdict === 'patched' ? {} : { remediation: a.fix }),
    });
  });
}

/** Merge the build findings of several scans (e.g. the shares of a parallel scan). */
export function mergeBuildFindings(findings: readonly Finding[]): Finding[] {
  return buildFindings(
    findings.map((f) => ({
      host: f.host ?? UNNAMED,
      build: String(f.evidence['build']),
      first: String(f.evidence['firstSeen']),
      last: String(f.evidence['lastSeen']),
      rows: Number(f.evidence['rows']),
      source: f.source,
      ...(f.evidence['inventory'] === true ? { inventory: String(f.evidence['via']) } : {}),
    })),
  );
}
