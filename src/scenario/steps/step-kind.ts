import type { z } from 'zod';
import type { ExitInfo, RuntimeNode } from '../../runtime/runtime.js';
import type { NodeOutput } from '../node-output.js';
import type { FaultSpec } from '../../wire/fault-spec.js';

/** What a wire step asks of the capture: packets from one node to another, by node name. */
export interface WireQuery {
  from: string;
  to: string;
  proto: 'tcp' | 'udp';
  /** Text the payload holds (UDP: one datagram; TCP: the reassembled byte stream of that direction). */
  contains?: string;
  /** Only the last this many ms; by default since the scenario began. */
  withinMs?: number;
}

/** What the capture holds for a WireQuery. */
export interface WireCount {
  /** Datagrams / TCP packets (contains: occurrences in the stream) that match. */
  matches: number;
  /** Every packet from -> to of that protocol in the window. */
  packets: number;
  /** A few matching or nearest payloads, for the failure message. */
  sample: string[];
}
import type { Pattern } from '../../topology/pattern.js';
import type { Found } from '../match/match-pool.js';

/**
 * What one kind of scenario step is: its strict schema, how it reads in reports, what it
 * names (for `lab validate`), and how it runs. One file per kind in this folder; the
 * registry (step-registry.ts) derives the topology schema, the runner, describeStep and
 * the plan checks from these. Step files import only zod, src/topology helpers and
 * types, so the topology layer can load them without pulling in any runtime code.
 */
export interface StepKind<S extends Record<string, unknown> = Record<string, unknown>> {
  /** The action key that makes a step this kind, e.g. "send". Exactly one per step. */
  readonly kind: string;
  /** Every key this kind accepts, strict: any other key is refused with its file:line. */
  readonly schema: z.ZodType<S>;
  /** One line for progress output and reports ("client1: send \"hi\""); r fills templates. */
  describe(step: S, r: (v: unknown) => string): string;
  /** Node names and patterns the step holds literally, checked before anything runs. */
  refs?(step: S): StepRefs;
  /** Sub-steps listed ahead of time in results (parallel blocks), so skipped ones are named. */
  listed?(step: S): Record<string, unknown>[][];
  /** What the host must offer for this kind to run: checked by `lab validate` and at start. */
  readonly requires?: readonly StepRequirement[];
  /** True for steps made of other steps: progress is reported for their children only. */
  readonly container?: boolean;
  run(step: S, ctx: StepContext): Promise<void>;
}

/** capture: tcpdump and root; faults: iptables/tc/nsenter and root; netem: the kernel's netem qdisc. */
export type StepRequirement = 'capture' | 'faults' | 'netem';

/** What a step names, each with the key it sits under (for file:line messages). */
interface StepRefs {
  nodes?: { key: string; name: unknown }[];
  /** key: the key it sits under, or a path below the step (a list's item: ['expect_all', 0]). */
  patterns?: { key: string | PropertyKey[]; text: unknown; literal?: boolean }[];
  /** Nested steps to check too, with their key path below this step. */
  children?: { path: PropertyKey[]; steps: unknown[] }[];
}

/** A node as a step sees it: its runtime handle, its output, how it last ended. */
export interface StepNode {
  runtime: RuntimeNode;
  output: NodeOutput;
  lastExit?: ExitInfo;
}

/**
 * The runner's side of a running step (scenario/run-scenario.ts implements it). Steps
 * get everything through here, so a step file holds no runtime code of its own.
 */
export interface StepContext {
  /** The step's path in the scenario: "3", "2.1.4". */
  readonly path: string;
  /** Names usable in templates right now (lab scope plus captured variables). */
  readonly scope: Record<string, unknown>;
  /** Variables captured so far; a step may add to them. */
  readonly vars: Record<string, unknown>;
  readonly signal: AbortSignal;
  /** This step's deadline in ms: its timeout, else the scenario default. */
  readonly timeoutMs: number;
  /** Fill the templates in a value. */
  render(v: unknown): string;
  /** The node named by the step's node: key, or a StepError. */
  node(): StepNode & { name: string };
  /** A node by name, or a StepError naming the missing one. */
  nodeNamed(name: string): StepNode;
  /** Record a line typed into a node (transcripts). */
  typed(node: string, line: string): void;
  /** Tell the lab a node is about to (re)start: a new incarnation of its output. */
  beforeStart(node: string): void;
  /** A step pattern, compiled the one way patterns are compiled; StepError when bad. */
  pattern(text: string, literal?: boolean): Pattern;
  /** Search a text (a file's) for a pattern within this step's deadline, off the event loop. */
  search(pattern: Pattern, text: string): Promise<Found | null>;
  waitPort(address: string, port: number, timeoutMs: number): Promise<void>;
  delay(ms: number): Promise<void>;
  /**
   * Move the wall clock of these nodes (every node when undefined) forward, or back to
   * real time; a StepError when the lab has no controllable clock.
   */
  moveClock(nodes: string[] | undefined, change: ClockChange): Promise<void>;
  /** Run steps in order under this step, with extra variables. */
  runSteps(steps: Record<string, unknown>[], prefix: string, vars?: Record<string, unknown>): Promise<void>;
  /** Ask the lab's capture (brought up to date first); a StepError when capture is off. */
  wire(q: WireQuery): Promise<WireCount>;
  /** Put a fault into the lab's network (loss, partition, rate, heal). */
  fault(f: FaultSpec): Promise<void>;
  /** Run blocks at once; the first failure stops the others. */
  runParallel(blocks: { steps: Record<string, unknown>[]; vars?: Record<string, unknown> }[]): Promise<void>;
}

/** One move of a clock: forward by some ms, or back to real time. */
export type ClockChange = { advanceMs: number; reset?: undefined } | { reset: true; advanceMs?: undefined };

/** Declare a step kind; the identity function that gives the compiler the step's type. */
export function defineStep<S extends Record<string, unknown>>(kind: StepKind<S>): StepKind<S> {
  return kind;
}

/** Shorten a value for a one-line description. */
export function short(s: unknown, n = 60): string {
  const t = String(s);
  return t.length > n ? `${t.slice(0, n - 1)}…` : t;
}

/** "node: " before a description, when the step names a node. */
export function who(step: { node?: unknown }, r: (v: unknown) => string): string {
  return step.node !== undefined ? `${r(step.node)}: ` : '';
}

/** A value that is one name or a list of names, as a list. */
export function asList(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [v];
}
