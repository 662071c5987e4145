import { setMaxListeners } from 'node:events';
import { durationMs } from '../topology/duration.js';
import { render } from '../topology/template.js';
import type { ScenarioSpec } from '../topology/topology-schema.js';
import type { ScenarioResult, StepEvent, StepRecord } from '../model/scenario-result.js';
import { AbortedError, ExpectTimeoutError, StepError } from './scenario-errors.js';
import { EXIT, NetlabError } from '../model/netlab-error.js';
import { stepPattern } from './step-pattern.js';
import { describeStep, stepKindOf } from './steps/step-registry.js';
import type { ClockChange, StepContext, StepNode, WireCount, WireQuery } from './steps/step-kind.js';
import type { FaultSpec } from '../wire/fault-spec.js';
import { delay, waitPort } from './wait.js';
import { searchText } from './match/search-text.js';

type Step = Record<string, unknown>;

/** What the runner needs from a running lab; the lab controller provides it. */
export interface ScenarioHost {
  node(name: string): StepNode | undefined;
  /** Record a line typed into a node (for its transcript). */
  typed(node: string, text: string): void;
  /** Names usable in templates: vars, server, nodes, clients. */
  scope(): Record<string, unknown>;
  progress?(event: StepEvent): void;
  /** Called before a node is restarted/started, so outputs can mark a new incarnation. */
  beforeStart?(node: string): void;
  /** The run's capture, for wire steps (absent when capture is off). */
  wire?(q: WireQuery): Promise<WireCount>;
  /** Faults in the network, for loss/partition/rate/heal steps (absent when the lab cannot). */
  fault?(f: FaultSpec): Promise<void>;
  /** Move nodes' wall clocks (all when undefined); absent when the lab has no clock. */
  moveClock?(nodes: string[] | undefined, change: ClockChange): Promise<void>;
}

interface Frame {
  vars: Record<string, unknown>;
  signal: AbortSignal;
  defaultTimeout: number;
}

interface Run {
  host: ScenarioHost;
  scenario: string;
  records: StepRecord[];
}

/** A step failed: which one, why, on which node (turned into the scenario's failure). */
class StepFailure extends NetlabError {
  constructor(
    readonly path: string,
    readonly description: string,
    override readonly cause: Error,
    node?: string,
    readonly gate?: string,
  ) {
    super(cause.message, { exitCode: EXIT.scenarioFailed, node });
  }
}

/**
 * Runs one scenario's steps against a lab. Steps run in order; a parallel block runs
 * its branches at once and the first failure stops the others. The first failing step
 * ends the scenario, and the result says which step, why, what the node printed last,
 * and which steps never ran. What each step does is its kind's (scenario/steps/).
 */
export async function runScenario(spec: ScenarioSpec, host: ScenarioHost, signal: AbortSignal, limitMs?: number): Promise<ScenarioResult> {
  const t0 = performance.now();
  const records: StepRecord[] = [];
  // The scenario's own signal: the run's (Ctrl-C) or the scenario's time limit, whichever first.
  const ctl = new AbortController();
  setMaxListeners(0, ctl.signal); // every waiting step of every node listens to it
  const onAbort = () => ctl.abort();
  // A signal that fired before we listen (Ctrl-C while nodes started) counts too.
  if (signal.aborted) throw new AbortedError();
  signal.addEventListener('abort', onAbort, { once: true });
  let overTime = false;
  const timer = limitMs ? setTimeout(() => ((overTime = true), ctl.abort()), limitMs) : undefined;
  const frame: Frame = { vars: {}, signal: ctl.signal, defaultTimeout: durationMs(spec.timeout, 10_000) };
  const maxPoints = spec.points ?? 0;
  const run: Run = { host, scenario: spec.name, records };
  try {
    await runSteps(spec.steps, '', frame, run);
    return { name: spec.name, status: 'passed', ms: performance.now() - t0, points: maxPoints, maxPoints, steps: records };
  } catch (e) {
    if (signal.aborted) throw new AbortedError();
    let f = e instanceof StepFailure ? e : new StepFailure('?', 'scenario', e as Error);
    if (overTime && !(e instanceof StepFailure)) {
      const running = flattenSteps(spec.steps, '').find((s) => !records.some((r) => r.path === s.path));
      f = new StepFailure(running?.path ?? '?', running?.description ?? 'scenario', new StepError(`the scenario's time limit of ${limitMs! / 1000}s was reached`));
    }
    const done = new Set(records.map((r) => r.path));
    const left = flattenSteps(spec.steps, '').filter((s) => !done.has(s.path) && s.path !== f.path);
    for (const s of left) records.push({ path: s.path, description: s.description, status: 'skipped', ms: 0 });
    return {
      name: spec.name,
      status: 'failed',
      ms: performance.now() - t0,
      points: 0,
      maxPoints,
      steps: records,
      failure: {
        step: f.path,
        description: f.description,
        message: f.cause.message,
        node: f.node,
        tail: f.cause instanceof StepError ? f.cause.tail : undefined,
        stepsLeft: left.map((s) => `${s.path} ${s.description}`),
        ...(overTime || f.cause instanceof ExpectTimeoutError ? { timedOut: true } : {}),
        ...(f.gate && !overTime ? { gate: f.gate } : {}),
      },
    };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

/** The gates a scenario passes through (gate: on any of its steps, nested ones included). */
export function scenarioGates(spec: ScenarioSpec): Set<string> {
  const out = new Set<string>();
  const walk = (steps: Step[]) => {
    for (const s of steps) {
      if (typeof s.gate === 'string') out.add(s.gate);
      for (const c of stepKindOf(s)?.refs?.(s).children ?? []) walk(c.steps as Step[]);
    }
  };
  walk(spec.steps);
  return out;
}

/**
 * The nodes a scenario names (in any step, nested ones too), or undefined when a name is
 * only known as it runs (a template): then every node counts as named.
 */
export function scenarioNodes(spec: ScenarioSpec): Set<string> | undefined {
  const out = new Set<string>();
  let unknown = false;
  // A name that is one variable of a foreach over a literal list (`{{ n }}`, `{{ p.node }}`)
  // is known once per item; any other template could name any node.
  const resolve = (name: string, bound: Record<string, unknown>): string | undefined => {
    const m = /^\{\{\s*([a-z_]\w*)(?:\.(\w+))?\s*\}\}$/i.exec(name);
    if (!m || !(m[1]! in bound)) return undefined;
    const v = bound[m[1]!];
    const field = m[2] === undefined ? v : v && typeof v === 'object' ? (v as Record<string, unknown>)[m[2]] : undefined;
    return typeof field === 'string' && !field.includes('{{') ? field : undefined;
  };
  const walk = (steps: Step[], bound: Record<string, unknown>) => {
    for (const s of steps) {
      const fe = (s as { foreach?: { items: unknown; as: string; steps: Step[] } }).foreach;
      if (fe && Array.isArray(fe.items)) {
        for (const item of fe.items) walk(fe.steps, { ...bound, [fe.as]: item });
        continue;
      }
      const refs = stepKindOf(s)?.refs?.(s);
      for (const r of refs?.nodes ?? []) {
        if (r.name === undefined) continue;
        const name = typeof r.name === 'string' && r.name.includes('{{') ? resolve(r.name, bound) : r.name;
        if (typeof name !== 'string') unknown = true;
        else out.add(name);
      }
      for (const c of refs?.children ?? []) walk(c.steps as Step[], bound);
    }
  };
  walk(spec.steps, {});
  return unknown ? undefined : out;
}

/**
 * A scenario not run because a gate it passes through already failed in an earlier
 * scenario of this run (e.g. the client never printed its first prompt): no points, the
 * reason once, no wait. It counts as timed out when the gate's failure did, so that a
 * grading retry runs it again along with the scenario that closed the gate.
 */
export function notRunResult(spec: ScenarioSpec, gate: string, closedBy: ScenarioResult): ScenarioResult {
  const f = closedBy.failure!;
  const steps = flattenSteps(spec.steps, '');
  return {
    name: spec.name,
    status: 'failed',
    ms: 0,
    points: 0,
    maxPoints: spec.points ?? 0,
    steps: steps.map((s) => ({ path: s.path, description: s.description, status: 'skipped', ms: 0 })),
    failure: {
      step: '-',
      description: 'scenario',
      message: `not run: "${gate}" already failed in scenario "${closedBy.name}" (${f.description}: ${f.message})`,
      node: f.node,
      stepsLeft: steps.map((s) => `${s.path} ${s.description}`),
      notRun: { gate, scenario: closedBy.name },
      ...(f.timedOut ? { timedOut: true } : {}),
    },
  };
}

/** Every step known ahead of time (parallel blocks expanded), for naming the skipped ones. */
function flattenSteps(steps: Step[], prefix: string): { path: string; description: string }[] {
  return steps.flatMap((s, i) => {
    const path = `${prefix}${i + 1}`;
    const own = { path, description: describeStep(s) };
    const blocks = stepKindOf(s)?.listed?.(s) ?? [];
    return [own, ...blocks.flatMap((b, j) => flattenSteps(b, `${path}.${j + 1}.`))];
  });
}

async function runSteps(steps: Step[], prefix: string, frame: Frame, run: Run): Promise<void> {
  const { host, scenario, records } = run;
  for (let i = 0; i < steps.length; i++) {
    if (frame.signal.aborted) throw new AbortedError();
    const step = steps[i];
    const path = `${prefix}${i + 1}`;
    const base = host.scope();
    const scope = { ...base, ...frame.vars, vars: { ...(base.vars as object), ...frame.vars } };
    let description = describeStep(step);
    try {
      description = describeStep(step, scope);
    } catch {
      /* the step itself will report the template error */
    }
    const kind = stepKindOf(step);
    const t = performance.now();
    let node: string | undefined;
    try {
      if (!kind) throw new StepError('a step needs one action');
      node = step.node !== undefined ? render(String(step.node), scope) : undefined;
      await kind.run(step, contextFor(step, path, node, scope, frame, run));
      const ms = performance.now() - t;
      records.push({ path, description, status: 'passed', ms });
      if (!kind.container) host.progress?.({ scenario, path, description, status: 'passed', ms });
    } catch (e) {
      if (e instanceof StepFailure || e instanceof AbortedError) throw e;
      const ms = performance.now() - t;
      records.push({ path, description, status: 'failed', ms });
      host.progress?.({ scenario, path, description, status: 'failed', ms, error: (e as Error).message });
      throw new StepFailure(path, description, e as Error, node, typeof step.gate === 'string' ? step.gate : undefined);
    }
  }
}

/** The StepContext a step kind runs with: this step's scope, deadline, node and nesting. */
function contextFor(step: Step, path: string, nodeName: string | undefined, scope: Record<string, unknown>, frame: Frame, run: Run): StepContext {
  const { host } = run;
  const nodeNamed = (name: string): StepNode => {
    const n = host.node(name);
    if (!n) throw new StepError(`no node named "${name}"`);
    return n;
  };
  const withVars = (f: Frame, vars?: Record<string, unknown>): Frame => ({ ...f, vars: { ...f.vars, ...vars } });
  const timeoutMs = durationMs(step.timeout as string | number | undefined, frame.defaultTimeout);
  const deadline = Date.now() + timeoutMs;
  return {
    path,
    scope,
    vars: frame.vars,
    signal: frame.signal,
    timeoutMs,
    render: (v) => render(String(v), scope),
    node: () => {
      if (!nodeName) throw new StepError(`${stepKindOf(step)?.kind ?? 'this step'} needs node:`);
      const n = nodeNamed(nodeName);
      // A live view: lastExit is read when the step looks, not when it asked for the node.
      return {
        name: nodeName,
        get runtime() {
          return n.runtime;
        },
        get output() {
          return n.output;
        },
        get lastExit() {
          return n.lastExit;
        },
      };
    },
    nodeNamed,
    typed: (node, line) => host.typed(node, line),
    beforeStart: (node) => host.beforeStart?.(node),
    pattern: stepPattern,
    search: (p, text) => searchText(p, text, Math.max(1, deadline - Date.now()), frame.signal),
    waitPort: (address, port, ms) => waitPort(address, port, ms, frame.signal),
    delay: (ms) => delay(ms, frame.signal),
    moveClock: async (nodes, change) => {
      if (!host.moveClock) throw new StepError('this lab has no controllable clock');
      await host.moveClock(nodes, change);
    },
    runSteps: (steps, prefix, vars) => runSteps(steps, prefix, withVars(frame, vars), run),
    runParallel: (blocks) => runParallel(blocks, path, frame, run),
    wire: async (q) => {
      if (!host.wire) throw new StepError('a wire step needs the capture, which is off for this run (see docs/wire.md)');
      return host.wire(q);
    },
    fault: async (f) => {
      if (!host.fault) throw new StepError(`a ${f.kind} step needs faults, which this lab cannot put in (see docs/wire.md)`);
      return host.fault(f);
    },
  };
}

async function runParallel(blocks: { steps: Step[]; vars?: Record<string, unknown> }[], path: string, frame: Frame, run: Run): Promise<void> {
  const ctl = new AbortController();
  setMaxListeners(0, ctl.signal);
  const onAbort = () => ctl.abort();
  if (frame.signal.aborted) throw new AbortedError();
  frame.signal.addEventListener('abort', onAbort, { once: true });
  let first: unknown;
  await Promise.all(
    blocks.map(async (b, j) => {
      const f: Frame = { ...frame, vars: { ...frame.vars, ...b.vars }, signal: ctl.signal };
      try {
        await runSteps(b.steps, `${path}.${j + 1}.`, f, run);
      } catch (e) {
        // A sibling stopped by our own abort reports AbortedError: not the cause.
        if (!(e instanceof AbortedError) || frame.signal.aborted) first ??= e;
        ctl.abort();
      }
    }),
  );
  frame.signal.removeEventListener('abort', onAbort);
  if (first !== undefined) throw first;
}
