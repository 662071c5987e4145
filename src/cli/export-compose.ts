import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { loadTopology } from '../topology/load-topology.js';
import { composeFile } from '../lab/compose-file.js';
import { EXIT, UsageError } from './exit-codes.js';

/**
 * `lab export compose`: the topology's nodes as a compose.yaml, and with -o the nodes'
 * files written beside it (compose-files/<lab>/<node>/...), which it bind-mounts.
 */
export async function exportCompose(_root: string, format: string, file: string, opts: { output?: string }): Promise<number> {
  if (format !== 'compose') throw new UsageError(`unknown export format "${format}" (known: compose, k8s-job)`);
  const { text, files } = composeFile(loadTopology(file));
  if (!opts.output) {
    process.stdout.write(text);
    if (files.length) process.stderr.write(`note: ${files.length} node files are mounted from beside the compose file; -o <file> writes them too\n`);
    return EXIT.ok;
  }
  const dir = dirname(resolve(opts.output));
  for (const f of files) {
    const p = join(dir, f.path);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, f.content);
    chmodSync(p, f.mode);
  }
  writeFileSync(opts.output, text);
  return EXIT.ok;
}
