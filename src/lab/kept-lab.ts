import { keptRecord, heldBy, type LabRecord } from '../runtime/lab-registry.js';
import { driverOf } from '../runtime/drivers.js';
import { nodeFiles } from '../model/run-paths.js';
import { UsageError } from '../model/netlab-error.js';
import { HeldLab, type LiveLab } from './live-lab.js';
import { RemoteLab } from './lab-control.js';
import { LabNode } from './lab-node.js';
import { loadTopology } from '../topology/load-topology.js';
import { renderNode } from '../topology/lab-plan.js';
import { Transcript } from '../report/transcript.js';

/**
 * A kept lab to act on (lab run, lab ui): one a process holds through its control socket;
 * one nobody holds (a kept Docker lab) by taking over its nodes here through its runtime's
 * driver (its topology file gives the scenarios).
 */
export async function openKeptLab(projectRoot: string, lab: string): Promise<{ lab: LiveLab; record: LabRecord; close: () => void }> {
  const record = keptRecord(projectRoot, lab);
  const control = heldBy(record);
  if (control) {
    const remote = await RemoteLab.connect(control);
    return { lab: remote, record, close: () => remote.close() };
  }
  if (!record.file) throw new UsageError(`lab ${record.lab} was kept by an older netlab that did not record its topology file; bring it up again`);
  const plan = loadTopology(record.file);
  const adopted = await driverOf(record.runtime).adopt(record);
  const t0 = performance.now();
  const byName = new Map(adopted.nodes.map((a) => [a.node.name, a.node]));
  const exits = new Map(adopted.nodes.map((a) => [a.node.name, a.exit]));
  const transcripts: Transcript[] = [];
  const nodes = plan.nodes.flatMap((p) => {
    const rn = byName.get(p.name);
    if (!rn) return [];
    const t = new Transcript(nodeFiles.transcript(record.runDir, p.name), t0);
    transcripts.push(t);
    const { command } = renderNode(plan, p, (x) => byName.get(x.name)?.address ?? '');
    const ln = new LabNode(p, rn, command, rn.image, t);
    ln.lastExit = exits.get(p.name); // a node that already ended shows how
    return [ln];
  });
  // A replay captures and puts faults in as the run did: its capture mode, its network.
  const held = new HeldLab(plan, nodes, record.runDir, record.runtime, { wire: { capture: record.capture ?? 'auto', wireTarget: adopted.wireTarget?.bind(adopted) } });
  return { lab: held, record, close: () => void Promise.all(transcripts.map((t) => t.close())) };
}
