import { analyzeMessage as analyzeMail, type MailVerdict } from '../mail/analyze.ts';
import { verdictFinding, withEnvelope } from '../mail/detector.ts';
import { parseMail } from '../mail/parse.ts';
import type { Finding } from '../model/finding.ts';
import type { MailRecord } from '../model/records.ts';
import { engineOf, type Engine, type EngineOptions } from './engine.ts';
import type { MessageContext } from './session.ts';

/**
 * One message → its verdict: the same `MailVerdict` `vigil mail scan` scores and `vigil mail
 * explain --json` prints (score, action, every signal with its weight and evidence, links,
 * attachments, authentication). The envelope in `context` (client IP, HELO, MAIL FROM) is what SPF
 * is checked against; without it, the engine's mail options (or the topmost Received header) are.
 * Pass a loaded engine: loading one per message would read the packs every time.
 *
 * @example
 * const engine = loadEngine({ mail: { dns: 'live' } });
 * const v = await analyzeMessage(bytes, { clientIp: '192.0.2.7', helo: 'mx.example.org' }, engine);
 * if (v.action === 'reject') …
 */
export async function analyzeMessage(
  bytes: Uint8Array,
  context: MessageContext = {},
  engine?: Engine | EngineOptions,
): Promise<MailVerdict> {
  const e = engineOf(engine);
  const { name, ...envelope } = context;
  const rec: MailRecord = { kind: 'mail', source: { path: name ?? 'message' }, raw: bytes };
  return analyzeMail(bytes, withEnvelope(e.mailOptions(), envelope), parseMail(rec));
}

/** A verdict as the `mail.verdict` finding (the shape JSON Lines, SARIF and the case store carry). */
export function verdictAsFinding(verdict: MailVerdict, context: MessageContext = {}): Finding {
  return verdictFinding(verdict, { source: { path: context.name ?? 'message' } });
}
