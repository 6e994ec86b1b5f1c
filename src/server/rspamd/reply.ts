import type { MailVerdict } from '../../mail/analyze.ts';
import type { EvidenceValue } from '../../model/finding.ts';
import { rankedSignals, topSignalsText, type Outcome } from '../verdict.ts';

/**
 * Rspamd's /checkv2 JSON for a Vigil outcome. Vigil's four actions map to the three Rspamd
 * actions every client knows; quarantine is `add header` with `vigil_action: quarantine`, so
 * rspamc and Haraka keep working while a client that knows Vigil can hold the message.
 */
const ACTION = {
  no_action: 'no action',
  add_header: 'add header',
  quarantine: 'add header',
  reject: 'reject',
} as const;

/** Evidence values as Rspamd's symbol options: short strings. */
function options(ev: { readonly [k: string]: EvidenceValue }): string[] {
  const out: string[] = [];
  for (const [k, v] of Object.entries(ev)) {
    if (out.length >= 8) break;
    const s = typeof v === 'string' ? v : JSON.stringify(v);
    out.push(`${k}=${s}`.slice(0, 200));
  }
  return out;
}

export function checkv2Reply(o: Outcome, threshold: number, messageId: string): Record<string, unknown> {
  if (o.kind === 'unscanned') {
    const tempfail = o.policy === 'tempfail';
    return {
      is_skipped: true,
      score: 0,
      required_score: threshold,
      action: tempfail ? 'soft reject' : 'no action',
      symbols: {
        VIGIL_UNSCANNED: {
          name: 'VIGIL_UNSCANNED',
          score: 0,
          metric_score: 0,
          options: [o.reason, o.detail],
        },
      },
      messages: tempfail ? { smtp_message: `Vigil: message not checked (${o.reason}), try again later` } : {},
      'message-id': messageId,
      time_real: o.ms / 1000,
      vigil_action: 'unscanned',
    };
  }
  const v: MailVerdict = o.verdict;
  const symbols: Record<string, unknown> = {};
  for (const s of rankedSignals(v))
    symbols[s.name] = {
      name: s.name,
      score: s.weight,
      metric_score: s.weight,
      description: s.description,
      ...(Object.keys(s.evidence).length ? { options: options(s.evidence) } : {}),
    };
  const reply: Record<string, unknown> = {
    is_skipped: false,
    score: v.score,
    required_score: threshold,
    action: ACTION[v.action],
    symbols,
    messages:
      v.action === 'reject'
        ? { smtp_message: `Vigil: message rejected (score ${v.score}: ${topSignalsText(v)})` }
        : {},
    'message-id': (v.messageId || messageId).replace(/^<|>$/g, ''),
    time_real: o.ms / 1000,
    vigil_action: v.action,
  };
  const urls = [...new Set(v.links.map((l) => l.host).filter(Boolean))].slice(0, 100);
  if (urls.length) reply['urls'] = urls;
  return reply;
}
