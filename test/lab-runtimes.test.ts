import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createServer, type AddressInfo } from 'node:net';
import Docker from 'dockerode';
import { describe, expect, it } from 'vitest';
import { describeDocker, leftovers, listRunDirs, readResults, ROOT, runDirOf, runLabCli, startLab, waitForStderr } from './helpers/lab-cli.js';

const fixture = (f: string) => join(ROOT, 'test', 'fixtures', f);

/** The same end-to-end checks on both runtimes: a real lab, real sockets, real addresses. */
function suite(runtime: 'local' | 'docker') {
  const runs = mkdtempSync(join(tmpdir(), `netlab-e2e-${runtime}-`));
  const up = (file: string, ...more: string[]) => runLabCli(['up', fixture(file), '--runtime', runtime, '--runs', runs, ...more]);

  it('runs a lab end to end: each client seen at its own address, evidence written, nothing left', async () => {
    const run = await up('echo.yaml');
    expect(run.stderr).toContain('PASSED 1/1');
    expect(run.code).toBe(0);
    const dir = runDirOf(run);
    const res = readResults(dir);
    expect(res.status).toBe('passed');
    expect(res.runtime).toBe(runtime);
    const ips = res.nodes.map((n: { ip: string }) => n.ip);
    expect(new Set(ips).size).toBe(3);
    for (const phase of ['prepare', 'create', 'start', 'scenarios', 'collect', 'teardown']) expect(res.phases[phase]).toBeTypeOf('number');
    const transcript = readFileSync(join(dir, 'nodes', 'client1', 'transcript.log'), 'utf8');
    expect(transcript).toContain('in >| hello');
    expect(transcript).toContain(`echo from ${ips[1]}: hello`);
    expect(readFileSync(join(dir, 'junit.xml'), 'utf8')).toContain('<testcase classname="echo" name="each client is seen at its own address"');
    expect(readFileSync(join(dir, 'controller.log'), 'utf8')).toMatch(/"phase":"teardown"/);
    expect(await leftovers('echo')).toBe(0);
  });

  it('programs in other languages (Python) also use their own address, listening and connecting', async () => {
    const run = await up('python-echo.yaml');
    expect(run.stderr).toContain('PASSED 1/1');
    expect(run.code).toBe(0);
    expect(await leftovers('pyecho')).toBe(0);
  });

  it('a clock step moves wall clocks at once (libfaketime): Python time.time/datetime.now and Node Date.now see +960 s', async () => {
    const run = await up('clock.yaml');
    expect(run.stderr).toContain('PASSED 1/1');
    expect(run.code).toBe(0);
    expect(readFileSync(join(runDirOf(run), 'nodes', 'py', 'clock', 'offset'), 'utf8')).toBe('+0s\n'); // reset at the end
    expect(await leftovers('clock')).toBe(0);
  });

  it('ready: { port } reads the socket table: a server that dies on an empty connection is not disturbed', async () => {
    const run = await up('fragile-server.yaml');
    expect(run.stderr).toContain('PASSED 1/1');
    expect(run.code).toBe(0);
    expect(await leftovers('fragile')).toBe(0);
  });

  it('a failed step names the node, the pattern, the last output and the steps left; exit 1', async () => {
    const run = await up('broken.yaml', '--scenario', 'a step that never matches');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/talker did not print \/you said goodbye\/ within 1\.0s/);
    expect(run.stderr).toContain('you said hello');
    const res = readResults(runDirOf(run));
    const f = res.scenarios[0].failure;
    expect(f.step).toBe('3');
    expect(f.node).toBe('talker');
    expect(f.tail).toContain('you said hello');
    expect(f.stepsLeft).toEqual(['4 talker: send "never sent"']);
    expect(readFileSync(join(runDirOf(run), 'junit.xml'), 'utf8')).toContain('<failure');
    expect(await leftovers('broken')).toBe(0);
  });

  it('a node that crashes mid-scenario fails the scenario with its exit, and is torn down', async () => {
    const run = await up('broken.yaml', '--scenario', 'a node that crashes mid-scenario');
    expect(run.code).toBe(1);
    expect(run.stderr).toMatch(/talker exited \(code 3\) before printing \/you said\//);
    expect(await leftovers('broken')).toBe(0);
  });

  it('a node that exits at once is a clear error, exit 2, nothing left', async () => {
    const run = await up('dies-at-once.yaml');
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/node server exited at once \(code 4\) before it was ready/);
    expect(run.stderr).toContain('cannot start: no credentials.txt');
    expect(await leftovers('dies')).toBe(0);
  });

  it.each([
    ['start', /── start/],
    ['scenarios', /▶ slow/],
  ])('Ctrl-C during %s tears everything down and keeps the evidence (exit 130)', async (_phase, when) => {
    const lab = startLab(['up', fixture('broken.yaml'), '--runtime', runtime, '--runs', runs, '--scenario', 'slow']);
    await waitForStderr(lab, when);
    lab.child.kill('SIGINT');
    const run = await lab.done;
    expect(run.code).toBe(130);
    expect(run.stderr).toContain('interrupted');
    const res = readResults(runDirOf(run));
    expect(res.status).toBe('interrupted');
    expect(existsSync(join(runDirOf(run), 'nodes', 'talker', 'transcript.log'))).toBe(true);
    expect(await leftovers('broken')).toBe(0);
  });
}

describe('bad input leaves nothing behind', () => {
  it('refuses an unknown key with file, line and key, exit 2, and creates no run folder', async () => {
    const runs = mkdtempSync(join(tmpdir(), 'netlab-bad-'));
    const run = await runLabCli(['up', fixture('bad-unknown-key.yaml'), '--runtime', 'local', '--runs', runs]);
    expect(run.code).toBe(2);
    expect(run.stderr).toMatch(/bad-unknown-key\.yaml:6: server\.comand: unknown key: comand/);
    expect(listRunDirs(runs)).toEqual([]);
  });

  it('validate and schema answer without running anything', async () => {
    const ok = await runLabCli(['validate', fixture('echo.yaml')]);
    expect(ok.code).toBe(0);
    const schema = await runLabCli(['schema']);
    expect(schema.code).toBe(0);
    const s = JSON.parse(schema.stdout);
    expect(s.properties.server).toBeDefined();
    expect(s.additionalProperties).toBe(false);
  });
});

describe('local runtime', () => {
  suite('local');
  it('a port already taken is a clear error before anything starts', async () => {
    // The port is one the OS hands us now (a fixed one may be some other program's ephemeral
    // port at that moment); the topology is written with it.
    const blocker = createServer();
    await new Promise<void>((ok, fail) => blocker.once('error', fail).listen(0, '0.0.0.0', () => ok()));
    const port = (blocker.address() as AddressInfo).port;
    const dir = mkdtempSync(join(tmpdir(), 'netlab-port-'));
    const topology = join(dir, 'port-taken.yaml');
    writeFileSync(topology, readFileSync(fixture('port-47020.yaml'), 'utf8').replaceAll('47020', String(port)));
    try {
      const run = await runLabCli(['up', topology, '--runtime', 'local', '--runs', join(dir, 'runs')]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(new RegExp(`node server\\): port ${port} is already taken`));
    } finally {
      blocker.close();
    }
  });
});
describeDocker('docker runtime', () => {
  suite('docker');
  it("a JVM under a moved clock: currentTimeMillis jumps, Object.wait and Thread.sleep keep their length", async () => {
    const run = await runLabCli(['up', fixture('clock-java.yaml'), '--runtime', 'docker', '--runs', mkdtempSync(join(tmpdir(), 'netlab-clockjava-'))]);
    expect(run.stderr).toContain('PASSED 1/1');
    expect(run.code).toBe(0);
    expect(await leftovers('clockjava')).toBe(0);
  });
  it('a subnet already in use is refused, exit 2, and nothing is created', async () => {
    const docker = new Docker();
    const net = await docker.createNetwork({ Name: `netlab-test-clash-${process.pid}`, Internal: true, Labels: { 'netlab.lab': 'test-clash' }, IPAM: { Config: [{ Subnet: '10.77.240.0/24' }] } });
    try {
      const run = await runLabCli(['up', fixture('port-47020.yaml'), '--runtime', 'docker', '--runs', mkdtempSync(join(tmpdir(), 'netlab-clash-'))]);
      expect(run.code).toBe(2);
      expect(run.stderr).toMatch(/subnet 10\.77\.240\.0\/24 is already in use \(docker network netlab-test-clash-/);
      expect(await leftovers('portclash')).toBe(0);
    } finally {
      await net.remove();
    }
  });
});
