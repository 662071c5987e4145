import { mkdtempSync, readFileSync, statSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { writeSparse, WriteBudgetError } from './write-sparse.js';

const dir = mkdtempSync(join(tmpdir(), 'netlab-sparse-'));

/** 64 MiB of zeros with a few bytes of data in the middle, in 60 000-byte chunks (not block-aligned). */
function mostlyZeros(): { chunks: Buffer[]; whole: Buffer } {
  const whole = Buffer.alloc(64 << 20);
  whole.write('data in the middle', 40_000_123);
  const chunks: Buffer[] = [];
  for (let i = 0; i < whole.length; i += 60_000) chunks.push(whole.subarray(i, Math.min(whole.length, i + 60_000)));
  return { chunks, whole };
}

describe('writeSparse', () => {
  it('leaves zero blocks as holes: the same bytes, next to no disk', async () => {
    const { chunks, whole } = mostlyZeros();
    const target = join(dir, 'sparse.bin');
    const data = await writeSparse(Readable.from(chunks), target, whole.length, 1 << 20);
    expect(data).toBeLessThanOrEqual(8192);
    const st = statSync(target);
    expect(st.size).toBe(whole.length);
    expect(st.blocks * 512).toBeLessThan(64 * 1024);
    expect(readFileSync(target).equals(whole)).toBe(true);
  });

  it('a file whose data passes the budget is removed, and the body is still read to its end', async () => {
    const target = join(dir, 'full.bin');
    const body = Readable.from(Array.from({ length: 32 }, () => Buffer.alloc(64 * 1024, 7)));
    await expect(writeSparse(body, target, 2 << 20, 1 << 20)).rejects.toBeInstanceOf(WriteBudgetError);
    expect(existsSync(target)).toBe(false);
    expect(body.readableEnded).toBe(true);
  });

  it('a path the host refuses is an error after the body was drained, never a destroyed stream', async () => {
    const body = Readable.from([Buffer.from('x')]);
    const e = await writeSparse(body, join(dir, 'no', 'such', 'folder', 'f'), 1, 100).catch((x: NodeJS.ErrnoException) => x);
    expect((e as NodeJS.ErrnoException).code).toBe('ENOENT');
    expect(body.destroyed && !body.readableEnded).toBe(false);
  });
});
