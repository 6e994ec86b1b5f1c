/** Server verdicts, worst first (src/exchange/verdict.ts); `unknown` when no scan judged a host. */
export const VERDICTS = ['compromised', 'attempted', 'vulnerable', 'probed', 'clean', 'unknown'] as const;
export type OrgVerdict = (typeof VERDICTS)[number];

/** 5 for compromised … 1 for clean, 0 for unknown: larger is worse, so `max` picks the worst. */
export function verdictRank(v: string | null | undefined): number {
  const i = (VERDICTS as readonly string[]).indexOf(v ?? 'unknown');
  return i < 0 || i === VERDICTS.length - 1 ? 0 : VERDICTS.length - 1 - i;
}

export function verdictOfRank(rank: number): OrgVerdict {
  return VERDICTS[VERDICTS.length - 1 - rank] ?? 'unknown';
}

/** Finding statuses; `open` is the state of a finding nobody has looked at. */
export const STATUSES = ['open', 'triaged', 'false_positive', 'remediated'] as const;
export type FindingStatus = (typeof STATUSES)[number];

/** Mail actions that pull a message (DESIGN.md: the words Rspamd users know). */
export const MALICIOUS_ACTIONS = ['quarantine', 'reject'] as const;
