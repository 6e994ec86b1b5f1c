import type { Generated } from 'kysely';

/**
 * The case store's tables (the same on SQLite and PostgreSQL). Times are ISO 8601 UTC strings
 * (they sort as text on both); `''` stands for "no time" so keyset pagination needs no NULL rules.
 */
export interface OrgsTable {
  id: Generated<number>;
  /** As given: Unicode, case and spaces kept. */
  name: string;
  created_at: string;
  verdict: Generated<string>;
  verdict_rank: Generated<number>;
  hosts: Generated<number>;
  n_critical: Generated<number>;
  n_high: Generated<number>;
  n_medium: Generated<number>;
  n_low: Generated<number>;
  n_info: Generated<number>;
  victims: Generated<number>;
  campaigns: Generated<number>;
  malicious_campaigns: Generated<number>;
  malicious: Generated<number>;
  last_import: string | null;
}

export interface ImportsTable {
  id: Generated<number>;
  org_id: number;
  source: string;
  actor: string;
  started_at: string;
  finished_at: string;
  lines: number;
  added: number;
  duplicates: number;
  malformed: number;
}

export interface FindingsTable {
  id: Generated<number>;
  org_id: number;
  import_id: number | null;
  /** sha256 of rule, host, source, time and evidence: the same finding imported twice is one row. */
  fingerprint: string;
  rule: string;
  severity: string;
  sev_rank: number;
  host: string | null;
  time: string;
  title: string;
  /** What the finding concluded, for the rules that conclude: a server verdict, a mail action. */
  outcome: string | null;
  /** Mirror of the newest finding_status row (the finding's own data never changes). */
  status: Generated<string>;
  /** The finding as imported (JSON). */
  data: string;
}

export interface FindingStatusTable {
  id: Generated<number>;
  finding_id: number;
  status: string;
  actor: string;
  reason: string;
  at: string;
}

export interface HostsTable {
  id: Generated<number>;
  org_id: number;
  name: string;
  verdict: string | null;
  verdict_rank: Generated<number>;
  verdict_finding_id: number | null;
  verdict_time: string | null;
  first_activity: string | null;
  build_now: string | null;
  build_now_verdict: string | null;
  build_label: string | null;
  build_then: string | null;
  exposed_then: number | null;
  fix: string | null;
  attacker_ips: string | null;
}

export interface CampaignsTable {
  finding_id: number;
  org_id: number;
  campaign: string;
  action: string;
  size: number;
  orgs: number;
  first_seen: string;
  last_seen: string;
  subjects: string;
  senders: string;
}

export interface VictimsTable {
  finding_id: number;
  org_id: number;
  uid: string;
  domain: string;
  stage: string;
  first_seen: string;
  last_seen: string;
}

export interface TokensTable {
  id: Generated<number>;
  /** sha256 of the token; the token itself is shown once and never stored. */
  hash: string;
  role: string;
  /** For `org` tokens: the one organisation they see. */
  org: string | null;
  label: string;
  created_at: string;
  revoked_at: string | null;
}

export interface StoreVersionTable {
  id: number;
  version: number;
}

export interface DB {
  store_version: StoreVersionTable;
  orgs: OrgsTable;
  imports: ImportsTable;
  findings: FindingsTable;
  finding_status: FindingStatusTable;
  hosts: HostsTable;
  campaigns: CampaignsTable;
  sunburst_victims: VictimsTable;
  tokens: TokensTable;
}
