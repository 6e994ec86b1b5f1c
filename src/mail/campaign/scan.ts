import type { Finding } from '../../model/finding.ts';
import type { MailVerdict } from '../analyze.ts';
import type { Scoring } from '../signals.ts';
import type { CampaignFeatures } from './features.ts';
import { CampaignEngine } from './engine.ts';
import { campaignFinding, judgedFinding } from './findings.ts';

/**
 * `mail scan` over many messages: the verdicts the mail detector emitted (each carrying its
 * campaign features) go through the campaign engine once the scan is over, as in `mail hunt`
 * (called by the engine's mail profile, src/engine/profiles.ts).
 */
export function regroupVerdicts(held: readonly Finding[], scoring: Scoring, all: boolean): Finding[] {
  const engine = new CampaignEngine(scoring);
  for (const f of held) {
    const { campaignFeatures, ...rest } = f.evidence as Record<string, unknown>;
    engine.add(
      { path: f.source.path, ...(f.source.line ? { line: f.source.line } : {}) },
      campaignFeatures as CampaignFeatures,
      rest as unknown as MailVerdict,
    );
  }
  const { judged, campaigns } = engine.finish();
  return [
    ...judged.filter((j) => all || j.verdict.action !== 'no_action').map(judgedFinding),
    ...campaigns.filter((c) => all || c.judgement.action !== 'no_action').map(campaignFinding),
  ];
}
