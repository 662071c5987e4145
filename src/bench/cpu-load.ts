import { spawn, type ChildProcess } from 'node:child_process';
import { availableParallelism } from 'node:os';

/**
 * The benches' load generator: one busy process per core (a loop that never yields), at
 * normal priority, so whatever is measured beside it competes for every core. stop() ends
 * exactly the processes it started, by pid.
 */
export async function cpuLoad(cores = availableParallelism()): Promise<{ cores: number; stop: () => void }> {
  const kids: ChildProcess[] = [];
  for (let i = 0; i < cores; i++) {
    const kid = spawn(process.execPath, ['-e', 'process.stdout.write("busy\\n"); for (;;) {}'], { stdio: ['ignore', 'pipe', 'ignore'] });
    kids.push(kid);
    // Started when it says so: its loop is running.
    await new Promise<void>((ok, fail) => {
      kid.stdout!.once('data', () => ok());
      kid.once('error', fail);
    });
  }
  const stop = () => {
    for (const k of kids) if (k.exitCode === null && k.pid) process.kill(k.pid, 'SIGKILL');
  };
  process.once('exit', stop);
  return { cores, stop };
}
