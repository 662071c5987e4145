import type { Duplex } from 'node:stream';
import { LengthPrefixedDecoder, encodeLengthPrefixed } from '../common/length-prefixed-decoder.js';

/** Largest TCP frame accepted (a sealed 4 KiB chat message is far below it). */
const MAX_FRAME_BYTES = 16 * 1024;

/**
 * The framer layer: 4-byte length-prefixed frames over any Duplex (a socket, or an
 * in-memory pair in tests).
 *
 * Why: TCP has no message boundaries and ciphertext may contain any byte, so frames are
 * length-prefixed, with a hard cap so a peer cannot make us buffer without limit. Any
 * framing error or stream error ends in exactly one onClose call.
 */
export class FrameChannel {
  private readonly decoder: LengthPrefixedDecoder;
  private closed = false;

  constructor(
    private readonly stream: Duplex,
    private readonly onFrame: (frame: Buffer) => void,
    private readonly onClose: (why: string) => void,
    maxFrame = MAX_FRAME_BYTES,
  ) {
    this.decoder = new LengthPrefixedDecoder(maxFrame);
    stream.on('data', (chunk: Buffer) => this.receive(chunk));
    stream.on('end', () => this.finish('peer closed'));
    stream.on('close', () => this.finish('closed'));
    stream.on('error', (err: Error) => this.finish(`stream error: ${err.message}`));
  }

  get isClosed(): boolean {
    return this.closed;
  }

  send(payload: Buffer): void {
    if (this.closed || this.stream.destroyed || this.stream.writableEnded) return;
    this.stream.write(encodeLengthPrefixed(payload));
  }

  /** Graceful close: flush what was written, then FIN; a peer that never closes its side is cut after 2 s. */
  close(why: string): void {
    if (!this.stream.writableEnded) this.stream.end();
    this.finish(why);
    if (!this.stream.destroyed) {
      const t = setTimeout(() => this.stream.destroy(), 2000);
      t.unref();
      this.stream.once('close', () => clearTimeout(t));
    }
  }

  /** Abrupt close, for protocol violations. */
  abort(why: string): void {
    this.finish(why);
    this.stream.destroy();
  }

  private receive(chunk: Buffer): void {
    if (this.closed) return;
    let frames: Buffer[];
    try {
      frames = this.decoder.push(chunk);
    } catch (err) {
      this.abort(`bad framing: ${(err as Error).message}`);
      return;
    }
    for (const f of frames) {
      if (this.closed) return;
      this.onFrame(f);
    }
  }

  private finish(why: string): void {
    if (this.closed) return;
    this.closed = true;
    if (!this.stream.writableEnded && !this.stream.destroyed) this.stream.end();
    this.onClose(why);
  }
}
