import type { Duplex } from 'node:stream';
import { CHAT_LIMITS } from './chat-limits.js';
import type { ChatServer } from './chat-server.js';
import { encodeFrame, FrameReader, type ChatFrame } from './frame-reader.js';
import type { FileWaiter } from './server-files.js';
import { serverHandlers } from './server-handlers.js';

/**
 * One client connection on the server: feeds bytes through the framer, dispatches each
 * frame to its handler, writes replies, and tells the server when the connection ends.
 *
 * Why: this is the only layer that touches the stream, so a bad frame, an oversized
 * line or a vanished peer is contained here and never reaches other sessions.
 */
export class ServerSession implements FileWaiter {
  /** Logged-in user name, once login succeeded. */
  user: string | undefined;
  /** Username given at the first login step, waiting for its password. */
  pendingUser: string | undefined;
  private readonly reader = new FrameReader();
  private closed = false;
  private corked = false;
  /** Files with changes this session made that its replies wait for (see ServerFiles). */
  waitsFor = 0;
  private endAfterRelease = false;

  constructor(
    readonly server: ChatServer,
    private readonly stream: Duplex,
    readonly ip: string,
    readonly id: number,
  ) {
    stream.on('data', (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('error', () => this.onClose());
    stream.on('close', () => this.onClose());
    stream.on('end', () => {
      this.onClose();
      stream.end();
    });
    this.send('hello', { server: 'netlab-chat', maxFrame: CHAT_LIMITS.maxFrameBytes });
  }

  private onData(chunk: Buffer): void {
    if (this.closed) return;
    for (const ev of this.reader.push(chunk)) {
      if (this.closed) return;
      if (ev.kind === 'too-long') {
        this.fail(undefined, 'too-long', `Frame longer than ${ev.limit} bytes; closing the connection.`);
        this.end();
        return;
      }
      if (ev.kind === 'bad-frame') {
        this.fail(undefined, 'bad-frame', `Bad frame: ${ev.reason}.`);
        continue;
      }
      this.dispatch(ev.frame);
    }
  }

  private dispatch(frame: ChatFrame): void {
    const id = typeof frame.id === 'number' ? frame.id : undefined;
    const handler = Object.hasOwn(serverHandlers, frame.t) ? serverHandlers[frame.t] : undefined;
    if (!handler) {
      this.fail(id, 'unknown-type', `Unknown request type "${frame.t}".`);
      return;
    }
    if (handler.phase === 'login' && this.user) {
      this.fail(id, 'bad-request', `You are already logged in as ${this.user}.`);
      return;
    }
    if (handler.phase === 'session' && !this.user) {
      this.fail(id, 'not-logged-in', 'Log in first.');
      return;
    }
    try {
      handler.run(this, frame, id);
    } catch (err) {
      this.server.log(`internal error handling "${frame.t}": ${(err as Error).message}`);
      this.fail(id, 'internal', 'Internal server error; request not completed.');
    }
  }

  /** Send a frame (version added). Slow readers that pile up output are cut off. */
  send(t: string, fields: Record<string, unknown> = {}): void {
    this.sendFrames([encodeFrame(t, fields)]);
  }

  /** Write encoded frames; held back (corked) while the server's files are being brought up to date. */
  sendFrames(frames: readonly Buffer[]): void {
    if (this.closed || this.stream.destroyed) return;
    if (!this.corked && this.server.files.mustHold(this)) {
      this.corked = true;
      this.stream.cork();
      this.server.files.hold(this);
    }
    for (const f of frames) this.stream.write(f);
    if (this.stream.writableLength > CHAT_LIMITS.maxPendingOutputBytes) this.destroy();
  }

  /** The server's files are written: let the held replies go (and the close that followed them). */
  release(): void {
    if (!this.corked) return;
    this.corked = false;
    if (this.stream.destroyed) return;
    this.stream.uncork();
    if (this.endAfterRelease) this.stream.end();
  }

  /**
   * Encode a successful reply without sending it; long `lines` are split over several
   * frames, all but the last with `more: true`, each within the frame limit. Throws (and
   * nothing was sent) if a single line cannot fit a frame.
   */
  encodeReply(id: number | undefined, lines: readonly string[], data?: Record<string, unknown>): Buffer[] {
    const frames: Buffer[] = [];
    let batch: string[] = [];
    let size = 0;
    for (const line of lines) {
      const cost = Buffer.byteLength(JSON.stringify(line)) + 1;
      if (batch.length > 0 && size + cost > CHAT_LIMITS.maxReplyLinesBytes) {
        frames.push(encodeFrame('ok', { id, lines: batch, more: true }));
        batch = [];
        size = 0;
      }
      batch.push(line);
      size += cost;
    }
    frames.push(encodeFrame('ok', { id, lines: batch, ...(data ? { data } : {}) }));
    return frames;
  }

  /** Successful reply; long `lines` are split over several frames, all but the last with `more: true`. */
  reply(id: number | undefined, lines: readonly string[], data?: Record<string, unknown>): void {
    this.sendFrames(this.encodeReply(id, lines, data));
  }

  /** Error reply with a machine-readable code and a human text. */
  fail(id: number | undefined, code: string, text: string, data?: Record<string, unknown>): void {
    this.send('err', { id, code, text, ...(data ? { data } : {}) });
  }

  /** Finish writing, then close (after held replies are released). */
  end(): void {
    if (this.closed) return;
    if (this.corked) this.endAfterRelease = true;
    else this.stream.end();
    this.onClose();
  }

  destroy(): void {
    this.stream.destroy();
    this.onClose();
  }

  private onClose(): void {
    if (this.closed) return;
    this.closed = true;
    this.server.sessionClosed(this);
  }
}
