import { closeSync, openSync, readFileSync, truncateSync, writeSync } from 'node:fs';
import { CLIENT_ID_RE } from './message.js';

/** One relayed chat message, as stored. */
export interface HistoryRecord {
  session: number;
  from: string;
  to: string;
  text: string;
  at: number;
}

function pairKey(a: string, b: string): string {
  return a < b ? `${a}\0${b}` : `${b}\0${a}`;
}

function isRecord(v: unknown): v is HistoryRecord {
  const r = v as HistoryRecord;
  return (
    typeof r === 'object' &&
    r !== null &&
    Number.isSafeInteger(r.session) &&
    r.session > 0 &&
    typeof r.from === 'string' &&
    CLIENT_ID_RE.test(r.from) &&
    typeof r.to === 'string' &&
    CLIENT_ID_RE.test(r.to) &&
    typeof r.text === 'string' &&
    r.text.length > 0 &&
    typeof r.at === 'number'
  );
}

/**
 * Chat history: an append-only JSON Lines file (one record per relayed message) plus an
 * in-memory index by client pair.
 *
 * Why this shape: appending one line per message is the cheapest durable log; on start a
 * torn last line (crash mid-write) is cut off so the next append starts on a clean line,
 * and any unreadable line is skipped rather than stopping the server. Session IDs continue
 * after the largest one stored, so history from before a restart stays unambiguous.
 */
export class HistoryStore {
  private readonly byPair = new Map<string, HistoryRecord[]>();
  private maxSessionSeen = 0;
  /** Kept open for appending (opening and closing the file per message cost more than the write). */
  private fd: number | undefined;
  /** Lines skipped at load (unreadable) and whether a torn tail was cut. */
  readonly skipped: number;
  readonly tornTail: boolean;

  private constructor(
    private readonly file: string | null,
    records: HistoryRecord[],
    skipped: number,
    tornTail: boolean,
  ) {
    for (const r of records) this.index(r);
    this.skipped = skipped;
    this.tornTail = tornTail;
  }

  /** History kept only in memory (tests, bench). */
  static memory(): HistoryStore {
    return new HistoryStore(null, [], 0, false);
  }

  /** Load (or create) the file-backed history. */
  static open(file: string): HistoryStore {
    let text = '';
    try {
      text = readFileSync(file, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
      closeSync(openSync(file, 'a'));
    }
    let tornTail = false;
    const lastNl = text.lastIndexOf('\n');
    if (lastNl !== text.length - 1) {
      tornTail = text.length > 0;
      const keep = text.slice(0, lastNl + 1);
      truncateSync(file, Buffer.byteLength(keep, 'utf8'));
      text = keep;
    }
    const records: HistoryRecord[] = [];
    let skipped = 0;
    for (const line of text.split('\n')) {
      if (line === '') continue;
      try {
        const v: unknown = JSON.parse(line);
        if (isRecord(v)) records.push(v);
        else skipped++;
      } catch {
        skipped++;
      }
    }
    return new HistoryStore(file, records, skipped, tornTail);
  }

  /** Append one record: a single write of a whole line (O_APPEND), before the message is relayed. */
  append(rec: HistoryRecord): void {
    if (this.file) {
      this.fd ??= openSync(this.file, 'a');
      const line = Buffer.from(JSON.stringify(rec) + '\n', 'utf8');
      for (let at = 0; at < line.length; ) at += writeSync(this.fd, line, at, line.length - at);
    }
    this.index(rec);
  }

  /** Close the file (server shutdown); a later append reopens it. */
  close(): void {
    if (this.fd !== undefined) closeSync(this.fd);
    this.fd = undefined;
  }

  /** Every message exchanged between a and b, oldest first. */
  between(a: string, b: string): readonly HistoryRecord[] {
    return this.byPair.get(pairKey(a, b)) ?? [];
  }

  get maxSession(): number {
    return this.maxSessionSeen;
  }

  private index(r: HistoryRecord): void {
    const k = pairKey(r.from, r.to);
    let list = this.byPair.get(k);
    if (!list) this.byPair.set(k, (list = []));
    list.push(r);
    if (r.session > this.maxSessionSeen) this.maxSessionSeen = r.session;
  }
}
