import type { Duplex } from 'node:stream';
import { FrameTooLongError, LineDecoder } from '../common/line-decoder.js';
import { MAX_FRAME_BYTES, encodeFrame, parseClientFrame, type ClientMessage, type ServerMessage } from './protocol.js';
import { serverHandlers, type HandlerTable, type ServerContext, type SessionState } from './server-handlers.js';

/** Consecutive bad frames tolerated before the connection is closed. */
const MAX_CONSECUTIVE_ERRORS = 5;
/** Unread reply bytes tolerated before a peer that does not read is cut off. */
const MAX_UNREAD_REPLY_BYTES = 4 * 1024 * 1024;
/** Frames queued before the session stops reading from the stream (backpressure). */
const MAX_QUEUED_FRAMES = 64;

/**
 * One client connection over any Duplex stream (a TCP socket, or an in-memory
 * pair in tests).
 *
 * Why a queue: frames are handled strictly one after another, so replies come
 * back in request order even when a handler awaits the disk. A bad frame gets an
 * error reply; an oversized frame, a flood of bad frames or a stream error ends
 * only this connection. Nothing here throws into the event loop.
 */
export class ServerSession implements SessionState {
  user: string | undefined = undefined;
  endAfterReply = false;
  private readonly decoder = new LineDecoder(MAX_FRAME_BYTES);
  private readonly queue: string[] = [];
  private working = false;
  private inputEnded = false;
  private closed = false;
  private errors = 0;
  private readonly closeWaiters: Array<() => void> = [];

  constructor(
    private readonly stream: Duplex,
    private readonly ctx: ServerContext,
    private readonly handlers: HandlerTable = serverHandlers,
  ) {
    stream.on('data', (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('end', () => {
      this.inputEnded = true;
      this.maybeFinish();
    });
    stream.on('error', () => this.onClosed());
    stream.on('close', () => this.onClosed());
    this.send({ type: 'hello', server: 'bluetrace' });
  }

  /** Resolves once the underlying stream has closed. */
  closedPromise(): Promise<void> {
    return this.closed ? Promise.resolve() : new Promise((resolve) => this.closeWaiters.push(resolve));
  }

  /** Close this connection now. */
  destroy(): void {
    this.stream.destroy();
  }

  private onData(chunk: Buffer): void {
    if (this.closed || this.endAfterReply) return;
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (err) {
      this.fail(
        err instanceof FrameTooLongError
          ? { type: 'error', code: 'frame_too_long', message: `frames are limited to ${MAX_FRAME_BYTES} bytes` }
          : { type: 'error', code: 'bad_frame', message: 'undecodable input' },
      );
      return;
    }
    for (const line of lines) this.queue.push(line);
    if (this.queue.length > MAX_QUEUED_FRAMES) this.stream.pause();
    void this.work();
  }

  private async work(): Promise<void> {
    if (this.working) return;
    this.working = true;
    try {
      while (this.queue.length > 0 && !this.closed && !this.endAfterReply) {
        const line = this.queue.shift()!;
        if (this.queue.length <= MAX_QUEUED_FRAMES / 2 && this.stream.isPaused()) this.stream.resume();
        await this.handleLine(line);
      }
    } finally {
      this.working = false;
    }
    this.maybeFinish();
  }

  private async handleLine(line: string): Promise<void> {
    if (line.trim() === '') return; // tolerate blank keep-alive lines
    const parsed = parseClientFrame(line);
    if (!parsed.ok) {
      this.errors += 1;
      if (this.errors >= MAX_CONSECUTIVE_ERRORS) {
        this.fail({ type: 'error', code: 'too_many_errors', message: 'too many bad frames' });
      } else {
        this.send({ type: 'error', code: parsed.code, message: parsed.message });
      }
      return;
    }
    this.errors = 0;
    let reply: ServerMessage;
    try {
      reply = await this.dispatch(parsed.msg);
    } catch (err) {
      reply = { type: 'error', code: 'server_error', message: err instanceof Error ? err.message : String(err) };
    }
    this.send(reply);
    if (this.endAfterReply) this.endStream();
  }

  private dispatch(msg: ClientMessage): ServerMessage | Promise<ServerMessage> {
    const handler = this.handlers[msg.type] as (m: ClientMessage, s: SessionState, c: ServerContext) => ServerMessage | Promise<ServerMessage>;
    return handler(msg, this, this.ctx);
  }

  private send(msg: ServerMessage): void {
    if (this.closed || this.stream.destroyed || this.stream.writableEnded) return;
    this.stream.write(encodeFrame(msg));
    // A peer that keeps sending but never reads would make us buffer replies without limit.
    if (this.stream.writableLength > MAX_UNREAD_REPLY_BYTES) this.stream.destroy();
  }

  /** Reply with a last error and close this connection only. */
  private fail(msg: ServerMessage): void {
    this.send(msg);
    this.queue.length = 0;
    this.endAfterReply = true;
    this.endStream();
  }

  private endStream(): void {
    if (this.stream.writableEnded || this.stream.destroyed) return;
    this.stream.end();
    // Do not wait forever for a peer that never closes its side.
    const t = setTimeout(() => this.stream.destroy(), 5_000);
    t.unref?.();
    this.stream.once('close', () => clearTimeout(t));
  }

  /** After the peer half-closed and every queued frame is answered, close our side too. */
  private maybeFinish(): void {
    if (this.inputEnded && !this.working && this.queue.length === 0) this.endStream();
  }

  private onClosed(): void {
    if (this.closed) return;
    this.closed = true;
    this.queue.length = 0;
    if (this.user !== undefined) {
      this.ctx.log(`${this.user} disconnected`);
      this.user = undefined;
    }
    if (!this.stream.destroyed) this.stream.destroy();
    for (const w of this.closeWaiters.splice(0)) w();
  }
}
