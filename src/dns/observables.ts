import type { Observer } from '../model/observable.ts';
import { isSunburstName } from './sunburst/decode.ts';

/** What a DNS query shows an indicator: the name asked, the answers, the client. */
export const observeDnsQuery: Observer<'dns.query'> = (q, sink) => {
  if (q.response && !q.answers?.length) return null;
  // SUNBURST's DGA names are decoded, and reported in depth, by the sunburst detector.
  if (!isSunburstName(q.qname)) sink.see('domain', q.qname, 'query');
  for (const a of q.answers ?? []) sink.see('address-or-domain', a, 'answer');
  if (q.client) sink.see('ip', q.client, 'client');
  return {
    describe: () => ({
      time: q.time,
      evidence: { qname: q.qname, ...(q.client ? { client: q.client } : {}) },
    }),
  };
};
