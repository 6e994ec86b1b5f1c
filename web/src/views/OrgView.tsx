// One organisation: what has been done (timeline, web shells, exports, campaigns, SUNBURST), how
// to patch (per host), and every finding with its evidence.
import { useMemo, useState } from 'preact/hooks';
import {
  allFindings,
  api,
  SEVERITIES,
  statusOf,
  VERDICTS,
  type Counts,
  type Finding,
  type OrgDetail,
  type Verdict,
} from '../api.ts';
import { useLoad } from '../load.ts';
import { num, SEVERITY_LABEL } from '../format.ts';
import { ActivityCards, ACTIVITY_RULES, distil } from '../components/Activity.tsx';
import { Hosts, patchRows } from '../components/Hosts.tsx';
import { Timeline } from '../components/Timeline.tsx';
import { FindingsPanel } from '../components/FindingsPanel.tsx';
import { VerdictBadge } from '../components/Badges.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';

/** Findings loaded for the timeline and the search (most severe first). */
const TIMELINE_CAP = 5000;

function countsOf(detail: OrgDetail | undefined, loaded: Finding[] | undefined): Counts | null {
  const c = detail?.['findings'];
  if (c && typeof c === 'object' && !Array.isArray(c)) return c as Counts;
  if (!loaded) return null;
  const out = Object.fromEntries(SEVERITIES.map((s) => [s, 0])) as Counts;
  for (const f of loaded) if (statusOf(f) !== 'false_positive') out[f.severity]++;
  return out;
}

export function OrgView(p: { org: string }) {
  const [version, setVersion] = useState(0);
  const detail = useLoad(() => api.org(p.org), [p.org, version]);
  const activity = useLoad(
    () =>
      Promise.all(ACTIVITY_RULES.map((rule) => api.findings(p.org, { rule, limit: 500 }))).then((pages) =>
        pages.flatMap((x) => x.findings),
      ),
    [p.org, version],
  );
  const loaded = useLoad(() => allFindings(p.org, {}, TIMELINE_CAP), [p.org, version]);

  const live = useMemo(
    () => (loaded.data?.findings ?? []).filter((f) => statusOf(f) !== 'false_positive'),
    [loaded.data],
  );
  const act = useMemo(
    () => distil((activity.data ?? []).filter((f) => statusOf(f) !== 'false_positive')),
    [activity.data],
  );
  const patch = useMemo(
    () =>
      patchRows(
        detail.data?.hosts ?? [],
        (activity.data ?? []).filter((f) => statusOf(f) !== 'false_positive'),
      ),
    [detail.data, activity.data],
  );
  const rules = useMemo(() => [...new Set(loaded.data?.findings.map((f) => f.rule))], [loaded.data]);
  const hosts = useMemo(
    () => [...new Set(loaded.data?.findings.flatMap((f) => (f.host ? [f.host] : [])))],
    [loaded.data],
  );
  const counts = countsOf(detail.data, loaded.data?.complete ? loaded.data.findings : undefined);
  const verdict: Verdict =
    detail.data && (VERDICTS as readonly string[]).includes(detail.data.verdict)
      ? detail.data.verdict
      : 'unknown';

  if (detail.error && !detail.data) {
    return (
      <>
        <p>
          <a href="#/">← All organisations</a>
        </p>
        <h1>{p.org}</h1>
        <ErrorNote error={detail.error} />
      </>
    );
  }

  return (
    <>
      <p class="crumbs">
        <a href="#/">← All organisations</a>
      </p>
      <div class="org-head">
        <h1>{p.org}</h1>
        {detail.data && <VerdictBadge verdict={verdict} />}
      </div>
      {counts && (
        <ul class="sev-counts" aria-label="Findings by severity (false positives not counted)">
          {SEVERITIES.map((s) => (
            <li key={s} class={`sev-${s}`} data-severity={s}>
              <span class="n">{num(counts[s])}</span> {SEVERITY_LABEL[s]}
            </li>
          ))}
        </ul>
      )}
      <ErrorNote error={activity.error ?? loaded.error} />

      <section aria-labelledby="done-h" class="panel">
        <h2 id="done-h">What has been done</h2>
        {loaded.data ? (
          <Timeline findings={live} complete={loaded.data.complete} />
        ) : (
          <p class="muted">Loading the timeline…</p>
        )}
        <ActivityCards activity={act} />
      </section>

      <section aria-labelledby="patch-h" class="panel">
        <h2 id="patch-h">How to patch</h2>
        <Hosts rows={patch} />
      </section>

      <FindingsPanel
        org={p.org}
        loaded={loaded.data}
        rules={rules}
        hosts={hosts}
        version={version}
        onChanged={() => setVersion((v) => v + 1)}
      />
    </>
  );
}
