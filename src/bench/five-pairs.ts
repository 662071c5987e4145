/**
 * The classroom command, timed: `lab up topologies/five-pairs.yaml` phase by phase on
 * the default runtime, three runs, beside the lab controller's own floor measured in the
 * same run (an 11-node lab with no scenarios). The chat latency with five pairs at once
 * is in crchat-latency.
 */
import { benchSignal } from './bench-signal.js';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadTopology } from '../topology/load-topology.js';
import { chooseRuntime } from '../runtime/choose-runtime.js';
import { runLab } from '../lab/run-lab.js';
import { timeLab } from './lab-startup.js';
import { quietReporter } from '../lab/quiet-reporter.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];

export default async function bench(): Promise<{ title: string; lines: string[] }> {
  const plan = loadTopology(join(root, 'topologies', 'five-pairs.yaml'));
  const runs: { ms: number; phases: Record<string, number> }[] = [];
  let kind = '';
  for (let i = 0; i < 3; i++) {
    const { runtime } = await chooseRuntime('auto', root);
    kind = runtime.kind;
    const res = await runLab({ plan, runtime, projectRoot: root, runsDir: mkdtempSync(join(tmpdir(), 'netlab-bench-5p-')), signal: benchSignal, reporter: quietReporter });
    if (res.status !== 'passed') throw new Error(`five-pairs ${res.status}: ${res.error?.message ?? res.scenarios.find((s) => s.failure)?.failure?.message}`);
    runs.push({ ms: res.ms, phases: res.phases });
  }
  const floor = await timeLab(11, kind as 'docker' | 'local');
  const phases = Object.keys(runs[0].phases);
  const total = median(runs.map((r) => r.ms));
  return {
    title: `five-pairs on ${kind}: lab up, phase by phase (median of 3)`,
    lines: [
      `total ${(total / 1000).toFixed(2)}s; an 11-node lab with no scenarios, same run: ${(floor.total / 1000).toFixed(2)}s; ratio ${(total / floor.total).toFixed(2)}x`,
      ...phases.map((p) => `${p.padEnd(10)} ${(median(runs.map((r) => r.phases[p] ?? 0)) / 1000).toFixed(2)}s`),
    ],
  };
}
