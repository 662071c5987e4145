import { createHash } from 'node:crypto';
import { durationMs } from '../topology/duration.js';
import { lookup, render } from '../topology/template.js';
import { stepPattern } from './step-pattern.js';
import type { ScenarioSpec, StepShape } from '../topology/topology-schema.js';
import { ACTIONS } from '../topology/topology-schema.js';
import type { RuntimeNode } from '../runtime/runtime.js';
import type { NodeOutput } from './node-output.js';
import { AbortedError, StepError } from './scenario-errors.js';
import { fileStep } from './check-file.js';
import { delay, waitPort } from './wait.js';
export { delay, waitPort } from './wait.js';
import { describeStep } from './describe-step.js';

/** What the runner needs from a running lab; the lab controller provides it. */
export interface ScenarioHost {
  node(name: string): { runtime: RuntimeNode; output: NodeOutput } | undefined;
  /** Record a line typed into a node (for its transcript). */
  typed(node: string, text: string): void;
  /** Names usable in templates: vars, server, nodes, clients. */
  scope(): Record<string, unknown>;
  progress?(event: StepEvent): void;
  /** Called before a node is restarted/started, so outputs can mark a new incarnation. */
  beforeStart?(node: string): void;
}

export interface StepEvent {
  scenario: string;
  path: string;
  description: string;
  status: 'passed' | 'failed';
  ms: number;
  error?: string;
}

export interface StepRecord {
  path: string;
  description: string;
  status: 'passed' | 'failed' | 'skipped';
  ms: number;
}

export interface ScenarioResult {
  name: string;
  status: 'passed' | 'failed';
  ms: number;
  points: number;
  maxPoints: number;
  steps: StepRecord[];
  failure?: {
    step: string;
    description: string;
    message: string;
    node?: string;
    tail?: string;
    stepsLeft: string[];
    /** What the lab found out about why, when it could (e.g. a server bound to 127.0.0.1). */
    diagnosis?: string;
  };
}

interface Frame {
  vars: Record<string, unknown>;
  signal: AbortSignal;
  defaultTimeout: number;
}

class StepFailure extends Error {
  constructor(
    readonly path: string,
    readonly description: string,
    override readonly cause: Error,
    readonly node?: string,
  ) {
    super(cause.message);
  }
}

/**
 * Runs one scenario's steps against a lab. Steps run in order; a parallel block runs
 * its branches at once and the first failure stops the others. The first failing step
 * ends the scenario, and the result says which step, why, what the node printed last,
 * and which steps never ran.
 */
export async function runScenario(spec: ScenarioSpec, host: ScenarioHost, signal: AbortSignal, limitMs?: number): Promise<ScenarioResult> {
  const t0 = performance.now();
  const records: StepRecord[] = [];
  // The scenario's own signal: the run's (Ctrl-C) or the scenario's time limit, whichever first.
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  signal.addEventListener('abort', onAbort, { once: true });
  let overTime = false;
  const timer = limitMs ? setTimeout(() => ((overTime = true), ctl.abort()), limitMs) : undefined;
  const frame: Frame = { vars: {}, signal: ctl.signal, defaultTimeout: durationMs(spec.timeout, 10_000) };
  const maxPoints = spec.points ?? 0;
  try {
    await runSteps(spec.steps, '', frame, host, spec.name, records);
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
      },
    };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', onAbort);
  }
}

function flattenSteps(steps: StepShape[], prefix: string): { path: string; description: string }[] {
  return steps.flatMap((s, i) => {
    const path = `${prefix}${i + 1}`;
    const own = { path, description: describeStep(s) };
    if (s.parallel) {
      return [own, ...(s.parallel as unknown[]).flatMap((b, j) => flattenSteps(blockSteps(b), `${path}.${j + 1}.`))];
    }
    return [own];
  });
}

function blockSteps(b: unknown): StepShape[] {
  return Array.isArray(b) ? (b as StepShape[]) : ((b as { steps: StepShape[] }).steps ?? []);
}

async function runSteps(steps: StepShape[], prefix: string, frame: Frame, host: ScenarioHost, scenario: string, records: StepRecord[]): Promise<void> {
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
    const t = performance.now();
    let node: string | undefined;
    try {
      node = step.node !== undefined ? render(String(step.node), scope) : undefined;
      await runStep(step, path, node, scope, frame, host, scenario, records);
      const ms = performance.now() - t;
      records.push({ path, description, status: 'passed', ms });
      if (!step.parallel && !step.foreach) host.progress?.({ scenario, path, description, status: 'passed', ms });
    } catch (e) {
      if (e instanceof StepFailure || e instanceof AbortedError) throw e;
      const ms = performance.now() - t;
      records.push({ path, description, status: 'failed', ms });
      host.progress?.({ scenario, path, description, status: 'failed', ms, error: (e as Error).message });
      throw new StepFailure(path, description, e as Error, node);
    }
  }
}

function nodeOf(host: ScenarioHost, name: string | undefined, action: string) {
  if (!name) throw new StepError(`${action} needs node:`);
  const n = host.node(name);
  if (!n) throw new StepError(`no node named "${name}"`);
  return n;
}

function names(v: unknown, scope: Record<string, unknown>): string[] {
  return (Array.isArray(v) ? v : [v]).map((x) => render(String(x), scope));
}

async function runStep(
  step: StepShape,
  path: string,
  nodeName: string | undefined,
  scope: Record<string, unknown>,
  frame: Frame,
  host: ScenarioHost,
  scenario: string,
  records: StepRecord[],
): Promise<void> {
  const action = ACTIONS.find((k) => step[k] !== undefined)!;
  const timeout = durationMs(step.timeout as string | number | undefined, frame.defaultTimeout);
  const r = (v: unknown) => render(String(v), scope);
  switch (action) {
    case 'send': {
      const n = nodeOf(host, nodeName, 'send');
      const line = r(step.send);
      host.typed(nodeName!, line);
      try {
        await n.runtime.write(`${line}\n`);
      } catch {
        throw new StepError(`${nodeName} is not running (${n.output.exited ?? 'not started'}); cannot type "${line}"`, n.output.tail());
      }
      return;
    }
    case 'expect': {
      const n = nodeOf(host, nodeName, 'expect');
      const m = await n.output.expect(stepPattern(r(step.expect), step.literal as boolean), timeout, frame.signal);
      Object.assign(frame.vars, m.groups);
      return;
    }
    case 'absent': {
      const n = nodeOf(host, nodeName, 'absent');
      const hit = await n.output.absent(stepPattern(r(step.absent), step.literal as boolean), durationMs(step.timeout as string, 1000), frame.signal);
      if (hit !== undefined) throw new StepError(`${nodeName} printed "${hit}", which must not appear`, n.output.tail());
      return;
    }
    case 'file':
      return fileStep(step, nodeOf(host, nodeName, 'file'), r, frame);
    case 'digest': {
      const n = nodeOf(host, nodeName, 'digest');
      const file = r(step.digest);
      const data = await n.runtime.readFile(file);
      if (!data) throw new StepError(`${nodeName} has no file ${file}`);
      if (!step.as) throw new StepError('digest needs as: NAME');
      frame.vars[String(step.as)] = createHash('sha256').update(data).digest('hex');
      return;
    }
    case 'exit': {
      const n = nodeOf(host, nodeName, 'exit');
      const code = await n.output.waitEnd(timeout, frame.signal);
      if (step.exit !== 'any' && code !== `code ${step.exit}`) {
        throw new StepError(`${nodeName} ended with ${code}, expected code ${step.exit}`, n.output.tail());
      }
      return;
    }
    case 'start':
    case 'restart':
      await Promise.all(
        names(step[action], scope).map(async (name) => {
          const n = nodeOf(host, name, action);
          if (action === 'restart') await n.runtime.stop();
          host.beforeStart?.(name);
          await n.runtime.start();
        }),
      );
      return;
    case 'stop':
    case 'kill':
      await Promise.all(names(step[action], scope).map((name) => (action === 'stop' ? nodeOf(host, name, action).runtime.stop() : nodeOf(host, name, action).runtime.kill())));
      return;
    case 'wait_port': {
      const n = nodeOf(host, nodeName, 'wait_port');
      await waitPort(n.runtime.address, Number(step.wait_port), timeout, frame.signal);
      return;
    }
    case 'discard':
      for (const name of names(step.discard, scope)) nodeOf(host, name, 'discard').output.discard();
      return;
    case 'sleep':
      await delay(durationMs(step.sleep as string, 0), frame.signal);
      return;
    case 'set':
      for (const [k, v] of Object.entries(step.set as Record<string, unknown>)) frame.vars[k] = typeof v === 'string' ? r(v) : v;
      return;
    case 'exec': {
      const n = nodeOf(host, nodeName, 'exec');
      const argv = (step.exec as string[]).map(r);
      const res = await n.runtime.exec(argv, timeout);
      if (step.as) frame.vars[String(step.as)] = res.output.trim();
      if (res.code !== 0) throw new StepError(`${argv.join(' ')} exited with code ${res.code}`, res.output.slice(-300));
      return;
    }
    case 'parallel':
      return runParallel((step.parallel as unknown[]).map((b) => blockSteps(b)), path, frame, host, scenario, records, (frame) => frame);
    case 'foreach': {
      const fe = step.foreach as { items: unknown; as: string; parallel?: boolean; steps: StepShape[] };
      const items = typeof fe.items === 'string' ? lookup(scope, fe.items.replace(/^\{\{\s*|\s*\}\}$/g, '')) : fe.items;
      if (!Array.isArray(items)) throw new StepError(`foreach items is not a list: ${String(fe.items)}`);
      const withItem = (f: Frame, item: unknown): Frame => ({ ...f, vars: { ...f.vars, [fe.as]: item } });
      if (fe.parallel) {
        return runParallel(items.map(() => fe.steps), path, frame, host, scenario, records, (f, j) => withItem(f, items[j]));
      }
      for (let j = 0; j < items.length; j++) {
        await runSteps(fe.steps, `${path}.${j + 1}.`, withItem(frame, items[j]), host, scenario, records);
      }
      return;
    }
  }
}

async function runParallel(
  blocks: StepShape[][],
  path: string,
  frame: Frame,
  host: ScenarioHost,
  scenario: string,
  records: StepRecord[],
  frameFor: (f: Frame, index: number) => Frame,
): Promise<void> {
  const ctl = new AbortController();
  const onAbort = () => ctl.abort();
  frame.signal.addEventListener('abort', onAbort, { once: true });
  let first: unknown;
  await Promise.all(
    blocks.map(async (steps, j) => {
      const f = frameFor({ ...frame, vars: { ...frame.vars }, signal: ctl.signal }, j);
      try {
        await runSteps(steps, `${path}.${j + 1}.`, f, host, scenario, records);
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
