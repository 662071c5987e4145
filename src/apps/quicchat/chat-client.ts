import type { Duplex } from 'node:stream';
import { systemClock, type TimerClock } from '../common/clock.js';
import { FrameTooLongError } from '../common/line-decoder.js';
import { ChatState, ChatStateMachine } from './chat-state.js';
import { CLIENT_HANDLERS } from './client-handlers.js';
import { encodePdu, MType, PduError, SUPPORTED_VERSIONS, type Pdu } from './pdu.js';
import { PduFramer } from './pdu-framer.js';
import { INPUT_HELP, parseUserInput } from './user-input.js';

/** Where the terminal dialogue is. */
export type ClientPhase = 'negotiating' | 'username' | 'password' | 'checking' | 'chat' | 'done';

export interface ChatClientOptions {
  /** Versions offered in VERSIONS (default: all this client speaks). */
  versions?: readonly number[];
  /** ALIVE period (seed: 30 s). */
  aliveIntervalMs?: number;
  clock?: TimerClock;
  /** A whole line for the user (a newline is added). */
  print(line: string): void;
  /** A prompt, printed without a newline. */
  prompt(text: string): void;
  /** The session is over; the program exits with this status. */
  exit(code: number): void;
}

/**
 * The terminal client's logic over any Duplex: version negotiation, the login dialogue
 * (typed-ahead lines wait their turn), the seed's input formats, keep-alive, and what each
 * server PDU prints.
 */
export class ChatClient {
  readonly dfa = new ChatStateMachine();
  phase: ClientPhase = 'negotiating';
  version: number | null = null;
  userId: number | null = null;
  username = '';
  /** Known users by id (from LOGIN_ACK and the broadcasts), for printing names. */
  readonly names = new Map<number, string>();
  private stream: Duplex | null = null;
  private readonly framer = new PduFramer();
  private readonly queue: string[] = [];
  private aliveTimer: unknown = null;
  private readonly clock: TimerClock;
  private exited = false;

  constructor(readonly o: ChatClientOptions) {
    this.clock = o.clock ?? systemClock;
  }

  /** The QUIC handshake is under way. */
  connecting(): void {
    this.dfa.fire('connect');
  }

  /** The transport is up: offer versions and listen. */
  attach(stream: Duplex): void {
    if (this.dfa.is(ChatState.DISCONNECTED)) this.dfa.fire('connect');
    this.stream = stream;
    stream.on('data', (c: Buffer) => this.guard(() => this.onData(c)));
    stream.on('end', () => this.guard(() => this.lost('the server closed the connection')));
    stream.on('close', () => this.guard(() => this.lost('connection lost')));
    stream.on('error', () => {});
    this.send(MType.VERSIONS, { versions: this.o.versions ?? SUPPORTED_VERSIONS });
  }

  /** One line the user typed. */
  input(line: string): void {
    this.queue.push(line);
    this.drain();
  }

  /** The user's input ended (EOF): log out if logged in, else just leave. */
  endOfInput(): void {
    if (this.phase === 'chat') this.input('logout');
    else if (this.phase !== 'checking' && this.phase !== 'negotiating') this.finish(0);
  }

  send(mtype: MType, body: Record<string, unknown>): void {
    if (!this.stream || this.stream.destroyed || this.stream.writableEnded) return;
    this.stream.write(encodePdu(mtype, body, this.version ?? SUPPORTED_VERSIONS[0]));
  }

  /** Print, stop timers, close the stream, and exit with `code`. */
  finish(code: number, line?: string): void {
    if (this.exited) return;
    this.exited = true;
    if (line) this.o.print(line);
    this.phase = 'done';
    if (this.aliveTimer !== null) this.clock.clearTimeout(this.aliveTimer);
    if (this.dfa.can('disconnect')) this.dfa.fire('disconnect');
    if (this.dfa.can('closed')) this.dfa.fire('closed');
    this.stream?.end();
    this.o.exit(code);
  }

  /** Called by the handlers: VERSIONS agreed. */
  negotiated(version: number): void {
    this.version = version;
    this.dfa.fire('connected');
    this.o.print(`Connected to the chat server (protocol version ${version})`);
    this.askUsername();
    this.armAlive();
  }

  askUsername(): void {
    this.phase = 'username';
    this.o.prompt('Enter username: ');
    this.drain();
  }

  /** Called by the handlers: LOGIN_ACK. */
  authenticated(userId: number, username: string): void {
    this.userId = userId;
    this.username = username;
    this.names.set(userId, username);
    this.dfa.fire('authenticated');
    this.phase = 'chat';
    this.drain();
  }

  nameOf(id: unknown): string {
    return typeof id === 'number' ? (this.names.get(id) ?? `user ${id}`) : String(id);
  }

  private drain(): void {
    while (this.queue.length > 0 && !this.exited) {
      const line = this.queue[0]!;
      if (this.phase === 'username') {
        this.queue.shift();
        this.username = line.trim();
        this.phase = 'password';
        this.o.prompt('Enter password: ');
      } else if (this.phase === 'password') {
        this.queue.shift();
        this.phase = 'checking';
        this.send(MType.LOGIN, { username: this.username, password: line.trim() });
      } else if (this.phase === 'chat') {
        this.queue.shift();
        this.chatLine(line);
      } else return; // negotiating or checking: the line waits
    }
  }

  private chatLine(line: string): void {
    if (line.trim() === '') return;
    const cmd = parseUserInput(line);
    switch (cmd.kind) {
      case 'logout':
        this.phase = 'checking';
        this.send(MType.LOGOUT, {});
        return;
      case 'broadcast':
        this.dfa.fire('send');
        this.send(MType.BROADCAST, { text: cmd.text });
        return;
      case 'one':
        this.dfa.fire('send');
        this.send(MType.ONE_TO_ONE, { to: cmd.to, text: cmd.text });
        return;
      case 'many':
        this.dfa.fire('send');
        this.send(MType.ONE_TO_MANY, { to: cmd.to, text: cmd.text });
        return;
      case 'invalid':
        this.dfa.handledError();
        this.o.print(cmd.reason === INPUT_HELP ? `Unknown command. ${INPUT_HELP}` : `Not sent: ${cmd.reason}`);
    }
  }

  private onData(chunk: Buffer): void {
    let items: Array<Pdu | PduError>;
    try {
      items = this.framer.push(chunk);
    } catch (e) {
      if (!(e instanceof FrameTooLongError)) throw e;
      return this.finish(1, `Disconnected: the server sent a ${e.message}`);
    }
    for (const p of items) {
      if (this.exited) return;
      if (p instanceof PduError) {
        this.dfa.handledError();
        this.o.print(`(ignored a bad PDU from the server: ${p.message})`);
        continue;
      }
      CLIENT_HANDLERS[p.mtype]?.(this, p.body);
    }
  }

  private lost(why: string): void {
    if (this.exited) return;
    this.finish(1, `Disconnected: ${why}`);
  }

  /** Stop sending ALIVE (a hung client, as the keep-alive test plays it). */
  stopKeepAlive(): void {
    if (this.aliveTimer !== null) this.clock.clearTimeout(this.aliveTimer);
    this.aliveTimer = null;
    this.exitedKeepAlive = true;
  }

  private exitedKeepAlive = false;

  private armAlive(): void {
    const every = this.o.aliveIntervalMs ?? 30_000;
    const tick = (): void => {
      this.aliveTimer = null;
      if (this.exited || this.exitedKeepAlive) return;
      this.send(MType.ALIVE, {});
      this.aliveTimer = this.clock.setTimeout(() => this.guard(tick), every);
    };
    this.aliveTimer = this.clock.setTimeout(() => this.guard(tick), every);
  }

  private guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.finish(1, `Internal error: ${(e as Error).message}`);
    }
  }
}
