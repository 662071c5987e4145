import { formatTimestamp } from './format-timestamp.js';

/** One message on the board. Its number is its position (1-based). */
export interface BoardMessage {
  author: string;
  text: string;
  /** Whole-second instant of posting, or of the last edit. */
  atMs: number;
  edited: boolean;
}

/** Why an edit or delete was refused. */
export type BoardRefusal = 'no-such-message' | 'not-author' | 'timestamp-mismatch';

/**
 * The message board: post, delete, edit, read-since, rendered as messagelog.txt.
 *
 * Why: keeping the rules (author only, timestamp must match, numbers close up after a
 * delete, an edit moves the timestamp and sets "yes") in one pure class makes them
 * testable without sockets or files.
 */
export class MessageBoard {
  private readonly messages: BoardMessage[] = [];

  post(author: string, text: string, atMs: number): { number: number; message: BoardMessage } {
    const message = { author, text, atMs, edited: false };
    this.messages.push(message);
    return { number: this.messages.length, message };
  }

  /** Check author and timestamp of message `number`; returns the message or the refusal. */
  private check(number: number, author: string, atMs: number): BoardMessage | BoardRefusal {
    const m = this.messages[number - 1];
    if (!Number.isInteger(number) || number < 1 || !m) return 'no-such-message';
    if (m.author !== author) return 'not-author';
    if (m.atMs !== atMs) return 'timestamp-mismatch';
    return m;
  }

  /** Peek at a message by number. */
  get(number: number): BoardMessage | undefined {
    return Number.isInteger(number) && number >= 1 ? this.messages[number - 1] : undefined;
  }

  delete(number: number, author: string, atMs: number): BoardMessage | BoardRefusal {
    const m = this.check(number, author, atMs);
    if (typeof m === 'string') return m;
    this.messages.splice(number - 1, 1);
    return m;
  }

  edit(number: number, author: string, atMs: number, text: string, nowMs: number): BoardMessage | BoardRefusal {
    const m = this.check(number, author, atMs);
    if (typeof m === 'string') return m;
    m.text = text;
    m.atMs = nowMs;
    m.edited = true;
    return m;
  }

  /** Messages whose timestamp is strictly after `afterMs`, with their numbers. */
  since(afterMs: number): { number: number; message: BoardMessage }[] {
    return this.messages.map((message, i) => ({ number: i + 1, message })).filter((e) => e.message.atMs > afterMs);
  }

  get size(): number {
    return this.messages.length;
  }

  /** `1; 25 Apr 2021 05:33:41; jess; text; no` lines. */
  render(): string {
    let out = '';
    for (let i = 0; i < this.messages.length; i++) out += MessageBoard.line(i + 1, this.messages[i]!) + '\n';
    return out;
  }

  /** One line of messagelog.txt (without its newline), for appending a new post. */
  static line(number: number, m: BoardMessage): string {
    return `${number}; ${formatTimestamp(m.atMs)}; ${m.author}; ${m.text}; ${m.edited ? 'yes' : 'no'}`;
  }
}
