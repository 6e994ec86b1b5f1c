// A finding's evidence. Every value here may be written by the attacker (a User-Agent, a URL, a
// subject line, script text from a web shell): it is rendered as text nodes only — never as HTML,
// never as a link, never as a style or an attribute that a browser would act on.

const MAX = 8000;

function clip(s: string): string {
  return s.length > MAX ? `${s.slice(0, MAX)}… (${s.length - MAX} more characters)` : s;
}

function Value(p: { v: unknown }) {
  const v = p.v;
  if (v == null) return <span class="muted">—</span>;
  if (typeof v === 'string') return <span class="ev-str">{clip(v)}</span>;
  if (typeof v === 'number' || typeof v === 'boolean') return <span class="ev-num">{String(v)}</span>;
  if (Array.isArray(v) && v.every((x) => x == null || typeof x !== 'object')) {
    if (!v.length) return <span class="muted">none</span>;
    return (
      <ul class="ev-list">
        {v.slice(0, 200).map((x, i) => (
          <li key={i}>{clip(String(x))}</li>
        ))}
        {v.length > 200 && <li class="muted">… {v.length - 200} more</li>}
      </ul>
    );
  }
  return <pre class="ev-json">{clip(JSON.stringify(v, null, 2))}</pre>;
}

export function Evidence(p: { evidence: Record<string, unknown> | null | undefined }) {
  const e = p.evidence;
  if (!e || typeof e !== 'object') return <p class="muted">No evidence recorded.</p>;
  const keys = Object.keys(e);
  if (!keys.length) return <p class="muted">No evidence recorded.</p>;
  return (
    <dl class="evidence">
      {keys.map((k) => (
        <div key={k} class="ev-row">
          <dt>{k}</dt>
          <dd>
            <Value v={e[k]} />
          </dd>
        </div>
      ))}
    </dl>
  );
}
