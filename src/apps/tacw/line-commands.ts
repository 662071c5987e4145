import { createInterface } from 'node:readline';

/**
 * Calls `handle` with each line typed on stdin, one at a time (the next waits for the
 * previous to finish), so answers come out in the order the commands went in.
 *
 * Why serialised: the lab types a command and expects its answer; two overlapping
 * answers would interleave and no pattern could tell them apart.
 */
export function onStdinLines(handle: (line: string) => Promise<void> | void, onEnd?: () => void): void {
  const rl = createInterface({ input: process.stdin, terminal: false });
  let chain = Promise.resolve();
  rl.on('line', (line) => {
    chain = chain.then(() => handle(line.trim())).catch((e: unknown) => {
      process.stdout.write(`error: ${e instanceof Error ? e.message : String(e)}\n`);
    });
  });
  rl.on('close', () => {
    void chain.then(() => onEnd?.());
  });
}
