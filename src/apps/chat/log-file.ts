import * as fs from 'node:fs';
import { writeFileAtomic } from './write-file-atomic.js';

/** The file operations a LogFile needs; injectable so tests can watch or break them. */
export interface LogFileFs {
  openSync(file: string, flags: string): number;
  writeSync(fd: number, data: Buffer, offset: number, length: number): number;
  closeSync(fd: number): void;
  close(fd: number, callback: (err: NodeJS.ErrnoException | null) => void): void;
  writeFileSync(file: string, data: string | Buffer): void;
  renameSync(from: string, to: string): void;
}

/**
 * One of the server's line files (messagelog.txt, userlog.txt): new lines are appended,
 * and the file is rewritten whole (temporary file + rename) only when existing lines
 * change or go. Changes are queued and written together by `flush()`.
 *
 * Why: rewriting the whole board after every MSG made 1,000 clients posting at once
 * quadratic. An append of complete lines keeps the seed's format; a line is on disk
 * before its post is acknowledged (the server flushes before it releases replies), and
 * a reader sees whole lines (one write call per flush, each line ending in a newline).
 * Edits, deletes and logouts renumber lines, so those still replace the file atomically:
 * a reader sees the old or the new version, never a mix.
 */
export class LogFile {
  private fd: number | undefined;
  private appended: string[] = [];
  private dirty = false;

  constructor(
    readonly file: string,
    private readonly render: () => string,
    private readonly ops: LogFileFs = fs,
  ) {}

  /** Replace the file with the current content (empty at server start) and open it for appending. */
  start(): void {
    this.dirty = true;
    this.flush();
  }

  /** Queue one complete line (without its newline) for the end of the file. */
  append(line: string): void {
    if (!this.dirty) this.appended.push(line);
  }

  /** Queue a whole rewrite from `render()` (an existing line changed or went). */
  rewrite(): void {
    this.dirty = true;
    this.appended = [];
  }

  /** True when a whole rewrite is queued. */
  get rewritePending(): boolean {
    return this.dirty;
  }

  /** True when something is queued. */
  get pending(): boolean {
    return this.dirty || this.appended.length > 0;
  }

  /** Write what is queued: one atomic rewrite, or one append of all new lines. */
  flush(): void {
    if (this.dirty) {
      this.dirty = false;
      this.appended = [];
      writeFileAtomic(this.file, this.render(), this.ops);
      // The old descriptor points at the replaced file; append to the new one from now on.
      // Closing the last reference to a replaced file frees it, which can take milliseconds
      // on ext4: done on the thread pool, off the event loop.
      if (this.fd !== undefined) this.ops.close(this.fd, () => undefined);
      this.fd = this.ops.openSync(this.file, 'a');
      return;
    }
    if (this.appended.length === 0) return;
    const bytes = Buffer.from(this.appended.join('\n') + '\n', 'utf8');
    this.appended = [];
    if (this.fd === undefined) this.fd = this.ops.openSync(this.file, 'a');
    // One call in practice; a short write (disk full, signal) continues where it stopped.
    for (let at = 0; at < bytes.length; ) {
      const n = this.ops.writeSync(this.fd, bytes, at, bytes.length - at);
      if (n <= 0) throw new Error(`${this.file}: the disk accepted no more bytes`);
      at += n;
    }
  }

  /** Close the append descriptor (server shutdown, tests). */
  close(): void {
    if (this.fd !== undefined) this.ops.closeSync(this.fd);
    this.fd = undefined;
  }
}
