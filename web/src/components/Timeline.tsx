// The timeline of an organisation's findings: stacked bars per day (UTC), one colour per
// severity, drawn by uPlot on a canvas; the counts come from the API's timeline route.
import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Severity, TimelineDay } from '../api.ts';
import { num } from '../format.ts';

const day = (t: number | undefined) => (t == null ? '—' : new Date(t * 1000).toISOString().slice(0, 10));

const GROUPS: { label: string; sev: Severity[]; color: string }[] = [
  { label: 'Critical', sev: ['critical'], color: '#a51d2d' },
  { label: 'High', sev: ['high'], color: '#e66100' },
  { label: 'Medium', sev: ['medium'], color: '#c49a00' },
  { label: 'Low / info', sev: ['low', 'info'], color: '#3c78b4' },
];

export interface Buckets {
  /** Day start, Unix seconds (UTC). */
  xs: number[];
  /** Per group (as GROUPS), the count on each day. */
  counts: number[][];
}

export function bucketize(days: readonly TimelineDay[]): Buckets {
  const rows = days
    .map((d) => ({ d, t: Date.parse(`${d.day}T00:00:00Z`) / 1000 }))
    .filter((r) => !Number.isNaN(r.t))
    .sort((a, b) => a.t - b.t);
  return {
    xs: rows.map((r) => r.t),
    counts: GROUPS.map((g) => rows.map((r) => g.sev.reduce((s, k) => s + (r.d[k] ?? 0), 0))),
  };
}

export function Timeline(p: { days: readonly TimelineDay[] }) {
  const box = useRef<HTMLDivElement>(null);
  const b = useMemo(() => bucketize(p.days), [p.days]);

  useEffect(() => {
    const el = box.current;
    if (!el || !b.xs.length) return;
    // Stacked: series g draws the sum of groups g..end, so the bars drawn later sit in front.
    const stacked = GROUPS.map((_, g) =>
      b.xs.map((_x, i) => b.counts.slice(g).reduce((s, c) => s + c[i]!, 0)),
    );
    const bars = uPlot.paths.bars!({ size: [0.7, 28, 5], align: 0 });
    const width = () => Math.max(280, el.clientWidth);
    const u = new uPlot(
      {
        width: width(),
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: {
          // A day either side, so one day's bar is not squeezed against the frame.
          x: { time: true, range: () => [b.xs[0]! - 86400, b.xs[b.xs.length - 1]! + 86400] },
          y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
        },
        axes: [{ stroke: '#333' }, { stroke: '#333', size: 44 }],
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        series: [
          { label: 'Day (UTC)' },
          ...GROUPS.map((g, gi) => ({
            label: g.label,
            stroke: g.color,
            fill: g.color,
            width: 0,
            paths: bars,
            points: { show: false },
            // The legend shows the group's own count, not the stacked height.
            value: (_u: uPlot, _v: number | null, _si: number, idx: number | null) =>
              idx == null ? '—' : num(b.counts[gi]![idx]),
          })),
        ],
      },
      [b.xs, ...stacked],
      el,
    );
    const ro = new ResizeObserver(() => u.setSize({ width: width(), height: 220 }));
    ro.observe(el);
    return () => {
      ro.disconnect();
      u.destroy();
    };
  }, [b]);

  const total = b.counts.reduce((s, c) => s + c.reduce((a, x) => a + x, 0), 0);
  let peak = 0;
  let peakAt = 0;
  b.xs.forEach((x, i) => {
    const n = b.counts.reduce((s, c) => s + c[i]!, 0);
    if (n > peak) {
      peak = n;
      peakAt = x;
    }
  });

  return (
    <figure class="timeline">
      <figcaption>Timeline of findings</figcaption>
      {b.xs.length ? (
        <>
          <div ref={box} class="chart" role="img" aria-label="Findings over time, stacked by severity" />
          <p class="muted small">
            {num(total)} dated findings on {num(b.xs.length)} days from {day(b.xs[0])} to{' '}
            {day(b.xs[b.xs.length - 1])}; busiest day: {day(peakAt)} ({num(peak)}). Findings without a time
            (files found on disk) and false positives are not in the chart.
          </p>
        </>
      ) : (
        <p class="muted">No dated finding.</p>
      )}
    </figure>
  );
}
