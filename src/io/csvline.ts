/**
 * Split one CSV line (RFC 4180 quoting: `"a,b"`, doubled `""` inside quotes). Exchange logs keep a
 * record on one line, so records are split line by line; the common case (no quote) is one
 * `split`. An unterminated quote takes the rest of the line rather than failing.
 */
export function splitCsvLine(line: string): string[] {
  if (!line.includes('"')) return line.split(',');
  const out: string[] = [];
  let i = 0;
  const n = line.length;
  while (i <= n) {
    if (line.charCodeAt(i) === 0x22 /* " */) {
      let value = '';
      i++;
      for (;;) {
        const q = line.indexOf('"', i);
        if (q < 0) {
          value += line.slice(i);
          i = n;
          break;
        }
        value += line.slice(i, q);
        if (line.charCodeAt(q + 1) === 0x22) {
          value += '"';
          i = q + 2;
          continue;
        }
        i = q + 1;
        break;
      }
      // Anything between the closing quote and the comma is kept, as lenient parsers do.
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        value += line.slice(i);
        out.push(value);
        break;
      }
      value += line.slice(i, comma);
      out.push(value);
      i = comma + 1;
      if (i === n) {
        out.push('');
        break;
      }
    } else {
      const comma = line.indexOf(',', i);
      if (comma < 0) {
        out.push(line.slice(i));
        break;
      }
      out.push(line.slice(i, comma));
      i = comma + 1;
      if (i === n) {
        out.push('');
        break;
      }
    }
  }
  return out;
}
