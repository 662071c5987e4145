/**
 * What the packet capture costs: five-pairs (11 nodes) and the chat lab (a file transfer),
 * their wire steps taken out so both runs do the same work, with capture on and off,
 * alternating, three runs each, median wall time, on docker (when an engine answers) and local.
 * The target of issue #12 is under 10% slower with capture.
 */
import { benchSignal } from './bench-signal.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../topology/load-topology.js';
import { chooseRuntime } from '../runtime/choose-runtime.js';
import { runLab } from '../lab/run-lab.js';
import type { LabPlan } from '../topology/lab-plan.js';
import { quietReporter } from '../lab/quiet-reporter.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The plan without its wire steps, at any depth (foreach, parallel). */
function withoutWireSteps(plan: LabPlan): LabPlan {
  const strip = (v: unknown): unknown =>
    Array.isArray(v) ? v.filter((x) => !(x && typeof x === 'object' && 'wire' in x)).map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)])) : v;
  return { ...plan, scenarios: strip(plan.scenarios) as LabPlan['scenarios'] };
}

/** One lab with capture off and on, alternating, `rounds` runs each: medians and the ratio. */
async function measure(kind: 'docker' | 'local', file: string, rounds: number): Promise<string[]> {
  const plan = withoutWireSteps(loadTopology(join(root, 'topologies', file)));
  const ms: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const scen: Record<'on' | 'off', number[]> = { on: [], off: [] };
  let packets = 0;
  for (let i = 0; i < rounds; i++) {
    for (const mode of ['off', 'on'] as const) {
      const { runtime } = await chooseRuntime(kind, root);
      const res = await runLab({ plan, runtime, projectRoot: root, runsDir: mkdtempSync(join(tmpdir(), 'netlab-bench-cap-')), signal: benchSignal, reporter: quietReporter, capture: mode });
      if (res.status !== 'passed') throw new Error(`${file} on ${kind} (capture ${mode}) ${res.status}: ${res.error?.message ?? res.scenarios.find((s) => s.failure)?.failure?.message}`);
      ms[mode].push(res.ms);
      scen[mode].push(res.phases.scenarios ?? 0);
      if (mode === 'on') packets = res.wire?.capture?.packets ?? 0;
    }
  }
  const on = median(ms.on);
  const off = median(ms.off);
  return [
    `${file} (${plan.nodes.length} nodes) on ${kind}: whole run off ${(off / 1000).toFixed(2)}s, on ${(on / 1000).toFixed(2)}s, ratio ${(on / off).toFixed(2)}x (target under 1.10x); ` +
      `scenarios only ${(median(scen.on) / median(scen.off)).toFixed(2)}x; capture.pcap held ${packets} packets`,
  ];
}

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const kinds: ('docker' | 'local')[] = ['local'];
  const auto = await chooseRuntime('auto', root);
  if (auto.runtime.kind === 'docker') kinds.unshift('docker');
  const lines: string[] = [];
  // five-pairs: 11 nodes, many short messages; chat: a peer-to-peer file transfer, the most bytes per run.
  for (const kind of kinds) for (const file of ['five-pairs.yaml', 'chat.yaml']) lines.push(...(await measure(kind, file, 3)));
  return { title: 'capture cost: capture on vs off, per lab and runtime (median of 3 each, alternating)', lines };
}
