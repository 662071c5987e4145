import { leaseAlive, leasedProcesses } from '../run-lease.js';
import { mkdirSync, openSync, closeSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { LabPlan } from '../../topology/lab-plan.js';
import { RuntimeError, type LabRuntimeOptions, type Runtime } from '../runtime.js';
import type { LocalNode } from './local-node.js';
import { bindShim } from './bind-shim.js';
import { clockLibraries } from '../node-clock.js';
import { nodeFiles } from '../../model/run-paths.js';
import { LEASE_ENV, LocalPreparedLab } from './local-prepared-lab.js';

const LOCK_DIR = join(tmpdir(), 'netlab-local');

/**
 * Nodes as child processes of this controller, each on its own loopback address
 * 127.B.x.y (Linux routes all of 127/8 to lo) with its own working folder.
 * B is reserved per run through a lock file, so two labs never share addresses.
 */
export class LocalRuntime implements Runtime {
  readonly kind = 'local' as const;
  /** The nodes are this process's children: a kept lab stays as long as this process. */
  readonly heldInProcess = true;
  readonly trustedOnly = true;
  readonly oneLabAtATime = true;
  // What destroy needs, set as prepare goes: destroy must work after a prepare that failed part way.
  private runId?: string;
  private block?: number;
  private nodes: LocalNode[] = [];

  constructor(
    private readonly projectRoot: string,
    private readonly distDir: string,
  ) {}

  async prepare(plan: LabPlan, opts: LabRuntimeOptions): Promise<LocalPreparedLab> {
    this.runId = opts.runId;
    const t0 = performance.now();
    const reaped = reapLocal();
    if (reaped) opts.log(`reaped ${reaped} processes left by lab runs whose controller died`);
    const block = reserveBlock(opts.runId);
    this.block = block;
    const shim = bindShim(this.projectRoot);
    if (shim.why) opts.log(shim.why);
    const clockLibs = plan.nodes.some((n) => n.clock) ? clockLibraries(this.projectRoot) : undefined;
    const lab = new LocalPreparedLab({ plan, opts, projectRoot: this.projectRoot, distDir: this.distDir, block, shim: shim.path, clockLibs, track: (n) => this.nodes.push(n) });
    // A port someone else holds would only show up later as a confusing crash: say so now.
    for (const n of plan.nodes) {
      const ports = new Set([...(n.ready?.port ? [n.ready.port] : []), ...Object.values(n.ports)]);
      for (const port of ports) await assertPortFree(lab.addressOf(n), port, n.name);
    }
    lab.phases.network = performance.now() - t0;
    return lab;
  }

  /** A held node's terminal, for lab attach: a Unix socket in its folder. */
  terminalSocket(runDir: string, node: string): string {
    return nodeFiles.terminal(runDir, node);
  }

  async destroy(): Promise<void> {
    await Promise.all(this.nodes.map((n) => n.kill().catch(() => undefined)));
    this.nodes = [];
    // Whatever escaped the process groups (setsid, double fork) still carries the run's lease.
    const runId = this.runId;
    if (runId !== undefined) killLeased((lease) => lease.endsWith(`:${runId}`));
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
