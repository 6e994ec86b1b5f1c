import { connect, type Socket } from 'node:net';
import { CMD, PacketReader, encode, optneg, cstr, type Packet } from '../../src/server/milter/codec.ts';

/**
 * A milter client speaking as Postfix does (the session observed in the reference notes): for
 * fuzzing and benches that drive the milter without an MTA. Postfix itself is used in the
 * end-to-end tests.
 */
export class MilterClient {
  readonly socket: Socket;
  private readonly reader = new PacketReader(16 * 1024 * 1024);
  private readonly got: Packet[] = [];
  private wake: (() => void) | undefined;
  closed = false;

  private constructor(socket: Socket) {
    this.socket = socket;
    socket.on('data', (d: Buffer) => {
      this.got.push(...this.reader.push(d));
      this.wake?.();
    });
    socket.on('close', () => {
      this.closed = true;
      this.wake?.();
    });
    socket.on('error', () => {});
  }

  static open(host: string, port: number): Promise<MilterClient> {
    return new Promise((resolve, reject) => {
      const s = connect(port, host, () => resolve(new MilterClient(s)));
      s.once('error', reject);
    });
  }

  send(cmd: string, data?: Buffer | string): void {
    this.socket.write(encode(cmd, data));
  }

  /** The next packet, or undefined when the server closed the connection. */
  async next(): Promise<Packet | undefined> {
    while (!this.got.length && !this.closed) await new Promise<void>((r) => (this.wake = r));
    return this.got.shift();
  }

  /** Offer what Postfix 3.7 offers; returns the filter's answer. */
  async negotiate(): Promise<{ version: number; actions: number; protocol: number }> {
    this.socket.write(optneg(6, 0x1ff, 0x1fffff));
    const p = await this.next();
    if (!p || p.cmd !== 'O') throw new Error(`no OPTNEG reply (${p?.cmd})`);
    return {
      version: p.data.readUInt32BE(0),
      actions: p.data.readUInt32BE(4),
      protocol: p.data.readUInt32BE(8),
    };
  }

  /** One message the way Postfix sends it; returns the packets answering end of message. */
  async message(m: { from: string; to: string[]; raw: Buffer; queueId?: string }): Promise<Packet[]> {
    const text = m.raw.toString('latin1');
    const split = text.search(/\r?\n\r?\n/);
    const head = split < 0 ? text : text.slice(0, split);
    const body = split < 0 ? '' : text.slice(split).replace(/^\r?\n\r?\n/, '');
    this.send(CMD.MACRO, Buffer.concat([Buffer.from('M'), cstr('{mail_addr}'), cstr(m.from)]));
    this.send(CMD.MAIL, cstr(`<${m.from}>`));
    for (const r of m.to) {
      this.send(CMD.MACRO, Buffer.concat([Buffer.from('R'), cstr('i'), cstr(m.queueId ?? 'ABC123')]));
      this.send(CMD.RCPT, cstr(`<${r}>`));
    }
    this.send(CMD.DATA);
    for (const f of head.split(/\r?\n(?![ \t])/)) {
      const c = f.indexOf(':');
      if (c <= 0) continue;
      this.send(
        CMD.HEADER,
        Buffer.concat([
          cstr(f.slice(0, c)),
          cstr(
            f
              .slice(c + 1)
              .replace(/^ /, '')
              .replace(/\r\n/g, '\n'),
          ),
        ]),
      );
    }
    this.send(CMD.EOH);
    const b = Buffer.from(body.replace(/\r?\n/g, '\r\n'), 'latin1');
    for (let i = 0; i < b.length; i += 65535) this.send(CMD.BODY, b.subarray(i, i + 65535));
    this.send(CMD.MACRO, Buffer.concat([Buffer.from('E'), cstr('i'), cstr(m.queueId ?? 'ABC123')]));
    this.send(CMD.BODYEOB);
    const out: Packet[] = [];
    for (;;) {
      const p = await this.next();
      if (!p) throw new Error('milter closed the connection before its final reply');
      out.push(p);
      if ('acdrty4'.includes(p.cmd)) return out;
    }
  }

  /** The CONNECT and HELO events of a Postfix SMTP session from 127.0.0.1. */
  hello(): void {
    this.send(
      CMD.MACRO,
      Buffer.concat([Buffer.from('C'), cstr('j'), cstr('mx.test'), cstr('_'), cstr('localhost [127.0.0.1]')]),
    );
    const port = Buffer.alloc(2);
    port.writeUInt16BE(40152);
    this.send(CMD.CONNECT, Buffer.concat([cstr('localhost'), Buffer.from('4'), port, cstr('127.0.0.1')]));
    this.send(CMD.HELO, cstr('client.example.org'));
  }

  quit(): void {
    this.send(CMD.QUIT);
    this.socket.end();
  }
}
