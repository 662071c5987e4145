import { open, rename, unlink } from 'node:fs/promises';
import { basename, dirname, join } from 'node:path';

let counter = 0;

/**
 * Replace a file's content atomically: write a temp file beside it, fsync, rename.
 *
 * Why: tempIDs.txt and contactlog.txt are read by people and by lab checks at any
 * moment and must survive a crash or restart; a reader sees the old or the new
 * content, never half of it.
 */
async function writeFileAtomic(path: string, content: string): Promise<void> {
  const tmp = join(dirname(path), `.${basename(path)}.${process.pid}.${++counter}.tmp`);
  const fh = await open(tmp, 'w', 0o644);
  try {
    await fh.writeFile(content, 'utf8');
    await fh.sync();
  } finally {
    await fh.close();
  }
  try {
    await rename(tmp, path);
  } catch (err) {
    await unlink(tmp).catch(() => undefined);
    throw err;
  }
}

/**
 * Serialises and coalesces atomic rewrites of one file.
 *
 * Why: 200 clients downloading TempIDs at once would otherwise start 200
 * overlapping rewrites; here at most one write runs, and every caller's promise
 * resolves once a write that includes its change has reached the disk.
 */
export class AtomicFileWriter {
  private running: Promise<void> | null = null;
  private pending: { content: () => string; waiters: Array<{ resolve: () => void; reject: (e: unknown) => void }> } | null =
    null;

  constructor(readonly path: string) {}

  /** Schedule a rewrite with the content `render()` returns at write time. */
  write(render: () => string): Promise<void> {
    return new Promise((resolve, reject) => {
      if (!this.pending) this.pending = { content: render, waiters: [] };
      this.pending.content = render;
      this.pending.waiters.push({ resolve, reject });
      if (!this.running) this.running = this.drain();
    });
  }

  /** Resolves when no write is in progress or queued. */
  async idle(): Promise<void> {
    while (this.running) await this.running;
  }

  private async drain(): Promise<void> {
    while (this.pending) {
      const job = this.pending;
      this.pending = null;
      try {
        await writeFileAtomic(this.path, job.content());
        for (const w of job.waiters) w.resolve();
      } catch (err) {
        for (const w of job.waiters) w.reject(err);
      }
    }
    this.running = null;
  }
}
