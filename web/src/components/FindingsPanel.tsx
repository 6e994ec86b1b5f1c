// Question 2 in detail: an organisation's findings, most severe first, filtered by the API
// (severity, rule, host), paged through its cursor; a text search runs over the findings loaded
// for the timeline. Export takes every finding that matches the filters, not just this page.
import { useMemo, useState } from 'preact/hooks';
import { allFindings, api, SEVERITIES, statusOf, type Finding, type FindingsQuery } from '../api.ts';
import { useLoad } from '../load.ts';
import { num, SEVERITY_LABEL, sourceText } from '../format.ts';
import { safeName, toCsv, toJsonl } from '../export.ts';
import { ExportButtons } from './ExportButtons.tsx';
import { ErrorNote } from './ErrorNote.tsx';
import { FindingRow } from './FindingRow.tsx';

const PAGE_SIZES = [25, 50, 100, 200];
const EXPORT_CAP = 100_000;

const COLUMNS = [
  'id',
  'severity',
  'rule',
  'title',
  'time',
  'host',
  'source',
  'status',
  'cve',
  'attack',
  'evidence',
  'remediation',
];

function flat(f: Finding): Record<string, unknown> {
  return {
    ...f,
    source: sourceText(f.source),
    status: statusOf(f),
    cve: (f.cve ?? []).join(' '),
    attack: (f.attack ?? []).join(' '),
  };
}

function haystack(f: Finding): string {
  return `${f.title}\n${f.rule}\n${f.host ?? ''}\n${sourceText(f.source)}\n${JSON.stringify(f.evidence ?? {})}`
    .toLocaleLowerCase()
    .normalize('NFKC');
}

export function FindingsPanel(p: {
  org: string;
  /** The findings loaded for the timeline (searched when a search text is given). */
  loaded: { findings: Finding[]; complete: boolean } | undefined;
  rules: string[];
  hosts: string[];
  version: number;
  onChanged: () => void;
}) {
  const [severity, setSeverity] = useState('');
  const [rule, setRule] = useState('');
  const [host, setHost] = useState('');
  const [limit, setLimit] = useState(25);
  const [search, setSearch] = useState('');
  // The cursors of the pages visited so far: the last one is the page shown; Previous pops it.
  const [cursors, setCursors] = useState<(string | null)[]>([null]);
  const [searchPage, setSearchPage] = useState(0);
  const cursor = cursors[cursors.length - 1] ?? null;
  const q: FindingsQuery = { severity, rule, host };

  const reset = () => {
    setCursors([null]);
    setSearchPage(0);
  };
  const page = useLoad(
    () => api.findings(p.org, { ...q, limit, cursor }),
    [p.org, severity, rule, host, limit, cursor, p.version],
  );

  const needle = search.trim().toLocaleLowerCase().normalize('NFKC');
  const matches = useMemo(() => {
    if (!needle || !p.loaded) return null;
    return p.loaded.findings.filter(
      (f) =>
        (!severity || f.severity === severity) &&
        (!rule || f.rule === rule) &&
        (!host || f.host === host) &&
        haystack(f).includes(needle),
    );
  }, [needle, p.loaded, severity, rule, host]);

  const shown: Finding[] = matches
    ? matches.slice(searchPage * limit, (searchPage + 1) * limit)
    : (page.data?.findings ?? []);
  const pageNo = matches ? searchPage + 1 : cursors.length;
  const hasNext = matches ? (searchPage + 1) * limit < matches.length : page.data?.next != null;
  const hasPrev = pageNo > 1;

  const exportAll = async () => matches ?? (await allFindings(p.org, q, EXPORT_CAP)).findings;

  return (
    <section aria-labelledby="findings-h" class="panel">
      <div class="bar">
        <h2 id="findings-h">Findings</h2>
        <ExportButtons
          name={`${safeName(p.org)}-findings`}
          csv={async () => toCsv((await exportAll()).map(flat), COLUMNS)}
          jsonl={async () => toJsonl(await exportAll())}
        />
      </div>
      <form class="filters" onSubmit={(e) => e.preventDefault()} aria-label="Filter findings">
        <label>
          <span>Severity</span>
          <select
            name="severity"
            value={severity}
            onChange={(e) => {
              setSeverity(e.currentTarget.value);
              reset();
            }}
          >
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
          <select
            name="rule"
            value={rule}
            onChange={(e) => {
              setRule(e.currentTarget.value);
              reset();
            }}
          >
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
          <select
            name="host"
            value={host}
            onChange={(e) => {
              setHost(e.currentTarget.value);
              reset();
            }}
          >
            <option value="">Any</option>
            {[...new Set([...p.hosts, ...(host ? [host] : [])])].sort().map((h) => (
              <option key={h} value={h}>
                {h}
              </option>
            ))}
          </select>
        </label>
        <label class="grow">
          <span>Search</span>
          <input
            type="search"
            name="search"
            placeholder="title, evidence, IP, path…"
            value={search}
            onInput={(e) => {
              setSearch(e.currentTarget.value);
              setSearchPage(0);
            }}
          />
        </label>
        <label>
          <span>Per page</span>
          <select
            name="limit"
            value={String(limit)}
            onChange={(e) => {
              setLimit(Number(e.currentTarget.value));
              reset();
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
      {matches && p.loaded && !p.loaded.complete && (
        <p class="muted small">
          Search covers the first {num(p.loaded.findings.length)} findings (most severe first).
        </p>
      )}
      <ErrorNote error={matches ? undefined : page.error} />
      <p class="muted small" aria-live="polite">
        {matches
          ? `${num(matches.length)} findings match “${search.trim()}”.`
          : page.loading
            ? 'Loading…'
            : `Page ${pageNo}: ${num(shown.length)} findings.`}
      </p>
      <ul class="findings">
        {shown.map((f) => (
          <FindingRow key={String(f.id)} finding={f} onChanged={p.onChanged} />
        ))}
      </ul>
      {!shown.length && !page.loading && <p class="muted">No finding matches these filters.</p>}
      <nav class="pager" aria-label="Pages">
        <button
          type="button"
          disabled={!hasPrev}
          onClick={() => (matches ? setSearchPage(searchPage - 1) : setCursors(cursors.slice(0, -1)))}
        >
          ← Previous
        </button>
        <span>Page {pageNo}</span>
        <button
          type="button"
          disabled={!hasNext || (!matches && page.loading)}
          onClick={() =>
            matches ? setSearchPage(searchPage + 1) : setCursors([...cursors, page.data?.next ?? null])
          }
        >
          Next →
        </button>
      </nav>
    </section>
  );
}
