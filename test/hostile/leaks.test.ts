import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { describeDocker, leftovers, readResults, ROOT, runDirOf, runLabCli, startLab, waitForStderr } from '../helpers/lab-cli.js';
import { leasedProcesses } from '../../src/runtime/run-lease.js';
import { LEASE_ENV } from '../../src/runtime/local/local-prepared-lab.js';
import { removeNetwork } from '../../src/runtime/docker/docker-labels.js';
import { runLab } from '../../src/lab/run-lab.js';
import { loadTopology } from '../../src/topology/load-topology.js';
import { FakeRuntime } from './fake-runtime.js';
import { downLabel } from '../../src/runtime/docker/docker-driver.js';
import { listLabRules } from '../../src/runtime/docker/host-firewall.js';
import { quietReporter } from '../../src/lab/quiet-reporter.js';

// Issue 16, findings 5 and 11: nothing of a run outlives it, and tear-down problems never lose results.
const fixture = (f: string) => join(ROOT, 'test/fixtures/hostile', f);
const runs = mkdtempSync(join(tmpdir(), 'netlab-hostile-leaks-'));
const ofController = (pid: number) => leasedProcesses(LEASE_ENV).filter((p) => p.lease.split(':')[1] === String(pid));
/** Live (not zombie) processes whose command line names this folder: a capture's tcpdump writing into a run. */
function livingWritersInto(folder: string): string[] {
  const out: string[] = [];
  for (const pid of readdirSync('/proc').filter((d) => /^\d+$/.test(d))) {
    try {
      const cmd = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ');
      const state = /^State:\s+(\S)/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1];
      if (cmd.includes(folder) && state !== 'Z') out.push(`${pid} ${cmd}`);
    } catch {
      /* gone meanwhile */
    }
  }
  return out;
}

describe('local runtime', () => {
  it('a setsid grandchild ends with the tear-down', async () => {
    const lab = startLab(['up', fixture('escape.yaml'), '--runtime', 'local', '--runs', runs]);
    const run = await lab.done;
    expect(run.code, run.stderr.slice(-1000)).toBe(0);
    expect(ofController(lab.child.pid!)).toEqual([]);
  });

  it("after SIGKILL of lab up, the next lab up reaps the dead run's processes", async () => {
    const lab = startLab(['up', fixture('waits.yaml'), '--runtime', 'local', '--runs', runs]);
    await waitForStderr(lab, /✓ .*expect \/waiting\//);
    lab.child.kill('SIGKILL');
    await lab.done;
    expect(ofController(lab.child.pid!).length).toBeGreaterThan(0); // the node outlived its controller
    const next = await runLabCli(['up', fixture('escape.yaml'), '--runtime', 'local', '--runs', runs]);
    expect(next.stderr).toMatch(/reaped \d+ processes/);
    expect(ofController(lab.child.pid!)).toEqual([]);
  });
});

describe('tear-down faults', () => {
  it('a tear-down that throws still writes results.json, with the error', async () => {
    const plan = loadTopology(fixture('waits.yaml'));
    plan.scenarios = [];
    const rt = new FakeRuntime({ destroy: async () => Promise.reject(new Error('network has active endpoints')) });
    const res = await runLab({ plan, runtime: rt, projectRoot: runs, runsDir: join(runs, 'fake'), signal: new AbortController().signal, reporter: quietReporter });
    expect(res.status).toBe('error');
    expect(res.error?.message).toMatch(/tear-down failed: network has active endpoints/);
    expect(readResults(res.runDir).status).toBe('error');
  });

  it('removing a network rides out 403 "active endpoints": disconnects and retries', async () => {
    let tries = 0;
    const disconnected: string[] = [];
    const net = {
      remove: async () => {
        if (++tries < 3) throw Object.assign(new Error('network has active endpoints'), { statusCode: 403 });
      },
      inspect: async () => ({ Containers: { c1: {}, c2: {} } }),
      disconnect: async (o: { Container: string }) => void disconnected.push(o.Container),
    };
    await removeNetwork({ getNetwork: () => net } as unknown as Docker, 'n1');
    expect(tries).toBe(3);
    expect(disconnected).toEqual(['c1', 'c2', 'c1', 'c2']);
  });
});

describeDocker('docker runtime', () => {
  const docker = new Docker();
  it("after SIGKILL of lab up, the next lab up reaps the dead run's containers and network", async () => {
    const lab = startLab(['up', fixture('waits.yaml'), '--runtime', 'docker', '--runs', runs]);
    await waitForStderr(lab, /✓ .*expect \/waiting\//, 240_000);
    const filters = JSON.stringify({ label: [`netlab.lease`] });
    const mine = (await docker.listContainers({ all: true, filters })).filter((c) => c.Labels['netlab.lease'].split(':')[1] === String(lab.child.pid));
    expect(mine.length).toBe(1);
    // Finding 10: the engine's log of a node is capped too.
    expect((await docker.getContainer(mine[0].Id).inspect()).HostConfig.LogConfig?.Config).toMatchObject({ 'max-size': '8m' });
    const run = mine[0].Labels['netlab.run'];
    const rulesOf = async (r: string) => (await listLabRules()).filter((x) => x.runId === r).length;
    expect(await rulesOf(run), "the lab's host firewall rule").toBe(1);
    expect(livingWritersInto(runs).length, 'the capture runs').toBeGreaterThan(0);
    lab.child.kill('SIGKILL');
    await lab.done;
    expect(await leftovers({ run })).toBe(2); // the container and the network stay behind
    // The capture's tcpdump ends with its controller (a parent-death signal), not left writing.
    await expect.poll(() => livingWritersInto(runs)).toEqual([]);
    expect(await rulesOf(run), 'and its firewall rule').toBe(1);
    // The next lab up reuses the fixed subnet: possible only once the dead run is reaped.
    const next = startLab(['up', fixture('waits.yaml'), '--runtime', 'docker', '--runs', runs]);
    await waitForStderr(next, /✓ .*expect \/waiting\//, 240_000);
    expect(next.stderrSoFar()).toMatch(new RegExp(`reaped run ${run}`));
    expect(await leftovers({ run })).toBe(0);
    expect(await rulesOf(run), 'the reaper removed the dead run\'s rule').toBe(0);
    const nextRun = (await docker.listContainers({ all: true, filters })).find((c) => c.Labels['netlab.lease'].split(':')[1] === String(next.child.pid))!.Labels['netlab.run'];
    expect(await rulesOf(nextRun)).toBe(1);
    next.child.kill('SIGINT');
    const done = await next.done;
    expect(done.code).toBe(130);
    expect(readResults(runDirOf(done)).status).toBe('interrupted');
    expect(await rulesOf(nextRun), 'Ctrl-C removed the rule with the lab').toBe(0);
  });

  it("a kept lab's host firewall rule stays while it runs and goes with lab down", async () => {
    const up = await runLabCli(['up', join(ROOT, 'test/fixtures/echo-classroom.yaml'), '--runtime', 'docker', '--keep', '--no-scenarios', '--runs', runs]);
    expect(up.code, up.stderr.slice(-1000)).toBe(0);
    const run = readResults(runDirOf(up)).runId as string;
    try {
      expect((await listLabRules()).filter((x) => x.runId === run)).toHaveLength(1);
    } finally {
      const down = await runLabCli(['down', 'echoui']);
      expect(down.code, down.stderr).toBe(0);
    }
    expect((await listLabRules()).filter((x) => x.runId === run)).toHaveLength(0);
    expect(await leftovers({ run })).toBe(0);
  });

  // Read-only on purpose: really running `lab down --all` here would also remove the labs of
  // other tests of this project running at the same time.
  it("lab down --all selects only this user's labs of this project; --everyone selects all", async () => {
    const other = await docker.createNetwork({ Name: `netlab-other-${process.pid}`, Internal: true, Labels: { 'netlab.lab': 'other', 'netlab.run': `o${process.pid}`, 'netlab.owner': '99999:feedfacecafe' } });
    try {
      const selected = async (label: string) => (await docker.listNetworks({ filters: JSON.stringify({ label: [label] }) })).map((n) => n.Id);
      expect(await selected(downLabel(ROOT, undefined, { all: true }))).not.toContain(other.id);
      expect(await selected(downLabel(ROOT, undefined, { all: true, everyone: true }))).toContain(other.id);
    } finally {
      await other.remove();
    }
  });
});
