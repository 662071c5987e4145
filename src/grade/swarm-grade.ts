import { cpSync, existsSync, mkdirSync, readdirSync, rmSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { basename, dirname, join, resolve } from 'node:path';
import type Docker from 'dockerode';
import type { LabPlan } from '../topology/lab-plan.js';
import { ensureLabImage } from '../images/node-image.js';
import { ensureGradingImage } from '../images/grading-image.js';
import { ensureGraderImage } from '../images/grader-image.js';
import { GRADER_ENV, LABEL_BATCH } from '../runtime/docker/grader-task-env.js';
import { LABEL_OWNER } from '../runtime/docker/docker-labels.js';
import { ownerTag } from '../runtime/run-lease.js';
import { removeSwarmBatch, requireSwarmManager, runSwarmJob, SwarmError, type SlotState } from '../runtime/docker/swarm-grade-job.js';
import { mergeGrades, type MergeResult } from './merge-grades.js';
import type { GradeRole } from './submission-plan.js';

export interface SwarmGradeOptions {
  docker: Docker;
  plan: LabPlan;
  projectRoot: string;
  submissionsDir: string;
  outRoot: string;
  roles: GradeRole[];
  /** Tasks at once across the swarm. */
  jobs: number;
  /** Shares (tasks) in all; default one a submission. */
  shards?: number;
  /**
   * A volume the user made on every node (NFS or similar across machines): the batch
   * works in a folder of its own on it and removes only that folder. Default: a volume the
   * batch makes and removes, which only one node has.
   */
  volume?: string;
  signal: AbortSignal;
  say: (line: string) => void;
  progress?: (slots: SlotState[]) => void;
}

export interface SwarmGradeResult extends MergeResult {
  batch: string;
  slots: SlotState[];
  /** What was removed afterwards. */
  removed: { services: number; volumes: number; labs: { containers: number; networks: number } };
  ms: { images: number; job: number; total: number };
}

/**
 * The shell each task runs. Its shard is its slot + 1: a replicated job's slots count
 * from 0, and the engine's {{.Task.Slot}} template renders slot 0 as the node id (as for
 * a global service), so anything not a number is slot 0.
 */
function taskScript(topology: string, submissions: string, shards: number, parts: string, roles: GradeRole[]): string {
  const q = (s: string) => `'${s.replace(/'/g, `'\\''`)}'`;
  return [
    'case "$NETLAB_TASK_SLOT" in (""|*[!0-9]*) i=1 ;; (*) i=$((NETLAB_TASK_SLOT + 1)) ;; esac',
    `exec node /opt/netlab-grader/dist/cli/main.js grade ${q(topology)} --submissions ${q(submissions)} --shard "$i/${shards}" --out ${q(parts)}/"$i" --jobs 1 --as ${q(roles.join(','))}`,
  ].join('\n');
}

/**
 * `lab grade --swarm`: the class graded as a Docker Swarm job. The class, a copy of the
 * topology's folder and the results live on one volume, labelled with the batch, mounted
 * in every task at the path the engine's host has it, so a file a task's lab bind-mounts
 * (the clock folder of a run, the preload libraries) is where the engine looks. After the
 * job, the shard outputs are merged into --out and the service, its tasks, the volume and
 * any lab a task left are removed, by label, also when aborted.
 */
export async function swarmGrade(o: SwarmGradeOptions): Promise<SwarmGradeResult> {
  const t0 = performance.now();
  await requireSwarmManager(o.docker);
  const names = readdirSync(o.submissionsDir, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name);
  if (!names.length) throw new SwarmError(`${o.submissionsDir} holds no submission folders`);
  const shards = Math.min(o.shards ?? names.length, names.length);
  const batch = randomBytes(4).toString('hex');
  const owner = ownerTag(o.projectRoot);
  const progress = (m: string) => (/^(reusing|using|Step|--->|Removing|Successfully)/.test(m) ? undefined : o.say(m));
  let removed: SwarmGradeResult['removed'] = { services: 0, volumes: 0, labs: { containers: 0, networks: 0 } };
  let result: SwarmGradeResult | undefined;
  /** The batch's folder on a volume of the user's: removed afterwards, the volume left. */
  let ownFolder: string | undefined;
  try {
    // The images every task's labs use, built here (a task cannot build them) and named by tag.
    const [node, grading] = await Promise.all([
      ensureLabImage(o.docker, { projectRoot: o.projectRoot, pull: 'never', onProgress: progress, signal: o.signal }),
      ensureGradingImage(o.docker, { projectRoot: o.projectRoot, packages: o.plan.grading?.packages, onProgress: progress, signal: o.signal }),
    ]);
    const grader = await ensureGraderImage(o.docker, { projectRoot: o.projectRoot, gradingTag: grading.tag, onProgress: progress, signal: o.signal });
    const imageId = (await o.docker.getImage(grader.tag).inspect()).Id;
    const tImages = performance.now() - t0;

    const volume = o.volume ?? `netlab-grade-${batch}`;
    if (!o.volume) await o.docker.createVolume({ Name: volume, Labels: { [LABEL_BATCH]: batch, [LABEL_OWNER]: owner } });
    const info = (await o.docker
      .getVolume(volume)
      .inspect()
      .catch((e: { statusCode?: number }) => {
        if (e.statusCode === 404) throw new SwarmError(`--volume ${volume}: no such volume on this engine; create it on every node first (docs/cluster.md, "A class on three hosts")`);
        throw e;
      })) as { Mountpoint: string };
    // The tasks see the volume at the path its host has it (a file a task's lab bind-mounts
    // must be where the engine looks); on a volume of the user's, in a folder of this batch.
    const mountpoint = info.Mountpoint;
    const base = o.volume ? join(mountpoint, `netlab-grade-${batch}`) : mountpoint;
    if (o.volume) ownFolder = base;
    const work = { subs: join(base, 'submissions'), topo: join(base, 'topology'), parts: join(base, 'parts'), binds: join(base, 'binds') };
    for (const n of names) cpSync(join(o.submissionsDir, n), join(work.subs, n), { recursive: true });
    cpSync(dirname(resolve(o.plan.file)), work.topo, { recursive: true, filter: (src) => !/(^|\/)(node_modules|\.git)$/.test(src) });
    mkdirSync(work.parts, { recursive: true });
    o.say(`swarm batch ${batch}: ${names.length} submissions in ${shards} tasks, ${o.jobs} at once (service netlab-grade-${batch}, volume ${volume})`);

    const t1 = performance.now();
    const slots = await runSwarmJob(
      o.docker,
      {
        batch,
        owner,
        imageId,
        script: taskScript(join(work.topo, basename(o.plan.file)), work.subs, shards, work.parts, o.roles),
        env: {
          NETLAB_TASK_SLOT: '{{.Task.Slot}}',
          // Its own name in leases: a task shares the host's hostname but not its pids.
          NETLAB_LEASE_HOST: 'netlab-task-{{.Task.ID}}',
          [GRADER_ENV.batch]: batch,
          [GRADER_ENV.bindDir]: work.binds,
          [GRADER_ENV.images]: `netlab=${node.tag} grading=${grading.tag}`,
          NETLAB_PULL: 'never',
          ...(process.env.NETLAB_SUBNET_POOL ? { NETLAB_SUBNET_POOL: process.env.NETLAB_SUBNET_POOL } : {}),
        },
        shards,
        jobs: o.jobs,
        volume: { name: volume, target: mountpoint },
      },
      o.signal,
      (s) => o.progress?.(s),
    );
    const tJob = performance.now() - t1;
    // The parts are copied out before the volume goes; the merge is built from the copies.
    const parts = join(o.outRoot, 'parts');
    rmSync(parts, { recursive: true, force: true });
    if (existsSync(work.parts)) cpSync(work.parts, parts, { recursive: true });
    const dirs = existsSync(parts) ? readdirSync(parts).map((d) => join(parts, d)) : [];
    const merged = dirs.length ? mergeGrades(dirs, o.outRoot) : { grades: [], missing: [...names].sort(), shardsMissing: [], outDir: o.outRoot };
    // A shard whose task never finished left no shard.json to name the class: say whose share it was.
    const failedShards = slots.filter((s) => s.state !== 'complete').map((s) => `${s.slot + 1}/${shards}`);
    result = { ...merged, shardsMissing: [...new Set([...merged.shardsMissing, ...failedShards])], batch, slots, removed, ms: { images: tImages, job: tJob, total: performance.now() - t0 } };
  } finally {
    removed = await removeSwarmBatch(o.docker, batch);
    if (ownFolder) rmSync(ownFolder, { recursive: true, force: true });
    if (result) result.removed = removed;
    o.say(`swarm batch ${batch} removed: ${removed.services} service, ${removed.volumes} volume, ${removed.labs.containers} lab containers and ${removed.labs.networks} networks left by tasks`);
  }
  return result;
}
