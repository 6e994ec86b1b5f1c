import { headerEnd } from '../message.ts';
import { rankedSignals, vigilHeaders, type Outcome } from '../verdict.ts';

/**
 * SPAMD/1.x reply bodies for a Vigil outcome (SpamAssassin's spamd/PROTOCOL and spamd.raw).
 * "Spam" means the action is add_header or worse, and the threshold shown is the add_header
 * threshold, so `spamc -c` exits 1 exactly for the messages Vigil would flag.
 */
export const EX = {
  OK: 0,
  USAGE: 64,
  DATAERR: 65,
  UNAVAILABLE: 69,
  SOFTWARE: 70,
  IOERR: 74,
  TEMPFAIL: 75,
  PROTOCOL: 76,
  TIMEOUT: 79,
} as const;

const f1 = (n: number) => n.toFixed(1);

export interface SpamFacts {
  readonly spam: boolean;
  readonly score: number;
  readonly threshold: number;
  readonly names: string[];
}

export function facts(o: Outcome, threshold: number): SpamFacts {
  if (o.kind === 'unscanned') return { spam: false, score: 0, threshold, names: [] };
  const v = o.verdict;
  // A ham score is shown below the threshold, as spamd does (never "ham at 3.0 / 3.0").
  const spam = v.action !== 'no_action';
  const score = spam ? v.score : Math.min(v.score, threshold - 0.1);
  return { spam, score, threshold, names: rankedSignals(v).map((s) => s.name) };
}

export const spamLine = (f: SpamFacts, yesNo = false): string =>
  `Spam: ${yesNo ? (f.spam ? 'Yes' : 'No') : f.spam ? 'True' : 'False'} ; ${f1(f.score)} / ${f1(f.threshold)}`;

/** SpamAssassin's report table. */
export function report(o: Outcome, f: SpamFacts): string {
  const lines = [
    `Content analysis details:   (${f1(f.score)} points, ${f1(f.threshold)} required)`,
    '',
    ' pts rule name              description',
    '---- ---------------------- --------------------------------------------------',
  ];
  if (o.kind === 'verdict')
    for (const s of rankedSignals(o.verdict))
      lines.push(`${f1(s.weight).padStart(4)} ${s.name.padEnd(22)} ${s.description.slice(0, 200)}`);
  else lines.push(` 0.0 VIGIL_UNSCANNED        message not checked (${o.reason})`);
  return `${lines.join('\n')}\n`;
}

const DROP = /^(?:x-spam-flag|x-spam-status|x-spam-score|x-spam-level|x-vigil-[a-z-]+):/i;

/** The message's header block with stale spam headers removed and ours added at its end. */
export function rewrittenHeader(
  raw: Buffer,
  o: Outcome,
  f: SpamFacts,
): { header: Buffer; rest: Buffer; eol: string } {
  const end = headerEnd(raw);
  const eol = raw.indexOf('\r\n') >= 0 && raw.indexOf('\r\n') <= raw.indexOf('\n') ? '\r\n' : '\n';
  const head = raw.subarray(0, end).toString('latin1');
  const fields: string[] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length) fields[fields.length - 1] += eol + line;
    else if (line) fields.push(line);
  }
  const kept = fields.filter((x) => !DROP.test(x));
  const add: [string, string][] = [];
  if (o.kind === 'verdict') add.push(...vigilHeaders(o.verdict));
  else add.push(['X-Vigil-Unscanned', o.reason]);
  add.push(
    [
      'X-Spam-Status',
      `${f.spam ? 'Yes' : 'No'}, score=${f1(f.score)} required=${f1(f.threshold)} tests=${f.names.join(',').slice(0, 600) || 'none'} version=vigil`,
    ],
    ['X-Spam-Score', f1(f.score)],
  );
  const text = [...kept, ...add.map(([n, v]) => `${n}: ${v.replace(/\r\n/g, eol)}`)].join(eol) + eol;
  const sep = raw.subarray(end, end + (raw[end] === 0x0d ? 4 : 2));
  return {
    eol,
    header: Buffer.from(text, 'latin1'),
    rest:
      end < raw.length ? Buffer.concat([Buffer.from(eol), raw.subarray(end + sep.length)]) : Buffer.alloc(0),
  };
}
