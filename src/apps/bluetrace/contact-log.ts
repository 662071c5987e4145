import { isTempId, type ContactEntry } from './protocol.js';
import { formatTime, parseTime } from './time-format.js';

/** Name of the contact log in the client's working folder. */
export const CONTACT_LOG_FILE = 'contactlog.txt';
/** Default retention: 3 minutes. */
export const DEFAULT_CONTACT_RETENTION_SECONDS = 3 * 60;

/** A received valid beacon and when it arrived. */
export interface ContactLogEntry extends ContactEntry {
  arrivalMs: number;
}

/** One line of contactlog.txt: `tempID start expiry arrival`, times as DD/MM/YYYY HH:MM:SS. */
export function formatContactLine(e: ContactLogEntry): string {
  return `${e.tempId} ${e.start} ${e.expiry} ${formatTime(e.arrivalMs)}`;
}

/** Parse one line of contactlog.txt; null if malformed. */
export function parseContactLine(line: string): ContactLogEntry | null {
  const p = line.trim().split(/ +/);
  if (p.length !== 7) return null;
  const [tempId, d1, t1, d2, t2, d3, t3] = p as [string, string, string, string, string, string, string];
  const start = `${d1} ${t1}`;
  const expiry = `${d2} ${t2}`;
  const arrivalMs = parseTime(`${d3} ${t3}`);
  if (!isTempId(tempId) || parseTime(start) === null || parseTime(expiry) === null || arrivalMs === null) return null;
  return { tempId, start, expiry, arrivalMs };
}

/**
 * The central's in-memory contact log, pure and clock-free (callers pass `now`).
 *
 * Why dedupe by TempID: a peripheral beaconing repeatedly is one contact; a new
 * beacon refreshes the arrival time, so retention counts from the last contact.
 * An entry is removed once `now - arrival >= retention`.
 */
export class ContactLog {
  private readonly byTempId = new Map<string, ContactLogEntry>();

  constructor(readonly retentionMs: number) {}

  /** Add or refresh an entry. */
  add(entry: ContactLogEntry): void {
    this.byTempId.delete(entry.tempId);
    this.byTempId.set(entry.tempId, entry);
  }

  /** Remove entries older than the retention; returns how many were removed. */
  prune(nowMs: number): number {
    let removed = 0;
    for (const [id, e] of this.byTempId) {
      if (nowMs - e.arrivalMs >= this.retentionMs) {
        this.byTempId.delete(id);
        removed++;
      }
    }
    return removed;
  }

  /** When the oldest entry falls due, or undefined if the log is empty. */
  nextExpiry(): number | undefined {
    let min: number | undefined;
    for (const e of this.byTempId.values()) {
      const due = e.arrivalMs + this.retentionMs;
      if (min === undefined || due < min) min = due;
    }
    return min;
  }

  entries(): ContactLogEntry[] {
    return [...this.byTempId.values()];
  }

  get size(): number {
    return this.byTempId.size;
  }

  /** The file content: one line per entry, in arrival order. */
  serialize(): string {
    return this.entries()
      .sort((a, b) => a.arrivalMs - b.arrivalMs)
      .map((e) => formatContactLine(e) + '\n')
      .join('');
  }

  /** Parse a whole file, skipping malformed lines. */
  static parse(text: string): ContactLogEntry[] {
    return text
      .split('\n')
      .map(parseContactLine)
      .filter((e): e is ContactLogEntry => e !== null);
  }
}
