import { closeSync, existsSync, mkdtempSync, openSync, readFileSync, readSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeDocker, leftovers, maxRssArgs, readResults, ROOT, runDirOf, runLabCli } from '../helpers/lab-cli.js';

// Issue 16, finding 7: collection keeps every file it can, and lists the ones it cannot.
describeDocker('collection from a container', () => {
  it("keeps '..' names, hard links and modes, and records what it could not keep while the rest goes on", async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-hostile-collect-'));
    const run = await runLabCli(['up', join(ROOT, 'test/fixtures/hostile/collect.yaml'), '--runtime', 'docker', '--runs', runs]);
    expect(run.code, run.stderr.slice(-1500)).toBe(0);
    const dir = runDirOf(run);
    const files = join(dir, 'nodes', 'server', 'files');
    expect(readFileSync(join(files, '...'), 'utf8')).toBe('three dots\n');
    expect(readFileSync(join(files, '..notes.txt'), 'utf8')).toBe('notes\n');
    expect(statSync(join(files, 'run.sh')).mode & 0o777).toBe(0o755);
    expect(statSync(join(files, 'hard.txt')).ino).toBe(statSync(join(files, 'data.txt')).ino);
    expect(readFileSync(join(files, 'zzz-after.txt'), 'utf8')).toBe('still collected\n');
    expect(existsSync(join(files, 'passwd'))).toBe(false);
    const failures: { path: string; reason: string }[] = readResults(dir).nodes[0].collectFailures;
    expect(failures.find((f) => f.path === 'passwd')?.reason).toMatch(/symbolic link/);
    expect(failures.some((f) => f.path.startsWith('deep/') && f.reason === 'ENAMETOOLONG')).toBe(true);
    expect(run.stderr).toMatch(/server: \d+ files not collected/);
    expect(await leftovers('collect')).toBe(0);
  });
});

// The same rules when the folder is the host's own (isolation: scenario binds it, work-folder.ts):
// kept at the reset (files-after) and at the end (files), after the node has exited.
describeDocker('collection of a bind-mounted folder (isolation: scenario)', () => {
  it('keeps files, hard links and modes without set-id bits, and leaves out links, sockets and paths too deep to name', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-hostile-collect-fresh-'));
    const run = await runLabCli(['up', join(ROOT, 'test/fixtures/hostile/collect-fresh.yaml'), '--runtime', 'docker', '--runs', runs]);
    expect(run.code, run.stderr.slice(-1500)).toBe(0);
    const dir = runDirOf(run);
    const server = join(dir, 'nodes', 'server');
    const failures: { path: string; reason: string }[] = readResults(dir).nodes[0].collectFailures;
    for (const [files, prefix] of [
      [join(server, 'files-after', 'scenario-1'), 'files-after/scenario-1/'],
      [join(server, 'files'), ''],
    ] as const) {
      expect(readFileSync(join(files, '...'), 'utf8')).toBe('three dots\n');
      expect(statSync(join(files, 'run.sh')).mode & 0o7777).toBe(0o755);
      expect(statSync(join(files, 'hard.txt')).ino).toBe(statSync(join(files, 'data.txt')).ino);
      expect(readFileSync(join(files, 'zzz-after.txt'), 'utf8')).toBe('still collected\n');
      for (const gone of ['passwd', 'sub/etc', 'sock']) expect(existsSync(join(files, gone)), gone).toBe(false);
      const mine = failures.filter((f) => f.path.startsWith(prefix) && (prefix || !f.path.startsWith('files-after/')));
      expect(mine.find((f) => f.path === `${prefix}passwd`)?.reason).toMatch(/symbolic link/);
      expect(mine.find((f) => f.path === `${prefix}sub/etc`)?.reason).toMatch(/symbolic link/);
      expect(mine.find((f) => f.path === `${prefix}sock`)?.reason).toMatch(/not a regular file/);
      expect(mine.some((f) => f.path.startsWith(`${prefix}deep/`) && f.reason === 'ENAMETOOLONG')).toBe(true);
    }
    // The working folders are gone with the containers.
    expect(existsSync(join(server, '.work'))).toBe(false);
    expect(await leftovers('collect-fresh')).toBe(0);
  });
});

describeDocker('collection over its cap', () => {
  it('collects what fits in 256 MiB and lists the rest with the reason; the run still passes', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-hostile-collect-cap-'));
    const run = await runLabCli(['up', join(ROOT, 'test/fixtures/hostile/collect-cap.yaml'), '--runtime', 'docker', '--runs', runs]);
    expect(run.code, run.stderr.slice(-1500)).toBe(0);
    const dir = runDirOf(run);
    const files = join(dir, 'nodes', 'server', 'files');
    const failures: { path: string; reason: string }[] = readResults(dir).nodes[0].collectFailures;
    const big = ['a.bin', 'b.bin', 'c.bin'];
    const kept = big.filter((f) => existsSync(join(files, f)) && statSync(join(files, f)).size === 100 * 1024 * 1024);
    expect(kept).toHaveLength(2); // 200 MiB fit; the third would pass 256 MiB
    expect(failures).toEqual([{ path: big.find((f) => !kept.includes(f)), reason: expect.stringMatching(/over the collection cap of 268435456 bytes/) }]);
    expect(readFileSync(join(files, 'small.txt'), 'utf8')).toBe('small\n');
    expect(run.stderr).toMatch(/server: 1 files not collected/);
    expect(await leftovers('collect-cap')).toBe(0);
  });
});

// Issue 16, finding 7: a 1 GB sparse file is neither held in memory nor written out in full.
describe('a 1 GB sparse file', () => {
  for (const runtime of ['docker', 'local'] as const) {
    const d = runtime === 'docker' ? describeDocker : describe;
    d(`collected on ${runtime}`, () => {
      it('stays sparse, keeps its bytes after the hole, and the controller stays small', async () => {
        const runs = mkdtempSync(join(tmpdir(), `netlab-hostile-sparse-${runtime}-`));
        const rssFile = join(runs, 'controller-max-rss-kib');
        const run = await runLabCli(['up', join(ROOT, 'test/fixtures/hostile/sparse.yaml'), '--runtime', runtime, '--runs', runs], { nodeArgs: maxRssArgs(rssFile) });
        expect(run.code, run.stderr.slice(-1500)).toBe(0);
        const files = join(runDirOf(run), 'nodes', 'server', 'files');
        const big = join(files, 'big.sparse');
        const st = statSync(big);
        expect(st.size).toBe(2 ** 30 + 'after the hole'.length);
        expect(st.blocks * 512).toBeLessThan(1024 * 1024); // holes, not a gigabyte of zeros
        const fd = openSync(big, 'r');
        const tail = Buffer.alloc(14);
        readSync(fd, tail, 0, 14, 2 ** 30);
        closeSync(fd);
        expect(tail.toString()).toBe('after the hole');
        expect(readFileSync(join(files, 'small.txt'), 'utf8')).toBe('small\n');
        expect(readResults(runDirOf(run)).nodes[0].collectFailures).toBeUndefined();
        // Peak resident memory of the whole ./lab process: far below the file's gigabyte.
        const maxRssKib = Number(readFileSync(rssFile, 'utf8'));
        expect(maxRssKib).toBeGreaterThan(0);
        expect(maxRssKib).toBeLessThan(400 * 1024);
        if (runtime === 'docker') expect(await leftovers('hostile-sparse')).toBe(0);
      });
    });
  }
});
