import { DRIVERS } from '../runtime/drivers.js';
import type { KeptNode } from '../runtime/runtime-driver.js';
import { UsageError } from './exit-codes.js';

/** Find a node of a running lab by "node" or "lab/node", asking every runtime's driver. */
export async function findNode(projectRoot: string, spec: string): Promise<KeptNode> {
  const [lab, node] = spec.includes('/') ? spec.split('/', 2) : [undefined, spec];
  const found = (await Promise.all(DRIVERS.map((d) => d.findNodes(projectRoot, node, lab)))).flat();
  if (found.length === 0) throw new UsageError(`no running lab has a node "${spec}" (see ./lab ps; a lab stays up only with ./lab up --keep)`);
  if (found.length > 1) throw new UsageError(`several running labs have a node "${node}" (${found.map((f) => f.lab).join(', ')}); say which: LAB/${node}`);
  return found[0];
}
