import { availableParallelism } from 'node:os';
import { join, resolve } from 'node:path';
import { mkdirSync } from 'node:fs';
import cliProgress from 'cli-progress';
import pino from 'pino';
import { loadTopology } from '../topology/load-topology.js';
import { chooseRuntime, runtimeOf } from '../runtime/choose-runtime.js';
import type { RuntimeKind } from '../runtime/runtime.js';
import { gradeBatch, gradeInto, type BatchProgress } from '../grade/grade-batch.js';
import type { GradeRole } from '../grade/submission-plan.js';
import type { SubmissionGrade } from '../grade/grade-submission.js';
import { TerminalReporter } from './terminal-reporter.js';
import { parseShard } from '../grade/shard.js';
import { EXIT, UsageError } from './exit-codes.js';
import { visible } from '../model/visible-text.js';
import type { LabPlan } from '../topology/lab-plan.js';
import { quietReporter } from '../lab/quiet-reporter.js';

export interface GradeCliOptions {
  submission?: string;
  submissions?: string;
  as: string;
  runtime: RuntimeKind | 'auto';
  jobs?: string;
  scenarioLabs?: string;
  force?: boolean;
  out?: string;
  json?: boolean;
  shard?: string;
  unsafeLocal?: boolean;
  swarm?: boolean;
  shards?: string;
  volume?: string;
}


/** `lab grade`: run submissions through a grading topology and score them. */
export async function grade(projectRoot: string, file: string, o: GradeCliOptions, signal: AbortSignal): Promise<number> {
  if (!o.submission === !o.submissions) throw new UsageError('give --submission DIR (one) or --submissions DIR (a folder of them)');
  if (o.shard && !o.submissions) throw new UsageError('--shard i/N splits a class: give --submissions DIR');
  if (o.volume && !o.swarm) throw new UsageError('--volume names the volume a --swarm batch works on: give --swarm too');
  const shard = o.shard ? parseShard(o.shard) : undefined;
  const askedLabs = o.scenarioLabs ? Number(o.scenarioLabs) : 1;
  if (!Number.isInteger(askedLabs) || askedLabs < 1) throw new UsageError(`--scenario-labs takes a positive whole number, not "${o.scenarioLabs}"`);
  const roles = o.as.split(',').map((r) => r.trim()) as GradeRole[];
  for (const r of roles) if (!['server', 'client', 'both'].includes(r)) throw new UsageError(`--as takes server, client or both (comma-separated), not "${r}"`);
  const plan = loadTopology(file);
  if (!plan.grading) throw new UsageError(`${file} has no grading: section (how a submission's server and client are started)`);
  if (o.swarm) return gradeSwarm(projectRoot, plan, roles, o, signal);
  // Student code runs in the sandbox (docker) unless the user asks, by name, for no sandbox.
  if (o.runtime === 'local' && !o.unsafeLocal) {
    throw new UsageError('--runtime local has no sandbox: the submissions would run as you, on this machine; pass --unsafe-local to grade that way on purpose (trusted code, or a sandbox of your own such as a pod)');
  }
  const first = o.unsafeLocal
    ? { runtime: await runtimeOf('local', projectRoot), why: 'asked for with --unsafe-local' }
    : await chooseRuntime('docker', projectRoot).catch((e: Error) => {
        throw new UsageError(`lab grade runs submissions in its sandbox, on a Docker engine, and ${e.message.replace(/; try --runtime local$/, '')}; start one, or pass --unsafe-local to grade unsandboxed as local processes`);
      });
  process.stderr.write(`grading with runtime ${first.runtime.kind} (${first.why})${first.runtime.trustedOnly ? '; WARNING: no sandbox (--unsafe-local): use it only for trusted code or inside a sandbox of your own' : ''}\n`);
  const kind = first.runtime.kind;
  // One runtime object per lab run: runs in a batch proceed at once, each with its own network.
  const runtime = async () => runtimeOf(kind, projectRoot);
  const outRoot = resolve(o.out ?? join('grades', plan.name));
  mkdirSync(outRoot, { recursive: true });
  const logger = pino({ base: { lab: plan.name }, level: 'debug' }, pino.destination({ dest: join(outRoot, 'grading.log'), sync: true }));
  // One submission's scenarios in several labs at once, each its own network; one lab at a time where the runtime needs it.
  const scenarioLabs = first.runtime.oneLabAtATime ? 1 : askedLabs;
  const common = { plan, roles, runtime, projectRoot, signal, outRoot, logger, scenarioLabs };

  if (o.submission) {
    const g = await gradeInto({ ...common, submissionDir: o.submission, reporter: new TerminalReporter() });
    printGrade(g, join(outRoot, g.submission));
    if (o.json) process.stdout.write(JSON.stringify(g, null, 2) + '\n');
    return signal.aborted ? EXIT.interrupted : EXIT.ok;
  }
  let jobs = o.jobs ? Number(o.jobs) : availableParallelism();
  if (!Number.isInteger(jobs) || jobs < 1) throw new UsageError(`--jobs takes a positive whole number, not "${o.jobs}"`);
  if (first.runtime.oneLabAtATime && jobs > 1) {
    process.stderr.write(`the ${kind} runtime grades one submission at a time (submissions may bind every address)\n`);
    jobs = 1;
  }
  const grades = await gradeBatch({ ...common, submissionsDir: o.submissions!, jobs, force: !!o.force, progress: progressBar(), reporter: () => quietReporter, shard });
  process.stderr.write(`\n${grades.length} submissions in ${join(outRoot, 'summary.md')} and summary.csv\n`);
  for (const g of grades) process.stderr.write(`  ${g.submission.padEnd(24)} ${String(g.score).padStart(6)} / ${g.max}\n`);
  if (o.json) process.stdout.write(JSON.stringify(grades, null, 2) + '\n');
  return signal.aborted ? EXIT.interrupted : EXIT.ok;
}

/** `lab grade --swarm`: the batch as a Swarm job, merged into --out (src/grade/swarm-grade.ts). */
async function gradeSwarm(projectRoot: string, plan: LabPlan, roles: GradeRole[], o: GradeCliOptions, signal: AbortSignal): Promise<number> {
  if (!o.submissions) throw new UsageError('--swarm grades a class: give --submissions DIR');
  if (o.shard) throw new UsageError('--swarm makes its own shards: give --shards N, not --shard i/N');
  if (o.unsafeLocal || o.runtime === 'local') throw new UsageError('--swarm runs submissions in the docker sandbox of each node; it has no local runtime');
  const whole = (v: string | undefined, what: string, dflt: number) => {
    const n = v ? Number(v) : dflt;
    if (!Number.isInteger(n) || n < 1) throw new UsageError(`${what} takes a positive whole number, not "${v}"`);
    return n;
  };
  const jobs = whole(o.jobs, '--jobs', availableParallelism());
  const shards = o.shards ? whole(o.shards, '--shards', 1) : undefined;
  const { dockerClient, pingDocker } = await import('../runtime/docker/docker-client.js');
  const docker = dockerClient();
  if (!(await pingDocker(docker))) throw new UsageError('--swarm needs a Docker engine (a swarm manager), and none answers');
  const outRoot = resolve(o.out ?? join('grades', plan.name));
  mkdirSync(outRoot, { recursive: true });
  const { swarmGrade } = await import('../grade/swarm-grade.js');
  let seen = '';
  const r = await swarmGrade({
    docker,
    plan,
    projectRoot,
    submissionsDir: resolve(o.submissions),
    outRoot,
    roles,
    jobs,
    shards,
    volume: o.volume,
    signal,
    say: (m) => process.stderr.write(`${m}\n`),
    // Progress from the tasks' states, printed when it changes.
    progress: (slots) => {
      const count = new Map<string, number>();
      for (const s of slots) count.set(s.state, (count.get(s.state) ?? 0) + 1);
      const line = [...count].map(([k, v]) => `${v} ${k}`).join(', ');
      const retried = slots.filter((s) => s.attempts > 1).length;
      const text = `tasks: ${line}${retried ? ` (${retried} retried)` : ''}`;
      if (text !== seen) process.stderr.write(`${(seen = text)}\n`);
    },
  });
  if (!r) return EXIT.interrupted;
  process.stderr.write(`\n${r.grades.length} submissions in ${join(outRoot, 'summary.md')} and summary.csv (swarm ${(r.ms.total / 1000).toFixed(1)} s, job ${(r.ms.job / 1000).toFixed(1)} s)\n`);
  for (const g of r.grades) process.stderr.write(`  ${visible(g.submission).padEnd(24)} ${String(g.score).padStart(6)} / ${g.max}\n`);
  for (const s of r.slots.filter((x) => x.state !== 'complete')) process.stderr.write(`task ${s.slot + 1} ended ${s.state} after ${s.attempts} attempt(s)${s.error ? `: ${s.error}` : ''}\n`);
  if (r.missing.length) process.stderr.write(`NOT graded: ${r.missing.join(', ')}\n`);
  if (o.json) process.stdout.write(JSON.stringify(r.grades, null, 2) + '\n');
  if (signal.aborted) return EXIT.interrupted;
  return r.missing.length || r.shardsMissing.length ? EXIT.scenarioFailed : EXIT.ok;
}

function printGrade(g: SubmissionGrade, dir: string): void {
  process.stderr.write(`\n${visible(g.submission)}: ${g.score} / ${g.max} (${g.roles.join(', ')})\n`);
  for (const s of g.scenarios) process.stderr.write(`  ${s.status === 'passed' ? '✓' : '✗'} ${g.roles.length > 1 ? `${s.role}: ` : ''}${s.name}  ${s.points}/${s.maxPoints}${s.failure ? `  (${visible(s.failure.message.slice(0, 120))})` : ''}\n`);
  process.stderr.write(`report: ${join(dir, 'report.md')}\n`);
}

/** A progress bar with the time left, on stderr. */
function progressBar(): BatchProgress {
  const bar = new cliProgress.SingleBar(
    { format: 'grading [{bar}] {value}/{total} submissions, ETA {eta_formatted} {last}', stream: process.stderr, hideCursor: true, noTTYOutput: true, notTTYSchedule: 5000 },
    cliProgress.Presets.shades_classic,
  );
  return {
    start: (total, skipped) => {
      if (skipped) process.stderr.write(`${skipped} already graded (use --force to grade again)\n`);
      bar.start(total, 0, { last: '' });
    },
    done: (g, n) => bar.update(n, { last: `| ${g.submission}: ${g.score}/${g.max}` }),
    stop: () => bar.stop(),
  };
}
