import { createWriteStream, type WriteStream } from 'node:fs';

/**
 * A node's transcript: everything it printed, each line stamped with the time since
 * the run began, with the lines typed into it interleaved (marked ">>>"), so a reader
 * sees the conversation as it happened. Partial lines (prompts) are kept as they are.
 */
export class Transcript {
  private out: WriteStream;
  private atLineStart = true;
  private lastStream: string | undefined;

  constructor(
    path: string,
    private readonly t0: number,
  ) {
    this.out = createWriteStream(path, { flags: 'a' });
  }

  private stamp(tag: string): string {
    return `[${((performance.now() - this.t0) / 1000).toFixed(3).padStart(8)}s] ${tag} `;
  }

  output(stream: 'stdout' | 'stderr', text: string): void {
    const tag = stream === 'stdout' ? '   ' : 'err';
    if (!this.atLineStart && this.lastStream !== stream) {
      this.out.write('\n');
      this.atLineStart = true;
    }
    this.lastStream = stream;
    let s = '';
    for (const piece of text.split(/(?<=\n)/)) {
      if (this.atLineStart) s += this.stamp(tag);
      s += piece;
      this.atLineStart = piece.endsWith('\n');
    }
    this.out.write(s);
  }

  typed(text: string): void {
    for (const line of text.split('\n')) this.note(`>>> ${line}`);
  }

  /** A line from the lab itself: started, exited, restarted. */
  note(text: string): void {
    if (!this.atLineStart) this.out.write('\n');
    this.out.write(`${this.stamp('   ')}${text}\n`);
    this.atLineStart = true;
    this.lastStream = undefined;
  }

  close(): Promise<void> {
    return new Promise((resolve) => this.out.end(resolve));
  }
}
