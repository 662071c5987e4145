import { leaseAlive, leasedProcesses, ownLease } from '../run-lease.js';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import type { LabPlan, NodePlan } from '../../topology/lab-plan.js';
import { RuntimeError, type LabRuntimeOptions, type Runtime, type RuntimeNode, type WireTarget } from '../runtime.js';
import { LocalNode } from './local-node.js';
import { bindShim } from './bind-shim.js';
import { clockEnv, clockLibraries, NodeClock, withPreload } from '../node-clock.js';
import { nodeFiles } from '../../model/run-paths.js';

const LOCK_DIR = join(tmpdir(), 'netlab-local');

/**
 * Nodes as child processes of this controller, each on its own loopback address
 * 127.B.x.y (Linux routes all of 127/8 to lo) with its own working folder.
 * B is reserved per run through a lock file, so two labs never share addresses.
 */
export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  readonly phases: Record<string, number> = {};
  /** The nodes are this process's children: a kept lab stays as long as this process. */
  readonly heldInProcess = true;
  readonly trustedOnly = true;
  readonly oneLabAtATime = true;
  private block?: number;
  private nodes: LocalNode[] = [];
  private opts?: LabRuntimeOptions;
  private shim?: string;
  private clockLibs?: { fix: string; faketime: string };

  constructor(
    private readonly projectRoot: string,
    private readonly distDir: string,
  ) {}

  async prepare(plan: LabPlan, opts: LabRuntimeOptions): Promise<Map<string, string>> {
    this.opts = opts;
    const t0 = performance.now();
    const reaped = reapLocal();
    if (reaped) opts.log(`reaped ${reaped} processes left by lab runs whose controller died`);
    this.block = reserveBlock(opts.runId);
    const shim = bindShim(this.projectRoot);
    this.shim = shim.path;
    if (shim.why) opts.log(shim.why);
    if (plan.nodes.some((n) => n.clock)) this.clockLibs = clockLibraries(this.projectRoot);
    const addresses = new Map(plan.nodes.map((n) => [n.name, this.addressOf(n)]));
    // A port someone else holds would only show up later as a confusing crash: say so now.
    for (const n of plan.nodes) {
      const ports = new Set([...(n.ready?.port ? [n.ready.port] : []), ...Object.values(n.ports)]);
      for (const port of ports) await assertPortFree(addresses.get(n.name)!, port, n.name);
    }
    this.phases.network = performance.now() - t0;
    return addresses;
  }

  addressOf(node: NodePlan): string {
    if (this.block === undefined) throw new Error('prepare first');
    return `127.${this.block}.${node.host >> 8}.${node.host & 255}`;
  }

  async createNode(node: NodePlan, command: string[], env: Record<string, string>): Promise<RuntimeNode> {
    const opts = this.opts!;
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
    const clock = node.clock && this.clockLibs ? new NodeClock(nodeFiles.clock(opts.runDir, node.name)) : undefined;
    const preload = pathToFileURL(join(this.distDir, 'runtime', 'local', 'bind-preload.js')).href;
    const fullEnv: Record<string, string> = {
      PATH: `${join(this.projectRoot, 'bin')}:${process.env.PATH ?? '/usr/bin:/bin'}`,
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
      ...(this.shim ? { LD_PRELOAD: this.shim } : {}),
      // Java prefers IPv6 sockets; IPv4 ones get the node's address like every other program.
      JAVA_TOOL_OPTIONS: '-Djava.net.preferIPv4Stack=true',
      ...env,
    };
    if (clock) {
      Object.assign(fullEnv, clockEnv(clock.file));
      fullEnv.LD_PRELOAD = withPreload(withPreload(fullEnv.LD_PRELOAD, this.clockLibs!.fix), this.clockLibs!.faketime);
    }
    // lab exec runs its commands with the same environment (address, shims, clock, lease).
    writeFileSync(nodeFiles.execEnv(opts.runDir, node.name), JSON.stringify(fullEnv, null, 2) + '\n', { mode: 0o600 });
    const n = new LocalNode(node.name, address, command, cwd, fullEnv, clock);
    n.placeFiles = placeFiles;
    if (node.limits.disk) n.diskBaseline = (await n.diskUsage()) ?? 0;
    this.nodes.push(n);
    return n;
  }

  /** A held node's terminal, for lab attach: a Unix socket in its folder. */
  terminalSocket(runDir: string, node: string): string {
    return nodeFiles.terminal(runDir, node);
  }

  /** Every node is an address in 127.B.0.0/16 on the host's lo. */
  wireTarget(): WireTarget {
    if (this.block === undefined) throw new RuntimeError('prepare first');
    const range = `127.${this.block}.0.0/16`;
    return { iface: 'lo', filter: `net ${range}`, range, snaplen: 65535, marker: { from: `127.${this.block}.255.254`, to: `127.${this.block}.255.253` } };
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill().catch(() => undefined)));
    this.nodes = [];
    // Whatever escaped the process groups (setsid, double fork) still carries the run's lease.
    if (this.opts) killLeased((lease) => lease.endsWith(`:${this.opts!.runId}`));
    if (this.block !== undefined) {
      rmSync(join(LOCK_DIR, `${this.block}.lock`), { force: true });
      this.block = undefined;
    }
  }
}

/** Reserve a free second octet for this run (16..250), reclaiming locks of dead processes. */
function reserveBlock(runId: string): number {
  mkdirSync(LOCK_DIR, { recursive: true });
  const start = 16 + Math.floor(Math.random() * 235);
  for (let i = 0; i < 235; i++) {
    const b = 16 + ((start - 16 + i) % 235);
    const file = join(LOCK_DIR, `${b}.lock`);
    try {
      closeSync(openSync(file, 'wx'));
      writeFileSync(file, JSON.stringify({ pid: process.pid, runId }));
      return b;
    } catch {
      try {
        const { pid } = JSON.parse(readFileSync(file, 'utf8')) as { pid: number };
        process.kill(pid, 0);
      } catch {
        rmSync(file, { force: true }); // its owner is gone; free it for the next pass
      }
    }
  }
  throw new RuntimeError('no free loopback address block (127.16-250.x.x) is left');
}

async function assertPortFree(address: string, port: number, node: string): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const s = createServer();
    s.once('error', (e: NodeJS.ErrnoException) =>
      reject(
        new RuntimeError(
          e.code === 'EADDRINUSE'
            ? `port ${port} is already taken on ${address} (another program listens on it or on every address)`
            : `cannot use port ${port} on ${address}: ${e.message}`,
          node,
        ),
      ),
    );
    s.listen(port, address, () => s.close(() => resolve()));
  });
}

/** The environment variable that carries a local node's lease (run-lease.ts) and run id. */
export const LEASE_ENV = 'NETLAB_LEASE';

/** SIGKILL every process whose lease matches; returns how many. */
function killLeased(match: (lease: string) => boolean): number {
  let n = 0;
  for (const p of leasedProcesses(LEASE_ENV)) {
    if (p.pid === process.pid || !match(p.lease)) continue;
    try {
      process.kill(p.pid, 'SIGKILL');
      n++;
    } catch {
      /* gone already */
    }
  }
  return n;
}

/** Processes of local runs whose controller is dead (SIGKILLed lab up): end them. */
function reapLocal(): number {
  return killLeased((lease) => !leaseAlive(lease.slice(0, lease.lastIndexOf(':'))));
}
