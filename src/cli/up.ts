import { join } from 'node:path';
import { runFiles } from '../model/run-paths.js';
import { loadTopology } from '../topology/load-topology.js';
import { chooseRuntime } from '../runtime/choose-runtime.js';
import type { RuntimeKind } from '../runtime/runtime.js';
import { runLab, type LabResults } from '../lab/run-lab.js';
import { TerminalReporter } from './terminal-reporter.js';
import { EXIT, UsageError } from './exit-codes.js';
import type { Server } from 'node:net';
import { HeldLab, liveReporter } from '../lab/live-lab.js';
import type { UiServer } from '../ui/ui-server.js';
import { liveSource, startUi } from './ui.js';
import { serveControl } from '../lab/lab-control.js';

export interface UpOptions {
  runtime: RuntimeKind | 'auto';
  keep?: boolean;
  scenario?: string;
  /** commander's --no-scenarios: false when given. */
  scenarios?: boolean;
  json?: boolean;
  runs?: string;
  /** true: --capture, false: --no-capture, undefined: auto. */
  capture?: boolean;
  /** Serve the live page (keeps the lab until Ctrl-C). */
  ui?: boolean;
  port?: string;
  token?: string;
}

/** `lab up`: build the lab, run its scenarios, collect, tear down; the exit code is the verdict. */
export async function up(projectRoot: string, file: string, opts: UpOptions, signal: AbortSignal): Promise<number> {
  if (opts.scenarios === false && !opts.keep && !opts.ui) throw new UsageError('--no-scenarios brings a lab up to play with: it needs --keep (or --ui)');
  if (opts.scenarios === false && opts.scenario) throw new UsageError('--no-scenarios and --scenario contradict each other: choose one');
  const plan = loadTopology(file);
  const reporter = new TerminalReporter();
  const { runtime, why } = await chooseRuntime(opts.runtime, projectRoot);
  reporter.info(`lab ${plan.name}: ${plan.nodes.length} nodes, ${plan.scenarios.length} scenarios; runtime ${runtime.kind} (${why})`);
  let held: HeldLab | undefined;
  let page: UiServer | undefined;
  let control: Server | undefined;
  const hold = opts.keep || opts.ui;
  const stays = !!runtime.heldInProcess;
  const res: LabResults = await runLab({
    plan,
    runtime,
    projectRoot,
    runsDir: opts.runs ?? join(process.cwd(), 'runs'),
    scenario: opts.scenario,
    capture: opts.capture === undefined ? 'auto' : opts.capture ? 'on' : 'off',
    noScenarios: opts.scenarios === false,
    keep: hold,
    signal,
    reporter: opts.ui ? liveReporter(reporter, () => held) : reporter,
    // A lab whose nodes live inside this process (local) is kept by staying here: each
    // node's terminal is served where its runtime says for `lab attach`, and a control socket
    // serves lab start|stop|restart|run|ui. With --ui the page watches from the first output on.
    onStarted: hold && (stays || opts.ui)
      ? async (nodes, runDir, wire) => {
          held = new HeldLab(plan, nodes, runDir, runtime.kind, { wire, signal });
          const terminal = runtime.terminalSocket?.bind(runtime);
          if (terminal) await Promise.all(nodes.map((n) => n.serveTerminal(terminal(runDir, n.name))));
          // Other verbs act through this process while it holds the lab, so the page sees what they do.
          control = await serveControl(held, runFiles.control(runDir));
          if (opts.ui) page = await startUi(projectRoot, liveSource(held), opts, (m) => reporter.info(m));
        }
      : undefined,
    holdOpen: stays || opts.ui
      ? async (nodes) => {
          const who = `${plan.name}/${nodes[1]?.name ?? nodes[0].name}`;
          reporter.info(`lab kept running in this process. In another terminal: ./lab attach ${who}; ./lab restart ${who}; ./lab run ${plan.name} <scenario>; ./lab ps. Ctrl-C here tears it down.`);
          await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
          await held?.idle(); // a replay in flight stops with the lab: its faults out first
          await page?.close();
          control?.close();
        }
      : undefined,
  });
  reporter.summary(res);
  if (opts.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  if (res.status === 'interrupted') return EXIT.interrupted;
  if (res.status === 'error') return res.error?.exitCode ?? EXIT.internal;
  return res.status === 'passed' ? EXIT.ok : EXIT.scenarioFailed;
}

