import { driverOf } from '../runtime/drivers.js';
import { EXIT } from './exit-codes.js';
import { findNode } from './find-node.js';

/** `lab logs`: a node's output so far (docker: the engine's log; local: the transcript). */
export async function logs(projectRoot: string, spec: string, opts: { follow?: boolean }): Promise<number> {
  const f = await findNode(projectRoot, spec);
  await driverOf(f.runtime).logs(f, opts);
  return EXIT.ok;
}
