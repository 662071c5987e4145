import { execFileSync } from 'node:child_process';
import { linkSync, mkdirSync, mkdtempSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readSubmission } from '../../src/grade/submission-plan.js';

// Issue 16, finding 10: a hard link in a submission folder could copy a host file into the sandbox.
describe('a submission folder', () => {
  it('gives the sandbox only its regular single-link files; hard links, symlinks and FIFOs are noted, not copied', () => {
    const root = mkdtempSync(join(tmpdir(), 'netlab-hostile-sub-'));
    const host = join(root, 'grader-secret.txt');
    writeFileSync(host, 'the answers\n');
    const sub = join(root, 'sub');
    mkdirSync(sub);
    writeFileSync(join(sub, 'server.py'), 'print("hi")\n');
    linkSync(host, join(sub, 'innocent.txt'));
    symlinkSync('/etc/passwd', join(sub, 'passwd'));
    execFileSync('mkfifo', [join(sub, 'pipe')]);
    const notes: string[] = [];
    const files = readSubmission(sub, notes);
    expect(files.map((f) => f.path)).toEqual(['server.py']);
    expect(notes.sort()).toEqual([
      'innocent.txt: a hard link (the file has 2 names), not copied',
      'passwd: a symbolic link, not copied',
      'pipe: not a regular file, not copied',
    ]);
  });
});
