import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LabPlan, NodePlan } from '../../topology/lab-plan.js';
import type { LabRuntimeOptions, PreparedLab, RuntimeNode, WireTarget } from '../runtime.js';
import { LocalNode } from './local-node.js';
import { clockEnv, NodeClock, withPreload } from '../node-clock.js';
import { ownLease } from '../run-lease.js';
import { nodeFiles } from '../../model/run-paths.js';

/** The environment variable that carries a local node's lease (run-lease.ts) and run id. */
export const LEASE_ENV = 'NETLAB_LEASE';

/** What LocalRuntime.prepare reserved and found. */
export interface LocalLabSetup {
  plan: LabPlan;
  opts: LabRuntimeOptions;
  projectRoot: string;
  distDir: string;
  /** The second octet reserved for this run: every node is at 127.<block>.x.y. */
  block: number;
  /** The socket shim (LD_PRELOAD), when it could be built here. */
  shim?: string;
  /** Present when some node has a movable clock. */
  clockLibs?: { fix: string; faketime: string };
  /** Told of every node made, so the runtime's destroy can end it. */
  track: (node: LocalNode) => void;
}

/** A local lab once its loopback block is reserved: creates its nodes as child processes. */
export class LocalPreparedLab implements PreparedLab {
  readonly addresses: Map<string, string>;
  readonly phases: Record<string, number> = {};

  constructor(private readonly setup: Readonly<LocalLabSetup>) {
    this.addresses = new Map(setup.plan.nodes.map((n) => [n.name, this.addressOf(n)]));
  }

  addressOf(node: NodePlan): string {
    return `127.${this.setup.block}.${node.host >> 8}.${node.host & 255}`;
  }

  async createNode(node: NodePlan, command: string[], env: Record<string, string>): Promise<RuntimeNode> {
    const { opts, projectRoot, distDir, shim } = this.setup;
    const cwd = nodeFiles.files(opts.runDir, node.name);
    const placeFiles = (dir: string) => {
      mkdirSync(dir, { recursive: true });
      for (const f of node.files) {
        const p = join(dir, f.path);
        mkdirSync(join(p, '..'), { recursive: true });
        writeFileSync(p, f.content, { mode: f.mode });
      }
    };
    placeFiles(cwd);
    const address = this.addressOf(node);
    // A movable wall clock: the sleep fix and libfaketime after the bind shim, reading runs/<run>/nodes/<n>/clock/offset.
    const libs = node.clock ? this.setup.clockLibs : undefined;
    const clock = libs ? new NodeClock(nodeFiles.clock(opts.runDir, node.name)) : undefined;
    const preload = pathToFileURL(join(distDir, 'runtime', 'local', 'bind-preload.js')).href;
    const fullEnv: Record<string, string> = {
      PATH: `${join(projectRoot, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
      HOME: process.env.HOME ?? '/tmp',
      LANG: process.env.LANG ?? 'C.UTF-8',
      TERM: 'dumb',
      PYTHONUNBUFFERED: '1',
      NETLAB_NODE_NAME: node.name,
      // The run's lease: tear-down finds every process of this run by it, even one that left
      // the node's process group (setsid), and the next lab up reaps a dead controller's.
      [LEASE_ENV]: `${ownLease()}:${opts.runId}`,
      NETLAB_NODE_ADDRESS: address,
      NODE_OPTIONS: `--import=${preload}`,
      ...(shim ? { LD_PRELOAD: shim } : {}),
      // Java prefers IPv6 sockets; IPv4 ones get the node's address like every other program.
      JAVA_TOOL_OPTIONS: '-Djava.net.preferIPv4Stack=true',
      ...env,
    };
    if (libs && clock) {
      Object.assign(fullEnv, clockEnv(clock.file));
      fullEnv.LD_PRELOAD = withPreload(withPreload(fullEnv.LD_PRELOAD, libs.fix), libs.faketime);
    }
    // lab exec runs its commands with the same environment (address, shims, clock, lease).
    writeFileSync(nodeFiles.execEnv(opts.runDir, node.name), JSON.stringify(fullEnv, null, 2) + '\n', { mode: 0o600 });
    const n = new LocalNode(node.name, address, command, cwd, fullEnv, clock);
    n.placeFiles = placeFiles;
    if (node.limits.disk) n.diskBaseline = (await n.diskUsage()) ?? 0;
    this.setup.track(n);
    return n;
  }

  /** Every node is an address in 127.B.0.0/16 on the host's lo. */
  wireTarget(): WireTarget {
    const b = this.setup.block;
    const range = `127.${b}.0.0/16`;
    return { iface: 'lo', filter: `net ${range}`, range, snaplen: 65535, marker: { from: `127.${b}.255.254`, to: `127.${b}.255.253` } };
  }
}
