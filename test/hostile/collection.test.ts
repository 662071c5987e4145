import { existsSync, mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { expect, it } from 'vitest';
import { describeDocker, leftovers, readResults, ROOT, runDirOf, runLabCli } from '../helpers/lab-cli.js';

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
