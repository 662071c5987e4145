import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { systemClock, type Clock, type Timers } from '../common/clock.js';
import { AtomicFileWriter } from './atomic-file-writer.js';
import { CONTACT_LOG_FILE, ContactLog, type ContactLogEntry } from './contact-log.js';

/** The longest the keeper sleeps before looking at the wall clock again. */
const RECHECK_MS = 1000;

/**
 * Keeps contactlog.txt in step with the in-memory ContactLog and expires
 * entries on a timer.
 *
 * Why a timer at the next due time: entries must vanish from the file on their
 * own, not only when a command runs; one timeout armed for the oldest entry (at
 * most a second ahead, so a jump of the wall clock is seen) does that. The file is rewritten atomically after each change.
 */
export class ContactLogKeeper {
  readonly log: ContactLog;
  private readonly writer: AtomicFileWriter;
  private timer: unknown = undefined;
  private closed = false;

  constructor(
    dir: string,
    retentionMs: number,
    private readonly clock: Clock,
    private readonly timers: Timers = systemClock,
  ) {
    this.log = new ContactLog(retentionMs);
    this.writer = new AtomicFileWriter(join(dir, CONTACT_LOG_FILE));
  }

  /** Load an existing contactlog.txt (dropping what is already too old) and write the file. */
  async load(): Promise<void> {
    try {
      for (const e of ContactLog.parse(await readFile(this.writer.path, 'utf8'))) this.log.add(e);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
    }
    this.log.prune(this.clock.now());
    await this.save();
  }

  /** Record a valid beacon that has just arrived. */
  async record(entry: Omit<ContactLogEntry, 'arrivalMs'>): Promise<void> {
    this.log.add({ ...entry, arrivalMs: this.clock.now() });
    await this.save();
  }

  /** Remove due entries now; returns how many went. The timer calls this too. */
  async sweep(): Promise<number> {
    const removed = this.log.prune(this.clock.now());
    if (removed > 0) await this.save();
    else this.arm();
    return removed;
  }

  /** Resolves when the file on disk matches the log. */
  idle(): Promise<void> {
    return this.writer.idle();
  }

  /** Stop the timer; pending writes still finish. */
  async close(): Promise<void> {
    this.closed = true;
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    await this.writer.idle();
  }

  private async save(): Promise<void> {
    this.arm();
    await this.writer.write(() => this.log.serialize());
  }

  private arm(): void {
    if (this.timer !== undefined) this.timers.clearTimeout(this.timer);
    this.timer = undefined;
    const due = this.log.nextExpiry();
    if (this.closed || due === undefined) return;
    // At most a second: the wall clock can jump (NTP, the lab's clock: step) while a
    // timer counts real time, so look again soon rather than once after 3 minutes.
    const wait = Math.min(Math.max(0, due - this.clock.now()), RECHECK_MS);
    this.timer = this.timers.setTimeout(() => {
      this.timer = undefined;
      this.sweep().catch((err: unknown) => process.stderr.write(`contactlog.txt: ${String(err)}\n`));
    }, wait + 1);
  }
}
