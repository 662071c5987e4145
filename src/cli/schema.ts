import { topologyJsonSchema } from '../topology/topology-schema.js';
import { EXIT } from './exit-codes.js';

/** `lab schema`: the JSON Schema of topology files, for editor autocompletion. */
export function schema(): number {
  const s = { $id: 'https://netlab.dev/topology.schema.json', title: 'netlab topology', ...(topologyJsonSchema() as object) };
  process.stdout.write(JSON.stringify(s, null, 2) + '\n');
  return EXIT.ok;
}
