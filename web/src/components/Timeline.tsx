// The timeline of an organisation's findings: stacked bars per day (per hour when everything
// happened within three days), one colour per severity, drawn by uPlot on a canvas.
import { useEffect, useMemo, useRef } from 'preact/hooks';
import uPlot from 'uplot';
import type { Finding, Severity } from '../api.ts';
import { num, utc } from '../format.ts';

const GROUPS: { label: string; sev: Severity[]; color: string }[] = [
  { label: 'Critical', sev: ['critical'], color: '#a51d2d' },
  { label: 'High', sev: ['high'], color: '#e66100' },
  { label: 'Medium', sev: ['medium'], color: '#c49a00' },
  { label: 'Low / info', sev: ['low', 'info'], color: '#3c78b4' },
];

export interface Buckets {
  /** Bucket start, Unix seconds. */
  xs: number[];
  /** Per group (as GROUPS), the count in each bucket. */
  counts: number[][];
  step: number;
  untimed: number;
  first: string | null;
  last: string | null;
}

export function bucketize(findings: readonly Finding[]): Buckets {
  const times: [number, number][] = [];
  let untimed = 0;
  for (const f of findings) {
    const t = f.time ? Date.parse(f.time) : NaN;
    if (Number.isNaN(t)) {
      untimed++;
      continue;
    }
    const g = GROUPS.findIndex((x) => x.sev.includes(f.severity));
    times.push([t / 1000, g < 0 ? GROUPS.length - 1 : g]);
  }
  if (!times.length)
    return { xs: [], counts: GROUPS.map(() => []), step: 86400, untimed, first: null, last: null };
  let min = Infinity;
  let max = -Infinity;
  for (const [t] of times) {
    if (t < min) min = t;
    if (t > max) max = t;
  }
  const step = max - min <= 3 * 86400 ? 3600 : 86400;
  // Only buckets that hold something: a year-long campaign stays a few dozen points, not 365.
  const byBucket = new Map<number, number[]>();
  for (const [t, g] of times) {
    const b = Math.floor(t / step) * step;
    let row = byBucket.get(b);
    if (!row) byBucket.set(b, (row = GROUPS.map(() => 0)));
    row[g]!++;
  }
  const xs = [...byBucket.keys()].sort((a, b) => a - b);
  return {
    xs,
    counts: GROUPS.map((_, g) => xs.map((x) => byBucket.get(x)![g]!)),
    step,
    untimed,
    first: new Date(min * 1000).toISOString(),
    last: new Date(max * 1000).toISOString(),
  };
}

export function Timeline(p: { findings: readonly Finding[]; complete: boolean }) {
  const box = useRef<HTMLDivElement>(null);
  const b = useMemo(() => bucketize(p.findings), [p.findings]);

  useEffect(() => {
    const el = box.current;
    if (!el || !b.xs.length) return;
    // Stacked: series g draws the sum of groups g..end, so the bars drawn later sit in front.
    const stacked = GROUPS.map((_, g) =>
      b.xs.map((_x, i) => b.counts.slice(g).reduce((s, c) => s + c[i]!, 0)),
    );
    const bars = uPlot.paths.bars!({ size: [0.7, 18], align: 0 });
    const width = () => Math.max(280, el.clientWidth);
    const u = new uPlot(
      {
        width: width(),
        height: 220,
        tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), 'Etc/UTC'),
        scales: { x: { time: true }, y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] } },
        axes: [{ stroke: '#333' }, { stroke: '#333', size: 44 }],
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
        series: [
          { label: b.step === 3600 ? 'Hour (UTC)' : 'Day (UTC)' },
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
      <figcaption>
        Timeline of findings
        {!p.complete && ` (the ${num(p.findings.length)} most severe)`}
      </figcaption>
      {b.xs.length ? (
        <>
          <div ref={box} class="chart" role="img" aria-label="Findings over time, stacked by severity" />
          <p class="muted small">
            {num(total)} dated findings from {utc(b.first)} to {utc(b.last)}; busiest{' '}
            {b.step === 3600 ? 'hour' : 'day'}: {utc(new Date(peakAt * 1000).toISOString())} ({num(peak)}).
            {b.untimed ? ` ${num(b.untimed)} findings have no time (files found on disk).` : ''}
          </p>
        </>
      ) : (
        <p class="muted">No dated finding.</p>
      )}
    </figure>
  );
}
