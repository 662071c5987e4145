import { connect, createServer, type Server, type Socket } from 'node:net';
import { rmSync } from 'node:fs';
import { NetlabError, UsageError } from '../model/netlab-error.js';
import type { ScenarioResult } from '../model/scenario-result.js';
import type { LabEvent, LabInfo, LiveLab, NodeOp } from './live-lab.js';

/**
 * The control socket of a lab held by a controller process (a kept local lab, or any lab
 * under `lab up --ui`): JSON lines, one request {id, op, ...} gets one reply {id, ok, ...};
 * after a "subscribe" request, events arrive as {event}. `lab start|stop|restart|run|ui`
 * reach the lab through it. "abort" (or the connection closing) stops the replays it started.
 */
type Request =
  | { id: number; op: 'info' }
  | { id: number; op: 'subscribe' }
  | { id: number; op: 'write'; node: string; text: string }
  | { id: number; op: NodeOp; node: string }
  | { id: number; op: 'run'; scenario: string }
  | { id: number; op: 'abort' };

export function serveControl(lab: LiveLab, path: string): Promise<Server> {
  rmSync(path, { force: true });
  const server = createServer((sock) => {
    const unsub: (() => void)[] = [];
    // Replays this connection started: Ctrl-C in `lab run` (abort), or its going away, stops them.
    const runs = new Set<AbortController>();
    const send = (o: unknown) => sock.writable && sock.write(JSON.stringify(o) + '\n');
    sock.on('error', () => undefined);
    sock.on('close', () => (unsub.forEach((u) => u()), runs.forEach((r) => r.abort())));
    lines(sock, async (line) => {
      let req: Request;
      try {
        req = JSON.parse(line) as Request;
      } catch {
        return send({ ok: false, error: 'not JSON' });
      }
      try {
        let result: unknown;
        if (req.op === 'info') result = await lab.info();
        else if (req.op === 'subscribe') {
          send({ id: req.id, ok: true });
          unsub.push(lab.subscribe((event) => send({ event })));
          return;
        } else if (req.op === 'write') await lab.write(req.node, req.text);
        else if (req.op === 'start' || req.op === 'stop' || req.op === 'restart') await lab.control(req.op, req.node);
        else if (req.op === 'run') {
          const ctl = new AbortController();
          runs.add(ctl);
          result = await lab.run(req.scenario, ctl.signal).finally(() => runs.delete(ctl));
        } else if (req.op === 'abort') runs.forEach((r) => r.abort());
        else throw new UsageError(`unknown control request ${(req as { op: string }).op}`);
        send({ id: req.id, ok: true, result });
      } catch (e) {
        send({ id: req.id, ok: false, error: (e as Error).message, exitCode: e instanceof NetlabError ? e.exitCode : 3 });
      }
    });
  });
  return new Promise((ok, fail) => {
    server.once('error', fail);
    server.listen(path, () => ok(server));
  });
}

function lines(sock: Socket, onLine: (line: string) => void): void {
  let buf = '';
  sock.setEncoding('utf8');
  sock.on('data', (d: string) => {
    buf += d;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) onLine(line);
    }
  });
}

/** The controller refused or could not do what was asked. */
class ControlError extends NetlabError {}

/** A lab reached through its controller's control socket. */
export class RemoteLab implements LiveLab {
  private sock?: Socket;
  private nextId = 1;
  private readonly pending = new Map<number, { ok: (v: unknown) => void; fail: (e: Error) => void }>();
  private readonly listeners = new Set<(e: LabEvent) => void>();
  private subscribed = false;
  private closedListeners: (() => void)[] = [];

  private constructor(readonly path: string) {}

  static async connect(path: string): Promise<RemoteLab> {
    const r = new RemoteLab(path);
    await new Promise<void>((ok, fail) => {
      const s = connect(path, () => ok());
      s.once('error', (e) => fail(new ControlError(`cannot reach the lab's controller at ${path}: ${e.message}`)));
      r.sock = s;
    });
    r.sock!.on('error', () => undefined);
    r.sock!.on('close', () => {
      for (const p of r.pending.values()) p.fail(new ControlError("the lab's controller went away"));
      r.pending.clear();
      r.closedListeners.forEach((l) => l());
    });
    lines(r.sock!, (line) => {
      const m = JSON.parse(line) as { id?: number; ok?: boolean; error?: string; exitCode?: number; result?: unknown; event?: LabEvent };
      if (m.event) return r.listeners.forEach((l) => l(m.event!));
      const p = m.id !== undefined ? r.pending.get(m.id) : undefined;
      if (!p) return;
      r.pending.delete(m.id!);
      if (m.ok) p.ok(m.result);
      else p.fail(new ControlError(m.error ?? 'failed', { exitCode: m.exitCode }));
    });
    return r;
  }

  onClose(l: () => void): void {
    this.closedListeners.push(l);
  }

  private request<T>(req: Record<string, unknown>): Promise<T> {
    const id = this.nextId++;
    return new Promise<T>((ok, fail) => {
      this.pending.set(id, { ok: ok as (v: unknown) => void, fail });
      this.sock!.write(JSON.stringify({ id, ...req }) + '\n');
    });
  }

  info(): Promise<LabInfo> {
    return this.request({ op: 'info' });
  }

  subscribe(cb: (e: LabEvent) => void): () => void {
    this.listeners.add(cb);
    if (!this.subscribed) {
      this.subscribed = true;
      this.request({ op: 'subscribe' }).catch(() => undefined);
    }
    return () => this.listeners.delete(cb);
  }

  write(node: string, text: string): Promise<void> {
    return this.request({ op: 'write', node, text });
  }

  control(op: NodeOp, node: string): Promise<void> {
    return this.request({ op, node });
  }

  /** Aborting the signal asks the controller to stop the replay; the answer comes once it has (its faults out). */
  async run(scenario: string, signal?: AbortSignal): Promise<ScenarioResult> {
    const onAbort = () => void this.request({ op: 'abort' }).catch(() => undefined);
    signal?.addEventListener('abort', onAbort, { once: true });
    try {
      return await this.request<ScenarioResult>({ op: 'run', scenario });
    } finally {
      signal?.removeEventListener('abort', onAbort);
    }
  }

  close(): void {
    this.sock?.destroy();
  }
}
