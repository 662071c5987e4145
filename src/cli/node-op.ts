import type { NodeOp } from '../lab/live-lab.js';
import { RemoteLab } from '../lab/lab-control.js';
import { driverOf } from '../runtime/drivers.js';
import { EXIT } from './exit-codes.js';
import { findNode } from './find-node.js';

/** `lab start|stop|restart <lab>/<node>`: through the process holding the lab when one does (its page follows), else through the runtime. */
export async function nodeOp(projectRoot: string, op: NodeOp, spec: string): Promise<number> {
  const f = await findNode(projectRoot, spec);
  if (f.control) {
    const remote = await RemoteLab.connect(f.control);
    try {
      await remote.control(op, f.node);
    } finally {
      remote.close();
    }
  } else await driverOf(f.runtime).nodeOp(f, op);
  process.stderr.write(`${spec}: ${op === 'stop' ? 'stopped' : op === 'start' ? 'started' : 'restarted'}\n`);
  return EXIT.ok;
}
