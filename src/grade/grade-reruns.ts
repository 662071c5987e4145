import type { Logger } from 'pino';
import type { LabPlan } from '../topology/lab-plan.js';
import type { LabResults } from '../lab/run-lab.js';
import type { ScenarioResult } from '../model/scenario-result.js';

/** The engine's own failure (an HTTP 5xx from the Docker API), as a lab error message starts. */
const ENGINE_ERROR = /^\(HTTP code 5\d\d\)/;

/**
 * One lab run that the engine failing under it does not decide: an HTTP 5xx of the
 * engine's own ("OCI runtime start failed: cannot start an already running container" in
 * CI, "cannot start a stopped process" on a loaded machine) is not the submission's doing,
 * so the lab is run once more and the report says so (note).
 */
export async function runSteady(
  labRun: (p: LabPlan) => Promise<LabResults>,
  plan: LabPlan,
  what: string,
  stopped: () => boolean,
  note: (line: string) => void,
  log?: Logger,
): Promise<LabResults> {
  const r = await labRun(plan);
  if (stopped() || !r.error || !ENGINE_ERROR.test(r.error.message)) return r;
  log?.warn({ error: r.error.message }, `engine error: ${what} is run again`);
  note(`${what} hit an engine error and was run again: ${r.error.message.trim()}`);
  return labRun(plan);
}

/**
 * A node crashed in the scenario, and not of a timeout of its own: that, not a slow
 * machine, is why the step waited in vain, so grading it again would give the same.
 */
function crashedOnItsOwn(s: ScenarioResult): boolean {
  return (s.crashes ?? []).some((c) => !/time[d ]?\s?out/i.test(c.stderr ?? ''));
}

/**
 * Scenarios that failed because a step waited out its deadline are graded again on a fresh
 * lab (grading.retry_timeouts times, default once), and a pass counts: on a loaded grading
 * machine a correct program can answer late, and a tutor would not take the points. A
 * program that never answers fails every time. The report says a scenario was retried.
 */
export async function retryTimeouts(plan: LabPlan, results: LabResults, labRun: (p: LabPlan) => Promise<LabResults>, signal: AbortSignal, note: (line: string) => void, log?: Logger): Promise<void> {
  for (let attempt = 0; attempt < (plan.grading?.retry_timeouts ?? 1); attempt++) {
    const again = results.scenarios.filter((s) => s.status === 'failed' && s.failure?.timedOut && !crashedOnItsOwn(s));
    if (!again.length || signal.aborted) return;
    log?.info({ scenarios: again.map((s) => s.name) }, 'grading again what timed out');
    const names = new Set(again.map((s) => s.name));
    const rerun = await labRun({ ...plan, scenarios: plan.scenarios.filter((s) => names.has(s.name)) });
    if (rerun.error) {
      // Never silently: the first failure stands, and the report says why it was not graded again.
      if (!signal.aborted) note(`the scenarios that timed out (${[...names].join('; ')}) could not be graded again: ${rerun.error.message.trim()}`);
      return;
    }
    for (const r of rerun.scenarios) {
      const i = results.scenarios.findIndex((s) => s.name === r.name);
      const first = results.scenarios[i]!;
      results.scenarios[i] = { ...r, retried: { firstFailure: first.retried?.firstFailure ?? first.failure!.message, attempts: (first.retried?.attempts ?? 1) + 1 } };
    }
  }
}

