import { EventEmitter } from 'node:events';
import type { Duplex } from 'node:stream';
import { FrameTooLongError, LineDecoder } from '../common/line-decoder.js';
import { MAX_FRAME_BYTES, encodeFrame, parseServerFrame, type ClientMessage, type ServerMessage } from './protocol.js';

/** Raised to pending requests when the server connection ends. */
export class ConnectionClosedError extends Error {
  constructor(reason = 'connection to server closed') {
    super(reason);
    this.name = 'ConnectionClosedError';
  }
}

/**
 * The client's end of the protocol over any Duplex: request/reply in order.
 *
 * Why in-order matching: the server answers frames strictly in sequence, so
 * the n-th reply belongs to the n-th request and no request ids are needed.
 * Emits 'close' once (with a reason) when the stream ends for any cause.
 */
export class ClientConnection extends EventEmitter {
  private readonly decoder = new LineDecoder(MAX_FRAME_BYTES);
  private readonly pending: Array<{ resolve: (m: ServerMessage) => void; reject: (e: Error) => void }> = [];
  private helloWaiters: Array<{ resolve: () => void; reject: (e: Error) => void }> = [];
  private gotHello = false;
  private closedReason: string | undefined;

  constructor(private readonly stream: Duplex) {
    super();
    stream.on('data', (chunk: Buffer | string) => this.onData(typeof chunk === 'string' ? Buffer.from(chunk) : chunk));
    stream.on('end', () => {
      this.shutdown('server closed the connection');
      if (!stream.writableEnded) stream.end();
    });
    stream.on('error', (err: Error) => this.shutdown(err.message));
    stream.on('close', () => this.shutdown('server closed the connection'));
  }

  /** Resolves when the server's hello has arrived (the protocol is spoken). */
  ready(): Promise<void> {
    if (this.gotHello) return Promise.resolve();
    if (this.closedReason !== undefined) return Promise.reject(new ConnectionClosedError(this.closedReason));
    return new Promise((resolve, reject) => this.helloWaiters.push({ resolve, reject }));
  }

  /** Send one request and wait for its reply. */
  request(msg: ClientMessage): Promise<ServerMessage> {
    if (this.closedReason !== undefined) return Promise.reject(new ConnectionClosedError(this.closedReason));
    return new Promise((resolve, reject) => {
      this.pending.push({ resolve, reject });
      this.stream.write(encodeFrame(msg));
    });
  }

  get closed(): boolean {
    return this.closedReason !== undefined;
  }

  /** Close the connection deliberately (no 'close' event is emitted for this). */
  close(): void {
    if (this.closedReason === undefined) this.closedReason = 'closed by client';
    this.stream.destroy();
    this.failAll();
  }

  private onData(chunk: Buffer): void {
    let lines: string[];
    try {
      lines = this.decoder.push(chunk);
    } catch (err) {
      this.shutdown(err instanceof FrameTooLongError ? 'server sent an oversized frame' : String(err));
      this.stream.destroy();
      return;
    }
    for (const line of lines) {
      const p = parseServerFrame(line);
      if (!p.ok) {
        // Unknown frame types are skipped (newer servers may add some). A frame we
        // cannot read stands for the reply it was meant to be, so the request
        // fails visibly instead of waiting forever.
        if (p.code === 'unknown_type' || line.trim() === '') continue;
        const waiter = this.pending.shift();
        waiter?.resolve({ type: 'error', code: p.code, message: `unreadable reply from server: ${p.message}` });
        continue;
      }
      if (p.msg.type === 'hello') {
        this.gotHello = true;
        for (const w of this.helloWaiters.splice(0)) w.resolve();
        continue;
      }
      const waiter = this.pending.shift();
      if (waiter) waiter.resolve(p.msg);
      else this.emit('unsolicited', p.msg);
    }
  }

  private shutdown(reason: string): void {
    if (this.closedReason !== undefined) return;
    this.closedReason = reason;
    this.failAll();
    this.emit('close', reason);
  }

  private failAll(): void {
    const err = new ConnectionClosedError(this.closedReason);
    for (const w of this.pending.splice(0)) w.reject(err);
    for (const w of this.helloWaiters.splice(0)) w.reject(err);
  }
}
