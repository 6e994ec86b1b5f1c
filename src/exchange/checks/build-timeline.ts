import { defineDetector } from '../../model/detector.ts';
import { makeFinding, type SourceRef } from '../../model/finding.ts';
import { assessBuild } from '../builds.ts';

/**
 * The build each server ran, and when, read from the logs it wrote (HttpProxy rows carry the
 * build of the server writing them; ECP rows carry S:BLD): a patch timeline that says whether the
 * server was still vulnerable when the attacks came, judged by the same tables as `exchange probe`.
 */
const PROXY_BUILD = /^[^,]*,[^,]*,(\d{2}),(\d{1,2}),(\d{1,5}),(\d{1,5}),/;
const ECP_BUILD = /S:BLD=(\d{2}\.\d{1,2}\.\d{1,5}\.\d{1,5})/;

interface Seen { first: string; last: string; host: string; build: string; source: SourceRef; rows: number }

export const buildTimelineDetector = defineDetector({
  id: 'exchange.build',
  description: 'The Exchange build each server ran over time (from HttpProxy and ECP rows), judged against the ProxyLogon/ProxyShell fixed builds',
  kinds: ['exchange.httpproxy', 'exchange.ecp'],
  rules: [{ id: 'exchange.build', title: 'Exchange build seen in the logs (patch timeline)' }],
  create() {
    const seen = new Map<string, Seen>();
    return {
      onRecord(rec) {
        let build: string | undefined;
        if (rec.kind === 'exchange.httpproxy') {
          const m = PROXY_BUILD.exec(rec.line);
          build = m ? `${m[1]}.${m[2]}.${m[3]}.${m[4]}` : undefined;
          if (!build) { const f = ['MajorVersion', 'MinorVersion', 'BuildVersion', 'RevisionVersion'].map((k) => rec.field(k)); if (f.every((x) => x && /^\d+$/.test(x))) build = f.join('.'); }
        } else {
          build = ECP_BUILD.exec(rec.line)?.[1];
        }
        const time = rec.time;
        if (!build || !time) return;
        const host = (rec.kind === 'exchange.httpproxy' ? rec.field('ServerHostName') : rec.field('ServerName')) || '(unnamed server)';
        const key = `${host}\0${build}`;
        const s = seen.get(key);
        if (!s) seen.set(key, { first: time, last: time, host, build, source: rec.source, rows: 1 });
        else { s.rows++; if (time < s.first) { s.first = time; s.source = rec.source; } if (time > s.last) s.last = time; }
      },
      finish(emit) {
        for (const s of seen.values()) {
          const a = assessBuild(s.build);
          emit(makeFinding({
            rule: 'exchange.build',
            title: `${s.host} ran ${a.product}${a.cu ? ` ${a.cu}` : ''} ${s.build} from ${s.first.slice(0, 16)} to ${s.last.slice(0, 16)}: ${a.verdict === 'patched' ? 'ProxyLogon and ProxyShell fixed' : a.cves.length ? `exposed to ${a.cves.join(', ')}` : a.verdict}`,
            severity: a.verdict === 'patched' ? 'info' : 'medium', cve: a.verdict === 'patched' ? [] : [...a.cves], attack: [],
            time: s.first, host: s.host, source: s.source,
            evidence: { build: s.build, product: a.product, cu: a.cu ?? '', verdict: a.verdict, firstSeen: s.first, lastSeen: s.last, rows: s.rows, fix: a.fix, reason: a.reason },
            ...(a.verdict === 'patched' ? {} : { remediation: a.fix }),
          }));
        }
      },
    };
  },
});
