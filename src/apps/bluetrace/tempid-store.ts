import { randomInt } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import type { Clock } from '../common/clock.js';
import { AtomicFileWriter } from './atomic-file-writer.js';
import { isTempId } from './protocol.js';
import { floorToSecond, formatTime, isWithin, parseTime } from './time-format.js';

/** Name of the TempID file in the server's working folder. */
const TEMPIDS_FILE = 'tempIDs.txt';

/** One issued TempID. Times are epoch ms, whole seconds. */
export interface TempIdRecord {
  userId: string;
  tempId: string;
  startMs: number;
  expiryMs: number;
}

/** 20 decimal digits, each drawn from the cryptographic RNG (leading zeros allowed). */
export function randomTempId(): string {
  let s = '';
  for (let i = 0; i < 20; i++) s += String(randomInt(10));
  return s;
}

/** One line of tempIDs.txt: `userID tempID DD/MM/YYYY HH:MM:SS DD/MM/YYYY HH:MM:SS`. */
export function formatTempIdLine(r: TempIdRecord): string {
  return `${r.userId} ${r.tempId} ${formatTime(r.startMs)} ${formatTime(r.expiryMs)}`;
}

/** Parse one line of tempIDs.txt; null if malformed. */
export function parseTempIdLine(line: string): TempIdRecord | null {
  const parts = line.trim().split(/ +/);
  if (parts.length !== 6) return null;
  const [userId, tempId, d1, t1, d2, t2] = parts as [string, string, string, string, string, string];
  const startMs = parseTime(`${d1} ${t1}`);
  const expiryMs = parseTime(`${d2} ${t2}`);
  if (!isTempId(tempId) || startMs === null || expiryMs === null) return null;
  return { userId, tempId, startMs, expiryMs };
}

/** Where the file lives, how long TempIDs last, and the injected clock. */
export interface TempIdStoreOptions {
  dir: string;
  lifetimeMs: number;
  clock: Clock;
  /** Source of candidate TempIDs; tests may inject a predictable one. */
  generate?: () => string;
  warn?: (msg: string) => void;
}

/**
 * Issues TempIDs and maps them back to users; tempIDs.txt is its durable copy.
 *
 * Why keep every record: a contact log uploaded later holds TempIDs that have
 * since expired, and checking must still name their owners. A user's current
 * TempID is handed out again while it is valid; after expiry a new one is made.
 * The file is loaded at start, so TempIDs survive a server restart.
 */
export class TempIdStore {
  private readonly byId = new Map<string, TempIdRecord>();
  private readonly current = new Map<string, TempIdRecord>();
  private readonly writer: AtomicFileWriter;
  private readonly generate: () => string;
  /** Per record, the write that put it on disk (absent for records loaded from disk). */
  private readonly saved = new WeakMap<TempIdRecord, Promise<void>>();

  constructor(private readonly opts: TempIdStoreOptions) {
    this.writer = new AtomicFileWriter(join(opts.dir, TEMPIDS_FILE));
    this.generate = opts.generate ?? randomTempId;
  }

  /** Load tempIDs.txt if it exists; malformed lines are skipped with a warning. */
  async load(): Promise<void> {
    let text: string;
    try {
      text = await readFile(this.writer.path, 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') return;
      throw err;
    }
    text.split('\n').forEach((line, i) => {
      if (line.trim() === '') return;
      const r = parseTempIdLine(line);
      if (!r) {
        this.opts.warn?.(`${TEMPIDS_FILE}:${i + 1}: malformed line ignored`);
        return;
      }
      this.remember(r);
    });
  }

  /**
   * The user's TempID: the current one if still valid, else a new unique one,
   * resolved once tempIDs.txt on disk contains it.
   */
  async issue(userId: string): Promise<{ record: TempIdRecord; reused: boolean }> {
    const now = this.opts.clock.now();
    const cur = this.current.get(userId);
    if (cur && isWithin(cur.startMs, cur.expiryMs, now)) {
      const pending = this.saved.get(cur);
      if (pending) await pending.catch(() => this.persist(cur));
      return { record: cur, reused: true };
    }
    let tempId = this.generate();
    for (let tries = 0; this.byId.has(tempId) || !isTempId(tempId); tries++) {
      if (tries > 1000) throw new Error('could not generate a unique TempID');
      tempId = this.generate();
    }
    const startMs = floorToSecond(now);
    const record: TempIdRecord = { userId, tempId, startMs, expiryMs: startMs + this.opts.lifetimeMs };
    this.remember(record);
    await this.persist(record);
    return { record, reused: false };
  }

  /** Resolves when no rewrite of tempIDs.txt is in progress. */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  private persist(record: TempIdRecord): Promise<void> {
    const p = this.writer.write(() => this.render());
    this.saved.set(record, p);
    return p;
  }

  /** The record for a TempID, expired or not. */
  lookup(tempId: string): TempIdRecord | undefined {
    return this.byId.get(tempId);
  }

  /** Number of TempIDs ever issued (and still in the file). */
  get size(): number {
    return this.byId.size;
  }

  private remember(r: TempIdRecord): void {
    this.byId.set(r.tempId, r);
    const cur = this.current.get(r.userId);
    if (!cur || r.expiryMs >= cur.expiryMs) this.current.set(r.userId, r);
  }

  private render(): string {
    let out = '';
    for (const r of this.byId.values()) out += formatTempIdLine(r) + '\n';
    return out;
  }
}
