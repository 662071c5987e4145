import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

/** A lab that is up, as recorded for `lab ps`, `lab attach` and `lab down`. */
export interface LabRecord {
  lab: string;
  runId: string;
  runtime: 'docker' | 'local';
  runDir: string;
  /** The topology file it came from (for lab run and lab ui). */
  file?: string;
  pid: number;
  nodes: { name: string; address: string }[];
}

const dirOf = (root: string) => join(root, '.netlab', 'labs');

/** Record a lab as up. One file per run, so concurrent labs never overwrite each other. */
export function registerLab(root: string, rec: LabRecord): void {
  mkdirSync(dirOf(root), { recursive: true });
  writeFileSync(join(dirOf(root), `${rec.lab}.${rec.runId}.json`), JSON.stringify(rec, null, 2));
}

export function unregisterLab(root: string, lab: string, runId: string): void {
  rmSync(join(dirOf(root), `${lab}.${runId}.json`), { force: true });
}

/** Labs recorded as up whose controller (for local labs) is still alive. */
export function listLabs(root: string): LabRecord[] {
  let files: string[];
  try {
    files = readdirSync(dirOf(root)).filter((f) => f.endsWith('.json'));
  } catch {
    return [];
  }
  const out: LabRecord[] = [];
  for (const f of files) {
    try {
      const rec = JSON.parse(readFileSync(join(dirOf(root), f), 'utf8')) as LabRecord;
      if (rec.runtime === 'local' && !alive(rec.pid)) {
        rmSync(join(dirOf(root), f), { force: true });
        continue;
      }
      out.push(rec);
    } catch {
      /* a file being written; skip */
    }
  }
  return out;
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
