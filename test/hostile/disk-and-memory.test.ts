import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { describeDocker, leftovers, readResults, ROOT, runDirOf, runLabCli } from '../helpers/lab-cli.js';

const fixture = (f: string) => join(ROOT, 'test/fixtures/hostile', f);
const DISK_REASON = /killed by the lab: wrote more than 16 MiB to its folder \(disk limit\)/;

/** lab up on a fixture whose one scenario must fail by the disk limit; returns the run's results. */
async function diskRun(runtime: 'docker' | 'local') {
  const runs = mkdtempSync(join(tmpdir(), `netlab-hostile-disk-${runtime}-`));
  const run = await runLabCli(['up', fixture('disk.yaml'), '--runtime', runtime, '--runs', runs]);
  expect(run.code, run.stderr.slice(-1500)).toBe(1);
  const res = readResults(runDirOf(run));
  const scenario = res.scenarios[0];
  expect(scenario.status).toBe('failed');
  // The reason is in the scenario's entry (what report.md shows), and in how the node ended.
  expect(JSON.stringify(scenario), JSON.stringify(scenario)).toMatch(DISK_REASON);
  expect(res.nodes[0].exit).toMatch(DISK_REASON);
  return res;
}

// Issue 16, finding 10: a node that writes file after file is stopped at its disk limit.
describe('the disk limit (limits.disk) on the local runtime', () => {
  it('stops a node writing many 8 MiB files, with the reason in the scenario', async () => {
    await diskRun('local');
  });
});

describeDocker('the disk limit and the memory limit in containers', () => {
  it('stops a node writing many 8 MiB files, with the reason in the scenario', async () => {
    await diskRun('docker');
    expect(await leftovers('hostile-disk')).toBe(0);
  });

  it('a memory hog ends "out of memory", whether or not the engine flags OOMKilled', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-hostile-oom-'));
    const run = await runLabCli(['up', fixture('oom.yaml'), '--runtime', 'docker', '--runs', runs]);
    expect(run.code, run.stderr.slice(-1500)).toBe(0);
    expect(readResults(runDirOf(run)).nodes[0].exit).toMatch(/^code 137, killed: out of memory/);
    expect(await leftovers('hostile-oom')).toBe(0);
  });
});
