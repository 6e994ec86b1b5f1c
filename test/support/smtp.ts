import { connect, type Socket } from 'node:net';

/**
 * A minimal SMTP client for tests: one session, any number of messages, every reply returned.
 * Messages are sent as given (an mbox "From " first line is dropped), with CRLF line ends and
 * dot-stuffing, as an MTA would.
 */
export interface SmtpMessage {
  readonly from: string;
  readonly to: readonly string[];
  readonly data: Uint8Array;
}

export function toSmtpData(raw: Uint8Array): Buffer {
  let text = Buffer.from(raw).toString('latin1');
  if (text.startsWith('From ')) text = text.slice(text.indexOf('\n') + 1);
  const lines = text.split(/\r?\n/);
  if (lines[lines.length - 1] === '') lines.pop();
  return Buffer.from(
    `${lines.map((l) => (l.startsWith('.') ? `.${l}` : l)).join('\r\n')}\r\n.\r\n`,
    'latin1',
  );
}

class Conversation {
  private buf = '';
  private waiting: ((line: string) => void) | undefined;
  private failed: ((e: Error) => void) | undefined;
  private readonly socket: Socket;
  constructor(socket: Socket) {
    this.socket = socket;
    socket.on('close', () => this.failed?.(new Error('SMTP connection closed')));
    socket.on('data', (d: Buffer) => {
      this.buf += d.toString('latin1');
      this.poke();
    });
  }
  private poke(): void {
    // A complete reply: its last line has a space after the code.
    const m = /(?:^|\r\n)(\d{3}) [^\r\n]*\r\n/.exec(this.buf);
    if (m && this.waiting) {
      const end = m.index + m[0].length;
      const reply = this.buf.slice(0, end).trim();
      this.buf = this.buf.slice(end);
      const w = this.waiting;
      this.waiting = undefined;
      w(reply);
    }
  }
  reply(): Promise<string> {
    return new Promise((resolve, reject) => {
      this.waiting = resolve;
      this.failed = reject;
      this.poke();
    });
  }
  async cmd(line: string | Buffer): Promise<string> {
    this.socket.write(typeof line === 'string' ? `${line}\r\n` : line);
    return this.reply();
  }
}

/** Sends the messages in one SMTP session; returns the final reply to each message's data. */
export async function sendMail(port: number, messages: readonly SmtpMessage[], helo = 'client.example.org') {
  const socket = connect(port, '127.0.0.1');
  socket.setTimeout(120_000, () => socket.destroy(new Error('SMTP timeout')));
  const c = new Conversation(socket);
  const out: string[] = [];
  try {
    const greet = await c.reply();
    if (!greet.startsWith('220')) throw new Error(`greeting: ${greet}`);
    const ehlo = await c.cmd(`EHLO ${helo}`);
    if (!ehlo.startsWith('250')) throw new Error(`EHLO: ${ehlo}`);
    for (const m of messages) {
      const mail = await c.cmd(`MAIL FROM:<${m.from}>`);
      if (!mail.startsWith('250')) {
        out.push(mail);
        await c.cmd('RSET');
        continue;
      }
      let ok = 0;
      for (const r of m.to) if ((await c.cmd(`RCPT TO:<${r}>`)).startsWith('250')) ok++;
      if (!ok) {
        out.push('554 no valid recipients');
        await c.cmd('RSET');
        continue;
      }
      const data = await c.cmd('DATA');
      if (!data.startsWith('354')) {
        out.push(data);
        await c.cmd('RSET');
        continue;
      }
      out.push(await c.cmd(toSmtpData(m.data)));
    }
    await c.cmd('QUIT').catch(() => '');
  } finally {
    socket.destroy();
  }
  return out;
}
