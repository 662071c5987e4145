/**
 * What the packet capture costs: five-pairs (its wire steps taken out, so both runs do the
 * same work) with capture on and off, alternating, three runs each, median wall time.
 * The target of issue #12 is under 10% slower with capture.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../topology/load-topology.js';
import { chooseRuntime } from '../runtime/choose-runtime.js';
import { runLab, type LabReporter } from '../lab/run-lab.js';
import type { LabPlan } from '../topology/lab-plan.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const quiet: LabReporter = { phase() {}, nodeStarted() {}, scenarioStart() {}, step() {}, scenarioEnd() {}, info() {} };
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

/** The plan without its wire steps, at any depth (foreach, parallel). */
function withoutWireSteps(plan: LabPlan): LabPlan {
  const strip = (v: unknown): unknown =>
    Array.isArray(v) ? v.filter((x) => !(x && typeof x === 'object' && 'wire' in x)).map(strip) : v && typeof v === 'object' ? Object.fromEntries(Object.entries(v).map(([k, x]) => [k, strip(x)])) : v;
  return { ...plan, scenarios: strip(plan.scenarios) as LabPlan['scenarios'] };
}

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const plan = withoutWireSteps(loadTopology(join(root, 'topologies', 'five-pairs.yaml')));
  const ms: Record<'on' | 'off', number[]> = { on: [], off: [] };
  const scen: Record<'on' | 'off', number[]> = { on: [], off: [] };
  let kind = '';
  let packets = 0;
  for (let i = 0; i < 3; i++) {
    for (const mode of ['off', 'on'] as const) {
      const { runtime } = await chooseRuntime('auto', root);
      kind = runtime.kind;
      const res = await runLab({ plan, runtime, projectRoot: root, runsDir: mkdtempSync(join(tmpdir(), 'netlab-bench-cap-')), signal: new AbortController().signal, reporter: quiet, capture: mode });
      if (res.status !== 'passed') throw new Error(`five-pairs (capture ${mode}) ${res.status}: ${res.error?.message ?? res.scenarios.find((s) => s.failure)?.failure?.message}`);
      ms[mode].push(res.ms);
      scen[mode].push(res.phases.scenarios ?? 0);
      if (mode === 'on') packets = res.wire?.capture?.packets ?? 0;
    }
  }
  const on = median(ms.on);
  const off = median(ms.off);
  return {
    title: `capture cost: five-pairs on ${kind}, capture on vs off (median of 3 each, alternating)`,
    lines: [
      `whole run: off ${(off / 1000).toFixed(2)}s, on ${(on / 1000).toFixed(2)}s, ratio ${(on / off).toFixed(2)}x (target under 1.10x)`,
      `scenarios only: off ${(median(scen.off) / 1000).toFixed(2)}s, on ${(median(scen.on) / 1000).toFixed(2)}s, ratio ${(median(scen.on) / median(scen.off)).toFixed(2)}x`,
      `capture.pcap held ${packets} packets`,
    ],
  };
}
