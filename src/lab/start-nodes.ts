import { durationMs } from '../topology/duration.js';
import { toPattern } from '../topology/pattern.js';
import { NetlabError } from '../model/netlab-error.js';
import { delay, waitPort } from '../scenario/wait.js';
import { listenState } from '../runtime/socket-table.js';
import { StepError } from '../scenario/scenario-errors.js';
import type { LabReporter } from './run-lab.js';
import type { LabNode } from './lab-node.js';
import { describeExit } from '../model/exit-info.js';

/** Thrown when a node cannot get started: exits at once, never becomes ready. */
class NodeStartError extends NetlabError {
  constructor(message: string, node: string, tail?: string) {
    super(message, { node, tail });
  }
}

/**
 * Start nodes as a lab does: servers first, each ready (its port, its output) before the
 * clients start; a node that dies at once or never gets ready fails the start, with why.
 * `before` is awaited just before a node starts (isolation: its reset, so a server starts
 * while the clients are still being made fresh).
 */
export async function startAll(nodes: LabNode[], signal: AbortSignal, reporter: LabReporter, before?: (n: LabNode) => Promise<unknown>): Promise<void> {
  await startGroup(nodes.filter((n) => n.plan.role === 'server'), signal, reporter, before);
  await startGroup(nodes.filter((n) => n.plan.role !== 'server'), signal, reporter, before);
  // A node without a readiness check that already died is broken from the start.
  for (const n of nodes) {
    if (n.plan.autostart && n.lastExit && !n.lastExit.requested && n.lastExit.code !== 0) {
      throw new NodeStartError(`node ${n.name} exited at once (${describeExit(n.lastExit)})`, n.name, n.output.tail());
    }
  }
}

async function startGroup(nodes: LabNode[], signal: AbortSignal, reporter: LabReporter, before?: (n: LabNode) => Promise<unknown>): Promise<void> {
  await Promise.all(
    nodes
      .filter((n) => n.plan.autostart)
      .map(async (n) => {
        await before?.(n);
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
