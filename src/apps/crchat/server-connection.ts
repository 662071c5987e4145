import type { Duplex } from 'node:stream';
import { encodeMessage, MessageSyntaxError } from './encode-message.js';
import { FrameChannel } from './frame-channel.js';
import type { Message, MessageType } from './message.js';
import { parseMessage } from './parse-message.js';
import { DIR_CLIENT_TO_SERVER, DIR_SERVER_TO_CLIENT, RecordCipher, RecordError } from './record-cipher.js';
import type { ChatServer } from './chat-server.js';
import { serverHandlers } from './server-handlers.js';

/** Where one TCP connection stands. */
export type ServerConnectionState = 'ident' | 'connect' | 'connected' | 'closed';

const IDENT_IN: ReadonlySet<MessageType> = new Set(['IDENT']);

/**
 * The server's session layer for one TCP connection, over any Duplex.
 *
 * Why: it owns the order of things — a clear IDENT frame naming the client, then only
 * sealed records (CONNECT first) — and the activity timer; each decoded message goes to
 * the handler table. Any framing, crypto or replay failure drops this connection only.
 */
export class ServerConnection {
  state: ServerConnectionState = 'ident';
  id = '';
  session: number | null = null;
  private cipher: RecordCipher | null = null;
  private readonly channel: FrameChannel;
  private lastActivity: number;
  private timer: unknown = null;
  private closeReason = '';

  constructor(
    readonly server: ChatServer,
    stream: Duplex,
    readonly remote: string,
  ) {
    this.channel = new FrameChannel(
      stream,
      (f) => {
        try {
          this.onFrame(f);
        } catch (err) {
          // A bug must cost this connection only, never the server.
          this.server.log(`${this.label()}: internal error (${(err as Error).message}), closing`);
          this.abort('internal-error');
        }
      },
      (why) => this.onClosed(why),
    );
    this.lastActivity = server.clock.now();
    this.armTimer();
  }

  /** Seal and send one message (no-op once closed). */
  send(msg: Message): void {
    if (this.state === 'closed' || !this.cipher) return;
    this.channel.send(this.cipher.seal(encodeMessage(msg)));
  }

  /** Tell the client why (if we can) and close gracefully. */
  disconnect(reason: string): void {
    if (this.state === 'closed') return;
    this.closeReason = reason;
    if (this.cipher && this.state === 'connected') this.send({ type: 'DISCONNECT', reason });
    this.channel.close(reason);
  }

  /** Drop the connection without a word (protocol or crypto violation). */
  abort(reason: string): void {
    if (this.state === 'closed') return;
    this.closeReason = reason;
    this.channel.abort(reason);
  }

  /** The handshake succeeded: from now on the activity timer uses the configured idle time. */
  markConnected(): void {
    this.state = 'connected';
    this.touch();
    if (this.timer !== null) this.server.clock.clearTimeout(this.timer);
    this.timer = null;
    this.armTimer();
  }

  /** Any frame from the client counts as activity. */
  private touch(): void {
    this.lastActivity = this.server.clock.now();
  }

  private limitMs(): number {
    return this.state === 'connected' ? this.server.idleTimeoutMs : this.server.handshakeTimeoutMs;
  }

  private armTimer(): void {
    const limit = this.limitMs();
    if (limit <= 0) return;
    const due = this.lastActivity + limit - this.server.clock.now();
    this.timer = this.server.clock.setTimeout(() => this.onTimer(), Math.max(due, 0));
  }

  private onTimer(): void {
    this.timer = null;
    if (this.state === 'closed') return;
    if (this.server.clock.now() - this.lastActivity >= this.limitMs()) {
      this.server.log(`${this.label()}: ${this.state === 'connected' ? 'idle' : 'handshake'} timeout`);
      if (this.state === 'connected') this.disconnect('idle-timeout');
      else this.abort('handshake-timeout');
      return;
    }
    this.armTimer();
  }

  private onFrame(frame: Buffer): void {
    this.touch();
    if (this.state === 'ident') return this.onIdent(frame);
    let msg: Message;
    try {
      msg = parseMessage(this.cipher!.open(frame));
    } catch (err) {
      if (err instanceof RecordError) {
        this.server.log(`${this.label()}: ${err.message}, closing`);
        return this.abort(`record-${err.kind}`);
      }
      if (err instanceof MessageSyntaxError) {
        this.server.log(`${this.label()}: malformed message (${err.message})`);
        if (this.state === 'connected') return this.send({ type: 'ERROR', reason: 'malformed' });
        return this.abort('malformed');
      }
      throw err;
    }
    const handler = serverHandlers[msg.type] as ((c: ServerConnection, m: Message) => void) | undefined;
    if (!handler) {
      this.server.log(`${this.label()}: unexpected ${msg.type}`);
      if (this.state === 'connected') return this.send({ type: 'ERROR', reason: 'unexpected-message' });
      return this.abort('unexpected-message');
    }
    handler(this, msg);
  }

  private onIdent(frame: Buffer): void {
    let id: string;
    try {
      const m = parseMessage(frame, IDENT_IN);
      id = (m as { id: string }).id;
    } catch (err) {
      if (!(err instanceof MessageSyntaxError)) throw err;
      this.server.log(`TCP ${this.remote}: bad first frame (${err.message}), closing`);
      return this.abort('bad-ident');
    }
    const ck = this.server.cookies.keyFor(id);
    if (!ck) {
      this.server.log(`TCP ${this.remote}: IDENT ${id} without a live cookie, closing`);
      return this.abort('no-cookie');
    }
    this.id = id;
    this.cipher = new RecordCipher(ck, DIR_SERVER_TO_CLIENT, DIR_CLIENT_TO_SERVER);
    this.state = 'connect';
  }

  private onClosed(why: string): void {
    const prev = this.state;
    this.state = 'closed';
    if (this.timer !== null) this.server.clock.clearTimeout(this.timer);
    this.timer = null;
    this.server.connectionClosed(this, prev === 'connected', this.closeReason || why);
  }

  label(): string {
    return this.id ? `${this.id}@${this.remote}` : `TCP ${this.remote}`;
  }
}
