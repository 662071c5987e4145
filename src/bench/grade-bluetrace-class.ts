import { mkdtempSync } from 'node:fs';
import { availableParallelism, tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { loadTopology } from '../topology/load-topology.js';
import { runtimeOf } from '../runtime/choose-runtime.js';
import { gradeBatch } from '../grade/grade-batch.js';
import type { SubmissionGrade } from '../model/grade-results.js';
import { benchSignal } from './bench-signal.js';
import { quietReporter } from '../lab/quiet-reporter.js';

/** A folder of BlueTrace submissions graded as `lab grade --submissions DIR --jobs <cores> [--scenario-labs N] --runtime docker` does, quietly; with the minutes it took. */
export async function gradeBluetraceClass(root: string, submissionsDir: string, scenarioLabs = 1): Promise<{ grades: SubmissionGrade[]; minutes: number; jobs: number }> {
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
    scenarioLabs,
    force: true,
    progress: { start() {}, done() {}, stop() {} },
    reporter: () => quietReporter,
  });
  return { grades, minutes: (performance.now() - t0) / 60_000, jobs };
}

/**
 * The BlueTrace fixture class (test/fixtures/submissions/bluetrace) written out as
 * submission folders in dest: most variants are stored as diffs against `correct`, and the
 * plain-JS materializer the tests use is loaded at run time, so that src/ does not import
 * test/ (see the fixtures' README).
 */
export async function materializeBluetrace(root: string, dest: string): Promise<void> {
  const fixtures = join(root, 'test', 'fixtures', 'submissions');
  const { materialize } = (await import(pathToFileURL(join(fixtures, 'materialize.mjs')).href)) as { materialize: (fixtures: string, dest: string) => string[] };
  materialize(join(fixtures, 'bluetrace'), dest);
}
