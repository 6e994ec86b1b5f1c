// Question 1, who has been hacked: the summary tiles and every organisation, worst verdict first.
import { useMemo, useState } from 'preact/hooks';
import { api, SEVERITIES, VERDICTS, type OrgRow, type Verdict } from '../api.ts';
import { useLoad } from '../load.ts';
import { num, utc, VERDICT_HELP, VERDICT_LABEL } from '../format.ts';
import { orgHref } from '../route.ts';
import { toCsv, toJsonl } from '../export.ts';
import { ExportButtons } from '../components/ExportButtons.tsx';
import { VerdictBadge } from '../components/Badges.tsx';
import { ErrorNote } from '../components/ErrorNote.tsx';

const rank = (v: Verdict) => {
  const i = VERDICTS.indexOf(v);
  return i < 0 ? VERDICTS.length : i;
};

/** Worst verdict first; within one verdict the most critical findings, then the name. */
export function sortOrgs(rows: readonly OrgRow[]): OrgRow[] {
  return [...rows].sort(
    (a, b) =>
      rank(a.verdict) - rank(b.verdict) ||
      b.findings.critical - a.findings.critical ||
      b.findings.high - a.findings.high ||
      a.org.localeCompare(b.org),
  );
}

export function Overview() {
  const summary = useLoad(() => api.summary(), []);
  const orgs = useLoad(() => api.orgs(), []);
  const [query, setQuery] = useState('');
  const [verdict, setVerdict] = useState<Verdict | ''>('');

  const rows = useMemo(() => {
    const q = query.trim().toLocaleLowerCase();
    return sortOrgs(orgs.data ?? []).filter(
      (o) => (!verdict || o.verdict === verdict) && (!q || o.org.toLocaleLowerCase().includes(q)),
    );
  }, [orgs.data, query, verdict]);

  const s = summary.data;
  const exportRows = () =>
    rows.map((o) => ({
      org: o.org,
      verdict: o.verdict,
      hosts: o.hosts,
      ...Object.fromEntries(SEVERITIES.map((k) => [k, o.findings[k]])),
      sunburstVictims: o.sunburst.victims,
      mailCampaigns: o.mail.campaigns,
      maliciousMail: o.mail.malicious,
      lastImport: o.lastImport,
    }));

  return (
    <>
      <h1>Who has been hacked</h1>
      <ErrorNote error={summary.error ?? orgs.error} />
      <section aria-label="Summary" class="tiles">
        <Tile label="Organisations" value={s?.orgs} />
        <Tile
          label="Compromised"
          value={s?.byVerdict.compromised ?? (s ? 0 : undefined)}
          tone="compromised"
          onClick={() => setVerdict('compromised')}
        />
        <Tile label="SUNBURST victims" value={s?.sunburstVictims} tone="high" />
        <Tile label="Malicious campaigns" value={s?.maliciousCampaigns} tone="high" />
      </section>

      <section aria-labelledby="by-verdict">
        <h2 id="by-verdict">By verdict</h2>
        <ul class="verdicts">
          {VERDICTS.map((v) => (
            <li key={v}>
              <button
                type="button"
                class={`verdict-count v-${v}`}
                aria-pressed={verdict === v}
                title={VERDICT_HELP[v]}
                onClick={() => setVerdict(verdict === v ? '' : v)}
              >
                <span class="n">{s ? num(s.byVerdict[v] ?? 0) : '…'}</span>
                <span>{VERDICT_LABEL[v]}</span>
              </button>
            </li>
          ))}
        </ul>
      </section>

      <section aria-labelledby="orgs-h">
        <div class="bar">
          <h2 id="orgs-h">Organisations</h2>
          <div class="controls">
            <label>
              <span class="sr">Search organisations</span>
              <input
                type="search"
                placeholder="Search organisations"
                value={query}
                onInput={(e) => setQuery(e.currentTarget.value)}
              />
            </label>
            <label>
              <span class="sr">Verdict</span>
              <select
                value={verdict}
                onChange={(e) => setVerdict(e.currentTarget.value as Verdict | '')}
                aria-label="Verdict"
              >
                <option value="">All verdicts</option>
                {VERDICTS.map((v) => (
                  <option key={v} value={v}>
                    {VERDICT_LABEL[v]}
                  </option>
                ))}
              </select>
            </label>
            <ExportButtons
              name="organisations"
              disabled={!rows.length}
              csv={() => {
                const r = exportRows();
                return toCsv(r, Object.keys(r[0] ?? {}));
              }}
              jsonl={() => toJsonl(exportRows())}
            />
          </div>
        </div>
        {orgs.loading && !orgs.data ? (
          <p class="muted">Loading…</p>
        ) : (
          <OrgTable rows={rows} total={orgs.data?.length ?? 0} />
        )}
      </section>
    </>
  );
}

function Tile(props: { label: string; value: number | undefined; tone?: string; onClick?: () => void }) {
  const body = (
    <>
      <span class="n">{props.value == null ? '…' : num(props.value)}</span>
      <span class="label">{props.label}</span>
    </>
  );
  return props.onClick ? (
    <button type="button" class={`tile ${props.tone ? `t-${props.tone}` : ''}`} onClick={props.onClick}>
      {body}
    </button>
  ) : (
    <div class={`tile ${props.tone ? `t-${props.tone}` : ''}`}>{body}</div>
  );
}

function OrgTable(props: { rows: OrgRow[]; total: number }) {
  if (!props.rows.length) {
    return <p class="muted">{props.total ? 'No organisation matches.' : 'No organisation imported yet.'}</p>;
  }
  return (
    <div class="table-wrap">
      <table class="orgs">
        <caption class="sr">Organisations, worst verdict first</caption>
        <thead>
          <tr>
            <th scope="col">Organisation</th>
            <th scope="col">Verdict</th>
            <th scope="col" class="num">
              Hosts
            </th>
            <th scope="col" class="num">
              Critical
            </th>
            <th scope="col" class="num">
              High
            </th>
            <th scope="col" class="num">
              Medium
            </th>
            <th scope="col" class="num">
              Low
            </th>
            <th scope="col" class="num">
              SUNBURST
            </th>
            <th scope="col" class="num">
              Campaigns
            </th>
            <th scope="col" class="num">
              Malicious mail
            </th>
            <th scope="col">Last import</th>
          </tr>
        </thead>
        <tbody>
          {props.rows.map((o) => (
            <tr key={o.org} class={`row-${o.verdict}`}>
              <th scope="row" data-label="Organisation">
                <a href={orgHref(o.org)}>{o.org}</a>
              </th>
              <td data-label="Verdict">
                <VerdictBadge verdict={o.verdict} />
              </td>
              <td class="num" data-label="Hosts">
                {num(o.hosts)}
              </td>
              <td class="num" data-label="Critical">
                <span class={o.findings.critical ? 'sev-critical-text' : ''}>{num(o.findings.critical)}</span>
              </td>
              <td class="num" data-label="High">
                {num(o.findings.high)}
              </td>
              <td class="num" data-label="Medium">
                {num(o.findings.medium)}
              </td>
              <td class="num" data-label="Low">
                {num(o.findings.low)}
              </td>
              <td class="num" data-label="SUNBURST victims">
                {num(o.sunburst.victims)}
              </td>
              <td class="num" data-label="Campaigns">
                {num(o.mail.campaigns)}
              </td>
              <td class="num" data-label="Malicious mail">
                {num(o.mail.malicious)}
              </td>
              <td class="wide" data-label="Last import">
                {utc(o.lastImport)}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
      <p class="muted small">
        {num(props.rows.length)} of {num(props.total)} organisations. Findings marked false positive are not
        counted.
      </p>
    </div>
  );
}
