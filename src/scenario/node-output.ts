import { StringDecoder } from 'node:string_decoder';
import { patternOf, type Pattern } from '../topology/pattern.js';
import { AbortedError, ExpectEofError, ExpectTimeoutError, StepError } from './scenario-errors.js';
import { searchText } from './match/search-text.js';

const KEEP_BEHIND = 64 * 1024; // text before the cursor kept for error tails and absent-checks
const TAIL = 300;
/** Default cap of the text kept per node (characters): older output is dropped, and the drop is noted. */
const DEFAULT_RING = 8 * 1024 * 1024;
/** Default search window: a match is looked for in at most this much of the newest unmatched output. */
const DEFAULT_WINDOW = 1024 * 1024;
/** A search over more than this much text is not repeated sooner than BIG_SCAN_GAP_MS (a flood coalesces). */
const BIG_SCAN = 64 * 1024;
const BIG_SCAN_GAP_MS = 50;
/** After the deadline, one last look at output that arrived during the final search. */
const LAST_LOOK_MS = 100;

/** The result of a successful expect: what came before, the match, its named groups. */
export interface ExpectMatch {
  before: string;
  match: string;
  groups: Record<string, string>;
}

export interface NodeOutputOptions {
  /** Characters kept (a ring: the oldest go first). */
  ring?: number;
  /** Characters searched per match, the newest after the cursor. */
  window?: number;
}

/**
 * Everything a node printed, as one raw text with a cursor, in the manner of pexpect:
 * an expect searches from the cursor and, on a match, moves it past the match. Prompts
 * without a newline ("Password: ") match as soon as they arrive.
 *
 * Bounded whatever the node prints: the text is a ring of at most `ring` characters
 * (what fell out is counted in `dropped`), a search looks at most at the newest `window`
 * characters after the cursor, and matching runs through searchText (RE2 or a worker
 * with a deadline), so a flood or a backtracking pattern never stops the event loop.
 * Positions are absolute (characters since the start), so dropping old text while a
 * search runs cannot misplace the cursor.
 */
export class NodeOutput {
  private text = '';
  /** Absolute position of text[0]. */
  private origin = 0;
  private cursor = 0;
  private version = 0;
  private decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  private waiters = new Set<() => void>();
  private exit?: string;
  private readonly ring: number;
  private readonly window: number;
  /** Total characters received, for byte-count caps and stats. */
  received = 0;
  /** Characters that fell out of the ring unread (0 unless the node printed more than the ring holds). */
  dropped = 0;

  constructor(
    readonly node: string,
    opts: NodeOutputOptions = {},
  ) {
    this.ring = Math.max(1024, opts.ring ?? DEFAULT_RING);
    this.window = Math.max(1024, Math.min(opts.window ?? DEFAULT_WINDOW, this.ring));
  }

  push(stream: 'stdout' | 'stderr', chunk: Buffer): void {
    const s = this.decoders[stream].write(chunk);
    this.text += s;
    this.received += s.length;
    this.version++;
    const rel = this.cursor - this.origin;
    if (rel > KEEP_BEHIND * 2) this.dropFront(rel - KEEP_BEHIND, false);
    // The ring: trim in steps of a quarter ring, so trimming costs O(1) per character overall.
    if (this.text.length > this.ring + (this.ring >> 2)) this.dropFront(this.text.length - this.ring, true);
    this.wake();
  }

  private dropFront(n: number, unread: boolean): void {
    this.text = this.text.slice(n);
    this.origin += n;
    if (this.cursor < this.origin) {
      if (unread) this.dropped += this.origin - this.cursor;
      this.cursor = this.origin;
    }
  }

  /** The program ended; pending expects that cannot match any more fail at once. */
  ended(description: string): void {
    this.exit = description;
    this.version++;
    this.wake();
  }

  /** A new incarnation (restart): old output is no longer expected. */
  restarted(): void {
    this.exit = undefined;
    this.cursor = this.origin + this.text.length;
  }

  /** Move the cursor past everything printed so far. */
  discard(): void {
    this.cursor = this.origin + this.text.length;
  }

  get exited(): string | undefined {
    return this.exit;
  }

  tail(n = TAIL): string {
    return this.text.slice(-n);
  }

  /** Unmatched output since the cursor. */
  pending(): string {
    return this.text.slice(this.cursor - this.origin);
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

  private pause(ms: number, signal?: AbortSignal): Promise<void> {
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => (signal?.removeEventListener('abort', onAbort), resolve()), ms);
      const onAbort = () => (clearTimeout(t), reject(new AbortedError()));
      if (signal?.aborted) return onAbort();
      signal?.addEventListener('abort', onAbort, { once: true });
    });
  }

  /** The text to search from an absolute position: at most the newest `window` characters. */
  private view(from: number): { at: number; text: string } {
    const start = Math.max(from, this.origin, this.origin + this.text.length - this.window);
    return { at: start, text: this.text.slice(start - this.origin) };
  }

  /** Wait for the pattern after the cursor; with consume: false the cursor stays (readiness checks). */
  async expect(pattern: RegExp | Pattern, timeoutMs: number, signal?: AbortSignal, opts: { consume?: boolean } = {}): Promise<ExpectMatch> {
    const p = pattern instanceof RegExp ? patternOf(pattern) : pattern;
    const deadline = Date.now() + timeoutMs;
    let lastLook = false;
    for (;;) {
      const seen = this.version;
      const exitSeen = this.exit;
      const { at, text } = this.view(this.cursor);
      const f = await searchText(p, text, Math.max(lastLook ? LAST_LOOK_MS : 1, deadline - Date.now()), signal);
      if (f) {
        const before = text.slice(0, f.index);
        if (opts.consume !== false) this.cursor = Math.max(this.cursor, at + f.index + f.match.length);
        return { before, match: f.match, groups: f.groups };
      }
      if (this.version !== seen) {
        // Output arrived during the search: look again, after a pause when the text is large,
        // so a flood costs a bounded number of searches per second, not one per chunk.
        if (text.length > BIG_SCAN) await this.pause(Math.min(BIG_SCAN_GAP_MS, Math.max(0, deadline - Date.now())), signal);
        continue;
      }
      if (exitSeen !== undefined) throw new ExpectEofError(this.node, p.shown, exitSeen, this.tail());
      if (lastLook) throw new ExpectTimeoutError(this.node, p.shown, timeoutMs, this.tail());
      if ((await this.waitChange(deadline, signal)) === 'timeout') {
        if (this.version === seen && this.exit === undefined) throw new ExpectTimeoutError(this.node, p.shown, timeoutMs, this.tail());
        lastLook = true;
      }
    }
  }

  /**
   * Wait until the output after the cursor matches every pattern, in any order; the cursor
   * stays. One pattern after the other, each a search of its own from the cursor (RE2 when
   * the pattern allows): output only grows after the cursor, so a pattern found stays found.
   * The deadline is the whole step's; a timeout names the pattern still missing.
   */
  async expectAll(patterns: Pattern[], timeoutMs: number, signal?: AbortSignal): Promise<ExpectMatch> {
    const deadline = Date.now() + timeoutMs;
    const groups: Record<string, string> = {};
    for (const p of patterns) {
      try {
        const m = await this.expect(p, Math.max(0, deadline - Date.now()), signal, { consume: false });
        Object.assign(groups, m.groups);
      } catch (e) {
        if (e instanceof ExpectTimeoutError) throw new ExpectTimeoutError(this.node, `${p.shown} (of ${patterns.length} patterns, in any order)`, timeoutMs, this.tail());
        throw e;
      }
    }
    return { before: '', match: '', groups };
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
  async absent(pattern: RegExp | Pattern, windowMs: number, signal?: AbortSignal): Promise<string | undefined> {
    const p = pattern instanceof RegExp ? patternOf(pattern) : pattern;
    const start = this.cursor;
    const deadline = Date.now() + windowMs;
    for (;;) {
      const seen = this.version;
      const { text } = this.view(Math.min(start, this.cursor));
      // A search that overruns is not a pass: the deadline error fails the step.
      const f = await searchText(p, text, Math.max(LAST_LOOK_MS, deadline - Date.now()), signal);
      if (f) return f.match;
      if (this.version !== seen) {
        if (text.length > BIG_SCAN) await this.pause(Math.min(BIG_SCAN_GAP_MS, Math.max(0, deadline - Date.now())), signal);
        continue;
      }
      if (Date.now() >= deadline) return undefined;
      if ((await this.waitChange(deadline, signal)) === 'timeout' && this.version === seen) return undefined;
    }
  }
}
