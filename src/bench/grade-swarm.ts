/**
 * `lab grade --swarm` against a plain batch: the same BlueTrace class (the fixture
 * variants, padded with copies of `correct`; NETLAB_BENCH_SWARM_CLASS submissions, 20 by
 * default) graded by `lab grade --submissions` and by `lab grade --swarm` on a one-node
 * swarm, both at --jobs = cores; the rates and the Swarm's overhead per submission (the
 * grader image, the volume, the tasks, the merge). A swarm is made on loopback for the run
 * and left again when the engine had none.
 */
import { spawn } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { materializeBluetrace } from './grade-bluetrace-class.js';
import { dockerClient, pingDocker } from '../runtime/docker/docker-client.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** One `lab grade` run: its wall time and the scores it wrote. */
function gradeRun(args: string[], out: string): Promise<{ s: number; scores: Record<string, number>; code: number | null }> {
  const t0 = performance.now();
  return new Promise((ok) => {
    const child = spawn(process.execPath, [join(root, 'dist', 'cli', 'main.js'), 'grade', join(root, 'topologies', 'grading', 'bluetrace.yaml'), ...args, '--out', out], {
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, NETLAB_SUBNET_POOL: process.env.NETLAB_SUBNET_POOL ?? '10.93.0.0/16' },
    });
    child.once('close', (code) => {
      const scores: Record<string, number> = {};
      for (const d of readdirSync(out, { withFileTypes: true })) {
        if (!d.isDirectory() || d.name === 'parts') continue;
        try {
          scores[d.name] = JSON.parse(readFileSync(join(out, d.name, 'results.json'), 'utf8')).score;
        } catch {
          // not graded
        }
      }
      ok({ s: (performance.now() - t0) / 1000, scores, code });
    });
  });
}

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const docker = dockerClient();
  if (!(await pingDocker(docker))) return { title: 'grading with --swarm', lines: ['skipped: grading needs a Docker engine'] };
  const size = Number(process.env.NETLAB_BENCH_SWARM_CLASS ?? 20);
  const all = mkdtempSync(join(tmpdir(), 'netlab-bench-swarm-all-'));
  await materializeBluetrace(root, all);
  const cls = mkdtempSync(join(tmpdir(), 'netlab-bench-swarm-class-'));
  // The hostile ones (fork bomb, endless output) and the JVM pair are left out: their time is not the Swarm's.
  const names = ['correct', 'no-lockout', 'short-tempid', 'no-beacon-expiry', 'wording', 'never-exits'].filter((n) => readdirSync(all).includes(n));
  for (const n of names.slice(0, size)) cpSync(join(all, n), join(cls, n), { recursive: true });
  renameSync(join(cls, 'correct'), join(cls, 'correct-01'));
  for (let i = 2; readdirSync(cls).length < size; i++) cpSync(join(cls, 'correct-01'), join(cls, `correct-${String(i).padStart(2, '0')}`), { recursive: true });
  rmSync(all, { recursive: true, force: true });
  const n = readdirSync(cls).length;
  const jobs = String(availableParallelism());

  const plain = await gradeRun(['--submissions', cls, '--jobs', jobs], mkdtempSync(join(tmpdir(), 'netlab-bench-plain-')));
  const made = (await docker.info()).Swarm?.LocalNodeState === 'inactive';
  const gw = (await docker.listNetworks({ filters: JSON.stringify({ name: ['docker_gwbridge'] }) })).length > 0;
  if (made) await docker.swarmInit({ ListenAddr: '127.0.0.1:2377', AdvertiseAddr: '127.0.0.1', DefaultAddrPool: ['10.94.0.0/16'], SubnetSize: 24 });
  let swarm;
  try {
    swarm = await gradeRun(['--submissions', cls, '--swarm', '--jobs', jobs], mkdtempSync(join(tmpdir(), 'netlab-bench-swarm-')));
  } finally {
    if (made) {
      await docker.swarmLeave({ force: true });
      if (!gw) await docker.getNetwork('docker_gwbridge').remove().catch(() => undefined);
    }
  }
  const same = Object.keys(plain.scores).length === n && Object.entries(plain.scores).every(([k, v]) => swarm.scores[k] === v);
  const overhead = (swarm.s - plain.s) / n;
  return {
    title: `grading with --swarm: ${n} BlueTrace submissions, --jobs ${jobs}, plain and on a one-node swarm`,
    lines: [
      `plain: ${((n / plain.s) * 60).toFixed(2)} submissions per minute (${plain.s.toFixed(0)} s, exit ${plain.code})`,
      `swarm: ${((n / swarm.s) * 60).toFixed(2)} submissions per minute (${swarm.s.toFixed(0)} s, exit ${swarm.code})`,
      `swarm overhead: ${overhead.toFixed(1)} s per submission (target under 5 s: ${overhead < 5 ? 'met' : 'NOT met'})`,
      `scores ${same ? 'the same in both' : `DIFFER: plain ${JSON.stringify(plain.scores)} swarm ${JSON.stringify(swarm.scores)}`}`,
    ],
  };
}
