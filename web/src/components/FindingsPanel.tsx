// Question 2 in detail: an organisation's findings, most severe first, filtered and searched by
// the API (severity, rule, host, status, title text), paged through its cursor. Export asks the
// API for every finding that matches the filters, not just this page.
import { useEffect, useState } from 'preact/hooks';
import { api, SEVERITIES, STATUSES, type FindingsQuery } from '../api.ts';
import { useLoad } from '../load.ts';
import { num, SEVERITY_LABEL, STATUS_LABEL } from '../format.ts';
import { safeName } from '../export.ts';
import { ExportButtons } from './ExportButtons.tsx';
import { ErrorNote } from './ErrorNote.tsx';
import { FindingRow } from './FindingRow.tsx';

const PAGE_SIZES = [25, 50, 100, 200];

export function FindingsPanel(p: {
  org: string;
  rules: string[];
  hosts: string[];
  version: number;
  canTriage: boolean;
  onChanged: () => void;
}) {
  const [severity, setSeverity] = useState('');
  const [rule, setRule] = useState('');
  const [host, setHost] = useState('');
  const [status, setStatus] = useState('');
  const [limit, setLimit] = useState(25);
  const [search, setSearch] = useState('');
  const [q, setQ] = useState('');
  // The cursors of the pages visited so far: the last one is the page shown; Previous pops it.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const cursor = cursors[cursors.length - 1] ?? null;
  const filters: FindingsQuery = { severity, rule, host, status, q };

  // The search goes to the server a moment after typing stops, not on every key.
  useEffect(() => {
    const t = setTimeout(() => {
      if (search.trim() !== q) {
        setQ(search.trim());
        setCursors([null]);
      }
    }, 250);
    return () => clearTimeout(t);
  }, [search, q]);

  const page = useLoad(
    () => api.findings(p.org, { ...filters, limit, cursor }),
    [p.org, severity, rule, host, status, q, limit, cursor, p.version],
  );
  const shown = page.data?.findings ?? [];
  const pageNo = cursors.length;
  const on = (set: (v: string) => void) => (e: Event) => {
    set((e.currentTarget as HTMLSelectElement).value);
    setCursors([null]);
  };
  const exportAs = (format: 'csv' | 'jsonl') => () => api.export(p.org, format, filters);

  return (
    <section aria-labelledby="findings-h" class="panel">
      <div class="bar">
        <h2 id="findings-h">Findings</h2>
        <ExportButtons name={`${safeName(p.org)}-findings`} csv={exportAs('csv')} jsonl={exportAs('jsonl')} />
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter findings">
        <label>
          <span>Severity</span>
          <select name="severity" value={severity} onChange={on(setSeverity)}>
            <option value="">Any</option>
            {SEVERITIES.map((s) => (
              <option key={s} value={s}>
                {SEVERITY_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Rule</span>
          <select name="rule" value={rule} onChange={on(setRule)}>
            <option value="">Any</option>
            {[...new Set([...p.rules, ...(rule ? [rule] : [])])].sort().map((r) => (
              <option key={r} value={r}>
                {r}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Host</span>
          <select name="host" value={host} onChange={on(setHost)}>
            <option value="">Any</option>
            {[...new Set([...p.hosts, ...(host ? [host] : [])])].sort().map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        </label>
        <label>
          <span>Status</span>
          <select name="status" value={status} onChange={on(setStatus)}>
            <option value="">Any</option>
            <option value="open,triaged,remediated">All but false positives</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {STATUS_LABEL[s]}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          <span>Search titles</span>
          <input
            type="search"
            name="q"
            maxLength={200}
            placeholder="web shell, SSRF, autodiscover…"
            value={search}
            onInput={(e) => setSearch(e.currentTarget.value)}
          />
        </label>
        <label>
          <span>Per page</span>
          <select
            name="limit"
            value={String(limit)}
            onChange={(e) => {
              setLimit(Number(e.currentTarget.value));
              setCursors([null]);
            }}
          >
            {PAGE_SIZES.map((n) => (
              <option key={n} value={String(n)}>
                {n}
              </option>
            ))}
          </select>
        </label>
      </form>
      <ErrorNote error={page.error} />
      <p class="muted small page-status" aria-live="polite">
        {page.loading
          ? 'Loading…'
          : `Page ${pageNo}: ${num(shown.length)} findings${page.data?.next ? '' : ' (last page)'}.`}
      </p>
      <ul class="findings">
        {shown.map((f) => (
          <FindingRow key={f.id} finding={f} canTriage={p.canTriage} onChanged={p.onChanged} />
        ))}
      </ul>
      {!shown.length && !page.loading && <p class="muted">No finding matches these filters.</p>}
      <nav class="pager" aria-label="Pages">
        <button type="button" disabled={pageNo < 2} onClick={() => setCursors(cursors.slice(0, -1))}>
          ← Previous
        </button>
        <span>Page {pageNo}</span>
        <button
          type="button"
          disabled={!page.data?.next || page.loading}
          onClick={() => setCursors([...cursors, page.data?.next ?? null])}
        >
          Next →
        </button>
      </nav>
    </section>
  );
}
