import { linkSync, mkdirSync, mkdtempSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { SubmissionError } from './detect-submission.js';
import { submissionOutDir } from './grade-batch.js';
import { readSubmission } from './submission-plan.js';

const MiB = 1024 * 1024;
const made: string[] = [];
afterEach(() => {
  for (const d of made.splice(0)) rmSync(d, { recursive: true, force: true });
});

function tempDir(): string {
  const d = mkdtempSync(join(tmpdir(), 'netlab-rules-'));
  made.push(d);
  return d;
}

/** A file of `bytes` zeros, sparse (truncate), so 20 MiB costs no disk. */
function sized(dir: string, rel: string, bytes: number): void {
  mkdirSync(join(dir, rel, '..'), { recursive: true });
  writeFileSync(join(dir, rel), '');
  truncateSync(join(dir, rel), bytes);
}

const inside = (root: string, p: string): boolean => {
  const r = relative(resolve(root), resolve(p));
  return r !== '..' && !r.startsWith(`..${sep}`) && !isAbsolute(r); // `..x` is a name inside
};

describe('--submission path: the grade folder', () => {
  it('`x/sub/..` grades into --out/x', () => {
    const base = tempDir();
    mkdirSync(join(base, 'x', 'sub'), { recursive: true });
    const out = join(base, 'out');
    expect(submissionOutDir(out, join(base, 'x', 'sub', '..'))).toEqual({ name: 'x', outDir: join(out, 'x') });
    expect(submissionOutDir(out, `${join(base, 'x')}/`).outDir).toBe(join(out, 'x'));
    expect(submissionOutDir(out, join(base, 'x', 'sub', '..', '..', 'y')).outDir).toBe(join(out, 'y'));
  });

  it('is never outside --out, whatever `.` and `..` the path holds', () => {
    const out = join(tempDir(), 'out');
    const segment = fc.constantFrom('.', '..', 'x', 'sub', '...', '..x');
    fc.assert(
      fc.property(fc.boolean(), fc.array(segment, { minLength: 1, maxLength: 8 }), (absolute, parts) => {
        const dir = (absolute ? '/' : '') + parts.join('/');
        const { name, outDir } = submissionOutDir(out, dir);
        expect(inside(out, outDir)).toBe(true);
        expect(name).not.toBe('..');
        expect(name).not.toContain('/');
      }),
    );
  });
});

describe('--submission size: at most 20 MiB', () => {
  it('reads a submission of exactly 20 MiB', () => {
    const d = tempDir();
    sized(d, 'server.py', 12 * MiB);
    sized(d, 'lib/data.bin', 8 * MiB);
    const files = readSubmission(d);
    expect(files.map((f) => f.path).sort()).toEqual(['lib/data.bin', 'server.py']);
    expect(files.reduce((n, f) => n + f.content.length, 0)).toBe(20 * MiB);
  });

  it('refuses one byte more, counted over all its files', () => {
    const d = tempDir();
    sized(d, 'server.py', 12 * MiB);
    sized(d, 'lib/data.bin', 8 * MiB + 1);
    expect(() => readSubmission(d)).toThrow(SubmissionError);
    expect(() => readSubmission(d)).toThrow(/larger than 20 MiB/);
  });

  it('does not count what it leaves out (node_modules, .git, hard links)', () => {
    const d = tempDir();
    sized(d, 'server.py', 1 * MiB);
    sized(d, 'node_modules/big/blob', 30 * MiB);
    sized(d, '.git/objects/pack', 30 * MiB);
    sized(d, 'linked', 30 * MiB);
    linkSync(join(d, 'linked'), join(d, 'linked-again'));
    const notes: string[] = [];
    expect(readSubmission(d, notes).map((f) => f.path)).toEqual(['server.py']);
    expect(notes).toHaveLength(2);
  });
});
