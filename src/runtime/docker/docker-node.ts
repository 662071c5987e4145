import { chmodSync, linkSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, normalize, relative, resolve } from 'node:path';
import { PassThrough, Writable, type Duplex } from 'node:stream';
import type Docker from 'dockerode';
import tar from 'tar-stream';
import { READ_CAP, RuntimeError, type CollectFailure, type ExitInfo, type OutputListener, type RuntimeNode } from '../runtime.js';
import type { NodeClock } from '../node-clock.js';
import { parseSocketTable, readSocketTables, type SocketEntry } from '../socket-table.js';
import type { OomEvents } from './oom-events.js';
import { writeSparse, WriteBudgetError } from './write-sparse.js';
import { hostProc } from './grader-task-env.js';
import { folderSize, keepWorkFolder, placeWorkFolder } from './work-folder.js';
import { WarmContainer } from './warm-container.js';

export const WORKDIR = '/lab';
/** A warm node's container runs its init and a sleep beside the program (warm-container.ts): its pids limit is raised by these. */
export const WARM_HOLDER_PIDS = 2;

/** One container of a node, as the runtime made it: its folder placed, its disk baseline measured. */
export interface Incarnation {
  container: Docker.Container;
  diskBaseline: number;
  /** Its working folder on this machine (bind-mounted at WORKDIR), when it has one. */
  workDir?: string;
}

/**
 * A node that is a container. One long-lived attach carries stdin, stdout and stderr
 * (demultiplexed, no TTY); each start is a new incarnation with its own attach and wait.
 */
/** Bytes collected per node at most: the rest is listed as not collected. */
const COLLECT_CAP = 256 * 1024 * 1024;
const OOM_REASON = { kind: 'oom', text: 'killed: out of memory (memory limit reached)' } as const;
/** How long an exit with code 137 waits for the engine's "oom" event, which can come just after it. */
const OOM_EVENT_GRACE_MS = 2000;

export class DockerNode implements RuntimeNode {
  private stream?: Duplex;
  private outputListeners: OutputListener[] = [];
  private exitListeners: ((e: ExitInfo) => void)[] = [];
  private isRunning = false;
  private requested = false;
  private exited: Promise<void> = Promise.resolve();
  /** The container's first process as the host sees it, for its network namespace's /proc tables. */
  private pid?: number;
  /** The writable layer's size when the node was created (its files in place): diskUsage counts from here. */
  diskBaseline = 0;

  /**
   * How the runtime makes this node's container again, as it was created (same settings,
   * files placed, a new name), for reset(); absent for adopted nodes.
   */
  recreate?: () => Promise<Incarnation>;
  /** The next incarnation, made ahead of time (isolation: scenario). */
  spare?: Promise<Incarnation>;
  /** This incarnation's working folder on this machine, bind-mounted at /lab (work-folder.ts), when it has one. */
  workDir?: string;
  /** The lab is kept after the run (--keep): its folders stay where the engine mounts them. */
  kept?: boolean;
  /** The container holding the node's network namespace, when it is not the node's own (isolation: scenario). */
  netHolder?: Docker.Container;
  /**
   * isolation: scenario on this machine's engine: the container is kept for the run and
   * each incarnation of the program is an exec into it (warm-container.ts), with the files
   * to place again at every reset.
   */
  warm?: { container: WarmContainer; files: readonly { path: string; content: Buffer; mode: number }[]; diskLimited: boolean };
  /** The running incarnation's exec, on a warm node. */
  private execRun?: Docker.Exec;

  constructor(
    private readonly docker: Docker,
    private container: Docker.Container,
    readonly name: string,
    readonly address: string,
    readonly image: string,
    readonly clock?: NodeClock,
    /** The run's OOM events: an exit with 137 that the engine did not flag is still told as out of memory. */
    private readonly oomEvents?: OomEvents,
  ) {}

  get id(): string {
    return this.container.id.slice(0, 12);
  }

  async netnsPid(): Promise<number | undefined> {
    const info = await (this.netHolder ?? this.container).inspect().catch(() => undefined);
    return info?.State?.Running && info.State.Pid ? info.State.Pid : undefined;
  }

  onOutput(l: OutputListener): void {
    this.outputListeners.push(l);
  }

  onExit(l: (e: ExitInfo) => void): void {
    this.exitListeners.push(l);
  }

  running(): boolean {
    return this.isRunning;
  }

  private sink(stream: 'stdout' | 'stderr'): Writable {
    return new Writable({
      write: (chunk: Buffer, _enc, done) => {
        this.outputListeners.forEach((l) => l(stream, chunk));
        done();
      },
    });
  }

  async start(): Promise<void> {
    if (this.isRunning) return;
    await this.follow(true);
  }

  /**
   * Take over a container that already runs (a kept lab, seen again by `lab run` or
   * `lab ui`): attach to it and wait for its exit, without starting it. For one that
   * already ended, how it ended.
   */
  async adopt(): Promise<ExitInfo | undefined> {
    const info = await this.container.inspect();
    if (info.State?.Running) await this.follow(false);
    else if (info.State?.StartedAt && !info.State.StartedAt.startsWith('0001')) return { code: info.State.ExitCode ?? null, signal: null, requested: false };
    return undefined;
  }

  private async follow(start: boolean): Promise<void> {
    if (this.warm && start) return this.followExec(this.warm.container);
    this.requested = false;
    // Attach before start so not one byte of output is lost.
    const streamEnded = this.carry((await this.container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex);
    // Starting it: the exit after this start. Adopting a running one: 'not-running', because
    // a 'next-exit' wait the engine registers only after a stop that comes right behind it
    // (lab run restarts every node at once) would wait for the exit after the next start.
    const waited = this.container.wait({ condition: start ? 'next-exit' : 'not-running' } as object) as Promise<{ StatusCode: number }>;
    if (start) await this.startContainer();
    this.isRunning = true;
    this.pid = undefined;
    const oomsBefore = this.oomEvents?.count(this.container.id) ?? 0;
    this.exited = waited.then(
      async (r) => {
        // Let the last output through before reporting the exit.
        await Promise.race([streamEnded, new Promise((ok) => setTimeout(ok, 500))]);
        const oom = await this.wasOomKilled(r.StatusCode, oomsBefore);
        this.finish({ code: r.StatusCode, signal: null, requested: this.requested, reason: oom ? OOM_REASON : undefined });
      },
      () => this.finish({ code: null, signal: 'lost', requested: this.requested }),
    );
  }

  /** Take stdin, stdout and stderr on this (multiplexed) stream; resolves when it ends. */
  private carry(stream: Duplex): Promise<void> {
    this.stream = stream;
    this.docker.modem.demuxStream(stream, this.sink('stdout'), this.sink('stderr'));
    return new Promise<void>((ok) => {
      stream.once('end', ok);
      stream.once('close', ok);
      stream.once('error', ok);
    });
  }

  /** A warm node's incarnation: the program as an exec, its exit when its stream ends. */
  private async followExec(warm: WarmContainer): Promise<void> {
    this.requested = false;
    const { exec, stream } = await warm.run();
    this.execRun = exec;
    const streamEnded = this.carry(stream);
    this.isRunning = true;
    const oomsBefore = this.oomEvents?.count(this.container.id) ?? 0;
    this.exited = streamEnded.then(async () => {
      const code = await WarmContainer.exitCode(exec);
      // As when a container's first process ends: whatever it left running goes with it.
      await warm.killAll().catch(() => undefined);
      const oom = code === 137 && !this.requested && this.oomEvents ? await this.oomEvents.waitFor(this.container.id, oomsBefore, OOM_EVENT_GRACE_MS) : false;
      this.execRun = undefined;
      this.finish({
        code,
        signal: code === null ? 'lost' : null,
        requested: this.requested,
        reason: oom ? OOM_REASON : undefined,
      });
    });
  }

  /**
   * Start the container; when its network holder has stopped (seen once in CI, cause not
   * found: the holder's `sleep` had exited 1.4 s after its start), start the holder again
   * (same address: its IP is fixed) and retry once, so one lost holder costs no scenario.
   */
  private async startContainer(): Promise<void> {
    try {
      await this.container.start();
    } catch (e) {
      const holder = this.netHolder;
      if (!holder || (e as { statusCode?: number }).statusCode !== 409 || !/non running container/.test((e as Error).message)) throw e;
      const state = await holder.inspect().then((i) => i.State, () => undefined);
      await holder.start().catch((err: Error) => {
        throw new RuntimeError(`node ${this.name}: its network holder had stopped (exit ${state?.ExitCode ?? '?'}${state?.Error ? `, ${state.Error}` : ''}) and did not start again: ${err.message}`, this.name);
      });
      await this.container.start();
    }
  }

  /**
   * Whether this incarnation ended by the kernel's OOM killer: the engine's flag, or (the
   * flag is not always set on Docker 20.10) a code 137 the lab did not cause with an "oom"
   * event for the container since it started, which may arrive just after the exit.
   */
  private async wasOomKilled(code: number, oomsBefore: number): Promise<boolean> {
    const flagged = await this.container.inspect().then((i) => i.State?.OOMKilled === true, () => false);
    if (flagged) return true;
    if (code !== 137 || this.requested || !this.oomEvents) return false;
    return this.oomEvents.waitFor(this.container.id, oomsBefore, OOM_EVENT_GRACE_MS);
  }

  private finish(info: ExitInfo): void {
    this.isRunning = false;
    this.stream?.destroy();
    this.stream = undefined;
    this.exitListeners.forEach((l) => l(info));
  }

  async write(text: string): Promise<void> {
    const s = this.stream;
    if (!s || !this.isRunning || s.destroyed) throw new RuntimeError(`node ${this.name} is not running`, this.name);
    await new Promise<void>((ok, fail) => s.write(text, (e) => (e ? fail(e) : ok())));
  }

  async stop(graceMs = 3000): Promise<void> {
    if (!this.isRunning) return;
    this.requested = true;
    if (this.warm) {
      // As `docker stop` does to a container: SIGTERM to the program, SIGKILL to all after the grace.
      const pid = this.execRun && (await WarmContainer.pidOf(this.execRun));
      if (pid) await this.warm.container.signal(pid, 'SIGTERM');
      let timer: NodeJS.Timeout | undefined;
      const graced = await Promise.race([this.exited.then(() => true), new Promise<boolean>((ok) => (timer = setTimeout(() => ok(false), graceMs)))]);
      clearTimeout(timer);
      if (!graced) await this.warm.container.killAll();
      await this.exited;
      return;
    }
    await this.container.stop({ t: Math.ceil(graceMs / 1000) }).catch(ignoreNotRunning);
    await this.exited;
  }

  async kill(): Promise<void> {
    if (!this.isRunning) return;
    this.requested = true;
    if (this.warm) {
      await this.warm.container.killAll();
      await this.exited;
      return;
    }
    await this.container.kill().catch(ignoreNotRunning);
    await this.exited;
  }

  async restart(): Promise<void> {
    await this.stop();
    await this.start();
  }

  /**
   * A fresh container in place of this one (same settings and files, nothing the old one
   * wrote). The old one's folder is collected to keepAt in the background, then removed:
   * the next scenario need not wait for the evidence of the last.
   */
  async reset(keepAt: string): Promise<{ kept: Promise<CollectFailure[]> }> {
    if (this.warm) return this.resetWarm(this.warm, keepAt);
    if (!this.recreate) throw new RuntimeError(`node ${this.name} cannot be made fresh (it was not created by this run)`, this.name);
    // Killed, not stopped: the incarnation is over and its state is only evidence now.
    await this.kill();
    const old = this.container;
    const oldWork = this.workDir;
    const made = await (this.spare ?? this.recreate());
    // The one after is made now, while this one runs: a reset then only swaps containers.
    this.spare = this.recreate();
    this.spare.catch(() => undefined);
    this.container = made.container;
    this.diskBaseline = made.diskBaseline;
    this.workDir = made.workDir;
    this.pid = undefined;
    // The old container has exited (kill waits for it): nothing of it runs to change its folder.
    const kept = (oldWork ? Promise.resolve().then(() => keepWorkFolder(oldWork, keepAt, COLLECT_CAP)) : this.collectFrom(old, keepAt)).finally(() =>
      old.remove({ force: true, v: true }).catch(() => undefined),
    );
    return { kept };
  }

  /**
   * A warm node made fresh in its own container: every process killed, its folder moved to
   * keepAt (the folder stays mounted), scratch folders emptied, the files placed again.
   */
  private async resetWarm(warm: NonNullable<DockerNode['warm']>, keepAt: string): Promise<{ kept: Promise<CollectFailure[]> }> {
    await this.kill();
    await warm.container.killAll();
    const work = this.workDir!;
    const kept = keepWorkFolder(work, keepAt, COLLECT_CAP, true);
    await warm.container.wipeScratch();
    const placed = placeWorkFolder(work, warm.files, true);
    if (warm.diskLimited) this.diskBaseline = ((await writableLayerSize(this.container)) ?? 0) + placed;
    return { kept: Promise.resolve(kept) };
  }

  private async archive(path: string, container = this.container): Promise<tar.Extract | undefined> {
    try {
      const raw = (await container.getArchive({ path })) as unknown as NodeJS.ReadableStream;
      const ex = tar.extract();
      raw.pipe(ex);
      return ex;
    } catch (e) {
      if ((e as { statusCode?: number }).statusCode === 404) return undefined;
      throw e;
    }
  }

  async readFile(path: string): Promise<Buffer | undefined> {
    const rel = normalize(path);
    if (rel.startsWith('..')) return undefined;
    const ex = await this.archive(`${WORKDIR}/${rel}`);
    if (!ex) return undefined;
    let found: Buffer | undefined;
    let tooBig: number | undefined;
    for await (const entry of ex) {
      const body = entry as unknown as PassThrough;
      if (found !== undefined || entry.header.type !== 'file' || (entry.header.size ?? 0) > READ_CAP) {
        if (entry.header.type === 'file' && found === undefined) tooBig = entry.header.size;
        await drain(body);
        continue;
      }
      const chunks: Buffer[] = [];
      for await (const c of body) chunks.push(c as Buffer);
      found = Buffer.concat(chunks);
    }
    if (tooBig !== undefined && found === undefined) throw new RuntimeError(`${rel} is ${tooBig} bytes: a step reads files of at most ${READ_CAP} bytes`, this.name);
    return found;
  }

  async listFiles(): Promise<string[]> {
    const out: string[] = [];
    await this.walk((rel, type, body) => {
      if (type === 'file') out.push(rel);
      return body.resume();
    });
    return out;
  }

  /** Visit every entry of the working folder, with its path relative to it. */
  private async walk(visit: (rel: string, type: string | null | undefined, body: PassThrough | NodeJS.ReadableStream) => unknown): Promise<void> {
    const ex = await this.archive(WORKDIR);
    if (!ex) return;
    for await (const entry of ex) {
      const rel = entry.header.name.split('/').slice(1).join('/');
      if (!rel) {
        entry.resume();
        continue;
      }
      await visit(rel, entry.header.type, entry as unknown as PassThrough);
    }
  }

  /**
   * Copy the working folder into dest, keeping every file it can: each file is streamed
   * to disk (never held in memory) with its zero blocks left as holes (a sparse file stays
   * sparse), keeps its permission bits (no setuid), hard links stay
   * links; what cannot be kept (a symbolic link, a path the host refuses, past the size
   * cap) is skipped and returned with the reason, and the rest goes on.
   */
  async collect(dest: string, capBytes = COLLECT_CAP): Promise<CollectFailure[]> {
    // A folder on this machine, of a container that has exited in a lab that ends: moved
    // as it is. One that still runs (or may run again) is read through the engine.
    const work = this.workDir;
    if (work && this.warm && !this.isRunning) {
      // A warm node at the end: nothing of the node runs once its processes are killed.
      await this.warm.container.killAll();
      this.workDir = undefined;
      return keepWorkFolder(work, dest, capBytes, true);
    }
    if (work && !this.kept && !this.isRunning && (await this.container.inspect().then((i) => i.State?.Running === false, () => false))) {
      this.workDir = undefined;
      return keepWorkFolder(work, dest, capBytes);
    }
    return this.collectFrom(this.container, dest, capBytes);
  }

  private async collectFrom(container: Docker.Container, dest: string, capBytes = COLLECT_CAP): Promise<CollectFailure[]> {
    mkdirSync(dest, { recursive: true });
    const failures: CollectFailure[] = [];
    let total = 0;
    const made = new Set<string>([dest]);
    const ex = await this.archive(WORKDIR, container);
    if (!ex) return failures;
    for await (const entry of ex) {
      const h = entry.header;
      const rel = h.name.split('/').slice(1).join('/').replace(/\/+$/, '');
      const body = entry as unknown as PassThrough;
      if (!rel) {
        body.resume();
        continue;
      }
      const target = resolve(dest, rel);
      const inside = relative(dest, target);
      try {
        if (inside === '..' || inside.startsWith('../')) throw new Error('outside the folder');
        if (h.type === 'directory') {
          mkdirSync(target, { recursive: true });
          body.resume();
        } else if (h.type === 'file' || h.type === 'contiguous-file') {
          const dir = dirname(target);
          if (!made.has(dir)) mkdirSync(dir, { recursive: true });
          made.add(dir);
          const size = h.size ?? 0;
          if (size <= SMALL_FILE) {
            // A small file (most of a folder) in one write: no holes worth keeping, and far fewer round trips.
            const data = await readSmall(body);
            if (total + data.length > capBytes) throw new Error(`over the collection cap of ${capBytes} bytes (data, holes not counted)`);
            writeFileSync(target, data);
            total += data.length;
          } else {
            // Holes stay holes: the cap counts the data written, so a 1 GB sparse file costs nothing.
            total += await writeSparse(body, target, size, capBytes - total).catch((e: Error) => {
              throw e instanceof WriteBudgetError ? new Error(`over the collection cap of ${capBytes} bytes (data, holes not counted)`) : e;
            });
          }
          chmodSync(target, (h.mode ?? 0o644) & 0o777);
        } else if (h.type === 'link' && h.linkname) {
          body.resume();
          const from = resolve(dest, h.linkname.split('/').slice(1).join('/'));
          mkdirSync(dirname(target), { recursive: true });
          linkSync(from, target);
        } else {
          body.resume();
          throw new Error(h.type === 'symlink' ? `a symbolic link (to ${h.linkname}), not collected` : `a ${h.type}, not a regular file`);
        }
      } catch (e) {
        body.resume();
        failures.push({ path: rel, reason: (e as NodeJS.ErrnoException).code ?? (e as Error).message });
      }
    }
    return failures;
  }

  /** The container's own socket table, read on the host through /proc/<pid>/net (no exec, no connection). */
  async sockets(): Promise<SocketEntry[] | undefined> {
    if (!this.isRunning) return undefined;
    this.pid ??= (await this.container.inspect()).State?.Pid || undefined;
    if (!this.pid) return undefined;
    const own = readSocketTables(`${hostProc()}/${this.pid}/net`);
    if (own) return own;
    // An engine on another machine: the same table, read by a cat inside the container.
    const res = await this.exec(['cat', '/proc/net/tcp', '/proc/net/tcp6'], 5000);
    return parseSocketTable(res.output, 'tcp').filter((s) => s.state === '0A');
  }

  async usage() {
    const u = await containerUsage(this.container);
    // A warm node's container holds its init and sleep beside the program: not the program's count or limit.
    if (!this.warm) return u;
    return { ...u, pids: u.pids === undefined ? undefined : Math.max(0, u.pids - WARM_HOLDER_PIDS), pidsLimit: u.pidsLimit && u.pidsLimit - WARM_HOLDER_PIDS };
  }

  /** The writable layer's size as the engine counts it (root, so a chmod 000 folder hides nothing), less what it was at create. */
  async diskUsage(): Promise<number | undefined> {
    const size = await writableLayerSize(this.container);
    // A bind-mounted folder is not in the layer: its files count beside it.
    const work = this.workDir ? folderSize(this.workDir) : 0;
    return size === undefined ? undefined : Math.max(0, size + work - this.diskBaseline);
  }

  async exec(argv: string[], timeoutMs: number): Promise<{ code: number; output: string }> {
    const user = this.warm?.container.user;
    const ex = await this.container.exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, WorkingDir: WORKDIR, ...(user ? { User: user } : {}) });
    const stream = (await ex.start({ hijack: true, stdin: false })) as unknown as Duplex;
    let output = '';
    const collect = new Writable({
      write: (c: Buffer, _e, done) => {
        output += c.toString('utf8');
        done();
      },
    });
    this.docker.modem.demuxStream(stream, collect, collect);
    const ended = await Promise.race([
      new Promise<boolean>((ok) => stream.once('end', () => ok(true))),
      new Promise<boolean>((ok) => setTimeout(() => ok(false), timeoutMs)),
    ]);
    stream.destroy();
    if (!ended) return { code: 124, output: `${output}\n[timed out after ${timeoutMs} ms]` };
    const info = await ex.inspect();
    return { code: info.ExitCode ?? 128, output };
  }
}

/** The container's writable layer in bytes (the engine walks it: only for nodes with a disk limit). */
export async function writableLayerSize(container: Docker.Container): Promise<number | undefined> {
  const info = (await container.inspect({ size: true } as object).catch(() => undefined)) as { SizeRw?: number } | undefined;
  return typeof info?.SizeRw === 'number' ? info.SizeRw : undefined;
}

/** One sample of the container's cgroup counters. */
async function containerUsage(container: Docker.Container): Promise<{ pids?: number; pidsLimit?: number; memory?: number; memoryLimit?: number }> {
  const st = (await container.stats({ stream: false })) as unknown as {
    pids_stats?: { current?: number; limit?: number };
    memory_stats?: { usage?: number; limit?: number };
  };
  return { pids: st.pids_stats?.current, pidsLimit: st.pids_stats?.limit, memory: st.memory_stats?.usage, memoryLimit: st.memory_stats?.limit };
}

/** Files up to this size are collected with one write (read whole: bounded by it). */
const SMALL_FILE = 64 * 1024;

/** A small tar entry's bytes (its header says at most SMALL_FILE), read to its end. */
function readSmall(body: PassThrough): Promise<Buffer> {
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    let n = 0;
    body.on('data', (c: Buffer) => {
      if (n + c.length <= SMALL_FILE) chunks.push(c);
      n += c.length;
    });
    body.once('end', () => (n > SMALL_FILE ? fail(new Error('longer than its header said')) : ok(Buffer.concat(chunks))));
    body.once('error', fail);
  });
}

/** Read a tar entry to its end, keeping nothing (an entry is never destroyed: that would end the archive). */
function drain(body: PassThrough): Promise<void> {
  return new Promise((ok) => {
    body.once('end', ok);
    body.once('error', () => ok());
    body.resume();
  });
}

function ignoreNotRunning(e: { statusCode?: number }): void {
  if (e.statusCode === 304 || e.statusCode === 409) return;
  throw e;
}

/** A tar archive holding the given files, for putArchive into the working folder. */
export function filesTar(files: { path: string; content: Buffer; mode: number }[]): Promise<Buffer> {
  const pack = tar.pack();
  // Rooted at / so that the working folder's own entry applies: it belongs to the
  // unprivileged user too, and a sandboxed node can create files in it.
  const dir = WORKDIR.slice(1);
  pack.entry({ name: `${dir}/`, type: 'directory', mode: 0o755, uid: 1000, gid: 1000 });
  for (const f of files) pack.entry({ name: join(dir, f.path), mode: f.mode, uid: 1000, gid: 1000 }, f.content);
  pack.finalize();
  return new Promise((ok, fail) => {
    const chunks: Buffer[] = [];
    pack.on('data', (c) => chunks.push(c as Buffer));
    pack.on('end', () => ok(Buffer.concat(chunks)));
    pack.on('error', fail);
  });
}
