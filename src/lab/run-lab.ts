import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { exitCodeOf } from '../model/netlab-error.js';
import { renderNode, templateScope, type LabPlan } from '../topology/lab-plan.js';
import type { Runtime } from '../runtime/runtime.js';
import type { WireQuery } from '../scenario/steps/step-kind.js';
import type { FaultSpec } from '../wire/fault-spec.js';
import { RuntimeError, type CollectFailure } from '../runtime/runtime.js';
import { notRunResult, runScenario, scenarioGates, scenarioNodes } from '../scenario/run-scenario.js';
import type { ScenarioResult, StepEvent } from '../model/scenario-result.js';
import type { LabResults, LabStatus } from '../model/lab-results.js';
import { AbortedError } from '../scenario/scenario-errors.js';
import { Transcript } from '../report/transcript.js';
import { junitXml } from '../report/junit-xml.js';
import { describeExit, LabNode } from './lab-node.js';
import { registerLab, unregisterLab } from '../runtime/lab-registry.js';
import { startAll } from './start-nodes.js';
import { clockMover } from './move-clock.js';
import { LabWire, planWire, type CaptureMode, type KeptWire } from './lab-wire.js';
import { watchCrashes } from './crash-watch.js';
import { nodeFiles, runFiles } from '../model/run-paths.js';

export type { LabResults } from '../model/lab-results.js';

/** Progress a person can follow; the CLI prints it on stderr. */
export interface LabReporter {
  phase(name: string, detail?: string): void;
  nodeStarted(name: string, ip: string): void;
  scenarioStart(name: string): void;
  step(event: StepEvent): void;
  scenarioEnd(result: ScenarioResult): void;
  info(message: string): void;
}

export interface RunLabOptions {
  plan: LabPlan;
  runtime: Runtime;
  projectRoot: string;
  runsDir: string;
  scenario?: string;
  /** Bring the lab up without running any scenario (with keep: a lab to play with). */
  noScenarios?: boolean;
  keep?: boolean;
  signal: AbortSignal;
  reporter: LabReporter;
  /** Look at the live lab after a failure (grading): returns a sentence for the report. */
  diagnose?: (node: (name: string) => LabNode | undefined) => Promise<string | undefined>;
  /** Time limit for each scenario (grading); none by default. */
  scenarioLimitMs?: number;
  /** Packet capture: auto (when tcpdump and root are there), on (required), off. Default auto. */
  capture?: CaptureMode;
  /**
   * Called once every node started, before the scenarios (the live page starts watching
   * here); wire says how a replay on the held lab captures and puts faults in.
   */
  onStarted?: (nodes: LabNode[], runDir: string, wire: KeptWire) => Promise<void>;
  /** Called once the lab is up and its scenarios ran, when keep is set: resolves when the user is done (local runtime, or --ui). */
  holdOpen?: (nodes: LabNode[], runDir: string, runId: string) => Promise<void>;
}

function stamp(d: Date): string {
  return d.toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
}

/**
 * The life of one lab run: prepare, create, start, scenarios, collect, tear down.
 * Tear-down runs whatever happened before it (a failed scenario, a crashed node,
 * Ctrl-C), and the run folder then holds everything collected up to that moment.
 */
export async function runLab(opts: RunLabOptions): Promise<LabResults> {
  const { plan, runtime, reporter, signal } = opts;
  const started = new Date();
  const t0 = performance.now();
  const runId = Math.random().toString(16).slice(2, 10);
  // Refused before anything exists: wire steps without a capture, faults without root, delay without netem.
  const wirePlan = planWire(plan, opts.capture ?? 'auto', runtime.kind);
  if (wirePlan.warning) reporter.info(wirePlan.warning);
  const runDir = makeRunDir(opts.runsDir, `${plan.name}-${stamp(started)}`);
  const wire = new LabWire(plan, wirePlan, runDir, runId, runtime.kind);
  let wireSummary: LabResults['wire'];
  const log = pino({ base: { lab: plan.name, run: runId }, level: 'debug' }, pino.destination({ dest: runFiles.controllerLog(runDir), sync: true }));
  const phases: Record<string, number> = {};
  const nodes: LabNode[] = [];
  const transcripts: Transcript[] = [];
  const results: ScenarioResult[] = [];
  let error: LabResults['error'];
  let interrupted = false;
  let released = false;
  let nodeSummary: LabResults['nodes'];
  // Earlier incarnations' folders still being copied out (isolation: scenario).
  const keeping: Promise<void>[] = [];
  const keptFailures = new Map<string, CollectFailure[]>();
  const noteCollectFailures = (node: string, failures: CollectFailure[], where: string) => {
    keptFailures.set(node, [...(keptFailures.get(node) ?? []), ...failures.map((f) => ({ ...f, path: `${where}/${f.path}` }))]);
  };
  const timed = async <T>(name: string, fn: () => Promise<T>): Promise<T> => {
    const t = performance.now();
    reporter.phase(name);
    log.info({ phase: name }, 'phase start');
    try {
      return await fn();
    } finally {
      phases[name] = Math.round(performance.now() - t);
      log.info({ phase: name, ms: phases[name] }, 'phase end');
    }
  };

  try {
    const lab = await timed('prepare', () =>
      runtime.prepare(plan, { runId, runDir, signal, keep: opts.keep, log: (m) => (reporter.info(m), log.info(m)), logger: log.child({ component: 'runtime' }) }),
    );
    Object.assign(phases, roundAll(lab.phases));
    throwIfAborted(signal);
    // The capture starts while the nodes are created (nothing runs yet, so nothing is
    // missed); both settle before anything else, so a failure tears down no half-made part.
    const capturing = timed('capture', () => wire.startCapture(lab, signal));
    capturing.catch(() => undefined);
    const addressOf = (n: { name: string }) => lab.addresses.get(n.name)!;

    // Every create settles before anything else happens: a failed one must not start
    // tear-down while others are still being created (they would be left behind).
    const creating = timed('create', () =>
      settleAll(
        plan.nodes.map(async (n) => {
          const { command, env } = renderNode(plan, n, addressOf);
          mkdirSync(nodeFiles.dir(runDir, n.name), { recursive: true });
          const transcript = new Transcript(nodeFiles.transcript(runDir, n.name), t0);
          transcripts.push(transcript);
          const rn = await lab.createNode(n, command, env);
          nodes.push(new LabNode(n, rn, command, rn.image, transcript));
        }),
      ),
    );
    await settleAll<unknown>([creating, capturing]);
    nodes.sort((a, b) => plan.nodes.indexOf(a.plan) - plan.nodes.indexOf(b.plan));
    wire.nodesReady(lab, nodes.map((n) => ({ name: n.name, address: n.runtime.address, pid: n.runtime.netnsPid ? () => n.runtime.netnsPid!() : undefined })));
    registerLab(opts.projectRoot, { lab: plan.name, runId, runtime: runtime.kind, runDir, file: resolve(plan.file), pid: process.pid, nodes: nodes.map((n) => ({ name: n.name, address: n.runtime.address })), capture: opts.capture ?? 'auto' });
    throwIfAborted(signal);

    const chosen = opts.noScenarios ? [] : opts.scenario ? plan.scenarios.filter((s) => s.name === opts.scenario) : plan.scenarios;
    if (opts.scenario && chosen.length === 0) {
      throw new RuntimeError(`no scenario named "${opts.scenario}" (scenarios: ${plan.scenarios.map((s) => s.name).join(', ')})`);
    }
    // isolation: scenario: the servers and the nodes the first scenario names; the others start when a scenario names them.
    const isolated = plan.isolation === 'scenario' && chosen.length > 1;
    const startsFor = (s: (typeof chosen)[number]) => {
      const named = scenarioNodes(s);
      return nodes.filter((n) => n.plan.role === 'server' || !named || named.has(n.name));
    };
    await timed('start', () => startAll(isolated ? startsFor(chosen[0]) : nodes, signal, reporter));
    if (opts.onStarted) await opts.onStarted(nodes, runDir, { capture: opts.capture ?? 'auto', wireTarget: lab.wireTarget?.bind(lab) });

    const scope = () => templateScope(plan, addressOf);
    const byName = new Map(nodes.map((n) => [n.name, n]));
    const host = {
      node: (name: string) => byName.get(name),
      typed: (name: string, line: string) => byName.get(name)?.typed(line),
      scope,
      progress: (e: StepEvent) => (reporter.step(e), log.info(e, 'step')),
      beforeStart: (name: string) => byName.get(name)?.beforeStart(),
      wire: wire.hasCapture() ? (q: WireQuery) => wire.query(q) : undefined,
      fault: wire.hasFaults() ? (f: FaultSpec) => wire.fault(f) : undefined,
      moveClock: clockMover(nodes, log),
    };
    // Gates that failed in this run (gate: on a step), and the scenario that failed them.
    const closed = new Map<string, ScenarioResult>();
    // isolation: scenario: before every scenario but the first, each node the last ones
    // started is made fresh (its files as placed, its clock at zero), and the servers and
    // the clients this scenario names start again as at lab start. A start that fails is
    // this scenario's failure, and the next scenario tries again.
    // The 1-based number of the last scenario that ran: its nodes' files are kept under
    // files-after/scenario-<n>, the n of results.json and the report.
    let lastRan = 0;
    const makeFresh = async (s: (typeof chosen)[number], after: number): Promise<ScenarioResult | undefined> => {
      const t = performance.now();
      try {
        // A node this scenario does not use is only stopped (parked): it is made fresh when a
        // later scenario wants it, or collected as it is at the end. Making fresh costs an engine
        // container and a program start each, so only the nodes that start now pay it.
        const wanted = new Set(startsFor(s));
        const dirty = nodes.filter((n) => n.startedAt !== undefined || n.parkedAfter !== undefined);
        const parking = settleAll(dirty.filter((n) => !wanted.has(n) && n.parkedAfter === undefined).map((n) => n.park(after)));
        parking.catch(() => undefined);
        const resets = new Map(
          dirty.filter((n) => wanted.has(n)).map((n) => {
            const leftBy = n.parkedAfter ?? after;
            const where = `files-after/scenario-${leftBy}`;
            const r = n.reset(nodeFiles.filesAfter(runDir, n.name, leftBy)).then(({ kept }) => {
              keeping.push(kept.then(
                (failures) => (failures && failures.length ? noteCollectFailures(n.name, failures, where) : undefined),
                (e: Error) => noteCollectFailures(n.name, [{ path: '.', reason: e.message }], where),
              ));
            });
            return [n, r] as const;
          }),
        );
        // Every reset settles, even when the start fails: none is left half done.
        const allReset = settleAll([...resets.values()]);
        allReset.catch(() => undefined);
        await startAll([...wanted], signal, reporter, (n) => resets.get(n) ?? Promise.resolve());
        await allReset;
        await parking;
        log.debug({ scenario: s.name, ms: Math.round(performance.now() - t) }, 'fresh nodes started');
        return undefined;
      } catch (e) {
        if (e instanceof AbortedError || signal.aborted) throw e;
        const err = e as Error & { node?: string; tail?: string };
        const diagnosis = opts.diagnose ? await opts.diagnose(host.node).catch(() => undefined) : undefined;
        log.warn({ scenario: s.name, err }, 'fresh start failed');
        return {
          name: s.name, status: 'failed', ms: performance.now() - t, points: 0, maxPoints: s.points ?? 0, steps: [],
          failure: { step: '-', description: 'fresh start for this scenario', message: err.message, node: err.node, tail: err.tail, stepsLeft: [], diagnosis, timedOut: /not ready within/.test(err.message) || undefined },
        };
      } finally {
        phases.fresh = (phases.fresh ?? 0) + Math.round(performance.now() - t);
      }
    };
    await timed('scenarios', async () => {
      for (const [i, s] of chosen.entries()) {
        reporter.scenarioStart(s.name);
        const shut = [...scenarioGates(s)].find((g) => closed.has(g));
        if (shut) {
          const r = notRunResult(s, shut, closed.get(shut)!);
          results.push(r);
          reporter.scenarioEnd(r);
          log.info({ scenario: s.name, status: r.status, notRun: r.failure?.notRun }, 'scenario');
          continue;
        }
        const after = lastRan;
        lastRan = i + 1;
        if (isolated && after > 0) {
          const fresh = await makeFresh(s, after);
          if (fresh) {
            results.push(fresh);
            reporter.scenarioEnd(fresh);
            log.info({ scenario: s.name, status: fresh.status, failure: fresh.failure }, 'scenario');
            continue;
          }
        }
        wire.scenarioStarted(s.name);
        const crashed = watchCrashes(nodes);
        const r = await runScenario(s, host, signal, opts.scenarioLimitMs)
          .catch((e) => {
            // Interrupted mid-scenario: recorded as such (results.json names it), then the abort goes on.
            if (e instanceof AbortedError) results.push(interruptedScenario(s));
            throw e;
          })
          .finally(() => wire.scenarioEnded());
        const crashes = crashed();
        if (crashes.length) r.crashes = crashes;
        if (r.failure && opts.diagnose) r.failure.diagnosis = await opts.diagnose(host.node).catch(() => undefined);
        if (r.failure?.gate && !closed.has(r.failure.gate)) closed.set(r.failure.gate, r);
        results.push(r);
        reporter.scenarioEnd(r);
        log.info({ scenario: s.name, status: r.status, ms: Math.round(r.ms), failure: r.failure }, 'scenario');
      }
    });
    if (opts.keep && opts.holdOpen) {
      await opts.holdOpen(nodes, runDir, runId);
      // Ctrl-C (or `lab down`) is how a held lab is let go: the end of the hold, not an interruption.
      released = signal.aborted;
    }
  } catch (e) {
    if (e instanceof AbortedError || signal.aborted) {
      interrupted = true;
      reporter.info('interrupted: tearing down');
    } else {
      const err = e as Error & { node?: string; tail?: string; hint?: string };
      const byName = new Map(nodes.map((n) => [n.name, n]));
      const diagnosis = opts.diagnose ? await opts.diagnose((name) => byName.get(name)).catch(() => undefined) : undefined;
      error = { kind: err.name ?? 'Error', message: err.message, exitCode: exitCodeOf(e), node: err.node, tail: err.tail, hint: err.hint, diagnosis };
      log.error({ err }, 'lab error');
    }
  } finally {
    // How each node ended, before tear-down kills what still runs.
    nodeSummary = nodes.map((n) => ({
      name: n.name,
      role: n.plan.role,
      ip: n.runtime.address,
      image: n.image,
      command: n.command,
      id: n.runtime.id,
      exitCode: n.lastExit?.code ?? null,
      exit: n.lastExit ? describeExit(n.lastExit) + (n.lastExit.requested ? ' (stopped by the lab)' : '') : n.runtime.running() ? 'running until tear-down' : 'never started',
      firstOutputMs: n.firstOutputAt !== undefined ? Math.round(n.firstOutputAt - t0) : undefined,
      outputDropped: n.output.dropped || undefined,
      transcriptDropped: n.transcriptDropped || undefined,
    }));
    for (const n of nodeSummary) {
      if (n.outputDropped) reporter.info(`${n.name} printed more than the lab keeps: ${n.outputDropped} characters were never searched (NETLAB_OUTPUT_RING)`);
    }
    // A lab this process held open (local, or --ui) ends with it; a kept Docker lab otherwise stays.
    const keepRunning = opts.keep && !interrupted && !error && runtime.kind === 'docker' && !opts.holdOpen;
    await timed('collect', () =>
      Promise.all(
        nodes.map(async (n) => {
          const last = await n.runtime.collect(nodeFiles.files(runDir, n.name)).catch((e: Error) => {
            log.warn({ node: n.name, err: e }, 'collect failed');
            return [{ path: '.', reason: e.message }];
          });
          await Promise.all(keeping);
          const failures = [...(keptFailures.get(n.name) ?? []), ...(last ?? [])];
          const summary = nodeSummary.find((s) => s.name === n.name);
          if (failures && failures.length && summary) {
            summary.collectFailures = failures;
            reporter.info(`${n.name}: ${failures.length} files not collected (${failures.slice(0, 3).map((f) => `${f.path}: ${f.reason}`).join('; ')}${failures.length > 3 ? '; …' : ''})`);
          }
        }),
      ),
    );
    if (!keepRunning) {
      // Faults out and the capture complete before the network goes.
      wireSummary = await timed('wire', () => wire.close()).catch((e: Error) => ({ note: `wire tear-down failed: ${e.message}` }));
      await timed('teardown', async () => {
        nodes.forEach((n) => n.closeTerminal());
        // A tear-down that fails is recorded, never thrown: results.json is written whatever happens.
        await runtime.destroy().catch((e: Error) => {
          log.error({ err: e }, 'tear-down failed');
          reporter.info(`tear-down failed: ${e.message}`);
          error ??= { kind: e.name ?? 'Error', message: `tear-down failed: ${e.message}`, exitCode: exitCodeOf(e) };
        });
        // tcpdump winds down beside the nodes (its file already holds every scenario packet).
        wireSummary = await wire.finish().catch((e: Error) => ({ ...wireSummary, note: `capture did not end cleanly: ${e.message}` }));
      });
      unregisterLab(opts.projectRoot, plan.name, runId);
    } else {
      wireSummary = await wire.close().catch((e: Error) => ({ note: `wire tear-down failed: ${e.message}` }));
      wireSummary = await wire.finish().catch((e: Error) => ({ ...wireSummary, note: `capture did not end cleanly: ${e.message}` }));
      reporter.info(`lab kept running: ./lab attach <node>, ./lab down ${plan.name}`);
    }
    await Promise.all(transcripts.map((t) => t.close()));
  }

  // Ctrl-C during collection or tear-down interrupts the run too (exit 130), after tear-down finished.
  if (signal.aborted && !released) interrupted = true;
  const status: LabStatus = interrupted ? 'interrupted' : error ? 'error' : results.every((r) => r.status === 'passed') ? 'passed' : 'failed';
  const res: LabResults = {
    lab: plan.name,
    file: plan.file,
    runId,
    runtime: runtime.kind,
    runDir,
    status,
    startedAt: started.toISOString(),
    ms: Math.round(performance.now() - t0),
    phases,
    nodes: nodeSummary,
    scenarios: results,
    score: { points: sum(results.map((r) => r.points)), max: sum(results.map((r) => r.maxPoints)) },
    error,
    wire: wireSummary,
  };
  writeFileSync(runFiles.results(runDir), JSON.stringify(res, null, 2) + '\n');
  writeFileSync(runFiles.junit(runDir), junitXml(plan.name, results, error ? `${error.message}` : undefined));
  log.info({ status, ms: res.ms }, 'run end');
  log.flush?.();
  return res;
}

/** Like Promise.all, but waits for every promise to settle before throwing the first failure. */
async function settleAll<T>(ps: Promise<T>[]): Promise<T[]> {
  const all = await Promise.allSettled(ps);
  const bad = all.find((r): r is PromiseRejectedResult => r.status === 'rejected');
  if (bad) throw bad.reason;
  return all.map((r) => (r as PromiseFulfilledResult<T>).value);
}

/** A scenario stopped by Ctrl-C: no points, the reason, so it is never silently missing from results. */
function interruptedScenario(s: { name: string; points?: number }): ScenarioResult {
  const maxPoints = s.points ?? 0;
  return { name: s.name, status: 'failed', ms: 0, points: 0, maxPoints, steps: [], failure: { step: '-', description: 'scenario', message: 'interrupted (Ctrl-C)', stepsLeft: [] } };
}

function throwIfAborted(signal: AbortSignal): void {
  if (signal.aborted) throw new AbortedError();
}

function makeRunDir(runsDir: string, base: string): string {
  mkdirSync(runsDir, { recursive: true });
  for (let i = 0; ; i++) {
    const dir = join(runsDir, i === 0 ? base : `${base}-${i}`);
    try {
      mkdirSync(dir);
      mkdirSync(runFiles.nodes(dir));
      return dir;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
    }
  }
}

const sum = (xs: number[]) => Math.round(xs.reduce((a, b) => a + b, 0) * 100) / 100;
const roundAll = (o: Record<string, number>) => Object.fromEntries(Object.entries(o).map(([k, v]) => [k, Math.round(v)]));

