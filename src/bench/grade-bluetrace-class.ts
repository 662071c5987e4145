import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadTopology } from '../topology/load-topology.js';
import { runtimeOf } from '../runtime/choose-runtime.js';
import { gradeBatch } from '../grade/grade-batch.js';
import type { LabReporter } from '../lab/run-lab.js';
import type { SubmissionGrade } from '../model/grade-results.js';
import { benchSignal } from './bench-signal.js';

const quiet: LabReporter = { phase() {}, nodeStarted() {}, scenarioStart() {}, step() {}, scenarioEnd() {}, info() {} };

/** A folder of BlueTrace submissions graded as `lab grade --submissions DIR --jobs <cores> --runtime docker` does, quietly; with the minutes it took. */
export async function gradeBluetraceClass(root: string, submissionsDir: string): Promise<{ grades: SubmissionGrade[]; minutes: number; jobs: number }> {
  const jobs = availableParallelism();
  const t0 = performance.now();
  const grades = await gradeBatch({
    plan: loadTopology(join(root, 'topologies', 'grading', 'bluetrace.yaml')),
    roles: ['both'],
    runtime: async () => runtimeOf('docker', root),
    projectRoot: root,
    signal: benchSignal,
    outRoot: mkdtempSync(join(tmpdir(), 'netlab-bench-grades-')),
    submissionsDir,
    jobs,
    force: true,
    progress: { start() {}, done() {}, stop() {} },
    reporter: () => quiet,
  });
  return { grades, minutes: (performance.now() - t0) / 60_000, jobs };
}
