import { createWriteStream, openSync, type WriteStream } from 'node:fs';
import { once } from 'node:events';
import { UsageError } from './exit.ts';
import { renderText } from '../report/text.ts';
import { renderSarif } from '../report/sarif.ts';
import { renderHtml, type HtmlSection } from '../report/html.ts';
import type { Report } from '../report/report.ts';
import type { Finding } from '../model/finding.ts';

export const FORMATS = ['text', 'jsonl', 'sarif', 'html'] as const;
export type Format = (typeof FORMATS)[number];

/** `--format` wins; otherwise the `--out` extension decides; otherwise text. */
export function chooseFormat(format: string | undefined, out: string | undefined): Format {
  if (format !== undefined) {
    if (!(FORMATS as readonly string[]).includes(format))
      throw new UsageError(`--format must be one of ${FORMATS.join(', ')} (got "${format}")`);
    return format as Format;
  }
  if (out) {
    if (/\.html?$/i.test(out)) return 'html';
    if (/\.sarif(\.json)?$/i.test(out)) return 'sarif';
    if (/\.jsonl$|\.ndjson$/i.test(out)) return 'jsonl';
  }
  return 'text';
}

/** Colour only on a terminal, never with NO_COLOR (https://no-color.org), never into a file. */
export function useColor(stream: NodeJS.WriteStream, toFile: boolean): boolean {
  if (toFile) return false;
  if (process.env['NO_COLOR'] !== undefined && process.env['NO_COLOR'] !== '') return false;
  return stream.isTTY === true;
}

/**
 * Where the report goes. JSON Lines is written as findings arrive (so `| jq` starts at once and
 * memory stays flat); the other formats need the whole run and are written at the end.
 */
export class Output {
  private readonly file: WriteStream | null;
  readonly format: Format;
  private readonly stdout: NodeJS.WriteStream;
  private readonly text: (report: Report, color: boolean) => string;
  private readonly sections: (report: Report) => readonly HtmlSection[];

  constructor(
    format: Format,
    out: string | undefined,
    stdout: NodeJS.WriteStream = process.stdout,
    text?: (report: Report, color: boolean) => string,
    sections?: (report: Report) => readonly HtmlSection[],
  ) {
    this.format = format;
    this.stdout = stdout;
    this.text = text ?? ((r, color) => renderText(r, { color }));
    this.sections = sections ?? (() => []);
    let fd: number | null = null;
    if (out) {
      try {
        fd = openSync(out, 'w');
      } catch (e) {
        throw new UsageError(`cannot write --out ${out}: ${(e as Error).message}`);
      }
    }
    this.file = fd !== null ? createWriteStream('', { fd }) : null;
  }

  get streams(): boolean {
    return this.format === 'jsonl';
  }

  finding(f: Finding): void {
    if (this.format === 'jsonl') this.write(`${JSON.stringify(f)}\n`);
  }

  async finish(report: Report): Promise<void> {
    if (this.format === 'text') this.write(this.text(report, useColor(this.stdout, this.file !== null)));
    else if (this.format === 'sarif') this.write(renderSarif(report));
    else if (this.format === 'html') this.write(renderHtml(report, this.sections(report)));
    if (this.file) {
      this.file.end();
      await once(this.file, 'finish');
    }
  }

  private write(s: string): void {
    (this.file ?? this.stdout).write(s);
  }
}
