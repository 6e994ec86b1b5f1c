// Two buttons that download the current view as CSV or JSON Lines.
import { useState } from 'preact/hooks';
import { download } from '../export.ts';

export function ExportButtons(props: {
  name: string;
  disabled?: boolean;
  csv: () => string | Promise<string>;
  jsonl: () => string | Promise<string>;
}) {
  const [busy, setBusy] = useState(false);
  const run = async (kind: 'csv' | 'jsonl') => {
    setBusy(true);
    try {
      const text = await (kind === 'csv' ? props.csv() : props.jsonl());
      download(
        `${props.name}.${kind}`,
        text,
        kind === 'csv' ? 'text/csv;charset=utf-8' : 'application/x-ndjson;charset=utf-8',
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <span class="export" role="group" aria-label="Export">
      <button type="button" disabled={props.disabled || busy} onClick={() => void run('csv')}>
        Export CSV
      </button>
      <button type="button" disabled={props.disabled || busy} onClick={() => void run('jsonl')}>
        Export JSONL
      </button>
    </span>
  );
}
