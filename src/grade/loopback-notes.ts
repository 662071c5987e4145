import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { nodeFiles } from '../model/run-paths.js';

/**
 * What the socket shim rewrote under the loopback policy, one sentence per node and case,
 * from the logs it left in each node's collected working folder (`<pid> bind tcp 127.0.0.1
 * 4000 rewritten 10.77.3.10`): the course decides from these whether to deduct. With
 * isolation: scenario each scenario's folder is kept apart (files-after/scenario-<n>), and
 * each has its own log, so all of them are read.
 */
export function loopbackNotes(runDir: string, nodes: string[], logName: string): string[] {
  const notes = new Set<string>();
  for (const node of nodes) {
    const folders = [nodeFiles.files(runDir, node), ...scenarioFolders(runDir, node)];
    const text = folders.map((f) => readOrEmpty(join(f, logName))).join('\n');
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

function readOrEmpty(path: string): string {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return '';
  }
}

/** The node's folders as each scenario left them, when the run kept them (isolation: scenario). */
function scenarioFolders(runDir: string, node: string): string[] {
  const parent = join(nodeFiles.filesAfter(runDir, node, 1), '..');
  try {
    return readdirSync(parent).map((d) => join(parent, d));
  } catch {
    return [];
  }
}
