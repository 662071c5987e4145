import { join } from 'node:path';
import { loadTopology } from '../topology/load-topology.js';
import { chooseRuntime } from '../runtime/choose-runtime.js';
import type { RuntimeKind } from '../runtime/runtime.js';
import { runLab, type LabResults } from '../lab/run-lab.js';
import type { LabNode } from '../lab/lab-node.js';
import { TerminalReporter } from './terminal-reporter.js';
import { EXIT } from './exit-codes.js';

export interface UpOptions {
  runtime: RuntimeKind | 'auto';
  keep?: boolean;
  scenario?: string;
  json?: boolean;
  runs?: string;
  /** true: --capture, false: --no-capture, undefined: auto. */
  capture?: boolean;
}

/** `lab up`: build the lab, run its scenarios, collect, tear down; the exit code is the verdict. */
export async function up(projectRoot: string, file: string, opts: UpOptions, signal: AbortSignal): Promise<number> {
  const plan = loadTopology(file);
  const reporter = new TerminalReporter();
  const { runtime, why } = await chooseRuntime(opts.runtime, projectRoot);
  reporter.info(`lab ${plan.name}: ${plan.nodes.length} nodes, ${plan.scenarios.length} scenarios; runtime ${runtime.kind} (${why})`);
  const res: LabResults = await runLab({
    plan,
    runtime,
    projectRoot,
    runsDir: opts.runs ?? join(process.cwd(), 'runs'),
    scenario: opts.scenario,
    keep: opts.keep,
    capture: opts.capture === undefined ? 'auto' : opts.capture ? 'on' : 'off',
    signal,
    reporter,
    holdOpen: runtime.kind === 'local' ? (nodes, runDir) => holdLocal(nodes, runDir, reporter, signal) : undefined,
  });
  reporter.summary(res);
  if (opts.json) process.stdout.write(JSON.stringify(res, null, 2) + '\n');
  if (res.status === 'interrupted') return EXIT.interrupted;
  if (res.status === 'error') return res.error?.exitCode ?? EXIT.internal;
  return res.status === 'passed' ? EXIT.ok : EXIT.scenarioFailed;
}

/**
 * A local lab lives inside this process, so keeping it means staying here: each node's
 * terminal is served on a Unix socket that `lab attach` connects to, until Ctrl-C.
 */
async function holdLocal(nodes: LabNode[], runDir: string, reporter: TerminalReporter, signal: AbortSignal): Promise<void> {
  await Promise.all(nodes.map((n) => n.serveTerminal(join(runDir, 'nodes', n.name, 'terminal.sock'))));
  reporter.info(`lab kept running in this process. In another terminal: ./lab attach ${nodes[1]?.name ?? nodes[0].name}; ./lab ps. Ctrl-C here tears it down.`);
  await new Promise<void>((resolve) => (signal.aborted ? resolve() : signal.addEventListener('abort', () => resolve(), { once: true })));
}
