import { randomBytes } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { LabPlan } from '../topology/lab-plan.js';
import { templateScope } from '../topology/lab-plan.js';
import type { ScenarioResult } from '../model/scenario-result.js';
import type { LabEvent, LabInfo, NodeInfo, NodeOp } from './live-events.js';
import { runScenario } from '../scenario/run-scenario.js';
import { UsageError } from '../model/netlab-error.js';
import { junitXml } from '../report/junit-xml.js';
import { describeExit, type LabNode } from './lab-node.js';
import type { LabReporter } from './run-lab.js';
import { startAll } from './start-nodes.js';
import { clockMover } from './move-clock.js';
import { runFiles } from '../model/run-paths.js';
import type { RuntimeKind } from '../runtime/runtime.js';
import type { WireSummary } from '../model/lab-results.js';
import { LabWire, planWire, type KeptWire, type WirePlan } from './lab-wire.js';

export type { LabEvent, LabInfo, NodeInfo, NodeOp } from './live-events.js';

/**
 * A running lab seen from outside: what the control socket and the live page need, and
 * nothing more. Held in-process (HeldLab) or reached through a control socket (RemoteLab).
 */
export interface LiveLab {
  info(): Promise<LabInfo>;
  /** Receive every event from now on, after a replay of recent output and steps. */
  subscribe(cb: (e: LabEvent) => void): () => void;
  write(node: string, text: string): Promise<void>;
  control(op: NodeOp, node: string): Promise<void>;
  /** Replay one scenario; aborting the signal (Ctrl-C) stops it, its faults taken out. */
  run(scenario: string, signal?: AbortSignal): Promise<ScenarioResult>;
}

/** How a kept lab replays its scenarios on the wire, and the signal that ends its holder (a replay in flight stops with it). */
export interface HeldLabOptions {
  wire: KeptWire;
  signal?: AbortSignal;
}

const HISTORY_BYTES = 64 * 1024;

/** The lab's nodes, held by this process. */
export class HeldLab implements LiveLab {
  private readonly listeners = new Set<(e: LabEvent) => void>();
  private readonly history = new Map<string, string>();
  private readonly steps: LabEvent[] = [];
  private busy = false;
  /** The replay in flight, settled: the holder waits for it (its faults out) before tearing down. */
  private current: Promise<unknown> = Promise.resolve();

  constructor(
    readonly plan: LabPlan,
    readonly nodes: LabNode[],
    readonly runDir: string,
    readonly runtimeKind: RuntimeKind,
    private readonly opts: HeldLabOptions,
  ) {
    for (const n of nodes) {
      n.runtime.onOutput((stream, chunk) => {
        const text = chunk.toString('utf8');
        this.history.set(n.name, ((this.history.get(n.name) ?? '') + text).slice(-HISTORY_BYTES));
        this.emit({ type: 'output', node: n.name, stream, text });
      });
      n.onTyped((text) => this.emit({ type: 'typed', node: n.name, text }));
      n.onStart(() => setImmediate(() => this.emit({ type: 'state', node: this.nodeInfo(n) })));
      n.runtime.onExit(() => setImmediate(() => this.emit({ type: 'state', node: this.nodeInfo(n) })));
    }
  }

  /** Tell every watcher; scenario events are also kept for pages that open later. */
  emit(e: LabEvent): void {
    if (e.type !== 'output' && e.type !== 'typed' && e.type !== 'state') {
      this.steps.push(e);
      if (this.steps.length > 2000) this.steps.shift();
    }
    for (const l of this.listeners) l(e);
  }

  /** A reporter that also tells this lab's watchers. */
  reporter(inner: LabReporter): LabReporter {
    return liveReporter(inner, () => this);
  }

  nodeInfo(n: LabNode): NodeInfo {
    const running = n.runtime.running();
    return {
      name: n.name,
      role: n.plan.role,
      ip: n.runtime.address,
      image: n.image ?? n.runtime.image,
      state: running ? 'running' : n.lastExit ? 'exited' : 'not started',
      exit: !running && n.lastExit ? describeExit(n.lastExit) : undefined,
    };
  }

  async info(): Promise<LabInfo> {
    return { lab: this.plan.name, runtime: this.runtimeKind, runDir: this.runDir, nodes: this.nodes.map((n) => this.nodeInfo(n)), scenarios: this.plan.scenarios.map((s) => s.name) };
  }

  subscribe(cb: (e: LabEvent) => void): () => void {
    for (const [node, text] of this.history) cb({ type: 'output', node, stream: 'stdout', text });
    for (const e of this.steps) cb(e);
    this.listeners.add(cb);
    return () => this.listeners.delete(cb);
  }

  private node(name: string): LabNode {
    const n = this.nodes.find((x) => x.name === name);
    if (!n) throw new UsageError(`lab ${this.plan.name} has no node "${name}" (nodes: ${this.nodes.map((x) => x.name).join(', ')})`);
    return n;
  }

  async write(node: string, text: string): Promise<void> {
    await this.node(node).type(text);
  }

  async control(op: NodeOp, name: string): Promise<void> {
    const n = this.node(name);
    if (op === 'stop') return n.runtime.stop();
    if (op === 'restart') await n.runtime.stop();
    await n.start();
  }

  /**
   * Replay one scenario on the lab as it would run in `lab up`: every node is restarted
   * (server first, ready before the clients), then the steps run; the result goes into
   * the run folder under replays/<time>-<scenario>/, with the replay's own capture
   * (capture.pcap, sequence.md) and fault rules, all taken out when it ends whatever
   * happens (failure, Ctrl-C, the lab going down). A scenario whose wire steps need a
   * capture this machine cannot make is refused before any node restarts (exit 2).
   */
  async run(scenario: string, signal: AbortSignal = new AbortController().signal, inner?: LabReporter): Promise<ScenarioResult> {
    const spec = this.plan.scenarios.find((s) => s.name === scenario);
    if (!spec) throw new UsageError(`no scenario named "${scenario}" (scenarios: ${this.plan.scenarios.map((s) => s.name).join(', ')})`);
    if (this.busy) throw new UsageError(`a scenario is already running on lab ${this.plan.name}`);
    const plan = { ...this.plan, scenarios: [spec] };
    const wirePlan = planWire(plan, this.opts.wire.capture, this.runtimeKind);
    this.busy = true;
    const replay = this.replay(plan, wirePlan, this.opts.signal ? AbortSignal.any([signal, this.opts.signal]) : signal, this.reporter(inner ?? quietReporter));
    this.current = replay.catch(() => undefined);
    try {
      return await replay;
    } finally {
      this.busy = false;
    }
  }

  /** Settles once no replay is in flight (its capture stopped, its faults out). */
  idle(): Promise<unknown> {
    return this.current;
  }

  private async replay(plan: LabPlan, wirePlan: WirePlan, signal: AbortSignal, reporter: LabReporter): Promise<ScenarioResult> {
    const spec = plan.scenarios[0];
    if (wirePlan.warning) reporter.info(wirePlan.warning);
    const stamp = new Date().toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
    const dir = join(runFiles.replays(this.runDir), `${stamp}-${spec.name.replace(/[^\w.-]+/g, '-').slice(0, 60)}`);
    mkdirSync(dir, { recursive: true });
    // An id of its own: its fault chain (NETLAB-<id>) is never the run's, which may still hold one.
    const replayId = randomBytes(4).toString('hex');
    const wire = new LabWire(plan, wirePlan, dir, replayId, this.runtimeKind);
    const source = { wireTarget: this.opts.wire.wireTarget };
    let r: ScenarioResult | undefined;
    let error: Error | undefined;
    let wireSummary: WireSummary | undefined;
    try {
      await Promise.all(this.nodes.map((n) => n.runtime.stop()));
      // A replay starts from the lab's own time, as lab up does: every moved clock back to zero.
      for (const n of this.nodes) n.runtime.clock?.reset();
      await wire.startCapture(source, signal);
      await startAll(this.nodes, signal, reporter);
      wire.nodesReady(source, this.nodes.map((n) => ({ name: n.name, address: n.runtime.address, pid: n.runtime.netnsPid ? () => n.runtime.netnsPid!() : undefined })));
      const byName = new Map(this.nodes.map((n) => [n.name, n]));
      const addressOf = (n: { name: string }) => byName.get(n.name)!.runtime.address;
      reporter.scenarioStart(spec.name);
      wire.scenarioStarted(spec.name);
      r = await runScenario(
        spec,
        {
          node: (name) => byName.get(name),
          typed: (name, line) => byName.get(name)?.typed(line),
          scope: () => templateScope(this.plan, addressOf),
          progress: (e) => reporter.step(e),
          beforeStart: (name) => byName.get(name)?.beforeStart(),
          wire: wire.hasCapture() ? (q) => wire.query(q) : undefined,
          fault: wire.hasFaults() ? (f) => wire.fault(f) : undefined,
          moveClock: clockMover(this.nodes),
        },
        signal,
      ).finally(() => wire.scenarioEnded());
      reporter.scenarioEnd(r);
      return r;
    } catch (e) {
      error = e as Error;
      throw e;
    } finally {
      // Faults out (and looked for again), the capture complete, the diagrams written.
      wireSummary = await wire.close().catch((e: Error) => ({ note: `wire tear-down failed: ${e.message}` }));
      wireSummary = await wire.finish().catch((e: Error) => ({ ...wireSummary, note: `capture did not end cleanly: ${e.message}` }));
      if (wireSummary.faults?.left.length) reporter.info(`fault rules left after the replay: ${wireSummary.faults.left.join('; ')}`);
      const status = r?.status ?? (signal.aborted ? 'interrupted' : 'error');
      writeFileSync(
        runFiles.results(dir),
        JSON.stringify({ lab: this.plan.name, scenario: spec.name, replayId, at: new Date().toISOString(), status, result: r, error: error && !r ? error.message : undefined, wire: wireSummary }, null, 2) + '\n',
      );
      writeFileSync(runFiles.junit(dir), junitXml(this.plan.name, r ? [r] : [], error && !r ? error.message : undefined));
    }
  }
}

/** A reporter that also tells a held lab's watchers (the live page) of scenarios and steps, once the lab is held. */
export function liveReporter(inner: LabReporter, held: () => HeldLab | undefined): LabReporter {
  return {
    phase: (n, d) => inner.phase(n, d),
    nodeStarted: (n, ip) => inner.nodeStarted(n, ip),
    info: (m) => inner.info(m),
    scenarioStart: (name) => (inner.scenarioStart(name), held()?.emit({ type: 'scenario-start', name })),
    step: (step) => (inner.step(step), held()?.emit({ type: 'step', step })),
    scenarioEnd: (r) => (inner.scenarioEnd(r), held()?.emit({ type: 'scenario-end', name: r.name, status: r.status, ms: Math.round(r.ms), error: r.failure?.message })),
  };
}

const quietReporter: LabReporter = { phase() {}, nodeStarted() {}, scenarioStart() {}, step() {}, scenarioEnd() {}, info() {} };
