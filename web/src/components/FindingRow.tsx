// One finding: a one-line summary that opens (click, Enter or Space) onto its evidence and actions.
import { useEffect, useState } from 'preact/hooks';
import { api, type Finding, type FindingDetail, type Status } from '../api.ts';
import { sourceText, STATUS_LABEL, utc } from '../format.ts';
import { Evidence } from './Evidence.tsx';
import { SeverityBadge, StatusBadge } from './Badges.tsx';

const ACTIONS: { status: Status; label: string }[] = [
  { status: 'false_positive', label: 'False positive' },
  { status: 'triaged', label: 'Triaged' },
  { status: 'remediated', label: 'Remediated' },
  { status: 'open', label: 'Reopen' },
];

export function FindingRow(p: { finding: Finding; canTriage: boolean; onChanged: () => void }) {
  const f = p.finding;
  const [open, setOpen] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [note, setNote] = useState('');
  const [detail, setDetail] = useState<FindingDetail | null>(null);
  const status = f.status;
  const detailId = `finding-${f.id}`;

  // The status history (who, when, why) is read when the finding is opened.
  useEffect(() => {
    if (!open) return;
    let live = true;
    api.finding(f.id).then(
      (d) => live && setDetail(d),
      () => {},
    );
    return () => {
      live = false;
    };
  }, [open, f.id, f.status]);

  async function mark(s: Status) {
    setBusy(true);
    setError(null);
    try {
      setDetail(await api.setStatus(f.id, s, note.trim() || undefined));
      setNote('');
      p.onChanged();
    } catch (e) {
      setError(e instanceof Error ? e.message : String(e));
    } finally {
      setBusy(false);
    }
  }

  return (
    <li class={`finding sev-${f.severity} st-${status}`} data-id={String(f.id)}>
      <button
        type="button"
        class="finding-head"
        aria-expanded={open}
        aria-controls={detailId}
        onClick={() => setOpen(!open)}
      >
        <SeverityBadge severity={f.severity} />
        <span class="f-title">{f.title}</span>
        <span class="f-meta">
          <span class="f-rule">{f.rule}</span>
          {f.host && <span class="f-host">{f.host}</span>}
          <span class="f-time">{utc(f.time)}</span>
          <StatusBadge status={status} />
        </span>
      </button>
      {open && (
        <div class="finding-body" id={detailId}>
          <dl class="facts">
            {f.source && (
              <div>
                <dt>Source</dt>
                <dd class="mono">{sourceText(f.source)}</dd>
              </div>
            )}
            {!!f.cve?.length && (
              <div>
                <dt>CVE</dt>
                <dd>{f.cve.join(' ')}</dd>
              </div>
            )}
            {!!f.attack?.length && (
              <div>
                <dt>ATT&amp;CK</dt>
                <dd>{f.attack.join(' ')}</dd>
              </div>
            )}
            <div>
              <dt>Status</dt>
              <dd>
                {STATUS_LABEL[status] ?? String(status)}
                {!!detail?.history.length && (
                  <ol class="history">
                    {detail.history.map((h, i) => (
                      <li key={i}>
                        {STATUS_LABEL[h.status] ?? h.status} by {h.actor} at {utc(h.at)}
                        {h.reason ? ` — ${h.reason}` : ''}
                      </li>
                    ))}
                  </ol>
                )}
              </dd>
            </div>
          </dl>
          <h4>Evidence</h4>
          <Evidence evidence={f.evidence} />
          {f.remediation && (
            <>
              <h4>What to do</h4>
              <p class="remediation">{f.remediation}</p>
            </>
          )}
          {p.canTriage && (
            <div class="actions">
              <label>
                <span>Reason (optional)</span>
                <input
                  type="text"
                  maxLength={2000}
                  value={note}
                  onInput={(e) => setNote(e.currentTarget.value)}
                />
              </label>
              <span role="group" aria-label="Mark as">
                {ACTIONS.filter((a) => a.status !== status).map((a) => (
                  <button
                    type="button"
                    key={a.status}
                    disabled={busy}
                    class={`mark mark-${a.status}`}
                    onClick={() => void mark(a.status)}
                  >
                    {a.label}
                  </button>
                ))}
              </span>
              {error && (
                <p class="error" role="alert">
                  {error}
                </p>
              )}
            </div>
          )}
        </div>
      )}
    </li>
  );
}
