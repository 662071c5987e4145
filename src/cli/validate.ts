import { loadTopology } from '../topology/load-topology.js';
import { planWire } from '../lab/lab-wire.js';
import { EXIT } from './exit-codes.js';

/** `lab validate`: every check `lab up` makes before creating anything. */
export function validate(file: string, opts: { json?: boolean }): number {
  const plan = loadTopology(file);
  // What the host must offer: the capture for wire steps, root for faults, netem for delay/jitter.
  planWire(plan, 'auto');
  if (opts.json) {
    process.stdout.write(JSON.stringify({ name: plan.name, nodes: plan.nodes.map(({ where: _w, files, ...n }) => ({ ...n, files: files.map((f) => f.path) })), scenarios: plan.scenarios.map((s) => s.name) }, null, 2) + '\n');
  } else {
    const points = plan.scenarios.reduce((t, s) => t + (s.points ?? 0), 0);
    process.stderr.write(`${file}: ok: lab ${plan.name}, ${plan.nodes.length} nodes (${plan.nodes.map((n) => n.name).join(', ')}), ${plan.scenarios.length} scenarios${points ? `, ${points} points` : ''}\n`);
  }
  return EXIT.ok;
}
