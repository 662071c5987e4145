import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { projectFiles, runFiles } from '../model/run-paths.js';
import { UsageError } from '../model/netlab-error.js';
import type { RuntimeKind } from './runtime.js';

/** A lab that is up, as recorded for `lab ps`, `lab attach` and `lab down`. */
export interface LabRecord {
  lab: string;
  runId: string;
  runtime: RuntimeKind;
  runDir: string;
  /** The topology file it came from (for lab run and lab ui). */
  file?: string;
  pid: number;
  nodes: { name: string; address: string }[];
  /** The run's capture mode (--capture on, --no-capture off, else auto): replays (lab run) follow it. */
  capture?: 'auto' | 'on' | 'off';
}

const dirOf = projectFiles.labs;

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

/** The control socket of the process holding the lab (a local lab, or one under lab up --ui), when one answers there. */
export function heldBy(record: LabRecord): string | undefined {
  const p = runFiles.control(record.runDir);
  return existsSync(p) ? p : undefined;
}

/** The registry record of a kept lab, by name (one of several only when named precisely). */
export function keptRecord(root: string, lab: string): LabRecord {
  const recs = listLabs(root).filter((r) => r.lab === lab || `${r.lab}.${r.runId}` === lab);
  if (recs.length === 0) throw new UsageError(`no kept lab named "${lab}" (see ./lab ps; a lab stays up with ./lab up --keep)`);
  if (recs.length > 1) throw new UsageError(`several kept labs are named "${lab}"; say which: ${recs.map((r) => `${r.lab}.${r.runId}`).join(', ')}`);
  return recs[0];
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}
