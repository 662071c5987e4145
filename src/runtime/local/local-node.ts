import { execFile, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, mkdirSync, readFileSync, readdirSync, renameSync, rmSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { READ_CAP, RuntimeError, type ExitInfo, type OutputListener, type RuntimeNode } from '../runtime.js';
import type { NodeClock } from '../node-clock.js';
import { groupSocketInodes, readSocketTables, type SocketEntry } from '../socket-table.js';

/**
 * A node that is a process group on this machine. Each start is a new incarnation;
 * output and exits are reported through the same listeners across restarts.
 */
export class LocalNode implements RuntimeNode {
  readonly image = 'host';
  private child?: ChildProcess;
  private exited?: Promise<void>;
  private outputListeners: OutputListener[] = [];
  private exitListeners: ((e: ExitInfo) => void)[] = [];
  private requested = false;
  /** The folder's size when the node was created (its files in place): diskUsage counts from here. */
  diskBaseline = 0;

  constructor(
    readonly name: string,
    readonly address: string,
    private readonly command: string[],
    private readonly cwd: string,
    private readonly env: Record<string, string>,
    readonly clock?: NodeClock,
  ) {}

  get id(): string {
    return this.child?.pid ? `pid ${this.child.pid}` : 'not started';
  }

  onOutput(l: OutputListener): void {
    this.outputListeners.push(l);
  }

  onExit(l: (e: ExitInfo) => void): void {
    this.exitListeners.push(l);
  }

  running(): boolean {
    return this.child !== undefined && this.child.exitCode === null && this.child.signalCode === null;
  }

  async start(): Promise<void> {
    if (this.running()) return;
    this.requested = false;
    const [file, ...args] = this.command;
    // Own process group (detached): a kill reaches the program's children too, and a
    // Ctrl-C in the terminal reaches the controller, which then tears down in order.
    const child = spawn(file, args, { cwd: this.cwd, env: this.env, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    this.child = child;
    child.stdin!.on('error', () => undefined); // writing to a program that has exited is not our crash
    child.stdout!.on('data', (c: Buffer) => this.outputListeners.forEach((l) => l('stdout', c)));
    child.stderr!.on('data', (c: Buffer) => this.outputListeners.forEach((l) => l('stderr', c)));
    this.exited = new Promise<void>((done) => {
      let reported = false;
      const report = (info: ExitInfo) => {
        if (reported) return;
        reported = true;
        this.exitListeners.forEach((l) => l(info));
        done();
      };
      child.once('error', (e: NodeJS.ErrnoException) => {
        const why = e.code === 'ENOENT' ? `command not found: ${file}` : e.message;
        this.outputListeners.forEach((l) => l('stderr', Buffer.from(`netlab: ${why}\n`)));
        report({ code: 127, signal: null, requested: false });
      });
      child.once('close', (code, signal) => report({ code, signal, requested: this.requested }));
    });
    await new Promise<void>((ok) => {
      child.once('spawn', () => ok());
      child.once('error', () => ok());
    });
  }

  async write(text: string): Promise<void> {
    const stdin = this.child?.stdin;
    if (!stdin || !this.running() || stdin.destroyed) throw new RuntimeError(`node ${this.name} is not running`, this.name);
    await new Promise<void>((ok, fail) => stdin.write(text, (e) => (e ? fail(e) : ok())));
  }

  private signal(sig: NodeJS.Signals): void {
    const pid = this.child?.pid;
    if (!pid || !this.running()) return;
    try {
      process.kill(-pid, sig);
    } catch {
      try {
        this.child!.kill(sig);
      } catch {
        /* already gone */
      }
    }
  }

  async stop(graceMs = 3000): Promise<void> {
    if (!this.running()) return;
    this.requested = true;
    this.signal('SIGTERM');
    const timer = setTimeout(() => this.signal('SIGKILL'), graceMs);
    await this.exited;
    clearTimeout(timer);
  }

  async kill(): Promise<void> {
    if (!this.running()) return;
    this.requested = true;
    this.signal('SIGKILL');
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /** How the runtime places the node's files in a folder (as at create), for reset(). */
  placeFiles?: (dir: string) => void;

  /** The folder moves to keepAt as it is (the evidence), and a new one gets the files as placed at create. */
  async reset(keepAt: string): Promise<{ kept: Promise<void> }> {
    if (!this.placeFiles) throw new RuntimeError(`node ${this.name} cannot be made fresh (it was not created by this run)`, this.name);
    await this.kill();
    rmSync(keepAt, { recursive: true, force: true });
    mkdirSync(dirname(keepAt), { recursive: true });
    renameSync(this.cwd, keepAt);
    this.placeFiles(this.cwd);
    return { kept: Promise.resolve() };
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    const full = resolve(this.cwd, path);
    if (relative(this.cwd, full).startsWith('..')) return undefined;
    let size: number;
    try {
      size = statSync(full).size;
    } catch {
      return undefined;
    }
    if (size > READ_CAP) throw new RuntimeError(`${path} is ${size} bytes: a step reads files of at most ${READ_CAP} bytes`, this.name);
    try {
      return readFileSync(full);
    } catch {
      return undefined;
    }
  }

  /** The folder's apparent size by du (not counting the files the lab placed), undefined when du cannot tell. */
  async diskUsage(): Promise<number | undefined> {
    const total = await new Promise<number | undefined>((ok) =>
      execFile('du', ['-s', '-b', this.cwd], { timeout: 30_000 }, (_e, stdout) => {
        // du exits 1 when some folder is unreadable but still prints the total it could add up.
        const n = Number(/^(\d+)/.exec(String(stdout))?.[1]);
        ok(Number.isFinite(n) ? n : undefined);
      }),
    );
    return total === undefined ? undefined : Math.max(0, total - this.diskBaseline);
  }

  async listFiles(): Promise<string[]> {
    return readdirSync(this.cwd, { recursive: true, withFileTypes: true })
      .filter((d) => d.isFile())
      .map((d) => relative(this.cwd, join(d.parentPath, d.name)));
  }

  async collect(dest: string): Promise<void> {
    if (resolve(dest) !== resolve(this.cwd)) cpSync(this.cwd, dest, { recursive: true });
  }

  /** The host's socket table (all local nodes share it), narrowed to this node's process group. */
  async sockets(): Promise<SocketEntry[] | undefined> {
    const pid = this.child?.pid;
    if (!pid || !this.running()) return undefined;
    const mine = groupSocketInodes(pid);
    return readSocketTables('/proc/net')?.filter((s) => mine.has(s.inode));
  }

  async exec(argv: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
    return new Promise((ok) => {
      const p = spawn(argv[0], argv.slice(1), { cwd: this.cwd, env: this.env, timeout: timeoutMs });
      let output = '';
      p.stdout.on('data', (c) => (output += c));
      p.stderr.on('data', (c) => (output += c));
      p.once('error', (e) => ok({ code: 127, output: output + e.message }));
      p.once('close', (code) => ok({ code: code ?? 128, output }));
    });
  }
}
