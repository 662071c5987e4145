import type { Duplex } from 'node:stream';
import { engineEndpoint, engineGet, type ContainerSummary } from './engine-get.js';
import { LABEL_ADDRESS, LABEL_HOLDS, LABEL_LAB, LABEL_NODE, LABEL_OWNER, LABEL_RUN, removeByLabel } from './docker-labels.js';
import { deleteRule, listLabRules } from './host-firewall.js';
import { removeWorkFolders } from './work-folder.js';
import { ownerTag } from '../run-lease.js';
import { heldBy, listLabs, unregisterLab } from '../lab-registry.js';
import { RuntimeError } from '../runtime.js';
import type { AttachedTerminal, KeptNode, RemoveWhich, RuntimeDriver } from '../runtime-driver.js';

// dockerode and the runtime are loaded by the verbs that act (lab ps and the finding of
// nodes read the engine over plain HTTP): see engine-get.ts.
const client = () => import('./docker-client.js');

/** Docker, if an engine answers. */
async function maybeDocker() {
  return (await client()).maybeDocker();
}

/** The lab's containers (all states) with these labels; [] when no engine answers. */
async function listContainers(labels: string[]): Promise<ContainerSummary[]> {
  const q = `/containers/json?all=1&filters=${encodeURIComponent(JSON.stringify({ label: labels }))}`;
  const at = engineEndpoint();
  if (at) return (await engineGet<ContainerSummary[]>(at, q)) ?? [];
  const docker = await maybeDocker();
  return docker ? ((await docker.listContainers({ all: true, filters: JSON.stringify({ label: labels }) })) as ContainerSummary[]) : [];
}

/** The engine, or an error saying it went away between finding the node and acting on it. */
async function engine() {
  const docker = await maybeDocker();
  if (!docker) throw new RuntimeError('the Docker engine does not answer');
  return docker;
}

/**
 * Kept Docker labs: their containers are found by label on the engine, so any process can
 * act on them; one held by `lab up --ui` is restarted through its controller, so its page
 * follows.
 */
export const dockerDriver: RuntimeDriver = {
  kind: 'docker',

  async create(projectRoot) {
    const [{ DockerRuntime }, { dockerClient }] = await Promise.all([import('./docker-runtime.js'), client()]);
    return new DockerRuntime(dockerClient(), projectRoot);
  },

  async listNodes() {
    return (await listContainers([LABEL_LAB]))
      .filter((c) => !c.Labels[LABEL_HOLDS])
      .map((c) => {
        const nets = Object.values(c.NetworkSettings?.Networks ?? {});
        const address = c.Labels[LABEL_ADDRESS] || nets[0]?.IPAddress || nets[0]?.IPAMConfig?.IPv4Address || '-';
        return { lab: c.Labels[LABEL_LAB], run: c.Labels[LABEL_RUN], runtime: 'docker', node: c.Labels[LABEL_NODE], address, state: c.State };
      });
  },

  async findNodes(projectRoot, node, lab) {
    const labels = [`${LABEL_NODE}=${node}`, ...(lab ? [`${LABEL_LAB}=${lab}`] : [])];
    const records = listLabs(projectRoot);
    return (await listContainers(labels)).map((c): KeptNode => {
      const held = records.find((r) => r.lab === c.Labels[LABEL_LAB] && r.runtime === 'docker' && heldBy(r));
      return { runtime: 'docker', lab: c.Labels[LABEL_LAB], node, where: c.Id, control: held && heldBy(held) };
    });
  },

  async attach(f, opts): Promise<AttachedTerminal> {
    const docker = await engine();
    const container = docker.getContainer(f.where);
    const state = (await container.inspect()).State;
    if (!state?.Running && !opts.restart) throw opts.notRunning(`exited with code ${state?.ExitCode ?? '?'}`);
    // A lab held by a controller (lab up --ui) is restarted through it, so its page follows.
    const remote = opts.restart && f.control && opts.controller ? await opts.controller() : undefined;
    if (opts.restart && state?.Running) await (remote ? remote.control('stop', f.node) : container.stop({ t: 3 }));
    // Attach before (re)starting, so the first prompt is not missed.
    const stream = (await container.attach({ stream: true, stdin: true, stdout: true, stderr: true, hijack: true })) as unknown as Duplex;
    docker.modem.demuxStream(stream, process.stdout, process.stderr);
    if (opts.restart) await (remote ? remote.control('start', f.node) : container.start());
    remote?.close();
    return {
      write: (d) => void stream.write(d),
      closed: new Promise<void>((ok) => (stream.once('end', ok), stream.once('close', ok))),
      close: () => stream.destroy(),
    };
  },

  async logs(f, opts) {
    const docker = await engine();
    const container = docker.getContainer(f.where);
    if (opts.follow) {
      const stream = (await container.logs({ stdout: true, stderr: true, follow: true })) as unknown as Duplex;
      docker.modem.demuxStream(stream, process.stdout, process.stderr);
      await new Promise((ok) => stream.once('end', ok));
    } else {
      const buf = (await container.logs({ stdout: true, stderr: true, follow: false })) as unknown as Buffer;
      process.stdout.write(demuxBuffer(buf));
    }
  },

  async exec(_projectRoot, f, argv) {
    const docker = await engine();
    const ex = await docker.getContainer(f.where).exec({ Cmd: argv, AttachStdout: true, AttachStderr: true, WorkingDir: '/lab' });
    const stream = (await ex.start({ hijack: true, stdin: false })) as unknown as Duplex;
    docker.modem.demuxStream(stream, process.stdout, process.stderr);
    await new Promise((ok) => stream.once('end', ok));
    return (await ex.inspect()).ExitCode ?? 1;
  },

  async nodeOp(f, op) {
    const container = (await engine()).getContainer(f.where);
    const running = (await container.inspect()).State?.Running;
    if (op === 'start' && !running) await container.start();
    if (op === 'stop' && running) await container.stop({ t: 3 });
    if (op === 'restart') await container.restart({ t: 3 });
  },

  async adopt(record) {
    const [{ adoptDockerLab }, { dockerClient }] = await Promise.all([import('./docker-kept-lab.js'), client()]);
    return adoptDockerLab(dockerClient(), record.runId);
  },

  async remove(projectRoot, which, say) {
    let removed = 0;
    const docker = await maybeDocker();
    if (docker) {
      // --all: this user's labs of this project only; --everyone: every netlab lab on the engine.
      // A lab by name: this user's of this project too (another checkout's lab of that name stays).
      const label = downLabel(projectRoot, which.lab, which);
      const labels = which.all ? [label] : [label, `${LABEL_OWNER}=${ownerTag(projectRoot)}`];
      const nets = await docker.listNetworks({ filters: JSON.stringify({ label: labels }) });
      const runIds = new Set(nets.map((n) => n.Labels?.[LABEL_RUN]).filter(Boolean));
      const r = await removeByLabel(docker, labels);
      // Their host firewall rules go with them (a kept lab's rule stays until lab down).
      for (const rule of await listLabRules()) if (runIds.has(rule.runId)) await deleteRule(rule.del);
      removed += r.containers + r.networks;
      if (r.containers || r.networks) say(`removed ${r.containers} containers and ${r.networks} networks`);
    }
    for (const rec of listLabs(projectRoot)) {
      if (rec.runtime !== 'docker' || !(which.all || rec.lab === which.lab)) continue;
      // Its containers are gone: the working folders they mounted go too.
      if (docker) removeWorkFolders(rec.runDir, rec.nodes.map((n) => n.name));
      unregisterLab(projectRoot, rec.lab, rec.runId);
    }
    return removed;
  },
};

/** The label `lab down` removes by: one lab by name; --all this user's labs of this project; --everyone every netlab lab. */
export function downLabel(projectRoot: string, lab: string | undefined, opts: RemoveWhich): string {
  if (!opts.all) return `${LABEL_LAB}=${lab}`;
  return opts.everyone ? LABEL_LAB : `${LABEL_OWNER}=${ownerTag(projectRoot)}`;
}

/** Docker's multiplexed log format: 8-byte headers (stream, size) before each frame. */
function demuxBuffer(buf: Buffer): Buffer {
  const parts: Buffer[] = [];
  let i = 0;
  while (i + 8 <= buf.length) {
    const size = buf.readUInt32BE(i + 4);
    parts.push(buf.subarray(i + 8, i + 8 + size));
    i += 8 + size;
  }
  return Buffer.concat(parts);
}
