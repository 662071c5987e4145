import { RemoteLab } from '../lab/lab-control.js';
import { driverOf } from '../runtime/drivers.js';
import { EXIT, UsageError } from './exit-codes.js';
import { findNode } from './find-node.js';
import { DETACH_HELP, readTyped } from './detach-keys.js';

/**
 * `lab attach`: this terminal becomes the node's terminal, as a student would use it.
 * Lines typed go to the node's stdin; its output comes back. Ctrl-] or Ctrl-D detaches
 * and leaves the node running. A node that is not running is said so; --restart starts it.
 */
export async function attach(projectRoot: string, spec: string, opts: { restart?: boolean } = {}): Promise<number> {
  const f = await findNode(projectRoot, spec);
  const term = await driverOf(f.runtime).attach(f, {
    restart: opts.restart,
    controller: f.control ? () => RemoteLab.connect(f.control!) : undefined,
    notRunning: (why) => new UsageError(`${spec} is not running (${why})`, { hint: `./lab attach --restart ${spec} starts it again and attaches` }),
  });
  process.stderr.write(`attached to ${spec}${opts.restart ? ' (restarted)' : ''}; type lines for its stdin; ${DETACH_HELP}\n`);
  let detach!: () => void;
  const detached = new Promise<void>((ok) => (detach = ok));
  const stop = readTyped(process.stdin, process.stdout, (d) => term.write(d), detach);
  await Promise.race([detached, term.closed]);
  stop();
  term.close();
  return EXIT.ok;
}
