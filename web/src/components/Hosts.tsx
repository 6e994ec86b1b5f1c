// Question 3, how to patch: per host, the build the first attack met, the build now and the exact
// update to install — the store's host rows (latest exchange.verdict and exchange.build).
import type { HostView } from '../api.ts';
import { utc } from '../format.ts';
import { VerdictBadge } from './Badges.tsx';

const NOW_LABEL: Record<string, string> = {
  patched: 'patched',
  vulnerable: 'vulnerable',
  likely_vulnerable: 'likely vulnerable',
};

export function Hosts(p: { hosts: readonly HostView[] }) {
  if (!p.hosts.length) return <p class="muted">No Exchange host imported for this organisation.</p>;
  return (
    <div class="table-wrap">
      <table class="hosts">
        <caption class="sr">Hosts, worst verdict first, with the update to install</caption>
        <thead>
          <tr>
            <th scope="col">Host</th>
            <th scope="col">Verdict</th>
            <th scope="col">Build at first attack</th>
            <th scope="col">Build now</th>
            <th scope="col">Update to install</th>
          </tr>
        </thead>
        <tbody>
          {p.hosts.map((h) => (
            <tr key={h.name}>
              <th scope="row" data-label="Host">
                {h.name}
                {h.build.label && <span class="muted small block">{h.build.label}</span>}
              </th>
              <td data-label="Verdict">
                <VerdictBadge verdict={h.verdict} />
              </td>
              <td data-label="Build at first attack">
                <span class="mono nowrap">{h.build.atFirstActivity ?? '—'}</span>
                {h.build.exposedAtFirstActivity && <span class="small block">exposed</span>}
                {h.firstActivity && <span class="muted small block">{utc(h.firstActivity)}</span>}
              </td>
              <td data-label="Build now">
                <span class="mono nowrap">{h.build.now ?? '—'}</span>
                {h.build.nowVerdict && (
                  <span class="small block">{NOW_LABEL[h.build.nowVerdict] ?? h.build.nowVerdict}</span>
                )}
              </td>
              <td class="wide" data-label="Update to install">
                {h.fix || (h.build.nowVerdict === 'patched' ? 'None: the build is patched.' : '—')}
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}
