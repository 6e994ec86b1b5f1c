/**
 * Findings as CSV (RFC 4180) for spreadsheets. Attacker-written text (a User-Agent, a subject) that
 * starts with = + - @ or a tab would be read as a formula by Excel or LibreOffice; such a cell is
 * prefixed with an apostrophe, as OWASP advises for CSV injection.
 */
export const FINDING_CSV_COLUMNS = [
  'id',
  'org',
  'time',
  'severity',
  'rule',
  'host',
  'status',
  'title',
  'source',
  'evidence',
] as const;

export function csvCell(v: unknown): string {
  let s = v === null || v === undefined ? '' : typeof v === 'string' ? v : JSON.stringify(v);
  if (/^[=+\-@\t\r]/.test(s)) s = `'${s}`;
  return /[",\r\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

export function csvRow(values: readonly unknown[]): string {
  return `${values.map(csvCell).join(',')}\r\n`;
}

export interface CsvFinding {
  id: number;
  org: string;
  time: string | null;
  severity: string;
  rule: string;
  host: string | null;
  status: string;
  title: string;
  finding: unknown;
}

export function findingCsvRow(f: CsvFinding): string {
  const raw = (f.finding ?? {}) as { source?: { path?: string; line?: number }; evidence?: unknown };
  const src = raw.source ? `${raw.source.path ?? ''}${raw.source.line ? `:${raw.source.line}` : ''}` : '';
  return csvRow([
    f.id,
    f.org,
    f.time,
    f.severity,
    f.rule,
    f.host,
    f.status,
    f.title,
    src,
    raw.evidence ?? {},
  ]);
}
