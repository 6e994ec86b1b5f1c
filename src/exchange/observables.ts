import type { ObservableSink, Observation } from '../model/observable.ts';
import type { LogEvent } from '../model/records.ts';

/**
 * What an Exchange or IIS log line shows an indicator: the raw line (for the feeds' log strings,
 * scoped to its log family), the client addresses, the user agent and the account. Only what is
 * in the line's text: the intel layer may skip lines its log-line pre-filter rejects.
 */
const LOG_FIELDS: Record<
  string,
  { ip: string[]; url: [string, string]; ua: string; user: string[]; host?: string }
> = {
  'iis.w3c': {
    ip: ['c-ip', 'X-Forwarded-For', 'OriginalIP'],
    url: ['cs-uri-stem', 'cs-uri-query'],
    ua: 'cs(User-Agent)',
    user: ['cs-username'],
    host: 's-computername',
  },
  'exchange.httpproxy': {
    ip: ['ClientIpAddress'],
    url: ['UrlStem', 'UrlQuery'],
    ua: 'UserAgent',
    user: ['AuthenticatedUser'],
    host: 'ServerHostName',
  },
};

// No lookarounds: V8 runs them slowly over multi-GB logs; boundaries are checked by hand.
const IPV4 = /\d{1,3}\.\d{1,3}\.\d{1,3}\.\d{1,3}/g;

export function observeLogLine(rec: LogEvent, sink: ObservableSink): Observation {
  if (sink.wants('log-line')) sink.see('log-line', rec.line, 'log line', rec.kind);
  const f = LOG_FIELDS[rec.kind];
  if (f) {
    if (sink.wants('ipv4')) {
      // Look at the IPv4 addresses anywhere in the raw line first; split the line only on a hit.
      const line = rec.line;
      IPV4.lastIndex = 0;
      for (let m = IPV4.exec(line); m; m = IPV4.exec(line)) {
        const before = line.charCodeAt(m.index - 1);
        const after = line.charCodeAt(m.index + m[0].length);
        if ((before >= 48 && before <= 57) || before === 46 || (after >= 48 && after <= 57) || after === 46)
          continue; // part of a longer number
        const ip = m[0];
        sink.see(
          'ipv4',
          ip,
          () =>
            f.ip.find((k) =>
              rec
                .field(k)
                ?.split(/[,\s]+/)
                .some((v) => v.replace(/:\d+$/, '') === ip),
            ) ?? 'log line',
        );
      }
    }
    if (sink.wants('ipv6')) {
      for (const k of f.ip) {
        const v = rec.field(k);
        if (v && v.includes(':')) for (const ip of v.split(/[,\s]+/)) sink.see('ip', ip, k);
      }
    }
    if (sink.wants('user-account')) {
      for (const k of f.user) {
        const v = rec.field(k);
        if (v && v !== '-') sink.see('user-account', v, k);
      }
    }
    if (sink.wants('user-agent')) {
      const ua = rec.field(f.ua);
      if (ua && ua !== '-') sink.see('user-agent', ua, f.ua);
    }
  }
  return {
    describe: () => {
      const host = f?.host ? rec.field(f.host) : undefined;
      const url = f ? [rec.field(f.url[0]), rec.field(f.url[1])].filter((x) => x && x !== '-').join('?') : '';
      return {
        time: rec.time,
        host: host && host !== '-' ? host : undefined,
        evidence: { ...(url ? { url } : {}), line: shorten(rec.line, 500) },
      };
    },
  };
}

function shorten(s: string, n: number): string {
  return s.length > n ? `${s.slice(0, n - 1)}…` : s;
}
