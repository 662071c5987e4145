import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFiles } from '../model/run-paths.js';

/**
 * What the socket shim rewrote under the loopback policy, one sentence per node and case,
 * from the logs it left in each node's collected working folder (`<pid> bind tcp 127.0.0.1
 * 4000 rewritten 10.77.3.10`): the course decides from these whether to deduct.
 */
export function loopbackNotes(runDir: string, nodes: string[], logName: string): string[] {
  const notes = new Set<string>();
  for (const node of nodes) {
    let text: string;
    try {
      text = readFileSync(join(nodeFiles.files(runDir, node), logName), 'utf8');
    } catch {
      continue;
    }
    for (const line of text.split('\n')) {
      const [, call, proto, from, port, what, to] = line.trim().split(/\s+/);
      if (what !== 'rewritten') continue;
      const p = proto?.toUpperCase();
      if (call === 'bind') notes.add(`${node} bound ${from}:${port} (${p}); the lab reached it on ${to}:${port}, as if it listened on its own address`);
      else notes.add(`${node} sent to ${from}:${port} (${p}, ${call}); the lab delivered it to the server at ${to}:${port}`);
    }
  }
  return [...notes];
}
