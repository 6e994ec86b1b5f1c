// One organisation: what has been done (timeline, web shells, exports, campaigns, SUNBURST), how
// to patch (per host), and every finding with its evidence.
import { useMemo, useState } from 'preact/hooks';
import { api, LIVE, SEVERITIES } from '../api.ts';
import { useLoad } from '../load.ts';
import { num, SEVERITY_LABEL, utc } from '../format.ts';
import { ActivityCards, ACTIVITY_RULES, distil } from '../components/Activity.tsx';
import { Hosts } from '../components/Hosts.tsx';
import { Timeline } from '../components/Timeline.tsx';
import { FindingsPanel } from '../components/FindingsPanel.tsx';
import { VerdictBadge } from '../components/Badges.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';

export function OrgView(p: { org: string; canTriage: boolean }) {
  // Bumped after a status change: everything on the page is read again (counts, verdict, chart).
  const [version, setVersion] = useState(0);
  const detail = useLoad(() => api.org(p.org), [p.org, version]);
  const days = useLoad(() => api.timeline(p.org), [p.org, version]);
  const activity = useLoad(
    () =>
      Promise.all(ACTIVITY_RULES.map((rule) => api.findings(p.org, { rule, status: LIVE, limit: 200 }))).then(
        (pages) => pages.flatMap((x) => x.findings),
      ),
    [p.org, version],
  );
  const act = useMemo(() => distil(activity.data ?? []), [activity.data]);
  const d = detail.data;
  const rules = useMemo(() => (d?.rules ?? []).map((r) => r.rule), [d]);
  const hosts = useMemo(() => (d?.hosts ?? []).map((h) => h.name), [d]);

  if (detail.error && !d) {
    return (
      <>
        <p class="crumbs">
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
        {d && <VerdictBadge verdict={d.verdict} />}
      </div>
      {d && (
        <>
          <ul class="sev-counts" aria-label="Findings by severity (false positives not counted)">
            {SEVERITIES.map((s) => (
              <li key={s} class={`sev-${s}`} data-severity={s}>
                <span class="n">{num(d.findings[s])}</span> {SEVERITY_LABEL[s]}
              </li>
            ))}
          </ul>
          <p class="muted small">
            {num(d.hostCount)} hosts · last import {utc(d.lastImport)}
          </p>
        </>
      )}
      <ErrorNote error={days.error ?? activity.error} />

      <section aria-labelledby="done-h" class="panel">
        <h2 id="done-h">What has been done</h2>
        {days.data ? <Timeline days={days.data} /> : <p class="muted">Loading the timeline…</p>}
        <ActivityCards activity={act} detail={d} />
      </section>

      <section aria-labelledby="patch-h" class="panel">
        <h2 id="patch-h">How to patch</h2>
        {d ? <Hosts hosts={d.hosts} /> : <p class="muted">Loading…</p>}
      </section>

      <FindingsPanel
        org={p.org}
        rules={rules}
        hosts={hosts}
        version={version}
        canTriage={p.canTriage}
        onChanged={() => setVersion((v) => v + 1)}
      />
    </>
  );
}
