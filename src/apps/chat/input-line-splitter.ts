import { FrameTooLongError, LineDecoder } from '../common/line-decoder.js';

/**
 * Splits stdin into lines with a length cap; an overlong line is reported once and
 * skipped up to its newline instead of being cut into pieces that would run as commands.
 *
 * Why: the client reads a pipe, not a TTY; a runaway input must not grow memory or be
 * misread as several commands.
 */
export class InputLineSplitter {
  private decoder: LineDecoder;
  private skipping = false;

  constructor(
    readonly maxLength: number,
    private readonly onLine: (line: string) => void,
    private readonly onOverlong: () => void,
  ) {
    this.decoder = new LineDecoder(maxLength);
  }

  push(chunk: Buffer): void {
    let start = 0;
    while (start < chunk.length) {
      const nl = chunk.indexOf(0x0a, start);
      const end = nl === -1 ? chunk.length : nl + 1;
      const piece = chunk.subarray(start, end);
      start = end;
      if (this.skipping) {
        if (nl !== -1) this.skipping = false;
        continue;
      }
      try {
        for (const line of this.decoder.push(piece)) this.onLine(line);
      } catch (err) {
        if (!(err instanceof FrameTooLongError)) throw err;
        this.decoder = new LineDecoder(this.maxLength);
        this.skipping = nl === -1;
        this.onOverlong();
      }
    }
  }
}
