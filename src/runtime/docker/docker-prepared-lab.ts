import { resolve } from 'node:path';
import type Docker from 'dockerode';
import { hostAddress, type Subnet } from '../../topology/address-plan.js';
import type { LabPlan, NodePlan } from '../../topology/lab-plan.js';
import { RuntimeError, type LabRuntimeOptions, type PreparedLab, type RuntimeNode, type WireTarget } from '../runtime.js';
import { DockerNode, filesTar, WARM_HOLDER_PIDS, WORKDIR, writableLayerSize, type Incarnation } from './docker-node.js';
import { engineSharesFiles, placeWorkFolder } from './work-folder.js';
import { WarmContainer } from './warm-container.js';
import { REFERENCE_APPS_DIR, SUBMISSION_PATH } from '../../images/grading-image.js';
import { parseSize } from '../../topology/size.js';
import { CLOCK_FILE, clockEnv, NodeClock, withPreload } from '../node-clock.js';
import { bindShim } from '../local/bind-shim.js';
import { GRADER_ENV, hostVisible } from './grader-task-env.js';
import { LABEL_ADDRESS, LABEL_HOLDS, LABEL_NODE } from './docker-labels.js';
import { nodeFiles } from '../../model/run-paths.js';
import type { OomEvents } from './oom-events.js';

/** Where a node with a movable clock finds libfaketime and its offset file. */
const FAKETIME_MOUNT = '/run/netlab/libfaketime.so.1';
const CLOCK_FIX_MOUNT = '/run/netlab/clock-fix.so';
const CLOCK_MOUNT = '/run/netlab/clock';
const SHIM_MOUNT = '/run/netlab/bind-shim.so';

/** What DockerRuntime.prepare made and found: the lab's network, its images, its clock libraries. */
export interface DockerLabSetup {
  plan: LabPlan;
  opts: LabRuntimeOptions;
  projectRoot: string;
  /** The run's bridge network (its name) and the subnet it was given. */
  network: string;
  subnet: Subnet;
  /** Labels of everything this run creates: lab, run, lease and owner. */
  labels: Record<string, string>;
  /** The image a node runs: an alias (netlab, grading) resolved to the tag prepare built, else the node's own. */
  imageOf: (node: NodePlan) => string;
  /** Present when some node has a movable clock. */
  clockLibs?: { fix: string; faketime: string };
  /** The engine's OOM kills of this run, when the event stream could be opened. */
  oomEvents?: OomEvents;
  phases: Record<string, number>;
}

/** A Docker lab once its network exists and its images are there: creates its containers. */
export class DockerPreparedLab implements PreparedLab {
  readonly addresses: Map<string, string>;
  readonly phases: Record<string, number>;
  private shimPath?: string;

  constructor(
    private readonly docker: Docker,
    private readonly setup: Readonly<DockerLabSetup>,
  ) {
    this.addresses = new Map(setup.plan.nodes.map((n) => [n.name, hostAddress(setup.subnet, n.host)]));
    this.phases = setup.phases;
  }

  async createNode(node: NodePlan, command: string[], env: Record<string, string>): Promise<RuntimeNode> {
    const { plan, opts, network, labels } = this.setup;
    const address = hostAddress(this.setup.subnet, node.host);
    const image = this.setup.imageOf(node);
    const sandbox = node.sandbox;
    // A movable wall clock: the host's libfaketime (after the sleep fix, clock-fix.c) and the node's clock folder, all
    // read-only (the lab writes the offset from outside; a rename shows through the bind).
    const libs = node.clock ? this.setup.clockLibs : undefined;
    const clock = libs ? new NodeClock(nodeFiles.clock(opts.runDir, node.name)) : undefined;
    const clockVars: Record<string, string> = clock ? clockEnv(`${CLOCK_MOUNT}/${CLOCK_FILE}`) : {};
    // The loopback policy (a grading node: NETLAB_LOOPBACK set): the socket shim, built on
    // this machine like the local runtime's, mounted read-only and preloaded first.
    const shim = env.NETLAB_LOOPBACK ? this.loopbackShim() : undefined;
    const preload = [shim ? SHIM_MOUNT : undefined, clock ? CLOCK_FIX_MOUNT : undefined, clock ? FAKETIME_MOUNT : undefined].filter((x): x is string => !!x);
    const binds = [
      ...(shim ? [`${shim}:${SHIM_MOUNT}:ro`] : []),
      ...(libs && clock ? [`${libs.fix}:${CLOCK_FIX_MOUNT}:ro`, `${libs.faketime}:${FAKETIME_MOUNT}:ro`, `${resolve(clock.dir)}:${CLOCK_MOUNT}:ro`] : []),
    ];
    const preloadVars: Record<string, string> = preload.length ? { LD_PRELOAD: preload.reduce((acc, lib) => withPreload(acc, lib), env.LD_PRELOAD) } : {};
    // isolation: scenario makes every node fresh at each scenario. A node's address then lives
    // in a holder container of its own (a pod's "pause" container), which the node's
    // containers join: a fresh container starts in about 0.2 s instead of 0.6 s (measured on
    // Docker 20.10), as no network endpoint is set up again, and faults, capture and the
    // address stay put across incarnations.
    // A warm node (warm-container.ts) holds its own address: it is one container for the run.
    const warm = plan.isolation === 'scenario' && warmNodes(image, opts.keep);
    const holder = plan.isolation === 'scenario' && !warm ? await this.netHolder(node, image, address) : undefined;
    const baseName = `netlab-${plan.name}-${opts.runId}-${node.name}`;
    let incarnation = 1;
    const spec = (name: string, workDir?: string): Docker.ContainerCreateOptions => ({
      name,
      ...(holder ? {} : { Hostname: node.name }),
      Image: image,
      Cmd: command,
      // A submission's PATH has no reference apps on it (and their folder is hidden below).
      Env: Object.entries({
        NETLAB_NODE_NAME: node.name,
        NETLAB_NODE_ADDRESS: address,
        PYTHONUNBUFFERED: '1',
        ...(sandbox ? { PATH: SUBMISSION_PATH } : {}),
        ...env,
        ...clockVars,
        ...preloadVars,
      }).map(([k, v]) => `${k}=${v}`),
      WorkingDir: WORKDIR,
      Labels: { ...labels, [LABEL_NODE]: node.name, [LABEL_ADDRESS]: address },
      OpenStdin: true,
      StdinOnce: false,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: {
        NetworkMode: holder ? `container:${holder.id}` : network,
        Init: true, // a real PID 1 that forwards signals, so stop is prompt
        // The engine's own copy of the output is capped: the lab keeps what it needs itself.
        LogConfig: { Type: 'json-file', Config: { 'max-size': '8m', 'max-file': '1' } },
        Memory: node.limits.memory ? parseSize(node.limits.memory) : undefined,
        NanoCpus: node.limits.cpus ? Math.round(node.limits.cpus * 1e9) : undefined,
        PidsLimit: node.limits.pids,
        ...(binds.length || workDir ? { Binds: [...binds, ...(workDir ? [`${workDir}:${WORKDIR}`] : [])] } : {}),
        // The grading sandbox: a submission gets no capabilities, cannot gain privileges,
        // runs as an unprivileged user, and cannot write a file past the cap.
        ...(sandbox
          ? {
              // The reference implementations are not the submission's to run or read.
              Tmpfs: { [REFERENCE_APPS_DIR]: 'ro,size=4k,mode=0555' },
              CapDrop: ['ALL'],
              SecurityOpt: ['no-new-privileges'],
              Ulimits: [
                { Name: 'fsize', Soft: sandbox.fileLimit, Hard: sandbox.fileLimit },
                { Name: 'nofile', Soft: 256, Hard: 256 },
              ],
            }
          : {}),
      },
      ...(sandbox ? { User: sandbox.user } : {}),
      ...(holder ? {} : { NetworkingConfig: { EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: address } } } } }),
    });
    if (warm) {
      const workDir = resolve(nodeFiles.work(opts.runDir, node.name, 1));
      return this.warmNode(node, image, address, clock, workDir, spec(baseName, workDir), command, sandbox?.user);
    }
    // A node made fresh at every scenario has its folder on this machine, bind-mounted
    // (work-folder.ts: placing and keeping it then cost no engine archive calls).
    const bindWork = holder && engineSharesFiles();
    const files = bindWork ? undefined : await filesTar(node.files);
    const make = async (): Promise<Incarnation> => {
      const n = incarnation++;
      const workDir = bindWork ? resolve(nodeFiles.work(opts.runDir, node.name, n)) : undefined;
      const placed = workDir ? placeWorkFolder(workDir, node.files) : 0;
      const container = await this.docker.createContainer(spec(n === 1 ? baseName : `${baseName}-${n}`, workDir));
      if (files) await container.putArchive(files, { path: '/' });
      // A disk limit counts what the node writes, not the files the lab placed.
      return { container, workDir, diskBaseline: node.limits.disk ? ((await writableLayerSize(container)) ?? 0) + placed : 0 };
    };
    const first = await make();
    const made = new DockerNode(this.docker, first.container, node.name, address, image, clock, this.setup.oomEvents);
    made.diskBaseline = first.diskBaseline;
    made.workDir = first.workDir;
    made.kept = opts.keep;
    made.recreate = make;
    made.netHolder = holder;
    if (holder) {
      made.spare = make();
      made.spare.catch(() => undefined);
    }
    return made;
  }

  /**
   * A warm node: its container made and started once, running only a sleep as root with no
   * capabilities (its limits, files, address and sandbox as the node's); every incarnation
   * of the program is an exec into it as the node's user (warm-container.ts).
   */
  private async warmNode(node: NodePlan, image: string, address: string, clock: NodeClock | undefined, workDir: string, spec: Docker.ContainerCreateOptions, command: string[], user?: string): Promise<RuntimeNode> {
    const placed = placeWorkFolder(workDir, node.files);
    const container = await this.docker.createContainer({
      ...spec,
      Cmd: ['sleep', 'infinity'],
      User: '0:0',
      OpenStdin: false,
      AttachStdin: false,
      HostConfig: { ...spec.HostConfig, PidsLimit: node.limits.pids ? node.limits.pids + WARM_HOLDER_PIDS : undefined },
    });
    await container.start();
    const made = new DockerNode(this.docker, container, node.name, address, image, clock, this.setup.oomEvents);
    made.workDir = workDir;
    made.diskBaseline = node.limits.disk ? ((await writableLayerSize(container)) ?? 0) + placed : 0;
    made.warm = { container: new WarmContainer(container, command, user), files: node.files, diskLimited: !!node.limits.disk };
    return made;
  }

  /**
   * The container that holds a node's address and network namespace, running nothing but a
   * sleep as an unprivileged user with no capabilities; started at once, as the node's
   * containers can only join a running one.
   */
  private async netHolder(node: NodePlan, image: string, address: string): Promise<Docker.Container> {
    const { plan, opts, network, labels } = this.setup;
    const make = async () => {
      const c = await this.docker.createContainer({
        name: `netlab-${plan.name}-${opts.runId}-${node.name}-net`,
        Hostname: node.name,
        Image: image,
        Cmd: ['sleep', 'infinity'],
        User: '65534:65534',
        Labels: { ...labels, [LABEL_HOLDS]: node.name, [LABEL_ADDRESS]: address },
        HostConfig: {
          NetworkMode: network,
          Init: true,
          CapDrop: ['ALL'],
          SecurityOpt: ['no-new-privileges'],
          Memory: 16 * 1024 * 1024,
          PidsLimit: 4,
          LogConfig: { Type: 'none', Config: {} },
        },
        NetworkingConfig: { EndpointsConfig: { [network]: { IPAMConfig: { IPv4Address: address } } } },
      });
      await c.start().catch(async (e: Error) => {
        // Docker 20.10 once answered a holder's first start with "cannot start an already
        // running container" (HTTP 500): if it does run, that start did what was asked.
        if (!/already running/.test(e.message) || !(await c.inspect().then((i) => i.State?.Running, () => false))) {
          await c.remove({ force: true }).catch(() => undefined);
          throw e;
        }
      });
      return c;
    };
    try {
      return await make();
    } catch (e) {
      // The engine failing under load (seen in a 50-grade bench on a loaded machine: "cannot
      // start a stopped process", HTTP 500): the holder is made once more, same name and address.
      if ((e as { statusCode?: number }).statusCode !== 500 || opts.signal?.aborted) throw e;
      opts.logger.warn({ node: node.name, err: e }, 'network holder did not start: made again');
      return make();
    }
  }

  wireTarget(): WireTarget {
    return dockerWireTarget(this.setup.subnet);
  }

  private loopbackShim(): string {
    if (this.shimPath) return this.shimPath;
    const r = bindShim(this.setup.projectRoot);
    if (!r.path) throw new RuntimeError(`the loopback policy needs the socket shim: ${r.why}`);
    return (this.shimPath = hostVisible(r.path));
  }
}

/**
 * Whether the nodes of an `isolation: scenario` lab run warm (one container a node for the
 * run, the program an exec into it): on an engine on this machine (its files and pids are
 * this machine's), with the lab's own images (they have `sleep` and no entrypoint), when
 * the lab is not kept (a kept lab's nodes are adopted as containers). NETLAB_WARM_NODES=0
 * turns it off.
 */
function warmNodes(image: string, keep: boolean | undefined, env: NodeJS.ProcessEnv = process.env): boolean {
  return env.NETLAB_WARM_NODES !== '0' && !keep && image.startsWith('netlab/') && engineSharesFiles(env) && !env[GRADER_ENV.hostProc];
}

/**
 * Where a Docker lab's packets are captured from the host, given its network's subnet (a
 * prepared lab knows it; a kept one reads it from its network). A Linux bridge hands frames
 * between its ports without passing them up the bridge device (br-<id>), so a capture there
 * sees only traffic to and from the host. The lab's packets are taken on every interface
 * instead, filtered by the lab's subnet, and the decoder keeps each packet once: as it
 * enters the bridge from its sender's veth (copies the host sends out are "outgoing" and
 * left out). The host's own address is left out but for the capture's marker datagrams,
 * which the host sends to itself on the bridge's address: they cross lo, where -Q in sees
 * them enter (a broadcast into the bridge only ever leaves the host's interfaces, so -Q in
 * never wrote it and every wire step waited for it in vain).
 */
export function dockerWireTarget(subnet: Subnet): WireTarget {
  const gw = hostAddress(subnet, 1);
  return {
    iface: 'any',
    // MTU 1500: 2048 keeps every frame whole. With immediate mode a ring slot is snaplen
    // long, so the default 256 KiB left 64 slots and bursts were dropped (3601 measured).
    snaplen: 2048,
    filter: `(net ${subnet.cidr} and not host ${gw}) or (src host ${gw} and udp dst port 9)`,
    range: subnet.cidr,
    marker: { from: gw, to: gw },
  };
}
