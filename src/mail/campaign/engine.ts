import type { MailVerdict } from '../analyze.ts';
import type { Scoring } from '../signals.ts';
import type { CampaignFeatures } from './features.ts';
import { ClusterStore, type StoreLimits } from './store.ts';
import { applyCampaign, judgeCampaign, type CampaignJudgement } from './judge.ts';

/**
 * The one campaign engine `mail scan` and `mail hunt` share: messages (their verdict, their
 * campaign features and where they are) go in one by one; at the end the clusters are judged and
 * every member of a malicious campaign takes the campaign's action.
 */
export interface MessageRef {
  /** Where the message is: a file path, or an RFC 5092 IMAP URL. */
  readonly path: string;
  readonly line?: number;
  readonly org?: string;
  readonly user?: string;
  readonly mailbox?: string;
  readonly uid?: number;
  readonly uidValidity?: string;
}

export interface Judged {
  readonly ref: MessageRef;
  readonly verdict: MailVerdict;
  /** The campaign id when the message belongs to a cluster of two or more. */
  readonly campaign?: string;
}

export interface Campaign {
  readonly judgement: CampaignJudgement;
  readonly members: readonly { readonly ref: MessageRef; readonly messageId: string }[];
}

interface Item {
  readonly ref: MessageRef;
  readonly features: CampaignFeatures;
  verdict: MailVerdict;
}

export class CampaignEngine {
  private readonly store: ClusterStore;
  private readonly items: Item[] = [];
  private readonly scoring: Scoring;

  constructor(scoring: Scoring, limits?: StoreLimits) {
    this.scoring = scoring;
    this.store = new ClusterStore(limits);
  }

  add(ref: MessageRef, features: CampaignFeatures, verdict: MailVerdict): void {
    this.store.add(features);
    this.items.push({ ref, features, verdict });
  }

  get size(): number {
    return this.items.length;
  }

  finish(): { judged: Judged[]; campaigns: Campaign[] } {
    const campaignOf = new Map<number, string>();
    const campaigns: Campaign[] = [];
    for (const ids of this.store.clusters(2)) {
      const members = ids.map((i) => {
        const it = this.items[i]!;
        return { features: it.features, org: it.ref.org || it.features.recipientOrg, verdict: it.verdict };
      });
      const j = judgeCampaign(members);
      for (const i of ids) {
        campaignOf.set(i, j.id);
        this.items[i]!.verdict = applyCampaign(this.items[i]!.verdict, j, this.scoring);
      }
      campaigns.push({
        judgement: j,
        members: ids.map((i) => ({ ref: this.items[i]!.ref, messageId: this.items[i]!.verdict.messageId })),
      });
    }
    campaigns.sort(
      (a, b) => b.judgement.size - a.judgement.size || (a.judgement.id < b.judgement.id ? -1 : 1),
    );
    const judged = this.items.map((it, i) => {
      const c = campaignOf.get(i);
      return { ref: it.ref, verdict: it.verdict, ...(c ? { campaign: c } : {}) };
    });
    return { judged, campaigns };
  }
}
