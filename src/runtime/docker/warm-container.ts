import { cpSync, existsSync, lchownSync, lstatSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Duplex } from 'node:stream';
import type Docker from 'dockerode';
import { emptyFolder } from './work-folder.js';

/**
 * A node of an `isolation: scenario` lab whose container is made once and kept for the
 * whole run, each incarnation of its program being an exec into it (warm): making a node
 * fresh is then killing its processes, moving its folder aside, emptying its scratch
 * folders and placing its files again, instead of a new container (about 0.3 CPU-seconds
 * each in dockerd, containerd, the shim and runc, against about 0.05 for an exec; measured
 * on Docker 20.10).
 *
 * The container's own process is `sleep infinity` under the engine's init, run as root with
 * no capabilities: the node's programs run as another user (the sandbox's), so they cannot
 * signal it, and the container (with its address, limits and network namespace) outlives
 * any program. Its processes are killed from this machine, by pid, from the container's
 * cgroup: nothing inside is trusted to do it.
 *
 * What "fresh" covers: the working folder (a folder on this machine, bind-mounted), /tmp,
 * /var/tmp, /dev/shm and the program user's home (emptied; the home gets /etc/skel again),
 * the clock (the lab resets it), every process. Those are all the places the grading
 * image's unprivileged user can write. A program run as root in a lab of its own (a
 * reference node) could write elsewhere in the image; that would stay.
 */
export class WarmContainer {
  constructor(
    private readonly container: Docker.Container,
    /** The program, as the node's Cmd would have run it. */
    readonly argv: string[],
    /** The user it runs as (the sandbox's), or the image's. */
    readonly user: string | undefined,
    /** Where this machine's /proc is (the engine's pids are this machine's: warm needs that). */
    private readonly proc = '/proc',
  ) {}

  /**
   * The container's init as this machine sees it, asked of the engine every time (a pid
   * kept from before could be another process's by now); undefined when it is not running.
   */
  private async init(): Promise<number | undefined> {
    const info = await this.container.inspect().catch(() => undefined);
    return info?.State?.Running && info.State.Pid ? info.State.Pid : undefined;
  }

  /** The init of a running container: started again when its sleep was ended (same address). */
  private async running(): Promise<number> {
    const pid = await this.init();
    if (pid) return pid;
    await this.container.start();
    const again = await this.init();
    if (!again) throw new Error('the container did not start again');
    return again;
  }

  /** Start the program: an exec with stdin, stdout and stderr on one hijacked stream. */
  async run(): Promise<{ exec: Docker.Exec; stream: Duplex }> {
    await this.running();
    const exec = await this.container.exec({
      Cmd: this.argv,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      ...(this.user ? { User: this.user } : {}),
    });
    const stream = (await exec.start({ hijack: true, stdin: true })) as unknown as Duplex;
    return { exec, stream };
  }

  /** How the exec ended: its exit code once the engine has it (the stream can end a moment before). */
  static async exitCode(exec: Docker.Exec): Promise<number | null> {
    for (let i = 0; i < 100; i++) {
      const info = await exec.inspect().catch(() => undefined);
      if (!info) return null;
      if (!info.Running) return info.ExitCode ?? null;
      await new Promise((ok) => setTimeout(ok, 10));
    }
    return null;
  }

  /** The exec's first process, as this machine sees it. */
  static async pidOf(exec: Docker.Exec): Promise<number | undefined> {
    const info = await exec.inspect().catch(() => undefined);
    return info?.Running && info.Pid ? info.Pid : undefined;
  }

  /** Send sig to pid only if it is a process of this container now (read from its cgroup just before). */
  async signal(pid: number, sig: NodeJS.Signals): Promise<void> {
    const init = await this.init();
    const procs = init && cgroupProcs(this.proc, init, this.container.id);
    if (!procs || !readPids(procs).includes(pid)) return;
    try {
      process.kill(pid, sig);
    } catch {
      // gone already
    }
  }

  /**
   * SIGKILL every process of the container but its init and sleep, until none is left
   * alive (a fork bomb forks while it is being killed: every round kills what it sees, and
   * the process limit bounds it). Returns how many were killed. Each round reads the
   * container's own cgroup and kills at once what it lists, so a pid is signalled
   * microseconds after the kernel said it is the container's.
   */
  async killAll(): Promise<number> {
    const init = await this.init();
    if (!init) return 0; // not running: nothing of it is alive
    // Only ever this container's cgroup (its path names the container's id): a pid that is
    // not the container's init any more must never lead to another cgroup, least of all the root.
    const procs = cgroupProcs(this.proc, init, this.container.id);
    // Never a silent "nothing to kill": a node that cannot be emptied is not fresh.
    if (!procs) throw new Error(`the container's processes cannot be listed (no cgroup.procs for pid ${init} under /sys/fs/cgroup); NETLAB_WARM_NODES=0 makes a new container per scenario instead`);
    let killed = 0;
    for (let round = 0; round < 10_000; round++) {
      const alive = readPids(procs).filter((p) => {
        if (p === init) return false;
        const st = procStat(this.proc, p);
        return st !== undefined && st.state !== 'Z' && !this.isHolder(p, st.ppid, init);
      });
      if (!alive.length) return killed;
      for (const p of alive) {
        try {
          process.kill(p, 'SIGKILL');
          killed++;
        } catch {
          // gone already
        }
      }
      await new Promise((ok) => setImmediate(ok));
    }
    throw new Error(`processes of the node kept appearing after ${killed} were killed`);
  }

  /** The container's own sleep: init's child, root's, running `sleep infinity`. */
  private isHolder(pid: number, ppid: number, init: number): boolean {
    if (ppid !== init) return false;
    try {
      const uid = /^Uid:\s+(\d+)/m.exec(readFileSync(`${this.proc}/${pid}/status`, 'utf8'))?.[1];
      return uid === '0' && readFileSync(`${this.proc}/${pid}/cmdline`, 'utf8') === 'sleep\0infinity\0';
    } catch {
      return false;
    }
  }

  /**
   * Empty what the node's user could write outside its working folder (no process of the
   * node is alive: call after killAll), through the container's root as this machine sees it.
   */
  async wipeScratch(): Promise<void> {
    const root = `${this.proc}/${await this.running()}/root`;
    for (const d of ['tmp', 'var/tmp', 'dev/shm']) {
      const at = realFolder(root, d);
      if (at) emptyFolder(at);
    }
    const uid = this.user ? Number(this.user.split(':')[0]) : NaN;
    if (!Number.isInteger(uid) || uid === 0) return;
    const home = homeOf(root, uid);
    if (!home) return;
    const at = realFolder(root, home);
    if (!at) return;
    emptyFolder(at);
    const skel = realFolder(root, 'etc/skel');
    if (!skel) return;
    cpSync(skel, at, { recursive: true, dereference: false, verbatimSymlinks: true });
    const own = (p: string) => {
      for (const e of readdirSync(p, { withFileTypes: true })) {
        lchownSync(join(p, e.name), uid, uid);
        if (e.isDirectory()) own(join(p, e.name));
      }
    };
    own(at);
  }
}

/** The cgroup.procs file of the container's cgroup that holds pid, or undefined. */
function cgroupProcs(proc: string, pid: number, containerId: string): string | undefined {
  let text: string;
  try {
    text = readFileSync(`${proc}/${pid}/cgroup`, 'utf8');
  } catch {
    return undefined;
  }
  return cgroupProcsCandidates(text, containerId).find((f) => existsSync(f));
}

/**
 * Where a /proc/<pid>/cgroup text says the process's cgroup.procs may be (v2: the unified
 * hierarchy; v1: the pids controller's), only for cgroups whose path names the container:
 * a process of any other cgroup, the root's above all, gives none.
 */
export function cgroupProcsCandidates(text: string, containerId: string): string[] {
  const out: string[] = [];
  if (!/^[0-9a-f]{12,64}$/.test(containerId)) return out;
  for (const line of text.split('\n')) {
    const [, controllers, path] = line.split(':');
    if (path === undefined || !path.includes(containerId)) continue;
    if (controllers === '') out.push(`/sys/fs/cgroup${path}/cgroup.procs`);
    else if (controllers!.split(',').includes('pids')) out.push(`/sys/fs/cgroup/pids${path}/cgroup.procs`);
  }
  return out;
}

function readPids(file: string): number[] {
  try {
    return readFileSync(file, 'utf8').split('\n').filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

/** A process's state letter and parent, from one read of /proc/<pid>/stat; undefined when it is gone. */
function procStat(proc: string, pid: number): { state: string; ppid: number } | undefined {
  try {
    const stat = readFileSync(`${proc}/${pid}/stat`, 'utf8');
    const [state, ppid] = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { state: state!, ppid: Number(ppid) };
  } catch {
    return undefined;
  }
}

/** The home folder of uid in the image's /etc/passwd, relative to its root. */
function homeOf(root: string, uid: number): string | undefined {
  try {
    for (const line of readFileSync(join(root, 'etc', 'passwd'), 'utf8').split('\n')) {
      const f = line.split(':');
      if (Number(f[2]) === uid && f[5] && f[5] !== '/' && f[5].startsWith('/home/')) return f[5].slice(1);
    }
  } catch {
    // no passwd: no home to restore
  }
  return undefined;
}

/**
 * root/rel when every part of it is a folder, not a link (through /proc/<pid>/root an
 * absolute link would resolve on this machine); else undefined.
 */
function realFolder(root: string, rel: string): string | undefined {
  let at = root;
  for (const part of rel.split('/')) {
    at = join(at, part);
    try {
      const st = lstatSync(at);
      if (!st.isDirectory() || st.isSymbolicLink()) return undefined;
    } catch {
      return undefined;
    }
  }
  return at;
}
