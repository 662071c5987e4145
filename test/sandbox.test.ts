import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { expect, it } from 'vitest';
import { describeDocker, leftovers, runLabCli, startLab, waitForStderr } from './helpers/lab-cli.js';

describeDocker('the grading sandbox, limit by limit', () => {
  it('a probing submission finds each limit in place', async () => {
    const out = mkdtempSync(join(tmpdir(), 'netlab-sandbox-'));
    const run = await runLabCli(['grade', 'test/fixtures/grading-sandbox.yaml', '--submission', 'test/fixtures/sandbox-probe', '--out', out]);
    expect(run.code, run.stderr.slice(-2000)).toBe(0);
    const g = JSON.parse(readFileSync(join(out, 'sandbox-probe', 'grade.json'), 'utf8'));
    const by = Object.fromEntries(g.scenarios.map((s: { name: string }) => [s.name, s]));
    for (const name of [
      'runs as an unprivileged user',
      'has no capabilities and cannot gain privileges',
      'cannot write a file past the size cap',
      'cannot change the image',
      'cannot create more processes than the limit',
      'gets no more than its CPU share (0.5 of a core)',
      'a memory hog is stopped by the memory limit',
      'leaves files and a daemon behind, and cannot signal what holds the node',
      'finds none of it on the next scenario',
    ]) {
      expect(by[name].status, `${name}: ${JSON.stringify(by[name].failure)}`).toBe('passed');
    }
    expect(by['a scenario that overruns its time limit fails with that reason'].failure.message).toMatch(/time limit of 4s/);
    const transcript = readFileSync(join(g.runs[0].runDir, 'nodes', 'server', 'transcript.log'), 'utf8');
    expect(transcript).toMatch(/killed: out of memory/);
    // The node's container is kept for the run (warm nodes): its init and sleep are root's, which a submission cannot signal.
    expect(transcript).toMatch(/littered; [1-9]\d* signals refused/);
    expect(await leftovers('sandbox')).toBe(0);
  });

  it("every lab network is internal: no route out of the lab's own subnet", async () => {
    const lab = startLab(['up', 'test/fixtures/echo.yaml', '--runtime', 'docker', '--keep', '--runs', mkdtempSync(join(tmpdir(), 'netlab-internal-'))]);
    await waitForStderr(lab, /lab kept running/);
    await lab.done;
    const docker = new Docker();
    const nets = await docker.listNetworks({ filters: JSON.stringify({ label: ['netlab.lab=echo'] }) });
    expect(nets.length).toBe(1);
    expect((await docker.getNetwork(nets[0].Id).inspect()).Internal).toBe(true);
    expect((await runLabCli(['down', 'echo'])).code).toBe(0);
    expect(await leftovers('echo')).toBe(0);
  });
});
