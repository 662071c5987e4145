import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import pino from 'pino';
import { NetlabError, exitCodeOf } from '../model/netlab-error.js';
import { renderNode, templateScope, type LabPlan } from '../topology/lab-plan.js';
import { durationMs } from '../topology/duration.js';
import { toPattern } from '../topology/pattern.js';
import type { Runtime } from '../runtime/runtime.js';
import type { WireQuery } from '../scenario/steps/step-kind.js';
import type { FaultSpec } from '../wire/fault-spec.js';
import { RuntimeError } from '../runtime/runtime.js';
import { notRunResult, runScenario, scenarioGates } from '../scenario/run-scenario.js';
import { delay, waitPort } from '../scenario/wait.js';
import { listenState } from '../runtime/socket-table.js';
import type { ScenarioResult, StepEvent } from '../model/scenario-result.js';
import type { LabResults, LabStatus } from '../model/lab-results.js';
import { AbortedError, StepError } from '../scenario/scenario-errors.js';
import type { ClockChange } from '../scenario/steps/step-kind.js';
import { Transcript } from '../report/transcript.js';
import { junitXml } from '../report/junit-xml.js';
import { describeExit, LabNode } from './lab-node.js';
import { registerLab, unregisterLab } from '../runtime/lab-registry.js';
import { LabWire, planWire, type CaptureMode } from './lab-wire.js';
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
  /** Called once every node started, before the scenarios (the live page starts watching here). */
  onStarted?: (nodes: LabNode[], runDir: string) => Promise<void>;
  /** Called once the lab is up and its scenarios ran, when keep is set: resolves when the user is done (local runtime, or --ui). */
  holdOpen?: (nodes: LabNode[], runDir: string, runId: string) => Promise<void>;
}

/** Thrown when a node cannot get started: exits at once, never becomes ready. */
class NodeStartError extends NetlabError {
  constructor(message: string, node: string, tail?: string) {
    super(message, { node, tail });
  }
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
  const wire = new LabWire(plan, wirePlan, runDir, runId);
  let wireSummary: LabResults['wire'];
  const log = pino({ base: { lab: plan.name, run: runId }, level: 'debug' }, pino.destination({ dest: runFiles.controllerLog(runDir), sync: true }));
  const phases: Record<string, number> = {};
  const nodes: LabNode[] = [];
  const transcripts: Transcript[] = [];
  const results: ScenarioResult[] = [];
  let addresses = new Map<string, string>();
  let error: LabResults['error'];
  let interrupted = false;
  let released = false;
  let nodeSummary: LabResults['nodes'];
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
    addresses = await timed('prepare', () =>
      runtime.prepare(plan, { runId, runDir, signal, keep: opts.keep, log: (m) => (reporter.info(m), log.info(m)), logger: log.child({ component: 'runtime' }) }),
    );
    Object.assign(phases, roundAll(runtime.phases));
    throwIfAborted(signal);
    await timed('capture', () => wire.startCapture(runtime, signal));
    const addressOf = (n: { name: string }) => addresses.get(n.name)!;

    // Every create settles before anything else happens: a failed one must not start
    // tear-down while others are still being created (they would be left behind).
    await timed('create', () =>
      settleAll(
        plan.nodes.map(async (n) => {
          const { command, env } = renderNode(plan, n, addressOf);
          mkdirSync(nodeFiles.dir(runDir, n.name), { recursive: true });
          const transcript = new Transcript(nodeFiles.transcript(runDir, n.name), t0);
          transcripts.push(transcript);
          const rn = await runtime.createNode(n, command, env);
          nodes.push(new LabNode(n, rn, command, rn.image, transcript));
        }),
      ),
    );
    nodes.sort((a, b) => plan.nodes.indexOf(a.plan) - plan.nodes.indexOf(b.plan));
    wire.nodesReady(runtime, nodes.map((n) => ({ name: n.name, address: n.runtime.address, pid: n.runtime.netnsPid ? () => n.runtime.netnsPid!() : undefined })));
    registerLab(opts.projectRoot, { lab: plan.name, runId, runtime: runtime.kind, runDir, file: resolve(plan.file), pid: process.pid, nodes: nodes.map((n) => ({ name: n.name, address: n.runtime.address })) });
    throwIfAborted(signal);

    await timed('start', () => startAll(nodes, signal, reporter));
    if (opts.onStarted) await opts.onStarted(nodes, runDir);

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
      moveClock: async (names: string[] | undefined, change: ClockChange) => {
        const targets = (names ?? nodes.map((n) => n.name)).map((name) => byName.get(name)!);
        const without = targets.filter((n) => !n.runtime.clock).map((n) => n.name);
        if (without.length) throw new StepError(`no controllable clock on ${without.join(', ')}`);
        for (const n of targets) {
          if (change.reset) n.runtime.clock!.reset();
          else n.runtime.clock!.advance(change.advanceMs);
          log.info({ node: n.name, clockOffsetMs: n.runtime.clock!.offsetMs }, 'clock moved');
        }
      },
    };
    const chosen = opts.noScenarios ? [] : opts.scenario ? plan.scenarios.filter((s) => s.name === opts.scenario) : plan.scenarios;
    if (opts.scenario && chosen.length === 0) {
      throw new RuntimeError(`no scenario named "${opts.scenario}" (scenarios: ${plan.scenarios.map((s) => s.name).join(', ')})`);
    }
    // Gates that failed in this run (gate: on a step), and the scenario that failed them.
    const closed = new Map<string, ScenarioResult>();
    await timed('scenarios', async () => {
      for (const s of chosen) {
        reporter.scenarioStart(s.name);
        const shut = [...scenarioGates(s)].find((g) => closed.has(g));
        if (shut) {
          const r = notRunResult(s, shut, closed.get(shut)!);
          results.push(r);
          reporter.scenarioEnd(r);
          log.info({ scenario: s.name, status: r.status, notRun: r.failure?.notRun }, 'scenario');
          continue;
        }
        wire.scenarioStarted(s.name);
        const r = await runScenario(s, host, signal, opts.scenarioLimitMs)
          .catch((e) => {
            // Interrupted mid-scenario: recorded as such (results.json names it), then the abort goes on.
            if (e instanceof AbortedError) results.push(interruptedScenario(s));
            throw e;
          })
          .finally(() => wire.scenarioEnded());
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
          const failures = await n.runtime.collect(nodeFiles.files(runDir, n.name)).catch((e: Error) => {
            log.warn({ node: n.name, err: e }, 'collect failed');
            return [{ path: '.', reason: e.message }];
          });
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
      });
      unregisterLab(opts.projectRoot, plan.name, runId);
    } else {
      wireSummary = await wire.close().catch((e: Error) => ({ note: `wire tear-down failed: ${e.message}` }));
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

/** The server first, ready before any client starts (a client connects at once); then every client at once. */
export async function startAll(nodes: LabNode[], signal: AbortSignal, reporter: LabReporter): Promise<void> {
  await startGroup(nodes.filter((n) => n.plan.role === 'server'), signal, reporter);
  await startGroup(nodes.filter((n) => n.plan.role !== 'server'), signal, reporter);
  // A node without a readiness check that already died is broken from the start.
  for (const n of nodes) {
    if (n.plan.autostart && n.lastExit && !n.lastExit.requested && n.lastExit.code !== 0) {
      throw new NodeStartError(`node ${n.name} exited at once (${describeExit(n.lastExit)})`, n.name, n.output.tail());
    }
  }
}

async function startGroup(nodes: LabNode[], signal: AbortSignal, reporter: LabReporter): Promise<void> {
  await Promise.all(
    nodes
      .filter((n) => n.plan.autostart)
      .map(async (n) => {
        await n.start();
        reporter.nodeStarted(n.name, n.runtime.address);
        const ready = n.plan.ready;
        if (!ready) return;
        const timeout = durationMs(ready.timeout, 15_000);
        const exited = new Promise<never>((_, reject) => {
          const check = () => {
            if (n.output.exited !== undefined) {
              reject(new NodeStartError(`node ${n.name} exited at once (${n.output.exited}) before it was ready`, n.name, n.output.tail()));
            }
          };
          n.runtime.onExit(() => setImmediate(check));
          check();
        });
        exited.catch(() => undefined);
        const watch = new AbortController();
        const forking = atProcessLimit(n, AbortSignal.any([signal, watch.signal]));
        forking.catch(() => undefined);
        try {
          if (ready.port) {
            const udp = ready.transport === 'udp';
            if (udp && !n.runtime.sockets) throw new NodeStartError(`node ${n.name}: ready on UDP port ${ready.port} needs a runtime that reads socket tables`, n.name, n.output.tail());
            const check = !udp && (ready.probe === 'connect' || !n.runtime.sockets) ? waitPort(n.runtime.address, ready.port, timeout, signal) : waitListening(n, ready.port, udp ? 'udp' : 'tcp', timeout, signal);
            await Promise.race([check, exited, forking]);
          }
          if (ready.output) await Promise.race([n.output.expect(toPattern(ready.output), timeout, signal, { consume: false }), exited, forking]);
        } catch (e) {
          if (e instanceof NodeStartError) throw e;
          if (n.output.exited !== undefined) {
            throw new NodeStartError(`node ${n.name} exited at once (${n.output.exited}) before it was ready`, n.name, n.output.tail());
          }
          if (e instanceof StepError) {
            const what = ready.port ? `${ready.transport === 'udp' ? 'a bound UDP socket' : 'a listening socket'} on port ${ready.port} at ${n.runtime.address}` : `output /${ready.output}/`;
            const none = n.output.received === 0 ? ' It printed nothing.' : '';
            throw new NodeStartError(`node ${n.name} was not ready within ${timeout / 1000}s (waiting for ${what}).${none}`, n.name, n.output.tail());
          }
          throw e;
        } finally {
          watch.abort();
        }
      }),
  );
}

/**
 * Rejects when a starting node stays at its process limit (three samples in a row, a second
 * or more apart): a program that keeps forking will never be ready, and waiting out the whole
 * readiness timeout (which allows for a build) only costs time. Never settles otherwise.
 */
async function atProcessLimit(n: LabNode, signal: AbortSignal): Promise<never> {
  // Only a node with a process limit can sit at it; the others cost no engine calls.
  if (!n.runtime.usage || !n.plan.limits.pids) return new Promise<never>(() => undefined);
  let full = 0;
  while (!signal.aborted) {
    const use = await n.runtime.usage().catch(() => undefined);
    full = use?.pids && use.pidsLimit && use.pids >= use.pidsLimit - 1 ? full + 1 : 0;
    if (full >= 3) {
      throw new NodeStartError(
        `node ${n.name} is at its process limit (${use!.pids} of ${use!.pidsLimit}) and never became ready: the program keeps creating processes (a fork bomb?)`,
        n.name,
        n.output.tail(),
      );
    }
    await delay(1000, signal).catch(() => undefined);
  }
  return new Promise<never>(() => undefined);
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

/**
 * Wait until the node listens on TCP `port` where other nodes reach it, reading its socket
 * table: nothing ever connects to the program, so a server that takes any connection for
 * a client is not disturbed. A server bound to loopback only counts when the node's
 * loopback policy (NETLAB_LOOPBACK allow|warn, applied by the bind shim) makes it
 * reachable; otherwise it is not ready, and the start fails at once with the reason.
 */
async function waitListening(n: LabNode, port: number, proto: 'tcp' | 'udp', timeoutMs: number, signal: AbortSignal): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  const loopbackOk = ['allow', 'warn'].includes(n.plan.env.NETLAB_LOOPBACK ?? '');
  let wait = 20;
  for (;;) {
    const sockets = await n.runtime.sockets!().catch(() => undefined);
    const state = sockets ? listenState(sockets, port, n.runtime.address, proto) : 'none';
    if (state === 'reachable' || (state === 'loopback' && loopbackOk)) return;
    if (state === 'loopback') {
      const on = sockets!.filter((s) => s.proto === proto && s.port === port).map((s) => `${s.ip}:${s.port}`);
      throw new NodeStartError(
        `node ${n.name} listens on ${on.join(', ')} only, so no other machine can reach it; it must listen on all interfaces (0.0.0.0, or '' in Python) or on its own address ${n.runtime.address}`,
        n.name,
        n.output.tail(),
      );
    }
    if (performance.now() + wait > deadline) throw new StepError(`nothing ${proto === 'udp' ? 'bound UDP' : 'listened on'} ${n.runtime.address}:${port} within ${(timeoutMs / 1000).toFixed(1)}s`);
    await delay(wait, signal);
    wait = Math.min(wait * 2, 200);
  }
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

