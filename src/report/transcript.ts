import { createWriteStream, type WriteStream } from 'node:fs';
import { visible } from '../model/visible-text.js';

/** Default cap of one node's transcript file (bytes of program output); the rest is counted, not written. */
const DEFAULT_TRANSCRIPT_CAP = 64 * 1024 * 1024;
/** Output buffered towards the disk beyond this is dropped (counted) rather than held in memory. */
const MAX_BUFFERED = 16 * 1024 * 1024;

/** The marker column: what kind of line this is. A program's text can never start a line of another kind. */
export const MARK = { stdout: 'out|', stderr: 'err|', typed: 'in >|', lab: 'lab|' } as const;

/** A transcript line parsed back: its kind and text (report writers, tests). */
export const TRANSCRIPT_LINE = /^\[\s*[\d.]+s\] (out\||err\||in >\||lab\|) ?(.*)$/;

/**
 * A node's transcript: everything it printed, each line stamped with the time since the
 * run began and a marker column (`out|`, `err|` for the program, `in >|` for what the lab
 * typed, `lab|` for the lab's own notes), so a reader sees the conversation as it
 * happened and no program output can pass for typed input or a lab note: every line the
 * program's text starts, including after its own newlines, gets the program's marker.
 * Control characters are shown as escapes (visible()). Capped at `cap` bytes of program
 * output; what is beyond is counted in `dropped` and noted once.
 */
export class Transcript {
  private out: WriteStream;
  private atLineStart = true;
  private lastStream: string | undefined;
  private written = 0;
  /** Bytes of program output not written (over the cap, or the disk not keeping up). */
  dropped = 0;
  private capNoted = false;

  constructor(
    path: string,
    private readonly t0: number,
    private readonly cap = DEFAULT_TRANSCRIPT_CAP,
  ) {
    this.out = createWriteStream(path, { flags: 'a' });
    this.out.on('error', () => undefined);
  }

  private stamp(tag: string): string {
    return `[${((performance.now() - this.t0) / 1000).toFixed(3).padStart(8)}s] ${tag} `;
  }

  output(stream: 'stdout' | 'stderr', text: string): void {
    if (this.written + text.length > this.cap || this.out.writableLength > MAX_BUFFERED) {
      this.dropped += text.length;
      if (!this.capNoted && this.written + text.length > this.cap) {
        this.capNoted = true;
        this.note(`transcript cap of ${this.cap} bytes reached: further output is counted, not written`);
      }
      return;
    }
    this.written += text.length;
    const tag = MARK[stream];
    if (!this.atLineStart && this.lastStream !== stream) {
      this.out.write('\n');
      this.atLineStart = true;
    }
    this.lastStream = stream;
    let s = '';
    for (const piece of text.split(/(?<=\n)/)) {
      if (this.atLineStart) s += this.stamp(tag);
      s += visible(piece.replace(/\n$/, '')) + (piece.endsWith('\n') ? '\n' : '');
      this.atLineStart = piece.endsWith('\n');
    }
    this.out.write(s);
  }

  typed(text: string): void {
    for (const line of text.split('\n')) this.line(MARK.typed, line);
  }

  /** A line from the lab itself: started, exited, restarted. */
  note(text: string): void {
    for (const line of text.split('\n')) this.line(MARK.lab, line);
  }

  private line(tag: string, text: string): void {
    if (!this.atLineStart) this.out.write('\n');
    this.out.write(`${this.stamp(tag)}${visible(text)}\n`);
    this.atLineStart = true;
    this.lastStream = undefined;
  }

  close(): Promise<void> {
    if (this.dropped > 0) this.note(`${this.dropped} bytes of output were not written (transcript cap or a disk too slow)`);
    return new Promise((resolve) => this.out.end(resolve));
  }
}
