import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { listLabs, type LabRecord } from '../lab/lab-registry.js';
import { HeldLab, type LiveLab } from '../lab/live-lab.js';
import { RemoteLab } from '../lab/lab-control.js';
import { LabNode } from '../lab/lab-node.js';
import { loadTopology } from '../topology/load-topology.js';
import { renderNode } from '../topology/lab-plan.js';
import { Transcript } from '../report/transcript.js';
import { adoptDockerLab } from '../runtime/docker/docker-kept-lab.js';
import { dockerClient } from '../runtime/choose-runtime.js';
import { UsageError } from './exit-codes.js';

/** The control socket a controller holding a lab listens on. */
export const controlPath = (runDir: string) => join(runDir, 'control.sock');

/** Whether a process holds the lab (a local lab, or one under lab up --ui) and answers on its control socket. */
export function heldBy(record: LabRecord): string | undefined {
  const p = controlPath(record.runDir);
  return existsSync(p) ? p : undefined;
}

/** The registry record of a kept lab, by name (one of several only when named precisely). */
export function keptRecord(projectRoot: string, lab: string): LabRecord {
  const recs = listLabs(projectRoot).filter((r) => r.lab === lab || `${r.lab}.${r.runId}` === lab);
  if (recs.length === 0) throw new UsageError(`no kept lab named "${lab}" (see ./lab ps; a lab stays up with ./lab up --keep)`);
  if (recs.length > 1) throw new UsageError(`several kept labs are named "${lab}"; say which: ${recs.map((r) => `${r.lab}.${r.runId}`).join(', ')}`);
  return recs[0];
}

/**
 * A kept lab to act on: a local one through its controller's control socket; a Docker
 * one by taking over its containers here (its topology file gives the scenarios).
 */
export async function openKeptLab(projectRoot: string, lab: string): Promise<{ lab: LiveLab; record: LabRecord; close: () => void }> {
  const record = keptRecord(projectRoot, lab);
  if (record.runtime === 'local' || heldBy(record)) {
    const remote = await RemoteLab.connect(controlPath(record.runDir));
    return { lab: remote, record, close: () => remote.close() };
  }
  if (!record.file) throw new UsageError(`lab ${record.lab} was kept by an older netlab that did not record its topology file; bring it up again`);
  const plan = loadTopology(record.file);
  const adopted = await adoptDockerLab(dockerClient(), record.lab);
  const t0 = performance.now();
  const byName = new Map(adopted.map((a) => [a.node.name, a.node]));
  const exits = new Map(adopted.map((a) => [a.node.name, a.exit]));
  const transcripts: Transcript[] = [];
  const nodes = plan.nodes.flatMap((p) => {
    const rn = byName.get(p.name);
    if (!rn) return [];
    const t = new Transcript(join(record.runDir, 'nodes', p.name, 'transcript.log'), t0);
    transcripts.push(t);
    const { command } = renderNode(plan, p, (x) => byName.get(x.name)?.address ?? '');
    const ln = new LabNode(p, rn, command, rn.image, t);
    ln.lastExit = exits.get(p.name); // a node that already ended shows how
    return [ln];
  });
  const held = new HeldLab(plan, nodes, record.runDir, 'docker');
  return { lab: held, record, close: () => void Promise.all(transcripts.map((t) => t.close())) };
}
