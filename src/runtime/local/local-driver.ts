import { spawn } from 'node:child_process';
import { createReadStream, existsSync, readFileSync, watch } from 'node:fs';
import { connect } from 'node:net';
import { join } from 'node:path';
import { nodeFiles, runFiles } from '../../model/run-paths.js';
import { listLabs } from '../lab-registry.js';
import { RuntimeError } from '../runtime.js';
import type { AttachedTerminal, KeptNode, LabController, RuntimeDriver } from '../runtime-driver.js';

/**
 * Kept local labs: their nodes are children of the `lab up` process that holds them, found
 * through the lab registry; that controller serves each node's terminal on a socket and
 * takes start|stop|restart on its control socket. `lab down` asks it to tear down.
 */
export const localDriver: RuntimeDriver = {
  kind: 'local',

  // Loaded when a lab is built, not for lab ps or attach.
  async create(projectRoot) {
    const { LocalRuntime } = await import('./local-runtime.js');
    return new LocalRuntime(projectRoot, join(projectRoot, 'dist'));
  },

  async listNodes(projectRoot) {
    return listLabs(projectRoot)
      .filter((rec) => rec.runtime === 'local')
      .flatMap((rec) => rec.nodes.map((n) => ({ lab: rec.lab, run: rec.runId, runtime: 'local', node: n.name, address: n.address, state: `held by pid ${rec.pid}` })));
  },

  async findNodes(projectRoot, node, lab) {
    return listLabs(projectRoot)
      .filter((rec) => rec.runtime === 'local' && (!lab || rec.lab === lab) && rec.nodes.some((n) => n.name === node))
      .map((rec): KeptNode => ({ runtime: 'local', lab: rec.lab, node, where: rec.runDir, control: runFiles.control(rec.runDir) })); // always held by its controller
  },

  async attach(f, opts): Promise<AttachedTerminal> {
    const remote = await controller(f, opts.controller);
    const info = (await remote.info()).nodes.find((n) => n.name === f.node);
    if (info?.state !== 'running' && !opts.restart) {
      remote.close();
      throw opts.notRunning(info?.exit ?? info?.state ?? 'unknown');
    }
    const sock = connect(nodeFiles.terminal(f.where, f.node));
    await new Promise<void>((ok, fail) => (sock.once('connect', ok), sock.once('error', fail)));
    sock.pipe(process.stdout);
    if (opts.restart) await remote.control('restart', f.node);
    remote.close();
    return {
      write: (d) => void sock.write(d),
      closed: new Promise<void>((ok) => (sock.once('close', ok), sock.once('error', () => ok()))),
      close: () => sock.destroy(),
    };
  },

  async logs(f, opts) {
    const file = nodeFiles.transcript(f.where, f.node);
    process.stdout.write(readFileSync(file));
    if (opts.follow) {
      let pos = readFileSync(file).length;
      watch(file, () => {
        const s = createReadStream(file, { start: pos });
        s.on('data', (c) => ((pos += c.length), process.stdout.write(c)));
      });
      await new Promise(() => undefined);
    }
  },

  async exec(_projectRoot, f, argv) {
    // The node's own environment as its controller gave it (address, bind shim, clock, lease):
    // a command run here binds and connects from the node's address, like the node does.
    const envFile = nodeFiles.execEnv(f.where, f.node);
    if (!existsSync(envFile)) throw new RuntimeError(`${f.lab}/${f.node} was brought up by an older netlab (no ${envFile}); bring the lab up again`, f.node);
    const env = JSON.parse(readFileSync(envFile, 'utf8')) as Record<string, string>;
    const child = spawn(argv[0], argv.slice(1), { cwd: nodeFiles.files(f.where, f.node), stdio: 'inherit', env: { ...process.env, ...env } });
    return new Promise((ok) => {
      child.once('error', () => ok(127));
      child.once('close', (code) => ok(code ?? 1));
    });
  },

  async nodeOp(f) {
    // Unreachable from the CLI: a kept local lab always has its controller (or is gone from the registry).
    throw new RuntimeError(`${f.lab}/${f.node}: a local lab is reached only through the process holding it`, f.node);
  },

  async adopt(record) {
    throw new RuntimeError(`local lab ${record.lab}: its nodes belong to the process holding it (pid ${record.pid}), reached through its control socket`);
  },

  async remove(projectRoot, which, say) {
    let asked = 0;
    for (const rec of listLabs(projectRoot)) {
      if (rec.runtime !== 'local' || rec.pid === process.pid || (!which.all && rec.lab !== which.lab)) continue;
      try {
        process.kill(rec.pid, 'SIGINT'); // the controller holding the lab tears it down itself
        say(`asked the controller of ${rec.lab} (pid ${rec.pid}) to tear down`);
        asked++;
      } catch {
        /* already gone */
      }
    }
    return asked;
  },
};

async function controller(f: KeptNode, open: (() => Promise<LabController>) | undefined): Promise<LabController> {
  if (!f.control || !open) throw new RuntimeError(`${f.lab}/${f.node}: no controller holds this local lab`, f.node);
  return open();
}
