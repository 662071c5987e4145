import { cpSync, mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Docker from 'dockerode';
import { afterAll, beforeAll, expect, it } from 'vitest';
import { describeDocker, runLabCli } from './helpers/lab-cli.js';
import { materializeSubmissions } from './helpers/submissions.js';
import { guideSubset } from './helpers/guide-subset.js';

const TOPOLOGY = 'topologies/grading/bluetrace.yaml';
/** Two of grade.test.ts's EXPECTED scores (played as both server and client): full marks, and the lockout (1) lost. */
const EXPECTED: Record<string, number> = { correct: 16, 'no-lockout': 15 };
const docker = new Docker();
const env = { NETLAB_SUBNET_POOL: '10.93.0.0/16' };

/** What a batch leaves if its clean-up failed: services, volumes, containers carrying the batch label. */
async function batchLeftovers(): Promise<number> {
  const filters = JSON.stringify({ label: ['netlab.batch'] });
  const swarm = (await docker.info()).Swarm?.LocalNodeState === 'active';
  const [services, volumes, containers, networks] = await Promise.all([
    swarm ? docker.listServices({ filters }) : [],
    docker.listVolumes({ filters }).then((v) => v.Volumes ?? []),
    docker.listContainers({ all: true, filters }),
    docker.listNetworks({ filters }),
  ]);
  for (const x of [...services, ...volumes, ...containers, ...networks]) console.error('left behind:', JSON.stringify(x).slice(0, 300));
  return services.length + volumes.length + containers.length + networks.length;
}

describeDocker('lab grade --swarm (a single-node swarm this test makes, and undoes, when the engine has none)', () => {
  const dir = mkdtempSync(join(tmpdir(), 'netlab-grade-swarm-'));
  const all = join(dir, 'all');
  const cls = join(dir, 'class');
  let initialised = false;
  let hadGwBridge = true;

  beforeAll(async () => {
    materializeSubmissions(all);
    for (const n of Object.keys(EXPECTED)) cpSync(join(all, n), join(cls, n), { recursive: true });
  });

  afterAll(async () => {
    if (!initialised) return;
    await docker.swarmLeave({ force: true });
    // swarm init made docker_gwbridge and leave keeps it: the engine is left as it was found.
    if (!hadGwBridge) await docker.getNetwork('docker_gwbridge').remove().catch(() => undefined);
  });

  it('refuses without a swarm (exit 2, naming docker swarm init), and never makes one itself', async () => {
    if ((await docker.info()).Swarm?.LocalNodeState !== 'inactive') return; // someone's swarm: not ours to leave
    const r = await runLabCli(['grade', TOPOLOGY, '--submissions', cls, '--swarm', '--out', join(dir, 'refused')], { env });
    expect(r.code, r.stderr).toBe(2);
    expect(r.stderr).toMatch(/docker swarm init/);
    expect((await docker.info()).Swarm?.LocalNodeState).toBe('inactive');
  });

  it('grades the class as a Swarm job to the scores of a plain batch, and leaves no service, task, volume or lab', async () => {
    if ((await docker.info()).Swarm?.LocalNodeState === 'inactive') {
      hadGwBridge = (await docker.listNetworks({ filters: JSON.stringify({ name: ['docker_gwbridge'] }) })).length > 0;
      // Loopback only: the swarm's control plane listens and advertises on 127.0.0.1, and
      // its address pool stays clear of the lab subnets (10.93.0.0/16).
      await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1', DefaultAddrPool: ['10.94.0.0/16'], SubnetSize: 24 });
      initialised = true;
    }
    const out = join(dir, 'out');
    const r = await runLabCli(['grade', TOPOLOGY, '--submissions', cls, '--swarm', '--jobs', '2', '--out', out], { env });
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/tasks: 2 complete/);
    for (const [name, score] of Object.entries(EXPECTED)) {
      const res = JSON.parse(readFileSync(join(out, name, 'results.json'), 'utf8'));
      expect(res.score, `${name}\n${r.stderr}`).toBe(score);
    }
    const gs = JSON.parse(readFileSync(join(out, 'gradescope.json'), 'utf8'));
    expect(Object.keys(gs).sort()).toEqual(Object.keys(EXPECTED).sort());
    expect(await batchLeftovers()).toBe(0);
  });

  it('--volume: works in a folder of its own on the user\'s volume, removes only that, and names a volume that is not there', async () => {
    expect((await docker.info()).Swarm?.LocalNodeState).toBe('active'); // the test before made or found it
    const missing = await runLabCli(['grade', TOPOLOGY, '--submissions', cls, '--swarm', '--volume', `netlab-test-none-${process.pid}`, '--out', join(dir, 'none')], { env });
    expect(missing.code, missing.stderr).toBe(2);
    expect(missing.stderr).toMatch(/--volume netlab-test-none-\d+: no such volume on this engine; create it on every node first/);
    expect(await batchLeftovers()).toBe(0);

    const name = `netlab-test-class-${process.pid}`;
    await docker.createVolume({ Name: name });
    // The volume is what is tested here, not the guide: one scenario is enough.
    const guide = guideSubset(TOPOLOGY, (n) => n === 'login and logout');
    try {
      const mountpoint = ((await docker.getVolume(name).inspect()) as { Mountpoint: string }).Mountpoint;
      const one = join(dir, 'one');
      cpSync(join(cls, 'correct'), join(one, 'correct'), { recursive: true });
      const out = join(dir, 'out-volume');
      const r = await runLabCli(['grade', guide.file, '--submissions', one, '--swarm', '--volume', name, '--out', out], { env });
      expect(r.code, r.stderr).toBe(0);
      expect(r.stderr).toMatch(new RegExp(`volume ${name}\\)`));
      expect(guide.points).toBeGreaterThan(0);
      expect(JSON.parse(readFileSync(join(out, 'correct', 'results.json'), 'utf8')).score, r.stderr).toBe(guide.points);
      // The volume stays, and nothing of the batch is left on it.
      expect(readdirSync(mountpoint)).toEqual([]);
      expect(await batchLeftovers()).toBe(0);
    } finally {
      guide.remove();
      await docker.getVolume(name).remove().catch(() => undefined);
    }
  });
});
