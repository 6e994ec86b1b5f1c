import PostalMime, { type Email } from 'postal-mime';
import { analyzeMessage, type AnalyzeOptions, type MailVerdict } from '../analyze.ts';
import { PARSE_LIMITS } from '../parse.ts';
import { campaignFeatures, type CampaignFeatures } from '../campaign/features.ts';

/**
 * The seam between the hunt and the mail engine: one message's bytes → its verdict (the same
 * `analyzeMessage` every door uses) and its campaign features, from one MIME parse. When the
 * library API in src/engine/ lands, this is the one place to repoint.
 */
export async function judgeMessage(
  raw: Uint8Array,
  opts: AnalyzeOptions,
  fallbackTime?: string,
  parsed: Promise<Email> = PostalMime.parse(raw, PARSE_LIMITS),
): Promise<{ verdict: MailVerdict; features: CampaignFeatures }> {
  let email: Email | null = null;
  try {
    email = await parsed;
  } catch {
    // analyzeMessage raises MIME_MALFORMED with the reason and reads what it can
  }
  const verdict = await analyzeMessage(raw, opts, parsed);
  return { verdict, features: campaignFeatures(email, verdict, fallbackTime) };
}
