import { EXIT } from './exit-codes.js';
import { openKeptLab } from '../lab/kept-lab.js';
import { HeldLab } from '../lab/live-lab.js';
import { TerminalReporter } from './terminal-reporter.js';

/**
 * `lab run <lab> <scenario>`: replay one scenario on a kept lab (its nodes restarted
 * first), with a capture and faults of its own; the result goes into the kept lab's run
 * folder under replays/. Ctrl-C stops the replay (its faults out); the lab stays.
 */
export async function run(projectRoot: string, labName: string, scenario: string, signal: AbortSignal): Promise<number> {
  const { lab, record, close } = await openKeptLab(projectRoot, labName);
  const reporter = new TerminalReporter();
  try {
    reporter.info(`lab ${record.lab} (${record.runtime}): replaying "${scenario}" (every node restarted first)`);
    const r = lab instanceof HeldLab ? await lab.run(scenario, signal, reporter) : await lab.run(scenario, signal);
    if (!(lab instanceof HeldLab)) {
      for (const s of r.steps.filter((x) => x.status !== 'skipped')) reporter.step({ scenario: r.name, path: s.path, description: s.description, status: s.status === 'passed' ? 'passed' : 'failed', ms: s.ms });
      reporter.scenarioEnd(r);
    }
    reporter.info(`evidence: ${record.runDir}/replays/`);
    return r.status === 'passed' ? EXIT.ok : EXIT.scenarioFailed;
  } finally {
    close();
  }
}
