import type { LogEvent, WinEvent } from '../../model/records.ts';
import type { EventView } from './values.ts';

/**
 * Our records as Sigma sees them. Values are lower-cased at most once per event and field, and
 * the keyword haystack is built only when a keyword rule asks for it.
 */
abstract class CachedView implements EventView {
  private lc = new Map<string, string | undefined>();
  private hay: [string | undefined, string | undefined] = [undefined, undefined];
  abstract get(field: string): string | undefined;
  protected abstract allValues(): string;
  lower(field: string): string | undefined {
    if (this.lc.has(field)) return this.lc.get(field);
    const v = this.get(field)?.toLowerCase();
    this.lc.set(field, v);
    return v;
  }
  haystack(cased: boolean): string {
    const i = cased ? 1 : 0;
    return (this.hay[i] ??= cased ? this.allValues() : this.allValues().toLowerCase());
  }
}

export class WinEventView extends CachedView {
  private ci: Map<string, string> | undefined;
  readonly event: WinEvent;
  constructor(event: WinEvent) {
    super();
    this.event = event;
  }
  get(field: string): string | undefined {
    const e = this.event;
    switch (field) {
      case 'EventID':
        return String(e.eventId);
      case 'Provider_Name':
        return e.provider;
      case 'Channel':
        return e.channel;
      case 'Computer':
        return e.computer;
      case 'Level':
        return e.level === undefined ? undefined : String(e.level);
    }
    const v = e.data[field];
    if (v !== undefined) return v;
    // Rules and logs disagree on spelling now and then: case (`Imphash`), Defender's spaced names
    // (`Threat Name` for ThreatName), UserData's nesting (`Operation_ClientFailure.Operation`).
    this.ci ??= aliases(Object.keys(e.data));
    const k = this.ci.get(normal(field));
    return k === undefined ? undefined : e.data[k];
  }
  protected allValues(): string {
    const vals = Object.values(this.event.data);
    if (this.event.message) vals.push(this.event.message);
    return vals.join(' ');
  }
}

export class W3cView extends CachedView {
  readonly event: LogEvent<'iis.w3c'>;
  constructor(event: LogEvent<'iis.w3c'>) {
    super();
    this.event = event;
  }
  get(field: string): string | undefined {
    if (field === 'cs-uri') {
      const logged = this.event.field('cs-uri');
      if (logged !== undefined) return logged;
      const stem = this.event.field('cs-uri-stem');
      const q = this.event.field('cs-uri-query');
      if (stem === undefined) return q === undefined || q === '-' ? undefined : q;
      return q === undefined || q === '-' ? stem : `${stem}?${q}`;
    }
    const v = this.event.field(field);
    return v === '-' ? '' : v; // W3C writes - for an empty field
  }
  protected allValues(): string {
    return this.event.line;
  }
}

const normal = (name: string) => name.toLowerCase().replace(/ /g, '');

function aliases(keys: readonly string[]): Map<string, string> {
  const m = new Map<string, string>();
  for (const k of keys) {
    const leaf = k.slice(k.lastIndexOf('.') + 1);
    if (leaf !== k && !m.has(normal(leaf))) m.set(normal(leaf), k);
  }
  for (const k of keys) m.set(normal(k), k);
  return m;
}
