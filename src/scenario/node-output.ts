import { StringDecoder } from 'node:string_decoder';
import { AbortedError, ExpectEofError, ExpectTimeoutError, StepError } from './scenario-errors.js';

const KEEP_BEHIND = 64 * 1024; // text before the cursor kept for error tails and absent-checks
const TAIL = 300;

/** The result of a successful expect: what came before, the match, its named groups. */
export interface ExpectMatch {
  before: string;
  match: string;
  groups: Record<string, string>;
}

/**
 * Everything a node printed, as one raw text with a cursor, in the manner of pexpect:
 * an expect searches from the cursor and, on a match, moves it past the match. Prompts
 * without a newline ("Password: ") match as soon as they arrive.
 */
export class NodeOutput {
  private text = '';
  private cursor = 0;
  private decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private waiters = new Set<() => void>();
  private exit?: string;
  /** Total characters received, for byte-count caps and stats. */
  received = 0;

  constructor(readonly node: string) {}

  push(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const s = this.decoders[stream].write(chunk);
    this.text += s;
    this.received += s.length;
    if (this.cursor > KEEP_BEHIND * 2) {
      const drop = this.cursor - KEEP_BEHIND;
      this.text = this.text.slice(drop);
      this.cursor -= drop;
    }
    this.wake();
  }

  /** The program ended; pending expects that cannot match any more fail at once. */
  ended(description: string): void {
    this.exit = description;
    this.wake();
  }

  /** A new incarnation (restart): old output is no longer expected. */
  restarted(): void {
    this.exit = undefined;
    this.cursor = this.text.length;
  }

  /** Move the cursor past everything printed so far. */
  discard(): void {
    this.cursor = this.text.length;
  }

  get exited(): string | undefined {
    return this.exit;
  }

  tail(n = TAIL): string {
    return this.text.slice(-n);
  }

  /** Unmatched output since the cursor. */
  pending(): string {
    return this.text.slice(this.cursor);
  }

  private wake(): void {
    for (const w of [...this.waiters]) w();
  }

  private waitChange(deadline: number, signal?: AbortSignal): Promise<'change' | 'timeout'> {
    return new Promise((resolve, reject) => {
      const done = (v: 'change' | 'timeout') => {
        clearTimeout(timer);
        this.waiters.delete(onChange);
        signal?.removeEventListener('abort', onAbort);
        resolve(v);
      };
      const onChange = () => done('change');
      const onAbort = () => {
        clearTimeout(timer);
        this.waiters.delete(onChange);
        reject(new AbortedError());
      };
      const timer = setTimeout(() => done('timeout'), Math.max(0, deadline - Date.now()));
      this.waiters.add(onChange);
      if (signal?.aborted) onAbort();
      else signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** Wait for the pattern after the cursor; with consume: false the cursor stays (readiness checks). */
  async expect(pattern: RegExp, timeoutMs: number, signal?: AbortSignal, opts: { consume?: boolean } = {}): Promise<ExpectMatch> {
    const deadline = Date.now() + timeoutMs;
    const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    for (;;) {
      const rest = this.text.slice(this.cursor);
      const m = re.exec(rest);
      if (m) {
        const before = rest.slice(0, m.index);
        if (opts.consume !== false) this.cursor += m.index + m[0].length;
        const groups = Object.fromEntries(Object.entries(m.groups ?? {}).filter(([, v]) => v !== undefined)) as Record<string, string>;
        return { before, match: m[0], groups };
      }
      if (this.exit !== undefined) throw new ExpectEofError(this.node, `/${pattern.source}/`, this.exit, this.tail());
      if ((await this.waitChange(deadline, signal)) === 'timeout') {
        const late = re.exec(this.text.slice(this.cursor));
        if (late) continue;
        throw new ExpectTimeoutError(this.node, `/${pattern.source}/`, timeoutMs, this.tail());
      }
    }
  }

  /** Wait for the program to end; resolves with how it ended, throws ExpectTimeoutError-like StepError on the deadline. */
  async waitEnd(timeoutMs: number, signal?: AbortSignal): Promise<string> {
    const deadline = Date.now() + timeoutMs;
    while (this.exit === undefined) {
      if ((await this.waitChange(deadline, signal)) === 'timeout' && this.exit === undefined) {
        throw new StepError(`${this.node} did not exit within ${(timeoutMs / 1000).toFixed(1)}s`, this.tail());
      }
    }
    return this.exit;
  }

  /** Resolve with the offending text if the pattern shows up during the window, else undefined. */
  async absent(pattern: RegExp, windowMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const start = this.cursor;
    const deadline = Date.now() + windowMs;
    const re = new RegExp(pattern.source, pattern.flags.replace('g', ''));
    for (;;) {
      const m = re.exec(this.text.slice(Math.min(start, this.cursor)));
      if (m) return m[0];
      if ((await this.waitChange(deadline, signal)) === 'timeout') return undefined;
    }
  }
}
