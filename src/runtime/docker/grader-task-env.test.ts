import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { hostVisible } from './grader-task-env.js';

describe('hostVisible', () => {
  it('outside a grader task: the path itself', () => {
    expect(hostVisible('/x/lib.so', {})).toBe('/x/lib.so');
  });

  it('in a grader task: one copy named by content, whatever other tasks left half-written beside it', () => {
    const src = join(mkdtempSync(join(tmpdir(), 'netlab-hv-src-')), 'clock-fix.so');
    writeFileSync(src, 'library bytes');
    const binds = mkdtempSync(join(tmpdir(), 'netlab-hv-binds-'));
    const env = { NETLAB_BIND_DIR: binds };
    const first = hostVisible(src, env);
    // Another task (pid 1 in its own namespace too) mid-copy: its temporary file is not ours.
    writeFileSync(`${first}.1.tmp`, 'half');
    writeFileSync(src, 'new library bytes');
    const second = hostVisible(src, env);
    expect(second).not.toBe(first);
    expect(readFileSync(second, 'utf8')).toBe('new library bytes');
    expect(hostVisible(src, env)).toBe(second);
    expect(readdirSync(binds).filter((f) => f.endsWith('.tmp'))).toEqual([`${first.split('/').pop()}.1.tmp`]);
  });
});
