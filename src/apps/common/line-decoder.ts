/**
 * Splits a byte stream into newline-terminated frames, whatever the chunking.
 *
 * Why: TCP has no message boundaries. Every app protocol in netlab is line-framed
 * with a hard cap, so a peer that never sends a newline cannot make us buffer
 * without limit (the same idea as smtp-server's stream parser).
 */
export class FrameTooLongError extends Error {
  constructor(readonly limit: number) {
    super(`frame longer than ${limit} bytes`);
    this.name = 'FrameTooLongError';
  }
}

export class LineDecoder {
  private parts: Buffer[] = [];
  private pending = 0;

  constructor(readonly maxLength: number) {}

  /** Feed a chunk; returns the complete lines it finished (without the newline, CR stripped). */
  push(chunk: Buffer): string[] {
    const lines: string[] = [];
    let start = 0;
    for (;;) {
      const nl = chunk.indexOf(0x0a, start);
      if (nl === -1) break;
      const piece = chunk.subarray(start, nl);
      if (this.pending + piece.length > this.maxLength) throw new FrameTooLongError(this.maxLength);
      const whole = this.pending === 0 ? piece : Buffer.concat([...this.parts, piece]);
      this.parts = [];
      this.pending = 0;
      let text = whole.toString('utf8');
      if (text.endsWith('\r')) text = text.slice(0, -1);
      lines.push(text);
      start = nl + 1;
    }
    const rest = chunk.subarray(start);
    if (rest.length > 0) {
      if (this.pending + rest.length > this.maxLength) throw new FrameTooLongError(this.maxLength);
      this.parts.push(Buffer.from(rest));
      this.pending += rest.length;
    }
    return lines;
  }

  /** Bytes held back waiting for a newline. */
  get buffered(): number {
    return this.pending;
  }
}
