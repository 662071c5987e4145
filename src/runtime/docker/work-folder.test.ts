import { existsSync, linkSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, statSync, symlinkSync, writeFileSync, chmodSync, openSync, ftruncateSync, closeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { folderSize, keepWorkFolder, placeWorkFolder, removeWorkFolders } from './work-folder.js';
import { nodeFiles } from '../../model/run-paths.js';

const scratch = () => mkdtempSync(join(tmpdir(), 'netlab-work-folder-'));

describe('placeWorkFolder', () => {
  it('writes the files with their modes, owned by the node user (uid 1000), folders included, and says how many bytes', () => {
    const dir = join(scratch(), 'w');
    const bytes = placeWorkFolder(dir, [
      { path: 'credentials.txt', content: Buffer.from('alice pw\n'), mode: 0o644 },
      { path: 'bin/run.sh', content: Buffer.from('#!/bin/sh\n'), mode: 0o755 },
    ]);
    expect(bytes).toBe(9 + 10);
    expect(readFileSync(join(dir, 'credentials.txt'), 'utf8')).toBe('alice pw\n');
    expect(statSync(join(dir, 'bin/run.sh')).mode & 0o777).toBe(0o755);
    for (const p of [dir, join(dir, 'bin'), join(dir, 'bin/run.sh')]) expect(statSync(p).uid).toBe(1000);
  });

  it('starts from nothing when the folder is there from before', () => {
    const dir = join(scratch(), 'w');
    mkdirSync(dir);
    writeFileSync(join(dir, 'left.txt'), 'old');
    placeWorkFolder(dir, [{ path: 'a', content: Buffer.from('a'), mode: 0o644 }]);
    expect(existsSync(join(dir, 'left.txt'))).toBe(false);
  });
});

describe('keepWorkFolder', () => {
  it('moves the folder, drops links and set-id bits, keeps hard links, and lists what it left out', () => {
    const root = scratch();
    const src = join(root, 'live');
    mkdirSync(join(src, 'sub'), { recursive: true });
    writeFileSync(join(src, 'data.txt'), 'data');
    linkSync(join(src, 'data.txt'), join(src, 'hard.txt'));
    symlinkSync('/etc/passwd', join(src, 'passwd'));
    symlinkSync('/etc', join(src, 'sub', 'etc'));
    writeFileSync(join(src, 'tool'), 'x');
    chmodSync(join(src, 'tool'), 0o4755);
    execFileSync('mkfifo', [join(src, 'pipe')]);
    const dest = join(root, 'kept', 'scenario-1');
    const failures = keepWorkFolder(src, dest, 1 << 20);
    expect(existsSync(src)).toBe(false);
    expect(readFileSync(join(dest, 'data.txt'), 'utf8')).toBe('data');
    expect(statSync(join(dest, 'hard.txt')).ino).toBe(statSync(join(dest, 'data.txt')).ino);
    expect(statSync(join(dest, 'tool')).mode & 0o7777).toBe(0o755);
    for (const gone of ['passwd', 'sub/etc', 'pipe']) expect(() => lstatSync(join(dest, gone))).toThrow();
    expect(failures.sort((a, b) => a.path.localeCompare(b.path))).toEqual([
      { path: 'passwd', reason: 'a symbolic link, not collected' },
      { path: 'pipe', reason: 'not a regular file, not collected' },
      { path: 'sub/etc', reason: 'a symbolic link, not collected' },
    ]);
  });

  it('counts data, not holes, against the cap, and leaves out the file that would pass it', () => {
    const root = scratch();
    const src = join(root, 'live');
    mkdirSync(src);
    const fd = openSync(join(src, 'holes.bin'), 'w');
    ftruncateSync(fd, 1 << 30);
    closeSync(fd);
    writeFileSync(join(src, 'a.bin'), Buffer.alloc(600));
    writeFileSync(join(src, 'b.bin'), Buffer.alloc(600));
    const failures = keepWorkFolder(src, join(root, 'kept'), 1000);
    expect(failures).toHaveLength(1);
    expect(failures[0].reason).toMatch(/over the collection cap of 1000 bytes/);
    expect(existsSync(join(root, 'kept', 'holes.bin'))).toBe(true);
    expect(['a.bin', 'b.bin'].filter((f) => existsSync(join(root, 'kept', f)))).toHaveLength(1);
  });
});

describe('folderSize and removeWorkFolders', () => {
  it('counts each inode once and never follows a link; removing leaves the node folder', () => {
    const runDir = scratch();
    const dir = nodeFiles.work(runDir, 'server', 1);
    mkdirSync(join(dir, 'sub'), { recursive: true });
    writeFileSync(join(dir, 'a'), Buffer.alloc(100));
    linkSync(join(dir, 'a'), join(dir, 'sub', 'a2'));
    writeFileSync(join(dir, 'sub', 'b'), Buffer.alloc(50));
    symlinkSync('/usr', join(dir, 'usr'));
    expect(folderSize(dir)).toBe(150);
    writeFileSync(join(nodeFiles.dir(runDir, 'server'), 'transcript.log'), 'x');
    removeWorkFolders(runDir, ['server', 'never-made']);
    expect(existsSync(nodeFiles.work(runDir, 'server'))).toBe(false);
    expect(existsSync(join(nodeFiles.dir(runDir, 'server'), 'transcript.log'))).toBe(true);
  });
});
