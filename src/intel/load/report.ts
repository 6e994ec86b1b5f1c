/** What loading one feed gave: counts, and every indicator that was not loaded, with why and where. */
export interface LoadReport {
  readonly file: string;
  format: string;
  loaded: number;
  readonly byType: Record<string, number>;
  /** Malformed indicators: the value is not what its type says. */
  readonly rejected: { where: string; value: string; reason: string }[];
  /** Well-formed entries the IOC index cannot evaluate (correlation patterns, YARA over files, event logs, to_ids false). */
  readonly unsupported: { where: string; reason: string }[];
}

export function newReport(file: string, format: string): LoadReport {
  return { file, format, loaded: 0, byType: {}, rejected: [], unsupported: [] };
}

export function count(r: LoadReport, type: string, n = 1): void {
  r.loaded += n;
  r.byType[type] = (r.byType[type] ?? 0) + n;
}
