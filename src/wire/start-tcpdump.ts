import { spawn, type ChildProcess } from 'node:child_process';
import { existsSync } from 'node:fs';

const SETPRIV = ['/usr/bin/setpriv', '/bin/setpriv'].find((p) => existsSync(p));

/**
 * tcpdump must not outlive the controller: it runs through util-linux's setpriv with a
 * parent-death signal, so even a SIGKILL of `lab up` ends it (measured before: every
 * capture's tcpdump kept running, writing into the dead run's folder). It is told to stay
 * root (`-Z root`): the kernel clears a parent-death signal when a process changes its
 * user, which tcpdump otherwise does once it has opened the capture.
 */
const tied = (argv: string[]) => (SETPRIV ? [SETPRIV, '--pdeathsig', 'KILL', '--', ...argv] : argv);
const KEEP_USER: string[] = process.getuid?.() === 0 ? ['-Z', 'root'] : [];

export interface TcpdumpStart {
  /** Run before tcpdump (nsenter into a container's namespace). */
  pre?: string[];
  /** What it listens on, for messages ("lo", "nflog:5"). */
  what: string;
  signal?: AbortSignal;
  /** The error to reject with (each caller has its own class). */
  error?: (message: string) => Error;
}

/**
 * Start tcpdump with these arguments, tied to this process (it ends with it, even after a
 * SIGKILL: see `tied`), and resolve once it says "listening on", i.e. once what it reads
 * is being written. Rejects with tcpdump's last words when it exits first, or when aborted.
 */
export async function startTcpdump(tcpdump: string, args: string[], opts: TcpdumpStart): Promise<ChildProcess> {
  const fail = opts.error ?? ((m: string) => new Error(m));
  const argv = tied([...(opts.pre ?? []), tcpdump, ...KEEP_USER, ...args]);
  const proc = spawn(argv[0], argv.slice(1), { stdio: ['ignore', 'ignore', 'pipe'] });
  const killOnExit = () => proc.kill('SIGKILL');
  process.once('exit', killOnExit);
  proc.once('exit', () => process.removeListener('exit', killOnExit));
  let err = '';
  await new Promise<void>((resolve, reject) => {
    const onAbort = () => (proc.kill('SIGTERM'), reject(fail('interrupted')));
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    proc.stderr!.on('data', (c: Buffer) => {
      err += c.toString();
      // tcpdump says "listening on IFACE, link-type ..." once the capture is open.
      if (/listening on /.test(err)) {
        opts.signal?.removeEventListener('abort', onAbort);
        resolve();
      }
    });
    proc.once('error', (e) => reject(fail(`cannot run ${tcpdump}: ${e.message}`)));
    proc.once('exit', (code) => reject(fail(`tcpdump on ${opts.what} exited (${code}) before capturing: ${err.trim().split('\n').pop()}`)));
  });
  return proc;
}
