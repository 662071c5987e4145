import { Command, Option } from 'commander';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { EXIT, NetlabError, UsageError } from '../model/netlab-error.js';
import { up } from './up.js';
import { validate } from './validate.js';
import { schema } from './schema.js';
import { down } from './down.js';
import { ps } from './ps.js';
import { logs } from './logs.js';
import { attach } from './attach.js';
import { exec } from './exec.js';
import { nodeOp } from './node-op.js';
import { run } from './run.js';
import { ui } from './ui.js';
import { DETACH_HELP } from './detach-keys.js';
import { exportCompose } from './export-compose.js';
import { exportK8sJob } from './export-k8s-job.js';
import { grade } from './grade.js';
import { gradeMerge } from './grade-merge.js';

const projectRoot = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Ctrl-C (or SIGTERM) aborts the run; the lab then tears itself down before we exit. */
function interruptSignal(what = 'stopping; tearing the lab down'): AbortSignal {
  const ctl = new AbortController();
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
    new Option('--runtime <kind>', 'where nodes run: docker, local, or auto (docker when an engine answers)').choices(['docker', 'local', 'auto']).default('auto');

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
    .action(async (file, o) => setCode(await up(projectRoot, file, o, interruptSignal())));
  p.command('down')
    .description('tear down a kept lab (by name), or every netlab lab with --all')
    .argument('[lab]')
    .option('--all', 'every lab netlab started on this machine')
    .action(async (lab, o) => setCode(await down(projectRoot, lab, o)));
  p.command('ps')
    .description('list running labs and their nodes')
    .option('--json', 'machine-readable')
    .action(async (o) => setCode(await ps(projectRoot, o)));
  p.command('logs')
    .description("print a node's output so far")
    .argument('<node>', 'node name, or lab/node when several labs run')
    .option('-f, --follow', 'keep printing new output')
    .action(async (node, o) => setCode(await logs(projectRoot, node, o)));
  p.command('attach')
    .description(`make this terminal the node's terminal (type to its stdin, see its output); ${DETACH_HELP}`)
    .argument('<node>', 'node name, or lab/node')
    .option('--restart', 'start the node again first (it is restarted if it runs)')
    .action(async (node, o) => setCode(await attach(projectRoot, node, o)));
  for (const op of ['start', 'stop', 'restart'] as const) {
    p.command(op)
      .description(`${op} one node of a kept lab`)
      .argument('<node>', 'lab/node, or node when one lab runs')
      .action(async (node) => setCode(await nodeOp(projectRoot, op, node)));
  }
  p.command('ui')
    .description('the live page of a kept lab, or of a finished run folder (runs/<run>), on 127.0.0.1 until Ctrl-C')
    .argument('[lab-or-run]', 'a kept lab (./lab ps), or a run folder')
    .option('--port <n>', "the page's port (default: a free one)")
    .option('--token <t>', 'the URL token (default: a random one)')
    .action(async (target, o) => setCode(await ui(projectRoot, target, o, interruptSignal('closing the page; the lab keeps running'))));
  p.command('run')
    .description("replay one scenario on a kept lab (every node restarted first); results in the lab's run folder, replays/")
    .argument('<lab>', 'a kept lab (./lab ps)')
    .argument('<scenario>', 'the scenario name')
    .action(async (lab, scenario) => setCode(await run(projectRoot, lab, scenario)));
  p.command('exec')
    .description('run a command inside a node')
    .argument('<node>', 'node name, or lab/node')
    .argument('<command...>', 'the command, after --')
    .action(async (node, cmd) => setCode(await exec(projectRoot, node, cmd)));
  p.command('validate')
    .description('check a topology file without running anything')
    .argument('<topology>')
    .option('--json', 'print the planned nodes as JSON')
    .action(async (file, o) => setCode(validate(file, o)));
  p.command('schema')
    .description('print the JSON Schema of topology files (for editors)')
    .action(() => setCode(schema()));
  p.command('export')
    .description('write the lab in another format')
    .argument('<format>', 'compose, or k8s-job (a grading topology as a Kubernetes Indexed Job)')
    .argument('<topology>')
    .option('-o, --output <file>', 'where to write (default: stdout)')
    .option('--submissions <dir>', 'k8s-job: the class, to size the shards (about ten submissions a pod)')
    .option('--shards <n>', 'k8s-job: how many shares (pods) in all')
    .option('--parallel <n>', 'k8s-job: pods at once (default: all)')
    .option('--image <ref>', 'k8s-job: the grader image (default netlab/grader:latest)')
    .action(async (format, file, o) => setCode(format === 'k8s-job' ? exportK8sJob(file, o) : await exportCompose(projectRoot, format, file, o)));
  p.command('grade')
    .description("run submissions through a grading topology's scenarios and score them")
    .argument('<topology>', 'a topology with a grading: section; or "merge" followed by shard output folders')
    .argument('[dirs...]', 'with "merge": the --out folders of `lab grade --shard i/N` runs')
    .option('--submission <dir>', 'one submission folder')
    .option('--submissions <dir>', 'a folder of submission folders, graded several at once')
    .option('--as <roles>', 'the place the submission takes: server, client, both (comma-separated: one run each)', 'both')
    .addOption(runtimeOpt())
    .option('--jobs <n>', 'submissions graded at once (default: the number of cores)')
    .option('--force', 'grade again folders already graded')
    .option('--out <dir>', 'where results go (default grades/<lab>)')
    .option('--json', 'print the grades as JSON on stdout')
    .option('--shard <i/N>', 'grade only the i-th of N stable shares of --submissions (by sorted name); join them with `lab grade merge`')
    .action(async (file, dirs: string[], o) => {
      if (file === 'merge') return setCode(gradeMerge(dirs, o));
      if (dirs.length) throw new UsageError(`unexpected arguments after the topology: ${dirs.join(' ')}`);
      setCode(await grade(projectRoot, file, o, interruptSignal()));
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
