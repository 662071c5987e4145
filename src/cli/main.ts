import { Command, Option } from 'commander';
import { setMaxListeners } from 'node:events';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, NetlabError, UsageError } from '../model/netlab-error.js';
import { DETACH_HELP } from './detach-keys.js';
import { RUNTIME_KINDS } from '../runtime/runtime.js';

/**
 * Each verb's module is loaded when the verb runs, so `lab validate` or `lab ps` does not
 * load Docker's client, fastify or the grader (start-up time is in the bench).
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any -- any function's arguments pass through as they are
type Fn = (...args: any[]) => unknown;
/** A verb whose module is imported on its first call. */
function lazy<M extends Record<K, Fn>, K extends keyof M & string>(load: () => Promise<M>, name: K) {
  return async (...a: Parameters<M[K]>): Promise<Awaited<ReturnType<M[K]>>> => (await load())[name](...a) as Awaited<ReturnType<M[K]>>;
}

const verbs = {
  up: lazy(() => import('./up.js'), 'up'),
  validate: lazy(() => import('./validate.js'), 'validate'),
  schema: lazy(() => import('./schema.js'), 'schema'),
  down: lazy(() => import('./down.js'), 'down'),
  ps: lazy(() => import('./ps.js'), 'ps'),
  logs: lazy(() => import('./logs.js'), 'logs'),
  attach: lazy(() => import('./attach.js'), 'attach'),
  exec: lazy(() => import('./exec.js'), 'exec'),
  exportCompose: lazy(() => import('./export-compose.js'), 'exportCompose'),
  exportK8sJob: lazy(() => import('./export-k8s-job.js'), 'exportK8sJob'),
  grade: lazy(() => import('./grade.js'), 'grade'),
  gradeMerge: lazy(() => import('./grade-merge.js'), 'gradeMerge'),
  nodeOp: lazy(() => import('./node-op.js'), 'nodeOp'),
  run: lazy(() => import('./run.js'), 'run'),
  ui: lazy(() => import('./ui.js'), 'ui'),
};

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Ctrl-C (or SIGTERM) aborts the run; the lab then tears itself down before we exit. */
function interruptSignal(what = 'stopping; tearing the lab down'): AbortSignal {
  const ctl = new AbortController();
  setMaxListeners(0, ctl.signal); // each node of a big lab waits on it
  let count = 0;
  const onSignal = () => {
    count++;
    if (count === 1) {
      process.stderr.write(`\nnetlab: ${what} (Ctrl-C again to force)\n`);
      ctl.abort();
    } else process.exit(EXIT.interrupted);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return ctl.signal;
}

/** Declarations only; each verb lives in its own file and returns an exit code. */
function program(setCode: (code: number) => void): Command {
  const p = new Command('lab')
    .description('netlab: a topology file becomes a server and clients on a network, driven like a person at a terminal')
    .showHelpAfterError()
    .exitOverride();
  const runtimeOpt = () =>
    new Option('--runtime <kind>', `where nodes run: ${RUNTIME_KINDS.join(', ')}, or auto (docker when an engine answers)`).choices([...RUNTIME_KINDS, 'auto']).default('auto');

  p.command('up')
    .description('build the lab, run its scenarios, collect the evidence, tear down')
    .argument('<topology>', 'a topology YAML file')
    .addOption(runtimeOpt())
    .option('--keep', 'leave the lab running after the scenarios (attach, restart, run, ui)')
    .option('--scenario <name>', 'run only this scenario')
    .option('--no-scenarios', 'with --keep: run no scenario, bring the lab up fresh to play with')
    .option('--ui', 'serve the live page on 127.0.0.1 (printed URL with a token); the lab stays until Ctrl-C')
    .option('--port <n>', 'with --ui: the page\'s port (default: a free one)')
    .option('--token <t>', 'with --ui: the URL token (default: a random one)')
    .option('--runs <dir>', 'where run folders go', 'runs')
    .option('--json', 'print results.json on stdout')
    .option('--capture', 'require the packet capture (runs/<run>/capture.pcap): exit 2 when tcpdump or root is missing')
    .option('--no-capture', 'do not capture packets (default: capture when tcpdump and root are there)')
    .action(async (file, o) => setCode(await verbs.up(projectRoot, file, o, interruptSignal())));
  p.command('down')
    .description('tear down a kept lab (by name), or every netlab lab with --all')
    .argument('[lab]')
    .option('--all', "every lab this user started from this project")
    .option('--everyone', 'with --all: every netlab lab on the engine, anyone\'s')
    .action(async (lab, o) => setCode(await verbs.down(projectRoot, lab, o)));
  p.command('ps')
    .description('list running labs and their nodes')
    .option('--json', 'machine-readable')
    .action(async (o) => setCode(await verbs.ps(projectRoot, o)));
  p.command('logs')
    .description("print a node's output so far")
    .argument('<node>', 'node name, or lab/node when several labs run')
    .option('-f, --follow', 'keep printing new output')
    .action(async (node, o) => setCode(await verbs.logs(projectRoot, node, o)));
  p.command('attach')
    .description(`make this terminal the node's terminal (type to its stdin, see its output); ${DETACH_HELP}`)
    .argument('<node>', 'node name, or lab/node')
    .option('--restart', 'start the node again first (it is restarted if it runs)')
    .action(async (node, o) => setCode(await verbs.attach(projectRoot, node, o)));
  for (const op of ['start', 'stop', 'restart'] as const) {
    p.command(op)
      .description(`${op} one node of a kept lab`)
      .argument('<node>', 'lab/node, or node when one lab runs')
      .action(async (node) => setCode(await verbs.nodeOp(projectRoot, op, node)));
  }
  p.command('ui')
    .description('the live page of a kept lab, or of a finished run folder (runs/<run>), on 127.0.0.1 until Ctrl-C')
    .argument('[lab-or-run]', 'a kept lab (./lab ps), or a run folder')
    .option('--port <n>', "the page's port (default: a free one)")
    .option('--token <t>', 'the URL token (default: a random one)')
    .action(async (target, o) => setCode(await verbs.ui(projectRoot, target, o, interruptSignal('closing the page; the lab keeps running'))));
  p.command('run')
    .description("replay one scenario on a kept lab (every node restarted first); results in the lab's run folder, replays/")
    .argument('<lab>', 'a kept lab (./lab ps)')
    .argument('<scenario>', 'the scenario name')
    .action(async (lab, scenario) => setCode(await verbs.run(projectRoot, lab, scenario, interruptSignal('stopping the replay; the lab keeps running'))));
  p.command('exec')
    .description('run a command inside a node')
    .argument('<node>', 'node name, or lab/node')
    .argument('<command...>', 'the command, after --')
    .action(async (node, cmd) => setCode(await verbs.exec(projectRoot, node, cmd)));
  p.command('validate')
    .description('check a topology file without running anything')
    .argument('<topology>')
    .option('--json', 'print the planned nodes as JSON')
    .action(async (file, o) => setCode(await verbs.validate(file, o)));
  p.command('schema')
    .description('print the JSON Schema of topology files (for editors)')
    .action(async () => setCode(await verbs.schema()));
  p.command('export')
    .description('write the lab in another format')
    .argument('<format>', 'compose, or k8s-job (a grading topology as a Kubernetes Indexed Job)')
    .argument('<topology>')
    .option('-o, --output <file>', 'where to write (default: stdout)')
    .option('--submissions <dir>', 'k8s-job: the class, to size the shards (about ten submissions a pod)')
    .option('--shards <n>', 'k8s-job: how many shares (pods) in all')
    .option('--parallel <n>', 'k8s-job: pods at once (default: all)')
    .option('--image <ref>', 'k8s-job: the grader image (default netlab/grader:latest)')
    .action(async (format, file, o) => setCode(format === 'k8s-job' ? await verbs.exportK8sJob(file, o) : await verbs.exportCompose(projectRoot, format, file, o)));
  p.command('grade')
    .description("run submissions through a grading topology's scenarios and score them")
    .argument('<topology>', 'a topology with a grading: section; or "merge" followed by shard output folders')
    .argument('[dirs...]', 'with "merge": the --out folders of `lab grade --shard i/N` runs')
    .option('--submission <dir>', 'one submission folder')
    .option('--submissions <dir>', 'a folder of submission folders, graded several at once')
    .option('--as <roles>', 'the place the submission takes: server, client, both (comma-separated: one run each)', 'both')
    .addOption(runtimeOpt())
    .option('--jobs <n>', 'submissions graded at once (default: the number of cores)')
    .option('--scenario-labs <n>', "labs at once for one submission's scenarios, each its own network (isolation: scenario; default 1)")
    .option('--force', 'grade again folders already graded')
    .option('--out <dir>', 'where results go (default grades/<lab>)')
    .option('--json', 'print the grades as JSON on stdout')
    .option('--shard <i/N>', 'grade only the i-th of N stable shares of --submissions (by sorted name); join them with `lab grade merge`')
    .option('--swarm', 'grade --submissions as a Docker Swarm job across the swarm\'s nodes (the engine must be a swarm manager; docs/cluster.md)')
    .option('--shards <n>', 'with --swarm: tasks in all (default: one a submission); --jobs is tasks at once')
    .option('--volume <name>', 'with --swarm: the Docker volume (on every node: NFS or similar across machines) that holds the class and results; the batch works in a folder of its own there and removes only that (default: a volume of its own on this one node)')
    .option('--unsafe-local', 'grade on the local runtime, without the sandbox: student code runs as you on this machine (trusted code, or inside a sandbox of your own)')
    .action(async (file, dirs: string[], o) => {
      if (file === 'merge') return setCode(await verbs.gradeMerge(dirs, o));
      if (dirs.length) throw new UsageError(`unexpected arguments after the topology: ${dirs.join(' ')}`);
      setCode(await verbs.grade(projectRoot, file, o, interruptSignal()));
    });
  return p;
}

/** The one place that decides the process exit code. */
async function main(): Promise<void> {
  let code: number = EXIT.ok;
  try {
    await program((c) => (code = c)).parseAsync(process.argv);
  } catch (e) {
    const err = e as Error & { code?: string; exitCode?: number };
    if (err.code?.startsWith('commander.')) {
      code = err.code === 'commander.helpDisplayed' || err.code === 'commander.version' ? EXIT.ok : EXIT.badInput;
    } else if (e instanceof NetlabError) {
      process.stderr.write(`netlab: ${e.describe()}\n`);
      code = e.exitCode;
    } else {
      process.stderr.write(`netlab: internal error (please report it): ${err.stack ?? err}\n`);
      code = EXIT.internal;
    }
  }
  process.exit(code);
}

await main();
