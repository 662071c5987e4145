import { createServer, type Server, type Socket } from 'node:net';
import { StringDecoder } from 'node:string_decoder';
import type { NodePlan } from '../topology/lab-plan.js';
import { RuntimeError, type CollectFailure, type RuntimeNode } from '../runtime/runtime.js';
import { describeExit, type ExitInfo, type ExitReason } from '../model/exit-info.js';
import { NodeOutput } from '../scenario/node-output.js';
import { parseSize } from '../topology/size.js';
import type { Transcript } from '../report/transcript.js';

export { describeExit } from '../model/exit-info.js';

/**
 * A node of a running lab: the runtime's handle, the output the scenarios match on,
 * and the transcript, wired together once so every path (start, restart, crash) is
 * recorded the same way.
 */
export class LabNode {
  readonly output: NodeOutput;
  lastExit?: ExitInfo;
  firstOutputAt?: number;
  startedAt?: number;
  private terminal?: Server;
  private printed = 0;
  /** Terminals attached through serveTerminal; each sees what the node prints. */
  private readonly attached = new Set<Socket>();
  private overLimit?: ExitReason;
  private diskTimer?: NodeJS.Timeout;
  private diskStopped = false;
  /** One decoder per stream: a character split across two chunks is written whole. */
  private readonly decoders = { stdout: new StringDecoder('utf8'), stderr: new StringDecoder('utf8') };
  /** Watchers of lines typed in and of starts (the live page, the control socket). */
  private readonly typedListeners: ((text: string) => void)[] = [];
  private readonly startListeners: (() => void)[] = [];
  /** The newest stderr, and how much there has been in all: what a crash printed during a scenario. */
  private errTail = '';
  private errTotal = 0;

  constructor(
    readonly plan: NodePlan,
    readonly runtime: RuntimeNode,
    readonly command: string[],
    readonly image: string | undefined,
    private readonly transcript: Transcript,
  ) {
    this.output = new NodeOutput(plan.name, { ring: outputRing() });
    runtime.onOutput((stream, chunk) => {
      this.firstOutputAt ??= performance.now();
      if (this.overLimit) return;
      this.printed += chunk.length;
      this.output.push(stream, chunk);
      const text = this.decoders[stream].write(chunk);
      if (text) this.transcript.output(stream, text);
      if (stream === 'stderr' && text) {
        this.errTotal += text.length;
        this.errTail = (this.errTail + text).slice(-ERR_KEEP);
      }
      for (const sock of this.attached) sock.write(chunk);
      const limit = plan.outputLimit;
      if (limit !== undefined && this.printed > limit) {
        // Runaway output: keep what was printed up to the cap, stop the node, say why.
        this.overLimit = { kind: 'output-limit', text: `killed by the lab: printed more than ${limit} bytes (output limit)` };
        this.transcript.note(`--- ${this.overLimit.text}`);
        this.runtime.kill().catch(() => undefined);
      }
    });
    runtime.onExit((e) => {
      if (this.overLimit && !e.reason) e = { ...e, reason: this.overLimit };
      this.lastExit = e;
      const what = describeExit(e);
      this.transcript.note(`--- exited with ${what}${e.requested ? ' (stopped by the lab)' : ''}`);
      this.output.ended(what);
    });
  }

  /** A mark in the node's stderr, for stderrSince. */
  stderrMark(): number {
    return this.errTotal;
  }

  /** What the node printed to stderr after the mark (its newest ERR_KEEP characters at most). */
  stderrSince(mark: number): string {
    const n = Math.min(this.errTotal - mark, this.errTail.length);
    return n > 0 ? this.errTail.slice(-n) : '';
  }

  /** Bytes the transcript could not keep (its cap), for results.json. */
  get transcriptDropped(): number {
    return this.transcript.dropped;
  }

  get name(): string {
    return this.plan.name;
  }

  /** Mark a new incarnation before (re)starting, so old output and exits no longer count. */
  beforeStart(): void {
    this.watchDisk();
    if (this.startedAt !== undefined || this.lastExit) this.output.restarted();
    this.printed = 0;
    this.overLimit = undefined;
    this.lastExit = undefined;
    this.transcript.note(`--- starting: ${this.command.join(' ')}`);
    this.startedAt = performance.now();
    this.startListeners.forEach((l) => l());
  }

  onTyped(l: (text: string) => void): void {
    this.typedListeners.push(l);
  }

  onStart(l: () => void): void {
    this.startListeners.push(l);
  }

  /** Type text into the node's stdin as a person at its terminal would; recorded in the transcript. */
  async type(text: string): Promise<void> {
    this.typed(text.replace(/\n$/, ''));
    await this.runtime.write(text);
  }

  /**
   * Make the node fresh for the next scenario (isolation: scenario): stopped, its files as
   * placed, its clock at zero, no output or exit of the old incarnation counted. What the
   * old one left is kept at keepAt; `kept` settles when it is there.
   */
  /**
   * isolation: scenario, a node the next scenario does not use: stopped where it is, its
   * folder left as scenario `after` left it, until a later scenario makes it fresh.
   */
  async park(after: number): Promise<void> {
    this.transcript.note(`--- stopped: the next scenario does not use it (isolation: scenario; its folder as scenario ${after} left it)`);
    this.parkedAfter = after;
    await this.runtime.kill();
    this.startedAt = undefined;
  }

  /** Set while parked: the number of the scenario whose files the node still holds. */
  parkedAfter?: number;

  async reset(keepAt: string): Promise<{ kept: Promise<CollectFailure[] | void> }> {
    if (!this.runtime.reset) throw new RuntimeError(`node ${this.name}: this runtime cannot make a node fresh`, this.name);
    this.transcript.note('--- made fresh for the next scenario (isolation: scenario)');
    this.parkedAfter = undefined;
    const { kept } = await this.runtime.reset(keepAt);
    this.runtime.clock?.reset();
    this.output.restarted();
    this.startedAt = undefined;
    this.lastExit = undefined;
    return { kept };
  }

  async start(): Promise<void> {
    this.beforeStart();
    await this.runtime.start();
  }

  typed(line: string): void {
    this.transcript.typed(line);
    this.typedListeners.forEach((l) => l(line));
  }

  /**
   * Serve the node's terminal on a Unix socket while a local lab is kept running:
   * what a client writes goes to stdin, what the node prints comes back.
   */
  serveTerminal(path: string): Promise<void> {
    const server = createServer((sock) => {
      this.attached.add(sock);
      sock.on('close', () => this.attached.delete(sock));
      sock.on('data', (d) => {
        this.type(d.toString('utf8')).catch(() => sock.end(`\r\n[netlab: ${this.name} is not running]\r\n`));
      });
      sock.on('error', () => undefined);
    });
    this.terminal = server;
    return new Promise((ok, fail) => {
      server.once('error', fail);
      server.listen(path, () => ok());
    });
  }

  closeTerminal(): void {
    this.terminal?.close();
    this.stopDiskWatch();
  }

  /**
   * limits.disk: while the node runs, look at what it has written every DISK_POLL_MS (one
   * look at a time); past the limit, stop it and say why, as for runaway output. The file
   * size ulimit caps one file; this caps them all (many 8 MiB files).
   */
  private watchDisk(): void {
    const limit = this.plan.limits.disk ? parseSize(this.plan.limits.disk) : undefined;
    if (limit === undefined || !this.runtime.diskUsage || this.diskTimer || this.diskStopped) return;
    const look = async () => {
      this.diskTimer = undefined;
      if (this.diskStopped) return;
      if (this.runtime.running() && !this.overLimit) {
        const used = await this.runtime.diskUsage!().catch(() => undefined);
        if (used !== undefined && used > limit && this.runtime.running() && !this.overLimit && !this.diskStopped) {
          this.overLimit = { kind: 'disk-limit', text: `killed by the lab: wrote more than ${mib(limit)} to its folder (disk limit)` };
          this.transcript.note(`--- ${this.overLimit.text}: ${mib(used)} written`);
          this.runtime.kill().catch(() => undefined);
        }
      }
      if (!this.diskStopped) this.diskTimer = setTimeout(() => void look(), DISK_POLL_MS).unref();
    };
    this.diskTimer = setTimeout(() => void look(), DISK_POLL_MS).unref();
  }

  private stopDiskWatch(): void {
    this.diskStopped = true;
    if (this.diskTimer) clearTimeout(this.diskTimer);
    this.diskTimer = undefined;
  }
}

/** stderr characters kept for a crash report: a long Java trace fits. */
const ERR_KEEP = 16 * 1024;

/** How often a node with limits.disk has its folder measured. */
const DISK_POLL_MS = 500;

/** A byte count as MiB for people: "16 MiB", "1.5 MiB". */
function mib(n: number): string {
  const m = n / (1024 * 1024);
  return `${Number.isInteger(m) ? m : m.toFixed(1)} MiB`;
}

/** The output ring per node: NETLAB_OUTPUT_RING (a size such as 8m), default 8 MiB. */
function outputRing(): number | undefined {
  const v = process.env.NETLAB_OUTPUT_RING;
  if (!v) return undefined;
  try {
    return parseSize(v);
  } catch {
    return undefined;
  }
}
