import { open, unlink, type FileHandle } from 'node:fs/promises';
import type { Readable } from 'node:stream';

/** Blocks of zeros this long (and aligned on it) become holes. */
const BLOCK = 4096;
const ZEROS = Buffer.alloc(BLOCK);

/** The file's data went past what the caller allowed; the partial file is removed. */
export class WriteBudgetError extends Error {}

/**
 * Stream a file's bytes to target without holding it in memory, leaving a hole for every
 * aligned 4 KiB block of zeros, so a sparse file (`truncate -s 1G`) stays sparse on the
 * host and costs nothing. At most `budget` bytes of data are written: past it the file is
 * removed and WriteBudgetError thrown. Whatever fails, the body is read to its end and
 * never destroyed (destroying one tar entry would end the whole archive). Resolves with
 * the bytes of data written (holes not counted).
 */
export function writeSparse(body: Readable, target: string, size: number, budget: number, mode = 0o644): Promise<number> {
  return new Promise((resolve, reject) => {
    let failed: Error | undefined;
    let pos = 0;
    let data = 0;
    let handle: Promise<FileHandle> | undefined = open(target, 'w', mode).catch((e: Error) => {
      failed ??= e;
      return undefined as unknown as FileHandle;
    });
    const write = async (chunk: Buffer) => {
      const fh = await handle!;
      if (failed) return;
      // Runs of non-zero blocks are written at their offset; zero blocks are skipped (holes).
      let runStart = -1;
      const flush = async (end: number) => {
        if (runStart < 0) return;
        const len = end - runStart;
        if (data + len > budget) throw new WriteBudgetError(`more than ${budget} bytes of data`);
        await fh.write(chunk, runStart, len, pos + runStart);
        data += len;
        runStart = -1;
      };
      for (let i = 0; i < chunk.length; ) {
        const end = Math.min(chunk.length, i + BLOCK - ((pos + i) % BLOCK));
        const zero = chunk.subarray(i, end).equals(ZEROS.subarray(0, end - i));
        if (zero) await flush(i);
        else if (runStart < 0) runStart = i;
        i = end;
      }
      await flush(chunk.length);
      pos += chunk.length;
    };
    body.on('data', (chunk: Buffer) => {
      if (failed) return; // drain: keep reading, write nothing
      body.pause();
      write(chunk).then(
        () => body.resume(),
        (e: Error) => {
          failed ??= e;
          body.resume();
        },
      );
    });
    const finish = async (streamError?: Error) => {
      failed ??= streamError;
      const fh = await handle;
      handle = undefined;
      try {
        if (fh && !failed) await fh.truncate(Math.max(size, pos)); // the holes at the end
      } catch (e) {
        failed ??= e as Error;
      }
      await fh?.close().catch(() => undefined);
      if (failed) {
        if (fh) await unlink(target).catch(() => undefined);
        reject(failed);
      } else resolve(data);
    };
    body.once('end', () => void finish());
    body.once('error', (e: Error) => void finish(e));
  });
}
