import type { NodeOp } from '../lab/live-lab.js';
import { RemoteLab } from '../lab/lab-control.js';
import { EXIT } from './exit-codes.js';
import { findNode } from './find-node.js';
import { controlPath, heldBy } from './kept-lab.js';
import { listLabs } from '../lab/lab-registry.js';

/** `lab start|stop|restart <lab>/<node>`: a Docker node through the engine, a local one through its controller. */
export async function nodeOp(projectRoot: string, op: NodeOp, spec: string): Promise<number> {
  const f = await findNode(projectRoot, spec);
  const held = f.kind === 'docker' ? listLabs(projectRoot).find((r) => r.lab === f.lab && r.runtime === 'docker' && heldBy(r)) : undefined;
  if (f.kind === 'docker' && !held) {
    const running = (await f.container.inspect()).State?.Running;
    if (op === 'start' && !running) await f.container.start();
    if (op === 'stop' && running) await f.container.stop({ t: 3 });
    if (op === 'restart') await f.container.restart({ t: 3 });
  } else {
    const remote = await RemoteLab.connect(held ? controlPath(held.runDir) : controlPath(f.kind === 'local' ? f.record.runDir : ''));
    try {
      await remote.control(op, f.node);
    } finally {
      remote.close();
    }
  }
  process.stderr.write(`${spec}: ${op === 'stop' ? 'stopped' : op === 'start' ? 'started' : 'restarted'}\n`);
  return EXIT.ok;
}
