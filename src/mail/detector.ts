import { readFileSync } from 'node:fs';
import { compile, type YaraX } from '@litko/yara-x';
import { contextKey, defineDetector } from '../model/detector.ts';
import { INTEL } from '../intel/context.ts';
import { makeFinding, type Finding } from '../model/finding.ts';
import type { Envelope, MailRecord } from '../model/records.ts';
import type { Severity } from '../model/severity.ts';
import { analyzeMessage, type AnalyzeOptions, type MailVerdict } from './analyze.ts';
import { parseMail } from './parse.ts';
import { judgeMessage } from './hunt/verdict.ts';
import { loadScoring, type Action, type Scoring } from './signals.ts';
import { zoneResolver, type Resolver } from './zone.ts';
import { promises as dns } from 'node:dns';

/**
 * Mail scoring as a detector: one `mail.verdict` finding per message, its severity from the
 * action, the signals with their weights and evidence in the finding. `vigil mail scan` and
 * `vigil triage` both run it; the options travel in the detector context (plain data, so worker
 * threads can rebuild them).
 */
export interface MailConfig {
  /** Scoring file (default: the shipped scoring.yaml). */
  readonly scoring?: string;
  readonly trustedAuthserv?: readonly string[];
  /** `none` (default: nothing verified), `live` (system DNS) or a zone file / JSON DNS cache. */
  readonly dns?: string;
  readonly ip?: string;
  readonly helo?: string;
  readonly sender?: string;
  /** Follow up to this many links per message online (0 or absent: offline). */
  readonly resolveLinks?: number;
  /** Emit verdicts with action no_action too (JSONL consumers want one line per message). */
  readonly all?: boolean;
  /** Put each message's campaign features in its verdict (`campaignFeatures`), for the campaign engine. */
  readonly campaigns?: boolean;
}

/** The mail scoring options in a scan's context. */
export const MAIL_OPTIONS = contextKey<MailConfig>('mail', 'mail scoring options (vigil mail scan / triage)');

const SEVERITY: Record<Action, Severity> = {
  no_action: 'info',
  add_header: 'medium',
  quarantine: 'high',
  reject: 'critical',
};

export const MAIL_RULES = new URL('./rules/mail.yar', import.meta.url);
let rules: YaraX | undefined;
function yara(): (data: Uint8Array) => string[] {
  rules ??= compile(readFileSync(MAIL_RULES, 'utf8'));
  return (data) =>
    rules!.scan(Buffer.from(data.buffer, data.byteOffset, data.byteLength)).map((m) => m.ruleIdentifier);
}

function resolverFor(spec: string | undefined): { resolver?: Resolver; resolverName?: string } {
  if (!spec || spec === 'none') return {};
  if (spec === 'live')
    return { resolver: (name, type) => dns.resolve(name, type) as Promise<unknown[]>, resolverName: 'dns' };
  return { resolver: zoneResolver(spec), resolverName: `zone ${spec}` };
}

export function analyzeOptions(cfg: MailConfig, intel: AnalyzeOptions['intel']): AnalyzeOptions {
  const scoring: Scoring = cfg.scoring ? loadScoring(cfg.scoring) : loadScoring();
  return {
    scoring,
    ...(intel ? { intel } : {}),
    yara: yara(),
    ...(cfg.resolveLinks ? { resolveLinks: { maxLinks: cfg.resolveLinks } } : {}),
    auth: {
      ...(cfg.trustedAuthserv ? { trustedAuthserv: cfg.trustedAuthserv } : {}),
      ...resolverFor(cfg.dns),
      ...(cfg.ip ? { ip: cfg.ip } : {}),
      ...(cfg.helo ? { helo: cfg.helo } : {}),
      ...(cfg.sender ? { sender: cfg.sender } : {}),
    },
  };
}

/**
 * The options for one message in flight: the SMTP envelope (client address, HELO, MAIL FROM), when
 * the message has one, replaces the command line's --ip / --helo / --sender for SPF.
 */
export function withEnvelope(opts: AnalyzeOptions, env: Envelope | undefined): AnalyzeOptions {
  if (!env || (env.clientIp === undefined && env.helo === undefined && env.mailFrom === undefined))
    return opts;
  return {
    ...opts,
    auth: {
      ...opts.auth,
      ...(env.clientIp !== undefined ? { ip: env.clientIp } : {}),
      ...(env.helo !== undefined ? { helo: env.helo } : {}),
      ...(env.mailFrom !== undefined ? { sender: env.mailFrom } : {}),
    },
  };
}

export function verdictFinding(v: MailVerdict, rec: Pick<MailRecord, 'source'>): Finding {
  const top = v.signals
    .filter((s) => s.weight > 0)
    .slice(0, 4)
    .map((s) => s.name)
    .join(', ');
  const time = v.date && !Number.isNaN(Date.parse(v.date)) ? new Date(v.date).toISOString() : undefined;
  return makeFinding({
    rule: 'mail.verdict',
    title: `${v.action} (score ${v.score}): ${v.subject.slice(0, 80) || '(no subject)'} — from ${v.from || '(no address)'}${top ? ` — ${top}` : ''}`,
    severity: SEVERITY[v.action],
    attack: v.action === 'no_action' ? [] : ['T1566'],
    ...(time ? { time } : {}),
    source: rec.source,
    evidence: JSON.parse(JSON.stringify(v)) as Finding['evidence'],
    ...(v.action !== 'no_action'
      ? {
          remediation:
            v.action === 'add_header'
              ? 'Deliver with a warning header; review the signals.'
              : 'Quarantine the message; search the other mailboxes for the same sender, links and attachments.',
        }
      : {}),
  });
}

export const mailVerdictDetector = defineDetector({
  id: 'mail.verdict',
  description:
    'Scores each message: sender impersonation, lookalike domains, authentication, links (unwrapped), attachments by content (ISO/LNK/HTML smuggling/macros), the lure — named signals with weights',
  kinds: ['mail'],
  rules: [{ id: 'mail.verdict', title: 'Mail verdict (score, action and the signals behind it)' }],
  options: [MAIL_OPTIONS, INTEL],
  create(ctx) {
    const cfg = MAIL_OPTIONS.get(ctx) ?? {};
    let opts: AnalyzeOptions | undefined;
    return {
      async onRecord(rec, emit) {
        opts ??= analyzeOptions(cfg, INTEL.get(ctx));
        const run = withEnvelope(opts, rec.envelope);
        if (cfg.campaigns) {
          const { verdict, features } = await judgeMessage(rec.raw, run, undefined, parseMail(rec));
          const f = verdictFinding(verdict, rec);
          emit({ ...f, evidence: { ...f.evidence, campaignFeatures: { ...features } } });
          return;
        }
        const v = await analyzeMessage(rec.raw, run, parseMail(rec));
        if (v.action === 'no_action' && !cfg.all) return;
        emit(verdictFinding(v, rec));
      },
    };
  },
});
