import { spawn, type ChildProcess } from 'node:child_process';

/** A server program the bench started in a process of its own. */
export interface ChildServer {
  port: number;
  /** SIGTERM, then resolves when the process has exited. */
  stop(): Promise<void>;
}

/**
 * Start `node script ...args` in `cwd` and resolve with the port once its stdout prints a
 * line with `port N`; later output is read and dropped (a server's console costs what it
 * costs in a lab, where a pipe reads it too). Rejects if the program exits first or takes
 * longer than `timeoutMs` to say so.
 *
 * Why a process of its own: in a lab the server is its own program, and on a two-core
 * machine a server sharing the driver's event loop would be measured with the driver's
 * work; the bare echo baseline runs the same way, so the ratio compares like with like.
 */
export function startChildServer(script: string, args: string[], cwd: string, timeoutMs = 20_000): Promise<ChildServer> {
  const child: ChildProcess = spawn(process.execPath, [script, ...args], { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => {
    if (stderr.length < 4000) stderr += d.toString('utf8');
  });
  return new Promise<ChildServer>((resolve, reject) => {
    let seen = '';
    let found = false;
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`${script} printed no port within ${timeoutMs} ms: ${stderr.trim()}`));
    }, timeoutMs);
    child.once('exit', (code, signal) => {
      if (found) return;
      clearTimeout(timer);
      reject(new Error(`${script} exited (${code ?? signal}) before listening: ${stderr.trim()}`));
    });
    child.stdout!.on('data', (d: Buffer) => {
      if (found) return;
      seen += d.toString('utf8');
      const m = /port (\d+)/.exec(seen);
      if (!m) return;
      found = true;
      clearTimeout(timer);
      resolve({
        port: Number(m[1]),
        stop: async () => {
          if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
          await exited;
        },
      });
    });
  });
}
