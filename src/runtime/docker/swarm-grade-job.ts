import type Docker from 'dockerode';
import { NetlabError } from '../../model/netlab-error.js';
import { LABEL_OWNER, removeByLabel } from './docker-labels.js';
import { GRADER_ENV, HOST_PROC_MOUNT, LABEL_BATCH } from './grader-task-env.js';

/** `lab grade --swarm` could not run: no swarm, not a manager, or the engine refused the job. */
export class SwarmError extends NetlabError {}

/**
 * The engine must already be a swarm manager: netlab never initialises or joins a swarm
 * itself (that changes the engine for everything else on the host).
 */
export async function requireSwarmManager(docker: Docker): Promise<void> {
  const info = (await docker.info()) as { Swarm?: { LocalNodeState?: string; ControlAvailable?: boolean } };
  const state = info.Swarm?.LocalNodeState ?? 'inactive';
  if (state !== 'active') {
    throw new SwarmError(`--swarm needs a Docker engine in swarm mode, and this one is ${state}: run \`docker swarm init\` (or join a swarm) first, or grade without --swarm`);
  }
  if (!info.Swarm?.ControlAvailable) throw new SwarmError('--swarm needs a swarm manager: this engine is a worker; run lab grade on a manager node');
}

/** What one batch's job is made of. */
export interface SwarmJobSpec {
  batch: string;
  owner: string;
  /** The grader image by its full id (sha256:…): the engine never tries to pull an id. */
  imageId: string;
  /** The shell script each task runs; NETLAB_TASK_SLOT holds its slot (see taskSlotEnv). */
  script: string;
  env: Record<string, string>;
  shards: number;
  /** Tasks at once, across the swarm. */
  jobs: number;
  /** The volume holding the class and the results, and where it is mounted in the task. */
  volume: { name: string; target: string };
}

/** One slot's state, as the tasks of that slot show it. */
export interface SlotState {
  slot: number;
  state: string;
  attempts: number;
  error?: string;
}

export interface JobProgress {
  (slots: SlotState[]): void;
}

/** The states of a task that end it. */
const ENDED = new Set(['complete', 'failed', 'rejected', 'shutdown', 'orphaned', 'remove']);

/**
 * Runs the batch as one `replicated-job` service: `shards` tasks, `jobs` at once, each
 * retried once on failure (the restart policy), each grading its share through the
 * engine socket of the node it lands on, in the host's network namespace (as a plain
 * `lab grade` on that host: its readiness probes reach the lab networks). Resolves with
 * every slot's last state when each slot has completed or failed twice, or on abort.
 */
export async function runSwarmJob(docker: Docker, spec: SwarmJobSpec, signal: AbortSignal, progress: JobProgress, pollMs = 500): Promise<SlotState[]> {
  const labels = { [LABEL_BATCH]: spec.batch, [LABEL_OWNER]: spec.owner };
  const service = await docker.createService({
    Name: `netlab-grade-${spec.batch}`,
    Labels: labels,
    TaskTemplate: {
      ContainerSpec: {
        Image: spec.imageId,
        Labels: labels,
        Command: ['/bin/sh', '-c', spec.script],
        Env: Object.entries({ ...spec.env, [GRADER_ENV.hostProc]: HOST_PROC_MOUNT }).map(([k, v]) => `${k}=${v}`),
        Mounts: [
          { Type: 'bind', Source: '/var/run/docker.sock', Target: '/var/run/docker.sock' },
          { Type: 'volume', Source: spec.volume.name, Target: spec.volume.target },
          // The host's /proc: a node's socket table is read at its host pid (readiness of a UDP port).
          { Type: 'bind', Source: '/proc', Target: HOST_PROC_MOUNT, ReadOnly: true },
        ],
      },
      Networks: [{ Target: 'host' }],
      // One retry, at once: a task that failed twice is a shard the merge reports missing.
      RestartPolicy: { Condition: 'on-failure', MaxAttempts: 1, Delay: 0 },
    },
    Mode: { ReplicatedJob: { MaxConcurrent: spec.jobs, TotalCompletions: spec.shards } },
  } as unknown as Docker.CreateServiceOptions);
  const id = (service as unknown as { id?: string; ID?: string }).id ?? (service as unknown as { ID: string }).ID;
  let last: SlotState[] = [];
  while (!signal.aborted) {
    last = await slotStates(docker, id, spec.shards);
    progress(last);
    if (last.every((s) => s.state === 'complete' || (s.state !== 'pending' && ENDED.has(s.state) && s.attempts >= 2))) break;
    await new Promise<void>((ok) => {
      const t = setTimeout(ok, pollMs);
      signal.addEventListener('abort', () => (clearTimeout(t), ok()), { once: true });
    });
  }
  return last;
}

/** Each slot's newest task, and how many tasks it has had (a retry is a new task in the same slot). */
async function slotStates(docker: Docker, serviceId: string, shards: number): Promise<SlotState[]> {
  const tasks = (await docker.listTasks({ filters: JSON.stringify({ service: [serviceId] }) })) as {
    Slot?: number;
    CreatedAt?: string;
    Status?: { State?: string; Err?: string };
  }[];
  return Array.from({ length: shards }, (_, slot) => {
    const mine = tasks.filter((t) => (t.Slot ?? 0) === slot).sort((a, b) => (a.CreatedAt ?? '').localeCompare(b.CreatedAt ?? ''));
    const newest = mine.at(-1);
    const failed = mine.filter((t) => ['failed', 'rejected'].includes(t.Status?.State ?? ''));
    return { slot, state: newest?.Status?.State ?? 'pending', attempts: mine.length, error: failed.at(-1)?.Status?.Err };
  });
}

/**
 * Removes everything of a batch, by its label: the service (and so its tasks), then the
 * tasks' containers once the engine has removed them, then whatever labs the tasks left
 * (a killed task cannot tear its lab down), then the batch's volume. Safe to call twice.
 */
export async function removeSwarmBatch(docker: Docker, batch: string): Promise<{ services: number; volumes: number; labs: { containers: number; networks: number } }> {
  const filters = JSON.stringify({ label: [`${LABEL_BATCH}=${batch}`] });
  const services = (await docker.listServices({ filters })) as { ID: string }[];
  await Promise.all(services.map((s) => docker.getService(s.ID).remove().catch(ignore404)));
  // A job's ended tasks keep their containers after the service goes (seen on 20.10): they
  // carry the batch label, so they go here with any lab a killed task left, before the volume.
  const labs = await removeByLabel(docker, `${LABEL_BATCH}=${batch}`);
  const { Volumes } = (await docker.listVolumes({ filters })) as { Volumes: { Name: string }[] | null };
  await Promise.all((Volumes ?? []).map((v) => docker.getVolume(v.Name).remove({ force: true }).catch(ignore404)));
  return { services: services.length, volumes: (Volumes ?? []).length, labs };
}

function ignore404(e: { statusCode?: number }): void {
  if (e.statusCode !== 404) throw e;
}
