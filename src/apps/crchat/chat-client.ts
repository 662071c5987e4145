import { systemClock, type TimerClock } from '../common/clock.js';
import type { ClientTransport } from './client-transport.js';
import { clientHandlers } from './client-handlers.js';
import { encodeMessage, MessageSyntaxError } from './encode-message.js';
import { FrameChannel } from './frame-channel.js';
import { loginOverUdp } from './login-over-udp.js';
import { CLIENT_ID_RE, MAX_TEXT_BYTES, type Message } from './message.js';
import { parseMessage } from './parse-message.js';
import { DIR_CLIENT_TO_SERVER, DIR_SERVER_TO_CLIENT, RecordCipher, RecordError } from './record-cipher.js';
import { parseUserCommand } from './user-command.js';

/** Where the client stands (connection phase, then chat phase). */
export type ClientState = 'offline' | 'logging-on' | 'connecting' | 'connected' | 'requesting' | 'chatting';

/** What a ChatClient needs. */
export interface ChatClientOptions {
  id: string;
  key: string;
  transport: ClientTransport;
  /** Where user-visible lines go (stdout in client-main). */
  print: (line: string) => void;
  clock?: TimerClock;
  /** UDP retransmission: wait this long for an answer (default 1000 ms)... */
  retryMs?: number;
  /** ...and send each of HELLO and RESPONSE at most this often (default 5). */
  attempts?: number;
  /** How long to wait for CONNECTED, CHAT_STARTED/UNREACHABLE, HISTORY_END (default 10 s). */
  replyTimeoutMs?: number;
  /** Client-side activity timer: log off after this long without user input (0 = off, the default). */
  idleTimeoutMs?: number;
}

const LOGON_FAILURES: Record<string, string> = {
  'unknown-id': 'Authentication failed (unknown client ID)',
  'bad-response': 'Authentication failed (wrong key)',
  'no-answer': 'Log on failed: no answer from server',
};

/**
 * The client's session layer and state machine, driven by typed lines and server messages.
 *
 * Why a queue: lines are handled one at a time and a line that asks the server something
 * (Log on, Chat X, History X) holds the next line back until the answer (or a timeout), so
 * a script can type `Chat B` and its first message back to back.
 */
export class ChatClient {
  state: ClientState = 'offline';
  session: number | null = null;
  peer: string | null = null;
  readonly print: (line: string) => void;
  readonly clock: TimerClock;
  /** Reason from the server's last DISCONNECT, shown when the connection drops. */
  disconnectReason: string | null = null;
  private channel: FrameChannel | null = null;
  private cipher: RecordCipher | null = null;
  private waiter: { resolve: () => void; timer: unknown } | null = null;
  private queue: Promise<void> = Promise.resolve();
  private idleTimer: unknown = null;

  constructor(private readonly o: ChatClientOptions) {
    this.print = o.print;
    this.clock = o.clock ?? systemClock;
  }

  /** Queue one typed line; the promise settles when that line has been fully handled. */
  input(line: string): Promise<void> {
    const run = this.queue.then(() => this.handle(line));
    this.queue = run.catch(() => {});
    return run;
  }

  /** Log off if connected and wait for queued lines (stdin closed, or SIGTERM). */
  async shutdown(): Promise<void> {
    await this.queue;
    if (this.state !== 'offline') this.logOff();
  }

  /** Seal and send one message to the server. */
  send(msg: Message): void {
    if (!this.channel || !this.cipher) return;
    this.channel.send(this.cipher.seal(encodeMessage(msg)));
  }

  /** Release the line queue (the answer the current line waited for has come). */
  settle(): void {
    const w = this.waiter;
    if (!w) return;
    this.waiter = null;
    this.clock.clearTimeout(w.timer);
    w.resolve();
  }

  private wait(onTimeout: () => void): Promise<void> {
    return new Promise((resolve) => {
      const timer = this.clock.setTimeout(() => {
        if (this.waiter?.timer !== timer) return;
        this.waiter = null;
        onTimeout();
        resolve();
      }, this.o.replyTimeoutMs ?? 10_000);
      this.waiter = { resolve, timer };
    });
  }

  private async handle(line: string): Promise<void> {
    const cmd = parseUserCommand(line);
    if (cmd.kind !== 'blank') this.touch();
    switch (cmd.kind) {
      case 'blank':
        return;
      case 'log-on':
        return this.logOn();
      case 'log-off':
        if (this.state === 'offline') return this.print('Not connected');
        return this.logOff();
      case 'chat':
        return this.chat(cmd.peer);
      case 'end-chat':
        if (this.state !== 'chatting') return this.print(this.state === 'offline' ? 'Not connected; type "Log on" first' : 'Not in a chat');
        return this.endChat();
      case 'history':
        return this.history(cmd.peer);
      case 'text':
        return this.text(cmd.text);
    }
  }

  private async logOn(): Promise<void> {
    if (this.state !== 'offline') return this.print('Connected (already logged on)');
    this.state = 'logging-on';
    const r = await loginOverUdp(this.o.transport.openUdp(), this.o.id, this.o.key, this.clock, {
      retryMs: this.o.retryMs ?? 1000,
      attempts: this.o.attempts ?? 5,
    });
    if (!r.ok) {
      this.state = 'offline';
      return this.print(LOGON_FAILURES[r.reason] ?? `Log on failed: ${r.reason}`);
    }
    this.state = 'connecting';
    this.disconnectReason = null;
    const stream = this.o.transport.connectTcp(r.port);
    const cipher = new RecordCipher(r.ck, DIR_CLIENT_TO_SERVER, DIR_SERVER_TO_CLIENT);
    const channel = new FrameChannel(
      stream,
      (f) => this.onFrame(channel, f),
      (why) => this.onClosed(channel, why),
    );
    this.channel = channel;
    this.cipher = cipher;
    channel.send(encodeMessage({ type: 'IDENT', id: this.o.id }));
    this.send({ type: 'CONNECT', cookie: r.cookie });
    if (this.state !== 'connecting') return;
    await this.wait(() => {
      this.print('Log on failed: no CONNECTED from server');
      this.drop();
    });
  }

  private logOff(): void {
    if (this.state === 'chatting' && this.session !== null) {
      this.send({ type: 'END_REQUEST', session: this.session });
      this.print('Chat ended');
    }
    this.drop();
    this.print('Logged off');
  }

  private async chat(peer: string): Promise<void> {
    if (this.state === 'offline') return this.print('Not connected; type "Log on" first');
    if (this.state === 'chatting') return this.print(`Already in a chat with ${this.peer}; type "End chat" first`);
    if (!CLIENT_ID_RE.test(peer)) return this.print(`Invalid client ID: ${peer}`);
    this.state = 'requesting';
    this.send({ type: 'CHAT_REQUEST', peer });
    await this.wait(() => {
      if (this.state === 'requesting') this.state = 'connected';
      this.print('No answer from server');
    });
  }

  private endChat(): void {
    this.send({ type: 'END_REQUEST', session: this.session! });
    this.session = null;
    this.peer = null;
    this.state = 'connected';
    this.print('Chat ended');
  }

  private async history(peer: string): Promise<void> {
    if (this.state === 'offline') return this.print('Not connected; type "Log on" first');
    if (!CLIENT_ID_RE.test(peer)) return this.print(`Invalid client ID: ${peer}`);
    this.send({ type: 'HISTORY_REQ', peer });
    await this.wait(() => this.print('No answer from server'));
  }

  private text(text: string): void {
    if (this.state !== 'chatting') {
      return this.print(
        this.state === 'offline'
          ? 'Not connected; type "Log on" first'
          : 'Not in a chat; type "Chat <client-ID>" to start one (commands: Chat <client-ID>, History <client-ID>, Log off)',
      );
    }
    if (Buffer.byteLength(text, 'utf8') > MAX_TEXT_BYTES) return this.print(`Message too long (max ${MAX_TEXT_BYTES} bytes)`);
    this.send({ type: 'CHAT', session: this.session!, text });
  }

  /** Close our side and forget the connection, quietly. */
  private drop(): void {
    const ch = this.channel;
    this.channel = null;
    this.cipher = null;
    this.state = 'offline';
    this.session = null;
    this.peer = null;
    this.stopIdle();
    ch?.close('log off');
    this.settle();
  }

  private onFrame(channel: FrameChannel, frame: Buffer): void {
    if (channel !== this.channel || !this.cipher) return;
    let msg: Message;
    try {
      msg = parseMessage(this.cipher.open(frame));
    } catch (err) {
      if (err instanceof RecordError || err instanceof MessageSyntaxError) {
        this.print(`Connection closed: bad record from server (${err.message})`);
        this.channel = null;
        channel.abort('bad record');
        this.lost();
        return;
      }
      throw err;
    }
    const handler = clientHandlers[msg.type] as ((c: ChatClient, m: Message) => void) | undefined;
    if (handler) handler(this, msg);
  }

  private onClosed(channel: FrameChannel, why: string): void {
    if (channel !== this.channel) return; // we closed it ourselves
    this.channel = null;
    if (this.state === 'connecting') {
      this.print(`Log on failed: ${this.disconnectReason ?? why}`);
    } else {
      if (this.state === 'chatting') this.print('Chat ended');
      const r = this.disconnectReason;
      this.print(r === 'idle-timeout' ? 'Disconnected (idle timeout)' : `Disconnected from server${r ? ` (${r})` : ''}`);
    }
    this.lost();
  }

  private lost(): void {
    this.cipher = null;
    this.state = 'offline';
    this.session = null;
    this.peer = null;
    this.stopIdle();
    this.settle();
  }

  /** Called when CONNECTED arrives. */
  connected(): void {
    this.state = 'connected';
    this.touch();
  }

  private touch(): void {
    const ms = this.o.idleTimeoutMs ?? 0;
    if (ms <= 0 || this.state === 'offline') return;
    this.stopIdle();
    this.idleTimer = this.clock.setTimeout(() => {
      this.idleTimer = null;
      if (this.state === 'offline') return;
      this.print('Activity timer expired');
      this.logOff();
    }, ms);
  }

  private stopIdle(): void {
    if (this.idleTimer !== null) this.clock.clearTimeout(this.idleTimer);
    this.idleTimer = null;
  }
}
