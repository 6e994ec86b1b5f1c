/**
 * Stream the records of a JSON document without holding it whole: NDJSON, a top-level array of
 * objects, or an object whose property is such an array (`{"results": [ … ]}`, and the bare
 * fragment `"results": [ … ]` that some dumps ship). Yields each record object with the line it
 * starts on. A record that does not parse is reported with its line, and the scan goes on.
 */
export interface JsonRecord {
  readonly value: Record<string, unknown>;
  readonly line: number;
}

export interface JsonStreamOptions {
  /** Records larger than this are skipped (with a problem): a hostile file cannot grow memory. */
  readonly maxRecordBytes?: number;
  readonly onError?: (line: number, message: string) => void;
}

/** Keys that make a top-level object a record (rather than a wrapper around an array of records). */
const RECORD_KEY = /"(?:qname|query|rrname|name|domain|fqdn|query_name|question)"\s*:/;

export async function* jsonRecords(
  chunks: AsyncIterable<Uint8Array>,
  opts: JsonStreamOptions = {},
): AsyncGenerator<JsonRecord[]> {
  const max = opts.maxRecordBytes ?? 4 * 1024 * 1024;
  const decoder = new TextDecoder('utf-8');
  const stack: number[] = []; // open containers: 123 `{` or 91 `[`
  let inString = false;
  let escape = false;
  let open = false; // inside a record candidate
  let openDepth = 0; // stack depth at which the candidate's `{` was pushed
  let buf = ''; // the candidate's text from earlier chunks
  let line = 1;
  let openLine = 0;
  let tooBig = false;
  for await (const chunk of chunks) {
    const text = decoder.decode(chunk, { stream: true });
    const out: JsonRecord[] = [];
    let from = 0;
    for (let i = 0; i < text.length; i++) {
      const c = text.charCodeAt(i);
      if (c === 10) {
        line++;
        continue;
      }
      if (inString) {
        if (escape) escape = false;
        else if (c === 92) escape = true;
        else if (c === 34) inString = false;
        continue;
      }
      if (c === 34) {
        inString = true;
        continue;
      }
      if (c === 123 || c === 91) {
        const parent = stack.length ? stack[stack.length - 1] : undefined;
        if (c === 123 && (parent === undefined || parent === 91)) {
          // Start a record here unless one is open; an open top-level object that has shown no
          // record key yet is a wrapper: give it up for the records inside it.
          const wrapper =
            open && openDepth === 0 && stack.length <= 2 && !RECORD_KEY.test(buf + text.slice(from, i));
          if (!open || wrapper) {
            open = true;
            openDepth = stack.length;
            openLine = line;
            from = i;
            buf = '';
            tooBig = false;
          }
        }
        stack.push(c);
        continue;
      }
      if (c === 125 || c === 93) {
        stack.pop();
        if (c === 125 && open && stack.length === openDepth) {
          const body = buf + text.slice(from, i + 1);
          open = false;
          buf = '';
          if (tooBig) {
            opts.onError?.(openLine, `record larger than ${max} bytes skipped`);
            continue;
          }
          try {
            const v: unknown = JSON.parse(body);
            if (v !== null && typeof v === 'object' && !Array.isArray(v))
              out.push({ value: v as Record<string, unknown>, line: openLine });
          } catch (e) {
            opts.onError?.(openLine, `invalid JSON record: ${(e as Error).message}`);
          }
        }
      }
    }
    if (open && !tooBig) {
      buf += text.slice(from);
      if (buf.length > max) {
        tooBig = true;
        buf = '';
      }
    }
    if (out.length) yield out;
  }
  if (open) opts.onError?.(openLine, 'the file ends inside a record (truncated?)');
}
