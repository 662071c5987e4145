import type { ExitInfo, Runtime, RuntimeKind, RuntimeNode, WireTarget } from './runtime.js';
import type { LabRecord } from './lab-registry.js';

/** A node of a kept lab, as a driver found it. */
export interface KeptNode {
  runtime: RuntimeKind;
  lab: string;
  node: string;
  /** The driver's own handle on it: a container id (docker), the run folder (local). */
  where: string;
  /** The control socket of the process holding the lab (a kept local lab, any lab under --ui), when one does. */
  control?: string;
}

/** A kept lab no process holds, taken over by `lab run` or `lab ui`. */
export interface AdoptedLab {
  nodes: { node: RuntimeNode; exit?: ExitInfo }[];
  /** Where its packets can be captured from the host (as PreparedLab.wireTarget), when its network is found. */
  wireTarget?(): WireTarget;
}

/** One line of `lab ps`. */
export interface NodeRow {
  lab: string;
  run: string;
  runtime: string;
  node: string;
  address: string;
  state: string;
}

type NodeOp = 'start' | 'stop' | 'restart';

/** What a driver asks of the process holding a lab (lab/lab-control.ts RemoteLab fits). */
export interface LabController {
  info(): Promise<{ nodes: { name: string; state: string; exit?: string }[] }>;
  control(op: NodeOp, node: string): Promise<void>;
  close(): void;
}

/** An attached terminal: what is typed goes in with write; its output already flows to stdout. */
export interface AttachedTerminal {
  write(data: string): void;
  /** Settles when the node's side closes. */
  closed: Promise<void>;
  close(): void;
}

interface AttachOptions {
  restart?: boolean;
  /** Reaches the lab's controller (only when KeptNode.control is set). */
  controller?: () => Promise<LabController>;
  /** The error to throw when the node is not running and restart was not asked for. */
  notRunning: (why: string) => Error;
}

/** Which kept labs `lab down` removes: one by name, --all (this user's, this project's), --all --everyone. */
export interface RemoveWhich {
  lab?: string;
  all?: boolean;
  everyone?: boolean;
}

/**
 * A runtime's whole part in a lab's life: a fresh Runtime for each run, and every verb on a
 * kept lab afterwards (lab ps, attach, logs, exec, start|stop|restart, down, run, ui).
 * The CLI goes through these and never asks which runtime it has; a new runtime is a new
 * driver in runtime/drivers.ts. Output of logs, attach and exec goes to this process's
 * stdout and stderr.
 */
export interface RuntimeDriver {
  readonly kind: RuntimeKind;
  /** A fresh runtime, for one lab run (its module is loaded then: verbs on kept labs do not pay for it). */
  create(projectRoot: string): Promise<Runtime>;
  /** Every node of every running lab of this runtime. */
  listNodes(projectRoot: string): Promise<NodeRow[]>;
  /** Nodes of running labs by name, of one lab when it is given. */
  findNodes(projectRoot: string, node: string, lab?: string): Promise<KeptNode[]>;
  /** This terminal becomes the node's (the caller reads what is typed and detaches). */
  attach(node: KeptNode, opts: AttachOptions): Promise<AttachedTerminal>;
  /** The node's output so far; with follow, what comes after too (until it ends). */
  logs(node: KeptNode, opts: { follow?: boolean }): Promise<void>;
  /** Run a command in the node, as the node itself would (its folder, address and environment); its exit code. */
  exec(projectRoot: string, node: KeptNode, argv: string[]): Promise<number>;
  /** start|stop|restart a node no controller holds (one that is held goes through its controller). */
  nodeOp(node: KeptNode, op: NodeOp): Promise<void>;
  /** The nodes of a kept lab no process holds, as runtime nodes again, and its wire target (lab run, lab ui take it over). */
  adopt(record: LabRecord): Promise<AdoptedLab>;
  /** Tear down kept labs; says what it did through say; returns how many things it removed or asked to go. */
  remove(projectRoot: string, which: RemoveWhich, say: (line: string) => void): Promise<number>;
}
