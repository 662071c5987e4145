import { existsSync } from 'node:fs';
import type { LabPlan } from '../topology/lab-plan.js';
import type { Runtime } from '../runtime/runtime.js';
import { runLab, type LabReporter } from '../lab/run-lab.js';
import type { Launch } from './detect-submission.js';
import { planWithSubmission, readSubmission } from './submission-plan.js';
import { nodeFiles } from '../model/run-paths.js';

/** The node name of the one-off build lab. */
const BUILD_NODE = 'build';

/**
 * Build a Java submission once, in a sandboxed node of its own (the same image, limits and
 * sandbox as the graded nodes), before any scenario: javac at half a core on a loaded
 * machine took 36-44 s, and building at every node start (about 15 per grading run) made
 * scores depend on the load. Returns the folder holding the sources and the compiled
 * classes (the build node's collected working folder) and a launch without the build, or
 * undefined when the build failed or did not apply: then each node builds as before, so
 * the report shows the compiler's own error.
 */
export async function buildOnce(opts: {
  plan: LabPlan;
  dir: string;
  launch: Launch;
  runtime: () => Promise<Runtime>;
  projectRoot: string;
  runsDir: string;
  signal: AbortSignal;
  reporter: LabReporter;
}): Promise<{ dir: string; launch: Launch; ms: number } | undefined> {
  const { launch } = opts;
  if (launch.language !== 'java' || !launch.build) return undefined; // make: collected files lose their mode bits
  const t0 = performance.now();
  const { plan } = planWithSubmission(opts.plan, opts.dir, 'both', launch);
  const like = plan.nodes[0];
  const buildPlan: LabPlan = {
    ...plan,
    nodes: [
      {
        ...like,
        name: BUILD_NODE,
        role: 'server',
        command: ['sh', '-c', `${launch.build} > .netlab-build.log 2>&1`],
        files: readSubmission(opts.dir),
        ready: undefined,
        autostart: true,
        clock: undefined,
      },
    ],
    scenarios: [{ name: 'build', steps: [{ node: BUILD_NODE, exit: 0, timeout: '600s' }] }],
  };
  const res = await runLab({
    plan: buildPlan,
    runtime: await opts.runtime(),
    projectRoot: opts.projectRoot,
    runsDir: opts.runsDir,
    signal: opts.signal,
    reporter: opts.reporter,
  });
  const built = nodeFiles.files(res.runDir, BUILD_NODE);
  if (res.status !== 'passed' || !existsSync(built)) return undefined;
  return { dir: built, launch: { ...launch, build: undefined }, ms: Math.round(performance.now() - t0) };
}
