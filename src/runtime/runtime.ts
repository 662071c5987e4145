import { NetlabError, type NetlabErrorOptions } from '../model/netlab-error.js';
import type { LabPlan, NodePlan } from '../topology/lab-plan.js';
import type { Logger } from 'pino';
import type { ExitInfo } from '../model/exit-info.js';
import type { NodeClock } from './node-clock.js';
import type { SocketEntry } from './socket-table.js';

/** Every runtime's name (`--runtime`); each has a driver in drivers.ts. */
export const RUNTIME_KINDS = ['docker', 'local'] as const;
export type RuntimeKind = (typeof RUNTIME_KINDS)[number];

export type { ExitInfo } from '../model/exit-info.js';

/** Output as it arrives; the scenario engine matches on this raw stream. */
export type OutputListener = (stream: 'stdout' | 'stderr', chunk: Buffer) => void;

/**
 * One node of a running lab. Small on purpose: everything a scenario does to a
 * node is one of these calls, so a new runtime is a few hundred lines.
 */
export interface RuntimeNode {
  readonly name: string;
  readonly address: string;
  /** Identifier in the runtime (container id, pid), for logs and results. */
  readonly id: string;
  /** What it runs in: an image tag, or "host" for local processes. */
  readonly image: string;
  onOutput(listener: OutputListener): void;
  /** Called each time the program exits (a restart makes a new incarnation). */
  onExit(listener: (exit: ExitInfo) => void): void;
  start(): Promise<void>;
  write(text: string): Promise<void>;
  stop(graceMs?: number): Promise<void>;
  kill(): Promise<void>;
  restart(): Promise<void>;
  running(): boolean;
  /** A file from the node's working folder, or undefined when absent. */
  readFile(path: string): Promise<Buffer | undefined>;
  /** Every file in the working folder (relative paths). */
  listFiles(): Promise<string[]>;
  /** Copy the whole working folder into dest; returns what could not be copied, with why. */
  collect(dest: string): Promise<CollectFailure[] | void>;
  exec(argv: string[], timeoutMs: number): Promise<{ code: number; output: string }>;
  /**
   * Stop the node and bring it back as it was created (its files as placed, nothing it
   * wrote, not running): a fresh node for the next scenario (isolation: scenario). What the
   * old incarnation left in its folder is kept at keepAt; `kept` settles when it is there
   * (a runtime may copy it in the background), with what could not be kept.
   */
  reset?(keepAt: string): Promise<{ kept: Promise<CollectFailure[] | void> }>;
  /** The pid whose network namespace is the node's (docker: the container's init), for faults put in from the host. */
  netnsPid?(): Promise<number | undefined>;
  /**
   * Bytes the node has written since it was created (its folder; docker: the container's
   * writable layer), apparent sizes; undefined when it cannot tell. Watched against limits.disk.
   */
  diskUsage?(): Promise<number | undefined>;
  /** Processes and memory in use against their limits, where the runtime can tell. */
  usage?(): Promise<{ pids?: number; pidsLimit?: number; memory?: number; memoryLimit?: number }>;
  /**
   * The node's listening TCP and bound UDP sockets, read from its socket table from
   * outside (never by connecting to the program); undefined when it is not running.
   */
  sockets?(): Promise<SocketEntry[] | undefined>;
  /** The node's wall clock, when its plan asks for one (a scenario has a clock: step). */
  readonly clock?: NodeClock;
}

/** Largest file a step reads whole (file:, digest:): a bigger one is a RuntimeError, never a 1 GB buffer. */
export const READ_CAP = 64 * 1024 * 1024;

/** A file collection could not keep, and why (results.json lists them). */
export interface CollectFailure {
  path: string;
  reason: string;
}

/** What a runtime needs to know to lay out a lab. */
export interface LabRuntimeOptions {
  runId: string;
  runDir: string;
  signal: AbortSignal;
  /** A line for the person watching (also written to the controller log). */
  log: (message: string) => void;
  /** The run's structured log (controller.log); runtimes and image builders log their details here. */
  logger: Logger;
  /** The lab is kept running after the run (--keep): its lease says so, and the reaper leaves it. */
  keep?: boolean;
}

/**
 * A place where labs run: Docker containers on an internal bridge, or local
 * processes on loopback addresses. Created per run; `destroy` leaves nothing behind.
 */
export interface Runtime {
  readonly kind: RuntimeKind;
  /** Build or find images, create the network: the lab, ready for its nodes. */
  prepare(plan: LabPlan, opts: LabRuntimeOptions): Promise<PreparedLab>;
  /**
   * Remove every node and network of this run. Safe to call twice, and after a prepare
   * that failed part way (on the runtime, not the prepared lab, for that reason).
   */
  destroy(): Promise<void>;
  /**
   * The nodes are children of this process: keeping the lab (--keep) means this process
   * stays and holds it (serving its control socket) until Ctrl-C or lab down.
   */
  readonly heldInProcess?: boolean;
  /** Where a held node's terminal is served for `lab attach` (none: the runtime attaches by itself). */
  terminalSocket?(runDir: string, node: string): string;
  /** No sandbox: `lab grade` warns that it is for trusted code only. */
  readonly trustedOnly?: boolean;
  /** Labs may bind every address of the host: `lab grade` runs one at a time. */
  readonly oneLabAtATime?: boolean;
}

/**
 * A lab its runtime has laid out (what `prepare` resolves to): everything that needs the
 * network, images and addresses in place. Its runtime's `destroy` removes what it made.
 */
export interface PreparedLab {
  /** Each node's address, by node name. */
  readonly addresses: Map<string, string>;
  /** Timings of prepare's internal phases (build, network), for results.json. */
  readonly phases: Record<string, number>;
  /** Create (not start) one node with its files in place. */
  createNode(node: NodePlan, command: string[], env: Record<string, string>): Promise<RuntimeNode>;
  /** Where this lab's packets can be captured from the host. */
  wireTarget?(): WireTarget;
}

/**
 * The host's view of a lab's network: the interface its packets cross, a tcpdump filter
 * for its addresses, the range they lie in, and where a capture's marker datagram goes
 * (from/to, inside the lab's range, so the capture sees it).
 */
export interface WireTarget {
  iface: string;
  filter: string;
  range: string;
  /** Bytes kept per packet: a whole frame of the network's MTU (the capture ring holds more of them). */
  snaplen: number;
  marker: { from?: string; to: string; broadcast?: boolean };
}

/** Raised when the runtime cannot do what the lab needs: no engine, a port taken, an image missing. */
export class RuntimeError extends NetlabError {
  constructor(message: string, node?: string, opts: NetlabErrorOptions = {}) {
    super(message, { ...opts, node });
  }
}
