import { writeFileSync } from 'node:fs';
import { loadTopology } from '../topology/load-topology.js';
import { composeFile } from '../lab/compose-file.js';
import { EXIT, UsageError } from './exit-codes.js';

/** `lab export compose`: the topology's nodes as a compose.yaml. */
export async function exportCompose(_root: string, format: string, file: string, opts: { output?: string }): Promise<number> {
  if (format !== 'compose') throw new UsageError(`unknown export format "${format}" (known: compose, k8s-job)`);
  const text = composeFile(loadTopology(file));
  if (opts.output) writeFileSync(opts.output, text);
  else process.stdout.write(text);
  return EXIT.ok;
}
