import { deliveredView, type Envelope } from '../message.ts';
import { topSignalsText, vigilHeaders, type Logger, type Verdicts } from '../verdict.ts';
import type { Decision, MilterHandler, Transaction } from './session.ts';

/**
 * Vigil behind the milter door: the transaction becomes the delivered view of the message, the
 * verdict service judges it, and the outcome becomes milter actions. Headers an earlier hop (or
 * the sender) wrote under Vigil's names are removed, so that only this verdict is on the message.
 */
export function envelopeOf(tx: Transaction): Envelope {
  const c = tx.connect;
  const name = c?.hostname && !c.hostname.startsWith('[') ? c.hostname : 'unknown';
  const tlsVersion = tx.macro('tls_version');
  const cipher = tx.macro('cipher');
  const bits = tx.macro('cipher_bits');
  const qid = tx.macro('i');
  const j = tx.macro('j');
  return {
    ...(tx.sender !== undefined ? { sender: tx.sender } : {}),
    recipients: tx.recipients,
    ...(tx.helo ? { helo: tx.helo } : {}),
    clientName: name,
    ...(c?.address ? { clientAddr: c.address } : {}),
    ...(c ? { clientPort: c.port } : {}),
    ...(j ? { myHostname: j } : {}),
    ...(qid ? { queueId: qid } : {}),
    ...(tlsVersion
      ? { tls: { version: tlsVersion, ...(cipher ? { cipher } : {}), ...(bits ? { bits } : {}) } }
      : {}),
    ...(tx.macro('auth_authen') ? { authenticated: true } : {}),
  };
}

/** The header block as received: `Name: value` lines, folded values with CRLF. */
export function headerBlock(tx: Transaction): Buffer {
  return Buffer.from(
    tx.headers.map(([n, v]) => `${n}: ${v.replace(/\r?\n/g, '\r\n')}\r\n`).join(''),
    'latin1',
  );
}

const OURS = /^x-vigil-/i;

export function vigilMilter(verdicts: Verdicts, log: Logger): MilterHandler {
  return {
    async endOfMessage(tx: Transaction): Promise<Decision> {
      const env = envelopeOf(tx);
      // Spoofed verdict headers, highest index first so that earlier deletions shift nothing.
      const seen = new Map<string, number>();
      const deleteHeaders: { name: string; index: number }[] = [];
      for (const [n] of tx.headers)
        if (OURS.test(n)) {
          const i = (seen.get(n.toLowerCase()) ?? 0) + 1;
          seen.set(n.toLowerCase(), i);
          deleteHeaders.unshift({ name: n, index: i });
        }
      const raw = deliveredView(headerBlock(tx), tx.body, env);
      const ctx = {
        ...(env.clientAddr && env.clientPort !== 0 ? { ip: env.clientAddr } : {}),
        ...(env.helo ? { helo: env.helo } : {}),
        ...(env.sender !== undefined ? { sender: env.sender } : {}),
        recipients: env.recipients,
        ...(env.queueId ? { queueId: env.queueId } : {}),
      };
      const o = await verdicts.judge(raw, ctx, {
        door: 'milter',
        ...(env.queueId ? { queueId: env.queueId } : {}),
        size: tx.truncated ? tx.size + raw.length - tx.body.length : raw.length,
      });
      if (o.kind === 'unscanned') {
        if (o.policy === 'tempfail')
          return {
            reply: {
              kind: 'tempfail',
              code: '451 4.7.1',
              text: `Vigil: message not checked (${o.reason}), try again later`,
            },
          };
        return { deleteHeaders, addHeaders: [['X-Vigil-Unscanned', o.reason]], reply: { kind: 'accept' } };
      }
      const v = o.verdict;
      if (v.action === 'reject')
        return {
          reply: {
            kind: 'reject',
            code: '550 5.7.1',
            text: `Vigil: message rejected (score ${v.score}: ${topSignalsText(v)})`,
          },
        };
      return {
        deleteHeaders,
        addHeaders: vigilHeaders(v),
        ...(v.action === 'quarantine' ? { quarantine: `Vigil: score ${v.score}: ${topSignalsText(v)}` } : {}),
        reply: { kind: 'accept' },
      };
    },
    error(where, err) {
      log({ door: 'milter', peer: where, error: 'protocol', detail: err.message.slice(0, 300) });
    },
  };
}
