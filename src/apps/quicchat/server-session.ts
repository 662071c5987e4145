import type { Duplex } from 'node:stream';
import { FrameTooLongError } from '../common/line-decoder.js';
import type { ChatServer } from './chat-server.js';
import { ChatState, ChatStateMachine } from './chat-state.js';
import { encodePdu, MType, mtypeName, PduError, type Pdu } from './pdu.js';
import { PduFramer } from './pdu-framer.js';
import { SERVER_HANDLERS } from './server-handlers.js';

/**
 * The server's side of one client connection, over any Duplex.
 *
 * Why a class per connection: it owns the DFA, the framer, the version, the login
 * attempts and two timers (login deadline, silence), and it is the one place where a
 * stream error, a bad PDU or a handler's bug becomes "close this connection" and never
 * anything more.
 */
export class ServerSession {
  readonly dfa: ChatStateMachine;
  version: number | null = null;
  userId: number | null = null;
  username = '';
  failedLogins = 0;
  /** A LOGIN being checked (bcrypt is asynchronous): further LOGINs wait their turn by being refused. */
  checking = false;
  private readonly framer = new PduFramer();
  private loginTimer: unknown = null;
  private silenceTimer: unknown = null;
  private ended = false;

  constructor(
    readonly server: ChatServer,
    private readonly stream: Duplex,
    readonly remote: string,
  ) {
    this.dfa = new ChatStateMachine(ChatState.CONNECTING);
    this.dfa.fire('connected');
    stream.on('data', (chunk: Buffer) => this.guard(() => this.onData(chunk)));
    stream.on('end', () => this.guard(() => this.end('connection closed by the client')));
    stream.on('close', () => this.guard(() => this.end('connection lost')));
    stream.on('error', (err: Error) => this.guard(() => this.end(`connection lost (${err.message})`)));
    const clock = server.clock;
    this.loginTimer = clock.setTimeout(() => this.guard(() => this.onLoginTimeout()), server.limits.loginTimeoutMs);
    this.armSilence();
  }

  /** "alice (user 1) at ip:port", or the address alone before login. */
  label(): string {
    return this.userId !== null ? `${this.username} (user ${this.userId}) at ${this.remote}` : this.remote;
  }

  /** Send one PDU (dropped once the session has ended); a reader too slow to keep up is dropped. */
  send(mtype: MType, body: Record<string, unknown>): void {
    if (this.ended || this.stream.destroyed || this.stream.writableEnded) return;
    if (this.stream.writableLength > this.server.limits.maxQueuedBytes) {
      this.abort('too slow to read its messages');
      return;
    }
    this.stream.write(encodePdu(mtype, body, this.version ?? 1));
  }

  /** Send a last PDU, then close the stream gracefully. */
  closeWith(mtype: MType, body: Record<string, unknown>, reason: string): void {
    if (this.ended) return;
    this.send(mtype, body);
    if (this.dfa.can('disconnect')) this.dfa.fire('disconnect');
    this.end(reason);
    this.stream.end();
  }

  /** Drop the connection now. */
  abort(reason: string): void {
    if (this.ended) return;
    this.end(reason);
    this.stream.destroy();
  }

  /** The login deadline is met: stop it. */
  loggedIn(): void {
    this.server.clock.clearTimeout(this.loginTimer);
    this.loginTimer = null;
  }

  private onData(chunk: Buffer): void {
    if (this.ended) return;
    this.armSilence();
    let items: Array<Pdu | PduError>;
    try {
      items = this.framer.push(chunk);
    } catch (e) {
      if (!(e instanceof FrameTooLongError)) throw e;
      this.server.log(`${this.label()}: ${e.message}, closing`);
      this.closeWith(MType.MSG_UNSUCCESSFUL, { reason: e.message }, 'frame too long');
      return;
    }
    for (const item of items) {
      if (this.ended) return;
      if (item instanceof PduError) {
        this.dfa.handledError();
        this.send(MType.MSG_UNSUCCESSFUL, { reason: `bad PDU: ${item.message}` });
        continue;
      }
      if (this.version !== null && item.mtype !== MType.VERSIONS && item.version !== this.version) {
        this.dfa.handledError();
        this.send(MType.MSG_UNSUCCESSFUL, { reason: `version ${item.version} is not the negotiated version ${this.version}` });
        continue;
      }
      const handler = SERVER_HANDLERS[item.mtype];
      if (!handler) {
        this.dfa.handledError();
        this.send(MType.MSG_UNSUCCESSFUL, { reason: `${mtypeName(item.mtype)} is not sent to a server` });
        continue;
      }
      handler(this, item.body);
    }
  }

  private onLoginTimeout(): void {
    this.loginTimer = null;
    if (this.ended || this.userId !== null) return;
    this.server.log(`${this.label()}: not logged in within ${this.server.limits.loginTimeoutMs / 1000}s, disconnecting`);
    this.closeWith(MType.LOGIN_DISCONNECT, { reason: 'login timeout' }, 'login timeout');
  }

  private armSilence(): void {
    const clock = this.server.clock;
    if (this.silenceTimer !== null) clock.clearTimeout(this.silenceTimer);
    this.silenceTimer = clock.setTimeout(() => this.guard(() => this.onSilence()), this.server.limits.silenceTimeoutMs);
  }

  private onSilence(): void {
    this.silenceTimer = null;
    if (this.ended) return;
    this.server.log(`${this.label()}: silent for ${this.server.limits.silenceTimeoutMs / 1000}s, dropping`);
    this.abort('silent (no keep-alive)');
  }

  private end(reason: string): void {
    if (this.ended) return;
    this.ended = true;
    const clock = this.server.clock;
    if (this.loginTimer !== null) clock.clearTimeout(this.loginTimer);
    if (this.silenceTimer !== null) clock.clearTimeout(this.silenceTimer);
    this.loginTimer = this.silenceTimer = null;
    if (this.dfa.can('disconnect')) this.dfa.fire('disconnect');
    if (this.dfa.can('closed')) this.dfa.fire('closed');
    if (this.userId !== null) this.server.log(`${this.label()} left: ${reason}`);
    this.server.forget(this, reason);
  }

  /** Whatever goes wrong in a handler costs this connection only. */
  guard(fn: () => void): void {
    try {
      fn();
    } catch (e) {
      this.server.log(`${this.label()}: internal error (${(e as Error).message}), closing`);
      try {
        this.abort('internal error');
      } catch {
        /* already as closed as it gets */
      }
    }
  }

  get isEnded(): boolean {
    return this.ended;
  }
}
