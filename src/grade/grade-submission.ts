import { setMaxListeners } from 'node:events';
import { mkdirSync } from 'node:fs';
import type { Logger } from 'pino';
import type { ScenarioResult } from '../model/scenario-result.js';
import { basename, join, resolve } from 'node:path';
import type { LabPlan } from '../topology/lab-plan.js';
import type { Runtime } from '../runtime/runtime.js';
import { runLab, type LabReporter, type LabResults } from '../lab/run-lab.js';
import type { GradedScenario, SubmissionGrade } from '../model/grade-results.js';
import { detectSubmission } from './detect-submission.js';
import { LOOPBACK_LOG, planWithSubmission, type GradeRole } from './submission-plan.js';
import { diagnoseServer } from './diagnose-listening.js';
import { loopbackNotes } from './loopback-notes.js';
import { buildOnce } from './build-once.js';
import { retryTimeouts, runSteady } from './grade-reruns.js';
import { missingLibrary } from '../model/crash-signs.js';
import { scenarioGroups } from './scenario-groups.js';

export type { SubmissionGrade } from '../model/grade-results.js';

export interface GradeOptions {
  plan: LabPlan;
  submissionDir: string;
  roles: GradeRole[];
  runtime: () => Promise<Runtime>;
  projectRoot: string;
  outDir: string;
  signal: AbortSignal;
  reporter: LabReporter;
  /** The grading log (grades/<lab>/grading.log): what was detected, how each role went. */
  logger?: Logger;
  /** isolation: scenario: this many labs at once for one submission's scenarios (default 1; --scenario-labs). */
  scenarioLabs?: number;
}

const round = (n: number) => Math.round(n * 100) / 100;

/**
 * Grade one submission: for each role it plays, a full lab run with the submission in
 * that place, every scenario scored. A lab that cannot even start (the server never
 * listens, the build fails) scores zero on every scenario, with the reason.
 */
export async function gradeSubmission(opts: GradeOptions): Promise<SubmissionGrade> {
  const t0 = performance.now();
  const dir = resolve(opts.submissionDir);
  const name = basename(dir);
  const grade: SubmissionGrade = { submission: name, dir, roles: opts.roles, score: 0, max: 0, ms: 0, scenarios: [], runs: [] };
  const log = opts.logger?.child({ submission: name });
  let launch;
  try {
    launch = detectSubmission(dir);
    grade.language = launch.language;
    log?.info({ language: launch.language }, 'submission detected');
  } catch (e) {
    log?.warn({ err: e }, 'submission not gradable');
    for (const role of opts.roles) {
      grade.runs.push({ role, error: (e as Error).message });
      grade.scenarios.push(...opts.plan.scenarios.map((s) => zero(s.name, s.points ?? 0, role, (e as Error).message)));
    }
    return finish(grade, t0);
  }
  // Java: compiled once, in a sandboxed build node, and every graded node runs the classes.
  let source = dir;
  const built = await buildOnce({ plan: opts.plan, dir, launch, runtime: opts.runtime, projectRoot: opts.projectRoot, runsDir: join(opts.outDir, 'runs'), signal: opts.signal, reporter: opts.reporter }).catch((e) => {
    log?.warn({ err: e }, 'build once failed; each node builds');
    return undefined;
  });
  if (built) {
    source = built.dir;
    launch = built.launch;
    log?.info({ ms: built.ms, dir: built.dir }, 'built once');
  }
  for (const role of opts.roles) {
    let results: LabResults | undefined;
    try {
      const { plan, limits, notes } = planWithSubmission(opts.plan, source, role, launch);
      if (notes.length) grade.skipped = notes;
      const ctl = new AbortController();
      setMaxListeners(0, ctl.signal);
      const onAbort = () => ctl.abort();
      opts.signal.addEventListener('abort', onAbort, { once: true });
      let overTime = false;
      const timer = setTimeout(() => ((overTime = true), ctl.abort()), limits.submissionMs);
      const runsDir = join(opts.outDir, 'runs');
      mkdirSync(runsDir, { recursive: true });
      const serverName = plan.nodes.find((n) => n.role === 'server')!.name;
      // The diagnosis reads TCP listeners only: a UDP server (QUIC) gets none.
      const port = plan.grading?.server?.transport === 'udp' ? undefined : plan.grading?.server?.port;
      /** One lab run of this role: the graded run, and any run that grades timeouts again. */
      const labRun = async (p: LabPlan) => {
        const runtime = await opts.runtime();
        if (runtime.trustedOnly) grade.unsandboxed = true;
        return runLab({
          plan: p,
          runtime,
          projectRoot: opts.projectRoot,
          runsDir,
          signal: ctl.signal,
          reporter: opts.reporter,
          scenarioLimitMs: limits.scenarioMs,
          diagnose: role === 'client' ? undefined : (node) => diagnoseServer(node(serverName), port),
        });
      };
      const note = (line: string) => (grade.reruns = [...(grade.reruns ?? []), `${role}: ${line}`]);
      const steadyRun = (p: LabPlan, what: string) => runSteady(labRun, p, what, () => ctl.signal.aborted || overTime, note, log);
      // isolation: scenario: each group of scenarios in a lab of its own, all at once.
      const groups = plan.isolation === 'scenario' ? scenarioGroups(plan.scenarios, opts.scenarioLabs ?? 1) : [plan.scenarios];
      let parts: LabResults[];
      try {
        parts = await Promise.all(
          groups.map(async (scenarios, i) => {
            const part = groups.length > 1 ? { ...plan, scenarios } : plan;
            const r = await steadyRun(part, groups.length > 1 ? `lab ${i + 1} of ${groups.length}` : 'the lab');
            if (!overTime && !r.error && !ctl.signal.aborted) await retryTimeouts(part, r, (p) => steadyRun(p, 'the lab grading timeouts again'), ctl.signal, note, log);
            return r;
          }),
        );
      } finally {
        clearTimeout(timer);
        opts.signal.removeEventListener('abort', onAbort);
      }
      results = parts[0]!;
      if (opts.signal.aborted) {
        interrupted(grade, opts.plan, role, parts.flatMap((r) => r.scenarios), results.runDir);
        break;
      }
      /** Each scenario's result, with the lab it ran in (its transcripts are there). */
      const graded = new Map<string, { r: ScenarioResult; part: LabResults }>();
      const partOf = new Map<string, LabResults>();
      parts.forEach((part, i) => groups[i]!.forEach((s) => partOf.set(s.name, part)));
      for (const part of parts) {
        // A library the image lacks, said in words: from the start that failed, or from a scenario's crash.
        if (part.error) part.error.diagnosis = joined(part.error.diagnosis, missingLibrary(part.error.tail));
        for (const r of part.scenarios) {
          const missing = r.failure && !r.failure.notRun ? [r.failure.tail, ...(r.crashes ?? []).map((c) => c.stderr)].map(missingLibrary).find(Boolean) : undefined;
          if (missing) r.failure!.diagnosis = joined(r.failure!.diagnosis, missing);
          graded.set(r.name, { r, part });
        }
      }
      const why = (part: LabResults) =>
        overTime
          ? `the submission's time limit of ${limits.submissionMs / 1000}s was reached`
          : part.error
            ? `the lab could not run: ${part.error.message}${part.error.diagnosis ? `; ${part.error.diagnosis}` : ''}`
            : 'not run';
      for (const s of opts.plan.scenarios) {
        const g = graded.get(s.name);
        const part = partOf.get(s.name) ?? results;
        if (g) grade.scenarios.push({ ...g.r, role, ...(parts.length > 1 ? { runDir: g.part.runDir } : {}) });
        else grade.scenarios.push(zero(s.name, s.points ?? 0, role, why(part), part.error?.tail, !!part.error));
      }
      if ((plan.grading?.loopback ?? 'warn') === 'warn') {
        const taken = plan.nodes.filter((n) => n.env.NETLAB_LOOPBACK).map((n) => n.name);
        const notes = [...new Set(parts.flatMap((part) => loopbackNotes(part.runDir, taken, LOOPBACK_LOG)))];
        if (notes.length) grade.notes = [...(grade.notes ?? []), ...notes];
      }
      for (const part of parts) {
        grade.runs.push({ role, runDir: part.runDir, error: part.error?.message, diagnosis: part.error?.diagnosis, ...(part.error?.tail ? { tail: part.error.tail, node: part.error.node } : {}), phases: part.phases });
        log?.info({ role, status: part.status, runDir: part.runDir, error: part.error?.message }, 'role graded');
      }
    } catch (e) {
      if (opts.signal.aborted) {
        interrupted(grade, opts.plan, role, [], results?.runDir);
        break;
      }
      log?.error({ role, err: e }, 'role could not be graded');
      grade.runs.push({ role, runDir: results?.runDir, error: (e as Error).message });
      grade.scenarios.push(...opts.plan.scenarios.map((s) => zero(s.name, s.points ?? 0, role, (e as Error).message)));
    }
  }
  return finish(grade, t0);
}

/** Ctrl-C: keep what was graded in this role, zero the rest with the reason, and the roles not reached. */
function interrupted(grade: SubmissionGrade, plan: LabPlan, role: GradeRole, done: ScenarioResult[], runDir?: string): void {
  grade.interrupted = true;
  const byName = new Map(done.map((s) => [s.name, s]));
  for (const r of grade.roles.slice(grade.roles.indexOf(role))) {
    for (const s of plan.scenarios) {
      const d = r === role ? byName.get(s.name) : undefined;
      grade.scenarios.push(d ? { ...d, role } : zero(s.name, s.points ?? 0, r, 'interrupted (Ctrl-C) before this scenario finished', undefined, false));
    }
    grade.runs.push({ role: r, runDir: r === role ? runDir : undefined, error: 'interrupted (Ctrl-C)' });
  }
}

/** A scenario that got nothing; `wholeRun` when the reason is the role's run (the report says it once, at the top). */
function zero(name: string, points: number, role: GradeRole, message: string, tail?: string, wholeRun = true): GradedScenario {
  return { name, role, status: 'failed', ms: 0, points: 0, maxPoints: points, steps: [], failure: { step: '-', description: 'the lab', message, tail, stepsLeft: [], ...(wholeRun ? { wholeRun } : {}) } };
}

function finish(g: SubmissionGrade, t0: number): SubmissionGrade {
  g.score = round(g.scenarios.reduce((t, s) => t + s.points, 0));
  g.max = round(g.scenarios.reduce((t, s) => t + s.maxPoints, 0));
  g.ms = Math.round(performance.now() - t0);
  return g;
}

/** Two diagnoses in one line, either possibly absent. */
function joined(a: string | undefined, b: string | undefined): string | undefined {
  return a && b ? `${a}; ${b}` : (a ?? b);
}
