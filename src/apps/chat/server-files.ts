import * as path from 'node:path';
import { LogFile } from './log-file.js';

/** The two line files the server keeps in its working directory. */
export type ServerFileName = 'userlog.txt' | 'messagelog.txt';

/** Something (a session) whose replies wait until its own file changes are written. */
export interface FileWaiter {
  /** Bit set of files with changes this waiter made that its next replies depend on. */
  waitsFor: number;
  /** Called by the flush once those files are written: send the held replies. */
  release(): void;
}

const BIT: Record<ServerFileName, number> = { 'userlog.txt': 1, 'messagelog.txt': 2 };

/**
 * userlog.txt and messagelog.txt for one server: changes are queued and written once per
 * event-loop turn (every new line of the turn in one append; a whole rewrite when lines
 * were renumbered or changed), and a session's reply waits for the write of the change it
 * made, so a client that saw "Message #3 posted" can rely on messagelog.txt saying so.
 *
 * Why the pause between rewrites: a drop, OUT, EDT or DLT rewrites its file whole; when
 * 1,000 clients leave at once that would be a rewrite per event-loop turn. After a rewrite
 * that took t ms the next rewrite of that file waits until 3t ms have passed (so rewrites
 * take at most a quarter of the server's time); whatever changed meanwhile goes into that
 * one rewrite. Appends to the other file are not held up.
 */
export class ServerFiles {
  private readonly files = new Map<ServerFileName, LogFile>();
  private readonly nextRewriteAt = new Map<ServerFileName, number>();
  private readonly held = new Set<FileWaiter>();
  private scheduled = false;
  private timer: NodeJS.Timeout | undefined;
  private idleWaiters: Array<() => void> = [];

  /** `dir` undefined keeps everything in memory (no files, nothing ever held). */
  constructor(
    dir: string | undefined,
    render: Record<ServerFileName, () => string>,
    private readonly onError: (file: ServerFileName, err: Error) => void,
  ) {
    if (!dir) return;
    for (const name of Object.keys(BIT) as ServerFileName[]) {
      const f = new LogFile(path.join(dir, name), render[name]);
      f.start();
      this.files.set(name, f);
    }
  }

  /** Queue a new last line of `name`; `by` (if given) waits for it to be written. */
  append(name: ServerFileName, line: string, by?: FileWaiter): void {
    const f = this.files.get(name);
    if (!f) return;
    f.append(line);
    this.changed(name, by);
  }

  /** Queue a whole rewrite of `name`; `by` (if given) waits for it to be written. */
  rewrite(name: ServerFileName, by?: FileWaiter): void {
    const f = this.files.get(name);
    if (!f) return;
    f.rewrite();
    this.changed(name, by);
  }

  /** True while `w` has unwritten changes: its output must be held (see hold). */
  mustHold(w: FileWaiter): boolean {
    return (w.waitsFor & this.pendingBits()) !== 0;
  }

  /** Remember `w` until its changes are written, then call its release(). */
  hold(w: FileWaiter): void {
    this.held.add(w);
  }

  /** Resolves once no change is queued (tests; shutdown). */
  idle(): Promise<void> {
    if (this.pendingBits() === 0) return Promise.resolve();
    return new Promise((resolve) => this.idleWaiters.push(resolve));
  }

  /** Write what is queued (rewrites that must pause are left for the timer), then release waiters. */
  flush(force = false): void {
    this.scheduled = false;
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    let wait = Infinity;
    for (const [name, f] of this.files) {
      if (!f.pending) continue;
      const now = performance.now();
      const at = this.nextRewriteAt.get(name) ?? 0;
      if (f.rewritePending && !force && now < at) {
        wait = Math.min(wait, at - now);
        continue;
      }
      const rewrite = f.rewritePending;
      try {
        f.flush();
      } catch (err) {
        this.onError(name, err as Error);
      }
      if (rewrite) this.nextRewriteAt.set(name, performance.now() + 3 * (performance.now() - now));
    }
    const pending = this.pendingBits();
    for (const w of [...this.held]) {
      w.waitsFor &= pending;
      if (w.waitsFor !== 0) continue;
      this.held.delete(w);
      w.release();
    }
    if (pending === 0) for (const r of this.idleWaiters.splice(0)) r();
    else if (wait !== Infinity) this.timer = setTimeout(() => this.flush(), Math.ceil(wait));
  }

  /** Write everything now and close the files (server shutdown). */
  close(): void {
    this.flush(true);
    for (const f of this.files.values()) f.close();
  }

  private pendingBits(): number {
    let bits = 0;
    for (const [name, f] of this.files) if (f.pending) bits |= BIT[name];
    return bits;
  }

  private changed(name: ServerFileName, by: FileWaiter | undefined): void {
    if (by) by.waitsFor |= BIT[name];
    if (this.scheduled || this.timer) return;
    this.scheduled = true;
    setImmediate(() => this.flush());
  }
}
