import type { Socket } from 'node:net';
import {
  ACTION,
  CMD,
  PROTO,
  REPLY,
  VERSION,
  PacketReader,
  ProtocolError,
  addHeader,
  changeHeader,
  encode,
  optneg,
  pairs,
  quarantine,
  replyCode,
  strings,
  type Packet,
} from './codec.ts';

/**
 * One milter connection: negotiation, macros, the SMTP events of any number of messages, and one
 * decision per message at end of body. The library collects the transaction; what to decide is
 * the handler's business.
 */
export interface ConnectInfo {
  readonly hostname: string;
  /** `4`, `6`, `L` (unix) or `U` (unknown). */
  readonly family: string;
  readonly port: number;
  readonly address: string;
}

export interface Transaction {
  readonly connect?: ConnectInfo;
  readonly helo?: string;
  /** MAIL FROM without angle brackets ('' for the null sender). */
  readonly sender?: string;
  readonly senderArgs: readonly string[];
  readonly recipients: readonly string[];
  /** Header fields as received (name, value); folded values keep their line breaks. */
  readonly headers: readonly (readonly [string, string])[];
  /** Body as received (CRLF), at most `maxBody` bytes of it. */
  readonly body: Buffer;
  /** The whole size of header and body, including what was not kept. */
  readonly size: number;
  readonly truncated: boolean;
  /** A macro by name, with or without braces (`i`, `j`, `{client_addr}` = `client_addr`). */
  macro(name: string): string | undefined;
}

export type FinalReply =
  | { readonly kind: 'accept' }
  | { readonly kind: 'continue' }
  | { readonly kind: 'discard' }
  | { readonly kind: 'reject' | 'tempfail'; readonly code?: string; readonly text?: string };

export interface Decision {
  /** Headers to delete: the index-th (1-based) occurrence of that name in the message as received. */
  readonly deleteHeaders?: readonly { readonly name: string; readonly index: number }[];
  readonly addHeaders?: readonly (readonly [string, string])[];
  /** Put the message on hold with this reason (not final: the reply follows). */
  readonly quarantine?: string;
  readonly reply: FinalReply;
}

export interface MilterHandler {
  endOfMessage(tx: Transaction): Promise<Decision>;
  /** A protocol error or an error thrown by the handler, with the connection it came from. */
  error?(where: string, err: Error): void;
}

export interface SessionOptions {
  /** Longest packet accepted (body chunks are ≤ 65535; headers may be long). */
  readonly maxPacket: number;
  /** Body bytes kept per message; beyond that they are counted only. */
  readonly maxBody: number;
  /** Header fields kept per message. */
  readonly maxHeaders: number;
  /** What the MTA hears when the handler throws. */
  readonly onHandlerError: 'accept' | 'tempfail';
}

/** What we ask for: only the end-of-message reply matters, so every other step goes unanswered. */
const WANT_ACTIONS = ACTION.ADDHDRS | ACTION.CHGHDRS | ACTION.QUARANTINE;
const NO_REPLY =
  PROTO.NR_CONN |
  PROTO.NR_HELO |
  PROTO.NR_MAIL |
  PROTO.NR_RCPT |
  PROTO.NR_DATA |
  PROTO.NR_UNKN |
  PROTO.NR_EOH |
  PROTO.NR_BODY |
  PROTO.NR_HDR;
const REPLY_BIT: Record<string, number> = {
  [CMD.CONNECT]: PROTO.NR_CONN,
  [CMD.HELO]: PROTO.NR_HELO,
  [CMD.MAIL]: PROTO.NR_MAIL,
  [CMD.RCPT]: PROTO.NR_RCPT,
  [CMD.DATA]: PROTO.NR_DATA,
  [CMD.UNKNOWN]: PROTO.NR_UNKN,
  [CMD.EOH]: PROTO.NR_EOH,
  [CMD.BODY]: PROTO.NR_BODY,
  [CMD.HEADER]: PROTO.NR_HDR,
};
/** Macro stages reset when a message ends or is aborted. */
const MESSAGE_STAGES = ['M', 'R', 'T', 'L', 'N', 'B', 'E'];

const unbracket = (s: string) => s.trim().replace(/^<(.*)>$/, '$1');

export class MilterSession {
  private readonly socket: Socket;
  private readonly handler: MilterHandler;
  private readonly opts: SessionOptions;
  private readonly reader: PacketReader;
  private readonly queue: Packet[] = [];
  private running = false;
  private closed = false;
  private negotiated = false;
  private protocol = 0;
  private readonly macros = new Map<string, Map<string, string>>();
  private connect: ConnectInfo | undefined;
  private helo: string | undefined;
  private tx = this.emptyTx();
  /** The end-of-message decision being computed (SIGTERM waits for it). */
  busy = false;
  /** Set when the server stops: the connection ends after the answer in progress. */
  private closing = false;

  constructor(socket: Socket, handler: MilterHandler, opts: SessionOptions) {
    this.socket = socket;
    this.handler = handler;
    this.opts = opts;
    this.reader = new PacketReader(opts.maxPacket);
    socket.on('data', (d: Buffer) => this.onData(d));
    socket.on('close', () => {
      this.closed = true;
    });
  }

  private get where(): string {
    return `milter ${this.socket.remoteAddress ?? 'unix'}:${this.socket.remotePort ?? ''}`;
  }

  private emptyTx() {
    return {
      sender: undefined as string | undefined,
      senderArgs: [] as string[],
      recipients: [] as string[],
      headers: [] as [string, string][],
      body: [] as Buffer[],
      kept: 0,
      size: 0,
      truncated: false,
    };
  }

  private onData(d: Buffer): void {
    if (this.closed) return;
    try {
      this.queue.push(...this.reader.push(d));
    } catch (e) {
      this.fail(e as Error);
      return;
    }
    void this.run();
  }

  private fail(e: Error): void {
    this.handler.error?.(this.where, e);
    this.closed = true;
    this.socket.destroy();
  }

  private async run(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      while (this.queue.length && !this.closed) {
        const p = this.queue.shift()!;
        if (p.cmd === CMD.BODYEOB) {
          this.socket.pause();
          this.busy = true;
          try {
            if (!this.negotiated) throw new ProtocolError('end of message before option negotiation');
            if (p.data.length) this.step({ cmd: CMD.BODY, data: p.data });
            await this.endOfMessage();
          } finally {
            this.busy = false;
            if (!this.closed) this.socket.resume();
          }
        } else this.step(p);
      }
    } catch (e) {
      this.fail(e as Error);
    } finally {
      this.running = false;
    }
  }

  private send(b: Buffer | Buffer[]): void {
    if (this.closed) return;
    this.socket.write(Array.isArray(b) ? Buffer.concat(b) : b);
  }

  private answer(cmd: string): void {
    if (!(this.protocol & (REPLY_BIT[cmd] ?? 0))) this.send(encode(REPLY.CONTINUE));
  }

  private step(p: Packet): void {
    if (!this.negotiated && p.cmd !== CMD.OPTNEG)
      throw new ProtocolError(`'${p.cmd}' before option negotiation`);
    const s = () => strings(p.data);
    switch (p.cmd) {
      case CMD.OPTNEG: {
        if (p.data.length < 12) throw new ProtocolError('short OPTNEG');
        const version = p.data.readUInt32BE(0);
        const actions = p.data.readUInt32BE(4);
        const protocol = p.data.readUInt32BE(8);
        if (version < 2) throw new ProtocolError(`milter version ${version} is too old`);
        this.protocol = protocol & NO_REPLY;
        this.negotiated = true;
        this.send(optneg(Math.min(version, VERSION), actions & WANT_ACTIONS, this.protocol));
        return;
      }
      case CMD.MACRO: {
        if (p.data.length < 1) return;
        const stage = String.fromCharCode(p.data[0]!);
        const m = new Map<string, string>();
        for (const [k, v] of pairs(strings(p.data.subarray(1))).slice(0, 64))
          m.set(k.replace(/^\{(.*)\}$/, '$1'), v.slice(0, 1024));
        this.macros.set(stage, m);
        return;
      }
      case CMD.CONNECT: {
        const host = p.data.indexOf(0);
        if (host < 0) throw new ProtocolError('CONNECT without host name');
        const family = p.data.length > host + 1 ? String.fromCharCode(p.data[host + 1]!) : 'U';
        let port = 0;
        let address = '';
        if ((family === '4' || family === '6' || family === 'L') && p.data.length >= host + 4) {
          port = p.data.readUInt16BE(host + 2);
          address = strings(p.data.subarray(host + 4))[0] ?? '';
        }
        this.connect = { hostname: p.data.toString('latin1', 0, host), family, port, address };
        this.answer(p.cmd);
        return;
      }
      case CMD.HELO:
        this.helo = (s()[0] ?? '').slice(0, 255);
        this.answer(p.cmd);
        return;
      case CMD.MAIL: {
        const [from = '', ...args] = s();
        this.resetMessage(false);
        this.tx.sender = unbracket(from).slice(0, 512);
        this.tx.senderArgs = args.slice(0, 16);
        this.answer(p.cmd);
        return;
      }
      case CMD.RCPT: {
        if (this.tx.recipients.length < 1000) this.tx.recipients.push(unbracket(s()[0] ?? '').slice(0, 512));
        this.answer(p.cmd);
        return;
      }
      case CMD.HEADER: {
        const [name = '', value = ''] = s();
        this.tx.size += name.length + value.length + 4;
        if (this.tx.headers.length < this.opts.maxHeaders) this.tx.headers.push([name, value]);
        else this.tx.truncated = true;
        this.answer(p.cmd);
        return;
      }
      case CMD.BODY: {
        this.tx.size += p.data.length;
        if (this.tx.kept + p.data.length <= this.opts.maxBody) {
          this.tx.body.push(Buffer.from(p.data));
          this.tx.kept += p.data.length;
        } else this.tx.truncated = true;
        this.answer(p.cmd);
        return;
      }
      case CMD.DATA:
      case CMD.EOH:
      case CMD.UNKNOWN:
        this.answer(p.cmd);
        return;
      case CMD.ABORT:
        this.resetMessage(true);
        return;
      case CMD.QUIT:
        this.closed = true;
        this.socket.end();
        return;
      case CMD.QUIT_NC:
        this.resetMessage(true);
        this.connect = undefined;
        this.helo = undefined;
        this.macros.clear();
        return;
      default:
        throw new ProtocolError(`unknown command byte 0x${p.cmd.charCodeAt(0).toString(16)}`);
    }
  }

  private resetMessage(clearMacros: boolean): void {
    this.tx = this.emptyTx();
    if (clearMacros) for (const st of MESSAGE_STAGES) this.macros.delete(st);
  }

  private transaction(): Transaction {
    const t = this.tx;
    const macros = this.macros;
    return {
      ...(this.connect ? { connect: this.connect } : {}),
      ...(this.helo !== undefined ? { helo: this.helo } : {}),
      ...(t.sender !== undefined ? { sender: t.sender } : {}),
      senderArgs: t.senderArgs,
      recipients: t.recipients,
      headers: t.headers,
      body: Buffer.concat(t.body),
      size: t.size,
      truncated: t.truncated,
      macro(name: string) {
        const key = name.replace(/^\{(.*)\}$/, '$1');
        // Latest stage first: `i` is known from RCPT on and repeated at each later stage.
        for (const st of ['E', 'B', 'N', 'L', 'T', 'R', 'M', 'H', 'C']) {
          const v = macros.get(st)?.get(key);
          if (v !== undefined) return v;
        }
        return undefined;
      },
    };
  }

  private async endOfMessage(): Promise<void> {
    const tx = this.transaction();
    let d: Decision;
    try {
      d = await this.handler.endOfMessage(tx);
    } catch (e) {
      this.handler.error?.(this.where, e as Error);
      d = {
        reply:
          this.opts.onHandlerError === 'tempfail'
            ? { kind: 'tempfail', code: '451 4.7.1', text: 'Message not checked, try again later' }
            : { kind: 'accept' },
      };
    }
    const out: Buffer[] = [];
    for (const h of d.deleteHeaders ?? []) out.push(changeHeader(h.index, h.name, ''));
    for (const [n, v] of d.addHeaders ?? []) out.push(addHeader(n, v));
    if (d.quarantine !== undefined) out.push(quarantine(d.quarantine));
    const r = d.reply;
    if (r.kind === 'accept') out.push(encode(REPLY.ACCEPT));
    else if (r.kind === 'continue') out.push(encode(REPLY.CONTINUE));
    else if (r.kind === 'discard') out.push(encode(REPLY.DISCARD));
    else if (r.code)
      out.push(replyCode(r.code, r.text ?? (r.kind === 'reject' ? 'Message rejected' : 'Try again later')));
    else out.push(encode(r.kind === 'reject' ? REPLY.REJECT : REPLY.TEMPFAIL));
    this.send(out);
    this.resetMessage(true);
    if (this.closing) this.socket.end();
  }

  /** Ends the connection now if no answer is being computed, else right after that answer. */
  shutdown(): void {
    this.closing = true;
    if (!this.busy) {
      this.closed = true;
      this.socket.end();
    }
  }
}
