import { driverOf } from '../runtime/drivers.js';
import { findNode } from './find-node.js';

/** `lab exec`: run a command inside a node (its container, or its folder, address and environment locally); exits with its code. */
export async function exec(projectRoot: string, spec: string, argv: string[]): Promise<number> {
  const f = await findNode(projectRoot, spec);
  return driverOf(f.runtime).exec(projectRoot, f, argv);
}
